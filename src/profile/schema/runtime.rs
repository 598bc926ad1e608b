//! The runtime stage: its image, what the build side prepares for it, the system packages
//! and files it needs, and how start commands are translated.

use super::package_manager::{EnvRule, condition_holds};
use super::recognition::{image_name_matches, split_image};
use crate::profile::Facts;
use crate::profile::pattern::glob;
use serde::{Deserialize, Serialize};

/// What a compiled app needs in its runtime besides the artifact (issue 14 items 2, 4, 12, 14).
///
/// Sources are read lazily and bounded: only files matching `sources`, at most
/// [`RuntimeNeeds::MAX_SOURCES`] of them, each under the context's size cap.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimeNeeds {
    /// Path globs of the source files scanned for paths the app reads (`*.go`).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Path globs of source files not scanned (`*_test.go`: tests read fixtures, not the app).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Calls whose string-literal arguments name context paths the app reads at run time.
    #[serde(default)]
    pub reads: Vec<CallRule>,
    /// Also carry any string literal in the sources that names a file or folder of the
    /// context (`loadConfig("config.yaml")`), besides the `reads` calls: an app often reads a
    /// path through a helper of its own. Source files and manifests are never carried this way.
    #[serde(default)]
    pub literal_paths: bool,
    /// Calls or markers whose arguments name paths compiled into the artifact (`//go:embed`,
    /// `include_str!(`): those paths need no copy.
    #[serde(default)]
    pub compiled_in: Vec<CallRule>,
    /// Context paths (globs) the build puts inside the artifact (`src/main/resources/**`).
    #[serde(default)]
    pub embedded: Vec<String>,
    /// Paths read by a framework's convention when a fact holds (`Rocket.toml` with rocket).
    #[serde(default)]
    pub conventions: Vec<ConventionRule>,
    /// Files the build runs that may write into the source folder (`build.rs`): a runtime path
    /// one of their string literals names is copied from the build stage, not the context.
    #[serde(default)]
    pub generators: Vec<String>,
    /// System packages the runtime needs when facts hold (TLS → `ca-certificates`).
    #[serde(default)]
    pub packages: Vec<PackageNeed>,
}

impl RuntimeNeeds {
    /// At most this many source files are read for one rewrite.
    pub const MAX_SOURCES: usize = 64;
}

/// A call (or line marker) whose arguments name paths.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CallRule {
    /// The text right before the arguments: `os.ReadFile(`, `Tera::new(`, `//go:embed `.
    pub call: String,
    /// The arguments are the words up to the end of the line (`//go:embed a b/*`), not string
    /// literals up to the closing parenthesis.
    #[serde(default)]
    pub words: bool,
    /// Paths are relative to the source file's folder (`include_str!`, `//go:embed`), not to
    /// the working directory.
    #[serde(default)]
    pub relative_to_source: bool,
    /// The literal is a file name without extension (viper's `SetConfigName("config")`); the
    /// file is `<stem>.<ext>` in the folders named by this other call (`AddConfigPath(`), or the
    /// working directory.
    #[serde(default)]
    pub stem_in: Option<String>,
}

/// Paths a framework reads by convention.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConventionRule {
    /// The fact that says the framework is used.
    pub when: String,
    /// Context paths it reads (files or folders), copied when they exist.
    pub paths: Vec<String>,
    /// The framework, for the decision.
    pub note: String,
}

/// System packages a runtime image needs when a condition holds.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PackageNeed {
    /// Only when this fact holds.
    #[serde(default)]
    pub when: Option<String>,
    /// Not when this fact holds.
    #[serde(default)]
    pub unless: Option<String>,
    /// Only when the builder image's name matches one of these globs (it shipped the packages).
    #[serde(default)]
    pub builders: Vec<String>,
    /// Only on runtime images of these distro families (`debian`, `ubuntu`, `alpine`).
    pub families: Vec<String>,
    /// The packages to install.
    pub packages: Vec<String>,
    /// Why, for the decision.
    pub why: String,
}

