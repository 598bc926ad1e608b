//! The lexer: shell text → [`Token`]s, a word or an operator at a time.
//!
//! The rules are POSIX `sh`'s (XCU 2.2–2.3, 2.6.3), as far as restage needs them:
//! - Blanks (space, tab, CR, VT, FF and non-ASCII whitespace) separate words. A backslash
//!   before a line break (`\n`, `\r\n` or a lone `\r`) is a line continuation, removed.
//! - `'…'` keeps everything literally. In `"…"` a backslash escapes only `$`, `` ` ``, `"`, `\`
//!   and a line break; before anything else it stays (`"a\b"` is `a\b`). Outside quotes a
//!   backslash quotes the next character.
//! - `$(…)` and `` `…` `` are part of the word they are in, quoted or not, and are also reported
//!   as [`TokenKind::Subst`] tokens (their inner text) after that word. `$((…))` (arithmetic) and
//!   `${…}` are part of the word and not reported.
//! - Operators: `&&`, `||`, `;;`, `;`, `&`, `|`, `(`, `)`, a line break, and the redirections
//!   `<`, `>`, `>>`, `>|`, `<>`, `<&`, `>&`, `<<`, `<<-`, `<<<` and bash's `&>`/`&>>`, with
//!   their IO number (`2>&1` is the operator `2>&` and the word `1`). A redirection never
//!   separates commands.
//! - `#` at the start of a word begins a comment that runs to the line break (not included).
//!
//! Speed: the loop runs once per token. A word that is one plain run (most of them) is a slice
//! of the text found eight bytes at a time (`plain_run_end`); only words with quotes, escapes,
//! substitutions or non-ASCII characters take the slower path.

use crate::text::TextRange;
use std::borrow::Cow;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A word; its text has quotes and escapes removed (substitutions kept as written).
    Word,
    /// An operator (control or redirection), as written.
    Op,
    /// A command substitution (`$(…)` or `` `…` ``) inside the word before it: its inner text.
    Subst,
    /// A comment, `#` included, line break excluded.
    Comment,
}

/// A token: its kind, where it is in the text, and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    /// The source range: the whole word, operator, comment, or the substitution with its
    /// delimiters.
    pub range: TextRange,
    /// A word's value; an operator or comment as written; a substitution's inner text.
    pub text: Cow<'a, str>,
}

/// Whether an operator is a redirection.
pub(crate) fn is_redirection(op: &str) -> bool {
    op.bytes().any(|b| b == b'<' || b == b'>')
}

/// The tokens of shell text, in order.
#[cfg(test)]
pub fn tokens(text: &str) -> Lexer<'_> {
    Lexer::new(text)
}

/// An iterator over the [`Token`]s of shell text.
pub struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Substitutions found in the last word, reported before the next token.
    substs: Vec<TextRange>,
    /// How many of `substs` were reported.
    next_subst: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Self {
        Lexer {
            text,
            pos: 0,
            substs: Vec::new(),
            next_subst: 0,
        }
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        if self.next_subst < self.substs.len() {
            let range = self.substs[self.next_subst];
            self.next_subst += 1;
            return Some(subst_token(self.text, range));
        }
        let text = self.text;
        let b = text.as_bytes();
        let mut i = self.pos;
        // Blanks and line continuations between tokens.
        loop {
            match b.get(i) {
                Some(b' ' | b'\t' | b'\r' | 0x0b | 0x0c) => i += 1,
                Some(b'\\') if matches!(b.get(i + 1), Some(b'\n' | b'\r')) => {
                    i = after_line_break(b, i + 1);
                }
                Some(&c) if c >= 0x80 && is_whitespace_at(text, i) => i += char_len(text, i),
                Some(_) => break,
                None => {
                    self.pos = i;
                    return None;
                }
            }
        }
        let start = i;
        let (kind, end, value) = match b[i] {
            b'#' => {
                let end = find_byte(b, i, b'\n');
                (TokenKind::Comment, end, Cow::Borrowed(&text[i..end]))
            }
            b'\n' | b'&' | b'|' | b';' | b'(' | b')' | b'<' | b'>' => {
                let end = operator_end(b, i);
                (TokenKind::Op, end, Cow::Borrowed(&text[i..end]))
            }
            _ => {
                self.substs.clear();
                self.next_subst = 0;
                let (word, end) = read_word(text, i, &mut self.substs);
                // An IO number: digits right before a redirection (`2>&1`).
                if matches!(b.get(end), Some(b'<' | b'>'))
                    && b[i..end].iter().all(u8::is_ascii_digit)
                {
                    let end = operator_end(b, end);
                    (TokenKind::Op, end, Cow::Borrowed(&text[i..end]))
                } else {
                    (TokenKind::Word, end, word)
                }
            }
        };
        self.pos = end;
        Some(Token {
            kind,
            range: TextRange::new(start, end),
            text: value,
        })
    }
}

