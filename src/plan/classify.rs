//! What each original instruction is: setup, system packages, dependency manifests, dependency
//! install, source copy, build, test, runtime metadata...
//!
//! RUN lines are read command by command. What counts as an install, a build or a test comes
//! from the profile's `recognise` rules; system packages and user creation are distro knowledge.

use super::model::Class;
use crate::profile::Profile;
use crate::profile::schema::path_matches;
use crate::shell::Command;
use crate::syntax::Instruction;
use std::collections::BTreeMap;

/// Commands that never decide the class of a RUN on their own (they go with their neighbours).
const NEUTRAL: &[&str] = &[
    "cd", "echo", "mkdir", "ls", "true", "set", "export", "printf", "test", "[", "pwd", "cat",
    "env", "chmod",
];

/// Commands that create users and groups.
const USER_SETUP: &[&str] = &["useradd", "adduser", "groupadd", "addgroup", "usermod"];

/// Programs whose fixed class ([`fixed_class`]) depends on their arguments, not only on their
/// name: `rm` is housekeeping only when it removes package caches. The [`Recogniser`] remembers
/// the fixed class per program name for every other program, so a new argument-dependent arm
/// in [`is_package_housekeeping`] must be listed here.
const CLASSIFIED_BY_ARGUMENTS: &[&str] = &["rm"];

/// Commands that belong with a system package install (`apt-get update`, cleaning lists).
fn is_package_housekeeping(command: &Command) -> bool {
    match command.program() {
        "apt-get" | "apt" | "apk" | "dnf" | "yum" | "microdnf" => true,
        "rm" => command.words.iter().any(|w| {
            w.starts_with("/var/lib/apt")
                || w.starts_with("/var/cache/apk")
                || w.starts_with("/var/cache/")
        }),
        "update-ca-certificates" | "locale-gen" | "ln" => true,
        _ => false,
    }
}

/// A RUN's commands grouped by class, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunParts<'c, 'a> {
    pub parts: Vec<(Class, Vec<&'c Command<'a>>)>,
}

impl RunParts<'_, '_> {
    /// The single class of the RUN, when all its deciding commands agree.
    pub fn single(&self) -> Option<Class> {
        match self.parts.as_slice() {
            [(class, _)] => Some(*class),
            _ => None,
        }
    }

    /// Whether the groups are joined by `&&`/`;` only, so they can become separate RUNs.
    pub fn splittable(&self) -> bool {
        self.parts
            .iter()
            .skip(1)
            .all(|(_, cmds)| matches!(&*cmds[0].joined_by, "&&" | ";" | "\n"))
    }
}

/// Classify one command. For many commands, use a [`Recogniser`].
pub fn classify_command(command: &Command, profile: &Profile) -> Option<Class> {
    let program = command.program();
    fixed_class(command).or_else(|| {
        class_by_rules(
            command,
            &rules_for_program(profile, program),
            NEUTRAL.contains(&program),
        )
    })
}

/// Classifies commands with a profile's `recognise` rules, remembering for each program name
/// what the name alone decides: the distro class, the few rules that can match it, whether it
/// is neutral (a file's RUNs repeat the same programs). A B-tree: a few short names compare
/// faster than they hash.
pub struct Recogniser<'p> {
    profile: &'p Profile,
    programs: BTreeMap<String, Program<'p>>,
}

/// What a program's name decides about its commands.
struct Program<'p> {
    /// The class from distro knowledge ([`fixed_class`]), for every program but `rm`, whose
    /// class depends on its arguments.
    fixed: Option<Class>,
    /// The recognise rules whose first word matches the name (none when `fixed` decides).
    rules: Vec<Rule<'p>>,
    neutral: bool,
}

impl<'p> Recogniser<'p> {
    pub fn new(profile: &'p Profile) -> Self {
        Self {
            profile,
            programs: BTreeMap::new(),
        }
    }

    /// The class of one command, `None` for a neutral one (`cd`, `echo`).
    pub fn classify(&mut self, command: &Command) -> Option<Class> {
        let name = command.program();
        let by_arguments = CLASSIFIED_BY_ARGUMENTS.contains(&name);
        if by_arguments && let Some(class) = fixed_class(command) {
            return Some(class);
        }
        let program = match self.programs.get(name) {
            Some(program) => program,
            None => {
                let fixed = if by_arguments {
                    None
                } else {
                    fixed_class(command)
                };
                let rules = match fixed {
                    Some(_) => Vec::new(),
                    None => rules_for_program(self.profile, name),
                };
                let program = Program {
                    fixed,
                    rules,
                    neutral: NEUTRAL.contains(&name),
                };
                self.programs.entry(name.to_string()).or_insert(program)
            }
        };
        if program.fixed.is_some() {
            return program.fixed;
        }
        class_by_rules(command, &program.rules, program.neutral)
    }
}

