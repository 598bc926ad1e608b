//! Word splitting for ARG, ENV and LABEL: a port of BuildKit's `parseWords`, which keeps quotes
//! and escapes in the words and honours the escape character.

/// Split `rest` into words on unquoted whitespace. Quotes and escape characters stay in the
/// words, as in BuildKit.
pub fn parse_words(rest: &str, escape: char) -> Vec<String> {
    words(rest, escape).map(str::to_string).collect()
}

/// The words of [`parse_words`], as slices of `rest`.
///
/// Every word BuildKit's `parseWords` produces is a contiguous piece of its input: all
/// characters are kept except the separating whitespace and an escape character that ends the
/// input (which BuildKit drops). So the words can be found without copying.
pub(crate) fn words(rest: &str, escape: char) -> Words<'_> {
    Words {
        rest,
        pos: 0,
        escape,
    }
}

/// Bytes that need a closer look outside quotes: whitespace, quotes, both possible escape
/// characters, and every non-ASCII byte (the character is decoded then).
static SPECIAL_UNQUOTED: [bool; 256] = special_table(true);
/// The same inside quotes, where whitespace is part of the word.
static SPECIAL_QUOTED: [bool; 256] = special_table(false);

const fn special_table(whitespace: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte >= 0x80
            || matches!(byte, b'\'' | b'"' | b'\\' | b'`')
            || (whitespace && matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '));
        b += 1;
    }
    table
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each zero byte of `x`. Borrows can flag bytes above a zero byte too, so
/// only the lowest flag is exact, which is all [`skip_plain`] uses.
#[inline]
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Advance `pos` eight bytes at a time over bytes that cannot be special (see the tables),
/// stopping at the chunk that holds the first byte that may be. The flags are a superset of
/// the table's (every byte below `!` counts as whitespace), so the table loop that follows
/// decides; this only skips the long plain runs faster than a byte-by-byte lookup.
#[inline]
fn skip_plain(bytes: &[u8], mut pos: usize, quoted: bool) -> usize {
    let eq = |x: u64, b: u8| zero_bytes(x ^ (ONES * u64::from(b)));
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let mut flags = (x & HIGHS) | eq(x, b'\'') | eq(x, b'"') | eq(x, b'\\') | eq(x, b'`');
        if !quoted {
            // Bytes below 0x21: whitespace and the other control characters.
            flags |= x.wrapping_sub(ONES * 0x21) & !x & HIGHS;
        }
        if flags != 0 {
            return pos + (flags.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    pos
}

/// Iterator over the words of a line; see [`words`].
pub(crate) struct Words<'a> {
    rest: &'a str,
    pos: usize,
    escape: char,
}

impl<'a> Words<'a> {
    /// The character at byte `pos` and its length. `pos < len` and on a char boundary.
    #[inline]
    fn char_at(&self, pos: usize) -> (char, usize) {
        let b = self.rest.as_bytes()[pos];
        if b < 0x80 {
            (char::from(b), 1)
        } else {
            let c = self.rest[pos..].chars().next().unwrap_or('\0');
            (c, c.len_utf8())
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.next_range().map(|(start, end)| &self.rest[start..end])
    }
}

impl Words<'_> {
    /// The next word as the byte range `start..end` of the input.
    pub(crate) fn next_range(&mut self) -> Option<(usize, usize)> {
        let len = self.rest.len();
        // Skip whitespace.
        let start = loop {
            if self.pos >= len {
                return None;
            }
            let (c, n) = self.char_at(self.pos);
            if !c.is_whitespace() {
                break self.pos;
            }
            self.pos += n;
        };
        let mut quote: Option<char> = None;
        // BuildKit keeps an empty word only when it opened a quote.
        let mut quoted = false;
        let mut pos = start;
        let bytes = self.rest.as_bytes();
        let end = loop {
            // Skip the bytes that cannot change the state: ASCII other than whitespace, quotes
            // and escape characters (the table is conservative; the full test follows).
            let table = if quote.is_none() {
                &SPECIAL_UNQUOTED
            } else {
                &SPECIAL_QUOTED
            };
            pos = skip_plain(bytes, pos, quote.is_some());
            while pos < len && !table[usize::from(bytes[pos])] {
                pos += 1;
            }
            if pos >= len {
                break len;
            }
            let (c, n) = self.char_at(pos);
            // The same order of tests as BuildKit's loop, so that even an escape character
            // that is also a quote behaves the same.
            let escapes = match quote {
                None => {
                    if c.is_whitespace() {
                        break pos;
                    }
                    if c == '\'' || c == '"' {
                        quote = Some(c);
                        quoted = true;
                    }
                    c == self.escape
                }
                Some(q) => {
                    if c == q {
                        quote = None;
                    }
                    c == self.escape && q != '\''
                }
            };
            if escapes {
                if pos + n >= len {
                    // A trailing escape is dropped.
                    break pos;
                }
                pos += n;
                pos += self.char_at(pos).1;
                continue;
            }
            pos += n;
        };
        // Resume after the separator (or at the end).
        self.pos = if end < len {
            end + self.char_at(end).1
        } else {
            len
        };
        if end == start && !quoted {
            // Only a dropped trailing escape.
            return self.next_range();
        }
        Some((start, end))
    }
}

/// An error in ENV/LABEL arguments, with BuildKit's message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeyValueError(pub String);

/// BuildKit's `parseNameVal` for ENV and LABEL: either the legacy `KEY name value` form or
/// `name=value ...` pairs. Returns `[name, value, name, value, ...]`, quotes kept.
pub fn split_key_values(rest: &str, keyword: &str, escape: char) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    key_value_ranges(rest, keyword, escape, |start, end| {
        out.push(rest[start..end].to_string())
    })
    .map_err(|e| e.0)?;
    Ok(out)
}

/// [`split_key_values`] as byte ranges of `rest`, passed to `push` in order: every name and
/// value is a contiguous piece of the input, so the parser stores ranges instead of copies.
/// On an error some ranges may have been pushed already; the caller drops them.
pub(crate) fn key_value_ranges(
    rest: &str,
    keyword: &str,
    escape: char,
    mut push: impl FnMut(usize, usize),
) -> Result<(), KeyValueError> {
    let mut iter = words(rest, escape);
    let Some((mut start, mut end)) = iter.next_range() else {
        return Ok(());
    };
    // A byte search: words are short, and `=` is ASCII so the split is on a char boundary.
    let eq_in =
        |start: usize, end: usize| rest.as_bytes()[start..end].iter().position(|&b| b == b'=');
    let mut eq = eq_in(start, end);
    if eq.is_none() {
        let is_ws = |c: char| matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ');
        let Some(split) = rest.find(is_ws) else {
            return Err(KeyValueError(format!("{keyword} must have two arguments")));
        };
        let value = rest[split..].trim_start_matches(is_ws);
        push(0, split);
        push(rest.len() - value.len(), rest.len());
        return Ok(());
    }
    loop {
        let Some(at) = eq else {
            return Err(KeyValueError(format!(
                "Syntax error - can't find = in \"{}\". Must be of the form: name=value",
                &rest[start..end]
            )));
        };
        push(start, start + at);
        push(start + at + 1, end);
        let Some(next) = iter.next_range() else {
            return Ok(());
        };
        (start, end) = next;
        eq = eq_in(start, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_quotes_and_escapes() {
        assert_eq!(
            parse_words(r#"a="x y" b=\"z"#, '\\'),
            vec![r#"a="x y""#, r#"b=\"z"#]
        );
        assert_eq!(parse_words("a='x\\ y'", '\\'), vec!["a='x\\ y'"]);
        assert_eq!(parse_words("  ", '\\'), Vec::<String>::new());
    }

    #[test]
    fn legacy_and_pair_forms() {
        assert_eq!(
            split_key_values("KEY some value", "ENV", '\\').unwrap(),
            vec!["KEY", "some value"]
        );
        assert_eq!(
            split_key_values("a=1 b=\"2 3\"", "ENV", '\\').unwrap(),
            vec!["a", "1", "b", "\"2 3\""]
        );
        assert!(split_key_values("a", "ENV", '\\').is_err());
        assert!(split_key_values("a=1 b", "ENV", '\\').is_err());
    }

    /// The char-by-char port of BuildKit's `parseWords` that [`words`] replaced; they must
    /// agree.
    fn reference_words(rest: &str, escape: char) -> Vec<String> {
        #[derive(PartialEq)]
        enum Phase {
            Spaces,
            Word,
            Quote,
        }
        let mut words = Vec::new();
        let mut phase = Phase::Spaces;
        let mut word = String::new();
        let mut quote = '\0';
        let mut blank_ok = false;
        let mut chars = rest.chars().peekable();
        loop {
            let Some(ch) = chars.next() else {
                if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
                    words.push(word);
                }
                break;
            };
            if phase == Phase::Spaces {
                if ch.is_whitespace() {
                    continue;
                }
                phase = Phase::Word;
            }
            if phase == Phase::Word {
                if ch.is_whitespace() {
                    phase = Phase::Spaces;
                    if blank_ok || !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    blank_ok = false;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = ch;
                    blank_ok = true;
                    phase = Phase::Quote;
                }
                if ch == escape {
                    match chars.next() {
                        None => continue,
                        Some(next) => {
                            word.push(ch);
                            word.push(next);
                            continue;
                        }
                    }
                }
                word.push(ch);
                continue;
            }
            // Phase::Quote
            if ch == quote {
                phase = Phase::Word;
            }
            if ch == escape && quote != '\'' {
                match chars.next() {
                    None => {
                        phase = Phase::Word;
                        continue;
                    }
                    Some(next) => {
                        word.push(ch);
                        word.push(next);
                        continue;
                    }
                }
            }
            word.push(ch);
        }
        words
    }

    proptest::proptest! {
        /// Long plain runs go through the eight-byte skip; it must stop wherever the table
        /// would.
        #[test]
        fn long_words_agree_with_the_char_port(
            input in "[abcdefgh=_$ \t\u{b}\u{1}'\"\\\\`é\u{a0}\u{85}]{0,48}",
            escape in proptest::sample::select(vec!['\\', '`']),
        ) {
            proptest::prop_assert_eq!(parse_words(&input, escape), reference_words(&input, escape));
        }
    }

    #[test]
    fn word_slices_agree_with_the_char_port() {
        let pieces = [
            "a", "b=c", " ", "\t", "\u{a0}", "\u{3000}", "'", "\"", "\\", "`", "é", "x y", "=",
            "\u{85}", "\n",
        ];
        // Every string of up to four pieces, with both escape characters.
        let mut inputs = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &inputs {
                for p in pieces {
                    next.push(format!("{s}{p}"));
                }
            }
            inputs.extend(next);
            inputs.sort();
            inputs.dedup();
        }
        for input in &inputs {
            for escape in ['\\', '`', '"', '\'', 'é'] {
                assert_eq!(
                    parse_words(input, escape),
                    reference_words(input, escape),
                    "{input:?} {escape:?}"
                );
            }
        }
    }
}