/// The token for a substitution at `range` (`$(…)` or `` `…` ``; unterminated ones run to
/// the end of the text).
fn subst_token(text: &str, range: TextRange) -> Token<'_> {
    let b = text.as_bytes();
    let (open, close) = if b[range.start] == b'`' {
        (1, b'`')
    } else {
        (2, b')')
    };
    let inner_end = if range.end > range.start + open && b[range.end - 1] == close {
        range.end - 1
    } else {
        range.end
    };
    Token {
        kind: TokenKind::Subst,
        range,
        text: Cow::Borrowed(&text[range.start + open..inner_end]),
    }
}

/// After the line break starting at byte `i` (`\n`, `\r\n` or a lone `\r`).
fn after_line_break(b: &[u8], i: usize) -> usize {
    if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
        i + 2
    } else {
        i + 1
    }
}

/// Where the operator starting at byte `i` ends (the longest match).
fn operator_end(b: &[u8], i: usize) -> usize {
    let next = b.get(i + 1).copied();
    let after = b.get(i + 2).copied();
    i + match (b[i], next) {
        (b'&', Some(b'&')) | (b'|', Some(b'|')) | (b';', Some(b';')) => 2,
        (b'&', Some(b'>')) => 2 + usize::from(after == Some(b'>')),
        (b'<', Some(b'<')) => 2 + usize::from(matches!(after, Some(b'-' | b'<'))),
        (b'<', Some(b'>' | b'&')) | (b'>', Some(b'>' | b'&' | b'|')) => 2,
        _ => 1,
    }
}

/// Read the word starting at byte `i` (not a blank, an operator or a comment): quotes and
/// escapes removed, substitutions kept whole (and their ranges added to `substs`). Returns it
/// and where it ends.
#[inline]
fn read_word<'a>(text: &'a str, i: usize, substs: &mut Vec<TextRange>) -> (Cow<'a, str>, usize) {
    let b = text.as_bytes();
    // Most words are one plain run that a blank or an operator ends: a slice, no buffer.
    let end = plain_run_end(b, i);
    if end > i
        && b.get(end)
            .is_none_or(|&c| c < 0x80 && ENDS_WORD[usize::from(c)])
    {
        return (Cow::Borrowed(&text[i..end]), end);
    }
    read_quoted_word(text, i, substs)
}

/// [`read_word`] for a word with quotes, escapes, substitutions or non-ASCII characters.
#[inline(never)]
fn read_quoted_word<'a>(
    text: &'a str,
    mut i: usize,
    substs: &mut Vec<TextRange>,
) -> (Cow<'a, str>, usize) {
    let b = text.as_bytes();
    let mut word = WordBuf::new(text);
    loop {
        let end = plain_run_end(b, i);
        if end > i {
            word.push(i, end);
            i = end;
        }
        let Some(&c) = b.get(i) else { break };
        match c {
            b'\\' => match b.get(i + 1) {
                Some(b'\n' | b'\r') => {
                    word.skip();
                    i = after_line_break(b, i + 1);
                }
                Some(_) => {
                    let len = char_len(text, i + 1);
                    word.push(i + 1, i + 1 + len);
                    i += 1 + len;
                }
                None => {
                    word.skip();
                    i += 1;
                }
            },
            b'\'' => {
                let end = find_byte(b, i + 1, b'\'');
                word.quoted();
                word.push(i + 1, end);
                i = (end + 1).min(b.len());
            }
            b'"' => i = read_double_quoted(text, i + 1, &mut word, substs),
            b'$' | b'`' => {
                let end = dollar_end(b, i, substs);
                word.push(i, end);
                i = end;
            }
            c if c >= 0x80 => {
                if is_whitespace_at(text, i) {
                    break;
                }
                let len = char_len(text, i);
                word.push(i, i + len);
                i += len;
            }
            // A blank or an operator.
            _ => break,
        }
    }
    (word.take(), i)
}

