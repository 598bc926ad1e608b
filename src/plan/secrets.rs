//! Secrets become BuildKit secret mounts: a token passed as `ARG`/`ENV`, or a credentials file
//! copied from the context, never lands in a layer or the image history.
//!
//! The pass runs on the assembled stages. Each `ARG`/`ENV` whose name the system profile lists
//! as a credential (`*TOKEN*`, `PIP_INDEX_URL`) is removed, and every RUN that reads it (names it,
//! or installs dependencies) gets `--mount=type=secret,id=<name>` and exports the variable from
//! the mounted file for that RUN only (`export NPM_TOKEN="$(cat /run/secrets/npm_token)" && `,
//! a [`SecretEnv`]): the form BuildKit and buildah 1.28 both build, where the mount's own
//! `env=` option is BuildKit's alone. A RUN that cannot take the export (exec form, a heredoc, a
//! `SHELL` that is not a POSIX shell) mounts it with `env=` instead, and the warning says so.
//! Each credentials file a COPY takes from the context that holds a literal credential
//! (`.npmrc` with `_authToken=`) leaves the COPY and is mounted with `target=` where the COPY
//! put it. A warning gives the exact build flag. A RUN is never split by this pass, so an `rm`
//! of a written credentials file stays in the RUN that wrote it.
//!
//! What a secret mount cannot keep out of a layer is left as the original had it, with a
//! `secret-kept` warning: a variable a RUN stores in a file it does not remove (a command the
//! system profile lists under `persist`, such as `git config --global`, or a redirect into a
//! credentials file), and a copied credentials file a RUN other than an install works on
//! (`chmod 600 id_rsa`: the mount is read-only). A COPY of credentials files alone is package
//! manager setup, so the steps after it (`git config credential.helper store`) stay before the
//! installs.

use super::classify::{Recogniser, rule_matches};
use super::model::{SecretEnv, Stage, Step, WarningCode};
use super::original::{Entry, resolve};
use super::planner::Planner;
use crate::profile::CredentialFile;
use crate::profile::pattern::glob_ignore_ascii_case;
use crate::shell;
use crate::syntax::{Form, Instruction};

/// A credential that now comes from a secret mount.
struct Moved {
    /// The secret's id (`npm_token`).
    id: String,
    /// For a variable: its name, so RUNs naming it get the mount and export it.
    variable: Option<String>,
    /// For a file: its name, so RUNs naming it get the mount, and where the COPY put it.
    file: Option<(String, String)>,
    /// Whether every install gets the mount: a file, or a variable no original RUN names (the
    /// package manager reads it from the environment). A variable a RUN names goes only to the
    /// RUNs that name it.
    installs: bool,
}

impl Moved {
    /// The mount's options: a file at its target; a variable at the default target
    /// (`/run/secrets/<id>`) when the RUN exports it, else with BuildKit's `env=`.
    fn mount(&self, exported: bool) -> String {
        match (&self.file, &self.variable) {
            (Some((_, target)), _) => format!("type=secret,id={},target={target}", self.id),
            (None, Some(name)) if !exported => format!("type=secret,id={},env={name}", self.id),
            _ => format!("type=secret,id={}", self.id),
        }
    }

    /// Where a secret mounted without `target=` is found.
    fn default_path(&self) -> String {
        format!("/run/secrets/{}", self.id)
    }
}

/// The secret id for a variable or file name: lowercase, with `_` for anything else than a
/// letter or digit (`NPM_TOKEN` → `npm_token`, `.npmrc` → `npmrc`).
pub(crate) fn secret_id(name: &str) -> String {
    let id: String = name
        .trim_start_matches('.')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    id.trim_matches('_').to_string()
}

/// Whether `text` refers to the variable `name` (`$NAME` or `${NAME...}`).
fn names_variable(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = &text[..at];
        let after = text[at + name.len()..].chars().next();
        let ends = !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        ends && (before.ends_with('$') || before.ends_with("${"))
    })
}

