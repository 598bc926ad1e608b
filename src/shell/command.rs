//! The planning view: shell text → its simple commands, each with its environment prefix,
//! redirections, substitutions, source text and the operator that joins it to the one before.
//!
//! Compound commands are read as the simple commands inside them: leading reserved words
//! (`if`, `then`, `do`, `!`, `{`, …) are dropped, a word that only closes one (`fi`, `done`,
//! `}`, `esac`) runs nothing, a `for`/`select`/`case` header is not a command, and neither is a
//! `case` pattern (`amd64)`).

use super::lex::{Lexer, TokenKind, is_redirection};
use crate::text::InlineVec;
use std::borrow::Cow;

/// A command's words: up to 6 in place (most commands have a few), more in a `Vec`.
pub type Words<'a> = InlineVec<Cow<'a, str>, 6>;

/// The simple commands of a text, in order.
pub type CommandList<'a> = Vec<Command<'a>>;

/// One simple command. Everything borrows from the text except words whose quotes or escapes
/// were removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command<'a> {
    /// The words, quotes removed, without the environment prefix and the redirections.
    pub words: Words<'a>,
    /// Leading environment assignments (`CGO_ENABLED=0 go build`).
    pub env: Vec<Cow<'a, str>>,
    /// Redirections, in order (`2>&` `1`, `<<` `EOF`).
    pub redirects: Vec<Redirect<'a>>,
    /// The inner text of each command substitution (`$(…)`, `` `…` ``) in its words.
    pub substs: Vec<Cow<'a, str>>,
    /// The command's source text within the line, trimmed.
    pub text: Cow<'a, str>,
    /// The operator before this command (`&&`, `||`, `;`, `|`, a line break), empty for the
    /// first.
    pub joined_by: Cow<'a, str>,
}

/// A redirection: its operator (with any IO number) and target word (a heredoc's delimiter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect<'a> {
    pub op: Cow<'a, str>,
    pub target: Cow<'a, str>,
}

impl Command<'_> {
    /// The program name without its directory (`/usr/bin/pip3` → `pip3`, `./mvnw` → `mvnw`).
    pub fn program(&self) -> &str {
        self.words.first().map_or("", |w| basename(w))
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

    /// The delimiters of the heredocs this command reads as a shell script: all of them when the
    /// command is nothing but redirections (`RUN <<EOF`, which BuildKit runs as the script), or
    /// when it is a shell reading its standard input (`bash -e <<EOF`). A heredoc fed to any
    /// other program (`cat <<EOF > f`, `python3 <<EOF`) is data.
    pub fn script_heredocs(&self) -> impl Iterator<Item = &str> {
        let script = self.words.is_empty()
            || (SHELLS.contains(&self.program())
                && self.words[1..]
                    .iter()
                    .all(|w| w.starts_with('-') && !w.starts_with("--") && !w.contains('c')));
        self.redirects
            .iter()
            .filter(move |r| {
                script
                    && matches!(
                        r.op.trim_start_matches(|c: char| c.is_ascii_digit()),
                        "<<" | "<<-"
                    )
            })
            .map(|r| &*r.target)
    }

    /// The same command owning all its text.
    pub fn into_owned(self) -> Command<'static> {
        let own = |w: Cow<'_, str>| Cow::Owned(w.into_owned());
        Command {
            words: self.words.map(own),
            env: self.env.into_iter().map(own).collect(),
            redirects: self
                .redirects
                .into_iter()
                .map(|r| Redirect {
                    op: own(r.op),
                    target: own(r.target),
                })
                .collect(),
            substs: self.substs.into_iter().map(own).collect(),
            text: own(self.text),
            joined_by: own(self.joined_by),
        }
    }
}

/// Programs that read a script from their standard input when given no operand.
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"];

/// The part of a command name after its last `/` (byte-wise: `/` is ASCII).
pub fn basename(word: &str) -> &str {
    match word.as_bytes().iter().rposition(|&b| b == b'/') {
        Some(slash) => &word[slash + 1..],
        None => word,
    }
}

/// `NAME=value`: a name of ASCII letters, digits and `_` not starting with a digit, before the
/// first `=`. Byte-wise (`=` and the name's characters are ASCII).
pub fn is_assignment(word: &str) -> bool {
    let bytes = word.as_bytes();
    let n = bytes
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
        .unwrap_or(bytes.len());
    n > 0 && bytes.get(n) == Some(&b'=') && !bytes[0].is_ascii_digit()
}

