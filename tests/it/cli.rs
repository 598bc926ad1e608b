//! The command line, end to end: the `restage` binary run on real files.
//!
//! Two kinds of tests:
//! - CLI cases as files, under `tests/cli/<case>/`, run by [`cli_cases`]:
//!   - `cmd`: the arguments, split like a shell does (single and double quotes). Several lines
//!     are several runs in the same folder, in order: the earlier ones must exit 0, and the
//!     expectations below are about the last one;
//!   - `files/` (optional): copied to a fresh temporary folder, the working directory. A path
//!     component `dot_x` is copied as `.x`, so `.gitignore` files in cases do not hide fixture
//!     files from git;
//!   - `stdin` (optional): fed to standard input;
//!   - `stdout`, `stderr`: the exact expected output (a missing file means the stream must be
//!     empty); or `stdout.contains` / `stderr.contains`: lines that must each appear; and
//!     `stdout.lacks` / `stderr.lacks`: lines that must not appear;
//!   - `status`: the exit code (0 when missing);
//!   - `after/` (optional): files that must exist, with these contents, after the run.
//!
//!   Each case is checked on its own (`insta::glob!` over `tests/cli/*/cmd`: a new case folder
//!   is picked up with no code change). Run one with `INSTA_GLOB_FILTER='check-dirty/*' cargo
//!   test --test it cli::cli_cases`. With `INSTA_UPDATE=always` (the variable that updates the
//!   insta snapshots) a failing case's `stdout`, `stderr` and `status` are rewritten to what the
//!   run gave: the exact ones it has, or the ones a non-empty stream or a non-zero status needs
//!   when it has no `.contains`/`.lacks` file; read the diff (`git diff tests/cli`) before
//!   committing.
//! - Tests here with assert_cmd for what files cannot express (a broken pipe, JSON checks).

use assert_cmd::Command;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

fn restage() -> Command {
    let mut cmd = Command::cargo_bin("restage").expect("the restage binary");
    cmd.env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env("NO_COLOR", "1");
    cmd
}

/// Split a command line the way a POSIX shell would for simple cases: whitespace separates
/// words, single quotes keep everything, double quotes keep everything but `\"` and `\\`.
fn split_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(next) = chars.next() {
                                word.push(next);
                            }
                        }
                        c => word.push(c),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    args.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        args.push(word);
    }
    args
}

/// `dot_gitignore` → `.gitignore`, component by component.
fn undot(relative: &Path) -> PathBuf {
    relative
        .components()
        .map(|c| {
            let name = c.as_os_str().to_string_lossy();
            match name.strip_prefix("dot_") {
                Some(rest) => format!(".{rest}"),
                None => name.into_owned(),
            }
        })
        .collect()
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

fn copy_tree(from: &Path, to: &Path) {
    for relative in files_under(from) {
        let target = to.join(undot(&relative));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&relative), target).unwrap();
    }
}

fn read_optional(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn check_stream(case: &Path, stream: &str, actual: &str, problems: &mut Vec<String>) {
    if let Some(expected) = read_optional(&case.join(stream)) {
        if actual != expected {
            problems.push(format!(
                "{stream} differs\n--- expected\n{expected}\n--- actual\n{actual}"
            ));
        }
    } else if let Some(lines) = read_optional(&case.join(format!("{stream}.contains"))) {
        for line in lines.lines().filter(|l| !l.is_empty()) {
            if !actual.contains(line) {
                problems.push(format!("{stream} lacks {line:?}\n--- actual\n{actual}"));
            }
        }
    } else if !actual.is_empty() && !case.join(format!("{stream}.lacks")).is_file() {
        problems.push(format!("{stream} should be empty\n--- actual\n{actual}"));
    }
    if let Some(lines) = read_optional(&case.join(format!("{stream}.lacks"))) {
        for line in lines.lines().filter(|l| !l.is_empty()) {
            if actual.contains(line) {
                problems.push(format!("{stream} has {line:?}\n--- actual\n{actual}"));
            }
        }
    }
}

/// What the last command of a case gave, and how that differs from the case's expectations.
struct CaseRun {
    stdout: String,
    stderr: String,
    status: Option<i32>,
    problems: Vec<String>,
}

impl CaseRun {
    /// Write what the run gave into the case's expectation files (see the module docs).
    fn bless(&self, case: &Path) {
        for (stream, actual) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let exact = case.join(stream);
            let loose = ["contains", "lacks"]
                .iter()
                .any(|kind| case.join(format!("{stream}.{kind}")).is_file());
            if exact.is_file() || (!loose && !actual.is_empty()) {
                std::fs::write(&exact, actual).expect("write the expected stream");
            }
        }
        let status = self.status.unwrap_or(-1);
        if status != 0 || case.join("status").is_file() {
            std::fs::write(case.join("status"), format!("{status}\n")).expect("write status");
        }
    }
}

