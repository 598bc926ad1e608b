//! Just enough shell to read a RUN line: split it into simple commands (on `&&`, `||`, `;`,
//! `|` and newlines outside quotes) and each command into words (quotes removed).
//!
//! restage never runs these commands; it only needs to recognise `npm ci` or
//! `apt-get install -y gcc` inside `RUN apt-get update && apt-get install -y gcc`.

use super::inline::InlineVec;
use std::borrow::Cow;

/// One simple command inside a shell line. Everything borrows from the line except words whose
/// quotes or escapes were removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command<'a> {
    /// The words, quotes removed. Leading `VAR=value` assignments are kept in `env`.
    pub words: Words<'a>,
    /// Leading environment assignments (`CGO_ENABLED=0 go build`).
    pub env: Vec<Cow<'a, str>>,
    /// The command's source text within the line, trimmed.
    pub text: Cow<'a, str>,
    /// The operator before this command (`&&`, `||`, `;`, `|`, newline), empty for the first.
    pub joined_by: Cow<'a, str>,
}

impl Command<'_> {
    /// The program name without its directory (`/usr/bin/pip3` → `pip3`, `./mvnw` → `mvnw`).
    pub fn program(&self) -> &str {
        // Byte-wise: `/` is ASCII, and this runs for every command, several times.
        self.words.first().map_or("", |w| {
            match w.as_bytes().iter().rposition(|&b| b == b'/') {
                Some(slash) => &w[slash + 1..],
                None => w,
            }
        })
    }

    /// The words that are not options (do not start with `-`), program included.
    pub fn positional(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .map(|w| &**w)
            .filter(|w| !w.starts_with('-'))
    }

    /// The value of an option written `-o value`, `-o=value` or `--output value`.
    pub fn option_value(&self, names: &[&str]) -> Option<&str> {
        let mut words = self.words.iter();
        while let Some(word) = words.next() {
            for name in names {
                if word == name {
                    return words.next().map(|w| &**w);
                }
                if let Some(value) = word.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                    return Some(value);
                }
            }
        }
        None
    }

    /// The words as owned strings, for the profile's matchers that take `&[String]`.
    pub fn owned_words(&self) -> Vec<String> {
        self.words.iter().map(|w| w.to_string()).collect()
    }

    /// The same command owning all its text.
    pub fn into_owned(self) -> Command<'static> {
        let own = |w: Cow<'_, str>| Cow::Owned(w.into_owned());
        Command {
            words: self.words.map(own),
            env: self.env.into_iter().map(own).collect(),
            text: Cow::Owned(self.text.into_owned()),
            joined_by: Cow::Owned(self.joined_by.into_owned()),
        }
    }
}

/// A command's words: up to 6 in place (most commands have a few), more in a `Vec`.
pub type Words<'a> = InlineVec<Cow<'a, str>, 6>;

/// The word being read: a slice of the line while its bytes are taken verbatim and in one
/// piece, a String once quotes or escapes make it differ from the source.
enum Word {
    Empty,
    Slice(usize, usize),
    Owned(String),
}

struct WordBuf<'a> {
    line: &'a str,
    word: Word,
}

impl<'a> WordBuf<'a> {
    /// Append `line[from..to]`: the word stays a slice while its pieces follow each other in
    /// the line, and becomes a String when a quote or escape was skipped between them.
    #[inline]
    fn push(&mut self, from: usize, to: usize) {
        let line = self.line;
        match &mut self.word {
            Word::Empty => self.word = Word::Slice(from, to),
            Word::Slice(_, end) if *end == from => *end = to,
            Word::Slice(start, end) => {
                let mut s = String::with_capacity(*end - *start + to - from);
                s.push_str(&line[*start..*end]);
                s.push_str(&line[from..to]);
                self.word = Word::Owned(s);
            }
            Word::Owned(s) => s.push_str(&line[from..to]),
        }
    }

    fn take(self) -> Cow<'a, str> {
        match self.word {
            Word::Slice(start, end) => Cow::Borrowed(&self.line[start..end]),
            Word::Owned(s) => Cow::Owned(s),
            Word::Empty => Cow::Borrowed(""),
        }
    }
}

