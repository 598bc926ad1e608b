//! The original single-stage Dockerfile seen as the planner needs it: the header above the
//! stage, the stage's instructions with the comments written above each, and the working
//! directory in effect at every instruction.

use super::classify::Recogniser;
use super::model::Class;
use super::shell::{self, Command};
use crate::profile::Profile;
use crate::syntax::{Dockerfile, Instruction, Item};
use crate::text::TextRange;
use std::borrow::Cow;

/// One instruction of the original with its kept text (comments above it included).
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub index: usize,
    pub inst: &'a Instruction,
    /// The comment lines directly above the instruction and the instruction itself, byte for
    /// byte, ending with a line break.
    pub text: String,
    /// The absolute working directory in effect when the instruction runs (`None` when it is
    /// the base image's, unknown).
    pub workdir: Option<String>,
    /// Whether a blank line separated it (and its comments) from what came before.
    pub blank_before: bool,
    /// A RUN's simple commands (empty for other instructions): split once, read by every
    /// step of the planner.
    pub commands: Vec<Command<'a>>,
    /// The class of each of `commands` by the profile's rules (`None` for neutral commands
    /// such as `cd`); filled by [`Original::classify_commands`].
    pub classes: Vec<Option<Class>>,
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
        let mut pending: Vec<TextRange> = Vec::new();
        let mut seen_from = false;
        let mut workdir: Option<String> = None;
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
                    let inst = &df.instructions[index];
                    let mut text = String::new();
                    if inst.is("FROM") && !seen_from {
                        // The FROM line itself is regenerated: its comments (pragmas included)
                        // stay above the first stage.
                        out.header_comments
                            .extend(pending.drain(..).map(|r| with_eol(df.slice(r), eol)));
                    }
                    for comment in pending.drain(..) {
                        text.push_str(&with_eol(df.slice(comment), eol));
                    }
                    text.push_str(&with_eol(df.slice(range), eol));
                    if inst.is("WORKDIR") {
                        workdir = Some(resolve_workdir(workdir.as_deref(), inst));
                    }
                    let entry = Entry {
                        index,
                        inst,
                        text,
                        workdir: workdir.clone(),
                        blank_before: std::mem::take(&mut blank),
                        commands: if inst.is("RUN") {
                            run_commands(inst)
                        } else {
                            Vec::new()
                        },
                        classes: Vec::new(),
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
        for entry in &mut self.body {
            entry.classes = entry
                .commands
                .iter()
                .map(|c| recogniser.classify(c))
                .collect();
        }
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
        None => Cow::Borrowed(&inst.arguments),
    }
}

/// A RUN's simple commands, borrowing from the instruction (owned for the rare exec form).
fn run_commands(inst: &Instruction) -> Vec<Command<'_>> {
    match run_text(inst) {
        Cow::Borrowed(text) => shell::commands(text),
        Cow::Owned(text) => shell::commands(&text)
            .into_iter()
            .map(Command::into_owned)
            .collect(),
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
    let target = inst.values.first().map(String::as_str).unwrap_or("/");
    let target = target.trim_matches('"');
    if target.starts_with('/') || target.starts_with('$') {
        return normalise_path(target);
    }
    let base = current.unwrap_or("/");
    normalise_path(&format!("{}/{}", base.trim_end_matches('/'), target))
}

/// Collapse `.` and `..` components and duplicate slashes.
pub fn normalise_path(path: &str) -> String {
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

/// Resolve a path used in an instruction against a working directory.
pub fn resolve(workdir: Option<&str>, path: &str) -> String {
    if path.starts_with('/') {
        normalise_path(path)
    } else {
        normalise_path(&format!("{}/{}", workdir.unwrap_or("/"), path))
    }
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
