//! The parser: physical lines → items and instructions, following BuildKit's `parser.Parse`.
//!
//! It never fails. Where BuildKit would stop with an error, restage records a [`SyntaxError`]
//! and carries on, so the tree still covers every byte of the input.

use super::directives::{DirectiveLine, DirectiveScanner, Directives};
use super::flags::extract_flags;
use super::heredoc::markers;
use super::instruction::Rare;
use super::kind::Kind;
use super::lines::{Line, line_at, split_lines, trim_continuation, trim_leading_ws, trim_ws};
use super::values::Spans;
use super::words::{key_value_ranges, words};
use super::{Dockerfile, Flag, Form, Heredoc, Instruction, Item, SyntaxError};
use crate::text::TextRange;
use std::sync::Arc;

const BOM: &str = "\u{feff}";

/// Above this size, [`parse`] counts the lines to size its vectors.
const LARGE: usize = 64 * 1024;

/// The longest text [`parse`] reads: 2 GiB, so that the offsets into the instructions'
/// shared buffer and their indexes fit in `u32`.
pub const MAX_TEXT: usize = (u32::MAX / 2) as usize;

/// Parse a Dockerfile. Never fails and never panics; problems are in [`Dockerfile::errors`].
/// A text over [`MAX_TEXT`] is not read: the tree has that one error and no items.
pub fn parse(text: &str) -> Dockerfile {
    if text.len() > MAX_TEXT {
        return Dockerfile {
            text: text.to_string(),
            directives: Directives::default(),
            items: Vec::new(),
            instructions: Vec::new(),
            errors: vec![SyntaxError {
                line: 1,
                col: 1,
                message: format!("file larger than {MAX_TEXT} bytes"),
                range: TextRange::new(0, 0),
            }],
        };
    }
    let body_start = if text.starts_with(BOM) { BOM.len() } else { 0 };
    // Every item is at least one line, so on a large file the line count bounds both vectors:
    // reserving it once saves growing (and copying) them step by step, which on a file of
    // short lines held the old and the new vector at once. A small file is not scanned for it:
    // real Dockerfiles average well over 48 bytes per instruction, and growing a small vector
    // costs less than the scan. Any large excess is given back below.
    let estimate = if text.len() > LARGE {
        text.as_bytes().iter().filter(|&&b| b == b'\n').count() + 2
    } else {
        text.len() / 48 + 8
    };
    let mut parser = Parser {
        text,
        body_start,
        pos: body_start,
        line_count: 0,
        lines: None,
        directives: Directives::default(),
        items: Vec::with_capacity(estimate),
        instructions: Vec::with_capacity(estimate),
        errors: Vec::new(),
        logical: String::new(),
        pieces: Vec::new(),
        // The keywords and arguments are at most the text (continuations and comments are
        // dropped, decoded JSON strings are no longer than their source), so this rarely grows.
        shared: String::with_capacity(text.len()),
        unshared: Arc::default(),
    };
    if body_start > 0 {
        parser.items.push(Item::Bom {
            range: TextRange::new(0, BOM.len()),
        });
    }
    parser.run();
    if parser.instructions.is_empty() {
        parser.errors.push(SyntaxError {
            line: 1,
            col: 1,
            message: "file with no instructions".into(),
            range: TextRange::new(0, 0),
        });
    }
    shrink_if_wasteful(&mut parser.items);
    shrink_if_wasteful(&mut parser.instructions);
    let mut shared = std::mem::take(&mut parser.shared);
    shared.shrink_to_fit();
    let shared = Arc::new(shared);
    for instruction in &mut parser.instructions {
        share_text(instruction, &shared);
    }
    Dockerfile {
        text: text.to_string(),
        directives: parser.directives,
        items: parser.items,
        instructions: parser.instructions,
        errors: parser.errors,
    }
}

/// An offset into the shared buffer or an instruction's index as `u32`. [`parse`] takes no
/// text over [`MAX_TEXT`], which bounds both: the buffer holds at most the text twice (the
/// arguments, then the decoded exec-form strings, each no longer than its source).
fn narrow(n: usize) -> u32 {
    u32::try_from(n).expect("parse takes no text over MAX_TEXT")
}

