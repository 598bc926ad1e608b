//! The original single-stage Dockerfile seen as the planner needs it: the header above the
//! stage, the stage's instructions with the comments written above each, and the working
//! directory in effect at every instruction.

use super::classify::Recogniser;
use super::model::Class;
use crate::profile::Profile;
use crate::shell::{self, Command};
use crate::syntax::{Dockerfile, Instruction, Item};
use crate::text::InlineVec;
use crate::text::TextRange;
use std::borrow::Cow;
use std::rc::Rc;

/// One instruction of the original with its kept text (comments above it included).
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub index: usize,
    pub inst: &'a Instruction,
    /// The comment lines directly above the instruction and the instruction itself, byte for
    /// byte, ending with a line break. Borrowed from the file when that is the instruction's
    /// own text.
    pub text: Cow<'a, str>,
    /// The absolute working directory in effect when the instruction runs (`None` when it is
    /// the base image's, unknown). Shared by all the entries after one WORKDIR.
    pub workdir: Option<Rc<str>>,
    /// Whether a blank line separated it (and its comments) from what came before.
    pub blank_before: bool,
    /// A RUN's simple commands (empty for other instructions): split once, read by every
    /// step of the planner.
    pub commands: Vec<Command<'a>>,
    /// The class of each of `commands` by the profile's rules (`None` for neutral commands
    /// such as `cd`); filled by [`Original::classify_commands`]. In place for up to 8.
    pub classes: InlineVec<Option<Class>, 8>,
}

/// The parts of a single-stage Dockerfile.
#[derive(Clone, Debug, Default)]
pub struct Original<'a> {
    /// BOM and parser directives.
    pub directives: Vec<String>,
    /// Comments and ARGs above the FROM (with their comments).
    pub header: Vec<Entry<'a>>,
    /// Comment-only text above FROM that is not attached to a global ARG.
    pub header_comments: Vec<String>,
    pub from: Option<Entry<'a>>,
    /// The instructions after FROM.
    pub body: Vec<Entry<'a>>,
    /// Comments after the last instruction.
    pub trailer: Vec<String>,
    /// Whether the original ends with a line break.
    pub final_newline: bool,
    pub crlf: bool,
}

impl<'a> Original<'a> {
    /// Split a Dockerfile with exactly one FROM.
    pub fn new(df: &'a Dockerfile) -> Self {
        let eol = if df.uses_crlf() { "\r\n" } else { "\n" };
        let mut out = Original {
            final_newline: df.text().is_empty() || df.text().ends_with('\n'),
            crlf: df.uses_crlf(),
            ..Default::default()
        };
        // Nearly every instruction is in the body: one allocation instead of a doubling series
        // of copies of large entries.
        out.body.reserve(df.instructions.len());
        let mut pending: Vec<TextRange> = Vec::new();
        let mut seen_from = false;
        let mut workdir: Option<Rc<str>> = None;
        let mut blank = false;
        for item in &df.items {
            match *item {
                // The BOM stays glued to whatever line follows it.
                Item::Bom { range } => out.directives.push(df.slice(range).to_string()),
                Item::Directive { range } => out.directives.push(with_eol(df.slice(range), eol)),
                Item::Comment { range } => pending.push(range),
                Item::Blank { .. } => {
                    if pending.is_empty() {
                        blank = true;
                    }
                    // A blank line detaches header comments from what follows.
                    if !seen_from && !pending.is_empty() {
                        out.header_comments
                            .extend(pending.drain(..).map(|r| with_eol(df.slice(r), eol)));
                    }
                }
                Item::Instruction { index, range } => {
                    let inst = &df.instructions[index as usize];
                    if inst.is("FROM") && !seen_from {
                        // The FROM line itself is regenerated: its comments (pragmas included)
                        // stay above the first stage.
                        out.header_comments
                            .extend(pending.drain(..).map(|r| with_eol(df.slice(r), eol)));
                    }
                    let text = kept_text(df, pending.drain(..), range, eol);
                    if inst.is("WORKDIR") {
                        workdir = Some(resolve_workdir(workdir.as_deref(), inst).into());
                    }
                    let entry = Entry {
                        index: index as usize,
                        inst,
                        text,
                        workdir: workdir.clone(),
                        blank_before: std::mem::take(&mut blank),
                        commands: if inst.is("RUN") {
                            run_commands(inst)
                        } else {
                            Vec::new()
                        },
                        classes: InlineVec::default(),
                    };
                    if inst.is("FROM") {
                        seen_from = true;
                        out.from = Some(entry);
                    } else if seen_from {
                        out.body.push(entry);
                    } else {
                        out.header.push(entry);
                    }
                }
            }
        }
        out.trailer = pending
            .into_iter()
            .map(|r| with_eol(df.slice(r), eol))
            .collect();
        out
    }

