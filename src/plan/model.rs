//! The plan as data: stages made of steps, and the reasons for every choice.
//!
//! A [`Plan`] says *what* goes where; `render` decides *how it is written* (through the
//! templates). The plan is serialisable so tests can snapshot it apart from the text.

use serde::Serialize;
use std::borrow::Cow;

/// The whole rewrite, before rendering.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub profile: String,
    pub package_manager: Option<String>,
    /// The BOM and parser directives of the original, kept first.
    pub directives: Vec<Step>,
    /// Lines kept above the first stage: leading comments and global ARGs.
    pub header: Vec<Step>,
    /// Whether to add `# syntax=docker/dockerfile:1` (cache mounts are used and no syntax
    /// directive was given).
    pub add_syntax_directive: bool,
    pub stages: Vec<Stage>,
    /// Comments after the last instruction of the original.
    pub trailer: Vec<Step>,
    /// Every original instruction, what it was recognised as and where it went.
    pub classification: Vec<Placement>,
    pub decisions: Vec<Decision>,
    pub warnings: Vec<Warning>,
    /// Files to create beside the Dockerfile (a proposed `.dockerignore`).
    pub new_files: Vec<NewFile>,
    /// Existing files of the context to change with the Dockerfile (a compose file's build
    /// target, so `docker compose up` keeps building the stage its service needs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_files: Vec<ChangedFile>,
    /// How safe the runtime stage is: its user, build tools and secret files.
    pub hygiene: Hygiene,
}

/// Runtime hygiene, reported for every rewrite: whether the runtime stage runs non-root,
/// contains no compiler, `-dev` package or package-manager cache, and copies no `.env`, key or
/// credentials file. `findings` names what fails, one sentence each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Hygiene {
    pub runs_non_root: bool,
    pub no_build_tools: bool,
    pub no_secret_files: bool,
    pub findings: Vec<String>,
}

impl Hygiene {
    /// Whether every check passed.
    pub fn clean(&self) -> bool {
        self.runs_non_root && self.no_build_tools && self.no_secret_files
    }
}

/// A file restage proposes to add, relative to the build context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewFile {
    pub path: String,
    pub content: String,
}

/// An existing file restage proposes to change, relative to the build context: its text as
/// read and as proposed (edited line by line, so formatting and comments stay).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangedFile {
    pub path: String,
    pub original: String,
    pub content: String,
}

/// One stage of the output.
#[derive(Clone, Debug, Serialize)]
pub struct Stage {
    pub name: StageName,
    /// The image or earlier stage it starts from.
    pub from: String,
    /// The original `--platform` flag, when the original FROM had one.
    pub platform: Option<String>,
    pub steps: Vec<Step>,
}

/// The name of an output stage, in pipeline order. Serialized as the output spells it
/// (`FROM … AS deps`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageName {
    /// Installs the dependencies from the manifests alone, so the layer is cached until they change.
    Deps,
    /// Builds the app from the sources on top of `deps`.
    Build,
    /// Runs the tests on top of `build`; built only when asked (`--target test`).
    Test,
    /// The image that ships: the artifact (or the app) without the toolchain.
    Runtime,
}

impl StageName {
    /// The name as written in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            StageName::Deps => "deps",
            StageName::Build => "build",
            StageName::Test => "test",
            StageName::Runtime => "runtime",
        }
    }
}

