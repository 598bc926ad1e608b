//! The lexer's rules pinned by examples, a character-at-a-time reference lexer the word-at-a-time
//! one must agree with, and properties that compare the two views.

use super::lex::{Token, TokenKind, plain_run_end, tokens};
use super::*;

/// The tokens of `text` as (kind, start, end, text).
fn lexed(text: &str) -> Vec<(TokenKind, usize, usize, String)> {
    tokens(text)
        .map(|t: Token<'_>| (t.kind, t.range.start, t.range.end, t.text.into_owned()))
        .collect()
}

/// The kinds and texts only.
fn short(text: &str) -> Vec<(TokenKind, String)> {
    lexed(text).into_iter().map(|(k, _, _, t)| (k, t)).collect()
}

use TokenKind::{Comment, Op, Subst, Word};

fn w(s: &str) -> (TokenKind, String) {
    (Word, s.to_string())
}
fn op(s: &str) -> (TokenKind, String) {
    (Op, s.to_string())
}

#[test]
fn backslashes_in_double_quotes_follow_posix() {
    // Only `$`, backquote, `"`, `\` and a line break are escaped; otherwise the backslash stays.
    assert_eq!(
        short(r#"echo "a\b" "\$x" "\"" "\\" 'c\d' e\f"#),
        [
            w("echo"),
            w(r"a\b"),
            w("$x"),
            w("\""),
            w(r"\"),
            w(r"c\d"),
            w("ef")
        ]
    );
    assert_eq!(short("\"a\\\nb\""), [w("ab")]);
}

#[test]
fn substitutions_stay_in_their_word_and_are_reported() {
    assert_eq!(
        short("x=$(cat \"a)\" | tr -d ')') `id -u`y \"$(go env GOPATH)\" $((1+2)) ${A:-b c}"),
        [
            w("x=$(cat \"a)\" | tr -d ')')"),
            (Subst, "cat \"a)\" | tr -d ')'".to_string()),
            w("`id -u`y"),
            (Subst, "id -u".to_string()),
            w("$(go env GOPATH)"),
            (Subst, "go env GOPATH".to_string()),
            w("$((1+2))"),
            w("${A:-b c}"),
        ]
    );
}

#[test]
fn redirections_take_their_io_number() {
    assert_eq!(
        short("make 2>&1 >>log <in 3<>f &>all x2>y 12<<-EOF"),
        [
            w("make"),
            op("2>&"),
            w("1"),
            op(">>"),
            w("log"),
            op("<"),
            w("in"),
            op("3<>"),
            w("f"),
            op("&>"),
            w("all"),
            w("x2"),
            op(">"),
            w("y"),
            op("12<<-"),
            w("EOF"),
        ]
    );
}

#[test]
fn reserved_words_are_only_words() {
    // The lexer does not know reserved words; the planning view drops them in command position.
    assert_eq!(
        short("if true; then x; fi"),
        [
            w("if"),
            w("true"),
            op(";"),
            w("then"),
            w("x"),
            op(";"),
            w("fi")
        ]
    );
    let cmds = parse("if true; then x; fi; echo if");
    let words: Vec<Vec<String>> = cmds.iter().map(Command::owned_words).collect();
    assert_eq!(words, [vec!["true"], vec!["x"], vec!["echo", "if"]]);
}

#[test]
fn crlf_continuations_and_comments() {
    // `\` before CRLF (or a lone CR) is a line continuation, between words and inside them.
    assert_eq!(short("a \\\r\n b\\\r\nc \\\rd"), [w("a"), w("bc"), w("d")]);
    // A comment runs to the line break, which still separates commands.
    assert_eq!(
        short("a # x && y\nb#c"),
        [
            w("a"),
            (Comment, "# x && y".to_string()),
            op("\n"),
            w("b#c")
        ]
    );
    let words: Vec<Vec<String>> = parse("a # c\r\nb")
        .iter()
        .map(Command::owned_words)
        .collect();
    assert_eq!(words, [vec!["a"], vec!["b"]]);
}

#[test]
fn ranges_cover_the_source() {
    let text = "FOO='a b' go  build>out";
    let spans: Vec<&str> = tokens(text).map(|t| t.range.slice(text)).collect();
    assert_eq!(spans, ["FOO='a b'", "go", "build", ">", "out"]);
}

/// The reference: the same rules, one character at a time, with no fast paths.
mod reference {
    use super::TokenKind::{self, *};

    fn blank(c: char) -> bool {
        matches!(c, ' ' | '\t' | '\r' | '\u{b}' | '\u{c}') || (!c.is_ascii() && c.is_whitespace())
    }

    fn ends_word(c: char) -> bool {
        blank(c) || matches!(c, '&' | '|' | ';' | '\n' | '(' | ')' | '<' | '>')
    }

    fn op_len(rest: &[char]) -> usize {
        let at = |i: usize| rest.get(i).copied();
        match (rest[0], at(1)) {
            ('&', Some('&')) | ('|', Some('|')) | (';', Some(';')) => 2,
            ('&', Some('>')) => 2 + usize::from(at(2) == Some('>')),
            ('<', Some('<')) => 2 + usize::from(matches!(at(2), Some('-' | '<'))),
            ('<', Some('>' | '&')) | ('>', Some('>' | '&' | '|')) => 2,
            _ => 1,
        }
    }

    /// After the group opened at `open` (`(` or `{`), or the end.
    fn group_end(c: &[char], open: usize) -> usize {
        let (o, cl) = if c[open] == '(' {
            ('(', ')')
        } else {
            ('{', '}')
        };
        let mut depth = 0;
        let mut j = open;
        while j < c.len() {
            let ch = c[j];
            if ch == o {
                depth += 1;
            } else if ch == cl {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            } else if ch == '\\' {
                j += 1;
            } else if ch == '\'' {
                j += 1;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
            } else if ch == '"' {
                j += 1;
                while j < c.len() && c[j] != '"' {
                    j += if c[j] == '\\' { 2 } else { 1 };
                }
            }
            j += 1;
        }
        c.len()
    }

    /// After the `$…`/backquote at `i`; a command substitution is added to `substs`.
    fn dollar(c: &[char], i: usize, substs: &mut Vec<(usize, usize)>) -> usize {
        if c[i] == '`' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '`' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(c.len());
            substs.push((i, end));
            return end;
        }
        match c.get(i + 1) {
            Some('(') => {
                let end = group_end(c, i + 1);
                if c.get(i + 2) != Some(&'(') {
                    substs.push((i, end));
                }
                end
            }
            Some('{') => group_end(c, i + 1),
            _ => i + 1,
        }
    }

    pub fn lex(text: &str) -> Vec<(TokenKind, usize, usize, String)> {
        let c: Vec<char> = text.chars().collect();
        // Byte offsets of each character (and the end).
        let mut at: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        at.push(text.len());
        let mut out = Vec::new();
        let mut i = 0;
        while i < c.len() {
            let ch = c[i];
            if blank(ch) {
                i += 1;
                continue;
            }
            if ch == '\\' && matches!(c.get(i + 1), Some('\n' | '\r')) {
                i += 2;
                if c[i - 1] == '\r' && c.get(i) == Some(&'\n') {
                    i += 1;
                }
                continue;
            }
            let start = i;
            if ch == '#' {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
                out.push((
                    Comment,
                    at[start],
                    at[i],
                    text[at[start]..at[i]].to_string(),
                ));
                continue;
            }
            if matches!(ch, '&' | '|' | ';' | '\n' | '(' | ')' | '<' | '>') {
                i += op_len(&c[i..]);
                out.push((Op, at[start], at[i], text[at[start]..at[i]].to_string()));
                continue;
            }
            let mut word = String::new();
            let mut substs = Vec::new();
            while i < c.len() {
                let ch = c[i];
                match ch {
                    '\\' => match c.get(i + 1) {
                        Some('\n') => i += 2,
                        Some('\r') => {
                            i += 2;
                            if c.get(i) == Some(&'\n') {
                                i += 1;
                            }
                        }
                        Some(&n) => {
                            word.push(n);
                            i += 2;
                        }
                        None => i += 1,
                    },
                    '\'' => {
                        i += 1;
                        while i < c.len() && c[i] != '\'' {
                            word.push(c[i]);
                            i += 1;
                        }
                        i += 1;
                    }
                    '"' => {
                        i += 1;
                        while i < c.len() && c[i] != '"' {
                            match c[i] {
                                '\\' => match c.get(i + 1) {
                                    Some(&n @ ('$' | '`' | '"' | '\\')) => {
                                        word.push(n);
                                        i += 2;
                                    }
                                    Some('\n') => i += 2,
                                    Some('\r') => {
                                        i += 2;
                                        if c.get(i) == Some(&'\n') {
                                            i += 1;
                                        }
                                    }
                                    _ => {
                                        word.push('\\');
                                        i += 1;
                                    }
                                },
                                '$' | '`' => {
                                    let end = dollar(&c, i, &mut substs);
                                    word.extend(&c[i..end]);
                                    i = end;
                                }
                                n => {
                                    word.push(n);
                                    i += 1;
                                }
                            }
                        }
                        i += 1;
                    }
                    '$' | '`' => {
                        let end = dollar(&c, i, &mut substs);
                        word.extend(&c[i..end]);
                        i = end;
                    }
                    ch if ends_word(ch) => break,
                    ch => {
                        word.push(ch);
                        i += 1;
                    }
                }
            }
            let i_end = i.min(c.len());
            i = i_end;
            if matches!(c.get(i), Some('<' | '>')) && c[start..i].iter().all(char::is_ascii_digit) {
                i += op_len(&c[i..]);
                out.push((Op, at[start], at[i], text[at[start]..at[i]].to_string()));
                continue;
            }
            out.push((Word, at[start], at[i], word));
            for (s, e) in substs {
                let open = if c[s] == '`' { 1 } else { 2 };
                let close = if c[s] == '`' { '`' } else { ')' };
                let inner_end = if e > s + open && c[e - 1] == close {
                    e - 1
                } else {
                    e
                };
                out.push((
                    Subst,
                    at[s],
                    at[e],
                    text[at[s + open]..at[inner_end]].to_string(),
                ));
            }
        }
        out
    }
}

#[test]
fn the_lexer_agrees_with_the_reference_on_tricky_text() {
    for text in [
        "apt-get update && apt-get install -y x \\\n  && echo 'a b' \"c \\\" d\" | tee",
        "echo $(date) `uname` (sub; shell) a#b # comment\nnext",
        "x\\\r\ny \\\rz \\",
        "unterminated 'quote",
        "unterminated \"dq \\",
        "unterminated $(a (b) `c",
        "caf\u{e9} na\u{ef}ve\u{a0}nbsp\u{2003}em",
        "a\x0bb\x0cc\td\re",
        "#only a comment",
        "''\"\" $ $$",
        "",
    ] {
        assert_eq!(lexed(text), reference::lex(text), "{text:?}");
    }
}

/// Whether a command's words hold something the detection view looks into or through.
fn unwrappable(c: &Command<'_>, prefixes: &[String]) -> bool {
    !c.substs.is_empty()
        || c.words
            .iter()
            .any(|w| prefixes.iter().any(|p| basename(w) == p))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    #[test]
    fn the_lexer_agrees_with_the_reference(
        text in "([a-z0-9=_ ]|[-&|;()<>\\n\\t\\r'\"`${}#\\\\]|\\$\\(|\u{e9}|\u{a0}|\u{2003}){0,40}"
    ) {
        proptest::prop_assert_eq!(lexed(&text), reference::lex(&text));
    }

    /// Long plain runs (read eight bytes at a time), the bytes the eight-byte test flags too
    /// broadly (`!`, `#`, `%`, `=`, control bytes), operators and line continuations.
    #[test]
    fn word_at_a_time_lexing_agrees_with_the_reference_on_long_words(
        text in "([a-z/._=-]{6,20}|[!#%=?\u{1}\u{1f}*+]|[ &|;()<>\\n\\r'\"`$\\\\]|\\$\\(|\\\\\r?\n|[0-9]>|\u{e9}|\u{2003}){0,16}"
    ) {
        proptest::prop_assert_eq!(lexed(&text), reference::lex(&text));
    }

    /// The eight-bytes-at-a-time scan stops where a byte-by-byte table lookup does.
    #[test]
    fn plain_run_end_agrees_with_a_byte_loop(
        bytes in proptest::collection::vec(
            proptest::prop_oneof![
                // Mostly plain bytes, so that runs reach past eight bytes.
                6 => b'a'..=b'z',
                1 => proptest::sample::select(b"#!%*@{=?<>\x01\x1f".to_vec()),
                1 => proptest::prelude::any::<u8>(),
            ],
            0..40,
        ),
        from in 0usize..44,
    ) {
        let special = |c: u8| c >= 0x80 || b"\\'\"$`&|;\n()<> \t\r\x0b\x0c".contains(&c);
        let expected = (from.min(bytes.len())..bytes.len())
            .find(|&i| special(bytes[i]))
            .unwrap_or(bytes.len());
        proptest::prop_assert_eq!(plain_run_end(&bytes, from), expected);
    }

    /// The two views agree: where the planning view finds a command with nothing to unwrap
    /// (no substitution, no wrapper), the detection view finds the same words, the program as
    /// its basename, in the same order.
    #[test]
    fn the_views_agree_on_commands_with_nothing_to_unwrap(
        text in "([a-z/._=-]{1,8}|(if|then|do|done|fi|for|in|case|esac|!|\\{|\\}|sudo|sh|-c) |[ &|;()<>\\n'\"`$#\\\\]|\\$\\(|2>&1){0,24}"
    ) {
        let prefixes: Vec<String> = ["sudo", "sh"].iter().map(|s| s.to_string()).collect();
        let planned = parse(&text);
        let mut found = Commands::default();
        simple_commands_into(&text, &prefixes, &mut found);
        if planned.iter().all(|c| !unwrappable(c, &prefixes)) {
            let expected: Vec<Vec<String>> = planned
                .iter()
                .filter(|c| !c.words.is_empty())
                .map(|c| {
                    let mut words = c.owned_words();
                    words[0] = basename(&words[0]).to_string();
                    words
                })
                .collect();
            let got: Vec<Vec<String>> = (0..found.len())
                .map(|i| found.words(i).iter().map(|w| w.to_string()).collect())
                .collect();
            proptest::prop_assert_eq!(got, expected);
        } else {
            // Unwrapping only adds commands: every planned command with no wrapper is found.
            let got: Vec<Vec<String>> = (0..found.len())
                .map(|i| found.words(i).iter().map(|w| w.to_string()).collect())
                .collect();
            for c in planned.iter().filter(|c| {
                !c.words.is_empty() && !c.words.iter().any(|w| prefixes.iter().any(|p| basename(w) == p))
            }) {
                let mut words = c.owned_words();
                words[0] = basename(&words[0]).to_string();
                proptest::prop_assert!(got.contains(&words), "{:?} not in {:?}", words, got);
            }
        }
    }
}
