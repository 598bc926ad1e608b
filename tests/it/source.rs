//! `source`: reading a Dockerfile (hostile input gets a clear Input error), the build context on
//! disk (caps, .dockerignore, symlinks that lead out) and in memory, and COPY globs.

use restage::ErrorKind;
use restage::source::{
    Context, DockerIgnore, FsContext, Limits, LineEnding, MemoryContext, SourceFile, glob_match,
};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

// ---- SourceFile ----

fn input_error(bytes: &[u8]) -> restage::Error {
    let err = SourceFile::from_bytes("Dockerfile", bytes).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Input, "{err}");
    err
}

#[test]
fn text_is_kept_exactly_with_bom_and_crlf() {
    let raw = "\u{feff}FROM alpine\r\nRUN echo hi\r\n";
    let file = SourceFile::from_bytes("Dockerfile", raw).unwrap();
    assert_eq!(file.text(), raw);
    assert!(file.has_bom());
    assert_eq!(file.line_ending(), LineEnding::Crlf);
    assert_eq!(file.name(), "Dockerfile");
    let plain = SourceFile::from_bytes("x", "FROM a").unwrap();
    assert!(!plain.has_bom());
    assert_eq!(plain.line_ending(), LineEnding::Lf);
}

#[test]
fn empty_input_is_refused() {
    assert_eq!(input_error(b"").to_string(), "Dockerfile: empty file");
    assert_eq!(input_error(b"\xef\xbb\xbf").message, "empty file");
}

#[test]
fn nul_bytes_and_binary_content_are_refused_with_a_position() {
    let err = input_error(b"FROM a\nRUN x\0y\n");
    assert_eq!(err.message, "binary file (NUL byte)");
    assert_eq!(err.position, Some((2, 6)));
    assert_eq!(err.to_string(), "Dockerfile:2:6: binary file (NUL byte)");
    // An ELF-like header.
    assert!(
        input_error(b"\x7fELF\x02\x01\x01\0\0\0")
            .message
            .starts_with("binary file")
    );
    // Control characters without a NUL.
    let noise: Vec<u8> = (0..400u32)
        .map(|i| [1u8, 2, 3, b'a'][i as usize % 4])
        .collect();
    let err = input_error(&noise);
    assert_eq!(err.message, "binary file (control characters)");
    assert_eq!(err.position, Some((1, 1)));
    // UTF-16 gets its own message.
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("FROM a".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    assert!(input_error(&utf16).message.contains("UTF-16"));
}

#[test]
fn invalid_utf8_points_at_the_first_bad_byte() {
    let err = input_error(
        "FROM a\nLABEL x=\"é\" y=\""
            .as_bytes()
            .iter()
            .copied()
            .chain([0xe9, b'"', b'\n'])
            .collect::<Vec<_>>()
            .as_slice(),
    );
    assert!(
        err.message.starts_with("invalid UTF-8 (byte 0xe9)"),
        "{err}"
    );
    // Line 2, after `LABEL x="é" y="` (15 chars).
    assert_eq!(err.position, Some((2, 16)));
}

#[test]
fn size_cap_applies_to_bytes_and_files() {
    let err = SourceFile::from_bytes_with_limit("big", vec![b'#'; 101], 100).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Input);
    assert!(
        err.message.starts_with("file too large (101 bytes"),
        "{err}"
    );
    assert!(SourceFile::from_bytes_with_limit("ok", vec![b'#'; 100], 100).is_ok());
    // A stream is read only up to the cap (an endless one included).
    let endless = std::io::repeat(b'#');
    let err = SourceFile::from_reader("-", endless, 1000).unwrap_err();
    assert_eq!(err.message, "file too large (over the limit of 1000 bytes)");
    assert_eq!(err.path.as_deref(), Some(Path::new("-")));
    let ok = SourceFile::from_reader("-", &b"FROM a\n"[..], 1000).unwrap();
    assert_eq!(ok.text(), "FROM a\n");

    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("Dockerfile");
    // Sparse: 11 MiB without writing 11 MiB.
    let f = fs::File::create(&big).unwrap();
    f.set_len(11 * 1024 * 1024).unwrap();
    let err = SourceFile::read(&big).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Input);
    assert!(err.message.contains("file too large"), "{err}");
    assert!(err.message.contains("10 MiB"), "{err}");
    assert_eq!(err.path.as_deref(), Some(big.as_path()));
}

