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

    fn take(&mut self) -> Cow<'a, str> {
        match std::mem::replace(&mut self.word, Word::Empty) {
            Word::Slice(start, end) => Cow::Borrowed(&self.line[start..end]),
            Word::Owned(s) => Cow::Owned(s),
            _ => Cow::Borrowed(""),
        }
    }
}

/// Split a shell line into its simple commands.
///
/// Byte-wise: every character with a meaning here is ASCII, so runs of ordinary bytes are
/// copied in one go (this runs for every RUN line, several times per file).
pub fn commands(line: &str) -> Vec<Command<'_>> {
    commands_reusing(line, &mut Vec::new())
}

/// [`commands`] with the buffer for the words being read passed in (and left empty), so that
/// splitting many lines of one file allocates it once.
pub fn commands_reusing<'a>(line: &'a str, words: &mut Vec<Cow<'a, str>>) -> Vec<Command<'a>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    words.clear();
    let mut word = WordBuf {
        line,
        word: Word::Empty,
    };
    let mut in_word = false;
    let mut start = 0;
    let mut operator: &str = "";
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                in_word = true;
                match b.get(i + 1) {
                    Some(b'\n') => i += 2,
                    Some(_) => {
                        let len = char_len(line, i + 1);
                        word.push(i + 1, i + 1 + len);
                        i += 1 + len;
                    }
                    None => i += 1,
                }
            }
            b'\'' => {
                in_word = true;
                let end = find_byte(b, i + 1, b'\'');
                word.push(i + 1, end);
                i = end + 1;
            }
            b'"' => {
                in_word = true;
                i += 1;
                while i < b.len() {
                    let stop = b[i..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\')
                        .map_or(b.len(), |p| i + p);
                    word.push(i, stop);
                    i = stop;
                    match b.get(i) {
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
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
            }
            b'$' if b.get(i + 1) == Some(&b'(') => {
                // `$(...)` is part of the word, however many commands it holds.
                in_word = true;
                let mut depth = 0;
                let mut end = b.len();
                for (j, &c) in b.iter().enumerate().skip(i + 1) {
                    match c {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = j + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                word.push(i, end);
                i = end;
            }
            b'`' => {
                in_word = true;
                let end = (find_byte(b, i + 1, b'`') + 1).min(b.len());
                word.push(i, end);
                i = end;
            }
            c @ (b'&' | b'|' | b';' | b'\n' | b'(' | b')') => {
                if in_word {
                    words.push(word.take());
                    in_word = false;
                }
                // `2>&1` and `&>` are redirections, not separators.
                if c == b'&' && (i > 0 && b[i - 1] == b'>' || b.get(i + 1) == Some(&b'>')) {
                    i += 1;
                    continue;
                }
                finish(line, words, start, i, Cow::Borrowed(operator), &mut out);
                let run = b[i..].iter().take_while(|&&x| x == c).count();
                operator = &line[i..i + run];
                i += run;
                start = i;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                if in_word {
                    words.push(word.take());
                    in_word = false;
                }
                i += 1;
            }
            b'#' if !in_word => {
                // A comment runs to the end of the line, its line break included.
                i = find_byte(b, i, b'\n') + 1;
            }
            c if c >= 0x80 => {
                let len = char_len(line, i);
                if line[i..i + len].chars().all(char::is_whitespace) {
                    if in_word {
                        words.push(word.take());
                        in_word = false;
                    }
                } else {
                    in_word = true;
                    word.push(i, i + len);
                }
                i += len;
            }
            _ => {
                in_word = true;
                let end = b[i..]
                    .iter()
                    .position(|&c| SPECIAL[usize::from(c)])
                    .map_or(b.len(), |p| i + p);
                // `$` without `(` is ordinary: take it with the run.
                let end = if end == i { i + 1 } else { end };
                word.push(i, end);
                i = end;
            }
        }
    }
    if in_word {
        words.push(word.take());
    }
    finish(
        line,
        words,
        start,
        line.len(),
        Cow::Borrowed(operator),
        &mut out,
    );
    out
}

/// Bytes that end a run of ordinary word bytes, as a table: the scan of a run costs one load
/// per byte.
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

/// End one simple command: drop leading reserved words, split off `VAR=value` prefixes.
/// `words` is left empty, its buffer kept for the next command.
fn finish<'a>(
    line: &'a str,
    words: &mut Vec<Cow<'a, str>>,
    start: usize,
    end: usize,
    op: Cow<'a, str>,
    out: &mut Vec<Command<'a>>,
) {
    // Shell keywords that start a compound command are not the program (`until dotnet ef`).
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
    // Not `mem::take`: `words` keeps its buffer for the next command.
    #[allow(clippy::drain_collect)]
    let env = if words.is_empty() {
        Vec::new()
    } else {
        words.drain(..).collect()
    };
    out.push(Command {
        words: program_and_args,
        env,
        // ASCII whitespace first (a byte loop), then whatever Unicode whitespace `trim` takes.
        text: Cow::Borrowed(line[start..end].trim_ascii().trim()),
        joined_by: op,
    });
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
        use super::super::{Command, finish};
        use std::borrow::Cow;

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
        /// `finish` (shared with the reference) trims ASCII whitespace before calling `trim`.
        #[test]
        fn ascii_trim_first_trims_the_same(
            text in "([a \t\n\r\u{b}\u{c}\u{1c}]|\u{85}|\u{a0}|\u{2003}){0,12}"
        ) {
            proptest::prop_assert_eq!(text.trim_ascii().trim(), text.trim());
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
