//! `restage verify`: engine discovery, argument handling and the build/compare flow, driven
//! in-process with an explicit PATH. Real engines are exercised by tests/e2e/run.sh; here the
//! engines are absent, or small shell scripts that record how they were called.

use clap::Parser;
use restage::cli::verify::{EngineKind, VerifyArgs, run_with_path};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
struct Wrapper {
    #[command(flatten)]
    args: VerifyArgs,
}

fn parse(argv: &[&str]) -> VerifyArgs {
    Wrapper::try_parse_from(std::iter::once("verify").chain(argv.iter().copied()))
        .unwrap_or_else(|e| panic!("{e}"))
        .args
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Run verify with `path_var` as PATH: (exit code, stdout, stderr).
fn verify(args: &VerifyArgs, path_var: &Path) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let status = run_with_path(args, Some(OsString::from(path_var)), &mut out, &mut err)
        .expect("writing to a Vec never fails");
    let code = status.code();
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[cfg(unix)]
fn write_script(dir: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn arguments_default_and_parse() {
    let a = parse(&[]);
    assert_eq!(a.path, PathBuf::from("."));
    assert_eq!(a.engine, None);
    assert_eq!(a.smoke, None);
    assert_eq!(a.smoke_cmd, None);
    assert_eq!(a.timeout, 60);
    assert!(!a.keep_images);

    let a = parse(&[
        "app/Dockerfile",
        "--engine",
        "buildah",
        "--context",
        "..",
        "--port",
        "8080",
    ]);
    assert_eq!(a.path, PathBuf::from("app/Dockerfile"));
    assert_eq!(a.engine, Some(EngineKind::Buildah));
    assert_eq!(a.context, Some(PathBuf::from("..")));
    assert_eq!(a.port, Some(8080));

    let a = parse(&["--smoke", "curl -fsS http://127.0.0.1:{port}/"]);
    assert_eq!(
        a.smoke.as_deref(),
        Some("curl -fsS http://127.0.0.1:{port}/")
    );

    // --smoke-cmd takes the rest of the line, flags of the command included
    let a = parse(&["x", "--smoke-cmd", "./app", "--version", "-v"]);
    assert_eq!(a.path, PathBuf::from("x"));
    assert_eq!(
        a.smoke_cmd,
        Some(vec!["./app".into(), "--version".into(), "-v".into()])
    );
    // ... and nothing: run the image's own command
    let a = parse(&["x", "--smoke-cmd"]);
    assert_eq!(a.smoke_cmd, Some(vec![]));

    assert!(Wrapper::try_parse_from(["verify", "--engine", "kaniko"]).is_err());
    assert!(Wrapper::try_parse_from(["verify", "--port", "http"]).is_err());
}

#[test]
fn no_engine_on_path_exits_2_and_says_what_was_looked_for() {
    let empty = tempfile::tempdir().unwrap();
    let args = parse(&[examples().join("go-basic").to_str().unwrap()]);
    let (code, out, err) = verify(&args, empty.path());
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("no container engine found"), "{err}");
    for engine in ["docker", "podman", "buildah"] {
        assert!(err.contains(&format!("`{engine}` is not on PATH")), "{err}");
    }
    assert!(err.contains("never builds images itself"), "{err}");
}

#[test]
fn a_named_engine_that_is_missing_exits_2() {
    let empty = tempfile::tempdir().unwrap();
    let args = parse(&[
        examples().join("go-basic").to_str().unwrap(),
        "--engine",
        "podman",
    ]);
    let (code, _, err) = verify(&args, empty.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("the podman engine is not available: `podman` is not on PATH"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn docker_without_a_daemon_is_not_an_engine() {
    let bin = tempfile::tempdir().unwrap();
    // buildx is there, the daemon is not (as on a machine with only the docker client)
    write_script(
        bin.path(),
        "docker",
        r#"if [ "$1" = buildx ]; then echo "github.com/docker/buildx v0.17"; exit 0; fi
echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" >&2; exit 1"#,
    );
    let args = parse(&[examples().join("go-basic").to_str().unwrap()]);
    let (code, _, err) = verify(&args, bin.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("docker cannot reach its daemon (Cannot connect to the Docker daemon"),
        "{err}"
    );
    assert!(err.contains("`podman` is not on PATH"), "{err}");
}

#[test]
fn missing_path_and_folder_without_dockerfile_exit_2() {
    let empty = tempfile::tempdir().unwrap();
    let nowhere = empty.path().join("nope");
    let (code, _, err) = verify(&parse(&[nowhere.to_str().unwrap()]), empty.path());
    assert_eq!(code, 2);
    assert!(err.contains("no such file or folder"), "{err}");

    let (code, _, err) = verify(&parse(&[empty.path().to_str().unwrap()]), empty.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("no Dockerfile or Containerfile in this folder"),
        "{err}"
    );
}

#[test]
fn smoke_and_smoke_cmd_together_exit_2() {
    let empty = tempfile::tempdir().unwrap();
    let dockerfile = examples().join("go-basic/Dockerfile");
    let args = parse(&[
        dockerfile.to_str().unwrap(),
        "--smoke",
        "true",
        "--smoke-cmd",
        "x",
    ]);
    let (code, _, err) = verify(&args, empty.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("--smoke and --smoke-cmd cannot be used together"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn buildah_cannot_run_smoke_commands() {
    let bin = tempfile::tempdir().unwrap();
    write_script(bin.path(), "buildah", "exit 0");
    let dockerfile = examples().join("go-basic/Dockerfile");
    let args = parse(&[dockerfile.to_str().unwrap(), "--smoke-cmd"]);
    let (code, _, err) = verify(&args, bin.path());
    assert_eq!(code, 2);
    assert!(
        err.contains("buildah builds images but cannot run them"),
        "{err}"
    );
}

/// A fake podman: records each call, keeps a copy of every Dockerfile it is asked to build,
/// reports 100 MB for the original and 40 MB for the rewrite, and prints the same line on run.
#[cfg(unix)]
fn fake_podman(bin: &Path, log: &Path, rewrite_fails: bool) {
    let fail = if rewrite_fails { "1" } else { "0" };
    write_script(
        bin,
        "podman",
        &format!(
            r#"LOG={log}
echo "$*" >> "$LOG/calls"
case "$1" in
  build)
    f=""; t=""; prev=""
    for a in "$@"; do
      [ "$prev" = -f ] && f=$a
      [ "$prev" = -t ] && t=$a
      prev=$a
    done
    case "$t" in
      *after*) /bin/cp "$f" "$LOG/after.Dockerfile"; echo "STEP 1/9: FROM golang:1.19 AS build"
               if [ {fail} = 1 ]; then echo "Error: building at STEP 9: exit status 1" >&2; exit 1; fi ;;
      *) /bin/cp "$f" "$LOG/before.Dockerfile" ;;
    esac
    exit 0 ;;
  image)
    case "$5" in *after*) echo 40000000 ;; *) echo 100000000 ;; esac ;;
  run)
    echo "1 2 Fizz 4 Buzz" ;;
  rmi) exit 0 ;;
  *) echo "unexpected: $*" >&2; exit 3 ;;
esac"#,
            log = log.display()
        ),
    );
}

