//! The parser: physical lines → items and instructions, following BuildKit's `parser.Parse`.
//!
//! It never fails. Where BuildKit would stop with an error, restage records a [`SyntaxError`]
//! and carries on, so the tree still covers every byte of the input.

use super::directives::{DirectiveLine, DirectiveScanner, Directives};
use super::flags::extract_flags;
use super::heredoc::markers;
use super::lines::{Line, is_comment, split_lines, trim_continuation, trim_leading_ws};
use super::words::{key_values, parse_words};
use super::{Dockerfile, Flag, Form, Heredoc, Instruction, Item, SyntaxError};
use crate::text::TextRange;

const BOM: &str = "\u{feff}";

/// Parse a Dockerfile. Never fails and never panics; problems are in [`Dockerfile::errors`].
pub fn parse(text: &str) -> Dockerfile {
    let mut parser = Parser {
        text,
        lines: Vec::new(),
        directives: Directives::default(),
        items: Vec::new(),
        instructions: Vec::new(),
        errors: Vec::new(),
    };
    let body_start = if text.starts_with(BOM) {
        parser.items.push(Item::Bom {
            range: TextRange::new(0, BOM.len()),
        });
        BOM.len()
    } else {
        0
    };
    parser.lines = split_lines(text, body_start);
    parser.run();
    if parser.instructions.is_empty() {
        parser.errors.push(SyntaxError {
            line: 1,
            col: 1,
            message: "file with no instructions".into(),
            range: TextRange::new(0, 0),
        });
    }
    Dockerfile {
        text: text.to_string(),
        directives: parser.directives,
        items: parser.items,
        instructions: parser.instructions,
        errors: parser.errors,
    }
}

struct Parser<'a> {
    text: &'a str,
    lines: Vec<Line>,
    directives: Directives,
    items: Vec<Item>,
    instructions: Vec<Instruction>,
    errors: Vec<SyntaxError>,
}

