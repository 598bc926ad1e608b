//! The one place that knows the order of the steps:
//! `syntax → detect → profile → plan → render → validate`.
//!
//! (Interface fixed; the steps are filled in by the rewrite work.)

use crate::source::Context;
use crate::Result;
use serde::Serialize;

/// Options for one rewrite.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Extra or overriding language profiles (`--profiles-dir`).
    pub profiles_dir: Option<std::path::PathBuf>,
    /// Overriding templates (`--templates-dir`).
    pub templates_dir: Option<std::path::PathBuf>,
    /// A name for the input, used in messages (`--stdin-filename`, or the path).
    pub file_name: Option<String>,
}

/// What happened to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Rewritten,
    Unchanged,
    Skipped,
}

/// One choice the planner made, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    pub what: String,
    pub why: String,
    pub confidence: f64,
}

/// Something that might change the app's behaviour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub message: String,
    /// 1-based line of the original instruction concerned, if any.
    pub line: Option<usize>,
}

/// A file restage proposes to add beside the Dockerfile (e.g. `.dockerignore`), relative to the
/// build context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewFile {
    pub path: String,
    pub content: String,
}

/// The result of rewriting one Dockerfile.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub status: Status,
    /// Why the file was skipped or left unchanged.
    pub reason: Option<String>,
    /// The profile used, if one matched.
    pub profile: Option<String>,
    /// The new Dockerfile text (the original text when not rewritten).
    pub dockerfile: String,
    pub decisions: Vec<Decision>,
    pub warnings: Vec<Warning>,
    /// Files to create beside the Dockerfile.
    pub new_files: Vec<NewFile>,
}

/// Rewrite one Dockerfile. Never prints, never exits.
pub fn rewrite(dockerfile: &str, _ctx: &dyn Context, _opts: &Options) -> Result<Outcome> {
    Ok(Outcome {
        status: Status::Unchanged,
        reason: Some("the rewrite is not implemented yet".into()),
        profile: None,
        dockerfile: dockerfile.to_string(),
        decisions: Vec::new(),
        warnings: Vec::new(),
        new_files: Vec::new(),
    })
}
