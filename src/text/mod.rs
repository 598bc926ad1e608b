//! Byte ranges into a source text, line/column lookup, and a small-vector for the parser.

mod inline;
mod line_index;

pub use inline::InlineVec;
pub use line_index::{LineCol, LineIndex};

use serde::Serialize;

/// A half-open byte range `start..end` into a text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub const fn len(self) -> usize {
        self.end - self.start
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }

    /// The slice of `text` this range covers.
    pub fn slice(self, text: &str) -> &str {
        &text[self.start..self.end]
    }
}

impl From<std::ops::Range<usize>> for TextRange {
    fn from(range: std::ops::Range<usize>) -> Self {
        Self::new(range.start, range.end)
    }
}

/// Whether `haystack` contains `needle`, ASCII letters compared without case: what
/// `haystack.to_ascii_lowercase().contains(&needle.to_ascii_lowercase())` says, without the
/// two copies.
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return true;
    };
    if n.len() > h.len() {
        return false;
    }
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    h[..=h.len() - n.len()]
        .iter()
        .enumerate()
        .any(|(i, &b)| (b == lower || b == upper) && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::contains_ignore_ascii_case;

    #[test]
    fn case_is_ignored_for_ascii_letters_only() {
        assert!(contains_ignore_ascii_case("echo x > ~/.NPMRC", ".npmrc"));
        assert!(contains_ignore_ascii_case("abc", ""));
        assert!(!contains_ignore_ascii_case("ab", "abc"));
        assert!(!contains_ignore_ascii_case("\u{c9}", "\u{e9}"));
    }

    proptest::proptest! {
        #[test]
        fn it_agrees_with_lowercased_copies(h in "[a-cA-C.\u{e9}\u{c9}]{0,12}", n in "[a-cA-C.\u{e9}]{0,3}") {
            proptest::prop_assert_eq!(
                contains_ignore_ascii_case(&h, &n),
                h.to_ascii_lowercase().contains(&n.to_ascii_lowercase())
            );
        }
    }
}
