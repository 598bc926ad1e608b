//! Parser directives: `# syntax=`, `# escape=`, `# check=`, recognised only before the first
//! line that is not a directive (a blank line, a comment or an instruction ends them).

use serde::Serialize;

/// Parser directives found at the top of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directives {
    pub syntax: Option<String>,
    pub escape: char,
    pub check: Option<String>,
}

impl Default for Directives {
    fn default() -> Self {
        Self {
            syntax: None,
            escape: '\\',
            check: None,
        }
    }
}

/// What one line means to the directive scanner.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DirectiveLine {
    /// Directives are over (this line or an earlier one was not a directive).
    NotDirective,
    /// A valid directive that was recorded.
    Directive,
    /// A directive BuildKit rejects (duplicate, bad escape), with the message.
    Invalid(String),
}

/// Stateful scanner: feed it each line until it reports `NotDirective`.
#[derive(Debug, Default)]
pub(crate) struct DirectiveScanner {
    done: bool,
    seen: Vec<String>,
}

impl DirectiveScanner {
    /// Look at a line whose leading whitespace is already stripped.
    #[inline]
    pub(crate) fn scan(&mut self, line: &str, directives: &mut Directives) -> DirectiveLine {
        // Inlined so that every line after the directives costs one test.
        if self.done {
            return DirectiveLine::NotDirective;
        }
        self.scan_line(line, directives)
    }

    fn scan_line(&mut self, line: &str, directives: &mut Directives) -> DirectiveLine {
        let Some((name, value)) = match_directive(line) else {
            self.done = true;
            return DirectiveLine::NotDirective;
        };
        let name = name.to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return DirectiveLine::NotDirective;
        }
        if self.seen.contains(&name) {
            return DirectiveLine::Invalid(format!("only one {name} parser directive can be used"));
        }
        self.seen.push(name.clone());
        match name.as_str() {
            "escape" => match value {
                "`" => directives.escape = '`',
                "\\" => directives.escape = '\\',
                other => {
                    return DirectiveLine::Invalid(format!(
                        "invalid escape token '{other}' does not match ` or \\"
                    ));
                }
            },
            "syntax" => directives.syntax = Some(value.to_string()),
            _ => directives.check = Some(value.to_string()),
        }
        DirectiveLine::Directive
    }
}

/// Go regex `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` where `\s` is ASCII `[\t\n\f\r ]`.
fn match_directive(line: &str) -> Option<(&str, &str)> {
    let is_space = |c: char| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ');
    let rest = line.strip_prefix('#')?.trim_start_matches(is_space);
    let name_len = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(rest.len(), |(i, _)| i);
    if name_len == 0 {
        return None;
    }
    let (name, rest) = rest.split_at(name_len);
    let rest = rest.trim_start_matches(is_space).strip_prefix('=')?;
    let value = rest.trim_start_matches(is_space).trim_end_matches(is_space);
    (!value.is_empty()).then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_buildkit_directive_shape() {
        assert_eq!(
            match_directive("# syntax=docker/dockerfile:1"),
            Some(("syntax", "docker/dockerfile:1"))
        );
        assert_eq!(match_directive("#escape = `  "), Some(("escape", "`")));
        assert_eq!(match_directive("# escape="), None);
        assert_eq!(match_directive("# 1x=y"), None);
        assert_eq!(match_directive("# hello world"), None);
    }

    #[test]
    fn directives_stop_at_first_other_line() {
        let mut d = Directives::default();
        let mut s = DirectiveScanner::default();
        assert_eq!(s.scan("# escape=`", &mut d), DirectiveLine::Directive);
        assert_eq!(s.scan("# a comment", &mut d), DirectiveLine::NotDirective);
        assert_eq!(s.scan("# syntax=x", &mut d), DirectiveLine::NotDirective);
        assert_eq!(d.escape, '`');
        assert_eq!(d.syntax, None);
    }

    #[test]
    fn duplicate_and_bad_escape_are_invalid() {
        let mut d = Directives::default();
        let mut s = DirectiveScanner::default();
        assert_eq!(s.scan("# syntax=a", &mut d), DirectiveLine::Directive);
        assert!(matches!(
            s.scan("# SYNTAX=b", &mut d),
            DirectiveLine::Invalid(_)
        ));
        let mut s = DirectiveScanner::default();
        assert!(matches!(
            s.scan("# escape=x", &mut d),
            DirectiveLine::Invalid(_)
        ));
    }
}
