//! The `.dockerignore` side of a multi-stage build: every stage still receives the whole
//! context, so propose one when there is none, and warn when an existing one lets secrets into
//! an image.

use super::model::{NewFile, Warning, WarningCode};
use super::planner::PlanInput;

/// Files that should never reach an image.
const SECRETS: &[&str] = &[
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa",
    "id_ed25519",
    "*.p12",
];

/// Whether a file name matches a secret pattern (`.env`, `*.pem`, ...): such files stay out of
/// images.
pub(crate) fn is_secret(name: &str) -> bool {
    SECRETS
        .iter()
        .any(|p| crate::profile::pattern::glob(p, name))
}

/// A proposed `.dockerignore` when the context has none, or warnings about the existing one.
/// `runtime_gets_sources`: whether the runtime stage copies the app's files from the context.
/// `copied_credentials`: credentials files the output still copies from the context (restage
/// could not move them into a secret mount), which the proposal must let in.
pub fn review(
    input: &PlanInput<'_>,
    runtime_gets_sources: bool,
    copied_credentials: &[String],
) -> (Option<NewFile>, Vec<Warning>) {
    let ctx = input.ctx;
    if ctx.exists(".dockerignore") {
        let leaked: Vec<&String> = ctx
            .files()
            .iter()
            .filter(|f| {
                let name = f.rsplit('/').next().unwrap_or(f);
                SECRETS
                    .iter()
                    .any(|p| crate::profile::pattern::glob(p, name))
            })
            .collect();
        if runtime_gets_sources && !leaked.is_empty() {
            let names: Vec<&str> = leaked.iter().map(|s| s.as_str()).collect();
            let warning = Warning {
                code: WarningCode::SecretInContext,
                message: format!(
                    ".dockerignore lets {} into the build context, and the runtime stage copies the app's files: add them to .dockerignore",
                    names.join(", ")
                ),
                line: None,
            };
            return (None, vec![warning]);
        }
        return (None, Vec::new());
    }
    let mut copied = copied_by_name(input);
    copied.sort_unstable();
    copied.dedup();
    // Sorted and deduplicated first, so a line in both lists is matched once.
    let mut lines: Vec<&String> = input
        .registry
        .system()
        .dockerignore
        .iter()
        .chain(input.profile.dockerignore.iter())
        .collect();
    lines.sort();
    lines.dedup();
    // A line goes when it would exclude a file the Dockerfile copies by name.
    if !copied.is_empty() {
        let copied: Vec<(&str, bool)> = copied.iter().map(|c| (*c, is_clean(c))).collect();
        lines.retain(|entry| {
            let bounds = LiteralBounds::of(entry);
            let mut candidates = copied
                .iter()
                .filter(|(c, clean)| may_exclude(&bounds, c, *clean))
                .map(|(c, _)| c)
                .peekable();
            if candidates.peek().is_none() {
                return true;
            }
            let matcher = input.registry.dockerignore_line(entry);
            !candidates.any(|c| matcher.is_excluded(c))
        });
    }
    // Files read by convention (profile `build_reads`), env files, and credentials files, in
    // one pass over the context.
    let mut reads: Vec<&str> = Vec::new();
    let mut env_files: Vec<&str> = Vec::new();
    let mut credentials: Vec<&str> = Vec::new();
    let rules = &input.registry.system().secrets.files;
    for file in ctx.files() {
        let name = file.rsplit('/').next().unwrap_or(file);
        if input.profile.build_reads.iter().any(|r| r == name) {
            reads.push(file);
        } else if name == ".env" {
            env_files.push(file);
        }
        if let Some(rule) = rules.iter().find(|r| r.matches_file_name(name))
            && !copied_credentials.iter().any(|c| c == file)
            && ctx.read(file).is_some_and(|t| rule.holds_secret(&t))
        {
            credentials.push(file);
        }
    }
    let mut warnings = Vec::new();
    // A read file is never excluded: a secret pattern keeps its line with an exception for the
    // file (and a warning), any other line goes.
    let mut exceptions: Vec<String> = Vec::new();
    if !reads.is_empty() {
        let mut kept_lines = Vec::with_capacity(lines.len());
        for line in lines {
            let matcher = input.registry.dockerignore_line(line);
            let hit: Vec<&str> = reads
                .iter()
                .copied()
                .filter(|f| !credentials.contains(f) && matcher.is_excluded(f))
                .collect();
            if hit.is_empty() {
                kept_lines.push(line);
                continue;
            }
            let secret_line = SECRETS.iter().any(|p| line.trim_start_matches("**/") == *p);
            if secret_line {
                kept_lines.push(line);
                for file in hit {
                    exceptions.push(format!("!{file}"));
                    warnings.push(Warning {
                        code: WarningCode::SecretInContext,
                        message: format!(
                            "{file} matches the secret pattern {line}, but the build reads it by convention: the proposed .dockerignore leaves it in, so check it holds no secret"
                        ),
                        line: None,
                    });
                }
            }
        }
        lines = kept_lines;
    }
    let mut content = String::from(
        "# Proposed by restage: every stage of a multi-stage build still receives the whole\n\
         # build context, so keep it small and keep secrets out of images.\n",
    );
    for line in lines {
        content.push_str(line);
        content.push('\n');
    }
    exceptions.sort();
    exceptions.dedup();
    for line in exceptions {
        content.push_str(&line);
        content.push('\n');
    }
    // Credentials files stay out of every image (an install reads them from a secret mount).
    for file in credentials {
        if !content.lines().any(|l| l == file) {
            content.push_str(file);
            content.push('\n');
        }
    }
    // The proposal is parsed back only to see which `.env` files it drops (most contexts
    // have none).
    let dropped: Vec<&str> = if env_files.is_empty() {
        Vec::new()
    } else {
        let ignore = crate::source::DockerIgnore::parse(&content);
        env_files
            .into_iter()
            .filter(|f| ignore.is_excluded(f))
            .collect()
    };
    if runtime_gets_sources && !dropped.is_empty() {
        warnings.push(Warning {
            code: WarningCode::EnvFileDropped,
            message: format!(
                "the proposed .dockerignore keeps {} out of the build context, so the image no longer has it where the original copied it: pass its settings at run time (`docker run --env-file .env`), or remove the line if the app must read the file",
                dropped.join(", ")
            ),
            line: None,
        });
    }
    (
        Some(NewFile {
            path: ".dockerignore".into(),
            content,
        }),
        warnings,
    )
}