/// The class distro knowledge gives a command whatever the profile: package housekeeping and
/// user creation.
fn fixed_class(command: &Command) -> Option<Class> {
    if is_package_housekeeping(command) {
        Some(Class::SystemPackages)
    } else if USER_SETUP.contains(&command.program()) {
        Some(Class::UserSetup)
    } else {
        None
    }
}

/// The class from the recognise rules that can match the command's program (see
/// [`rules_for_program`]); when none matches, `None` for a `neutral` program (one in
/// [`NEUTRAL`]), `Other` for anything else.
fn class_by_rules(command: &Command, candidates: &[Rule<'_>], neutral: bool) -> Option<Class> {
    match best_rule(command, candidates) {
        Some(class) => Some(class),
        None if neutral => None,
        None => Some(Class::Other),
    }
}

/// The class of the best of `candidates` that matches the command.
fn best_rule(command: &Command, candidates: &[Rule<'_>]) -> Option<Class> {
    let best = candidates
        .iter()
        .filter(|rule| rule.matches(command))
        // The rule with the most words wins; on a tie the earlier list (setup before install,
        // install before build) does, so `npm install -g serve` is setup.
        .fold(None, |best: Option<&Rule<'_>>, candidate| match best {
            Some(b) if b.words.len() >= candidate.words.len() => best,
            _ => Some(candidate),
        });
    best.map(|rule| rule.class)
}

/// A recognise rule split into its words once: the words that must appear (the first one is
/// the program), then the `!` words that must not.
struct Rule<'p> {
    class: Class,
    words: Vec<&'p str>,
    positive: usize,
}

impl<'p> Rule<'p> {
    fn new(class: Class, rule: &'p str) -> Self {
        let mut words: Vec<&str> = rule.split_whitespace().collect();
        // A stable sort keeps each group in its written order.
        words.sort_by_key(|w| w.starts_with('!'));
        let positive = words.iter().take_while(|w| !w.starts_with('!')).count();
        Self {
            class,
            words,
            positive,
        }
    }

    /// See [`rule_matches`].
    fn matches(&self, command: &Command) -> bool {
        let glob = crate::profile::pattern::glob;
        let (positive, negative) = self.words.split_at(self.positive);
        let (Some(first), false) = (positive.first(), command.words.is_empty()) else {
            return false;
        };
        let program = command.program();
        if !glob(first, program) {
            return false;
        }
        let args = || command.words[1..].iter().map(|w| &**w);
        let mut rest = args();
        positive[1..]
            .iter()
            .all(|rule_word| rest.any(|w| glob(rule_word, w)))
            && !negative.iter().any(|n| {
                let n = &n[1..];
                glob(n, program) || args().any(|w| glob(n, w))
            })
    }
}

/// Every recognise rule with its class, in precedence order (setup, install, build, test).
fn rules_in_precedence(profile: &Profile) -> impl Iterator<Item = (Class, &String)> {
    let recognise = &profile.recognise;
    [
        (Class::PackageManagerSetup, &recognise.setup),
        (Class::DependencyInstall, &recognise.install),
        (Class::Build, &recognise.build),
        (Class::Test, &recognise.test),
    ]
    .into_iter()
    .flat_map(|(class, rules)| rules.iter().map(move |r| (class, r)))
}

/// The recognise rules whose first word can match `program`, in precedence order.
fn rules_for_program<'p>(profile: &'p Profile, program: &str) -> Vec<Rule<'p>> {
    rules_in_precedence(profile)
        .filter(|(_, rule)| {
            rule.split_whitespace()
                .find(|w| !w.starts_with('!'))
                .is_some_and(|first| crate::profile::pattern::glob(first, program))
        })
        .map(|(class, rule)| Rule::new(class, rule))
        .collect()
}

