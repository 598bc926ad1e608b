//! [`MemoryContext`]: a build context held in memory, for library users and tests.

use super::dockerignore::DockerIgnore;
use super::{Context, normalize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// A build context given as paths and contents. Folders are implied by the file paths. A
/// `.dockerignore` file among them applies to [`Context::files`], as it would on disk.
///
/// ```
/// use restage::source::{Context, MemoryContext};
/// let ctx = MemoryContext::new()
///     .with_file("go.mod", "module example.com/app\n")
///     .with_file("cmd/app/main.go", "package main\n");
/// assert!(ctx.is_dir("cmd/app"));
/// assert_eq!(ctx.files(), ["cmd/app/main.go", "go.mod"]);
/// ```
#[derive(Debug, Default)]
pub struct MemoryContext {
    files: BTreeMap<String, String>,
    dirs: BTreeSet<String>,
    listing: OnceLock<Vec<String>>,
}

impl MemoryContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add (or replace) a file; `path` is relative to the context root and uses `/`. A path
    /// that leaves the root (`../x`) is ignored.
    pub fn with_file(mut self, path: &str, content: impl Into<String>) -> Self {
        self.add_file(path, content);
        self
    }

    /// [`MemoryContext::with_file`] in place.
    pub fn add_file(&mut self, path: &str, content: impl Into<String>) {
        let Some(path) = normalize(path).filter(|p| !p.is_empty()) else {
            return;
        };
        let mut dir = &*path;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            self.dirs.insert(parent.to_string());
            dir = parent;
        }
        self.files.insert(path.into_owned(), content.into());
        self.listing = OnceLock::new();
    }
}

impl Context for MemoryContext {
    fn describe(&self) -> String {
        "<memory>".to_string()
    }

    fn exists(&self, path: &str) -> bool {
        match normalize(path) {
            Some(p) if p.is_empty() => true,
            Some(p) => self.files.contains_key(&*p) || self.dirs.contains(&*p),
            None => false,
        }
    }

    fn is_dir(&self, path: &str) -> bool {
        match normalize(path) {
            Some(p) => p.is_empty() || self.dirs.contains(&*p),
            None => false,
        }
    }

    fn read(&self, path: &str) -> Option<String> {
        self.files.get(&*normalize(path)?).cloned()
    }

    fn files(&self) -> &[String] {
        self.listing.get_or_init(|| {
            let ignore = self
                .files
                .get(".dockerignore")
                .map(|text| DockerIgnore::parse(text))
                .unwrap_or_default();
            self.files
                .keys()
                .filter(|path| !ignore.is_excluded(path))
                .cloned()
                .collect()
        })
    }
}
