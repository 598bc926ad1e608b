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

/// The physical line starting at byte `pos` (which must be a line start, `< text.len()`).
#[inline(always)]
pub(crate) fn line_at(text: &str, pos: usize) -> Line {
    let bytes = text.as_bytes();
    // The line holds at most one `\n`, its last byte, so trimming `\r\n` characters from the
    // right is: drop that `\n`, then any `\r`s.
    let (end, mut content_end) = match find_newline(bytes, pos) {
        Some(i) => (i + 1, i),
        None => (bytes.len(), bytes.len()),
    };
    while content_end > pos && bytes[content_end - 1] == b'\r' {
        content_end -= 1;
    }
    Line {
        range: TextRange::new(pos, end),
        content: TextRange::new(pos, content_end),
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The first `\n` at or after `from`, eight bytes at a time (lines are short, so this beats a
/// call into a general memchr).
#[inline]
fn find_newline(bytes: &[u8], from: usize) -> Option<usize> {
    const NEWLINES: u64 = ONES * b'\n' as u64;
    let mut i = from;
    // Sixteen bytes per round while they last: one bounds check for two words.
    while let Some(chunk) = bytes.get(i..i + 16) {
        let mut words = [0u8; 16];
        words.copy_from_slice(chunk);
        let x = u128::from_le_bytes(words);
        let (lo, hi) = ((x as u64) ^ NEWLINES, ((x >> 64) as u64) ^ NEWLINES);
        let found_lo = lo.wrapping_sub(ONES) & !lo & HIGHS;
        let found_hi = hi.wrapping_sub(ONES) & !hi & HIGHS;
        if found_lo | found_hi != 0 {
            let at = if found_lo != 0 {
                found_lo.trailing_zeros() / 8
            } else {
                8 + found_hi.trailing_zeros() / 8
            };
            return Some(i + at as usize);
        }
        i += 16;
    }
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ NEWLINES;
        // The lowest flagged byte is the first zero byte of `x`, i.e. the first newline.
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    bytes[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

/// Split `text` into physical lines, starting at byte `start` (after a BOM).
pub(crate) fn split_lines(text: &str, start: usize) -> Vec<Line> {
    let mut lines = Vec::with_capacity(text.len() / 32 + 1);
    let mut pos = start;
    while pos < text.len() {
        let line = line_at(text, pos);
        pos = line.range.end;
        lines.push(line);
    }
    lines
}

/// `char::is_whitespace` for an ASCII byte.
#[inline]
pub(crate) fn is_ascii_ws(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Go's `strings.TrimLeftFunc(s, unicode.IsSpace)`; Rust's `char::is_whitespace` is the same set.
/// Scans bytes while they are ASCII and falls back to chars at the first non-ASCII byte.
#[inline]
pub(crate) fn trim_leading_ws(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut i = 0;
    // Indentation is mostly spaces: skip them eight at a time (the first byte of a chunk that is
    // not a space is its lowest non-zero byte after the XOR).
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b' '));
        if x != 0 {
            i += (x.trailing_zeros() / 8) as usize;
            break;
        }
        i += 8;
    }
    while i < bytes.len() {
        let b = bytes[i];
        if b >= 0x80 {
            return s[i..].trim_start_matches(char::is_whitespace);
        }
        if !is_ascii_ws(b) {
            break;
        }
        i += 1;
    }
    &s[i..]
}

/// `str::trim_end` (Unicode whitespace), scanning bytes while they are ASCII.
#[inline]
pub(crate) fn trim_trailing_ws(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut i = bytes.len();
    while i > 0 {
        let b = bytes[i - 1];
        if b >= 0x80 {
            return s[..i].trim_end_matches(char::is_whitespace);
        }
        if !is_ascii_ws(b) {
            break;
        }
        i -= 1;
    }
    &s[..i]
}

/// `str::trim` (Unicode whitespace), scanning bytes while they are ASCII.
#[inline]
pub(crate) fn trim_ws(s: &str) -> &str {
    trim_trailing_ws(trim_leading_ws(s))
}

/// Strip a trailing escape character followed by spaces/tabs: `(line, true)` when the line does
/// not continue, `(without_escape, false)` when it does. As in BuildKit, an escaped escape
/// (`\\\\` at the end) is not a continuation.
#[inline(always)]
pub(crate) fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    if escape.is_ascii() {
        // Byte-level: blanks and the escape are ASCII, so every cut is on a char boundary.
        let bytes = line.as_bytes();
        let escape = escape as u8;
        let mut end = bytes.len();
        while end > 0 && matches!(bytes[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        if end > 0 && bytes[end - 1] == escape && (end < 2 || bytes[end - 2] != escape) {
            return (&line[..end - 1], false);
        }
        return (line, true);
    }
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
    fn ascii_fast_trims_agree_with_std() {
        for s in [
            "",
            " ",
            " \t a b \r\n",
            "\u{a0} x \u{3000}",
            "x\u{85}",
            " \u{2028}\u{2029} é ",
            "\x0b\x0cy\x1c",
            "a\u{a0}",
            " \u{feff}",
        ] {
            assert_eq!(trim_leading_ws(s), s.trim_start(), "{s:?}");
            assert_eq!(trim_trailing_ws(s), s.trim_end(), "{s:?}");
            assert_eq!(trim_ws(s), s.trim(), "{s:?}");
        }
    }

    proptest::proptest! {
        /// The eight-spaces-at-a-time skip in `trim_leading_ws` changes nothing.
        #[test]
        fn trims_agree_with_std_on_indentation(s in "[ ]{0,20}[ \t\r\n\u{a0}\u{3000}a#\\\\é]{0,12}") {
            proptest::prop_assert_eq!(trim_leading_ws(&s), s.trim_start());
            proptest::prop_assert_eq!(trim_ws(&s), s.trim());
        }

        /// The sixteen- and eight-byte rounds of `find_newline` find the first `\n`.
        #[test]
        fn find_newline_agrees_with_a_plain_search_on_long_lines(s in "[a\n\r é\u{10a}\u{a0a}]{0,70}", from in 0usize..70) {
            let bytes = s.as_bytes();
            let from = from.min(bytes.len());
            let expected = bytes[from..].iter().position(|&b| b == b'\n').map(|p| from + p);
            proptest::prop_assert_eq!(find_newline(bytes, from), expected);
        }
    }

    #[test]
    fn find_newline_agrees_with_a_plain_search() {
        let text = "abc\ndefghijklmnop\n\n0123456789abcdef\u{10a}\n\u{a0a}xyz\n\n\nq";
        let bytes = text.as_bytes();
        for from in 0..=bytes.len() {
            let expected = bytes[from..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|p| from + p);
            assert_eq!(find_newline(bytes, from), expected, "{from}");
        }
    }

    #[test]
    fn line_at_finds_one_line() {
        let text = "a\r\r\nb";
        let line = line_at(text, 0);
        assert_eq!(
            (line.range.slice(text), line.content.slice(text)),
            ("a\r\r\n", "a")
        );
        let line = line_at(text, 4);
        assert_eq!(
            (line.range.slice(text), line.content.slice(text)),
            ("b", "b")
        );
    }

    #[test]
    fn continuation_allows_trailing_blanks() {
        assert_eq!(trim_continuation("RUN a \\ \t", '\\'), ("RUN a ", false));
        assert_eq!(trim_continuation("RUN a", '\\'), ("RUN a", true));
        assert_eq!(trim_continuation("RUN a `", '`'), ("RUN a ", false));
        assert_eq!(trim_continuation("RUN a \\", '`'), ("RUN a \\", true));
        assert_eq!(trim_continuation("RUN a\\\\", '\\'), ("RUN a\\\\", true));
        assert_eq!(trim_continuation("\\", '\\'), ("", false));
        assert_eq!(trim_continuation("é\\\t ", '\\'), ("é", false));
        assert_eq!(trim_continuation("a \\ ", 'é'), ("a \\ ", true));
        assert_eq!(trim_continuation("a é ", 'é'), ("a ", false));
        assert_eq!(trim_continuation("aéé", 'é'), ("aéé", true));
    }
}
