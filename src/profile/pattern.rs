//! The two small pattern languages profiles use.
//!
//! - [`glob`]: `*` matches any run of characters except `/`, `**` matches anything including
//!   `/`, `?` one character other than `/`. Everything else is literal. Used for file paths,
//!   image names, package names and command words.
//! - [`capture`]: a glob (where `*` also crosses `/`) with one of three named holes:
//!   `{version}` (a digit followed by digits and dots, not ending in a dot), `{name}` (a run
//!   without `/`, whitespace or quotes), `{value}` (any non-empty text). `*` is lazy; holes are
//!   greedy and backtrack. The whole input must match. Returns the captured text, or the whole
//!   input when the pattern has no hole.

/// Whether `text` matches the glob `pattern` (see the module docs).
pub fn glob(pattern: &str, text: &str) -> bool {
    glob_bytes(pattern.as_bytes(), text.as_bytes())
}

fn glob_bytes(p: &[u8], t: &[u8]) -> bool {
    match p.first() {
        None => t.is_empty(),
        Some(b'*') => {
            if p.get(1) == Some(&b'*') {
                let rest = &p[2..];
                // `**/` may also match nothing at all.
                if rest.first() == Some(&b'/') && glob_bytes(&rest[1..], t) {
                    return true;
                }
                (0..=t.len()).any(|i| glob_bytes(rest, &t[i..]))
            } else {
                let rest = &p[1..];
                for i in 0..=t.len() {
                    if glob_bytes(rest, &t[i..]) {
                        return true;
                    }
                    if i < t.len() && t[i] == b'/' {
                        break;
                    }
                }
                false
            }
        }
        Some(b'?') => !t.is_empty() && t[0] != b'/' && glob_bytes(&p[1..], &t[1..]),
        Some(&c) => t.first() == Some(&c) && glob_bytes(&p[1..], &t[1..]),
    }
}

/// Whether a path glob matches a relative path: a pattern without `/` matches the file name at
/// any depth.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    if pattern.contains('/') {
        glob(pattern, path)
    } else {
        glob(pattern, path.rsplit('/').next().unwrap_or(path))
    }
}

/// Whether a string holds glob metacharacters.
pub fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Hole {
    Version,
    Name,
    Value,
}

enum Token<'a> {
    Lit(&'a str),
    Star,
    Hole(Hole),
}

fn tokenize(pattern: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('*') {
            out.push(Token::Star);
            rest = r;
            continue;
        }
        let holes = [
            ("{version}", Hole::Version),
            ("{name}", Hole::Name),
            ("{value}", Hole::Value),
        ];
        if let Some((tag, hole)) = holes.iter().find(|(tag, _)| rest.starts_with(tag)) {
            out.push(Token::Hole(*hole));
            rest = &rest[tag.len()..];
            continue;
        }
        let end = rest
            .char_indices()
            .skip(1)
            .find(|(i, c)| {
                *c == '*' || (*c == '{' && holes.iter().any(|(t, _)| rest[*i..].starts_with(t)))
            })
            .map_or(rest.len(), |(i, _)| i);
        out.push(Token::Lit(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// Whether a pattern holds a capture hole.
pub fn has_hole(pattern: &str) -> bool {
    pattern.contains("{version}") || pattern.contains("{name}") || pattern.contains("{value}")
}

/// Match `text` against a capture pattern (see the module docs). Inputs over 4 KiB never match.
pub fn capture(pattern: &str, text: &str) -> Option<String> {
    if text.len() > 4096 {
        return None;
    }
    let tokens = tokenize(pattern);
    let mut captured = None;
    let mut budget = 100_000usize;
    if run(&tokens, text, &mut captured, &mut budget) {
        Some(captured.map_or_else(|| text.to_string(), |s: &str| s.to_string()))
    } else {
        None
    }
}

fn hole_ends(hole: Hole, text: &str) -> Vec<usize> {
    // Candidate end offsets, longest first (greedy).
    let mut ends = Vec::new();
    match hole {
        Hole::Version => {
            let b = text.as_bytes();
            if b.first().is_some_and(u8::is_ascii_digit) {
                let mut i = 0;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                    if b[i - 1] != b'.' {
                        ends.push(i);
                    }
                }
            }
        }
        Hole::Name => {
            for (i, c) in text.char_indices() {
                if c == '/' || c.is_whitespace() || c == '"' || c == '\'' {
                    break;
                }
                ends.push(i + c.len_utf8());
            }
        }
        Hole::Value => {
            ends.extend(text.char_indices().map(|(i, c)| i + c.len_utf8()));
        }
    }
    ends.reverse();
    ends
}

fn run<'t>(
    tokens: &[Token<'_>],
    text: &'t str,
    captured: &mut Option<&'t str>,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    match tokens.first() {
        None => text.is_empty(),
        Some(Token::Lit(l)) => text
            .strip_prefix(l)
            .is_some_and(|r| run(&tokens[1..], r, captured, budget)),
        Some(Token::Star) => {
            let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            offsets.push(text.len());
            offsets
                .into_iter()
                .any(|i| run(&tokens[1..], &text[i..], captured, budget))
        }
        Some(Token::Hole(h)) => {
            for end in hole_ends(*h, text) {
                let before = *captured;
                *captured = Some(&text[..end]);
                if run(&tokens[1..], &text[end..], captured, budget) {
                    return true;
                }
                *captured = before;
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*.csproj", "Api.csproj"));
        assert!(!glob("*.csproj", "src/Api.csproj"));
        assert!(glob("**/*.csproj", "src/Api.csproj"));
        assert!(glob("**/*.csproj", "Api.csproj"));
        assert!(glob("dotnet-sdk-*", "dotnet-sdk-3.1"));
        assert!(glob("package*.json", "package-lock.json"));
        assert!(!glob("node", "nodejs"));
        assert!(glob("?ode", "node"));
    }

    #[test]
    fn captures() {
        assert_eq!(capture("{version}*", "18-alpine").as_deref(), Some("18"));
        assert_eq!(capture("{version}*", "3.11-slim").as_deref(), Some("3.11"));
        assert_eq!(
            capture("*openjdk-{version}*", "3.8.6-openjdk-17-slim").as_deref(),
            Some("17")
        );
        assert_eq!(
            capture("*jdk{version}*", "jdk17-alpine").as_deref(),
            Some("17")
        );
        assert_eq!(
            capture("*{version}*", ">=18.0.0").as_deref(),
            Some("18.0.0")
        );
        assert_eq!(capture("net{version}", "net8.0").as_deref(), Some("8.0"));
        assert_eq!(
            capture("module *{name}", "module github.com/x/api").as_deref(),
            Some("api")
        );
        assert_eq!(
            capture("module {name}", "module api").as_deref(),
            Some("api")
        );
        assert_eq!(
            capture("*rootProject.name*'{value}'*", "rootProject.name = 'demo'").as_deref(),
            Some("demo")
        );
        assert_eq!(
            capture("go {version}", "go 1.21.5").as_deref(),
            Some("1.21.5")
        );
        assert_eq!(capture("go {version}", "go 1."), None);
        assert_eq!(
            capture("*alpine*", "1.22-alpine3.19").as_deref(),
            Some("1.22-alpine3.19")
        );
        assert_eq!(capture("{version}", "lts/hydrogen"), None);
    }
}
