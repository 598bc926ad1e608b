//! Glob patterns: Go's `filepath.Match` for `COPY` sources, and the engine `.dockerignore`
//! patterns compile to.
//!
//! `*` matches any run of characters other than `/`, `?` one character other than `/`,
//! `[...]` a character class (`[^...]` negated, ranges `a-z`, `\` escapes), and `\x` the
//! character `x`. `.dockerignore` patterns add `**`, which matches any number of folders.
//! Matching simulates the pattern as an automaton: time is linear in the path length times the
//! pattern length, whatever the pattern (no backtracking blow-up).

/// One element of a compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// This exact character.
    Char(char),
    /// `*`: any run of characters except `/`.
    Star,
    /// `?`: one character except `/`.
    AnyOne,
    /// `[...]`: one character in (or, negated, not in) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `**` followed by more pattern: nothing, or anything ending in `/` (regex `(.*/)?`).
    DeepDirs,
    /// `**` at the end: anything at all (regex `.*`).
    DeepAll,
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pattern {
    tokens: Vec<Token>,
    /// The literal characters before the first wildcard: a path must start with them.
    prefix: String,
    /// Whether the pattern is all literal characters (then it is just `prefix`).
    literal: bool,
    /// For `prefix*suffix` (one `*`, literal otherwise): the suffix.
    star_suffix: Option<String>,
    /// For `**/rest` where `rest` cannot match a `/`: `rest`, which must match the last path
    /// component (`**/*.key`, `**/.env`).
    last_component: Option<Box<Pattern>>,
}

/// A set of automaton states: a bit set for short patterns, a vector for long ones.
trait States {
    fn get(&self, i: usize) -> bool;
    fn set(&mut self, i: usize);
    fn clear(&mut self);
}

impl States for u128 {
    fn get(&self, i: usize) -> bool {
        *self & (1 << i) != 0
    }
    fn set(&mut self, i: usize) {
        *self |= 1 << i;
    }
    fn clear(&mut self) {
        *self = 0;
    }
}

impl States for Vec<bool> {
    fn get(&self, i: usize) -> bool {
        self[i]
    }
    fn set(&mut self, i: usize) {
        self[i] = true;
    }
    fn clear(&mut self) {
        self.iter_mut().for_each(|s| *s = false);
    }
}

/// Why a pattern could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BadPattern;

