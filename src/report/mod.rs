//! Showing results: unified diffs (with optional colour), and the CI formats: SARIF 2.1.0
//! ([`sarif`]) and GitHub Actions annotations ([`github`]), both built from [`Finding`]s.
//!
//! Report code formats; it never decides exit codes (the cli does) and never prints by itself:
//! every function writes to a handle or returns a string.

pub mod diff;
mod finding;
pub mod github;
pub mod sarif;

pub use diff::{new_file_diff, unified_diff, write_colored};
pub use finding::{Finding, FindingKind, RULE_PARSE_ERROR, RULE_SINGLE_STAGE, Region};