/// Split a shell line into its simple commands.
///
/// The loop runs once per word or operator, not per byte: [`read_word`] takes a whole word
/// (its plain runs eight bytes at a time), and each word goes straight into its command (see
/// [`Pending`]) instead of through a list of the command's words.
pub fn commands(line: &str) -> Vec<Command<'_>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut command = Pending::new(0, "");
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => i += 1,
            c @ (b'&' | b'|' | b';' | b'\n' | b'(' | b')') => {
                // `2>&1` and `&>` are redirections, not separators (the `&` still ends a word).
                if c == b'&' && (i > 0 && b[i - 1] == b'>' || b.get(i + 1) == Some(&b'>')) {
                    i += 1;
                    continue;
                }
                let run = b[i..].iter().take_while(|&&x| x == c).count();
                command.finish(line, i, &mut out);
                command.restart(i + run, &line[i..i + run]);
                i += run;
            }
            // A comment runs to the end of the line, its line break included.
            b'#' => i = find_byte(b, i, b'\n') + 1,
            c if c >= 0x80 && is_whitespace_at(line, i) => i += char_len(line, i),
            _ => {
                let (word, end) = read_word(line, i);
                command.push(word);
                i = end;
            }
        }
    }
    command.finish(line, line.len(), &mut out);
    out
}

/// Read the word starting at byte `i` (not whitespace, an operator or a comment): quotes and
/// escapes removed, `$(...)` and backquotes kept whole. Returns it and where it ends.
#[inline]
fn read_word(line: &str, i: usize) -> (Cow<'_, str>, usize) {
    let b = line.as_bytes();
    // Most words are one plain run that whitespace or an operator ends: a slice, no buffer.
    let end = plain_run_end(b, i);
    if end > i
        && b.get(end)
            .is_none_or(|&c| c < 0x80 && ENDS_WORD[usize::from(c)])
    {
        return (Cow::Borrowed(&line[i..end]), end);
    }
    read_quoted_word(line, i)
}

/// [`read_word`] for a word with quotes, escapes, substitutions or non-ASCII characters.
#[inline(never)]
fn read_quoted_word(line: &str, mut i: usize) -> (Cow<'_, str>, usize) {
    let b = line.as_bytes();
    let mut word = WordBuf {
        line,
        word: Word::Empty,
    };
    loop {
        let end = plain_run_end(b, i);
        if end > i {
            word.push(i, end);
            i = end;
        }
        let Some(&c) = b.get(i) else { break };
        match c {
            b'\\' => match b.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(_) => {
                    let len = char_len(line, i + 1);
                    word.push(i + 1, i + 1 + len);
                    i += 1 + len;
                }
                None => i += 1,
            },
            b'\'' => {
                let end = find_byte(b, i + 1, b'\'');
                word.push(i + 1, end);
                i = end + 1;
            }
            b'"' => i = read_double_quoted(line, i + 1, &mut word),
            b'$' if b.get(i + 1) == Some(&b'(') => {
                // `$(...)` is part of the word, however many commands it holds.
                let end = substitution_end(b, i + 1);
                word.push(i, end);
                i = end;
            }
            // `$` without `(` is ordinary.
            b'$' => {
                word.push(i, i + 1);
                i += 1;
            }
            b'`' => {
                let end = (find_byte(b, i + 1, b'`') + 1).min(b.len());
                word.push(i, end);
                i = end;
            }
            c if c >= 0x80 => {
                if is_whitespace_at(line, i) {
                    break;
                }
                let len = char_len(line, i);
                word.push(i, i + len);
                i += len;
            }
            // Whitespace or an operator.
            _ => break,
        }
    }
    // Past the end after an unterminated single quote.
    (word.take(), i.min(b.len()))
}