impl std::fmt::Display for StageName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One instruction of the output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// An original instruction carried over byte for byte, with the comments above it.
    /// `add_flags` are inserted after the keyword (e.g. a cache mount for an install).
    Kept {
        line: usize,
        text: String,
        add_flags: Vec<String>,
        /// A blank line stood above it in the original.
        blank_before: bool,
        /// Variables the RUN reads from secret mounts, exported before its command (at
        /// `command_at`); see [`SecretEnv`].
        #[serde(skip_serializing_if = "Vec::is_empty")]
        secret_env: Vec<SecretEnv>,
        /// The byte offset in `text` where the command starts, after the keyword and the
        /// original's flags: where `secret_env` is written. 0 when there is none.
        #[serde(skip_serializing_if = "is_zero")]
        command_at: usize,
    },
    /// A new RUN.
    Run {
        mounts: Vec<String>,
        command: String,
        /// Variables the RUN reads from secret mounts, exported before `command`; see
        /// [`SecretEnv`].
        #[serde(skip_serializing_if = "Vec::is_empty")]
        secret_env: Vec<SecretEnv>,
    },
    /// A new COPY.
    Copy {
        from: Option<String>,
        chown: Option<String>,
        sources: Vec<String>,
        dest: String,
    },
    Workdir {
        path: String,
    },
    Env {
        name: String,
        value: String,
    },
    /// A build argument (`ARG TARGETARCH`, `ARG GOARCH=$TARGETARCH`); `value` is its default.
    Arg {
        name: String,
        value: Option<String>,
    },
    User {
        name: String,
    },
    /// Create a non-root user in the runtime image.
    CreateUser {
        family: String,
        name: String,
        uid: u32,
    },
    /// Install system packages with the image's package manager (`apt`, `apk`, `dnf`, `microdnf`).
    Packages {
        manager: String,
        packages: Vec<String>,
    },
    /// A CMD or ENTRYPOINT in exec form.
    Exec {
        keyword: String,
        args: Vec<String>,
    },
    /// A comment line explaining a generated step.
    Comment {
        text: String,
    },
}

/// A variable a RUN reads from a secret mount, set for that RUN only: the templates write
/// `export NAME="$(cat PATH)" && ` before its command. This is the form BuildKit and buildah
/// (1.28 and later) both build: the mount's own `env=` option is BuildKit's alone. The value
/// lives in the RUN's shell, never in a layer, the image history or the build cache, and a
/// secret that was not passed gives an empty variable, as an unset `ARG` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretEnv {
    pub name: String,
    /// The file the secret is mounted at (`/run/secrets/npm_token`).
    pub path: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Each step kind's name and its shared template, written once so the two cannot disagree.
macro_rules! step_kinds {
    ($($variant:ident => $kind:literal),* $(,)?) => {
        impl Step {
            /// The step's kind as the templates name it (`kept`, `run`, `create_user`, ...).
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Step::$variant { .. } => $kind,)*
                }
            }

            /// The template every profile shares for this kind, `step/<kind>.j2` (a static
            /// name, so none is built per step).
            pub fn shared_template(&self) -> &'static str {
                match self {
                    $(Step::$variant { .. } => concat!("step/", $kind, ".j2"),)*
                }
            }
        }
    };
}

step_kinds! {
    Kept => "kept",
    Run => "run",
    Copy => "copy",
    Workdir => "workdir",
    Env => "env",
    Arg => "arg",
    User => "user",
    CreateUser => "create_user",
    Packages => "packages",
    Exec => "exec",
    Comment => "comment",
}

/// Where an original instruction went. The keyword is a static string in the common case and
/// the stages fit in four bytes (one entry per original instruction, so a `Vec` each added up on
/// big files: 56 bytes an instruction, a tenth of the plan at 420,000 instructions).
#[derive(Clone, Debug, Serialize)]
pub struct Placement {
    pub line: usize,
    pub keyword: Cow<'static, str>,
    pub class: Class,
    /// The stages (`deps`, `build`, `test`) the instruction was placed in.
    pub stages: PlacedStages,
}

/// The stages an instruction was placed in, in the order it was placed in them, each once.
/// Serialized as the list of their names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlacedStages([Option<StageName>; 4]);

impl PlacedStages {
    /// Add `stage` after the others, unless it is there already.
    pub fn push(&mut self, stage: StageName) {
        if let Some(slot) = self.0.iter_mut().find(|s| s.is_none_or(|s| s == stage)) {
            *slot = Some(stage);
        }
    }

    pub fn contains(&self, stage: StageName) -> bool {
        self.0.contains(&Some(stage))
    }

    /// The stages in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = StageName> + '_ {
        self.0.iter().map_while(|s| *s)
    }
}

impl From<StageName> for PlacedStages {
    fn from(stage: StageName) -> Self {
        PlacedStages([Some(stage), None, None, None])
    }
}

impl Serialize for PlacedStages {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// What an original instruction is, for placing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    GlobalArg,
    Base,
    BaseSetup,
    SystemPackages,
    PackageManagerSetup,
    DependencyManifests,
    DependencyInstall,
    SourceCopy,
    Build,
    Test,
    UserSetup,
    RuntimeMetadata,
    Other,
}

