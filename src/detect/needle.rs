//! Finding a line probe's needle in a manifest. `str::find` with a text pattern runs a
//! byte-by-byte two-way search; most needles (`version`, `rootProject.name`) hold a byte that is
//! rare in manifests, and looking for that byte alone is a word-at-a-time `memchr`, with the
//! whole needle compared only where the byte occurs.

/// A needle with the byte its search looks for first.
#[derive(Clone, Debug, Default)]
pub(crate) struct Needle {
    text: String,
    /// The offset in `text` of its rarest ASCII byte (see [`rarity`]); `None` when the needle
    /// is empty or has no ASCII byte, and `str::find` searches for it whole.
    anchor: Option<usize>,
}

/// Lower-case letters, most frequent first (in English, and near enough in manifests).
const LETTERS_BY_FREQUENCY: &[u8] = b"etaoinsrhldcumfpgwybvkxjqz";

/// How rare a byte is likely to be in a manifest, higher is rarer: spaces least, then letters
/// by their frequency, then digits and punctuation, then capitals.
fn rarity(b: u8) -> usize {
    match b {
        b' ' | b'\t' => 0,
        b'a'..=b'z' => {
            1 + LETTERS_BY_FREQUENCY
                .iter()
                .position(|&l| l == b)
                .unwrap_or(0)
        }
        b'0'..=b'9' => 27,
        b'A'..=b'Z' => 29,
        _ => 28,
    }
}

impl Needle {
    pub(crate) fn new(text: &str) -> Self {
        let anchor = text
            .bytes()
            .enumerate()
            .filter(|(_, b)| b.is_ascii())
            // The first of the rarest bytes.
            .max_by_key(|&(i, b)| (rarity(b), std::cmp::Reverse(i)))
            .map(|(i, _)| i);
        Self {
            text: text.to_string(),
            anchor,
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The first offset of the needle in `hay` (as `hay.find(needle)`).
    pub(crate) fn find_in(&self, hay: &str) -> Option<usize> {
        let Some(anchor) = self.anchor else {
            return hay.find(self.text.as_str());
        };
        let byte = self.text.as_bytes()[anchor];
        let (needle, bytes) = (self.text.as_bytes(), hay.as_bytes());
        // `from` is 0 or just after an ASCII byte, so a char boundary.
        let mut from = 0;
        loop {
            let at = from + hay[from..].find(char::from(byte))?;
            if let Some(start) = at.checked_sub(anchor)
                && bytes[start..].starts_with(needle)
            {
                return Some(start);
            }
            from = at + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Needle;

    #[test]
    fn the_anchor_is_the_rarest_byte() {
        assert_eq!(Needle::new("version").anchor, Some(0));
        assert_eq!(Needle::new("rootProject.name").anchor, Some(4));
        assert_eq!(Needle::new("JavaLanguageVersion.of(").anchor, Some(0));
        assert_eq!(Needle::new("é").anchor, None);
        assert_eq!(Needle::new("").anchor, None);
    }

    proptest::proptest! {
        /// The search answers as `str::find` does, ASCII and not, needle at the edges or not.
        #[test]
        fn finds_as_str_find_does(
            needle in "(v|e|r|=|'|\\.|a| |é|1){0,5}",
            hay in "(v|e|r|=|'|\\.|a| |\\n|é|1|ve|ver){0,40}",
        ) {
            proptest::prop_assert_eq!(Needle::new(&needle).find_in(&hay), hay.find(needle.as_str()));
        }
    }
}
