//! Ranking: the profiles with evidence in order, with the explicit tie-break; why the best
//! one may still not be the answer; and the winner's confidence.

use super::observe::{Observed, SeenImage};
use super::paths::FileSet;
use super::result::ProfileScore;
use super::score::{CommandEvidence, score_profile};
use super::tally::{Tally, fmt_weight, round2};
use crate::profile::{Profile, Registry, SystemRules};
use std::cmp::Ordering;

/// A profile with evidence: its tally, and its number in the registry (and so in the
/// [`RegistryIndex`](super::index::RegistryIndex)).
pub(super) struct Ranked<'r, 'a> {
    pub(super) at: usize,
    pub(super) profile: &'r Profile,
    pub(super) tally: Tally<'a>,
}

/// Every profile with evidence, best first ([`by_rank`]).
pub(super) fn rank_profiles<'r, 'a>(
    registry: &'r Registry,
    commands: &'a CommandEvidence<'_>,
    obs: &'a Observed<'_>,
    files: &FileSet<'a, 'a>,
    system: &SystemRules,
) -> Vec<Ranked<'r, 'a>> {
    let mut ranked: Vec<Ranked> = registry
        .iter()
        .enumerate()
        .map(|(at, profile)| Ranked {
            at,
            profile,
            tally: score_profile(profile, at, commands, obs, files, system),
        })
        .filter(|r| r.tally.total() > 0.0)
        .collect();
    ranked.sort_by(by_rank);
    ranked
}

/// The ranking order: higher total first, then higher Dockerfile score, then the profile name
/// in alphabetical order (the explicit tie-break).
fn by_rank(a: &Ranked, b: &Ranked) -> Ordering {
    b.tally
        .total()
        .total_cmp(&a.tally.total())
        .then(b.tally.dockerfile.total_cmp(&a.tally.dockerfile))
        .then(a.profile.name.cmp(&b.profile.name))
}

/// The scores reported for the ranked profiles, rounded to two decimals.
pub(super) fn profile_scores(ranked: &[Ranked]) -> Vec<ProfileScore> {
    ranked
        .iter()
        .map(|r| ProfileScore {
            profile: r.profile.name.clone(),
            dockerfile: round2(r.tally.dockerfile),
            context: round2(r.tally.context),
            total: round2(r.tally.total()),
        })
        .collect()
}

/// Why the best profile is not the answer (no evidence, no Dockerfile evidence, or a total
/// below `scoring.min_score`), or `None` when it is.
pub(super) fn why_no_profile(
    ranked: &[Ranked],
    images: &[SeenImage],
    system: &SystemRules,
) -> Option<String> {
    let Some(best) = ranked.first() else {
        let images: Vec<&str> = images
            .iter()
            .filter(|i| i.from)
            .map(|i| i.raw.as_str())
            .collect();
        return Some(if images.is_empty() {
            "no toolchain evidence: no FROM image, command or manifest matches a profile".into()
        } else {
            format!(
                "no toolchain evidence: FROM {} and no command or manifest matches a profile",
                images.join(", ")
            )
        });
    };
    let name = &best.profile.name;
    if best.tally.dockerfile <= 0.0 {
        return Some(format!(
            "only stray context files point to {name}; the Dockerfile neither uses its toolchain nor copies its manifests",
        ));
    }
    if best.tally.total() < system.scoring.min_score {
        return Some(format!(
            "evidence too weak: {name} scores {} (at least {} needed)",
            fmt_weight(round2(best.tally.total())),
            fmt_weight(system.scoring.min_score)
        ));
    }
    None
}

/// The winner's confidence (see the [module docs](crate::detect)), rounded to two decimals:
/// other profiles count only with the evidence they do not share with the winner.
pub(super) fn confidence(ranked: &[Ranked], system: &SystemRules) -> f64 {
    let tally = &ranked[0].tally;
    let w = tally.total();
    let distinct: Vec<f64> = ranked[1..]
        .iter()
        .map(|r| (r.tally.total() - tally.overlap(&r.tally)).max(0.0))
        .collect();
    let share = w / (w + distinct.iter().sum::<f64>());
    let strength = (w / system.scoring.strong_score.max(1.0)).min(1.0);
    let runner_up = distinct.first().copied().unwrap_or(0.0);
    let closeness = 1.0 - 0.25 * (runner_up / w);
    let mut confidence = share * strength * closeness;
    if let Some(second) = ranked.get(1) {
        // A dead heat once shared evidence is set aside: no better than a coin toss.
        if w - tally.overlap(&second.tally) <= runner_up {
            confidence = confidence.min(0.5);
        }
    }
    round2(confidence)
}

