//! Apps that run from their sources (Node, Python): dependencies installed or copied into the
//! runtime, then the app's files and build output.

use super::*;
use crate::plan::model::SkipCode;
use crate::plan::planner::cache_mounts;

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    /// The `output-dirs` runtime (Node): production dependencies installed in the runtime, the
    /// sources from the context, and the build output folders from the build stage; or, when a
    /// production-only install is not safe, the whole app folder from the build stage.
    pub(super) fn output_dirs_runtime(
        &mut self,
        start: &StartCommand,
        rule: &Option<crate::profile::EntrypointRule>,
        workdir: &Option<String>,
        steps: &mut Vec<Step>,
        side: &BuildSide,
    ) -> Result<bool, Skip> {
        let dev_need = self.dev_dependency_need(start, rule.as_ref());
        let needs_dev = dev_need.is_some();
        let pm = self.planner.pm;
        let outputs = self.build_outputs(side);
        let has_build = side
            .build
            .iter()
            .any(|s| matches!(s, Step::Kept { .. } | Step::Run { .. }))
            && self
                .planner
                .placements
                .iter()
                .any(|p| p.class == Class::Build);
        let no_lockfile = !self.planner.input.detection.facts.has_lockfile;
        let full = needs_dev
            || no_lockfile
            || pm.install_production.is_none()
            || (has_build && outputs.is_none());
        let build_dir = self.build_workdir.clone().unwrap_or_else(|| "/".into());
        if full {
            let why = if let Some(need) = dev_need {
                need
            } else if no_lockfile {
                "there is no lockfile, so a second, production-only install could resolve different versions".to_string()
            } else if has_build && outputs.is_none() {
                "restage cannot tell where the build script writes its output".to_string()
            } else {
                format!("{} has no production-only install", pm.name)
            };
            let what = "runtime keeps the whole app folder with all node_modules (devDependencies included)";
            // Only a runtime with more than the original had is a change: the original image
            // had the devDependencies too unless its install left them out.
            match side.production_only_install {
                Some(line) => self.planner.warn(
                    WarningCode::DevDependenciesKept,
                    format!(
                        "{what}, where the original's install at line {line} left them out: {why}"
                    ),
                    start.line,
                ),
                None => self.planner.decide(
                    what,
                    format!("{why}; the original image had them too"),
                    0.8,
                ),
            }
            steps.push(Step::Copy {
                from: Some(StageName::Build.to_string()),
                chown: None,
                sources: vec![build_dir.clone()],
                dest: workdir.clone().unwrap_or_else(|| build_dir.clone()),
            });
            return Ok(false);
        }
        if side.manifest_copies.is_empty() {
            return Err(Skip::new(
                SkipCode::ManifestsMissing,
                "the runtime needs the dependency manifests, and none is in the build context",
            ));
        }
        let install = self.production_install(side, steps);
        self.planner.decide(
            format!("runtime installs production dependencies only (`{install}`)"),
            "devDependencies are needed to build and test, not to run",
            0.85,
        );
        let original_install = self
            .planner
            .placements
            .iter()
            .find(|p| p.class == Class::DependencyInstall)
            .map(|p| p.line);
        if side.production_only_install.is_none()
            && let Some(line) = original_install
        {
            self.planner.warn(
                WarningCode::DevDependenciesDropped,
                format!(
                    "the runtime installs production dependencies only (`{install}`) where the original's install at line {line} installed the devDependencies too: code that loads a devDependency at run time fails"
                ),
                Some(line),
            );
        }
        steps.extend(side.source_copies.iter().cloned());
        for dir in outputs.unwrap_or_default() {
            let source = resolve(Some(&build_dir), &dir);
            steps.push(Step::Copy {
                from: Some(StageName::Build.to_string()),
                chown: None,
                sources: vec![source],
                dest: format!("./{dir}"),
            });
            self.planner.decide(
                format!("runtime copies the build output {dir}/ from the build stage"),
                "it is what the build script produces",
                0.8,
            );
        }
        Ok(!self.planner.pm.cache.deps.is_empty())
    }

    /// The manifests deps copied, then the package manager's production install run the way
    /// deps ran its install, onto `steps`; the install command, for the decision.
    pub(super) fn production_install(&self, side: &BuildSide, steps: &mut Vec<Step>) -> String {
        steps.extend(side.manifest_copies.iter().cloned());
        let install = self
            .planner
            .pm
            .install_production
            .as_deref()
            .and_then(|s| self.planner.render(s))
            .unwrap_or_default();
        steps.push(self.install_like_deps(side, &install));
        install
    }

    /// A RUN of `install` (or another command that installs packages) the way deps ran its
    /// install: the package manager's cache mounts, the original install's secret mounts and
    /// environment prefix, and a credentials file it wrote and removed around it.
    pub(super) fn install_like_deps(&self, side: &BuildSide, install: &str) -> Step {
        let pm = self.planner.pm;
        let mut mounts = cache_mounts(&pm.cache.deps);
        mounts.extend(side.install_secrets.iter().cloned());
        let install_line = side
            .install_env
            .iter()
            .cloned()
            .chain(std::iter::once(install.to_string()))
            .collect::<Vec<_>>()
            .join(" ");
        // A credentials file the original wrote for its install is written and removed around
        // this one too, in the same RUN.
        let command = side
            .install_setup
            .iter()
            .cloned()
            .chain(std::iter::once(install_line))
            .chain(side.install_cleanup.iter().cloned())
            .collect::<Vec<_>>()
            .join(" && ");
        Step::Run {
            mounts,
            command,
            secret_env: Vec::new(),
        }
    }

    /// The folders the build writes, from the profile's output rules matched against the build
    /// commands and the package.json build script. `None` when a build runs but no rule
    /// matches.
    pub(super) fn build_outputs(&self, side: &BuildSide) -> Option<Vec<String>> {
        let facts = &self.planner.input.detection.facts;
        let mut texts: Vec<String> = facts.scripts.get("build").cloned().into_iter().collect();
        for step in &side.build {
            if let Step::Kept { text, .. } | Step::Run { command: text, .. } = step {
                texts.push(text.clone());
            }
        }
        let mut dirs = self.output_dirs(&texts);
        dirs.sort();
        dirs.dedup();
        let builds = self.planner.builds_in_build_stage();
        if builds && dirs.is_empty() {
            return None;
        }
        Some(dirs)
    }

    /// The output folders the profile's rules find in build commands (`vite build` → `dist`,
    /// `tsc --outDir lib` → `lib`).
    pub(super) fn output_dirs(&self, texts: &[String]) -> Vec<String> {
        let profile = self.planner.input.profile;
        let mut dirs = Vec::new();
        for text in texts {
            for command in shell::parse(text) {
                let owned = command.owned_words();
                let words = normalise_command(&owned);
                if let Some(rule) = profile.artifacts.best_output_rule(&words) {
                    let dir = rule
                        .option
                        .iter()
                        .find_map(|o| command.option_value(&[o.as_str()]))
                        .map(str::to_string)
                        .unwrap_or_else(|| rule.path.clone());
                    dirs.push(
                        dir.trim_start_matches("./")
                            .trim_end_matches('/')
                            .to_string(),
                    );
                }
            }
        }
        dirs
    }

    /// The `python-env` runtime (Python): packages from the deps side (a whole virtualenv, or
    /// wheels copied and installed), then the app folder from the build stage.
    pub(super) fn python_env_runtime(&mut self, side: &BuildSide, steps: &mut Vec<Step>) -> bool {
        let pm = self.planner.pm;
        let app_dir = side.app_dir.clone().filter(|d| d != "/");
        if let Some(venv) = pm.venv.as_deref().filter(|_| self.planner.uses_venv()) {
            let venv = resolve(self.deps_workdir.as_deref(), venv);
            let inside_app = app_dir
                .as_deref()
                .is_some_and(|d| venv.starts_with(&format!("{}/", d.trim_end_matches('/'))));
            if !inside_app {
                // From build: a project install after the sources adds to the virtualenv.
                steps.push(Step::Copy {
                    from: Some(StageName::Build.to_string()),
                    chown: None,
                    sources: vec![venv.clone()],
                    dest: venv.clone(),
                });
            }
            let on_path = self.planner.original.body_with("ENV").any(|e| {
                e.inst
                    .key_values()
                    .iter()
                    .any(|(k, v)| *k == "PATH" && v.contains(&format!("{venv}/bin")))
            });
            if !on_path {
                steps.push(Step::Env {
                    name: "PATH".into(),
                    value: format!("{venv}/bin:$PATH"),
                });
            }
            self.planner.decide(
                format!("runtime gets the virtualenv {venv} from the build side"),
                format!(
                    "{} installs into it; the runtime needs neither {} nor compilers",
                    pm.name, pm.name
                ),
                0.85,
            );
        } else if let Some(install) = pm
            .runtime_install
            .as_deref()
            .and_then(|s| self.planner.render(s))
        {
            let wheels = self
                .planner
                .input
                .profile
                .artifacts
                .build_output
                .clone()
                .unwrap_or_else(|| "/wheels".into());
            // COPY --from, not a bind mount from the stage: buildah gives an empty mount from a
            // cached stage (issue 4375) and does not rebuild the RUN when the stage changes
            // (5400, 6609). The wheels stay in the COPY's layer: the price of that.
            steps.push(Step::Copy {
                from: Some(StageName::Deps.to_string()),
                chown: None,
                sources: vec![wheels.clone()],
                dest: wheels.clone(),
            });
            steps.push(Step::Run {
                mounts: Vec::new(),
                command: format!("{install} && rm -rf {wheels}"),
                secret_env: Vec::new(),
            });
            self.planner.decide(
                format!("runtime installs the wheels built in deps, copied from {wheels}"),
                "compilers and -dev packages stay in deps; a COPY --from rebuilds on every engine, where a bind mount from a stage goes stale on buildah (the wheel files stay in that layer)",
                0.8,
            );
        }
        self.app_files(side, steps);
        // Nothing here mounts from another stage.
        false
    }

    /// The app's own files for an interpreted app: the build stage's app folder (sources plus
    /// whatever the build generated), or the original source COPYs when there is no folder.
    pub(super) fn app_files(&mut self, side: &BuildSide, steps: &mut Vec<Step>) {
        match side.app_dir.clone().filter(|d| d != "/") {
            Some(dir) => {
                steps.push(Step::Copy {
                    from: Some(StageName::Build.to_string()),
                    chown: None,
                    sources: vec![dir.clone()],
                    dest: dir.clone(),
                });
                self.planner.decide(
                    format!("runtime copies the app folder {dir} from the build stage"),
                    "sources and build outputs, without the toolchain",
                    0.8,
                );
            }
            None => steps.extend(side.source_copies.iter().cloned()),
        }
    }
}
