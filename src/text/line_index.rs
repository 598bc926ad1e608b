//! Byte offset to line:col. (stub: to be implemented)

/// 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// Line starts of a text.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    pub line_starts: Vec<usize>,
}
