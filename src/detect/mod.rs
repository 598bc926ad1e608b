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
mod probe;
pub mod shell;

pub use context::{ContextChoice, infer_context};
pub use probe::{CopyStatus, ProbeValue};

use crate::profile::pattern::{capture, glob, has_hole, path_matches};
use crate::profile::{
    CommandRule, FileRule, ImageRule, PackageManager, Profile, Registry, SystemRules, split_image,
};
use crate::source::Context;
use crate::syntax::{Dockerfile, Form, Instruction};
use probe::{ContextFile, ProbeEnv, source_names};
use serde::Serialize;
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

/// Facts for the rewrite, filled by the winning profile's `facts` probes and generic checks.
/// Look values up by name with [`Facts::get`] / [`Facts::flag`], or fill templates with
/// [`Facts::render`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Facts {
    /// The builder image as written after `ARG` substitution (`golang:1.22-alpine`).
    pub builder_image: Option<String>,
    /// The builder's distro family: `debian`, `ubuntu`, `alpine`, `rhel`, ...
    pub image_family: Option<String>,
    /// The builder's distro release when visible (`bookworm`, `3.19`, `22.04`).
    pub image_release: Option<String>,
    /// The binary/assembly/artifact name (Cargo `[[bin]]` or package name, csproj AssemblyName
    /// or file stem, pom artifactId, Gradle rootProject.name, go `-o` or module name).
    pub binary: Option<String>,
    /// The artifact version (pom `version`, Gradle `version`).
    pub artifact_version: Option<String>,
    /// pom `packaging`.
    pub packaging: Option<String>,
    /// pom `build/finalName`, Gradle `archiveFileName` without `.jar`.
    pub final_name: Option<String>,
    /// Go: `import "C"` somewhere in the context (or `CGO_ENABLED=1` in the Dockerfile).
    pub uses_cgo: bool,
    /// .NET: a project uses `Microsoft.NET.Sdk.Web`.
    pub web_sdk: bool,
    /// A workspace / multi-module layout (Cargo workspace, npm workspaces, Maven modules, ...).
    pub workspace: bool,
    /// Lockfiles of the chosen package manager that exist (in the context or named by COPY).
    pub lockfiles: Vec<String>,
    /// Whether any lockfile of the chosen package manager exists.
    pub has_lockfile: bool,
    /// The wrapper script of the chosen package manager, when present (`mvnw`, `gradlew`).
    pub wrapper: Option<String>,
    /// The command that runs the package manager: `./mvnw` with a wrapper, else its executable.
    pub exe: Option<String>,
    /// Dependency manifests of the chosen package manager found in the context.
    pub manifests: Vec<String>,
    /// package.json `scripts`.
    pub scripts: BTreeMap<String, String>,
    /// package.json `dependencies` (names).
    pub dependencies: Vec<String>,
    /// package.json `devDependencies` (names).
    pub dev_dependencies: Vec<String>,
    /// Other facts from profile probes (`spring_boot`, `django`, `module`, ...).
    pub extra: BTreeMap<String, String>,
}

impl Facts {
    /// A fact as text by name (`binary`, `final_name`, `exe`, `image_release`, an `extra` name,
    /// booleans as `"true"` when set).
    pub fn get(&self, name: &str) -> Option<String> {
        let bool_text = |b: bool| b.then(|| "true".to_string());
        match name {
            "builder_image" => self.builder_image.clone(),
            "image_family" => self.image_family.clone(),
            "image_release" | "release" => self.image_release.clone(),
            "binary" | "assembly" | "artifact_id" => self.binary.clone(),
            "artifact_version" => self.artifact_version.clone(),
            "packaging" => self.packaging.clone(),
            "final_name" => self.final_name.clone(),
            "wrapper" => self.wrapper.clone(),
            "exe" => self.exe.clone(),
            "uses_cgo" => bool_text(self.uses_cgo),
            "web_sdk" => bool_text(self.web_sdk),
            "workspace" => bool_text(self.workspace),
            "has_lockfile" => bool_text(self.has_lockfile),
            other => self.extra.get(other).cloned(),
        }
    }