impl PackageNeed {
    /// Whether the rule applies to this builder image, runtime family and facts.
    pub fn applies(&self, builder: &str, family: &str, facts: &Facts) -> bool {
        let (name, _) = split_image(builder);
        self.families.iter().any(|f| f == family)
            && condition_holds(self.when.as_deref(), self.unless.as_deref(), facts)
            && (self.builders.is_empty()
                || self.builders.iter().any(|b| image_name_matches(b, &name)))
    }
}

/// Builder image → runtime image rules, first match wins.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimeImages {
    /// The version (from `Detection::versions`) used for `{version}` when a rule's tag pattern
    /// captures none.
    #[serde(default)]
    pub version_key: Option<String>,
    /// Used for `{version}` when neither the tag nor the detected versions give one.
    #[serde(default)]
    pub default_version: Option<String>,
    /// Used for `{release}` when the builder image shows no distro release.
    #[serde(default)]
    pub default_release: Option<String>,
    /// The non-root user the runtime images already have (`node`), when they have one; the plan
    /// creates a user otherwise.
    #[serde(default)]
    pub user: Option<String>,
    /// The rules, in order.
    pub rules: Vec<RuntimeImageRule>,
    /// The runtime image when no rule matches (a template like the rules').
    pub default: String,
}

/// One builder → runtime rule.
///
/// The runtime template may use `{tag}` (the builder tag), `{version}` (captured by `tag`, or
/// `versions[version_key]`, or `default_version`), `{release}` (the builder's distro release,
/// or `default_release`) and facts. A rule whose template does not resolve is skipped.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimeImageRule {
    /// Glob on the normalised builder image name (as for [`ImageRule`](super::ImageRule)).
    pub builder: String,
    /// Capture pattern on the builder tag (`{version}*-alpine*`); any tag when absent.
    #[serde(default)]
    pub tag: Option<String>,
    /// A boolean fact that must be true (`web_sdk`).
    #[serde(default)]
    pub when: Option<String>,
    /// A boolean fact that must be false (`uses_cgo`).
    #[serde(default)]
    pub unless: Option<String>,
    /// A flavour the user may ask for (`slim`, `alpine`, `distroless`): the rule applies only
    /// then, and before the others. Give it only where the app keeps working (same libc).
    #[serde(default)]
    pub flavour: Option<String>,
    /// The lowest `{version}` the rule applies to, compared number by number (`11`: not `8` or
    /// `1.8`). A rule with it never applies when the version is unknown or not numeric.
    #[serde(default)]
    pub min_version: Option<String>,
    /// The runtime image template; always with a tag.
    pub runtime: String,
    /// What the build side makes for this runtime besides the app (a Java runtime linked with
    /// `jlink` from the builder's JDK), and how the runtime takes it. Only applied when the
    /// builder is one of the profile's toolchain images (`detect.images`).
    #[serde(default)]
    pub prepare: Option<RuntimePrepare>,
}

/// A runtime assembled on the build side: commands run in a build-side stage, the paths the
/// runtime stage copies from it, and the environment it sets. For a runtime image that lacks
/// something the toolchain image can make (a trimmed JRE on a slim base).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimePrepare {
    /// The stage that runs `run`: `deps` (the default; before the dependency manifests are
    /// copied, so neither a source nor a manifest change runs it again) or `build` (after the
    /// build, for a command that needs the artifact).
    #[serde(default)]
    pub stage: PrepareStage,
    /// A comment written above the commands, for whoever reads the Dockerfile.
    #[serde(default)]
    pub comment: Option<String>,
    /// Shell commands, one RUN each, taken as written (no placeholders, so `${VAR}` is safe).
    pub run: Vec<String>,
    /// Paths copied from that stage into the runtime, before anything else.
    #[serde(default)]
    pub copy: Vec<PathCopy>,
    /// Environment variables the runtime sets after the copies (before the original's own ENV,
    /// which therefore wins).
    #[serde(default)]
    pub env: Vec<EnvRule>,
    /// Why, for the decisions.
    pub note: String,
}

/// Where [`RuntimePrepare::run`] runs.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PrepareStage {
    #[default]
    Deps,
    Build,
}

impl PrepareStage {
    /// The stage name in the output.
    pub fn name(self) -> &'static str {
        match self {
            PrepareStage::Deps => "deps",
            PrepareStage::Build => "build",
        }
    }
}

