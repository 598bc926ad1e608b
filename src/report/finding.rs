//! What the CI report formats (SARIF, GitHub annotations) show: one [`Finding`] per file that
//! would change, or that failed.

/// A span of lines and columns, 1-based; `end_column` is one past the last character (SARIF's
/// convention).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Region {
    /// A position without an extent.
    pub fn point(line: usize, column: usize) -> Region {
        Region {
            start_line: line,
            start_column: column,
            end_line: line,
            end_column: column,
        }
    }
}

/// What kind of finding it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingKind {
    /// A single-stage Dockerfile restage rewrites (`restage/single-stage`, a warning).
    SingleStage,
    /// A Dockerfile that does not parse (`restage/parse-error`, an error).
    ParseError,
    /// Any other failure on that input (I/O, internal): not a property of the code, so SARIF
    /// reports it as a tool execution notification, and GitHub as an `::error`.
    Failure,
}

/// One file's finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The path, relative to the working folder, with `/` separators.
    pub path: String,
    pub kind: FindingKind,
    /// Where: the FROM line of a rewrite, the position of a parse error.
    pub region: Option<Region>,
    /// The message (several lines allowed).
    pub message: String,
}

/// Rule ids.
pub const RULE_SINGLE_STAGE: &str = "restage/single-stage";
pub const RULE_PARSE_ERROR: &str = "restage/parse-error";
