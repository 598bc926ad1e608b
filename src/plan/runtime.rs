//! The runtime stage: the runtime image, its system packages, a non-root user, the artifacts
//! from the build stage, the files the app reads, and the original's runtime metadata.

use super::classify::is_manifest;
use super::model::{Class, Step};
use super::original::resolve;
use super::planner::{BuildSide, Planner, Skip, Unit};
use super::shell;
use crate::profile::RuntimePackage;
use crate::profile::pattern::glob;
use crate::profile::schema::{normalise_command, split_image};
use crate::syntax::Form;

/// The finished runtime stage.
pub(crate) struct RuntimeStage {
    pub image: String,
    pub steps: Vec<Step>,
    /// Whether a RUN uses `--mount` (cache or bind), which needs BuildKit syntax.
    pub uses_mounts: bool,
}

/// Where an artifact comes from in the build stage and goes in the runtime stage.
#[derive(Clone, Debug)]
struct Artifact {
    from_stage: String,
    source: String,
    dest: String,
}

/// The start command of the original, as words, and where it was written.
#[derive(Clone, Debug, Default)]
struct StartCommand {
    words: Vec<String>,
    line: Option<usize>,
    keyword: String,
    /// How many of `words` come from ENTRYPOINT when a CMD follows them (0 otherwise).
    entrypoint_len: usize,
    /// The line of the CMD whose words follow the ENTRYPOINT's.
    cmd_line: Option<usize>,
}

/// A start command rewritten for the runtime.
struct Translation {
    args: Vec<String>,
    /// Word for word (paths replaced), so an ENTRYPOINT + CMD pair can stay a pair.
    same_shape: bool,
}