#[test]
fn reading_files_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", "FROM a\r\n");
    let file = SourceFile::read(&dir.path().join("Dockerfile")).unwrap();
    assert_eq!(file.text(), "FROM a\r\n");
    assert_eq!(file.path(), Some(dir.path().join("Dockerfile").as_path()));

    // Through a symlink.
    symlink(dir.path().join("Dockerfile"), dir.path().join("link")).unwrap();
    assert_eq!(
        SourceFile::read(&dir.path().join("link")).unwrap().text(),
        "FROM a\r\n"
    );

    // A directory.
    let err = SourceFile::read(dir.path()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Input);
    assert!(err.message.contains("directory"), "{err}");

    // Missing: an I/O error with the path.
    let missing = dir.path().join("nope");
    let err = SourceFile::read(&missing).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert_eq!(err.path.as_deref(), Some(missing.as_path()));

    // Empty and binary files on disk carry their path too.
    write(dir.path(), "empty", "");
    let err = SourceFile::read(&dir.path().join("empty")).unwrap_err();
    assert_eq!(err.message, "empty file");
    assert_eq!(
        err.path.as_deref(),
        Some(dir.path().join("empty").as_path())
    );
}

// ---- FsContext ----

#[test]
fn fs_context_lists_sorted_files_with_dockerignore_not_gitignore() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "go.mod", "module x\n");
    write(root, "cmd/app/main.go", "package main\n");
    write(root, "vendor/dep/x.go", "package dep\n");
    write(root, "vendor/keep.txt", "keep\n");
    write(root, "notes.md", "x\n");
    write(root, "README.md", "x\n");
    write(root, ".gitignore", "go.mod\ncmd/\n");
    write(
        root,
        ".dockerignore",
        "# deps\nvendor\n!vendor/keep.txt\n*.md\n!README.md\n",
    );
    let ctx = FsContext::new(root);
    assert_eq!(
        ctx.files(),
        [
            ".dockerignore",
            ".gitignore",
            "README.md",
            "cmd/app/main.go",
            "go.mod",
            "vendor/keep.txt"
        ]
    );
    assert!(!ctx.truncated());
    assert!(
        ctx.exists("vendor/dep/x.go"),
        "excluded files still exist on disk"
    );
    assert!(ctx.is_dir("cmd/app"));
    assert!(ctx.is_dir("."));
    assert!(!ctx.is_dir("go.mod"));
    assert_eq!(
        ctx.read("./cmd//app/main.go").as_deref(),
        Some("package main\n")
    );
    assert_eq!(ctx.read("/go.mod").as_deref(), Some("module x\n"));
    assert_eq!(ctx.read("cmd"), None);
    assert_eq!(ctx.read("missing"), None);
    assert_eq!(ctx.read("../x"), None);
    assert_eq!(ctx.describe(), root.display().to_string());
}