/// Point an instruction (and the one it wraps) at the finished text buffer.
fn share_text(instruction: &mut Instruction, shared: &Arc<String>) {
    instruction.text = Arc::clone(shared);
    if let Some(inner) = instruction.rare.as_mut().and_then(|r| r.onbuild.as_mut()) {
        share_text(inner, shared);
    }
}

/// Give back the capacity of a big vector that uses less than half of it.
fn shrink_if_wasteful<T>(v: &mut Vec<T>) {
    if v.capacity() > 64 && v.len() < v.capacity() / 2 {
        v.shrink_to_fit();
    }
}

/// Reads the physical lines one after the other; nothing is collected up front.
struct Parser<'a> {
    text: &'a str,
    /// Where the first line starts (after a BOM).
    body_start: usize,
    /// Start of the next unread line.
    pos: usize,
    /// Physical lines read so far.
    line_count: usize,
    /// All lines, split only when an error needs a line and column.
    lines: Option<Vec<Line>>,
    directives: Directives,
    items: Vec<Item>,
    instructions: Vec<Instruction>,
    errors: Vec<SyntaxError>,
    /// Reused buffer for a logical line joined from continuation lines.
    logical: String,
    /// Reused buffer: where each piece of the logical line starts, `(logical offset, byte offset)`.
    pieces: Vec<(usize, usize)>,
    /// The text buffer of all instructions: each one's arguments, then its decoded values.
    shared: String,
    /// An empty buffer the instructions point at until `shared` is finished.
    unshared: Arc<String>,
}

impl<'a> Parser<'a> {
    /// The next physical line, if any is left.
    #[inline]
    fn next_line(&mut self) -> Option<Line> {
        if self.pos >= self.text.len() {
            return None;
        }
        let line = line_at(self.text, self.pos);
        self.pos = line.range.end;
        self.line_count += 1;
        Some(line)
    }

    fn run(&mut self) {
        let mut scanner = DirectiveScanner::default();
        while let Some(line) = self.next_line() {
            let token = trim_leading_ws(line.content.slice(self.text));
            match scanner.scan(token, &mut self.directives) {
                DirectiveLine::Directive => {
                    self.items.push(Item::Directive { range: line.range });
                    continue;
                }
                DirectiveLine::Invalid(message) => {
                    let offset = line.content.end - token.len();
                    self.error_at(offset, message);
                    self.items.push(Item::Directive { range: line.range });
                    continue;
                }
                DirectiveLine::NotDirective => {}
            }
            if token.starts_with('#') {
                self.items.push(Item::Comment { range: line.range });
                continue;
            }
            let (first, ends_here) = trim_continuation(token, self.directives.escape);
            if ends_here && first.is_empty() {
                self.items.push(Item::Blank { range: line.range });
                continue;
            }
            self.instruction(line, token, first, ends_here);
        }
    }

