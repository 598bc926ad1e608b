//! The body cut into units, the pieces the planner places: a whole instruction, or one class
//! group of a RUN that mixes classes (a dependency install and a build), when it can be split
//! without leaving a credential in a layer.

use super::install::names_credential_file;
use super::{Planner, Skip};
use crate::plan::classify;
use crate::plan::model::SkipCode;
use crate::plan::model::{Class, Step};
use crate::plan::original::Entry;
use crate::plan::secrets;
use crate::shell::{self, Command};
use std::borrow::Cow;

/// One piece of the original placed as a unit: a whole instruction, or one class group of a RUN
/// that mixes, say, a dependency install and a build.
#[derive(Clone, Debug)]
pub(crate) struct Unit<'a> {
    pub entry: &'a Entry<'a>,
    pub class: Class,
    /// For a split RUN, the shell text of this group.
    pub part: Option<String>,
}

impl Unit<'_> {
    pub fn line(&self) -> usize {
        self.entry.inst.start_line()
    }

    /// The simple commands of this unit: its part of a split RUN, or the whole RUN's.
    pub fn commands(&self) -> Cow<'_, [Command<'_>]> {
        match &self.part {
            Some(text) => Cow::Owned(shell::parse(text)),
            None => Cow::Borrowed(&self.entry.commands),
        }
    }

    /// The step that carries this unit: the original bytes, or a new RUN for a split part.
    pub fn step(&self, add_flags: Vec<String>) -> Step {
        match &self.part {
            // A part of a split RUN keeps the original's mounts (a secret the command reads).
            Some(command) => Step::Run {
                mounts: add_flags
                    .into_iter()
                    .filter_map(|f| f.strip_prefix("mount=").map(str::to_string))
                    .chain(
                        self.entry
                            .inst
                            .flags()
                            .iter()
                            .filter(|f| f.name == "mount")
                            .filter_map(|f| f.value.clone()),
                    )
                    .collect(),
                command: command.clone(),
                secret_env: Vec::new(),
            },
            None => Step::Kept {
                line: self.line(),
                text: self.entry.text.to_string(),
                add_flags,
                blank_before: self.entry.blank_before,
                secret_env: Vec::new(),
                command_at: 0,
            },
        }
    }
}

impl<'p, 'a> Planner<'p, 'a> {
    /// Break the body into units, splitting RUN lines that mix classes.
    pub(super) fn units(&mut self) -> Result<Vec<Unit<'p>>, Skip> {
        let profile = self.input.profile;
        let mut units = Vec::new();
        for entry in &self.original.body {
            let is_run = entry.inst.is("RUN");
            let single = if is_run {
                classify::run_class(&entry.classes)
            } else if self.copies_only_credentials(entry.inst) {
                // `COPY .netrc /root/.netrc`: it sets up the installs (and becomes a secret
                // mount), so the setup steps after it stay before them.
                Some(Class::PackageManagerSetup)
            } else {
                Some(classify::classify(entry.inst, &entry.classes, profile))
            };
            // Only a RUN whose commands disagree is split into groups.
            let (None, true) = (single, is_run) else {
                units.push(Unit {
                    entry,
                    class: single.unwrap_or(Class::Other),
                    part: None,
                });
                continue;
            };
            let parts = classify::run_parts(&entry.commands, &entry.classes);
            if parts.parts.len() <= 1 {
                units.push(Unit {
                    entry,
                    class: Class::Other,
                    part: None,
                });
                continue;
            }
            let has_install = parts
                .parts
                .iter()
                .any(|(c, _)| *c == Class::DependencyInstall);
            // A RUN that writes a credentials file for its install (and removes it) stays whole,
            // so the file never outlives the RUN in a layer.
            let credentials = &self.input.registry.system().secrets.files;
            let secrets = &self.input.registry.system().secrets;
            // An install with a credential stays whole: splitting it would leave the
            // credential, or what was fetched or written with it, in a layer.
            let kept_whole_because = if !has_install {
                None
            } else if names_credential_file(&entry.commands, credentials) {
                Some(
                    "it writes a credentials file for its install; splitting it would leave the file in a layer",
                )
            } else if secrets::names_secret_variable(entry.inst.arguments(), &secrets.variables) {
                Some(
                    "its install uses a credential (a token in a URL or a file it cleans up in the same RUN); splitting it would leave what it fetched or wrote with the credential in a layer",
                )
            } else {
                None
            };
            if let Some(why) = kept_whole_because {
                self.decide(
                    format!(
                        "the RUN at line {} stays whole in deps",
                        entry.inst.start_line()
                    ),
                    why,
                    0.9,
                );
                units.push(Unit {
                    entry,
                    class: Class::DependencyInstall,
                    part: None,
                });
                continue;
            }
            if !parts.splittable() || !entry.inst.heredocs().is_empty() {
                let has_build = parts.parts.iter().any(|(c, _)| *c == Class::Build);
                if has_install && has_build {
                    // Kept whole where the original ran it, after the sources: it installs and
                    // builds as before; deps installs the dependencies first, so the whole RUN
                    // finds them (only its own install step is no longer cached on its own).
                    self.decide(
                        format!("the RUN at line {} stays whole in the build stage", entry.inst.start_line()),
                        "it installs and builds in a way restage cannot split (a heredoc, pipes or `||`); deps installs the dependencies before it",
                        0.75,
                    );
                    units.push(Unit {
                        entry,
                        class: Class::Build,
                        part: None,
                    });
                    continue;
                }
                if has_install {
                    return Err(Skip::new(
                        SkipCode::InstallNotSplittable,
                        format!(
                            "line {}: the RUN installs dependencies and does other work in a way restage cannot split (pipes or `||`)",
                            entry.inst.start_line()
                        ),
                    ));
                }
                units.push(Unit {
                    entry,
                    class: Class::Other,
                    part: None,
                });
                continue;
            }
            self.decide(
                format!("split the RUN at line {} into {} steps", entry.inst.start_line(), parts.parts.len()),
                "it mixes work that belongs in different stages (e.g. a dependency install and a build)",
                0.9,
            );
            for (class, commands) in parts.parts {
                let text = join_commands(&commands);
                units.push(Unit {
                    entry,
                    class,
                    part: Some(text),
                });
            }
        }
        Ok(units)
    }
}

/// Join commands of one group back into shell text, with their original operators.
pub(super) fn join_commands(commands: &[&Command<'_>]) -> String {
    let mut text = String::new();
    for (i, command) in commands.iter().enumerate() {
        if i > 0 {
            let op = match &*command.joined_by {
                "\n" | "" => "&&",
                op => op,
            };
            text.push(' ');
            text.push_str(op);
            text.push(' ');
        }
        text.push_str(&command.text);
    }
    text
}

/// Whether the instruction already mounts a cache.
pub(super) fn has_cache_mount(unit: &Unit<'_>) -> bool {
    unit.entry
        .inst
        .flags()
        .iter()
        .any(|f| f.name == "mount" && f.value.as_deref().is_some_and(|v| v.contains("type=cache")))
}
