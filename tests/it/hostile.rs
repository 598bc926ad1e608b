//! Hostile input: every case gets a clear exit-2 error (with the path, and line:col where one
//! applies) or a correct result, never a panic, a hang or a partial write.
//!
//! Small inputs live in tests/fixtures/hostile/ (byte-exact: `.gitattributes` keeps git from
//! touching them); big ones (50 MB, 100,000 context files) are generated in a temporary folder.
//! Each process runs under a timeout, so a hang fails the test instead of blocking the suite.

use assert_cmd::Command;
use restage::pipeline::{Engine, Options, Status};
use restage::source::{Context, FsContext, MemoryContext, SourceFile};
use restage::{ErrorKind, syntax};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tempfile::TempDir;

const GO_DOCKERFILE: &str = "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /bin/app .\nEXPOSE 8080\nCMD [\"/bin/app\"]\n";

fn restage() -> Command {
    let mut cmd = Command::cargo_bin("restage").expect("the restage binary");
    cmd.env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(180));
    cmd
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile")
        .join(name)
}

/// A temporary Go project (go.mod, go.sum, main.go) with `dockerfile` as its Dockerfile.
fn go_project(dockerfile: &[u8]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("go.mod"),
        "module example.com/app\n\ngo 1.22\n",
    )
    .unwrap();
    fs::write(dir.path().join("go.sum"), "").unwrap();
    fs::write(
        dir.path().join("main.go"),
        "package main\n\nfunc main() {}\n",
    )
    .unwrap();
    let file = dir.path().join("Dockerfile");
    fs::write(&file, dockerfile).unwrap();
    (dir, file)
}

/// Every file below `dir` with its bytes (symlinks as their target path), to show that a run
/// left a folder exactly as it was: no partial write, no temporary file left behind.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.insert(path, target.to_string_lossy().as_bytes().to_vec());
            } else if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.insert(path.clone(), fs::read(&path).unwrap());
            } else {
                out.insert(path, b"<special>".to_vec());
            }
        }
    }
    out
}

/// Run `restage --check <file>` and require exit 2 with `expected` (e.g. `name:3:13: invalid
/// UTF-8`) on stderr, and no panic.
fn assert_input_error(file: &Path, expected: &str) {
    let output = restage()
        .arg("--check")
        .arg(file)
        .current_dir(file.parent().unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}: {stderr}",
        file.display()
    );
    assert!(
        stderr.contains(expected),
        "{}: expected `{expected}` in stderr:\n{stderr}",
        file.display()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A rewritten file must be a correct result: it parses without errors, has several stages,
/// and restage leaves it alone on a second run.
fn assert_valid_rewrite(file: &Path) -> String {
    let text = fs::read_to_string(file).unwrap();
    let df = syntax::parse(&text);
    assert!(df.errors.is_empty(), "{:?}\n{text}", df.errors);
    assert!(df.stages().count() >= 2, "not multi-stage:\n{text}");
    restage()
        .arg("--check")
        .arg(file)
        .current_dir(file.parent().unwrap())
        .assert()
        .code(0);
    text
}

fn write_in_place(file: &Path) {
    restage()
        .arg("--write")
        .arg("--quiet")
        .arg(file)
        .current_dir(file.parent().unwrap())
        .assert()
        .code(0)
        .stderr(predicates::str::contains("panicked").not());
}

use predicates::prelude::PredicateBooleanExt;

// ---------------------------------------------------------------------------------------------
// Bytes that are not a Dockerfile

#[test]
fn binary_file_is_refused_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    // Deterministic noise with a NUL at byte 200 (line 1 has no newline before it only by luck,
    // so compute the expected position from the bytes themselves).
    let mut state = 0x2545_f491_u32;
    let mut bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state % 255 + 1) as u8
        })
        .collect();
    bytes[200] = 0;
    fs::write(&file, &bytes).unwrap();
    let line = 1 + bytes[..200].iter().filter(|&&b| b == b'\n').count();
    let output = restage().arg("--check").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:{line}:", file.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains("binary file") || stderr.contains("invalid UTF-8"),
        "{stderr}"
    );
    assert_eq!(fs::read(&file).unwrap(), bytes);
}

