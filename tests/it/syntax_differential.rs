//! Differential test: restage's syntax layer against BuildKit's own parser.
//!
//! BuildKit's Go parser is reached through the PyPI package `dockerfile` and the script
//! `tests/oracle/buildkit_parse.py`, run once over all files. For every instruction the keyword,
//! the first and last line, the flags, exec vs shell form, the heredocs and ONBUILD's inner keyword
//! must agree, and so must the parsed values of known instructions; a file BuildKit rejects must give restage errors, a file it accepts must not (apart
//! from restage's own "unknown instruction" notes, which BuildKit's parser does not report).

use restage::syntax::{self, Dockerfile, Instruction};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Fewer fixtures than this means the fixture folder was lost or renamed.
const MIN_FIXTURES: usize = 60;

/// Keywords that can be written in exec (JSON) or shell form.
const FORM_KEYWORDS: &[&str] = &["RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"];

/// The instructions BuildKit's parser knows; for any other word its parser returns no values
/// (the Python binding shows `[""]`), so values are compared for these only.
const KNOWN_KEYWORDS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// What BuildKit says about one file.
#[derive(Debug, Deserialize)]
pub(crate) struct OracleFile {
    pub ok: bool,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub instructions: Vec<OracleInstruction>,
}

/// One instruction as BuildKit's parser returns it (keyword upper-cased by the script).
#[derive(Debug, Deserialize)]
pub(crate) struct OracleInstruction {
    pub keyword: String,
    pub sub_cmd: Option<String>,
    pub start_line: usize,
    pub end_line: usize,
    pub flags: Vec<String>,
    pub json: bool,
    pub values: Vec<String>,
    pub heredocs: Vec<OracleHeredoc>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OracleHeredoc {
    pub name: String,
    pub content: String,
}

pub(crate) fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run BuildKit's parser over `paths` in one Python process. Panics (never skips) when Python or
/// the `dockerfile` module is missing.
pub(crate) fn run_oracle(paths: &[PathBuf]) -> BTreeMap<String, OracleFile> {
    if paths.is_empty() {
        return BTreeMap::new();
    }
    let python = std::env::var("RESTAGE_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = manifest_dir().join("tests/oracle/buildkit_parse.py");
    let output = Command::new(&python)
        .arg(&script)
        .args(paths)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run `{python}` ({e}). The differential test needs Python 3 with \
                 BuildKit's parser: run `pip install dockerfile` (or set RESTAGE_PYTHON to a \
                 Python that has it)"
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        panic!(
            "the BuildKit oracle failed ({}): {stderr}\nThe differential test needs the Python \
             module `dockerfile` (BuildKit's parser): run `pip install dockerfile` (or set \
             RESTAGE_PYTHON to a Python that has it)",
            output.status
        );
    }
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("the BuildKit oracle printed invalid JSON ({e}); stderr: {stderr}")
    })
}

/// The `*.Dockerfile` fixtures, sorted.
pub(crate) fn syntax_fixtures() -> Vec<PathBuf> {
    let dir = manifest_dir().join("tests/fixtures/syntax");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    files.sort();
    files
}

/// Whether a file name is one restage treats as a Dockerfile in the real-world set.
fn is_dockerfile_name(name: &str) -> bool {
    matches!(name, "Dockerfile" | "dockerfile" | "Containerfile")
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&path, out);
        } else if kind.is_file()
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_dockerfile_name)
        {
            out.push(path);
        }
    }
}

/// Every Dockerfile under tests/fixtures/cases/ and examples/ (possibly none).
fn real_world_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["tests/fixtures/cases", "examples"] {
        walk(&manifest_dir().join(dir), &mut files);
    }
    files.sort();
    files
}

