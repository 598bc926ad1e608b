//! The language profile schema: what each `language-profiles/<name>.yaml` holds.
//!
//! Every struct rejects unknown fields. Patterns follow [`crate::profile::pattern`]: globs for
//! paths/images/packages/command words, capture patterns (`{version}`, `{name}`, `{value}`) where
//! a value is extracted.
//!
//! Templates (commands, runtime images, artifact names, entrypoints) use `{placeholder}`s that
//! [`Facts::render`](crate::profile::Facts::render) fills from the detection facts (`{binary}`,
//! `{artifact_version}`, `{packaging}`, `{final_name}`, `{exe}`, any name in `Facts::extra`, any
//! version as `{versions.<tool>}`), plus the ones documented on each field.

use crate::profile::Facts;
pub use crate::profile::pattern::path_matches;
use crate::profile::pattern::{Glob, capture, glob};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One language profile: everything restage knows about a toolchain, as data.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The profile name (`node`, `java-maven`, ...); a file in `--profiles-dir` with the same name
    /// replaces the built-in one.
    pub name: String,
    /// One or two sentences for `restage profiles`.
    pub description: String,
    /// Weighted detection rules.
    pub detect: DetectRules,
    /// The package manager assumed when no package-manager evidence is found. Must name one of
    /// [`Profile::package_managers`].
    pub default_package_manager: String,
    /// The package managers of this ecosystem, each with its evidence and commands.
    pub package_managers: Vec<PackageManager>,
    /// Where versions come from, in priority order: the first probe that yields a value for a
    /// tool wins. The probe's `name` is the tool (`node`, `go`, `java`, `dotnet`, ...).
    #[serde(default)]
    pub versions: Vec<Probe>,
    /// Facts to read from manifests (binary/assembly name, artifact version, packaging, cgo, web
    /// SDK, ...). The probe's `name` is the fact; the first probe that yields a value wins.
    #[serde(default)]
    pub facts: Vec<Probe>,
    /// How the built artifact is named and where it lives.
    pub artifacts: Artifacts,
    /// The builder image → runtime image map.
    pub runtime_images: RuntimeImages,
    /// Build-only system packages and their runtime counterparts, on top of `_system.yaml`'s.
    #[serde(default)]
    pub system_packages: SystemPackages,
    /// What original `RUN` commands do (setup / install / build / test), for the plan.
    #[serde(default)]
    pub recognise: Recognise,
    /// Start commands that need translating for a runtime without the toolchain.
    #[serde(default)]
    pub entrypoints: Vec<EntrypointRule>,
    /// Folders (or files) apps of this ecosystem read at run time, copied into runtime when they
    /// exist. `_system.yaml`'s common list is appended.
    #[serde(default)]
    pub runtime_files: Vec<String>,
    /// What the runtime needs besides the artifact, found from the sources and manifests: the
    /// files the app reads, what is compiled in, what the build writes, and system packages.
    #[serde(default)]
    pub runtime_needs: RuntimeNeeds,
    /// `.dockerignore` lines proposed for this profile. `_system.yaml`'s common list is appended.
    #[serde(default)]
    pub dockerignore: Vec<String>,
    /// Files the build or the app reads by convention without a COPY naming them
    /// (`.env.production` for Next.js, `alembic.ini`): a proposed `.dockerignore` never
    /// excludes them.
    #[serde(default)]
    pub build_reads: Vec<String>,
    /// Folders apps of this ecosystem write to at run time; the runtime user gets them.
    /// `_system.yaml`'s common list is appended.
    #[serde(default)]
    pub writes: Vec<crate::profile::WriteRule>,
    /// How `${name}` references in fact values resolve (Maven properties in `finalName`).
    #[serde(default)]
    pub interpolation: Option<Interpolation>,
    /// A layered runtime for jars that carry a layer index (Spring Boot): the build stage
    /// extracts the layers and the runtime copies them one by one, so a code change ships
    /// only the last one.
    #[serde(default)]
    pub layers: Option<Layers>,
    /// How the build cross-compiles in a multi-platform build, when it can (see [`Cross`]).
    /// Without it every stage stays on the target platform.
    #[serde(default)]
    pub cross: Option<Cross>,
    /// Commands of a development workflow, as command words (see [`CommandRule`]): `npm run
    /// dev`, `nodemon`, `flask run --debug`, `uvicorn --reload`. A compose service that runs one
    /// on this Dockerfile needs the `build` stage (toolchain, every dependency, the sources),
    /// not the runtime.
    #[serde(default)]
    pub dev_commands: Vec<String>,
}

/// `${name}` references in fact values, resolved after every fact is read. A reference that
/// does not resolve (a property set by a build profile or on the command line) leaves the
/// fact unset and uncertain ([`Probe::uncertain`]), so nothing is named after a guess.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Interpolation {
    /// The facts whose values may hold references, resolved in this order (a later one may
    /// use an earlier one).
    pub facts: Vec<String>,
    /// Reference names that stand for facts (`project.version` → `artifact_version`).
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// Where the other names are defined: the child elements of an XML element of a context
    /// file (`pom.xml`, `project/properties`), each element's name → its text.
    #[serde(default)]
    pub properties: Vec<PropertySource>,
}

/// A file and the XML element whose children define properties.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PropertySource {
    /// A context path (not a glob).
    pub path: String,
    /// The element, as for [`Probe::xml`] (`project/properties`).
    pub xml: String,
}

/// Layered jars: how the layers are extracted in the build stage and started in the runtime.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    /// A boolean fact that must hold (`boot_jar`: the build writes a Spring Boot jar).
    pub when: String,
    /// A boolean fact that turns layering off (layers disabled, a launch script in the jar).
    #[serde(default)]
    pub unless: Option<String>,
    /// The fact holding the version the rules compare (`spring_boot_version`).
    pub version_fact: String,
    /// The layer folders, in the order the runtime copies them (least likely to change first).
    pub names: Vec<String>,
    /// Where the build stage extracts the layers (an absolute folder).
    pub destination: String,
    /// The first rule whose `min_version` the version reaches applies.
    pub rules: Vec<LayerRule>,
    /// Why, for the decisions.
    pub note: String,
}

/// One version range of [`Layers`].
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayerRule {
    /// The lowest version this rule applies to (compared as [`version_at_least`] does).
    pub min_version: String,
    /// A boolean fact that must also hold (Boot 2.3 layers only when enabled).
    #[serde(default)]
    pub when: Option<String>,
    /// The extraction command: `{jar}` is the built jar, `{destination}` the folder.
    pub extract: String,
    /// The class the runtime starts instead of `-jar <the jar>`.
    pub launcher: String,
}