#[test]
fn nul_byte_is_refused_with_line_and_column() {
    assert_input_error(
        &fixture("nul.Dockerfile"),
        "nul.Dockerfile:3:11: binary file (NUL byte)",
    );
}

#[test]
fn invalid_utf8_is_refused_with_line_and_column() {
    assert_input_error(
        &fixture("invalid-utf8.Dockerfile"),
        "invalid-utf8.Dockerfile:3:13: invalid UTF-8 (byte 0xe9)",
    );
}

#[test]
fn utf16_is_refused_with_a_hint() {
    assert_input_error(
        &fixture("utf16.Dockerfile"),
        "utf16.Dockerfile:1:1: UTF-16 text is not supported",
    );
}

#[test]
fn empty_file_is_refused() {
    assert_input_error(&fixture("empty.Dockerfile"), "empty.Dockerfile: empty file");
}

#[test]
fn empty_stdin_is_refused() {
    restage()
        .args(["--check", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("empty file"));
}

#[test]
fn file_without_instructions_is_refused() {
    assert_input_error(
        &fixture("no-instructions.Dockerfile"),
        "no-instructions.Dockerfile:1:1: file with no instructions",
    );
}

#[test]
fn binary_stdin_is_refused() {
    restage()
        .args(["--check", "-"])
        .write_stdin(b"FROM alpine\n\x00\x01\x02\xff".to_vec())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("-:2:1: binary file (NUL byte)"));
}

// ---------------------------------------------------------------------------------------------
// Size

/// About 50 MB of otherwise valid Dockerfile text.
fn fifty_megabytes() -> Vec<u8> {
    let mut text = String::from("FROM golang:1.22\nWORKDIR /src\n");
    let line = format!("RUN echo {}\n", "y".repeat(90));
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&line);
    }
    text.into_bytes()
}

#[test]
fn fifty_megabyte_file_is_refused_quickly_and_left_alone() {
    let (dir, file) = go_project(&fifty_megabytes());
    let before = snapshot(dir.path());
    let output = restage()
        .arg("--write")
        .arg(&file)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains("file too large"), "{stderr}");
    assert!(stderr.contains("the limit is 10 MiB"), "{stderr}");
    assert!(before == snapshot(dir.path()), "the folder changed");
}

#[test]
fn fifty_megabyte_stdin_is_refused() {
    restage()
        .args(["--check", "-"])
        .write_stdin(fifty_megabytes())
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("-: file too large"));
}

#[test]
fn megabyte_long_lines_are_kept_byte_for_byte() {
    let long = "a".repeat(1024 * 1024);
    let text = format!(
        "FROM golang:1.22\n# {long}\nWORKDIR /src\nENV LONG={long}\nCOPY . .\nRUN echo {long} && go build -o /bin/app .\nCMD [\"/bin/app\"]\n"
    );
    let (_dir, file) = go_project(text.as_bytes());
    write_in_place(&file);
    let out = assert_valid_rewrite(&file);
    assert!(out.contains(&format!("# {long}\n")));
    assert!(out.contains(&format!("ENV LONG={long}\n")));
    assert!(out.contains(&format!("echo {long} && go build -o /bin/app .")));
}

#[test]
fn comment_directly_above_from_is_kept() {
    let text = format!("# keep me: the top comment\n{GO_DOCKERFILE}");
    let (_dir, file) = go_project(text.as_bytes());
    write_in_place(&file);
    let out = assert_valid_rewrite(&file);
    assert!(out.contains("# keep me: the top comment\n"), "{out}");
}

#[test]
fn many_instructions_under_the_size_cap_finish() {
    // ~1.5 MB, 20,000 instructions with continuations: linear work, seconds even in debug.
    let mut text = String::from("FROM golang:1.22\nWORKDIR /src\nCOPY . .\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "ENV K{i}=v{i} \\\n    J{i}=w\nRUN echo {i} \\\n    && true\n"
        ));
    }
    text.push_str("RUN go build -o /bin/app .\nCMD [\"/bin/app\"]\n");
    let (_dir, file) = go_project(text.as_bytes());
    restage()
        .arg("--check")
        .arg(&file)
        .timeout(Duration::from_secs(120))
        .assert()
        .code(predicates::ord::eq(0).or(predicates::ord::eq(1)));
}

