//! Detection: which profile (toolchain) and package manager a Dockerfile builds with, scored
//! and explained.
//!
//! [`detect`] reads two sources of evidence and is generic over the profiles: every rule and
//! weight comes from the [`Registry`].
//!
//! - **The Dockerfile (`dockerfile` score).** FROM images (global `ARG` defaults substituted),
//!   `RUN` commands, distro packages installed with apt/apk/dnf/..., `CMD`/`ENTRYPOINT`
//!   commands, and the COPY/ADD sources, matched by name (`COPY package*.json ./` names
//!   `package.json` even when the context is not available) at a file rule's `copied` weight.
//! - **The build context (`context` score).** Files that only arrive through a whole-folder copy
//!   (`COPY . .`) weigh the mean of `present` and `copied`; stray files weigh `present` (half
//!   below `scoring.full_depth`). Folders in `_system.yaml`'s `skip_dirs` are never scanned.
//!
//! Every rule counts at most once per Dockerfile. For one simple command only the most specific
//! command rules (most words) count, so `pip install poetry` is evidence for poetry.
//!
//! **Ranking and tie-break.** Profiles are ranked by total score; equal totals go to the higher
//! Dockerfile score, then to the profile name in alphabetical order. The winner must have some
//! Dockerfile evidence and at least `scoring.min_score` in total, otherwise the profile is
//! `None` with a `reason`. Package managers of the winning profile are ranked the same way, with
//! the profile's order of package managers as the last tie-break; without any evidence the
//! profile's `default_package_manager` is used and the evidence says so.
//!
//! **Confidence** = share × strength × closeness, rounded to two decimals. Other profiles count
//! only with their *distinct* evidence: their total minus the evidence lines they share with the
//! winner (same observation, same weight; a JDK base image is evidence for both Java profiles
//! but does not tell them apart). share is the winner's total over itself plus the others'
//! distinct totals, strength is `min(1, total / scoring.strong_score)`, closeness is
//! `1 − 0.25 × distinct runner-up / winner`. When the winner's own distinct evidence is no more
//! than the runner-up's (a dead heat), the confidence is at most 0.5.

mod context;
mod installs;
mod probe;

pub use context::{ContextChoice, infer_context};
pub use probe::{CopyStatus, ProbeValue};

pub use crate::profile::Facts;
use crate::profile::pattern::{Glob, GlobShape, capture_str, glob, has_hole, is_glob};
use crate::profile::{
    CommandRule, FileRule, ImageRule, PackageManager, Profile, Registry, SystemRules, split_image,
};
use crate::shell::{self, Commands};
use crate::source::Context;
use crate::syntax::{Dockerfile, Form, Instruction};
pub use installs::installed_packages;
use probe::{ContextFile, FileTexts, ProbeEnv, ProbePlan};
use serde::Serialize;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

/// The answer of [`detect`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    /// The winning profile, or `None` (see `reason`).
    pub profile: Option<String>,
    /// The package manager of the winning profile.
    pub package_manager: Option<String>,
    /// Versions seen: tool → version (`node` → `18`, `java` → `17`, `target_framework` →
    /// `net8.0`).
    pub versions: BTreeMap<String, String>,
    /// 0..1; see the module docs.
    pub confidence: f64,
    /// The lines that produced the answer, with their weights.
    pub evidence: Vec<String>,
    /// Why `profile` is `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every profile with evidence, best first.
    pub scores: Vec<ProfileScore>,
    /// What the rewrite needs to know, read from the Dockerfile and manifests.
    pub facts: Facts,
}

/// One profile's score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProfileScore {
    /// The profile name.
    pub profile: String,
    /// Evidence from the Dockerfile itself (FROM, RUN, packages, start commands, COPY names).
    pub dockerfile: f64,
    /// Evidence from context files the Dockerfile does not name.
    pub context: f64,
    /// `dockerfile + context`.
    pub total: f64,
}

impl Facts {
    fn set(&mut self, name: &str, value: ProbeValue) -> bool {
        fn text(v: &ProbeValue) -> Option<String> {
            match v {
                ProbeValue::Text(t) => Some(t.clone()),
                ProbeValue::List(_) | ProbeValue::Map(_) => None,
            }
        }
        fn truthy(v: &ProbeValue) -> bool {
            text(v).is_some_and(|t| t != "false" && t != "0")
        }
        fn names(v: ProbeValue) -> Vec<String> {
            match v {
                ProbeValue::Text(t) => vec![t],
                ProbeValue::List(l) => l,
                ProbeValue::Map(m) => m.into_keys().collect(),
            }
        }
        let slot = |o: &mut Option<String>, v: &ProbeValue| -> bool {
            if o.is_none() {
                *o = text(v);
            }
            o.is_some()
        };
        match name {
            "binary" => slot(&mut self.binary, &value),
            "artifact_version" => slot(&mut self.artifact_version, &value),
            "packaging" => slot(&mut self.packaging, &value),
            "final_name" => slot(&mut self.final_name, &value),
            "uses_cgo" => {
                self.uses_cgo |= truthy(&value);
                self.uses_cgo
            }
            "web_sdk" => {
                self.web_sdk |= truthy(&value);
                self.web_sdk
            }
            "workspace" => {
                self.workspace |= truthy(&value);
                self.workspace
            }
            "scripts" => {
                if let ProbeValue::Map(m) = value {
                    self.scripts = m;
                }
                true
            }
            "dependencies" => {
                self.dependencies = names(value);
                true
            }
            "dev_dependencies" => {
                self.dev_dependencies = names(value);
                true
            }
            other => match text(&value) {
                Some(t) => {
                    self.extra.entry(other.to_string()).or_insert(t);
                    true
                }
                None => false,
            },
        }
    }
}

/// A report line for `restage detect --format json` (the fixed shape); the CLI builds
/// `{"files": [FileReport, ...]}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    /// The Dockerfile, as given on the command line.
    pub path: String,
    /// The detected profile, `null` when none.
    pub profile: Option<String>,
    /// The package manager of that profile.
    pub package_manager: Option<String>,
    /// Versions seen (tool → version).
    pub versions: BTreeMap<String, String>,
    /// 0..1.
    pub confidence: f64,
    /// The build context used (given with `--context`, or inferred).
    pub context: String,
    /// Why, line by line.
    pub evidence: Vec<String>,
    /// Why the profile is `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Detection {
    /// The report line for one file, with the context the CLI used.
    pub fn to_report(&self, path: impl Into<String>, context: impl Into<String>) -> FileReport {
        FileReport {
            path: path.into(),
            profile: self.profile.clone(),
            package_manager: self.package_manager.clone(),
            versions: self.versions.clone(),
            confidence: self.confidence,
            context: context.into(),
            evidence: self.evidence.clone(),
            reason: self.reason.clone(),
        }
    }

    /// The runtime image for the detected profile's builder image.
    pub fn runtime_image(&self, registry: &Registry) -> Option<String> {
        let profile = registry.get(self.profile.as_deref()?)?;
        let builder = self.facts.builder_image.as_deref().unwrap_or("");
        profile.runtime_image_for(builder, &self.facts, &self.versions)
    }
}

/// An image seen in the Dockerfile.
#[derive(Clone, Debug)]
struct SeenImage {
    /// As written after ARG substitution.
    raw: String,
    name: String,
    tag: Option<String>,
    /// From `FROM` (true) or `COPY --from=<image>` (false).
    from: bool,
    /// Keys of the name and of its trailing parts after each `/`.
    keys: Keys,
}

impl SeenImage {
    fn new(raw: String, from: bool) -> Self {
        let (name, tag) = split_image(&raw);
        let mut keys = Keys::default();
        keys.insert(&name);
        for (i, _) in name.match_indices('/') {
            keys.insert(&name[i + 1..]);
        }
        Self {
            raw,
            name,
            tag,
            from,
            keys,
        }
    }
}

/// Keys of the strings a literal pattern could equal: length, first and last byte hashed into
/// 256 bits. A literal whose key is absent equals none of the strings.
#[derive(Clone, Debug, Default)]
struct Keys([u64; 4]);

impl Keys {
    fn key(s: &str) -> usize {
        let b = s.as_bytes();
        let first = u32::from(b.first().copied().unwrap_or(0));
        let last = u32::from(b.last().copied().unwrap_or(0));
        let h = (b.len() as u32).wrapping_mul(0x9E37_79B1)
            ^ first.wrapping_mul(0x85EB_CA6B)
            ^ last.wrapping_mul(0xC2B2_AE35);
        (h >> 24) as usize
    }

    fn insert(&mut self, s: &str) {
        let k = Self::key(s);
        self.0[k >> 6] |= 1 << (k & 63);
    }

    /// Whether `s` may be one of the strings (false: it is none of them).
    fn may_hold(&self, s: &str) -> bool {
        self.may_hold_key(Self::key(s))
    }

    /// [`Keys::may_hold`] given the string's [`Keys::key`].
    fn may_hold_key(&self, k: usize) -> bool {
        self.0[k >> 6] >> (k & 63) & 1 == 1
    }
}

