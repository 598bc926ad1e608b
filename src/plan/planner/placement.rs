//! Placement per instruction class: which build-side stage (`deps`, `build`, `test`) each unit
//! goes to, and which units the runtime gets. The units are walked in their original order;
//! what comes before the sources are copied goes to deps, the rest to build, except the steps
//! that do not need the sources (system packages, manifests, a dependency install), which move
//! into deps so their layers stay cached when only code changes.

use super::install::record_install_needs;
use super::manifests::copy_target_dir;
use super::units::has_cache_mount;
use super::{BuildSide, Planner, Skip, Unit};
use crate::plan::model::{Class, Placement, StageName, Step, WarningCode};
use crate::plan::original::resolve;
use std::borrow::Cow;

/// Where the walk over the units stands: the working directories so far, what deps has been
/// given, and the units held back for the runtime and the test stage.
struct Walk<'u, 'p> {
    /// Every unit, for an install that looks for its manifests among them.
    units: &'u [Unit<'p>],
    /// The index of the first unit that copies the sources.
    first_source: Option<usize>,
    runtime_units: Vec<Unit<'p>>,
    test_units: Vec<Unit<'p>>,
    manifests_copied: bool,
    deps_workdir: Option<String>,
    build_workdir: Option<String>,
    build_started: bool,
    saw_install: bool,
    /// Package manager setup that came after the sources (`chmod +x mvnw` after `COPY . .`),
    /// held until the manifests are in deps.
    pending_setup: Vec<Step>,
}

impl Walk<'_, '_> {
    /// The build stage's working directory as a step enters the build stage: it starts as the
    /// deps stage's, the first time.
    fn enter_build(&mut self) -> &mut Option<String> {
        if !self.build_started {
            self.build_workdir.clone_from(&self.deps_workdir);
        }
        self.build_started = true;
        &mut self.build_workdir
    }
}

