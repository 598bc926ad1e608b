//! Scoring: each rule that matches an observation adds its weight to a profile's (or package
//! manager's) [`Tally`]; the profiles are then ranked, and the winner's confidence computed.

use super::index::{CommandIndex, CommandMatches, PackageManagerIndex, RegistryIndex, RuleKeys};
use super::observe::{Observed, SeenImage};
use super::paths::{FileSet, PathParts, PathPattern};
use super::prefilter::{GLOB_MAX, RuleKey};
use super::probe::{ContextFile, CopyStatus, ProbeEnv};
use super::result::ProfileScore;
use super::tally::{Tally, What, fmt_weight, round2};
use crate::profile::pattern::{Glob, glob};
use crate::profile::{FileRule, ImageRule, Profile, Registry, SystemRules};
use crate::shell::Commands;
use std::cell::OnceCell;
use std::cmp::Ordering;

/// [`ImageRule::matches`] for a seen image.
fn image_rule_matches(rule: &ImageRule, key: RuleKey, img: &SeenImage) -> bool {
    image_name_matches(&rule.image, key, img)
        && rule
            .tag
            .as_deref()
            .is_none_or(|t| img.tag.as_deref().is_some_and(|tag| glob(t, tag)))
}

/// [`crate::profile::image_name_matches`]: the glob matches the name or a trailing part of it
/// (after a `/`); a literal is compared without globbing.
pub(super) fn image_name_matches(pattern: &str, key: RuleKey, img: &SeenImage) -> bool {
    if !key.wild && !img.keys.may_hold_key(key.key) {
        return false;
    }
    let name = img.name.as_str();
    let glob = Glob::with_shape(pattern, key.shape);
    if glob.is_literal() {
        let n = pattern.len();
        return n <= GLOB_MAX
            && (name == pattern
                || (name.len() > n
                    && name.ends_with(pattern)
                    && name.as_bytes()[name.len() - n - 1] == b'/'));
    }
    // Each literal run of the pattern (less a leading `/`, which a `**/` may skip) is in every
    // text it matches, so in the name: most names are rejected without globbing.
    if !pattern
        .split(['*', '?'])
        .all(|run| name.contains(run.strip_prefix('/').unwrap_or(run)))
    {
        return false;
    }
    glob.matches(name)
        || name
            .match_indices('/')
            .any(|(i, _)| glob.matches(&name[i + 1..]))
}

fn score_images<'a>(
    rules: &[ImageRule],
    keys: &[RuleKey],
    images: &'a [SeenImage],
    from_only: bool,
    tally: &mut Tally<'a>,
    label: &'a str,
) {
    for (rule, &key) in rules.iter().zip(keys) {
        if let Some(img) = images
            .iter()
            .filter(|i| !from_only || i.from)
            .find(|i| image_rule_matches(rule, key, i))
        {
            let kw = if img.from { "FROM" } else { "COPY --from" };
            tally.add_dockerfile(rule.weight, What::of([kw, " ", &img.raw, label]));
        }
    }
}

/// Command rules of one owner: per simple command, only the rules with the most words count;
/// each rule once.
fn score_commands<'a>(
    index: &CommandIndex,
    matches: &CommandMatches,
    owner: usize,
    commands: &'a ShownCommands<'_>,
    kw: &'a str,
    tally: &mut Tally<'a>,
) {
    let range = index.owner(owner);
    let mut counted: Vec<&str> = Vec::new();
    for &(c, start, end) in &matches.commands {
        let ids = &matches.ids[start as usize..end as usize];
        let lo = ids.partition_point(|&id| id < range.start);
        let hi = ids.partition_point(|&id| id < range.end);
        let ids = &ids[lo..hi];
        let Some(best) = ids.iter().map(|&id| index.rule(id).len()).max() else {
            continue;
        };
        for &id in ids {
            let rule = index.rule(id);
            if rule.len() != best || counted.contains(&rule.command.as_str()) {
                continue;
            }
            counted.push(&rule.command);
            tally.add_dockerfile(rule.weight, What::of([kw, " ", commands.get(c as usize)]));
        }
    }
}