/// What a rule pattern's cheap rejection needs, read once: its [`Keys::key`] and whether it
/// has wildcards (a literal only equals strings with its key); and its glob's shape.
#[derive(Clone, Copy, Debug)]
struct RuleKey {
    key: usize,
    wild: bool,
    shape: GlobShape,
}

impl RuleKey {
    fn new(pattern: &str) -> Self {
        Self {
            key: Keys::key(pattern),
            wild: has_wildcard(pattern),
            shape: Glob::new(pattern).shape(),
        }
    }
}

/// The [`RuleKey`]s of one rule set's image and file rules, in rule order, and the file rules'
/// path patterns read once.
#[derive(Clone, Debug)]
struct RuleKeys {
    images: Vec<RuleKey>,
    files: Vec<(RuleKey, PathParts)>,
}

impl RuleKeys {
    fn new(images: &[ImageRule], files: &[FileRule]) -> Self {
        Self {
            images: images.iter().map(|r| RuleKey::new(&r.image)).collect(),
            files: files
                .iter()
                .map(|r| (RuleKey::new(&r.path), PathPattern::new(&r.path).parts()))
                .collect(),
        }
    }
}

/// Whether a glob has `*` or `?` (else it only matches itself).
fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// A COPY/ADD source (no `--from`), normalised: no leading `./` or `/`; with what matching
/// needs read off once.
struct Source {
    path: String,
    /// Where the last component starts (`path.rsplit('/')`).
    name_at: usize,
    /// The last non-empty component (`path.trim_end_matches('/').rsplit('/')`) as a range.
    base: (usize, usize),
    /// The path holds `*` or `?` (a pattern for [`glob`]).
    wild: bool,
    /// The base holds `*` or `?`.
    base_wild: bool,
    /// The base's glob shape when it is wild (it is matched against every literal file rule).
    base_shape: Option<GlobShape>,
    /// [`is_glob`]: also `[`.
    is_glob: bool,
}

impl Source {
    fn new(path: String) -> Self {
        let name_at = path.rfind('/').map_or(0, |i| i + 1);
        let trimmed = path.trim_end_matches('/');
        let base = (trimmed.rfind('/').map_or(0, |i| i + 1), trimmed.len());
        let wild = path.contains(['*', '?']);
        let base_wild = path[base.0..base.1].contains(['*', '?']);
        let base_shape = base_wild.then(|| Glob::new(&path[base.0..base.1]).shape());
        let is_glob = is_glob(&path);
        Self {
            path,
            name_at,
            base,
            wild,
            base_wild,
            base_shape,
            is_glob,
        }
    }

    fn name(&self) -> &str {
        &self.path[self.name_at..]
    }

    /// Whether this source (a context path glob or a literal path) names the rule path (a
    /// glob): it matches the rule, or, for a literal rule, the source's last component as a
    /// glob matches the rule (`COPY package*.json` names `package.json`).
    fn names(&self, rule: &PathPattern<'_>) -> bool {
        if rule.matches(&self.path, self.name()) {
            return true;
        }
        if rule.is_glob {
            return false;
        }
        let base = &self.path[self.base.0..self.base.1];
        if let Some(shape) = self.base_shape {
            Glob::with_shape(base, shape).matches(rule.text)
        } else {
            base == rule.text && base.len() <= GLOB_MAX
        }
    }
}

/// Inputs longer than this never match a [`glob`].
const GLOB_MAX: usize = 4096;

/// A rule's path glob read once (see [`path_matches`](crate::profile::pattern::path_matches)).
struct PathPattern<'p> {
    text: &'p str,
    glob: Glob<'p>,
    /// Holds `/`: matched against the whole path, else against the file name.
    slash: bool,
    /// [`is_glob`]: `*`, `?` or `[`.
    is_glob: bool,
}

/// What [`PathPattern::new`] reads off a pattern, kept where the pattern is matched again
/// (indexes built once per registry; see [`PathPattern::with_parts`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PathParts {
    shape: GlobShape,
    slash: bool,
    is_glob: bool,
}

impl<'p> PathPattern<'p> {
    fn new(text: &'p str) -> Self {
        let glob = Glob::new(text);
        Self {
            text,
            glob,
            slash: text.contains('/'),
            is_glob: !glob.is_literal() || text.contains('['),
        }
    }

    fn parts(&self) -> PathParts {
        PathParts {
            shape: self.glob.shape(),
            slash: self.slash,
            is_glob: self.is_glob,
        }
    }

    /// [`PathPattern::new`] without reading the pattern again: `parts` are the
    /// [`PathPattern::parts`] of this same pattern.
    fn with_parts(text: &'p str, parts: PathParts) -> Self {
        Self {
            text,
            glob: Glob::with_shape(text, parts.shape),
            slash: parts.slash,
            is_glob: parts.is_glob,
        }
    }

    /// No `*` or `?`.
    fn literal(&self) -> bool {
        self.glob.is_literal()
    }

    /// [`path_matches`](crate::profile::pattern::path_matches) given the path and its last component.
    fn matches(&self, path: &str, name: &str) -> bool {
        self.glob.matches(if self.slash { path } else { name })
    }
}

/// Everything profile-independent read from the Dockerfile.
struct Observed<'a> {
    images: Vec<SeenImage>,
    run: Commands<'a>,
    start: Commands<'a>,
    /// (package, distro family)
    packages: Vec<(String, String)>,
    /// COPY/ADD sources (no `--from`), normalised: no leading `./` or `/`.
    sources: Vec<Source>,
    /// Folders copied whole (`""` is the whole context).
    dir_sources: Vec<String>,
}

fn substitute_args(text: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{')
            && let Some(end) = inner.find('}')
        {
            let expr = &inner[..end];
            let (name, default) = match expr.split_once(":-").or_else(|| expr.split_once('-')) {
                Some((n, d)) => (n, Some(d)),
                None => (expr, None),
            };
            let value = args
                .get(name)
                .filter(|v| !v.is_empty())
                .cloned()
                .or(default.map(str::to_string));
            out.push_str(&value.unwrap_or_default());
            rest = &inner[end + 1..];
            continue;
        }
        let len = after
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(after.len(), |(i, _)| i);
        if len == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(args.get(&after[..len]).map_or("", String::as_str));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

fn normalise_source(s: &str) -> String {
    let mut s = s.trim();
    loop {
        if let Some(r) = s.strip_prefix("./") {
            s = r;
        } else if let Some(r) = s.strip_prefix('/') {
            s = r;
        } else {
            break;
        }
    }
    if s == "." {
        String::new()
    } else {
        s.to_string()
    }
}

/// The COPY/ADD sources of an instruction (no `--from`), as written.
pub(crate) fn copy_sources(ins: &Instruction) -> Vec<String> {
    if !(ins.is("COPY") || ins.is("ADD")) || ins.has_flag("from") || !ins.heredocs.is_empty() {
        return Vec::new();
    }
    let values = ins.values();
    if values.len() < 2 {
        return Vec::new();
    }
    values
        .all_but_last()
        .iter()
        .filter(|s| !s.contains("://") && !s.starts_with("git@") && !s.starts_with("<<"))
        .map(str::to_string)
        .collect()
}

#[inline(never)] // a phase of its own in profiles
fn observe<'a>(df: &'a Dockerfile, ctx: &dyn Context, system: &SystemRules) -> Observed<'a> {
    let mut global_args = BTreeMap::new();
    let mut seen_from = false;
    let mut stage_names = BTreeSet::new();
    let mut obs = Observed {
        images: Vec::new(),
        run: Commands::default(),
        start: Commands::default(),
        packages: Vec::new(),
        sources: Vec::new(),
        dir_sources: Vec::new(),
    };
    let prefixes = &system.command_prefixes;
    let installers = installs::InstallerWords::new(&system.installers);
    for ins in &df.instructions {
        match ins.keyword.as_ref() {
            "ARG" if !seen_from => {
                for word in ins.values() {
                    let (k, v) = word.split_once('=').unwrap_or((word, ""));
                    global_args.insert(k.to_string(), v.trim_matches(['"', '\'']).to_string());
                }
            }
            "FROM" => {
                seen_from = true;
                if let Some(image) = ins.from_image() {
                    let raw = substitute_args(image, &global_args);
                    if !stage_names.contains(&raw.to_ascii_lowercase()) && raw != "scratch" {
                        obs.images.push(SeenImage::new(raw, true));
                    }
                }
                if let Some(stage) = ins.stage_name() {
                    stage_names.insert(stage.to_ascii_lowercase());
                }
            }
            "RUN" => {
                let first = obs.run.len();
                match ins.form {
                    Some(Form::Exec) => {
                        shell::exec_command_into(ins.values(), prefixes, &mut obs.run)
                    }
                    _ if ins.heredocs.is_empty() => {
                        shell::simple_commands_into(ins.arguments(), prefixes, &mut obs.run)
                    }
                    // A heredoc body the shell runs is read like the line itself.
                    _ => {
                        shell::simple_commands_into(ins.arguments(), prefixes, &mut obs.run);
                        let heredocs = ins.heredocs.iter().map(|h| (&*h.name, &*h.content));
                        for body in shell::script_bodies(ins.arguments(), heredocs) {
                            shell::simple_commands_into(body, prefixes, &mut obs.run);
                        }
                    }
                };
                for c in first..obs.run.len() {
                    for (pkg, installer) in installs::installed_by(obs.run.words(c), &installers) {
                        if !obs.packages.iter().any(|(p, _)| p == pkg) {
                            obs.packages
                                .push((pkg.to_string(), installer.family.clone()));
                        }
                    }
                }
            }
            "CMD" | "ENTRYPOINT" => match ins.form {
                Some(Form::Exec) => {
                    shell::exec_command_into(ins.values(), prefixes, &mut obs.start)
                }
                _ => shell::simple_commands_into(ins.arguments(), prefixes, &mut obs.start),
            },
            "COPY" | "ADD" => {
                if let Some(from) = ins.flag("from") {
                    let from = substitute_args(from, &global_args);
                    let is_stage = stage_names.contains(&from.to_ascii_lowercase())
                        || from.chars().all(|c| c.is_ascii_digit());
                    if !is_stage {
                        obs.images.push(SeenImage::new(from, false));
                    }
                    continue;
                }
                for source in copy_sources(ins) {
                    let s = normalise_source(&source);
                    let is_dir =
                        s.is_empty() || source.ends_with('/') || (!is_glob(&s) && ctx.is_dir(&s));
                    if is_dir {
                        obs.dir_sources.push(s.trim_end_matches('/').to_string());
                    } else {
                        obs.sources.push(Source::new(s));
                    }
                }
            }
            _ => {}
        }
    }
    obs
}

