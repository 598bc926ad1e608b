//! An instruction's values as byte ranges into its one text buffer, and the borrowed view
//! ([`Values`]) callers read them through.
//!
//! Most values are slices of the instruction's arguments (FROM/EXPOSE/COPY words, ENV/LABEL
//! keys and values, a shell-form command); only decoded exec-form strings need bytes of their
//! own, and those are appended after the arguments. Storing ranges instead of a `String` per
//! value (and the text in one buffer per parse) leaves no allocation per typical instruction,
//! which made parsing and dropping the tree markedly cheaper.

use serde::ser::{Serialize, SerializeSeq, Serializer};
use std::fmt;
use std::ops::Index;

/// How many ranges are kept in place. Four covers all but a few instructions (`ENV a=1 b=2`,
/// `COPY a b ./`, `FROM image AS name`, a short exec form).
const INLINE: usize = 4;

/// The ranges of an instruction's values, in order.
#[derive(Clone)]
pub(crate) enum Spans {
    /// The first `len` ranges, as `[start, end)` byte offsets. Offsets are `u32` to keep an
    /// instruction small; a range that does not fit moves the list to the heap.
    Inline(u8, [[u32; 2]; INLINE]),
    /// More than [`INLINE`] ranges, or offsets beyond `u32`.
    Heap(Vec<[usize; 2]>),
}

impl Default for Spans {
    fn default() -> Self {
        Spans::Inline(0, [[0; 2]; INLINE])
    }
}

impl Spans {
    /// Add the range `start..end`.
    #[inline]
    pub(crate) fn push(&mut self, start: usize, end: usize) {
        match self {
            Spans::Inline(len, slots) => {
                let narrow = u32::try_from(start).ok().zip(u32::try_from(end).ok());
                match narrow {
                    Some((s, e)) if usize::from(*len) < INLINE => {
                        slots[usize::from(*len)] = [s, e];
                        *len += 1;
                    }
                    _ => {
                        let mut wide = Vec::with_capacity(usize::from(*len) * 2 + 1);
                        wide.extend(
                            slots[..usize::from(*len)]
                                .iter()
                                .map(|&[s, e]| [s as usize, e as usize]),
                        );
                        wide.push([start, end]);
                        *self = Spans::Heap(wide);
                    }
                }
            }
            Spans::Heap(wide) => wide.push([start, end]),
        }
    }

    fn as_ref(&self) -> SpanSlice<'_> {
        match self {
            Spans::Inline(len, slots) => SpanSlice::Narrow(&slots[..usize::from(*len)]),
            Spans::Heap(wide) => SpanSlice::Wide(wide),
        }
    }

    /// The values, read from `text` (the buffer the ranges point into).
    pub(crate) fn view<'a>(&'a self, text: &'a str) -> Values<'a> {
        Values {
            text,
            spans: self.as_ref(),
        }
    }
}

/// A borrowed list of ranges, in whichever width they are stored.
#[derive(Clone, Copy)]
enum SpanSlice<'a> {
    Narrow(&'a [[u32; 2]]),
    Wide(&'a [[usize; 2]]),
}

impl<'a> SpanSlice<'a> {
    fn len(self) -> usize {
        match self {
            SpanSlice::Narrow(s) => s.len(),
            SpanSlice::Wide(s) => s.len(),
        }
    }

    fn get(self, i: usize) -> Option<(usize, usize)> {
        match self {
            SpanSlice::Narrow(s) => s.get(i).map(|&[a, b]| (a as usize, b as usize)),
            SpanSlice::Wide(s) => s.get(i).map(|&[a, b]| (a, b)),
        }
    }

    /// The ranges `from..to` (which must be within bounds).
    fn slice(self, from: usize, to: usize) -> SpanSlice<'a> {
        match self {
            SpanSlice::Narrow(s) => SpanSlice::Narrow(&s[from..to]),
            SpanSlice::Wide(s) => SpanSlice::Wide(&s[from..to]),
        }
    }
}

/// An instruction's values (see [`Instruction::values`](super::Instruction::values)): a cheap,
/// copyable view that reads like a slice of strings.
#[derive(Clone, Copy)]
pub struct Values<'a> {
    text: &'a str,
    spans: SpanSlice<'a>,
}