/// The evidence text of each command ([`Commands::shown`], [`truncate`]d), written on first
/// use and shared by every profile's evidence lines.
pub(super) struct ShownCommands<'c> {
    pub(super) commands: &'c Commands<'c>,
    pub(super) texts: Vec<OnceCell<String>>,
}

impl<'c> ShownCommands<'c> {
    pub(super) fn new(commands: &'c Commands<'c>) -> Self {
        Self {
            commands,
            texts: (0..commands.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    pub(super) fn get(&self, c: usize) -> &str {
        self.texts[c].get_or_init(|| truncate(&self.commands.shown(c)))
    }
}

pub(super) fn truncate(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let t: String = s.chars().take(MAX).collect();
        format!("{t}…")
    }
}

fn score_files<'a>(
    rules: &[FileRule],
    keys: &[(RuleKey, PathParts)],
    files: &FileSet<'a, 'a>,
    full_depth: usize,
    tally: &mut Tally<'a>,
    label: &'a str,
) {
    let sources = &files.sources;
    for (rule, (key, parts)) in rules.iter().zip(keys) {
        // A literal rule only equals a name, path or base with its key.
        let in_sources = sources.wild_base || sources.keys.may_hold_key(key.key);
        let in_files = files.keys.may_hold_key(key.key);
        if !in_sources && !in_files && !key.wild {
            continue;
        }
        let pattern = PathPattern::with_parts(&rule.path, *parts);
        let named = if pattern.literal() && !in_sources {
            None
        } else {
            sources.list.iter().find(|s| s.names(&pattern))
        };
        if let Some(src) = named {
            tally.add_dockerfile(rule.copied, What::of(["COPY ", &src.path, label]));
            continue;
        }
        if pattern.literal() && !in_files {
            continue;
        }
        // The best context file for this rule: the highest weight, then the first path.
        let mut best: Option<(f64, &ContextFile<'a>)> = None;
        files.for_each_match(&pattern, |f| {
            let w = match f.status {
                CopyStatus::Named => rule.copied,
                CopyStatus::Broad => (rule.present + rule.copied) / 2.0,
                CopyStatus::Present if f.depth > full_depth => rule.present / 2.0,
                CopyStatus::Present => rule.present,
            };
            let better = match best {
                None => true,
                Some((bw, bf)) => w.total_cmp(&bw).then_with(|| bf.path.cmp(f.path)).is_ge(),
            };
            if better {
                best = Some((w, f));
            }
        });
        if let Some((w, f)) = best {
            let how = match f.status {
                CopyStatus::Named => "copied",
                CopyStatus::Broad => "copied with its folder",
                CopyStatus::Present => "present",
            };
            let what = What::of([f.path, " ", how, label]);
            if f.status == CopyStatus::Named {
                tally.add_dockerfile(w, what);
            } else {
                tally.add_context(w, what);
            }
        }
    }
}

/// The command rules of every profile, matched once against the Dockerfile's commands.
pub(super) struct CommandEvidence<'i> {
    /// The profiles' image and file rule keys.
    pub(super) keys: &'i [RuleKeys],
    pub(super) run: &'i CommandIndex,
    pub(super) run_matches: CommandMatches,
    pub(super) run_shown: ShownCommands<'i>,
    pub(super) start: &'i CommandIndex,
    pub(super) start_matches: CommandMatches,
    pub(super) start_shown: ShownCommands<'i>,
}

impl<'i> CommandEvidence<'i> {
    #[inline(never)] // a phase of its own in profiles
    pub(super) fn new(index: &'i RegistryIndex, obs: &'i Observed) -> Self {
        Self {
            keys: &index.profile_keys,
            run: &index.run,
            run_matches: index.run.match_all(&obs.run),
            run_shown: ShownCommands::new(&obs.run),
            start: &index.start,
            start_matches: index.start.match_all(&obs.start),
            start_shown: ShownCommands::new(&obs.start),
        }
    }
}

/// Score one profile (number `owner` in `commands`) against the observations.
fn score_profile<'a>(
    p: &Profile,
    owner: usize,
    commands: &'a CommandEvidence<'_>,
    obs: &'a Observed<'_>,
    files: &FileSet<'a, 'a>,
    system: &SystemRules,
) -> Tally<'a> {
    let keys = &commands.keys[owner];
    let mut t = Tally::default();
    score_images(
        &p.detect.images,
        &keys.images,
        &obs.images,
        true,
        &mut t,
        "",
    );
    score_commands(
        commands.run,
        &commands.run_matches,
        owner,
        &commands.run_shown,
        "RUN",
        &mut t,
    );
    score_commands(
        commands.start,
        &commands.start_matches,
        owner,
        &commands.start_shown,
        "CMD/ENTRYPOINT",
        &mut t,
    );
    for rule in &p.detect.packages {
        if let Some((pkg, _)) = obs
            .packages
            .iter()
            .find(|(pkg, _)| glob(&rule.package, pkg))
        {
            t.add_dockerfile(rule.weight, What::of(["installs package ", pkg]));
        }
    }
    score_files(
        &p.detect.files,
        &keys.files,
        files,
        system.scoring.full_depth,
        &mut t,
        "",
    );
    t
}

