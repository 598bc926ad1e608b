//! Language profiles: language knowledge as data.
//!
//! Each `language-profiles/<name>.yaml` is one [`Profile`] (see [`schema`] for every field);
//! `language-profiles/_system.yaml` holds [`SystemRules`], the knowledge shared by all profiles
//! (distro installers, directories never scanned, distro flavours, common build-only packages,
//! scoring thresholds). The built-in files are embedded in the binary and parsed once.
//!
//! [`Registry::load`] adds a `--profiles-dir`: each `*.yaml`/`*.yml` there adds a profile or
//! replaces the built-in one with the same `name`; a `_system.yaml` there replaces the shared
//! rules. Unknown fields are rejected with the file and line.

mod facts;
pub mod pattern;
pub mod schema;

pub use schema::*;

use crate::error::{Error, ErrorKind, Result};
pub use facts::Facts;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Knowledge shared by every profile (`language-profiles/_system.yaml`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SystemRules {
    /// What this file is.
    pub description: String,
    /// Commands that install distro packages.
    pub installers: Vec<Installer>,
    /// Words that wrap a command (`sudo`, `env`, `exec`); skipped before matching. `sh`/`bash`
    /// with `-c` are looked into.
    pub command_prefixes: Vec<String>,
    /// Folders never scanned for evidence or facts (committed `node_modules/`, `target/`).
    pub skip_dirs: Vec<String>,
    /// How to tell the distro family and release of an image.
    pub flavors: Vec<Flavor>,
    /// Build-only packages and runtime mappings shared by all profiles (appended to each
    /// profile's own).
    pub system_packages: SystemPackages,
    /// Runtime folders shared by all profiles (appended).
    pub runtime_files: Vec<String>,
    /// The tools a start command or health check may call, and which images have them.
    #[serde(default)]
    pub runtime_tools: RuntimeTools,
    /// `.dockerignore` lines shared by all profiles (appended).
    pub dockerignore: Vec<String>,
    /// Scoring thresholds for detection.
    pub scoring: Scoring,
    /// What holds a credential: build arguments and variables, and files.
    #[serde(default)]
    pub secrets: SecretRules,
    /// Folders apps write to next to their code, shared by all profiles (appended to each
    /// profile's `writes`).
    #[serde(default)]
    pub writes: Vec<WriteRule>,
}

/// What holds a credential, for moving it into a BuildKit secret mount and for checking that
/// no output leaves one in a layer.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretRules {
    /// Globs on `ARG`/`ENV` names that hold a credential (`*TOKEN*`, `*PASSWORD*`).
    pub variables: Vec<String>,
    /// Files that hold credentials.
    pub files: Vec<CredentialFile>,
    /// Command rules (`git config --global`) that store their arguments in a configuration
    /// file, so a credential given to them stays in the RUN's layer.
    #[serde(default)]
    pub persist: Vec<String>,
}

/// A credentials file, by name.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CredentialFile {
    /// Glob on the file name, without folders (`.npmrc`, `*.pem`); matched case-insensitively.
    pub name: String,
    /// Texts that show the file holds a literal credential (`_authToken=`); a file with none of
    /// them (only `${NPM_TOKEN}`, say) is plain configuration. Empty: the file always does.
    #[serde(default)]
    pub holds: Vec<String>,
}

impl CredentialFile {
    /// Whether `name` (a path or file name) is this kind of file.
    pub fn matches_name(&self, path: &str) -> bool {
        let name = path
            .bytes()
            .rposition(|b| b == b'/')
            .map_or(path, |slash| &path[slash + 1..]);
        crate::profile::pattern::glob_ignore_ascii_case(&self.name, name)
    }

    /// Whether `content` holds a literal credential: one of `holds` followed by something that
    /// is not a variable reference.
    pub fn holds_secret(&self, content: &str) -> bool {
        if self.holds.is_empty() {
            return true;
        }
        self.holds.iter().any(|h| {
            content.match_indices(h.as_str()).any(|(at, _)| {
                let rest = content[at + h.len()..].trim_start_matches(['"', '\'', ' ']);
                !rest.is_empty() && !rest.starts_with('$') && !rest.starts_with('\n')
            })
        })
    }
}

/// A folder an app writes to at run time, found from the sources.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WriteRule {
    /// The folder, relative to the app folder (`instance`, `.next/cache`); `.` is the app
    /// folder itself (a SQLite file next to the code).
    pub dir: String,
    /// How the names of the context files whose text shows the write end (`.py`).
    pub files: Vec<String>,
    /// Texts, any of which in one of `files` shows the write (`instance_path`, `MEDIA_ROOT`).
    pub contains: Vec<String>,
    /// Why the app writes there, for the decision.
    pub note: String,
}

