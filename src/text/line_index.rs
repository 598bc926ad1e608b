//! Byte offset ↔ line:column lookup in O(log n).
//!
//! Lines are split on `\n` only (as BuildKit does): a `\r` before it belongs to the line, and a
//! lone `\r` is an ordinary character. Lines and columns are 1-based; the column counts chars,
//! not bytes. The index keeps the start of every line and the position of every multi-byte char,
//! so it does not need to hold on to the text.

use super::TextRange;

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

    /// The byte offset where each line starts; the first is always 0.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// Number of lines. A text ending in `\n` has a last, empty line after it.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte length of the indexed text.
    pub fn text_len(&self) -> usize {
        self.len
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

    /// The byte range of a 1-based `line`, including its `\n` (and a `\r` before it), or `None`
    /// when there is no such line.
    pub fn line_range(&self, line: usize) -> Option<TextRange> {
        let index = line.checked_sub(1)?;
        let start = *self.line_starts.get(index)?;
        let end = self.line_starts.get(index + 1).copied().unwrap_or(self.len);
        Some(TextRange::new(start, end))
    }

    /// The byte offset of a line and column, or `None` when the line does not exist or the column
    /// lies past its end. The column of the line terminator is valid (as is the end of the text).
    pub fn offset(&self, at: LineCol) -> Option<usize> {
        let range = self.line_range(at.line)?;
        let col = at.col.checked_sub(1)?;
        // Walk forward over `col` chars: ASCII bytes count one each, wide chars their width.
        let first_wide = self.wide_starts.partition_point(|&s| s < range.start);
        let mut offset = range.start;
        let mut remaining = col;
        let mut wide = first_wide;
        while remaining > 0 {
            if offset >= range.end {
                return None;
            }
            let next_wide = self.wide_starts.get(wide).copied().unwrap_or(usize::MAX);
            if next_wide == offset {
                offset += self.wide_extra[wide + 1] - self.wide_extra[wide] + 1;
                wide += 1;
                remaining -= 1;
            } else {
                // Skip a run of single-byte chars at once.
                let run = (next_wide.min(range.end) - offset).min(remaining);
                offset += run;
                remaining -= run;
            }
        }
        (offset < range.end || at.line == self.line_count()).then_some(offset)
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
        assert_eq!(index.line_count(), 3);
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
        assert_eq!(index.offset(LineCol { line: 2, col: 2 }), Some(y));
        assert_eq!(index.offset(LineCol { line: 1, col: 3 }), Some(x));
    }

    #[test]
    fn line_ranges_include_terminators() {
        let text = "a\r\nbb\nc";
        let index = LineIndex::new(text);
        assert_eq!(index.line_range(1).unwrap().slice(text), "a\r\n");
        assert_eq!(index.line_range(2).unwrap().slice(text), "bb\n");
        assert_eq!(index.line_range(3).unwrap().slice(text), "c");
        assert_eq!(index.line_range(0), None);
        assert_eq!(index.line_range(4), None);
    }

    #[test]
    fn offset_round_trips() {
        let text = "x\nåäö\n\n  ü!\n";
        let index = LineIndex::new(text);
        for (offset, _) in text.char_indices() {
            assert_eq!(index.offset(index.line_col(offset)), Some(offset));
        }
        assert_eq!(index.offset(LineCol { line: 1, col: 9 }), None);
        assert_eq!(index.offset(LineCol { line: 1, col: 0 }), None);
    }
}