// ---------------------------------------------------------------------------------------------
// Text encodings and line endings

#[test]
fn bom_and_crlf_survive_a_rewrite() {
    let (_dir, file) = go_project(&fs::read(fixture("bom-crlf.Dockerfile")).unwrap());
    write_in_place(&file);
    let out = assert_valid_rewrite(&file);
    assert!(out.starts_with('\u{feff}'), "the BOM was dropped");
    assert!(!out[3..].contains('\u{feff}'), "a second BOM");
    assert!(
        out.split_inclusive('\n').all(|line| line.ends_with("\r\n")),
        "a line lost its CRLF:\n{out:?}"
    );
    let source = SourceFile::read(&file).unwrap();
    assert!(source.has_bom());
}

#[test]
fn mixed_line_endings_give_a_valid_rewrite() {
    let original = fs::read_to_string(fixture("mixed-line-endings.Dockerfile")).unwrap();
    let (_dir, file) = go_project(original.as_bytes());
    write_in_place(&file);
    let out = assert_valid_rewrite(&file);
    // The start command and the port survive; no line is left with a stray lone `\r`.
    assert!(out.contains("CMD [\"/bin/app\"]"), "{out}");
    assert!(out.contains("EXPOSE 8080"), "{out}");
    assert!(
        !out.replace("\r\n", "\n").contains('\r'),
        "stray CR:\n{out:?}"
    );
    // The continuation is carried over with its own bytes.
    assert!(
        out.contains("go build \\\r\n    -o /bin/app ."),
        "the continuation changed:\n{out:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Syntax errors

#[test]
fn unterminated_heredoc_is_a_parse_error_at_its_line() {
    assert_input_error(
        &fixture("unterminated-heredoc.Dockerfile"),
        "unterminated-heredoc.Dockerfile:2:1: unterminated heredoc EOF",
    );
}

#[test]
fn invalid_escape_directive_is_a_parse_error() {
    assert_input_error(
        &fixture("invalid-escape.Dockerfile"),
        "invalid-escape.Dockerfile:1:1: invalid escape token 'x'",
    );
}

#[test]
fn parse_errors_are_never_written() {
    for name in [
        "unterminated-heredoc.Dockerfile",
        "invalid-escape.Dockerfile",
        "nul.Dockerfile",
        "invalid-utf8.Dockerfile",
    ] {
        let (dir, file) = go_project(&fs::read(fixture(name)).unwrap());
        let before = snapshot(dir.path());
        restage().arg("--write").arg(&file).assert().code(2);
        assert!(before == snapshot(dir.path()), "{name}: the folder changed");
    }
}

// ---------------------------------------------------------------------------------------------
// Symlinks

#[cfg(unix)]
#[test]
fn symlinked_dockerfile_is_rewritten_through_the_link() {
    let (dir, real) = go_project(GO_DOCKERFILE.as_bytes());
    let real_named = dir.path().join("real.Dockerfile");
    fs::rename(&real, &real_named).unwrap();
    let link = dir.path().join("Dockerfile");
    std::os::unix::fs::symlink("real.Dockerfile", &link).unwrap();
    write_in_place(&link);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(
        fs::read_link(&link).unwrap(),
        PathBuf::from("real.Dockerfile")
    );
    assert_valid_rewrite(&real_named);
    assert_valid_rewrite(&link);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_context_are_never_followed() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("package.json"),
        r#"{"name":"outside-marker","scripts":{"build":"outside-marker-build","start":"node outside-marker.js"}}"#,
    )
    .unwrap();
    fs::create_dir(outside.path().join("secrets")).unwrap();
    fs::write(
        outside.path().join("secrets/id_rsa"),
        "outside-marker key\n",
    )
    .unwrap();

    let ctx_dir = tempfile::tempdir().unwrap();
    let root = ctx_dir.path();
    std::os::unix::fs::symlink(
        outside.path().join("package.json"),
        root.join("package.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path().join("secrets"), root.join("secrets")).unwrap();
    fs::write(root.join("package-lock.json"), r#"{"lockfileVersion":3}"#).unwrap();
    fs::write(root.join("index.js"), "console.log(1)\n").unwrap();
    fs::write(
        root.join("Dockerfile"),
        "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD [\"node\", \"index.js\"]\n",
    )
    .unwrap();

    // The library: the links are seen as entries but never read through.
    let ctx = FsContext::new(root);
    assert_eq!(ctx.read("package.json"), None);
    assert_eq!(ctx.read("secrets/id_rsa"), None);
    assert!(!ctx.exists("secrets/id_rsa"));
    assert!(!ctx.files().iter().any(|f| f.starts_with("secrets/")));
    assert!(ctx.glob("secrets/*").is_empty());

    // The CLI: nothing from outside reaches the output.
    let before = snapshot(outside.path());
    for format in ["json", "text"] {
        let output = restage()
            .args(["--diff", "--format", format])
            .arg(root.join("Dockerfile"))
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(matches!(output.status.code(), Some(0 | 2)), "{all}");
        assert!(
            !all.contains("outside-marker"),
            "read through a link:\n{all}"
        );
        assert!(!all.contains("panicked"), "{all}");
    }
    let output = restage()
        .arg("detect")
        .arg(root.join("Dockerfile"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&output.stdout).contains("outside-marker"));
    assert!(before == snapshot(outside.path()));
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_the_context_finishes() {
    let (dir, file) = go_project(GO_DOCKERFILE.as_bytes());
    std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("self")).unwrap();
    restage().arg("--check").arg(&file).assert().code(1);
}

// ---------------------------------------------------------------------------------------------
// Unreadable files, folders where files belong, read-only targets

#[cfg(target_os = "linux")]
#[test]
fn unreadable_file_is_an_io_error_with_its_path() {
    // Tests run as root, so permission bits do not stop reads; /proc/self/mem fails every read
    // at offset 0 with EIO whoever reads it.
    let output = restage()
        .args(["--check", "/proc/self/mem"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/proc/self/mem: Input/output error"),
        "{stderr}"
    );
    let err = SourceFile::read(Path::new("/proc/self/mem")).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
}

#[test]
fn missing_file_is_an_io_error_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nope/Dockerfile");
    let output = restage().arg("--check").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
}

#[test]
fn directory_where_a_file_belongs() {
    let (dir, file) = go_project(GO_DOCKERFILE.as_bytes());
    // A folder named like a Dockerfile is not read as one.
    let fake = dir.path().join("sub/Dockerfile");
    fs::create_dir_all(&fake).unwrap();
    let err = SourceFile::read(&fake).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Input);
    assert!(err.message.contains("is a directory"), "{}", err.message);
    restage()
        .arg("--check")
        .arg(dir.path().join("sub"))
        .assert()
        .code(0)
        .stderr(predicates::str::contains("no Dockerfiles found"));
    // A file given as the build context.
    restage()
        .arg("--check")
        .arg("--context")
        .arg(&file)
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "the build context is not a folder",
        ));
    // A folder as the target of a write.
    let err = restage::write::write_atomic(&fake, b"FROM x\n").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(fake.is_dir());
}

#[cfg(unix)]
#[test]
fn read_only_file_is_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, file) = go_project(GO_DOCKERFILE.as_bytes());
    fs::set_permissions(&file, fs::Permissions::from_mode(0o444)).unwrap();
    let before = snapshot(dir.path());
    restage()
        .arg("--write")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(file.display().to_string()))
        .stderr(predicates::str::contains("read-only"));
    assert!(before == snapshot(dir.path()), "the folder changed");
}

