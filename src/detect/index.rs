//! What detection derives from a [`Registry`] alone, built once per registry: the command rules
//! indexed by first word, and the prefilter keys and probe plans of every profile and package
//! manager.

use super::paths::{PathParts, PathPattern};
use super::prefilter::{GLOB_MAX, Keys, RuleKey};
use super::probe::ProbePlan;
use crate::profile::pattern::{Glob, glob};
use crate::profile::{CommandRule, FileRule, ImageRule, Profile, Registry};
use crate::shell::Commands;
use std::borrow::Cow;

/// A command rule with its first word split off (owned, so indexes can be kept on the
/// [`Registry`]).
#[derive(Clone, Debug)]
pub(super) struct IndexedRule {
    /// The rule's words, as written.
    pub(super) command: String,
    pub(super) weight: f64,
    /// [`CommandRule::len`].
    pub(super) len: usize,
    /// The first word: `command[first.0..first.1]`.
    pub(super) first: (usize, usize),
    /// The first word has no `*` or `?`.
    pub(super) literal: bool,
    /// The length of the first word's text before its first `*` or `?`: every name it matches
    /// starts with that text.
    pub(super) prefix: usize,
    /// The length of the first word's text after its last `*` or `?` (and a `/` right after it,
    /// which a `**/` may skip): every name it matches ends with that text.
    pub(super) suffix: usize,
    /// The first byte of that prefix, when there is one (checked before anything else).
    pub(super) head: Option<u8>,
}

impl IndexedRule {
    pub(super) fn new(rule: &CommandRule) -> Option<Self> {
        let (first, rest) = first_word(&rule.command)?;
        let end = rule.command.len() - rest.len();
        Some(Self {
            command: rule.command.clone(),
            weight: rule.weight,
            len: rule.len(),
            first: (end - first.len(), end),
            literal: Glob::new(first).is_literal(),
            prefix: first.find(['*', '?']).unwrap_or(first.len()),
            suffix: literal_suffix(first).len(),
            head: first.bytes().next().filter(|b| !matches!(b, b'*' | b'?')),
        })
    }

    /// [`CommandRule::len`], counted only for rules that matched.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn first(&self) -> &str {
        &self.command[self.first.0..self.first.1]
    }

    /// Whether the first word matches the command name.
    fn first_matches(&self, name: &str) -> bool {
        if self
            .head
            .is_some_and(|h| name.as_bytes().first() != Some(&h))
        {
            return false;
        }
        let first = self.first();
        name.starts_with(&first[..self.prefix])
            && name.ends_with(&first[first.len() - self.suffix..])
            && Glob::new(first).matches(name)
    }

    /// [`CommandRule::matches`] once the first word matches: the other rule words appear later
    /// in the command, in order.
    fn rest_matches(&self, words: &[Cow<'_, str>]) -> bool {
        let mut rest = words[1..].iter();
        self.command[self.first.1..]
            .split_whitespace()
            .all(|rw| rest.any(|w| glob(rw, w)))
    }
}

/// The text after a glob's last `*` or `?`, without a leading `/` (`**/` may match nothing).
fn literal_suffix(pattern: &str) -> &str {
    match pattern.rfind(['*', '?']) {
        Some(i) => pattern[i + 1..]
            .strip_prefix('/')
            .unwrap_or(&pattern[i + 1..]),
        None => pattern,
    }
}

/// The first whitespace-separated word of `s` (as `split_whitespace` reads it) and the rest.
fn first_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let b = s.as_bytes();
    let end = match b
        .iter()
        .position(|&c| matches!(c, 9..=13 | b' ') || c >= 0x80)
    {
        Some(i) if b[i] >= 0x80 => i + s[i..].find(char::is_whitespace).unwrap_or(s.len() - i),
        Some(i) => i,
        None => s.len(),
    };
    (end > 0).then(|| (&s[..end], &s[end..]))
}