/// Paths the Dockerfile copies by name (not globs or folders like `.`): never excluded.
fn copied_by_name<'i>(input: &PlanInput<'i>) -> Vec<&'i str> {
    input
        .df
        .instructions
        .iter()
        .filter(|i| {
            (i.is("COPY") || i.is("ADD")) && i.flag("from").is_none() && i.values().len() >= 2
        })
        .flat_map(|i| i.values().all_but_last())
        .map(|s| s.trim_start_matches("./").trim_end_matches('/'))
        .filter(|s| !s.is_empty() && *s != ".")
        .collect()
}

/// The literal text a one-pattern `.dockerignore` line starts and ends with, to rule out most
/// copied paths without running the matcher (every line was checked against every copied
/// path, most of the review's cost).
#[derive(Debug)]
struct LiteralBounds<'l> {
    /// Before the first special character: a path the pattern matches starts with it.
    prefix: &'l str,
    /// After the last special character: a path the pattern matches ends with it.
    suffix: &'l str,
}

impl<'l> LiteralBounds<'l> {
    /// Bytes after which (or before which) the pattern is not literal.
    fn is_special(byte: &u8) -> bool {
        matches!(byte, b'*' | b'?' | b'[' | b']' | b'\\')
    }

    /// The bounds of a line that is one exclusion pattern already in its cleaned form (but
    /// for a trailing `/`), as the profiles' lines are; `None` (check every path) for
    /// anything else: a comment, an `!` exception, a `/`, `.` or `..` the matcher cleans,
    /// whitespace.
    fn of(line: &'l str) -> Option<Self> {
        let pattern = line.strip_suffix('/').unwrap_or(line);
        // Printable ASCII without spaces: nothing to trim, one line (non-ASCII lines, rare,
        // are always checked).
        let plain = !pattern.starts_with(['!', '#'])
            && pattern.bytes().all(|b| b.is_ascii_graphic())
            && is_clean(pattern);
        if !plain {
            return None;
        }
        // The special characters are ASCII, so these are character boundaries.
        let bytes = pattern.as_bytes();
        let prefix_end = bytes
            .iter()
            .position(Self::is_special)
            .unwrap_or(bytes.len());
        let suffix_start = bytes
            .iter()
            .rposition(Self::is_special)
            .map_or(0, |at| at + 1);
        // `**` matches zero folders too, so the `/` beside it may match nothing: `**/b`
        // excludes `b`, and `a/**` may exclude `a`.
        let mut prefix = &pattern[..prefix_end];
        if pattern[prefix_end..].starts_with("**") {
            prefix = prefix.strip_suffix('/').unwrap_or(prefix);
        }
        let mut suffix = &pattern[suffix_start..];
        if pattern[..suffix_start].ends_with("**") {
            suffix = suffix.strip_prefix('/').unwrap_or(suffix);
        }
        Some(Self { prefix, suffix })
    }
}