/// Split shell text into its simple commands.
///
/// The loop runs once per token: each word goes straight into its command (see `Pending`)
/// instead of through a list of the command's words.
pub fn parse(text: &str) -> CommandList<'_> {
    let mut out = Vec::new();
    let mut command = Pending::new(0, "");
    let mut redirect: Option<Cow<'_, str>> = None;
    for token in Lexer::new(text) {
        match token.kind {
            TokenKind::Word => match redirect.take() {
                Some(op) => command.redirects.push(Redirect {
                    op,
                    target: token.text,
                }),
                None => command.push(token.text),
            },
            TokenKind::Subst => command.substs.push(token.text),
            TokenKind::Comment => {}
            TokenKind::Op if is_redirection(&token.text) => {
                if let Some(op) = redirect.replace(token.text) {
                    command.redirects.push(Redirect {
                        op,
                        target: Cow::Borrowed(""),
                    });
                }
            }
            TokenKind::Op => {
                if let Some(op) = redirect.take() {
                    command.redirects.push(Redirect {
                        op,
                        target: Cow::Borrowed(""),
                    });
                }
                let op = match token.text {
                    Cow::Borrowed(op) => op,
                    Cow::Owned(_) => unreachable!("operators are slices of the text"),
                };
                command.finish(text, token.range.start, op, &mut out);
                command.restart(token.range.end, op);
            }
        }
    }
    if let Some(op) = redirect.take() {
        command.redirects.push(Redirect {
            op,
            target: Cow::Borrowed(""),
        });
    }
    command.finish(text, text.len(), "", &mut out);
    out
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
    /// A `for`/`select`/`case` header: not a command.
    header: Option<&'static str>,
    /// After `case … in` or `;;`: the next command ended by `)` is a pattern.
    expect_pattern: bool,
    env: Vec<Cow<'a, str>>,
    words: Words<'a>,
    redirects: Vec<Redirect<'a>>,
    substs: Vec<Cow<'a, str>>,
}

impl<'a> Pending<'a> {
    fn new(start: usize, joined_by: &'a str) -> Self {
        Pending {
            start,
            joined_by,
            past_keywords: false,
            past_env: false,
            header: None,
            expect_pattern: false,
            env: Vec::new(),
            words: Words::default(),
            redirects: Vec::new(),
            substs: Vec::new(),
        }
    }

