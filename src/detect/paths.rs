//! Rule paths matched against what the Dockerfile copies and what the context holds: the
//! COPY/ADD [`Source`]s, a rule's [`PathPattern`], and the [`FileSet`] of context files.

use super::prefilter::{GLOB_MAX, Keys};
use super::probe::ContextFile;
use crate::profile::pattern::{Glob, GlobShape, is_glob};
use std::cell::OnceCell;

/// A COPY/ADD source (no `--from`), normalised: no leading `./` or `/`; with what matching
/// needs read off once.
pub(super) struct Source {
    pub(super) path: String,
    /// Where the last component starts (`path.rsplit('/')`).
    pub(super) name_at: usize,
    /// The last non-empty component (`path.trim_end_matches('/').rsplit('/')`) as a range.
    pub(super) base: (usize, usize),
    /// The path holds `*` or `?` (a pattern for [`glob`](crate::profile::pattern::glob)).
    pub(super) wild: bool,
    /// The base holds `*` or `?`.
    pub(super) base_wild: bool,
    /// The base's glob shape when it is wild (it is matched against every literal file rule).
    pub(super) base_shape: Option<GlobShape>,
    /// [`is_glob`]: also `[`.
    pub(super) is_glob: bool,
}

impl Source {
    pub(super) fn new(path: String) -> Self {
        let name_at = path.rfind('/').map_or(0, |i| i + 1);
        let trimmed = path.trim_end_matches('/');
        let base = (trimmed.rfind('/').map_or(0, |i| i + 1), trimmed.len());
        let wild = path.contains(['*', '?']);
        let base_wild = path[base.0..base.1].contains(['*', '?']);
        let base_shape = base_wild.then(|| Glob::new(&path[base.0..base.1]).shape());
        let is_glob = is_glob(&path);
        Self {
            path,
            name_at,
            base,
            wild,
            base_wild,
            base_shape,
            is_glob,
        }
    }

    pub(super) fn name(&self) -> &str {
        &self.path[self.name_at..]
    }

    /// Whether this source (a context path glob or a literal path) names the rule path (a
    /// glob): it matches the rule, or, for a literal rule, the source's last component as a
    /// glob matches the rule (`COPY package*.json` names `package.json`).
    pub(super) fn names(&self, rule: &PathPattern<'_>) -> bool {
        if rule.matches(&self.path, self.name()) {
            return true;
        }
        if rule.is_glob {
            return false;
        }
        let base = &self.path[self.base.0..self.base.1];
        if let Some(shape) = self.base_shape {
            Glob::with_shape(base, shape).matches(rule.text)
        } else {
            base == rule.text && base.len() <= GLOB_MAX
        }
    }
}

/// A rule's path glob read once (see [`path_matches`](crate::profile::pattern::path_matches)).
pub(super) struct PathPattern<'p> {
    pub(super) text: &'p str,
    pub(super) glob: Glob<'p>,
    /// Holds `/`: matched against the whole path, else against the file name.
    pub(super) slash: bool,
    /// [`is_glob`]: `*`, `?` or `[`.
    pub(super) is_glob: bool,
}

/// What [`PathPattern::new`] reads off a pattern, kept where the pattern is matched again
/// (indexes built once per registry; see [`PathPattern::with_parts`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PathParts {
    shape: GlobShape,
    slash: bool,
    is_glob: bool,
}

impl<'p> PathPattern<'p> {
    pub(super) fn new(text: &'p str) -> Self {
        let glob = Glob::new(text);
        Self {
            text,
            glob,
            slash: text.contains('/'),
            is_glob: !glob.is_literal() || text.contains('['),
        }
    }

    pub(super) fn parts(&self) -> PathParts {
        PathParts {
            shape: self.glob.shape(),
            slash: self.slash,
            is_glob: self.is_glob,
        }
    }

    /// [`PathPattern::new`] without reading the pattern again: `parts` are the
    /// [`PathPattern::parts`] of this same pattern.
    pub(super) fn with_parts(text: &'p str, parts: PathParts) -> Self {
        Self {
            text,
            glob: Glob::with_shape(text, parts.shape),
            slash: parts.slash,
            is_glob: parts.is_glob,
        }
    }

    /// No `*` or `?`.
    pub(super) fn literal(&self) -> bool {
        self.glob.is_literal()
    }

    /// [`path_matches`](crate::profile::pattern::path_matches) given the path and its last component.
    pub(super) fn matches(&self, path: &str, name: &str) -> bool {
        self.glob.matches(if self.slash { path } else { name })
    }
}

/// The context files, with an index by file name for literal rules once there are many.
pub(super) struct FileSet<'f, 'c> {
    pub(super) files: &'f [ContextFile<'c>],
    /// The COPY/ADD sources.
    pub(super) sources: SourceSet<'f>,
    /// Keys of the file names and paths.
    pub(super) keys: Keys,
    /// The last bytes of the file names and paths (a pattern ending in a literal byte only
    /// matches texts ending in it).
    pub(super) ends: [u64; 4],
    /// File indices sorted by name (built on first use in a big context).
    pub(super) by_name: OnceCell<Vec<u32>>,
}

impl<'f, 'c> FileSet<'f, 'c> {
    /// Below this many files a scan is cheaper than an index.
    const INDEX_ABOVE: usize = 48;