/// Whether a relative path has no empty, `.` or `..` part: the matcher's cleaning leaves it
/// as it is.
fn is_clean(path: &str) -> bool {
    path.as_bytes()
        .split(|b| *b == b'/')
        .all(|part| !part.is_empty() && part != b"." && part != b"..")
}

/// Whether [`crate::source::DockerIgnore::is_excluded`] could say yes for `path` (always,
/// without bounds or for a path that is not clean, which the matcher cleans first). A pattern
/// excludes a path when it matches the path or one of its parent folders; a match starts
/// with the pattern's literal prefix and ends with its literal suffix, so the path starts
/// with the prefix and ends with the suffix (or has it right before a `/`).
fn may_exclude(bounds: &Option<LiteralBounds<'_>>, path: &str, clean: bool) -> bool {
    let Some(bounds) = bounds else {
        return true;
    };
    if !clean {
        return true;
    }
    let ends_with_suffix = |end: usize| path.as_bytes()[..end].ends_with(bounds.suffix.as_bytes());
    path.starts_with(bounds.prefix)
        && (ends_with_suffix(path.len())
            || path
                .bytes()
                .enumerate()
                .any(|(slash, b)| b == b'/' && ends_with_suffix(slash)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::DockerIgnore;

    /// `**` matches zero folders: `**/b` excludes `b` itself (the proptest found the bounds
    /// ruling it out).
    #[test]
    fn double_star_bounds_allow_the_folder_itself() {
        for (line, path) in [("**/b", "b"), ("a/**", "a"), ("**/b/**", "b")] {
            let bounds = LiteralBounds::of(line);
            assert!(may_exclude(&bounds, path, true), "{line} {path} {bounds:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn a_path_ruled_out_by_the_literal_bounds_is_not_excluded(
            line in "!?[ab/*]{0,3}(\\[a-b\\]|\\?|\\\\a|\\.)?[ab/*]{0,3}",
            path in "[ab/]{0,6}|[ab./]{0,6}",
        ) {
            let matcher = DockerIgnore::parse(&line);
            let bounds = LiteralBounds::of(&line);
            if !may_exclude(&bounds, &path, is_clean(&path)) {
                proptest::prop_assert!(!matcher.is_excluded(&path), "{line:?} {path:?} {bounds:?}");
            }
        }
    }

    #[test]
    fn literal_bounds_rule_out_paths_that_cannot_match() {
        let bounds = LiteralBounds::of;
        assert!(!may_exclude(
            &bounds("**/*.key"),
            "gradlew",
            is_clean("gradlew")
        ));
        assert!(may_exclude(
            &bounds("**/*.key"),
            "a/id.key",
            is_clean("a/id.key")
        ));
        assert!(may_exclude(
            &bounds("**/*.key"),
            "id.key/x",
            is_clean("id.key/x")
        ));
        assert!(!may_exclude(
            &bounds("build/"),
            "build.gradle.kts",
            is_clean("build.gradle.kts")
        ));
        assert!(may_exclude(
            &bounds("build/"),
            "build/libs",
            is_clean("build/libs")
        ));
        assert!(may_exclude(&bounds("!build"), "x", is_clean("x")));
        assert!(may_exclude(&bounds("a"), "./b", is_clean("./b")));
    }
}