/// Read double-quoted text from byte `i` (after the opening quote) into `word`; returns where
/// it ends, after the closing quote.
fn read_double_quoted(line: &str, mut i: usize, word: &mut WordBuf<'_>) -> usize {
    let b = line.as_bytes();
    while i < b.len() {
        let stop = b[i..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\')
            .map_or(b.len(), |p| i + p);
        word.push(i, stop);
        i = stop;
        match b.get(i) {
            Some(b'"') => return i + 1,
            Some(_) => {
                // A backslash keeps the next character, whatever it is.
                i += 1;
                if i < b.len() {
                    let len = char_len(line, i);
                    word.push(i, i + len);
                    i += len;
                }
            }
            None => {}
        }
    }
    i
}

/// Where `$(...)` ends: after the parenthesis that closes the one at byte `open` (nesting
/// counted, quotes not), or the end of the text.
fn substitution_end(b: &[u8], open: usize) -> usize {
    let mut depth = 0;
    for (j, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    b.len()
}

/// ASCII bytes that end a word: whitespace and operators.
const ENDS_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut c = 0;
    while c < 128 {
        table[c] = matches!(
            c as u8,
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c | b'&' | b'|' | b';' | b'\n' | b'(' | b')'
        );
        c += 1;
    }
    table
};

/// Whether the (non-ASCII) character at byte `i` is whitespace.
fn is_whitespace_at(line: &str, i: usize) -> bool {
    line[i..].chars().next().is_some_and(char::is_whitespace)
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
/// bytes), `;`, `\`, backquote, `|` and non-ASCII. The lowest flag is the first byte that may
/// be special.
#[inline]
fn maybe_special(x: u64) -> u64 {
    let eq = |b: u8| bytes_below(x ^ (ONES * u64::from(b)), 1);
    (x & HIGHS) | bytes_below(x, b'*') | eq(b';') | eq(b'\\') | eq(b'`') | eq(b'|')
}

/// The first [`is_special`] byte at or after `i`, or the end.
///
/// Most runs are short (`-p`, `echo`), so the first eight bytes are looked up in the table one
/// by one; a longer run (a path) goes on eight bytes at a time in [`long_plain_run_end`].
/// Shared with the detector's splitter, which ends its plain runs at the same bytes.
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
        // A byte the flags take too broadly (`#`, `!`, `%`, a control byte): go on after it.
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
fn char_len(line: &str, i: usize) -> usize {
    line[i..].chars().next().map_or(1, char::len_utf8)
}

/// The simple command being read: leading reserved words are dropped as they come, then
/// `VAR=value` prefixes go to `env`, then everything to `words`.
struct Pending<'a> {
    /// Where its text starts in the line.
    start: usize,
    /// The operator before it.
    joined_by: &'a str,
    /// Past the leading reserved words.
    past_keywords: bool,
    /// Past the leading assignments.
    past_env: bool,
    env: Vec<Cow<'a, str>>,
    words: Words<'a>,
}

impl<'a> Pending<'a> {
    fn new(start: usize, joined_by: &'a str) -> Self {
        Pending {
            start,
            joined_by,
            past_keywords: false,
            past_env: false,
            env: Vec::new(),
            words: Words::default(),
        }
    }

    fn push(&mut self, word: Cow<'a, str>) {
        if !self.past_keywords {
            // Shell keywords that start a compound command are not the program (`until
            // dotnet ef`).
            if RESERVED.contains(&&*word) {
                return;
            }
            self.past_keywords = true;
        }
        if !self.past_env {
            if is_assignment(&word) {
                self.env.push(word);
                return;
            }
            self.past_env = true;
        }
        self.words.push(word);
    }

    /// Start the next command in place (moving the whole struct costs a copy).
    fn restart(&mut self, start: usize, joined_by: &'a str) {
        self.start = start;
        self.joined_by = joined_by;
        self.past_keywords = false;
        self.past_env = false;
    }

    /// Add the command, its text ending at byte `end`, to `out` unless it runs nothing (no
    /// words, or only a word that closes a compound command). Its words are taken.
    fn finish(&mut self, line: &'a str, end: usize, out: &mut Vec<Command<'a>>) {
        if self.env.is_empty()
            && (self.words.is_empty()
                || (self.words.len() == 1 && CLOSERS.contains(&&*self.words[0])))
        {
            self.words = Words::default();
            return;
        }
        out.push(Command {
            words: std::mem::take(&mut self.words),
            env: std::mem::take(&mut self.env),
            text: Cow::Borrowed(trim(&line[self.start..end])),
            joined_by: Cow::Borrowed(self.joined_by),
        });
    }
}

/// `text.trim()`, with a byte loop for ASCII whitespace first; `trim` only runs when something
/// other than a visible ASCII character is left at either end (non-ASCII, or the vertical tab,
/// which `trim` takes and `trim_ascii` does not).
fn trim(text: &str) -> &str {
    let text = text.trim_ascii();
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if !first.is_ascii_graphic() || !last.is_ascii_graphic() => {
            text.trim()
        }
        _ => text,
    }
}

/// Words that close a compound command and run nothing.
const CLOSERS: &[&str] = &["done", "fi", "}", "esac"];

/// Reserved words that may stand before a command.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "time",
];