/// Score the package managers of the winning profile. Returns (index, tally) best first.
#[inline(never)] // a phase of its own in profiles
pub(super) fn score_package_managers<'a>(
    p: &Profile,
    prepared: &'a PackageManagerIndex,
    obs: &'a Observed<'_>,
    run_shown: &'a ShownCommands<'_>,
    files: &FileSet<'a, 'a>,
    env: &ProbeEnv<'_>,
    full_depth: usize,
) -> Vec<(usize, Tally<'a>)> {
    let mut tallies: Vec<(usize, Tally)> = (0..p.package_managers.len())
        .map(|i| (i, Tally::default()))
        .collect();
    let index = &prepared.commands;
    // Command rules compete across package managers: per simple command the longest rules win.
    let matches = index.match_all(&obs.run);
    let mut counted: Vec<(usize, &str)> = Vec::new();
    for &(c, start, end) in &matches.commands {
        let ids = &matches.ids[start as usize..end as usize];
        let Some(best) = ids.iter().map(|&id| index.rule(id).len()).max() else {
            continue;
        };
        for &id in ids {
            let rule = index.rule(id);
            if rule.len() != best {
                continue;
            }
            let i = index.owner_start.partition_point(|&s| s <= id) - 1;
            if counted.contains(&(i, rule.command.as_str())) {
                continue;
            }
            counted.push((i, &rule.command));
            // The label is ` [<package manager>]`.
            let what = What::of(["RUN ", run_shown.get(c as usize), &prepared.labels[i]]);
            tallies[i].1.add_dockerfile(rule.weight, what);
        }
    }
    for (i, pm) in p.package_managers.iter().enumerate() {
        let label = &prepared.labels[i];
        let t = &mut tallies[i].1;
        let keys = &prepared.keys[i];
        score_images(
            &pm.evidence.images,
            &keys.images,
            &obs.images,
            false,
            t,
            label,
        );
        score_files(&pm.evidence.files, &keys.files, files, full_depth, t, label);
        for (probe, plan) in pm.evidence.probes.iter().zip(&prepared.probes[i]) {
            if let Some((_, origin)) = env.eval(probe, plan) {
                t.add_context(
                    probe.weight.unwrap_or(0.0),
                    What::Text(format!("{origin}: {}{label}", probe.name)),
                );
            }
        }
    }
    let default = p
        .package_managers
        .iter()
        .position(|pm| pm.name == p.default_package_manager)
        .unwrap_or(0);
    tallies.sort_by(|(ia, a), (ib, b)| {
        b.total()
            .total_cmp(&a.total())
            .then(b.dockerfile.total_cmp(&a.dockerfile))
            .then((*ia != default).cmp(&(*ib != default)))
            .then(ia.cmp(ib))
    });
    tallies
}

/// A profile with evidence: its number in the registry (and so in the [`RegistryIndex`]) and
/// its tally.
pub(super) struct Ranked<'r, 'a> {
    pub(super) at: usize,
    pub(super) profile: &'r Profile,
    pub(super) tally: Tally<'a>,
}

