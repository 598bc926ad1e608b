//! Install handling: the dependency install deps runs (the original's with a cache mount, the
//! profile's in its place when the runtime copies what it installs, or the profile's where the
//! original had none), the project install that stays after the sources, the environment and
//! virtualenv the installs need, and what a second install must repeat (secrets, setup).

use super::units::has_cache_mount;
use super::{BuildSide, Planner, Unit, cache_mounts};
use crate::plan::classify;
use crate::plan::model::{Class, Step};
use crate::profile::Profile;
use crate::shell::Command;

impl<'p, 'a> Planner<'p, 'a> {
    /// Whether an install after the sources came in reads them: it installs the project or
    /// local files (`pip install .`, `-r requirements.txt`, `./pkg.whl`), or names nothing and
    /// so reads the manifests (`uv sync`, `npm install`). `pip install gunicorn[gevent]` only
    /// names packages from the index, and belongs in deps.
    pub(super) fn reads_context(&self, unit: &Unit<'_>) -> bool {
        for command in unit.commands().iter() {
            let Some(end) = self.recognised_install_end(command) else {
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

    /// Whether an original install leaves out development dependencies
    /// (`recognise.production_install`: `npm ci --omit=dev`, `yarn install --production`).
    pub(super) fn is_production_install(&self, unit: &Unit<'_>) -> bool {
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

    /// The original never installed dependencies on their own (e.g. `COPY . .` then
    /// `mvn package`): add the profile's install to deps so its layer is cached.
    pub(super) fn add_missing_install(
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
    pub(super) fn push_env(&mut self, deps: &mut Vec<Step>) {
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
    pub(super) fn project_install(&self, unit: &Unit<'_>) -> Option<String> {
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
    /// same command (`original`, the unit's [`Self::project_install`]) in its
    /// dependencies-only form (`project_install_deps`), with the install caches, where the
    /// manifests were copied.
    pub(super) fn project_install_deps_step(
        &mut self,
        unit: &Unit<'_>,
        original: &str,
        deps_workdir: Option<&str>,
        side: &mut BuildSide,
    ) -> Step {
        let template = self.pm.project_install_deps.as_deref().unwrap_or_default();
        let mut command = template.replace("{command}", original);
        if let Some(dir) = self.manifest_dir.as_deref()
            && dir != deps_workdir.unwrap_or("/")
        {
            command = format!("cd {dir} && {command}");
        }
        let mounts = cache_mounts(&self.pm.cache.deps);
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
    pub(super) fn project_install_mounts(
        &mut self,
        unit: &Unit<'_>,
        side: &mut BuildSide,
    ) -> Vec<String> {
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

    /// The dependency install with the profile's cache mounts: the original command, or the
    /// profile's own install when the package manager installs into an artifact the runtime
    /// copies (wheels, a virtualenv), or when the original had none.
    pub(super) fn install_step(
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
                    template = crate::plan::members::expand(
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

    /// Where the profile's longest recognised install command ends in `command`'s words, if it
    /// is an install at all.
    fn recognised_install_end(&self, command: &Command<'_>) -> Option<usize> {
        let owned = command.owned_words();
        let words = crate::profile::schema::normalise_command(&owned);
        self.input
            .profile
            .recognise
            .install
            .iter()
            .filter_map(|rule| matched_end(rule, &words))
            .max()
    }

    /// The arguments of the original install after its recognised words
    /// (`pip install -r requirements/prod.txt` → `-r requirements/prod.txt`).
    fn install_args(&self, unit: &Unit<'_>) -> String {
        for command in unit.commands().iter() {
            if let Some(end) = self.recognised_install_end(command) {
                return command.words[end..].join(" ");
            }
        }
        String::new()
    }
}

/// Remember the secret mounts and environment prefix of an original install, which a second
/// install (production dependencies in runtime) needs too.
/// Commands of the install's RUN that write or remove a credentials file (`echo ... > .npmrc`
/// before it, `rm -f .npmrc` after) go with it too, so the file is written and removed in the
/// same RUN.
pub(super) fn record_install_needs(
    unit: &Unit<'_>,
    side: &mut BuildSide,
    profile: &Profile,
    credentials: &[crate::profile::CredentialFile],
) {
    for flag in unit.entry.inst.flags() {
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
pub(super) fn names_credential_file(
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
