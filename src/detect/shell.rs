//! Just enough shell to find the simple commands in a `RUN`/`CMD` line and the distro packages
//! they install. Not a shell parser: quotes, escapes, operators and `sh -c` are understood;
//! everything else is words.

use crate::plan::shell::plain_run_end;
use crate::profile::Installer;
use std::borrow::Cow;

/// Split shell text into simple commands (their words), looking through `prefixes` (`sudo`,
/// `env`, ...) and into `sh -c '...'`. The command name is reduced to its basename.
pub fn simple_commands(text: &str, prefixes: &[String]) -> Vec<Vec<String>> {
    simple_commands_shown(text, prefixes)
        .into_iter()
        .map(|(w, _)| w)
        .collect()
}

/// Treat `words` as one simple command (exec form), with the same prefix handling.
pub fn exec_command(words: &[String], prefixes: &[String]) -> Vec<Vec<String>> {
    exec_command_shown(words, prefixes)
        .into_iter()
        .map(|(w, _)| w)
        .collect()
}

/// Like [`simple_commands`], each with the command as written (name not reduced) for messages.
pub fn simple_commands_shown(text: &str, prefixes: &[String]) -> Vec<(Vec<String>, String)> {
    simple_commands_found(text, prefixes)
        .into_iter()
        .map(FoundCommand::into_shown)
        .collect()
}

/// Like [`exec_command`], each with the command as written.
pub fn exec_command_shown(words: &[String], prefixes: &[String]) -> Vec<(Vec<String>, String)> {
    exec_command_found(words, prefixes)
        .into_iter()
        .map(FoundCommand::into_shown)
        .collect()
}

/// A simple command: its words with the name reduced to its basename, and the name as written
/// when that differs. Words are borrowed from the shell text when written plainly (no quotes,
/// escapes or continuations inside them).
#[derive(Clone, Debug)]
pub(crate) struct FoundCommand<'a> {
    pub words: Vec<Cow<'a, str>>,
    /// The first word as written, when it is not its basename (`./mvnw`).
    pub written_name: Option<Cow<'a, str>>,
}

impl FoundCommand<'_> {
    /// The command as written: its words joined by spaces.
    pub fn shown(&self) -> String {
        let mut out = String::new();
        for (i, w) in self.words.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            match (&self.written_name, i) {
                (Some(name), 0) => out.push_str(name),
                _ => out.push_str(w),
            }
        }
        out
    }

    fn into_shown(self) -> (Vec<String>, String) {
        let shown = self.shown();
        (self.words.into_iter().map(Cow::into_owned).collect(), shown)
    }
}

/// Words that own their text.
fn owned(words: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
    words
        .into_iter()
        .map(|w| Cow::Owned(w.into_owned()))
        .collect()
}

/// [`simple_commands_shown`] with the written text kept lazily.
pub(crate) fn simple_commands_found<'a>(
    text: &'a str,
    prefixes: &[String],
) -> Vec<FoundCommand<'a>> {
    let mut out = Commands::default();
    simple_commands_into(text, prefixes, &mut out);
    out.into_found()
}

/// [`exec_command_shown`] with the written text kept lazily.
pub(crate) fn exec_command_found<'a>(
    words: &'a [String],
    prefixes: &[String],
) -> Vec<FoundCommand<'a>> {
    let mut out = Commands::default();
    exec_command_into(words.iter().map(String::as_str), prefixes, &mut out);
    out.into_found()
}

/// Add the simple commands of shell text to `out` (see [`simple_commands`]).
pub(crate) fn simple_commands_into<'a>(text: &'a str, prefixes: &[String], out: &mut Commands<'a>) {
    // The list the splitter collects a segment's words in is reused from text to text.
    let mut words = std::mem::take(&mut out.segment);
    split_segments(text, &mut words, |segment| {
        push_command(segment, prefixes, out, 0);
    });
    out.segment = words;
}

/// Add `words` as one simple command (exec form) to `out` (see [`exec_command`]).
pub(crate) fn exec_command_into<'a>(
    words: impl IntoIterator<Item = &'a str>,
    prefixes: &[String],
    out: &mut Commands<'a>,
) {
    let mut words = words.into_iter().map(Cow::Borrowed).collect();
    push_command(&mut words, prefixes, out, 0);
}