impl<'a> Values<'a> {
    /// How many values there are.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i`, if there are that many.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.spans.get(i).map(|(start, end)| &self.text[start..end])
    }

    pub fn first(&self) -> Option<&'a str> {
        self.get(0)
    }

    pub fn last(&self) -> Option<&'a str> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// Every value but the last (none when there are none): the sources of a COPY or ADD.
    pub fn all_but_last(&self) -> Values<'a> {
        Values {
            text: self.text,
            spans: self.spans.slice(0, self.len().saturating_sub(1)),
        }
    }

    /// The values in order.
    pub fn iter(&self) -> ValuesIter<'a> {
        ValuesIter {
            values: *self,
            front: 0,
            back: self.len(),
        }
    }

    /// Owned copies of the values, for callers that keep them beyond the tree.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }

    /// The values joined with `separator`, as `[String]::join` does.
    pub fn join(&self, separator: &str) -> String {
        let mut out = String::new();
        for (i, value) in self.iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            out.push_str(value);
        }
        out
    }
}

impl Index<usize> for Values<'_> {
    type Output = str;

    /// Value `i`; panics when out of bounds, as a slice does.
    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(value) => value,
            None => panic!("value index {i} out of range for {} values", self.len()),
        }
    }
}

/// Iterator over [`Values`], from either end.
#[derive(Clone)]
pub struct ValuesIter<'a> {
    values: Values<'a>,
    front: usize,
    back: usize,
}

impl<'a> Iterator for ValuesIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.front >= self.back {
            return None;
        }
        self.front += 1;
        self.values.get(self.front - 1)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for ValuesIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        self.values.get(self.back)
    }
}

impl ExactSizeIterator for ValuesIter<'_> {}

impl<'a> IntoIterator for Values<'a> {
    type Item = &'a str;
    type IntoIter = ValuesIter<'a>;

    fn into_iter(self) -> ValuesIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Values<'a> {
    type Item = &'a str;
    type IntoIter = ValuesIter<'a>;

    fn into_iter(self) -> ValuesIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for Values<'_> {
    /// Like a `Vec<String>`: `["a", "b"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Values<'_> {
    /// Equal when the values are, wherever their bytes are stored.
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for Values<'_> {}

impl<S: AsRef<str>> PartialEq<[S]> for Values<'_> {
    fn eq(&self, other: &[S]) -> bool {
        self.iter().eq(other.iter().map(AsRef::as_ref))
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Values<'_> {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Values<'_> {
    fn eq(&self, other: &Vec<S>) -> bool {
        *self == other[..]
    }
}

impl Serialize for Values<'_> {
    /// As an array of strings, as the `Vec<String>` this replaced.
    fn serialize<Z: Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for value in self.iter() {
            seq.serialize_element(value)?;
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(ranges: &[(usize, usize)]) -> Spans {
        let mut spans = Spans::default();
        for &(start, end) in ranges {
            spans.push(start, end);
        }
        spans
    }

    #[test]
    fn reads_the_same_in_place_and_on_the_heap() {
        let text = "abcdefgh";
        let all: Vec<(usize, usize)> = (0..7).map(|i| (i, i + 2)).collect();
        for n in 0..=all.len() {
            let spans = spans(&all[..n]);
            assert_eq!(matches!(spans, Spans::Inline(..)), n <= INLINE);
            let values = spans.view(text);
            let expected: Vec<&str> = all[..n].iter().map(|&(s, e)| &text[s..e]).collect();
            assert_eq!(values, expected);
            assert_eq!(values.len(), n);
            assert_eq!(values.is_empty(), n == 0);
            assert_eq!(values.first(), expected.first().copied());
            assert_eq!(values.last(), expected.last().copied());
            assert_eq!(values.get(n), None);
            assert_eq!(
                values.all_but_last(),
                expected[..n.saturating_sub(1)].to_vec()
            );
            assert_eq!(values.iter().rev().collect::<Vec<_>>(), {
                let mut r = expected.clone();
                r.reverse();
                r
            });
            assert_eq!(values.to_vec(), expected);
            assert_eq!(values.join(" "), expected.join(" "));
            assert_eq!(format!("{values:?}"), format!("{expected:?}"));
            assert_eq!(
                serde_json::to_string(&values).unwrap(),
                serde_json::to_string(&expected).unwrap()
            );
            for (i, value) in expected.iter().enumerate() {
                assert_eq!(&values[i], *value);
            }
        }
    }

    #[test]
    fn offsets_beyond_u32_move_to_the_heap() {
        let mut spans = Spans::default();
        spans.push(0, 1);
        spans.push(1, u32::MAX as usize + 1);
        assert!(
            matches!(&spans, Spans::Heap(wide) if wide == &[[0, 1], [1, u32::MAX as usize + 1]])
        );
    }
}