/// One choice the planner made, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    pub what: String,
    pub why: String,
    pub confidence: f64,
}

/// Something that might change the app's behaviour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// A stable code, so CI users can filter warnings (`restage --format json | jq`).
    pub code: WarningCode,
    pub message: String,
    /// 1-based line of the original instruction concerned, if any.
    pub line: Option<usize>,
}

/// The stable codes of warnings. Each names one kind of behaviour risk; the text form is the
/// kebab-case name (`user-change`), shown by every output format and listed in the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// The build context could not be read whole (size or count limits), so a conclusion may
    /// miss something.
    ContextNotRead,
    /// A step ran in the base image's default directory, which cannot be restored after moving.
    WorkdirLost,
    /// A runtime flavour that was asked for could not be used; the default runtime is used.
    RuntimeFlavourUnavailable,
    /// Packages the app may need cannot be installed in the chosen runtime (distroless).
    RuntimePackagesMissing,
    /// The runtime keeps devDependencies that the original's production-only install left out
    /// (no safe production-only install). Where the original had them too, it is a decision.
    DevDependenciesKept,
    /// A file matching a secret pattern reaches the build context and the runtime.
    SecretInContext,
    /// A file the app reads at run time (a string literal in its sources) is not in the
    /// runtime: missing from the build context, or a secret kept out of images.
    RuntimeFileMissing,
    /// The runtime installs a tool (curl, wget, bash, nc) that its HEALTHCHECK, CMD,
    /// ENTRYPOINT or entrypoint script calls and its image lacks: one more package in the image.
    ToolAdded,
    /// A tool the original installed globally for the build (`npm i -g typescript`) is not in
    /// the runtime: the start command does not use it, but something else at run time might.
    ToolDropped,
    /// A token or credentials file an install used (an `ARG`/`ENV`, or a file copied from the
    /// context) now comes from a BuildKit secret mount: the build needs a `--secret` flag.
    SecretMoved,
    /// A credential restage cannot move into a secret mount safely is left where the original
    /// put it (a build argument, a copied file), so it stays in a layer as before: a RUN stores
    /// it in a file it does not remove (`git config --global url...`, `>> .yarnrc.yml`), or
    /// changes the copied file (`chmod 600 id_rsa`), which a read-only mount would break.
    SecretKept,
    /// The runtime runs as a different user than the original (a non-root user instead of
    /// root): writes outside the folders given to it fail.
    UserChange,
    /// The app may write where restage cannot tell (a path from a variable, a script), so the
    /// runtime keeps running as root.
    WritesUnresolved,
    /// An install runs with other flags than the original's (`--only=production` becomes
    /// `--omit=dev`).
    InstallFlagsChanged,
    /// The runtime image uses musl (Alpine) where the builder used glibc.
    LibcChanged,
    /// A lockfile check was added (`--locked`): a build with a stale lockfile now fails.
    LockedAdded,
    /// A `.env` file the original image had is kept out of the image by the proposed
    /// `.dockerignore`.
    EnvFileDropped,
    /// The runtime installs production dependencies only where the original image had the
    /// development dependencies too: code that loads one at run time fails.
    DevDependenciesDropped,
    /// The runtime starts the app with another command than the original's (`go run .` → the
    /// built binary, `dotnet run` → `dotnet App.dll`): what the original command did besides
    /// (a launch profile, a debug build, a compile at start) no longer happens.
    StartCommandChanged,
    /// The build runs another command than the original's (a Debug `dotnet build` becomes a
    /// Release `dotnet publish`): the artifact may behave differently.
    BuildCommandChanged,
    /// The original ran its tests while building the image; they now run only in the test
    /// stage (`--target test`), so a failing test no longer fails the default build.
    TestsMoved,
    /// A workspace (monorepo) runs from a member folder restage cannot tie to one member, so
    /// the runtime keeps the whole workspace from the build stage (devDependencies and every
    /// member included).
    WorkspaceAppUnresolved,
    /// A workspace member is deployed by its package manager (`pnpm deploy`), which copies the
    /// files a publish would take: files its `files` field, `.npmignore` or `.gitignore` leave
    /// out are not in the runtime.
    DeployFilesFiltered,
    /// A compose file builds this Dockerfile for a service that needs another stage than the
    /// rewrite's last one (a development command, the sources bind-mounted over the app, or a
    /// `target:` naming a stage the rewrite renames): the warning gives the exact change.
    ComposeTarget,
}

