//! Configuration: `.restage.yaml`, inline pragmas, and the flags that override them.
//!
//! Where a setting comes from, strongest first:
//! 1. the command line (`--test-stage`, `--no-test-stage`);
//! 2. a pragma in the Dockerfile's header comments (`# restage: test_stage=false`), which
//!    concerns that file alone;
//! 3. the configuration file: `--config FILE` for every input, else the first `.restage.yaml`
//!    (or `.restage.yml`) found walking up from the Dockerfile's folder (for stdin, from
//!    `--stdin-filename`'s folder, else the current folder);
//! 4. the profile defaults.
//!
//! The file (unknown keys are errors, reported as `file:line:col`):
//!
//! ```yaml
//! test_stage: false          # emit the test stage (default: true)
//! ignore:                    # gitignore-style globs, relative to this file's folder
//!   - legacy/
//!   - "**/Dockerfile.dev"
//! profiles:
//!   node:
//!     runtime: alpine        # slim | distroless | alpine
//!     images:                # builder -> runtime image rules, tried before the profile's
//!       - {builder: node, runtime: "node:{version}-alpine"}
//!       - "..."              # the profile's own rules
//!     commands:              # per stage; "..." is the profile's command
//!       build: ["...", "npm run build:types"]
//!       test: ["npm run test:ci"]
//! ```
//!
//! Pragmas are comment lines above the first instruction: `# restage: ignore` skips the file
//! (the pipeline handles it); `# restage: runtime=distroless, test_stage=false` sets options
//! for that file. Pragmas stay in the output (the pipeline keeps comments).
//!
//! What is applied: `test_stage` (file, pragma, flags), `ignore`, and the profile overrides
//! `images` and `commands` (see `engines`; `restage config` shows the commands expanded
//! against the profile's). The runtime flavour (`runtime`, file or pragma) is parsed, validated
//! and shown, but the pipeline has no option for it yet: a rewrite it would affect carries a
//! warning saying so.

use super::args::{ConfigArgs, Flavour, Overrides, SimpleFormat};
use super::exit::ExitStatus;
use super::input::display_path;
use crate::profile::Registry;
use crate::source::FsContext;
use crate::syntax::Dockerfile;
use crate::text::LineIndex;
use crate::{Error, ErrorKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The file names looked for, in this order, in each folder.
pub const FILE_NAMES: [&str; 2] = [".restage.yaml", ".restage.yml"];

/// The list entry that stands for the defaults (as in nixpacks and railpack).
pub const DEFAULTS: &str = "...";

/// The contents of a `.restage.yaml`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Emit the test stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_stage: Option<bool>,
    /// Dockerfiles to skip: gitignore-style globs relative to the file's folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// Settings per profile name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, ProfileSettings>,
    /// Where each name under `profiles:` stands in the file (line, column; 1-based), so that an
    /// unknown name is reported as `file:line:col`.
    #[serde(skip)]
    pub profile_at: BTreeMap<String, (usize, usize)>,
}

/// Settings for one profile.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileSettings {
    /// The runtime flavour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Flavour>,
    /// Builder → runtime image rules (`{builder, tag?, runtime}`), with `"..."` for the
    /// profile's own rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<ImageEntry>>,
    /// Commands per stage (`setup`, `install`, `build`, `test`): a string, or a list run in
    /// order, with `"..."` for the profile's command.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub commands: BTreeMap<StageCommand, CommandList>,
}

/// An entry of `images`: the defaults marker or a rule.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum ImageEntry {
    Defaults(String),
    Rule(ImageRule),
}

/// One builder → runtime image rule (the profile schema's `runtime_images.rules` entry).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageRule {
    pub builder: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    pub runtime: String,
}

/// The commands a profile runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageCommand {
    Setup,
    Install,
    Build,
    Test,
}

/// A command, or a list of commands.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum CommandList {
    One(String),
    Many(Vec<String>),
}

impl CommandList {
    fn items(&self) -> Vec<String> {
        match self {
            CommandList::One(one) => vec![one.clone()],
            CommandList::Many(many) => many.clone(),
        }
    }
}

/// Expand a list where `"..."` stands for `defaults` (each occurrence; a list without it
/// replaces the defaults).
pub fn expand<T: Clone>(list: &[T], defaults: &[T], is_marker: impl Fn(&T) -> bool) -> Vec<T> {
    let mut out = Vec::new();
    for item in list {
        if is_marker(item) {
            out.extend(defaults.iter().cloned());
        } else {
            out.push(item.clone());
        }
    }
    out
}

