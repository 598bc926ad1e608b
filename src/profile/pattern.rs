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
    // One look at the pattern: where its first wildcard is, how many `*`, whether any `?`.
    let (mut literal, mut stars, mut question) = (None, 0, false);
    for (i, &c) in p.iter().enumerate() {
        if c == b'*' || c == b'?' {
            literal.get_or_insert(i);
            stars += usize::from(c == b'*');
            question |= c == b'?';
        }
    }
    let Some(literal) = literal else {
        return p == t;
    };
    // Only stars, at least two: the leading `**` takes any text (`**`, a common "any image").
    if p.len() >= 2 && stars == p.len() {
        return true;
    }
    // Cheap answers first: the literal text before the first wildcard must start the text, and
    // a single `*` (no `?`, no `**`) is a prefix/suffix test.
    if !t.starts_with(&p[..literal]) {
        return false;
    }
    if !question && stars == 1 {
        let (prefix, suffix) = (&p[..literal], &p[literal + 1..]);
        return t.len() >= prefix.len() + suffix.len()
            && t.ends_with(suffix)
            && !t[prefix.len()..t.len() - suffix.len()].contains(&b'/');
    }
    if !literal_runs_occur(pattern, text) {
        return false;
    }
    if p.len() < 128 {
        return glob_nfa(p, t);
    }
    glob_memo(p, t)
}

/// [`glob`] with ASCII letters compared without case: the answer of
/// `glob(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())`. Short inputs (file and
/// variable names) are lowercased on the stack, so a match allocates nothing.
pub fn glob_ignore_ascii_case(pattern: &str, text: &str) -> bool {
    const SHORT: usize = 64;
    // Cheap answers first (credential names are checked against every context file, ~300
    // calls a rewrite, and almost all fail): a pattern ending in a literal byte other than `/`
    // (the `/` of a `**/` may match nothing) needs that byte last in the text, and a pattern
    // without wildcards is the text itself.
    if let Some(&last) = pattern.as_bytes().last()
        && !matches!(last, b'*' | b'?' | b'/')
        && !text
            .as_bytes()
            .last()
            .is_some_and(|t| t.eq_ignore_ascii_case(&last))
    {
        return false;
    }
    if !pattern.contains(['*', '?']) {
        return pattern.len() <= 4096 && pattern.eq_ignore_ascii_case(text);
    }
    let upper = |s: &str| s.bytes().any(|b| b.is_ascii_uppercase());
    // Most names and patterns are lower-case already.
    if !upper(pattern) && !upper(text) {
        return glob(pattern, text);
    }
    if pattern.len() > SHORT || text.len() > SHORT {
        return glob(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase());
    }
    let (mut p, mut t) = ([0u8; SHORT], [0u8; SHORT]);
    let lower = |from: &str, to: &mut [u8; SHORT]| -> usize {
        for (to, from) in to.iter_mut().zip(from.bytes()) {
            *to = from.to_ascii_lowercase();
        }
        from.len()
    };
    let (pn, tn) = (lower(pattern, &mut p), lower(text, &mut t));
    // Lowercasing ASCII bytes keeps UTF-8 valid.
    match (std::str::from_utf8(&p[..pn]), std::str::from_utf8(&t[..tn])) {
        (Ok(pattern), Ok(text)) => glob(pattern, text),
        _ => unreachable!("ASCII lowercasing keeps UTF-8 valid"),
    }
}

/// Whether every literal run of a glob (the text between its `*` and `?`) occurs in `text`, as
/// it does in every text the glob matches: a run's bytes match consecutive text bytes, except a
/// leading `/` right after `**`, which may match nothing (so a leading `/` is not required).
/// A substring search rejects most texts far faster than the matchers.
fn literal_runs_occur(pattern: &str, text: &str) -> bool {
    pattern
        .split(['*', '?'])
        .all(|run| text.contains(run.strip_prefix('/').unwrap_or(run)))
}

/// The memoised matcher: any pattern length, a table of `(p.len() + 1) × (t.len() + 1)`.
fn glob_memo(p: &[u8], t: &[u8]) -> bool {
    let mut memo = vec![None; (p.len() + 1) * (t.len() + 1)];
    glob_at(p, t, 0, 0, &mut memo)
}