/// Makes a folder immutable (`chattr +i`, which stops root too) and undoes it on drop.
#[cfg(target_os = "linux")]
struct Immutable(PathBuf);

#[cfg(target_os = "linux")]
impl Immutable {
    fn new(dir: &Path) -> Self {
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .expect("chattr (e2fsprogs) is needed for this test");
        assert!(status.success(), "chattr +i {} failed", dir.display());
        Immutable(dir.to_path_buf())
    }
}

#[cfg(target_os = "linux")]
impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn unwritable_folder_fails_the_write_and_keeps_the_original() {
    // As root, permission bits do not stop writes; an immutable folder does (no temporary file
    // can be created in it, and nothing can be renamed into it).
    let (dir, file) = go_project(GO_DOCKERFILE.as_bytes());
    let before = snapshot(dir.path());
    {
        let _guard = Immutable::new(dir.path());
        let output = restage().arg("--write").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(
            stderr.contains("cannot create a temporary file"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(before == snapshot(dir.path()), "the folder changed");
}

#[test]
fn failed_rename_of_a_real_rewrite_keeps_the_original() {
    let (dir, file) = go_project(GO_DOCKERFILE.as_bytes());
    let ctx = FsContext::new(dir.path());
    let opts = Options::default();
    let outcome = Engine::load(&opts)
        .unwrap()
        .rewrite(GO_DOCKERFILE, &ctx, &opts)
        .unwrap();
    assert_eq!(outcome.status, Status::Rewritten);
    let before = snapshot(dir.path());
    let err = restage::write::write_atomic_with(&file, outcome.dockerfile.as_bytes(), |_, _| {
        Err(std::io::Error::other("injected rename failure"))
    })
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(err.message.contains("injected rename failure"));
    assert!(before == snapshot(dir.path()), "the folder changed");
}

#[test]
fn write_never_writes_output_that_fails_validation() {
    // Templates that drop every original instruction lose EXPOSE and CMD: validation fails.
    // That is restage's fault, not the file's: the file is skipped with the reason (issue 14
    // item 8), never an error, and nothing is written.
    let templates = tempfile::tempdir().unwrap();
    fs::create_dir(templates.path().join("step")).unwrap();
    fs::write(templates.path().join("step/kept.j2"), "").unwrap();
    let (dir, file) = go_project(GO_DOCKERFILE.as_bytes());
    let before = snapshot(dir.path());
    restage()
        .arg("--write")
        .arg("--templates-dir")
        .arg(templates.path())
        .arg(&file)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("skipped"))
        .stderr(predicates::str::contains("invariant"))
        .stderr(predicates::str::contains(file.display().to_string()));
    assert!(before == snapshot(dir.path()), "the folder changed");
}

#[cfg(unix)]
#[test]
fn fifo_named_dockerfile_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("Dockerfile");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    restage()
        .arg("--check")
        .arg(&fifo)
        .timeout(Duration::from_secs(10))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(fifo.display().to_string()))
        .stderr(predicates::str::contains("not a regular file"));
}