/// A configuration file, loaded.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The file.
    pub path: PathBuf,
    /// Its folder, canonical (the root of the `ignore` globs).
    pub root: PathBuf,
    pub file: ConfigFile,
    ignore: ignore::gitignore::Gitignore,
}

impl Loaded {
    /// Read and check a configuration file. Errors name `file:line:col`.
    pub fn read(path: &Path) -> Result<Loaded, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        let name = PathBuf::from(shown(path));
        let mut file: ConfigFile = serde_saphyr::from_str(&text).map_err(|e| {
            let mut error =
                Error::new(ErrorKind::Usage, yaml_message(&e.to_string())).with_path(&name);
            if let Some(at) = e.location() {
                error = error.at(at.line() as usize, at.column() as usize);
            }
            error
        })?;
        file.profile_at = profile_keys(&text);
        check(&file, &text).map_err(|(message, line)| {
            let error = Error::new(ErrorKind::Usage, message).with_path(&name);
            match line {
                Some(line) => error.at(line, 1),
                None => error,
            }
        })?;
        let dir = super::input::parent_dir(path);
        let root = std::fs::canonicalize(&dir).map_err(|e| Error::io(&dir, &e))?;
        let mut builder = ignore::gitignore::GitignoreBuilder::new(&root);
        for pattern in &file.ignore {
            builder.add_line(None, pattern).map_err(|e| {
                Error::new(ErrorKind::Usage, format!("ignore: {e}")).with_path(path)
            })?;
        }
        let ignore = builder
            .build()
            .map_err(|e| Error::new(ErrorKind::Usage, format!("ignore: {e}")).with_path(path))?;
        Ok(Loaded {
            path: path.to_path_buf(),
            root,
            file,
            ignore,
        })
    }

    /// The `ignore` pattern matching `file` (a canonical path), if any.
    pub fn ignored(&self, file: &Path) -> Option<String> {
        if !file.starts_with(&self.root) {
            return None;
        }
        match self.ignore.matched_path_or_any_parents(file, false) {
            ignore::Match::Ignore(glob) => Some(glob.original().to_string()),
            _ => None,
        }
    }
}

/// The line and column of each key directly under a top-level `profiles:` in block style.
fn profile_keys(text: &str) -> BTreeMap<String, (usize, usize)> {
    let mut keys = BTreeMap::new();
    let mut inside = false;
    let mut indent = None;
    for (n, line) in text.lines().enumerate() {
        let body = line.trim_start();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let column = line.len() - body.len();
        if column == 0 {
            inside = body.starts_with("profiles:");
            indent = None;
            continue;
        }
        if !inside || *indent.get_or_insert(column) != column {
            continue;
        }
        if let Some((key, _)) = body.split_once(':') {
            let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
            keys.insert(key.to_string(), (n + 1, column + 1));
        }
    }
    keys
}

/// The first line of a YAML error, without the `error: line N column M:` the renderer adds
/// (the position is reported as `file:line:col`).
fn yaml_message(rendered: &str) -> String {
    let mut line = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid configuration")
        .trim();
    line = line.strip_prefix("error: ").unwrap_or(line);
    if let Some((head, rest)) = line.split_once(": ")
        && head.starts_with("line ")
        && head.chars().any(|c| c.is_ascii_digit())
    {
        line = rest;
    }
    line.to_string()
}

/// Checks serde cannot express: the only bare string in `images` is `"..."`. Returns the message and the line of the offending key when it can be found.
fn check(file: &ConfigFile, text: &str) -> Result<(), (String, Option<usize>)> {
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(needle))
            .map(|i| i + 1)
    };
    for (name, settings) in &file.profiles {
        for entry in settings.images.iter().flatten() {
            if let ImageEntry::Defaults(word) = entry
                && word != DEFAULTS
            {
                return Err((
                    format!(
                        "profiles.{name}.images: `{word}` is neither a rule nor \"{DEFAULTS}\""
                    ),
                    line_of(&format!("- {word}")).or_else(|| line_of(&format!("- \"{word}\""))),
                ));
            }
        }
    }
    Ok(())
}

/// Where a setting's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Default,
    ConfigFile,
    Pragma,
    Flag,
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub from: Source,
}