    /// Classify every command of the body's RUNs once, for everything the planner reads.
    pub fn classify_commands(&mut self, profile: &Profile) {
        let mut recogniser = Recogniser::new(profile);
        // Only RUNs have commands; the others keep their empty list.
        for entry in self.body.iter_mut().filter(|e| !e.commands.is_empty()) {
            entry.classes = entry
                .commands
                .iter()
                .map(|c| recogniser.classify(c))
                .collect();
        }
    }

    /// The body's instruction that starts at `line`. The body is in file order, so this is a
    /// binary search: the planner asks once per kept step, and a linear search made that
    /// quadratic in the number of instructions.
    pub fn entry_at(&self, line: usize) -> Option<&Entry<'a>> {
        self.body
            .binary_search_by_key(&line, |e| e.inst.start_line())
            .ok()
            .map(|at| &self.body[at])
    }

    /// The instructions of the body with a keyword.
    pub fn body_with<'s>(&'s self, keyword: &'s str) -> impl Iterator<Item = &'s Entry<'a>> + 's {
        self.body.iter().filter(move |e| e.inst.is(keyword))
    }

    /// The last working directory set in the body.
    pub fn final_workdir(&self) -> Option<&str> {
        self.body.last().and_then(|e| e.workdir.as_deref())
    }
}

/// The shell text of a RUN (exec form joined with spaces).
pub fn run_text(inst: &Instruction) -> Cow<'_, str> {
    match inst.exec_args() {
        Some(args) => Cow::Owned(args.join(" ")),
        None => Cow::Borrowed(inst.arguments()),
    }
}

/// A RUN's simple commands, borrowing from the instruction (owned for the rare exec form).
/// The heredoc bodies the line runs as scripts (`RUN <<EOF`) follow its own commands.
fn run_commands(inst: &Instruction) -> Vec<Command<'_>> {
    match run_text(inst) {
        Cow::Borrowed(text) if !inst.heredocs().is_empty() => {
            let mut commands = shell::parse(text);
            let heredocs = inst.heredocs().iter().map(|h| (&*h.name, &*h.content));
            for body in shell::script_bodies(text, heredocs) {
                commands.extend(shell::parse(body));
            }
            commands
        }
        Cow::Borrowed(text) => shell::parse(text),
        Cow::Owned(text) => shell::parse(&text)
            .into_iter()
            .map(Command::into_owned)
            .collect(),
    }
}

/// An instruction's kept text: the comments above it and itself, each ending with a line
/// break. Borrowed when it is just the instruction's own line(s).
fn kept_text<'a>(
    df: &'a Dockerfile,
    comments: impl ExactSizeIterator<Item = TextRange>,
    range: TextRange,
    eol: &str,
) -> Cow<'a, str> {
    let own = df.slice(range);
    if comments.len() == 0 && own.ends_with('\n') {
        return Cow::Borrowed(own);
    }
    let mut text = String::new();
    for comment in comments {
        push_with_eol(&mut text, df.slice(comment), eol);
    }
    push_with_eol(&mut text, own, eol);
    Cow::Owned(text)
}

/// Append a kept slice, with a line break when it has none.
fn push_with_eol(text: &mut String, slice: &str, eol: &str) {
    text.push_str(slice);
    if !slice.ends_with('\n') {
        text.push_str(eol);
    }
}

/// Make sure a kept slice ends with a line break (the last line of a file may have none).
fn with_eol(text: &str, eol: &str) -> String {
    if text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}{eol}")
    }
}