pub(crate) struct RuntimeBuilder<'r, 'p, 'a> {
    planner: &'r mut Planner<'p, 'a>,
    builder_image: String,
    deps_workdir: Option<String>,
    build_workdir: Option<String>,
    /// The build stage writes the artifact somewhere else than the original did.
    artifact_moved: bool,
    /// The runtime keeps the builder's base image (a distro-installed toolchain).
    same_base: bool,
    /// The runtime image's distro family (`debian`, `alpine`, `distroless`, ...).
    family: String,
}

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    pub fn new(planner: &'r mut Planner<'p, 'a>, builder_image: &str, side: &BuildSide) -> Self {
        Self {
            planner,
            builder_image: builder_image.to_string(),
            deps_workdir: side.deps_workdir.clone(),
            build_workdir: side.build_workdir.clone(),
            artifact_moved: false,
            same_base: false,
            family: String::new(),
        }
    }

    pub fn build(mut self, units: &[Unit<'p>], side: &mut BuildSide) -> Result<RuntimeStage, Skip> {
        let start = self.start_command(units);
        self.refuse_toolchain_at_start(&start)?;
        let rule = self.entrypoint_rule(&start);
        let image = self.runtime_image();
        let (name, tag) = split_image(&image);
        let family =
            crate::detect::flavor_of(&name, tag.as_deref(), self.planner.input.registry.system())
                .0
                .unwrap_or_else(|| "debian".into());
        self.family = family.clone();
        self.refuse_shell_without_shell(units)?;
        let workdir = self.planner.original.final_workdir().map(str::to_string);
        let mut steps: Vec<Step> = Vec::new();
        let mut uses_mounts = false;

        // ARG and ENV first: later instructions may use them.
        for unit in units
            .iter()
            .filter(|u| u.entry.inst.is("ARG") || u.entry.inst.is("ENV"))
        {
            steps.push(unit.step(Vec::new()));
        }
        self.runtime_packages(&family, &mut steps);
        if let Some(dir) = &workdir {
            steps.push(Step::Workdir { path: dir.clone() });
        }

        let installs_dependencies = self.planner.input.profile.artifacts.kind == "output-dirs";
        let has_tool =
            self.tools_for_start(&start, rule.as_ref(), installs_dependencies, &mut steps);
        if let Some(setup) = rule
            .as_ref()
            .and_then(|r| r.runtime_setup.clone())
            .filter(|_| !has_tool)
        {
            self.planner.decide(
                format!("runtime runs `{setup}`"),
                "the start command needs it and it was part of the builder image",
                0.8,
            );
            steps.push(Step::Run {
                mounts: Vec::new(),
                command: setup,
            });
        }
        let kind = self.planner.input.profile.artifacts.kind.clone();
        let mut artifact_paths: Option<(String, String)> = None;
        match kind.as_str() {
            "output-dirs" => {
                uses_mounts |= self.node_like(&start, &rule, &workdir, &mut steps, side)?;
            }
            "python-env" => {
                uses_mounts |= self.python_like(side, &mut steps);
            }
            _ => {
                let artifact = self.compiled_artifact(side, &start, &workdir)?;
                steps.push(Step::Copy {
                    from: Some(artifact.from_stage.clone()),
                    chown: None,
                    sources: vec![artifact.source.clone()],
                    dest: artifact.dest.clone(),
                });
                self.runtime_files(&workdir, &mut steps);
                artifact_paths = Some((artifact.source, artifact.dest));
            }
        }
        self.runtime_copies(units, &start, &mut steps);
        self.user(units, &image, &family, &mut steps);
        self.metadata(
            units,
            &start,
            rule.as_ref(),
            artifact_paths.as_ref(),
            &workdir,
            &mut steps,
        );
        Ok(RuntimeStage {
            image,
            steps,
            uses_mounts,
        })
    }

    /// The last CMD and ENTRYPOINT of the original, combined as the shell would see them.
    fn start_command(&self, units: &[Unit<'p>]) -> StartCommand {
        let last = |kw: &str| units.iter().rev().find(|u| u.entry.inst.is(kw));
        let mut start = StartCommand::default();
        for (kw, unit) in [("ENTRYPOINT", last("ENTRYPOINT")), ("CMD", last("CMD"))] {
            let Some(unit) = unit else { continue };
            let inst = unit.entry.inst;
            let words = match inst.form {
                Some(Form::Exec) => inst.values.clone(),
                _ => shell::commands(&inst.arguments)
                    .into_iter()
                    .next()
                    .map(|c| c.words)
                    .unwrap_or_default(),
            };
            if words.is_empty() {
                continue;
            }
            if start.words.is_empty() {
                start.line = Some(inst.start_line);
                start.keyword = kw.to_string();
            } else {
                start.entrypoint_len = start.words.len();
                start.cmd_line = Some(inst.start_line);
            }
            start.words.extend(words);
        }
        start
    }

    /// A start command (or a script it runs) that needs the SDK at run time cannot be kept
    /// working without the toolchain: leave the file alone and say why.
    fn refuse_toolchain_at_start(&self, start: &StartCommand) -> Result<(), Skip> {
        let profile = self.planner.input.profile;
        if let Some(rule) = profile.entrypoint_for(&start.words)
            && rule.needs_toolchain
        {
            return Err(Skip(format!(
                "the start command `{}` needs the toolchain at run time: {}",
                start.words.join(" "),
                rule.note
            )));
        }
        let ctx = self.planner.input.ctx;
        for word in &start.words {
            let name = word.rsplit('/').next().unwrap_or(word);
            if !(name.ends_with(".sh")
                || name.starts_with("entrypoint")
                || name.starts_with("docker-entrypoint"))
            {
                continue;
            }
            let Some(path) = ctx
                .files()
                .iter()
                .find(|f| f.rsplit('/').next() == Some(name))
            else {
                continue;
            };
            let Some(script) = ctx.read(path) else {
                continue;
            };
            let prefixes = &self.planner.input.registry.system().command_prefixes;
            for line in script.lines() {
                for command in shell::commands(line) {
                    let words: Vec<String> = command
                        .words
                        .iter()
                        .skip_while(|w| prefixes.contains(w))
                        .cloned()
                        .collect();
                    if let Some(rule) = profile.entrypoint_for(&words)
                        && rule.needs_toolchain
                    {
                        return Err(Skip(format!(
                            "the start script {path} runs `{}`, which needs the toolchain at run time: {}",
                            command.text, rule.note
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    fn entrypoint_rule(&self, start: &StartCommand) -> Option<crate::profile::EntrypointRule> {
        self.planner
            .input
            .profile
            .entrypoint_for(&start.words)
            .cloned()
    }

    /// The runtime image from the profile's map; a toolchain installed through the distro keeps
    /// the distro image.
    fn runtime_image(&mut self) -> String {
        let input = self.planner.input;
        let profile = input.profile;
        let (name, _) = split_image(&self.builder_image);
        let official = profile
            .detect
            .images
            .iter()
            .any(|rule| crate::profile::schema::image_name_matches(&rule.image, &name));
        if let Some(flavour) = input.options.runtime_flavour.as_deref() {
            match profile.runtime_image_of_flavour(
                &self.builder_image,
                &input.detection.facts,
                &input.detection.versions,
                flavour,
            ) {
                Some(image) => {
                    self.planner.decide(
                        format!("runtime image {image}"),
                        format!("the {flavour} runtime flavour was asked for"),
                        0.9,
                    );
                    return image;
                }
                None => self.planner.warn(
                    format!(
                        "the {} profile has no {flavour} runtime that is safe for {}; the default runtime is used",
                        profile.name, self.builder_image
                    ),
                    None,
                ),
            }
        }
        let mapped = profile.runtime_image_for(
            &self.builder_image,
            &input.detection.facts,
            &input.detection.versions,
        );
        match mapped {
            Some(image)
                if official
                    || profile.runtime_images.rules.iter().any(|r| {
                        r.builder != "**"
                            && crate::profile::schema::image_name_matches(&r.builder, &name)
                    }) =>
            {
                self.planner.decide(
                    format!("runtime image {image}"),
                    format!(
                        "mapped from the builder image {} by the {} profile",
                        self.builder_image, profile.name
                    ),
                    0.9,
                );
                image
            }
            _ => {
                self.planner.decide(
                    format!("runtime image {} (the same base image)", self.builder_image),
                    "the toolchain was installed through the distro, so the runtime keeps the base image and drops the build-only packages",
                    0.75,
                );
                self.same_base = true;
                self.builder_image.clone()
            }
        }
    }

    /// System packages the runtime needs: the original's installs, build-only ones dropped or
    /// mapped to their runtime libraries.
    fn runtime_packages(&mut self, family: &str, steps: &mut Vec<Step>) {
        let input = self.planner.input;
        let installers = &input.registry.system().installers;
        let mut installs: Vec<(String, String)> = Vec::new();
        for entry in &self.planner.original.body {
            if !entry.inst.is("RUN") {
                continue;
            }
            for command in shell::commands(&super::classify::run_text(entry.inst)) {
                let words = normalise_command(&command.words);
                installs.extend(crate::detect::shell::installed_packages(&words, installers));
            }
        }
        if installs.is_empty() {
            return;
        }
        let mut keep = Vec::new();
        let mut dropped = Vec::new();
        for (package, pkg_family) in &installs {
            match input.profile.runtime_package_for(package, Some(family)) {
                Some(RuntimePackage::Drop) => dropped.push(package.clone()),
                Some(RuntimePackage::Install(runtime)) => {
                    if runtime != *package {
                        self.planner.decide(
                            format!("runtime installs {runtime} instead of {package}"),
                            format!("{package} is only needed to build; {runtime} is what the app loads at run time"),
                            0.85,
                        );
                    }
                    keep.push(runtime)
                }
                None => keep.push(package.clone()),
            }
            let _ = pkg_family;
        }
        keep.sort();
        keep.dedup();
        if !dropped.is_empty() {
            dropped.sort();
            dropped.dedup();
            self.planner.decide(
                format!("runtime leaves out {}", dropped.join(", ")),
                "build-only system packages stay in the deps and build stages",
                0.85,
            );
        }
        if keep.is_empty() {
            return;
        }
        if family == "distroless" {
            self.planner.warn(
                format!(
                    "the distroless runtime cannot install {}; check the app does not need them",
                    keep.join(", ")
                ),
                None,
            );
            return;
        }
        let manager = match family {
            "alpine" => "apk",
            "rhel" => "microdnf",
            _ => "apt",
        };
        steps.push(Step::Packages {
            manager: manager.to_string(),
            packages: keep,
        });
    }

    /// Node-style apps: production dependencies installed in runtime, the sources from the
    /// context, and the build output from the build stage.
    fn node_like(
        &mut self,
        start: &StartCommand,
        rule: &Option<crate::profile::EntrypointRule>,
        workdir: &Option<String>,
        steps: &mut Vec<Step>,
        side: &BuildSide,
    ) -> Result<bool, Skip> {
        let needs_dev = rule.as_ref().is_some_and(|r| r.needs_dev_dependencies);
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
            let why = if needs_dev {
                format!(
                    "the start command `{}` needs devDependencies: {}",
                    start.words.join(" "),
                    rule.as_ref().map_or("", |r| r.note.as_str())
                )
            } else if no_lockfile {
                "there is no lockfile, so a second, production-only install could resolve different versions".to_string()
            } else if has_build && outputs.is_none() {
                "restage cannot tell where the build script writes its output".to_string()
            } else {
                format!("{} has no production-only install", pm.name)
            };
            self.planner.warn(
                format!("runtime keeps the whole app folder with all node_modules (devDependencies included): {why}"),
                start.line,
            );
            steps.push(Step::Copy {
                from: Some("build".into()),
                chown: None,
                sources: vec![build_dir.clone()],
                dest: workdir.clone().unwrap_or_else(|| build_dir.clone()),
            });
            return Ok(false);
        }
        if side.manifest_copies.is_empty() {
            return Err(Skip(
                "the runtime needs the dependency manifests, and none is in the build context"
                    .into(),
            ));
        }
        steps.extend(side.manifest_copies.iter().cloned());
        let install = pm
            .install_production
            .as_deref()
            .and_then(|s| self.planner.render(s))
            .unwrap_or_default();
        let mut mounts: Vec<String> = pm
            .cache
            .deps
            .iter()
            .map(|t| format!("type=cache,target={t}"))
            .collect();
        mounts.extend(side.install_secrets.iter().cloned());
        let command = side
            .install_env
            .iter()
            .cloned()
            .chain(std::iter::once(install.clone()))
            .collect::<Vec<_>>()
            .join(" ");
        steps.push(Step::Run { mounts, command });
        self.planner.decide(
            format!("runtime installs production dependencies only (`{install}`)"),
            "devDependencies are needed to build and test, not to run",
            0.85,
        );
        steps.extend(side.source_copies.iter().cloned());
        for dir in outputs.unwrap_or_default() {
            let source = resolve(Some(&build_dir), &dir);
            steps.push(Step::Copy {
                from: Some("build".into()),
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

    /// The folders the build writes, from the profile's output rules matched against the build
    /// commands and the package.json build script. `None` when a build runs but no rule
    /// matches.
    fn build_outputs(&self, side: &BuildSide) -> Option<Vec<String>> {
        let profile = self.planner.input.profile;
        let facts = &self.planner.input.detection.facts;
        let mut texts: Vec<String> = facts.scripts.get("build").cloned().into_iter().collect();
        for step in &side.build {
            if let Step::Kept { text, .. } | Step::Run { command: text, .. } = step {
                texts.push(text.clone());
            }
        }
        let mut dirs = Vec::new();
        for text in &texts {
            for command in shell::commands(text) {
                let words = normalise_command(&command.words);
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
        dirs.sort();
        dirs.dedup();
        let builds = self
            .planner
            .placements
            .iter()
            .any(|p| p.class == Class::Build && p.stages.iter().any(|s| s == "build"));
        if builds && dirs.is_empty() {
            return None;
        }
        Some(dirs)
    }

    /// Python-style apps: packages installed from the deps stage (wheels through a bind mount,
    /// or a whole virtualenv), then the app folder from the build stage.
    fn python_like(&mut self, side: &BuildSide, steps: &mut Vec<Step>) -> bool {
        let pm = self.planner.pm;
        let mut uses_mounts = false;
        let app_dir = side.app_dir.clone().filter(|d| d != "/");
        if let Some(venv) = pm.venv.as_deref() {
            let venv = resolve(self.deps_workdir.as_deref(), venv);
            let inside_app = app_dir
                .as_deref()
                .is_some_and(|d| venv.starts_with(&format!("{}/", d.trim_end_matches('/'))));
            if !inside_app {
                // From build: a project install after the sources adds to the virtualenv.
                steps.push(Step::Copy {
                    from: Some("build".into()),
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
            steps.push(Step::Run {
                mounts: vec![format!(
                    "type=bind,from=deps,source={wheels},target={wheels}"
                )],
                command: install,
            });
            uses_mounts = true;
            self.planner.decide(
                format!("runtime installs the wheels built in deps from a bind mount of {wheels}"),
                "compilers and -dev packages stay in deps, and no wheel file lands in a runtime layer",
                0.9,
            );
        }
        self.app_files(side, steps);
        uses_mounts
    }

    /// The app's own files for an interpreted app: the build stage's app folder (sources plus
    /// whatever the build generated), or the original source COPYs when there is no folder.
    fn app_files(&mut self, side: &BuildSide, steps: &mut Vec<Step>) {
        match side.app_dir.clone().filter(|d| d != "/") {
            Some(dir) => {
                steps.push(Step::Copy {
                    from: Some("build".into()),
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

    /// Compiled apps: the artifact the build produced.
    fn compiled_artifact(
        &mut self,
        side: &mut BuildSide,
        start: &StartCommand,
        workdir: &Option<String>,
    ) -> Result<Artifact, Skip> {
        let from_rules = self.artifact_from_build(side);
        let source = match (
            self.artifact_named_by_start(start, workdir, side),
            from_rules,
        ) {
            (Some(named), Some(rule))
                if named == rule || named.starts_with(&format!("{rule}/")) =>
            {
                rule
            }
            (Some(named), _) => {
                self.planner.decide(
                    format!("the artifact is {named}"),
                    "the start command runs it, and the build produces it",
                    0.85,
                );
                named
            }
            (None, Some(rule)) => rule,
            (None, None) => self.add_build(side)?,
        };
        // Keep the path when the start command names it (as a path, a glob, inside a `sh -c`
        // string, or by name from a PATH folder); otherwise the profile's runtime path.
        let base = source.rsplit('/').next().unwrap_or(&source).to_string();
        let on_path = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin"]
            .iter()
            .any(|dir| {
                source.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) == Some(base.as_str())
            });
        let referenced = start
            .words
            .iter()
            .flat_map(|w| w.split_whitespace())
            .any(|w| {
                let resolved = resolve(workdir.as_deref(), w);
                resolved == source
                    || source.starts_with(&format!("{resolved}/"))
                    || resolved.starts_with(&format!("{source}/"))
                    || (w.contains('*') && glob(&resolved, &source))
                    || (on_path && w == base)
            });
        let dest = if referenced {
            source.clone()
        } else {
            self.planner
                .input
                .profile
                .artifacts
                .runtime_path
                .as_deref()
                .and_then(|p| self.planner.render(p))
                .map(|p| resolve(workdir.as_deref(), &p))
                .unwrap_or_else(|| source.clone())
        };
        self.planner.decide(
            format!("runtime copies {source} from the build stage to {dest}"),
            "the artifact is all the app needs from the toolchain",
            0.85,
        );
        Ok(Artifact {
            from_stage: "build".into(),
            source,
            dest,
        })
    }

    /// A file the start command runs that the build produced (`java -jar build/libs/x-all.jar`,
    /// `./bin/server`): the most reliable name of the artifact. Only for single-file artifacts,
    /// and only when the original builds in the build stage.
    fn artifact_named_by_start(
        &self,
        start: &StartCommand,
        workdir: &Option<String>,
        side: &BuildSide,
    ) -> Option<String> {
        let kind = self.planner.input.profile.artifacts.kind.as_str();
        if !matches!(kind, "binary" | "jar") {
            return None;
        }
        let builds = self
            .planner
            .placements
            .iter()
            .any(|p| p.class == Class::Build && p.stages.iter().any(|s| s == "build"));
        if !builds {
            return None;
        }
        let app_dir = side
            .app_dir
            .clone()
            .or_else(|| self.build_workdir.clone())?;
        let app_prefix = format!("{}/", app_dir.trim_end_matches('/'));
        let ctx = self.planner.input.ctx;
        start.words.iter().enumerate().find_map(|(i, word)| {
            // A bare program name is looked up on PATH, not in the working directory.
            let path_lookup = i == 0 && !word.contains('/');
            if path_lookup || word.starts_with('-') || word.contains(['*', '$', '=']) {
                return None;
            }
            let resolved = resolve(workdir.as_deref(), word);
            let relative = resolved.strip_prefix(&app_prefix)?;
            (!ctx.exists(relative) && word.contains(['/', '.'])).then_some(resolved)
        })
    }

    /// The artifact path named by the original build commands (`go build -o main`,
    /// `cargo build --release`), through the profile's artifact rules.
    fn artifact_from_build(&self, side: &BuildSide) -> Option<String> {
        let artifacts = &self.planner.input.profile.artifacts;
        let mut found = None;
        for step in &side.build {
            let (text, workdir) = match step {
                Step::Kept { line, .. } => {
                    let body = &self.planner.original.body;
                    // The body is in line order: a binary search keeps this linear overall.
                    let Ok(index) = body.binary_search_by_key(line, |e| e.inst.start_line) else {
                        continue;
                    };
                    let entry = &body[index];
                    if !entry.inst.is("RUN") {
                        continue;
                    }
                    (super::classify::run_text(entry.inst), entry.workdir.clone())
                }
                Step::Run { command, .. } => (command.clone(), self.build_workdir.clone()),
                _ => continue,
            };
            for command in shell::commands(&text) {
                let words = normalise_command(&command.words);
                let Some(rule) =
                    artifacts.best_command_rule(&words, |o| command.option_value(&[o]).is_some())
                else {
                    continue;
                };
                let value = rule
                    .option
                    .iter()
                    .find_map(|o| command.option_value(&[o.as_str()]))
                    .map(str::to_string);
                let arg = command
                    .positional()
                    .skip(rule.command.split_whitespace().count())
                    .last()
                    .filter(|a| !matches!(*a, "." | "./..." | "./"))
                    .map(|a| {
                        a.trim_end_matches('/')
                            .rsplit('/')
                            .next()
                            .unwrap_or(a)
                            .to_string()
                    });
                let mut template = rule.path.clone();
                if let Some(v) = &value {
                    template = template.replace("{value}", v);
                }
                if let Some(a) = &arg {
                    template = template.replace("{arg}", a);
                }
                if let Some(name) = artifacts.name_for(&self.planner.input.detection.facts) {
                    template = template.replace("{artifact_name}", &name);
                }
                if template.contains("{arg}") {
                    template = template.replace("{arg}", "{binary}");
                }
                if let Some(path) = self.planner.render(&template) {
                    found = Some(resolve(workdir.as_deref(), &path));
                }
            }
        }
        found
    }

    /// No build command names the artifact: add the profile's build (and collect) command.
    fn add_build(&mut self, side: &mut BuildSide) -> Result<String, Skip> {
        let profile = self.planner.input.profile;
        let pm = self.planner.pm;
        let output = profile
            .artifacts
            .build_output
            .as_deref()
            .and_then(|p| self.planner.render(p))
            .ok_or_else(|| Skip("restage cannot tell which file the build produces (no artifact name in the manifests)".into()))?;
        let has_build = self
            .planner
            .placements
            .iter()
            .any(|p| p.class == Class::Build && p.stages.iter().any(|s| s == "build"));
        let command = if has_build {
            profile
                .artifacts
                .collect
                .as_deref()
                .and_then(|c| self.planner.render(c))
        } else {
            None
        };
        let (command, what) = match command {
            Some(c) => (c, "collect the artifact at a fixed path"),
            None => {
                let build = pm
                    .build
                    .as_deref()
                    .and_then(|b| self.planner.render(b))
                    .ok_or_else(|| {
                        Skip(format!(
                            "{} has no build command to produce the artifact",
                            pm.name
                        ))
                    })?;
                let build = match profile
                    .artifacts
                    .collect
                    .as_deref()
                    .and_then(|c| self.planner.render(c))
                {
                    Some(collect) if !build.contains(&output) => format!("{build} && {collect}"),
                    _ => build,
                };
                (build, "build the artifact at a fixed path")
            }
        };
        let mounts: Vec<String> = pm
            .cache
            .build
            .iter()
            .map(|t| format!("type=cache,target={t}"))
            .collect();
        side.uses_cache_mounts |= !mounts.is_empty();
        let step = Step::Run {
            mounts,
            command: command.clone(),
        };
        self.artifact_moved = true;
        // A build that produced no artifact restage can name (a Debug `dotnet build`) is
        // replaced by the profile's build rather than run twice.
        let replaced = if what.starts_with("build") {
            self.last_build_step(side)
        } else {
            None
        };
        match replaced {
            Some((index, line)) => {
                self.planner.decide(
                    format!("build stage runs `{command}` instead of line {line}"),
                    format!("to {what} ({output}) for the runtime stage"),
                    0.8,
                );
                side.build[index] = step;
            }
            None => {
                self.planner.decide(
                    format!("build stage runs `{command}`"),
                    format!("to {what} ({output}) for the runtime stage"),
                    0.8,
                );
                side.build.push(step);
            }
        }
        Ok(output)
    }

    /// The last original build command kept in the build stage: (index in the stage, line).
    fn last_build_step(&self, side: &BuildSide) -> Option<(usize, usize)> {
        let build_lines: Vec<usize> = self
            .planner
            .placements
            .iter()
            .filter(|p| p.class == Class::Build)
            .map(|p| p.line)
            .collect();
        side.build
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, step)| match step {
                Step::Kept { line, .. } if build_lines.contains(line) => Some((i, *line)),
                _ => None,
            })
    }

    /// Folders the app reads at run time (templates/, static/, ...) that exist in the context.
    fn runtime_files(&mut self, workdir: &Option<String>, steps: &mut Vec<Step>) {
        let input = self.planner.input;
        let ctx = input.ctx;
        let mut names: Vec<&String> = input.profile.runtime_files.iter().collect();
        names.extend(input.registry.system().runtime_files.iter());
        names.sort();
        names.dedup();
        let mut copied = Vec::new();
        for name in names {
            if ctx.exists(name) {
                let dest = if ctx.is_dir(name) {
                    format!("./{name}/")
                } else {
                    format!("./{name}")
                };
                steps.push(Step::Copy {
                    from: None,
                    chown: None,
                    sources: vec![name.clone()],
                    dest,
                });
                copied.push(name.clone());
            }
        }
        if !copied.is_empty() {
            let _ = workdir;
            self.planner.decide(
                format!("runtime copies {} from the context", copied.join(", ")),
                "the app may read these at run time; when in doubt they are copied",
                0.7,
            );
        }
    }

    /// COPY instructions whose files the runtime uses: a script the start command runs, or
    /// files copied to an absolute path outside the app folder (config, certificates).
    fn runtime_copies(&mut self, units: &[Unit<'p>], start: &StartCommand, steps: &mut Vec<Step>) {
        let _ = units;
        let app_dir = self.build_workdir.clone().unwrap_or_else(|| "/".into());
        let original = self.planner.original;
        for entry in &original.body {
            let inst = entry.inst;
            if !(inst.is("COPY") || inst.is("ADD"))
                || inst.flag("from").is_some()
                || inst.values.len() < 2
            {
                continue;
            }
            if super::super::validate::copies_whole_context(inst) {
                continue;
            }
            let sources = &inst.values[..inst.values.len() - 1];
            if sources
                .iter()
                .all(|s| is_manifest(s, self.planner.input.profile))
            {
                continue;
            }
            let dest = resolve(
                entry.workdir.as_deref(),
                &inst.values[inst.values.len() - 1],
            );
            let outside = dest != app_dir
                && !dest.starts_with(&format!("{}/", app_dir.trim_end_matches('/')));
            let named = sources.iter().any(|s| {
                let base = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
                !base.is_empty() && start.words.iter().any(|w| w.ends_with(base))
            });
            let already = steps
                .iter()
                .any(|s| matches!(s, Step::Kept { line, .. } if *line == inst.start_line));
            if (outside || named) && !already {
                steps.push(Step::Kept {
                    line: inst.start_line,
                    text: entry.text.clone(),
                    add_flags: Vec::new(),
                    blank_before: false,
                });
                self.planner.decide(
                    format!("runtime keeps the COPY at line {}", inst.start_line),
                    if named {
                        "the start command uses what it copies"
                    } else {
                        "it installs files outside the app folder"
                    },
                    0.75,
                );
            }
        }
    }

    /// Run as a non-root user unless the original chose a user or needs root.
    fn user(&mut self, units: &[Unit<'p>], image: &str, family: &str, steps: &mut Vec<Step>) {
        let has_user = units.iter().any(|u| u.entry.inst.is("USER"));
        for unit in units.iter().filter(|u| u.class == Class::UserSetup) {
            steps.push(unit.step(Vec::new()));
        }
        if has_user {
            return;
        }
        let low_port = self.planner.original.body_with("EXPOSE").any(|e| {
            e.inst.values.iter().any(|p| {
                p.split('/')
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| n < 1024)
            })
        });
        if low_port {
            self.planner.decide(
                "runtime keeps running as root",
                "the app listens on a port below 1024, which needs root",
                0.7,
            );
            return;
        }
        if image.contains("nonroot") {
            self.planner.decide(
                "runtime runs as the image's nonroot user",
                "the runtime image is built for it",
                0.9,
            );
            return;
        }
        // The profile's user exists in the images it maps to, not in a distro base image.
        let known = if self.same_base {
            None
        } else {
            self.planner.input.profile.runtime_images.user.clone()
        };
        let name = match (known, family) {
            (Some(user), _) => user,
            (None, "distroless") => "nonroot".to_string(),
            _ => {
                // Not `app`: newer .NET images already have a user called that.
                steps.push(Step::CreateUser {
                    family: family.to_string(),
                    name: "appuser".into(),
                    uid: 10001,
                });
                "appuser".to_string()
            }
        };
        self.planner.decide(
            format!("runtime runs as the non-root user {name}"),
            "the original ran as root with no visible reason; files stay root-owned and read-only to the app",
            0.8,
        );
        steps.push(Step::User { name });
    }

    /// The original's runtime metadata in order; start commands translated where needed.
    fn metadata(
        &mut self,
        units: &[Unit<'p>],
        start: &StartCommand,
        rule: Option<&crate::profile::EntrypointRule>,
        artifact: Option<&(String, String)>,
        workdir: &Option<String>,
        steps: &mut Vec<Step>,
    ) {
        let last_start_line = units
            .iter()
            .filter(|u| u.entry.inst.is("CMD") || u.entry.inst.is("ENTRYPOINT"))
            .map(|u| u.line())
            .max();
        for unit in units.iter().filter(|u| u.class == Class::RuntimeMetadata) {
            let inst = unit.entry.inst;
            if inst.is("USER") && steps.iter().any(|s| matches!(s, Step::User { .. })) {
                continue;
            }
            let is_start = inst.is("CMD") || inst.is("ENTRYPOINT");
            if is_start && Some(unit.line()) == last_start_line {
                if let Some(translation) = self.translate(start, rule, artifact, workdir) {
                    push_comments(&unit.entry.text, steps);
                    let n = start.entrypoint_len;
                    if translation.same_shape && n > 0 && n < translation.args.len() {
                        // Keep ENTRYPOINT and CMD apart: `docker run image ARGS` still replaces CMD.
                        let (entry, cmd) = translation.args.split_at(n);
                        for (keyword, line, args) in [
                            ("ENTRYPOINT", start.line, entry),
                            ("CMD", start.cmd_line, cmd),
                        ] {
                            let original = if keyword == "ENTRYPOINT" {
                                &start.words[..n]
                            } else {
                                &start.words[n..]
                            };
                            if args == original {
                                continue;
                            }
                            let exec = Step::Exec {
                                keyword: keyword.into(),
                                args: args.to_vec(),
                            };
                            match steps.iter().position(
                                |s| matches!(s, Step::Kept { line: l, .. } if Some(*l) == line),
                            ) {
                                Some(i) => steps[i] = exec,
                                None if Some(unit.line()) == line => {
                                    steps.push(exec);
                                }
                                None => {}
                            }
                        }
                        if !steps.iter().any(
                            |s| matches!(s, Step::Exec { keyword, .. } if *keyword == inst.keyword),
                        ) {
                            steps.push(unit.step(Vec::new()));
                        }
                        continue;
                    }
                    let translated = translation.args;
                    if !start.keyword.is_empty() && start.keyword != inst.keyword {
                        // ENTRYPOINT + CMD were combined; the translation replaces both.
                        steps.retain(|s| !matches!(s, Step::Kept { line, .. } if *line == start.line.unwrap_or(0)));
                    }
                    steps.push(Step::Exec {
                        keyword: inst.keyword.clone(),
                        args: translated,
                    });
                    continue;
                }
            }
            if is_start
                && self.family == "distroless"
                && inst.form == Some(Form::Shell)
                && let Some(words) = simple_command_words(&inst.arguments)
            {
                push_comments(&unit.entry.text, steps);
                self.planner.decide(
                    format!("line {}: {} in exec form", unit.line(), inst.keyword),
                    "the distroless runtime has no shell to run the shell form",
                    0.9,
                );
                steps.push(Step::Exec {
                    keyword: inst.keyword.clone(),
                    args: words,
                });
                continue;
            }
            steps.push(unit.step(Vec::new()));
        }
    }

    /// The original's setup commands that the runtime needs too, the same way: the tool the
    /// start command runs (`npm install -g http-server`), and, when the runtime installs
    /// dependencies itself (`all`), the package manager (`npm i -g pnpm@8`, `corepack enable`).
    fn tools_for_start(
        &mut self,
        start: &StartCommand,
        rule: Option<&crate::profile::EntrypointRule>,
        all: bool,
        steps: &mut Vec<Step>,
    ) -> bool {
        let translated = rule.is_some_and(|r| r.exec.is_some());
        let program = start
            .words
            .first()
            .filter(|p| !p.contains('/') && !translated)
            .cloned();
        let mut installed_program = false;
        if program.is_none() && !all {
            return false;
        }
        let mut replayed: Vec<String> = Vec::new();
        for entry in &self.planner.original.body {
            if !entry.inst.is("RUN") {
                continue;
            }
            let text = super::classify::run_text(entry.inst);
            for command in shell::commands(&text) {
                let class = super::classify::classify_command(&command, self.planner.input.profile);
                if class != Some(Class::PackageManagerSetup) || replayed.contains(&command.text) {
                    continue;
                }
                let installs_program = program.as_deref().is_some_and(|p| {
                    command
                        .words
                        .iter()
                        .skip(1)
                        .any(|w| w.split(['@', '=']).next() == Some(p))
                });
                if !(all || installs_program) {
                    continue;
                }
                self.planner.decide(
                    format!("runtime runs `{}` too", command.text),
                    if installs_program {
                        "the start command needs the tool it installs"
                    } else {
                        "the runtime installs production dependencies with the same package manager"
                    },
                    0.8,
                );
                installed_program |= installs_program;
                replayed.push(command.text.clone());
                steps.push(Step::Run {
                    mounts: Vec::new(),
                    command: command.text.clone(),
                });
            }
        }
        installed_program
    }

    /// A shell-form start command that needs a real shell cannot run on a shell-less image.
    fn refuse_shell_without_shell(&self, units: &[Unit<'p>]) -> Result<(), Skip> {
        if self.family != "distroless" {
            return Ok(());
        }
        for unit in units {
            let inst = unit.entry.inst;
            let is_start = inst.is("CMD") || inst.is("ENTRYPOINT") || inst.is("HEALTHCHECK");
            if is_start
                && inst.form == Some(Form::Shell)
                && !inst.arguments.is_empty()
                && simple_command_words(&inst.arguments).is_none()
                && !inst.is("HEALTHCHECK")
            {
                return Err(Skip(format!(
                    "line {}: the start command `{}` needs a shell, and the distroless runtime has none",
                    unit.line(),
                    inst.arguments
                )));
            }
        }
        Ok(())
    }

    /// A translated start command, when the profile has a rule or an exec-form glob needs
    /// fixing.
    fn translate(
        &mut self,
        start: &StartCommand,
        rule: Option<&crate::profile::EntrypointRule>,
        artifact: Option<&(String, String)>,
        workdir: &Option<String>,
    ) -> Option<Translation> {
        if let Some(rule) = rule
            && let Some(exec) = &rule.exec
        {
            let matched = rule.command.split_whitespace().count();
            let rest: Vec<String> = start.words.iter().skip(matched).cloned().collect();
            let mut args = Vec::new();
            for part in exec {
                if part == "{rest}" {
                    args.extend(rest.iter().filter(|w| !w.starts_with("--release")).cloned());
                    continue;
                }
                let filled =
                    part.replace("{artifact}", artifact.map_or("", |(_, dest)| dest.as_str()));
                args.push(self.planner.render(&filled).unwrap_or(filled));
            }
            self.planner.decide(
                format!(
                    "start command `{}` becomes `{}`",
                    start.words.join(" "),
                    args.join(" ")
                ),
                rule.note.clone(),
                0.85,
            );
            return Some(Translation {
                args,
                same_shape: false,
            });
        }
        let (source, artifact) = artifact?;
        let base = artifact.rsplit('/').next().unwrap_or(artifact);
        let on_path = ["/usr/local/bin/", "/usr/bin/", "/bin/"]
            .iter()
            .any(|dir| artifact.strip_prefix(dir) == Some(base));
        if let Some(program) = start.words.first()
            && !program.contains('/')
            && program == base
            && !on_path
        {
            let mut args = start.words.clone();
            args[0] = artifact.to_string();
            self.planner.decide(
                format!("start command runs {artifact} by its full path"),
                format!("`{program}` was found on the builder's PATH, which the runtime image does not have"),
                0.85,
            );
            return Some(Translation {
                args,
                same_shape: true,
            });
        }
        if self.artifact_moved
            && let Some(name) = self
                .planner
                .input
                .profile
                .artifacts
                .name_for(&self.planner.input.detection.facts)
            && let Some(i) = start.words.iter().position(|w| {
                w.rsplit('/').next() == Some(name.as_str()) && !w.starts_with(artifact.as_str())
            })
        {
            let mut args = start.words.clone();
            args[i] = if artifact.ends_with(&name) {
                artifact.to_string()
            } else {
                format!("{}/{name}", artifact.trim_end_matches('/'))
            };
            self.planner.decide(
                format!(
                    "start command uses {} instead of `{}`",
                    args[i], start.words[i]
                ),
                "the build stage now publishes the app to a fixed folder",
                0.85,
            );
            return Some(Translation {
                args,
                same_shape: true,
            });
        }
        let glob_word = start
            .words
            .iter()
            .position(|w| w.contains('*') && glob(&resolve(workdir.as_deref(), w), source));
        if let Some(i) = glob_word {
            let mut args = start.words.clone();
            args[i] = artifact.to_string();
            self.planner.decide(
                format!("start command uses {artifact} instead of `{}`", start.words[i]),
                "exec form does not expand globs, so the original pointed at a file that does not exist",
                0.9,
            );
            return Some(Translation {
                args,
                same_shape: true,
            });
        }
        None
    }
}

/// Copy the comment lines above an instruction whose own text is replaced.
fn push_comments(text: &str, steps: &mut Vec<Step>) {
    let comments: String = text
        .split_inclusive('\n')
        .take_while(|line| line.trim_start().starts_with('#'))
        .collect();
    if !comments.is_empty() {
        steps.push(Step::Kept {
            line: 0,
            text: comments,
            add_flags: Vec::new(),
            blank_before: false,
        });
    }
}

/// The words of a shell command that needs no shell: one command, no expansions, operators
/// or redirections.
fn simple_command_words(text: &str) -> Option<Vec<String>> {
    if text.contains([
        '$', '`', '*', '?', '>', '<', '|', '&', ';', '~', '(', ')', '\\', '\'', '"',
    ]) {
        return None;
    }
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    (!words.is_empty() && !words[0].contains('=')).then_some(words)
}