/// Whether a folder of `path` is one of `skip` (whose [`Keys`] are `skip_keys`: most folder
/// names are told apart from all of them by their key alone).
fn in_skipped_dir(path: &str, skip: &[String], skip_keys: &Keys) -> bool {
    match path.rfind('/') {
        Some(end) => path[..end]
            .split('/')
            .any(|p| skip_keys.may_hold(p) && skip.iter().any(|s| s == p)),
        None => false,
    }
}

#[inline(never)] // a phase of its own in profiles
fn context_files<'c>(
    ctx: &'c dyn Context,
    obs: &Observed,
    system: &SystemRules,
    skip_keys: &Keys,
) -> Vec<ContextFile<'c>> {
    ctx.files()
        .iter()
        .filter(|p| !in_skipped_dir(p, &system.skip_dirs, skip_keys))
        .map(|p| {
            let named = obs
                .sources
                .iter()
                .any(|s| s.path == *p || (s.wild && glob(&s.path, p)));
            let broad = obs.dir_sources.iter().any(|d| {
                d.is_empty()
                    || (p.len() > d.len()
                        && p.starts_with(d.as_str())
                        && p.as_bytes()[d.len()] == b'/')
            });
            let status = if named {
                CopyStatus::Named
            } else if broad {
                CopyStatus::Broad
            } else {
                CopyStatus::Present
            };
            ContextFile {
                path: p,
                name: p.rsplit('/').next().unwrap_or(p),
                status,
                depth: p.bytes().filter(|&b| b == b'/').count(),
            }
        })
        .collect()
}

/// The context files, with an index by file name for literal rules once there are many.
struct FileSet<'f, 'c> {
    files: &'f [ContextFile<'c>],
    /// The COPY/ADD sources.
    sources: SourceSet<'f>,
    /// Keys of the file names and paths.
    keys: Keys,
    /// The last bytes of the file names and paths (a pattern ending in a literal byte only
    /// matches texts ending in it).
    ends: [u64; 4],
    /// File indices sorted by name (built on first use in a big context).
    by_name: OnceCell<Vec<u32>>,
}

impl<'f, 'c> FileSet<'f, 'c> {
    /// Below this many files a scan is cheaper than an index.
    const INDEX_ABOVE: usize = 48;

    fn new(files: &'f [ContextFile<'c>], sources: &'f [Source]) -> Self {
        let mut keys = Keys::default();
        let mut ends = [0u64; 4];
        for f in files {
            keys.insert(f.name);
            if f.path.len() != f.name.len() {
                keys.insert(f.path);
            }
            for b in [f.name, f.path].iter().filter_map(|t| t.bytes().last()) {
                ends[usize::from(b >> 6)] |= 1 << (b & 63);
            }
        }
        Self {
            files,
            sources: SourceSet::new(sources),
            keys,
            ends,
            by_name: OnceCell::new(),
        }
    }

    /// Call `f` with each file the rule path matches (in no particular order).
    fn for_each_match(&self, rule: &PathPattern<'_>, mut f: impl FnMut(&'f ContextFile<'c>)) {
        // A pattern ending in a literal byte matches no file when no name or path ends in it
        // (not `/`: the one in a trailing `**/` may match nothing).
        if let Some(&b) = rule.text.as_bytes().last()
            && !matches!(b, b'*' | b'?' | b'/')
            && self.ends[usize::from(b >> 6)] >> (b & 63) & 1 == 0
        {
            return;
        }
        if rule.literal() && !rule.slash && self.files.len() > Self::INDEX_ABOVE {
            if rule.text.len() > GLOB_MAX {
                return;
            }
            let index = self.by_name.get_or_init(|| {
                let mut index: Vec<u32> = (0..self.files.len() as u32).collect();
                index
                    .sort_by(|&a, &b| self.files[a as usize].name.cmp(self.files[b as usize].name));
                index
            });
            let start = index.partition_point(|&i| self.files[i as usize].name < rule.text);
            for &i in &index[start..] {
                let file = &self.files[i as usize];
                if file.name != rule.text {
                    break;
                }
                f(file);
            }
            return;
        }
        for file in self.files {
            if rule.matches(file.path, file.name) {
                f(file);
            }
        }
    }
}

/// An evidence line without its weight, kept in pieces and written out only when reported
/// (most tallies never are). Two lines are equal when their texts are.
#[derive(Clone, Debug)]
enum What<'a> {
    Parts([&'a str; 4]),
    Text(String),
}

impl<'a> What<'a> {
    /// The line made of these pieces.
    fn of<const N: usize>(pieces: [&'a str; N]) -> Self {
        let mut parts = [""; 4];
        parts[..N].copy_from_slice(&pieces);
        What::Parts(parts)
    }

    fn pieces(&self) -> impl Iterator<Item = &str> {
        let (parts, text): (&[&str], Option<&str>) = match self {
            What::Parts(parts) => (parts, None),
            What::Text(text) => (&[], Some(text)),
        };
        parts.iter().copied().chain(text)
    }

    fn len(&self) -> usize {
        self.pieces().map(str::len).sum()
    }
}

impl PartialEq for What<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .pieces()
                .flat_map(str::bytes)
                .eq(other.pieces().flat_map(str::bytes))
    }
}

/// Accumulates one candidate's score and evidence.
#[derive(Default)]
struct Tally<'a> {
    dockerfile: f64,
    context: f64,
    /// Each evidence line (without its weight) with its weight; see [`Tally::evidence`].
    weighted: Vec<(What<'a>, f64)>,
}