/// Tools the runtime's own instructions call (HEALTHCHECK, CMD, ENTRYPOINT, an entrypoint
/// script): how to install them, and which runtime images already have them.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimeTools {
    /// The tools restage looks for, with their package (empty: cannot be installed, `sh`).
    pub tools: Vec<Tool>,
    /// What runtime images have; the first matching rule wins.
    pub images: Vec<ImageTools>,
    /// The runtime flavour asked of the profile when a shell-less image (distroless) would
    /// lack a tool it cannot install (`slim`).
    pub flavour: String,
}

/// A tool and the distro package that provides it (the same name on apt and apk).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub package: String,
}

/// The tools images have: by image name glob and tag glob, or by distro family.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageTools {
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub family: Option<String>,
    pub has: Vec<String>,
}

impl RuntimeTools {
    /// The tools an image has (name, tag, family), from the first matching rule.
    pub fn present(&self, name: &str, tag: Option<&str>, family: &str) -> &[String] {
        self.images
            .iter()
            .find(|r| {
                r.image
                    .as_deref()
                    .is_none_or(|g| crate::profile::schema::image_name_matches(g, name))
                    && r.tag
                        .as_deref()
                        .is_none_or(|g| crate::profile::pattern::glob(g, tag.unwrap_or("latest")))
                    && r.family.as_deref().is_none_or(|f| f == family)
            })
            .map_or(&[], |r| &r.has[..])
    }

    /// The tool called `name`.
    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.name == name)
    }
}

/// A distro package installer command.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Installer {
    /// The command words (`apt-get install`, `apk add`), matched as a prefix after the command
    /// name's options.
    pub command: String,
    /// The distro family it belongs to (`debian`, `alpine`, `rhel`).
    pub family: String,
    /// Options that take a separate value (`--virtual .build-deps`).
    #[serde(default)]
    pub options_with_value: Vec<String>,
}

/// A distro flavour rule. `word` is a capture pattern matched against each `-`-separated word of
/// the image tag (`alpine{version}`, `bookworm`); `image` a glob on the image name (the tag is
/// then the release when `release_from_tag`). Tag words are tried first, then image names.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Flavor {
    /// Capture pattern on one `-`-separated word of the tag.
    #[serde(default)]
    pub word: Option<String>,
    /// Glob on the normalised image name.
    #[serde(default)]
    pub image: Option<String>,
    /// The distro family (`debian`, `ubuntu`, `alpine`, `rhel`).
    pub family: String,
    /// A fixed release (`bookworm`); a `{version}` hole in `word` captures it instead.
    #[serde(default)]
    pub release: Option<String>,
    /// For `image` rules: the tag is the release (`ubuntu:22.04` → `22.04`).
    #[serde(default)]
    pub release_from_tag: bool,
}

/// Detection thresholds.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// Below this total the winner is not trusted: profile null.
    pub min_score: f64,
    /// A total at or above this gives full strength to the confidence.
    pub strong_score: f64,
    /// Files under the context root count fully up to this depth; deeper stray files count half.
    pub full_depth: usize,
}

/// The set of profiles in effect: the built-in ones plus overrides.
#[derive(Clone, Debug)]
pub struct Registry {
    profiles: BTreeMap<String, Profile>,
    origins: BTreeMap<String, String>,
    system: SystemRules,
    /// Every proposed `.dockerignore` line (system and profiles) as a compiled matcher, built
    /// on first use and shared by every rewrite.
    dockerignore_lines: std::sync::OnceLock<BTreeMap<String, crate::source::DockerIgnore>>,
    /// What a later step derives from the registry alone (detection's index of the profiles'
    /// rules), built on first use and shared by every run. Its type is erased, so this layer
    /// does not name a type of the layers above it.
    derived: OnceLock<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

macro_rules! builtin {
    ($($file:literal),* $(,)?) => {
        &[$(($file, include_str!(concat!("../../language-profiles/", $file)))),*]
    };
}

/// The embedded profile files: (file name, text).
pub const BUILTIN_FILES: &[(&str, &str)] = builtin!(
    "_system.yaml",
    "dotnet.yaml",
    "go.yaml",
    "java-gradle.yaml",
    "java-maven.yaml",
    "node.yaml",
    "python.yaml",
    "rust.yaml",
);

const SYSTEM_FILE: &str = "_system.yaml";

/// The embedded profiles converted to JSON by build.rs (`BUILTIN_JSON`), parsed at start-up far
/// faster than the YAML.
mod builtin_json {
    include!(concat!(env!("OUT_DIR"), "/builtin_profiles.rs"));
}

/// A profile file's text: YAML as written, or the JSON build.rs made of an embedded one (with
/// its YAML, for error positions).
#[derive(Clone, Copy)]
enum Text<'a> {
    Yaml(&'a str),
    Json { json: &'a str, yaml: &'a str },
}

impl<'a> Text<'a> {
    fn yaml(self) -> &'a str {
        match self {
            Text::Yaml(yaml) | Text::Json { yaml, .. } => yaml,
        }
    }

