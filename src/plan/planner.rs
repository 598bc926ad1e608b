//! The planner: places every original instruction in `deps`, `build`, `test` or `runtime`,
//! decides the artifacts and the runtime image, and records why.
//!
//! Language knowledge comes from the profile: which commands install, build or test; the
//! manifests; cache targets; the image and package maps; artifact rules; entrypoint
//! translations. The code here is the same for every profile.

use super::classify;
use super::model::{Class, Decision, Placement, Plan, Stage, Step, Warning, WarningCode};
use super::original::{Entry, Original, resolve};
use super::runtime::RuntimeBuilder;
use super::secrets;
use super::workspace::Workspace;
use crate::detect::Detection;
use crate::profile::{PackageManager, Profile, Registry};
use crate::shell::{self, Command};
use crate::source::Context;
use crate::syntax::Dockerfile;
use std::borrow::Cow;

/// Everything the planner looks at.
pub struct PlanInput<'a> {
    pub df: &'a Dockerfile,
    pub detection: &'a Detection,
    pub profile: &'a Profile,
    pub registry: &'a Registry,
    pub ctx: &'a dyn Context,
    pub options: &'a PlanOptions,
}

/// Choices a user can make about the output.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// Leave out the `test` stage.
    pub no_test_stage: bool,
    /// The runtime flavour asked for (`slim`, `alpine`, `distroless`).
    pub runtime_flavour: Option<String>,
    /// The Dockerfile's path relative to the build context, when it is inside it: compose
    /// files that build it are then looked for (from its folder up to the context root).
    pub dockerfile: Option<String>,
}

/// Why a file cannot be rewritten faithfully; the file is then left alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip(pub String);

/// One piece of the original placed as a unit: a whole instruction, or one class group of a RUN
/// that mixes, say, a dependency install and a build.
#[derive(Clone, Debug)]
pub(crate) struct Unit<'a> {
    pub entry: &'a Entry<'a>,
    pub class: Class,
    /// For a split RUN, the shell text of this group.
    pub part: Option<String>,
}

impl Unit<'_> {
    pub fn line(&self) -> usize {
        self.entry.inst.start_line
    }

    /// The simple commands of this unit: its part of a split RUN, or the whole RUN's.
    pub fn commands(&self) -> Cow<'_, [Command<'_>]> {
        match &self.part {
            Some(text) => Cow::Owned(shell::parse(text)),
            None => Cow::Borrowed(&self.entry.commands),
        }
    }

    /// The step that carries this unit: the original bytes, or a new RUN for a split part.
    pub fn step(&self, add_flags: Vec<String>) -> Step {
        match &self.part {
            // A part of a split RUN keeps the original's mounts (a secret the command reads).
            Some(command) => Step::Run {
                mounts: add_flags
                    .into_iter()
                    .filter_map(|f| f.strip_prefix("mount=").map(str::to_string))
                    .chain(
                        self.entry
                            .inst
                            .flags
                            .iter()
                            .filter(|f| f.name == "mount")
                            .filter_map(|f| f.value.clone()),
                    )
                    .collect(),
                command: command.clone(),
                secret_env: Vec::new(),
            },
            None => Step::Kept {
                line: self.line(),
                text: self.entry.text.to_string(),
                add_flags,
                blank_before: self.entry.blank_before,
                secret_env: Vec::new(),
                command_at: 0,
            },
        }
    }
}

/// Build the plan, or say why the file is left alone.
pub fn plan(input: &PlanInput<'_>) -> Result<Plan, Skip> {
    let mut original = Original::new(input.df);
    original.classify_commands(input.profile);
    let Some(from) = original.from.clone() else {
        return Err(Skip("there is no FROM instruction".into()));
    };
    let pm = input
        .detection
        .package_manager
        .as_deref()
        .and_then(|name| input.profile.package_manager(name))
        .or_else(|| input.profile.default_pm())
        .ok_or_else(|| {
            Skip(format!(
                "profile {} has no package manager",
                input.profile.name
            ))
        })?;
    let (pm, variants) = pm.for_facts(&input.detection.facts);
    let mut planner = Planner {
        input,
        original: &original,
        pm: &pm,
        decisions: Vec::new(),
        warnings: Vec::new(),
        placements: Vec::new(),
        synthesized_manifests: Vec::new(),
        manifest_dir: None,
        workspace: None,
        workspace_members: None,
        workspace_targets: Vec::new(),
    };
    for variant in variants {
        planner.decide(
            format!("{} commands for {}", pm.name, variant.name),
            variant.note.clone(),
            0.85,
        );
    }
    planner.run(&from)
}

pub(crate) struct Planner<'p, 'a> {
    pub input: &'p PlanInput<'a>,
    pub original: &'p Original<'a>,
    pub pm: &'p PackageManager,
    pub decisions: Vec<Decision>,
    pub warnings: Vec<Warning>,
    pub placements: Vec<Placement>,
    /// Manifest COPY steps the planner wrote itself (the original had only `COPY . .`).
    pub synthesized_manifests: Vec<Step>,
    /// The absolute folder the dependency manifests were copied into, when known: restage's
    /// own install command runs there, wherever the deps stage's working directory is.
    pub manifest_dir: Option<String>,
    /// The workspace whose member manifests deps copied (a monorepo), when there is one.
    pub workspace: Option<Workspace>,
    /// The workspace's member folders, when deps copied their manifests and installs for all
    /// of them (the profile's `members`).
    pub workspace_members: Option<Vec<String>>,
    /// The throwaway files the members' named targets need for the install (the profile's
    /// `members.targets`), relative to the workspace root.
    pub workspace_targets: Vec<String>,
}

/// The steps of the three build-side stages while they are assembled.
#[derive(Default)]
pub(crate) struct BuildSide {
    pub deps: Vec<Step>,
    pub build: Vec<Step>,
    pub test: Vec<Step>,
    /// The working directory at the end of `deps` (`None`: the base image's).
    pub deps_workdir: Option<String>,
    /// The working directory at the end of `build`.
    pub build_workdir: Option<String>,
    /// Whether any cache mount was added.
    pub uses_cache_mounts: bool,
    /// The original instructions that copy the sources, as kept steps.
    pub source_copies: Vec<Step>,
    /// Where the sources land (the first source COPY's destination), when it is a folder.
    pub app_dir: Option<String>,
    /// The steps that copy the dependency manifests into deps.
    pub manifest_copies: Vec<Step>,
    /// What the original dependency install needed besides the manifests: its secret mounts
    /// (`type=secret,id=npm_token`) and its environment prefix (`NPM_TOKEN=$(cat ...)`).
    pub install_secrets: Vec<String>,
    pub install_env: Vec<String>,
    /// Commands of the install's RUN that write a credentials file before it and remove it
    /// after (`echo ... > .npmrc`, `rm -f .npmrc`): a second install runs them too.
    pub install_setup: Vec<String>,
    pub install_cleanup: Vec<String>,
    /// The working directory where the sources were copied (tests run there).
    pub source_workdir: Option<String>,
    /// The line of an original dependency install that left out development dependencies
    /// (`npm ci --omit=dev`), kept in deps.
    pub production_only_install: Option<usize>,
}

impl<'p, 'a> Planner<'p, 'a> {
    pub fn decide(&mut self, what: impl Into<String>, why: impl Into<String>, confidence: f64) {
        self.decisions.push(Decision {
            what: what.into(),
            why: why.into(),
            confidence,
        });
    }

    pub fn warn(&mut self, code: WarningCode, message: impl Into<String>, line: Option<usize>) {
        self.warnings.push(Warning {
            code,
            message: message.into(),
            line,
        });
    }

    /// Whether an original build command was placed in the build stage (not a cache trick
    /// that ran in deps before the sources came in).
    pub fn builds_in_build_stage(&self) -> bool {
        self.placements
            .iter()
            .any(|p| p.class == Class::Build && p.stages.contains(&"build"))
    }

