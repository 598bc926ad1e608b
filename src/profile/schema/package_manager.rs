//! Package managers: evidence, commands, caches, variants and workspaces.

use super::{CommandRule, FileRule, ImageRule, Probe};
use crate::profile::Facts;
use serde::{Deserialize, Serialize};

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

pub(super) fn condition_holds(when: Option<&str>, unless: Option<&str>, facts: &Facts) -> bool {
    when.is_none_or(|f| facts.flag(f)) && unless.is_none_or(|f| !facts.flag(f))
}
