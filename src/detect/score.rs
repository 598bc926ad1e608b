//! Scoring: each rule that matches an observation adds its weight to a profile's (or package
//! manager's) [`Tally`], at most once. Also the choices made with the winner's rules: the
//! builder image and the package manager's evidence lines. Ranking is in `rank.rs`.

use super::index::{CommandIndex, CommandMatches, PackageManagerIndex, RegistryIndex, RuleKeys};
use super::observe::{Observed, SeenImage};
use super::paths::{FileSet, PathParts, PathPattern};
use super::prefilter::{GLOB_MAX, RuleKey};
use super::probe::{ContextFile, CopyStatus, ProbeEnv};
use super::tally::{Tally, What, fmt_weight, round2};
use crate::profile::pattern::{Glob, glob};
use crate::profile::{FileRule, ImageRule, Profile, SystemRules};
use crate::shell::Commands;
use std::cell::OnceCell;

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
fn image_name_matches(pattern: &str, key: RuleKey, img: &SeenImage) -> bool {
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

fn truncate(s: &str) -> String {
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
pub(super) fn score_profile<'a>(
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
    use crate::profile::Registry;

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

    #[test]
    fn the_builder_is_the_from_the_winner_likes_best() {
        let registry = Registry::builtin().unwrap();
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
        let registry = Registry::builtin().unwrap();
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
        let chosen = Tally::of(&[("RUN yarn [yarn]", 6.0)], &[]);
        let second = Tally::of(&[("COPY x [npm]", 2.0)], &[]);
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