/// `NAME=value`: a name of ASCII letters, digits and `_` not starting with a digit. Byte-wise
/// (`=` and the name's characters are ASCII).
fn is_assignment(word: &str) -> bool {
    let bytes = word.as_bytes();
    match bytes.iter().position(|&b| b == b'=') {
        Some(eq) => {
            let name = &bytes[..eq];
            !name.is_empty()
                && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
                && !name[0].is_ascii_digit()
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Vec<String>> {
        commands(line).iter().map(Command::owned_words).collect()
    }

    #[test]
    fn splits_on_operators_outside_quotes() {
        assert_eq!(
            words("apt-get update && apt-get install -y gcc; echo 'a && b' | tee x"),
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "gcc"],
                vec!["echo", "a && b"],
                vec!["tee", "x"],
            ]
        );
    }

    #[test]
    fn env_prefix_and_options() {
        let c = &commands("CGO_ENABLED=0 GOOS=linux go build -o /out/app ./cmd/server")[0];
        assert_eq!(c.env, vec!["CGO_ENABLED=0", "GOOS=linux"]);
        assert_eq!(c.program(), "go");
        assert_eq!(c.option_value(&["-o"]), Some("/out/app"));
        assert_eq!(
            c.text,
            "CGO_ENABLED=0 GOOS=linux go build -o /out/app ./cmd/server"
        );
    }

    #[test]
    fn substitutions_and_keywords() {
        let cmds = commands(
            "NPM_TOKEN=$(cat /run/secrets/t) npm ci && until dotnet ef database update; do sleep 1; done",
        );
        assert_eq!(cmds[0].env, vec!["NPM_TOKEN=$(cat /run/secrets/t)"]);
        assert_eq!(*cmds[0].words, ["npm", "ci"]);
        assert_eq!(cmds[1].words[..2], ["dotnet".to_string(), "ef".to_string()]);
    }

    mod reference {
        use super::super::{CLOSERS, Command, RESERVED, is_assignment};
        use std::borrow::Cow;

        /// The first way to end one simple command, from the list of its words: drop leading
        /// reserved words, split off `VAR=value` prefixes.
        fn finish<'a>(
            line: &'a str,
            words: &mut Vec<Cow<'a, str>>,
            start: usize,
            end: usize,
            op: Cow<'a, str>,
            out: &mut Vec<Command<'a>>,
        ) {
            let keywords = words
                .iter()
                .take_while(|w| RESERVED.contains(&&***w))
                .count();
            words.drain(..keywords);
            if words.is_empty() || (words.len() == 1 && CLOSERS.contains(&&*words[0])) {
                words.clear();
                return;
            }
            let split = words
                .iter()
                .position(|w| !is_assignment(w))
                .unwrap_or(words.len());
            let program_and_args = words.drain(split..).collect();
            out.push(Command {
                words: program_and_args,
                env: std::mem::take(words),
                text: Cow::Borrowed(line[start..end].trim()),
                joined_by: op,
            });
        }

        /// The first, char-by-char splitter: the reference the byte-wise one must agree with (it
        /// shares `finish`, which turns the words of one command into a [`Command`]).
        pub fn commands(line: &str) -> Vec<Command<'_>> {
            let mut out = Vec::new();
            let mut words: Vec<Cow<'_, str>> = Vec::new();
            let mut word = String::new();
            let mut in_word = false;
            let mut start = 0;
            let bytes = line.as_bytes();
            let mut chars = line.char_indices().peekable();
            let mut operator = String::new();
            while let Some((i, ch)) = chars.next() {
                match ch {
                    '\\' => {
                        in_word = true;
                        match chars.next() {
                            Some((_, '\n')) => {}
                            Some((_, c)) => word.push(c),
                            None => {}
                        }
                    }
                    '\'' => {
                        in_word = true;
                        for (_, c) in chars.by_ref() {
                            if c == '\'' {
                                break;
                            }
                            word.push(c);
                        }
                    }
                    '"' => {
                        in_word = true;
                        while let Some((_, c)) = chars.next() {
                            match c {
                                '"' => break,
                                '\\' => {
                                    if let Some((_, n)) = chars.next() {
                                        word.push(n);
                                    }
                                }
                                _ => word.push(c),
                            }
                        }
                    }
                    '$' if chars.peek().is_some_and(|&(_, c)| c == '(') => {
                        // `$(...)` is part of the word, however many commands it holds.
                        in_word = true;
                        word.push('$');
                        let mut depth = 0;
                        for (_, c) in chars.by_ref() {
                            word.push(c);
                            match c {
                                '(' => depth += 1,
                                ')' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        break;
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                    '`' => {
                        in_word = true;
                        word.push('`');
                        for (_, c) in chars.by_ref() {
                            word.push(c);
                            if c == '`' {
                                break;
                            }
                        }
                    }
                    '&' | '|' | ';' | '\n' | '(' | ')' => {
                        if in_word {
                            words.push(Cow::Owned(std::mem::take(&mut word)));
                            in_word = false;
                        }
                        // `2>&1` and `&>` are redirections, not separators.
                        if ch == '&'
                            && (i > 0 && bytes[i - 1] == b'>'
                                || chars.peek().is_some_and(|&(_, c)| c == '>'))
                        {
                            continue;
                        }
                        finish(
                            line,
                            &mut words,
                            start,
                            i,
                            Cow::Owned(operator.clone()),
                            &mut out,
                        );
                        operator = ch.to_string();
                        while chars.peek().is_some_and(|&(_, c)| c == ch) {
                            chars.next();
                            operator.push(ch);
                        }
                        start = chars.peek().map_or(line.len(), |&(j, _)| j);
                    }
                    c if c.is_whitespace() => {
                        if in_word {
                            words.push(Cow::Owned(std::mem::take(&mut word)));
                            in_word = false;
                        }
                    }
                    '#' if !in_word => {
                        // A comment runs to the end of the line.
                        for (_, c) in chars.by_ref() {
                            if c == '\n' {
                                break;
                            }
                        }
                    }
                    _ => {
                        in_word = true;
                        word.push(ch);
                    }
                }
            }
            if in_word {
                words.push(Cow::Owned(word));
            }
            finish(
                line,
                &mut words,
                start,
                line.len(),
                Cow::Owned(operator),
                &mut out,
            );
            out
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn byte_splitter_agrees_with_the_reference(
            line in "([a-z=_ ]|[-&|;()\\n\\t'\"`$#>\\\\]|é|\u{a0}|\u{2003}){0,40}"
        ) {
            proptest::prop_assert_eq!(commands(&line), reference::commands(&line));
        }

        /// Long plain runs (read eight bytes at a time), the bytes the eight-byte test flags
        /// too broadly (`!`, `#`, `%`, control bytes), reserved words and closers.
        #[test]
        fn word_at_a_time_splitter_agrees_with_the_reference_on_long_words(
            line in "([a-z/._=-]{6,20}|[!#%\u{1}\u{1f}*+]|(if|do|done|then|fi|time|!|\\{|\\}) |[ &|;()\\n'\"`$\\\\]|\\$\\(|\u{e9}|\u{2003}){0,16}"
        ) {
            proptest::prop_assert_eq!(commands(&line), reference::commands(&line));
        }

        /// The eight-bytes-at-a-time scan stops where a byte-by-byte table lookup does.
        #[test]
        fn plain_run_end_agrees_with_the_table(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    // Mostly plain bytes, so that runs reach past eight bytes.
                    6 => b'a'..=b'z',
                    1 => proptest::sample::select(b"#!%*@{\x01\x1f".to_vec()),
                    1 => proptest::prelude::any::<u8>(),
                ],
                0..40,
            ),
            from in 0usize..44,
        ) {
            let expected = (from.min(bytes.len())..bytes.len())
                .find(|&i| SPECIAL[usize::from(bytes[i])])
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(plain_run_end(&bytes, from), expected);
        }
    }

    #[test]
    fn assignments_and_program_names() {
        for (word, expected) in [
            ("A=1", true),
            ("_a9=", true),
            ("A==", true),
            ("9A=1", false),
            ("=1", false),
            ("A-B=1", false),
            ("é=1", false),
            ("A", false),
        ] {
            assert_eq!(is_assignment(word), expected, "{word}");
        }
        for (line, program) in [
            ("/usr/bin/pip3 x", "pip3"),
            ("./mvnw", "mvnw"),
            ("dir/", ""),
            ("go", "go"),
            ("'/a b/é/ç' x", "ç"),
        ] {
            assert_eq!(commands(line)[0].program(), program, "{line}");
        }
    }

    proptest::proptest! {
        /// [`trim`] trims ASCII whitespace first and calls `str::trim` only when needed.
        #[test]
        fn ascii_trim_first_trims_the_same(
            text in "([a \t\n\r\u{b}\u{c}\u{1c}]|\u{85}|\u{a0}|\u{2003}|\u{e9}){0,12}"
        ) {
            proptest::prop_assert_eq!(trim(&text), text.trim());
        }
    }

    #[test]
    fn redirections_are_not_separators() {
        assert_eq!(
            words("make build 2>&1"),
            vec![vec!["make", "build", "2>", "1"]]
        );
    }
}