impl<'p, 'a> Planner<'p, 'a> {
    /// Move the credentials of `header` and `stages` into secret mounts. Returns whether a
    /// mount was added (the output then needs BuildKit syntax).
    pub(crate) fn move_secrets(&mut self, header: &mut Vec<Step>, stages: &mut [Stage]) -> bool {
        let rules = &self.input.registry.system().secrets;
        let mut moved: Vec<Moved> = Vec::new();
        let mut removed_lines: Vec<usize> = Vec::new();
        let mut replacements: Vec<(usize, Vec<Step>)> = Vec::new();

        // Variables: ARG and ENV (global ARGs too) whose every name is a credential.
        let original = self.original;
        let entries = original.header.iter().chain(original.body.iter());
        let is_secret = |name: &str| {
            rules
                .variables
                .iter()
                .any(|p| glob_ignore_ascii_case(p, name))
        };
        // A variable a RUN stores in a file it leaves in its layer stays as it is: a secret
        // mount would not keep it out of that layer.
        let mut recogniser = Recogniser::new(self.input.profile);
        let mut kept_variables: Vec<(String, usize, String)> = Vec::new();
        let unsafe_variable = |name: &str, kept: &mut Vec<(String, usize, String)>| {
            if let Some(done) = kept.iter().find(|(n, _, _)| n == name) {
                return done.1 != 0;
            }
            let found = original
                .body
                .iter()
                .filter(|e| e.inst.is("RUN"))
                .find_map(|e| persisted(e, name, rules).map(|why| (e.inst.start_line(), why)));
            let (line, why) = found.unwrap_or((0, String::new()));
            kept.push((name.to_string(), line, why));
            line != 0
        };
        let mut variables: Vec<(&Entry<'_>, String, bool)> = Vec::new();
        for entry in entries {
            let is_env = entry.inst.is("ENV");
            if !entry.inst.is("ARG") && !is_env {
                continue;
            }
            let pairs: Vec<(&str, &str)> = if is_env {
                entry.inst.key_values()
            } else {
                entry
                    .inst
                    .values()
                    .iter()
                    .map(|w| w.split_once('=').unwrap_or((w, "")))
                    .collect()
            };
            let names: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
            let secret: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| is_secret(n) && !unsafe_variable(n, &mut kept_variables))
                .collect();
            if secret.is_empty() {
                continue;
            }
            if secret.len() < names.len() {
                if !is_env {
                    // An ARG line mixing credentials with other names is left as it is.
                    continue;
                }
                let others = pairs
                    .iter()
                    .filter(|(k, _)| !secret.contains(k))
                    .map(|(k, v)| Step::Env {
                        name: k.to_string(),
                        value: v.to_string(),
                    })
                    .collect();
                replacements.push((entry.inst.start_line(), others));
            } else {
                removed_lines.push(entry.inst.start_line());
            }
            for name in secret {
                variables.push((entry, name.to_string(), is_env));
            }
        }
        // A variable only used to build another credential (`ENV PIP_INDEX_URL=...${TOKEN}@...`)
        // is not mounted itself: the other one is.
        let run_texts: Vec<&str> = original
            .body
            .iter()
            .filter(|e| e.inst.is("RUN"))
            .map(|e| e.inst.arguments())
            .collect();
        let mut lines = Vec::new();
        for (entry, name, is_env) in &variables {
            let in_run = run_texts.iter().any(|t| names_variable(t, name));
            let in_other = variables.iter().any(|(other, other_name, other_env)| {
                *other_env
                    && other_name != name
                    && other
                        .inst
                        .key_values()
                        .iter()
                        .any(|(k, v)| k == other_name && names_variable(v, name))
            });
            lines.push(entry.inst.start_line());
            // `ARG TOKEN` then `ENV TOKEN=${TOKEN}`: one secret.
            if (in_other && !in_run && !is_env)
                || moved.iter().any(|m| m.variable.as_ref() == Some(name))
            {
                continue;
            }
            moved.push(Moved {
                id: secret_id(name),
                variable: Some(name.clone()),
                file: None,
                installs: !in_run,
            });
        }
        lines.sort_unstable();
        lines.dedup();

        // Files: COPY sources from the context that hold a literal credential.
        let mut file_flags = Vec::new();
        let mut file_lines = Vec::new();
        let mut file_names = Vec::new();
        // Copied credentials files a RUN other than an install names (`chmod 600 id_rsa`): a
        // read-only secret mount would break that RUN, so the COPY stays.
        let mut kept_files: Vec<(String, usize, usize, String)> = Vec::new();
        for entry in &original.body {
            let inst = entry.inst;
            if !(inst.is("COPY") || inst.is("ADD")) || inst.flag("from").is_some() {
                continue;
            }
            let values = inst.values();
            if values.len() < 2 || !inst.heredocs().is_empty() {
                continue;
            }
            let sources = values.all_but_last();
            let dest = values[values.len() - 1].to_string();
            let into_dir = dest.ends_with('/') || dest == "." || sources.len() > 1;
            let mut kept = Vec::new();
            let mut taken = Vec::new();
            for source in sources.iter() {
                let path = source.trim_start_matches("./");
                if let Some(rule) = credential_rule(&rules.files, path)
                    && self
                        .input
                        .ctx
                        .read(path)
                        .is_some_and(|text| rule.holds_secret(&text))
                {
                    let name = path.rsplit('/').next().unwrap_or(path);
                    if let Some((line, command)) = changed_by(original, name, &mut recogniser) {
                        kept_files.push((path.to_string(), inst.start_line(), line, command));
                        kept.push(source.to_string());
                        continue;
                    }
                    taken.push(path.to_string());
                } else {
                    kept.push(source.to_string());
                }
            }
            if taken.is_empty() {
                continue;
            }
            let workdir = entry.workdir.as_deref();
            for path in &taken {
                let name = path.rsplit('/').next().unwrap_or(path);
                let target = if into_dir {
                    resolve(workdir, &format!("{}/{name}", dest.trim_end_matches('/')))
                } else {
                    resolve(workdir, &dest)
                };
                let id = secret_id(name);
                file_flags.push(format!("--secret id={id},src={path}"));
                file_names.push(name.to_string());
                moved.push(Moved {
                    id,
                    variable: None,
                    file: Some((name.to_string(), target)),
                    installs: true,
                });
            }
            file_lines.push(inst.start_line());
            let chown = inst.flag("chown").map(str::to_string);
            let replacement = if kept.is_empty() {
                Vec::new()
            } else {
                vec![Step::Copy {
                    from: None,
                    chown,
                    sources: kept,
                    dest,
                }]
            };
            replacements.push((inst.start_line(), replacement));
        }
        kept_variables.retain(|(_, line, _)| *line != 0);
        self.warn_kept(&kept_variables, &kept_files);
        if moved.is_empty() {
            return false;
        }

        // Remove and replace the instructions, then mount into the RUNs that need it.
        let drop_or_replace = |steps: &mut Vec<Step>| {
            let mut out = Vec::with_capacity(steps.len());
            for step in steps.drain(..) {
                if let Step::Kept { line, text, .. } = &step {
                    if removed_lines.contains(line) {
                        // The instruction goes; the comments above it stay (nothing the user
                        // wrote is lost).
                        out.extend(comment_lines(text).map(|text| Step::Comment { text }));
                        continue;
                    }
                    if let Some((_, with)) = replacements.iter().find(|(l, _)| l == line) {
                        out.extend(with.iter().cloned());
                        continue;
                    }
                }
                out.push(step);
            }
            *steps = out;
        };
        drop_or_replace(header);
        let escape = self.input.df.escape();
        let posix_shell = original
            .body
            .iter()
            .all(|e| !e.inst.is("SHELL") || posix_shell(e.inst));
        let mut mounted = false;
        // The RUNs that mount a variable with `env=` (they cannot export it): their lines, or
        // 0 for a new RUN.
        let mut env_mounts: Vec<usize> = Vec::new();
        for stage in stages.iter_mut() {
            drop_or_replace(&mut stage.steps);
            for step in &mut stage.steps {
                let step_line = match step {
                    Step::Kept { line, .. } => *line,
                    _ => 0,
                };
                let (text, existing, installs, command_at, original_flags): (
                    &str,
                    Vec<String>,
                    bool,
                    Option<usize>,
                    &[crate::syntax::Flag],
                ) = match step {
                    Step::Kept {
                        line,
                        text,
                        add_flags,
                        ..
                    } => {
                        let Some(entry) = original.entry_at(*line).filter(|e| e.inst.is("RUN"))
                        else {
                            continue;
                        };
                        let installs = entry.commands.iter().any(|c| {
                            recogniser.classify(c) == Some(super::model::Class::DependencyInstall)
                        });
                        let at = (posix_shell
                            && entry.inst.form == Some(Form::Shell)
                            && entry.inst.heredocs().is_empty())
                        .then(|| command_start(text, entry.inst.flags().len(), escape))
                        .flatten();
                        let mounts = add_flags
                            .iter()
                            .filter_map(|f| f.strip_prefix("mount="))
                            .map(str::to_string)
                            .collect();
                        (
                            entry.inst.arguments(),
                            mounts,
                            installs,
                            at,
                            entry.inst.flags(),
                        )
                    }
                    Step::Run {
                        command, mounts, ..
                    } => {
                        let installs = shell::parse(command).iter().any(|c| {
                            recogniser.classify(c) == Some(super::model::Class::DependencyInstall)
                        });
                        let at = posix_shell.then_some(0);
                        (command.as_str(), mounts.clone(), installs, at, &[][..])
                    }
                    _ => continue,
                };
                let mounts_id = |id: &str| {
                    existing
                        .iter()
                        .map(String::as_str)
                        .chain(
                            original_flags
                                .iter()
                                .filter(|f| f.name == "mount")
                                .filter_map(|f| f.value.as_deref()),
                        )
                        .any(|m| {
                            m.contains("type=secret")
                                && m.split(',').any(|kv| kv == format!("id={id}"))
                        })
                };
                let mut wanted: Vec<String> = Vec::new();
                let mut exports: Vec<SecretEnv> = Vec::new();
                for m in &moved {
                    let needed = (installs && m.installs)
                        || m.variable
                            .as_deref()
                            .is_some_and(|v| names_variable(text, v))
                        || m.file
                            .as_ref()
                            .is_some_and(|(f, _)| text.contains(f.as_str()));
                    if !needed || mounts_id(&m.id) {
                        continue;
                    }
                    let exported = m.variable.is_some() && command_at.is_some();
                    wanted.push(m.mount(exported));
                    if let Some(name) = m.variable.as_ref() {
                        if exported {
                            exports.push(SecretEnv {
                                name: name.clone(),
                                path: m.default_path(),
                            });
                        } else {
                            env_mounts.push(step_line);
                        }
                    }
                }
                if wanted.is_empty() {
                    continue;
                }
                mounted = true;
                match step {
                    Step::Kept {
                        add_flags,
                        secret_env,
                        command_at: at,
                        ..
                    } => {
                        add_flags.extend(wanted.into_iter().map(|m| format!("mount={m}")));
                        if !exports.is_empty() {
                            secret_env.extend(exports);
                            *at = command_at.unwrap_or(0);
                        }
                    }
                    Step::Run {
                        mounts, secret_env, ..
                    } => {
                        mounts.extend(wanted);
                        secret_env.extend(exports);
                    }
                    _ => {}
                }
            }
        }
        if !variables.is_empty() {
            self.warn_moved_variables(&variables, &lines, &moved, &env_mounts);
        }
        if !file_names.is_empty() {
            let shown: Vec<String> = file_lines.iter().map(|l| l.to_string()).collect();
            self.warn(
                WarningCode::SecretMoved,
                format!(
                    "{} (copied at line {}) {} a credential, which a COPY leaves in a layer: the installs read it from a BuildKit secret mount instead. Build with `docker build {} .`",
                    file_names.join(", "),
                    shown.join(", "),
                    if file_names.len() == 1 { "holds" } else { "hold" },
                    file_flags.join(" ")
                ),
                file_lines.first().copied(),
            );
        }
        if mounted {
            self.decide(
                "installs read credentials from BuildKit secret mounts",
                "a secret mount is never written to a layer, the image history or the build cache",
                0.9,
            );
        }
        mounted
    }
}