impl Layers {
    /// The rule for these facts, when the project's jar is layered.
    pub fn rule_for(&self, facts: &Facts) -> Option<&LayerRule> {
        if !condition_holds(Some(&self.when), self.unless.as_deref(), facts) {
            return None;
        }
        let version = facts.get(&self.version_fact)?;
        // `3.3.0-SNAPSHOT`, `2.7.18.RELEASE`: the numbers before the qualifier.
        let end = version
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(version.len());
        let version = version[..end].trim_end_matches('.');
        self.rules.iter().find(|r| {
            version_at_least(version, &r.min_version) == Some(true)
                && r.when.as_deref().is_none_or(|w| facts.flag(w))
        })
    }
}

/// Cross-compilation for multi-platform builds (`docker buildx build --platform
/// linux/amd64,linux/arm64`, issue 19 item 1): `deps` starts `FROM --platform=$BUILDPLATFORM`,
/// so it, `build` and `test` run on the machine's own platform instead of under emulation, and
/// the build compiles for the target platform from BuildKit's automatic platform ARGs
/// (`TARGETOS`, `TARGETARCH`, `TARGETPLATFORM`; buildah fills them too). The runtime stays on
/// the target platform. Built for one platform, the output is the same as without it.
///
/// A build is cross-compiled only when every condition holds: the facts of `requires` hold,
/// none of `unless` does, the toolchain is at least `min_version`, the build stage runs one of
/// `commands`, and every `options` rule can be applied. Otherwise all stages stay on the target
/// platform and a decision says why. A `--platform` the original FROM names is always kept.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cross {
    /// What makes the build compile for the target, for the decision
    /// (`GOOS=$TARGETOS GOARCH=$TARGETARCH`).
    pub how: String,
    /// The platform ARGs the cross-compiling commands read, declared in `deps` and `build` right
    /// before the first RUN of `commands` there (earlier layers stay shared between platforms).
    pub args: Vec<String>,
    /// The RUN commands that compile for the target, as command rules (`go build`, `dotnet
    /// publish`, `xx-*`). The build stage must run one of them.
    pub commands: Vec<String>,
    /// Build arguments the build stage sets from the platform ARGs, after them
    /// (`GOARCH=$TARGETARCH`): RUN sees them as environment variables, and unlike ENV they do
    /// not carry into the `test` stage, whose tests run on the build platform.
    #[serde(default)]
    pub env: Vec<CrossValue>,
    /// Options added at the end of a RUN whose last simple command matches (`dotnet publish` →
    /// `-a ...`); a RUN that runs a matching command elsewhere keeps the build native.
    #[serde(default)]
    pub options: Vec<CrossOption>,
    /// Boolean facts that must hold, each with the reason the build stays native without it.
    #[serde(default)]
    pub requires: Vec<CrossCondition>,
    /// Boolean facts any one of which keeps the build native, each with the reason.
    #[serde(default)]
    pub unless: Vec<CrossCondition>,
    /// The lowest toolchain version (a `versions` tool) that has what `how` needs; an older or
    /// unknown version keeps the build native.
    #[serde(default)]
    pub min_version: Option<CrossVersion>,
}

/// A build argument set from the platform ARGs (`GOOS` = `$TARGETOS`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrossValue {
    pub name: String,
    pub value: String,
}

/// Options added to a cross-compiling command.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrossOption {
    /// Command words, matched like a [`CommandRule`].
    pub command: String,
    /// The text added after the command's last word.
    pub add: String,
    /// Options that already say it (`--self-contained`, `--sc`): a command with one of them
    /// (alone or as `--option=value`) gets nothing from this rule.
    #[serde(default)]
    pub unless_options: Vec<String>,
}

/// A boolean fact and why its value keeps the build native.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrossCondition {
    pub fact: String,
    pub why: String,
}

/// A toolchain version cross-compilation needs.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrossVersion {
    /// The tool, as named in `versions` (`dotnet`).
    pub tool: String,
    /// The lowest version (`6.0`).
    pub version: String,
    /// What older versions lack.
    pub why: String,
}

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

/// Command rules (see [`CommandRule`] for the word matching) that classify the original `RUN`
/// commands; for one command the rule with the most words wins across the four lists.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Recognise {
    /// Installs the package manager or a build tool (`corepack enable`, `pip install poetry`).
    #[serde(default)]
    pub setup: Vec<String>,
    /// Installs dependencies (`npm ci`, `go mod download`, `dotnet restore`).
    #[serde(default)]
    pub install: Vec<String>,
    /// Builds (`npm run build`, `go build`, `mvn package`).
    #[serde(default)]
    pub build: Vec<String>,
    /// Runs tests (`npm test`, `go test`).
    #[serde(default)]
    pub test: Vec<String>,
    /// Dependency installs that leave out development dependencies (`npm --omit=dev`,
    /// `yarn --production`): a test stage after them installs the full set first.
    #[serde(default)]
    pub production_install: Vec<String>,
    /// File names that count as dependency manifests when COPY'd, beyond the package managers'
    /// `manifests` (`settings.xml`).
    #[serde(default)]
    pub manifests: Vec<String>,
    /// Installs that also install the project itself from its sources (`uv sync` without
    /// `--no-install-project`): after the sources they are part of the build, not a dependency
    /// install out of place. `!word` rules out a word, as in the classes above.
    #[serde(default)]
    pub project_install: Vec<String>,
}

/// Weighted evidence that a Dockerfile builds with this profile's toolchain.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DetectRules {
    /// Base images (`FROM`) by name.
    #[serde(default)]
    pub images: Vec<ImageRule>,
    /// Commands run by `RUN`.
    #[serde(default)]
    pub commands: Vec<CommandRule>,
    /// Commands in `CMD`/`ENTRYPOINT`.
    #[serde(default)]
    pub start_commands: Vec<CommandRule>,
    /// Distro packages installed by apt/apk/dnf/... (`golang-go`, `dotnet-sdk-*`).
    #[serde(default)]
    pub packages: Vec<PackageRule>,
    /// Files in the build context or named by COPY/ADD.
    #[serde(default)]
    pub files: Vec<FileRule>,
}

/// A base image rule. The image name is normalised first: no registry `docker.io/`, no
/// `library/`, no tag or digest. `image` matches the whole name or its trailing path components
/// (so `node` also matches `cimg/node` and `my-mirror.example/library/node`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageRule {
    /// Glob on the normalised image name.
    pub image: String,
    /// Glob on the tag (`*sdk*` for `microsoft/dotnet:2.0-sdk`); any tag when absent.
    #[serde(default)]
    pub tag: Option<String>,
    /// Points added when the image matches.
    pub weight: f64,
}