impl WarningCode {
    /// Every code, in declaration order (the README lists them all).
    pub const ALL: &'static [WarningCode] = &[
        WarningCode::ContextNotRead,
        WarningCode::WorkdirLost,
        WarningCode::RuntimeFlavourUnavailable,
        WarningCode::RuntimePackagesMissing,
        WarningCode::DevDependenciesKept,
        WarningCode::SecretInContext,
        WarningCode::RuntimeFileMissing,
        WarningCode::ToolAdded,
        WarningCode::ToolDropped,
        WarningCode::SecretMoved,
        WarningCode::SecretKept,
        WarningCode::UserChange,
        WarningCode::WritesUnresolved,
        WarningCode::InstallFlagsChanged,
        WarningCode::LibcChanged,
        WarningCode::LockedAdded,
        WarningCode::EnvFileDropped,
        WarningCode::DevDependenciesDropped,
        WarningCode::StartCommandChanged,
        WarningCode::BuildCommandChanged,
        WarningCode::TestsMoved,
        WarningCode::WorkspaceAppUnresolved,
        WarningCode::DeployFilesFiltered,
        WarningCode::ComposeTarget,
    ];

    /// The code as users see it and filter on.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::ContextNotRead => "context-not-read",
            WarningCode::WorkdirLost => "workdir-lost",
            WarningCode::RuntimeFlavourUnavailable => "runtime-flavour-unavailable",
            WarningCode::RuntimePackagesMissing => "runtime-packages-missing",
            WarningCode::DevDependenciesKept => "dev-dependencies-kept",
            WarningCode::SecretInContext => "secret-in-context",
            WarningCode::RuntimeFileMissing => "runtime-file-missing",
            WarningCode::ToolAdded => "tool-added",
            WarningCode::ToolDropped => "tool-dropped",
            WarningCode::SecretMoved => "secret-moved",
            WarningCode::SecretKept => "secret-kept",
            WarningCode::UserChange => "user-change",
            WarningCode::WritesUnresolved => "writes-unresolved",
            WarningCode::InstallFlagsChanged => "install-flags-changed",
            WarningCode::LibcChanged => "libc-changed",
            WarningCode::LockedAdded => "locked-added",
            WarningCode::EnvFileDropped => "env-file-dropped",
            WarningCode::DevDependenciesDropped => "dev-dependencies-dropped",
            WarningCode::StartCommandChanged => "start-command-changed",
            WarningCode::BuildCommandChanged => "build-command-changed",
            WarningCode::TestsMoved => "tests-moved",
            WarningCode::WorkspaceAppUnresolved => "workspace-app-unresolved",
            WarningCode::DeployFilesFiltered => "deploy-files-filtered",
            WarningCode::ComposeTarget => "compose-target",
        }
    }
}

/// Why a file was left as it was, as a stable code for tools (`reason_code` in the JSON output);
/// the outcome's `reason` says it in words, with the line and names concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipCode {
    /// A `# restage: ignore` comment, or a configuration `ignore` glob that names the file.
    Ignored,
    /// The file has no FROM instruction.
    NoFrom,
    /// The file already has more than one stage (status `unchanged`).
    MultiStage,
    /// No language profile matched the Dockerfile and its context.
    NoProfile,
    /// The matched profile has no package manager for the project.
    NoPackageManager,
    /// The dependency install needs manifests that are not in the build context.
    ManifestsMissing,
    /// A RUN installs dependencies and does other work in a way restage cannot split.
    InstallNotSplittable,
    /// The start command (or a script it runs) needs the build toolchain at run time.
    StartNeedsToolchain,
    /// The start command needs a shell, and the runtime would have none.
    StartNeedsShell,
    /// restage cannot tell which file the build produces, or how to build it.
    ArtifactUnknown,
    /// restage's own output failed its validation or was not idempotent: restage's fault, so
    /// the file is left as it is rather than reported as an error.
    UnsoundRewrite,
}

