//! The test stage: the original's test commands moved out of the default build, or the
//! profile's test command when the project has a test to run, with the install of the
//! development dependencies deps left out; or no test stage, and a decision saying why.

use super::units::has_cache_mount;
use super::{BuildSide, Planner, Unit, cache_mounts};
use crate::plan::model::{StageName, Step, WarningCode};

impl<'p, 'a> Planner<'p, 'a> {
    /// The test stage: the original's test commands, or the profile's, with the build's cache
    /// mounts and the install's secrets, run where the sources are.
    pub(super) fn test_stage(&mut self, test_units: &[Unit<'p>], side: &mut BuildSide) {
        if self.input.options.no_test_stage {
            for unit in test_units {
                side.build.push(unit.step(Vec::new()));
                self.place(unit, StageName::Build);
            }
            return;
        }
        let mut mounts = cache_mounts(&self.pm.cache.build);
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
                self.place(unit, StageName::Test);
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
            .map(|(test, members)| crate::plan::members::expand(test, members, &[]));
        let Some(test) = workspace_test
            .as_deref()
            .or(self.pm.test.as_deref())
            .and_then(|t| self.render(t))
        else {
            side.test.clear();
            return;
        };
        if let Some(install) = self.test_install(side) {
            let mut install_mounts = cache_mounts(&self.pm.cache.deps);
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
}