impl ImageRule {
    /// Whether a normalised image name and tag match this rule.
    pub fn matches(&self, name: &str, tag: Option<&str>) -> bool {
        image_name_matches(&self.image, name)
            && self
                .tag
                .as_deref()
                .is_none_or(|t| tag.is_some_and(|tag| glob(t, tag)))
    }
}

/// Whether a glob on image names matches `name` itself or its trailing path components.
pub fn image_name_matches(pattern: &str, name: &str) -> bool {
    let compiled = Glob::new(pattern);
    if compiled.is_literal() {
        // A literal only equals itself: the name, or the name's part after one of its `/`.
        let n = pattern.len();
        return n <= 4096
            && (name == pattern
                || (name.len() > n
                    && name.ends_with(pattern)
                    && name.as_bytes()[name.len() - n - 1] == b'/'));
    }
    compiled.matches(name)
        || name
            .match_indices('/')
            .any(|(i, _)| compiled.matches(&name[i + 1..]))
}

/// A command rule. `command` is whitespace-separated glob words: the first is matched against
/// the command name (its basename: `./mvnw` → `mvnw`), the others must appear later in the same
/// simple command, in order (`pip* install poetry*`). For one simple command only the rule(s)
/// with the most words count, so `pip install poetry` is evidence for poetry, not pip.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandRule {
    /// Glob words; see above.
    pub command: String,
    /// Points added (once per Dockerfile) when the rule matches.
    pub weight: f64,
}

impl CommandRule {
    /// The number of words in the rule (its specificity).
    pub fn len(&self) -> usize {
        self.command.split_whitespace().count()
    }

    /// Whether the rule has no words (never matches).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a simple command (its words, the name already reduced to a basename) matches.
    pub fn matches(&self, words: &[String]) -> bool {
        command_matches(&self.command, words)
    }
}

/// Whether command words match a rule (see [`CommandRule`]).
pub fn command_matches(rule: &str, words: &[String]) -> bool {
    let mut rule_words = rule.split_whitespace();
    let Some(first) = rule_words.next() else {
        return false;
    };
    let Some(name) = words.first() else {
        return false;
    };
    if !glob(first, name) {
        return false;
    }
    let mut rest = words[1..].iter();
    rule_words.all(|rw| rest.any(|w| glob(rw, w)))
}

/// A distro package rule: a glob on the package name as installed (`openjdk-*-jdk`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PackageRule {
    /// Glob on the package name as installed (`dotnet-sdk-*`).
    pub package: String,
    /// Points added when a RUN installs a matching package.
    pub weight: f64,
}

/// A context file rule. `path` is a glob; without a `/` it matches the file name at any depth.
/// Files under `_system.yaml`'s `skip_dirs` (committed `node_modules/`, `target/`, ...) never
/// count.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    /// Glob on the context path (or COPY source).
    pub path: String,
    /// Points when the Dockerfile COPYs/ADDs the file by name or glob (Dockerfile evidence; it
    /// counts even when the context is not available).
    pub copied: f64,
    /// Points when the file merely sits in the context. A file that only arrives through a
    /// whole-folder copy (`COPY . .`) gets the mean of `present` and `copied`.
    pub present: f64,
}

impl FileRule {
    /// Whether a context path (or a COPY source) matches.
    pub fn matches(&self, path: &str) -> bool {
        path_matches(&self.path, path)
    }
}

/// One package manager of an ecosystem. Command templates may use `{exe}` (the wrapper such as
/// `./mvnw` when the context has it, else [`PackageManager::executable`]) and any fact.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PackageManager {
    /// Its name in `Detection::package_manager` (`npm`, `poetry`, `maven`).
    pub name: String,
    /// Other names people use for it (`mvnw`, `yarn-berry`); accepted when comparing.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Evidence that this package manager is the one in use.
    #[serde(default)]
    pub evidence: PmEvidence,
    /// The command itself (`mvn`, `gradle`); `{exe}` when no wrapper exists.
    #[serde(default)]
    pub executable: Option<String>,
    /// A wrapper script that replaces the executable when it exists in the context (`mvnw`).
    #[serde(default)]
    pub wrapper: Option<String>,
    /// Lock files; their presence is `Facts::lockfiles`.
    #[serde(default)]
    pub lockfiles: Vec<String>,
    /// Globs of the files the deps stage COPYs before installing (manifests, lockfiles, config).
    pub manifests: Vec<String>,
    /// Whether the install reads manifests in subfolders too (a .NET solution names projects
    /// in `src/Api/`): restage's own manifest copy then takes them at their paths, one COPY per
    /// folder, instead of only those beside the first.
    #[serde(default)]
    pub manifests_in_subfolders: bool,
    /// How the package manager itself gets installed when the image lacks it
    /// (`corepack enable`, `pip install poetry`).
    #[serde(default)]
    pub setup: Option<String>,
    /// The dependency install command for the deps stage (with a lockfile).
    pub install: String,
    /// The install command when there is no lockfile (`npm install`).
    #[serde(default)]
    pub install_without_lockfile: Option<String>,
    /// Options with a value that `install` keeps from the original install it replaces
    /// (`--extra-index-url` for a private index, with its token reference).
    #[serde(default)]
    pub carry_options: Vec<String>,
    /// Options of an install that choose which dependency groups it installs (`--only`,
    /// `--production`): one the original gave and a new install lacks is a behaviour risk.
    #[serde(default)]
    pub scope_options: Vec<String>,
    /// The production-only install (`npm ci --omit=dev`), for runtime dependencies.
    #[serde(default)]
    pub install_production: Option<String>,
    /// The build command for the build stage.
    #[serde(default)]
    pub build: Option<String>,
    /// The test command for the test stage.
    #[serde(default)]
    pub test: Option<String>,
    /// Boolean facts that say the project has a test to run and the test stage has its runner
    /// (`has_tests`: a real `test` script, pytest in the manifests, `*_test.go`). The profile's
    /// `test` gets a stage only when one of them is set; empty: always (`cargo test`).
    #[serde(default)]
    pub test_needs: Vec<String>,
    /// Why there is no test stage when none of `test_needs` is set, for the decision
    /// (`package.json has no real test script`).
    #[serde(default)]
    pub test_missing: Option<String>,
    /// What the test stage runs before the test command to install the test dependencies deps
    /// left out (`pip install -r {test_requirements}.txt`); left out when a fact it names is
    /// missing. `{install}` is the full install (`install`, or `install_without_lockfile`
    /// without a lockfile): `{install} --include=dev`. For an install kept from the original,
    /// it runs only when that install was production-only (`recognise.production_install`),
    /// and defaults to `{install}`.
    #[serde(default)]
    pub test_install: Option<String>,
    /// Python: the command that writes a `requirements.txt` from the lock (poetry/pipenv/uv).
    #[serde(default)]
    pub export: Option<String>,
    /// Python: the virtualenv the package manager fills, to be copied whole into runtime.
    #[serde(default)]
    pub venv: Option<String>,
    /// Python pip: the command that creates [`PackageManager::venv`] in deps before the first
    /// install, when the builder is one of the profile's own images. Its `bin/` then comes
    /// first on PATH, so the original install commands are kept as written (each distinct
    /// install stays distinct) and fill the virtualenv the runtime copies.
    #[serde(default)]
    pub venv_create: Option<String>,
    /// The deps install when the original has none and [`PackageManager::venv_create`] applies.
    #[serde(default)]
    pub venv_install: Option<String>,
    /// The install command in the runtime stage (python: from the deps stage's wheels).
    #[serde(default)]
    pub runtime_install: Option<String>,
    /// The deps stage's form of a project install (`recognise.project_install`) that the
    /// original ran only after the sources came in: `{command} --no-install-project` installs
    /// the dependencies alone from the manifests, and the original command stays in build.
    #[serde(default)]
    pub project_install_deps: Option<String>,
    /// Cache mount targets per stage.
    #[serde(default)]
    pub cache: CacheMounts,
    /// Environment variables the install/build commands need, optionally conditional on a
    /// boolean fact (`CGO_ENABLED=0` unless `uses_cgo`).
    #[serde(default)]
    pub env: Vec<EnvRule>,
    /// Generations or flavours of the package manager whose commands differ (yarn 1 against
    /// yarn berry, Django's own test runner under pip), chosen by facts: every variant whose
    /// `when` holds replaces the fields it gives, in order. See [`PackageManager::for_facts`].
    #[serde(default)]
    pub variants: Vec<PmVariant>,
    /// How this package manager's workspaces (monorepos) are laid out: where the member
    /// folders are listed, which of their files the install reads, and how one member gets its
    /// production dependencies on its own.
    #[serde(default)]
    pub workspace: Option<WorkspaceRules>,
    /// How a workspace lists its members (a Cargo workspace, a Maven reactor, a `go.work`), so
    /// that deps copies each member's manifests and installs for all of them at once.
    #[serde(default)]
    pub members: Option<Members>,
}