/// The options in effect for one Dockerfile.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// The configuration file used, if any.
    pub config: Option<String>,
    pub test_stage: Sourced<bool>,
    /// The runtime flavour set by a pragma for whatever profile applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Sourced<Flavour>>,
    /// Why the file is skipped, when an `ignore` glob matches it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
    /// The configuration file's per-profile settings.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, ProfileSettings>,
    /// Where each profile name stands in the configuration file.
    #[serde(skip)]
    pub profile_at: BTreeMap<String, (usize, usize)>,
}

impl Settings {}

/// Pragmas found in a Dockerfile's header comments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pragmas {
    pub ignore: bool,
    pub runtime: Option<Flavour>,
    pub test_stage: Option<bool>,
}

/// Read the `# restage: ...` comments above the first instruction. An unknown key or value is
/// an error at its line and column.
pub fn pragmas(df: &Dockerfile, text: &str) -> Result<Pragmas, Error> {
    let mut found = Pragmas::default();
    let index = LineIndex::new(text);
    for pragma in crate::syntax::pragmas(df) {
        let (key, value, part) = (pragma.key, pragma.value, pragma.text);
        let bad = |what: String| {
            let at = index.line_col(pragma.offset);
            Error::new(ErrorKind::Usage, what).at(at.line, at.col)
        };
        match (key, value) {
            ("ignore", None) => found.ignore = true,
            ("runtime", Some(value)) => {
                found.runtime = Some(parse_flavour(value).ok_or_else(|| {
                    bad(format!(
                        "pragma `runtime={value}`: the runtime is one of slim, distroless, alpine"
                    ))
                })?)
            }
            ("test_stage" | "test-stage", Some(value)) => {
                found.test_stage = Some(match value {
                    "true" | "yes" | "on" => true,
                    "false" | "no" | "off" => false,
                    _ => {
                        return Err(bad(format!(
                            "pragma `{key}={value}`: the value is true or false"
                        )));
                    }
                })
            }
            _ => {
                return Err(bad(format!(
                    "unknown pragma `{part}` (known: ignore, runtime=slim|distroless|alpine, test_stage=true|false)"
                )));
            }
        }
    }
    Ok(found)
}

fn parse_flavour(value: &str) -> Option<Flavour> {
    match value {
        "slim" => Some(Flavour::Slim),
        "distroless" => Some(Flavour::Distroless),
        "alpine" => Some(Flavour::Alpine),
        _ => None,
    }
}

/// A path as shown: relative to the current folder when it is under it.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
    match cwd.as_deref().map(|cwd| path.strip_prefix(cwd)) {
        Ok(Ok(rest)) if !rest.as_os_str().is_empty() => display_path(rest),
        _ => display_path(path),
    }
}

/// A configuration file found: loaded, or why it could not be.
type Found = Result<Arc<Loaded>, Arc<Error>>;

/// A copy of a shared error (one per input it concerns).
fn copy_error(error: &Error) -> Error {
    let mut copy = Error::new(error.kind, error.message.clone());
    copy.path = error.path.clone();
    copy.position = error.position;
    copy
}