    /// Read one instruction whose first line (already read) is `first_line`; `token` is its
    /// content without leading whitespace, `first` the same without a continuation escape.
    fn instruction(&mut self, first_line: Line, token: &'a str, first: &'a str, ends_here: bool) {
        let escape = self.directives.escape;
        let start_line = self.line_count;
        let mut logical = std::mem::take(&mut self.logical);
        let mut pieces = std::mem::take(&mut self.pieces);
        logical.clear();
        pieces.clear();
        pieces.push((0, first_line.content.end - token.len()));
        let mut range_end = first_line.range.end;
        if !ends_here {
            logical.push_str(first);
            while let Some(line) = self.next_line() {
                range_end = line.range.end;
                let content = line.content.slice(self.text);
                // BuildKit skips comment lines and blank lines inside a continuation.
                let lead = trim_leading_ws(content);
                if lead.is_empty() || lead.starts_with('#') {
                    continue;
                }
                let (part, ends) = trim_continuation(content, escape);
                pieces.push((logical.len(), line.content.start));
                logical.push_str(part);
                if ends {
                    break;
                }
            }
        }
        // A single line is used in place; only continuations are joined.
        let line: &str = if ends_here { first } else { &logical };

        let node = node_from_line(line, escape, &mut self.shared);
        let keyword_at = line.len() - trim_leading_ws(line).len();
        let keyword_from = to_text_offset(&pieces, keyword_at, false);
        let keyword_range = TextRange::new(
            keyword_from,
            to_text_offset(&pieces, keyword_at + node.keyword_text.len(), true).max(keyword_from),
        );
        let keyword_start = keyword_range.start;
        for message in &node.errors {
            self.error_at(keyword_start, message.clone());
        }

        let mut heredocs = Vec::new();
        if node.can_contain_heredoc() && line.contains("<<") {
            for marker in markers(line) {
                let body_start = self.pos;
                let lines_before = self.line_count;
                let mut terminated = false;
                // The body is every line up to the terminator: one contiguous piece of text.
                let mut body_end = body_start;
                while let Some(next) = self.next_line() {
                    let line_content = next.content.slice(self.text);
                    let candidate = if marker.strip_tabs {
                        line_content.trim_start_matches('\t')
                    } else {
                        line_content
                    };
                    if candidate == marker.name {
                        terminated = true;
                        break;
                    }
                    body_end = next.range.end;
                }
                if !terminated {
                    self.error_at(
                        keyword_start,
                        format!("unterminated heredoc {}", marker.name),
                    );
                }
                let body_range = if self.line_count > lines_before {
                    TextRange::new(body_start, self.pos)
                } else {
                    TextRange::new(range_end, range_end)
                };
                range_end = range_end.max(body_range.end);
                heredocs.push(Heredoc {
                    name: marker.name,
                    content: self.text[body_start..body_end].to_string(),
                    strip_tabs: marker.strip_tabs,
                    expand: marker.expand,
                    fd: marker.fd,
                    range: body_range,
                });
            }
        }
        let range = TextRange::new(first_line.range.start, range_end);
        let instruction = node.into_instruction(
            range,
            keyword_range,
            start_line,
            self.line_count,
            heredocs,
            &self.unshared,
        );
        self.logical = logical;
        self.pieces = pieces;
        self.items.push(Item::Instruction {
            index: narrow(self.instructions.len()),
            range,
        });
        self.instructions.push(instruction);
    }

    fn error_at(&mut self, offset: usize, message: String) {
        let (text, body_start) = (self.text, self.body_start);
        let lines = self
            .lines
            .get_or_insert_with(|| split_lines(text, body_start));
        let line_index = lines
            .partition_point(|l| l.range.end <= offset)
            .min(lines.len().saturating_sub(1));
        let (line, col) = match lines.get(line_index) {
            Some(l) => (
                line_index + 1,
                text[l.range.start..offset.max(l.range.start)]
                    .chars()
                    .count()
                    + 1,
            ),
            None => (1, 1),
        };
        self.errors.push(SyntaxError {
            line,
            col,
            message,
            range: TextRange::new(offset, offset),
        });
    }
}

/// Map an offset in the logical line to the text. An `end` offset maps just after the last
/// character of its piece rather than to the start of the next piece.
fn to_text_offset(pieces: &[(usize, usize)], logical: usize, end: bool) -> usize {
    let index = pieces
        .partition_point(|&(start, _)| {
            if end {
                start < logical
            } else {
                start <= logical
            }
        })
        .max(1)
        - 1;
    let (start, text) = pieces[index];
    text + (logical - start)
}

/// What one logical line says, before positions are attached.
struct Node<'l> {
    kind: Kind,
    /// The keyword as written, borrowed from the logical line.
    keyword_text: &'l str,
    flags: Vec<Flag>,
    /// Where the keyword as written starts in the parser's shared text buffer, and where the
    /// arguments that follow it there start and end.
    spans: [usize; 3],
    /// Where each value lies in the shared text buffer.
    values: Spans,
    form: Option<Form>,
    onbuild: Option<Box<Node<'l>>>,
    errors: Vec<String>,
}

