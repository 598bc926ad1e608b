//! Git-style unified diffs that `git apply` and `patch` accept.
//!
//! Lines are split on `\n` only, the way git does: a `\r` stays part of its line, so CRLF files
//! diff (and apply) byte for byte, and a lone `\r` is just a character. A last line without a
//! newline gets git's `\ No newline at end of file` marker. The line matching itself is
//! `similar`'s Myers diff (with a time limit so that pathological inputs still finish); hunks
//! carry 3 lines of context.
//!
//! Colour is separate: [`write_colored`] adds ANSI styles to a finished diff, and the caller
//! wraps its output in an `anstream::AutoStream`, which drops them when the output is not a
//! terminal or `NO_COLOR` is set.

use anstyle::{AnsiColor, Style};
use similar::{Algorithm, DiffTag};
use std::fmt::Write as _;
use std::io;
use std::time::Duration;

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// After this long the line matcher settles for a correct but less minimal diff.
const DEADLINE: Duration = Duration::from_secs(2);

/// The diff that turns `old` into `new`, for the file at `path` (shown as `a/<path>` and
/// `b/<path>`). Empty when the texts are equal.
///
/// ```
/// let diff = restage::report::unified_diff("Dockerfile", "FROM a\nCMD x\n", "FROM b\nCMD x\n");
/// assert_eq!(
///     diff,
///     "diff --git a/Dockerfile b/Dockerfile\n--- a/Dockerfile\n+++ b/Dockerfile\n\
///      @@ -1,2 +1,2 @@\n-FROM a\n+FROM b\n CMD x\n"
/// );
/// ```
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let name = header_path(path);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "diff --git {} {}",
        quote("a/", &name),
        quote("b/", &name)
    );
    let _ = writeln!(out, "--- {}", quote("a/", &name));
    let _ = writeln!(out, "+++ {}", quote("b/", &name));
    write_hunks(&mut out, old, new);
    out
}

/// The diff that creates the new file `path` (mode 100644) holding `new`, e.g. a proposed
/// `.dockerignore`.
pub fn new_file_diff(path: &str, new: &str) -> String {
    let name = header_path(path);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "diff --git {} {}",
        quote("a/", &name),
        quote("b/", &name)
    );
    out.push_str("new file mode 100644\n");
    if new.is_empty() {
        // Git writes no hunk (and no ---/+++ lines) for an empty new file.
        return out;
    }
    out.push_str("--- /dev/null\n");
    let _ = writeln!(out, "+++ {}", quote("b/", &name));
    write_hunks(&mut out, "", new);
    out
}

/// Write `diff` (as made by this module) with ANSI colours: bold file headers, cyan hunk
/// headers, red removals and green additions.
///
/// The styles are always written: pass an `anstream::AutoStream` (e.g.
/// `AutoStream::new(std::io::stdout(), choice)`) so that they reach only a terminal, `NO_COLOR`
/// is honoured, and `ColorChoice::Always` forces them. Stripping the styles gives back `diff`
/// byte for byte.
pub fn write_colored<W: io::Write + ?Sized>(out: &mut W, diff: &str) -> io::Result<()> {
    let header = Style::new().bold();
    let hunk = Style::new().fg_color(Some(AnsiColor::Cyan.into()));
    let removed = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let added = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let mut in_header = false;
    for line in diff.split_inclusive('\n') {
        let (body, end) = split_terminator(line);
        if body.starts_with("diff --git ") {
            in_header = true;
        } else if body.starts_with("@@") {
            in_header = false;
        }
        let style = if in_header {
            header
        } else if body.starts_with("@@") {
            hunk
        } else if body.starts_with('-') {
            removed
        } else if body.starts_with('+') {
            added
        } else {
            Style::new()
        };
        if style == Style::new() {
            out.write_all(line.as_bytes())?;
        } else {
            write!(out, "{style}{body}{style:#}{end}")?;
        }
    }
    Ok(())
}

/// Split a line into its body and its terminator (`\r\n`, `\n` or nothing).
fn split_terminator(line: &str) -> (&str, &str) {
    if let Some(body) = line.strip_suffix("\r\n") {
        (body, "\r\n")
    } else if let Some(body) = line.strip_suffix('\n') {
        (body, "\n")
    } else {
        (line, "")
    }
}