impl<'p, 'a> Planner<'p, 'a> {
    /// Place units in deps, build and test. Returns the units meant for runtime.
    pub(super) fn place_build_side(
        &mut self,
        units: &[Unit<'p>],
        side: &mut BuildSide,
    ) -> Result<Vec<Unit<'p>>, Skip> {
        let first_source = units.iter().position(|u| u.class == Class::SourceCopy);
        let mut walk = Walk {
            units,
            first_source,
            runtime_units: Vec::new(),
            test_units: Vec::new(),
            manifests_copied: false,
            deps_workdir: None,
            build_workdir: None,
            build_started: false,
            saw_install: false,
            pending_setup: Vec::new(),
        };
        for (k, unit) in units.iter().enumerate() {
            let before_source = first_source.is_none_or(|f| k < f);
            // What installs the project itself, looked for once (both install arms need it).
            let project_install = (unit.class == Class::DependencyInstall && !before_source)
                .then(|| self.project_install(unit))
                .flatten();
            match unit.class {
                Class::RuntimeMetadata => self.place_metadata(unit, before_source, &mut walk, side),
                Class::Test => walk.test_units.push(unit.clone()),
                Class::UserSetup => self.place_user_setup(unit, before_source, &mut walk, side),
                Class::BaseSetup => self.place_base_setup(unit, before_source, &mut walk, side),
                // The only install comes after the sources and installs the project too
                // (`COPY . .` then `uv sync --frozen`).
                Class::DependencyInstall
                    if !before_source
                        && !walk.saw_install
                        && self.pm.project_install_deps.is_some()
                        && project_install.is_some() =>
                {
                    let command = project_install.as_deref().unwrap_or_default();
                    self.place_project_install_in_two(unit, command, &mut walk, side)?;
                }
                // A second install after the sources came in installs the project itself.
                Class::DependencyInstall
                    if !before_source
                        && walk.saw_install
                        && (self.reads_context(unit) || project_install.is_some()) =>
                {
                    self.place_project_install(unit, project_install.is_some(), &mut walk, side);
                }
                Class::SystemPackages
                | Class::PackageManagerSetup
                | Class::DependencyManifests
                | Class::DependencyInstall => {
                    self.place_dependency_step(unit, before_source, &mut walk, side)?;
                }
                Class::SourceCopy
                | Class::Build
                | Class::Other
                | Class::Base
                | Class::GlobalArg => self.place_build_step(unit, before_source, &mut walk, side),
            }
        }
        let Walk {
            runtime_units,
            test_units,
            manifests_copied,
            deps_workdir,
            mut build_workdir,
            build_started,
            saw_install,
            mut pending_setup,
            ..
        } = walk;
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

    /// Runtime metadata (EXPOSE, CMD, USER...) goes to the runtime; a USER before the build
    /// steps changes who builds, so it stays in deps too.
    fn place_metadata(
        &mut self,
        unit: &Unit<'p>,
        before_source: bool,
        walk: &mut Walk<'_, 'p>,
        side: &mut BuildSide,
    ) {
        if unit.entry.inst.is("USER") && !walk.build_started && before_source {
            side.deps.push(unit.step(Vec::new()));
            self.place(unit, StageName::Deps);
        }
        walk.runtime_units.push(unit.clone());
    }

    /// A user is created in every stage that runs it, in order: the build and test steps after
    /// it (a `chown` naming the user) need it as much as the runtime.
    fn place_user_setup(
        &mut self,
        unit: &Unit<'p>,
        before_source: bool,
        walk: &mut Walk<'_, 'p>,
        side: &mut BuildSide,
    ) {
        walk.runtime_units.push(unit.clone());
        if before_source {
            side.deps.push(unit.step(Vec::new()));
            self.place(unit, StageName::Deps);
            return;
        }
        let unit_workdir = unit.entry.workdir.as_deref();
        let workdir = walk.enter_build();
        self.ensure_workdir(&mut side.build, workdir, unit_workdir, unit);
        side.build.push(unit.step(Vec::new()));
        self.place(unit, StageName::Build);
        self.decide(
            format!("line {} runs in build and in runtime", unit.line()),
            "the user it creates is named by later steps of the build and owns files in the runtime",
            0.85,
        );
    }

    /// Base setup (WORKDIR, ARG, ENV, SHELL...) stays where it was, before or after the
    /// sources; the runtime gets the ARGs and ENVs too.
    fn place_base_setup(
        &mut self,
        unit: &Unit<'p>,
        before_source: bool,
        walk: &mut Walk<'_, 'p>,
        side: &mut BuildSide,
    ) {
        let unit_workdir = unit.entry.workdir.as_deref();
        if unit.entry.inst.is("WORKDIR") {
            if before_source {
                walk.deps_workdir = unit_workdir.map(str::to_string);
            } else {
                walk.build_workdir = unit_workdir.map(str::to_string);
            }
        }
        if unit.entry.inst.is("ARG") || unit.entry.inst.is("ENV") {
            walk.runtime_units.push(unit.clone());
        }
        if before_source {
            side.deps.push(unit.step(Vec::new()));
            self.place(unit, StageName::Deps);
        } else {
            side.build.push(unit.step(Vec::new()));
            walk.build_started = true;
            self.place(unit, StageName::Build);
        }
    }

    /// The only install comes after the sources and installs the project too (`COPY . .` then
    /// `uv sync --frozen`): deps runs its dependencies-only form from the manifests
    /// (`--no-install-project`), and the install itself stays in build, after the sources, as
    /// in uv's documented two-step layout.
    fn place_project_install_in_two(
        &mut self,
        unit: &Unit<'p>,
        command: &str,
        walk: &mut Walk<'_, 'p>,
        side: &mut BuildSide,
    ) -> Result<(), Skip> {
        let unit_workdir = unit.entry.workdir.as_deref();
        self.ensure_workdir(&mut side.deps, &mut walk.deps_workdir, unit_workdir, unit);
        self.manifests_for_install(
            unit,
            walk.units,
            walk.first_source,
            walk.deps_workdir.as_deref(),
            &mut side.deps,
            &mut walk.manifests_copied,
        )?;
        side.deps.append(&mut walk.pending_setup);
        self.push_env(&mut side.deps);
        walk.saw_install = true;
        record_install_needs(
            unit,
            side,
            self.input.profile,
            &self.input.registry.system().secrets.files,
        );
        let step =
            self.project_install_deps_step(unit, command, walk.deps_workdir.as_deref(), side);
        side.deps.push(step);
        self.place(unit, StageName::Deps);
        let workdir = walk.enter_build();
        self.ensure_workdir(&mut side.build, workdir, unit_workdir, unit);
        let mounts = self.project_install_mounts(unit, side);
        side.build.push(unit.step(mounts));
        self.place(unit, StageName::Build);
        self.decide(
            format!("line {} stays in build, after the sources", unit.line()),
            "it installs the project itself, which needs the sources; deps installs the dependencies alone first, so their layer stays cached when only code changes",
            0.8,
        );
        Ok(())
    }

    /// A second install after the sources came in installs the project itself (`uv sync`
    /// without `--no-install-project`, `pip install .`): it needs the sources, so it stays in
    /// build.
    fn place_project_install(
        &mut self,
        unit: &Unit<'p>,
        installs_project: bool,
        walk: &mut Walk<'_, 'p>,
        side: &mut BuildSide,
    ) {
        let unit_workdir = unit.entry.workdir.as_deref();
        let workdir = walk.enter_build();
        self.ensure_workdir(&mut side.build, workdir, unit_workdir, unit);
        let mounts = if installs_project {
            self.project_install_mounts(unit, side)
        } else {
            self.build_mounts(unit, side)
        };
        side.build.push(unit.step(mounts));
        self.place(unit, StageName::Build);
        self.decide(
            format!("line {} stays in build", unit.line()),
            "an install after the sources are copied installs the project itself",
            0.75,
        );
    }

    /// System packages, package manager setup, manifests and the dependency install go to
    /// deps, moved before the sources when they came after them: none of them needs the
    /// sources. The install gets its manifests first, and is the original's or the profile's.
    fn place_dependency_step(
        &mut self,
        unit: &Unit<'p>,
        before_source: bool,
        walk: &mut Walk<'_, 'p>,
        side: &mut BuildSide,
    ) -> Result<(), Skip> {
        if !before_source {
            let unit_workdir = unit.entry.workdir.as_deref();
            self.ensure_workdir(&mut side.deps, &mut walk.deps_workdir, unit_workdir, unit);
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
            walk.manifests_copied = true;
            side.manifest_copies.push(unit.step(Vec::new()));
        }
        if unit.class == Class::PackageManagerSetup && !before_source && !walk.manifests_copied {
            // `chmod +x mvnw` after `COPY . .`: wait until the manifests are in.
            walk.pending_setup.push(unit.step(Vec::new()));
            self.place(unit, StageName::Deps);
            return Ok(());
        }
        if unit.class == Class::DependencyInstall {
            self.manifests_for_install(
                unit,
                walk.units,
                walk.first_source,
                walk.deps_workdir.as_deref(),
                &mut side.deps,
                &mut walk.manifests_copied,
            )?;
            side.deps.append(&mut walk.pending_setup);
            if !walk.saw_install {
                self.push_env(&mut side.deps);
            }
            walk.saw_install = true;
            record_install_needs(
                unit,
                side,
                self.input.profile,
                &self.input.registry.system().secrets.files,
            );
            if self.is_production_install(unit) {
                side.production_only_install = Some(unit.line());
            }
            let step = self.install_step(Some(unit), walk.deps_workdir.as_deref(), side);
            side.deps.push(step);
        } else {
            side.deps.push(unit.step(Vec::new()));
        }
        self.place(unit, StageName::Deps);
        Ok(())
    }

    /// Sources, builds and everything else stay where they were: in deps before the sources
    /// are copied, in build after. A RUN that gives files to a user the original created runs
    /// again in the runtime.
    fn place_build_step(
        &mut self,
        unit: &Unit<'p>,
        before_source: bool,
        walk: &mut Walk<'_, 'p>,
        side: &mut BuildSide,
    ) {
        if before_source {
            side.deps.push(unit.step(Vec::new()));
            self.place(unit, StageName::Deps);
            return;
        }
        let unit_workdir = unit.entry.workdir.as_deref();
        let workdir = walk.enter_build();
        self.ensure_workdir(&mut side.build, workdir, unit_workdir, unit);
        if unit.class == Class::SourceCopy {
            if side.source_copies.is_empty() {
                side.source_workdir = walk.build_workdir.clone();
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
        self.place(unit, StageName::Build);
        if unit.class == Class::Other && self.sets_ownership(unit) {
            // The runtime gets the app folder root-owned from COPY --from: the original's
            // ownership is restored after the user exists.
            walk.runtime_units.push(Unit {
                class: Class::UserSetup,
                ..unit.clone()
            });
            self.decide(
                format!(
                    "line {} also runs in runtime, after the user is created",
                    unit.line()
                ),
                "it gives files to a user the original created; the runtime's copies would otherwise be owned by root",
                0.8,
            );
        }
    }

    /// Record that `unit` went to `stages` (a split RUN's groups of one class share a record).
    pub(super) fn place(&mut self, unit: &Unit<'_>, stage: StageName) {
        if let Some(last) = self.placements.last_mut()
            && last.line == unit.line()
            && last.class == unit.class
        {
            last.stages.push(stage);
            return;
        }
        self.placements.push(Placement {
            line: unit.line(),
            keyword: static_keyword(unit.entry.inst),
            class: unit.class,
            stages: stage.into(),
        });
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
}

/// How a moved step is named in the decision that moves it.
fn class_name(class: Class) -> &'static str {
    match class {
        Class::SystemPackages => "system packages",
        Class::PackageManagerSetup => "package manager setup",
        Class::DependencyManifests => "dependency manifests",
        Class::DependencyInstall => "dependency install",
        _ => "setup",
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

/// An instruction's keyword, borrowed from its kind's static name when it is that name (one
/// placement per original instruction: no allocation for the keywords BuildKit knows).
fn static_keyword(inst: &crate::syntax::Instruction) -> Cow<'static, str> {
    match inst.kind.keyword() {
        Some(name) if name == inst.keyword() => Cow::Borrowed(name),
        _ => Cow::Owned(inst.keyword().to_string()),
    }
}