impl<'a> Tally<'a> {
    fn add_dockerfile(&mut self, weight: f64, what: What<'a>) {
        if weight > 0.0 {
            self.dockerfile += weight;
            self.weighted.push((what, weight));
        }
    }
    fn add_context(&mut self, weight: f64, what: What<'a>) {
        if weight > 0.0 {
            self.context += weight;
            self.weighted.push((what, weight));
        }
    }
    /// The evidence lines, `<prefix><what> (+<weight>)`.
    fn evidence<'t>(&'t self, prefix: &'t str) -> impl Iterator<Item = String> + 't {
        self.weighted.iter().map(move |(what, w)| {
            let mut line = String::with_capacity(prefix.len() + what.len() + 8);
            line.push_str(prefix);
            what.pieces().for_each(|p| line.push_str(p));
            line.push_str(" (+");
            push_weight(&mut line, *w);
            line.push(')');
            line
        })
    }
    fn total(&self) -> f64 {
        self.dockerfile + self.context
    }
    /// The weight of the evidence two profiles share line for line (same observation, same
    /// weight): a JDK base image says "Java" but not "Maven or Gradle".
    fn overlap(&self, other: &Tally<'_>) -> f64 {
        let mut rest: Vec<&(What<'_>, f64)> = other.weighted.iter().collect();
        let mut shared = 0.0;
        for line in &self.weighted {
            if let Some(i) = rest.iter().position(|o| *o == line) {
                shared += line.1;
                rest.swap_remove(i);
            }
        }
        shared
    }
}

fn fmt_weight(w: f64) -> String {
    let mut out = String::new();
    push_weight(&mut out, w);
    out
}

/// A weight as `{w:.0}` when it is whole, else `{w}`; whole weights of usual size are written
/// as integers (the same digits, without the slow exact float formatting).
fn push_weight(out: &mut String, w: f64) {
    use std::fmt::Write as _;
    let written = if w.fract() == 0.0 && w.abs() < 1e15 && (w != 0.0 || w.is_sign_positive()) {
        write!(out, "{}", w as i64)
    } else if w.fract() == 0.0 {
        write!(out, "{w:.0}")
    } else {
        write!(out, "{w}")
    };
    written.expect("writing to a String never fails");
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// [`ImageRule::matches`] for a seen image.
fn image_rule_matches(rule: &ImageRule, key: RuleKey, img: &SeenImage) -> bool {
    image_name_matches(&rule.image, key, img)
        && rule
            .tag
            .as_deref()
            .is_none_or(|t| img.tag.as_deref().is_some_and(|tag| glob(t, tag)))
}

/// [`crate::profile::image_name_matches`]: the glob matches the name or a trailing part of it
/// (after a `/`); a literal is compared without globbing.
fn image_name_matches(pattern: &str, key: RuleKey, img: &SeenImage) -> bool {
    if !key.wild && !img.keys.may_hold_key(key.key) {
        return false;
    }
    let name = img.name.as_str();
    let glob = Glob::with_shape(pattern, key.shape);
    if glob.is_literal() {
        let n = pattern.len();
        return n <= GLOB_MAX
            && (name == pattern
                || (name.len() > n
                    && name.ends_with(pattern)
                    && name.as_bytes()[name.len() - n - 1] == b'/'));
    }
    // Each literal run of the pattern (less a leading `/`, which a `**/` may skip) is in every
    // text it matches, so in the name: most names are rejected without globbing.
    if !pattern
        .split(['*', '?'])
        .all(|run| name.contains(run.strip_prefix('/').unwrap_or(run)))
    {
        return false;
    }
    glob.matches(name)
        || name
            .match_indices('/')
            .any(|(i, _)| glob.matches(&name[i + 1..]))
}

fn score_images<'a>(
    rules: &[ImageRule],
    keys: &[RuleKey],
    images: &'a [SeenImage],
    from_only: bool,
    tally: &mut Tally<'a>,
    label: &'a str,
) {
    for (rule, &key) in rules.iter().zip(keys) {
        if let Some(img) = images
            .iter()
            .filter(|i| !from_only || i.from)
            .find(|i| image_rule_matches(rule, key, i))
        {
            let kw = if img.from { "FROM" } else { "COPY --from" };
            tally.add_dockerfile(rule.weight, What::of([kw, " ", &img.raw, label]));
        }
    }
}

/// A command rule with its first word split off (owned, so indexes can be kept on the
/// [`Registry`]).
#[derive(Clone, Debug)]
struct IndexedRule {
    /// The rule's words, as written.
    command: String,
    weight: f64,
    /// [`CommandRule::len`].
    len: usize,
    /// The first word: `command[first.0..first.1]`.
    first: (usize, usize),
    /// The first word has no `*` or `?`.
    literal: bool,
    /// The length of the first word's text before its first `*` or `?`: every name it matches
    /// starts with that text.
    prefix: usize,
    /// The length of the first word's text after its last `*` or `?` (and a `/` right after it,
    /// which a `**/` may skip): every name it matches ends with that text.
    suffix: usize,
    /// The first byte of that prefix, when there is one (checked before anything else).
    head: Option<u8>,
}

impl IndexedRule {
    fn new(rule: &CommandRule) -> Option<Self> {
        let (first, rest) = first_word(&rule.command)?;
        let end = rule.command.len() - rest.len();
        Some(Self {
            command: rule.command.clone(),
            weight: rule.weight,
            len: rule.len(),
            first: (end - first.len(), end),
            literal: Glob::new(first).is_literal(),
            prefix: first.find(['*', '?']).unwrap_or(first.len()),
            suffix: literal_suffix(first).len(),
            head: first.bytes().next().filter(|b| !matches!(b, b'*' | b'?')),
        })
    }

    /// [`CommandRule::len`], counted only for rules that matched.
    fn len(&self) -> usize {
        self.len
    }

    fn first(&self) -> &str {
        &self.command[self.first.0..self.first.1]
    }

    /// Whether the first word matches the command name.
    fn first_matches(&self, name: &str) -> bool {
        if self
            .head
            .is_some_and(|h| name.as_bytes().first() != Some(&h))
        {
            return false;
        }
        let first = self.first();
        name.starts_with(&first[..self.prefix])
            && name.ends_with(&first[first.len() - self.suffix..])
            && Glob::new(first).matches(name)
    }

    /// [`CommandRule::matches`] once the first word matches: the other rule words appear later
    /// in the command, in order.
    fn rest_matches(&self, words: &[Cow<'_, str>]) -> bool {
        let mut rest = words[1..].iter();
        self.command[self.first.1..]
            .split_whitespace()
            .all(|rw| rest.any(|w| glob(rw, w)))
    }
}

/// The text after a glob's last `*` or `?`, without a leading `/` (`**/` may match nothing).
fn literal_suffix(pattern: &str) -> &str {
    match pattern.rfind(['*', '?']) {
        Some(i) => pattern[i + 1..]
            .strip_prefix('/')
            .unwrap_or(&pattern[i + 1..]),
        None => pattern,
    }
}

/// The first whitespace-separated word of `s` (as `split_whitespace` reads it) and the rest.
fn first_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let b = s.as_bytes();
    let end = match b
        .iter()
        .position(|&c| matches!(c, 9..=13 | b' ') || c >= 0x80)
    {
        Some(i) if b[i] >= 0x80 => i + s[i..].find(char::is_whitespace).unwrap_or(s.len() - i),
        Some(i) => i,
        None => s.len(),
    };
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// The command rules of several owners (profiles or package managers), numbered owner by
/// owner in rule order, prepared to match commands: rules with a literal first word are
/// sorted by it, so a command name finds its rules by binary search.
#[derive(Clone, Debug)]
struct CommandIndex {
    rules: Vec<IndexedRule>,
    /// The first rule number of each owner, and the total at the end.
    owner_start: Vec<u32>,
    /// Rules with a literal first word, sorted by that word, then ascending.
    literal: Vec<u32>,
    /// Each distinct literal first word (as the number of a rule that starts with it) and its
    /// rules `literal[lo..hi]`, grouped by the word's [`Keys::key`].
    words: Vec<(u32, u32, u32)>,
    /// Where each key's group starts in `words` (257 entries): a command name finds its
    /// literal rules in a group of a word or two instead of by binary search.
    key_start: Vec<u32>,
    /// Rules whose first word has wildcards, ascending.
    wild: Vec<u32>,
}

/// Which rules each command matches: `(command, start, end)` into `ids`, commands in order
/// and rule numbers ascending; commands matching nothing are left out.
struct CommandMatches {
    commands: Vec<(u32, u32, u32)>,
    ids: Vec<u32>,
}

impl CommandIndex {
    fn new<'r, I>(owners: I) -> Self
    where
        I: IntoIterator<Item = &'r [CommandRule]>,
    {
        let mut rules = Vec::new();
        let mut owner_start = Vec::new();
        for group in owners {
            owner_start.push(rules.len() as u32);
            rules.extend(group.iter().filter_map(IndexedRule::new));
        }
        owner_start.push(rules.len() as u32);
        let (mut literal, wild): (Vec<u32>, Vec<u32>) =
            (0..rules.len() as u32).partition(|&id| rules[id as usize].literal);
        // A stable sort keeps rule order among equal words.
        literal.sort_by(|&a, &b| rules[a as usize].first().cmp(rules[b as usize].first()));
        let mut words: Vec<(u32, u32, u32)> = Vec::new();
        for (at, &id) in literal.iter().enumerate() {
            let first = rules[id as usize].first();
            match words.last_mut() {
                Some(last) if rules[last.0 as usize].first() == first => last.2 += 1,
                _ => words.push((id, at as u32, at as u32 + 1)),
            }
        }
        words.sort_by_key(|&(id, ..)| Keys::key(rules[id as usize].first()));
        let mut key_start = vec![0u32; 257];
        for &(id, ..) in &words {
            key_start[Keys::key(rules[id as usize].first()) + 1] += 1;
        }
        for k in 0..256 {
            key_start[k + 1] += key_start[k];
        }
        Self {
            rules,
            owner_start,
            literal,
            words,
            key_start,
            wild,
        }
    }

    /// The rules whose literal first word is `name`, ascending.
    fn literal_rules(&self, name: &str) -> &[u32] {
        // A literal first word matches only itself (and nothing over the glob size limit).
        if name.len() > GLOB_MAX {
            return &[];
        }
        let k = Keys::key(name);
        let group = &self.words[self.key_start[k] as usize..self.key_start[k + 1] as usize];
        group
            .iter()
            .find(|&&(id, ..)| self.rule(id).first() == name)
            .map_or(&[], |&(_, lo, hi)| &self.literal[lo as usize..hi as usize])
    }

    fn rule(&self, id: u32) -> &IndexedRule {
        &self.rules[id as usize]
    }

    /// The rule numbers of one owner.
    fn owner(&self, owner: usize) -> std::ops::Range<u32> {
        self.owner_start[owner]..self.owner_start[owner + 1]
    }