/// Finds and caches configuration files, one lookup per folder.
pub struct Resolver {
    explicit: Option<Found>,
    by_dir: Mutex<HashMap<PathBuf, Option<Found>>>,
    /// Each input folder made canonical once, by its spelling (every Dockerfile of a folder
    /// asks at least twice: for `ignore` globs, then for its settings).
    canonical: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl Resolver {
    /// `--config FILE` (read now), or discovery.
    pub fn new(config: Option<&Path>) -> Resolver {
        Resolver {
            explicit: config.map(|path| Loaded::read(path).map(Arc::new).map_err(Arc::new)),
            by_dir: Mutex::new(HashMap::new()),
            canonical: Mutex::new(HashMap::new()),
        }
    }

    /// The error reading `--config FILE`, if it could not be read: a usage error for the whole
    /// run rather than one per input.
    pub fn explicit_error(&self) -> Option<&Error> {
        match &self.explicit {
            Some(Err(error)) => Some(error),
            _ => None,
        }
    }

    /// The configuration for a Dockerfile in `dir` (any spelling; it is made canonical).
    pub fn for_dir(&self, dir: &Path) -> Option<Found> {
        if let Some(explicit) = &self.explicit {
            return Some(explicit.clone());
        }
        let dir = self.canonical(dir)?;
        self.lookup(&dir)
    }

    /// `dir` made canonical, resolved once per spelling.
    fn canonical(&self, dir: &Path) -> Option<PathBuf> {
        if let Some(known) = self.canonical.lock().ok()?.get(dir) {
            return known.clone();
        }
        let real = self.canonical_uncached(dir);
        if let Ok(mut cache) = self.canonical.lock() {
            cache.insert(dir.to_path_buf(), real.clone());
        }
        real
    }

    /// A folder that is no symlink (one `lstat`) is its parent's canonical path, cached for
    /// all the folders beside it, joined with its name. In full, `canonicalize` costs a
    /// `getcwd` and a `readlink` per component for each input folder.
    fn canonical_uncached(&self, dir: &Path) -> Option<PathBuf> {
        if let (Some(parent), Some(name)) = (dir.parent(), dir.file_name())
            && !parent.as_os_str().is_empty()
        {
            let meta = std::fs::symlink_metadata(dir).ok()?;
            if meta.is_dir() {
                return Some(self.canonical(parent)?.join(name));
            }
        }
        std::fs::canonicalize(dir).ok()
    }

    /// Look up the configuration for a Dockerfile in `dir` with a context rooted at `dir` at
    /// hand: whether `dir` holds a configuration file is read from the context's listing
    /// (which the rewrite reads anyway when `dir` is its context) instead of probed with a
    /// `statx` per name. Later calls for `dir` get the cached answer.
    pub fn prime(&self, dir: &Path, listing: &FsContext) {
        if self.explicit.is_none()
            && let Some(dir) = self.canonical(dir)
        {
            self.lookup_in(&dir, Some(listing));
        }
    }

    fn lookup(&self, dir: &Path) -> Option<Found> {
        self.lookup_in(dir, None)
    }

    /// The configuration that applies in `dir`: its own file, or its parent's; `listing` is
    /// `dir`'s, when it is at hand.
    fn lookup_in(&self, dir: &Path, listing: Option<&FsContext>) -> Option<Found> {
        if let Some(cached) = self.by_dir.lock().ok()?.get(dir) {
            return cached.clone();
        }
        let here = FILE_NAMES
            .iter()
            .find(|name| {
                listing
                    .and_then(|listing| listing.listed_is_file(name))
                    .unwrap_or_else(|| dir.join(name).is_file())
            })
            .map(|name| dir.join(name));
        let found = match here {
            Some(path) => Some(Loaded::read(&path).map(Arc::new).map_err(Arc::new)),
            None => dir.parent().and_then(|parent| self.lookup(parent)),
        };
        if let Ok(mut cache) = self.by_dir.lock() {
            cache.insert(dir.to_path_buf(), found.clone());
        }
        found
    }

    /// Why the Dockerfile at `file` (in `dir`) is skipped, when an `ignore` glob of its
    /// configuration matches it. Checked before anything else: an ignored file is not parsed.
    pub fn ignored(&self, dir: &Path, file: Option<&Path>) -> Result<Option<String>, Error> {
        let config = self.for_dir(dir).transpose().map_err(|e| copy_error(&e))?;
        Ok(config.and_then(|config| ignored_by(&config, file)))
    }

    /// The settings for one Dockerfile: `dir` its folder, `file` its path when it has one (or
    /// stdin's `--stdin-filename`), `df`/`text` the parsed file.
    pub fn settings(
        &self,
        dir: &Path,
        file: Option<&Path>,
        df: &Dockerfile,
        text: &str,
        overrides: &Overrides,
    ) -> Result<Settings, Error> {
        let config = self.for_dir(dir).transpose().map_err(|e| copy_error(&e))?;
        let pragmas = pragmas(df, text)?;
        let mut settings = Settings {
            config: config.as_ref().map(|c| shown(&c.path)),
            test_stage: Sourced {
                value: true,
                from: Source::Default,
            },
            runtime: pragmas.runtime.map(|value| Sourced {
                value,
                from: Source::Pragma,
            }),
            ignored: None,
            profiles: BTreeMap::new(),
            profile_at: BTreeMap::new(),
        };
        if let Some(config) = &config {
            if let Some(value) = config.file.test_stage {
                settings.test_stage = Sourced {
                    value,
                    from: Source::ConfigFile,
                };
            }
            settings.profiles = config.file.profiles.clone();
            settings.profile_at = config.file.profile_at.clone();
            settings.ignored = ignored_by(config, file);
        }
        if let Some(value) = pragmas.test_stage {
            settings.test_stage = Sourced {
                value,
                from: Source::Pragma,
            };
        }
        if let Some(value) = overrides.test_stage() {
            settings.test_stage = Sourced {
                value,
                from: Source::Flag,
            };
        }
        Ok(settings)
    }
}

/// The reason `file` is skipped under `config`, if one of its `ignore` globs matches.
fn ignored_by(config: &Loaded, file: Option<&Path>) -> Option<String> {
    let file = file?;
    let parent = super::input::parent_dir(file);
    let absolute = std::fs::canonicalize(&parent).ok()?.join(file.file_name()?);
    let pattern = config.ignored(&absolute)?;
    Some(format!("ignored by `{pattern}` in {}", shown(&config.path)))
}

// ---------------------------------------------------------------------------------------------
// `restage config [PATH]`

#[derive(Debug, Serialize)]
struct Shown<'a> {
    path: String,
    #[serde(flatten)]
    settings: &'a Settings,
    /// The commands per profile after expanding `"..."` against the profile's own, per package
    /// manager.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    effective_commands: BTreeMap<String, BTreeMap<String, BTreeMap<StageCommand, Vec<String>>>>,
}

