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
    context_from(FsContext::new(dir), dockerfile)
}

/// [`context`] for a context already made (and perhaps already listed) for its folder.
pub fn context_from(ctx: FsContext, dockerfile: Option<&Path>) -> Result<FsContext, Error> {
    let dir = ctx.root().to_path_buf();
    let dir = dir.as_path();
    // A folder that lists is a folder: `is_dir` is asked only when the listing fails.
    if !ctx.root_is_listed() && !dir.is_dir() {
        return Err(Error::new(ErrorKind::Io, "the build context is not a folder").with_path(dir));
    }
    let Some(dockerfile) = dockerfile else {
        return Ok(ctx);
    };
    let mut own_ignore = dockerfile.as_os_str().to_owned();
    own_ignore.push(".dockerignore");
    // Beside a Dockerfile at the context's root, the listing says whether there is one to open.
    let own_ignore_name = dockerfile
        .file_name()
        .filter(|_| dockerfile.parent() == Some(dir))
        .and_then(|name| name.to_str())
        .map(|name| format!("{name}.dockerignore"));
    if let Some(name) = own_ignore_name
        && ctx.root_has(&name) == Some(false)
    {
        return Ok(ctx);
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Context;

    #[test]
    fn a_dockerfiles_own_dockerignore_replaces_the_contexts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["Dockerfile", "api.Dockerfile", "a.txt", "b.txt"] {
            std::fs::write(root.join(name), "x\n").unwrap();
        }
        std::fs::write(root.join(".dockerignore"), "a.txt\n").unwrap();
        std::fs::write(root.join("api.Dockerfile.dockerignore"), "b.txt\n").unwrap();
        let files = |dockerfile: &str| {
            let ctx = context(root, Some(&root.join(dockerfile))).unwrap();
            ctx.files().to_vec()
        };
        assert!(!files("Dockerfile").contains(&"a.txt".to_string()));
        assert!(files("Dockerfile").contains(&"b.txt".to_string()));
        assert!(files("api.Dockerfile").contains(&"a.txt".to_string()));
        assert!(!files("api.Dockerfile").contains(&"b.txt".to_string()));
        // A Dockerfile outside the context still brings its own ignore file.
        let elsewhere = tempfile::tempdir().unwrap();
        let outside = elsewhere.path().join("Dockerfile");
        std::fs::write(&outside, "x\n").unwrap();
        std::fs::write(elsewhere.path().join("Dockerfile.dockerignore"), "b.txt\n").unwrap();
        let ctx = context(root, Some(&outside)).unwrap();
        assert!(!ctx.files().contains(&"b.txt".to_string()));
    }

    #[test]
    fn a_context_that_is_not_a_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Dockerfile");
        std::fs::write(&file, "x\n").unwrap();
        assert!(context(&file, None).is_err());
        assert!(context(&dir.path().join("missing"), None).is_err());
        assert!(context(dir.path(), None).is_ok());
    }
}