fn run_case(case: &Path) -> CaseRun {
    let cmd = std::fs::read_to_string(case.join("cmd")).expect("a cmd file");
    let work = tempfile::tempdir().unwrap();
    if case.join("files").is_dir() {
        copy_tree(&case.join("files"), work.path());
    }
    let mut lines: Vec<&str> = cmd.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = lines.pop().expect("a command in cmd");
    for earlier in lines {
        let output = restage()
            .current_dir(work.path())
            .args(split_args(earlier))
            .output()
            .unwrap();
        if output.status.code() != Some(0) {
            return CaseRun {
                stdout: String::new(),
                stderr: String::new(),
                status: output.status.code(),
                problems: vec![format!(
                    "`{earlier}` exited {:?}\n--- stderr\n{}",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stderr)
                )],
            };
        }
    }
    let mut command = restage();
    command.current_dir(work.path()).args(split_args(last));
    match std::fs::read(case.join("stdin")) {
        Ok(bytes) => command.write_stdin(bytes),
        Err(_) => command.write_stdin(Vec::new()),
    };
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    let mut problems = Vec::new();
    let expected_status: i32 = read_optional(&case.join("status"))
        .map(|s| s.trim().parse().expect("status holds a number"))
        .unwrap_or(0);
    if output.status.code() != Some(expected_status) {
        problems.push(format!(
            "exit status {:?}, expected {expected_status}\n--- stderr\n{stderr}",
            output.status.code()
        ));
    }
    check_stream(case, "stdout", &stdout, &mut problems);
    check_stream(case, "stderr", &stderr, &mut problems);
    if case.join("after").is_dir() {
        for relative in files_under(&case.join("after")) {
            let expected = std::fs::read_to_string(case.join("after").join(&relative)).unwrap();
            let actual = std::fs::read_to_string(work.path().join(undot(&relative)));
            if actual.as_deref().ok() != Some(expected.as_str()) {
                problems.push(format!(
                    "after the run, {} is {actual:?}, expected {expected:?}",
                    relative.display()
                ));
            }
        }
    }
    CaseRun {
        stdout: stdout.into_owned(),
        stderr: stderr.into_owned(),
        status: output.status.code(),
        problems,
    }
}

/// Every case folder under tests/cli/, one at a time.
#[test]
fn cli_cases() {
    let mut failures = Vec::new();
    let mut count = 0;
    let bless = std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always");
    insta::glob!("../cli", "*/cmd", |cmd| {
        count += 1;
        let case = cmd.parent().expect("a case folder");
        let run = run_case(case);
        if !run.problems.is_empty() {
            if bless {
                run.bless(case);
            }
            failures.push(format!(
                "case {}:\n{}",
                case.file_name().unwrap().to_string_lossy(),
                run.problems.join("\n")
            ));
        }
    });
    let filtered = std::env::var("INSTA_GLOB_FILTER").is_ok_and(|f| !f.is_empty());
    assert!(
        filtered || count >= 10,
        "expected the CLI cases, found {count}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn split_args_like_a_shell() {
    assert_eq!(
        split_args("parse --format json 'a b' \"c \\\" d\"\n"),
        ["parse", "--format", "json", "a b", "c \" d"]
    );
    assert_eq!(split_args("  "), Vec::<String>::new());
    assert_eq!(split_args("''"), [""]);
}

// ---------------------------------------------------------------------------------------------
// assert_cmd tests

fn write_file(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

fn json_of(output: &[u8]) -> serde_json::Value {
    serde_json::from_slice(output)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", String::from_utf8_lossy(output)))
}

#[test]
fn help_and_version_exit_0() {
    let output = restage().arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    for needle in ["Usage: restage", "--write", "--check", "--format", "parse"] {
        assert!(help.contains(needle), "help lacks {needle}:\n{help}");
    }
    assert!(!help.contains('\u{1b}'), "no colour when piped");
    let output = restage().arg("--version").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("restage "));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--no-such-flag"][..],
        &["--write", "--check"],
        &["--format", "xml"],
        &["parse"],
        &["parse", "--format", "yaml", "Dockerfile"],
    ] {
        let output = restage().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            output.stdout.is_empty(),
            "{args:?}: usage errors go to stderr"
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("error:"),
            "{args:?}"
        );
    }
}

#[test]
fn parse_json_has_the_fixed_shape() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# syntax=docker/dockerfile:1\nFROM node:18 AS build\n\
                RUN --mount=type=cache,target=/root/.npm \\\n    npm ci\n\
                COPY <<EOF /app/x\nhi\nEOF\nCMD [\"node\", \"x.js\"]\n";
    write_file(dir.path(), "Dockerfile", text);
    let output = restage()
        .current_dir(dir.path())
        .args(["parse", "--format", "json", "Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json = json_of(&output.stdout);
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["directives", "errors", "instructions"]);
    assert_eq!(json["directives"]["syntax"], "docker/dockerfile:1");
    assert_eq!(json["directives"]["escape"], "\\");
    assert!(json["directives"]["check"].is_null());
    assert_eq!(json["errors"], serde_json::json!([]));

    let instructions = json["instructions"].as_array().unwrap();
    let keywords: Vec<&str> = instructions
        .iter()
        .map(|i| i["keyword"].as_str().unwrap())
        .collect();
    assert_eq!(keywords, ["FROM", "RUN", "COPY", "CMD"]);
    let run = &instructions[1];
    assert_eq!(run["start_line"], 3);
    assert_eq!(run["end_line"], 4);
    assert_eq!(
        run["flags"],
        serde_json::json!(["--mount=type=cache,target=/root/.npm"])
    );
    assert_eq!(run["form"], "shell");
    let span = run["span"].as_array().unwrap();
    let (start, end) = (
        span[0].as_u64().unwrap() as usize,
        span[1].as_u64().unwrap() as usize,
    );
    assert_eq!(
        &text[start..end],
        "RUN --mount=type=cache,target=/root/.npm \\\n    npm ci\n"
    );
    let copy = &instructions[2];
    assert_eq!(
        copy["heredocs"],
        serde_json::json!([{"name": "EOF", "content": "hi\n"}])
    );
    assert_eq!(copy["end_line"], 7);
    assert_eq!(instructions[3]["form"], "exec");
    assert!(instructions[0]["form"].is_null());
    for instruction in instructions {
        let keys: Vec<&str> = instruction
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "end_line",
                "flags",
                "form",
                "heredocs",
                "keyword",
                "span",
                "start_line"
            ]
        );
    }
}