/// Run `restage config [PATH]`.
pub fn run_command(
    args: &ConfigArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let path = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let resolver = Resolver::new(args.config.as_deref());
    let (dir, file, text) = if path.is_dir() {
        (path.clone(), None, String::new())
    } else {
        match crate::source::SourceFile::read(&path) {
            Ok(source) => (
                super::input::parent_dir(&path),
                Some(path.clone()),
                source.into_text(),
            ),
            Err(error) => {
                writeln!(err, "{error}")?;
                return Ok(ExitStatus::Error);
            }
        }
    };
    let df = crate::syntax::parse(&text);
    let settings = match resolver.settings(&dir, file.as_deref(), &df, &text, &args.overrides) {
        Ok(settings) => settings,
        Err(error) => {
            let error = if error.path.is_none() {
                error.with_path(&path)
            } else {
                error
            };
            writeln!(err, "{error}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let effective_commands = match Registry::load(None) {
        Ok(registry) => commands_of(&settings, &registry),
        Err(_) => BTreeMap::new(),
    };
    let shown = Shown {
        path: display_path(&path),
        settings: &settings,
        effective_commands,
    };
    match args.format {
        SimpleFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &shown)?;
            writeln!(out)?;
        }
        SimpleFormat::Text => {
            let yaml = serde_saphyr::to_string(&shown).map_err(io::Error::other)?;
            out.write_all(yaml.as_bytes())?;
            if !yaml.ends_with('\n') {
                writeln!(out)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

type Commands = BTreeMap<String, BTreeMap<String, BTreeMap<StageCommand, Vec<String>>>>;

/// The command lists of the configured profiles, `"..."` expanded per package manager.
fn commands_of(settings: &Settings, registry: &Registry) -> Commands {
    let mut all = BTreeMap::new();
    for (name, profile_settings) in &settings.profiles {
        let Some(profile) = registry.get(name) else {
            continue;
        };
        if profile_settings.commands.is_empty() {
            continue;
        }
        let mut per_pm = BTreeMap::new();
        for pm in &profile.package_managers {
            let mut stages = BTreeMap::new();
            for (stage, list) in &profile_settings.commands {
                let default = match stage {
                    StageCommand::Setup => pm.setup.clone(),
                    StageCommand::Install => Some(pm.install.clone()),
                    StageCommand::Build => pm.build.clone(),
                    StageCommand::Test => pm.test.clone(),
                };
                let defaults: Vec<String> = default.into_iter().collect();
                stages.insert(*stage, expand(&list.items(), &defaults, |c| c == DEFAULTS));
            }
            per_pm.insert(pm.name.clone(), stages);
        }
        all.insert(name.clone(), per_pm);
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_primed_lookup_finds_what_probing_finds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let config = |rel: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "test_stage: false\n").unwrap();
        };
        config("shared/.restage.yaml");
        // A folder named like the first file name: the second is the configuration.
        config("dir-named/.restage.yml");
        std::fs::create_dir_all(root.join("dir-named/.restage.yaml")).unwrap();
        // A symlink to a configuration file counts, as `is_file` follows it.
        std::fs::create_dir_all(root.join("linked")).unwrap();
        std::os::unix::fs::symlink(
            root.join("shared/.restage.yaml"),
            root.join("linked/.restage.yaml"),
        )
        .unwrap();
        // No file of its own: the parent's applies.
        std::fs::create_dir_all(root.join("shared/below")).unwrap();
        let found = |resolver: &Resolver, rel: &str| {
            resolver
                .for_dir(&root.join(rel))
                .and_then(|found| found.ok())
                .map(|loaded| loaded.path.clone())
        };
        for rel in ["shared", "dir-named", "linked", "shared/below"] {
            let primed = Resolver::new(None);
            primed.prime(&root.join(rel), &FsContext::new(root.join(rel)));
            let probed = Resolver::new(None);
            assert_eq!(found(&primed, rel), found(&probed, rel), "{rel}");
            assert!(found(&primed, rel).is_some(), "{rel}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn canonical_folders_from_their_parents_agree_with_canonicalize() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("real/inner/deep")).unwrap();
        std::fs::create_dir_all(root.join("other/side")).unwrap();
        std::os::unix::fs::symlink(root.join("real/inner"), root.join("other/link")).unwrap();
        let resolver = Resolver::new(None);
        for rel in [
            "real",
            "real/inner/deep",
            "real/./inner",
            "other/link",
            "other/link/deep",
            "other/link/..",
            "other/link/../inner/deep",
            "other/side/../link/deep",
            "missing/below",
        ] {
            let path = root.join(rel);
            assert_eq!(
                resolver.canonical(&path),
                std::fs::canonicalize(&path).ok(),
                "{rel}"
            );
            // Asked again, from the cache.
            assert_eq!(
                resolver.canonical(&path),
                std::fs::canonicalize(&path).ok(),
                "{rel}"
            );
        }
    }

    #[test]
    fn defaults_marker_expands_in_place() {
        let defaults = ["a".to_string(), "b".to_string()];
        let list = ["x".to_string(), DEFAULTS.to_string(), "y".to_string()];
        assert_eq!(
            expand(&list, &defaults, |s| s == DEFAULTS),
            ["x", "a", "b", "y"]
        );
        assert_eq!(
            expand(&["z".to_string()], &defaults, |s| s == DEFAULTS),
            ["z"]
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".restage.yaml");
        std::fs::write(&path, "test_stage: false\nignore: [a]\ntets_stage: true\n").unwrap();
        let error = Loaded::read(&path).unwrap_err();
        assert_eq!(error.position.map(|p| p.0), Some(3), "{error}");
        assert!(error.message.contains("tets_stage"), "{error}");

        std::fs::write(&path, "profiles:\n  node:\n    runtime: scratch\n").unwrap();
        let error = Loaded::read(&path).unwrap_err();
        assert_eq!(error.position.map(|p| p.0), Some(3), "{error}");

        std::fs::write(&path, "profiles:\n  node:\n    images:\n      - more\n").unwrap();
        let error = Loaded::read(&path).unwrap_err();
        assert_eq!(error.position, Some((4, 1)), "{error}");
    }

    #[test]
    fn the_whole_schema_parses() {
        let text = "test_stage: false\nignore: [legacy/, '**/Dockerfile.dev']\nprofiles:\n  node:\n    runtime: alpine\n    images:\n      - {builder: node, runtime: 'node:{version}-alpine'}\n      - '...'\n    commands:\n      build: ['...', 'npm run types']\n      test: npm run test:ci\n";
        let file: ConfigFile = serde_saphyr::from_str(text).unwrap();
        let node = &file.profiles["node"];
        assert_eq!(node.runtime, Some(Flavour::Alpine));
        assert_eq!(node.images.as_ref().unwrap().len(), 2);
        assert_eq!(
            node.commands[&StageCommand::Test],
            CommandList::One("npm run test:ci".into())
        );
        assert!(check(&file, text).is_ok());
    }

    #[test]
    fn pragmas_are_read_from_the_header_only() {
        let text = "# restage: runtime=distroless, test_stage=false\nFROM a\n# restage: ignore\n";
        let df = crate::syntax::parse(text);
        let found = pragmas(&df, text).unwrap();
        assert_eq!(found.runtime, Some(Flavour::Distroless));
        assert_eq!(found.test_stage, Some(false));
        assert!(!found.ignore, "after the first instruction it is no pragma");

        let text = "FROM a\n";
        assert_eq!(
            pragmas(&crate::syntax::parse(text), text).unwrap(),
            Pragmas::default()
        );

        let text = "# hello\n#  restage: runtime=scratch\nFROM a\n";
        let error = pragmas(&crate::syntax::parse(text), text).unwrap_err();
        assert_eq!(error.position, Some((2, 13)));
        assert!(error.message.contains("slim, distroless, alpine"));
    }
}
