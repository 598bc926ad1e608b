//! Word splitting for ARG, ENV and LABEL: a port of BuildKit's `parseWords`, which keeps quotes
//! and escapes in the words and honours the escape character.

/// Split `rest` into words on unquoted whitespace. Quotes and escape characters stay in the
/// words, as in BuildKit.
pub fn parse_words(rest: &str, escape: char) -> Vec<String> {
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

/// An error in ENV/LABEL arguments, with BuildKit's message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeyValueError(pub String);

/// BuildKit's `parseNameVal` for ENV and LABEL: either the legacy `KEY name value` form or
/// `name=value ...` pairs. Returns `[name, value, name, value, ...]`, quotes kept.
pub fn split_key_values(rest: &str, keyword: &str, escape: char) -> Result<Vec<String>, String> {
    key_values(rest, keyword, escape).map_err(|e| e.0)
}

pub(crate) fn key_values(
    rest: &str,
    keyword: &str,
    escape: char,
) -> Result<Vec<String>, KeyValueError> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.contains('=') {
        let is_ws = |c: char| matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ');
        let Some(split) = rest.find(is_ws) else {
            return Err(KeyValueError(format!("{keyword} must have two arguments")));
        };
        let value = rest[split..].trim_start_matches(is_ws);
        return Ok(vec![rest[..split].to_string(), value.to_string()]);
    }
    let mut out = Vec::with_capacity(words.len() * 2);
    for word in &words {
        let Some((name, value)) = word.split_once('=') else {
            return Err(KeyValueError(format!(
                "Syntax error - can't find = in \"{word}\". Must be of the form: name=value"
            )));
        };
        out.push(name.to_string());
        out.push(value.to_string());
    }
    Ok(out)
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
            key_values("KEY some value", "ENV", '\\').unwrap(),
            vec!["KEY", "some value"]
        );
        assert_eq!(
            key_values("a=1 b=\"2 3\"", "ENV", '\\').unwrap(),
            vec!["a", "1", "b", "\"2 3\""]
        );
        assert!(key_values("a", "ENV", '\\').is_err());
        assert!(key_values("a=1 b", "ENV", '\\').is_err());
    }
}
