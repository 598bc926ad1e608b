//! `write`: atomic replacement that keeps the mode, writes through symlinks, and leaves the
//! original byte-identical (and no temp file behind) on every failure.

use restage::ErrorKind;
use restage::write::{write_atomic, write_atomic_with};
use std::fs;
use std::io;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}

#[test]
fn replaces_the_file_and_leaves_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    fs::write(&file, "FROM a\n").unwrap();
    write_atomic(&file, b"FROM b\r\nRUN x").unwrap();
    assert_eq!(fs::read(&file).unwrap(), b"FROM b\r\nRUN x");
    assert_eq!(entries(dir.path()), ["Dockerfile"]);
}

#[test]
fn keeps_the_original_mode() {
    let dir = tempfile::tempdir().unwrap();
    for original in [0o751, 0o600, 0o644, 0o200] {
        let file = dir.path().join(format!("Dockerfile.{original:o}"));
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(original)).unwrap();
        write_atomic(&file, b"new").unwrap();
        assert_eq!(mode(&file), original, "{}", file.display());
        assert_eq!(fs::read(&file).unwrap(), b"new");
    }
}

#[test]
fn a_read_only_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    fs::write(&file, "old").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o444)).unwrap();
    let err = write_atomic(&file, b"new").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert_eq!(err.path.as_deref(), Some(file.as_path()));
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(fs::read(&file).unwrap(), b"old");
    assert_eq!(mode(&file), 0o444);
    assert_eq!(entries(dir.path()), ["Dockerfile"]);
}

#[test]
fn a_new_file_gets_the_usual_mode() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".dockerignore");
    write_atomic(&file, b".git\n").unwrap();
    assert_eq!(fs::read(&file).unwrap(), b".git\n");
    assert_eq!(mode(&file), 0o666 & !umask());
}

#[test]
fn writes_through_a_symlink_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("real");
    fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("Dockerfile");
    fs::write(&real, "old").unwrap();
    fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
    // A relative link, then a link to that link.
    let link = dir.path().join("Dockerfile");
    symlink("real/Dockerfile", &link).unwrap();
    let link2 = dir.path().join("Dockerfile.again");
    symlink(&link, &link2).unwrap();

    write_atomic(&link2, b"new").unwrap();

    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::symlink_metadata(&link2)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("real/Dockerfile"));
    assert_eq!(fs::read(&real).unwrap(), b"new");
    assert_eq!(mode(&real), 0o640);
    // The temp file was made beside the real file, and is gone.
    assert_eq!(entries(&real_dir), ["Dockerfile"]);
    assert_eq!(
        entries(dir.path()),
        ["Dockerfile", "Dockerfile.again", "real"]
    );
}

#[test]
fn failing_rename_leaves_the_original_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    let original: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    fs::write(&file, &original).unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();

    let mut seen_temp = None;
    let err = write_atomic_with(&file, b"replacement", |temp, target| {
        // The temp file is complete and in the same folder when the rename is attempted.
        assert_eq!(temp.parent(), target.parent());
        assert_eq!(fs::read(temp).unwrap(), b"replacement");
        assert_eq!(mode(temp), 0o600);
        seen_temp = Some(temp.to_path_buf());
        Err(io::Error::new(io::ErrorKind::PermissionDenied, "injected"))
    })
    .unwrap_err();

    assert_eq!(err.kind, ErrorKind::Io);
    assert_eq!(err.path.as_deref(), Some(file.as_path()));
    assert!(err.to_string().starts_with(&file.display().to_string()));
    assert!(err.to_string().contains("injected"), "{err}");
    assert_eq!(fs::read(&file).unwrap(), original);
    assert_eq!(mode(&file), 0o600);
    assert!(!seen_temp.unwrap().exists(), "temp file removed");
    assert_eq!(entries(dir.path()), ["Dockerfile"]);
}

#[test]
fn failing_rename_of_a_new_file_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".dockerignore");
    let err = write_atomic_with(&file, b"x", |_, _| Err(io::Error::other("injected"))).unwrap_err();
    assert_eq!(err.path.as_deref(), Some(file.as_path()));
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn unwritable_folder_is_an_io_error_with_the_path() {
    // The "folder" is a regular file, so no temp file can be created in it (even as root).
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("plain");
    fs::write(&not_a_dir, "x").unwrap();
    let file = not_a_dir.join("Dockerfile");
    let err = write_atomic(&file, b"new").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert_eq!(err.path.as_deref(), Some(file.as_path()));
    assert!(err.to_string().contains("plain/Dockerfile: "), "{err}");
    assert_eq!(fs::read(&not_a_dir).unwrap(), b"x");
    // A missing folder too.
    let missing = dir.path().join("nope/Dockerfile");
    let err = write_atomic(&missing, b"new").unwrap_err();
    assert_eq!(err.path.as_deref(), Some(missing.as_path()));
}

#[test]
fn a_directory_target_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("Dockerfile");
    fs::create_dir(&target).unwrap();
    let err = write_atomic(&target, b"x").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(err.to_string().contains("directory"), "{err}");
    assert!(target.is_dir());
    assert_eq!(entries(dir.path()), ["Dockerfile"]);
}

#[test]
fn a_dangling_symlink_is_an_error_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("Dockerfile");
    symlink(dir.path().join("missing"), &link).unwrap();
    let err = write_atomic(&link, b"x").unwrap_err();
    assert_eq!(err.path.as_deref(), Some(link.as_path()));
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(entries(dir.path()), ["Dockerfile"]);
}