/// The same language as [`glob_at`] without allocating, for patterns under 128 bytes: a set of
/// pattern positions (bit `i` = "about to match `p[i..]`") simulated over the text bytes.
/// Tokens are read left to right as `glob_at` reads them: `**` (two stars) is one token, a
/// lone `*` another, `?`, and literal bytes.
fn glob_nfa(p: &[u8], t: &[u8]) -> bool {
    debug_assert!(p.len() < 128);
    let n = p.len();
    // Token starts: `star` for `*`, `deep` for `**` (its second star is no state), `one` for
    // `?` and literal bytes (each one byte wide).
    let (mut star, mut deep, mut one, mut qmark) = (0u128, 0u128, 0u128, 0u128);
    let mut i = 0;
    while i < n {
        match p[i] {
            b'*' if p.get(i + 1) == Some(&b'*') => {
                deep |= 1 << i;
                i += 2;
            }
            b'*' => {
                star |= 1 << i;
                i += 1;
            }
            b'?' => {
                one |= 1 << i;
                qmark |= 1 << i;
                i += 1;
            }
            _ => {
                one |= 1 << i;
                i += 1;
            }
        }
    }
    let epsilon = star | deep;
    // Add the positions reachable without input from positions just entered: a star may match
    // nothing; `**` may match nothing, and `**/` may then also skip its `/` (only when the
    // `**` matched nothing at all, as in `glob_at`). Targets lie after their source, so one
    // pass in ascending order reaches the fixpoint.
    let close = |mut set: u128| -> u128 {
        let mut todo = set & epsilon;
        while todo != 0 {
            let i = todo.trailing_zeros() as usize;
            todo &= todo - 1;
            let mut targets = 0u128;
            if star >> i & 1 == 1 {
                targets |= 1 << (i + 1);
            } else {
                let rest = i + 2;
                targets |= 1 << rest;
                if p.get(rest) == Some(&b'/') {
                    targets |= 1 << (rest + 1);
                }
            }
            let new = targets & !set;
            set |= new;
            todo |= new & epsilon;
        }
        set
    };
    let mut current = close(1);
    for &c in t {
        // Inside a `**`: it takes the byte and stays; what follows it may start next.
        let stay = current & deep;
        let mut entered = stay << 2;
        if c != b'/' {
            // A star takes the byte and stays (and may end next).
            entered |= current & star;
        }
        let mut singles = current & one;
        while singles != 0 {
            let i = singles.trailing_zeros() as usize;
            singles &= singles - 1;
            let ok = if qmark >> i & 1 == 1 {
                c != b'/'
            } else {
                p[i] == c
            };
            if ok {
                entered |= 1 << (i + 1);
            }
        }
        if entered | stay == 0 {
            return false;
        }
        current = close(entered) | stay;
    }
    current >> n & 1 == 1
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

/// A [`glob`] pattern read once, to match many texts: the common shapes (literal, one `*`,
/// `**/*<literal>`) are answered without the general matcher. Same answers as [`glob`].
#[derive(Clone, Copy, Debug)]
pub struct Glob<'p> {
    pattern: &'p str,
    shape: Shape,
}

/// The shape of a [`Glob`]'s pattern, without the pattern (see [`Glob::with_shape`]).
#[derive(Clone, Copy, Debug)]
pub struct GlobShape(Shape);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// Over 4 KiB: never matches.
    Never,
    /// No `*` or `?`.
    Literal,
    /// One `*` (at this offset), no `?`: a prefix, a suffix and no `/` between.
    Star(usize),
    /// `**/*` then a literal without `/`: the text's last path component ends with it.
    DeepSuffix,
    /// `*`, a literal without `/`, `*` (`*Test*`): a text without `/` that holds the literal.
    Contains,
    General,
}