    fn parse<T: for<'de> Deserialize<'de>>(self, path: &Path) -> Result<T> {
        match self {
            Text::Yaml(yaml) => parse_yaml(path, yaml),
            Text::Json { json, .. } => serde_json::from_str(json).map_err(|e| {
                Error::new(ErrorKind::Profile, format!("embedded profile: {e}")).with_path(path)
            }),
        }
    }
}

/// The embedded files, each with its JSON form.
fn builtin_texts() -> Vec<(PathBuf, Text<'static>)> {
    BUILTIN_FILES
        .iter()
        .map(|(name, yaml)| {
            let text = match builtin_json::BUILTIN_JSON.iter().find(|(n, _)| n == name) {
                Some((_, json)) => Text::Json { json, yaml },
                None => Text::Yaml(yaml),
            };
            (PathBuf::from("language-profiles").join(name), text)
        })
        .collect()
}

/// The built-in registry, parsed on first use by [`Registry::builtin`].
static BUILTIN: OnceLock<std::result::Result<Registry, String>> = OnceLock::new();

impl Registry {
    /// The built-in registry, parsed once.
    pub fn builtin() -> Result<&'static Registry> {
        BUILTIN
            .get_or_init(|| Registry::from_texts(&builtin_texts()).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Profile,
                    format!("built-in profiles are invalid: {e}"),
                )
            })
    }

    /// The built-in registry, owned: a copy of [`Registry::builtin`] when it is already
    /// parsed, else parsed afresh. Parsing the embedded JSON is cheaper than parsing it once
    /// and then deep-copying the result, which is what a one-file run would otherwise do.
    fn builtin_owned() -> Result<Registry> {
        if let Some(Ok(registry)) = BUILTIN.get() {
            return Ok(registry.clone());
        }
        Registry::from_texts(&builtin_texts()).map_err(|e| {
            Error::new(
                ErrorKind::Profile,
                format!("built-in profiles are invalid: {e}"),
            )
        })
    }

    /// The built-in profiles, plus the `*.yaml`/`*.yml` files of `extra_dir` that add profiles or
    /// override them by name (and `_system.yaml`, which replaces the shared rules).
    pub fn load(extra_dir: Option<&Path>) -> Result<Registry> {
        let Some(dir) = extra_dir else {
            return Registry::builtin_owned();
        };
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        paths.sort();
        let mut extra = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, &e))?;
            extra.push((path, text));
        }
        let mut texts = builtin_texts();
        texts.extend(extra.iter().map(|(p, t)| (p.clone(), Text::Yaml(t))));
        Registry::from_texts(&texts)
    }

    /// Build a registry from (path, text) pairs, later files overriding earlier ones by name.
    /// Exactly one file named `_system.yaml` is required overall (a later one replaces it).
    pub fn from_files(files: &[(PathBuf, String)]) -> Result<Registry> {
        let texts: Vec<(PathBuf, Text<'_>)> = files
            .iter()
            .map(|(p, t)| (p.clone(), Text::Yaml(t)))
            .collect();
        Registry::from_texts(&texts)
    }

    /// The registry from the YAML of the embedded files alone (what build.rs's JSON must match).
    #[doc(hidden)]
    pub fn builtin_from_yaml() -> Result<Registry> {
        let files: Vec<(PathBuf, String)> = BUILTIN_FILES
            .iter()
            .map(|(name, text)| {
                (
                    PathBuf::from("language-profiles").join(name),
                    text.to_string(),
                )
            })
            .collect();
        Registry::from_files(&files)
    }

    fn from_texts(files: &[(PathBuf, Text<'_>)]) -> Result<Registry> {
        let mut profiles = BTreeMap::new();
        let mut origins = BTreeMap::new();
        let mut system: Option<SystemRules> = None;
        for (path, text) in files {
            let is_system = path.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n == SYSTEM_FILE || n == "_system.yml"
            });
            if is_system {
                system = Some(text.parse(path)?);
            } else {
                let profile: Profile = text.parse(path)?;
                validate_profile(&profile, path, text.yaml())?;
                origins.insert(profile.name.clone(), path.display().to_string());
                profiles.insert(profile.name.clone(), profile);
            }
        }
        let system = system.ok_or_else(|| {
            Error::new(
                ErrorKind::Profile,
                "no _system.yaml among the profile files",
            )
        })?;
        for profile in profiles.values_mut() {
            merge_system(profile, &system);
        }
        Ok(Registry {
            profiles,
            origins,
            system,
            dockerignore_lines: std::sync::OnceLock::new(),
            derived: OnceLock::new(),
        })
    }

    /// The profile called `name`.
    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// The profiles, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.values()
    }

    /// The profile names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// Where a profile came from: `language-profiles/<name>.yaml` (built in) or the override
    /// file's path.
    pub fn origin(&self, name: &str) -> Option<&str> {
        self.origins.get(name).map(String::as_str)
    }

    /// The shared rules.
    pub fn system(&self) -> &SystemRules {
        &self.system
    }

    /// A proposed `.dockerignore` line (from `_system.yaml` or a profile) as a matcher.
    pub fn dockerignore_line(
        &self,
        line: &str,
    ) -> std::borrow::Cow<'_, crate::source::DockerIgnore> {
        let compiled = self.dockerignore_lines.get_or_init(|| {
            self.system
                .dockerignore
                .iter()
                .chain(self.profiles.values().flat_map(|p| p.dockerignore.iter()))
                .map(|l| (l.clone(), crate::source::DockerIgnore::parse(l)))
                .collect()
        });
        match compiled.get(line) {
            Some(matcher) => std::borrow::Cow::Borrowed(matcher),
            None => std::borrow::Cow::Owned(crate::source::DockerIgnore::parse(line)),
        }
    }

    /// The value `build` derives from this registry, built on the first call and shared by
    /// every later one (detection keeps its index of the profiles' rules here). One type per
    /// registry: a call with another type panics.
    pub(crate) fn derived<T: std::any::Any + Send + Sync>(
        &self,
        build: impl FnOnce(&Registry) -> T,
    ) -> &T {
        self.derived
            .get_or_init(|| std::sync::Arc::new(build(self)))
            .downcast_ref::<T>()
            .expect("a registry derives one type of value")
    }

    /// The number of profiles.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// Whether there are no profiles.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

