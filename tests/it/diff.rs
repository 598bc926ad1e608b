//! `report::diff`: the diffs apply with `git apply` (CRLF, no final newline, new files), and
//! colour reaches a terminal only.

use proptest::prelude::*;
use restage::report::{new_file_diff, unified_diff, write_colored};
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Write `old` (or nothing) at `path` in a fresh git repo, apply `patch` with `git apply`, and
/// return what the file holds afterwards.
fn git_apply(path: &str, old: Option<&str>, patch: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["config", "core.autocrlf", "false"]);
    let file = dir.path().join(path);
    if let Some(old) = old {
        std::fs::write(&file, old).unwrap();
    }
    let patch_file = dir.path().join("change.patch");
    std::fs::write(&patch_file, patch).unwrap();
    git(
        dir.path(),
        &["apply", "--whitespace=nowarn", "change.patch"],
    );
    std::fs::read_to_string(&file).unwrap()
}

fn assert_applies(old: &str, new: &str) {
    let patch = unified_diff("Dockerfile", old, new);
    assert_eq!(git_apply("Dockerfile", Some(old), &patch), new, "{patch}");
    // GNU patch agrees too, where it is installed (git is required; patch is a bonus check).
    if Command::new("patch").arg("--version").output().is_ok() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), old).unwrap();
        std::fs::write(dir.path().join("change.patch"), &patch).unwrap();
        let status = Command::new("patch")
            .args(["-s", "-p1", "-i", "change.patch"])
            .current_dir(dir.path())
            .status()
            .expect("patch runs");
        assert!(status.success(), "{patch}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
            new
        );
    }
}