/// The evidence line naming the runner-up profile, when there is one.
pub(super) fn runner_up(ranked: &[Ranked]) -> Option<String> {
    let second = ranked.get(1)?;
    Some(format!(
        "runner-up: {} ({} against {})",
        second.profile.name,
        fmt_weight(round2(second.tally.total())),
        fmt_weight(round2(ranked[0].tally.total()))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> &'static Registry {
        Registry::builtin().unwrap()
    }

    fn ranked<'r>(
        registry: &'r Registry,
        entries: Vec<(&str, Tally<'static>)>,
    ) -> Vec<Ranked<'r, 'static>> {
        entries
            .into_iter()
            .map(|(name, tally)| Ranked {
                at: registry.names().position(|n| n == name).unwrap(),
                profile: registry.get(name).unwrap(),
                tally,
            })
            .collect()
    }

    #[test]
    fn ties_go_to_the_dockerfile_score_then_the_name() {
        let registry = registry();
        let mut r = ranked(
            registry,
            vec![
                ("python", Tally::of(&[("a", 4.0)], &[("b", 4.0)])),
                ("node", Tally::of(&[("a", 4.0)], &[("b", 4.0)])),
                ("go", Tally::of(&[("a", 8.0)], &[])),
                ("rust", Tally::of(&[("a", 9.0)], &[])),
            ],
        );
        r.sort_by(by_rank);
        let names: Vec<&str> = r.iter().map(|r| r.profile.name.as_str()).collect();
        assert_eq!(names, ["rust", "go", "node", "python"]);
    }

    #[test]
    fn evidence_shared_with_the_winner_does_not_lower_its_confidence() {
        let registry = registry();
        let system = registry.system();
        let shared = ("FROM eclipse-temurin:17", 5.0);
        let r = ranked(
            registry,
            vec![
                (
                    "java-maven",
                    Tally::of(&[shared, ("COPY pom.xml", 5.0)], &[]),
                ),
                ("java-gradle", Tally::of(&[shared], &[])),
            ],
        );
        // The runner-up has no distinct evidence: only strength (10 of strong_score) counts.
        let strength = (10.0 / system.scoring.strong_score).min(1.0);
        assert_eq!(confidence(&r, system), round2(strength));
        assert_eq!(profile_scores(&r)[1].total, 5.0);
    }

    #[test]
    fn a_dead_heat_is_no_better_than_a_coin_toss() {
        let registry = registry();
        let r = ranked(
            registry,
            vec![
                ("node", Tally::of(&[("COPY package.json", 20.0)], &[])),
                ("python", Tally::of(&[("COPY requirements.txt", 20.0)], &[])),
            ],
        );
        assert_eq!(confidence(&r, registry.system()), 0.38);
        let alone = ranked(registry, vec![("node", Tally::of(&[("x", 20.0)], &[]))]);
        assert_eq!(confidence(&alone, registry.system()), 1.0);
        let r = ranked(
            registry,
            vec![
                ("node", Tally::of(&[("a", 30.0), ("b", 2.0)], &[])),
                ("python", Tally::of(&[("a", 30.0), ("c", 2.0)], &[])),
            ],
        );
        // Without the shared line the two are level: 0.93 would overstate it.
        assert_eq!(confidence(&r, registry.system()), 0.5);
    }

    #[test]
    fn no_profile_says_why() {
        let registry = registry();
        let system = registry.system();
        let images = [
            SeenImage::new("debian:12".into(), true),
            SeenImage::new("tools".into(), false),
        ];
        assert_eq!(
            why_no_profile(&[], &images, system).unwrap(),
            "no toolchain evidence: FROM debian:12 and no command or manifest matches a profile"
        );
        assert!(
            why_no_profile(&[], &[], system)
                .unwrap()
                .contains("no FROM image")
        );
        let stray = ranked(
            registry,
            vec![("go", Tally::of(&[], &[("go.mod present", 9.0)]))],
        );
        assert!(
            why_no_profile(&stray, &images, system)
                .unwrap()
                .starts_with("only stray context files point to go;")
        );
        let weak = ranked(registry, vec![("go", Tally::of(&[("RUN go", 1.5)], &[]))]);
        assert_eq!(
            why_no_profile(&weak, &images, system).unwrap(),
            format!(
                "evidence too weak: go scores 1.5 (at least {} needed)",
                fmt_weight(system.scoring.min_score)
            )
        );
        let strong = ranked(registry, vec![("go", Tally::of(&[("RUN go", 20.0)], &[]))]);
        assert_eq!(why_no_profile(&strong, &images, system), None);
    }

    #[test]
    fn the_runner_up_line_names_both_totals() {
        let registry = registry();
        let r = ranked(
            registry,
            vec![
                ("node", Tally::of(&[("a", 12.5)], &[])),
                ("python", Tally::of(&[("b", 3.0)], &[("c", 1.0)])),
            ],
        );
        assert_eq!(runner_up(&r).unwrap(), "runner-up: python (4 against 12.5)");
        assert_eq!(runner_up(&r[..1]), None);
    }
}