/// Read double-quoted text from byte `i` (after the opening quote) into `word`; returns where
/// it ends, after the closing quote (or at the end of the text).
fn read_double_quoted(
    text: &str,
    mut i: usize,
    word: &mut WordBuf<'_>,
    substs: &mut Vec<TextRange>,
) -> usize {
    let b = text.as_bytes();
    word.quoted();
    while i < b.len() {
        let stop = b[i..]
            .iter()
            .position(|&c| matches!(c, b'"' | b'\\' | b'$' | b'`'))
            .map_or(b.len(), |p| i + p);
        word.push(i, stop);
        i = stop;
        match b.get(i) {
            Some(b'"') => return i + 1,
            Some(b'\\') => match b.get(i + 1) {
                Some(b'$' | b'`' | b'"' | b'\\') => {
                    word.push(i + 1, i + 2);
                    i += 2;
                }
                Some(b'\n' | b'\r') => {
                    word.skip();
                    i = after_line_break(b, i + 1);
                }
                // Before anything else the backslash stays, and so does the next character,
                // which the next run takes.
                _ => {
                    word.push(i, i + 1);
                    i += 1;
                }
            },
            Some(_) => {
                let end = dollar_end(b, i, substs);
                word.push(i, end);
                i = end;
            }
            None => {}
        }
    }
    i
}

/// Where the `$…` or `` `…` `` starting at byte `i` ends: after `$(…)`, `$((…))`, `${…}` or
/// `` `…` `` (command substitutions added to `substs`), or after a lone `$`.
fn dollar_end(b: &[u8], i: usize, substs: &mut Vec<TextRange>) -> usize {
    if b[i] == b'`' {
        let mut j = i + 1;
        while j < b.len() {
            match b[j] {
                b'\\' => j += 2,
                b'`' => break,
                _ => j += 1,
            }
        }
        let end = (j + 1).min(b.len());
        substs.push(TextRange::new(i, end));
        return end;
    }
    match b.get(i + 1) {
        Some(b'(') => {
            let end = group_end(b, i + 1, b'(', b')');
            if b.get(i + 2) != Some(&b'(') {
                substs.push(TextRange::new(i, end));
            }
            end
        }
        Some(b'{') => group_end(b, i + 1, b'{', b'}'),
        _ => i + 1,
    }
}

/// Where the group opened at byte `open` ends: after its matching `close`, nesting counted and
/// quoted text skipped; or the end of the text.
fn group_end(b: &[u8], open: usize, open_byte: u8, close_byte: u8) -> usize {
    let mut depth = 0usize;
    let mut j = open;
    while j < b.len() {
        match b[j] {
            c if c == open_byte => depth += 1,
            c if c == close_byte => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            b'\\' => j += 1,
            b'\'' => j = find_byte(b, j + 1, b'\''),
            b'"' => {
                j += 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// The word being read: a slice of the text while its bytes are taken verbatim and in one
/// piece, a String once quotes or escapes make it differ from the source.
struct WordBuf<'a> {
    text: &'a str,
    word: Word,
}

enum Word {
    Empty,
    /// Quotes were read but nothing yet (`""` is an empty word, not no word).
    Quoted,
    Slice(usize, usize),
    /// A slice after which source bytes were skipped: the next piece makes it owned.
    Broken(usize, usize),
    Owned(String),
}

impl<'a> WordBuf<'a> {
    fn new(text: &'a str) -> Self {
        WordBuf {
            text,
            word: Word::Empty,
        }
    }

    /// Append `text[from..to]`: the word stays a slice while its pieces follow each other in
    /// the text, and becomes a String when a quote or escape was skipped between them.
    #[inline]
    fn push(&mut self, from: usize, to: usize) {
        if from == to {
            return;
        }
        let text = self.text;
        match &mut self.word {
            Word::Empty | Word::Quoted => self.word = Word::Slice(from, to),
            Word::Slice(_, end) if *end == from => *end = to,
            Word::Slice(start, end) | Word::Broken(start, end) => {
                let mut s = String::with_capacity(*end - *start + to - from);
                s.push_str(&text[*start..*end]);
                s.push_str(&text[from..to]);
                self.word = Word::Owned(s);
            }
            Word::Owned(s) => s.push_str(&text[from..to]),
        }
    }

    /// Source bytes that are not part of the word were skipped (a line continuation).
    fn skip(&mut self) {
        if let Word::Slice(start, end) = self.word {
            self.word = Word::Broken(start, end);
        }
    }

    /// A quote was opened: the word exists even if it stays empty.
    fn quoted(&mut self) {
        if let Word::Empty = self.word {
            self.word = Word::Quoted;
        }
    }

    fn take(self) -> Cow<'a, str> {
        match self.word {
            Word::Slice(start, end) | Word::Broken(start, end) => {
                Cow::Borrowed(&self.text[start..end])
            }
            Word::Owned(s) => Cow::Owned(s),
            Word::Empty | Word::Quoted => Cow::Borrowed(""),
        }
    }
}

/// ASCII bytes that end a word: blanks and operator bytes.
const ENDS_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut c = 0;
    while c < 128 {
        table[c] = matches!(
            c as u8,
            b' ' | b'\t'
                | b'\r'
                | 0x0b
                | 0x0c
                | b'&'
                | b'|'
                | b';'
                | b'\n'
                | b'('
                | b')'
                | b'<'
                | b'>'
        );
        c += 1;
    }
    table
};

/// Whether the (non-ASCII) character at byte `i` is whitespace.
fn is_whitespace_at(text: &str, i: usize) -> bool {
    text[i..].chars().next().is_some_and(char::is_whitespace)
}

/// Bytes that end a run of ordinary word bytes, as a table.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = is_special(c as u8);
        c += 1;
    }
    table
};