#[test]
fn symlinks_out_of_the_context_are_never_read() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.txt", "top secret\n");
    write(outside.path(), "dir/inner.txt", "inner\n");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "real.txt", "real\n");
    symlink(outside.path().join("secret.txt"), root.join("package.json")).unwrap();
    symlink(outside.path().join("dir"), root.join("linked_dir")).unwrap();
    symlink(
        "../../../../../../../../etc/passwd",
        root.join("relative_escape"),
    )
    .unwrap();
    symlink("real.txt", root.join("inside_link")).unwrap();
    let ctx = FsContext::new(root);

    assert_eq!(ctx.read("package.json"), None);
    assert_eq!(ctx.read("linked_dir/inner.txt"), None);
    assert_eq!(ctx.read("relative_escape"), None);
    assert!(!ctx.is_dir("linked_dir"));
    assert!(!ctx.exists("linked_dir/inner.txt"));
    // A link inside the context is read.
    assert_eq!(ctx.read("inside_link").as_deref(), Some("real\n"));
    // Links are listed as entries but never walked into.
    assert_eq!(
        ctx.files(),
        [
            "inside_link",
            "linked_dir",
            "package.json",
            "real.txt",
            "relative_escape"
        ]
    );
    assert!(ctx.exists("package.json"));
    // A glob over the linked folder finds the link, not the files behind it.
    assert_eq!(ctx.glob("linked_dir"), ["linked_dir"]);
    assert_eq!(ctx.glob("linked_dir/*"), Vec::<String>::new());
}

#[test]
fn many_files_hit_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    for d in 0..10 {
        for f in 0..30 {
            write(dir.path(), &format!("d{d}/f{f:02}.txt"), "x");
        }
    }
    let limits = Limits {
        max_files: 250,
        ..Limits::default()
    };
    let ctx = FsContext::new(dir.path()).with_limits(limits);
    assert_eq!(ctx.files().len(), 250);
    assert!(ctx.truncated());
    let mut sorted = ctx.files().to_vec();
    sorted.sort();
    assert_eq!(ctx.files(), sorted.as_slice());
    assert!(
        ctx.limit_notes()[0].contains("more than 250 files"),
        "{:?}",
        ctx.limit_notes()
    );
    // Deterministic: the same 250 each time.
    let again = FsContext::new(dir.path()).with_limits(limits);
    assert_eq!(again.files(), ctx.files());
    // Exactly at the cap is not truncated.
    let exact = FsContext::new(dir.path()).with_limits(Limits {
        max_files: 300,
        ..limits
    });
    assert_eq!(exact.files().len(), 300);
    assert!(!exact.truncated());
    // The entry cap stops the walk too.
    let entries = FsContext::new(dir.path()).with_limits(Limits {
        max_entries: 40,
        ..Limits::default()
    });
    assert!(entries.files().len() < 40);
    assert!(entries.truncated());
}

#[test]
fn a_context_with_many_files_under_the_default_cap_is_listed_whole() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..2_000 {
        write(dir.path(), &format!("n/{:03}/{i}.js", i % 100), "");
    }
    write(dir.path(), ".dockerignore", "n/00*\n");
    let ctx = FsContext::new(dir.path());
    // 1 .dockerignore + 2,000 files minus the 10 folders n/000..n/009 (20 files each).
    assert_eq!(ctx.files().len(), 1 + 2_000 - 200);
    assert!(!ctx.truncated());
}

#[test]
fn reads_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "small.json", "{}");
    write(dir.path(), "big.json", vec![b'x'; 2000]);
    write(dir.path(), "latin1.txt", b"caf\xe9");
    let ctx = FsContext::new(dir.path()).with_limits(Limits {
        max_file_size: 1000,
        ..Limits::default()
    });
    assert_eq!(ctx.read("small.json").as_deref(), Some("{}"));
    assert!(!ctx.truncated());
    assert_eq!(ctx.read("big.json"), None);
    assert!(ctx.truncated());
    assert_eq!(
        ctx.limit_notes(),
        ["big.json is larger than 1000 bytes and was not read"]
    );
    assert_eq!(ctx.read("latin1.txt"), None, "not UTF-8");
}

#[test]
fn fifo_is_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    write(dir.path(), "a.txt", "a");
    let ctx = FsContext::new(dir.path());
    // Would block forever if it were opened.
    assert_eq!(ctx.read("pipe"), None);
    assert_eq!(ctx.files(), ["a.txt"]);
}

