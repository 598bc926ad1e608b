//! Pragmas: `# restage: key[=value], ...` comments above the first instruction. This is the
//! one reader; the library (`ignore`) and the CLI (which also checks the values) both use it.

use super::{Dockerfile, Item};

/// One `key` or `key=value` item of a pragma comment, trimmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pragma<'a> {
    pub key: &'a str,
    pub value: Option<&'a str>,
    /// The item as written (`runtime=alpine`).
    pub text: &'a str,
    /// Where the item starts in the Dockerfile's text.
    pub offset: usize,
}

/// The pragma items of the comments above the first instruction, in order.
pub fn pragmas(df: &Dockerfile) -> Vec<Pragma<'_>> {
    let mut out = Vec::new();
    for item in &df.items {
        let range = match item {
            Item::Comment { range } | Item::Directive { range } => *range,
            Item::Instruction { .. } => break,
            _ => continue,
        };
        let line = df.slice(range);
        let body = line.trim().trim_start_matches('#').trim();
        let Some(rest) = body.strip_prefix("restage:") else {
            continue;
        };
        for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part, None),
            };
            out.push(Pragma {
                key,
                value,
                text: part,
                offset: range.start + line.find(part).unwrap_or(0),
            });
        }
    }
    out
}

/// Whether a pragma says `ignore` (alone or beside others: `# restage: ignore, runtime=alpine`).
pub fn is_ignored(df: &Dockerfile) -> bool {
    pragmas(df)
        .iter()
        .any(|p| p.key == "ignore" && p.value.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_is_seen_beside_other_pragmas_and_only_in_the_header() {
        for (text, ignored) in [
            ("# restage: ignore\nFROM a\n", true),
            ("# restage: ignore, runtime=alpine\nFROM a\n", true),
            ("#restage:runtime=alpine ,ignore\nFROM a\n", true),
            ("# restage: runtime=alpine\nFROM a\n", false),
            ("# restage: ignore=yes\nFROM a\n", false),
            ("FROM a\n# restage: ignore\n", false),
        ] {
            assert_eq!(is_ignored(&crate::syntax::parse(text)), ignored, "{text:?}");
        }
        let text = "# hello\n#  restage: runtime=scratch\nFROM a\n";
        let df = crate::syntax::parse(text);
        let found = pragmas(&df);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].key, found[0].value), ("runtime", Some("scratch")));
        assert_eq!(&text[found[0].offset..][..15], "runtime=scratch");
    }
}