/// The old single-command classifier, kept for the differential test below.
#[cfg(test)]
fn classify_command_directly(command: &Command, profile: &Profile) -> Option<Class> {
    if is_package_housekeeping(command) {
        return Some(Class::SystemPackages);
    }
    if USER_SETUP.contains(&command.program()) {
        return Some(Class::UserSetup);
    }
    let words = crate::profile::schema::normalise_command(&command.owned_words()).into_owned();
    let best = rules_in_precedence(profile)
        .filter(|(_, rule)| rule_matches_words(rule, &words))
        // The rule with the most words wins; on a tie the earlier list (setup before install,
        // install before build) does, so `npm install -g serve` is setup.
        .fold(
            None,
            |best: Option<(Class, &String)>, (class, rule)| match best {
                Some((_, b)) if b.split_whitespace().count() >= rule.split_whitespace().count() => {
                    best
                }
                _ => Some((class, rule)),
            },
        );
    if let Some((class, _)) = best {
        return Some(class);
    }
    if NEUTRAL.contains(&command.program()) {
        return None;
    }
    Some(Class::Other)
}

/// A recognise rule: command words as for `CommandRule`, where a word written `!word` must not
/// appear (`gradle* test !-x` is a test run, `gradle build -x test` is not). The program is
/// matched by its name without directory, as `normalise_command` would give it.
pub fn rule_matches(rule: &str, command: &Command) -> bool {
    Rule::new(Class::Other, rule).matches(command)
}

/// The previous matcher on normalised words, kept for the differential test.
#[cfg(test)]
fn rule_matches_words(rule: &str, words: &[String]) -> bool {
    let glob = crate::profile::pattern::glob;
    let mut positive = rule.split_whitespace().filter(|w| !w.starts_with('!'));
    let (Some(first), Some(name)) = (positive.next(), words.first()) else {
        return false;
    };
    if !glob(first, name) {
        return false;
    }
    let mut rest = words[1..].iter();
    positive.all(|rule_word| rest.any(|w| glob(rule_word, w)))
        && !rule
            .split_whitespace()
            .filter_map(|w| w.strip_prefix('!'))
            .any(|n| words.iter().any(|w| glob(n, w)))
}

/// The single class of a RUN whose commands have these classes, as
/// `run_parts(..).single()` gives it, without building the groups: `None` when two deciding
/// commands disagree or there is no command, `Other` when no command decides.
pub fn run_class(classes: &[Option<Class>]) -> Option<Class> {
    let mut deciding = classes.iter().flatten();
    match deciding.next() {
        Some(&first) => deciding.all(|&c| c == first).then_some(first),
        None => (!classes.is_empty()).then_some(Class::Other),
    }
}

/// Split a RUN's simple commands into class groups. Neutral commands join the next group (or
/// the previous one at the end).
pub fn run_parts<'c, 'a>(
    commands: &'c [Command<'a>],
    classes: &[Option<Class>],
) -> RunParts<'c, 'a> {
    let mut parts: Vec<(Class, Vec<&'c Command<'a>>)> = Vec::new();
    let mut pending: Vec<&'c Command<'a>> = Vec::new();
    for (command, class) in commands.iter().zip(classes.iter().copied()) {
        match class {
            None => pending.push(command),
            Some(class) => {
                pending.push(command);
                match parts.last_mut() {
                    Some((last, cmds)) if *last == class => cmds.append(&mut pending),
                    _ => parts.push((class, std::mem::take(&mut pending))),
                }
            }
        }
    }
    if !pending.is_empty() {
        match parts.last_mut() {
            Some((_, cmds)) => cmds.append(&mut pending),
            None => parts.push((Class::Other, pending)),
        }
    }
    RunParts { parts }
}

/// Classify an instruction of the stage body (not FROM). A RUN is classified by the classes of
/// its commands (`classes`, as `Entry::classes` holds them): use [`run_parts`] when the parts
/// are needed too.
pub fn classify(inst: &Instruction, classes: &[Option<Class>], profile: &Profile) -> Class {
    match inst.keyword() {
        "ARG" | "ENV" | "WORKDIR" | "SHELL" => Class::BaseSetup,
        "LABEL" | "EXPOSE" | "CMD" | "ENTRYPOINT" | "HEALTHCHECK" | "VOLUME" | "STOPSIGNAL"
        | "USER" | "MAINTAINER" | "ONBUILD" => Class::RuntimeMetadata,
        "COPY" | "ADD" => classify_copy(inst, profile),
        "RUN" => run_class(classes).unwrap_or(Class::Other),
        _ => Class::Other,
    }
}

fn classify_copy(inst: &Instruction, profile: &Profile) -> Class {
    if inst.flag("from").is_some() {
        return Class::PackageManagerSetup;
    }
    if !inst.heredocs().is_empty() || inst.values().len() < 2 {
        return Class::Other;
    }
    let sources = inst.values().all_but_last();
    if inst.is("ADD") && sources.iter().any(|s| s.contains("://")) {
        return Class::Other;
    }
    if sources.iter().all(|s| is_manifest(s, profile)) {
        Class::DependencyManifests
    } else {
        Class::SourceCopy
    }
}