impl Node<'_> {
    /// BuildKit reads heredocs for RUN, COPY and ADD (also inside ONBUILD), never in exec form.
    fn can_contain_heredoc(&self) -> bool {
        let node = match &self.onbuild {
            Some(inner) if self.kind == Kind::Onbuild => inner,
            _ => self,
        };
        matches!(node.kind, Kind::Run | Kind::Copy | Kind::Add) && node.form != Some(Form::Exec)
    }

    fn into_instruction(
        self,
        range: TextRange,
        keyword_range: TextRange,
        start_line: usize,
        end_line: usize,
        heredocs: Vec<Heredoc>,
        text: &Arc<String>,
    ) -> Instruction {
        let onbuild = self.onbuild.map(|inner| {
            Box::new(inner.into_instruction(
                range,
                keyword_range,
                start_line,
                end_line,
                Vec::new(),
                text,
            ))
        });
        let keyword = unusual_keyword(self.kind, self.keyword_text);
        let rare = (keyword.is_some()
            || !self.flags.is_empty()
            || !heredocs.is_empty()
            || onbuild.is_some())
        .then(|| {
            Box::new(Rare {
                keyword,
                flags: self.flags.into_boxed_slice(),
                heredocs: heredocs.into_boxed_slice(),
                onbuild,
            })
        });
        Instruction {
            kind: self.kind,
            form: self.form,
            ranges: [
                [narrow(range.start), narrow(range.end)],
                [narrow(keyword_range.start), narrow(keyword_range.end)],
            ],
            lines: [narrow(start_line), narrow(end_line)],
            text: Arc::clone(text),
            spans: self.spans.map(narrow),
            values: self.values,
            rare,
        }
    }
}

/// The upper-cased keyword when it is not the static name of `kind` (which
/// [`Instruction::keyword`] gives for a known keyword written in ASCII, whatever its case):
/// an unknown keyword, or a known one written with non-ASCII letters (the Kelvin sign).
fn unusual_keyword(kind: Kind, written: &str) -> Option<String> {
    match kind.keyword().filter(|_| written.is_ascii()) {
        Some(_) => None,
        None if written.is_ascii() => Some(written.to_ascii_uppercase()),
        None => Some(written.to_uppercase()),
    }
}

/// BuildKit's `[\t\v\f\r ]` (the separator between keyword and arguments, and between words of
/// FROM/EXPOSE/COPY in shell form).
#[inline]
fn is_separator(b: u8) -> bool {
    matches!(b, b'\t' | b'\x0b' | b'\x0c' | b'\r' | b' ')
}

/// BuildKit's `newNodeFromLine`: keyword, flags, and the arguments parsed per keyword. The
/// arguments and decoded values are appended to `shared`; the node records where.
fn node_from_line<'l>(line: &'l str, escape: char, shared: &mut String) -> Node<'l> {
    let trimmed = trim_ws(line);
    // The separators are ASCII, so byte offsets found here are char boundaries.
    let bytes = trimmed.as_bytes();
    let (keyword_text, rest) = match bytes.iter().position(|&b| is_separator(b)) {
        Some(at) => {
            let after = bytes[at..].iter().take_while(|&&b| is_separator(b)).count();
            (&trimmed[..at], &trimmed[at + after..])
        }
        None => (trimmed, ""),
    };
    let (flags, args_at) = extract_flags(rest);
    let arguments = trim_ws(&rest[args_at..]);
    let kind = Kind::of(keyword_text);
    // The keyword as written goes just before the arguments, so an instruction finds both
    // with three offsets.
    let keyword_start = shared.len();
    shared.push_str(keyword_text);
    let mut node = Node {
        kind,
        keyword_text,
        flags,
        spans: [keyword_start, shared.len(), shared.len() + arguments.len()],
        values: Spans::default(),
        form: None,
        onbuild: None,
        errors: Vec::new(),
    };
    shared.push_str(arguments);
    match kind {
        Kind::Add | Kind::Copy | Kind::Volume => match parse_json(arguments) {
            Json::Array(values) => node.set_exec(shared, &values),
            Json::NotStrings => node.not_strings(),
            Json::Shell => {
                split_separated(arguments, |start, end| node.push_slice(start, end));
                node.form = Some(Form::Shell);
            }
        },
        Kind::Cmd | Kind::Entrypoint | Kind::Run | Kind::Shell => {
            node.maybe_json(shared, arguments, 0);
        }
        Kind::Arg => {
            let mut words = words(arguments, escape);
            while let Some((start, end)) = words.next_range() {
                node.push_slice(start, end);
            }
        }
        Kind::Env | Kind::Label => {
            let keyword = if kind == Kind::Env { "ENV" } else { "LABEL" };
            let mut values = Spans::default();
            let base = node.spans[1];
            match key_value_ranges(arguments, keyword, escape, |start, end| {
                values.push(base + start, base + end)
            }) {
                Ok(()) => node.values = values,
                // BuildKit keeps no values for arguments it rejects.
                Err(e) => node.errors.push(e.0),
            }
        }
        Kind::Expose | Kind::From => {
            split_separated(arguments, |start, end| node.push_slice(start, end));
        }
        Kind::Maintainer | Kind::StopSignal | Kind::User | Kind::Workdir => {
            if !arguments.is_empty() {
                node.push_slice(0, arguments.len());
            }
        }
        Kind::Healthcheck => node.healthcheck(shared, arguments),
        Kind::Onbuild => {
            if !arguments.is_empty() {
                let inner = node_from_line(arguments, escape, shared);
                // BuildKit reports the inner instruction's values; they are in the same buffer.
                node.values = inner.values.clone();
                node.errors.extend(inner.errors.iter().cloned());
                node.onbuild = Some(Box::new(inner));
            }
        }
        Kind::Unknown => {
            let shown = if keyword_text.is_empty() {
                "(empty)"
            } else {
                keyword_text
            };
            node.errors.push(format!("unknown instruction: {shown}"));
        }
    }
    node
}