/// The command rules of several owners (profiles or package managers), numbered owner by
/// owner in rule order, prepared to match commands: rules with a literal first word are
/// sorted by it, so a command name finds its rules by binary search.
#[derive(Clone, Debug)]
pub(super) struct CommandIndex {
    pub(super) rules: Vec<IndexedRule>,
    /// The first rule number of each owner, and the total at the end.
    pub(super) owner_start: Vec<u32>,
    /// Rules with a literal first word, sorted by that word, then ascending.
    pub(super) literal: Vec<u32>,
    /// Each distinct literal first word (as the number of a rule that starts with it) and its
    /// rules `literal[lo..hi]`, grouped by the word's [`Keys::key`].
    pub(super) words: Vec<(u32, u32, u32)>,
    /// Where each key's group starts in `words` (257 entries): a command name finds its
    /// literal rules in a group of a word or two instead of by binary search.
    pub(super) key_start: Vec<u32>,
    /// Rules whose first word has wildcards, ascending.
    pub(super) wild: Vec<u32>,
}

/// Which rules each command matches: `(command, start, end)` into `ids`, commands in order
/// and rule numbers ascending; commands matching nothing are left out.
pub(super) struct CommandMatches {
    pub(super) commands: Vec<(u32, u32, u32)>,
    pub(super) ids: Vec<u32>,
}

impl CommandIndex {
    pub(super) fn new<'r, I>(owners: I) -> Self
    where
        I: IntoIterator<Item = &'r [CommandRule]>,
    {
        let mut rules = Vec::new();
        let mut owner_start = Vec::new();
        for group in owners {
            owner_start.push(rules.len() as u32);
            rules.extend(group.iter().filter_map(IndexedRule::new));
        }
        owner_start.push(rules.len() as u32);
        let (mut literal, wild): (Vec<u32>, Vec<u32>) =
            (0..rules.len() as u32).partition(|&id| rules[id as usize].literal);
        // A stable sort keeps rule order among equal words.
        literal.sort_by(|&a, &b| rules[a as usize].first().cmp(rules[b as usize].first()));
        let mut words: Vec<(u32, u32, u32)> = Vec::new();
        for (at, &id) in literal.iter().enumerate() {
            let first = rules[id as usize].first();
            match words.last_mut() {
                Some(last) if rules[last.0 as usize].first() == first => last.2 += 1,
                _ => words.push((id, at as u32, at as u32 + 1)),
            }
        }
        words.sort_by_key(|&(id, ..)| Keys::key(rules[id as usize].first()));
        let mut key_start = vec![0u32; 257];
        for &(id, ..) in &words {
            key_start[Keys::key(rules[id as usize].first()) + 1] += 1;
        }
        for k in 0..256 {
            key_start[k + 1] += key_start[k];
        }
        Self {
            rules,
            owner_start,
            literal,
            words,
            key_start,
            wild,
        }
    }

    /// The rules whose literal first word is `name`, ascending.
    fn literal_rules(&self, name: &str) -> &[u32] {
        // A literal first word matches only itself (and nothing over the glob size limit).
        if name.len() > GLOB_MAX {
            return &[];
        }
        let k = Keys::key(name);
        let group = &self.words[self.key_start[k] as usize..self.key_start[k + 1] as usize];
        group
            .iter()
            .find(|&&(id, ..)| self.rule(id).first() == name)
            .map_or(&[], |&(_, lo, hi)| &self.literal[lo as usize..hi as usize])
    }

    pub(super) fn rule(&self, id: u32) -> &IndexedRule {
        &self.rules[id as usize]
    }

    /// The rule numbers of one owner.
    pub(super) fn owner(&self, owner: usize) -> std::ops::Range<u32> {
        self.owner_start[owner]..self.owner_start[owner + 1]
    }