/// The absolute directory a WORKDIR leads to from `current`.
fn resolve_workdir(current: Option<&str>, inst: &Instruction) -> String {
    let target = inst.values().first().unwrap_or("/");
    let target = target.trim_matches('"');
    if target.starts_with('/') || target.starts_with('$') {
        return normalise_path(target);
    }
    let base = current.unwrap_or("/");
    normalise_path(&format!("{}/{}", base.trim_end_matches('/'), target))
}

/// Collapse `.` and `..` components and duplicate slashes.
pub fn normalise_path(path: &str) -> String {
    normalise_pieces(&[path], !path.starts_with('$'))
}

/// Resolve a path used in an instruction against a working directory.
pub fn resolve(workdir: Option<&str>, path: &str) -> String {
    if path.starts_with('/') {
        normalise_path(path)
    } else {
        let workdir = workdir.unwrap_or("/");
        normalise_pieces(&[workdir, path], !workdir.starts_with('$'))
    }
}

/// [`normalise_path`] of the pieces joined with `/`, in one String: each kept component is
/// written as `/name`, and `..` cuts back to the last slash. `absolute`: whether the result
/// starts with `/` (not for a path starting with a variable).
fn normalise_pieces(pieces: &[&str], absolute: bool) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.len() + 1).sum::<usize>() + 1);
    for part in pieces.iter().flat_map(|p| p.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                if let Some(slash) = out.rfind('/') {
                    out.truncate(slash);
                }
            }
            p => {
                out.push('/');
                out.push_str(p);
            }
        }
    }
    if !absolute {
        if !out.is_empty() {
            out.remove(0);
        }
    } else if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn splits_header_body_and_tracks_workdir() {
        let df = parse(
            "# syntax=docker/dockerfile:1\n# top\n\nARG V=1\nFROM a:$V\n# go to app\nWORKDIR /app\nWORKDIR ./build/libs\nCOPY . .\n# end\n",
        );
        let o = Original::new(&df);
        assert_eq!(o.directives, vec!["# syntax=docker/dockerfile:1\n"]);
        assert_eq!(o.header_comments, vec!["# top\n"]);
        assert_eq!(o.header.len(), 1);
        assert_eq!(o.body[0].text, "# go to app\nWORKDIR /app\n");
        assert_eq!(o.body[2].workdir.as_deref(), Some("/app/build/libs"));
        assert_eq!(o.trailer, vec!["# end\n"]);
    }

    #[test]
    fn comments_above_from_stay_in_the_header() {
        let df = parse("# restage: test_stage=false\nFROM a\nRUN x\n");
        let o = Original::new(&df);
        assert_eq!(o.header_comments, vec!["# restage: test_stage=false\n"]);
    }

    #[test]
    fn last_line_without_newline_gets_one() {
        let df = parse("FROM a\r\nCMD x");
        let o = Original::new(&df);
        assert!(!o.final_newline);
        assert_eq!(o.body[0].text, "CMD x\r\n");
    }

    /// The first normaliser (split, collect, join, format): the reference for the one-pass one.
    fn normalise_reference(path: &str) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
        }
        let prefix = if path.starts_with('$') { "" } else { "/" };
        format!("{prefix}{}", parts.join("/"))
    }

    proptest::proptest! {
        #[test]
        fn one_pass_normaliser_agrees_with_the_reference(
            workdir in proptest::option::of("([$a/.]|\\.\\.){0,8}"),
            path in "([$a/.]|\\.\\.){0,8}",
        ) {
            proptest::prop_assert_eq!(normalise_path(&path), normalise_reference(&path));
            let expected = if path.starts_with('/') {
                normalise_reference(&path)
            } else {
                normalise_reference(&format!("{}/{}", workdir.as_deref().unwrap_or("/"), path))
            };
            proptest::prop_assert_eq!(resolve(workdir.as_deref(), &path), expected);
        }
    }

    #[test]
    fn paths_resolve_against_workdir() {
        assert_eq!(
            resolve(Some("/app"), "target/app.jar"),
            "/app/target/app.jar"
        );
        assert_eq!(resolve(None, "./main"), "/main");
        assert_eq!(resolve(Some("/app"), "/out/x"), "/out/x");
    }
}