    /// Whether the dependencies go into the package manager's virtualenv, which the runtime
    /// copies whole: always for a manager that installs into one (poetry, uv), and for one that
    /// can create it (pip) when the builder is one of the profile's images (a distro python may
    /// lack the venv module).
    pub fn uses_venv(&self) -> bool {
        if self.pm.venv.is_none() {
            return false;
        }
        if self.pm.venv_create.is_none() {
            return true;
        }
        // An install that writes outside the active environment (`--user`, `--target`,
        // `--prefix`, `--root`) would leave its packages behind: keep the wheels route.
        let outside = self.original.body.iter().any(|entry| {
            entry
                .commands
                .iter()
                .zip(entry.classes.iter())
                .any(|(command, class)| {
                    *class == Some(Class::DependencyInstall)
                        && command.words.iter().any(|w| {
                            matches!(
                                w.split('=').next().unwrap_or(""),
                                "--user" | "--target" | "-t" | "--prefix" | "--root"
                            )
                        })
                })
        });
        if outside {
            return false;
        }
        let image = self
            .original
            .from
            .as_ref()
            .and_then(|f| f.inst.from_image())
            .unwrap_or("");
        let (name, _) = crate::profile::schema::split_image(image);
        self.input
            .profile
            .detect
            .images
            .iter()
            .any(|rule| crate::profile::schema::image_name_matches(&rule.image, &name))
    }

    /// Whether the venv is created by restage and filled by the original installs as written.
    fn creates_venv(&self) -> bool {
        self.pm.venv_create.is_some() && self.uses_venv()
    }

    /// Whether an install after the sources came in reads them: it installs the project or
    /// local files (`pip install .`, `-r requirements.txt`, `./pkg.whl`), or names nothing and
    /// so reads the manifests (`uv sync`, `npm install`). `pip install gunicorn[gevent]` only
    /// names packages from the index, and belongs in deps.
    fn reads_context(&self, unit: &Unit<'_>) -> bool {
        for command in unit.commands().iter() {
            let owned = command.owned_words();
            let words = crate::profile::schema::normalise_command(&owned);
            let Some(end) = self
                .input
                .profile
                .recognise
                .install
                .iter()
                .filter_map(|rule| matched_end(rule, &words))
                .max()
            else {
                continue;
            };
            let args = &command.words[end.min(command.words.len())..];
            let mut names = 0;
            for arg in args {
                let arg: &str = arg.as_ref();
                if arg.starts_with('-') {
                    // Options that take a file, or install a local project.
                    let file_option = matches!(
                        arg.split('=').next().unwrap_or(arg),
                        "-r" | "-c"
                            | "-e"
                            | "-f"
                            | "--requirement"
                            | "--constraint"
                            | "--editable"
                            | "--find-links"
                            | "--src"
                            | "--path"
                    );
                    if file_option {
                        return true;
                    }
                    continue;
                }
                let path_like = arg.starts_with(['.', '/', '~', '$'])
                    || arg.contains(['/', '$', '*'])
                    || arg.ends_with(".whl")
                    || arg.ends_with(".txt")
                    || arg.ends_with(".tar.gz")
                    || arg.ends_with(".zip");
                if path_like || self.input.ctx.exists(arg.trim_end_matches('/')) {
                    return true;
                }
                names += 1;
            }
            if names == 0 {
                return true;
            }
        }
        false
    }

    /// Whether a RUN only changes ownership or modes (`chown`, `chgrp`, `chmod`, `mkdir`) and
    /// gives something to a user or group the original creates (`useradd -m appuser` then
    /// `chown -R appuser:appuser /app`).
    fn sets_ownership(&self, unit: &Unit<'_>) -> bool {
        if !unit.entry.inst.is("RUN") {
            return false;
        }
        let commands = unit.commands();
        let only_ownership = commands
            .iter()
            .all(|c| matches!(c.program(), "chown" | "chgrp" | "chmod" | "mkdir"));
        if commands.is_empty() || !only_ownership {
            return false;
        }
        // Every plain word of a user-setup command may be a created name (overshooting is
        // harmless: a chown has to name one of them too).
        let mut created: Vec<String> = Vec::new();
        for entry in &self.original.body {
            for (command, class) in entry.commands.iter().zip(entry.classes.iter()) {
                if *class == Some(Class::UserSetup) {
                    created.extend(
                        command
                            .words
                            .iter()
                            .skip(1)
                            .filter(|w| !w.starts_with('-'))
                            .map(|w| w.to_string()),
                    );
                }
            }
        }
        commands.iter().any(|c| {
            matches!(c.program(), "chown" | "chgrp")
                && c.words
                    .iter()
                    .skip(1)
                    .find(|w| !w.starts_with('-'))
                    .is_some_and(|owner| {
                        owner
                            .split([':', '.'])
                            .any(|name| created.iter().any(|c| c.as_str() == name))
                    })
        })
    }