    /// Add the rules matching `words` to `out`, ascending.
    pub(super) fn matching(&self, words: &[Cow<'_, str>], out: &mut Vec<u32>) {
        let Some(name) = words.first() else { return };
        let start = out.len();
        let name = &**name;
        let mut literal = self.literal_rules(name).iter().copied().peekable();
        let mut wild = self
            .wild
            .iter()
            .copied()
            .filter(|&id| self.rule(id).first_matches(name))
            .peekable();
        // Merge the two ascending lists.
        loop {
            let id = match (literal.peek(), wild.peek()) {
                (Some(&a), Some(&b)) if a < b => literal.next(),
                (Some(_), Some(_)) | (None, Some(_)) => wild.next(),
                (Some(_), None) => literal.next(),
                (None, None) => break,
            };
            out.extend(id);
        }
        let mut keep = start;
        for i in start..out.len() {
            if self.rule(out[i]).rest_matches(words) {
                out[keep] = out[i];
                keep += 1;
            }
        }
        out.truncate(keep);
    }

    pub(super) fn match_all(&self, commands: &Commands) -> CommandMatches {
        let mut m = CommandMatches {
            commands: Vec::new(),
            ids: Vec::new(),
        };
        if self.rules.is_empty() {
            return m;
        }
        for c in 0..commands.len() {
            let start = m.ids.len();
            self.matching(commands.words(c), &mut m.ids);
            if m.ids.len() > start {
                m.commands
                    .push((c as u32, start as u32, m.ids.len() as u32));
            }
        }
        m
    }
}

/// The [`RuleKey`]s of one rule set's image and file rules, in rule order, and the file rules'
/// path patterns read once.
#[derive(Clone, Debug)]
pub(super) struct RuleKeys {
    pub(super) images: Vec<RuleKey>,
    pub(super) files: Vec<(RuleKey, PathParts)>,
}

impl RuleKeys {
    pub(super) fn new(images: &[ImageRule], files: &[FileRule]) -> Self {
        Self {
            images: images.iter().map(|r| RuleKey::new(&r.image)).collect(),
            files: files
                .iter()
                .map(|r| (RuleKey::new(&r.path), PathPattern::new(&r.path).parts()))
                .collect(),
        }
    }
}

/// What detection derives from a [`Registry`] alone, built once per registry (see
/// [`Registry::derived`]).
#[derive(Clone, Debug)]
pub(crate) struct RegistryIndex {
    /// The profiles' RUN command rules, profile by profile in [`Registry::iter`] order.
    pub(super) run: CommandIndex,
    /// The profiles' CMD/ENTRYPOINT command rules.
    pub(super) start: CommandIndex,
    /// Per profile, the keys of its image and file rules.
    pub(super) profile_keys: Vec<RuleKeys>,
    /// Per profile, its package managers' rules.
    pub(super) package_managers: Vec<PackageManagerIndex>,
    /// Per profile, the plans of its `versions` and `facts` probes.
    pub(super) probes: Vec<ProfileProbes>,
    /// The keys of `_system.yaml`'s `skip_dirs`.
    pub(super) skip_dirs: Keys,
}

/// The plans of one profile's probes, in order.
#[derive(Clone, Debug)]
pub(super) struct ProfileProbes {
    pub(super) versions: Vec<ProbePlan>,
    pub(super) facts: Vec<ProbePlan>,
}

impl RegistryIndex {
    pub(crate) fn new(registry: &Registry) -> Self {
        Self {
            run: CommandIndex::new(registry.iter().map(|p| p.detect.commands.as_slice())),
            start: CommandIndex::new(registry.iter().map(|p| p.detect.start_commands.as_slice())),
            profile_keys: registry
                .iter()
                .map(|p| RuleKeys::new(&p.detect.images, &p.detect.files))
                .collect(),
            package_managers: registry.iter().map(PackageManagerIndex::new).collect(),
            probes: registry
                .iter()
                .map(|p| ProfileProbes {
                    versions: ProbePlan::all(&p.versions),
                    facts: ProbePlan::all(&p.facts),
                })
                .collect(),
            skip_dirs: {
                let mut keys = Keys::default();
                for dir in &registry.system().skip_dirs {
                    keys.insert(dir);
                }
                keys
            },
        }
    }
}

/// One profile's package-manager rules, prepared once per registry.
#[derive(Clone, Debug)]
pub(super) struct PackageManagerIndex {
    /// The command rules, package manager by package manager.
    pub(super) commands: CommandIndex,
    /// Each package manager's evidence label (` [npm]`).
    pub(super) labels: Vec<String>,
    /// Each package manager's image and file rule keys.
    pub(super) keys: Vec<RuleKeys>,
    /// Each package manager's evidence probe plans.
    pub(super) probes: Vec<Vec<ProbePlan>>,
}

impl PackageManagerIndex {
    pub(super) fn new(p: &Profile) -> Self {
        let pms = &p.package_managers;
        Self {
            commands: CommandIndex::new(pms.iter().map(|pm| pm.evidence.commands.as_slice())),
            labels: pms.iter().map(|pm| format!(" [{}]", pm.name)).collect(),
            keys: pms
                .iter()
                .map(|pm| RuleKeys::new(&pm.evidence.images, &pm.evidence.files))
                .collect(),
            probes: pms
                .iter()
                .map(|pm| ProbePlan::all(&pm.evidence.probes))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_words_split_as_split_whitespace() {
        for text in [
            "npm ci",
            "  pip* install poetry*",
            "go",
            "",
            "   ",
            "a\u{a0}b c",
            "é x",
            "x\u{b}y",
            "x\ty",
        ] {
            let want = text.split_whitespace().next();
            let got = first_word(text);
            assert_eq!(got.map(|(f, _)| f), want, "{text:?}");
            if let Some((first, rest)) = got {
                let words: Vec<&str> = std::iter::once(first)
                    .chain(rest.split_whitespace())
                    .collect();
                let all: Vec<&str> = text.split_whitespace().collect();
                assert_eq!(words, all, "{text:?}");
            }
        }
    }

    /// Words a command rule's words could be: `*` and `?` filled in.
    fn command_words(rule: &str) -> Vec<String> {
        rule.split_whitespace()
            .map(|w| w.replace('*', "x").replace('?', "y"))
            .collect()
    }

    #[test]
    fn the_command_index_matches_as_the_rules_do() {
        let registry = Registry::builtin().unwrap();
        let index = registry.derived(RegistryIndex::new);
        let rules: Vec<&CommandRule> = registry
            .iter()
            .flat_map(|p| &p.detect.commands)
            .filter(|r| !r.is_empty())
            .collect();
        assert_eq!(rules.len(), index.run.rules.len());
        let mut commands: Vec<Vec<String>> = vec![vec![], vec![String::new()]];
        for a in &rules {
            let head = command_words(&a.command);
            commands.push(head.clone());
            commands.push(vec![format!("{}z", head[0])]);
            for b in &rules {
                let mut words = head.clone();
                words.extend(command_words(&b.command));
                commands.push(words);
            }
        }
        let mut out = Vec::new();
        for words in &commands {
            out.clear();
            let borrowed: Vec<Cow<'_, str>> = words.iter().map(|w| Cow::from(w.as_str())).collect();
            index.run.matching(&borrowed, &mut out);
            let expected: Vec<u32> = (0..rules.len() as u32)
                .filter(|&id| rules[id as usize].matches(words))
                .collect();
            assert_eq!(out, expected, "{words:?}");
        }
    }

    #[test]
    fn a_glob_matches_only_names_ending_in_its_literal_suffix() {
        for pattern in [
            "*dotnet-install.sh",
            "pip*",
            "**/mvnw",
            "x**/",
            "a?b",
            "**/*.py",
            "p*/q",
        ] {
            let suffix = literal_suffix(pattern);
            for text in [
                "mvnw", "a/mvnw", "x", "x/", "xab/", "aab", "a.py", "b/a.py", "pp/q", "q",
            ] {
                if glob(pattern, text) {
                    assert!(text.ends_with(suffix), "{pattern} {text}");
                }
            }
        }
    }
}