#[test]
fn dockerignore_override_and_missing_root() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "a");
    write(dir.path(), "b.txt", "b");
    write(dir.path(), ".dockerignore", "a.txt\n");
    let ctx = FsContext::new(dir.path()).with_dockerignore(DockerIgnore::parse("b.txt\n"));
    assert_eq!(ctx.files(), [".dockerignore", "a.txt"]);

    let gone = FsContext::new(dir.path().join("missing"));
    assert!(gone.files().is_empty());
    assert_eq!(gone.read("a.txt"), None);
    assert!(!gone.exists(""));
}

#[test]
fn fs_context_reads_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "package.json", "{\"name\":\"first\"}");
    let ctx = FsContext::new(dir.path());
    assert_eq!(
        ctx.read("package.json").as_deref(),
        Some("{\"name\":\"first\"}")
    );
    // A second read, spelt differently, is served from what the first one read: changing or
    // removing the file on disk does not show.
    write(dir.path(), "package.json", "{\"name\":\"second\"}");
    assert_eq!(
        ctx.read("./package.json").as_deref(),
        Some("{\"name\":\"first\"}")
    );
    fs::remove_file(dir.path().join("package.json")).unwrap();
    assert!(ctx.read("package.json").is_some());
    // A miss is remembered too, and a fresh context sees the disk as it is now.
    assert_eq!(ctx.read("missing.txt"), None);
    write(dir.path(), "missing.txt", "here");
    assert_eq!(ctx.read("missing.txt"), None);
    assert_eq!(
        FsContext::new(dir.path()).read("missing.txt").as_deref(),
        Some("here")
    );
}

#[test]
fn fs_context_oversized_file_noted_once_when_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.txt", "0123456789");
    let ctx = FsContext::new(dir.path()).with_limits(Limits {
        max_file_size: 4,
        ..Limits::default()
    });
    assert_eq!(ctx.read("big.txt"), None);
    assert_eq!(ctx.read("./big.txt"), None);
    assert!(ctx.truncated());
    assert_eq!(ctx.limit_notes().len(), 1, "{:?}", ctx.limit_notes());
}

// ---- MemoryContext ----

#[test]
fn memory_context() {
    let ctx = MemoryContext::new()
        .with_file("package.json", "{\"name\":\"x\"}")
        .with_file("./src/index.js", "console.log(1)")
        .with_file("src/lib/util.js", "")
        .with_file("../outside", "ignored")
        .with_file("node_modules/a/index.js", "")
        .with_file(".dockerignore", "node_modules\n");
    assert_eq!(ctx.describe(), "<memory>");
    assert_eq!(
        ctx.files(),
        [
            ".dockerignore",
            "package.json",
            "src/index.js",
            "src/lib/util.js"
        ]
    );
    assert!(ctx.is_dir("src"));
    assert!(ctx.is_dir("src/lib/"));
    assert!(ctx.is_dir(""));
    assert!(!ctx.is_dir("package.json"));
    assert!(ctx.exists("src/lib"));
    assert!(ctx.exists("node_modules/a/index.js"));
    assert!(!ctx.exists("src/li"));
    assert_eq!(ctx.read("/src/index.js").as_deref(), Some("console.log(1)"));
    assert_eq!(ctx.read("src"), None);
    assert_eq!(ctx.read("../outside"), None);
    assert!(!ctx.truncated());
    // Usable as a trait object.
    let dynamic: &dyn Context = &ctx;
    assert_eq!(dynamic.glob("*.json"), ["package.json"]);
}

// ---- globs ----