impl<'a> Parser<'a> {
    fn content(&self, index: usize) -> &'a str {
        self.lines[index].content.slice(self.text)
    }

    fn run(&mut self) {
        let mut scanner = DirectiveScanner::default();
        let mut index = 0;
        while index < self.lines.len() {
            let line = self.lines[index];
            let token = trim_leading_ws(self.content(index));
            match scanner.scan(token, &mut self.directives) {
                DirectiveLine::Directive => {
                    self.items.push(Item::Directive { range: line.range });
                    index += 1;
                    continue;
                }
                DirectiveLine::Invalid(message) => {
                    let offset = line.content.end - token.len();
                    self.error_at(offset, message);
                    self.items.push(Item::Directive { range: line.range });
                    index += 1;
                    continue;
                }
                DirectiveLine::NotDirective => {}
            }
            if token.starts_with('#') {
                self.items.push(Item::Comment { range: line.range });
                index += 1;
                continue;
            }
            let (first, ends_here) = trim_continuation(token, self.directives.escape);
            if ends_here && first.is_empty() {
                self.items.push(Item::Blank { range: line.range });
                index += 1;
                continue;
            }
            index = self.instruction(index, first, ends_here);
        }
    }

    /// Read one instruction starting at line `start`; returns the index of the next line.
    fn instruction(&mut self, start: usize, first: &str, ends_here: bool) -> usize {
        let escape = self.directives.escape;
        let mut logical = String::from(first);
        // Where each piece of the logical line starts in the text: (logical offset, byte offset).
        let first_line = self.lines[start].content;
        let mut pieces = vec![(
            0,
            first_line.end - trim_leading_ws(self.content(start)).len(),
        )];
        let mut ended = ends_here;
        let mut next = start + 1;
        while !ended && next < self.lines.len() {
            let content = self.content(next);
            next += 1;
            // BuildKit skips comment lines and blank lines inside a continuation.
            if is_comment(content) || trim_leading_ws(content).is_empty() {
                continue;
            }
            let (part, ends) = trim_continuation(content, escape);
            pieces.push((logical.len(), self.lines[next - 1].content.start));
            logical.push_str(part);
            ended = ends;
        }
        let range_start = self.lines[start].range.start;
        let mut range_end = self.lines[next - 1].range.end;
        let node = node_from_line(&logical, escape);
        let keyword_at = logical.len() - logical.trim_start().len();
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
        if node.can_contain_heredoc() && logical.contains("<<") {
            for marker in markers(&logical) {
                let body_start = next;
                let mut terminated = false;
                let mut content = String::new();
                while next < self.lines.len() {
                    let line_content = self.content(next);
                    let candidate = if marker.strip_tabs {
                        line_content.trim_start_matches('\t')
                    } else {
                        line_content
                    };
                    next += 1;
                    if candidate == marker.name {
                        terminated = true;
                        break;
                    }
                    content.push_str(self.lines[next - 1].range.slice(self.text));
                }
                if !terminated {
                    self.error_at(
                        keyword_start,
                        format!("unterminated heredoc {}", marker.name),
                    );
                }
                let body_range = if next > body_start {
                    TextRange::new(
                        self.lines[body_start].range.start,
                        self.lines[next - 1].range.end,
                    )
                } else {
                    TextRange::new(range_end, range_end)
                };
                range_end = range_end.max(body_range.end);
                heredocs.push(Heredoc {
                    name: marker.name,
                    content,
                    strip_tabs: marker.strip_tabs,
                    expand: marker.expand,
                    fd: marker.fd,
                    range: body_range,
                });
            }
        }

        let range = TextRange::new(range_start, range_end);
        let instruction = node.into_instruction(range, keyword_range, start + 1, next, heredocs);
        self.items.push(Item::Instruction {
            index: self.instructions.len(),
            range,
        });
        self.instructions.push(instruction);
        next
    }

    fn error_at(&mut self, offset: usize, message: String) {
        let line_index = self
            .lines
            .partition_point(|l| l.range.end <= offset)
            .min(self.lines.len().saturating_sub(1));
        let (line, col) = match self.lines.get(line_index) {
            Some(l) => (
                line_index + 1,
                self.text[l.range.start..offset.max(l.range.start)]
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
struct Node {
    keyword_text: String,
    flags: Vec<Flag>,
    arguments: String,
    values: Vec<String>,
    form: Option<Form>,
    onbuild: Option<Box<Node>>,
    errors: Vec<String>,
}

impl Node {
    fn lower_keyword(&self) -> String {
        self.keyword_text.to_lowercase()
    }

    /// BuildKit reads heredocs for RUN, COPY and ADD (also inside ONBUILD), never in exec form.
    fn can_contain_heredoc(&self) -> bool {
        let node = match &self.onbuild {
            Some(inner) if self.lower_keyword() == "onbuild" => inner,
            _ => self,
        };
        matches!(node.lower_keyword().as_str(), "run" | "copy" | "add")
            && node.form != Some(Form::Exec)
    }

    fn into_instruction(
        self,
        range: TextRange,
        keyword_range: TextRange,
        start_line: usize,
        end_line: usize,
        heredocs: Vec<Heredoc>,
    ) -> Instruction {
        let onbuild = self.onbuild.map(|inner| {
            Box::new(inner.into_instruction(range, keyword_range, start_line, end_line, Vec::new()))
        });
        Instruction {
            keyword: self.keyword_text.to_uppercase(),
            keyword_text: self.keyword_text,
            range,
            keyword_range,
            start_line,
            end_line,
            flags: self.flags,
            form: self.form,
            arguments: self.arguments,
            values: self.values,
            heredocs,
            onbuild,
        }
    }
}

/// BuildKit's `[\t\v\f\r ]` (the separator between keyword and arguments, and between words of
/// FROM/EXPOSE/COPY in shell form).
fn is_separator(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// BuildKit's `newNodeFromLine`: keyword, flags, and the arguments parsed per keyword.
fn node_from_line(line: &str, escape: char) -> Node {
    let trimmed = line.trim();
    let (keyword_text, rest) = match trimmed.find(is_separator) {
        Some(at) => (
            &trimmed[..at],
            trimmed[at..].trim_start_matches(is_separator),
        ),
        None => (trimmed, ""),
    };
    let (flags, args_at) = extract_flags(rest);
    let arguments = rest[args_at..].trim();
    let mut node = Node {
        keyword_text: keyword_text.to_string(),
        flags,
        arguments: arguments.to_string(),
        values: Vec::new(),
        form: None,
        onbuild: None,
        errors: Vec::new(),
    };
    let keyword = node.lower_keyword();
    match keyword.as_str() {
        "add" | "copy" | "volume" => match parse_json(arguments) {
            Json::Array(values) => node.set(values, Form::Exec),
            Json::NotStrings => node.not_strings(),
            Json::Shell => node.set(split_separated(arguments), Form::Shell),
        },
        "cmd" | "entrypoint" | "run" | "shell" => node.maybe_json(arguments),
        "arg" => node.values = parse_words(arguments, escape),
        "env" | "label" => match key_values(arguments, &keyword.to_uppercase(), escape) {
            Ok(values) => node.values = values,
            Err(e) => node.errors.push(e.0),
        },
        "expose" | "from" => node.values = split_separated(arguments),
        "maintainer" | "stopsignal" | "user" | "workdir" => {
            if !arguments.is_empty() {
                node.values = vec![arguments.to_string()];
            }
        }
        "healthcheck" => node.healthcheck(arguments),
        "onbuild" => {
            if !arguments.is_empty() {
                let inner = node_from_line(arguments, escape);
                node.values = inner.values.clone();
                node.errors.extend(inner.errors.iter().cloned());
                node.onbuild = Some(Box::new(inner));
            }
        }
        _ => {
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

impl Node {
    fn set(&mut self, values: Vec<String>, form: Form) {
        self.values = values;
        self.form = Some(form);
    }

    fn not_strings(&mut self) {
        self.form = Some(Form::Exec);
        self.errors
            .push("when using JSON array syntax, arrays must be comprised of strings only".into());
    }

    /// BuildKit's `parseMaybeJSON`: exec form when the arguments are a JSON string array,
    /// otherwise the whole text as one shell command.
    fn maybe_json(&mut self, arguments: &str) {
        if arguments.is_empty() {
            self.form = Some(Form::Shell);
            return;
        }
        match parse_json(arguments) {
            Json::Array(values) => self.set(values, Form::Exec),
            Json::NotStrings => self.not_strings(),
            Json::Shell => self.set(vec![arguments.to_string()], Form::Shell),
        }
    }

    /// `HEALTHCHECK [flags] NONE` or `HEALTHCHECK [flags] CMD command`.
    fn healthcheck(&mut self, arguments: &str) {
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
        let kind = arguments[..sep].to_string();
        self.maybe_json(&arguments[next..]);
        if arguments[next..].is_empty() {
            self.form = None;
        }
        self.values.insert(0, kind);
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
    let mut stream = serde_json::Deserializer::from_str(trimmed).into_iter::<serde_json::Value>();
    match stream.next() {
        Some(Ok(serde_json::Value::Array(items))) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    serde_json::Value::String(s) => values.push(s),
                    _ => return Json::NotStrings,
                }
            }
            Json::Array(values)
        }
        _ => Json::Shell,
    }
}

fn split_separated(arguments: &str) -> Vec<String> {
    arguments
        .split(is_separator)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_lines() {
        let text = "# syntax=docker/dockerfile:1\nFROM a AS b\nRUN x \\\n  # c\n\n  y\n";
        let df = parse(text);
        assert_eq!(df.to_string(), text);
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.directives.syntax.as_deref(), Some("docker/dockerfile:1"));
        let run = &df.instructions[1];
        assert_eq!((run.start_line, run.end_line), (3, 6));
        assert_eq!(run.values, vec!["x   y"]);
    }

    #[test]
    fn json_with_trailing_text_is_exec() {
        let df = parse("CMD [\"a\"] x\n");
        assert_eq!(df.instructions[0].form, Some(Form::Exec));
        assert_eq!(df.instructions[0].values, vec!["a"]);
    }

    #[test]
    fn heredoc_bodies_belong_to_the_instruction() {
        let df = parse("FROM a\nRUN <<A cat && cat <<-B\na\nA\n\tb\n\tB\nCMD x\n");
        let run = &df.instructions[1];
        assert_eq!((run.start_line, run.end_line), (2, 6));
        assert_eq!(run.heredocs[0].content, "a\n");
        assert_eq!(run.heredocs[1].content, "\tb\n");
        assert_eq!(df.instructions[2].start_line, 7);
    }

    #[test]
    fn keyword_range_spans_a_continuation_inside_the_keyword() {
        let df = parse("FROM a\nRU\\\nN echo\n");
        let run = &df.instructions[1];
        assert_eq!(run.keyword, "RUN");
        assert_eq!(df.slice(run.keyword_range), "RU\\\nN");
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
