//! Byte-range edits and applying them. (stub: to be implemented)
use super::TextRange;

/// Replace `range` with `content`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

/// A set of non-overlapping edits.
#[derive(Clone, Debug, Default)]
pub struct EditSet {
    pub edits: Vec<Edit>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error("edits overlap")]
    Overlap,
}
