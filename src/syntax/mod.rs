//! Lossless, infallible Dockerfile parsing that agrees with BuildKit's parser.
//!
//! [`parse`] never fails: it returns a [`Dockerfile`] whose [`items`](Dockerfile::items) tile the
//! input exactly (so printing the tree gives the input back byte for byte, invalid input
//! included) together with the [`SyntaxError`]s BuildKit would report.
//!
//! The rules follow BuildKit's `frontend/dockerfile/parser`: parser directives only before the
//! first other line, `# escape=`, line continuations that skip comment and blank lines, heredocs
//! on `RUN`/`COPY`/`ADD`, builder flags, and JSON (exec) form with a fallback to shell form.
//!
//! Each [`Instruction`] carries its [`Kind`], so callers can match on what an instruction is
//! instead of comparing keyword strings.

mod directives;
mod flags;
mod heredoc;
mod instruction;
mod kind;
mod lines;
mod parser;
mod pragma;
mod values;
mod words;

pub use directives::Directives;
pub use instruction::{Flag, Form, Heredoc, Instruction};
pub use kind::Kind;
pub use parser::{MAX_TEXT, parse};
pub use pragma::{Pragma, is_ignored, pragmas};
pub use values::{Values, ValuesIter};
pub use words::{parse_words, split_key_values};

use crate::text::TextRange;
use serde::Serialize;
use std::fmt;

/// A parsed Dockerfile. Holds the source text, which the ranges of every other field point
/// into; the instructions' arguments and values are in a buffer of their own that they share.
#[derive(Clone, Debug)]
pub struct Dockerfile {
    text: String,
    /// Parser directives (`# syntax=`, `# escape=`, `# check=`) found before the first other line.
    pub directives: Directives,
    /// Every byte of the input, in order, as one of: BOM, directive, comment, blank line or
    /// instruction. Concatenating the slices gives back the input.
    pub items: Vec<Item>,
    /// The instructions, in order. `Item::Instruction(i)` indexes into this.
    pub instructions: Vec<Instruction>,
    /// What BuildKit would reject, with positions.
    pub errors: Vec<SyntaxError>,
}

/// One piece of the lossless tree. Ranges include the line terminator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A UTF-8 byte-order mark at the very start.
    Bom { range: TextRange },
    /// A parser directive line (`# syntax=...`).
    Directive { range: TextRange },
    /// A comment line outside any instruction.
    Comment { range: TextRange },
    /// A line holding only whitespace, or a stray escape-only line that BuildKit ignores.
    Blank { range: TextRange },
    /// An instruction: its physical lines, including continuation lines, comments inside the
    /// continuation, and heredoc bodies.
    /// `index` is a `u32` (see [`MAX_TEXT`]), so an item is 24 bytes, not 32.
    Instruction { index: u32, range: TextRange },
}

impl Item {
    pub fn range(&self) -> TextRange {
        match *self {
            Item::Bom { range }
            | Item::Directive { range }
            | Item::Comment { range }
            | Item::Blank { range }
            | Item::Instruction { range, .. } => range,
        }
    }
}

/// An error BuildKit's parser would report, located by 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
    #[serde(skip)]
    pub range: TextRange,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl Dockerfile {
    /// The whole source text, exactly as given to [`parse`].
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The source text of a range.
    pub fn slice(&self, range: TextRange) -> &str {
        range.slice(&self.text)
    }

    /// The escape character in effect (`\` unless `# escape=` says otherwise).
    pub fn escape(&self) -> char {
        self.directives.escape
    }

    /// Whether the file had a UTF-8 byte-order mark.
    pub fn has_bom(&self) -> bool {
        matches!(self.items.first(), Some(Item::Bom { .. }))
    }

    /// Whether the file uses CRLF line endings (judged by its first line break).
    pub fn uses_crlf(&self) -> bool {
        self.text
            .find('\n')
            .is_some_and(|i| i > 0 && self.text.as_bytes()[i - 1] == b'\r')
    }

    /// The `FROM` instructions, in order.
    pub fn stages(&self) -> impl Iterator<Item = &Instruction> {
        self.instructions.iter().filter(|i| i.is("FROM"))
    }
}

/// Printing a tree gives back the exact input: the items, concatenated.
impl fmt::Display for Dockerfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            f.write_str(self.slice(item.range()))?;
        }
        Ok(())
    }
}
