//! `text`: edits apply like a naive splice, untouched bytes stay, and line:col lookup agrees with
//! a linear scan.

use proptest::prelude::*;
use restage::text::{Edit, EditError, EditSet, LineCol, LineIndex, TextRange};

/// Splice edits into `text` one at a time, from the last position to the first, the slow way.
fn naive_splice(text: &str, edits: &[Edit]) -> String {
    // Stable order by position, then apply back to front so earlier offsets stay valid. For
    // insertions at one offset, applying them back to front in reverse order keeps their order.
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].range.start, edits[i].range.end));
    let mut out = text.to_string();
    for &i in order.iter().rev() {
        let edit = &edits[i];
        out.replace_range(edit.range.start..edit.range.end, &edit.content);
    }
    out
}

/// A text and a set of non-overlapping edits on char boundaries.
fn text_and_edits() -> impl Strategy<Value = (String, Vec<Edit>)> {
    "[a-c\n\r é€😀]{0,40}"
        .prop_flat_map(|text| {
            let boundaries: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let n = boundaries.len();
            let cuts = proptest::collection::vec((0..n, 0..3usize, "[xy\n]{0,3}"), 0..8);
            (Just(text), Just(boundaries), cuts).prop_map(|(text, boundaries, cuts)| {
                // Turn random (position, length) picks into non-overlapping ranges.
                let mut picks: Vec<(usize, usize, String)> = cuts;
                picks.sort_by_key(|p| p.0);
                let mut edits = Vec::new();
                let mut min = 0;
                for (at, len, content) in picks {
                    let at = at.max(min);
                    let end = (at + len).min(boundaries.len() - 1);
                    edits.push(Edit::replace(
                        TextRange::new(boundaries[at], boundaries[end]),
                        content,
                    ));
                    min = end;
                }
                (text, edits)
            })
        })
        // Add the edits in any order: `apply` must sort them itself.
        .prop_flat_map(|(text, edits)| (Just(text), Just(edits).prop_shuffle()))
}

proptest! {
    #[test]
    fn empty_set_is_identity(text in "\\PC{0,60}") {
        prop_assert_eq!(EditSet::new().apply(&text).unwrap(), text);
    }

    #[test]
    fn apply_equals_naive_splice((text, edits) in text_and_edits()) {
        let set: EditSet = edits.iter().cloned().collect();
        prop_assert_eq!(set.apply(&text).unwrap(), naive_splice(&text, &edits));
    }

    #[test]
    fn untouched_prefix_and_suffix_are_verbatim((text, edits) in text_and_edits()) {
        let set: EditSet = edits.iter().cloned().collect();
        let out = set.apply(&text).unwrap();
        let first = edits.iter().map(|e| e.range.start).min().unwrap_or(text.len());
        let last = edits.iter().map(|e| e.range.end).max().unwrap_or(text.len());
        prop_assert!(out.starts_with(&text[..first]));
        prop_assert!(out.ends_with(&text[last..]));
    }

    #[test]
    fn line_col_agrees_with_a_linear_scan(text in "[a\n\r é😀]{0,50}") {
        let index = LineIndex::new(&text);
        let mut line = 1;
        let mut col = 1;
        for (offset, ch) in text.char_indices() {
            prop_assert_eq!(index.line_col(offset), LineCol { line, col });
            prop_assert_eq!(index.offset(LineCol { line, col }), Some(offset));
            if ch == '\n' { line += 1; col = 1; } else { col += 1; }
        }
        prop_assert_eq!(index.line_col(text.len()), LineCol { line, col });
        prop_assert_eq!(index.line_count(), line);
        // The line ranges tile the text.
        let joined: String = (1..=index.line_count())
            .map(|l| index.line_range(l).unwrap().slice(&text))
            .collect();
        prop_assert_eq!(joined, text);
    }
}

#[test]
fn overlapping_edits_are_an_error_whatever_the_order() {
    for edits in [
        vec![Edit::replace(1..4, "x"), Edit::replace(3..5, "y")],
        vec![Edit::replace(3..5, "y"), Edit::replace(1..4, "x")],
        vec![Edit::delete(1..4), Edit::delete(1..4)],
        vec![Edit::insert(2, "x"), Edit::delete(1..4)],
    ] {
        let set: EditSet = edits.into_iter().collect();
        assert!(
            matches!(set.apply("abcdef"), Err(EditError::Overlap { .. })),
            "{set:?}"
        );
    }
}

#[test]
fn untouched_bytes_are_kept_exactly() {
    let text = "FROM x\r\n# comment \\\r\nRUN a \\\n    b\n";
    let mut set = EditSet::new();
    let run = text.find("RUN").unwrap();
    set.insert(run, "# added\n");
    let out = set.apply(text).unwrap();
    assert_eq!(out, "FROM x\r\n# comment \\\r\n# added\nRUN a \\\n    b\n");
}

#[test]
fn errors_describe_the_problem() {
    let set: EditSet = [Edit::delete(0..9)].into_iter().collect();
    let err = set.apply("abc").unwrap_err();
    assert_eq!(
        err.to_string(),
        "edit range 0..9 is out of bounds (text length 3)"
    );
}
