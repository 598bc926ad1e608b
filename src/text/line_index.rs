//! Byte offset ↔ line:column lookup in O(log n).
//!
//! Lines are split on `\n` only (as BuildKit does): a `\r` before it belongs to the line, and a
//! lone `\r` is an ordinary character. Lines and columns are 1-based; the column counts chars,
//! not bytes. The index keeps the start of every line and the position of every multi-byte char,
//! so it does not need to hold on to the text.

/// 1-based line and column (the column counts chars).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// Line starts (and multi-byte chars) of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset where each line starts; the first is always 0.
    line_starts: Vec<usize>,
    /// Byte length of the text.
    len: usize,
    /// Start offset of every multi-byte char, ascending.
    wide_starts: Vec<usize>,
    /// `wide_extra[i]`: sum of `len_utf8() - 1` over `wide_starts[..i]`.
    wide_extra: Vec<usize>,
}

impl Default for LineIndex {
    /// The index of the empty text.
    fn default() -> Self {
        Self::new("")
    }
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        let mut wide_starts = Vec::new();
        let mut wide_extra = vec![0];
        let bytes = text.as_bytes();
        for (offset, &byte) in bytes.iter().enumerate() {
            if byte == b'\n' {
                line_starts.push(offset + 1);
            } else if byte >= 0xC0 {
                // A UTF-8 leading byte of a multi-byte char.
                let width = match byte {
                    0xC0..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    _ => 4,
                };
                wide_starts.push(offset);
                wide_extra.push(wide_extra[wide_extra.len() - 1] + width - 1);
            }
        }
        Self {
            line_starts,
            len: text.len(),
            wide_starts,
            wide_extra,
        }
    }

    /// Line and column of a byte offset. Offsets past the end are clamped to the end; an offset
    /// inside a multi-byte char gives that char's column.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.len);
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line];
        let col = self.chars_before(offset) - self.chars_before(line_start) + 1;
        LineCol {
            line: line + 1,
            col,
        }
    }

    /// Number of chars that start before `offset` (an offset inside a char counts as its start).
    fn chars_before(&self, offset: usize) -> usize {
        let wide = self.wide_starts.partition_point(|&start| start < offset);
        if wide == 0 {
            return offset;
        }
        let last = wide - 1;
        let last_start = self.wide_starts[last];
        let last_width = self.wide_extra[last + 1] - self.wide_extra[last] + 1;
        if offset < last_start + last_width {
            // Inside the last wide char: count it as not yet started.
            last_start - self.wide_extra[last]
        } else {
            offset - self.wide_extra[wide]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_positions() {
        let index = LineIndex::new("ab\ncd\n");
        assert_eq!(index.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(index.line_col(2), LineCol { line: 1, col: 3 });
        assert_eq!(index.line_col(3), LineCol { line: 2, col: 1 });
        assert_eq!(index.line_col(6), LineCol { line: 3, col: 1 });
        assert_eq!(index.line_col(99), LineCol { line: 3, col: 1 });
    }

    #[test]
    fn columns_count_chars() {
        let text = "é€x\n😀y";
        let index = LineIndex::new(text);
        let x = text.find('x').unwrap();
        assert_eq!(index.line_col(x), LineCol { line: 1, col: 3 });
        let y = text.find('y').unwrap();
        assert_eq!(index.line_col(y), LineCol { line: 2, col: 2 });
        // Inside the euro sign: its own column.
        assert_eq!(index.line_col(3), LineCol { line: 1, col: 2 });
    }

    proptest::proptest! {
        #[test]
        fn line_col_agrees_with_a_linear_scan(text in "[a\n\r é😀]{0,50}") {
            let index = LineIndex::new(&text);
            let (mut line, mut col) = (1, 1);
            for (offset, ch) in text.char_indices() {
                proptest::prop_assert_eq!(index.line_col(offset), LineCol { line, col });
                if ch == '\n' {
                    line += 1;
                    col = 1;
                } else {
                    col += 1;
                }
            }
            proptest::prop_assert_eq!(index.line_col(text.len()), LineCol { line, col });
        }
    }
}