impl Node<'_> {
    /// Add the value at `start..end` of the arguments.
    #[inline]
    fn push_slice(&mut self, start: usize, end: usize) {
        let base = self.spans[1];
        self.values.push(base + start, base + end);
    }

    /// Exec form with the decoded JSON strings `values` (appended to those already there):
    /// they are not slices of the arguments, so their bytes are added to `shared`.
    fn set_exec(&mut self, shared: &mut String, values: &[String]) {
        for value in values {
            let start = shared.len();
            shared.push_str(value);
            self.values.push(start, shared.len());
        }
        self.form = Some(Form::Exec);
    }

    fn not_strings(&mut self) {
        self.form = Some(Form::Exec);
        self.errors
            .push("when using JSON array syntax, arrays must be comprised of strings only".into());
    }

    /// BuildKit's `parseMaybeJSON`: exec form when the arguments are a JSON string array,
    /// otherwise the whole text as one shell command. `arguments` starts at byte `at` of the
    /// node's arguments.
    fn maybe_json(&mut self, shared: &mut String, arguments: &str, at: usize) {
        if arguments.is_empty() {
            self.form = Some(Form::Shell);
            return;
        }
        match parse_json(arguments) {
            Json::Array(values) => self.set_exec(shared, &values),
            Json::NotStrings => self.not_strings(),
            Json::Shell => {
                self.push_slice(at, at + arguments.len());
                self.form = Some(Form::Shell);
            }
        }
    }

    /// `HEALTHCHECK [flags] NONE` or `HEALTHCHECK [flags] CMD command`.
    fn healthcheck(&mut self, shared: &mut String, arguments: &str) {
        // BuildKit scans bytes here; a byte is a space if its Latin-1 character is.
        let is_space =
            |b: u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0);
        let bytes = arguments.as_bytes();
        let mut sep = bytes
            .iter()
            .position(|&b| is_space(b))
            .unwrap_or(bytes.len());
        while !arguments.is_char_boundary(sep) {
            sep += 1;
        }
        if sep == 0 {
            return;
        }
        let mut next = sep;
        while next < bytes.len() && is_space(bytes[next]) {
            next += 1;
        }
        while !arguments.is_char_boundary(next) {
            next += 1;
        }
        // The first value is the kind (`CMD`, `NONE`), then the command's values.
        self.push_slice(0, sep);
        self.maybe_json(shared, &arguments[next..], next);
        if arguments[next..].is_empty() {
            self.form = None;
        }
    }
}

enum Json {
    Array(Vec<String>),
    NotStrings,
    Shell,
}