#[cfg(unix)]
fn example_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = examples().join(name);
    for entry in fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    dir
}

#[cfg(unix)]
#[test]
fn builds_original_then_rewrite_and_prints_the_table() {
    let project = example_copy("go-basic");
    let bin = tempfile::tempdir().unwrap();
    let log = tempfile::tempdir().unwrap();
    fake_podman(bin.path(), log.path(), false);
    let original = fs::read_to_string(project.path().join("Dockerfile")).unwrap();

    let args = parse(&[project.path().to_str().unwrap(), "--smoke-cmd"]);
    let (code, out, err) = verify(&args, bin.path());
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");

    // the original was built as is, the rewrite from a temporary file that is gone again
    let before = fs::read_to_string(log.path().join("before.Dockerfile")).unwrap();
    assert_eq!(before, original);
    let after = fs::read_to_string(log.path().join("after.Dockerfile")).unwrap();
    assert_ne!(after, original);
    assert!(
        after.matches("FROM ").count() >= 2,
        "not multi-stage: {after}"
    );
    let left: Vec<_> = fs::read_dir(project.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("restage-verify"))
        .collect();
    assert!(
        left.is_empty(),
        "temporary Dockerfile left behind: {left:?}"
    );
    assert_eq!(
        fs::read_to_string(project.path().join("Dockerfile")).unwrap(),
        original
    );

    let calls = fs::read_to_string(log.path().join("calls")).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert!(calls[0].starts_with("build --layers -f "), "{calls:?}");
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("run --rm localhost/restage-verify:before-")),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("run --rm localhost/restage-verify:after-")),
        "{calls:?}"
    );
    // images are removed afterwards
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("rmi -f ")).count(),
        2,
        "{calls:?}"
    );

    assert!(out.contains("(podman)"), "{out}");
    assert!(out.contains("100.0 MB"), "{out}");
    assert!(out.contains("40.0 MB (40%)"), "{out}");
    assert!(out.contains("ok (same output)"), "{out}");
    assert!(
        out.contains("ok: the rewrite builds, behaves the same and is no larger"),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn a_rewrite_that_does_not_build_exits_1() {
    let project = example_copy("go-basic");
    let bin = tempfile::tempdir().unwrap();
    let log = tempfile::tempdir().unwrap();
    fake_podman(bin.path(), log.path(), true);
    let args = parse(&[
        project.path().join("Dockerfile").to_str().unwrap(),
        "--keep-images",
    ]);
    let (code, out, err) = verify(&args, bin.path());
    assert_eq!(code, 1, "stdout: {out}\nstderr: {err}");
    assert!(
        out.contains("FAIL: the rewrite does not build: Error: building at STEP 9"),
        "{out}"
    );
    let calls = fs::read_to_string(log.path().join("calls")).unwrap();
    assert!(!calls.contains("rmi"), "--keep-images keeps them: {calls}");
}

#[test]
fn the_binary_without_engines_exits_2() {
    let empty = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("restage")
        .unwrap()
        .args(["verify", examples().join("go-basic").to_str().unwrap()])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("restage verify: no container engine found"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}