    fn push(&mut self, word: Cow<'a, str>) {
        if self.header.is_some() {
            return;
        }
        if !self.past_keywords {
            // Reserved words that start a compound command are not the program (`until
            // dotnet ef`).
            if RESERVED.contains(&&*word) {
                return;
            }
            if let Some(&header) = HEADERS.iter().find(|&&h| h == word) {
                self.header = Some(header);
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
        self.header = None;
        if matches!(joined_by, ";;" | ";&") {
            self.expect_pattern = true;
        }
    }

    /// Add the command, its text ending at byte `end` (where operator `op` starts), to `out`
    /// unless it runs nothing (no words, a header, a `case` pattern, or only a word that closes
    /// a compound command). Its words are taken.
    fn finish(&mut self, line: &'a str, end: usize, op: &str, out: &mut Vec<Command<'a>>) {
        let runs_nothing = if let Some(header) = self.header {
            if header == "case" {
                self.expect_pattern = op != ")";
            }
            true
        } else if self.env.is_empty() && self.words.is_empty() {
            self.redirects.is_empty()
        } else if self.expect_pattern && op == ")" {
            self.expect_pattern = false;
            true
        } else if self.env.is_empty() && self.words.len() == 1 && CLOSERS.contains(&&*self.words[0])
        {
            if self.words[0] == "esac" {
                self.expect_pattern = false;
            }
            self.redirects.is_empty()
        } else {
            false
        };
        if runs_nothing {
            self.words = Words::default();
            self.env.clear();
            self.redirects.clear();
            self.substs.clear();
            return;
        }
        out.push(Command {
            words: std::mem::take(&mut self.words),
            env: std::mem::take(&mut self.env),
            redirects: std::mem::take(&mut self.redirects),
            substs: std::mem::take(&mut self.substs),
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

/// Reserved words that start a header which is not a command (`for x in a b`).
const HEADERS: &[&str] = &["for", "select", "case"];

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Vec<String>> {
        parse(line).iter().map(Command::owned_words).collect()
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
        let c = &parse("CGO_ENABLED=0 GOOS=linux go build -o /out/app ./cmd/server")[0];
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
        let cmds = parse(
            "NPM_TOKEN=$(cat /run/secrets/t) npm ci && until dotnet ef database update; do sleep 1; done",
        );
        assert_eq!(cmds[0].env, vec!["NPM_TOKEN=$(cat /run/secrets/t)"]);
        assert_eq!(cmds[0].substs, vec!["cat /run/secrets/t"]);
        assert_eq!(*cmds[0].words, ["npm", "ci"]);
        assert_eq!(cmds[1].words[..2], ["dotnet".to_string(), "ef".to_string()]);
        assert_eq!(cmds.len(), 3);
    }

    #[test]
    fn redirections_are_not_separators_nor_words() {
        let cmds = parse("make build 2>&1 >/dev/null && cat <<-EOF > out.txt");
        assert_eq!(cmds.len(), 2);
        assert_eq!(*cmds[0].words, ["make", "build"]);
        let redirects: Vec<(&str, &str)> = cmds[0]
            .redirects
            .iter()
            .map(|r| (&*r.op, &*r.target))
            .collect();
        assert_eq!(redirects, [("2>&", "1"), (">", "/dev/null")]);
        assert_eq!(cmds[0].text, "make build 2>&1 >/dev/null");
        assert_eq!(*cmds[1].words, ["cat"]);
        assert_eq!(cmds[1].redirects[0].op, "<<-");
        assert_eq!(cmds[1].joined_by, "&&");
        // `&>` is a redirection too; `a>b` is three tokens.
        assert_eq!(
            words("go test ./... &>log; echo a>b"),
            [vec!["go", "test", "./..."], vec!["echo", "a"]]
        );
    }

    #[test]
    fn compound_commands_are_read_as_the_commands_inside() {
        assert_eq!(
            words(
                "for f in a b; do cp $f /x; done && if [ -f x ]; then go build; else echo no; fi"
            ),
            [
                vec!["cp", "$f", "/x"],
                vec!["[", "-f", "x", "]"],
                vec!["go", "build"],
                vec!["echo", "no"],
            ]
        );
        let cmds = parse(
            "case \"$TARGETARCH\" in amd64) ARCH=x86_64 ;; arm64) ARCH=aarch64 ;; *) exit 1 ;; esac && curl -o x",
        );
        let shown: Vec<(&str, Vec<String>)> =
            cmds.iter().map(|c| (&*c.text, c.owned_words())).collect();
        assert_eq!(
            shown,
            [
                ("ARCH=x86_64", vec![]),
                ("ARCH=aarch64", vec![]),
                ("exit 1", vec!["exit".to_string(), "1".to_string()]),
                (
                    "curl -o x",
                    vec!["curl".to_string(), "-o".to_string(), "x".to_string()]
                ),
            ]
        );
        // A subshell is not a pattern.
        assert_eq!(words("(cd web && npm ci)"), [["cd", "web"], ["npm", "ci"]]);
    }

    #[test]
    fn heredocs_read_as_scripts() {
        let scripts = |line: &str| -> Vec<String> {
            parse(line)
                .iter()
                .flat_map(|c| c.script_heredocs().map(str::to_string).collect::<Vec<_>>())
                .collect()
        };
        assert_eq!(scripts("<<EOF"), ["EOF"]);
        assert_eq!(scripts("<<-'EOF'"), ["EOF"]);
        assert_eq!(scripts("bash -ex <<EOF"), ["EOF"]);
        assert_eq!(scripts("/bin/sh <<A && cat <<B > f"), ["A"]);
        assert!(scripts("python3 <<EOF").is_empty());
        assert!(scripts("sh -c 'x' <<EOF").is_empty());
        assert!(scripts("sh script.sh <<EOF").is_empty());
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
            assert_eq!(parse(line)[0].program(), program, "{line}");
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

        /// [`trim`] trims ASCII whitespace first and calls `str::trim` only when needed.
        #[test]
        fn ascii_trim_first_trims_the_same(
            text in "([a \t\n\r\u{b}\u{c}\u{1c}]|\u{85}|\u{a0}|\u{2003}|\u{e9}){0,12}"
        ) {
            proptest::prop_assert_eq!(trim(&text), text.trim());
        }
    }
}
