//! Physical lines, the way BuildKit's scanner sees them: split after each `\n`, with the line
//! terminator kept in the range but trimmed from the content.

use crate::text::TextRange;

/// One physical line of the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// The whole line, terminator included.
    pub range: TextRange,
    /// The line without trailing `\r`/`\n` characters (Go's `bytes.TrimRight(s, "\r\n")`).
    pub content: TextRange,
}

/// Split `text` into physical lines, starting at byte `start` (after a BOM).
pub(crate) fn split_lines(text: &str, start: usize) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 32 + 1);
    let mut pos = start;
    while pos < bytes.len() {
        let end = match memchr_newline(&bytes[pos..]) {
            Some(i) => pos + i + 1,
            None => bytes.len(),
        };
        let mut content_end = end;
        while content_end > pos && matches!(bytes[content_end - 1], b'\n' | b'\r') {
            content_end -= 1;
        }
        lines.push(Line {
            range: TextRange::new(pos, end),
            content: TextRange::new(pos, content_end),
        });
        pos = end;
    }
    lines
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// Go's `strings.TrimLeftFunc(s, unicode.IsSpace)`; Rust's `char::is_whitespace` is the same set.
pub(crate) fn trim_leading_ws(s: &str) -> &str {
    s.trim_start_matches(char::is_whitespace)
}

/// BuildKit's comment test: the first non-space character is `#`.
pub(crate) fn is_comment(content: &str) -> bool {
    trim_leading_ws(content).starts_with('#')
}

/// Strip a trailing escape character followed by spaces/tabs: `(line, true)` when the line does
/// not continue, `(without_escape, false)` when it does. As in BuildKit, an escaped escape
/// (`\\\\` at the end) is not a continuation.
pub(crate) fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let without_blanks = line.trim_end_matches([' ', '\t']);
    match without_blanks.strip_suffix(escape) {
        Some(rest) if !rest.ends_with(escape) => (rest, false),
        _ => (line, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_terminators_in_range_only() {
        let text = "a\r\nb\n\nc";
        let lines = split_lines(text, 0);
        let contents: Vec<&str> = lines.iter().map(|l| l.content.slice(text)).collect();
        assert_eq!(contents, ["a", "b", "", "c"]);
        let whole: String = lines.iter().map(|l| l.range.slice(text)).collect();
        assert_eq!(whole, text);
    }

    #[test]
    fn continuation_allows_trailing_blanks() {
        assert_eq!(trim_continuation("RUN a \\ \t", '\\'), ("RUN a ", false));
        assert_eq!(trim_continuation("RUN a", '\\'), ("RUN a", true));
        assert_eq!(trim_continuation("RUN a `", '`'), ("RUN a ", false));
        assert_eq!(trim_continuation("RUN a \\", '`'), ("RUN a \\", true));
        assert_eq!(trim_continuation("RUN a\\\\", '\\'), ("RUN a\\\\", true));
        assert_eq!(trim_continuation("\\", '\\'), ("", false));
    }
}