    /// Whether a boolean fact is set (any non-empty value other than `false`).
    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
    }

    /// Fill `{name}` placeholders from the facts; `None` when one does not resolve.
    pub fn render(&self, template: &str) -> Option<String> {
        self.render_with(template, &BTreeMap::new())
    }

    /// Like [`Facts::render`], also resolving `{versions.<tool>}`.
    pub fn render_with(
        &self,
        template: &str,
        versions: &BTreeMap<String, String>,
    ) -> Option<String> {
        let mut out = String::new();
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let end = after.find('}')?;
            let key = &after[..end];
            let value = match key.strip_prefix("versions.") {
                Some(tool) => versions.get(tool).cloned(),
                None => self.get(key),
            };
            out.push_str(&value?);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

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
}

/// A simple command with the instruction it came from.
#[derive(Clone, Debug)]
struct SeenCommand {
    words: Vec<String>,
    text: String,
}

/// Everything profile-independent read from the Dockerfile.
struct Observed {
    images: Vec<SeenImage>,
    run: Vec<SeenCommand>,
    start: Vec<SeenCommand>,
    /// (package, distro family)
    packages: Vec<(String, String)>,
    /// COPY/ADD sources (no `--from`), normalised: no leading `./` or `/`.
    sources: Vec<String>,
    /// Folders copied whole (`""` is the whole context).
    dir_sources: Vec<String>,
    /// `KEYWORD arguments` per instruction.
    lines: Vec<String>,
}