    fn place(&mut self, unit: &Unit<'_>, stages: &[&'static str]) {
        if let Some(last) = self.placements.last_mut()
            && last.line == unit.line()
            && last.class == unit.class
        {
            for stage in stages {
                if !last.stages.contains(stage) {
                    last.stages.push(stage);
                }
            }
            return;
        }
        self.placements.push(Placement {
            line: unit.line(),
            keyword: unit.entry.inst.keyword.clone(),
            class: unit.class,
            stages: stages.to_vec(),
        });
    }

    fn run(&mut self, from: &Entry<'a>) -> Result<Plan, Skip> {
        let units = self.units()?;
        self.placements.reserve(units.len());
        let mut side = BuildSide::default();
        let runtime_units = self.place_build_side(&units, &mut side)?;
        let builder_image = from.inst.from_image().unwrap_or("").to_string();
        let runtime =
            RuntimeBuilder::new(self, &builder_image, &side).build(&runtime_units, &mut side)?;

        let source_lines: Vec<usize> = side
            .source_copies
            .iter()
            .filter_map(|s| match s {
                Step::Kept { line, .. } => Some(*line),
                _ => None,
            })
            .collect();
        let runtime_gets_sources = runtime.steps.iter().any(|s| match s {
            Step::Kept { line, .. } => source_lines.contains(line),
            Step::Copy {
                from: Some(stage),
                sources,
                ..
            } => stage == "build" && side.app_dir.as_ref().is_some_and(|d| sources.contains(d)),
            _ => false,
        });
        let (dockerignore, ignore_warnings) = super::dockerignore::review(
            self.input,
            runtime_gets_sources,
            &self.kept_credential_copies(),
        );
        self.warnings.extend(ignore_warnings);
        if dockerignore.is_some() {
            self.decide(
                "proposed a .dockerignore",
                "the context has none, and every stage receives the whole context",
                0.8,
            );
        }
        let platform = from.inst.flag("platform").map(str::to_string);
        let mut stages = vec![
            Stage {
                name: "deps".into(),
                from: builder_image.clone(),
                platform: platform.clone(),
                steps: side.deps,
            },
            Stage {
                name: "build".into(),
                from: "deps".into(),
                platform: None,
                steps: side.build,
            },
        ];
        if !side.test.is_empty() {
            stages.push(Stage {
                name: "test".into(),
                from: "build".into(),
                platform: None,
                steps: side.test,
            });
        }
        stages.push(Stage {
            name: "runtime".into(),
            from: runtime.image,
            platform,
            steps: runtime.steps,
        });
        self.cross_compile(&mut stages);
        let mut header: Vec<Step> = self
            .original
            .header_comments
            .iter()
            .map(|c| kept_text(0, c))
            .chain(
                self.original
                    .header
                    .iter()
                    .map(|e| kept_text(e.inst.start_line, &e.text)),
            )
            .collect();
        let secret_mounts = self.move_secrets(&mut header, &mut stages);
        let add_syntax_directive = (side.uses_cache_mounts || runtime.uses_mounts || secret_mounts)
            && self.input.df.directives.syntax.is_none();
        self.behaviour_warnings(&stages);
        let compose = super::compose::review(
            self.input,
            &stages,
            side.build_workdir.as_deref().or(side.app_dir.as_deref()),
        );
        self.warnings.extend(compose.warnings);
        self.decisions.extend(compose.decisions);
        let new_files: Vec<_> = dockerignore.into_iter().collect();
        let hygiene = self.hygiene(&stages, runtime_gets_sources, &new_files);
        Ok(Plan {
            profile: self.input.profile.name.clone(),
            package_manager: Some(self.pm.name.clone()),
            directives: self
                .original
                .directives
                .iter()
                .map(|d| kept_text(0, d))
                .collect(),
            header,
            add_syntax_directive,
            stages,
            trailer: self
                .original
                .trailer
                .iter()
                .map(|c| kept_text(0, c))
                .collect(),
            classification: std::mem::take(&mut self.placements),
            decisions: std::mem::take(&mut self.decisions),
            warnings: std::mem::take(&mut self.warnings),
            new_files,
            changed_files: compose.changed_files,
            hygiene,
        })
    }

    /// Break the body into units, splitting RUN lines that mix classes.
    fn units(&mut self) -> Result<Vec<Unit<'p>>, Skip> {
        let profile = self.input.profile;
        let mut units = Vec::new();
        for entry in &self.original.body {
            let is_run = entry.inst.is("RUN");
            let single = if is_run {
                classify::run_class(&entry.classes)
            } else if self.copies_only_credentials(entry.inst) {
                // `COPY .netrc /root/.netrc`: it sets up the installs (and becomes a secret
                // mount), so the setup steps after it stay before them.
                Some(Class::PackageManagerSetup)
            } else {
                Some(classify::classify(entry.inst, &entry.classes, profile))
            };
            // Only a RUN whose commands disagree is split into groups.
            let (None, true) = (single, is_run) else {
                units.push(Unit {
                    entry,
                    class: single.unwrap_or(Class::Other),
                    part: None,
                });
                continue;
            };
            let parts = classify::run_parts(&entry.commands, &entry.classes);
            if parts.parts.len() <= 1 {
                units.push(Unit {
                    entry,
                    class: Class::Other,
                    part: None,
                });
                continue;
            }
            let has_install = parts
                .parts
                .iter()
                .any(|(c, _)| *c == Class::DependencyInstall);
            // A RUN that writes a credentials file for its install (and removes it) stays whole,
            // so the file never outlives the RUN in a layer.
            let credentials = &self.input.registry.system().secrets.files;
            let secrets = &self.input.registry.system().secrets;
            if has_install
                && !names_credential_file(&entry.commands, credentials)
                && secrets::names_secret_variable(entry.inst.arguments(), &secrets.variables)
            {
                self.decide(
                    format!("the RUN at line {} stays whole in deps", entry.inst.start_line),
                    "its install uses a credential (a token in a URL or a file it cleans up in the same RUN); splitting it would leave what it fetched or wrote with the credential in a layer",
                    0.9,
                );
                units.push(Unit {
                    entry,
                    class: Class::DependencyInstall,
                    part: None,
                });
                continue;
            }
            if has_install && names_credential_file(&entry.commands, credentials) {
                self.decide(
                    format!("the RUN at line {} stays whole in deps", entry.inst.start_line),
                    "it writes a credentials file for its install; splitting it would leave the file in a layer",
                    0.9,
                );
                units.push(Unit {
                    entry,
                    class: Class::DependencyInstall,
                    part: None,
                });
                continue;
            }
            if !parts.splittable() || !entry.inst.heredocs.is_empty() {
                let has_build = parts.parts.iter().any(|(c, _)| *c == Class::Build);
                if has_install && has_build {
                    // Kept whole where the original ran it, after the sources: it installs and
                    // builds as before; deps installs the dependencies first, so the whole RUN
                    // finds them (only its own install step is no longer cached on its own).
                    self.decide(
                        format!("the RUN at line {} stays whole in the build stage", entry.inst.start_line),
                        "it installs and builds in a way restage cannot split (a heredoc, pipes or `||`); deps installs the dependencies before it",
                        0.75,
                    );
                    units.push(Unit {
                        entry,
                        class: Class::Build,
                        part: None,
                    });
                    continue;
                }
                if has_install {
                    return Err(Skip(format!(
                        "line {}: the RUN installs dependencies and does other work in a way restage cannot split (pipes or `||`)",
                        entry.inst.start_line
                    )));
                }
                units.push(Unit {
                    entry,
                    class: Class::Other,
                    part: None,
                });
                continue;
            }
            self.decide(
                format!("split the RUN at line {} into {} steps", entry.inst.start_line, parts.parts.len()),
                "it mixes work that belongs in different stages (e.g. a dependency install and a build)",
                0.9,
            );
            for (class, commands) in parts.parts {
                let text = join_commands(&commands);
                units.push(Unit {
                    entry,
                    class,
                    part: Some(text),
                });
            }
        }
        Ok(units)
    }

    /// Place units in deps, build and test. Returns the units meant for runtime.
    fn place_build_side(
        &mut self,
        units: &[Unit<'p>],
        side: &mut BuildSide,
    ) -> Result<Vec<Unit<'p>>, Skip> {
        let first_source = units.iter().position(|u| u.class == Class::SourceCopy);
        let mut runtime_units = Vec::new();
        let mut manifests_copied = false;
        let mut deps_workdir: Option<String> = None;
        let mut build_workdir: Option<String> = None;
        let mut build_started = false;
        let mut saw_install = false;
        let mut pending_setup: Vec<Step> = Vec::new();
        let mut test_units = Vec::new();
        for (k, unit) in units.iter().enumerate() {
            let before_source = first_source.is_none_or(|f| k < f);
            let unit_workdir = unit.entry.workdir.as_deref();
            match unit.class {
                Class::RuntimeMetadata => {
                    if unit.entry.inst.is("USER") && !build_started && before_source {
                        // A USER before the build steps changes who builds; keep it there too.
                        side.deps.push(unit.step(Vec::new()));
                        self.place(unit, &["deps"]);
                    }
                    runtime_units.push(unit.clone());
                }
                Class::Test => {
                    test_units.push(unit.clone());
                }
                // A user is created in every stage that runs it, in order: the build and test
                // steps after it (a `chown` naming the user) need it as much as the runtime.
                Class::UserSetup => {
                    runtime_units.push(unit.clone());
                    if before_source {
                        side.deps.push(unit.step(Vec::new()));
                        self.place(unit, &["deps"]);
                    } else {
                        let workdir =
                            enter_build(&mut build_started, &mut build_workdir, &deps_workdir);
                        self.ensure_workdir(&mut side.build, workdir, unit_workdir, unit);
                        side.build.push(unit.step(Vec::new()));
                        self.place(unit, &["build"]);
                        self.decide(
                            format!("line {} runs in build and in runtime", unit.line()),
                            "the user it creates is named by later steps of the build and owns files in the runtime",
                            0.85,
                        );
                    }
                }
                Class::BaseSetup => {
                    if unit.entry.inst.is("WORKDIR") {
                        if before_source {
                            deps_workdir = unit_workdir.map(str::to_string);
                        } else {
                            build_workdir = unit_workdir.map(str::to_string);
                        }
                    }
                    if unit.entry.inst.is("ARG") || unit.entry.inst.is("ENV") {
                        runtime_units.push(unit.clone());
                    }
                    if before_source {
                        side.deps.push(unit.step(Vec::new()));
                        self.place(unit, &["deps"]);
                    } else {
                        side.build.push(unit.step(Vec::new()));
                        build_started = true;
                        self.place(unit, &["build"]);
                    }
                }
                // The only install comes after the sources and installs the project too
                // (`COPY . .` then `uv sync --frozen`): deps runs its dependencies-only form
                // from the manifests (`--no-install-project`), and the install itself stays in
                // build, after the sources, as in uv's documented two-step layout.
                Class::DependencyInstall
                    if !before_source
                        && !saw_install
                        && self.pm.project_install_deps.is_some()
                        && self.project_install(unit).is_some() =>
                {
                    self.ensure_workdir(&mut side.deps, &mut deps_workdir, unit_workdir, unit);
                    self.manifests_for_install(
                        unit,
                        units,
                        first_source,
                        deps_workdir.as_deref(),
                        &mut side.deps,
                        &mut manifests_copied,
                    )?;
                    side.deps.append(&mut pending_setup);
                    self.push_env(&mut side.deps);
                    saw_install = true;
                    record_install_needs(
                        unit,
                        side,
                        self.input.profile,
                        &self.input.registry.system().secrets.files,
                    );
                    let step = self.project_install_deps_step(unit, deps_workdir.as_deref(), side);
                    side.deps.push(step);
                    self.place(unit, &["deps"]);
                    let workdir =
                        enter_build(&mut build_started, &mut build_workdir, &deps_workdir);
                    self.ensure_workdir(&mut side.build, workdir, unit_workdir, unit);
                    let mounts = self.project_install_mounts(unit, side);
                    side.build.push(unit.step(mounts));
                    self.place(unit, &["build"]);
                    self.decide(
                        format!("line {} stays in build, after the sources", unit.line()),
                        "it installs the project itself, which needs the sources; deps installs the dependencies alone first, so their layer stays cached when only code changes",
                        0.8,
                    );
                }
                // A second install after the sources came in installs the project itself
                // (`uv sync` without `--no-install-project`): it needs the sources, so it stays
                // in build.
                Class::DependencyInstall
                    if !before_source
                        && saw_install
                        && (self.reads_context(unit) || self.project_install(unit).is_some()) =>
                {
                    let workdir =
                        enter_build(&mut build_started, &mut build_workdir, &deps_workdir);
                    self.ensure_workdir(&mut side.build, workdir, unit_workdir, unit);
                    let mounts = if self.project_install(unit).is_some() {
                        self.project_install_mounts(unit, side)
                    } else {
                        self.build_mounts(unit, side)
                    };
                    side.build.push(unit.step(mounts));
                    self.place(unit, &["build"]);
                    self.decide(
                        format!("line {} stays in build", unit.line()),
                        "an install after the sources are copied installs the project itself",
                        0.75,
                    );
                }
                Class::SystemPackages
                | Class::PackageManagerSetup
                | Class::DependencyManifests
                | Class::DependencyInstall => {
                    if !before_source {
                        self.ensure_workdir(&mut side.deps, &mut deps_workdir, unit_workdir, unit);
                        self.decide(
                            format!(
                                "moved line {} ({}) into deps, before the source is copied",
                                unit.line(),
                                class_name(unit.class)
                            ),
                            "it does not need the sources, so its layer stays cached when only code changes",
                            0.85,
                        );
                    }
                    if unit.class == Class::DependencyManifests {
                        if self.manifest_dir.is_none() {
                            self.manifest_dir = copy_target_dir(unit);
                        }
                        manifests_copied = true;
                        side.manifest_copies.push(unit.step(Vec::new()));
                    }
                    if unit.class == Class::PackageManagerSetup
                        && !before_source
                        && !manifests_copied
                    {
                        // `chmod +x mvnw` after `COPY . .`: wait until the manifests are in.
                        pending_setup.push(unit.step(Vec::new()));
                        self.place(unit, &["deps"]);
                        continue;
                    }
                    if unit.class == Class::DependencyInstall {
                        self.manifests_for_install(
                            unit,
                            units,
                            first_source,
                            deps_workdir.as_deref(),
                            &mut side.deps,
                            &mut manifests_copied,
                        )?;
                        side.deps.append(&mut pending_setup);
                        if !saw_install {
                            self.push_env(&mut side.deps);
                        }
                        saw_install = true;
                        record_install_needs(
                            unit,
                            side,
                            self.input.profile,
                            &self.input.registry.system().secrets.files,
                        );
                        if self.is_production_install(unit) {
                            side.production_only_install = Some(unit.line());
                        }
                        let step = self.install_step(Some(unit), deps_workdir.as_deref(), side);
                        side.deps.push(step);
                    } else {
                        side.deps.push(unit.step(Vec::new()));
                    }
                    self.place(unit, &["deps"]);
                }
                Class::SourceCopy
                | Class::Build
                | Class::Other
                | Class::Base
                | Class::GlobalArg => {
                    if before_source {
                        side.deps.push(unit.step(Vec::new()));
                        self.place(unit, &["deps"]);
                    } else {
                        let workdir =
                            enter_build(&mut build_started, &mut build_workdir, &deps_workdir);
                        self.ensure_workdir(&mut side.build, workdir, unit_workdir, unit);
                        if unit.class == Class::SourceCopy {
                            if side.source_copies.is_empty() {
                                side.source_workdir = build_workdir.clone();
                            }
                            side.source_copies.push(unit.step(Vec::new()));
                            if side.app_dir.is_none() {
                                side.app_dir = copy_destination_dir(unit);
                            }
                        }
                        let mounts = if unit.class == Class::Build {
                            self.build_mounts(unit, side)
                        } else {
                            Vec::new()
                        };
                        side.build.push(unit.step(mounts));
                        self.place(unit, &["build"]);
                        if unit.class == Class::Other && self.sets_ownership(unit) {
                            // The runtime gets the app folder root-owned from COPY --from:
                            // the original's ownership is restored after the user exists.
                            runtime_units.push(Unit {
                                class: Class::UserSetup,
                                ..unit.clone()
                            });
                            self.decide(
                                format!("line {} also runs in runtime, after the user is created", unit.line()),
                                "it gives files to a user the original created; the runtime's copies would otherwise be owned by root",
                                0.8,
                            );
                        }
                    }
                }
            }
        }
        if !build_started {
            build_workdir = deps_workdir.clone();
        }
        if !saw_install {
            self.add_missing_install(
                units,
                first_source,
                deps_workdir.as_deref(),
                manifests_copied,
                &mut pending_setup,
                side,
            );
        }
        side.deps.append(&mut pending_setup);
        side.manifest_copies
            .extend(std::mem::take(&mut self.synthesized_manifests));
        if let Some(install) = self
            .pm
            .runtime_install
            .as_deref()
            .filter(|_| !self.uses_venv())
            .and_then(|c| self.render(c))
        {
            self.decide(
                format!("the build stage installs the wheels built in deps (`{install}`)"),
                "the build and test steps run the app with its dependencies",
                0.85,
            );
            side.build.insert(
                0,
                Step::Run {
                    mounts: Vec::new(),
                    command: install,
                    secret_env: Vec::new(),
                },
            );
        }
        side.deps_workdir = deps_workdir;
        side.build_workdir = build_workdir;
        self.test_stage(&test_units, side);
        Ok(runtime_units)
    }

    /// The original never installed dependencies on their own (e.g. `COPY . .` then
    /// `mvn package`): add the profile's install to deps so its layer is cached.
    fn add_missing_install(
        &mut self,
        units: &[Unit<'p>],
        first_source: Option<usize>,
        deps_workdir: Option<&str>,
        manifests_copied: bool,
        pending_setup: &mut Vec<Step>,
        side: &mut BuildSide,
    ) {
        if self.pm.install.trim().is_empty() {
            return;
        }
        let workspace = self.input.detection.facts.workspace;
        let members = workspace
            .then(|| self.find_workspace_members(units, first_source))
            .flatten();
        if workspace && members.is_none() {
            self.decide(
                "no separate dependency download in deps",
                "a workspace needs every member's manifest and sources to resolve; the build uses the cache mounts instead",
                0.7,
            );
            return;
        }
        if !manifests_copied
            && !self.copy_manifests(units, first_source, deps_workdir, &mut side.deps)
        {
            self.decide(
                "no dependency install step in deps",
                format!(
                    "none of {} is in the build context",
                    self.pm.manifests.join(", ")
                ),
                0.6,
            );
            return;
        }
        if let Some((members, dest)) = members {
            self.copy_member_manifests(units, first_source, &members, &dest, &mut side.deps);
        }
        side.deps.append(pending_setup);
        self.push_env(&mut side.deps);
        let step = self.install_step(None, deps_workdir, side);
        if let Step::Run { command, .. } = &step {
            self.decide(
                format!("deps runs `{command}`"),
                "downloading dependencies in their own layer keeps them cached when only code changes",
                0.8,
            );
        }
        side.deps.push(step);
    }

    /// The package manager's environment (`CGO_ENABLED=0` without cgo), set in deps before
    /// installing unless the original sets the variable itself.
    fn push_env(&mut self, deps: &mut Vec<Step>) {
        if self.creates_venv()
            && let (Some(create), Some(venv)) = (self.pm.venv_create.clone(), self.pm.venv.clone())
        {
            self.decide(
                format!("deps creates the virtualenv {venv} (`{create}`) and puts it first on PATH"),
                "the original installs fill it as written, and the runtime copies it whole: no compilers, caches or wheel files in the runtime, and no bind mount from a stage (buildah issues 4375, 5400, 6609)",
                0.85,
            );
            deps.push(Step::Run {
                mounts: Vec::new(),
                command: create,
                secret_env: Vec::new(),
            });
            deps.push(Step::Env {
                name: "PATH".into(),
                value: format!("{venv}/bin:$PATH"),
            });
        }
        let facts = &self.input.detection.facts;
        for (name, value) in self.pm.env_for(facts) {
            let already = self
                .original
                .body_with("ENV")
                .any(|e| e.inst.key_values().iter().any(|(k, _)| *k == name));
            if already {
                continue;
            }
            self.decide(
                format!("set {name}={value} for the build"),
                format!(
                    "the {} profile needs it to build (e.g. a static binary when there is no cgo)",
                    self.pm.name
                ),
                0.85,
            );
            deps.push(Step::Env { name, value });
        }
    }

    /// The command of `unit` that installs the project itself (`recognise.project_install`).
    fn project_install(&self, unit: &Unit<'_>) -> Option<String> {
        let rules = &self.input.profile.recognise.project_install;
        if rules.is_empty() {
            return None;
        }
        unit.commands()
            .iter()
            .find(|c| rules.iter().any(|r| classify::rule_matches(r, c)))
            .map(|c| c.text.to_string())
    }

    /// The deps install for a project install the original ran after the sources only: the
    /// same command in its dependencies-only form (`project_install_deps`), with the install
    /// caches, where the manifests were copied.
    fn project_install_deps_step(
        &mut self,
        unit: &Unit<'_>,
        deps_workdir: Option<&str>,
        side: &mut BuildSide,
    ) -> Step {
        let original = self.project_install(unit).unwrap_or_default();
        let template = self.pm.project_install_deps.clone().unwrap_or_default();
        let mut command = template.replace("{command}", &original);
        if let Some(dir) = self.manifest_dir.as_deref()
            && dir != deps_workdir.unwrap_or("/")
        {
            command = format!("cd {dir} && {command}");
        }
        let mounts: Vec<String> = self
            .pm
            .cache
            .deps
            .iter()
            .map(|t| format!("type=cache,target={t}"))
            .collect();
        side.uses_cache_mounts |= !mounts.is_empty();
        self.decide(
            format!("deps runs `{command}` before the sources, for line {}", unit.line()),
            format!(
                "line {} installs the dependencies and the project at once; its dependencies-only form needs only the manifests, so that layer stays cached when only code changes",
                unit.line()
            ),
            0.85,
        );
        Step::Run {
            mounts,
            command,
            secret_env: Vec::new(),
        }
    }

    /// Cache mounts for a project install in build: the install caches (it resolves from the
    /// same cache as deps), unless the original gave its own.
    fn project_install_mounts(&mut self, unit: &Unit<'_>, side: &mut BuildSide) -> Vec<String> {
        if !unit.entry.inst.is("RUN") || has_cache_mount(unit) {
            return Vec::new();
        }
        side.uses_cache_mounts |= !self.pm.cache.deps.is_empty();
        self.pm
            .cache
            .deps
            .iter()
            .map(|t| format!("mount=type=cache,target={t}"))
            .collect()
    }

    /// Cache mounts for a build command (the profile's build caches).
    fn build_mounts(&mut self, unit: &Unit<'_>, side: &mut BuildSide) -> Vec<String> {
        if !unit.entry.inst.is("RUN") || has_cache_mount(unit) || self.pm.cache.build.is_empty() {
            return Vec::new();
        }
        side.uses_cache_mounts = true;
        self.pm
            .cache
            .build
            .iter()
            .map(|t| format!("mount=type=cache,target={t}"))
            .collect()
    }

    /// Add a WORKDIR before `unit` when the stage is in a different directory than the one the
    /// unit ran in originally.
    fn ensure_workdir(
        &mut self,
        steps: &mut Vec<Step>,
        current: &mut Option<String>,
        wanted: Option<&str>,
        unit: &Unit<'_>,
    ) {
        if unit.entry.inst.is("WORKDIR") || current.as_deref() == wanted {
            return;
        }
        match wanted {
            Some(dir) => {
                steps.push(Step::Workdir {
                    path: dir.to_string(),
                });
                *current = Some(dir.to_string());
            }
            None => self.warn(
                WarningCode::WorkdirLost,
                format!(
                    "line {} ran in the base image's default directory, which restage cannot restore after moving other steps",
                    unit.line()
                ),
                Some(unit.line()),
            ),
        }
    }

    /// The manifests `unit`'s install reads, copied into deps unless they are already
    /// (`manifests_copied`); a file whose install finds none of them in the context is skipped.
    fn manifests_for_install(
        &mut self,
        unit: &Unit<'_>,
        units: &[Unit<'p>],
        first_source: Option<usize>,
        deps_workdir: Option<&str>,
        deps: &mut Vec<Step>,
        manifests_copied: &mut bool,
    ) -> Result<(), Skip> {
        if *manifests_copied {
            return Ok(());
        }
        if !self.copy_manifests(units, first_source, deps_workdir, deps) {
            return Err(Skip(format!(
                "line {}: the dependency install needs {} from the build context, and none of them is there",
                unit.line(),
                self.pm.manifests.join(", ")
            )));
        }
        *manifests_copied = true;
        Ok(())
    }

    /// The deps stage needs the manifests before installing; when the original only had them
    /// through `COPY . .`, copy just the manifests that exist in the context.
    fn copy_manifests(
        &mut self,
        units: &[Unit<'p>],
        first_source: Option<usize>,
        deps_workdir: Option<&str>,
        deps: &mut Vec<Step>,
    ) -> bool {
        let source_copy = first_source.map(|i| units[i].entry.inst);
        if let Some(copy) = source_copy
            && self.copy_named_manifests(copy, deps)
        {
            return true;
        }
        let (prefix, dest) = copy_prefix_dest(source_copy);
        let ctx = self.input.ctx;
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        // Manifests in subfolders (`src/Api/Api.csproj`), by folder below the prefix.
        let mut nested: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let anywhere = self.pm.manifests_in_subfolders;
        for pattern in &self.pm.manifests {
            let full = format!("{prefix}{pattern}");
            if ctx.is_dir(&full) {
                dirs.push(full);
                continue;
            }
            for file in ctx.files() {
                let Some(rest) = file.strip_prefix(&prefix) else {
                    continue;
                };
                let (folder, name) = match rest.rsplit_once('/') {
                    Some((folder, name)) => (Some(folder), name),
                    None => (None, rest),
                };
                if !crate::profile::pattern::glob(pattern, name) {
                    continue;
                }
                match folder {
                    None => files.push(file.clone()),
                    Some(folder) if anywhere && !is_build_output(folder) => {
                        nested
                            .entry(folder.to_string())
                            .or_default()
                            .push(file.clone());
                    }
                    Some(_) => {}
                }
            }
        }
        // A workspace's install reads every member's manifests: each at its member's path.
        if let Some(rules) = &self.pm.workspace
            && let Some(workspace) = Workspace::find(ctx, rules, &prefix)
        {
            for member in &workspace.members {
                for name in &rules.member_manifests {
                    let file = format!("{prefix}{}/{name}", member.dir);
                    if ctx.exists(&file) {
                        nested.entry(member.dir.clone()).or_default().push(file);
                    }
                }
            }
            self.decide(
                format!(
                    "deps copies the manifests of the workspace members ({})",
                    workspace
                        .members
                        .iter()
                        .map(|m| m.dir.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!(
                    "{} installs the whole workspace from its lockfile, and a frozen install fails when a member's manifest is missing",
                    self.pm.name
                ),
                0.9,
            );
            self.workspace = Some(workspace);
        }
        files.sort();
        files.dedup();
        dirs.sort();
        dirs.dedup();
        if files.is_empty() && dirs.is_empty() && nested.is_empty() {
            return false;
        }
        let all: Vec<String> = files
            .iter()
            .chain(nested.values().flatten())
            .chain(dirs.iter())
            .cloned()
            .collect();
        self.decide(
            format!("deps copies only {} before installing", all.join(", ")),
            "the original copied the whole context first, so every code change reinstalled the dependencies",
            0.9,
        );
        let first_new = deps.len();
        self.manifest_dir = Some(resolve_dest(deps_workdir, &dest));
        if !files.is_empty() {
            deps.push(Step::Copy {
                from: None,
                chown: None,
                sources: files,
                dest: dest.clone(),
            });
        }
        // Files of one subfolder land in the same subfolder of the destination.
        for (folder, mut sources) in nested {
            sources.sort();
            sources.dedup();
            deps.push(Step::Copy {
                from: None,
                chown: None,
                sources,
                dest: format!("{dest}{folder}/"),
            });
        }
        // A folder copied with others would be flattened into the destination: one COPY each.
        for dir in dirs {
            let name = dir.rsplit('/').next().unwrap_or(&dir).to_string();
            deps.push(Step::Copy {
                from: None,
                chown: None,
                sources: vec![dir],
                dest: format!("{dest}{name}/"),
            });
        }
        self.synthesized_manifests = deps[first_new..].to_vec();
        true
    }

    /// The workspace's members when the profile says how to list them and every listed member
    /// is in the context, with the destination the sources are copied to (`./`).
    fn find_workspace_members(
        &self,
        units: &[Unit<'p>],
        first_source: Option<usize>,
    ) -> Option<(Vec<String>, String)> {
        let spec = self.pm.members.as_ref()?;
        let (prefix, dest) = copy_prefix_dest(first_source.map(|i| units[i].entry.inst));
        let members = super::members::members(spec, self.input.ctx, &prefix)?;
        Some((members, dest))
    }

    /// deps copies each workspace member's manifests into the member's folder, so the install
    /// resolves the whole workspace; the install then uses the profile's workspace command.
    fn copy_member_manifests(
        &mut self,
        units: &[Unit<'p>],
        first_source: Option<usize>,
        members: &[String],
        dest: &str,
        deps: &mut Vec<Step>,
    ) {
        let Some(spec) = self.pm.members.as_ref() else {
            return;
        };
        let (prefix, _) = copy_prefix_dest(first_source.map(|i| units[i].entry.inst));
        let ctx = self.input.ctx;
        let mut copies = Vec::new();
        for member in members {
            let sources: Vec<String> = spec
                .manifests
                .iter()
                .map(|m| format!("{prefix}{member}/{m}"))
                .filter(|f| ctx.exists(f))
                .collect();
            if sources.is_empty() {
                continue;
            }
            copies.push(Step::Copy {
                from: None,
                chown: None,
                sources,
                dest: format!("{dest}{member}/"),
            });
        }
        self.decide(
            format!(
                "deps copies the manifests ({}) of the {} workspace members: {}",
                spec.manifests.join(", "),
                members.len(),
                members.join(", ")
            ),
            spec.note.clone().unwrap_or_else(|| {
                format!(
                    "{} lists them in {}, and the install resolves every member's dependencies",
                    self.pm.name, spec.file
                )
            }),
            0.85,
        );
        deps.extend(copies.iter().cloned());
        self.synthesized_manifests.extend(copies);
        self.workspace_targets = super::members::target_stubs(spec, ctx, &prefix, members);
        self.workspace_members = Some(members.to_vec());
    }

    /// A source COPY that names the manifests among other files
    /// (`COPY --chown=node:node package*.json *.js ./`): deps copies those manifest sources on
    /// their own, with the same destination and owner, when at least one exists in the context.
    fn copy_named_manifests(
        &mut self,
        copy: &crate::syntax::Instruction,
        deps: &mut Vec<Step>,
    ) -> bool {
        let values = copy.values();
        if values.len() < 3 {
            return false;
        }
        let profile = self.input.profile;
        let ctx = self.input.ctx;
        let manifests: Vec<String> = values
            .all_but_last()
            .iter()
            .filter(|s| super::classify::is_manifest(s, profile))
            .map(|s| s.to_string())
            .collect();
        let exists = |source: &str| {
            let source = source.trim_start_matches("./");
            ctx.exists(source)
                || ctx
                    .files()
                    .iter()
                    .any(|f| crate::profile::pattern::glob(source, f))
        };
        if manifests.is_empty() || !manifests.iter().any(|m| exists(m)) {
            return false;
        }
        let dest = values[values.len() - 1].to_string();
        self.decide(
            format!(
                "deps copies {} from line {} before installing",
                manifests.join(", "),
                copy.start_line
            ),
            "that COPY also brings other files, so every change to them would reinstall the dependencies",
            0.9,
        );
        let step = Step::Copy {
            from: None,
            chown: copy.flag("chown").map(str::to_string),
            sources: manifests,
            dest,
        };
        deps.push(step.clone());
        self.synthesized_manifests = vec![step];
        true
    }

    /// The dependency install with the profile's cache mounts: the original command, or the
    /// profile's own install when the package manager installs into an artifact the runtime
    /// copies (wheels, a virtualenv), or when the original had none.
    fn install_step(
        &mut self,
        unit: Option<&Unit<'_>>,
        deps_workdir: Option<&str>,
        side: &mut BuildSide,
    ) -> Step {
        let mounts: Vec<String> = if unit.is_some_and(has_cache_mount) {
            Vec::new()
        } else {
            self.pm
                .cache
                .deps
                .iter()
                .map(|t| format!("mount=type=cache,target={t}"))
                .collect()
        };
        if !mounts.is_empty() {
            side.uses_cache_mounts = true;
            self.decide(
                format!(
                    "the dependency install{} uses a BuildKit cache mount ({})",
                    unit.map(|u| format!(" at line {}", u.line()))
                        .unwrap_or_default(),
                    self.pm.cache.deps.join(", ")
                ),
                "downloads are reused across builds without landing in a layer",
                0.95,
            );
        }
        let creates_venv = self.creates_venv();
        let replaces =
            !creates_venv && (self.pm.runtime_install.is_some() || self.pm.venv.is_some());
        match unit {
            Some(unit) if !replaces => unit.step(mounts),
            _ => {
                let args = unit.map(|u| self.install_args(u)).unwrap_or_default();
                let install = match (&self.pm.venv_install, &self.pm.install_without_lockfile) {
                    (Some(venv_install), _) if creates_venv => venv_install,
                    (_, Some(without)) if !self.input.detection.facts.has_lockfile => without,
                    _ => &self.pm.install,
                };
                let mut template = install.replace("{args}", &args);
                if let (Some(members), Some(spec)) = (&self.workspace_members, &self.pm.members)
                    && unit.is_none()
                {
                    let whole = spec.install.as_deref().unwrap_or("{install}");
                    template = super::members::expand(
                        &whole.replace("{install}", &template),
                        members,
                        &self.workspace_targets,
                    );
                }
                let mut command = self.render(&template).unwrap_or(template);
                if let Some(unit) = unit {
                    command.push_str(&self.carried_options(unit));
                }
                // restage's own install reads the manifests where they were copied, which is
                // not always the working directory (`COPY requirements.txt /app/` with no
                // WORKDIR): run it there, as the original install did.
                if let Some(dir) = self.manifest_dir.as_deref()
                    && dir != deps_workdir.unwrap_or("/")
                {
                    command = format!("cd {dir} && {command}");
                }
                if let Some(unit) = unit {
                    self.decide(
                        format!("deps runs `{command}` instead of line {}", unit.line()),
                        format!(
                            "{} then installs into what the runtime copies, so compilers and caches stay behind",
                            self.pm.name
                        ),
                        0.85,
                    );
                }
                Step::Run {
                    mounts: mounts
                        .into_iter()
                        .map(|m| m.trim_start_matches("mount=").to_string())
                        .collect(),
                    command,
                    secret_env: Vec::new(),
                }
            }
        }
    }

    /// The package manager's `carry_options` the original install gave, as ` --name value`
    /// words to append to the install that replaces it.
    fn carried_options(&self, unit: &Unit<'_>) -> String {
        let mut out = String::new();
        for command in unit.commands().iter() {
            for name in &self.pm.carry_options {
                if let Some(value) = command.option_value(&[name.as_str()]) {
                    out.push_str(&format!(" {name} {value}"));
                }
            }
        }
        out
    }

    /// The arguments of the original install after its recognised words
    /// (`pip install -r requirements/prod.txt` → `-r requirements/prod.txt`).
    fn install_args(&self, unit: &Unit<'_>) -> String {
        for command in unit.commands().iter() {
            let owned = command.owned_words();
            let words = crate::profile::schema::normalise_command(&owned);
            let best = self
                .input
                .profile
                .recognise
                .install
                .iter()
                .filter_map(|rule| matched_end(rule, &words))
                .max();
            if let Some(end) = best {
                return command.words[end..].join(" ");
            }
        }
        String::new()
    }

    /// The test stage: the original's test commands, or the profile's, with the build's cache
    /// mounts and the install's secrets, run where the sources are.
    fn test_stage(&mut self, test_units: &[Unit<'p>], side: &mut BuildSide) {
        if self.input.options.no_test_stage {
            for unit in test_units {
                side.build.push(unit.step(Vec::new()));
                self.place(unit, &["build"]);
            }
            return;
        }
        let mut mounts: Vec<String> = self
            .pm
            .cache
            .build
            .iter()
            .map(|t| format!("type=cache,target={t}"))
            .collect();
        mounts.extend(side.install_secrets.iter().cloned());
        if side.source_workdir.is_some() && side.source_workdir != side.build_workdir {
            side.test.push(Step::Workdir {
                path: side.source_workdir.clone().unwrap_or_default(),
            });
        }
        if !test_units.is_empty() {
            let lines: Vec<String> = test_units.iter().map(|u| u.line().to_string()).collect();
            self.warn(
                WarningCode::TestsMoved,
                format!(
                    "the tests at line {} ran in the original's image build; they now run in the test stage only, with `--target test`, so a failing test no longer fails the default build",
                    lines.join(", ")
                ),
                test_units.first().map(|u| u.line()),
            );
            for unit in test_units {
                let flags = if has_cache_mount(unit) {
                    Vec::new()
                } else {
                    mounts.iter().map(|m| format!("mount={m}")).collect()
                };
                side.uses_cache_mounts |= !flags.is_empty();
                side.test.push(unit.step(flags));
                self.place(unit, &["test"]);
            }
            return;
        }
        let facts = &self.input.detection.facts;
        if self.pm.test.is_some()
            && !self.pm.test_needs.is_empty()
            && !self.pm.test_needs.iter().any(|f| facts.flag(f))
        {
            let why = self
                .pm
                .test_missing
                .clone()
                .unwrap_or_else(|| "the project has no test to run".into());
            self.decide(
                "no test stage",
                format!(
                    "{why}, so a test stage would fail; to add one, set `commands.test` in .restage.yaml"
                ),
                0.85,
            );
            side.test.clear();
            return;
        }
        let workspace_test = self
            .pm
            .members
            .as_ref()
            .and_then(|spec| spec.test.as_deref())
            .zip(self.workspace_members.as_deref())
            .map(|(test, members)| super::members::expand(test, members, &[]));
        let Some(test) = workspace_test
            .as_deref()
            .or(self.pm.test.as_deref())
            .and_then(|t| self.render(t))
        else {
            side.test.clear();
            return;
        };
        if let Some(install) = self.test_install(side) {
            let mut install_mounts: Vec<String> = self
                .pm
                .cache
                .deps
                .iter()
                .map(|t| format!("type=cache,target={t}"))
                .collect();
            install_mounts.extend(side.install_secrets.iter().cloned());
            side.uses_cache_mounts |= !install_mounts.is_empty();
            let command = side
                .install_env
                .iter()
                .cloned()
                .chain(std::iter::once(install))
                .collect::<Vec<_>>()
                .join(" ");
            side.test.push(Step::Run {
                mounts: install_mounts,
                command,
                secret_env: Vec::new(),
            });
        }
        self.decide(
            format!("added a test stage running `{test}`"),
            format!(
                "the {} test command; it runs only with `--target test`",
                self.pm.name
            ),
            0.8,
        );
        side.uses_cache_mounts |= !mounts.is_empty();
        side.test.push(Step::Run {
            mounts,
            command: test,
            secret_env: Vec::new(),
        });
    }

    /// What the test stage installs before testing: the test dependencies that deps left out.
    /// An install the profile replaced (wheels, a virtualenv) installs production dependencies
    /// only, so the profile's `test_install` runs when it resolves; an original install that
    /// was production-only (`npm ci --omit=dev`) is followed by the full install.
    fn test_install(&mut self, side: &BuildSide) -> Option<String> {
        let replaced = self.pm.runtime_install.is_some() || self.pm.venv.is_some();
        let full = match &self.pm.install_without_lockfile {
            Some(without) if !self.input.detection.facts.has_lockfile => without,
            _ => &self.pm.install,
        };
        let full = full.replace("{args}", "").trim().to_string();
        let template = self.pm.test_install.as_deref().unwrap_or("{install}");
        let rendered = self.render(&template.replace("{install}", &full));
        let install = if replaced {
            self.pm.test_install.as_ref()?;
            rendered?
        } else if let Some(line) = side.production_only_install {
            let install = rendered?;
            self.decide(
                format!("the test stage runs `{install}` first"),
                format!(
                    "line {line} installs production dependencies only, so the test runner and the other development dependencies are missing"
                ),
                0.85,
            );
            return Some(install);
        } else {
            return None;
        };
        self.decide(
            format!("the test stage runs `{install}` first"),
            "deps installs what the app needs to run; the tests need their own dependencies too",
            0.8,
        );
        Some(install)
    }

    /// Whether an original install leaves out development dependencies
    /// (`recognise.production_install`: `npm ci --omit=dev`, `yarn install --production`).
    fn is_production_install(&self, unit: &Unit<'_>) -> bool {
        let rules = &self.input.profile.recognise.production_install;
        !rules.is_empty()
            && unit.commands().iter().any(|command| {
                let owned = command.owned_words();
                let words = crate::profile::schema::normalise_command(&owned);
                rules
                    .iter()
                    .any(|rule| crate::profile::schema::command_matches(rule, &words))
            })
    }

    /// Fill a profile command template from the detection facts (`{exe}`, `{binary}`...).
    pub fn render(&self, template: &str) -> Option<String> {
        let exe = self.executable();
        let template = template.replace("{exe}", &exe);
        self.input
            .detection
            .facts
            .render_with(&template, &self.input.detection.versions)
    }

    /// The package manager's command: the wrapper (`./mvnw`) when the context has it.
    pub fn executable(&self) -> String {
        if let Some(wrapper) = &self.pm.wrapper
            && self.input.ctx.exists(wrapper)
        {
            return format!("./{wrapper}");
        }
        self.pm
            .executable
            .clone()
            .unwrap_or_else(|| self.pm.name.clone())
    }
}

/// The build stage's working directory as a step enters the build stage: it starts as the deps
/// stage's, the first time (`started` records that the build stage has begun).
fn enter_build<'w>(
    started: &mut bool,
    build_workdir: &'w mut Option<String>,
    deps_workdir: &Option<String>,
) -> &'w mut Option<String> {
    if !*started {
        build_workdir.clone_from(deps_workdir);
    }
    *started = true;
    build_workdir
}

pub(crate) fn kept_text(line: usize, text: &str) -> Step {
    Step::Kept {
        line,
        text: text.to_string(),
        add_flags: Vec::new(),
        blank_before: false,
        secret_env: Vec::new(),
        command_at: 0,
    }
}

fn class_name(class: Class) -> &'static str {
    match class {
        Class::SystemPackages => "system packages",
        Class::PackageManagerSetup => "package manager setup",
        Class::DependencyManifests => "dependency manifests",
        Class::DependencyInstall => "dependency install",
        _ => "setup",
    }
}

/// Remember the secret mounts and environment prefix of an original install, which a second
/// install (production dependencies in runtime) needs too.
/// Commands of the install's RUN that write or remove a credentials file (`echo ... > .npmrc`
/// before it, `rm -f .npmrc` after) go with it too, so the file is written and removed in the
/// same RUN.
fn record_install_needs(
    unit: &Unit<'_>,
    side: &mut BuildSide,
    profile: &Profile,
    credentials: &[crate::profile::CredentialFile],
) {
    for flag in &unit.entry.inst.flags {
        if flag.name == "mount"
            && let Some(value) = &flag.value
            && value.contains("type=secret")
        {
            side.install_secrets.push(value.clone());
        }
    }
    let mut seen_install = false;
    for command in unit.commands().iter() {
        if classify::classify_command(command, profile) == Some(Class::DependencyInstall) {
            seen_install = true;
            side.install_env
                .extend(command.env.iter().map(|e| e.to_string()));
            continue;
        }
        if !names_credential_file(std::slice::from_ref(command), credentials) {
            continue;
        }
        if seen_install {
            side.install_cleanup.push(command.text.to_string());
        } else {
            side.install_setup.push(command.text.to_string());
        }
    }
}

/// Whether one of the commands names a credentials file (`> .npmrc`, `rm -f ~/.netrc`).
fn names_credential_file(
    commands: &[Command<'_>],
    credentials: &[crate::profile::CredentialFile],
) -> bool {
    commands.iter().any(|command| {
        command
            .text
            .split(['>', ' ', '"', '\'', '\n', '\\'])
            .any(|w| !w.is_empty() && credentials.iter().any(|c| c.matches_name(w)))
    })
}

/// Whether the instruction already mounts a cache.
fn has_cache_mount(unit: &Unit<'_>) -> bool {
    unit.entry
        .inst
        .flags
        .iter()
        .any(|f| f.name == "mount" && f.value.as_deref().is_some_and(|v| v.contains("type=cache")))
}

/// The index just after the last word a command rule matched, when it matches.
fn matched_end(rule: &str, words: &[String]) -> Option<usize> {
    if !crate::profile::schema::command_matches(rule, words) {
        return None;
    }
    let mut index = 1;
    for rule_word in rule.split_whitespace().skip(1) {
        let offset = words[index..]
            .iter()
            .position(|w| crate::profile::pattern::glob(rule_word, w))?;
        index += offset + 1;
    }
    Some(index)
}

/// The absolute folder a manifest COPY writes into: the destination when it is a folder
/// (`COPY Cargo.toml Cargo.lock /app/`), else its parent (`COPY requirements.txt
/// /app/requirements.txt`).
fn copy_target_dir(unit: &Unit<'_>) -> Option<String> {
    let inst = unit.entry.inst;
    if inst.values().len() < 2 {
        return None;
    }
    let dest = inst.values().last()?;
    let resolved = resolve_dest(unit.entry.workdir.as_deref(), dest);
    if dest.ends_with('/') || dest == "." || inst.values().len() > 2 {
        return Some(resolved);
    }
    Some(match resolved.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(slash) => resolved[..slash].to_string(),
    })
}

/// Whether a context folder holds build output (a committed `bin/` or `obj/`), whose copies
/// of manifests are not the project's.
fn is_build_output(folder: &str) -> bool {
    folder
        .split('/')
        .any(|part| matches!(part, "bin" | "obj" | "node_modules" | "target" | "build"))
}

/// A COPY destination made absolute; one that starts with a variable (`$APP_HOME/pom.xml`)
/// stands for itself, as the WORKDIR it usually matches does.
fn resolve_dest(workdir: Option<&str>, dest: &str) -> String {
    if dest.starts_with('$') {
        super::original::normalise_path(dest)
    } else {
        resolve(workdir, dest)
    }
}

/// The folder a source COPY writes into (`COPY . /code/` → `/code`), when it is one.
fn copy_destination_dir(unit: &Unit<'_>) -> Option<String> {
    let inst = unit.entry.inst;
    let dest = inst.values().last()?;
    let single_source = inst.values().len() == 2;
    let is_dir = dest.ends_with('/')
        || dest == "."
        || single_source && matches!(&inst.values()[0], "." | "./");
    is_dir.then(|| resolve(unit.entry.workdir.as_deref(), dest))
}

/// Join commands of one group back into shell text, with their original operators.
fn join_commands(commands: &[&Command<'_>]) -> String {
    let mut text = String::new();
    for (i, command) in commands.iter().enumerate() {
        if i > 0 {
            let op = match &*command.joined_by {
                "\n" | "" => "&&",
                op => op,
            };
            text.push(' ');
            text.push_str(op);
            text.push(' ');
        }
        text.push_str(&command.text);
    }
    text
}

/// The folder a source COPY takes files from (`app/` for `COPY app/ .`, `""` for the context)
/// and the folder it copies them to (`./`, `/srv/`), as restage's own manifest copies use them.
fn copy_prefix_dest(source_copy: Option<&crate::syntax::Instruction>) -> (String, String) {
    match source_copy {
        Some(copy) if copy.values().len() >= 2 => {
            let src = copy
                .values()
                .first()
                .unwrap_or_default()
                .trim_start_matches("./")
                .trim_end_matches('/');
            let prefix = if src.is_empty() || src == "." {
                String::new()
            } else {
                format!("{src}/")
            };
            let dest = copy.values()[copy.values().len() - 1].to_string();
            let dest = if dest == "." || dest == "./" {
                "./".to_string()
            } else if dest.ends_with('/') {
                dest
            } else {
                format!("{dest}/")
            };
            (prefix, dest)
        }
        _ => (String::new(), "./".to_string()),
    }
}