/// Bytes that end a run of ordinary word bytes.
const fn is_special(c: u8) -> bool {
    matches!(
        c,
        b'\\'
            | b'\''
            | b'"'
            | b'$'
            | b'`'
            | b'&'
            | b'|'
            | b';'
            | b'\n'
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b' '
            | b'\t'
            | b'\r'
            | 0x0b
            | 0x0c
    ) || c >= 0x80
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of every byte of `x` below `n` (`n` at most 0x80). Borrows can flag bytes
/// above a flagged one too, so only the lowest flag is exact, which is all
/// [`plain_run_end`] uses.
#[inline]
fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS
}

/// Flags (the high bit of a byte) for the bytes of `x` that may be [`is_special`]: every byte
/// below `*` (whitespace, `"`, `$`, `&`, `'`, `(`, `)`, but also `!`, `#`, `%` and control
/// bytes), `;`, `<`/`>` (one test: they differ in one bit), `\`, backquote, `|` and non-ASCII.
/// The lowest flag is the first byte that may be special.
#[inline]
fn maybe_special(x: u64) -> u64 {
    let eq = |x: u64, b: u8| bytes_below(x ^ (ONES * u64::from(b)), 1);
    (x & HIGHS)
        | bytes_below(x, b'*')
        | eq(x, b';')
        | eq(x | (ONES * 0x02), b'>')
        | eq(x, b'\\')
        | eq(x, b'`')
        | eq(x, b'|')
}

/// The first [`is_special`] byte at or after `i`, or the end.
///
/// Most runs are short (`-p`, `echo`), so the first eight bytes are looked up in the table one
/// by one; a longer run (a path) goes on eight bytes at a time in [`long_plain_run_end`].
#[inline]
pub(crate) fn plain_run_end(b: &[u8], i: usize) -> usize {
    let stop = i.saturating_add(8).min(b.len());
    let mut j = i;
    while j < stop {
        if SPECIAL[usize::from(b[j])] {
            return j;
        }
        j += 1;
    }
    if j >= b.len() {
        return b.len();
    }
    long_plain_run_end(b, j)
}

/// [`plain_run_end`] for a run already eight bytes long: eight bytes are tested at once, and
/// the table decides on the first byte flagged; the last few bytes one by one.
fn long_plain_run_end(b: &[u8], mut i: usize) -> usize {
    while let Some(bytes) = b.get(i..i + 8) {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(bytes);
        let flags = maybe_special(u64::from_le_bytes(chunk));
        if flags == 0 {
            i += 8;
            continue;
        }
        let at = i + (flags.trailing_zeros() / 8) as usize;
        if SPECIAL[usize::from(b[at])] {
            return at;
        }
        // A byte the flags take too broadly (`#`, `!`, `%`, `=`, a control byte): go on after it.
        i = at + 1;
    }
    while i < b.len() && !SPECIAL[usize::from(b[i])] {
        i += 1;
    }
    i.min(b.len())
}

/// The index of the next `needle` at or after `from`, or the end.
fn find_byte(b: &[u8], from: usize, needle: u8) -> usize {
    b[from.min(b.len())..]
        .iter()
        .position(|&c| c == needle)
        .map_or(b.len(), |p| from + p)
}

/// The length in bytes of the character starting at byte `i`.
fn char_len(text: &str, i: usize) -> usize {
    text[i..].chars().next().map_or(1, char::len_utf8)
}