    /// Add the rules matching `words` to `out`, ascending.
    fn matching(&self, words: &[Cow<'_, str>], out: &mut Vec<u32>) {
        let Some(name) = words.first() else { return };
        let start = out.len();
        let name = &**name;
        let mut literal = self.literal_rules(name).iter().copied().peekable();
        let mut wild = self
            .wild
            .iter()
            .copied()
            .filter(|&id| self.rule(id).first_matches(name))
            .peekable();
        // Merge the two ascending lists.
        loop {
            let id = match (literal.peek(), wild.peek()) {
                (Some(&a), Some(&b)) if a < b => literal.next(),
                (Some(_), Some(_)) | (None, Some(_)) => wild.next(),
                (Some(_), None) => literal.next(),
                (None, None) => break,
            };
            out.extend(id);
        }
        let mut keep = start;
        for i in start..out.len() {
            if self.rule(out[i]).rest_matches(words) {
                out[keep] = out[i];
                keep += 1;
            }
        }
        out.truncate(keep);
    }

    fn match_all(&self, commands: &Commands) -> CommandMatches {
        let mut m = CommandMatches {
            commands: Vec::new(),
            ids: Vec::new(),
        };
        if self.rules.is_empty() {
            return m;
        }
        for c in 0..commands.len() {
            let start = m.ids.len();
            self.matching(commands.words(c), &mut m.ids);
            if m.ids.len() > start {
                m.commands
                    .push((c as u32, start as u32, m.ids.len() as u32));
            }
        }
        m
    }
}

/// Command rules of one owner: per simple command, only the rules with the most words count;
/// each rule once.
fn score_commands<'a>(
    index: &CommandIndex,
    matches: &CommandMatches,
    owner: usize,
    commands: &'a ShownCommands<'_>,
    kw: &'a str,
    tally: &mut Tally<'a>,
) {
    let range = index.owner(owner);
    let mut counted: Vec<&str> = Vec::new();
    for &(c, start, end) in &matches.commands {
        let ids = &matches.ids[start as usize..end as usize];
        let lo = ids.partition_point(|&id| id < range.start);
        let hi = ids.partition_point(|&id| id < range.end);
        let ids = &ids[lo..hi];
        let Some(best) = ids.iter().map(|&id| index.rule(id).len()).max() else {
            continue;
        };
        for &id in ids {
            let rule = index.rule(id);
            if rule.len() != best || counted.contains(&rule.command.as_str()) {
                continue;
            }
            counted.push(&rule.command);
            tally.add_dockerfile(rule.weight, What::of([kw, " ", commands.get(c as usize)]));
        }
    }
}

/// The evidence text of each command ([`Commands::shown`], [`truncate`]d), written on first
/// use and shared by every profile's evidence lines.
struct ShownCommands<'c> {
    commands: &'c Commands<'c>,
    texts: Vec<OnceCell<String>>,
}

impl<'c> ShownCommands<'c> {
    fn new(commands: &'c Commands<'c>) -> Self {
        Self {
            commands,
            texts: (0..commands.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    fn get(&self, c: usize) -> &str {
        self.texts[c].get_or_init(|| truncate(&self.commands.shown(c)))
    }
}

fn truncate(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let t: String = s.chars().take(MAX).collect();
        format!("{t}…")
    }
}

/// The COPY/ADD sources with the keys of their paths, names and bases.
struct SourceSet<'s> {
    list: &'s [Source],
    keys: Keys,
    /// Some source's base has wildcards: it may name a literal rule of any key.
    wild_base: bool,
}

impl<'s> SourceSet<'s> {
    fn new(list: &'s [Source]) -> Self {
        let mut keys = Keys::default();
        for s in list {
            keys.insert(&s.path);
            keys.insert(s.name());
            keys.insert(&s.path[s.base.0..s.base.1]);
        }
        Self {
            list,
            keys,
            wild_base: list.iter().any(|s| s.base_wild),
        }
    }
}

fn score_files<'a>(
    rules: &[FileRule],
    keys: &[(RuleKey, PathParts)],
    files: &FileSet<'a, 'a>,
    full_depth: usize,
    tally: &mut Tally<'a>,
    label: &'a str,
) {
    let sources = &files.sources;
    for (rule, (key, parts)) in rules.iter().zip(keys) {
        // A literal rule only equals a name, path or base with its key.
        let in_sources = sources.wild_base || sources.keys.may_hold_key(key.key);
        let in_files = files.keys.may_hold_key(key.key);
        if !in_sources && !in_files && !key.wild {
            continue;
        }
        let pattern = PathPattern::with_parts(&rule.path, *parts);
        let named = if pattern.literal() && !in_sources {
            None
        } else {
            sources.list.iter().find(|s| s.names(&pattern))
        };
        if let Some(src) = named {
            tally.add_dockerfile(rule.copied, What::of(["COPY ", &src.path, label]));
            continue;
        }
        if pattern.literal() && !in_files {
            continue;
        }
        // The best context file for this rule: the highest weight, then the first path.
        let mut best: Option<(f64, &ContextFile<'a>)> = None;
        files.for_each_match(&pattern, |f| {
            let w = match f.status {
                CopyStatus::Named => rule.copied,
                CopyStatus::Broad => (rule.present + rule.copied) / 2.0,
                CopyStatus::Present if f.depth > full_depth => rule.present / 2.0,
                CopyStatus::Present => rule.present,
            };
            let better = match best {
                None => true,
                Some((bw, bf)) => w.total_cmp(&bw).then_with(|| bf.path.cmp(f.path)).is_ge(),
            };
            if better {
                best = Some((w, f));
            }
        });
        if let Some((w, f)) = best {
            let how = match f.status {
                CopyStatus::Named => "copied",
                CopyStatus::Broad => "copied with its folder",
                CopyStatus::Present => "present",
            };
            let what = What::of([f.path, " ", how, label]);
            if f.status == CopyStatus::Named {
                tally.add_dockerfile(w, what);
            } else {
                tally.add_context(w, what);
            }
        }
    }
}

/// What detection derives from a [`Registry`] alone, built once per registry (see
/// [`Registry::derived`]).
#[derive(Clone, Debug)]
pub(crate) struct RegistryIndex {
    /// The profiles' RUN command rules, profile by profile in [`Registry::iter`] order.
    run: CommandIndex,
    /// The profiles' CMD/ENTRYPOINT command rules.
    start: CommandIndex,
    /// Per profile, the keys of its image and file rules.
    profile_keys: Vec<RuleKeys>,
    /// Per profile, its package managers' rules.
    package_managers: Vec<PackageManagerIndex>,
    /// Per profile, the plans of its `versions` and `facts` probes.
    probes: Vec<ProfileProbes>,
    /// The keys of `_system.yaml`'s `skip_dirs`.
    skip_dirs: Keys,
}

/// The plans of one profile's probes, in order.
#[derive(Clone, Debug)]
struct ProfileProbes {
    versions: Vec<ProbePlan>,
    facts: Vec<ProbePlan>,
}

impl RegistryIndex {
    pub(crate) fn new(registry: &Registry) -> Self {
        Self {
            run: CommandIndex::new(registry.iter().map(|p| p.detect.commands.as_slice())),
            start: CommandIndex::new(registry.iter().map(|p| p.detect.start_commands.as_slice())),
            profile_keys: registry
                .iter()
                .map(|p| RuleKeys::new(&p.detect.images, &p.detect.files))
                .collect(),
            package_managers: registry.iter().map(PackageManagerIndex::new).collect(),
            probes: registry
                .iter()
                .map(|p| ProfileProbes {
                    versions: ProbePlan::all(&p.versions),
                    facts: ProbePlan::all(&p.facts),
                })
                .collect(),
            skip_dirs: {
                let mut keys = Keys::default();
                for dir in &registry.system().skip_dirs {
                    keys.insert(dir);
                }
                keys
            },
        }
    }
}

/// One profile's package-manager rules, prepared once per registry.
#[derive(Clone, Debug)]
struct PackageManagerIndex {
    /// The command rules, package manager by package manager.
    commands: CommandIndex,
    /// Each package manager's evidence label (` [npm]`).
    labels: Vec<String>,
    /// Each package manager's image and file rule keys.
    keys: Vec<RuleKeys>,
    /// Each package manager's evidence probe plans.
    probes: Vec<Vec<ProbePlan>>,
}

impl PackageManagerIndex {
    fn new(p: &Profile) -> Self {
        let pms = &p.package_managers;
        Self {
            commands: CommandIndex::new(pms.iter().map(|pm| pm.evidence.commands.as_slice())),
            labels: pms.iter().map(|pm| format!(" [{}]", pm.name)).collect(),
            keys: pms
                .iter()
                .map(|pm| RuleKeys::new(&pm.evidence.images, &pm.evidence.files))
                .collect(),
            probes: pms
                .iter()
                .map(|pm| ProbePlan::all(&pm.evidence.probes))
                .collect(),
        }
    }
}

/// The command rules of every profile, matched once against the Dockerfile's commands.
struct CommandEvidence<'i> {
    /// The profiles' image and file rule keys.
    keys: &'i [RuleKeys],
    run: &'i CommandIndex,
    run_matches: CommandMatches,
    run_shown: ShownCommands<'i>,
    start: &'i CommandIndex,
    start_matches: CommandMatches,
    start_shown: ShownCommands<'i>,
}

impl<'i> CommandEvidence<'i> {
    #[inline(never)] // a phase of its own in profiles
    fn new(index: &'i RegistryIndex, obs: &'i Observed) -> Self {
        Self {
            keys: &index.profile_keys,
            run: &index.run,
            run_matches: index.run.match_all(&obs.run),
            run_shown: ShownCommands::new(&obs.run),
            start: &index.start,
            start_matches: index.start.match_all(&obs.start),
            start_shown: ShownCommands::new(&obs.start),
        }
    }
}

/// Score one profile (number `owner` in `commands`) against the observations.
fn score_profile<'a>(
    p: &Profile,
    owner: usize,
    commands: &'a CommandEvidence<'_>,
    obs: &'a Observed<'_>,
    files: &FileSet<'a, 'a>,
    system: &SystemRules,
) -> Tally<'a> {
    let keys = &commands.keys[owner];
    let mut t = Tally::default();
    score_images(
        &p.detect.images,
        &keys.images,
        &obs.images,
        true,
        &mut t,
        "",
    );
    score_commands(
        commands.run,
        &commands.run_matches,
        owner,
        &commands.run_shown,
        "RUN",
        &mut t,
    );
    score_commands(
        commands.start,
        &commands.start_matches,
        owner,
        &commands.start_shown,
        "CMD/ENTRYPOINT",
        &mut t,
    );
    for rule in &p.detect.packages {
        if let Some((pkg, _)) = obs
            .packages
            .iter()
            .find(|(pkg, _)| glob(&rule.package, pkg))
        {
            t.add_dockerfile(rule.weight, What::of(["installs package ", pkg]));
        }
    }
    score_files(
        &p.detect.files,
        &keys.files,
        files,
        system.scoring.full_depth,
        &mut t,
        "",
    );
    t
}