#[cfg(unix)]
#[test]
fn fifo_in_a_walked_folder_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("Dockerfile"))
        .status()
        .unwrap();
    assert!(status.success());
    restage()
        .arg("--check")
        .arg(dir.path())
        .timeout(Duration::from_secs(30))
        .assert()
        .code(0);
}

// ---------------------------------------------------------------------------------------------
// Big contexts and bad manifests

/// A Go project whose context also holds 100,000 small files in 100 folders.
fn hundred_thousand_files() -> (TempDir, PathBuf) {
    let (dir, file) = go_project(GO_DOCKERFILE.as_bytes());
    for d in 0..100 {
        let folder = dir.path().join(format!("data/d{d:03}"));
        fs::create_dir_all(&folder).unwrap();
        for f in 0..1000 {
            fs::File::create(folder.join(format!("f{f:04}.txt"))).unwrap();
        }
    }
    (dir, file)
}

#[test]
fn context_with_100000_files_hits_the_cap_and_finishes() {
    let (dir, file) = hundred_thousand_files();

    let ctx = FsContext::new(dir.path());
    let limit = ctx.limits().max_files;
    assert!(limit < 100_000);
    assert_eq!(ctx.files().len(), limit);
    assert!(ctx.truncated());
    let notes = ctx.limit_notes().join("\n");
    assert!(
        notes.contains(&format!("more than {limit} files")),
        "{notes}"
    );

    restage()
        .arg("detect")
        .arg(&file)
        .timeout(Duration::from_secs(120))
        .assert()
        .code(0)
        .stdout(predicates::str::contains("only partly scanned"));
    restage()
        .arg("--check")
        .arg(&file)
        .timeout(Duration::from_secs(120))
        .assert()
        .code(1);
}

