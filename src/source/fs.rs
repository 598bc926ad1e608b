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
//! - Paths are looked up in folder listings, each folder read once (`read_dir`, whose entries
//!   carry their type) and reused by every probe, the walk and every read: a probe for a file
//!   that does not exist costs no system call once its folder is listed, and no path is
//!   canonicalised unless it goes through a symlink (then it is resolved in full, as before,
//!   and must stay inside the context).

use super::dockerignore::DockerIgnore;
use super::{Context, normalize};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
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
    /// Each folder listed so far, by its path relative to the root (`""` for the root).
    folders: Mutex<HashMap<String, Arc<Folder>>>,
    /// What [`Context::read`] returned for each normalised path asked for so far: detection and
    /// planning read the same manifests and sources, and each is opened once per context.
    reads: Mutex<HashMap<String, Option<String>>>,
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

/// What a folder entry is, from its listing (symlinks are not followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// One folder's entries, from one `read_dir`, sorted by name; `None` when the folder could not
/// be listed (then lookups in it go to the file system).
#[derive(Debug)]
struct Folder {
    entries: Option<Vec<(OsString, Kind)>>,
}

impl Folder {
    fn read(dir: &Path) -> Self {
        let Ok(read) = fs::read_dir(dir) else {
            return Self { entries: None };
        };
        let mut entries: Vec<(OsString, Kind)> = read
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                // The type comes with the entry on Linux (d_type); unreadable ones are skipped.
                let file_type = e.file_type().ok()?;
                let kind = if file_type.is_symlink() {
                    Kind::Symlink
                } else if file_type.is_dir() {
                    Kind::Dir
                } else if file_type.is_file() {
                    Kind::File
                } else {
                    Kind::Other
                };
                Some((e.file_name(), kind))
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Self {
            entries: Some(entries),
        }
    }

    /// The kind of the entry `name`: `Some(None)` when the folder has no such entry, `None`
    /// when the folder could not be listed.
    fn kind(&self, name: &str) -> Option<Option<Kind>> {
        let entries = self.entries.as_ref()?;
        let name = OsStr::new(name);
        Some(
            entries
                .binary_search_by(|(n, _)| n.as_os_str().cmp(name))
                .ok()
                .map(|at| entries[at].1),
        )
    }
}