/// A path copied from a build-side stage into the runtime stage.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PathCopy {
    /// The path in the build-side stage.
    pub from: String,
    /// Where it goes in the runtime stage.
    pub to: String,
}

/// The runtime a profile picks for a builder: the image, and what the build side prepares for
/// it (see [`RuntimeImageRule::prepare`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeChoice {
    pub image: String,
    pub prepare: Option<RuntimePrepare>,
}

/// Whether `version` is at least `min`, comparing the dot-separated numbers in order (missing
/// parts count as 0). `None` when either is not numeric.
pub fn version_at_least(version: &str, min: &str) -> Option<bool> {
    fn parts(v: &str) -> Option<Vec<u64>> {
        v.split('.').map(|p| p.parse::<u64>().ok()).collect()
    }
    let (mut v, mut m) = (parts(version)?, parts(min)?);
    let len = v.len().max(m.len());
    v.resize(len, 0);
    m.resize(len, 0);
    Some(v >= m)
}

/// Build-only packages and the runtime packages that replace them.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SystemPackages {
    /// Globs of packages only needed to build (`gcc`, `*-dev`); dropped from runtime unless
    /// `runtime` maps them.
    #[serde(default)]
    pub build_only: Vec<String>,
    /// Build package → runtime package. Checked before `build_only`.
    #[serde(default)]
    pub runtime: Vec<RuntimePackageRule>,
}

/// One build → runtime package mapping. `build` is a glob; a `*` in `runtime` is replaced by
/// what the first `*` of `build` matched (`openjdk-*-jdk` → `openjdk-*-jre-headless`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuntimePackageRule {
    /// Glob on the build-time package (`libpq-dev`, `openjdk-*-jdk`).
    pub build: String,
    /// The runtime package; empty when nothing is needed at run time.
    pub runtime: String,
    /// Only for this distro family (`debian`, `alpine`); any family when absent.
    #[serde(default)]
    pub family: Option<String>,
}

/// What a build-time system package becomes in the runtime stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "package")]
pub enum RuntimePackage {
    /// Not needed at run time.
    Drop,
    /// Install this package instead.
    Install(String),
}

/// A start command (`CMD`/`ENTRYPOINT`) translation.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EntrypointRule {
    /// Command words as for [`CommandRule`](super::CommandRule) (`go run`, `./mvnw spring-boot:run`).
    pub command: String,
    /// The replacement in exec form; templates over facts plus `{artifact}` (the artifact's
    /// runtime path), and two whole-word placeholders: `{rest}` (the words after the command)
    /// and `{args}` (the words after its first `--`: the program's own arguments, as `cargo run`
    /// and `dotnet run` pass them on). Absent: the command is kept as it is.
    #[serde(default)]
    pub exec: Option<Vec<String>>,
    /// The command needs the SDK/toolchain at run time (`dotnet ef`): keep it and warn, or skip.
    #[serde(default)]
    pub needs_toolchain: bool,
    /// The command needs devDependencies at run time (`vite preview`): keep all and warn.
    #[serde(default)]
    pub needs_dev_dependencies: bool,
    /// A command to run in runtime so the start command works (`npm install -g serve`).
    #[serde(default)]
    pub runtime_setup: Option<String>,
    /// The command runs this package.json script (`start`; `{next}`: the first word after the
    /// command that is not an option, as in `npm run <script>`; a `{next}` that names no
    /// script is an executable, as in `npx tsx`). The start command's program is then the
    /// script's first program, checked against the dependencies and devDependencies.
    #[serde(default)]
    pub script: Option<String>,
    /// Why, for the decision or warning.
    pub note: String,
}

/// What the first `*` of `pattern` matched in `text`, when it matches ("" without a star).
pub(super) fn glob_star_capture(pattern: &str, text: &str) -> Option<String> {
    if !glob(pattern, text) {
        return None;
    }
    let Some(star) = pattern.find('*') else {
        return Some(String::new());
    };
    let prefix = &pattern[..star];
    let after = &pattern[star + 1..];
    let rest = text.strip_prefix(prefix)?;
    // Shortest capture such that the remainder matches the rest of the pattern.
    (0..=rest.len())
        .filter(|i| rest.is_char_boundary(*i))
        .find(|i| glob(after, &rest[*i..]))
        .map(|i| rest[..i].to_string())
}