/// Fields of a [`PackageManager`] that replace the package manager's own when the variant's
/// facts hold (`yarn install --immutable` for yarn berry).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PmVariant {
    /// What the variant is, for the decision that names it (`yarn berry (yarn 2 and later)`).
    pub name: String,
    /// Conditions on facts, all of which must hold: `fact` (set), `!fact` (not set),
    /// `fact=value`, `!fact=value`.
    pub when: Vec<String>,
    /// Why its commands differ, for the decision.
    pub note: String,
    #[serde(default)]
    pub install: Option<String>,
    #[serde(default)]
    pub install_without_lockfile: Option<String>,
    #[serde(default)]
    pub install_production: Option<String>,
    #[serde(default)]
    pub test: Option<String>,
    #[serde(default)]
    pub test_needs: Option<Vec<String>>,
    #[serde(default)]
    pub test_missing: Option<String>,
    #[serde(default)]
    pub test_install: Option<String>,
    #[serde(default)]
    pub cache: Option<CacheMounts>,
}

impl PmVariant {
    /// Whether every condition of `when` holds for the facts.
    pub fn applies(&self, facts: &Facts) -> bool {
        self.when.iter().all(|condition| {
            let (negated, condition) = match condition.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, condition.as_str()),
            };
            let holds = match condition.split_once('=') {
                Some((name, value)) => facts.get(name).as_deref() == Some(value),
                None => facts.flag(condition),
            };
            holds != negated
        })
    }

    /// The fact names its conditions read.
    pub fn facts(&self) -> impl Iterator<Item = &str> {
        self.when.iter().map(|c| {
            let c = c.trim_start_matches('!');
            c.split_once('=').map_or(c, |(name, _)| name)
        })
    }
}

/// A package manager's workspaces: members listed by globs in a root file
/// (`pnpm-workspace.yaml` `packages`, package.json `workspaces`). The deps stage copies every
/// member's manifests at its path (a frozen install checks them against the lockfile); the
/// runtime gets the one app member with its production dependencies.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceRules {
    /// Where the member globs are: the first source that gives a list wins.
    pub members: Vec<MemberSource>,
    /// The files of each member the install reads (`package.json`), copied at the member's
    /// path before the install.
    pub member_manifests: Vec<String>,
    /// Commands that write one member's files and production dependencies into a folder of
    /// their own (`pnpm --filter {member} --prod deploy {out}`), tried in order: the first
    /// whose version bounds hold for the package manager's version. `{member}` is the
    /// member's package name, `{out}` the folder. None: the runtime installs production
    /// dependencies at the workspace root and copies the member folders it needs.
    #[serde(default)]
    pub deploy: Vec<DeployRule>,
    /// Options of an install or build command that name one member (`--filter`, `-w`): the
    /// member they name is the app when the start command and working directory do not tell.
    #[serde(default)]
    pub member_options: Vec<String>,
}

/// A file that lists workspace member globs, and where in it (a JSON pointer into JSON or
/// YAML).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MemberSource {
    /// The file, relative to the workspace root.
    pub path: String,
    /// A JSON pointer into the file read as JSON (`/workspaces`).
    #[serde(default)]
    pub json: Option<String>,
    /// A JSON pointer into the file read as YAML (`/packages`).
    #[serde(default)]
    pub yaml: Option<String>,
}

/// One way to deploy a workspace member, with the package manager versions it works for.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeployRule {
    /// The command, with `{member}` and `{out}`.
    pub command: String,
    /// Applies only when the package manager's version is known and below this one
    /// (`10`: pnpm 9 has no `--legacy`).
    #[serde(default)]
    pub below_version: Option<String>,
    /// Why this form, for the decision.
    #[serde(default)]
    pub note: Option<String>,
}

