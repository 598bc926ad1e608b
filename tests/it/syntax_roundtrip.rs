//! Losslessness of the syntax layer: printing an unmodified tree gives back the input, byte for
//! byte, for every fixture and for generated input; the items tile the input; instruction spans
//! and line numbers are consistent. A last property checks generated Dockerfile-like files
//! against BuildKit's parser, in one batch.

use crate::syntax_differential::{compare, run_oracle, syntax_fixtures};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use restage::syntax::{self, Dockerfile, Item};
use std::fmt::Write as _;

/// 1-based line of a byte offset (lines end at `\n`; a lone `\r` does not end a line).
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Every structural promise of the tree, as an error message on the first broken one.
fn check_tree(text: &str, tree: &Dockerfile) -> Result<(), String> {
    let printed = tree.to_string();
    if printed != text {
        return Err(format!(
            "round trip differs: input {text:?}, printed {printed:?}"
        ));
    }
    if tree.text() != text {
        return Err("Dockerfile::text() is not the input".to_string());
    }
    // Items tile 0..len: consecutive, non-empty, in order.
    let mut pos = 0;
    let mut next_index = 0;
    for (n, item) in tree.items.iter().enumerate() {
        let range = item.range();
        if range.start != pos {
            return Err(format!(
                "item {n} ({item:?}) starts at {} but the previous item ended at {pos}",
                range.start
            ));
        }
        if range.end <= range.start {
            return Err(format!("item {n} ({item:?}) is empty or inverted"));
        }
        if !text.is_char_boundary(range.start) || !text.is_char_boundary(range.end) {
            return Err(format!("item {n} ({item:?}) splits a UTF-8 character"));
        }
        match *item {
            Item::Bom { .. } if n != 0 => return Err(format!("BOM item at position {n}")),
            Item::Instruction { index, range } => {
                if index as usize != next_index {
                    return Err(format!(
                        "instruction item {n} has index {index}, expected {next_index}"
                    ));
                }
                let Some(inst) = tree.instructions.get(index as usize) else {
                    return Err(format!("instruction item {n} points past the instructions"));
                };
                if inst.range() != range {
                    return Err(format!(
                        "instruction {index} range {:?} differs from its item's {range:?}",
                        inst.range()
                    ));
                }
                next_index += 1;
            }
            _ => {}
        }
        pos = range.end;
    }
    if pos != text.len() {
        return Err(format!(
            "items end at {pos}, the input is {} bytes",
            text.len()
        ));
    }
    if next_index != tree.instructions.len() {
        return Err(format!(
            "{} instructions but {next_index} instruction items",
            tree.instructions.len()
        ));
    }
    for (index, inst) in tree.instructions.iter().enumerate() {
        let what = format!(
            "instruction {index} ({} at line {})",
            inst.keyword(),
            inst.start_line()
        );
        if inst.start_line() == 0 || inst.start_line() > inst.end_line() {
            return Err(format!(
                "{what}: start_line {} / end_line {}",
                inst.start_line(),
                inst.end_line()
            ));
        }
        let first = line_of(text, inst.range().start);
        let last = line_of(text, inst.range().end - 1);
        if (first, last) != (inst.start_line(), inst.end_line()) {
            return Err(format!(
                "{what}: span covers lines {first}-{last}, the instruction says {}-{}",
                inst.start_line(),
                inst.end_line()
            ));
        }
        let kw = inst.keyword_range();
        if kw.start < inst.range().start || kw.end > inst.range().end {
            return Err(format!("{what}: keyword range outside the instruction"));
        }
        if !text.is_char_boundary(kw.start) || !text.is_char_boundary(kw.end) {
            return Err(format!(
                "{what}: keyword range {kw:?} splits a UTF-8 character"
            ));
        }
        // A keyword split by a line continuation (`RU\` + `N`) covers the escape and line
        // break in the source; otherwise the range holds exactly the keyword as written.
        let written = tree.slice(kw);
        if written != inst.keyword_text() && !written.contains('\n') {
            return Err(format!(
                "{what}: keyword range holds {written:?}, keyword_text is {:?}",
                inst.keyword_text()
            ));
        }
        if inst.keyword_text().to_uppercase() != inst.keyword() {
            return Err(format!(
                "{what}: keyword {:?} is not the upper case of {:?}",
                inst.keyword(),
                inst.keyword_text()
            ));
        }
        for doc in inst.heredocs() {
            let r = doc.range;
            if r.start < inst.range().start || r.end > inst.range().end {
                return Err(format!(
                    "{what}: heredoc {} outside the instruction",
                    doc.name
                ));
            }
        }
    }
    for error in &tree.errors {
        if error.line == 0 || error.col == 0 {
            return Err(format!("error without a 1-based position: {error:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_fixture_round_trips() {
    let files = syntax_fixtures();
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for path in &files {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let tree = syntax::parse(&text);
        if let Err(e) = check_tree(&text, &tree) {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures break the tree invariants:\n  {}",
        failures.len(),
        files.len(),
        failures.join("\n  ")
    );
}

#[test]
fn fixtures_are_byte_exact() {
    // The line-ending and BOM fixtures must reach the parser as written (no git conversion).
    let dir = crate::syntax_differential::manifest_dir().join("tests/fixtures/syntax");
    let read = |name: &str| std::fs::read(dir.join(name)).expect(name);
    assert!(read("crlf.Dockerfile").windows(2).any(|w| w == b"\r\n"));
    assert!(read("bom.Dockerfile").starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(!read("no-final-newline.Dockerfile").ends_with(b"\n"));
    assert!(read("invalid-empty.Dockerfile").is_empty());
}

// ------------------------------------------------------------------ generators

const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "COPY",
    "ADD",
    "ENV",
    "LABEL",
    "ARG",
    "CMD",
    "ENTRYPOINT",
    "WORKDIR",
    "EXPOSE",
    "USER",
    "VOLUME",
    "SHELL",
    "HEALTHCHECK",
    "ONBUILD",
    "STOPSIGNAL",
    "MAINTAINER",
    "FOO",
];

const FLAGS: &[&str] = &[
    "--mount=type=cache,target=/root/.npm",
    "--mount=type=secret,id=npmrc",
    "--mount=\"type=bind,source=a b,target=/c\"",
    "--from=build",
    "--from=ghcr.io/astral-sh/uv:latest",
    "--chown=1000:1000",
    "--chown='app:app'",
    "--chmod=755",
    "--link",
    "--platform=$BUILDPLATFORM",
    "--network=none",
    "--exclude=*.md",
    "--checksum=sha256:abc",
    "--interval=5s",
    "--",
];

const WORDS: &[&str] = &[
    "echo",
    "hi",
    "a=b",
    "KEY=value",
    "K=\"v w\"",
    "'q w'",
    "$HOME",
    "${X:-1}",
    "&&",
    "#notacomment",
    "/app",
    ".",
    "node:18-alpine",
    "AS",
    "as",
    "build",
    "80/tcp",
    "a\\ b",
    "café",
    "🐳",
    "[",
    "]",
    "\"",
    "=",
    "CMD",
    "NONE",
    "RUN",
    "--later",
    "x\\\\",
];

const JSON_ARGS: &[&str] = &[
    "[\"a\", \"b c\"]",
    "[]",
    "[ \"sh\" , \"-c\" ]",
    "[\"a\"] trailing",
    "['single']",
    "[\"unterminated\"",
    "[\"esc\\\"aped\", \"\\u00e9\"]",
    "[\"<<EOF\"]",
];

const BODY_LINES: &[&str] = &[
    "echo body",
    "",
    "  indented",
    "\ttabbed",
    "\t\ttwo tabs",
    "# comment in body",
    "RUN inside body",
    "x \\",
    "EOFX",
    "EOF ",
    "$VAR",
    "`",
];

const COMMENTS: &[&str] = &[
    "# a comment",
    "#",
    "   # indented comment",
    "\t# tab comment",
    "# escape=`",
    "# syntax=docker/dockerfile:1",
];

/// A word in random letter case.
fn random_case(word: &'static str) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<bool>(), word.len()).prop_map(move |upper| {
        word.chars()
            .zip(upper)
            .map(|(c, u)| {
                if u {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

/// How two consecutive pieces of an instruction are joined.
#[derive(Clone, Copy, Debug)]
enum Join {
    Space,
    Tab,
    Continuation,
    ContinuationTrailingBlanks,
    ContinuationComment,
    ContinuationBlank,
    ContinuationLoneEscape,
}

fn join_strategy() -> impl Strategy<Value = Join> {
    prop_oneof![
        6 => Just(Join::Space),
        1 => Just(Join::Tab),
        3 => Just(Join::Continuation),
        1 => Just(Join::ContinuationTrailingBlanks),
        1 => Just(Join::ContinuationComment),
        1 => Just(Join::ContinuationBlank),
        1 => Just(Join::ContinuationLoneEscape),
    ]
}

/// A heredoc: marker style, name, body.
#[derive(Clone, Debug)]
struct HeredocSpec {
    dash: bool,
    quote: u8,
    name: &'static str,
    body: Vec<&'static str>,
    tab_terminator: bool,
}

fn heredoc_strategy() -> impl Strategy<Value = HeredocSpec> {
    (
        any::<bool>(),
        0u8..3,
        prop::sample::select(&["EOF", "END", "PY"][..]),
        proptest::collection::vec(prop::sample::select(BODY_LINES), 0..4),
        any::<bool>(),
    )
        .prop_map(|(dash, quote, name, body, tab_terminator)| HeredocSpec {
            dash,
            quote,
            name,
            body,
            tab_terminator,
        })
}

/// The arguments after the keyword and flags.
#[derive(Clone, Debug)]
enum Args {
    Words(Vec<&'static str>),
    Json(&'static str),
    Heredocs(Vec<HeredocSpec>, Vec<&'static str>),
}

fn args_strategy() -> impl Strategy<Value = Args> {
    prop_oneof![
        5 => proptest::collection::vec(prop::sample::select(WORDS), 0..6).prop_map(Args::Words),
        2 => prop::sample::select(JSON_ARGS).prop_map(Args::Json),
        2 => (
            proptest::collection::vec(heredoc_strategy(), 1..3),
            proptest::collection::vec(prop::sample::select(WORDS), 0..3),
        )
            .prop_map(|(docs, words)| Args::Heredocs(docs, words)),
    ]
}

#[derive(Clone, Debug)]
struct InstructionSpec {
    indent: &'static str,
    keyword: String,
    onbuild_inner: Option<String>,
    flags: Vec<&'static str>,
    args: Args,
    joins: Vec<Join>,
}

fn instruction_strategy() -> impl Strategy<Value = InstructionSpec> {
    (
        prop::sample::select(&["", "", "", "  ", "\t"][..]),
        prop::sample::select(KEYWORDS).prop_flat_map(random_case),
        proptest::option::weighted(
            0.2,
            prop::sample::select(&["RUN", "COPY", "CMD", "ENV"][..]).prop_flat_map(random_case),
        ),
        proptest::collection::vec(prop::sample::select(FLAGS), 0..3),
        args_strategy(),
        proptest::collection::vec(join_strategy(), 12),
    )
        .prop_map(
            |(indent, keyword, onbuild_inner, flags, args, joins)| InstructionSpec {
                indent,
                onbuild_inner: onbuild_inner.filter(|_| keyword.eq_ignore_ascii_case("ONBUILD")),
                keyword,
                flags,
                args,
                joins,
            },
        )
}

#[derive(Clone, Debug)]
enum Block {
    Instruction(InstructionSpec),
    Comment(&'static str),
    Blank(&'static str),
    LoneEscape,
}

fn block_strategy() -> impl Strategy<Value = Block> {
    prop_oneof![
        8 => instruction_strategy().prop_map(Block::Instruction),
        2 => prop::sample::select(COMMENTS).prop_map(Block::Comment),
        2 => prop::sample::select(&["", "   ", "\t"][..]).prop_map(Block::Blank),
        1 => Just(Block::LoneEscape),
    ]
}

/// A whole generated file.
#[derive(Clone, Debug)]
struct FileSpec {
    bom: bool,
    /// 0 = LF, 1 = CRLF, 2 = mixed.
    endings: u8,
    mixed: Vec<bool>,
    final_newline: bool,
    directives: Vec<&'static str>,
    blocks: Vec<Block>,
    /// Whether `# escape=` may appear (as a directive, or as a comment that could land in the
    /// directive position right after the generated directives).
    escape_directives: bool,
}

fn file_strategy(allow_escape_directive: bool) -> impl Strategy<Value = FileSpec> {
    let directives: &'static [&'static str] = if allow_escape_directive {
        &[
            "# syntax=docker/dockerfile:1",
            "# check=skip=all",
            "# escape=`",
            "#escape=\\",
        ]
    } else {
        // No `# check=` for the oracle batch: the oracle's BuildKit (0.12) predates the check
        // directive and ends the directive block there, where newer BuildKit (and restage) do
        // not. The fixture directive-check-then-escape pins restage's behaviour.
        &["# syntax=docker/dockerfile:1"]
    };
    (
        proptest::bool::weighted(0.15),
        0u8..3,
        proptest::collection::vec(any::<bool>(), 64),
        proptest::bool::weighted(0.8),
        proptest::collection::vec(prop::sample::select(directives), 0..3),
        proptest::collection::vec(block_strategy(), 0..10),
    )
        .prop_map(
            move |(bom, endings, mixed, final_newline, mut directives, blocks)| {
                if !allow_escape_directive {
                    // Keep each directive once: a repeated `# check=` or a `# syntax=` after
                    // `# check=` only tells BuildKit versions apart (the oracle's BuildKit does
                    // not know `check`); the fixture directive-check-then-escape covers that.
                    let mut seen = Vec::new();
                    directives.retain(|d| {
                        let new = !seen.contains(d);
                        seen.push(*d);
                        new
                    });
                }
                FileSpec {
                    bom,
                    endings,
                    mixed,
                    final_newline,
                    directives,
                    blocks,
                    escape_directives: allow_escape_directive,
                }
            },
        )
}

impl FileSpec {
    /// The escape character the generated text uses for continuations.
    fn escape(&self) -> char {
        // Only the first escape directive before any other line counts; generated directives
        // come first, so the first `escape` one decides (a duplicate is a BuildKit error, and
        // then the escape does not matter).
        match self.directives.iter().find(|d| d.contains("escape=")) {
            Some(d) if d.ends_with('`') => '`',
            _ => '\\',
        }
    }

    fn lines(&self) -> Vec<String> {
        let esc = self.escape();
        let mut lines: Vec<String> = self.directives.iter().map(|d| d.to_string()).collect();
        for block in &self.blocks {
            match block {
                Block::Comment(c) if !self.escape_directives && c.contains("escape=") => {
                    lines.push("# no escape here".to_string())
                }
                Block::Comment(c) => lines.push(c.to_string()),
                Block::Blank(b) => lines.push(b.to_string()),
                Block::LoneEscape => lines.push(esc.to_string()),
                Block::Instruction(spec) => spec.render(esc, &mut lines),
            }
        }
        lines
    }

    fn render(&self) -> String {
        let lines = self.lines();
        let mut text = String::new();
        if self.bom {
            text.push('\u{feff}');
        }
        let count = lines.len();
        for (n, line) in lines.into_iter().enumerate() {
            text.push_str(&line);
            if n + 1 == count && !self.final_newline {
                break;
            }
            let crlf = match self.endings {
                0 => false,
                1 => true,
                _ => self.mixed[n % self.mixed.len()],
            };
            text.push_str(if crlf { "\r\n" } else { "\n" });
        }
        text
    }
}

impl InstructionSpec {
    fn render(&self, esc: char, lines: &mut Vec<String>) {
        let mut pieces: Vec<String> = Vec::new();
        if let Some(inner) = &self.onbuild_inner {
            pieces.push(inner.clone());
        }
        pieces.extend(self.flags.iter().map(|f| f.to_string()));
        let mut bodies: Vec<String> = Vec::new();
        match &self.args {
            Args::Words(words) => pieces.extend(words.iter().map(|w| w.to_string())),
            Args::Json(json) => pieces.push(json.to_string()),
            Args::Heredocs(docs, words) => {
                for doc in docs {
                    let (open, close) = match doc.quote {
                        1 => ("'", "'"),
                        2 => ("\"", "\""),
                        _ => ("", ""),
                    };
                    let dash = if doc.dash { "-" } else { "" };
                    pieces.push(format!("<<{dash}{open}{}{close}", doc.name));
                    bodies.extend(doc.body.iter().map(|b| b.to_string()));
                    let tab = if doc.dash && doc.tab_terminator {
                        "\t"
                    } else {
                        ""
                    };
                    bodies.push(format!("{tab}{}", doc.name));
                }
                pieces.extend(words.iter().map(|w| w.to_string()));
            }
        }
        let mut current = format!("{}{}", self.indent, self.keyword);
        for (n, piece) in pieces.iter().enumerate() {
            match self.joins[n % self.joins.len()] {
                Join::Space => current.push(' '),
                Join::Tab => current.push('\t'),
                Join::Continuation => {
                    current.push(' ');
                    current.push(esc);
                    lines.push(std::mem::take(&mut current));
                    current.push_str("    ");
                }
                Join::ContinuationTrailingBlanks => {
                    current.push(' ');
                    current.push(esc);
                    current.push_str(" \t");
                    lines.push(std::mem::take(&mut current));
                    current.push(' ');
                }
                Join::ContinuationComment => {
                    current.push(' ');
                    current.push(esc);
                    lines.push(std::mem::take(&mut current));
                    lines.push("  # inside a continuation".to_string());
                    current.push(' ');
                }
                Join::ContinuationBlank => {
                    current.push(' ');
                    current.push(esc);
                    lines.push(std::mem::take(&mut current));
                    lines.push(String::new());
                    current.push(' ');
                }
                Join::ContinuationLoneEscape => {
                    current.push(' ');
                    current.push(esc);
                    lines.push(std::mem::take(&mut current));
                    lines.push(esc.to_string());
                    current.push(' ');
                }
            }
            current.push_str(piece);
        }
        lines.push(current);
        lines.extend(bodies);
    }
}

fn dockerfile_like(allow_escape_directive: bool) -> impl Strategy<Value = String> {
    file_strategy(allow_escape_directive).prop_map(|spec| spec.render())
}

/// Characters that matter to the lexer, for the unstructured property.
fn dockerfile_chars() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(
            &[
                "\\",
                "`",
                "#",
                "\"",
                "'",
                " ",
                "\t",
                "\r",
                "\n",
                "\n",
                "\n",
                "\u{feff}",
                "<<",
                "<<-",
                "EOF",
                "RUN ",
                "FROM ",
                "COPY ",
                "ENV ",
                "# escape=`\n",
                "# syntax=x\n",
                "[",
                "]",
                ",",
                "=",
                "--mount=",
                "a",
                "é",
                "🐳",
                "\r\n",
                "ONBUILD ",
                "-",
            ][..],
        ),
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    // Failures are turned into fixtures in tests/fixtures/syntax instead of a regressions file.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// (a) Any string at all parses without panicking and prints back unchanged.
    #[test]
    fn arbitrary_strings_round_trip(
        text in proptest::collection::vec(any::<char>(), 0..200).prop_map(String::from_iter)
    ) {
        let tree = syntax::parse(&text);
        prop_assert!(check_tree(&text, &tree).is_ok(), "{}", check_tree(&text, &tree).unwrap_err());
    }

    /// (a') Strings made of the characters and words the lexer cares about.
    #[test]
    fn lexer_soup_round_trips(text in dockerfile_chars()) {
        let tree = syntax::parse(&text);
        prop_assert!(check_tree(&text, &tree).is_ok(), "{}", check_tree(&text, &tree).unwrap_err());
    }

    /// (b) Generated Dockerfile-like text: random-case keywords, flags, continuations with `\`
    /// or a backtick, comments and blank lines inside them, heredocs, JSON arrays, CRLF, BOM.
    #[test]
    fn generated_dockerfiles_round_trip(text in dockerfile_like(true)) {
        let tree = syntax::parse(&text);
        prop_assert!(check_tree(&text, &tree).is_ok(), "{}", check_tree(&text, &tree).unwrap_err());
    }
}

/// (c) A batch of generated files without escape directives, checked against BuildKit in one
/// Python process: the same comparison as the fixture differential test.
#[test]
fn generated_dockerfiles_agree_with_buildkit() {
    const COUNT: usize = 300;
    let strategy = dockerfile_like(false);
    let mut runner = TestRunner::deterministic();
    let texts: Vec<String> = (0..COUNT)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("generate a Dockerfile")
                .current()
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<_> = texts
        .iter()
        .enumerate()
        .map(|(n, text)| {
            let path = dir.path().join(format!("gen-{n:03}.Dockerfile"));
            std::fs::write(&path, text).expect("write generated file");
            path
        })
        .collect();
    let oracle = run_oracle(&paths);
    let mut failures = Vec::new();
    for (path, text) in paths.iter().zip(&texts) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let verdict = oracle
            .get(&path.display().to_string())
            .unwrap_or_else(|| panic!("{name} missing from the oracle output"));
        let tree = syntax::parse(text);
        let mut mismatches = Vec::new();
        compare(&name, &tree, verdict, &mut mismatches);
        if !mismatches.is_empty() {
            failures.push((text, mismatches));
        }
    }
    let mut msg = format!(
        "{} of {COUNT} generated files disagree with BuildKit (first 10 shown):\n",
        failures.len()
    );
    for (text, mismatches) in failures.iter().take(10) {
        let _ = writeln!(msg, "--- input {text:?}");
        for m in mismatches {
            let _ = writeln!(msg, "    {m}");
        }
    }
    assert!(failures.is_empty(), "{msg}");
}
