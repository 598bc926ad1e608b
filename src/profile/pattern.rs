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
///
/// Patterns may come from a Dockerfile (COPY sources), so matching is memoised: at most
/// `pattern.len() × text.len()` steps, and inputs over 4 KiB never match.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    if p.len() > 4096 || t.len() > 4096 {
        return false;
    }
    if !p.contains(&b'*') && !p.contains(&b'?') {
        return p == t;
    }
    // Cheap answers first: the literal text before the first wildcard must start the text, and
    // a single `*` (no `?`, no `**`) is a prefix/suffix test.
    let literal = p
        .iter()
        .position(|&c| c == b'*' || c == b'?')
        .unwrap_or(p.len());
    if !t.starts_with(&p[..literal]) {
        return false;
    }
    if !p.contains(&b'?') && p.iter().filter(|&&c| c == b'*').count() == 1 {
        let (prefix, suffix) = (&p[..literal], &p[literal + 1..]);
        return t.len() >= prefix.len() + suffix.len()
            && t.ends_with(suffix)
            && !t[prefix.len()..t.len() - suffix.len()].contains(&b'/');
    }
    let mut memo = vec![None; (p.len() + 1) * (t.len() + 1)];
    glob_at(p, t, 0, 0, &mut memo)
}

fn glob_at(p: &[u8], t: &[u8], pi: usize, ti: usize, memo: &mut [Option<bool>]) -> bool {
    let key = pi * (t.len() + 1) + ti;
    if let Some(hit) = memo[key] {
        return hit;
    }
    let result = match p.get(pi) {
        None => ti == t.len(),
        Some(b'*') if p.get(pi + 1) == Some(&b'*') => {
            let rest = pi + 2;
            // `**/` may also match nothing at all.
            (p.get(rest) == Some(&b'/') && glob_at(p, t, rest + 1, ti, memo))
                || (ti..=t.len()).any(|i| glob_at(p, t, rest, i, memo))
        }
        Some(b'*') => {
            let mut matched = false;
            for i in ti..=t.len() {
                if glob_at(p, t, pi + 1, i, memo) {
                    matched = true;
                    break;
                }
                if i < t.len() && t[i] == b'/' {
                    break;
                }
            }
            matched
        }
        Some(b'?') => ti < t.len() && t[ti] != b'/' && glob_at(p, t, pi + 1, ti + 1, memo),
        Some(&c) => t.get(ti) == Some(&c) && glob_at(p, t, pi + 1, ti + 1, memo),
    };
    memo[key] = Some(result);
    result
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
    fn pathological_globs_stay_fast() {
        let pattern = format!("{}x", "*".repeat(40));
        let text = "a".repeat(300);
        let start = std::time::Instant::now();
        assert!(!glob(&pattern, &text));
        assert!(!glob(&format!("{}x", "**/*".repeat(20)), &"a/".repeat(150)));
        assert!(start.elapsed().as_secs() < 2);
        assert!(glob(&"*a".repeat(20), &"a".repeat(300)));
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