impl<'p> Glob<'p> {
    pub fn new(pattern: &'p str) -> Self {
        let p = pattern.as_bytes();
        let shape = if p.len() > 4096 {
            Shape::Never
        } else {
            let mut stars = 0;
            let mut first_star = 0;
            let mut qmark = false;
            for (i, &b) in p.iter().enumerate() {
                match b {
                    b'*' => {
                        if stars == 0 {
                            first_star = i;
                        }
                        stars += 1;
                    }
                    b'?' => qmark = true,
                    _ => {}
                }
            }
            let deep_suffix = |rest: &[u8]| !rest.iter().any(|b| matches!(b, b'*' | b'?' | b'/'));
            match (stars, qmark) {
                (0, false) => Shape::Literal,
                (1, false) => Shape::Star(first_star),
                _ if p.starts_with(b"**/*") && deep_suffix(&p[4..]) => Shape::DeepSuffix,
                // Two stars, at both ends and not side by side (that would be `**`).
                (2, false)
                    if p.len() >= 3
                        && p[0] == b'*'
                        && p[p.len() - 1] == b'*'
                        && !p.contains(&b'/') =>
                {
                    Shape::Contains
                }
                _ => Shape::General,
            }
        };
        Self { pattern, shape }
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &'p str {
        self.pattern
    }

    /// What [`Glob::new`] read off the pattern, to keep beside a pattern that is matched again
    /// later (an index built once per registry cannot borrow the patterns it indexes).
    pub fn shape(&self) -> GlobShape {
        GlobShape(self.shape)
    }

    /// [`Glob::new`] without reading the pattern again: `shape` must be the [`Glob::shape`] of
    /// a glob made from this same pattern (checked in debug builds).
    pub fn with_shape(pattern: &'p str, shape: GlobShape) -> Self {
        debug_assert_eq!(Glob::new(pattern).shape, shape.0, "{pattern:?}");
        Self {
            pattern,
            shape: shape.0,
        }
    }

    /// No `*` or `?`: matching is string equality.
    pub fn is_literal(&self) -> bool {
        matches!(self.shape, Shape::Literal)
    }

    /// Whether `text` matches, as [`glob`] answers.
    pub fn matches(&self, text: &str) -> bool {
        let (p, t) = (self.pattern.as_bytes(), text.as_bytes());
        if t.len() > 4096 {
            return false;
        }
        match self.shape {
            Shape::Never => false,
            Shape::Literal => p == t,
            Shape::Star(star) => {
                let (prefix, suffix) = (&p[..star], &p[star + 1..]);
                t.len() >= prefix.len() + suffix.len()
                    && t.starts_with(prefix)
                    && t.ends_with(suffix)
                    && !t[prefix.len()..t.len() - suffix.len()].contains(&b'/')
            }
            Shape::DeepSuffix => {
                let last = t
                    .iter()
                    .rposition(|&b| b == b'/')
                    .map_or(t, |i| &t[i + 1..]);
                last.ends_with(&p[4..])
            }
            Shape::Contains => {
                !t.contains(&b'/') && text.contains(&self.pattern[1..self.pattern.len() - 1])
            }
            Shape::General => glob(self.pattern, text),
        }
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

/// The capture holes by their tag.
const HOLES: [(&str, Hole); 3] = [
    ("{version}", Hole::Version),
    ("{name}", Hole::Name),
    ("{value}", Hole::Value),
];

#[derive(Clone, Copy)]
enum Token<'a> {
    Lit(&'a str),
    Star,
    Hole(Hole),
}

/// The first token of a (non-empty) capture pattern and the pattern after it: a star, a hole,
/// or the longest literal before the next star or hole.
fn next_token(rest: &str) -> (Token<'_>, &str) {
    if let Some(r) = rest.strip_prefix('*') {
        return (Token::Star, r);
    }
    if let Some((tag, hole)) = HOLES.iter().find(|(tag, _)| rest.starts_with(tag)) {
        return (Token::Hole(*hole), &rest[tag.len()..]);
    }
    let end = rest
        .char_indices()
        .skip(1)
        .find(|(i, c)| {
            *c == '*' || (*c == '{' && HOLES.iter().any(|(t, _)| rest[*i..].starts_with(t)))
        })
        .map_or(rest.len(), |(i, _)| i);
    (Token::Lit(&rest[..end]), &rest[end..])
}

/// The longest literal run of a capture pattern (the text between its stars and holes), or
/// `""` when it has none. Every text the pattern matches contains it, so a text without it can
/// be passed over without running the matcher.
pub fn capture_required_literal(pattern: &str) -> &str {
    let mut longest = "";
    let mut rest = pattern;
    while !rest.is_empty() {
        let (token, after) = next_token(rest);
        if let Token::Lit(l) = token
            && l.len() > longest.len()
        {
            longest = l;
        }
        rest = after;
    }
    longest
}

/// Whether a pattern holds a capture hole.
pub fn has_hole(pattern: &str) -> bool {
    pattern.contains("{version}") || pattern.contains("{name}") || pattern.contains("{value}")
}

/// Match `text` against a capture pattern (see the module docs). Inputs over 4 KiB never match.
pub fn capture(pattern: &str, text: &str) -> Option<String> {
    capture_str(pattern, text).map(str::to_string)
}

/// [`capture`] without allocating: the captured part of `text` (all of it without a hole).
pub fn capture_str<'t>(pattern: &str, text: &'t str) -> Option<&'t str> {
    if text.len() > 4096 {
        return None;
    }
    // The pattern's text before its first `*` or `{` is literal (part of its first token), so
    // the text must start with it; a pattern without either is all literal: equality. Both
    // answers take the matcher one step, far inside its budget. Most calls (a flavour rule
    // per tag word) fail on the first byte, before the pattern is scanned.
    if let (Some(&p), Some(&t)) = (pattern.as_bytes().first(), text.as_bytes().first())
        && p != b'*'
        && p != b'{'
        && p != t
    {
        return None;
    }
    let literal = pattern
        .bytes()
        .position(|b| b == b'*' || b == b'{')
        .unwrap_or(pattern.len());
    if !text.starts_with(&pattern[..literal]) {
        return None;
    }
    if literal == pattern.len() {
        return (text.len() == pattern.len()).then_some(text);
    }
    capture_with_budget(pattern, text, 100_000).0
}