/// Simple commands (as [`FoundCommand`]s) with the words of all of them in one list: one
/// allocation for a whole Dockerfile instead of one per command.
#[derive(Clone, Debug, Default)]
pub(crate) struct Commands<'a> {
    words: Vec<Cow<'a, str>>,
    /// Per command: where its words end in `words` (they start where the previous one's end),
    /// and its first word as written when that is not its basename.
    list: Vec<(u32, Option<Cow<'a, str>>)>,
    /// An empty list kept for [`split_segments`] to reuse.
    segment: Vec<Cow<'a, str>>,
}

impl<'a> Commands<'a> {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The words of command `i`, the name reduced to its basename.
    pub fn words(&self, i: usize) -> &[Cow<'a, str>] {
        let start = if i == 0 { 0 } else { self.list[i - 1].0 };
        &self.words[start as usize..self.list[i].0 as usize]
    }

    /// Command `i` as written: its words joined by spaces.
    pub fn shown(&self, i: usize) -> String {
        let mut out = String::new();
        for (j, w) in self.words(i).iter().enumerate() {
            if j > 0 {
                out.push(' ');
            }
            match (&self.list[i].1, j) {
                (Some(name), 0) => out.push_str(name),
                _ => out.push_str(w),
            }
        }
        out
    }

    fn push(
        &mut self,
        words: impl IntoIterator<Item = Cow<'a, str>>,
        written_name: Option<Cow<'a, str>>,
    ) {
        self.words.extend(words);
        self.list.push((self.words.len() as u32, written_name));
    }

    /// Add the commands of `other`, owning their words.
    pub fn extend_owned(&mut self, other: Commands<'_>) {
        let mut words = other.words.into_iter();
        let mut start = 0;
        for (end, name) in other.list {
            let n = (end - start) as usize;
            start = end;
            let name = name.map(|w| Cow::Owned(w.into_owned()));
            self.push(
                words.by_ref().take(n).map(|w| Cow::Owned(w.into_owned())),
                name,
            );
        }
    }

    /// One [`FoundCommand`] per command.
    fn into_found(self) -> Vec<FoundCommand<'a>> {
        let mut words = self.words.into_iter();
        let mut start = 0;
        self.list
            .into_iter()
            .map(|(end, written_name)| {
                let n = (end - start) as usize;
                start = end;
                FoundCommand {
                    words: words.by_ref().take(n).collect(),
                    written_name,
                }
            })
            .collect()
    }
}

/// The part of a command name after its last `/`.
fn basename(word: &str) -> &str {
    match word.bytes().rposition(|b| b == b'/') {
        Some(i) => &word[i + 1..],
        None => word,
    }
}

/// Add the simple command in `words` (one segment, taken) to `out`.
fn push_command<'a>(
    words: &mut Vec<Cow<'a, str>>,
    prefixes: &[String],
    out: &mut Commands<'a>,
    depth: usize,
) {
    // Leading words are dropped from the front; `skip` counts them instead of shifting.
    let mut skip = 0;
    loop {
        let Some(first) = words.get(skip) else { return };
        let base = basename(first);
        if is_keyword(first) || is_assignment(first) {
            skip += 1;
            continue;
        }
        // The first bytes are compared before the rest (most names are no prefix).
        if prefixes
            .iter()
            .any(|p| p.as_bytes().first() == base.as_bytes().first() && p == base)
        {
            skip += 1;
            // `sh -c 'cmd'` / `bash -lc 'cmd'`: look inside.
            let rest = &words[skip..];
            if let Some(pos) = rest
                .iter()
                .position(|w| w.starts_with('-') && w.contains('c') && !w.starts_with("--"))
                && pos + 1 < rest.len()
                && rest[..pos].iter().all(|w| w.starts_with('-'))
                && depth < 4
            {
                match &rest[pos + 1] {
                    &Cow::Borrowed(script) => split_segments(script, &mut Vec::new(), |segment| {
                        push_command(segment, prefixes, out, depth + 1);
                    }),
                    Cow::Owned(script) => split_segments(script, &mut Vec::new(), |segment| {
                        let mut segment = owned(std::mem::take(segment));
                        push_command(&mut segment, prefixes, out, depth + 1);
                    }),
                }
                return;
            }
            // Drop the wrapper's own options (`sudo -E`, `env -i`).
            while words.get(skip).is_some_and(|w| w.starts_with('-')) {
                skip += 1;
            }
            continue;
        }
        let written = if base.len() != first.len() {
            let base_at = first.len() - base.len();
            let base = match first {
                Cow::Borrowed(w) => Cow::Borrowed(&w[base_at..]),
                Cow::Owned(w) => Cow::Owned(w[base_at..].to_string()),
            };
            Some(std::mem::replace(&mut words[skip], base))
        } else {
            None
        };
        out.push(words.drain(skip..), written);
        return;
    }
}