impl SkipCode {
    /// Every code, in declaration order (the README lists them all).
    pub const ALL: &'static [SkipCode] = &[
        SkipCode::Ignored,
        SkipCode::NoFrom,
        SkipCode::MultiStage,
        SkipCode::NoProfile,
        SkipCode::NoPackageManager,
        SkipCode::ManifestsMissing,
        SkipCode::InstallNotSplittable,
        SkipCode::StartNeedsToolchain,
        SkipCode::StartNeedsShell,
        SkipCode::ArtifactUnknown,
        SkipCode::UnsoundRewrite,
    ];

    /// The code as users see it and filter on.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipCode::Ignored => "ignored",
            SkipCode::NoFrom => "no-from",
            SkipCode::MultiStage => "multi-stage",
            SkipCode::NoProfile => "no-profile",
            SkipCode::NoPackageManager => "no-package-manager",
            SkipCode::ManifestsMissing => "manifests-missing",
            SkipCode::InstallNotSplittable => "install-not-splittable",
            SkipCode::StartNeedsToolchain => "start-needs-toolchain",
            SkipCode::StartNeedsShell => "start-needs-shell",
            SkipCode::ArtifactUnknown => "artifact-unknown",
            SkipCode::UnsoundRewrite => "unsound-rewrite",
        }
    }
}

impl std::fmt::Display for SkipCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for WarningCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::{PlacedStages, SkipCode, StageName, WarningCode};

    #[test]
    fn a_warning_code_shows_as_it_serialises() {
        for &code in WarningCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{code}\""));
        }
    }

    #[test]
    fn a_skip_code_shows_as_it_serialises_and_is_in_the_readme() {
        let codes = SkipCode::ALL;
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "ALL is in declaration order"
        );
        let readme = include_str!("../../README.md");
        let section = &readme[readme
            .find("### Why a file is left alone")
            .expect("the section")..];
        let section = &section[..section[4..].find("\n#").map_or(section.len(), |i| i + 4)];
        for code in codes {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{code}\""));
            assert!(
                section.contains(&format!("| `{code}` |")),
                "README does not list the skip code `{code}`"
            );
        }
        let listed = section.lines().filter(|l| l.starts_with("| `")).count();
        assert_eq!(
            listed,
            codes.len(),
            "README lists a code that is not in ALL"
        );
    }

    #[test]
    fn every_warning_code_is_listed_once_and_in_the_readme() {
        let codes = WarningCode::ALL;
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "ALL is in declaration order"
        );
        // A variant missing from ALL would be missed here: as_str matches every variant, so
        // count the names it can give through the README table instead.
        let readme = include_str!("../../README.md");
        let safety = &readme[readme.find("## Safety").expect("a Safety section")..];
        for code in codes {
            assert!(
                safety.contains(&format!("| `{code}` |")),
                "README's Safety section does not list `{code}`"
            );
        }
        let listed = safety
            .lines()
            .take_while(|l| !l.starts_with("## Proof"))
            .filter(|l| l.starts_with("| `"))
            .count();
        assert_eq!(
            listed,
            codes.len(),
            "README lists a code WarningCode does not have"
        );
    }

    #[test]
    fn stage_names_serialize_as_the_output_spells_them_in_pipeline_order() {
        let all = [
            StageName::Deps,
            StageName::Build,
            StageName::Test,
            StageName::Runtime,
        ];
        for name in all {
            assert_eq!(serde_json::to_value(name).unwrap(), name.as_str());
            assert_eq!(name.to_string(), name.as_str());
        }
        let spelt: Vec<&str> = all.iter().map(|n| n.as_str()).collect();
        assert_eq!(spelt, ["deps", "build", "test", "runtime"]);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn placed_stages_keep_their_order_once_each_and_serialize_as_names() {
        let mut stages = PlacedStages::from(StageName::Build);
        stages.push(StageName::Deps);
        stages.push(StageName::Build);
        stages.push(StageName::Test);
        assert_eq!(
            stages.iter().collect::<Vec<_>>(),
            [StageName::Build, StageName::Deps, StageName::Test]
        );
        assert!(stages.contains(StageName::Deps) && !stages.contains(StageName::Runtime));
        assert_eq!(
            serde_json::to_string(&stages).unwrap(),
            r#"["build","deps","test"]"#
        );
    }
}
