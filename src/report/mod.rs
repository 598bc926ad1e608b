//! Showing results: unified diffs (with optional colour).
//!
//! Report code formats; it never decides exit codes (the cli does) and never prints by itself:
//! every function writes to a handle or returns a string.

pub mod diff;

pub use diff::{new_file_diff, unified_diff, write_colored};
