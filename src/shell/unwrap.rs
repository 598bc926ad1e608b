//! The detection view: the simple commands a text runs, unwrapped. Each command's
//! substitutions (`$(…)`, backquotes) are read as commands too (before it: they run first),
//! and wrappers the caller names (`sudo`, `env`, `exec`, `sh`, `bash`) are looked through, into
//! `sh -c '…'` scripts. The program is reduced to its basename.
//!
//! It is built on the planning view ([`parse`]): the same words, environment prefixes and
//! reserved-word handling.

use super::command::{basename, is_assignment, parse};
use std::borrow::Cow;

/// How deep `sh -c` scripts and substitutions are followed.
const MAX_DEPTH: usize = 4;

/// Simple commands with the words of all of them in one list: one allocation for a whole
/// Dockerfile instead of one per command.
#[derive(Clone, Debug, Default)]
pub struct Commands<'a> {
    words: Vec<Cow<'a, str>>,
    /// Per command: where its words end in `words` (they start where the previous one's end),
    /// and its first word as written when that is not its basename.
    list: Vec<(u32, Option<Cow<'a, str>>)>,
}

impl<'a> Commands<'a> {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The words of command `i`, the name reduced to its basename.
    pub fn words(&self, i: usize) -> &[Cow<'a, str>] {
        let start = if i == 0 { 0 } else { self.list[i - 1].0 };
        &self.words[start as usize..self.list[i].0 as usize]
    }

    /// Command `i` as written: its words joined by spaces.
    pub fn shown(&self, i: usize) -> String {
        let mut out = String::new();
        for (j, w) in self.words(i).iter().enumerate() {
            if j > 0 {
                out.push(' ');
            }
            match (&self.list[i].1, j) {
                (Some(name), 0) => out.push_str(name),
                _ => out.push_str(w),
            }
        }
        out
    }

    fn push(
        &mut self,
        words: impl IntoIterator<Item = Cow<'a, str>>,
        written_name: Option<Cow<'a, str>>,
    ) {
        self.words.extend(words);
        self.list.push((self.words.len() as u32, written_name));
    }

    /// Add the commands of `other`, owning their words.
    pub fn extend_owned(&mut self, other: Commands<'_>) {
        let mut words = other.words.into_iter();
        let mut start = 0;
        for (end, name) in other.list {
            let n = (end - start) as usize;
            start = end;
            let name = name.map(|w| Cow::Owned(w.into_owned()));
            self.push(
                words.by_ref().take(n).map(|w| Cow::Owned(w.into_owned())),
                name,
            );
        }
    }
}

/// The simple commands of shell text, unwrapped (see the module docs), as owned words.
pub fn simple_commands(text: &str, prefixes: &[String]) -> Vec<Vec<String>> {
    let mut out = Commands::default();
    simple_commands_into(text, prefixes, &mut out);
    (0..out.len())
        .map(|i| out.words(i).iter().map(|w| w.to_string()).collect())
        .collect()
}

/// Add the simple commands of shell text to `out`, unwrapped (see the module docs).
pub fn simple_commands_into<'a>(text: &'a str, prefixes: &[String], out: &mut Commands<'a>) {
    text_into(text, prefixes, out, 0);
}

/// Add `words` as one simple command (exec form) to `out`, unwrapped.
pub fn exec_command_into<'a>(
    words: impl IntoIterator<Item = &'a str>,
    prefixes: &[String],
    out: &mut Commands<'a>,
) {
    let mut words: Vec<Cow<'a, str>> = words.into_iter().map(Cow::Borrowed).collect();
    // Leading assignments are not the program (`["FOO=1", "go", "run", "."]` runs `FOO=1`
    // as a program in exec form, but is read the way the shell form would be).
    push_command(&mut words, prefixes, out, 0);
}

/// [`simple_commands_into`] at `depth` of unwrapping.
fn text_into<'a>(text: &'a str, prefixes: &[String], out: &mut Commands<'a>, depth: usize) {
    for command in parse(text) {
        if depth < MAX_DEPTH {
            for subst in &command.substs {
                match subst {
                    &Cow::Borrowed(inner) => text_into(inner, prefixes, out, depth + 1),
                    Cow::Owned(inner) => owned_text_into(inner, prefixes, out, depth + 1),
                }
            }
        }
        let mut words: Vec<Cow<'a, str>> = command.words.into_vec();
        push_command(&mut words, prefixes, out, depth);
    }
}