/// Shell keywords that may precede a command.
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "!" | "{"
            | "}"
            | "do"
            | "done"
            | "elif"
            | "else"
            | "fi"
            | "if"
            | "then"
            | "while"
            | "until"
            | "for"
    )
}

/// `NAME=value`: a name of ASCII letters, digits and `_` (not starting with a digit) before the
/// first `=`.
fn is_assignment(word: &str) -> bool {
    let b = word.as_bytes();
    let n = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
        .unwrap_or(b.len());
    n > 0 && b[n..].first() == Some(&b'=') && !b[0].is_ascii_digit()
}

/// Split on `&&`, `||`, `;`, `|`, `&`, newlines and parentheses; resolve quotes and escapes.
///
/// The loop runs once per word or operator: [`read_word`] takes a whole word, its plain runs
/// eight bytes at a time. A word that is one plain run or one quoted text without escapes is
/// borrowed from `text`. Each non-empty segment is handed to `each` in one reused list (which
/// `each` may take from).
fn split_segments<'a>(
    text: &'a str,
    words: &mut Vec<Cow<'a, str>>,
    mut each: impl FnMut(&mut Vec<Cow<'a, str>>),
) {
    let bytes = text.as_bytes();
    let mut segment_end = |words: &mut Vec<Cow<'a, str>>| {
        if !words.is_empty() {
            each(words);
            words.clear();
        }
    };
    words.clear();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\t' | b'\x0B' | b'\x0C' | b'\r' | b' ' => i += 1,
            b'#' => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |j| i + j + 1);
                segment_end(words);
            }
            b';' | b'&' | b'|' | b'\n' | b'(' | b')' | b'`' => {
                i += 1;
                segment_end(words);
            }
            b'$' if bytes.get(i + 1) == Some(&b'(') => {
                i += 2;
                segment_end(words);
            }
            // A line continuation between words.
            b'\\' if matches!(bytes.get(i + 1), Some(b'\n' | b'\r') | None) => {
                i += 2;
                if bytes.get(i - 1) == Some(&b'\r') && bytes.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            b if b >= 0x80 && char_at(text, i).is_whitespace() => {
                i += char_at(text, i).len_utf8();
            }
            _ => {
                let (word, end) = read_word(text, i);
                words.push(word);
                i = end;
            }
        }
    }
    segment_end(words);
}

/// The character at byte `i` (on a character boundary).
fn char_at(text: &str, i: usize) -> char {
    text[i..].chars().next().unwrap_or_default()
}

/// ASCII bytes that end a word: whitespace, operators and backquotes.
const ENDS_WORD: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = matches!(
            b as u8,
            b'\t'
                | b'\x0B'
                | b'\x0C'
                | b'\r'
                | b' '
                | b';'
                | b'&'
                | b'|'
                | b'\n'
                | b'('
                | b')'
                | b'`'
        );
        b += 1;
    }
    table
};