/// Where a relative path leads, from the folder listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    /// Nothing is there.
    Missing,
    /// An entry of this kind, reached through folders only.
    Entry(Kind),
    /// The path goes through a symlink or a folder that could not be listed: only the file
    /// system can say where it leads.
    Unknown,
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
            folders: Mutex::new(HashMap::new()),
            reads: Mutex::new(HashMap::new()),
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

    /// Whether the root could be listed (then it is a folder); listed once and reused. For the
    /// CLI's build-context checks (the only caller, hence the feature gate).
    #[cfg(feature = "cli")]
    pub(crate) fn root_is_listed(&self) -> bool {
        self.folder("").entries.is_some()
    }

    /// Whether the root folder has an entry called `name` (of any kind, symlinks not followed),
    /// from its listing; `None` when the root cannot be listed. For the CLI, like
    /// [`FsContext::root_is_listed`].
    #[cfg(feature = "cli")]
    pub(crate) fn root_has(&self, name: &str) -> Option<bool> {
        self.folder("").kind(name).map(|kind| kind.is_some())
    }

    /// Whether `path` (relative to the root) exists as `Path::exists` would say (symlinks
    /// followed), from the folder listings: `None` when the way there goes through a symlink
    /// or a folder that could not be listed, and only the file system can say. For the CLI,
    /// which asks before proposing a new file, like [`FsContext::root_is_listed`].
    #[cfg(feature = "cli")]
    pub(crate) fn listed_exists(&self, path: &str) -> Option<bool> {
        match self.find(&normalize(path)?) {
            Found::Missing => Some(false),
            Found::Entry(Kind::Symlink) | Found::Unknown => None,
            Found::Entry(_) => Some(true),
        }
    }

    /// Whether `path` (relative to the root) is a regular file as `Path::is_file` would say
    /// (symlinks followed), from the folder listings; `None` when only the file system can
    /// say, as for [`FsContext::listed_exists`].
    #[cfg(feature = "cli")]
    pub(crate) fn listed_is_file(&self, path: &str) -> Option<bool> {
        match self.find(&normalize(path)?) {
            Found::Missing => Some(false),
            Found::Entry(Kind::Symlink) | Found::Unknown => None,
            Found::Entry(kind) => Some(kind == Kind::File),
        }
    }

    fn canonical_root(&self) -> Option<&Path> {
        self.canonical_root
            .get_or_init(|| fs::canonicalize(&self.root).ok())
            .as_deref()
    }

    /// Read the file at the normalised path `rel` from disk, within the size cap.
    fn read_uncached(&self, rel: &str) -> Option<String> {
        let (real, kind) = self.resolve_normalized(rel)?;
        if kind != Kind::File {
            return None;
        }
        let max = self.limits.max_file_size;
        let over_cap = || {
            self.read_capped.store(true, Ordering::Relaxed);
            if let Ok(mut list) = self.oversized.lock()
                && !list.iter().any(|listed| listed == rel)
            {
                list.push(rel.to_string());
            }
            None
        };
        let file = fs::File::open(&real).ok()?;
        let len = file.metadata().ok()?.len();
        if len > max {
            return over_cap();
        }
        let mut bytes = Vec::with_capacity(len as usize);
        file.take(max + 1).read_to_end(&mut bytes).ok()?;
        if bytes.len() as u64 > max {
            return over_cap();
        }
        String::from_utf8(bytes).ok()
    }

    /// The listing of the folder `rel` (relative to the root), read on first use.
    fn folder(&self, rel: &str) -> Arc<Folder> {
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(folder) = folders.get(rel) {
            return Arc::clone(folder);
        }
        let folder = Arc::new(Folder::read(&self.root.join(rel)));
        folders.insert(rel.to_string(), Arc::clone(&folder));
        folder
    }

    /// Where the normalised relative path `rel` leads, from the folder listings.
    fn find(&self, rel: &str) -> Found {
        if rel.is_empty() {
            return match self.folder("").entries {
                Some(_) => Found::Entry(Kind::Dir),
                None => Found::Unknown,
            };
        }
        let mut end = 0;
        loop {
            let start = if end == 0 { 0 } else { end + 1 };
            let next = rel[start..].find('/').map(|at| start + at);
            let (parent, name) = (&rel[..end], &rel[start..next.unwrap_or(rel.len())]);
            let kind = match self.folder(parent).kind(name) {
                None => return Found::Unknown,
                Some(None) => return Found::Missing,
                Some(Some(kind)) => kind,
            };
            match (next, kind) {
                (None, kind) => return Found::Entry(kind),
                (Some(at), Kind::Dir) => end = at,
                (Some(_), Kind::Symlink) => return Found::Unknown,
                (Some(_), Kind::File | Kind::Other) => return Found::Missing,
            }
        }
    }

    /// The path of `path` (relative to the root) and what it is, if it exists and stays inside
    /// the root once every symlink is resolved. Found through the folder listings; a path
    /// through a symlink is canonicalised and checked against the canonical root.
    fn resolve(&self, path: &str) -> Option<(PathBuf, Kind)> {
        self.resolve_normalized(&normalize(path)?)
    }

    /// [`Self::resolve`] for a path already normalised.
    fn resolve_normalized(&self, rel: &str) -> Option<(PathBuf, Kind)> {
        match self.find(rel) {
            Found::Missing => None,
            Found::Entry(kind) if kind != Kind::Symlink => Some((self.root.join(rel), kind)),
            Found::Entry(_) | Found::Unknown => {
                let root = self.canonical_root()?;
                let real = fs::canonicalize(root.join(rel)).ok()?;
                if !real.starts_with(root) {
                    return None;
                }
                let meta = fs::metadata(&real).ok()?;
                let kind = if meta.is_dir() {
                    Kind::Dir
                } else if meta.is_file() {
                    Kind::File
                } else {
                    Kind::Other
                };
                Some((real, kind))
            }
        }
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
        if self.folder("").entries.is_none() {
            return Listing::default();
        }
        let ignore = self.dockerignore();
        let mut listing = Listing::default();
        let mut seen = 0usize;
        // Depth first, each folder's entries in file-name order, so that a truncated listing is
        // the same on every run. Symlinks are listed, never followed.
        let mut pending: Vec<(Option<String>, Kind)> = self.children("");
        pending.reverse();
        while let Some((rel, kind)) = pending.pop() {
            seen += 1;
            if seen > self.limits.max_entries {
                listing.truncated = Some(format!(
                    "the build context has more than {} entries; only part of it was looked at",
                    self.limits.max_entries
                ));
                break;
            }
            // Names that are not UTF-8 cannot be named in a Dockerfile; they are skipped.
            let Some(rel) = rel else {
                continue;
            };
            if kind == Kind::Dir {
                // Skip whole folders that .dockerignore excludes for good.
                if !ignore.can_skip_dir(&rel) {
                    let mut children = self.children(&rel);
                    children.reverse();
                    pending.extend(children);
                }
                continue;
            }
            if !(kind == Kind::File || kind == Kind::Symlink) {
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

    /// The entries of the folder `rel`, in name order, as relative paths (`None` for a name
    /// that is not UTF-8) with their kinds; an unreadable folder has none.
    fn children(&self, rel: &str) -> Vec<(Option<String>, Kind)> {
        let folder = self.folder(rel);
        let Some(entries) = &folder.entries else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|(name, kind)| {
                let path = name.to_str().map(|name| {
                    if rel.is_empty() {
                        name.to_string()
                    } else {
                        format!("{rel}/{name}")
                    }
                });
                (path, *kind)
            })
            .collect()
    }
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
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
        let (parent, name) = rel.rsplit_once('/').unwrap_or(("", &*rel));
        if name.is_empty() {
            return self.find("") != Found::Missing && self.canonical_root().is_some();
        }
        match self.find(&rel) {
            Found::Missing => false,
            Found::Entry(_) => true,
            Found::Unknown => {
                let Some((parent, Kind::Dir)) = self.resolve(parent) else {
                    return false;
                };
                fs::symlink_metadata(parent.join(name)).is_ok()
            }
        }
    }

    fn is_dir(&self, path: &str) -> bool {
        self.resolve(path)
            .is_some_and(|(_, kind)| kind == Kind::Dir)
    }

    fn read(&self, path: &str) -> Option<String> {
        let rel = normalize(path)?;
        if let Some(text) = self.reads.lock().ok()?.get(&*rel) {
            return text.clone();
        }
        let text = self.read_uncached(&rel);
        if let Ok(mut reads) = self.reads.lock() {
            reads.insert(rel.into_owned(), text.clone());
        }
        text
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
