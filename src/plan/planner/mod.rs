//! The planner: places every original instruction in `deps`, `build`, `test` or `runtime`,
//! decides the artifacts and the runtime image, and records why.
//!
//! Language knowledge comes from the profile: which commands install, build or test; the
//! manifests; cache targets; the image and package maps; artifact rules; entrypoint
//! translations. The code here is the same for every profile.
//!
//! This file is the entry and the state: [`plan`] picks the package manager, [`Planner`] holds
//! what every step records (decisions, warnings, placements), and `run` assembles the stages.
//! The steps live beside it:
//! - `units`: the body cut into units, one per instruction or per class group of a mixed RUN;
//! - `placement`: which build-side stage each class of unit goes to;
//! - `install`: the dependency install deps runs (the original's, the profile's, or both);
//! - `manifests`: which manifests deps copies before that install;
//! - `test_stage`: the test stage, or why there is none.

mod install;
mod manifests;
mod placement;
mod test_stage;
#[cfg(test)]
mod tests;
mod units;

use super::model::{
    Class, Decision, Placement, Plan, Stage, StageName, Step, Warning, WarningCode,
};
use super::original::{Entry, Original};
use super::runtime::RuntimeBuilder;
use super::workspace::Workspace;
use crate::detect::Detection;
use crate::plan::model::SkipCode;
use crate::profile::{PackageManager, Profile, Registry};
use crate::source::Context;
use crate::syntax::Dockerfile;
pub(crate) use units::Unit;

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
pub struct Skip {
    pub code: SkipCode,
    /// The reason in words, with the line and names concerned.
    pub reason: String,
}

impl Skip {
    pub fn new(code: SkipCode, reason: impl Into<String>) -> Self {
        Skip {
            code,
            reason: reason.into(),
        }
    }
}

/// Build the plan, or say why the file is left alone.
pub fn plan(input: &PlanInput<'_>) -> Result<Plan, Skip> {
    let mut original = Original::new(input.df);
    original.classify_commands(input.profile);
    let Some(from) = original.from.clone() else {
        return Err(Skip::new(SkipCode::NoFrom, "there is no FROM instruction"));
    };
    let pm = input
        .detection
        .package_manager
        .as_deref()
        .and_then(|name| input.profile.package_manager(name))
        .or_else(|| input.profile.default_pm())
        .ok_or_else(|| {
            Skip::new(
                SkipCode::NoPackageManager,
                format!("profile {} has no package manager", input.profile.name),
            )
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

    /// Whether an original build command was placed in the build stage (not a cache trick
    /// that ran in deps before the sources came in).
    pub fn builds_in_build_stage(&self) -> bool {
        self.placements
            .iter()
            .any(|p| p.class == Class::Build && p.stages.contains(StageName::Build))
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

    fn run(&mut self, from: &Entry<'a>) -> Result<Plan, Skip> {
        let units = self.units()?;
        self.placements.reserve(units.len());
        let mut side = BuildSide::default();
        let runtime_units = self.place_build_side(&units, &mut side)?;
        // Each structure with one entry per instruction is freed once its last user is done:
        // on a large file, planning (not the output's validation) holds the most memory.
        drop(units);
        let builder_image = from.inst.from_image().unwrap_or("").to_string();
        let runtime =
            RuntimeBuilder::new(self, &builder_image, &side).build(&runtime_units, &mut side)?;
        drop(runtime_units);

        let source_lines: Vec<usize> = std::mem::take(&mut side.source_copies)
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
                name: StageName::Deps,
                from: builder_image.clone(),
                platform: platform.clone(),
                steps: side.deps,
            },
            Stage {
                name: StageName::Build,
                from: "deps".into(),
                platform: None,
                steps: side.build,
            },
        ];
        if !side.test.is_empty() {
            stages.push(Stage {
                name: StageName::Test,
                from: "build".into(),
                platform: None,
                steps: side.test,
            });
        }
        stages.push(Stage {
            name: StageName::Runtime,
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
                    .map(|e| kept_text(e.inst.start_line(), &e.text)),
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

/// Cache mounts (`type=cache,target=…`) for a package manager's cache folders.
pub(crate) fn cache_mounts(targets: &[String]) -> Vec<String> {
    targets
        .iter()
        .map(|t| format!("type=cache,target={t}"))
        .collect()
}
