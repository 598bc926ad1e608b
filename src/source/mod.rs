//! Reading: the Dockerfile itself ([`SourceFile`]), and the build context ([`Context`]).
//!
//! Everything here reads with size limits and never follows a symlink out of the context.
//!
//! - [`SourceFile`]: the Dockerfile, checked to be UTF-8 text (not empty, not binary, not too
//!   large), kept byte for byte.
//! - [`FsContext`]: a context folder on disk, walked lazily with caps, honouring
//!   `.dockerignore`.
//! - [`MemoryContext`]: a context given as paths and contents.
//! - [`DockerIgnore`]: Docker's `.dockerignore` rules; [`glob_match`]: Go's `filepath.Match`,
//!   as `COPY` sources use it.

mod dockerignore;
mod file;
mod fs;
mod glob;
mod memory;

pub use dockerignore::DockerIgnore;
pub use file::{DEFAULT_MAX_FILE_SIZE, LineEnding, SourceFile};
pub use fs::{FsContext, Limits};
pub use glob::glob_match;
pub use memory::MemoryContext;
use std::borrow::Cow;

/// What restage can see of a build context. Paths are relative to the context root and use `/`.
///
/// Implementations: `FsContext` (a folder on disk, read lazily with caps) and `MemoryContext`
/// (a map of paths to contents, for library users and tests).
pub trait Context: Send + Sync {
    /// A human name for messages: the folder path, or `<memory>`.
    fn describe(&self) -> String;
    /// Whether a file or folder exists at `path`.
    fn exists(&self, path: &str) -> bool;
    /// Whether `path` is a folder.
    fn is_dir(&self, path: &str) -> bool;
    /// The text of a file: `None` when it is missing, a folder, not UTF-8, over the size cap, or
    /// a symlink that leads out of the context.
    fn read(&self, path: &str) -> Option<String>;
    /// Every file in the context (relative, sorted), up to the file-count cap.
    fn files(&self) -> &[String];
    /// Whether a cap (file count or bytes) was hit while looking at the context.
    fn truncated(&self) -> bool {
        false
    }
    /// One sentence per cap that was hit (which cap, and on what), for warnings.
    fn limit_notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// The files a `COPY` source `pattern` names: those it matches (Go `filepath.Match`: `*`
    /// stays within one folder), and every file inside a folder it matches. `.`, `/` and `./`
    /// name the whole context. Sorted, from [`Context::files`].
    fn glob(&self, pattern: &str) -> Vec<String> {
        let pattern = dockerignore::clean(pattern.trim_start_matches('/'));
        if pattern == "." {
            return self.files().to_vec();
        }
        let Ok(compiled) = glob::Pattern::compile(&pattern, false) else {
            return Vec::new();
        };
        self.files()
            .iter()
            .filter(|file| {
                compiled.matches(file)
                    || file
                        .match_indices('/')
                        .any(|(slash, _)| compiled.matches(&file[..slash]))
            })
            .cloned()
            .collect()
    }
}

/// A context path made relative and clean: `./a//b/` is `a/b`, a leading `/` is the context
/// root, and the root itself is `""`. `None` when `..` would leave the context. A path that is
/// already clean (most lookups: the profiles' and the listing's own paths) is borrowed, not
/// split and joined again into a new `String`.
pub(crate) fn normalize(path: &str) -> Option<Cow<'_, str>> {
    if is_clean(path) {
        return Some(Cow::Borrowed(path));
    }
    split_and_join(path).map(Cow::Owned)
}

/// [`normalize`] the long way: every part looked at, the kept ones joined into a new `String`.
fn split_and_join(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Whether [`normalize`] would give `path` back unchanged: no empty, `.` or `..` part (so no
/// leading, trailing or doubled `/` either); `""` is clean.
fn is_clean(path: &str) -> bool {
    path.is_empty() || path.split('/').all(|part| !matches!(part, "" | "." | ".."))
}

#[cfg(test)]
mod tests {
    use super::{normalize, split_and_join};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Borrowing clean paths gives what splitting and joining every path gave.
        #[test]
        fn normalize_is_the_split_and_join(path in "[a./]{0,10}|([a-z.]{0,3}/){0,4}[a-z.]{0,3}") {
            let ours = normalize(&path).map(|p| p.into_owned());
            prop_assert_eq!(ours, split_and_join(&path));
        }
    }

    #[test]
    fn clean_paths_are_borrowed() {
        use std::borrow::Cow;
        assert!(matches!(
            normalize("a/b.txt"),
            Some(Cow::Borrowed("a/b.txt"))
        ));
        assert!(matches!(normalize(""), Some(Cow::Borrowed(""))));
        assert!(matches!(normalize("a/"), Some(Cow::Owned(_))));
        assert!(matches!(normalize("..a/b"), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn normalize_paths() {
        assert_eq!(normalize("./a//b/").as_deref(), Some("a/b"));
        assert_eq!(normalize("/a/../b").as_deref(), Some("b"));
        assert_eq!(normalize(".").as_deref(), Some(""));
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("a/../../x"), None);
    }
}