#[test]
fn context_cap_is_reported_by_the_rewrite() {
    let (_dir, file) = hundred_thousand_files();
    let output = restage()
        .args(["--check", "--format", "json"])
        .arg(&file)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let warnings = doc["files"][0]["warnings"].to_string();
    assert!(warnings.contains("more than 20000 files"), "{warnings}");
}

/// Run restage on a project and require a correct result: exit 0 or 1 (or a clear exit-2 error
/// naming the file), and, when it rewrote, a valid idempotent output.
fn assert_survives(dir: &Path) {
    let file = dir.join("Dockerfile");
    let before = snapshot(dir);
    let output = restage()
        .args(["--format", "json", "--write"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    match output.status.code() {
        Some(0) => {
            let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            let status = doc["files"][0]["status"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if status == "rewritten" {
                assert_valid_rewrite(&file);
            } else {
                assert!(before == snapshot(dir), "{status} but the folder changed");
            }
        }
        Some(2) => {
            assert!(stderr.contains("Dockerfile"), "{stderr}");
            assert!(before == snapshot(dir), "error but the folder changed");
        }
        code => panic!("exit {code:?}: {stderr}"),
    }
}

const NODE_DOCKERFILE: &str = "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n";

fn project(files: &[(&str, Vec<u8>)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    dir
}

#[test]
fn malformed_package_json() {
    for bad in [
        &b"{\"name\": \"x\", \"scripts\": {\"build\": "[..],
        b"\xff\xfe{}",
        b"null",
        b"[1, 2, 3]",
        b"{\"scripts\": [\"build\"], \"dependencies\": \"all\"}",
        b"\x00\x00\x00",
    ] {
        let dir = project(&[
            ("Dockerfile", NODE_DOCKERFILE.into()),
            ("package.json", bad.to_vec()),
            ("package-lock.json", b"{}".to_vec()),
        ]);
        assert_survives(dir.path());
    }
}

#[test]
fn huge_and_deeply_nested_package_json() {
    let mut deps =
        String::from("{\"name\":\"big\",\"scripts\":{\"build\":\"tsc\"},\"dependencies\":{");
    for i in 0..100_000 {
        deps.push_str(&format!("\"p{i}\":\"1.0.0\","));
    }
    deps.push_str("\"last\":\"1\"}}");
    assert!(deps.len() > 1024 * 1024);
    let nested = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    for manifest in [deps, nested] {
        let dir = project(&[
            ("Dockerfile", NODE_DOCKERFILE.into()),
            ("package.json", manifest.into_bytes()),
            ("package-lock.json", b"{}".to_vec()),
        ]);
        assert_survives(dir.path());
    }
}

#[test]
fn malformed_and_huge_pom_xml() {
    let dockerfile = "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY pom.xml .\nRUN mvn dependency:go-offline\nCOPY src ./src\nRUN mvn package -DskipTests\nCMD [\"java\", \"-jar\", \"target/app.jar\"]\n";
    let mut huge = String::from("<project><artifactId>app</artifactId><dependencies>");
    while huge.len() < 2 * 1024 * 1024 {
        huge.push_str("<dependency><groupId>g</groupId><artifactId>a</artifactId></dependency>");
    }
    huge.push_str("</dependencies></project>");
    let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let entity = "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\"><!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">]><project><artifactId>&f;</artifactId></project>".to_string();
    for pom in [
        "<project><artifactId>app</artifact".to_string(),
        "not xml at all".to_string(),
        huge,
        deep,
        entity,
    ] {
        let dir = project(&[
            ("Dockerfile", dockerfile.into()),
            ("pom.xml", pom.into_bytes()),
            ("src/main/java/App.java", b"class App {}\n".to_vec()),
        ]);
        assert_survives(dir.path());
    }
}

#[test]
fn malformed_and_huge_cargo_toml() {
    let dockerfile = "FROM rust:1.80\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nCMD [\"/src/target/release/app\"]\n";
    let mut huge = String::from("[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\n");
    let mut i = 0;
    while huge.len() < 2 * 1024 * 1024 {
        huge.push_str(&format!("dep{i} = \"1\"\n"));
        i += 1;
    }
    let deep = format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    for manifest in [
        "[package\nname = \"app".to_string(),
        "[package]\nname = 42\n[[bin]]\nname = []\n".to_string(),
        "[workspace]\nmembers = [\"../../../../etc\"]\n".to_string(),
        huge,
        deep,
    ] {
        let dir = project(&[
            ("Dockerfile", dockerfile.into()),
            ("Cargo.toml", manifest.into_bytes()),
            ("src/main.rs", b"fn main() {}\n".to_vec()),
        ]);
        assert_survives(dir.path());
    }
}

#[test]
fn malformed_and_huge_csproj() {
    let dockerfile = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -c Release -o /out\nENTRYPOINT [\"dotnet\", \"/out/App.dll\"]\n";
    let mut huge = String::from("<Project Sdk=\"Microsoft.NET.Sdk.Web\"><ItemGroup>");
    while huge.len() < 2 * 1024 * 1024 {
        huge.push_str("<PackageReference Include=\"P\" Version=\"1.0.0\" />");
    }
    huge.push_str("</ItemGroup></Project>");
    for csproj in [
        "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>net8".to_string(),
        "<Project Sdk=\"\"><PropertyGroup><AssemblyName></AssemblyName><TargetFramework>netfoo</TargetFramework></PropertyGroup></Project>".to_string(),
        "<Project><PropertyGroup><AssemblyName>../../evil</AssemblyName></PropertyGroup></Project>".to_string(),
        huge,
    ] {
        let dir = project(&[
            ("Dockerfile", dockerfile.into()),
            ("App.csproj", csproj.into_bytes()),
            ("Program.cs", b"class P { static void Main() {} }\n".to_vec()),
        ]);
        assert_survives(dir.path());
    }
}

// ---------------------------------------------------------------------------------------------
// The library on hostile strings (no I/O)

#[test]
fn library_rewrite_never_panics_on_odd_text() {
    let opts = Options::default();
    let engine = Engine::load(&opts).unwrap();
    let ctx = MemoryContext::new()
        .with_file("go.mod", "module example.com/app\n\ngo 1.22\n")
        .with_file("main.go", "package main\n");
    for text in [
        "",
        "\u{feff}",
        "\r",
        "\r\r\r\n",
        "\\",
        "\\\n\\\n",
        "# escape=`\nFROM golang:1.22 `\n",
        "FROM",
        "FROM \\",
        "FROM golang:1.22\nRUN <<EOF\n",
        "FROM golang:1.22\nRUN <<\"\nEOF\n",
        "FROM golang:1.22\nONBUILD ONBUILD RUN x\n",
        "FROM golang:1.22\nCMD [\"a\", \n",
        "FROM golang:1.22\nHEALTHCHECK\n",
        "FROM golang:1.22\nCOPY --from= . .\nRUN go build -o /x .\n",
        "FROM golang:1.22\nRUN go build -o \"\" .\nCMD []\n",
        "FROM golang:1.22\nENTRYPOINT []\nCMD [\"\"]\n",
    ] {
        if let Ok(outcome) = engine.rewrite(text, &ctx, &opts)
            && outcome.status == Status::Rewritten
        {
            let df = syntax::parse(&outcome.dockerfile);
            assert!(df.errors.is_empty(), "{text:?} → {:?}", outcome.dockerfile);
        }
        assert_eq!(syntax::parse(text).to_string(), text);
    }
}