    pub(super) fn new(files: &'f [ContextFile<'c>], sources: &'f [Source]) -> Self {
        let mut keys = Keys::default();
        let mut ends = [0u64; 4];
        for f in files {
            keys.insert(f.name);
            if f.path.len() != f.name.len() {
                keys.insert(f.path);
            }
            for b in [f.name, f.path].iter().filter_map(|t| t.bytes().last()) {
                ends[usize::from(b >> 6)] |= 1 << (b & 63);
            }
        }
        Self {
            files,
            sources: SourceSet::new(sources),
            keys,
            ends,
            by_name: OnceCell::new(),
        }
    }

    /// Call `f` with each file the rule path matches (in no particular order).
    pub(super) fn for_each_match(
        &self,
        rule: &PathPattern<'_>,
        mut f: impl FnMut(&'f ContextFile<'c>),
    ) {
        // A pattern ending in a literal byte matches no file when no name or path ends in it
        // (not `/`: the one in a trailing `**/` may match nothing).
        if let Some(&b) = rule.text.as_bytes().last()
            && !matches!(b, b'*' | b'?' | b'/')
            && self.ends[usize::from(b >> 6)] >> (b & 63) & 1 == 0
        {
            return;
        }
        if rule.literal() && !rule.slash && self.files.len() > Self::INDEX_ABOVE {
            if rule.text.len() > GLOB_MAX {
                return;
            }
            let index = self.by_name.get_or_init(|| {
                let mut index: Vec<u32> = (0..self.files.len() as u32).collect();
                index
                    .sort_by(|&a, &b| self.files[a as usize].name.cmp(self.files[b as usize].name));
                index
            });
            let start = index.partition_point(|&i| self.files[i as usize].name < rule.text);
            for &i in &index[start..] {
                let file = &self.files[i as usize];
                if file.name != rule.text {
                    break;
                }
                f(file);
            }
            return;
        }
        for file in self.files {
            if rule.matches(file.path, file.name) {
                f(file);
            }
        }
    }
}

/// The COPY/ADD sources with the keys of their paths, names and bases.
pub(super) struct SourceSet<'s> {
    pub(super) list: &'s [Source],
    pub(super) keys: Keys,
    /// Some source's base has wildcards: it may name a literal rule of any key.
    pub(super) wild_base: bool,
}

impl<'s> SourceSet<'s> {
    pub(super) fn new(list: &'s [Source]) -> Self {
        let mut keys = Keys::default();
        for s in list {
            keys.insert(&s.path);
            keys.insert(s.name());
            keys.insert(&s.path[s.base.0..s.base.1]);
        }
        Self {
            list,
            keys,
            wild_base: list.iter().any(|s| s.base_wild),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::prefilter::has_wildcard;
    use crate::profile::pattern::{glob, is_glob};

    /// The first version of `source_names`, as a reference.
    fn reference_source_names(source: &str, rule_path: &str) -> bool {
        let base = source
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(source);
        if crate::profile::pattern::path_matches(rule_path, source) {
            return true;
        }
        !is_glob(rule_path) && glob(base, rule_path)
    }

    #[test]
    fn sources_name_rules_as_before() {
        let sources = [
            "package.json",
            "package*.json",
            "app/package.json",
            "app/",
            "src/*.csproj",
            "*.csproj",
            "requirements*.txt",
            "[ab].txt",
            "a?c",
            "",
        ];
        let rules = [
            "package.json",
            "package-lock.json",
            "*.csproj",
            "Api.csproj",
            "requirements.txt",
            "app/package.json",
            "**/*.go",
            "[ab].txt",
            "a.txt",
            "abc",
            "app",
        ];
        for source in sources {
            let s = Source::new(source.to_string());
            let mut keys = Keys::default();
            keys.insert(&s.path);
            keys.insert(s.name());
            keys.insert(&s.path[s.base.0..s.base.1]);
            for rule in rules {
                let want = reference_source_names(source, rule);
                assert_eq!(
                    s.names(&PathPattern::new(rule)),
                    want,
                    "{source:?} names {rule:?}"
                );
                // A literal rule that names the source has its key.
                if want && !has_wildcard(rule) && !s.base_wild {
                    assert!(keys.may_hold(rule), "{source:?} {rule:?}");
                }
            }
        }
    }

    #[test]
    fn the_name_index_finds_what_a_scan_finds() {
        let paths: Vec<String> = (0..120)
            .map(|i| match i % 4 {
                0 => format!("pkg{i}/package.json"),
                1 => format!("src/file{i}.py"),
                2 => format!("go.mod{i}"),
                _ => "go.mod".to_string(),
            })
            .collect();
        let files: Vec<ContextFile<'_>> = paths
            .iter()
            .map(|p| ContextFile {
                path: p,
                name: p.rsplit('/').next().unwrap(),
                status: crate::detect::CopyStatus::Present,
                depth: p.matches('/').count(),
            })
            .collect();
        for n in [files.len(), 10] {
            let set = FileSet::new(&files[..n], &[]);
            for rule in [
                "package.json",
                "go.mod",
                "*.py",
                "src/*.py",
                "pom.xml",
                "**/",
                "go.mod7",
            ] {
                let pattern = PathPattern::new(rule);
                let mut found = Vec::new();
                set.for_each_match(&pattern, |f| found.push(f.path));
                found.sort_unstable();
                let mut scanned: Vec<&str> = files[..n]
                    .iter()
                    .filter(|f| pattern.matches(f.path, f.name))
                    .map(|f| f.path)
                    .collect();
                scanned.sort_unstable();
                assert_eq!(found, scanned, "{rule} in {n} files");
            }
        }
    }
}