#[test]
fn parse_error_exits_2_with_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "sub/Dockerfile",
        "FROM alpine\nRUN <<EOF\necho hi\n",
    );
    let output = restage()
        .current_dir(dir.path())
        .args(["parse", "sub/Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "sub/Dockerfile:2:1: unterminated heredoc EOF\n"
    );
    // The tree is still printed.
    assert!(String::from_utf8_lossy(&output.stdout).contains("FROM"));
}

#[test]
fn folder_walk_finds_dockerfiles_and_skips_gitignored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for file in [
        "Dockerfile",
        "dockerfile",
        "Containerfile",
        "svc/api.Dockerfile",
        "svc/web.dockerfile",
        "svc/Dockerfile.dev",
        "svc/Dockerfile.dockerignore",
        "svc/api.Dockerfile.dockerignore",
        "svc/Dockerfile.dev.dockerignore",
        "vendor/Dockerfile",
        "build/out.Dockerfile",
        "svc/README.md",
        ".devcontainer/Dockerfile",
    ] {
        write_file(root, file, "FROM alpine\nRUN true\n");
    }
    write_file(root, ".gitignore", "vendor/\n/build\n");
    write_file(root, "svc/.ignore", "web.dockerfile\n");
    let output = restage()
        .current_dir(root)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = json_of(&output.stdout);
    let paths: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let mut expected = vec![
        ".devcontainer/Dockerfile",
        "Containerfile",
        "Dockerfile",
        "svc/Dockerfile.dev",
        "svc/api.Dockerfile",
    ];
    // Case-insensitive file systems hold only one of Dockerfile/dockerfile.
    if std::fs::read_dir(root)
        .unwrap()
        .any(|e| e.unwrap().file_name() == "dockerfile")
    {
        expected.push("dockerfile");
    }
    expected.sort();
    assert_eq!(paths, expected);
    assert_eq!(json["summary"]["files"], expected.len());

    // An explicit file is taken even when ignored or oddly named.
    let output = restage()
        .current_dir(root)
        .args(["--format", "json", "vendor/Dockerfile", "svc/README.md"])
        .output()
        .unwrap();
    let json = json_of(&output.stdout);
    let paths: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["svc/README.md", "vendor/Dockerfile"]);
}

#[test]
fn rewrite_json_has_the_fixed_keys_and_error_entries() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "good/Dockerfile", "FROM alpine\nRUN true\n");
    write_file(dir.path(), "bad/Dockerfile", "# escape=x\nFROM alpine\n");
    let output = restage()
        .current_dir(dir.path())
        .args(["--check", "--format", "json", ".", "missing.Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json = json_of(&output.stdout);
    let top: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["files", "summary"]);
    let files = json["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["bad/Dockerfile", "good/Dockerfile", "missing.Dockerfile"]
    );
    for file in files {
        for key in [
            "path",
            "status",
            "reason",
            "profile",
            "dockerfile",
            "diff",
            "decisions",
            "warnings",
        ] {
            assert!(file.get(key).is_some(), "{key} missing in {file}");
        }
    }
    assert_eq!(files[0]["status"], "error");
    assert_eq!(files[0]["error"]["line"], 1);
    assert_eq!(files[0]["error"]["col"], 1);
    assert!(
        files[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("escape")
    );
    assert_ne!(files[1]["status"], "error");
    assert!(files[1].get("error").is_none());
    assert_eq!(files[1]["dockerfile"], "FROM alpine\nRUN true\n");
    assert_eq!(files[2]["status"], "error");
    assert!(files[2]["error"]["line"].is_null());
    let summary = &json["summary"];
    let keys: Vec<&str> = summary
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["errors", "files", "rewritten", "skipped", "unchanged"]
    );
    assert_eq!(summary["files"], 3);
    assert_eq!(summary["errors"], 2);
    assert_eq!(
        summary["rewritten"].as_u64().unwrap()
            + summary["unchanged"].as_u64().unwrap()
            + summary["skipped"].as_u64().unwrap(),
        1
    );
    // Errors are also on stderr, as path:line:col: message.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad/Dockerfile:1:1: "), "{stderr}");
    assert!(stderr.contains("missing.Dockerfile: "), "{stderr}");
}

/// A file big enough that its output cannot fit in a pipe buffer.
fn big_dockerfile(instructions: usize) -> String {
    let mut text = String::from("FROM alpine:3.19\n");
    for i in 0..instructions {
        text.push_str(&format!(
            "RUN --mount=type=cache,target=/var/cache/apk echo step {i} \\\n    && true\n"
        ));
    }
    text
}

