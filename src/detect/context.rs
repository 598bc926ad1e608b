//! Build-context inference: which folder a Dockerfile is meant to be built from.
//!
//! The Dockerfile's own folder is the default. When some of its COPY/ADD sources (not `--from`,
//! not URLs, not whole-folder `.`) do not exist there but all of them (or more of them) exist
//! relative to an ancestor folder, that ancestor is chosen. The walk goes up to `repo_root`, or
//! else to the first folder holding `.git`, or else to the filesystem root.

use super::observe::copy_sources;
use crate::profile::pattern::{glob, is_glob};
use crate::syntax::Dockerfile;
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The chosen build context and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ContextChoice {
    /// The chosen context folder.
    pub dir: PathBuf,
    /// One line saying which folder and why.
    pub evidence: Vec<String>,
}

/// Infer the build context for a Dockerfile on disk (see the module docs). `--context` should
/// bypass this entirely.
pub fn infer_context(
    dockerfile_path: &Path,
    df: &Dockerfile,
    repo_root: Option<&Path>,
) -> ContextChoice {
    let start = match dockerfile_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let sources: Vec<String> = df
        .instructions
        .iter()
        .flat_map(copy_sources)
        .map(|s| {
            s.trim_start_matches("./")
                .trim_start_matches('/')
                .trim_end_matches('/')
                .to_string()
        })
        .filter(|s| !s.is_empty() && s != "." && !s.contains('$'))
        .collect();
    if sources.is_empty() {
        return ContextChoice {
            dir: start,
            evidence: vec![
                "context: the Dockerfile's folder (no COPY/ADD source names a path)".into(),
            ],
        };
    }
    let mut listings = Listings::default();
    let mut count = |dir: &Path| {
        sources
            .iter()
            .filter(|s| exists(dir, s, &mut listings))
            .count()
    };
    let here = count(&start);
    if here == sources.len() {
        return ContextChoice {
            dir: start,
            evidence: vec![format!(
                "context: the Dockerfile's folder (all {here} COPY/ADD sources exist there)"
            )],
        };
    }
    let repo_root = repo_root.and_then(|r| std::path::absolute(r).ok());
    let mut best: Option<(usize, PathBuf)> = None;
    let mut candidate = start.clone();
    for _ in 0..64 {
        let Ok(abs) = std::path::absolute(&candidate) else {
            break;
        };
        let at_boundary = match &repo_root {
            Some(root) => {
                normalise(&abs) == normalise(root) || !normalise(&abs).starts_with(normalise(root))
            }
            None => abs.join(".git").exists(),
        };
        if candidate != start {
            let n = count(&candidate);
            if n == sources.len() {
                return ContextChoice {
                    dir: tidy(&candidate),
                    evidence: vec![format!(
                        "context: {} from the Dockerfile's folder (only {here} of its {} COPY/ADD sources exist next to it; all exist from this ancestor)",
                        hops(&candidate, &start),
                        sources.len()
                    )],
                };
            }
            if n > here && best.as_ref().is_none_or(|(b, _)| n > *b) {
                best = Some((n, candidate.clone()));
            }
        }
        if at_boundary || normalise(&abs).parent().is_none() {
            break;
        }
        candidate = candidate.join("..");
    }
    match best {
        Some((n, dir)) => ContextChoice {
            evidence: vec![format!(
                "context: {} from the Dockerfile's folder ({n} of {} COPY/ADD sources exist from this ancestor, {here} next to the Dockerfile)",
                hops(&dir, &start),
                sources.len()
            )],
            dir: tidy(&dir),
        },
        None => ContextChoice {
            dir: start,
            evidence: vec![format!(
                "context: the Dockerfile's folder ({here} of {} COPY/ADD sources exist there; no ancestor does better)",
                sources.len()
            )],
        },
    }
}

/// How far up `ancestor` is from `start`, as `..`, `../..`, ...
fn hops(ancestor: &Path, start: &Path) -> String {
    let n = ancestor
        .strip_prefix(start)
        .map_or(0, |rest| rest.components().count());
    vec![".."; n.max(1)].join("/")
}

/// `a/b/../..` → `.`; `a/b/..` → `a`; leaves leading `..` alone.
fn tidy(p: &Path) -> PathBuf {
    let mut out: Vec<std::path::Component> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => match out.last() {
                Some(std::path::Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

fn normalise(p: &Path) -> PathBuf {
    tidy(p)
}

/// The names in each folder probed so far (one `read_dir` per folder), each with whether it is
/// a symlink; `None` for a folder that could not be listed.
#[derive(Default)]
struct Listings(HashMap<PathBuf, Option<HashMap<OsString, bool>>>);

impl Listings {
    /// Whether `name` is in `dir`: `Some(false)` when it is not, `Some(true)` when it is there
    /// and is no symlink, `None` when only the file system can say (a symlink, or a folder that
    /// could not be listed).
    fn has(&mut self, dir: &Path, name: &str) -> Option<bool> {
        let listing = self.0.entry(dir.to_path_buf()).or_insert_with(|| {
            let entries = std::fs::read_dir(dir).ok()?;
            Some(
                entries
                    .flatten()
                    .map(|e| {
                        let symlink = e.file_type().map_or(true, |t| t.is_symlink());
                        (e.file_name(), symlink)
                    })
                    .collect(),
            )
        });
        match listing.as_ref()?.get(OsStr::new(name)) {
            None => Some(false),
            Some(true) => None,
            Some(false) => Some(true),
        }
    }
}

/// Whether a COPY source exists under `dir`; globs are matched one path component at a time.
/// A plain source is first looked up in `dir`'s listing: most sources of a file whose context
/// is elsewhere are not there, and then no system call is made for them.
fn exists(dir: &Path, source: &str, listings: &mut Listings) -> bool {
    if !is_glob(source) {
        let (first, rest) = source.split_once('/').unwrap_or((source, ""));
        if first.is_empty() || first == "." || first == ".." {
            return dir.join(source).exists();
        }
        return match listings.has(dir, first) {
            Some(false) => false,
            Some(true) if rest.is_empty() => true,
            _ => dir.join(source).exists(),
        };
    }
    let mut current = vec![dir.to_path_buf()];
    for part in source.split('/') {
        let mut next = Vec::new();
        for base in &current {
            if is_glob(part) {
                let Ok(entries) = std::fs::read_dir(base) else {
                    continue;
                };
                for e in entries.flatten() {
                    if glob(part, &e.file_name().to_string_lossy()) {
                        next.push(e.path());
                    }
                }
            } else {
                let p = base.join(part);
                if p.exists() {
                    next.push(p);
                }
            }
        }
        if next.is_empty() {
            return false;
        }
        current = next;
    }
    true
}
