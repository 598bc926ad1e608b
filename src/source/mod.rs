//! Reading: the Dockerfile itself ([`SourceFile`]), and the build context ([`Context`]).
//!
//! Everything here reads with size limits and never follows a symlink out of the context.

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
}