/// The match with a step budget (a step is one token tried at one offset), and the budget left.
fn capture_with_budget<'t>(
    pattern: &str,
    text: &'t str,
    budget: usize,
) -> (Option<&'t str>, usize) {
    let mut captured = None;
    let mut budget = budget;
    let matched = run(pattern, text, &mut captured, &mut budget);
    (matched.then(|| captured.unwrap_or(text)), budget)
}

/// The end offsets a hole may take at the start of `text`, longest first (holes are greedy).
fn hole_ends(hole: Hole, text: &str) -> impl Iterator<Item = usize> + '_ {
    let b = text.as_bytes();
    // `{version}`: a digit, then digits and dots, not ending in a dot.
    let version = match hole {
        Hole::Version if b.first().is_some_and(u8::is_ascii_digit) => b
            .iter()
            .position(|c| !(c.is_ascii_digit() || *c == b'.'))
            .unwrap_or(b.len()),
        _ => 0,
    };
    let versions = (1..=version).rev().filter(move |&i| b[i - 1] != b'.');
    // `{name}` stops before `/`, whitespace or a quote; `{value}` takes anything.
    let chars = match hole {
        Hole::Version => "",
        Hole::Name => {
            let stop = text
                .char_indices()
                .find(|&(_, c)| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
                .map_or(text.len(), |(i, _)| i);
            &text[..stop]
        }
        Hole::Value => text,
    };
    let char_ends = chars.char_indices().rev().map(|(i, c)| i + c.len_utf8());
    versions.chain(char_ends)
}

fn run<'t>(
    pattern: &str,
    text: &'t str,
    captured: &mut Option<&'t str>,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    if pattern.is_empty() {
        return text.is_empty();
    }
    let (token, rest) = next_token(pattern);
    match token {
        Token::Lit(l) => text
            .strip_prefix(l)
            .is_some_and(|r| run(rest, r, captured, budget)),
        Token::Star => match next_token_opt(rest) {
            Some((Token::Lit(l), after)) => star_then_literal(l, after, text, captured, budget),
            _ => text
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .any(|i| run(rest, &text[i..], captured, budget)),
        },
        Token::Hole(h) => {
            for end in hole_ends(h, text) {
                let before = *captured;
                *captured = Some(&text[..end]);
                if run(rest, &text[end..], captured, budget) {
                    return true;
                }
                *captured = before;
            }
            false
        }
    }
}

