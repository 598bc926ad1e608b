//! What [`detect`](super::detect) answers.

use crate::profile::{Facts, Registry};
use serde::Serialize;
use std::collections::BTreeMap;

/// The answer of [`detect`](super::detect).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    /// The winning profile, or `None` (see `reason`).
    pub profile: Option<String>,
    /// The package manager of the winning profile.
    pub package_manager: Option<String>,
    /// Versions seen: tool → version (`node` → `18`, `java` → `17`, `target_framework` →
    /// `net8.0`).
    pub versions: BTreeMap<String, String>,
    /// 0..1; see the [module docs](crate::detect).
    pub confidence: f64,
    /// The lines that produced the answer, with their weights.
    pub evidence: Vec<String>,
    /// Why `profile` is `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Every profile with evidence, best first.
    pub scores: Vec<ProfileScore>,
    /// What the rewrite needs to know, read from the Dockerfile and manifests.
    pub facts: Facts,
}

/// One profile's score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProfileScore {
    /// The profile name.
    pub profile: String,
    /// Evidence from the Dockerfile itself (FROM, RUN, packages, start commands, COPY names).
    pub dockerfile: f64,
    /// Evidence from context files the Dockerfile does not name.
    pub context: f64,
    /// `dockerfile + context`.
    pub total: f64,
}

impl Detection {
    /// The runtime image for the detected profile's builder image.
    pub fn runtime_image(&self, registry: &Registry) -> Option<String> {
        let profile = registry.get(self.profile.as_deref()?)?;
        let builder = self.facts.builder_image.as_deref().unwrap_or("");
        profile.runtime_image_for(builder, &self.facts, &self.versions)
    }
}