#[test]
fn plain_change_applies() {
    assert_applies(
        "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app\nCMD [\"/app\"]\n",
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app\n\n\
         FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\nCMD [\"/app\"]\n",
    );
}

#[test]
fn three_lines_of_context_and_several_hunks() {
    let old: String = (1..=30).map(|i| format!("line {i}\n")).collect();
    let new = old
        .replace("line 2\n", "line two\n")
        .replace("line 25\n", "");
    let diff = unified_diff("Dockerfile", &old, &new);
    assert_eq!(diff.matches("\n@@ ").count(), 2, "{diff}");
    assert!(
        diff.contains("@@ -1,5 +1,5 @@\n line 1\n-line 2\n+line two\n line 3\n line 4\n line 5\n")
    );
    assert!(diff.contains("@@ -22,7 +22,6 @@\n"), "{diff}");
    assert_applies(&old, &new);
}

#[test]
fn crlf_text_applies_byte_for_byte() {
    assert_applies(
        "FROM node:20\r\nWORKDIR /app\r\nCOPY . .\r\nRUN npm ci\r\n",
        "FROM node:20 AS deps\r\nWORKDIR /app\r\nCOPY package*.json ./\r\nRUN npm ci\r\n",
    );
    // CRLF and LF mixed, and a line ending changed from one to the other.
    assert_applies("a\r\nb\nc\r\nd\n", "a\r\nb\r\nc\r\nd\n");
    // A lone CR is part of a line, not a line break.
    assert_applies("a\rb\nc\n", "a\rb\nC\r\n");
}

#[test]
fn missing_final_newline_applies() {
    let diff = unified_diff("Dockerfile", "FROM a\nCMD x", "FROM b\nCMD x");
    assert!(
        diff.ends_with(" CMD x\n\\ No newline at end of file\n"),
        "{diff}"
    );
    assert_applies("FROM a\nCMD x", "FROM b\nCMD x");
    assert_applies("FROM a\nCMD x", "FROM a\nCMD x\n");
    assert_applies("FROM a\nCMD x\n", "FROM a\nCMD y");
    assert_applies("FROM a\r\nCMD x", "FROM a\r\nCMD y\r\n");
    assert_applies("x", "y");
}

#[test]
fn from_and_to_empty_text() {
    assert_applies("", "FROM a\n");
    assert_applies("FROM a\n", "");
}

#[test]
fn new_file_diff_applies() {
    let content = "node_modules\n.git\n*.log\n";
    let patch = new_file_diff(".dockerignore", content);
    assert!(patch.starts_with(
        "diff --git a/.dockerignore b/.dockerignore\nnew file mode 100644\n--- /dev/null\n+++ b/.dockerignore\n"
    ));
    assert_eq!(git_apply(".dockerignore", None, &patch), content);
    // Without a final newline, and empty.
    let patch = new_file_diff("sub.txt", "a\nb");
    assert_eq!(git_apply("sub.txt", None, &patch), "a\nb");
    let patch = new_file_diff("empty", "");
    assert_eq!(git_apply("empty", None, &patch), "");
}

#[test]
fn odd_file_names_apply() {
    for name in ["my Dockerfile", "Dockerfile.\"prod\"", "Dockérfile"] {
        let patch = unified_diff(name, "FROM a\n", "FROM b\n");
        assert_eq!(
            git_apply(name, Some("FROM a\n"), &patch),
            "FROM b\n",
            "{patch}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn random_edits_apply(
        old in proptest::collection::vec("[ab\r]{0,3}(\n|\r\n)?", 0..12),
        new in proptest::collection::vec("[ab\r]{0,3}(\n|\r\n)?", 0..12),
    ) {
        let old: String = old.concat();
        let new: String = new.concat();
        let patch = unified_diff("Dockerfile", &old, &new);
        if old == new {
            prop_assert_eq!(patch, "");
        } else {
            prop_assert_eq!(git_apply("Dockerfile", Some(&old), &patch), new);
        }
    }
}

// ---- colour ----

const ESC: u8 = 0x1b;

fn sample_diff() -> String {
    let mut diff = unified_diff(
        "Dockerfile",
        "FROM a\r\nRUN x\n",
        "FROM b\r\nRUN x\nUSER app",
    );
    diff.push_str(&new_file_diff(".dockerignore", ".git\n"));
    diff
}

#[test]
fn forced_colour_styles_every_part_and_strips_back_to_the_plain_diff() {
    let diff = sample_diff();
    let mut stream = anstream::AutoStream::new(Vec::new(), anstream::ColorChoice::Always);
    write_colored(&mut stream, &diff).unwrap();
    let coloured = String::from_utf8(stream.into_inner()).unwrap();
    assert!(coloured.contains("\x1b[1mdiff --git a/Dockerfile b/Dockerfile\x1b[0m\n"));
    assert!(coloured.contains("\x1b[1m--- a/Dockerfile\x1b[0m\n"));
    assert!(coloured.contains("\x1b[1mnew file mode 100644\x1b[0m\n"));
    assert!(coloured.contains("\x1b[36m@@ -1,2 +1,3 @@\x1b[0m\n"));
    assert!(coloured.contains("\x1b[31m-FROM a\x1b[0m\r\n"));
    assert!(coloured.contains("\x1b[32m+FROM b\x1b[0m\r\n"));
    assert!(coloured.contains("\x1b[32m+USER app\x1b[0m\n"));
    assert!(coloured.contains("\n RUN x\n"), "context lines are plain");
    let stripped = anstream::adapter::strip_str(&coloured).to_string();
    assert_eq!(stripped, diff);
}

#[test]
fn never_and_non_terminal_auto_write_the_plain_diff() {
    let diff = sample_diff();
    let mut never = anstream::AutoStream::new(Vec::new(), anstream::ColorChoice::Never);
    write_colored(&mut never, &diff).unwrap();
    assert_eq!(never.into_inner(), diff.as_bytes());

    let mut strip = anstream::StripStream::new(Vec::new());
    write_colored(&mut strip, &diff).unwrap();
    assert_eq!(strip.into_inner(), diff.as_bytes());
}

/// Run this test binary again, running only `color_child_process`, with `envs`.
fn run_colour_child(envs: &[(&str, &str)], under_tty: bool) -> Vec<u8> {
    let exe = std::env::current_exe().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("out");
    let test_args =
        "diff::color_child_process --exact --nocapture --color never -q --test-threads 1";
    let mut cmd = if under_tty {
        // `script` gives the child a pseudo-terminal as stdout.
        let mut cmd = Command::new("script");
        cmd.args([
            "-qec",
            &format!("{} {test_args}", exe.display()),
            "/dev/null",
        ]);
        cmd
    } else {
        let mut cmd = Command::new(&exe);
        cmd.args(test_args.split(' '));
        cmd.env("RESTAGE_COLOR_CHILD_OUT", &out_file);
        cmd
    };
    cmd.env("RESTAGE_COLOR_CHILD", "1")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("TERM", "xterm-256color");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    if under_tty {
        output.stdout
    } else {
        std::fs::read(out_file).unwrap()
    }
}

/// Helper process for the colour tests: writes the sample diff through an `AutoStream` in
/// `ColorChoice::Auto` to stdout (or to a file). Does nothing unless started by them.
#[test]
fn color_child_process() {
    if std::env::var_os("RESTAGE_COLOR_CHILD").is_none() {
        return;
    }
    let diff = sample_diff();
    match std::env::var_os("RESTAGE_COLOR_CHILD_OUT") {
        Some(path) => {
            let file = std::fs::File::create(path).unwrap();
            let mut stream = anstream::AutoStream::new(file, anstream::ColorChoice::Auto);
            write_colored(&mut stream, &diff).unwrap();
        }
        None => {
            let mut stream =
                anstream::AutoStream::new(std::io::stdout(), anstream::ColorChoice::Auto);
            write_colored(&mut stream, &diff).unwrap();
        }
    }
}

#[test]
fn auto_colour_reaches_a_terminal_only_and_honours_no_color() {
    let diff = sample_diff();
    // Piped into a file: plain, byte for byte.
    let piped = run_colour_child(&[], false);
    assert_eq!(piped, diff.as_bytes());
    // On a terminal: coloured.
    let tty = run_colour_child(&[], true);
    assert!(tty.contains(&ESC), "{}", String::from_utf8_lossy(&tty));
    assert!(String::from_utf8_lossy(&tty).contains("\x1b[31m-FROM a"));
    // On a terminal with NO_COLOR: plain.
    let no_color = run_colour_child(&[("NO_COLOR", "1")], true);
    assert!(
        !no_color.contains(&ESC),
        "{}",
        String::from_utf8_lossy(&no_color)
    );
    assert!(String::from_utf8_lossy(&no_color).contains("-FROM a"));
    // NO_COLOR wins even over CLICOLOR_FORCE; CLICOLOR_FORCE alone colours a pipe.
    let both = run_colour_child(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")], false);
    assert_eq!(both, diff.as_bytes());
    let forced = run_colour_child(&[("CLICOLOR_FORCE", "1")], false);
    assert!(forced.contains(&ESC));
}