#[test]
fn copy_globs() {
    let ctx = MemoryContext::new()
        .with_file("package.json", "")
        .with_file("package-lock.json", "")
        .with_file("packages/a/package.json", "")
        .with_file("src/main.rs", "")
        .with_file("src/bin/tool.rs", "")
        .with_file("Cargo.toml", "");
    assert_eq!(
        ctx.glob("package*.json"),
        ["package-lock.json", "package.json"]
    );
    assert_eq!(ctx.glob("*/a/package.json"), ["packages/a/package.json"]);
    assert_eq!(ctx.glob("src/"), ["src/bin/tool.rs", "src/main.rs"]);
    assert_eq!(ctx.glob("./src/*.rs"), ["src/main.rs"]);
    assert_eq!(ctx.glob("sr?"), ["src/bin/tool.rs", "src/main.rs"]);
    assert_eq!(ctx.glob(".").len(), 6);
    assert_eq!(ctx.glob("/").len(), 6);
    assert_eq!(ctx.glob("[C]argo.toml"), ["Cargo.toml"]);
    assert!(ctx.glob("nothing*").is_empty());
    assert!(ctx.glob("[").is_empty());
}

#[test]
fn glob_match_is_go_filepath_match() {
    let cases = [
        ("abc", "abc", true),
        ("*", "abc", true),
        ("*c", "abc", true),
        ("a*", "a", true),
        ("a*", "ab/c", false),
        ("a*/b", "abc/b", true),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
        ("ab[c]", "abc", true),
        ("ab[b-d]", "abc", true),
        ("ab[^c]", "abc", false),
        ("ab[^e-g]", "abc", true),
        ("a\\*b", "a*b", true),
        ("a\\*b", "ab", false),
        ("a?b", "a☺b", true),
        ("a[^a]b", "a☺b", true),
        ("a???b", "a☺b", false),
        ("*x", "xxx", true),
    ];
    for (pattern, path, expected) in cases {
        assert_eq!(glob_match(pattern, path), expected, "{pattern} vs {path}");
    }
}

#[test]
fn dockerignore_rules() {
    let ignore = DockerIgnore::parse(
        "\u{feff}# comment\n  # not a comment\n\n/abs\n**/*.log\n!keep.log\ndocs/**\n!docs/README.md\ntemp?\n[\n! spaced \n",
    );
    assert!(ignore.is_excluded("abs"));
    assert!(ignore.is_excluded("abs/x"));
    assert!(ignore.is_excluded("a.log"));
    assert!(ignore.is_excluded("x/y/z.log"));
    assert!(!ignore.is_excluded("keep.log"));
    assert!(ignore.is_excluded("sub/keep.log"));
    assert!(
        !ignore.is_excluded("docs"),
        "docs/** does not match docs itself"
    );
    assert!(ignore.is_excluded("docs/a/b.txt"));
    assert!(!ignore.is_excluded("docs/README.md"));
    assert!(ignore.is_excluded("temp1"));
    assert!(!ignore.is_excluded("temp12"));
    assert!(ignore.is_excluded("  # not a comment".trim()));
    assert_eq!(ignore.invalid(), [(10, "[".to_string())]);
    assert!(ignore.patterns().contains(&"!spaced".to_string()));
    // The last matching line wins.
    let flip = DockerIgnore::parse("*.txt\n!a.txt\na*\n");
    assert!(flip.is_excluded("a.txt"));
    assert!(!flip.is_excluded("b.md"));
    assert!(DockerIgnore::parse("").is_empty());
}

#[test]
fn the_default_cap_is_twenty_thousand_files() {
    assert_eq!(Limits::default().max_files, 20_000);
    assert_eq!(Limits::default().max_file_size, 1024 * 1024);
    let dir = tempfile::tempdir().unwrap();
    for d in 0..41 {
        let sub = dir.path().join(format!("d{d:02}"));
        fs::create_dir(&sub).unwrap();
        for f in 0..500 {
            fs::File::create(sub.join(format!("{f:03}"))).unwrap();
        }
    }
    let ctx = FsContext::new(dir.path());
    assert_eq!(ctx.files().len(), 20_000);
    assert!(ctx.truncated());
    // The walk is in name order, so the first 40 folders are in and the last is out.
    assert_eq!(ctx.files().first().map(String::as_str), Some("d00/000"));
    assert_eq!(ctx.files().last().map(String::as_str), Some("d39/499"));
}
