//! Atomic in-place writes: the only code that writes a user's file.
//!
//! [`write_atomic`] writes the new contents to a temporary file in the target's own folder,
//! flushes it to disk, gives it the original file's permissions (and owner, where allowed), and
//! renames it over the target, which is atomic on POSIX file systems: a reader sees the old file
//! or the new one, never a mix. A symlink is written through: the file it points to is replaced
//! and the link stays a link. On any failure the original is untouched and the temporary file
//! is removed. A file without any write permission bit is refused rather than replaced, even
//! though the folder would allow the rename.
//!
//! A rename replaces the file's inode, so hard links to the original keep the old contents.

use crate::{Error, ErrorKind};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Replace the contents of `path` with `contents`, atomically. Creates the file (mode 0666 less
/// the umask, like any new file) when it does not exist.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Error> {
    write_atomic_with(path, contents, |from, to| fs::rename(from, to))
}

/// [`write_atomic`] with the final rename step supplied by the caller, so tests can make it
/// fail. `rename(temp, target)` must move the temporary file over the target.
#[doc(hidden)]
pub fn write_atomic_with(
    path: &Path,
    contents: &[u8],
    rename: impl FnOnce(&Path, &Path) -> io::Result<()>,
) -> Result<(), Error> {
    let target = resolve_target(path)?;
    let original = match fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => {
            return Err(Error::new(ErrorKind::Io, "is a directory, not a file").with_path(path));
        }
        Ok(meta) if meta.permissions().readonly() => {
            return Err(Error::new(
                ErrorKind::Io,
                "the file is read-only (no write permission); left unchanged",
            )
            .with_path(path));
        }
        Ok(meta) => Some(meta),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => return Err(io_error(path, "cannot read the file's metadata", &err)),
    };
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };

    let mut builder = tempfile::Builder::new();
    builder.prefix(".restage-").suffix(".tmp");
    #[cfg(unix)]
    if original.is_none() {
        use std::os::unix::fs::PermissionsExt;
        // Created with 0666 and the umask applied, as any new file would be.
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(&dir)
        .map_err(|err| io_error(path, "cannot create a temporary file beside it", &err))?;

    temp.write_all(contents)
        .map_err(|err| io_error(path, "cannot write the temporary file", &err))?;
    if let Some(meta) = &original {
        fs::set_permissions(temp.path(), meta.permissions())
            .map_err(|err| io_error(path, "cannot copy the file's permissions", &err))?;
        keep_owner(temp.as_file(), meta);
    }
    temp.as_file()
        .sync_all()
        .map_err(|err| io_error(path, "cannot flush the temporary file to disk", &err))?;

    // From here the temporary file is only a path; dropping it removes the file.
    let temp_path = temp.into_temp_path();
    rename(&temp_path, &target).map_err(|err| io_error(path, "cannot replace the file", &err))?;
    // The rename moved the file away: nothing is left to delete.
    let _ = temp_path.keep();

    // Make the rename itself durable. Some file systems refuse to sync a folder; the new file
    // is in place by now either way.
    if let Ok(dir_handle) = fs::File::open(&dir) {
        let _ = dir_handle.sync_all();
    }
    Ok(())
}

/// The file to replace: `path` itself, or for a symlink, the file it finally points to.
fn resolve_target(path: &Path) -> Result<PathBuf, Error> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).map_err(|err| io_error(path, "cannot resolve the symlink", &err))
        }
        _ => Ok(path.to_path_buf()),
    }
}

/// Give the new file the original's owner and group when they differ (possible only as root;
/// otherwise the new file stays owned by whoever runs restage).
#[cfg(unix)]
fn keep_owner(file: &fs::File, original: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let Ok(current) = file.metadata() else {
        return;
    };
    if current.uid() != original.uid() || current.gid() != original.gid() {
        let _ = std::os::unix::fs::fchown(file, Some(original.uid()), Some(original.gid()));
    }
}

#[cfg(not(unix))]
fn keep_owner(_file: &fs::File, _original: &fs::Metadata) {}

fn io_error(path: &Path, what: &str, err: &io::Error) -> Error {
    let mut error = Error::io(path, err);
    error.message = format!("{what}: {err}");
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_contents() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Dockerfile");
        fs::write(&file, "old\n").unwrap();
        write_atomic(&file, b"new\n").unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"new\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_rename_keeps_the_original_and_removes_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Dockerfile");
        fs::write(&file, "old\n").unwrap();
        let err = write_atomic_with(&file, b"new\n", |_, _| {
            Err(io::Error::other("injected failure"))
        })
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Io);
        assert_eq!(err.path.as_deref(), Some(file.as_path()));
        assert_eq!(fs::read(&file).unwrap(), b"old\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
