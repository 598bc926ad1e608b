//! Multi-platform builders (issue 19 item 1): when the profile's `cross` rules allow it, `deps`
//! starts `FROM --platform=$BUILDPLATFORM` (so `build` and `test`, which start from it, run on
//! the build machine's platform too) and the build compiles for the target platform from
//! BuildKit's automatic platform ARGs; the runtime stays on the target platform. Otherwise the
//! build stays native (emulated in a multi-platform build), with a decision saying why.
//!
//! Everything language-specific is profile data ([`Cross`]): the ARGs, the commands that
//! compile for the target, the build arguments and the options they get, and the facts that
//! keep a build native.

use super::model::{Stage, StageName, Step};
use super::planner::Planner;
use crate::profile::schema::{command_matches, normalise_command, version_at_least};
use crate::profile::{Cross, CrossOption};
use crate::shell::{self, Command};

/// The platform `deps` (and the stages built from it) run on.
const BUILD_PLATFORM: &str = "$BUILDPLATFORM";

/// A RUN of `deps` or `build` that cross-compiles: where it is, and the options its last
/// command gets (empty: it reads the ARGs or the build arguments only).
struct CrossRun {
    stage: usize,
    step: usize,
    add: Vec<String>,
}

impl Planner<'_, '_> {
    /// Put the build side on the build platform and cross-compile, or record why not.
    pub(super) fn cross_compile(&mut self, stages: &mut [Stage]) {
        let Some(cross) = self.input.profile.cross.as_ref() else {
            return;
        };
        if let Some(platform) = stages.first().and_then(|s| s.platform.clone()) {
            self.decide(
                format!("deps and runtime keep the original's --platform={platform}"),
                "the original FROM names the platform, so restage does not cross-compile",
                0.9,
            );
            return;
        }
        let runs = match self.cross_runs(cross, stages) {
            Ok(runs) => runs,
            Err(why) => {
                self.decide(
                    "the build stays on the target platform (no FROM --platform=$BUILDPLATFORM)",
                    why,
                    0.8,
                );
                return;
            }
        };
        self.decide(
            format!(
                "deps, build and test run on the build platform (FROM --platform={BUILD_PLATFORM}) and the build compiles for the target platform ({})",
                cross.how
            ),
            "a multi-platform build (buildx --platform linux/amd64,linux/arm64) then compiles natively instead of under emulation; the runtime stays on the target platform, and a build for one platform is the same as before",
            0.85,
        );
        stages[0].platform = Some(BUILD_PLATFORM.to_string());
        // Replace the RUNs first, then insert the ARGs (last stage first, later steps first,
        // so the recorded indexes stay valid).
        for run in &runs {
            if run.add.is_empty() {
                continue;
            }
            let add = run.add.join(" ");
            let step = &mut stages[run.stage].steps[run.step];
            let what = match step {
                // The original instruction stays as written (comments, line breaks, flags),
                // with the options after its last command.
                Step::Kept { line, text, .. } => {
                    let body = text.trim_end().to_string();
                    let ending = if text.ends_with("\r\n") {
                        "\r\n"
                    } else if text.ends_with('\n') {
                        "\n"
                    } else {
                        ""
                    };
                    *text = format!("{body} {add}{ending}");
                    format!("line {line} gets `{add}`")
                }
                Step::Run { command, .. } => {
                    command.push(' ');
                    command.push_str(&add);
                    format!("runs `{command}`")
                }
                _ => continue,
            };
            self.decide(
                format!("{}: {what}", stages[run.stage].name),
                format!("it compiles for the target platform ({})", cross.how),
                0.85,
            );
        }
        for stage in (0..stages.len()).rev() {
            let Some(first) = runs
                .iter()
                .filter(|r| r.stage == stage)
                .map(|r| r.step)
                .min()
            else {
                continue;
            };
            let mut declared: Vec<Step> = cross
                .args
                .iter()
                .map(|name| Step::Arg {
                    name: name.clone(),
                    value: None,
                })
                .collect();
            if stages[stage].name == StageName::Build {
                declared.extend(cross.env.iter().map(|v| Step::Arg {
                    name: v.name.clone(),
                    value: Some(v.value.clone()),
                }));
            }
            // The declarations join the RUN they are for: a blank line above it goes away.
            if let Step::Kept { blank_before, .. } = &mut stages[stage].steps[first] {
                *blank_before = false;
            }
            stages[stage].steps.splice(first..first, declared);
        }
    }

