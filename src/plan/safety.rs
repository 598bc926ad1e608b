//! Behaviour risks found on the assembled stages (a glibc → musl runtime, an added `--locked`,
//! a runtime install with other flags than the original's) and the runtime hygiene report.

use super::classify::Recogniser;
use super::model::{Class, Hygiene, NewFile, Stage, Step, WarningCode};
use super::planner::Planner;
use super::secrets::credential_rule;
use crate::profile::pattern::glob;
use crate::profile::schema::split_image;
use crate::shell;
use crate::source::DockerIgnore;

/// File names that must not reach a runtime image (besides the credentials files of
/// `_system.yaml`): env files and keys.
const SECRET_NAMES: &[&str] = &[".env", ".env.*", "*.key", "*.p12", "*.pfx"];

/// Image users that are root.
const ROOT_USERS: &[&str] = &["root", "0", "0:0", "root:root"];

impl<'p, 'a> Planner<'p, 'a> {
    /// Warn about what the stages change that the decisions do not cover: a musl runtime for a
    /// glibc build, an added `--locked`, a runtime install with other flags.
    pub(crate) fn behaviour_warnings(&mut self, stages: &[Stage]) {
        let Some(runtime) = stages.last() else { return };
        let Some(deps) = stages.first() else { return };
        let system = self.input.registry.system();
        let family = |image: &str| {
            let (name, tag) = split_image(image);
            crate::detect::flavor_of(&name, tag.as_deref(), system).0
        };
        let (builder_family, runtime_family) = (family(&deps.from), family(&runtime.from));
        if runtime_family.as_deref() == Some("alpine")
            && builder_family.as_deref().is_some_and(|f| f != "alpine")
        {
            self.warn(
                WarningCode::LibcChanged,
                format!(
                    "the runtime image {} uses musl, the builder {} glibc: native modules and prebuilt binaries built for glibc may not load",
                    runtime.from, deps.from
                ),
                None,
            );
        }
        let original_locked = self
            .original
            .body_with("RUN")
            .any(|e| e.inst.arguments().contains("--locked"));
        if !original_locked {
            let added = stages.iter().flat_map(|s| &s.steps).find_map(|s| match s {
                Step::Run { command, .. }
                    if command.split_whitespace().any(|w| w == "--locked") =>
                {
                    Some(command.clone())
                }
                _ => None,
            });
            if let Some(command) = added {
                self.warn(
                    WarningCode::LockedAdded,
                    format!(
                        "the output runs `{command}`: --locked fails the build when the lockfile is out of date with the manifest, where the original updated it silently"
                    ),
                    None,
                );
            }
        }
        // The original installs, by program, to compare with new installs in the runtime.
        let mut recogniser = Recogniser::new(self.input.profile);
        let mut originals: Vec<(usize, String, Vec<String>)> = Vec::new();
        for entry in self.original.body_with("RUN") {
            for command in &entry.commands {
                if recogniser.classify(command) == Some(Class::DependencyInstall) {
                    originals.push((
                        entry.inst.start_line(),
                        command.text.to_string(),
                        command.owned_words(),
                    ));
                }
            }
        }
        for step in &runtime.steps {
            let Step::Run {
                command, mounts, ..
            } = step
            else {
                continue;
            };
            // An install of what deps built (a bind mount of its wheels) installs the same set.
            if mounts.iter().any(|m| m.contains("type=bind")) {
                continue;
            }
            for new in shell::parse(command) {
                if recogniser.classify(&new) != Some(Class::DependencyInstall) {
                    continue;
                }
                let words = new.owned_words();
                let same_program = originals
                    .iter()
                    .find(|(_, _, old)| old.first() == words.first());
                // Only options the original gave and the new install lacks change what it
                // installs behind the user's back (`--only=production` → `--omit=dev`).
                let scope = &self.pm.scope_options;
                let lost = |old: &[String]| {
                    old.iter().any(|w| {
                        let name = w.split('=').next().unwrap_or(w);
                        scope.iter().any(|s| s == name) && !words.contains(w)
                    })
                };
                if let Some((line, text, old)) = same_program
                    && lost(old)
                {
                    self.warn(
                        WarningCode::InstallFlagsChanged,
                        format!(
                            "the runtime installs with `{}` where the original ran `{text}`: the set of packages installed may differ",
                            words.join(" ")
                        ),
                        Some(*line),
                    );
                }
            }
        }
    }