impl Planner<'_, '_> {
    /// The `secret-moved` warning for the variables: which ones, from which lines, how the
    /// RUNs read them, and the build flag. RUNs that mount one with `env=` are named: BuildKit
    /// builds them, buildah 1.28 does not.
    fn warn_moved_variables(
        &mut self,
        variables: &[(&Entry<'_>, String, bool)],
        lines: &[usize],
        moved: &[Moved],
        env_mounts: &[usize],
    ) {
        let mut names: Vec<&str> = Vec::new();
        for (_, name, _) in variables {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        let shown: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let mounted: Vec<&Moved> = moved.iter().filter(|m| m.variable.is_some()).collect();
        let flags: Vec<String> = mounted
            .iter()
            .map(|m| {
                format!(
                    "--secret id={},env={}",
                    m.id,
                    m.variable.as_deref().unwrap_or_default()
                )
            })
            .collect();
        let exports: Vec<String> = mounted
            .iter()
            .map(|m| {
                format!(
                    "export {}=\"$(cat {})\"",
                    m.variable.as_deref().unwrap_or_default(),
                    m.default_path()
                )
            })
            .collect();
        let (one, it) = if names.len() == 1 {
            ("is", "it")
        } else {
            ("are", "them")
        };
        let mut message = format!(
            "{} (line {}) {one} no longer a build argument or variable, which would leave {it} in the image history: the RUNs that need {it} mount {it} as a secret and set {it} for that RUN only (`{}`), so {it} never reaches a layer. Build with `docker build {} .` (`buildah bud` and `podman build` take the same `--secret`)",
            names.join(", "),
            shown.join(", "),
            exports.join(" && "),
            flags.join(" "),
        );
        if !env_mounts.is_empty() {
            let mut at: Vec<String> = env_mounts
                .iter()
                .map(|l| {
                    if *l == 0 {
                        "a new RUN".to_string()
                    } else {
                        format!("line {l}")
                    }
                })
                .collect();
            at.dedup();
            message.push_str(&format!(
                "; the RUN at {} cannot set a variable before its command (exec form, a heredoc or a non-POSIX SHELL), so it mounts the secret with `env=`, which BuildKit builds and buildah 1.28 refuses",
                at.join(", ")
            ));
        }
        self.warn(WarningCode::SecretMoved, message, lines.first().copied());
    }
}

impl Planner<'_, '_> {
    /// Whether a COPY takes only credentials files that hold a literal credential from the
    /// context (`COPY .netrc /root/.netrc`).
    pub(crate) fn copies_only_credentials(&self, inst: &Instruction) -> bool {
        if !(inst.is("COPY") || inst.is("ADD"))
            || inst.flag("from").is_some()
            || !inst.heredocs().is_empty()
        {
            return false;
        }
        let values = inst.values();
        let rules = &self.input.registry.system().secrets.files;
        values.len() >= 2
            && values.all_but_last().iter().all(|source| {
                let path = source.trim_start_matches("./");
                credential_rule(rules, path).is_some_and(|rule| {
                    self.input
                        .ctx
                        .read(path)
                        .is_some_and(|text| rule.holds_secret(&text))
                })
            })
    }

    /// The credentials files COPY instructions take from the context that stay COPY
    /// instructions: a RUN other than an install works on them (see [`changed_by`]).
    pub(crate) fn kept_credential_copies(&self) -> Vec<String> {
        let mut recogniser = Recogniser::new(self.input.profile);
        let mut kept = Vec::new();
        for entry in &self.original.body {
            let inst = entry.inst;
            if !(inst.is("COPY") || inst.is("ADD")) || inst.flag("from").is_some() {
                continue;
            }
            let rules = &self.input.registry.system().secrets.files;
            for source in inst.values().all_but_last().iter() {
                let path = source.trim_start_matches("./");
                let name = path.rsplit('/').next().unwrap_or(path);
                let Some(rule) = credential_rule(rules, path) else {
                    continue;
                };
                if changed_by(self.original, name, &mut recogniser).is_some()
                    && self
                        .input
                        .ctx
                        .read(path)
                        .is_some_and(|text| rule.holds_secret(&text))
                {
                    kept.push(path.to_string());
                }
            }
        }
        kept
    }

    /// The `secret-kept` warnings: the credentials left where the original put them, and why.
    fn warn_kept(
        &mut self,
        variables: &[(String, usize, String)],
        files: &[(String, usize, usize, String)],
    ) {
        for (name, line, why) in variables {
            self.warn(
                WarningCode::SecretKept,
                format!(
                    "{name} is left a build argument or variable as in the original: the RUN at line {line} {why}. As it is, the credential stays in that RUN's layer whether it comes from a build argument or a secret mount, so restage does not move it"
                ),
                Some(*line),
            );
        }
        for (path, copied, line, command) in files {
            let name = path.rsplit('/').next().unwrap_or(path);
            let id = secret_id(name);
            self.warn(
                WarningCode::SecretKept,
                format!(
                    "{path} (copied at line {copied}) holds a credential, but the RUN at line {line} works on the file itself (`{command}`), which a read-only secret mount would break: the COPY is left as it is, so the file stays in a layer. To keep it out, drop that command and mount the file in the installs that read it (`--mount=type=secret,id={id},target=...,mode=0600`), built with `docker build --secret id={id},src={path} .`"
                ),
                Some(*copied),
            );
        }
    }
}

/// How a RUN keeps the variable `name` in its layer, when it does: a command that stores its
/// arguments in a configuration file (`git config --global url."https://$TOKEN@..."`), or a
/// redirect or `tee` into a credentials file the RUN does not remove.
fn persisted(entry: &Entry<'_>, name: &str, rules: &crate::profile::SecretRules) -> Option<String> {
    let removed = |file: &str| {
        let base = file.rsplit('/').next().unwrap_or(file);
        entry.commands.iter().any(|c| {
            c.program() == "rm"
                && c.positional()
                    .skip(1)
                    .any(|w| w.rsplit('/').next().unwrap_or(w) == base)
        })
    };
    for command in entry.commands.iter() {
        if !names_variable(&command.text, name) {
            continue;
        }
        if let Some(rule) = rules.persist.iter().find(|r| rule_matches(r, command)) {
            // What it stored goes with an `rm` in the same RUN: of one of its arguments (`git
            // clone URL dir` then `rm -rf dir`; `lib.git` clones into `lib`), or of a
            // credentials file.
            let cleaned = command.positional().skip(1).any(|w| {
                let w = w.trim_end_matches('/');
                let base = w.rsplit('/').next().unwrap_or(w);
                let base = base.strip_suffix(".git").unwrap_or(base);
                !base.is_empty() && removed(base)
            }) || entry.commands.iter().any(|c| {
                c.program() == "rm"
                    && c.positional()
                        .skip(1)
                        .any(|w| credential_rule(&rules.files, w).is_some())
            });
            if cleaned {
                continue;
            }
            return Some(format!(
                "gives it to `{rule}`, which stores it in a configuration file; pass it to that command for the RUN only instead (for git, `git -c url.\"https://${{TOKEN}}@github.com/\".insteadOf=https://github.com/ ...` or a credential helper reading the mounted secret)"
            ));
        }
        let teed = (command.program() == "tee").then(|| command.positional().skip(1));
        let written = command
            .redirects
            .iter()
            .filter(|r| r.op.contains('>') && !r.op.contains('&'))
            .map(|r| &*r.target)
            .chain(teed.into_iter().flatten());
        for file in written {
            if credential_rule(&rules.files, file).is_some() && !removed(file) {
                return Some(format!(
                    "writes it into {file} and does not remove the file; write the file from the mounted secret and remove it (or restore it) at the end of the same RUN"
                ));
            }
        }
    }
    None
}

/// The first RUN of the original that names the credentials file `name` in a command other
/// than a dependency install, as its line and that command.
fn changed_by(
    original: &super::original::Original<'_>,
    name: &str,
    recogniser: &mut Recogniser<'_>,
) -> Option<(usize, String)> {
    original
        .body
        .iter()
        .filter(|e| e.inst.is("RUN") && e.inst.arguments().contains(name))
        .find_map(|e| {
            e.commands
                .iter()
                .find(|c| {
                    c.text.contains(name)
                        && recogniser.classify(c) != Some(super::model::Class::DependencyInstall)
                })
                .map(|c| (e.inst.start_line(), c.text.to_string()))
        })
}

/// Whether `text` refers to a variable (`$NAME`, `${NAME}`) whose name the system profile lists
/// as a credential.
pub(crate) fn names_secret_variable(text: &str, patterns: &[String]) -> bool {
    text.match_indices('$').any(|(at, _)| {
        let rest = text[at + 1..].strip_prefix('{').unwrap_or(&text[at + 1..]);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        !name.is_empty() && patterns.iter().any(|p| glob_ignore_ascii_case(p, name))
    })
}

/// Where a shell-form RUN's command starts in its kept `text` (comment lines above it, the
/// keyword, then `flags` builder flags, line continuations and the comment lines inside them
/// allowed): the byte offset of the command's first character, or `None` when the text does
/// not read that way (a flag written across a continuation, no command).
pub(crate) fn command_start(text: &str, flags: usize, escape: char) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            at += line.len();
            continue;
        }
        at += line.len() - trimmed.len();
        break;
    }
    let keyword = text.get(at..)?.find(char::is_whitespace)?;
    at += keyword;
    let mut left = flags;
    loop {
        let rest = &text[at..];
        let word = rest.trim_start_matches([' ', '\t']);
        at += rest.len() - word.len();
        let continued = word
            .strip_prefix(escape)
            .map(|w| w.strip_prefix('\r').unwrap_or(w))
            .and_then(|w| w.strip_prefix('\n'));
        if let Some(mut next) = continued {
            // Blank and comment lines inside a continuation are dropped by the parser.
            while let Some(end) = next.find('\n') {
                let line = next[..end].trim();
                if !(line.is_empty() || line.starts_with('#')) {
                    break;
                }
                next = &next[end + 1..];
            }
            at = text.len() - next.len();
            continue;
        }
        if left > 0 {
            if !word.starts_with("--") {
                return None;
            }
            at += word.find(char::is_whitespace).unwrap_or(word.len());
            left -= 1;
            continue;
        }
        let first = word.chars().next()?;
        return (!first.is_whitespace() && first != escape).then_some(at);
    }
}