/// Append every hunk of the diff from `old` to `new`.
fn write_hunks(out: &mut String, old: &str, new: &str) {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let deadline = std::time::Instant::now().checked_add(DEADLINE);
    let ops =
        similar::capture_diff_slices_deadline(Algorithm::Myers, &old_lines, &new_lines, deadline);
    for group in similar::group_diff_ops(ops, CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            hunk_range(old_range),
            hunk_range(new_range)
        );
        for op in &group {
            let (tag, old_part, new_part) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => push_lines(out, ' ', &old_lines[old_part]),
                DiffTag::Delete => push_lines(out, '-', &old_lines[old_part]),
                DiffTag::Insert => push_lines(out, '+', &new_lines[new_part]),
                DiffTag::Replace => {
                    push_lines(out, '-', &old_lines[old_part]);
                    push_lines(out, '+', &new_lines[new_part]);
                }
            }
        }
    }
}

fn push_lines(out: &mut String, tag: char, lines: &[&str]) {
    for line in lines {
        out.push(tag);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// `start,len` as a hunk header shows it: 1-based, `,len` left out when it is 1, and an empty
/// range named by the line before it.
fn hunk_range(range: std::ops::Range<usize>) -> String {
    let len = range.end - range.start;
    match len {
        0 => format!("{},0", range.start),
        1 => format!("{}", range.start + 1),
        _ => format!("{},{}", range.start + 1, len),
    }
}

/// The path as it goes after `a/` and `b/`: relative, with `/` separators and no leading `./`.
fn header_path(path: &str) -> String {
    let mut path = path.trim_start_matches('/');
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.trim_start_matches('/');
    }
    if path.is_empty() || path == "." {
        "-".to_string()
    } else {
        path.to_string()
    }
}

/// `prefix` + `path`, in double quotes with C escapes when git would quote it.
fn quote(prefix: &str, path: &str) -> String {
    let needs_quotes = path
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control());
    if !needs_quotes {
        return format!("{prefix}{path}");
    }
    let mut out = String::from("\"");
    out.push_str(prefix);
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\{byte:03o}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_give_no_diff() {
        assert_eq!(unified_diff("Dockerfile", "a\n", "a\n"), "");
    }

    #[test]
    fn simple_change() {
        let diff = unified_diff("./Dockerfile", "FROM a\nRUN x\n", "FROM b\nRUN x\n");
        assert_eq!(
            diff,
            "diff --git a/Dockerfile b/Dockerfile\n--- a/Dockerfile\n+++ b/Dockerfile\n\
             @@ -1,2 +1,2 @@\n-FROM a\n+FROM b\n RUN x\n"
        );
    }

    #[test]
    fn missing_final_newline_is_marked() {
        let diff = unified_diff("f", "a\nb", "a\nc");
        assert!(
            diff.ends_with("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")
        );
    }

    #[test]
    fn lone_carriage_returns_stay_inside_lines() {
        let diff = unified_diff("f", "a\rb\nc\n", "a\rb\nd\n");
        assert!(diff.contains("\n a\rb\n-c\n+d\n"), "{diff:?}");
    }

    #[test]
    fn new_file() {
        assert_eq!(
            new_file_diff(".dockerignore", "target\n.git\n"),
            "diff --git a/.dockerignore b/.dockerignore\nnew file mode 100644\n\
             --- /dev/null\n+++ b/.dockerignore\n@@ -0,0 +1,2 @@\n+target\n+.git\n"
        );
    }

    #[test]
    fn hunk_ranges() {
        assert_eq!(hunk_range(0..0), "0,0");
        assert_eq!(hunk_range(4..4), "4,0");
        assert_eq!(hunk_range(4..5), "5");
        assert_eq!(hunk_range(4..7), "5,3");
    }

    #[test]
    fn odd_paths_are_quoted() {
        assert_eq!(quote("a/", "x y"), "a/x y");
        assert_eq!(quote("a/", "x\"y\t"), "\"a/x\\\"y\\t\"");
    }
}
