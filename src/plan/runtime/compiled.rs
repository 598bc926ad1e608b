//! Apps that run a built artifact (a binary, a jar, a published folder): which file the build
//! produced, how it reaches the runtime, and the files the app reads beside it.

use super::*;
use crate::plan::model::SkipCode;
use crate::plan::planner::cache_mounts;
use std::borrow::Cow;

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    /// Compiled apps: the artifact the build produced.
    pub(super) fn compiled_artifact(
        &mut self,
        side: &mut BuildSide,
        start: &StartCommand,
        workdir: &Option<String>,
    ) -> Result<Artifact, Skip> {
        self.pin_outputs(side);
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
                    || is_inside(&source, &resolved)
                    || is_inside(&resolved, &source)
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
            from_stage: StageName::Build.to_string(),
            source,
            dest,
        })
    }

    /// What the artifact needs beside it (a jar's `Class-Path` folder `lib/`, filled by the
    /// build's copy-dependencies): copied from beside the built artifact to beside the
    /// runtime's copy, so relative references keep resolving.
    pub(super) fn beside_artifact(&mut self, artifact: &Artifact, steps: &mut Vec<Step>) {
        let rules = self.planner.input.profile.artifacts.beside.clone();
        let facts = &self.planner.input.detection.facts;
        let folder = |path: &str| match path.rsplit_once('/') {
            Some(("", _)) => "/".to_string(),
            Some((dir, _)) => dir.to_string(),
            None => ".".to_string(),
        };
        let (from_dir, to_dir) = (folder(&artifact.source), folder(&artifact.dest));
        // A jar the build stage collected to a fixed path left its neighbours behind.
        let collected = self.planner.input.profile.artifacts.collect.is_some()
            && self
                .planner
                .input
                .profile
                .artifacts
                .build_output
                .as_deref()
                .and_then(|p| self.planner.render(p))
                .is_some_and(|p| p == artifact.source);
        for rule in rules.iter().filter(|r| r.applies(facts)) {
            let Some(path) = self.planner.render(&rule.path) else {
                continue;
            };
            let path = path.trim().trim_start_matches("./").trim_end_matches('/');
            if path.is_empty() || path == "." || path.starts_with('/') || path.contains("..") {
                continue;
            }
            if collected {
                self.planner.warn(
                    WarningCode::RuntimeFileMissing,
                    format!(
                        "the artifact needs {path}/ beside it ({}), but the build stage collects it to {} away from that folder: the runtime does not have it",
                        rule.why.as_deref().unwrap_or("a path relative to the artifact"),
                        artifact.source
                    ),
                    None,
                );
                continue;
            }
            let source = resolve(Some(&from_dir), path);
            let dest = resolve(Some(&to_dir), path);
            if steps.iter().any(
                |s| matches!(s, Step::Copy { sources, .. } if sources.iter().any(|x| x == &source)),
            ) {
                continue;
            }
            self.planner.decide(
                format!(
                    "runtime copies {source} from the build stage to {dest}, beside the artifact"
                ),
                rule.why.clone().unwrap_or_else(|| {
                    "the artifact refers to it by a path relative to itself".into()
                }),
                0.85,
            );
            steps.push(Step::Copy {
                from: Some(artifact.from_stage.clone()),
                chown: None,
                sources: vec![source],
                dest,
            });
        }
    }

    /// Build commands whose output location depends on defaults get the profile's explicit
    /// output (`dotnet publish -c Release` → `dotnet publish -c Release -o /out`), so the
    /// runtime copies a path that certainly exists. Only a RUN of that one command is
    /// rewritten; its mounts are kept.
    pub(super) fn pin_outputs(&mut self, side: &mut BuildSide) {
        let artifacts = &self.planner.input.profile.artifacts;
        if artifacts.commands.iter().all(|r| r.pin.is_none()) {
            return;
        }
        let body = &self.planner.original.body;
        for step in side.build.iter_mut() {
            let Step::Kept {
                line, add_flags, ..
            } = step
            else {
                continue;
            };
            let Ok(index) = body.binary_search_by_key(line, |e| e.inst.start_line()) else {
                continue;
            };
            let entry = &body[index];
            if !entry.inst.is("RUN")
                || entry.commands.len() != 1
                || entry.inst.exec_args().is_some()
                || !entry.inst.heredocs().is_empty()
            {
                continue;
            }
            let command = &entry.commands[0];
            let owned = command.owned_words();
            let words = normalise_command(&owned);
            let Some(pin) = artifacts
                .best_command_rule(&words, |o| command.option_value(&[o]).is_some())
                .and_then(|rule| rule.pin.clone())
            else {
                continue;
            };
            let line = *line;
            let mounts = add_flags
                .iter()
                .filter_map(|f| f.strip_prefix("mount=").map(str::to_string))
                .chain(
                    entry
                        .inst
                        .flags()
                        .iter()
                        .filter(|f| f.name == "mount")
                        .filter_map(|f| f.value.clone()),
                )
                .collect();
            let text = format!("{} {pin}", command.text);
            self.planner.decide(
                format!("build stage runs `{text}` instead of line {line}"),
                "the output folder of the original depends on the project's location and defaults; an explicit one makes the runtime's copy certain",
                0.85,
            );
            *step = Step::Run {
                mounts,
                command: text,
                secret_env: Vec::new(),
            };
            self.artifact_moved = true;
        }
    }

    /// A file the start command runs that the build produced (`java -jar build/libs/x-all.jar`,
    /// `./bin/server`): the most reliable name of the artifact. Only for single-file artifacts,
    /// and only when the original builds in the build stage.
    pub(super) fn artifact_named_by_start(
        &self,
        start: &StartCommand,
        workdir: &Option<String>,
        side: &BuildSide,
    ) -> Option<String> {
        if !self.planner.input.profile.artifacts.kind.is_single_file() {
            return None;
        }
        let builds = self.planner.builds_in_build_stage();
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
    pub(super) fn artifact_from_build(&self, side: &BuildSide) -> Option<String> {
        let artifacts = &self.planner.input.profile.artifacts;
        let mut found = None;
        for step in &side.build {
            let (commands, workdir) = match step {
                Step::Kept { line, .. } => {
                    let body = &self.planner.original.body;
                    // The body is in line order: a binary search keeps this linear overall.
                    let Ok(index) = body.binary_search_by_key(line, |e| e.inst.start_line()) else {
                        continue;
                    };
                    let entry = &body[index];
                    if !entry.inst.is("RUN") {
                        continue;
                    }
                    (Cow::Borrowed(&entry.commands[..]), entry.workdir.as_deref())
                }
                Step::Run { command, .. } => (
                    Cow::Owned(shell::parse(command)),
                    self.build_workdir.as_deref(),
                ),
                _ => continue,
            };
            for command in commands.iter() {
                let owned = command.owned_words();
                let words = normalise_command(&owned);
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
                    found = Some(resolve(workdir, &path));
                }
            }
        }
        found
    }

    /// No build command names the artifact: add the profile's build (and collect) command.
    pub(super) fn add_build(&mut self, side: &mut BuildSide) -> Result<String, Skip> {
        let profile = self.planner.input.profile;
        let pm = self.planner.pm;
        let output = profile
            .artifacts
            .build_output
            .as_deref()
            .and_then(|p| self.planner.render(p))
            .ok_or_else(|| Skip::new(SkipCode::ArtifactUnknown, "restage cannot tell which file the build produces (no artifact name in the manifests)"))?;
        let uncertain = &self.planner.input.detection.facts.uncertain;
        if let Some(fact) = uncertain.iter().find(|f| {
            profile
                .artifacts
                .names
                .iter()
                .any(|n| n.contains(&format!("{{{f}}}")))
        }) {
            self.planner.decide(
                format!("the artifact is copied by glob, not by name ({output})"),
                format!(
                    "its name depends on {}, which the project sets in a way restage cannot read (a computed value or a property from a build profile)",
                    fact.replace('_', " ")
                ),
                0.8,
            );
        }
        let has_build = self.planner.builds_in_build_stage();
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
                        Skip::new(
                            SkipCode::ArtifactUnknown,
                            format!("{} has no build command to produce the artifact", pm.name),
                        )
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
        let mounts = cache_mounts(&pm.cache.build);
        side.uses_cache_mounts |= !mounts.is_empty();
        let step = Step::Run {
            mounts,
            command: command.clone(),
            secret_env: Vec::new(),
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
                self.planner.warn(
                    WarningCode::BuildCommandChanged,
                    format!(
                        "the build stage runs `{command}` instead of line {line}, to {what} ({output}) for the runtime stage: the artifact may differ from the one the original built (another configuration or output)"
                    ),
                    Some(line),
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
    pub(super) fn last_build_step(&self, side: &BuildSide) -> Option<(usize, usize)> {
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

    /// The files and folders the app reads at run time (see [`RuntimeBuilder::runtime_paths`]):
    /// copied from the context, or from the build stage when the build writes them.
    pub(super) fn runtime_files(&mut self, workdir: &Option<String>, steps: &mut Vec<Step>) {
        let _ = workdir;
        let ctx = self.planner.input.ctx;
        let paths = self.runtime_paths();
        let build_dir = self.build_workdir.clone().unwrap_or_else(|| "/".into());
        let mut listed = Vec::new();
        for p in paths {
            let dir = ctx.is_dir(&p.path)
                || (!ctx.exists(&p.path)
                    && !p.path.rsplit('/').next().unwrap_or(&p.path).contains('.'));
            let dest = if dir {
                format!("./{}/", p.path)
            } else {
                format!("./{}", p.path)
            };
            let (from, source) = if p.from_build {
                (
                    Some(StageName::Build.to_string()),
                    format!("{}/{}", build_dir.trim_end_matches('/'), p.path),
                )
            } else {
                (None, p.path.clone())
            };
            steps.push(Step::Copy {
                from,
                chown: None,
                sources: vec![source],
                dest,
            });
            match (&p.reason, p.from_build) {
                (_, true) => self.planner.decide(
                    format!("runtime copies {} from the build stage", p.path),
                    format!(
                        "{}; the build writes it, so the context's copy is not what the app serves",
                        p.reason
                            .as_deref()
                            .unwrap_or("the app reads it at run time")
                    ),
                    0.8,
                ),
                (Some(why), false) => self.planner.decide(
                    format!("runtime copies {} from the context", p.path),
                    why.clone(),
                    0.8,
                ),
                (None, false) => listed.push(p.path),
            }
        }
        if !listed.is_empty() {
            self.planner.decide(
                format!("runtime copies {} from the context", listed.join(", ")),
                "the app may read these at run time; when in doubt they are copied",
                0.7,
            );
        }
    }

    /// COPY instructions whose files the runtime uses: a script the start command runs, or
    /// files copied to an absolute path outside the app folder (config, certificates).
    pub(super) fn runtime_copies(
        &mut self,
        units: &[Unit<'p>],
        start: &StartCommand,
        steps: &mut Vec<Step>,
    ) {
        let _ = units;
        let app_dir = self.build_workdir.clone().unwrap_or_else(|| "/".into());
        let original = self.planner.original;
        // The original lines the runtime keeps already, looked up once per COPY (a scan of
        // the steps per COPY was quadratic in the number of instructions).
        let mut kept: std::collections::HashSet<usize> = steps
            .iter()
            .filter_map(|s| match s {
                Step::Kept { line, .. } => Some(*line),
                _ => None,
            })
            .collect();
        for entry in &original.body {
            let inst = entry.inst;
            if !(inst.is("COPY") || inst.is("ADD"))
                || inst.flag("from").is_some()
                || inst.values().len() < 2
            {
                continue;
            }
            if inst.copies_whole_context() {
                continue;
            }
            let sources = inst.values().all_but_last();
            let dest = resolve(
                entry.workdir.as_deref(),
                &inst.values()[inst.values().len() - 1],
            );
            let outside = dest != app_dir && !is_inside(&dest, app_dir.trim_end_matches('/'));
            let named = sources.iter().any(|s| {
                let base = s.trim_end_matches('/').rsplit('/').next().unwrap_or(s);
                !base.is_empty() && start.words.iter().any(|w| w.ends_with(base))
            });
            let already = kept.contains(&inst.start_line());
            // Manifests last: the costliest test, and most COPYs are ruled out before it.
            if (outside || named)
                && !already
                && !sources
                    .iter()
                    .all(|s| is_manifest(s, self.planner.input.profile))
            {
                kept.insert(inst.start_line());
                steps.push(Step::Kept {
                    line: inst.start_line(),
                    text: entry.text.to_string(),
                    add_flags: Vec::new(),
                    blank_before: false,
                    secret_env: Vec::new(),
                    command_at: 0,
                });
                self.planner.decide(
                    format!("runtime keeps the COPY at line {}", inst.start_line()),
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
}

/// Whether `path` is below the folder `dir` (`dir/...`).
pub(super) fn is_inside(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with('/'))
}
