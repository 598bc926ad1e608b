//! Findings, decisions and warnings that restage reports about a file.

use crate::text::TextRange;
use serde::Serialize;

/// How much a [`Diagnostic`] matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// One finding about a file, located by a byte range of its source where there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// A stable identifier such as `restage/single-stage`.
    pub code: String,
    pub severity: Severity,
    pub range: Option<TextRange>,
    pub message: String,
}