/// BuildKit decodes the first JSON value and ignores anything after it.
fn parse_json(arguments: &str) -> Json {
    let trimmed = arguments.trim_start();
    if !trimmed.starts_with('[') {
        return Json::Shell;
    }
    let mut stream = serde_json::Deserializer::from_str(trimmed).into_iter::<JsonArray>();
    match stream.next() {
        Some(Ok(JsonArray {
            values,
            strings_only: true,
        })) => Json::Array(values),
        Some(Ok(_)) => Json::NotStrings,
        _ => Json::Shell,
    }
}

/// A JSON array read straight into strings. Elements are read as `serde_json::Value`s, so
/// what is valid JSON is exactly what a `Value` accepts; a non-string element only clears
/// `strings_only`, and the rest of the array must still parse.
struct JsonArray {
    values: Vec<String>,
    strings_only: bool,
}

impl<'de> serde::Deserialize<'de> for JsonArray {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(JsonArrayVisitor)
    }
}

struct JsonArrayVisitor;

impl<'de> serde::de::Visitor<'de> for JsonArrayVisitor {
    type Value = JsonArray;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonArray, A::Error> {
        let mut array = JsonArray {
            values: Vec::with_capacity(seq.size_hint().unwrap_or(4)),
            strings_only: true,
        };
        while let Some(item) = seq.next_element::<serde_json::Value>()? {
            match item {
                serde_json::Value::String(s) if array.strings_only => array.values.push(s),
                _ => array.strings_only = false,
            }
        }
        Ok(array)
    }
}