    /// Runtime hygiene: whether the runtime stage runs non-root, holds no build tools or
    /// package-manager cache, and copies no env, key or credentials file.
    pub(crate) fn hygiene(
        &self,
        stages: &[Stage],
        runtime_gets_sources: bool,
        new_files: &[NewFile],
    ) -> Hygiene {
        let mut hygiene = Hygiene {
            runs_non_root: false,
            no_build_tools: true,
            no_secret_files: true,
            findings: Vec::new(),
        };
        let (Some(deps), Some(runtime)) = (stages.first(), stages.last()) else {
            return hygiene;
        };
        let original = self.original;
        let entry_at = |line: usize| original.entry_at(line);
        // The user: the last USER of the runtime, else the image's.
        let mut user: Option<String> = None;
        for step in &runtime.steps {
            match step {
                Step::User { name } => user = Some(name.clone()),
                Step::Kept { line, .. } => {
                    if let Some(e) = entry_at(*line).filter(|e| e.inst.is("USER")) {
                        user = e.inst.values().first().map(str::to_string);
                    }
                }
                _ => {}
            }
        }
        hygiene.runs_non_root = match &user {
            Some(name) => !ROOT_USERS.contains(&name.as_str()),
            None => runtime.from.contains("nonroot"),
        };
        if !hygiene.runs_non_root {
            hygiene.findings.push(match user {
                Some(name) => format!("the runtime runs as {name}"),
                None => "the runtime runs as root (the image's default user)".into(),
            });
        }
        // Build tools: the toolchain image itself for a compiled app, build-only packages, and
        // installs that keep their cache.
        let profile = self.input.profile;
        let compiled = profile.artifacts.kind.is_compiled();
        let toolchain_image = {
            let (name, _) = split_image(&runtime.from);
            profile
                .detect
                .images
                .iter()
                .any(|rule| crate::profile::schema::image_name_matches(&rule.image, &name))
        };
        if compiled && runtime.from == deps.from && toolchain_image {
            hygiene.no_build_tools = false;
            hygiene.findings.push(format!(
                "the runtime uses the builder image {}, toolchain included",
                runtime.from
            ));
        }
        let build_only = &profile.system_packages.build_only;
        let mut recogniser = Recogniser::new(profile);
        for step in &runtime.steps {
            match step {
                Step::Packages { packages, .. } => {
                    for package in packages {
                        if build_only.iter().any(|g| glob(g, package)) {
                            hygiene.no_build_tools = false;
                            hygiene
                                .findings
                                .push(format!("the runtime installs the build package {package}"));
                        }
                    }
                }
                Step::Run {
                    command, mounts, ..
                } => {
                    let caches = mounts.iter().any(|m| m.contains("type=cache"))
                        || command.contains("--no-cache");
                    let installs = shell::parse(command)
                        .iter()
                        .any(|c| recogniser.classify(c) == Some(Class::DependencyInstall));
                    if installs && !caches {
                        hygiene.no_build_tools = false;
                        hygiene.findings.push(format!(
                            "the runtime install `{command}` keeps the package manager's cache in its layer"
                        ));
                    }
                }
                _ => {}
            }
        }
        // Secret files: named by a runtime COPY, or in the context the runtime copies whole.
        let credentials = &self.input.registry.system().secrets.files;
        let has_secret_pattern_name = |path: &str| {
            let name = path.rsplit('/').next().unwrap_or(path);
            SECRET_NAMES.iter().any(|p| glob(p, name))
        };
        let is_secret_name = |path: &str| {
            has_secret_pattern_name(path)
                || credential_rule(credentials, path).is_some_and(|rule| {
                    rule.holds.is_empty()
                        || self
                            .input
                            .ctx
                            .read(path)
                            .is_some_and(|text| rule.holds_secret(&text))
                })
        };
        let mut leaked: Vec<String> = Vec::new();
        for step in &runtime.steps {
            let sources: Vec<String> = match step {
                Step::Copy {
                    from: None,
                    sources,
                    ..
                } => sources.clone(),
                Step::Kept { line, .. } => match entry_at(*line) {
                    Some(e)
                        if (e.inst.is("COPY") || e.inst.is("ADD"))
                            && e.inst.flag("from").is_none()
                            && e.inst.values().len() >= 2 =>
                    {
                        e.inst
                            .values()
                            .all_but_last()
                            .iter()
                            .map(|s| s.to_string())
                            .collect()
                    }
                    _ => continue,
                },
                _ => continue,
            };
            for source in sources {
                let path = source.trim_start_matches("./").trim_end_matches('/');
                if !path.is_empty() && path != "." && is_secret_name(path) {
                    leaked.push(path.to_string());
                }
            }
        }
        if runtime_gets_sources {
            // Most contexts hold no file with a secret's name, so the proposed `.dockerignore`
            // is parsed only once one does (a parse costs more than the whole name scan), and
            // a file's content is read, as before, only when the proposal keeps it.
            let may_be_secret = |path: &str| {
                has_secret_pattern_name(path) || credential_rule(credentials, path).is_some()
            };
            let mut proposed: Option<Option<DockerIgnore>> = None;
            for file in self.input.ctx.files() {
                if !may_be_secret(file) {
                    continue;
                }
                let proposed = proposed.get_or_insert_with(|| {
                    new_files
                        .iter()
                        .find(|f| f.path == ".dockerignore")
                        .map(|f| DockerIgnore::parse(&f.content))
                });
                if proposed.as_ref().is_some_and(|p| p.is_excluded(file)) {
                    continue;
                }
                if is_secret_name(file) {
                    leaked.push(file.clone());
                }
            }
        }
        leaked.sort();
        leaked.dedup();
        if !leaked.is_empty() {
            hygiene.no_secret_files = false;
            hygiene.findings.push(format!(
                "the runtime copies {} from the build context",
                leaked.join(", ")
            ));
        }
        hygiene
    }
}
