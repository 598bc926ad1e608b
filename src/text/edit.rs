//! Byte-range edits and applying them to a text.
//!
//! An [`EditSet`] collects [`Edit`]s over one original text. [`EditSet::apply`] checks them all
//! (in bounds, on char boundaries, not overlapping) and then builds the new text by copying the
//! untouched slices of the original verbatim and splicing in each edit's content. Nothing outside
//! the edited ranges changes, byte for byte.

use super::TextRange;

/// Replace the bytes in `range` with `content`. An empty range is an insertion, empty content a
/// deletion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: TextRange,
    pub content: String,
}

impl Edit {
    /// Insert `content` at byte `offset`.
    pub fn insert(offset: usize, content: impl Into<String>) -> Self {
        Self {
            range: TextRange::new(offset, offset),
            content: content.into(),
        }
    }

    /// Replace `range` with `content`.
    pub fn replace(range: impl Into<TextRange>, content: impl Into<String>) -> Self {
        Self {
            range: range.into(),
            content: content.into(),
        }
    }

    /// Delete `range`.
    pub fn delete(range: impl Into<TextRange>) -> Self {
        Self::replace(range, String::new())
    }

    /// Whether this edit only inserts text.
    pub fn is_insert(&self) -> bool {
        self.range.is_empty()
    }
}

/// A set of edits over one text, applied together.
///
/// Edits may be added in any order. Two insertions at the same offset are allowed and keep the
/// order in which they were added; an insertion at the start or end of a replaced range is
/// allowed too. Any other overlap is an error.
///
/// ```
/// use restage::text::EditSet;
/// let text = "FROM golang:1.22\nRUN go build\n";
/// let mut edits = EditSet::new();
/// edits.replace(0..16, "FROM golang:1.22 AS build").insert(text.len(), "FROM scratch\n");
/// assert_eq!(
///     edits.apply(text).unwrap(),
///     "FROM golang:1.22 AS build\nRUN go build\nFROM scratch\n"
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EditSet {
    pub edits: Vec<Edit>,
}

/// Why an [`EditSet`] could not be applied.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    /// Two edits touch the same bytes.
    #[error("edits overlap: {}..{} and {}..{}", .first.start, .first.end, .second.start, .second.end)]
    Overlap { first: TextRange, second: TextRange },
    /// A range ends before it starts.
    #[error("invalid edit range {}..{}", .range.start, .range.end)]
    InvalidRange { range: TextRange },
    /// A range reaches past the end of the text.
    #[error("edit range {}..{} is out of bounds (text length {len})", .range.start, .range.end)]
    OutOfBounds { range: TextRange, len: usize },
    /// A range boundary falls inside a multi-byte character.
    #[error("edit offset {offset} is not on a character boundary")]
    NotCharBoundary { offset: usize },
}

