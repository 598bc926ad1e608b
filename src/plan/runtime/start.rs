//! The start command: what the original runs, whether the runtime can run it without the
//! toolchain, and its translation (`go run` → the binary, paths that moved).

use super::*;
use crate::plan::model::SkipCode;

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    /// The entrypoint scripts the start command runs (`docker-entrypoint.sh`, `entrypoint`,
    /// `*.sh`) that are in the context, with their path and text.
    pub(super) fn entrypoint_scripts(&self, start: &StartCommand) -> Vec<(String, String)> {
        let ctx = self.planner.input.ctx;
        let mut scripts = Vec::new();
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
            if let Some(text) = ctx.read(path) {
                scripts.push((path.clone(), text));
            }
        }
        scripts
    }

    /// The last CMD and ENTRYPOINT of the original, combined as the shell would see them.
    pub(super) fn start_command(&self, units: &[Unit<'p>]) -> StartCommand {
        let last = |kw: &str| units.iter().rev().find(|u| u.entry.inst.is(kw));
        let mut start = StartCommand::default();
        for (kw, unit) in [("ENTRYPOINT", last("ENTRYPOINT")), ("CMD", last("CMD"))] {
            let Some(unit) = unit else { continue };
            let inst = unit.entry.inst;
            let words = match inst.form {
                Some(Form::Exec) => inst.values().to_vec(),
                _ => shell::parse(inst.arguments())
                    .into_iter()
                    .next()
                    .map(|c| c.owned_words())
                    .unwrap_or_default(),
            };
            if words.is_empty() {
                continue;
            }
            if start.words.is_empty() {
                start.line = Some(inst.start_line());
                start.keyword = kw.to_string();
            } else {
                start.entrypoint_len = start.words.len();
                start.cmd_line = Some(inst.start_line());
            }
            start.words.extend(words);
        }
        start
    }

    /// A start command (or a script it runs) that needs the SDK at run time cannot be kept
    /// working without the toolchain: leave the file alone and say why.
    pub(super) fn refuse_toolchain_at_start(&self, start: &StartCommand) -> Result<(), Skip> {
        let profile = self.planner.input.profile;
        if let Some(rule) = profile.entrypoint_for(&start.words)
            && rule.needs_toolchain
        {
            return Err(Skip::new(
                SkipCode::StartNeedsToolchain,
                format!(
                    "the start command `{}` needs the toolchain at run time: {}",
                    start.words.join(" "),
                    rule.note
                ),
            ));
        }
        for (path, script) in self.entrypoint_scripts(start) {
            let prefixes = &self.planner.input.registry.system().command_prefixes;
            for line in script.lines() {
                for command in shell::parse(line) {
                    let words: Vec<String> = command
                        .words
                        .iter()
                        .skip_while(|w| prefixes.iter().any(|p| *p == **w))
                        .map(|w| w.to_string())
                        .collect();
                    if let Some(rule) = profile.entrypoint_for(&words)
                        && rule.needs_toolchain
                    {
                        return Err(Skip::new(
                            SkipCode::StartNeedsToolchain,
                            format!(
                                "the start script {path} runs `{}`, which needs the toolchain at run time: {}",
                                command.text, rule.note
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn entrypoint_rule(
        &self,
        start: &StartCommand,
    ) -> Option<crate::profile::EntrypointRule> {
        self.planner
            .input
            .profile
            .entrypoint_for(&start.words)
            .cloned()
    }

    /// The original's runtime metadata in order; start commands translated where needed.
    pub(super) fn metadata(
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
            if is_start
                && Some(unit.line()) == last_start_line
                && let Some(translation) = self.translate(start, rule, artifact, workdir)
            {
                push_comments(&unit.entry.text, steps);
                let n = start.entrypoint_len;
                // A layered jar: the launcher stands where `-jar <jar>` stood, one word less.
                let new_n = match (&self.layer_launcher, layers::jar_option(&translation.args)) {
                    (Some(_), Some(at)) if at + 1 < n => n - 1,
                    _ => n,
                };
                let mut translation = translation;
                if let Some(launcher) = &self.layer_launcher
                    && let Some(args) = layers::with_launcher(&translation.args, launcher)
                {
                    self.planner.decide(
                        format!("start command runs {launcher} instead of `java -jar`"),
                        "the runtime holds the jar's extracted layers, which the launcher starts",
                        0.85,
                    );
                    translation.args = args;
                }
                if translation.same_shape && n > 0 && new_n < translation.args.len() {
                    // Keep ENTRYPOINT and CMD apart: `docker run image ARGS` still replaces CMD.
                    let (entry, cmd) = translation.args.split_at(new_n);
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
                        |s| matches!(s, Step::Exec { keyword, .. } if *keyword == inst.keyword()),
                    ) {
                        steps.push(unit.step(Vec::new()));
                    }
                    continue;
                }
                let translated = translation.args;
                if !start.keyword.is_empty() && start.keyword != inst.keyword() {
                    // ENTRYPOINT + CMD were combined; the translation replaces both.
                    steps.retain(|s| !matches!(s, Step::Kept { line, .. } if *line == start.line.unwrap_or(0)));
                }
                steps.push(Step::Exec {
                    keyword: inst.keyword().to_string(),
                    args: translated,
                });
                continue;
            }
            if is_start
                && self.family == "distroless"
                && inst.form == Some(Form::Shell)
                && let Some(words) = simple_command_words(inst.arguments())
            {
                push_comments(&unit.entry.text, steps);
                self.planner.decide(
                    format!("line {}: {} in exec form", unit.line(), inst.keyword()),
                    "the distroless runtime has no shell to run the shell form",
                    0.9,
                );
                steps.push(Step::Exec {
                    keyword: inst.keyword().to_string(),
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
    pub(super) fn tools_for_start(
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
        // The program a script runs (`npm start` → `serve -s build`) counts as well.
        let resolved = self
            .resolved_start(start)
            .first()
            .filter(|p| !p.contains('/') && !translated)
            .cloned();
        let programs: Vec<String> = program.iter().chain(resolved.iter()).cloned().collect();
        let mut installed_program = false;
        if programs.is_empty() && !all {
            return false;
        }
        let profile = self.planner.input.profile;
        let pm_names: Vec<&str> = profile
            .package_managers
            .iter()
            .flat_map(|pm| {
                std::iter::once(pm.name.as_str()).chain(pm.aliases.iter().map(String::as_str))
            })
            .collect();
        let mut replayed: Vec<&str> = Vec::new();
        for entry in &self.planner.original.body {
            if !entry.inst.is("RUN") {
                continue;
            }
            for (command, &class) in entry.commands.iter().zip(&entry.classes) {
                if class != Some(Class::PackageManagerSetup) || replayed.contains(&&*command.text) {
                    continue;
                }
                let installs = |name: &str| {
                    command
                        .words
                        .iter()
                        .skip(1)
                        .any(|w| w.split(['@', '=']).next() == Some(name))
                };
                let installs_program = programs.iter().any(|p| installs(p));
                if !(all || installs_program) {
                    continue;
                }
                // A global install of tools other than a package manager (`yarn global add
                // @nestjs/cli`, `npm i -g typescript`) is for the build; the start command
                // does not run them, so the runtime goes without.
                let global = command
                    .words
                    .iter()
                    .skip(1)
                    .any(|w| matches!(&**w, "-g" | "--global" | "global"));
                if !installs_program && global && !pm_names.iter().any(|n| installs(n)) {
                    self.planner.warn(
                        WarningCode::ToolDropped,
                        format!(
                            "the runtime does not run `{}` (line {}): it installs a tool for the build, and the start command does not use it, so the tool the original image had is not in the runtime",
                            command.text,
                            entry.inst.start_line()
                        ),
                        Some(entry.inst.start_line()),
                    );
                    replayed.push(&command.text);
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
                replayed.push(&command.text);
                steps.push(Step::Run {
                    mounts: Vec::new(),
                    command: command.text.to_string(),
                    secret_env: Vec::new(),
                });
            }
        }
        installed_program
    }

    /// The start command with package.json scripts followed (`npm start` → the words of
    /// `scripts.start`'s first command; `npx tsx app.ts` → `tsx app.ts`), through the
    /// profile's entrypoint rules with a `script`. The start command itself when none applies.
    pub(super) fn resolved_start(&self, start: &StartCommand) -> Vec<String> {
        let profile = self.planner.input.profile;
        let scripts = &self.planner.input.detection.facts.scripts;
        let mut words = start.words.clone();
        // Scripts may call scripts (`start` → `npm run serve`); a few steps cover real ones
        // and stop a cycle.
        for _ in 0..4 {
            let Some(rule) = profile.entrypoint_for(&words) else {
                break;
            };
            let Some(script) = rule.script.as_deref() else {
                break;
            };
            let matched = rule.command.split_whitespace().count();
            let next = words
                .iter()
                .enumerate()
                .skip(matched)
                .find(|(_, w)| !w.starts_with('-'))
                .map(|(i, w)| (i, w.clone()));
            let name = match (script, &next) {
                ("{next}", Some((_, word))) => word.clone(),
                ("{next}", None) => break,
                (name, _) => name.to_string(),
            };
            match scripts.get(&name) {
                Some(text) => {
                    let Some(command) = shell::parse(text).into_iter().next() else {
                        break;
                    };
                    words = command.owned_words();
                }
                // A name that is no script is an executable (`npx tsx`, `yarn vite`).
                None => match next {
                    Some((i, _)) if script == "{next}" => words = words[i..].to_vec(),
                    _ => break,
                },
            }
            if words.is_empty() {
                break;
            }
        }
        words
    }

    /// Why the start command needs devDependencies at run time, if it does: a profile rule
    /// says so for it (`vite preview`) or for what its script runs (`npm start` → `ts-node`),
    /// or the program it ends up running is a devDependency in package.json.
    pub(super) fn dev_dependency_need(
        &self,
        start: &StartCommand,
        rule: Option<&crate::profile::EntrypointRule>,
    ) -> Option<String> {
        let shown = start.words.join(" ");
        if let Some(rule) = rule
            && rule.needs_dev_dependencies
        {
            return Some(format!(
                "the start command `{shown}` needs devDependencies: {}",
                rule.note
            ));
        }
        let resolved = self.resolved_start(start);
        let program = resolved.first()?;
        let program = program.rsplit('/').next().unwrap_or(program);
        let facts = &self.planner.input.detection.facts;
        let is = |list: &[String]| list.iter().any(|d| d == program);
        let runs = if resolved == start.words {
            format!("the start command `{shown}`")
        } else {
            format!("the start command `{shown}` runs `{}`", resolved.join(" "))
        };
        if is(&facts.dev_dependencies) && !is(&facts.dependencies) {
            return Some(format!(
                "{runs}, and {program} is a devDependency in package.json"
            ));
        }
        if is(&facts.dependencies) {
            return None;
        }
        let resolved_rule = self.planner.input.profile.entrypoint_for(&resolved)?;
        resolved_rule.needs_dev_dependencies.then(|| {
            format!(
                "{runs}, which needs devDependencies: {}",
                resolved_rule.note
            )
        })
    }

    /// A shell-form start command that needs a real shell cannot run on a shell-less image.
    pub(super) fn refuse_shell_without_shell(&self, units: &[Unit<'p>]) -> Result<(), Skip> {
        if self.family != "distroless" {
            return Ok(());
        }
        for unit in units {
            let inst = unit.entry.inst;
            let is_start = inst.is("CMD") || inst.is("ENTRYPOINT") || inst.is("HEALTHCHECK");
            if is_start
                && inst.form == Some(Form::Shell)
                && !inst.arguments().is_empty()
                && simple_command_words(inst.arguments()).is_none()
                && !inst.is("HEALTHCHECK")
            {
                return Err(Skip::new(
                    SkipCode::StartNeedsShell,
                    format!(
                        "line {}: the start command `{}` needs a shell, and the distroless runtime has none",
                        unit.line(),
                        inst.arguments()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A translated start command, when the profile has a rule or an exec-form glob needs
    /// fixing.
    pub(super) fn translate(
        &mut self,
        start: &StartCommand,
        rule: Option<&crate::profile::EntrypointRule>,
        artifact: Option<&(String, String)>,
        workdir: &Option<String>,
    ) -> Option<Translation> {
        let translation = self.translate_paths(start, rule, artifact, workdir);
        if translation.is_none() && self.layer_launcher.is_some() {
            // Nothing else changes, but the launcher replaces `-jar <jar>`.
            return Some(Translation {
                args: start.words.clone(),
                same_shape: true,
            });
        }
        translation
    }

    /// [`RuntimeBuilder::translate`] before a layered jar's launcher is put in.
    fn translate_paths(
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
                if part == "{args}" {
                    // The program's own arguments: after the first `--` (`cargo run -- 80`,
                    // `dotnet run --no-restore -- 1666`), as the build tool passes them on.
                    args.extend(rest.iter().skip_while(|w| *w != "--").skip(1).cloned());
                    continue;
                }
                let filled =
                    part.replace("{artifact}", artifact.map_or("", |(_, dest)| dest.as_str()));
                args.push(self.planner.render(&filled).unwrap_or(filled));
            }
            if only_paths_moved(&start.words, &args) {
                self.planner.decide(
                    format!(
                        "start command `{}` becomes `{}`",
                        start.words.join(" "),
                        args.join(" ")
                    ),
                    rule.note.clone(),
                    0.85,
                );
            } else {
                self.planner.warn(
                    WarningCode::StartCommandChanged,
                    format!(
                        "the start command `{}` becomes `{}`: {}",
                        start.words.join(" "),
                        args.join(" "),
                        rule.note
                    ),
                    start.line,
                );
            }
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
            .position(|w| self.names_artifact(w, workdir.as_deref(), source));
        if let Some(i) = glob_word {
            let mut args = start.words.clone();
            args[i] = artifact.to_string();
            self.planner.warn(
                WarningCode::StartCommandChanged,
                format!(
                    "the start command uses {artifact} instead of `{}`: exec form does not expand globs, so the original pointed at a file that does not exist",
                    start.words[i]
                ),
                start.line,
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
            secret_env: Vec::new(),
            command_at: 0,
        });
    }
}

/// The words of a shell command that needs no shell: one command, no expansions, operators
/// or redirections.
pub(super) fn simple_command_words(text: &str) -> Option<Vec<String>> {
    if text.contains([
        '$', '`', '*', '?', '>', '<', '|', '&', ';', '~', '(', ')', '\\', '\'', '"',
    ]) {
        return None;
    }
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    (!words.is_empty() && !words[0].contains('=')).then_some(words)
}

/// Whether `new` runs what `old` ran with only paths moved: the same words, but for paths to a
/// file of the same name (`dotnet App.dll` → `dotnet /app/App.dll`, `java -jar app.jar` →
/// `java -jar /app/app.jar`). Anything else (`go run .` → `/app/server`, `dotnet run` →
/// `dotnet App.dll`) is another command.
fn only_paths_moved(old: &[String], new: &[String]) -> bool {
    let name = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    old.len() == new.len()
        && old
            .iter()
            .zip(new)
            .all(|(a, b)| a == b || (b.contains('/') && name(a) == name(b)))
}

#[cfg(test)]
mod tests {
    use super::only_paths_moved;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn a_moved_artifact_is_the_same_command_and_a_translation_is_not() {
        let same = |a: &str, b: &str| only_paths_moved(&words(a), &words(b));
        assert!(same("dotnet Shop.Api.dll", "dotnet /app/Shop.Api.dll"));
        assert!(same("java -jar app.jar", "java -jar /app/app.jar"));
        assert!(!same("dotnet run", "dotnet /app/Weather.dll"));
        assert!(!same("go run .", "/app/guestbook"));
        assert!(!same("cargo run", "/usr/local/bin/status-page"));
        assert!(!same("java -jar app.jar", "java -jar /app/other.jar"));
    }
}
