//! The library calls the CLI makes for one file: build context, diffs, writes.
//! Kept in one place so the CLI's flow reads without the plumbing.

use crate::Error;
use crate::source::Context;
use std::io::{self, Write};
use std::path::Path;

/// The build context rooted at `dir`.
pub fn context(dir: &Path) -> Result<Box<dyn Context>, Error> {
    Ok(Box::new(DirContext::new(dir)?))
}

/// The unified diff turning `old` into `new` for the file shown as `name`.
pub fn diff(old: &str, new: &str, name: &str) -> String {
    crate::report::unified_diff(name, old, new)
}

/// The diff creating the file shown as `name`.
pub fn new_file_diff(content: &str, name: &str) -> String {
    crate::report::new_file_diff(name, content)
}

/// Write a diff with colours (stripped by the caller's stream when not wanted).
pub fn write_colored_diff(diff: &str, out: &mut dyn Write) -> io::Result<()> {
    crate::report::write_colored(out, diff)
}

/// Replace or create a file atomically.
pub fn write(path: &Path, contents: &str) -> Result<(), Error> {
    crate::write::write_atomic(path, contents.as_bytes())
}

/// TODO(source): replaced by `source::FsContext` once it lands.
struct DirContext {
    dir: std::path::PathBuf,
    files: Vec<String>,
}

impl DirContext {
    fn new(dir: &Path) -> Result<Self, Error> {
        if !dir.is_dir() {
            return Err(
                Error::new(crate::ErrorKind::Io, "build context is not a folder").with_path(dir),
            );
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            files: Vec::new(),
        })
    }
}

impl Context for DirContext {
    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
    fn exists(&self, path: &str) -> bool {
        self.dir.join(path).exists()
    }
    fn is_dir(&self, path: &str) -> bool {
        self.dir.join(path).is_dir()
    }
    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(path)).ok()
    }
    fn files(&self) -> &[String] {
        &self.files
    }
}