/// A workspace's members, read from the root manifest that lists them (used when the
/// `workspace` fact is set and the original has no dependency install of its own).
///
/// Exactly one of `toml`, `xml` and `directive` says where the list is. Each entry is a member
/// folder relative to the root (a glob for Cargo: `crates/*`), matched against the context's
/// files. The command templates may use `{members}` (the member folders, space-separated) and
/// `{members:T}` (`T` once per member with `*` replaced by its folder: `{members:./*/...}`),
/// besides facts and `{install}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Members {
    /// The root file that lists the members (`Cargo.toml`, `pom.xml`, `go.work`).
    pub file: String,
    /// A dotted TOML key holding an array of member folder globs (`workspace.members`).
    #[serde(default)]
    pub toml: Option<String>,
    /// A dotted TOML key holding an array of globs of folders that are not members
    /// (`workspace.exclude`).
    #[serde(default)]
    pub exclude_toml: Option<String>,
    /// An XML path of local names from the root to the elements naming member folders
    /// (`project/modules/module`); every matching element counts.
    #[serde(default)]
    pub xml: Option<String>,
    /// A directive in go.mod syntax naming member folders, on its own line or in a
    /// parenthesised block (`use`).
    #[serde(default)]
    pub directive: Option<String>,
    /// A member's own root file may list members of its own, relative to it (a Maven module
    /// that aggregates modules): they are members too.
    #[serde(default)]
    pub nested: bool,
    /// Each member's own manifests the deps stage copies, beside the root's (`Cargo.toml`;
    /// `go.mod`, `go.sum`); a member is found by the first of them.
    pub manifests: Vec<String>,
    /// The dependency install for the whole workspace, replacing the package manager's
    /// `install` (stub targets for every member, then `{install}`); default `{install}`.
    #[serde(default)]
    pub install: Option<String>,
    /// The test command for the whole workspace, replacing the package manager's `test`
    /// (`go test {members:./*/...}`: `./...` does not cross into a go.work's modules).
    #[serde(default)]
    pub test: Option<String>,
    /// Why the install needs the members, for the decision.
    #[serde(default)]
    pub note: Option<String>,
    /// Targets a member's manifest declares by name only, which the tool then looks for at a
    /// conventional path (Cargo's `[[bench]] name = "parse"` at `benches/parse.rs`): without
    /// the file the manifest cannot be read, so deps creates a throwaway one there too. In
    /// `install`, `{targets}` becomes a space and these files (nothing when there are none) and
    /// `{target_dirs}` a space and their folders. Read from TOML manifests only.
    #[serde(default)]
    pub targets: Vec<TargetStub>,
}

/// A kind of named target in a member's manifest (see [`Members::targets`]).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TargetStub {
    /// The array of tables that declares them (`bench`, `test`, `example`, `bin`); an entry
    /// with a `path` of its own needs no file.
    pub table: String,
    /// Where the tool looks for an entry without a `path`, relative to the member
    /// (`benches/{name}.rs`).
    pub path: String,
    /// A dotted key of the same manifest (`package.name`): an entry with that name is found at
    /// a file the members already get (Cargo's `src/main.rs`), and another file would make
    /// the path ambiguous.
    #[serde(default)]
    pub skip_name: Option<String>,
}

impl PackageManager {
    /// The package manager with the fields of every variant whose facts hold, and those
    /// variants (borrowed unchanged when none applies).
    pub fn for_facts(
        &self,
        facts: &Facts,
    ) -> (std::borrow::Cow<'_, PackageManager>, Vec<&PmVariant>) {
        let applied: Vec<&PmVariant> = self.variants.iter().filter(|v| v.applies(facts)).collect();
        if applied.is_empty() {
            return (std::borrow::Cow::Borrowed(self), applied);
        }
        let mut pm = self.clone();
        for v in &applied {
            let set = |field: &mut Option<String>, value: &Option<String>| {
                if value.is_some() {
                    field.clone_from(value);
                }
            };
            if let Some(install) = &v.install {
                pm.install.clone_from(install);
            }
            set(
                &mut pm.install_without_lockfile,
                &v.install_without_lockfile,
            );
            set(&mut pm.install_production, &v.install_production);
            set(&mut pm.test, &v.test);
            set(&mut pm.test_missing, &v.test_missing);
            set(&mut pm.test_install, &v.test_install);
            if let Some(needs) = &v.test_needs {
                pm.test_needs.clone_from(needs);
            }
            if let Some(cache) = &v.cache {
                pm.cache = cache.clone();
            }
        }
        (std::borrow::Cow::Owned(pm), applied)
    }
    /// Whether `name` is this package manager's name or one of its aliases (case-insensitive).
    pub fn is_called(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    /// The environment variables that apply given the facts.
    pub fn env_for(&self, facts: &Facts) -> Vec<(String, String)> {
        self.env
            .iter()
            .filter(|e| e.applies(facts))
            .map(|e| (e.name.clone(), e.value.clone()))
            .collect()
    }
}

/// Evidence for one package manager.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PmEvidence {
    /// Lockfiles and config files (weights as for [`FileRule`]).
    #[serde(default)]
    pub files: Vec<FileRule>,
    /// RUN commands (see [`CommandRule`]).
    #[serde(default)]
    pub commands: Vec<CommandRule>,
    /// Images used in FROM or `COPY --from=<image>` (`ghcr.io/astral-sh/uv`).
    #[serde(default)]
    pub images: Vec<ImageRule>,
    /// Manifest contents (`packageManager` in package.json, `[tool.poetry]`); `weight` required.
    #[serde(default)]
    pub probes: Vec<Probe>,
}

/// Cache mount targets (`RUN --mount=type=cache,target=...`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CacheMounts {
    /// For the dependency install in the deps stage.
    #[serde(default)]
    pub deps: Vec<String>,
    /// For the build command in the build stage.
    #[serde(default)]
    pub build: Vec<String>,
}

/// An environment variable, set when `when` (a boolean fact) is true and `unless` is false.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnvRule {
    /// The variable name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Only when this boolean fact is true.
    #[serde(default)]
    pub when: Option<String>,
    /// Only when this boolean fact is false.
    #[serde(default)]
    pub unless: Option<String>,
}

impl EnvRule {
    pub fn applies(&self, facts: &Facts) -> bool {
        condition_holds(self.when.as_deref(), self.unless.as_deref(), facts)
    }
}

fn condition_holds(when: Option<&str>, unless: Option<&str>, facts: &Facts) -> bool {
    when.is_none_or(|f| facts.flag(f)) && unless.is_none_or(|f| !facts.flag(f))
}