/// A closed pipe ends the output quietly; the exit code is still the run's verdict (0 here,
/// except `--check`, which found files to rewrite: 1).
#[test]
fn broken_pipe_exits_quietly_with_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "Dockerfile", &big_dockerfile(3000));
    // Enough projects that their diffs overflow a pipe buffer.
    for i in 0..120 {
        go_project(dir.path(), &format!("projects/p{i:03}"));
    }
    for args in [
        &["parse", "--format", "json", "Dockerfile"][..],
        &["parse", "Dockerfile"],
        &["--format", "json", "Dockerfile"],
        &["--quiet", "projects"],
        &["--check", "--diff", "--quiet", "projects"],
        &["--format", "json", "projects"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restage"))
            .current_dir(dir.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read a little, then close the read end, like `| head -c 10`.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        let verdict = if args.contains(&"--check") { 1 } else { 0 };
        assert_eq!(status.code(), Some(verdict), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: quiet, got {stderr}");
    }
}

#[test]
fn stdin_dash_with_stdin_filename() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("api")).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restage"))
        .current_dir(dir.path())
        .args([
            "--format",
            "json",
            "--stdin-filename",
            "api/Dockerfile",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"FROM alpine\nRUN true\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = json_of(&output.stdout);
    assert_eq!(json["files"][0]["path"], "api/Dockerfile");
    assert_eq!(json["files"][0]["dockerfile"], "FROM alpine\nRUN true\n");
}

#[test]
fn missing_file_exits_2_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["no/such/Dockerfile"][..],
        &["--check", "no/such/Dockerfile"],
        &["parse", "no/such/Dockerfile"],
    ] {
        let output = restage()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("no/such/Dockerfile: "),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn binary_and_empty_inputs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "empty/Dockerfile", "");
    std::fs::write(dir.path().join("bin.Dockerfile"), b"FROM a\n\x00\x01\x02").unwrap();
    std::fs::write(
        dir.path().join("latin1.Dockerfile"),
        b"FROM a\nLABEL x=\xe9\n",
    )
    .unwrap();
    for file in ["empty/Dockerfile", "bin.Dockerfile", "latin1.Dockerfile"] {
        for args in [&["--check", file][..], &["parse", file]] {
            let output = restage()
                .current_dir(dir.path())
                .args(args)
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(2), "{args:?}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.starts_with(&format!("{file}:")),
                "{args:?}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn check_on_unchanged_files_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    // Already multi-stage: nothing to rewrite, whatever the rewrite does.
    write_file(
        dir.path(),
        "Dockerfile",
        "FROM golang:1.22 AS build\nRUN go build -o /app .\n\
         FROM gcr.io/distroless/static-debian12\nCOPY --from=build /app /app\n",
    );
    let output = restage()
        .current_dir(dir.path())
        .args(["--check", "."])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let before = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(before.starts_with("FROM golang:1.22 AS build"));
}

/// A single-stage Go project the rewrite is sure to change.
fn go_project(root: &Path, dir: &str) {
    let at = |file: &str| format!("{dir}/{file}");
    write_file(
        root,
        &at("Dockerfile"),
        "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN go build -o /app/server .\nCMD [\"/app/server\"]\n",
    );
    write_file(
        root,
        &at("go.mod"),
        "module example.com/server\n\ngo 1.22\n",
    );
    write_file(root, &at("main.go"), "package main\n\nfunc main() {}\n");
}

/// `--write` through a symlink writes the file it points to, keeps the link, and says where.
#[cfg(unix)]
#[test]
fn write_through_a_symlink_names_the_file_written() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "real");
    std::fs::create_dir(dir.path().join("svc")).unwrap();
    for f in ["go.mod", "main.go"] {
        std::fs::copy(
            dir.path().join("real").join(f),
            dir.path().join("svc").join(f),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink("../real/Dockerfile", dir.path().join("svc/Dockerfile")).unwrap();
    let output = restage()
        .current_dir(dir.path())
        .args(["--write", "svc/Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let real = std::fs::canonicalize(dir.path().join("real/Dockerfile")).unwrap();
    assert!(
        stdout.contains(&format!(
            "Rewrote: svc/Dockerfile (through the symlink, in {})",
            real.display()
        )),
        "{stdout}"
    );
    let link = std::fs::symlink_metadata(dir.path().join("svc/Dockerfile")).unwrap();
    assert!(link.file_type().is_symlink());
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("AS runtime")
    );
}

#[test]
fn write_then_check_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "a");
    go_project(dir.path(), "b");
    let before = std::fs::read_to_string(dir.path().join("a/Dockerfile")).unwrap();
    let check = |expected: i32| {
        let output = restage()
            .current_dir(dir.path())
            .args(["--check", "--quiet"])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    check(1);
    let output = restage()
        .current_dir(dir.path())
        .args(["--write", "."])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    // A proposed .dockerignore is created beside each Dockerfile (none existed).
    assert_eq!(
        stdout,
        "Rewrote: a/Dockerfile\nCreated: a/.dockerignore\n\
         Rewrote: b/Dockerfile\nCreated: b/.dockerignore\n\
         2 files rewritten, 0 unchanged\n"
    );
    let ignore = std::fs::read_to_string(dir.path().join("a/.dockerignore")).unwrap();
    assert!(!ignore.is_empty());
    let after = std::fs::read_to_string(dir.path().join("a/Dockerfile")).unwrap();
    assert_ne!(after, before);
    assert!(after.contains(" AS runtime"), "{after}");
    check(0);
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("restage"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn tool_available(name: &str) -> bool {
    std::process::Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn default_diff_applies_with_git_apply_and_changes_nothing() {
    assert!(
        tool_available("git"),
        "git is needed to check the diff applies"
    );
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "svc");
    // A CRLF copy without a final newline, beside the LF one.
    let lf = std::fs::read_to_string(dir.path().join("svc/Dockerfile")).unwrap();
    let crlf = lf.trim_end().replace('\n', "\r\n");
    std::fs::write(dir.path().join("svc/Dockerfile.crlf"), &crlf).unwrap();
    // A second Dockerfile in the same context: a proposed .dockerignore is created once.
    std::fs::write(dir.path().join("svc/Dockerfile.prod"), &lf).unwrap();

    let output = restage().current_dir(dir.path()).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let diff = output.stdout;
    assert!(!diff.contains(&0x1b), "no colour when piped");
    let text = String::from_utf8_lossy(&diff);
    assert!(text.contains("--- a/svc/Dockerfile\n"), "{text}");
    assert!(text.contains("--- a/svc/Dockerfile.crlf\n"), "{text}");
    // The default mode changes nothing.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("svc/Dockerfile")).unwrap(),
        lf
    );

    // Applying the diff gives what --write writes.
    let applied = tempfile::tempdir().unwrap();
    copy_tree(dir.path(), applied.path());
    let mut git = std::process::Command::new("git")
        .current_dir(applied.path())
        .args(["apply", "--whitespace=nowarn", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    git.stdin.take().unwrap().write_all(&diff).unwrap();
    let git = git.wait_with_output().unwrap();
    assert!(
        git.status.success(),
        "git apply: {}",
        String::from_utf8_lossy(&git.stderr)
    );
    let output = restage()
        .current_dir(dir.path())
        .args(["--write", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(text.matches("new file mode").count() <= 1, "{text}");
    for file in [
        "svc/Dockerfile",
        "svc/Dockerfile.crlf",
        "svc/Dockerfile.prod",
        "svc/.dockerignore",
    ] {
        assert_eq!(
            std::fs::read(applied.path().join(file)).unwrap(),
            std::fs::read(dir.path().join(file)).unwrap(),
            "{file}"
        );
    }
    let written = std::fs::read_to_string(dir.path().join("svc/Dockerfile.crlf")).unwrap();
    assert!(written.contains("\r\n") && !written.replace("\r\n", "").contains('\n'));
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), ".");
    let run = |args: &[&str], no_color: bool| {
        let mut cmd = restage();
        if !no_color {
            cmd.env_remove("NO_COLOR");
        }
        let output = cmd.current_dir(dir.path()).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        output.stdout
    };
    let plain = run(&[], false);
    assert!(!plain.contains(&0x1b));
    let colored = run(&["--color", "always"], true);
    assert!(colored.contains(&0x1b), "--color always wins over NO_COLOR");
    let never = run(&["--color", "never"], false);
    assert_eq!(never, plain);
    // Stripping the styles gives the plain diff back.
    let stripped: String =
        anstream::adapter::strip_str(&String::from_utf8(colored).unwrap()).to_string();
    assert_eq!(stripped.as_bytes(), plain.as_slice());
}

#[test]
fn detect_json_has_the_fixed_shape() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "api");
    write_file(
        dir.path(),
        "static/Dockerfile",
        "FROM nginx:1.25\nCOPY site/ /usr/share/nginx/html/\n",
    );
    write_file(dir.path(), "static/site/index.html", "<p>hi</p>\n");
    let output = restage()
        .current_dir(dir.path())
        .args(["detect", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json = json_of(&output.stdout);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for file in files {
        for key in [
            "path",
            "profile",
            "package_manager",
            "versions",
            "confidence",
            "context",
            "evidence",
        ] {
            assert!(file.get(key).is_some(), "{key} missing in {file}");
        }
        let confidence = file["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence));
        assert!(
            file["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e.is_string())
        );
    }
    let api = &files[0];
    assert_eq!(api["path"], "api/Dockerfile");
    assert_eq!(api["profile"], "go");
    assert_eq!(api["versions"]["go"], "1.22");
    assert_eq!(api["context"], "api");
    let nginx = &files[1];
    assert_eq!(nginx["path"], "static/Dockerfile");
    assert!(nginx["profile"].is_null(), "{nginx}");
    assert!(
        nginx["reason"].is_string(),
        "null profile comes with a reason: {nginx}"
    );

    // --context wins, and is named in the evidence.
    let output = restage()
        .current_dir(dir.path())
        .args([
            "detect",
            "--format",
            "json",
            "--context",
            ".",
            "api/Dockerfile",
        ])
        .output()
        .unwrap();
    let json = json_of(&output.stdout);
    assert_eq!(json["files"][0]["context"], ".");
    let evidence = json["files"][0]["evidence"].to_string();
    assert!(evidence.contains("--context"), "{evidence}");

    // Text: a short summary per file.
    let output = restage()
        .current_dir(dir.path())
        .args(["detect", "api/Dockerfile"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("api/Dockerfile: go"), "{text}");
}

#[test]
fn detect_reports_unreadable_files_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "ok");
    write_file(dir.path(), "bad/Dockerfile", "# escape=x\nFROM a\n");
    let output = restage()
        .current_dir(dir.path())
        .args(["detect", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json = json_of(&output.stdout);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files[0]["path"], "bad/Dockerfile");
    assert_eq!(files[0]["error"]["line"], 1);
    assert_eq!(files[1]["profile"], "go");
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("bad/Dockerfile:1:1: "));
}

#[test]
fn profiles_list_and_show() {
    let output = restage()
        .args(["profiles", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json = json_of(&output.stdout);
    let names: Vec<&str> = json["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "dotnet",
        "go",
        "java-gradle",
        "java-maven",
        "node",
        "python",
        "rust",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(
        json["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !p["description"].as_str().unwrap().is_empty())
    );

    let output = restage().arg("profiles").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(text.lines().count(), names.len(), "{text}");
    assert!(text.lines().any(|l| l.starts_with("node ")));

    let output = restage()
        .args(["profiles", "show", "node", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json_of(&output.stdout)["name"], "node");

    let output = restage()
        .args(["profiles", "show", "node"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("name: node"));

    let output = restage()
        .args(["profiles", "show", "cobol"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cobol"));
}

// ---------------------------------------------------------------------------------------------
// CI formats, configuration, generated files

fn sarif_validator() -> jsonschema::Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif/sarif-schema-2.1.0.json");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The official schema's `language` patterns (of `run` and `toolComponent`) have a stray
    // `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`), no valid ECMA-262 regex, so the
    // meta-schema check of jsonschema refuses the whole schema. Escape that one character in
    // memory (the file stays verbatim); restage never writes `language`.
    fn fix(value: &mut serde_json::Value, fixed: &mut usize) {
        const STRAY: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key == "pattern" && child == STRAY {
                        *child = serde_json::json!(STRAY.replace("]?$", "\\]?$"));
                        *fixed += 1;
                    } else {
                        fix(child, fixed);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| fix(v, fixed)),
            _ => {}
        }
    }
    let mut fixed = 0;
    fix(&mut schema, &mut fixed);
    assert_eq!(fixed, 2, "the two `language` patterns");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the official SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, log: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "svc");
    go_project(dir.path(), "with space");
    write_file(
        dir.path(),
        "bad/Dockerfile",
        "FROM alpine\nRUN <<EOF\necho hi\n",
    );
    write_file(
        dir.path(),
        "clean/Dockerfile",
        "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n",
    );
    let output = restage()
        .current_dir(dir.path())
        .args(["--check", "--format", "sarif", ".", "missing/Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let log = json_of(&output.stdout);
    let errors = schema_errors(&validator, &log);
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");

    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "restage");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rule_ids: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rule_ids, ["restage/single-stage", "restage/parse-error"]);

    let results = run["results"].as_array().unwrap();
    let by_uri = |uri: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri)
            .unwrap_or_else(|| panic!("no result for {uri}: {results:#?}"))
    };
    assert_eq!(
        results.len(),
        3,
        "two rewrites and one parse error: {results:#?}"
    );
    let svc = by_uri("svc/Dockerfile");
    assert_eq!(svc["ruleId"], "restage/single-stage");
    assert_eq!(svc["level"], "warning");
    assert_eq!(
        svc["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 17})
    );
    let message = svc["message"]["text"].as_str().unwrap();
    assert!(message.contains("go profile"), "{message}");
    assert!(
        message.contains("runtime image"),
        "the decisions: {message}"
    );
    by_uri("with%20space/Dockerfile");
    let bad = by_uri("bad/Dockerfile");
    assert_eq!(bad["ruleId"], "restage/parse-error");
    assert_eq!(bad["level"], "error");
    assert_eq!(
        bad["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    // A missing file is a failure of the run, not a result.
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "missing/Dockerfile"
    );

    // A clean run is valid too, with no results.
    let output = restage()
        .current_dir(dir.path())
        .args(["--check", "--format", "sarif", "clean"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let log = json_of(&output.stdout);
    assert!(schema_errors(&validator, &log).is_empty());
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn the_schema_check_catches_invalid_sarif() {
    // The validation above means something: a log missing what SARIF requires is refused.
    let validator = sarif_validator();
    let bad = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {}}, "results": [{"message": {"text": "x"}, "level": "loud"}]}]
    });
    let errors = schema_errors(&validator, &bad);
    assert!(errors.len() >= 2, "{errors:#?}");
}

/// `restage --check --format sarif . | head -c 10` still fails the job: files would change.
#[test]
fn broken_pipe_in_ci_formats_keeps_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..60 {
        go_project(dir.path(), &format!("projects/p{i:03}"));
    }
    for format in ["sarif", "github"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("restage"))
            .current_dir(dir.path())
            .args(["--check", "--quiet", "--format", format, "projects"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(1), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}

#[test]
fn stdin_filename_names_the_input_and_its_context() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "svc");
    let text = std::fs::read_to_string(dir.path().join("svc/Dockerfile")).unwrap();
    std::fs::remove_file(dir.path().join("svc/Dockerfile")).unwrap();
    write_file(dir.path(), "svc/.restage.yaml", "test_stage: false\n");
    let output = restage()
        .current_dir(dir.path())
        .args(["--stdin-filename", "svc/Dockerfile", "-"])
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let diff = String::from_utf8_lossy(&output.stdout);
    assert!(diff.contains("--- a/svc/Dockerfile\n"), "{diff}");
    assert!(
        !diff.contains("AS test"),
        "the config beside --stdin-filename applies: {diff}"
    );
    let why = String::from_utf8_lossy(&output.stderr);
    assert!(why.starts_with("svc/Dockerfile: rewritten (go)"), "{why}");

    // Without --stdin-filename, stdin is `-` and its context the current folder.
    let output = restage()
        .current_dir(dir.path().join("svc"))
        .args(["--check", "--format", "github", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("::warning file=-,line=1,"));
}

#[test]
fn quiet_leaves_only_errors() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "svc");
    write_file(dir.path(), "bad/Dockerfile", "# escape=x\nFROM a\n");
    for args in [
        &["--check", "--quiet", "."][..],
        &["--write", "--quiet", "svc"],
    ] {
        let output = restage()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.stdout.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        if args[0] == "--check" {
            assert_eq!(output.status.code(), Some(2));
            assert_eq!(
                stderr,
                "bad/Dockerfile:1:1: invalid escape token 'x' does not match ` or \\\n"
            );
        } else {
            assert_eq!(output.status.code(), Some(0));
            assert!(stderr.is_empty(), "{stderr}");
        }
    }
}

#[test]
fn completions_for_every_shell() {
    for (shell, needle) in [
        ("bash", "_restage()"),
        ("zsh", "#compdef restage"),
        ("fish", "complete -c restage"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[restage]"),
    ] {
        let output = restage().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(script.contains(needle), "{shell}: {script}");
        assert!(script.contains("--check"), "{shell}");
        if matches!(shell, "bash" | "zsh" | "fish") {
            assert!(script.contains("sarif"), "{shell}: the format values");
        }
    }
    let output = restage().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// The man page, generated from the clap definitions into target/man/restage.1.
#[test]
fn man_page_is_generated_from_the_clap_definitions() {
    let output = restage().arg("manpage").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH restage"),
        "{page}"
    );
    assert!(page.contains(".TH restage 1"), "{page}");
    for needle in [
        "\\-\\-check",
        "\\-\\-format",
        "sarif",
        "\\-\\-config",
        "Exit codes",
    ] {
        assert!(page.contains(needle), "the page lacks {needle}");
    }
    // Hidden from --help, but there.
    let help = restage().arg("--help").output().unwrap();
    assert!(!String::from_utf8_lossy(&help.stdout).contains("manpage"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let man = target.join("man");
    std::fs::create_dir_all(&man).unwrap();
    std::fs::write(man.join("restage.1"), &page).unwrap();
}

/// Every page the main man page refers to (`restage-verify(1)`, ...) is written by
/// `restage manpage --dir`, so no reference leads nowhere.
#[test]
fn man_pages_for_every_subcommand_the_main_page_names() {
    let dir = tempfile::tempdir().unwrap();
    let output = restage()
        .args(["manpage", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let main = std::fs::read_to_string(dir.path().join("restage.1")).unwrap();
    let mut named = Vec::new();
    let mut rest = main.as_str();
    while let Some(at) = rest.find("restage\\-") {
        let tail = &rest[at + "restage\\-".len()..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(tail.len());
        if tail[end..].starts_with("(1)") {
            named.push(tail[..end].to_string());
        }
        rest = &tail[end..];
    }
    for sub in [
        "parse",
        "detect",
        "profiles",
        "verify",
        "config",
        "completions",
    ] {
        assert!(
            named.iter().any(|n| n == sub),
            "main page lacks restage-{sub}(1): {named:?}"
        );
    }
    for sub in &named {
        let page = std::fs::read_to_string(dir.path().join(format!("restage-{sub}.1")))
            .unwrap_or_else(|e| panic!("restage-{sub}.1 was not written: {e}"));
        assert!(page.contains(&format!(".TH restage-{sub} 1")), "{page}");
    }
}

#[test]
fn config_command_shows_where_settings_come_from() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "svc");
    write_file(
        dir.path(),
        ".restage.yaml",
        "test_stage: false\nignore: [legacy/]\n",
    );
    write_file(dir.path(), "legacy/Dockerfile", "FROM alpine\n");
    let show = |args: &[&str]| {
        let output = restage()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        json_of(&output.stdout)
    };
    let json = show(&["config", "--format", "json", "svc/Dockerfile"]);
    assert_eq!(json["config"], ".restage.yaml");
    assert_eq!(
        json["test_stage"],
        serde_json::json!({"value": false, "from": "config_file"})
    );
    assert!(json.get("ignored").is_none());
    let json = show(&["config", "--format", "json", "--test-stage", "svc"]);
    assert_eq!(json["test_stage"]["from"], "flag");
    let json = show(&["config", "--format", "json", "legacy/Dockerfile"]);
    assert_eq!(json["ignored"], "ignored by `legacy/` in .restage.yaml");
    let output = restage()
        .current_dir(dir.path())
        .args(["config", "--config", "nope.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("nope.yaml: "));
}

fn yaml_file(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn pre_commit_hooks_run_the_check() {
    let hooks = yaml_file(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    let check = hooks.iter().find(|h| h["id"] == "restage-check").unwrap();
    assert_eq!(check["language"], "rust");
    assert_eq!(check["entry"], "restage --check");
    for hook in hooks {
        for key in ["id", "name", "entry", "language", "files"] {
            assert!(hook[key].is_string(), "{key} in {hook}");
        }
        // pre-commit appends the file names to the entry: it must be a valid command line.
        let entry = hook["entry"].as_str().unwrap();
        let mut argv: Vec<&str> = entry.split_whitespace().collect();
        assert_eq!(argv[0], "restage");
        argv.extend(["Dockerfile", "svc/api.Dockerfile"]);
        let cli = <restage::cli::Cli as clap::Parser>::try_parse_from(&argv).unwrap();
        assert!(cli.command.is_none(), "{entry}");
    }
    // The hook and the folder walk agree on what a Dockerfile is, on the names both know.
    let files = check["files"].as_str().unwrap();
    assert!(files.contains("Containerfile") && files.contains("Dockerfile\\."));
    assert_eq!(check["exclude"], "\\.dockerignore$");
}

/// A stranger can follow the README: every subcommand is named, no placeholder owner is left,
/// and the architecture it points at is in the repository.
#[test]
fn the_readme_names_every_subcommand_and_no_placeholder() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for sub in [
        "parse",
        "detect",
        "profiles",
        "verify",
        "config",
        "completions",
        "manpage",
    ] {
        assert!(
            readme.contains(&format!("restage {sub}")),
            "README does not name `restage {sub}`"
        );
    }
    for placeholder in ["OWNER/", "<owner>", "../shared/"] {
        assert!(
            !readme.contains(placeholder),
            "README still says {placeholder}"
        );
    }
    assert!(readme.contains("cargo install --locked --path ."));
    assert!(root.join("ARCHITECTURE.md").is_file());
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    assert!(!action.contains("<owner>"));
}

#[test]
fn the_action_checks_with_sarif_and_uploads_it() {
    let action = yaml_file("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("cargo install --locked --path"))
    );
    // The release binary for the runner first, checked against its checksum file.
    assert!(runs.iter().any(|r| r.contains("releases/download")
        && r.contains("restage-$target.sha256")
        && r.contains("x86_64-unknown-linux-musl")));
    assert!(
        runs.iter().any(
            |r| r.contains("restage --check --format sarif") && r.contains("> \"$SARIF_FILE\"")
        )
    );
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert_eq!(upload["with"]["sarif_file"], "${{ inputs.sarif-file }}");
    for step in steps.iter().filter(|s| s["run"].is_string()) {
        assert_eq!(step["shell"], "bash", "composite run steps need a shell");
        // Inputs reach scripts through the environment, never spliced into the script.
        assert!(!step["run"].as_str().unwrap().contains("${{"), "{step}");
    }
    for input in [
        "paths",
        "args",
        "sarif-file",
        "upload-sarif",
        "fail-on-findings",
    ] {
        assert!(
            action["inputs"][input]["description"].is_string(),
            "{input}"
        );
    }
}

#[test]
fn pragmas_stay_in_the_output_and_a_second_check_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    go_project(dir.path(), "svc");
    let path = dir.path().join("svc/Dockerfile");
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("# restage: test_stage=false, runtime=slim\n\n{original}"),
    )
    .unwrap();
    let output = restage()
        .current_dir(dir.path())
        .args(["--write", "svc"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.contains("\n# restage: test_stage=false, runtime=slim\n"),
        "{written}"
    );
    assert!(!written.contains("AS test"), "{written}");
    assert!(
        written.contains("FROM debian:bookworm-slim AS runtime"),
        "{written}"
    );
    let output = restage()
        .current_dir(dir.path())
        .args(["--check", "svc"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// Issue 18 item 4: restage's own Dockerfile (the repository root) is written the way restage
/// writes one, so `restage --check` leaves it alone: deps, build, test and runtime stages, cache
/// mounts for the cargo registry and the target folder, a distroless runtime that runs as a
/// non-root user; and the context it is built from leaves `target/` out.
#[test]
fn restage_own_dockerfile_passes_restage_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    restage()
        .current_dir(root)
        .args(["--check", "Dockerfile"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let stages: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .filter_map(|l| l.rsplit_once(" AS ").map(|(_, name)| name))
        .collect();
    assert_eq!(stages, ["deps", "build", "test", "runtime"], "{text}");
    for needed in [
        "--mount=type=cache,target=/usr/local/cargo/registry",
        "--mount=type=cache,target=/usr/src/restage/target",
        "cargo build --release --locked --bin restage",
        "FROM gcr.io/distroless/static-debian12:nonroot AS runtime",
    ] {
        assert!(text.contains(needed), "the Dockerfile lacks {needed:?}");
    }
    // The runtime runs as the base image's own non-root user (65532), as restage writes a
    // distroless runtime: no later USER may switch back to root.
    let runtime = &text[text.find("AS runtime").unwrap()..];
    assert!(
        runtime
            .lines()
            .filter_map(|l| l.strip_prefix("USER "))
            .all(|u| !matches!(u.trim(), "root" | "0" | "0:0")),
        "{runtime}"
    );
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).unwrap();
    assert!(
        ignore.lines().any(|l| l.trim() == "target"),
        ".dockerignore must leave target/ out of the context"
    );
}
