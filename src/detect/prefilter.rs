//! Cheap rejections that run before any glob. Most rules and paths are told apart by a key
//! (length, first and last byte) or by having no wildcards, so the exact match runs only on the
//! few pairs that may match.

use crate::profile::pattern::{Glob, GlobShape};

/// Keys of the strings a literal pattern could equal: length, first and last byte hashed into
/// 256 bits. A literal whose key is absent equals none of the strings.
#[derive(Clone, Debug, Default)]
pub(super) struct Keys([u64; 4]);

impl Keys {
    pub(super) fn key(s: &str) -> usize {
        let b = s.as_bytes();
        let first = u32::from(b.first().copied().unwrap_or(0));
        let last = u32::from(b.last().copied().unwrap_or(0));
        let h = (b.len() as u32).wrapping_mul(0x9E37_79B1)
            ^ first.wrapping_mul(0x85EB_CA6B)
            ^ last.wrapping_mul(0xC2B2_AE35);
        (h >> 24) as usize
    }

    pub(super) fn insert(&mut self, s: &str) {
        let k = Self::key(s);
        self.0[k >> 6] |= 1 << (k & 63);
    }

    /// Whether `s` may be one of the strings (false: it is none of them).
    pub(super) fn may_hold(&self, s: &str) -> bool {
        self.may_hold_key(Self::key(s))
    }

    /// [`Keys::may_hold`] given the string's [`Keys::key`].
    pub(super) fn may_hold_key(&self, k: usize) -> bool {
        self.0[k >> 6] >> (k & 63) & 1 == 1
    }
}

/// What a rule pattern's cheap rejection needs, read once: its [`Keys::key`] and whether it
/// has wildcards (a literal only equals strings with its key); and its glob's shape.
#[derive(Clone, Copy, Debug)]
pub(super) struct RuleKey {
    pub(super) key: usize,
    pub(super) wild: bool,
    pub(super) shape: GlobShape,
}

impl RuleKey {
    pub(super) fn new(pattern: &str) -> Self {
        Self {
            key: Keys::key(pattern),
            wild: has_wildcard(pattern),
            shape: Glob::new(pattern).shape(),
        }
    }
}

/// Whether a glob has `*` or `?` (else it only matches itself).
pub(super) fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

/// Inputs longer than this never match a [`glob`](crate::profile::pattern::glob).
pub(super) const GLOB_MAX: usize = 4096;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_reject_a_string_they_hold() {
        let held = [
            "package.json",
            "go.mod",
            "a",
            "",
            "src/main.rs",
            "é",
            "node_modules",
        ];
        let mut keys = Keys::default();
        for s in held {
            keys.insert(s);
        }
        for s in held {
            assert!(keys.may_hold(s), "{s:?}");
            assert!(keys.may_hold_key(Keys::key(s)), "{s:?}");
        }
        assert!(!Keys::default().may_hold("package.json"));
        // Most other names are rejected by the key alone.
        let others = [
            "pom.xml",
            "Cargo.toml",
            "build.gradle",
            "requirements.txt",
            "mvnw",
        ];
        assert!(others.iter().filter(|s| keys.may_hold(s)).count() < others.len());
    }

    #[test]
    fn a_key_reads_the_length_and_the_end_bytes_only() {
        assert_eq!(Keys::key("pom.xml"), Keys::key("pxxxxxl"));
        assert_eq!(Keys::key(""), Keys::key(""));
        assert!(Keys::key("x") < 256 && Keys::key(&"y".repeat(10_000)) < 256);
    }

    #[test]
    fn wildcards_are_star_and_question_mark() {
        assert!(has_wildcard("*.csproj"));
        assert!(has_wildcard("a?c"));
        assert!(!has_wildcard("[ab].txt"));
        assert!(!has_wildcard("go.mod"));
        let literal = RuleKey::new("go.mod");
        assert!(!literal.wild);
        assert_eq!(literal.key, Keys::key("go.mod"));
        assert!(RuleKey::new("**/*.py").wild);
    }
}