/// Reads one value from the build context, the Dockerfile, or the builder image tag.
///
/// Where: exactly one of `path` (a context glob as for [`FileRule`]; files the Dockerfile copies
/// by name come first, then shallower paths), `image` (the builder image's tag, when its name
/// matches this glob) or `dockerfile: true` (each instruction as `KEYWORD arguments`).
///
/// How: at most one of `toml` (a dotted key, numeric parts index arrays: `bin.0.name`), `json`
/// (a JSON pointer: `/engines/node`), `xml` (a path of local element names from the root,
/// optionally ending in `@attribute`: `Project/PropertyGroup/AssemblyName`, `Project@Sdk`),
/// `stem: true` (the file name without its extension), `contains` (true when the text holds
/// it). With none of these, `pattern` is matched against each line (trimmed) and the first match
/// wins.
///
/// Then `pattern` (a capture pattern) is applied to the value, `equals` compares it, `unless`
/// rejects it, and `value` replaces it (a probe with `contains` or `equals` yields `value`,
/// default `"true"`).
///
/// A probe with none of `path`, `image` and `dockerfile` reads nothing and yields its `value`:
/// a default for the fact when no probe before it found one (Cargo's `target` folder).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// The tool (in `versions`) or fact (in `facts`) this probe fills; a label in evidence.
    pub name: String,
    /// Read context files matching this glob.
    #[serde(default)]
    pub path: Option<String>,
    /// Read the tag of images whose name matches this glob (the builder first).
    #[serde(default)]
    pub image: Option<String>,
    /// Read the Dockerfile, one `KEYWORD arguments` line per instruction.
    #[serde(default)]
    pub dockerfile: bool,
    /// With `dockerfile: true`: the value the Dockerfile's `ENV` gives this variable (the last
    /// one), quotes removed, instead of matching lines.
    #[serde(default)]
    pub env: Option<String>,
    /// A dotted TOML key (`package.name`, `bin.0.name`).
    #[serde(default)]
    pub toml: Option<String>,
    /// A JSON pointer (`/engines/node`).
    #[serde(default)]
    pub json: Option<String>,
    /// An XML path of local names from the root, optionally ending in `@attribute`.
    #[serde(default)]
    pub xml: Option<String>,
    /// The file name without its extension.
    #[serde(default)]
    pub stem: bool,
    /// True when the text contains this string.
    #[serde(default)]
    pub contains: Option<String>,
    /// A capture pattern applied to the value (or to each line when there is no reader).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Yields `value` (default `"true"`) only when the value equals this.
    #[serde(default)]
    pub equals: Option<String>,
    /// Yields nothing when the value matches this glob (npm's placeholder `test` script).
    #[serde(default)]
    pub unless: Option<String>,
    /// A constant that replaces whatever was found.
    #[serde(default)]
    pub value: Option<String>,
    /// Only files next to which this relative path exists (`src/main.rs`).
    #[serde(default)]
    pub sibling: Option<String>,
    /// Globs of paths to skip (`*Test*`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Points, only for probes used as package-manager evidence.
    #[serde(default)]
    pub weight: Option<f64>,
    /// A match means the fact is set in a way restage cannot read certainly (a computed
    /// `version = gitVersion()`, a name from a build profile): the fact stays unset and is
    /// marked uncertain, so artifact names that use it do not resolve (see
    /// [`Artifacts::name_for`]) and the rewrite copies by glob instead of guessing.
    #[serde(default)]
    pub uncertain: bool,
}

/// How the built artifact is named and located.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Artifacts {
    /// What the artifact is: `binary`, `jar`, `assembly`, `output-dirs`, `python-env`.
    pub kind: String,
    /// Candidate file names, templates over facts; the first one whose placeholders all resolve
    /// wins (`{final_name}.jar`, `{binary}-{artifact_version}.{packaging}`). See
    /// [`Artifacts::name_for`].
    #[serde(default)]
    pub names: Vec<String>,
    /// Where the build puts artifacts (globs relative to the workdir: `target/*.jar`).
    #[serde(default)]
    pub locations: Vec<String>,
    /// Globs of files in `locations` that are never the artifact (`*-plain.jar`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Where the rewritten build stage writes the artifact (`/out/{binary}`, `/out`).
    #[serde(default)]
    pub build_output: Option<String>,
    /// Where the artifact goes in the runtime stage (`/app/app.jar`, `/app/{binary}`).
    #[serde(default)]
    pub runtime_path: Option<String>,
    /// Build output folders copied to runtime when they exist (node `dist`, `build`, `.next`).
    #[serde(default)]
    pub output_dirs: Vec<String>,
    /// A command that copies the built artifact to `build_output` after the original build
    /// (java: the one jar that is not `-plain`/`-sources`/`original-`). A template over facts.
    #[serde(default)]
    pub collect: Option<String>,
    /// Build tools and the folder they write to (`vite build` → `dist`, `--outDir` overrides).
    /// See [`Artifacts::best_output_rule`].
    #[serde(default)]
    pub outputs: Vec<ArtifactRule>,
    /// Build commands and the artifact path they produce (`go build -o X` → `X`,
    /// `cargo build --release` → `target/release/{binary}`). See [`Artifacts::best_command_rule`].
    #[serde(default)]
    pub commands: Vec<ArtifactRule>,
    /// Files or folders beside the artifact that it needs at run time (a jar's `Class-Path`
    /// folder, `lib/`), copied with it to the same place beside the runtime's copy.
    #[serde(default)]
    pub beside: Vec<BesideRule>,
}

/// A path beside the artifact that goes with it (see [`Artifacts::beside`]).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BesideRule {
    /// The path relative to the artifact's folder, a template over facts (`{class_path_prefix}`);
    /// the rule applies only when it resolves.
    pub path: String,
    /// Only when this boolean fact is true (the build writes the folder).
    #[serde(default)]
    pub when: Option<String>,
    /// Why the app needs it, for the decision.
    #[serde(default)]
    pub why: Option<String>,
}

impl BesideRule {
    /// Whether the rule's condition holds.
    pub fn applies(&self, facts: &Facts) -> bool {
        condition_holds(self.when.as_deref(), None, facts)
    }
}

/// Where a build command puts its output.
///
/// `command` matches like a [`CommandRule`]. `path` is a template: `{value}` is the value of the
/// first of `option` present on the command (`-o out`), `{arg}` the last positional argument's
/// last path component (`go build ./cmd/server` → `server`), `{artifact_name}` the first
/// resolving [`Artifacts::names`] entry, and any fact (`{binary}`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ArtifactRule {
    /// Command words, matched like a [`CommandRule`].
    pub command: String,
    /// Options whose value replaces `{value}` (or, for output rules, the default folder).
    #[serde(default)]
    pub option: Vec<String>,
    /// The output path template.
    pub path: String,
    /// Options added to a build command this rule matches, when the output would otherwise
    /// depend on defaults (`dotnet publish` without `-o` in a project folder restage cannot
    /// see): `-o /out`. `path` is then where they put it.
    #[serde(default)]
    pub pin: Option<String>,
}