impl EditSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an edit.
    pub fn push(&mut self, edit: Edit) -> &mut Self {
        self.edits.push(edit);
        self
    }

    /// Insert `content` at byte `offset`.
    pub fn insert(&mut self, offset: usize, content: impl Into<String>) -> &mut Self {
        self.push(Edit::insert(offset, content))
    }

    /// Replace `range` with `content`.
    pub fn replace(
        &mut self,
        range: impl Into<TextRange>,
        content: impl Into<String>,
    ) -> &mut Self {
        self.push(Edit::replace(range, content))
    }

    /// Delete `range`.
    pub fn delete(&mut self, range: impl Into<TextRange>) -> &mut Self {
        self.push(Edit::delete(range))
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    pub fn len(&self) -> usize {
        self.edits.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Edit> {
        self.edits.iter()
    }

    /// The edits sorted by position (stable: same-offset insertions keep their order), after
    /// checking each against `text` and against its neighbour.
    pub fn sorted_checked(&self, text: &str) -> Result<Vec<&Edit>, EditError> {
        for edit in &self.edits {
            check_range(text, edit.range)?;
        }
        let mut sorted: Vec<&Edit> = self.edits.iter().collect();
        sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
        for pair in sorted.windows(2) {
            let (first, second) = (pair[0].range, pair[1].range);
            if second.start < first.end {
                return Err(EditError::Overlap { first, second });
            }
        }
        Ok(sorted)
    }

    /// Apply every edit to `text`. Bytes outside the edited ranges are copied verbatim.
    pub fn apply(&self, text: &str) -> Result<String, EditError> {
        let sorted = self.sorted_checked(text)?;
        let added: usize = sorted.iter().map(|edit| edit.content.len()).sum();
        let mut out = String::with_capacity(text.len() + added);
        let mut cursor = 0;
        for edit in sorted {
            out.push_str(&text[cursor..edit.range.start]);
            out.push_str(&edit.content);
            cursor = edit.range.end;
        }
        out.push_str(&text[cursor..]);
        Ok(out)
    }
}

impl FromIterator<Edit> for EditSet {
    fn from_iter<I: IntoIterator<Item = Edit>>(iter: I) -> Self {
        Self {
            edits: iter.into_iter().collect(),
        }
    }
}

impl Extend<Edit> for EditSet {
    fn extend<I: IntoIterator<Item = Edit>>(&mut self, iter: I) {
        self.edits.extend(iter);
    }
}

impl<'a> IntoIterator for &'a EditSet {
    type Item = &'a Edit;
    type IntoIter = std::slice::Iter<'a, Edit>;

    fn into_iter(self) -> Self::IntoIter {
        self.edits.iter()
    }
}

fn check_range(text: &str, range: TextRange) -> Result<(), EditError> {
    if range.start > range.end {
        return Err(EditError::InvalidRange { range });
    }
    if range.end > text.len() {
        return Err(EditError::OutOfBounds {
            range,
            len: text.len(),
        });
    }
    for offset in [range.start, range.end] {
        if !text.is_char_boundary(offset) {
            return Err(EditError::NotCharBoundary { offset });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replace_delete() {
        let mut set = EditSet::new();
        set.insert(0, "# top\n").replace(4..7, "two").delete(7..12);
        assert_eq!(set.apply("one 222 3333\n").unwrap(), "# top\none two\n");
    }

    #[test]
    fn same_offset_insertions_keep_order() {
        let mut set = EditSet::new();
        set.insert(1, "x").insert(1, "y").insert(1, "z");
        assert_eq!(set.apply("ab").unwrap(), "axyzb");
    }

    #[test]
    fn insertion_at_replacement_edges_is_allowed() {
        let mut set = EditSet::new();
        set.replace(1..3, "R").insert(3, ">").insert(1, "<");
        assert_eq!(set.apply("abcd").unwrap(), "a<R>d");
    }

    #[test]
    fn overlaps_are_rejected() {
        let mut set = EditSet::new();
        set.replace(0..3, "x").delete(2..4);
        assert_eq!(
            set.apply("abcdef"),
            Err(EditError::Overlap {
                first: TextRange::new(0, 3),
                second: TextRange::new(2, 4)
            })
        );
        let mut inside = EditSet::new();
        inside.delete(0..4).insert(2, "x");
        assert!(matches!(
            inside.apply("abcdef"),
            Err(EditError::Overlap { .. })
        ));
    }

    #[test]
    fn bad_ranges_are_rejected() {
        assert_eq!(
            EditSet::from_iter([Edit::delete(2..9)]).apply("abc"),
            Err(EditError::OutOfBounds {
                range: TextRange::new(2, 9),
                len: 3
            })
        );
        assert_eq!(
            EditSet::from_iter([Edit::insert(2, "x")]).apply("é"),
            Ok("éx".to_string())
        );
        assert_eq!(
            EditSet::from_iter([Edit::insert(1, "x")]).apply("é"),
            Err(EditError::NotCharBoundary { offset: 1 })
        );
        assert_eq!(
            EditSet::from_iter([Edit::replace(TextRange::new(2, 1), "")]).apply("abc"),
            Err(EditError::InvalidRange {
                range: TextRange::new(2, 1)
            })
        );
    }
}