/// Pass the byte range of each word of `arguments` separated by [`is_separator`] to `push`.
/// The separators are ASCII, so the ranges are on char boundaries.
fn split_separated(arguments: &str, mut push: impl FnMut(usize, usize)) {
    let mut start = None;
    for (i, &b) in arguments.as_bytes().iter().enumerate() {
        match (is_separator(b), start) {
            (true, Some(s)) => {
                push(s, i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        push(s, arguments.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large file's tree holds one instruction per line: its size is the tree's cost
    /// (224 bytes before the keyword as written moved into the shared buffer and the flags
    /// and heredocs into boxed slices, 192 before the offsets into that buffer became `u32`,
    /// 176 before the keyword was derived from the kind, the lines and ranges became `u32` and
    /// the flags, heredocs and wrapped instruction moved behind one pointer).
    #[test]
    fn an_instruction_stays_small() {
        assert!(std::mem::size_of::<Instruction>() <= 96);
    }

    /// The items are the other per-line vector of the tree.
    #[test]
    fn an_item_stays_small() {
        assert!(std::mem::size_of::<Item>() <= 24);
    }

    #[test]
    fn the_keyword_as_written_is_kept_beside_the_upper_cased_one() {
        let df = parse("from a\nRu\\\nN echo\nONBUILD copy x y\nfoo bar\n");
        let written: Vec<&str> = df.instructions.iter().map(|i| i.keyword_text()).collect();
        assert_eq!(written, ["from", "RuN", "ONBUILD", "foo"]);
        let upper: Vec<&str> = df.instructions.iter().map(|i| i.keyword()).collect();
        assert_eq!(upper, ["FROM", "RUN", "ONBUILD", "FOO"]);
        let inner = df.instructions[2].onbuild().unwrap();
        assert_eq!((inner.keyword_text(), inner.keyword()), ("copy", "COPY"));
        assert_eq!(inner.arguments(), "x y");
        assert_eq!(df.instructions[1].arguments(), "echo");
    }

    #[test]
    fn known_keywords_are_not_stored() {
        assert_eq!(unusual_keyword(Kind::Run, "RUN"), None);
        assert_eq!(unusual_keyword(Kind::Run, "rUn"), None);
        assert_eq!(
            unusual_keyword(Kind::Unknown, "frobnicate").as_deref(),
            Some("FROBNICATE")
        );
        // The Kelvin sign lower-cases to `k`, so BuildKit treats "\u{212A}..." spellings by
        // Unicode rules: the upper-case form is computed and stored.
        let keyword = unusual_keyword(Kind::Unknown, "\u{212A}ey");
        assert_eq!(keyword.as_deref(), Some("\u{212A}EY"));
        let df = parse("run a\nfrobnicate b\n\u{212A}ey c\nRUN --mount=x d\n");
        let keywords: Vec<&str> = df.instructions.iter().map(|i| i.keyword()).collect();
        assert_eq!(keywords, ["RUN", "FROBNICATE", "\u{212A}EY", "RUN"]);
        let boxed: Vec<bool> = df.instructions.iter().map(|i| i.rare.is_some()).collect();
        assert_eq!(boxed, [false, true, true, true]);
    }

    /// The `str::split` version that [`split_separated`]'s byte scan replaced.
    fn reference_split_separated(arguments: &str) -> Vec<String> {
        arguments
            .split(|c: char| c.is_ascii() && is_separator(c as u8))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn split_separated_agrees_with_str_split(input in "[ab \t\u{b}\u{c}\r\né\u{a0}]{0,24}") {
            let mut ours = Vec::new();
            split_separated(&input, |start, end| ours.push(input[start..end].to_string()));
            proptest::prop_assert_eq!(ours, reference_split_separated(&input));
        }
    }

    #[test]
    fn round_trip_and_lines() {
        let text = "# syntax=docker/dockerfile:1\nFROM a AS b\nRUN x \\\n  # c\n\n  y\n";
        let df = parse(text);
        assert_eq!(df.to_string(), text);
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.directives.syntax.as_deref(), Some("docker/dockerfile:1"));
        let run = &df.instructions[1];
        assert_eq!((run.start_line(), run.end_line()), (3, 6));
        assert_eq!(run.values(), vec!["x   y"]);
    }

    #[test]
    fn json_arrays_need_strings_and_valid_json() {
        let df = parse(
            "CMD [\"a\", 1]\nCMD [\"a\", 1e999]\nCMD [\"a\" \"b\"]\nCMD [\"a\", [\"b\"]]\nCMD []\n",
        );
        let forms: Vec<_> = df.instructions.iter().map(|i| i.form).collect();
        assert_eq!(
            forms,
            [
                Some(Form::Exec),
                Some(Form::Shell),
                Some(Form::Shell),
                Some(Form::Exec),
                Some(Form::Exec)
            ]
        );
        let not_strings = df
            .errors
            .iter()
            .filter(|e| e.message.contains("comprised of strings"))
            .count();
        assert_eq!(not_strings, 2, "{:?}", df.errors);
        assert_eq!(df.instructions[2].values(), ["[\"a\" \"b\"]"]);
        assert!(df.instructions[4].values().is_empty());
    }

    #[test]
    fn json_with_trailing_text_is_exec() {
        let df = parse("CMD [\"a\"] x\n");
        assert_eq!(df.instructions[0].form, Some(Form::Exec));
        assert_eq!(df.instructions[0].values(), vec!["a"]);
    }

    #[test]
    fn heredoc_bodies_belong_to_the_instruction() {
        let df = parse("FROM a\nRUN <<A cat && cat <<-B\na\nA\n\tb\n\tB\nCMD x\n");
        let run = &df.instructions[1];
        assert_eq!((run.start_line(), run.end_line()), (2, 6));
        assert_eq!(run.heredocs()[0].content, "a\n");
        assert_eq!(run.heredocs()[1].content, "\tb\n");
        assert_eq!(df.instructions[2].start_line(), 7);
    }

    #[test]
    fn keyword_range_spans_a_continuation_inside_the_keyword() {
        let df = parse("FROM a\nRU\\\nN echo\n");
        let run = &df.instructions[1];
        assert_eq!(run.keyword(), "RUN");
        assert_eq!(df.slice(run.keyword_range()), "RU\\\nN");
    }

    #[test]
    fn errors_carry_line_and_col() {
        let df = parse("FROM a\n  ENV onlyone\n");
        assert_eq!(df.errors[0].line, 2);
        assert_eq!(df.errors[0].col, 3);
        let df = parse("FROM a\nRUN <<EOF\nx\n");
        assert!(df.errors[0].message.starts_with("unterminated heredoc"));
        assert_eq!(df.to_string(), "FROM a\nRUN <<EOF\nx\n");
    }
}
