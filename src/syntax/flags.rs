//! Builder flags (`--mount=...`) at the start of an instruction's arguments.
//!
//! A port of BuildKit's `extractBuilderFlags`. Like BuildKit it works byte by byte, so a
//! non-ASCII byte becomes the Latin-1 character of the same value; this is what BuildKit itself
//! passes on to the build, so restage reports the same.

use super::Flag;

/// Split the leading `--flag` words off `line`. Returns the flags and the byte offset in `line`
/// where the remaining arguments start (`line.len()` when only flags were present).
pub(crate) fn extract_flags(line: &str) -> (Vec<Flag>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let bytes = line.as_bytes();
    let is_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0);
    // Most instructions have no flags: answer those without setting up the scanner.
    match bytes.iter().position(|&b| !is_space(b)) {
        None => return (Vec::new(), line.len()),
        Some(at) if !bytes[at..].starts_with(b"--") => {
            return (Vec::new(), next_boundary(line, at));
        }
        Some(_) => {}
    }
    let mut flags: Vec<Flag> = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    while pos <= bytes.len() {
        let ch = bytes.get(pos).copied().unwrap_or(0);
        if phase == Phase::Spaces {
            if pos == bytes.len() {
                break;
            }
            if is_space(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || bytes.get(pos + 1) != Some(&b'-') {
                return (flags, next_boundary(line, pos));
            }
            phase = Phase::Word;
        }
        if pos == bytes.len() {
            if word != "--" && (blank_ok || !word.is_empty()) {
                flags.push(to_flag(word));
            }
            break;
        }
        if phase == Phase::Word {
            // A whole plain word (no quote, escape or non-ASCII byte) is taken in one slice.
            if word.is_empty() && !blank_ok {
                let end = bytes[pos..]
                    .iter()
                    .position(|&b| is_space(b))
                    .map_or(bytes.len(), |n| pos + n);
                let span = &bytes[pos..end];
                if span
                    .iter()
                    .all(|&b| b.is_ascii() && !matches!(b, b'\'' | b'"' | b'\\'))
                {
                    // All ASCII, so `end` is a char boundary.
                    let plain = &line[pos..end];
                    if plain == "--" {
                        return (flags, next_boundary(line, end.min(bytes.len())));
                    }
                    flags.push(to_flag(plain.to_string()));
                    phase = Phase::Spaces;
                    pos = end + 1;
                    continue;
                }
            }
            if is_space(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (flags, next_boundary(line, pos));
                }
                if blank_ok || !word.is_empty() {
                    flags.push(to_flag(std::mem::take(&mut word)));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            let mut c = ch;
            if ch == b'\\' {
                if pos + 1 == bytes.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                c = bytes[pos];
            }
            word.push(char::from(c));
            pos += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        let mut c = ch;
        if ch == b'\\' {
            if pos + 1 == bytes.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            c = bytes[pos];
        }
        word.push(char::from(c));
        pos += 1;
    }
    (flags, line.len())
}

/// BuildKit slices at a byte offset; keep the slice valid UTF-8.
fn next_boundary(line: &str, mut pos: usize) -> usize {
    while !line.is_char_boundary(pos) {
        pos += 1;
    }
    pos
}

/// A `--name=value` word as a flag; the word's buffer becomes the name.
fn to_flag(mut word: String) -> Flag {
    let body = if word.starts_with("--") { 2 } else { 0 };
    let value = word[body..].find('=').map(|eq| {
        let value = word[body + eq + 1..].to_string();
        word.truncate(body + eq);
        value
    });
    word.drain(..body);
    Flag { name: word, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(line: &str) -> (Vec<String>, &str) {
        let (f, at) = extract_flags(line);
        (f.iter().map(Flag::to_buildkit).collect(), &line[at..])
    }

    #[test]
    fn splits_flags_from_arguments() {
        assert_eq!(
            flags("--mount=type=cache,target=/root/.npm --link npm ci"),
            (
                vec![
                    "--mount=type=cache,target=/root/.npm".into(),
                    "--link".into()
                ],
                "npm ci"
            )
        );
        assert_eq!(flags("npm ci"), (vec![], "npm ci"));
    }

    #[test]
    fn quotes_and_double_dash() {
        assert_eq!(
            flags("--mount=\"a b\" x"),
            (vec!["--mount=a b".into()], "x")
        );
        assert_eq!(flags("-- --x y"), (vec![], " --x y"));
        assert_eq!(flags("--from=a"), (vec!["--from=a".into()], ""));
    }

    #[test]
    fn names_and_values_split_at_the_first_equals() {
        let (f, at) = extract_flags("--a=b=c --=x --y= --z --é=ü rest");
        let pairs: Vec<(&str, Option<&str>)> = f
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_deref()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a", Some("b=c")),
                ("", Some("x")),
                ("y", Some("")),
                ("z", None),
                ("Ã©", Some("Ã¼")),
            ]
        );
        assert_eq!(at, "--a=b=c --=x --y= --z --é=ü ".len());
        assert_eq!(extract_flags("  \t"), (vec![], 3));
        assert_eq!(extract_flags(" -x"), (vec![], 1));
    }

    /// The scanner as it was before the plain-word shortcut, kept to test it against.
    mod reference {
        use super::super::{Flag, next_boundary, to_flag};

        pub fn extract_flags(line: &str) -> (Vec<Flag>, usize) {
            #[derive(PartialEq)]
            enum Phase {
                Spaces,
                Word,
                Quote,
            }
            let bytes = line.as_bytes();
            let is_space =
                |b: u8| matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0);
            // Most instructions have no flags: answer those without setting up the scanner.
            match bytes.iter().position(|&b| !is_space(b)) {
                None => return (Vec::new(), line.len()),
                Some(at) if !bytes[at..].starts_with(b"--") => {
                    return (Vec::new(), next_boundary(line, at));
                }
                Some(_) => {}
            }
            let mut flags: Vec<Flag> = Vec::new();
            let mut phase = Phase::Spaces;
            let mut word = String::new();
            let mut quote = 0u8;
            let mut blank_ok = false;
            let mut pos = 0;
            while pos <= bytes.len() {
                let ch = bytes.get(pos).copied().unwrap_or(0);
                if phase == Phase::Spaces {
                    if pos == bytes.len() {
                        break;
                    }
                    if is_space(ch) {
                        pos += 1;
                        continue;
                    }
                    if ch != b'-' || bytes.get(pos + 1) != Some(&b'-') {
                        return (flags, next_boundary(line, pos));
                    }
                    phase = Phase::Word;
                }
                if pos == bytes.len() {
                    if word != "--" && (blank_ok || !word.is_empty()) {
                        flags.push(to_flag(word));
                    }
                    break;
                }
                if phase == Phase::Word {
                    if is_space(ch) {
                        phase = Phase::Spaces;
                        if word == "--" {
                            return (flags, next_boundary(line, pos));
                        }
                        if blank_ok || !word.is_empty() {
                            flags.push(to_flag(std::mem::take(&mut word)));
                        }
                        word.clear();
                        blank_ok = false;
                        pos += 1;
                        continue;
                    }
                    if ch == b'\'' || ch == b'"' {
                        quote = ch;
                        blank_ok = true;
                        phase = Phase::Quote;
                        pos += 1;
                        continue;
                    }
                    let mut c = ch;
                    if ch == b'\\' {
                        if pos + 1 == bytes.len() {
                            pos += 1;
                            continue;
                        }
                        pos += 1;
                        c = bytes[pos];
                    }
                    word.push(char::from(c));
                    pos += 1;
                    continue;
                }
                // Phase::Quote
                if ch == quote {
                    phase = Phase::Word;
                    pos += 1;
                    continue;
                }
                let mut c = ch;
                if ch == b'\\' {
                    if pos + 1 == bytes.len() {
                        phase = Phase::Word;
                        pos += 1;
                        continue;
                    }
                    pos += 1;
                    c = bytes[pos];
                }
                word.push(char::from(c));
                pos += 1;
            }
            (flags, line.len())
        }
    }

    proptest::proptest! {
        /// The plain-word shortcut gives what the byte-by-byte scanner gives.
        #[test]
        fn the_plain_word_shortcut_changes_nothing(line in "( ?--[-= a\"'\\\\\té\u{a0}x]{0,10}){0,3}") {
            proptest::prop_assert_eq!(extract_flags(&line), reference::extract_flags(&line));
        }
    }

    #[test]
    fn non_ascii_is_latin1_like_buildkit() {
        assert_eq!(flags("--t=/é x").0, vec!["--t=/Ã©".to_string()]);
    }
}
