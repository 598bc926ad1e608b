//! Heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) in RUN, COPY and ADD.
//!
//! Follows BuildKit's `heredocsFromLine`: the logical line is split into shell words (quotes
//! and escapes kept), and each word that is exactly `[fd]<<[-]NAME` opens a heredoc.

/// A heredoc marker found on an instruction line; its body is read from the following lines.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Marker {
    pub name: String,
    pub strip_tabs: bool,
    pub expand: bool,
    pub fd: u32,
}

/// The heredoc markers on a logical instruction line, in order. A line BuildKit's shell lexer
/// cannot split (an unclosed quote) has none.
pub(crate) fn markers(line: &str) -> Vec<Marker> {
    match shell_words(line, true) {
        Some(words) => words.iter().filter_map(|word| marker(word)).collect(),
        None => Vec::new(),
    }
}

/// Go regex `^(\d*)<<(-?)([^<]*)$`, then the name must be exactly one shell word.
fn marker(word: &str) -> Option<Marker> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let rest = word[digits..].strip_prefix("<<")?;
    let (strip_tabs, rest) = match rest.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let cooked = shell_words(rest, false)?;
    let raw = shell_words(rest, true)?;
    if cooked.len() != 1 || raw.len() != 1 {
        return None;
    }
    let quotes = |s: &str| s.matches(['\'', '"']).count();
    Some(Marker {
        name: cooked[0].clone(),
        strip_tabs,
        expand: quotes(&cooked[0]) == quotes(&raw[0]),
        fd: word[..digits].parse().unwrap_or(0),
    })
}

/// Split on unquoted whitespace like BuildKit's shell lexer. With `raw`, quotes and escapes are
/// kept in the words; without, they are removed. `None` when a quote is not closed.
fn shell_words(line: &str, raw: bool) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match ch {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                if raw {
                    word.push('\\');
                }
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            '\'' | '"' => {
                in_word = true;
                if raw {
                    word.push(ch);
                }
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if c == ch {
                        if raw {
                            word.push(c);
                        }
                        closed = true;
                        break;
                    }
                    if c == '\\' && ch == '"' {
                        if raw {
                            word.push(c);
                        }
                        if let Some(next) = chars.next() {
                            word.push(next);
                        }
                        continue;
                    }
                    word.push(c);
                }
                if !closed {
                    return None;
                }
            }
            _ => {
                in_word = true;
                word.push(ch);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_markers() {
        let m = markers("RUN <<EOF cat && cat 3<<-'END'");
        assert_eq!(m.len(), 2);
        assert_eq!(
            (m[0].name.as_str(), m[0].expand, m[0].strip_tabs),
            ("EOF", true, false)
        );
        assert_eq!(
            (m[1].name.as_str(), m[1].expand, m[1].strip_tabs, m[1].fd),
            ("END", false, true, 3)
        );
    }

    #[test]
    fn ignores_quoted_and_embedded_markers() {
        assert!(markers("RUN echo \"<<EOF\"").is_empty());
        assert!(markers("RUN cat<<EOF").is_empty());
        assert!(markers("RUN echo a << b").is_empty());
        assert!(markers("RUN <<EOF echo \"unbalanced").is_empty());
    }
}