/// [`text_into`] for a text that does not live as long as `out` (an unquoted `sh -c` script):
/// its words are copied.
fn owned_text_into(text: &str, prefixes: &[String], out: &mut Commands<'_>, depth: usize) {
    let mut inner = Commands::default();
    text_into(text, prefixes, &mut inner, depth);
    out.extend_owned(inner);
}

/// Add the simple command in `words` (taken) to `out`, looking through the wrappers named in
/// `prefixes`.
fn push_command<'a>(
    words: &mut Vec<Cow<'a, str>>,
    prefixes: &[String],
    out: &mut Commands<'a>,
    depth: usize,
) {
    // Leading words are dropped from the front; `skip` counts them instead of shifting.
    let mut skip = 0;
    let mut wrapped = false;
    loop {
        let Some(first) = words.get(skip) else { return };
        // After a wrapper (`env FOO=1 go build`), and in exec form, assignments are no program.
        if (wrapped || skip == 0) && is_assignment(first) {
            skip += 1;
            continue;
        }
        let base = basename(first);
        // The first bytes are compared before the rest (most names are no prefix).
        if prefixes
            .iter()
            .any(|p| p.as_bytes().first() == base.as_bytes().first() && p == base)
        {
            skip += 1;
            wrapped = true;
            // `sh -c 'cmd'` / `bash -lc 'cmd'`: look inside.
            let rest = &words[skip..];
            if let Some(pos) = rest
                .iter()
                .position(|w| w.starts_with('-') && w.contains('c') && !w.starts_with("--"))
                && pos + 1 < rest.len()
                && rest[..pos].iter().all(|w| w.starts_with('-'))
            {
                if depth < MAX_DEPTH {
                    match &rest[pos + 1] {
                        &Cow::Borrowed(script) => text_into(script, prefixes, out, depth + 1),
                        Cow::Owned(script) => owned_text_into(script, prefixes, out, depth + 1),
                    }
                }
                return;
            }
            // Drop the wrapper's own options (`sudo -E`, `env -i`).
            while words.get(skip).is_some_and(|w| w.starts_with('-')) {
                skip += 1;
            }
            continue;
        }
        let written = if base.len() != first.len() {
            let base_at = first.len() - base.len();
            let base = match first {
                Cow::Borrowed(w) => Cow::Borrowed(&w[base_at..]),
                Cow::Owned(w) => Cow::Owned(w[base_at..].to_string()),
            };
            Some(std::mem::replace(&mut words[skip], base))
        } else {
            None
        };
        out.push(words.drain(skip..), written);
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes() -> Vec<String> {
        ["sudo", "env", "sh", "bash", "exec"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn splits_operators_and_looks_into_sh_c() {
        let cmds = simple_commands(
            "apt-get update && apt-get install -y golang-go \\\n  && sh -c 'npm ci; CGO_ENABLED=0 ./mvnw package' | tee x",
            &prefixes(),
        );
        let names: Vec<&str> = cmds.iter().map(|c| c[0].as_str()).collect();
        assert_eq!(names, ["apt-get", "apt-get", "npm", "mvnw", "tee"]);
    }

    #[test]
    fn looks_into_substitutions_and_wrappers() {
        let cmds = simple_commands(
            "echo \"$(go version)\" `uname -m` && sudo -E env FOO=1 GOOS=linux go build -o /x . 2>&1",
            &prefixes(),
        );
        assert_eq!(
            cmds,
            [
                vec!["go", "version"],
                vec!["uname", "-m"],
                vec!["echo", "$(go version)", "`uname -m`"],
                vec!["go", "build", "-o", "/x", "."],
            ]
        );
        // Unquoted scripts (owned words) and nested substitutions.
        let cmds = simple_commands(
            "bash -c npm\\ ci && x=$(dirname $(which node))",
            &prefixes(),
        );
        assert_eq!(
            cmds,
            [
                vec!["npm", "ci"],
                vec!["which", "node"],
                vec!["dirname", "$(which node)"]
            ]
        );
    }

    #[test]
    fn written_names_are_kept_for_messages() {
        let mut out = Commands::default();
        simple_commands_into("./mvnw -q package", &prefixes(), &mut out);
        exec_command_into(
            ["/usr/bin/env", "X=1", "/usr/local/bin/node", "a.js"],
            &prefixes(),
            &mut out,
        );
        assert_eq!(out.words(0)[0], "mvnw");
        assert_eq!(out.shown(0), "./mvnw -q package");
        assert_eq!(out.words(1)[0], "node");
        assert_eq!(out.shown(1), "/usr/local/bin/node a.js");
    }
}