    /// The RUNs of `deps` and `build` that cross-compile, or why the build stays native.
    fn cross_runs(&self, cross: &Cross, stages: &[Stage]) -> Result<Vec<CrossRun>, String> {
        let facts = &self.input.detection.facts;
        if let Some(missing) = cross.requires.iter().find(|c| !facts.flag(&c.fact)) {
            return Err(missing.why.clone());
        }
        if let Some(blocking) = cross.unless.iter().find(|c| facts.flag(&c.fact)) {
            return Err(blocking.why.clone());
        }
        if let Some(min) = &cross.min_version {
            let version = self.input.detection.versions.get(&min.tool);
            let new_enough = version.and_then(|v| version_at_least(v, &min.version));
            if new_enough != Some(true) {
                return Err(format!(
                    "{} {}: {}",
                    min.tool,
                    version.map_or("of an unknown version", String::as_str),
                    min.why
                ));
            }
        }
        let builder_side = ["deps", "build"];
        if let Some(runtime) = stages.last()
            && builder_side.contains(&runtime.from.as_str())
        {
            return Err(format!(
                "the runtime starts from the {} stage, which would then be on the build platform",
                runtime.from
            ));
        }
        let mut runs = Vec::new();
        for (s, stage) in stages.iter().enumerate() {
            if !matches!(stage.name, StageName::Deps | StageName::Build) {
                continue;
            }
            for (i, step) in stage.steps.iter().enumerate() {
                let Some(run) = self.run_commands(step) else {
                    continue;
                };
                let words: Vec<Vec<String>> = run
                    .commands
                    .iter()
                    .map(|c| normalise_command(&c.owned_words()).into_owned())
                    .collect();
                if !words
                    .iter()
                    .any(|w| cross.commands.iter().any(|rule| command_matches(rule, w)))
                {
                    continue;
                }
                let add = options_for(&cross.options, &run, &words)?;
                runs.push(CrossRun {
                    stage: s,
                    step: i,
                    add,
                });
            }
        }
        let builds = stages
            .iter()
            .position(|s| s.name == StageName::Build)
            .is_some_and(|b| runs.iter().any(|r| r.stage == b));
        if !builds {
            return Err(format!(
                "the build stage runs none of {}, the commands restage can make compile for the target platform",
                cross.commands.join(", ")
            ));
        }
        Ok(runs)
    }

    /// A RUN step's simple commands and where they came from; `None` for other steps.
    fn run_commands<'s>(&'s self, step: &'s Step) -> Option<RunText<'s>> {
        match step {
            Step::Kept { line, .. } => {
                let body = &self.original.body;
                let index = body
                    .binary_search_by_key(line, |e| e.inst.start_line())
                    .ok()?;
                let entry = &body[index];
                if !entry.inst.is("RUN") {
                    return None;
                }
                // Options go after the last command only where it ends the instruction: not
                // in exec form or a heredoc, nor before a trailing shell comment.
                let appendable = entry.inst.shell_command().is_some_and(|args| {
                    let last_line = entry.text.trim_end().lines().last().unwrap_or("");
                    entry.inst.heredocs().is_empty()
                        && entry.commands.last().is_some_and(|c| {
                            let command = c.text.trim_end();
                            let last_word = command.split_whitespace().last().unwrap_or("");
                            args.trim_end().ends_with(command)
                                && !last_word.is_empty()
                                && last_line.ends_with(last_word)
                        })
                });
                Some(RunText {
                    line: Some(*line),
                    appendable,
                    commands: entry.commands.clone(),
                })
            }
            Step::Run { command, .. } => Some(RunText {
                line: None,
                appendable: true,
                commands: shell::parse(command),
            }),
            _ => None,
        }
    }
}

/// A RUN's simple commands, its line in the original (`None`: a RUN restage writes), and
/// whether options can go at its end.
struct RunText<'s> {
    line: Option<usize>,
    appendable: bool,
    commands: Vec<Command<'s>>,
}

/// The options a cross-compiling RUN gets: those of the rules its last command matches. A rule
/// that matches an earlier command, or a RUN whose end cannot take options, keeps the build
/// native (its reason is the error).
fn options_for(
    rules: &[CrossOption],
    run: &RunText<'_>,
    words: &[Vec<String>],
) -> Result<Vec<String>, String> {
    let place = || {
        run.line
            .map(|l| format!("line {l}"))
            .unwrap_or_else(|| "a RUN restage writes".into())
    };
    let mut add = Vec::new();
    for (i, command_words) in words.iter().enumerate() {
        for rule in rules
            .iter()
            .filter(|r| command_matches(&r.command, command_words))
        {
            let last = i + 1 == words.len();
            let redirected = run.commands.get(i).is_some_and(|c| !c.redirects.is_empty());
            if !last || !run.appendable || redirected {
                return Err(format!(
                    "{} runs `{}` where restage cannot add `{}` (not at the end of a shell-form RUN)",
                    place(),
                    rule.command,
                    rule.add
                ));
            }
            let has = |option: &str| {
                command_words
                    .iter()
                    .any(|w| w == option || w.starts_with(&format!("{option}=")))
            };
            if rule.unless_options.iter().any(|o| has(o)) {
                continue;
            }
            add.push(rule.add.clone());
        }
    }
    Ok(add)
}