/// Read the word starting at byte `i` (not whitespace, an operator, a comment or a line
/// continuation): quotes and escapes resolved. Returns it and where it ends.
#[inline]
fn read_word(text: &str, i: usize) -> (Cow<'_, str>, usize) {
    let bytes = text.as_bytes();
    // Most words are one plain run that whitespace or an operator ends: a slice, no buffer.
    let end = plain_run_end(bytes, i);
    if end > i
        && bytes
            .get(end)
            .is_none_or(|&c| c < 0x80 && ENDS_WORD[usize::from(c)])
    {
        return (Cow::Borrowed(&text[i..end]), end);
    }
    read_quoted_word(text, i)
}

/// [`read_word`] for a word with quotes, escapes or non-ASCII characters.
#[inline(never)]
fn read_quoted_word(text: &str, mut i: usize) -> (Cow<'_, str>, usize) {
    let bytes = text.as_bytes();
    let mut word = Word::default();
    let mut in_word = false;
    loop {
        let end = plain_run_end(bytes, i);
        if end > i {
            word.run(text, in_word, i, end);
            in_word = true;
            i = end;
        }
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'\\' => {
                i += 1;
                match bytes.get(i) {
                    Some(b'\n') => i += 1,
                    Some(b'\r') => {
                        i += 1;
                        if bytes.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    Some(_) => {
                        let n = char_at(text, i);
                        word.text(text).push(n);
                        in_word = true;
                        i += n.len_utf8();
                    }
                    None => {}
                }
            }
            b'\'' => {
                let rest = &text[i + 1..];
                let end = rest.find('\'').unwrap_or(rest.len());
                word.run(text, in_word, i + 1, i + 1 + end);
                in_word = true;
                i += 1 + end + usize::from(end < rest.len());
            }
            b'"' => {
                i += 1;
                loop {
                    let rest = &bytes[i..];
                    let Some(j) = rest.iter().position(|&b| b == b'"' || b == b'\\') else {
                        word.run(text, in_word, i, bytes.len());
                        in_word = true;
                        i = bytes.len();
                        break;
                    };
                    word.run(text, in_word, i, i + j);
                    in_word = true;
                    i += j + 1;
                    if rest[j] == b'"' {
                        break;
                    }
                    // A backslash keeps itself unless it escapes `"`, `\`, `$` or a backquote.
                    if i < bytes.len() {
                        let m = char_at(text, i);
                        let word = word.text(text);
                        if !matches!(m, '"' | '\\' | '$' | '`') {
                            word.push('\\');
                        }
                        word.push(m);
                        i += m.len_utf8();
                    }
                }
            }
            // `$(` ends the word (and the segment).
            b'$' if bytes.get(i + 1) == Some(&b'(') => break,
            // `$` without `(` is ordinary.
            b'$' => {
                word.run(text, in_word, i, i + 1);
                in_word = true;
                i += 1;
            }
            b if b >= 0x80 => {
                let c = char_at(text, i);
                if c.is_whitespace() {
                    break;
                }
                word.run(text, in_word, i, i + c.len_utf8());
                in_word = true;
                i += c.len_utf8();
            }
            // Whitespace, an operator or a backquote.
            _ => break,
        }
    }
    (word.take(text), i)
}

/// The word being read: one run of the text (plain or quoted; borrowed when the word ends), or
/// text built up from escapes and several runs.
#[derive(Default)]
struct Word {
    /// The run `text[start..end]`, while the word is nothing else.
    run: Option<(usize, usize)>,
    built: String,
}

impl Word {
    /// Add the run `text[start..end]`; `in_word` says whether the word has begun.
    fn run(&mut self, text: &str, in_word: bool, start: usize, end: usize) {
        match &mut self.run {
            None if !in_word => self.run = Some((start, end)),
            Some(run) if run.1 == start => run.1 = end,
            _ => self.text(text).push_str(&text[start..end]),
        }
    }

    /// The built text, taking over the run first.
    fn text(&mut self, text: &str) -> &mut String {
        if let Some((start, end)) = self.run.take() {
            self.built.push_str(&text[start..end]);
        }
        &mut self.built
    }

    /// The finished word; the next one starts empty.
    fn take<'t>(&mut self, text: &'t str) -> Cow<'t, str> {
        match self.run.take() {
            Some((start, end)) => Cow::Borrowed(&text[start..end]),
            None => Cow::Owned(std::mem::take(&mut self.built)),
        }
    }
}