/// Score the package managers of the winning profile. Returns (index, tally) best first.
#[inline(never)] // a phase of its own in profiles
fn score_package_managers<'a>(
    p: &Profile,
    prepared: &'a PackageManagerIndex,
    obs: &'a Observed<'_>,
    run_shown: &'a ShownCommands<'_>,
    files: &FileSet<'a, 'a>,
    env: &ProbeEnv<'_>,
    full_depth: usize,
) -> Vec<(usize, Tally<'a>)> {
    let mut tallies: Vec<(usize, Tally)> = (0..p.package_managers.len())
        .map(|i| (i, Tally::default()))
        .collect();
    let index = &prepared.commands;
    // Command rules compete across package managers: per simple command the longest rules win.
    let matches = index.match_all(&obs.run);
    let mut counted: Vec<(usize, &str)> = Vec::new();
    for &(c, start, end) in &matches.commands {
        let ids = &matches.ids[start as usize..end as usize];
        let Some(best) = ids.iter().map(|&id| index.rule(id).len()).max() else {
            continue;
        };
        for &id in ids {
            let rule = index.rule(id);
            if rule.len() != best {
                continue;
            }
            let i = index.owner_start.partition_point(|&s| s <= id) - 1;
            if counted.contains(&(i, rule.command.as_str())) {
                continue;
            }
            counted.push((i, &rule.command));
            // The label is ` [<package manager>]`.
            let what = What::of(["RUN ", run_shown.get(c as usize), &prepared.labels[i]]);
            tallies[i].1.add_dockerfile(rule.weight, what);
        }
    }
    for (i, pm) in p.package_managers.iter().enumerate() {
        let label = &prepared.labels[i];
        let t = &mut tallies[i].1;
        let keys = &prepared.keys[i];
        score_images(
            &pm.evidence.images,
            &keys.images,
            &obs.images,
            false,
            t,
            label,
        );
        score_files(&pm.evidence.files, &keys.files, files, full_depth, t, label);
        for (probe, plan) in pm.evidence.probes.iter().zip(&prepared.probes[i]) {
            if let Some((_, origin)) = env.eval(probe, plan) {
                t.add_context(
                    probe.weight.unwrap_or(0.0),
                    What::Text(format!("{origin}: {}{label}", probe.name)),
                );
            }
        }
    }
    let default = p
        .package_managers
        .iter()
        .position(|pm| pm.name == p.default_package_manager)
        .unwrap_or(0);
    tallies.sort_by(|(ia, a), (ib, b)| {
        b.total()
            .total_cmp(&a.total())
            .then(b.dockerfile.total_cmp(&a.dockerfile))
            .then((*ia != default).cmp(&(*ib != default)))
            .then(ia.cmp(ib))
    });
    tallies
}

/// The distro family and release of an image (`alpine`, `debian`/`bookworm`, `distroless`),
/// from the shared flavour rules: tag words first, then the image name.
pub fn flavor_of(
    name: &str,
    tag: Option<&str>,
    system: &SystemRules,
) -> (Option<String>, Option<String>) {
    if let Some(tag) = tag {
        for word in tag.split('-') {
            for f in system.flavors.iter().filter(|f| f.word.is_some()) {
                let pattern = f.word.as_deref().unwrap_or_default();
                if let Some(c) = capture_str(pattern, word) {
                    let release = if has_hole(pattern) {
                        Some(c.to_string())
                    } else {
                        f.release.clone()
                    };
                    return (Some(f.family.clone()), release);
                }
            }
        }
    }
    for f in system.flavors.iter().filter(|f| f.image.is_some()) {
        if crate::profile::image_name_matches(f.image.as_deref().unwrap_or_default(), name) {
            let release = if f.release_from_tag {
                tag.filter(|t| *t != "latest").map(str::to_string)
            } else {
                f.release.clone()
            };
            return (Some(f.family.clone()), release);
        }
    }
    (None, None)
}