fn summary(keywords: impl Iterator<Item = (String, usize, usize)>) -> String {
    keywords
        .map(|(k, s, e)| format!("{k}@{s}-{e}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compare restage's tree with BuildKit's verdict; every difference becomes one line in `out`.
pub(crate) fn compare(label: &str, ours: &Dockerfile, oracle: &OracleFile, out: &mut Vec<String>) {
    let hard_errors: Vec<String> = ours
        .errors
        .iter()
        .filter(|e| !e.message.starts_with("unknown instruction"))
        .map(|e| e.to_string())
        .collect();
    if !oracle.ok {
        if ours.errors.is_empty() {
            out.push(format!(
                "{label}: BuildKit rejects the file ({}), restage reports no error",
                oracle.error.as_deref().unwrap_or("?")
            ));
        }
        return;
    }
    if !hard_errors.is_empty() {
        out.push(format!(
            "{label}: BuildKit accepts the file, restage reports errors: {}",
            hard_errors.join("; ")
        ));
    }
    let theirs = &oracle.instructions;
    if ours.instructions.len() != theirs.len() {
        out.push(format!(
            "{label}: instruction count: restage {} [{}] vs BuildKit {} [{}]",
            ours.instructions.len(),
            summary(ours.instructions.iter().map(|i| (
                i.keyword().to_string(),
                i.start_line(),
                i.end_line()
            ))),
            theirs.len(),
            summary(
                theirs
                    .iter()
                    .map(|i| (i.keyword.to_string(), i.start_line, i.end_line))
            ),
        ));
        return;
    }
    for (ours, theirs) in ours.instructions.iter().zip(theirs) {
        compare_instruction(label, ours, theirs, out);
    }
}

fn compare_instruction(
    label: &str,
    ours: &Instruction,
    theirs: &OracleInstruction,
    out: &mut Vec<String>,
) {
    let at = format!("{label}:{}", theirs.start_line);
    let mut field = |name: &str, ours: String, theirs: String| {
        if ours != theirs {
            out.push(format!("{at} {name}: restage {ours} vs BuildKit {theirs}"));
        }
    };
    field(
        "keyword",
        ours.keyword().to_string(),
        theirs.keyword.to_string(),
    );
    field(
        "start_line",
        ours.start_line().to_string(),
        theirs.start_line.to_string(),
    );
    field(
        "end_line",
        ours.end_line().to_string(),
        theirs.end_line.to_string(),
    );
    let our_flags: Vec<String> = ours.flags().iter().map(|f| f.to_buildkit()).collect();
    field(
        "flags",
        format!("{our_flags:?}"),
        format!("{:?}", theirs.flags),
    );
    // For ONBUILD, BuildKit reports the inner instruction's form and heredocs.
    let form_owner = if ours.keyword() == "ONBUILD" {
        let inner = ours.onbuild();
        field(
            "onbuild inner keyword",
            format!("{:?}", inner.map(|i| i.keyword())),
            format!("{:?}", theirs.sub_cmd.as_deref()),
        );
        inner
    } else {
        Some(ours)
    };
    // BuildKit's values: for ONBUILD those of the inner instruction.
    if let Some(owner) = form_owner.filter(|o| KNOWN_KEYWORDS.contains(&o.keyword())) {
        field(
            "values",
            format!("{:?}", owner.values()),
            format!("{:?}", theirs.values),
        );
    }
    if let Some(owner) = form_owner.filter(|o| FORM_KEYWORDS.contains(&o.keyword())) {
        let expected = if theirs.json {
            "Some(Exec)"
        } else {
            "Some(Shell)"
        };
        field("form", format!("{:?}", owner.form), expected.to_string());
    }
    // The Python binding only reads heredocs from the top-level node, so for ONBUILD (whose
    // heredocs sit on the inner node) it always reports none: only its line span is compared.
    if ours.keyword() == "ONBUILD" {
        return;
    }
    // Contents as BuildKit's parser returns them: for `<<-` the leading tabs are still there
    // (BuildKit strips them later, when it builds the instruction).
    let our_heredocs: Vec<(String, String)> = ours
        .heredocs()
        .iter()
        .map(|h| (h.name.clone(), h.content.clone()))
        .collect();
    let their_heredocs: Vec<(String, String)> = theirs
        .heredocs
        .iter()
        .map(|h| (h.name.clone(), h.content.clone()))
        .collect();
    field(
        "heredocs",
        format!("{our_heredocs:?}"),
        format!("{their_heredocs:?}"),
    );
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))
        .and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| format!("{}: not UTF-8", path.display()))
        })
}