/// The packages a simple command installs through a distro installer, with the family.
pub fn installed_packages(words: &[String], installers: &[Installer]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for found in installed_by(words, &InstallerWords::new(installers)) {
        out.push((found.0.to_string(), found.1.family.clone()));
    }
    out
}

/// Installers split into their command name and verb once.
pub(crate) struct InstallerWords<'i>(Vec<(&'i str, &'i str, &'i Installer)>);

impl<'i> InstallerWords<'i> {
    pub fn new(installers: &'i [Installer]) -> Self {
        Self(
            installers
                .iter()
                .filter_map(|installer| {
                    let mut parts = installer.command.split_whitespace();
                    Some((parts.next()?, parts.next()?, installer))
                })
                .collect(),
        )
    }
}

/// The packages a simple command installs (as written in `words`) with their installer.
pub(crate) fn installed_by<'w, 'i, W: AsRef<str>>(
    words: &'w [W],
    installers: &InstallerWords<'i>,
) -> Vec<(&'w str, &'i Installer)> {
    let mut out = Vec::new();
    let Some(first) = words.first().map(W::as_ref) else {
        return out;
    };
    for &(name, verb, installer) in &installers.0 {
        if first != name {
            continue;
        }
        // Options may come before the verb (`apt-get -y install`, `apk --no-cache add`).
        let mut i = 1;
        while i < words.len() && words[i].as_ref().starts_with('-') {
            i += 1;
        }
        if words.get(i).map(W::as_ref) != Some(verb) {
            continue;
        }
        i += 1;
        while i < words.len() {
            let w = words[i].as_ref();
            if w.starts_with('-') {
                let takes_value = installer.options_with_value.iter().any(|o| o == w);
                i += if takes_value { 2 } else { 1 };
                continue;
            }
            let pkg = w
                .split(['=', '~', '@'])
                .next()
                .unwrap_or(w)
                .trim_end_matches(['>', '<']);
            if !pkg.is_empty() && !pkg.contains('$') && !pkg.contains('/') {
                out.push((pkg, installer));
            }
            i += 1;
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefixes() -> Vec<String> {
        ["sudo", "env", "sh", "bash", "exec"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// The segments [`split_segments`] hands out, collected.
    fn segments(text: &str) -> Vec<Vec<Cow<'_, str>>> {
        let mut out = Vec::new();
        split_segments(text, &mut Vec::new(), |words| {
            out.push(std::mem::take(words))
        });
        out
    }

    /// The first, character-at-a-time version of `split_segments`.
    fn reference_split(text: &str) -> Vec<Vec<String>> {
        let mut segments = Vec::new();
        let mut words: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut in_word = false;
        let mut chars = text.chars().peekable();
        let flush_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
            if *in_word {
                words.push(std::mem::take(word));
                *in_word = false;
            }
        };
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('\n') => {}
                    Some('\r') if chars.peek() == Some(&'\n') => {
                        chars.next();
                    }
                    Some('\r') => {}
                    Some(n) => {
                        word.push(n);
                        in_word = true;
                    }
                    None => {}
                },
                '\'' => {
                    in_word = true;
                    for n in chars.by_ref() {
                        if n == '\'' {
                            break;
                        }
                        word.push(n);
                    }
                }
                '"' => {
                    in_word = true;
                    while let Some(n) = chars.next() {
                        match n {
                            '"' => break,
                            '\\' => {
                                if let Some(m) = chars.next() {
                                    if !matches!(m, '"' | '\\' | '$' | '`') {
                                        word.push('\\');
                                    }
                                    word.push(m);
                                }
                            }
                            _ => word.push(n),
                        }
                    }
                }
                '#' if !in_word => {
                    for n in chars.by_ref() {
                        if n == '\n' {
                            break;
                        }
                    }
                    flush_word(&mut word, &mut in_word, &mut words);
                    segments.push(std::mem::take(&mut words));
                }
                ';' | '&' | '|' | '\n' | '(' | ')' | '`' => {
                    flush_word(&mut word, &mut in_word, &mut words);
                    if !words.is_empty() {
                        segments.push(std::mem::take(&mut words));
                    }
                }
                '$' if chars.peek() == Some(&'(') => {
                    chars.next();
                    flush_word(&mut word, &mut in_word, &mut words);
                    if !words.is_empty() {
                        segments.push(std::mem::take(&mut words));
                    }
                }
                c if c.is_whitespace() => flush_word(&mut word, &mut in_word, &mut words),
                c => {
                    word.push(c);
                    in_word = true;
                }
            }
        }
        flush_word(&mut word, &mut in_word, &mut words);
        if !words.is_empty() {
            segments.push(words);
        }
        segments.retain(|s| !s.is_empty());
        segments
    }

    #[test]
    fn splitting_agrees_with_the_reference_on_tricky_text() {
        for text in [
            "apt-get update && apt-get install -y x \\\n  && echo 'a b' \"c \\\" d\" | tee",
            "echo $(date) `uname` (sub; shell) a#b # comment\nnext",
            "x\\\r\ny \\\rz \\",
            "unterminated 'quote",
            "unterminated \"dq \\",
            "caf\u{e9} na\u{ef}ve\u{a0}nbsp\u{2003}em",
            "a\x0bb\x0cc\td\re",
            "#only a comment",
            "",
        ] {
            assert_eq!(segments(text), reference_split(text), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn splitting_agrees_with_the_reference(
            text in "([a-z$#(){};&|`'\"\\\\ \t\r\n\u{0b}\u{a0}\u{e9}]|\\$\\(){0,40}",
        ) {
            proptest::prop_assert_eq!(segments(&text), reference_split(&text));
        }

        /// Long plain runs (read eight bytes at a time), the bytes the eight-byte test flags
        /// too broadly (`!`, `#`, `%`, control bytes) and line continuations.
        #[test]
        fn word_at_a_time_splitting_agrees_with_the_reference_on_long_words(
            text in "([a-z/._=-]{6,20}|[!#%\u{1}\u{1f}*+]|[ &|;()\n\r'\"`$\\\\]|\\$\\(|\\\\\r?\n|\u{e9}|\u{2003}){0,16}",
        ) {
            proptest::prop_assert_eq!(segments(&text), reference_split(&text));
        }
    }

    proptest::proptest! {
        #[test]
        fn assignments_are_recognised_as_by_split_once(word in "[a-zA-Z0-9_=\u{e9}$ -]{0,8}") {
            let reference = match word.split_once('=') {
                Some((name, _)) => {
                    !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !name.starts_with(|c: char| c.is_ascii_digit())
                }
                None => false,
            };
            proptest::prop_assert_eq!(is_assignment(&word), reference);
        }
    }

    #[test]
    fn splits_operators_and_looks_into_sh_c() {
        let cmds = simple_commands(
            "apt-get update && apt-get install -y golang-go \\\n  && sh -c 'npm ci; CGO_ENABLED=0 ./mvnw package' | tee x",
            &prefixes(),
        );
        let names: Vec<&str> = cmds.iter().map(|c| c[0].as_str()).collect();
        assert_eq!(names, ["apt-get", "apt-get", "npm", "mvnw", "tee"]);
    }

    #[test]
    fn finds_installed_packages() {
        let installers = vec![
            Installer {
                command: "apk add".into(),
                family: "alpine".into(),
                options_with_value: vec!["--virtual".into()],
            },
            Installer {
                command: "apt-get install".into(),
                family: "debian".into(),
                options_with_value: vec![],
            },
        ];
        let words: Vec<String> =
            "apk add --no-cache --virtual .build-deps gcc musl-dev=1.2 rust cargo"
                .split_whitespace()
                .map(String::from)
                .collect();
        let pkgs: Vec<String> = installed_packages(&words, &installers)
            .into_iter()
            .map(|p| p.0)
            .collect();
        assert_eq!(pkgs, ["gcc", "musl-dev", "rust", "cargo"]);
        let words: Vec<String> = "apt-get -y install --no-install-recommends python3 python3-pip"
            .split_whitespace()
            .map(String::from)
            .collect();
        assert_eq!(installed_packages(&words, &installers).len(), 2);
    }
}
