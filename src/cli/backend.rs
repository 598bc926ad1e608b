//! The library calls the CLI makes for one file: build context, diffs, writes.
//! Kept in one place so the CLI's flow reads without the plumbing.

use crate::source::{DockerIgnore, FsContext};
use crate::{Error, ErrorKind};
use std::io::{self, Write};
use std::path::Path;

/// The build context rooted at `dir`, for the Dockerfile at `dockerfile` (if on disk).
///
/// Like BuildKit, a `<Dockerfile>.dockerignore` beside the Dockerfile replaces the context's
/// `.dockerignore`.
pub fn context(dir: &Path, dockerfile: Option<&Path>) -> Result<FsContext, Error> {
    if !dir.is_dir() {
        return Err(Error::new(ErrorKind::Io, "the build context is not a folder").with_path(dir));
    }
    let ctx = FsContext::new(dir);
    let Some(dockerfile) = dockerfile else {
        return Ok(ctx);
    };
    let mut own_ignore = dockerfile.as_os_str().to_owned();
    own_ignore.push(".dockerignore");
    match std::fs::read_to_string(&own_ignore) {
        Ok(text) => Ok(ctx.with_dockerignore(DockerIgnore::parse(&text))),
        Err(_) => Ok(ctx),
    }
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