/// Detect the toolchain of a Dockerfile given its build context. Never fails: when nothing
/// matches, `profile` is `None` and `reason` says why.
pub fn detect(df: &Dockerfile, ctx: &dyn Context, registry: &Registry) -> Detection {
    let system = registry.system();
    let index = registry.derived(RegistryIndex::new);
    let obs = observe(df, ctx, system);
    let context = context_files(ctx, &obs, system, &index.skip_dirs);
    let files = FileSet::new(&context, &obs.sources);

    // Rank the profiles.
    let profiles: Vec<&Profile> = registry.iter().collect();
    let commands = CommandEvidence::new(index, &obs);
    let mut ranked: Vec<(&Profile, Tally)> = profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (*p, score_profile(p, i, &commands, &obs, &files, system)))
        .filter(|(_, t)| t.total() > 0.0)
        .collect();
    ranked.sort_by(|(pa, a), (pb, b)| {
        b.total()
            .total_cmp(&a.total())
            .then(b.dockerfile.total_cmp(&a.dockerfile))
            .then(pa.name.cmp(&pb.name))
    });
    let scores: Vec<ProfileScore> = ranked
        .iter()
        .map(|(p, t)| ProfileScore {
            profile: p.name.clone(),
            dockerfile: round2(t.dockerfile),
            context: round2(t.context),
            total: round2(t.total()),
        })
        .collect();

    let mut detection = Detection {
        profile: None,
        package_manager: None,
        versions: BTreeMap::new(),
        confidence: 0.0,
        evidence: Vec::new(),
        reason: None,
        scores,
        facts: Facts::default(),
    };
    if ctx.truncated() {
        detection.evidence.push(format!(
            "the context {} was only partly scanned (size caps)",
            ctx.describe()
        ));
    }

    // Without a profile, the facts still name the (first) base image and its distro.
    let first_image_facts = |detection: &mut Detection| {
        if let Some(img) = obs.images.iter().find(|i| i.from) {
            detection.facts.builder_image = Some(img.raw.clone());
            let (family, release) = flavor_of(&img.name, img.tag.as_deref(), system);
            detection.facts.image_family = family;
            detection.facts.image_release = release;
        }
    };
    let Some((winner, tally)) = ranked.first() else {
        first_image_facts(&mut detection);
        let images: Vec<&str> = obs
            .images
            .iter()
            .filter(|i| i.from)
            .map(|i| i.raw.as_str())
            .collect();
        detection.reason = Some(if images.is_empty() {
            "no toolchain evidence: no FROM image, command or manifest matches a profile".into()
        } else {
            format!(
                "no toolchain evidence: FROM {} and no command or manifest matches a profile",
                images.join(", ")
            )
        });
        return detection;
    };
    let winner_prefix = format!("{}: ", winner.name);
    if tally.dockerfile <= 0.0 {
        first_image_facts(&mut detection);
        detection.evidence.extend(tally.evidence(&winner_prefix));
        detection.reason = Some(format!(
            "only stray context files point to {}; the Dockerfile neither uses its toolchain nor copies its manifests",
            winner.name
        ));
        return detection;
    }
    if tally.total() < system.scoring.min_score {
        first_image_facts(&mut detection);
        detection.evidence.extend(tally.evidence(&winner_prefix));
        detection.reason = Some(format!(
            "evidence too weak: {} scores {} (at least {} needed)",
            winner.name,
            fmt_weight(round2(tally.total())),
            fmt_weight(system.scoring.min_score)
        ));
        return detection;
    }

    // Confidence: other profiles count only with the evidence they do not share with the winner.
    let w = tally.total();
    let distinct: Vec<f64> = ranked[1..]
        .iter()
        .map(|(_, t)| (t.total() - tally.overlap(t)).max(0.0))
        .collect();
    let share = w / (w + distinct.iter().sum::<f64>());
    let strength = (w / system.scoring.strong_score.max(1.0)).min(1.0);
    let runner_up = distinct.first().copied().unwrap_or(0.0);
    let closeness = 1.0 - 0.25 * (runner_up / w);
    let mut confidence = share * strength * closeness;
    if let Some((_, second)) = ranked.get(1) {
        // A dead heat once shared evidence is set aside: no better than a coin toss.
        if w - tally.overlap(second) <= runner_up {
            confidence = confidence.min(0.5);
        }
    }
    detection.confidence = round2(confidence);
    detection.profile = Some(winner.name.clone());
    detection.evidence.extend(tally.evidence(&winner_prefix));

    let winner_at = profiles.iter().position(|p| p.name == winner.name);
    let winner_at = winner_at.expect("the winner is a registry profile");
    // The builder image: the FROM the winner's image rules like best, else the first FROM.
    let image_keys = &index.profile_keys[winner_at].images;
    let builder = obs
        .images
        .iter()
        .filter(|i| i.from)
        .map(|i| {
            let w: f64 = winner
                .detect
                .images
                .iter()
                .zip(image_keys)
                .filter(|&(r, &key)| image_rule_matches(r, key, i))
                .map(|(r, _)| r)
                .map(|r| r.weight)
                .fold(0.0, f64::max);
            (w, i)
        })
        .fold(None::<(f64, &SeenImage)>, |best, (w, i)| match best {
            Some((bw, _)) if bw >= w => best,
            _ => Some((w, i)),
        })
        .map(|(_, i)| i.clone());
    let mut facts = Facts::default();
    let mut images: Vec<(String, Option<String>)> = Vec::new();
    if let Some(b) = &builder {
        facts.builder_image = Some(b.raw.clone());
        let (family, release) = flavor_of(&b.name, b.tag.as_deref(), system);
        facts.image_family = family;
        facts.image_release = release;
        images.push((b.name.clone(), b.tag.clone()));
    }
    for i in &obs.images {
        if builder.as_ref().is_none_or(|b| b.raw != i.raw) {
            images.push((i.name.clone(), i.tag.clone()));
        }
    }
    let texts = FileTexts::new(&context);
    let env = ProbeEnv::new(
        ctx,
        &context,
        &files.keys,
        &texts,
        &df.instructions,
        &images,
    );

    // Package manager.
    let pms = score_package_managers(
        winner,
        &index.package_managers[winner_at],
        &obs,
        &commands.run_shown,
        &files,
        &env,
        system.scoring.full_depth,
    );
    let (pm_index, pm_tally) = &pms[0];
    let pm: &PackageManager = &winner.package_managers[*pm_index];
    detection.package_manager = Some(pm.name.clone());
    if pm_tally.total() > 0.0 {
        detection.evidence.extend(pm_tally.evidence(""));
        if let Some((i, t)) = pms.get(1).filter(|(_, t)| t.total() > 0.0) {
            detection.evidence.push(format!(
                "package manager runner-up: {} ({} against {})",
                winner.package_managers[*i].name,
                fmt_weight(round2(t.total())),
                fmt_weight(round2(pm_tally.total()))
            ));
        }
    } else {
        detection.evidence.push(format!(
            "no package-manager evidence: {} is the default for {}",
            pm.name, winner.name
        ));
    }
    if let Some((p, t)) = ranked.get(1) {
        detection.evidence.push(format!(
            "runner-up: {} ({} against {})",
            p.name,
            fmt_weight(round2(t.total())),
            fmt_weight(round2(w))
        ));
    }

    // Versions: the first probe that yields a value for a tool wins.
    let plans = &index.probes[winner_at];
    for (probe, plan) in winner.versions.iter().zip(&plans.versions) {
        if detection.versions.contains_key(&probe.name) {
            continue;
        }
        if let Some((ProbeValue::Text(v), origin)) = env.eval(probe, plan) {
            detection
                .evidence
                .push(format!("{} {v} from {origin}", probe.name));
            detection.versions.insert(probe.name.clone(), v);
        }
    }

    // Facts.
    let mut filled = BTreeSet::new();
    for (probe, plan) in winner.facts.iter().zip(&plans.facts) {
        if filled.contains(&probe.name) {
            continue;
        }
        if let Some((value, _)) = env.eval(probe, plan) {
            if probe.uncertain {
                detection
                    .evidence
                    .push(format!("{} set but not readable", probe.name));
                facts.uncertain.push(probe.name.clone());
                filled.insert(probe.name.clone());
            } else if facts.set(&probe.name, value) {
                filled.insert(probe.name.clone());
            }
        }
    }
    if let Some(interpolation) = &winner.interpolation {
        interpolate(&mut facts, interpolation, ctx, &mut detection.evidence);
    }
    let existing = |pattern: &str| -> Vec<String> {
        let pattern = PathPattern::new(pattern);
        let mut found: Vec<String> = context
            .iter()
            .filter(|f| pattern.matches(f.path, f.name))
            .map(|f| f.path.to_string())
            .collect();
        if found.is_empty() {
            found.extend(
                obs.sources
                    .iter()
                    .filter(|s| s.names(&pattern) && !s.is_glob)
                    .map(|s| s.path.clone()),
            );
        }
        found
    };
    for lock in &pm.lockfiles {
        for f in existing(lock) {
            if !facts.lockfiles.contains(&f) {
                facts.lockfiles.push(f);
            }
        }
    }
    facts.lockfiles.sort();
    facts.has_lockfile = !facts.lockfiles.is_empty();
    if !pm.lockfiles.is_empty() && !facts.has_lockfile {
        detection
            .evidence
            .push(format!("no lockfile ({})", pm.lockfiles.join(", ")));
    }
    for manifest in &pm.manifests {
        let manifest = PathPattern::new(manifest);
        for f in context.iter().filter(|f| manifest.matches(f.path, f.name)) {
            if !facts.manifests.iter().any(|m| m == f.path) {
                facts.manifests.push(f.path.to_string());
            }
        }
    }
    facts.manifests.sort();
    // The wrapper counts when a command runs it, or when no command runs the plain executable
    // and the context holds the wrapper.
    if let Some(wrapper) = &pm.wrapper {
        let runs = |name: &str| {
            let runs_in = |commands: &Commands| {
                (0..commands.len()).any(|c| commands.words(c).first().is_some_and(|w| w == name))
            };
            runs_in(&obs.run) || runs_in(&obs.start)
        };
        let in_context = existing(wrapper)
            .into_iter()
            .min_by_key(|p| (p.matches('/').count(), p.clone()));
        let uses_executable = pm.executable.as_deref().is_some_and(runs);
        facts.wrapper = if runs(wrapper) {
            in_context.or_else(|| Some(wrapper.clone()))
        } else if uses_executable {
            None
        } else {
            in_context
        };
    }
    facts.exe = match (&facts.wrapper, &pm.executable) {
        (Some(w), _) => Some(format!("./{}", w.rsplit('/').next().unwrap_or(w))),
        (None, Some(e)) => Some(e.clone()),
        (None, None) => None,
    };
    detection.facts = facts;
    detection
        .evidence
        .extend(env.notes.borrow().iter().cloned());
    detection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_written_as_before() {
        let old = |w: f64| {
            if w.fract() == 0.0 {
                format!("{w:.0}")
            } else {
                format!("{w}")
            }
        };
        for w in [
            0.0,
            -0.0,
            1.0,
            3.0,
            -4.0,
            2.5,
            0.1 + 0.2,
            1e15,
            -1e15,
            123_456_789_012_345.0,
            1e20,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(fmt_weight(w), old(w), "{w:?}");
        }
    }

    #[test]
    fn image_names_match_as_the_profile_does() {
        let patterns = [
            "node",
            "cimg/node",
            "*/openjdk-*",
            "azul/zulu-openjdk*",
            "mcr.microsoft.com/dotnet/*",
            "continuumio/*conda*",
            "**/node",
            "x**/",
            "n?de",
            "*/*/node",
            "",
        ];
        let names = [
            "node",
            "cimg/node",
            "my-mirror.example/library/node",
            "nodejs",
            "xnode",
            "a/node/b",
            "bitnami/openjdk-17",
            "azul/zulu-openjdk-alpine",
            "mcr.microsoft.com/dotnet/sdk",
            "continuumio/miniconda3",
            "",
            "a/",
            "x",
            "x/",
        ];
        for pattern in patterns {
            for name in names {
                let img = SeenImage::new(name.to_string(), true);
                // The definition: the glob matches the name or a part of it after a `/`.
                let reference = glob(pattern, &img.name)
                    || img
                        .name
                        .match_indices('/')
                        .any(|(i, _)| glob(pattern, &img.name[i + 1..]));
                assert_eq!(
                    image_name_matches(pattern, RuleKey::new(pattern), &img),
                    reference,
                    "{pattern:?} on {name:?}"
                );
                assert_eq!(
                    crate::profile::image_name_matches(pattern, &img.name),
                    reference,
                    "{pattern:?} on {name:?}"
                );
            }
        }
    }

    /// The first version of `source_names`, as a reference.
    fn reference_source_names(source: &str, rule_path: &str) -> bool {
        let base = source
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(source);
        if crate::profile::pattern::path_matches(rule_path, source) {
            return true;
        }
        !is_glob(rule_path) && glob(base, rule_path)
    }

    #[test]
    fn sources_name_rules_as_before() {
        let sources = [
            "package.json",
            "package*.json",
            "app/package.json",
            "app/",
            "src/*.csproj",
            "*.csproj",
            "requirements*.txt",
            "[ab].txt",
            "a?c",
            "",
        ];
        let rules = [
            "package.json",
            "package-lock.json",
            "*.csproj",
            "Api.csproj",
            "requirements.txt",
            "app/package.json",
            "**/*.go",
            "[ab].txt",
            "a.txt",
            "abc",
            "app",
        ];
        for source in sources {
            let s = Source::new(source.to_string());
            let mut keys = Keys::default();
            keys.insert(&s.path);
            keys.insert(s.name());
            keys.insert(&s.path[s.base.0..s.base.1]);
            for rule in rules {
                let want = reference_source_names(source, rule);
                assert_eq!(
                    s.names(&PathPattern::new(rule)),
                    want,
                    "{source:?} names {rule:?}"
                );
                // A literal rule that names the source has its key.
                if want && !has_wildcard(rule) && !s.base_wild {
                    assert!(keys.may_hold(rule), "{source:?} {rule:?}");
                }
            }
        }
    }

    #[test]
    fn first_words_split_as_split_whitespace() {
        for text in [
            "npm ci",
            "  pip* install poetry*",
            "go",
            "",
            "   ",
            "a\u{a0}b c",
            "é x",
            "x\u{b}y",
            "x\ty",
        ] {
            let want = text.split_whitespace().next();
            let got = first_word(text);
            assert_eq!(got.map(|(f, _)| f), want, "{text:?}");
            if let Some((first, rest)) = got {
                let words: Vec<&str> = std::iter::once(first)
                    .chain(rest.split_whitespace())
                    .collect();
                let all: Vec<&str> = text.split_whitespace().collect();
                assert_eq!(words, all, "{text:?}");
            }
        }
    }

    /// Words a command rule's words could be: `*` and `?` filled in.
    fn command_words(rule: &str) -> Vec<String> {
        rule.split_whitespace()
            .map(|w| w.replace('*', "x").replace('?', "y"))
            .collect()
    }

    #[test]
    fn the_command_index_matches_as_the_rules_do() {
        let registry = Registry::builtin().unwrap();
        let index = registry.derived(RegistryIndex::new);
        let rules: Vec<&CommandRule> = registry
            .iter()
            .flat_map(|p| &p.detect.commands)
            .filter(|r| !r.is_empty())
            .collect();
        assert_eq!(rules.len(), index.run.rules.len());
        let mut commands: Vec<Vec<String>> = vec![vec![], vec![String::new()]];
        for a in &rules {
            let head = command_words(&a.command);
            commands.push(head.clone());
            commands.push(vec![format!("{}z", head[0])]);
            for b in &rules {
                let mut words = head.clone();
                words.extend(command_words(&b.command));
                commands.push(words);
            }
        }
        let mut out = Vec::new();
        for words in &commands {
            out.clear();
            let borrowed: Vec<Cow<'_, str>> = words.iter().map(|w| Cow::from(w.as_str())).collect();
            index.run.matching(&borrowed, &mut out);
            let expected: Vec<u32> = (0..rules.len() as u32)
                .filter(|&id| rules[id as usize].matches(words))
                .collect();
            assert_eq!(out, expected, "{words:?}");
        }
    }

    #[test]
    fn a_glob_matches_only_names_ending_in_its_literal_suffix() {
        for pattern in [
            "*dotnet-install.sh",
            "pip*",
            "**/mvnw",
            "x**/",
            "a?b",
            "**/*.py",
            "p*/q",
        ] {
            let suffix = literal_suffix(pattern);
            for text in [
                "mvnw", "a/mvnw", "x", "x/", "xab/", "aab", "a.py", "b/a.py", "pp/q", "q",
            ] {
                if glob(pattern, text) {
                    assert!(text.ends_with(suffix), "{pattern} {text}");
                }
            }
        }
    }

    #[test]
    fn evidence_pieces_compare_as_their_texts() {
        let text = |w: &What<'_>| w.pieces().collect::<String>();
        let lines = [
            What::of(["COPY ", "package.json", " [npm]"]),
            What::of(["COPY package.json", " [npm]"]),
            What::Text("COPY package.json [npm]".into()),
            What::of(["COPY ", "package.json", " [yarn]"]),
            What::of(["package.json", " ", "present", ""]),
            What::of(["", ""]),
            What::Text(String::new()),
            What::Text("COPY package.json [npm".into()),
        ];
        for a in &lines {
            for b in &lines {
                assert_eq!(a == b, text(a) == text(b), "{a:?} {b:?}");
            }
        }
    }
}