/// Every profile with evidence, best first ([`by_rank`]).
#[inline(never)] // a phase of its own in profiles
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

/// The winner's confidence (see the [module docs](crate::detect)), rounded to two decimals: other profiles
/// count only with the evidence they do not share with the winner.
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

/// The builder image: the FROM the winner's image rules (whose keys are `keys`) like best,
/// else the first FROM.
pub(super) fn builder_image<'o>(
    winner: &Profile,
    keys: &[RuleKey],
    images: &'o [SeenImage],
) -> Option<&'o SeenImage> {
    images
        .iter()
        .filter(|i| i.from)
        .map(|i| {
            let w: f64 = winner
                .detect
                .images
                .iter()
                .zip(keys)
                .filter(|&(r, &key)| image_rule_matches(r, key, i))
                .map(|(r, _)| r)
                .map(|r| r.weight)
                .fold(0.0, f64::max);
            (w, i)
        })
        .fold(None::<(f64, &SeenImage)>, |best, (w, i)| match best {
            Some((bw, _)) if bw >= w => best,
            _ => Some((w, i)),
        })
        .map(|(_, i)| i)
}

/// The evidence lines of the chosen package manager (`ranked` is the output of
/// [`score_package_managers`]): its own lines and the runner-up's total, or that it is the
/// profile's default.
pub(super) fn package_manager_evidence(
    profile: &Profile,
    ranked: &[(usize, Tally<'_>)],
    evidence: &mut Vec<String>,
) {
    let (chosen, tally) = &ranked[0];
    if tally.total() > 0.0 {
        evidence.extend(tally.evidence(""));
        if let Some((i, t)) = ranked.get(1).filter(|(_, t)| t.total() > 0.0) {
            evidence.push(format!(
                "package manager runner-up: {} ({} against {})",
                profile.package_managers[*i].name,
                fmt_weight(round2(t.total())),
                fmt_weight(round2(tally.total()))
            ));
        }
    } else {
        evidence.push(format!(
            "no package-manager evidence: {} is the default for {}",
            profile.package_managers[*chosen].name, profile.name
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_match_as_the_profile_does() {
        let patterns = [
            "node",
            "cimg/node",
            "*/openjdk-*",
            "azul/zulu-openjdk*",
            "mcr.microsoft.com/dotnet/*",
            "continuumio/*conda*",
            "**/node",
            "x**/",
            "n?de",
            "*/*/node",
            "",
        ];
        let names = [
            "node",
            "cimg/node",
            "my-mirror.example/library/node",
            "nodejs",
            "xnode",
            "a/node/b",
            "bitnami/openjdk-17",
            "azul/zulu-openjdk-alpine",
            "mcr.microsoft.com/dotnet/sdk",
            "continuumio/miniconda3",
            "",
            "a/",
            "x",
            "x/",
        ];
        for pattern in patterns {
            for name in names {
                let img = SeenImage::new(name.to_string(), true);
                // The definition: the glob matches the name or a part of it after a `/`.
                let reference = glob(pattern, &img.name)
                    || img
                        .name
                        .match_indices('/')
                        .any(|(i, _)| glob(pattern, &img.name[i + 1..]));
                assert_eq!(
                    image_name_matches(pattern, RuleKey::new(pattern), &img),
                    reference,
                    "{pattern:?} on {name:?}"
                );
                assert_eq!(
                    crate::profile::image_name_matches(pattern, &img.name),
                    reference,
                    "{pattern:?} on {name:?}"
                );
            }
        }
    }

    fn registry() -> &'static Registry {
        Registry::builtin().unwrap()
    }

    /// A tally of Dockerfile evidence lines (what, weight) and context lines.
    fn tally(dockerfile: &[(&str, f64)], context: &[(&str, f64)]) -> Tally<'static> {
        let mut t = Tally::default();
        for &(what, w) in dockerfile {
            t.add_dockerfile(w, What::Text(what.to_string()));
        }
        for &(what, w) in context {
            t.add_context(w, What::Text(what.to_string()));
        }
        t
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
                ("python", tally(&[("a", 4.0)], &[("b", 4.0)])),
                ("node", tally(&[("a", 4.0)], &[("b", 4.0)])),
                ("go", tally(&[("a", 8.0)], &[])),
                ("rust", tally(&[("a", 9.0)], &[])),
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
                ("java-maven", tally(&[shared, ("COPY pom.xml", 5.0)], &[])),
                ("java-gradle", tally(&[shared], &[])),
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
                ("node", tally(&[("COPY package.json", 20.0)], &[])),
                ("python", tally(&[("COPY requirements.txt", 20.0)], &[])),
            ],
        );
        assert_eq!(confidence(&r, registry.system()), 0.38);
        let alone = ranked(registry, vec![("node", tally(&[("x", 20.0)], &[]))]);
        assert_eq!(confidence(&alone, registry.system()), 1.0);
        let r = ranked(
            registry,
            vec![
                ("node", tally(&[("a", 30.0), ("b", 2.0)], &[])),
                ("python", tally(&[("a", 30.0), ("c", 2.0)], &[])),
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
            vec![("go", tally(&[], &[("go.mod present", 9.0)]))],
        );
        assert!(
            why_no_profile(&stray, &images, system)
                .unwrap()
                .starts_with("only stray context files point to go;")
        );
        let weak = ranked(registry, vec![("go", tally(&[("RUN go", 1.5)], &[]))]);
        assert_eq!(
            why_no_profile(&weak, &images, system).unwrap(),
            format!(
                "evidence too weak: go scores 1.5 (at least {} needed)",
                fmt_weight(system.scoring.min_score)
            )
        );
        let strong = ranked(registry, vec![("go", tally(&[("RUN go", 20.0)], &[]))]);
        assert_eq!(why_no_profile(&strong, &images, system), None);
    }

    #[test]
    fn the_runner_up_line_names_both_totals() {
        let registry = registry();
        let r = ranked(
            registry,
            vec![
                ("node", tally(&[("a", 12.5)], &[])),
                ("python", tally(&[("b", 3.0)], &[("c", 1.0)])),
            ],
        );
        assert_eq!(runner_up(&r).unwrap(), "runner-up: python (4 against 12.5)");
        assert_eq!(runner_up(&r[..1]), None);
    }

    #[test]
    fn the_builder_is_the_from_the_winner_likes_best() {
        let registry = registry();
        let index = registry.derived(RegistryIndex::new);
        let at = registry.names().position(|n| n == "node").unwrap();
        let node = registry.get("node").unwrap();
        let keys = &index.profile_keys[at].images;
        let images = [
            SeenImage::new("alpine:3.19".into(), true),
            SeenImage::new("node:20".into(), false),
            SeenImage::new("node:18-alpine".into(), true),
        ];
        let builder = builder_image(node, keys, &images).unwrap();
        assert_eq!(builder.raw, "node:18-alpine");
        // No FROM the profile knows: the first FROM.
        let builder = builder_image(node, keys, &images[..2]).unwrap();
        assert_eq!(builder.raw, "alpine:3.19");
        assert!(builder_image(node, keys, &images[1..2]).is_none());
    }

    #[test]
    fn without_evidence_the_default_package_manager_says_so() {
        let registry = registry();
        let node = registry.get("node").unwrap();
        let default = node
            .package_managers
            .iter()
            .position(|pm| pm.name == node.default_package_manager)
            .unwrap();
        let mut evidence = Vec::new();
        package_manager_evidence(node, &[(default, Tally::default())], &mut evidence);
        assert_eq!(
            evidence,
            [format!(
                "no package-manager evidence: {} is the default for node",
                node.default_package_manager
            )]
        );
        let mut evidence = Vec::new();
        let chosen = tally(&[("RUN yarn [yarn]", 6.0)], &[]);
        let second = tally(&[("COPY x [npm]", 2.0)], &[]);
        package_manager_evidence(node, &[(1, chosen), (0, second)], &mut evidence);
        assert_eq!(evidence.len(), 2, "{evidence:?}");
        assert_eq!(evidence[0], "RUN yarn [yarn] (+6)");
        assert_eq!(
            evidence[1],
            format!(
                "package manager runner-up: {} (2 against 6)",
                node.package_managers[0].name
            )
        );
    }
}