impl Pattern {
    /// Compile a `filepath.Match` pattern; with `double_star`, `**` is Docker's any-folders.
    pub(crate) fn compile(pattern: &str, double_star: bool) -> Result<Self, BadPattern> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' if double_star && chars.get(i + 1) == Some(&'*') => {
                    i += 2;
                    // `**/` is read as `**`.
                    if chars.get(i) == Some(&'/') {
                        i += 1;
                    }
                    tokens.push(if i == chars.len() {
                        Token::DeepAll
                    } else {
                        Token::DeepDirs
                    });
                    continue;
                }
                '*' => tokens.push(Token::Star),
                '?' => tokens.push(Token::AnyOne),
                '\\' => {
                    i += 1;
                    let &c = chars.get(i).ok_or(BadPattern)?;
                    tokens.push(Token::Char(c));
                }
                '[' => {
                    let (class, next) = parse_class(&chars, i + 1)?;
                    tokens.push(class);
                    i = next;
                    continue;
                }
                c => tokens.push(Token::Char(c)),
            }
            i += 1;
        }
        Ok(Self::from_tokens(tokens))
    }

    /// A pattern with its shortcuts worked out.
    fn from_tokens(tokens: Vec<Token>) -> Self {
        let literal_run = |ts: &[Token]| -> Option<String> {
            ts.iter()
                .map(|t| match t {
                    Token::Char(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let prefix: String = tokens
            .iter()
            .map_while(|t| match t {
                Token::Char(c) => Some(*c),
                _ => None,
            })
            .collect();
        let literal = prefix.chars().count() == tokens.len();
        let star_suffix = match tokens.iter().position(|t| *t == Token::Star) {
            Some(star) if literal_run(&tokens[..star]).is_some() => {
                literal_run(&tokens[star + 1..])
            }
            _ => None,
        };
        let last_component = match tokens.split_first() {
            Some((Token::DeepDirs, rest))
                if rest.iter().all(|t| match t {
                    Token::Char(c) => *c != '/',
                    Token::Star | Token::AnyOne => true,
                    // A class may match `/`; `**` crosses folders.
                    Token::Class { .. } | Token::DeepDirs | Token::DeepAll => false,
                }) =>
            {
                Some(Box::new(Self::from_tokens(rest.to_vec())))
            }
            _ => None,
        };
        Self {
            tokens,
            prefix,
            literal,
            star_suffix,
            last_component,
        }
    }

    /// Whether the whole of `path` matches.
    pub(crate) fn matches(&self, path: &str) -> bool {
        // Cheap answers first: most patterns are literal names or start with one.
        if self.literal {
            return path == self.prefix;
        }
        // (Empty prefixes are skipped: glibc's AVX-512 `memcmp` of zero bytes at an empty
        // `String`'s dangling pointer costs ~170 ns on these machines.)
        if !self.prefix.is_empty() && !path.starts_with(&self.prefix) {
            return false;
        }
        if let Some(suffix) = &self.star_suffix {
            return path.len() >= self.prefix.len() + suffix.len()
                && (suffix.is_empty() || path.ends_with(suffix.as_str()))
                && !path[self.prefix.len()..path.len() - suffix.len()].contains('/');
        }
        if let Some(rest) = &self.last_component {
            return rest.matches(path.rsplit('/').next().unwrap_or(path));
        }
        // Patterns of up to 63 tokens keep their states in one machine word pair.
        if self.tokens.len() < 64 {
            self.run::<u128>(path, 0, 0)
        } else {
            let size = 2 * self.tokens.len() + 2;
            self.run::<Vec<bool>>(path, vec![false; size], vec![false; size])
        }
    }

    /// Simulate the automaton over `path`. State `2 * i` = "about to match token i";
    /// `2 * i + 1` = "inside the `**` at token i".
    fn run<S: States>(&self, path: &str, mut current: S, mut next: S) -> bool {
        let n = self.tokens.len();
        self.add(&mut current, 0);
        for c in path.chars() {
            next.clear();
            let mut any = false;
            for i in 0..n {
                if current.get(2 * i + 1) {
                    // Inside `**`: take anything; a `/` may end the folders part.
                    next.set(2 * i + 1);
                    any = true;
                    if c == '/' {
                        self.add(&mut next, i + 1);
                    }
                }
                if !current.get(2 * i) {
                    continue;
                }
                let advance = match &self.tokens[i] {
                    Token::Char(x) => *x == c,
                    Token::AnyOne => c != '/',
                    Token::Class { negated, ranges } => {
                        ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
                    }
                    Token::Star => {
                        if c != '/' {
                            self.add(&mut next, i);
                            any = true;
                        }
                        false
                    }
                    Token::DeepAll => {
                        self.add(&mut next, i);
                        any = true;
                        false
                    }
                    // Handled through the "inside" state.
                    Token::DeepDirs => false,
                };
                if advance {
                    self.add(&mut next, i + 1);
                    any = true;
                }
            }
            if !any {
                return false;
            }
            std::mem::swap(&mut current, &mut next);
        }
        current.get(2 * n)
    }

    /// Add "about to match token `i`" and everything reachable from it without input.
    fn add<S: States>(&self, states: &mut S, mut i: usize) {
        loop {
            if states.get(2 * i) {
                return;
            }
            states.set(2 * i);
            match self.tokens.get(i) {
                Some(Token::Star) | Some(Token::DeepAll) => i += 1,
                Some(Token::DeepDirs) => {
                    states.set(2 * i + 1);
                    i += 1;
                }
                _ => return,
            }
        }
    }

    /// The text before the first special character: every match starts with it.
    pub(crate) fn literal_prefix(&self) -> String {
        self.prefix.clone()
    }
}

/// Parse a class body starting after `[`; returns the token and the index after `]`.
fn parse_class(chars: &[char], mut i: usize) -> Result<(Token, usize), BadPattern> {
    let mut negated = false;
    if chars.get(i) == Some(&'^') {
        negated = true;
        i += 1;
    }
    let mut ranges = Vec::new();
    loop {
        match chars.get(i) {
            None => return Err(BadPattern),
            Some(']') if !ranges.is_empty() => {
                return Ok((Token::Class { negated, ranges }, i + 1));
            }
            _ => {}
        }
        let (lo, after) = class_char(chars, i)?;
        i = after;
        let mut hi = lo;
        if chars.get(i) == Some(&'-') {
            let (h, after) = class_char(chars, i + 1)?;
            hi = h;
            i = after;
        }
        ranges.push((lo, hi));
    }
}

/// One (possibly escaped) character inside a class; `-` and `]` must be escaped.
fn class_char(chars: &[char], i: usize) -> Result<(char, usize), BadPattern> {
    match chars.get(i) {
        None | Some('-') | Some(']') => Err(BadPattern),
        Some('\\') => chars.get(i + 1).map(|&c| (c, i + 2)).ok_or(BadPattern),
        Some(&c) => Ok((c, i + 1)),
    }
}

/// Go's `filepath.Match`: whether all of `path` matches `pattern`, where `*` and `?` never
/// match `/`. A malformed pattern (such as an unclosed `[`) matches nothing.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    Pattern::compile(pattern, false).is_ok_and(|p| p.matches(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docker(pattern: &str, path: &str) -> bool {
        Pattern::compile(pattern, true).unwrap().matches(path)
    }

    #[test]
    fn go_match_semantics() {
        assert!(glob_match("*.json", "package.json"));
        assert!(!glob_match("*.json", "sub/package.json"));
        assert!(glob_match("*/*.json", "sub/package.json"));
        assert!(glob_match("package*.json", "package-lock.json"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "a/c"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[^a-c]x", "bx"));
        assert!(glob_match("[^a-c]x", "dx"));
        assert!(glob_match("\\*", "*"));
        assert!(!glob_match("\\*", "x"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("[", "["));
        assert!(!glob_match("a\\", "a"));
        assert!(!glob_match("[]]", "]"));
        assert!(glob_match("[\\]]", "]"));
        // Without Docker's extension `**` is just two stars.
        assert!(!glob_match("**.go", "a/b.go"));
    }

    #[test]
    fn double_star() {
        assert!(docker("**/*.go", "a.go"));
        assert!(docker("**/*.go", "x/y/a.go"));
        assert!(docker("a/**/b", "a/b"));
        assert!(docker("a/**/b", "a/x/y/b"));
        assert!(!docker("a/**/b", "a/xb"));
        assert!(docker("a/**", "a/x/y"));
        assert!(!docker("a/**", "a"));
        assert!(docker("**", "anything/at/all"));
    }

    /// The obvious backtracking matcher over the same tokens, as a reference.
    fn reference(tokens: &[Token], path: &[char]) -> bool {
        let Some((first, rest)) = tokens.split_first() else {
            return path.is_empty();
        };
        let one = |ok: bool| ok && reference(rest, &path[1..]);
        match first {
            Token::Char(c) => !path.is_empty() && one(path[0] == *c),
            Token::AnyOne => !path.is_empty() && one(path[0] != '/'),
            Token::Class { negated, ranges } => {
                !path.is_empty()
                    && one(ranges
                        .iter()
                        .any(|&(lo, hi)| lo <= path[0] && path[0] <= hi)
                        != *negated)
            }
            Token::Star => (0..=path.len())
                .take_while(|&n| n == 0 || path[n - 1] != '/')
                .any(|n| reference(rest, &path[n..])),
            Token::DeepAll => (0..=path.len()).any(|n| reference(rest, &path[n..])),
            Token::DeepDirs => {
                reference(rest, path)
                    || (1..=path.len()).any(|n| path[n - 1] == '/' && reference(rest, &path[n..]))
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn automaton_agrees_with_backtracking(
            pattern in "(a|b|é|/|\\*|\\*\\*|\\?|\\[a-b\\]|\\[\\^a\\]){0,7}",
            path in "[abé/]{0,8}",
        ) {
            let compiled = Pattern::compile(&pattern, true).unwrap();
            let chars: Vec<char> = path.chars().collect();
            proptest::prop_assert_eq!(
                compiled.matches(&path),
                reference(&compiled.tokens, &chars),
                "{} vs {}", pattern, path
            );
            let go = Pattern::compile(&pattern, false).unwrap();
            proptest::prop_assert_eq!(go.matches(&path), reference(&go.tokens, &chars));
        }
    }

    #[test]
    fn long_patterns_use_the_vector_states_and_agree() {
        let pattern = format!("*{}?", "ab".repeat(40));
        let compiled = Pattern::compile(&pattern, true).unwrap();
        assert!(compiled.tokens.len() >= 64);
        for path in [
            format!("x{}z", "ab".repeat(40)),
            format!("x{}", "ab".repeat(40)),
            format!("x/{}z", "ab".repeat(40)),
        ] {
            let chars: Vec<char> = path.chars().collect();
            assert_eq!(
                compiled.matches(&path),
                reference(&compiled.tokens, &chars),
                "{path}"
            );
        }
        assert!(compiled.matches(&format!("x{}z", "ab".repeat(40))));
    }

    #[test]
    fn no_exponential_backtracking() {
        let pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
        let path = "a".repeat(5000);
        assert!(!glob_match(pattern, &path));
    }
}