/// Resolve `${name}` references in the facts `interpolation` names: from other facts, then from
/// the property files. A fact with a reference that does not resolve is unset and uncertain.
fn interpolate(
    facts: &mut Facts,
    interpolation: &crate::profile::Interpolation,
    ctx: &dyn Context,
    evidence: &mut Vec<String>,
) {
    let holds_reference = |facts: &Facts| {
        interpolation
            .facts
            .iter()
            .any(|f| facts.get(f).is_some_and(|v| v.contains('$')))
    };
    if !holds_reference(facts) {
        return;
    }
    // Read only when a reference needs them.
    let properties: BTreeMap<String, String> = interpolation
        .properties
        .iter()
        .filter_map(|p| Some((ctx.read(&p.path)?, p)))
        .flat_map(|(text, p)| probe::xml_children(&text, &p.xml))
        .collect();
    for name in &interpolation.facts {
        let Some(value) = facts.get(name).filter(|v| v.contains('$')) else {
            continue;
        };
        let lookup = |key: &str| -> Option<String> {
            match interpolation.names.get(key) {
                Some(fact) => facts.get(fact).filter(|v| !v.contains('$')),
                None => properties.get(key).filter(|v| !v.is_empty()).cloned(),
            }
        };
        let resolved = resolve_references(&value, &lookup);
        let slot = |facts: &mut Facts, v: Option<String>| match name.as_str() {
            "binary" => facts.binary = v,
            "artifact_version" => facts.artifact_version = v,
            "packaging" => facts.packaging = v,
            "final_name" => facts.final_name = v,
            other => match v {
                Some(v) => {
                    facts.extra.insert(other.to_string(), v);
                }
                None => {
                    facts.extra.remove(other);
                }
            },
        };
        match resolved {
            Some(v) => {
                evidence.push(format!("{name} {v} (from {value})"));
                slot(facts, Some(v));
            }
            None => {
                evidence.push(format!("{name} {value} does not resolve"));
                slot(facts, None);
                facts.uncertain.push(name.clone());
            }
        }
    }
}

/// `value` with each `${key}` (or `$key`, as Groovy strings write it) replaced through
/// `lookup`, repeatedly (a property may name another), at most a few rounds; `None` when one
/// does not resolve.
fn resolve_references(value: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut text = value.to_string();
    for _ in 0..8 {
        let Some(start) = text.find('$') else {
            return Some(text);
        };
        let (key, end) = match text[start + 1..].strip_prefix('{') {
            Some(rest) => {
                let close = rest.find('}')?;
                (rest[..close].to_string(), start + 2 + close)
            }
            None => {
                let rest = &text[start + 1..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                    .unwrap_or(rest.len());
                let key = rest[..len].trim_end_matches('.');
                if key.is_empty() {
                    return None;
                }
                (key.to_string(), start + key.len())
            }
        };
        let replacement = lookup(&key)?;
        text.replace_range(start..=end, &replacement);
    }
    (!text.contains('$')).then_some(text)
}

#[cfg(test)]
mod interpolation_tests {
    use super::resolve_references;

    #[test]
    fn references_resolve_through_properties_or_not_at_all() {
        let lookup = |k: &str| match k {
            "project.artifactId" => Some("shop".to_string()),
            "revision" => Some("${major}.4".to_string()),
            "major" => Some("2".to_string()),
            "self" => Some("${self}".to_string()),
            _ => None,
        };
        assert_eq!(
            resolve_references("${project.artifactId}-${revision}", &lookup).as_deref(),
            Some("shop-2.4")
        );
        assert_eq!(
            resolve_references("plain", &lookup).as_deref(),
            Some("plain")
        );
        assert_eq!(resolve_references("${env.BUILD}", &lookup), None);
        assert_eq!(resolve_references("${unclosed", &lookup), None);
        assert_eq!(resolve_references("${self}", &lookup), None);
        assert_eq!(
            resolve_references("$project.artifactId-all", &lookup).as_deref(),
            Some("shop-all")
        );
        assert_eq!(resolve_references("app-$", &lookup), None);
    }
}