impl ArtifactRule {
    fn needs_option(&self) -> bool {
        self.path.contains("{value}")
    }
}

impl Artifacts {
    /// The first name template that resolves with these facts. A template that names an
    /// uncertain fact (see [`Probe::uncertain`]) ends the search with `None`: the later
    /// templates are the defaults that fact overrides, so they would name the wrong file.
    pub fn name_for(&self, facts: &Facts) -> Option<String> {
        for template in &self.names {
            if let Some(name) = facts.render(template) {
                return Some(name);
            }
            if facts.names_uncertain(template) {
                return None;
            }
        }
        None
    }

    /// The output rule for a build tool command (its words, normalised), the most specific first.
    pub fn best_output_rule(&self, words: &[String]) -> Option<&ArtifactRule> {
        best_rule(&self.outputs, words, |_| false)
    }

    /// The artifact rule for a build command. A rule whose `path` uses `{value}` only applies when
    /// `has_option` says one of its options is present. Among the rest: most command words
    /// first, then rules whose option is present, then file order.
    pub fn best_command_rule(
        &self,
        words: &[String],
        has_option: impl Fn(&str) -> bool,
    ) -> Option<&ArtifactRule> {
        best_rule(&self.commands, words, has_option)
    }

    /// Whether a file name (not a path) is excluded as an artifact.
    pub fn is_excluded(&self, file_name: &str) -> bool {
        self.exclude.iter().any(|p| glob(p, file_name))
    }
}

fn best_rule<'r>(
    rules: &'r [ArtifactRule],
    words: &[String],
    has_option: impl Fn(&str) -> bool,
) -> Option<&'r ArtifactRule> {
    let mut best: Option<(usize, bool, &ArtifactRule)> = None;
    for rule in rules {
        if !command_matches(&rule.command, words) {
            continue;
        }
        let present = rule.option.iter().any(|o| has_option(o));
        if rule.needs_option() && !present {
            continue;
        }
        let key = (rule.command.split_whitespace().count(), present);
        if best.is_none_or(|(n, p, _)| key > (n, p)) {
            best = Some((key.0, key.1, rule));
        }
    }
    best.map(|(_, _, r)| r)
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
    /// Glob on the normalised builder image name (as for [`ImageRule`]).
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
    /// Command words as for [`CommandRule`] (`go run`, `./mvnw spring-boot:run`).
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

impl Profile {
    /// The package manager called `name` (or with that alias).
    pub fn package_manager(&self, name: &str) -> Option<&PackageManager> {
        self.package_managers
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.package_managers.iter().find(|p| p.is_called(name)))
    }

    /// The default package manager.
    pub fn default_pm(&self) -> Option<&PackageManager> {
        self.package_manager(&self.default_package_manager)
    }

    /// The runtime image for a builder image (`python:3.11` → `python:3.11-slim`), applying the
    /// first matching rule, else the default. `None` only when not even the default resolves.
    pub fn runtime_image_for(
        &self,
        builder_image: &str,
        facts: &Facts,
        versions: &BTreeMap<String, String>,
    ) -> Option<String> {
        self.runtime_choice(builder_image, facts, versions, None)
            .map(|c| c.image)
    }

    /// The runtime image of a flavour (`alpine`), when one of the profile's flavour rules
    /// applies to this builder; `None` when the profile offers no safe image of that flavour.
    pub fn runtime_image_of_flavour(
        &self,
        builder_image: &str,
        facts: &Facts,
        versions: &BTreeMap<String, String>,
        flavour: &str,
    ) -> Option<String> {
        self.runtime_choice(builder_image, facts, versions, Some(flavour))
            .map(|c| c.image)
    }

    /// The runtime for a builder image, with what the build side prepares for it: the first
    /// rule of `flavour` that applies (`None` when there is none), or without a flavour the
    /// first plain rule, else the default.
    pub fn runtime_choice(
        &self,
        builder_image: &str,
        facts: &Facts,
        versions: &BTreeMap<String, String>,
        flavour: Option<&str>,
    ) -> Option<RuntimeChoice> {
        let (name, tag) = split_image(builder_image);
        let ri = &self.runtime_images;
        let fallback_version = ri
            .version_key
            .as_ref()
            .and_then(|k| versions.get(k).cloned())
            .or_else(|| ri.default_version.clone());
        let release = facts
            .image_release
            .clone()
            .or_else(|| ri.default_release.clone());
        let fill = |template: &str, version: Option<String>| -> Option<String> {
            let mut s = template.to_string();
            for (key, val) in [
                ("{tag}", tag.clone()),
                ("{version}", version),
                ("{release}", release.clone()),
            ] {
                if s.contains(key) {
                    s = s.replace(key, &val?);
                }
            }
            facts.render_with(&s, versions)
        };
        for rule in &ri.rules {
            if rule.flavour.as_deref() != flavour || !image_name_matches(&rule.builder, &name) {
                continue;
            }
            if !condition_holds(rule.when.as_deref(), rule.unless.as_deref(), facts) {
                continue;
            }
            let captured = match &rule.tag {
                None => None,
                Some(pattern) => {
                    let Some(t) = tag.as_deref() else { continue };
                    let Some(c) = capture(pattern, t) else {
                        continue;
                    };
                    crate::profile::pattern::has_hole(pattern).then_some(c)
                }
            };
            let version = captured.or_else(|| fallback_version.clone());
            if let Some(min) = &rule.min_version {
                let at_least = version.as_deref().and_then(|v| version_at_least(v, min));
                if at_least != Some(true) {
                    continue;
                }
            }
            if let Some(image) = fill(&rule.runtime, version) {
                return Some(RuntimeChoice {
                    image,
                    prepare: rule.prepare.clone(),
                });
            }
        }
        match flavour {
            Some(_) => None,
            None => fill(&ri.default, fallback_version.clone()).map(|image| RuntimeChoice {
                image,
                prepare: None,
            }),
        }
    }

    /// What a build-time system package becomes at run time: `Some(Install(x))` when the map
    /// names a runtime package, `Some(Drop)` when it is build-only, `None` when unknown (keep it).
    /// Entries for `family` (`debian`, `alpine`) win over family-less ones.
    pub fn runtime_package_for(
        &self,
        package: &str,
        family: Option<&str>,
    ) -> Option<RuntimePackage> {
        let rules = &self.system_packages.runtime;
        let family_first = rules
            .iter()
            .filter(|r| r.family.is_some() && r.family.as_deref() == family)
            .chain(rules.iter().filter(|r| r.family.is_none()));
        for rule in family_first {
            if let Some(star) = glob_star_capture(&rule.build, package) {
                if rule.runtime.is_empty() {
                    return Some(RuntimePackage::Drop);
                }
                return Some(RuntimePackage::Install(
                    rule.runtime.replacen('*', &star, 1),
                ));
            }
        }
        if self
            .system_packages
            .build_only
            .iter()
            .any(|p| glob(p, package))
        {
            return Some(RuntimePackage::Drop);
        }
        None
    }

    /// Whether a package is build-only (mapped or listed).
    pub fn is_build_only(&self, package: &str, family: Option<&str>) -> bool {
        self.runtime_package_for(package, family).is_some()
    }

    /// The development command rule (of [`Profile::dev_commands`]) a command's words match,
    /// the name reduced to its basename.
    pub fn dev_command_for(&self, words: &[String]) -> Option<&str> {
        let normalised = normalise_command(words);
        self.dev_commands
            .iter()
            .filter(|rule| command_matches(rule, &normalised))
            .max_by_key(|rule| rule.split_whitespace().count())
            .map(String::as_str)
    }

    /// The entrypoint rule for a start command (its words, the name as written), the most
    /// specific (most words) first.
    pub fn entrypoint_for(&self, words: &[String]) -> Option<&EntrypointRule> {
        let normalised = normalise_command(words);
        self.entrypoints
            .iter()
            .filter(|r| command_matches(&r.command, &normalised))
            .max_by_key(|r| r.command.split_whitespace().count())
    }
}

