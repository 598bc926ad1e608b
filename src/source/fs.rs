//! [`FsContext`]: a build context folder on disk, looked at lazily and within limits.
//!
//! - [`Context::files`] walks the folder once, on first use, in a fixed order. It applies the
//!   context's `.dockerignore` (what Docker would send), not `.gitignore`. Symlinks are listed
//!   as entries and never followed; FIFOs, sockets and devices are left out. The listing stops
//!   at [`Limits::max_files`] files (or [`Limits::max_entries`] entries looked at), and
//!   [`Context::truncated`] says so.
//! - [`Context::read`] reads one file of at most [`Limits::max_file_size`] bytes. A path that
//!   leads out of the context, through `..` or through a symlink, is refused before anything is
//!   opened; so is anything that is not a regular file.

use super::dockerignore::DockerIgnore;
use super::{Context, normalize};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Caps on what an [`FsContext`] looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most files listed by [`Context::files`] (default 20,000).
    pub max_files: usize,
    /// Most entries (files, folders, links) the walk looks at, including excluded ones
    /// (default 200,000).
    pub max_entries: usize,
    /// Largest file [`Context::read`] returns (default 1 MiB).
    pub max_file_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_files: 20_000,
            max_entries: 200_000,
            max_file_size: 1024 * 1024,
        }
    }
}

/// A build context folder on disk. Nothing is read until asked for.
#[derive(Debug)]
pub struct FsContext {
    root: PathBuf,
    limits: Limits,
    ignore_override: Option<Arc<DockerIgnore>>,
    canonical_root: OnceLock<Option<PathBuf>>,
    listing: OnceLock<Listing>,
    /// Files that [`Context::read`] refused for being over the size cap.
    oversized: Mutex<Vec<String>>,
    read_capped: AtomicBool,
}

#[derive(Debug, Default)]
struct Listing {
    files: Vec<String>,
    /// Why the listing stopped early, if it did.
    truncated: Option<String>,
}

impl FsContext {
    /// The context rooted at `root`, with the default [`Limits`] and the root's `.dockerignore`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            limits: Limits::default(),
            ignore_override: None,
            canonical_root: OnceLock::new(),
            listing: OnceLock::new(),
            oversized: Mutex::new(Vec::new()),
            read_capped: AtomicBool::new(false),
        }
    }

    /// Use other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Use these ignore rules instead of the root's `.dockerignore` (e.g. from a
    /// `Dockerfile.dockerignore` next to the Dockerfile, which BuildKit prefers).
    pub fn with_dockerignore(mut self, ignore: DockerIgnore) -> Self {
        self.ignore_override = Some(Arc::new(ignore));
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn canonical_root(&self) -> Option<&Path> {
        self.canonical_root
            .get_or_init(|| fs::canonicalize(&self.root).ok())
            .as_deref()
    }

    /// The real path of `path` (relative to the root), if it exists and stays inside the root
    /// once every symlink is resolved.
    fn resolve(&self, path: &str) -> Option<PathBuf> {
        let rel = normalize(path)?;
        let root = self.canonical_root()?;
        let real = fs::canonicalize(root.join(&rel)).ok()?;
        real.starts_with(root).then_some(real)
    }

    fn dockerignore(&self) -> Arc<DockerIgnore> {
        if let Some(ignore) = &self.ignore_override {
            return Arc::clone(ignore);
        }
        Arc::new(
            self.read(".dockerignore")
                .map(|text| DockerIgnore::parse(&text))
                .unwrap_or_default(),
        )
    }

    fn walk(&self) -> Listing {
        let Some(root) = self.canonical_root().map(Path::to_path_buf) else {
            return Listing::default();
        };
        let ignore = self.dockerignore();
        let mut listing = Listing::default();
        let mut seen = 0usize;
        // Depth first, each folder's entries in file-name order, so that a truncated listing is
        // the same on every run. Symlinks are listed, never followed.
        let mut pending: Vec<PathBuf> = sorted_entries(&root);
        pending.reverse();
        while let Some(path) = pending.pop() {
            seen += 1;
            if seen > self.limits.max_entries {
                listing.truncated = Some(format!(
                    "the build context has more than {} entries; only part of it was looked at",
                    self.limits.max_entries
                ));
                break;
            }
            // Unreadable entries are skipped: Docker would fail on them, restage just sees less.
            let Ok(file_type) = fs::symlink_metadata(&path).map(|m| m.file_type()) else {
                continue;
            };
            let Some(rel) = relative(&root, &path) else {
                continue;
            };
            if file_type.is_dir() {
                // Skip whole folders that .dockerignore excludes for good.
                if !ignore.can_skip_dir(&rel) {
                    let mut children = sorted_entries(&path);
                    children.reverse();
                    pending.extend(children);
                }
                continue;
            }
            if !(file_type.is_file() || file_type.is_symlink()) {
                continue;
            }
            if ignore.is_excluded(&rel) {
                continue;
            }
            if listing.files.len() == self.limits.max_files {
                listing.truncated = Some(format!(
                    "the build context has more than {} files; only the first {} were looked at",
                    self.limits.max_files, self.limits.max_files
                ));
                break;
            }
            listing.files.push(rel);
        }
        listing.files.sort();
        listing
    }
}

/// The entries of a folder, sorted by file name; an unreadable folder has none.
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut entries: Vec<(std::ffi::OsString, PathBuf)> = read
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name(), e.path()))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().map(|(_, path)| path).collect()
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// `path` relative to `root` as a `/`-separated string; `None` for names that are not UTF-8.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

impl Context for FsContext {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn exists(&self, path: &str) -> bool {
        // The entry itself may be a symlink (even one leading out); its folder must be inside.
        let Some(rel) = normalize(path) else {
            return false;
        };
        let Some(root) = self.canonical_root() else {
            return false;
        };
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel.as_str()));
        if name.is_empty() {
            return true;
        }
        let Some(parent) = self.resolve(parent) else {
            return false;
        };
        debug_assert!(parent.starts_with(root));
        fs::symlink_metadata(parent.join(name)).is_ok()
    }

    fn is_dir(&self, path: &str) -> bool {
        self.resolve(path).is_some_and(|real| real.is_dir())
    }

    fn read(&self, path: &str) -> Option<String> {
        let real = self.resolve(path)?;
        let meta = fs::metadata(&real).ok()?;
        if !meta.is_file() {
            return None;
        }
        let max = self.limits.max_file_size;
        let over_cap = || {
            self.read_capped.store(true, Ordering::Relaxed);
            if let (Ok(mut list), Some(rel)) = (self.oversized.lock(), normalize(path))
                && !list.contains(&rel)
            {
                list.push(rel);
            }
            None
        };
        if meta.len() > max {
            return over_cap();
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        fs::File::open(&real)
            .ok()?
            .take(max + 1)
            .read_to_end(&mut bytes)
            .ok()?;
        if bytes.len() as u64 > max {
            return over_cap();
        }
        String::from_utf8(bytes).ok()
    }

    fn files(&self) -> &[String] {
        &self.listing.get_or_init(|| self.walk()).files
    }

    fn truncated(&self) -> bool {
        self.listing.get().is_some_and(|l| l.truncated.is_some())
            || self.read_capped.load(Ordering::Relaxed)
    }

    fn limit_notes(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .listing
            .get()
            .and_then(|l| l.truncated.clone())
            .into_iter()
            .collect();
        if let Ok(list) = self.oversized.lock() {
            let max = human_size(self.limits.max_file_size);
            notes.extend(
                list.iter()
                    .map(|path| format!("{path} is larger than {max} and was not read")),
            );
        }
        notes
    }
}
