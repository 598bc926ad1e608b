//! Detection: which profile (toolchain) and package manager a Dockerfile builds with, scored
//! and explained.
//!
//! [`detect`] reads two sources of evidence and is generic over the profiles: every rule and
//! weight comes from the [`Registry`].
//!
//! - **The Dockerfile (`dockerfile` score).** FROM images (global `ARG` defaults substituted),
//!   `RUN` commands, distro packages installed with apt/apk/dnf/..., `CMD`/`ENTRYPOINT`
//!   commands, and the COPY/ADD sources, matched by name (`COPY package*.json ./` names
//!   `package.json` even when the context is not available) at a file rule's `copied` weight.
//! - **The build context (`context` score).** Files that only arrive through a whole-folder copy
//!   (`COPY . .`) weigh the mean of `present` and `copied`; stray files weigh `present` (half
//!   below `scoring.full_depth`). Folders in `_system.yaml`'s `skip_dirs` are never scanned.
//!
//! Every rule counts at most once per Dockerfile. For one simple command only the most specific
//! command rules (most words) count, so `pip install poetry` is evidence for poetry.
//!
//! **Ranking and tie-break.** Profiles are ranked by total score; equal totals go to the higher
//! Dockerfile score, then to the profile name in alphabetical order. The winner must have some
//! Dockerfile evidence and at least `scoring.min_score` in total, otherwise the profile is
//! `None` with a `reason`. Package managers of the winning profile are ranked the same way, with
//! the profile's order of package managers as the last tie-break; without any evidence the
//! profile's `default_package_manager` is used and the evidence says so.
//!
//! **Confidence** = share × strength × closeness, rounded to two decimals. Other profiles count
//! only with their *distinct* evidence: their total minus the evidence lines they share with the
//! winner (same observation, same weight; a JDK base image is evidence for both Java profiles
//! but does not tell them apart). share is the winner's total over itself plus the others'
//! distinct totals, strength is `min(1, total / scoring.strong_score)`, closeness is
//! `1 − 0.25 × distinct runner-up / winner`. When the winner's own distinct evidence is no more
//! than the runner-up's (a dead heat), the confidence is at most 0.5.
//!
//! **Where the steps live.** [`detect`] below is the outline. `observe.rs` reads the
//! Dockerfile and lists the context files; `prefilter.rs` and `paths.rs` reject and match rule
//! paths cheaply; `index.rs` holds what is built once per registry; `tally.rs` and `score.rs`
//! add up the evidence; `rank.rs` orders the profiles and computes the confidence; `facts.rs`
//! reads the winner's versions and facts; `result.rs` and `report.rs` are the answer's shapes.

mod context;
mod facts;
mod flavor;
mod index;
mod installs;
mod needle;
mod observe;
mod paths;
mod prefilter;
mod probe;
mod rank;
mod report;
mod result;
mod score;
mod tally;
pub(crate) mod xml;

pub use context::{ContextChoice, infer_context};
pub use flavor::flavor_of;
pub use installs::installed_packages;
pub use probe::{CopyStatus, ProbeValue};
pub use report::FileReport;
pub use result::{Detection, ProfileScore};

pub use crate::profile::Facts;

use crate::profile::Registry;
use crate::source::Context;
use crate::syntax::Dockerfile;
use index::RegistryIndex;
use paths::FileSet;
use probe::{FileTexts, ProbeEnv};
use score::CommandEvidence;
use std::collections::BTreeMap;

/// Detect the toolchain of a Dockerfile given its build context. Never fails: when nothing
/// matches, `profile` is `None` and `reason` says why.
pub fn detect(df: &Dockerfile, ctx: &dyn Context, registry: &Registry) -> Detection {
    let system = registry.system();
    let index = registry.derived(RegistryIndex::new);
    let obs = observe::observe(df, ctx, system);
    let context = observe::context_files(ctx, &obs, system, &index.skip_dirs);
    let files = FileSet::new(&context, &obs.sources);

    // Rank the profiles.
    let commands = CommandEvidence::new(index, &obs);
    let ranked = rank::rank_profiles(registry, &commands, &obs, &files, system);
    let mut detection = Detection {
        profile: None,
        package_manager: None,
        versions: BTreeMap::new(),
        confidence: 0.0,
        evidence: Vec::new(),
        reason: None,
        scores: rank::profile_scores(&ranked),
        facts: Facts::default(),
    };
    if ctx.truncated() {
        detection.evidence.push(format!(
            "the context {} was only partly scanned (size caps)",
            ctx.describe()
        ));
    }
    if let Some(reason) = rank::why_no_profile(&ranked, &obs.images, system) {
        // Without a profile, the facts still name the (first) base image and its distro.
        let first = obs.images.iter().find(|i| i.from);
        detection.facts = facts::image_facts(first, system);
        if let Some(best) = ranked.first() {
            let prefix = format!("{}: ", best.profile.name);
            detection.evidence.extend(best.tally.evidence(&prefix));
        }
        detection.reason = Some(reason);
        return detection;
    }
    let winner = &ranked[0];
    let profile = winner.profile;
    let prefix = format!("{}: ", profile.name);
    detection.confidence = rank::confidence(&ranked, system);
    detection.profile = Some(profile.name.clone());
    detection.evidence.extend(winner.tally.evidence(&prefix));

    // The builder image, then every image for the probes (the builder first).
    let builder = score::builder_image(profile, &index.profile_keys[winner.at].images, &obs.images);
    let mut facts = facts::image_facts(builder, system);
    let images = facts::probed_images(builder, &obs.images);
    let texts = FileTexts::new(&context);
    let env = ProbeEnv::new(
        ctx,
        &context,
        &files.keys,
        &texts,
        &df.instructions,
        &images,
    );

    // Package manager.
    let pms = score::score_package_managers(
        profile,
        &index.package_managers[winner.at],
        &obs,
        &commands.run_shown,
        &files,
        &env,
        system.scoring.full_depth,
    );
    let pm = &profile.package_managers[pms[0].0];
    detection.package_manager = Some(pm.name.clone());
    score::package_manager_evidence(profile, &pms, &mut detection.evidence);
    detection.evidence.extend(rank::runner_up(&ranked));

    // Versions and facts.
    let plans = &index.probes[winner.at];
    let evidence = &mut detection.evidence;
    facts::read_versions(
        profile,
        &plans.versions,
        &env,
        &mut detection.versions,
        evidence,
    );
    facts::read_facts(profile, &plans.facts, &env, &mut facts, evidence);
    if let Some(interpolation) = &profile.interpolation {
        facts::interpolate(&mut facts, interpolation, ctx, evidence);
    }
    facts::package_manager_facts(pm, &context, &obs, &mut facts, evidence);
    detection.facts = facts;
    detection
        .evidence
        .extend(env.notes.borrow().iter().cloned());
    detection
}