fn parse_yaml<T: for<'de> Deserialize<'de>>(path: &Path, text: &str) -> Result<T> {
    serde_saphyr::from_str(text).map_err(|e| {
        let message = first_line_message(&e.to_string());
        let mut err = Error::new(ErrorKind::Profile, message).with_path(path);
        if let Some(loc) = e.location() {
            err = err.at(loc.line() as usize, loc.column() as usize);
        }
        err
    })
}

/// serde-saphyr renders a snippet under the message; keep the message itself.
fn first_line_message(rendered: &str) -> String {
    let line = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(rendered)
        .trim();
    // Drop a leading "line N column M: " if the renderer added one; we print our own.
    let line = match line.split_once(": ") {
        Some((head, rest)) if head.contains("line") && head.chars().any(|c| c.is_ascii_digit()) => {
            rest
        }
        _ => line,
    };
    line.trim_start_matches("error: ").to_string()
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

fn invalid(path: &Path, text: &str, needle: &str, message: String) -> Error {
    let err = Error::new(ErrorKind::Profile, message).with_path(path);
    match line_of(text, needle) {
        Some(line) => err.at(line, 1),
        None => err,
    }
}

/// Checks serde cannot express: cross references and required combinations.
fn validate_profile(p: &Profile, path: &Path, text: &str) -> Result<()> {
    if p.name.trim().is_empty() {
        return Err(invalid(
            path,
            text,
            "name:",
            "the profile name is empty".into(),
        ));
    }
    if p.description.trim().is_empty() {
        return Err(invalid(
            path,
            text,
            "description:",
            format!("profile {} has no description", p.name),
        ));
    }
    if p.package_managers.is_empty() {
        return Err(invalid(
            path,
            text,
            "package_managers:",
            format!("profile {} has no package manager", p.name),
        ));
    }
    if p.package_manager(&p.default_package_manager).is_none() {
        return Err(invalid(
            path,
            text,
            "default_package_manager:",
            format!(
                "default_package_manager `{}` is not one of the package managers",
                p.default_package_manager
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for pm in &p.package_managers {
        if !seen.insert(pm.name.as_str()) {
            return Err(invalid(
                path,
                text,
                &format!("name: {}", pm.name),
                format!("package manager `{}` is defined twice", pm.name),
            ));
        }
        if let Some(fact) = pm
            .test_needs
            .iter()
            .find(|f| !p.facts.iter().any(|probe| probe.name == **f))
        {
            return Err(invalid(
                path,
                text,
                "test_needs:",
                format!(
                    "package manager `{}`: test_needs names `{fact}`, which no probe in facts fills",
                    pm.name
                ),
            ));
        }
        let variant_fact = pm.variants.iter().find_map(|v| {
            v.facts()
                .chain(v.test_needs.iter().flatten().map(String::as_str))
                .find(|f| !p.facts.iter().any(|probe| probe.name == *f))
                .map(|f| (v, f))
        });
        if let Some((variant, fact)) = variant_fact {
            return Err(invalid(
                path,
                text,
                &format!("name: {}", variant.name),
                format!(
                    "package manager `{}`: variant `{}` names `{fact}`, which no probe in facts fills",
                    pm.name, variant.name
                ),
            ));
        }
        for probe in &pm.evidence.probes {
            if probe.weight.is_none() {
                return Err(invalid(
                    path,
                    text,
                    &format!("name: {}", probe.name),
                    format!(
                        "package manager `{}`: evidence probe `{}` needs a weight",
                        pm.name, probe.name
                    ),
                ));
            }
        }
    }
    for probe in p
        .versions
        .iter()
        .chain(&p.facts)
        .chain(p.package_managers.iter().flat_map(|pm| &pm.evidence.probes))
    {
        let sources = usize::from(probe.path.is_some())
            + usize::from(probe.image.is_some())
            + usize::from(probe.dockerfile);
        let readers = usize::from(probe.toml.is_some())
            + usize::from(probe.json.is_some())
            + usize::from(probe.xml.is_some())
            + usize::from(probe.stem)
            + usize::from(probe.contains.is_some())
            + usize::from(probe.env.is_some());
        // A default: no source, no reader, only a value.
        let default = sources == 0
            && readers == 0
            && probe.pattern.is_none()
            && probe.value.as_deref().is_some_and(|v| !v.is_empty());
        if default {
            continue;
        }
        if sources != 1
            || readers > 1
            || (probe.env.is_some() && !probe.dockerfile)
            || (readers == 0 && probe.pattern.is_none() && probe.image.is_none())
        {
            return Err(invalid(
                path,
                text,
                &format!("name: {}", probe.name),
                format!(
                    "probe `{}` needs exactly one of path/image/dockerfile (or only a value, as a default), at most one of toml/json/xml/stem/contains/env (env with dockerfile), and a pattern when it has no reader",
                    probe.name
                ),
            ));
        }
    }
    let weights = p
        .detect
        .images
        .iter()
        .map(|r| r.weight)
        .chain(p.detect.commands.iter().map(|r| r.weight))
        .chain(p.detect.start_commands.iter().map(|r| r.weight))
        .chain(p.detect.packages.iter().map(|r| r.weight))
        .chain(p.detect.files.iter().flat_map(|r| [r.copied, r.present]));
    for w in weights {
        if !w.is_finite() || w < 0.0 {
            return Err(invalid(
                path,
                text,
                "weight",
                format!(
                    "profile {}: weights must be finite and >= 0 (found {w})",
                    p.name
                ),
            ));
        }
    }
    Ok(())
}

fn append_unique(into: &mut Vec<String>, from: &[String]) {
    for item in from {
        if !into.contains(item) {
            into.push(item.clone());
        }
    }
}

/// Append the shared lists to a profile's own (the profile's entries come first and win).
fn merge_system(profile: &mut Profile, system: &SystemRules) {
    append_unique(
        &mut profile.system_packages.build_only,
        &system.system_packages.build_only,
    );
    for rule in &system.system_packages.runtime {
        let dup = profile
            .system_packages
            .runtime
            .iter()
            .any(|r| r.build == rule.build && r.family == rule.family);
        if !dup {
            profile.system_packages.runtime.push(rule.clone());
        }
    }
    append_unique(&mut profile.runtime_files, &system.runtime_files);
    append_unique(&mut profile.dockerignore, &system.dockerignore);
    for rule in &system.writes {
        if !profile.writes.contains(rule) {
            profile.writes.push(rule.clone());
        }
    }
}