/// Reduce a command's name to its basename (`./mvnw` → `mvnw`, `/usr/bin/go` → `go`).
/// Borrows when the name has no folder (most commands).
pub fn normalise_command(words: &[String]) -> std::borrow::Cow<'_, [String]> {
    match words.first().and_then(|w| w.rsplit_once('/')) {
        None => std::borrow::Cow::Borrowed(words),
        Some((_, base)) => {
            let mut out = words.to_vec();
            out[0] = base.to_string();
            std::borrow::Cow::Owned(out)
        }
    }
}

/// What the first `*` of `pattern` matched in `text`, when it matches ("" without a star).
fn glob_star_capture(pattern: &str, text: &str) -> Option<String> {
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

/// Split an image reference into its normalised name and tag:
/// `docker.io/library/node:18-alpine@sha256:..` → (`node`, `Some("18-alpine")`).
pub fn split_image(image: &str) -> (String, Option<String>) {
    let image = image.trim();
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match image[last_slash..].find(':') {
        Some(i) => (
            &image[..last_slash + i],
            Some(image[last_slash + i + 1..].to_string()),
        ),
        None => (image, None),
    };
    let mut name = name.to_ascii_lowercase();
    for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            name = rest.to_string();
        }
    }
    if let Some(rest) = name.strip_prefix("library/") {
        name = rest.to_string();
    }
    (name, tag.filter(|t| !t.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot_layers() -> Layers {
        let rule = |min: &str, when: Option<&str>, launcher: &str| LayerRule {
            min_version: min.into(),
            when: when.map(str::to_string),
            extract: format!("extract {min}"),
            launcher: launcher.into(),
        };
        Layers {
            when: "boot_jar".into(),
            unless: Some("boot_layers_off".into()),
            version_fact: "spring_boot_version".into(),
            names: vec!["dependencies".into(), "application".into()],
            destination: "/layers".into(),
            rules: vec![
                rule("3.3", None, "launch"),
                rule("3.2", None, "launch"),
                rule("2.4", None, "classic"),
                rule("2.3", Some("boot_layers_enabled"), "classic"),
            ],
            note: String::new(),
        }
    }

    fn facts(pairs: &[(&str, &str)]) -> Facts {
        let mut facts = Facts::default();
        for (k, v) in pairs {
            facts.extra.insert(k.to_string(), v.to_string());
        }
        facts
    }

    #[test]
    fn the_layer_rule_follows_the_boot_version() {
        let layers = boot_layers();
        let pick = |version: &str, extra: &[(&str, &str)]| {
            let mut pairs = vec![("boot_jar", "true"), ("spring_boot_version", version)];
            pairs.extend_from_slice(extra);
            layers
                .rule_for(&facts(&pairs))
                .map(|r| r.min_version.clone())
        };
        assert_eq!(pick("3.3.2", &[]).as_deref(), Some("3.3"));
        assert_eq!(pick("3.4.0-SNAPSHOT", &[]).as_deref(), Some("3.3"));
        assert_eq!(pick("3.2.5", &[]).as_deref(), Some("3.2"));
        assert_eq!(pick("3.1.12", &[]).as_deref(), Some("2.4"));
        assert_eq!(pick("2.7.18.RELEASE", &[]).as_deref(), Some("2.4"));
        // 2.3 wrote the layer index only when asked; 2.2 never.
        assert_eq!(pick("2.3.12.RELEASE", &[]), None);
        assert_eq!(
            pick("2.3.12.RELEASE", &[("boot_layers_enabled", "true")]).as_deref(),
            Some("2.3")
        );
        assert_eq!(pick("2.2.0", &[("boot_layers_enabled", "true")]), None);
        assert_eq!(pick("3.2.5", &[("boot_layers_off", "true")]), None);
        assert_eq!(pick("${boot}", &[]), None);
        assert_eq!(
            layers.rule_for(&facts(&[("spring_boot_version", "3.2.5")])),
            None,
            "not a Spring Boot jar"
        );
    }

    #[test]
    fn an_uncertain_fact_stops_the_name_search() {
        let artifacts = Artifacts {
            kind: "jar".into(),
            names: vec![
                "{final_name}.jar".into(),
                "{binary}-{artifact_version}.jar".into(),
                "{binary}.jar".into(),
            ],
            ..Artifacts::default()
        };
        let mut facts = Facts {
            binary: Some("shop".into()),
            artifact_version: Some("1.0".into()),
            ..Facts::default()
        };
        assert_eq!(artifacts.name_for(&facts).as_deref(), Some("shop-1.0.jar"));
        facts.uncertain.push("final_name".into());
        assert_eq!(artifacts.name_for(&facts), None);
        facts.uncertain = vec!["artifact_version".into()];
        facts.artifact_version = None;
        assert_eq!(artifacts.name_for(&facts), None);
        facts.final_name = Some("app".into());
        assert_eq!(artifacts.name_for(&facts).as_deref(), Some("app.jar"));
    }
}