fn substitute_args(text: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{') {
            if let Some(end) = inner.find('}') {
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
    let values = &ins.values;
    if values.len() < 2 {
        return Vec::new();
    }
    values[..values.len() - 1]
        .iter()
        .filter(|s| !s.contains("://") && !s.starts_with("git@") && !s.starts_with("<<"))
        .cloned()
        .collect()
}

fn observe(df: &Dockerfile, ctx: &dyn Context, system: &SystemRules) -> Observed {
    let mut global_args = BTreeMap::new();
    let mut seen_from = false;
    let mut stage_names = BTreeSet::new();
    let mut obs = Observed {
        images: Vec::new(),
        run: Vec::new(),
        start: Vec::new(),
        packages: Vec::new(),
        sources: Vec::new(),
        dir_sources: Vec::new(),
        lines: Vec::new(),
    };
    let prefixes = &system.command_prefixes;
    for ins in &df.instructions {
        obs.lines.push(format!("{} {}", ins.keyword, ins.arguments));
        match ins.keyword.as_str() {
            "ARG" if !seen_from => {
                for word in &ins.values {
                    let (k, v) = word.split_once('=').unwrap_or((word, ""));
                    global_args.insert(k.to_string(), v.trim_matches(['"', '\'']).to_string());
                }
            }
            "FROM" => {
                seen_from = true;
                if let Some(image) = ins.from_image() {
                    let raw = substitute_args(image, &global_args);
                    if !stage_names.contains(&raw.to_ascii_lowercase()) && raw != "scratch" {
                        let (name, tag) = split_image(&raw);
                        obs.images.push(SeenImage {
                            raw,
                            name,
                            tag,
                            from: true,
                        });
                    }
                }
                if let Some(stage) = ins.stage_name() {
                    stage_names.insert(stage.to_ascii_lowercase());
                }
            }
            "RUN" => {
                let commands = match ins.form {
                    Some(Form::Exec) => shell::exec_command_shown(&ins.values, prefixes),
                    _ => {
                        let mut text = ins.arguments.clone();
                        for h in &ins.heredocs {
                            text.push('\n');
                            text.push_str(&h.content);
                        }
                        shell::simple_commands_shown(&text, prefixes)
                    }
                };
                for (words, shown) in commands {
                    for (pkg, family) in shell::installed_packages(&words, &system.installers) {
                        if !obs.packages.iter().any(|(p, _)| *p == pkg) {
                            obs.packages.push((pkg, family));
                        }
                    }
                    obs.run.push(SeenCommand { text: shown, words });
                }
            }
            "CMD" | "ENTRYPOINT" => {
                let commands = match ins.form {
                    Some(Form::Exec) => shell::exec_command_shown(&ins.values, prefixes),
                    _ => shell::simple_commands_shown(&ins.arguments, prefixes),
                };
                for (words, shown) in commands {
                    obs.start.push(SeenCommand { text: shown, words });
                }
            }
            "COPY" | "ADD" => {
                if let Some(from) = ins.flag("from") {
                    let from = substitute_args(from, &global_args);
                    let is_stage = stage_names.contains(&from.to_ascii_lowercase())
                        || from.chars().all(|c| c.is_ascii_digit());
                    if !is_stage {
                        let (name, tag) = split_image(&from);
                        obs.images.push(SeenImage {
                            raw: from,
                            name,
                            tag,
                            from: false,
                        });
                    }
                    continue;
                }
                for source in copy_sources(ins) {
                    let s = normalise_source(&source);
                    let is_dir = s.is_empty()
                        || source.ends_with('/')
                        || (!crate::profile::pattern::is_glob(&s) && ctx.is_dir(&s));
                    if is_dir {
                        obs.dir_sources.push(s.trim_end_matches('/').to_string());
                    } else {
                        obs.sources.push(s);
                    }
                }
            }
            _ => {}
        }
    }
    obs
}

fn in_skipped_dir(path: &str, skip: &[String]) -> bool {
    let mut parts: Vec<&str> = path.split('/').collect();
    parts.pop();
    parts.iter().any(|p| skip.iter().any(|s| s == p))
}

fn context_files(ctx: &dyn Context, obs: &Observed, system: &SystemRules) -> Vec<ContextFile> {
    ctx.files()
        .iter()
        .filter(|p| !in_skipped_dir(p, &system.skip_dirs))
        .map(|p| {
            let named = obs.sources.iter().any(|s| s == p || glob(s, p));
            let broad = obs
                .dir_sources
                .iter()
                .any(|d| d.is_empty() || p.starts_with(&format!("{d}/")));
            let status = if named {
                CopyStatus::Named
            } else if broad {
                CopyStatus::Broad
            } else {
                CopyStatus::Present
            };
            ContextFile {
                path: p.clone(),
                status,
                depth: p.matches('/').count(),
            }
        })
        .collect()
}

/// Accumulates one candidate's score and evidence.
#[derive(Default)]
struct Tally {
    dockerfile: f64,
    context: f64,
    evidence: Vec<String>,
    /// Each evidence line with its weight, for [`Tally::overlap`].
    weighted: Vec<(String, f64)>,
}

impl Tally {
    fn add_dockerfile(&mut self, weight: f64, what: String) {
        if weight > 0.0 {
            self.dockerfile += weight;
            self.push(weight, what);
        }
    }
    fn add_context(&mut self, weight: f64, what: String) {
        if weight > 0.0 {
            self.context += weight;
            self.push(weight, what);
        }
    }
    fn push(&mut self, weight: f64, what: String) {
        self.evidence
            .push(format!("{what} (+{})", fmt_weight(weight)));
        self.weighted.push((what, weight));
    }
    fn total(&self) -> f64 {
        self.dockerfile + self.context
    }
    /// The weight of the evidence two profiles share line for line (same observation, same
    /// weight): a JDK base image says "Java" but not "Maven or Gradle".
    fn overlap(&self, other: &Tally) -> f64 {
        let mut rest: Vec<&(String, f64)> = other.weighted.iter().collect();
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
    if w.fract() == 0.0 {
        format!("{w:.0}")
    } else {
        format!("{w}")
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn score_images(
    rules: &[ImageRule],
    images: &[SeenImage],
    from_only: bool,
    tally: &mut Tally,
    label: &str,
) {
    for rule in rules {
        if let Some(img) = images
            .iter()
            .filter(|i| !from_only || i.from)
            .find(|i| rule.matches(&i.name, i.tag.as_deref()))
        {
            let kw = if img.from { "FROM" } else { "COPY --from" };
            tally.add_dockerfile(rule.weight, format!("{kw} {}{label}", img.raw));
        }
    }
}

/// Command rules: per simple command, only the rules with the most words count; each rule once.
fn score_commands(
    rules: &[&CommandRule],
    commands: &[SeenCommand],
    kw: &str,
    counted: &mut BTreeSet<String>,
    tally: &mut Tally,
    label: &str,
) {
    for cmd in commands {
        let matching: Vec<&&CommandRule> = rules.iter().filter(|r| r.matches(&cmd.words)).collect();
        let Some(best) = matching.iter().map(|r| r.len()).max() else {
            continue;
        };
        for rule in matching.into_iter().filter(|r| r.len() == best) {
            if counted.insert(rule.command.clone()) {
                tally.add_dockerfile(rule.weight, format!("{kw} {}{label}", truncate(&cmd.text)));
            }
        }
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

fn score_files(
    rules: &[FileRule],
    obs: &Observed,
    files: &[ContextFile],
    full_depth: usize,
    tally: &mut Tally,
    label: &str,
) {
    for rule in rules {
        if let Some(src) = obs.sources.iter().find(|s| source_names(s, &rule.path)) {
            tally.add_dockerfile(rule.copied, format!("COPY {src}{label}"));
            continue;
        }
        // The best context file for this rule.
        let best = files
            .iter()
            .filter(|f| rule.matches(&f.path))
            .map(|f| {
                let w = match f.status {
                    CopyStatus::Named => rule.copied,
                    CopyStatus::Broad => (rule.present + rule.copied) / 2.0,
                    CopyStatus::Present if f.depth > full_depth => rule.present / 2.0,
                    CopyStatus::Present => rule.present,
                };
                (w, f)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.path.cmp(&a.1.path)));
        if let Some((w, f)) = best {
            let how = match f.status {
                CopyStatus::Named => "copied",
                CopyStatus::Broad => "copied with its folder",
                CopyStatus::Present => "present",
            };
            if f.status == CopyStatus::Named {
                tally.add_dockerfile(w, format!("{} {how}{label}", f.path));
            } else {
                tally.add_context(w, format!("{} {how}{label}", f.path));
            }
        }
    }
}

/// Score one profile against the observations.
fn score_profile(
    p: &Profile,
    obs: &Observed,
    files: &[ContextFile],
    system: &SystemRules,
) -> Tally {
    let mut t = Tally::default();
    score_images(&p.detect.images, &obs.images, true, &mut t, "");
    let mut counted = BTreeSet::new();
    let rules: Vec<&CommandRule> = p.detect.commands.iter().collect();
    score_commands(&rules, &obs.run, "RUN", &mut counted, &mut t, "");
    let rules: Vec<&CommandRule> = p.detect.start_commands.iter().collect();
    let mut counted_start = BTreeSet::new();
    let start_kw = "CMD/ENTRYPOINT";
    score_commands(&rules, &obs.start, start_kw, &mut counted_start, &mut t, "");
    for rule in &p.detect.packages {
        if let Some((pkg, _)) = obs
            .packages
            .iter()
            .find(|(pkg, _)| glob(&rule.package, pkg))
        {
            t.add_dockerfile(rule.weight, format!("installs package {pkg}"));
        }
    }
    score_files(
        &p.detect.files,
        obs,
        files,
        system.scoring.full_depth,
        &mut t,
        "",
    );
    t
}

/// Score the package managers of the winning profile. Returns (index, tally) best first.
fn score_package_managers(
    p: &Profile,
    obs: &Observed,
    files: &[ContextFile],
    env: &ProbeEnv<'_>,
    full_depth: usize,
) -> Vec<(usize, Tally)> {
    let mut tallies: Vec<(usize, Tally)> = (0..p.package_managers.len())
        .map(|i| (i, Tally::default()))
        .collect();
    // Command rules compete across package managers: per simple command the longest rules win.
    let all_rules: Vec<(usize, &CommandRule)> = p
        .package_managers
        .iter()
        .enumerate()
        .flat_map(|(i, pm)| pm.evidence.commands.iter().map(move |r| (i, r)))
        .collect();
    let mut counted: BTreeSet<(usize, String)> = BTreeSet::new();
    for cmd in &obs.run {
        let matching: Vec<&(usize, &CommandRule)> = all_rules
            .iter()
            .filter(|(_, r)| r.matches(&cmd.words))
            .collect();
        let Some(best) = matching.iter().map(|(_, r)| r.len()).max() else {
            continue;
        };
        for (i, rule) in matching.into_iter().filter(|(_, r)| r.len() == best) {
            if counted.insert((*i, rule.command.clone())) {
                let name = &p.package_managers[*i].name;
                tallies[*i]
                    .1
                    .add_dockerfile(rule.weight, format!("RUN {} [{name}]", truncate(&cmd.text)));
            }
        }
    }
    for (i, pm) in p.package_managers.iter().enumerate() {
        let label = format!(" [{}]", pm.name);
        let t = &mut tallies[i].1;
        score_images(&pm.evidence.images, &obs.images, false, t, &label);
        score_files(&pm.evidence.files, obs, files, full_depth, t, &label);
        for probe in &pm.evidence.probes {
            if let Some((_, origin)) = env.eval(probe) {
                t.add_context(
                    probe.weight.unwrap_or(0.0),
                    format!("{origin}: {}{label}", probe.name),
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
                if let Some(c) = capture(pattern, word) {
                    let release = if has_hole(pattern) {
                        Some(c)
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
    let obs = observe(df, ctx, system);
    let files = context_files(ctx, &obs, system);

    // Rank the profiles.
    let mut ranked: Vec<(&Profile, Tally)> = registry
        .iter()
        .map(|p| (p, score_profile(p, &obs, &files, system)))
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
    if let Some(img) = obs.images.iter().find(|i| i.from) {
        detection.facts.builder_image = Some(img.raw.clone());
        let (family, release) = flavor_of(&img.name, img.tag.as_deref(), system);
        detection.facts.image_family = family;
        detection.facts.image_release = release;
    }
    let Some((winner, tally)) = ranked.first() else {
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
    if tally.dockerfile <= 0.0 {
        detection.evidence.extend(
            tally
                .evidence
                .iter()
                .map(|e| format!("{}: {e}", winner.name)),
        );
        detection.reason = Some(format!(
            "only stray context files point to {}; the Dockerfile neither uses its toolchain nor copies its manifests",
            winner.name
        ));
        return detection;
    }
    if tally.total() < system.scoring.min_score {
        detection.evidence.extend(
            tally
                .evidence
                .iter()
                .map(|e| format!("{}: {e}", winner.name)),
        );
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
    detection.evidence.extend(
        tally
            .evidence
            .iter()
            .map(|e| format!("{}: {e}", winner.name)),
    );

    // The builder image: the FROM the winner's image rules like best, else the first FROM.
    let builder = obs
        .images
        .iter()
        .filter(|i| i.from)
        .map(|i| {
            let w: f64 = winner
                .detect
                .images
                .iter()
                .filter(|r| r.matches(&i.name, i.tag.as_deref()))
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
    let env = ProbeEnv::new(ctx, &files, &obs.lines, &images);

    // Package manager.
    let pms = score_package_managers(winner, &obs, &files, &env, system.scoring.full_depth);
    let (pm_index, pm_tally) = &pms[0];
    let pm: &PackageManager = &winner.package_managers[*pm_index];
    detection.package_manager = Some(pm.name.clone());
    if pm_tally.total() > 0.0 {
        detection.evidence.extend(pm_tally.evidence.iter().cloned());
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
    for probe in &winner.versions {
        if detection.versions.contains_key(&probe.name) {
            continue;
        }
        if let Some((ProbeValue::Text(v), origin)) = env.eval(probe) {
            detection
                .evidence
                .push(format!("{} {v} from {origin}", probe.name));
            detection.versions.insert(probe.name.clone(), v);
        }
    }

    // Facts.
    let mut filled = BTreeSet::new();
    for probe in &winner.facts {
        if filled.contains(&probe.name) {
            continue;
        }
        if let Some((value, _)) = env.eval(probe) {
            if facts.set(&probe.name, value) {
                filled.insert(probe.name.clone());
            }
        }
    }
    let existing = |pattern: &str| -> Vec<String> {
        let mut found: Vec<String> = files
            .iter()
            .filter(|f| path_matches(pattern, &f.path))
            .map(|f| f.path.clone())
            .collect();
        if found.is_empty() {
            found.extend(
                obs.sources
                    .iter()
                    .filter(|s| source_names(s, pattern) && !crate::profile::pattern::is_glob(s))
                    .cloned(),
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
        for f in files.iter().filter(|f| path_matches(manifest, &f.path)) {
            if !facts.manifests.contains(&f.path) {
                facts.manifests.push(f.path.clone());
            }
        }
    }
    facts.manifests.sort();
    // The wrapper counts when a command runs it, or when no command runs the plain executable
    // and the context holds the wrapper.
    if let Some(wrapper) = &pm.wrapper {
        let runs = |name: &str| {
            obs.run
                .iter()
                .chain(&obs.start)
                .any(|c| c.words.first().is_some_and(|w| w == name))
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