/// Whether a COPY source names a dependency manifest of the profile (by file name or glob,
/// either way round: `package*.json` covers `package.json`).
pub fn is_manifest(source: &str, profile: &Profile) -> bool {
    let source = source.trim_end_matches('/');
    let name = source.rsplit('/').next().unwrap_or(source);
    if name.is_empty() || name == "." {
        return false;
    }
    let matches = |m: &String| path_matches(m, name) || path_matches(name, m);
    // The profile's own manifests count once, not once per package manager (as long as the
    // profile has one).
    profile.package_managers.iter().any(|pm| {
        pm.manifests
            .iter()
            .chain(pm.lockfiles.iter())
            .chain(pm.wrapper.iter())
            .any(matches)
    }) || (!profile.package_managers.is_empty() && profile.recognise.manifests.iter().any(matches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Registry;

    proptest::proptest! {
        #[test]
        fn run_class_agrees_with_the_single_run_part(
            classes in proptest::collection::vec(
                proptest::option::of(proptest::sample::select(vec![
                    Class::SystemPackages,
                    Class::DependencyInstall,
                    Class::Build,
                ])),
                0..8,
            )
        ) {
            let commands: Vec<Command<'_>> = classes
                .iter()
                .flat_map(|_| crate::shell::parse("x"))
                .collect();
            proptest::prop_assert_eq!(
                run_class(&classes),
                run_parts(&commands, &classes).single()
            );
        }
    }

    /// The fixed class of every program outside `CLASSIFIED_BY_ARGUMENTS` is the same whatever
    /// its arguments (the recogniser remembers it per name).
    #[test]
    fn only_the_listed_programs_are_classified_by_their_arguments() {
        let programs = [
            "apt-get",
            "apk",
            "dnf",
            "ln",
            "locale-gen",
            "useradd",
            "cp",
            "npm",
        ];
        let arguments = [
            "",
            " install -y curl",
            " -rf /var/lib/apt/lists/*",
            " /var/cache/x",
        ];
        for program in programs {
            let classes: Vec<Option<Class>> = arguments
                .iter()
                .map(|args| {
                    let text = format!("{program}{args}");
                    fixed_class(&crate::shell::parse(&text)[0])
                })
                .collect();
            assert!(
                classes.iter().all(|c| *c == classes[0]),
                "{program}: {classes:?}"
            );
        }
        let rm = |args: &str| fixed_class(&crate::shell::parse(&format!("rm {args}"))[0]);
        assert_ne!(rm("-rf /var/lib/apt/lists/*"), rm("-rf /tmp/x"));
        assert!(CLASSIFIED_BY_ARGUMENTS.contains(&"rm"));
    }

    /// Every RUN command of every fixture case, classified by each profile: the shared
    /// recogniser (with its per-program memory) agrees with classifying each command alone.
    #[test]
    fn recogniser_agrees_with_the_direct_classifier() {
        let registry = Registry::load(None).unwrap();
        let cases = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases");
        let mut commands = Vec::new();
        for entry in std::fs::read_dir(cases).unwrap() {
            let Ok(text) = std::fs::read_to_string(entry.unwrap().path().join("Dockerfile")) else {
                continue;
            };
            let df = crate::syntax::parse(&text);
            for inst in df.instructions.iter().filter(|i| i.is("RUN")) {
                let text = super::super::original::run_text(inst);
                commands.extend(
                    crate::shell::parse(&text)
                        .into_iter()
                        .map(Command::into_owned),
                );
            }
        }
        commands.extend(crate::shell::parse(
            "./gradlew test -x integration && /usr/local/bin/npm install -g pnpm && pip3 install -r requirements.txt; dotnet restore",
        ));
        assert!(commands.len() > 200, "{}", commands.len());
        let mut classified = 0;
        for profile in registry.iter() {
            let mut recogniser = Recogniser::new(profile);
            for command in &commands {
                let expected = classify_command_directly(command, profile);
                assert_eq!(
                    classify_command(command, profile),
                    expected,
                    "{}",
                    command.text
                );
                assert_eq!(
                    recogniser.classify(command),
                    expected,
                    "{} {:?}",
                    profile.name,
                    command.text
                );
                classified += usize::from(expected.is_some_and(|c| c != Class::Other));
            }
        }
        assert!(classified > 100, "{classified}");
    }
}