fn relative(path: &Path) -> String {
    path.strip_prefix(manifest_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Parse every file with restage and BuildKit; return all mismatches.
fn differential(files: &[PathBuf], oracle: &BTreeMap<String, OracleFile>) -> Vec<String> {
    let mut mismatches = Vec::new();
    for path in files {
        let label = relative(path);
        let text = match read_text(path) {
            Ok(text) => text,
            Err(e) => {
                mismatches.push(e);
                continue;
            }
        };
        let Some(verdict) = oracle.get(&path.display().to_string()) else {
            mismatches.push(format!("{label}: missing from the oracle's output"));
            continue;
        };
        let ours = syntax::parse(&text);
        compare(&label, &ours, verdict, &mut mismatches);
    }
    mismatches
}

fn report(what: &str, files: usize, mismatches: &[String]) -> String {
    let mut msg = format!(
        "{} mismatch(es) between restage and BuildKit over {files} {what}:\n",
        mismatches.len()
    );
    for m in mismatches {
        let _ = writeln!(msg, "  {m}");
    }
    msg
}

/// BuildKit's verdict on the syntax fixtures, computed once for the tests that need it.
fn fixture_oracle() -> &'static BTreeMap<String, OracleFile> {
    static ORACLE: OnceLock<BTreeMap<String, OracleFile>> = OnceLock::new();
    ORACLE.get_or_init(|| run_oracle(&syntax_fixtures()))
}

/// Fixtures where BuildKit versions disagree: the oracle's BuildKit (0.12, in the `dockerfile`
/// wheel) predates the `# check=` directive (BuildKit 0.14, Dockerfile 1.8) and treats it as a
/// comment that ends the directive block. restage follows the current rule; these fixtures are
/// checked against it by `check_directive_follows_current_buildkit` instead.
const NEWER_THAN_ORACLE: &[&str] = &["directive-check-then-escape.Dockerfile"];

#[test]
fn check_directive_follows_current_buildkit() {
    let path = manifest_dir().join("tests/fixtures/syntax/directive-check-then-escape.Dockerfile");
    let df = syntax::parse(&read_text(&path).unwrap());
    assert!(df.errors.is_empty(), "{:?}", df.errors);
    assert_eq!(df.directives.check.as_deref(), Some("skip=all"));
    assert_eq!(df.directives.escape, '`');
    let lines: Vec<(String, usize, usize)> = df
        .instructions
        .iter()
        .map(|i| (i.keyword().to_string(), i.start_line(), i.end_line()))
        .collect();
    assert_eq!(
        lines,
        vec![("FROM".to_string(), 3, 3), ("RUN".to_string(), 4, 5)],
        "with the backtick escape in force, the RUN continues onto line 5"
    );
}

#[test]
fn fixtures_agree_with_buildkit() {
    let files: Vec<PathBuf> = syntax_fixtures()
        .into_iter()
        .filter(|p| {
            !NEWER_THAN_ORACLE
                .iter()
                .any(|name| p.file_name().is_some_and(|f| f == *name))
        })
        .collect();
    assert!(
        files.len() >= MIN_FIXTURES,
        "expected at least {MIN_FIXTURES} fixtures in tests/fixtures/syntax, found {}",
        files.len()
    );
    let mismatches = differential(&files, fixture_oracle());
    assert!(
        mismatches.is_empty(),
        "{}",
        report("syntax fixtures", files.len(), &mismatches)
    );
}

#[test]
fn fixtures_cover_valid_and_invalid_files() {
    // The fixture set must exercise both sides of BuildKit's verdict.
    let oracle = fixture_oracle();
    let rejected = oracle.values().filter(|v| !v.ok).count();
    let accepted = oracle.values().filter(|v| v.ok).count();
    assert!(
        rejected >= 8,
        "only {rejected} fixtures are rejected by BuildKit"
    );
    assert!(
        accepted >= 60,
        "only {accepted} fixtures are accepted by BuildKit"
    );
}

#[test]
fn real_world_files_agree_with_buildkit() {
    let files = real_world_files();
    let mismatches = differential(&files, &run_oracle(&files));
    assert!(
        mismatches.is_empty(),
        "{}",
        report("real-world Dockerfiles", files.len(), &mismatches)
    );
}

#[test]
fn dockerfile_names() {
    for name in [
        "Dockerfile",
        "dockerfile",
        "Containerfile",
        "Base.Dockerfile",
        "backend.dockerfile",
    ] {
        assert!(is_dockerfile_name(name), "{name}");
    }
    for name in ["Dockerfile.md", "case.yaml", "Dockerfiles"] {
        assert!(!is_dockerfile_name(name), "{name}");
    }
}