/// Whether a `SHELL` instruction runs a POSIX shell (`sh`, `bash`, `ash`, `dash`, `ksh`,
/// `zsh`), where `export NAME="$(cat FILE)"` means what it says.
fn posix_shell(inst: &Instruction) -> bool {
    inst.values().first().is_some_and(|program| {
        let name = program.rsplit('/').next().unwrap_or(program);
        matches!(name, "sh" | "bash" | "ash" | "dash" | "ksh" | "zsh")
    })
}

/// The credentials-file rule a path's name matches.
pub(crate) fn credential_rule<'r>(
    rules: &'r [CredentialFile],
    path: &str,
) -> Option<&'r CredentialFile> {
    rules.iter().find(|r| r.matches_name(path))
}

/// The comment lines at the top of a kept instruction's text, without their `# `, in order.
fn comment_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.lines()
        .map(str::trim_start)
        .take_while(|line| line.is_empty() || line.starts_with('#'))
        .filter(|line| line.starts_with('#'))
        .map(|line| {
            let body = &line[1..];
            body.strip_prefix(' ')
                .unwrap_or(body)
                .trim_end()
                .to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids_are_lowercase_words() {
        assert_eq!(secret_id("NPM_TOKEN"), "npm_token");
        assert_eq!(secret_id(".npmrc"), "npmrc");
        assert_eq!(secret_id("settings.xml"), "settings_xml");
    }

    #[test]
    fn a_variable_is_named_only_as_a_whole_reference() {
        assert!(names_variable("echo ${NPM_TOKEN} > .npmrc", "NPM_TOKEN"));
        assert!(names_variable("https://x:$PIP_TOKEN@h", "PIP_TOKEN"));
        assert!(!names_variable("echo $NPM_TOKEN_2", "NPM_TOKEN"));
        assert!(!names_variable("echo NPM_TOKEN", "NPM_TOKEN"));
    }

    #[test]
    fn the_command_starts_after_the_keyword_flags_and_continuations() {
        fn at(text: &str, flags: usize) -> Option<&str> {
            command_start(text, flags, '\\').map(|at| &text[at..])
        }
        assert_eq!(at("RUN npm ci\n", 0), Some("npm ci\n"));
        assert_eq!(
            at("# token\n\nRUN  --mount=type=cache,target=/c npm ci\n", 1),
            Some("npm ci\n")
        );
        assert_eq!(
            at(
                "RUN --mount=a \\\n    --mount=b \\\n    # why\n    npm ci\n",
                2
            ),
            Some("npm ci\n")
        );
        assert_eq!(at("RUN \\\r\n  echo x\r\n", 0), Some("echo x\r\n"));
        assert_eq!(
            command_start("RUN `\n  echo x\n", 0, '`').map(|_| ()),
            Some(())
        );
        // Not a shape that can be read: no command, a flag where none is expected to be.
        assert_eq!(at("RUN\n", 0), None);
        assert_eq!(at("RUN --mount=a\n", 1), None);
        assert_eq!(at("RUN npm ci\n", 1), None);
    }

    #[test]
    fn a_secret_variable_is_found_by_its_name() {
        let patterns = ["*TOKEN*".to_string(), "PIP_INDEX_URL".to_string()];
        assert!(names_secret_variable(
            "git clone https://${GITHUB_TOKEN}@github.com/a/b.git && pip install ./b",
            &patterns
        ));
        assert!(names_secret_variable(
            "pip install -i $PIP_INDEX_URL x",
            &patterns
        ));
        assert!(!names_secret_variable("echo $HOME ${PATH} $", &patterns));
        assert!(!names_secret_variable("echo TOKEN", &patterns));
    }

    #[test]
    fn a_file_naming_only_a_variable_holds_no_secret() {
        let rule = CredentialFile {
            name: ".npmrc".into(),
            holds: vec!["_authToken=".into()],
        };
        assert!(!rule.holds_secret("//r/:_authToken=${NPM_TOKEN}\n"));
        assert!(rule.holds_secret("//r/:_authToken=npm_abc\n"));
        assert!(rule.matches_name("sub/.NPMRC"));
    }
}