fn next_token_opt(rest: &str) -> Option<(Token<'_>, &str)> {
    (!rest.is_empty()).then(|| next_token(rest))
}

/// A star followed by the literal `l` (then `after`): as trying the rest at every offset of
/// `text`, shortest first, but the offsets where `l` does not follow are found with a substring
/// search. Each of them would have cost one step of the budget and failed at once, so they are
/// charged all the same: the budget, and so the answer, is exactly that of the plain loop.
fn star_then_literal<'t>(
    l: &str,
    after: &str,
    text: &'t str,
    captured: &mut Option<&'t str>,
    budget: &mut usize,
) -> bool {
    let mut i = 0;
    loop {
        let Some(j) = text[i..].find(l) else {
            // Every offset left, the end of the text included, fails.
            let left = text[i..].chars().count() + 1;
            *budget = budget.saturating_sub(left);
            return false;
        };
        let skipped = text[i..i + j].chars().count();
        if skipped >= *budget {
            *budget = 0;
            return false;
        }
        // The skipped offsets, then the step at `i + j` where the literal matches.
        *budget -= skipped + 1;
        let at = i + j;
        if run(after, &text[at + l.len()..], captured, budget) {
            return true;
        }
        i = at + text[at..].chars().next().map_or(1, char::len_utf8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_is_ignored_for_ascii_letters() {
        assert!(glob_ignore_ascii_case(
            ".npmrc",
            "sub/.NPMRC".rsplit('/').next().unwrap()
        ));
        assert!(glob_ignore_ascii_case("*TOKEN*", "npm_token"));
        assert!(!glob_ignore_ascii_case("\u{e9}", "\u{c9}"));
        let long = "A".repeat(100);
        assert!(glob_ignore_ascii_case("a*", &long));
    }

    #[test]
    fn the_cheap_answers_are_the_matchers() {
        // (pattern, text): a literal pattern, a literal last byte, and a `/` last that a `**/`
        // may leave unmatched.
        let cases = [
            (".npmrc", ".NpmRc"),
            (".npmrc", ".npmrcx"),
            (".npmrc", ""),
            ("*.pem", "KEY.PEM"),
            ("*.pem", "key.pem.bak"),
            ("**/", ""),
            ("**/", "a/"),
            ("a**/", "a"),
            ("*", ""),
            ("", ""),
            ("", "a"),
        ];
        for (pattern, text) in cases {
            assert_eq!(
                glob_ignore_ascii_case(pattern, text),
                glob(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase()),
                "{pattern:?} on {text:?}"
            );
        }
        let long = "a".repeat(5000);
        assert!(!glob_ignore_ascii_case(&long, &long));
    }

    proptest::proptest! {
        #[test]
        fn ignoring_case_is_globbing_lowercased_copies(
            pattern in "[aAbB*?/\u{e9}]{0,70}",
            text in "[aAbB/\u{e9}\u{c9}]{0,70}",
        ) {
            proptest::prop_assert_eq!(
                glob_ignore_ascii_case(&pattern, &text),
                glob(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
            );
        }
    }

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

    /// Every path through `glob`: the fast answers, the automaton and the memo table.
    fn glob_all_ways(pattern: &str, text: &str) -> bool {
        let want = glob_memo(pattern.as_bytes(), text.as_bytes());
        if pattern.len() < 128 {
            assert_eq!(
                glob_nfa(pattern.as_bytes(), text.as_bytes()),
                want,
                "automaton: {pattern:?} on {text:?}"
            );
        }
        assert_eq!(glob(pattern, text), want, "glob: {pattern:?} on {text:?}");
        want
    }

    #[test]
    fn automaton_agrees_with_memo_on_tricky_patterns() {
        let cases: &[(&str, &str, bool)] = &[
            ("**/*.go", "main.go", true),
            ("**/*.go", "cmd/api/main.go", true),
            ("**/*.go", "cmd/api/main.rs", false),
            ("**/x", "abx", false),
            ("**/x", "ab/x", true),
            ("**/x", "x", true),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/y/b", true),
            ("a/**/b", "a/xb", false),
            ("a/**", "a/", true),
            ("a/**", "a", false),
            ("**", "", true),
            ("**", "a/b/c", true),
            ("***", "a/b", true),
            ("a***b", "a/x/yb", true),
            ("*", "", true),
            ("*", "a/b", false),
            ("*/*", "a/b", true),
            ("*/*", "a/b/c", false),
            ("?", "/", false),
            ("?", "é", false),
            ("??", "é", true),
            ("a?c", "abc", true),
            ("a?c", "a/c", false),
            ("*.*.*", "a.b.c", true),
            ("*.*.*", "a.b", false),
            ("*a*b*", "xxaxxbxx", true),
            ("*a*b*", "xxbxxaxx", false),
            ("requirements*.txt", "requirements-dev.txt", true),
            ("package*.json", "package.json", true),
            ("pip*", "pip3", true),
            ("literal", "literal", true),
            ("literal", "literals", false),
            ("**/**/a", "a", true),
            ("**/**/a", "x/a", true),
            ("**/**/a", "xa", false),
            ("x**/a", "xa", true),
            ("x**/a", "x/a", true),
            ("x**/a", "xyz/a", true),
        ];
        for &(pattern, text, want) in cases {
            assert_eq!(
                glob_all_ways(pattern, text),
                want,
                "{pattern:?} on {text:?}"
            );
        }
        // Long inputs and patterns near the automaton's size limit.
        let long = "a/".repeat(1000);
        glob_all_ways("**/a/", &long);
        glob_all_ways(&"*/".repeat(63), &long);
        let wide = format!("{}x", "?*".repeat(63));
        assert_eq!(wide.len(), 127);
        glob_all_ways(&wide, &"ab".repeat(100));
        glob_all_ways(&format!("{wide}y"), &"ab".repeat(100));
        glob_all_ways(&format!("{}b", "*a".repeat(63)), &"ab".repeat(100));
    }

    #[test]
    fn compiled_globs_agree_on_common_shapes() {
        let patterns = [
            "package.json",
            "*.csproj",
            "requirements*.txt",
            "src/*.rs",
            "**/*.go",
            "**/*",
            "**/*.a/b",
            "**/x",
            "pip*",
            "*",
            "",
            "a?c",
            "*.*",
        ];
        let texts = [
            "package.json",
            "Api.csproj",
            "src/Api.csproj",
            "requirements-dev.txt",
            "requirements.txt",
            "src/main.rs",
            "src/a/main.rs",
            "main.go",
            "cmd/api/main.go",
            "/x.go",
            "x.go/",
            "",
            "abc",
            "a/c",
            "pip3",
            "a.b",
        ];
        for p in patterns {
            let compiled = Glob::new(p);
            for t in texts {
                assert_eq!(compiled.matches(t), glob(p, t), "{p:?} on {t:?}");
            }
        }
        let long = "a".repeat(5000);
        assert!(!Glob::new(&long).matches(&long));
        assert!(!Glob::new("*").matches(&long));
    }

    #[test]
    fn star_literal_star_globs_answer_as_glob() {
        for pattern in ["*Test*", "*a*", "*.*", "**", "***", "*a/b*", "*?*", "*[*"] {
            for text in [
                "", "Test", "ATests", "a/Test", "Tes", "a", "x.y", "/", "a/b", "[", "é",
            ] {
                assert_eq!(
                    Glob::new(pattern).matches(text),
                    glob_memo(pattern.as_bytes(), text.as_bytes()),
                    "{pattern:?} on {text:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn compiled_glob_agrees(
            pattern in "(\\*\\*/\\*)?(a|b|/|\\.|\\*|\\?){0,6}",
            text in "[ab/.]{0,10}",
        ) {
            proptest::prop_assert_eq!(Glob::new(&pattern).matches(&text), glob(&pattern, &text));
        }

        #[test]
        fn automaton_agrees_with_memo(
            pattern in "(a|b|/|\\*|\\*\\*|\\?|\\*\\*/|é){0,10}",
            text in "[ab/é]{0,12}",
        ) {
            glob_all_ways(&pattern, &text);
        }
    }

    /// The capture matcher as first written (tokens collected, offsets collected), as a
    /// reference for the allocation-free one.
    fn reference_capture(pattern: &str, text: &str) -> Option<String> {
        if text.len() > 4096 {
            return None;
        }
        reference_with_budget(pattern, text, 100_000).0
    }

    /// The reference with a step budget, and the budget left.
    fn reference_with_budget(pattern: &str, text: &str, budget: usize) -> (Option<String>, usize) {
        fn tokens(mut rest: &str) -> Vec<Token<'_>> {
            let mut out = Vec::new();
            while !rest.is_empty() {
                let (t, r) = next_token(rest);
                out.push(t);
                rest = r;
            }
            out
        }
        fn ends(hole: Hole, text: &str) -> Vec<usize> {
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
                Hole::Value => ends.extend(text.char_indices().map(|(i, c)| i + c.len_utf8())),
            }
            ends.reverse();
            ends
        }
        fn go<'t>(
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
                    .is_some_and(|r| go(&tokens[1..], r, captured, budget)),
                Some(Token::Star) => {
                    let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
                    offsets.push(text.len());
                    offsets
                        .into_iter()
                        .any(|i| go(&tokens[1..], &text[i..], captured, budget))
                }
                Some(Token::Hole(h)) => {
                    for end in ends(*h, text) {
                        let before = *captured;
                        *captured = Some(&text[..end]);
                        if go(&tokens[1..], &text[end..], captured, budget) {
                            return true;
                        }
                        *captured = before;
                    }
                    false
                }
            }
        }
        let tokens = tokens(pattern);
        let mut captured = None;
        let mut budget = budget;
        let matched = go(&tokens, text, &mut captured, &mut budget);
        (
            matched.then(|| captured.unwrap_or(text).to_string()),
            budget,
        )
    }

    proptest::proptest! {
        #[test]
        fn capture_agrees_with_reference(
            pattern in "(1|\\.|a| |/|-|\\*|\\{version\\}|\\{name\\}|\\{value\\}|\\{|é){0,8}",
            text in "[1.a /\\-é'{}]{0,14}",
        ) {
            proptest::prop_assert_eq!(
                capture(&pattern, &text),
                reference_capture(&pattern, &text),
                "{:?} on {:?}", pattern, text
            );
        }
    }

    proptest::proptest! {
        /// The budget is charged step for step as in the reference, whatever it is.
        #[test]
        fn capture_budget_is_charged_exactly(
            pattern in "(a|b|\\*|\\*a|\\*ab|\\{value\\}|\\{version\\}|1){0,7}",
            text in "[ab1é]{0,16}",
            budget in 0usize..120,
        ) {
            let (got, left) = capture_with_budget(&pattern, &text, budget);
            let (want, want_left) = reference_with_budget(&pattern, &text, budget);
            proptest::prop_assert_eq!(got.map(str::to_string), want);
            proptest::prop_assert_eq!(left, want_left, "{:?} on {:?}", pattern, text);
        }
    }

    proptest::proptest! {
        /// A text the pattern matches always holds its longest literal run.
        #[test]
        fn capture_matches_hold_the_required_literal(
            pattern in "(1|\\.|a| |/|-|\\*|\\{version\\}|\\{name\\}|\\{value\\}|\\{|é){0,8}",
            text in "[1.a /\\-é'{}]{0,14}",
        ) {
            let literal = capture_required_literal(&pattern);
            proptest::prop_assert!(pattern.contains(literal));
            if capture_str(&pattern, &text).is_some() {
                proptest::prop_assert!(text.contains(literal), "{:?} on {:?}", pattern, text);
            }
        }
    }

    #[test]
    fn capture_budget_still_bounds_pathological_patterns() {
        let pattern = format!("{}x", "*".repeat(30));
        let text = "a".repeat(200);
        assert_eq!(capture(&pattern, &text), reference_capture(&pattern, &text));
        let pattern = "*{value}*{value}*{version}z";
        let text = "1.2.3.".repeat(50);
        assert_eq!(capture(pattern, &text), reference_capture(pattern, &text));
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
