//! The line of `restage detect --format json` for one file (the CLI's fixed shape).

use super::Detection;
use serde::Serialize;
use std::collections::BTreeMap;

/// A report line for `restage detect --format json` (the fixed shape); the CLI builds
/// `{"files": [FileReport, ...]}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    /// The Dockerfile, as given on the command line.
    pub path: String,
    /// The detected profile, `null` when none.
    pub profile: Option<String>,
    /// The package manager of that profile.
    pub package_manager: Option<String>,
    /// Versions seen (tool → version).
    pub versions: BTreeMap<String, String>,
    /// 0..1.
    pub confidence: f64,
    /// The build context used (given with `--context`, or inferred).
    pub context: String,
    /// Why, line by line.
    pub evidence: Vec<String>,
    /// Why the profile is `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Detection {
    /// The report line for one file, with the context the CLI used.
    pub fn to_report(&self, path: impl Into<String>, context: impl Into<String>) -> FileReport {
        FileReport {
            path: path.into(),
            profile: self.profile.clone(),
            package_manager: self.package_manager.clone(),
            versions: self.versions.clone(),
            confidence: self.confidence,
            context: context.into(),
            evidence: self.evidence.clone(),
            reason: self.reason.clone(),
        }
    }
}
