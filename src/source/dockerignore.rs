//! `.dockerignore`: which context files Docker leaves out of the build context.
//!
//! The rules follow BuildKit's reader and moby's pattern matcher:
//! - one pattern a line; lines starting with `#` are comments; blank lines are skipped; a UTF-8
//!   BOM on the first line is ignored; surrounding whitespace is trimmed;
//! - patterns are cleaned like Go's `filepath.Clean` (`./a//b/` is `a/b`) and a leading `/` is
//!   dropped: every pattern is relative to the context root;
//! - `*` and `?` do not cross `/`; `**` matches any number of folders (`**/*.go`, `a/**/b`);
//!   `[...]` classes and `\` escapes work as in Go's `filepath.Match`;
//! - `!pattern` re-includes what earlier patterns excluded; the last matching line wins;
//! - a pattern that matches a folder excludes everything under it.
//!
//! Malformed patterns (an unclosed `[`) make Docker fail the build; here they are skipped and
//! listed in [`DockerIgnore::invalid`].

use super::glob::Pattern;

/// A parsed `.dockerignore`.
#[derive(Clone, Debug, Default)]
pub struct DockerIgnore {
    rules: Vec<Rule>,
    invalid: Vec<(usize, String)>,
}

#[derive(Clone, Debug)]
struct Rule {
    /// A `!` line: matching re-includes.
    exception: bool,
    pattern: Pattern,
    /// The cleaned pattern text.
    text: String,
}

impl DockerIgnore {
    /// Parse the text of a `.dockerignore` file.
    pub fn parse(text: &str) -> Self {
        let mut ignore = Self::default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, line) in text.lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (exception, raw) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let mut cleaned = clean(raw);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
            if raw.is_empty() {
                ignore.invalid.push((index + 1, line.to_string()));
                continue;
            }
            match Pattern::compile(&cleaned, true) {
                Ok(pattern) => ignore.rules.push(Rule {
                    exception,
                    pattern,
                    text: cleaned,
                }),
                Err(_) => ignore.invalid.push((index + 1, line.to_string())),
            }
        }
        ignore
    }

    /// Whether there are no patterns at all.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The cleaned patterns in order, `!` exceptions included.
    pub fn patterns(&self) -> Vec<String> {
        self.rules
            .iter()
            .map(|r| {
                if r.exception {
                    format!("!{}", r.text)
                } else {
                    r.text.clone()
                }
            })
            .collect()
    }

    /// Lines (1-based) whose pattern is malformed and was skipped, with their text.
    pub fn invalid(&self) -> &[(usize, String)] {
        &self.invalid
    }

    /// Whether `path` (relative to the context root, `/`-separated) is left out of the context.
    pub fn is_excluded(&self, path: &str) -> bool {
        let path = if is_clean(path) {
            std::borrow::Cow::Borrowed(path)
        } else {
            std::borrow::Cow::Owned(clean(path))
        };
        let parents = || path.match_indices('/').map(|(slash, _)| &path[..slash]);
        let mut excluded = false;
        for rule in &self.rules {
            // Only a rule that could flip the answer needs to be looked at.
            if rule.exception != excluded {
                continue;
            }
            let matched = rule.pattern.matches(&path) || parents().any(|p| rule.pattern.matches(p));
            if matched {
                excluded = !rule.exception;
            }
        }
        excluded
    }

    /// Whether a folder can be skipped whole: it is excluded, and no `!` exception could bring
    /// back anything inside it.
    pub fn can_skip_dir(&self, dir: &str) -> bool {
        if !self.is_excluded(dir) {
            return false;
        }
        let inside = format!("{}/", clean(dir));
        !self.rules.iter().filter(|r| r.exception).any(|rule| {
            let prefix = rule.pattern.literal_prefix();
            prefix.starts_with(&inside) || inside.starts_with(&prefix)
        })
    }
}

/// Go's `filepath.Clean` for `/`-separated relative or absolute paths.
/// Whether [`clean`] would give `path` back unchanged (most paths), so it need not run.
fn is_clean(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let body = path.strip_prefix('/').unwrap_or(path);
    !body.is_empty()
        && body
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..")
}

pub(crate) fn clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn a_clean_path_is_its_own_clean_form(path in "[a./]{0,10}") {
            if is_clean(&path) {
                proptest::prop_assert_eq!(clean(&path), path);
            }
        }
    }

    #[test]
    fn clean_like_go() {
        assert_eq!(clean("./a//b/"), "a/b");
        assert_eq!(clean("a/../b"), "b");
        assert_eq!(clean("../a"), "../a");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("/"), "/");
    }

    #[test]
    fn folders_and_exceptions() {
        let ignore = DockerIgnore::parse("# c\nnode_modules\n*.md\n!README.md\n/build/\n");
        assert!(ignore.is_excluded("node_modules"));
        assert!(ignore.is_excluded("node_modules/x/y.js"));
        assert!(ignore.is_excluded("CHANGES.md"));
        assert!(!ignore.is_excluded("README.md"));
        assert!(!ignore.is_excluded("docs/a.md"));
        assert!(ignore.is_excluded("build/out.bin"));
        assert!(!ignore.is_excluded("src/build/x"));
        assert_eq!(
            ignore.patterns(),
            ["node_modules", "*.md", "!README.md", "build"]
        );
    }
}
