//! The built artifact: what it is, how it is named, where the build puts it and what goes
//! with it; and the layered form of Spring Boot jars.

use super::package_manager::condition_holds;
use super::recognition::command_matches;
use super::runtime::version_at_least;
use crate::profile::Facts;
use crate::profile::pattern::glob;
use serde::{Deserialize, Serialize};

/// What a build produces, spelt in profiles as `binary`, `jar`, `assembly`, `output-dirs` or
/// `python-env`. It picks the runtime strategy: the compiled kinds copy one artifact into a
/// runtime without the toolchain; the other two carry the installed dependencies over. Any
/// other spelling fails when the profile loads, with the file and line.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// One executable file (Go, Rust).
    #[default]
    Binary,
    /// One jar, started with `java -jar` (Maven, Gradle).
    Jar,
    /// A published folder with the app's `.dll` and its dependencies (.NET).
    Assembly,
    /// Build output folders (`dist`, `.next`) beside dependencies the runtime installs itself
    /// with the production install (Node).
    OutputDirs,
    /// Dependencies installed into a Python environment (wheels or a virtualenv) that the
    /// runtime takes from the build side, with the sources.
    PythonEnv,
}

impl ArtifactKind {
    /// Whether the build compiles the app into an artifact that runs without the toolchain
    /// (`binary`, `jar`, `assembly`).
    pub fn is_compiled(self) -> bool {
        !matches!(self, ArtifactKind::OutputDirs | ArtifactKind::PythonEnv)
    }

    /// Whether the artifact is a single file (`binary`, `jar`) that a start command can name.
    pub fn is_single_file(self) -> bool {
        matches!(self, ArtifactKind::Binary | ArtifactKind::Jar)
    }
}

/// How the built artifact is named and located.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Artifacts {
    /// What the artifact is, which decides how the runtime stage gets it.
    pub kind: ArtifactKind,
    /// Candidate file names, templates over facts; the first one whose placeholders all resolve
    /// wins (`{final_name}.jar`, `{binary}-{artifact_version}.{packaging}`). See
    /// [`Artifacts::name_for`].
    #[serde(default)]
    pub names: Vec<String>,
    /// Where the build puts artifacts (globs relative to the workdir: `target/*.jar`).
    #[serde(default)]
    pub locations: Vec<String>,
    /// Globs of files in `locations` that are never the artifact (`*-plain.jar`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Where the rewritten build stage writes the artifact (`/out/{binary}`, `/out`).
    #[serde(default)]
    pub build_output: Option<String>,
    /// Where the artifact goes in the runtime stage (`/app/app.jar`, `/app/{binary}`).
    #[serde(default)]
    pub runtime_path: Option<String>,
    /// Build output folders copied to runtime when they exist (node `dist`, `build`, `.next`).
    #[serde(default)]
    pub output_dirs: Vec<String>,
    /// A command that copies the built artifact to `build_output` after the original build
    /// (java: the one jar that is not `-plain`/`-sources`/`original-`). A template over facts.
    #[serde(default)]
    pub collect: Option<String>,
    /// Build tools and the folder they write to (`vite build` → `dist`, `--outDir` overrides).
    /// See [`Artifacts::best_output_rule`].
    #[serde(default)]
    pub outputs: Vec<ArtifactRule>,
    /// Build commands and the artifact path they produce (`go build -o X` → `X`,
    /// `cargo build --release` → `target/release/{binary}`). See [`Artifacts::best_command_rule`].
    #[serde(default)]
    pub commands: Vec<ArtifactRule>,
    /// Files or folders beside the artifact that it needs at run time (a jar's `Class-Path`
    /// folder, `lib/`), copied with it to the same place beside the runtime's copy.
    #[serde(default)]
    pub beside: Vec<BesideRule>,
}

/// A path beside the artifact that goes with it (see [`Artifacts::beside`]).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BesideRule {
    /// The path relative to the artifact's folder, a template over facts (`{class_path_prefix}`);
    /// the rule applies only when it resolves.
    pub path: String,
    /// Only when this boolean fact is true (the build writes the folder).
    #[serde(default)]
    pub when: Option<String>,
    /// Why the app needs it, for the decision.
    #[serde(default)]
    pub why: Option<String>,
}

impl BesideRule {
    /// Whether the rule's condition holds.
    pub fn applies(&self, facts: &Facts) -> bool {
        condition_holds(self.when.as_deref(), None, facts)
    }
}

/// Where a build command puts its output.
///
/// `command` matches like a [`CommandRule`](super::CommandRule). `path` is a template: `{value}` is the value of the
/// first of `option` present on the command (`-o out`), `{arg}` the last positional argument's
/// last path component (`go build ./cmd/server` → `server`), `{artifact_name}` the first
/// resolving [`Artifacts::names`] entry, and any fact (`{binary}`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ArtifactRule {
    /// Command words, matched like a [`CommandRule`](super::CommandRule).
    pub command: String,
    /// Options whose value replaces `{value}` (or, for output rules, the default folder).
    #[serde(default)]
    pub option: Vec<String>,
    /// The output path template.
    pub path: String,
    /// Options added to a build command this rule matches, when the output would otherwise
    /// depend on defaults (`dotnet publish` without `-o` in a project folder restage cannot
    /// see): `-o /out`. `path` is then where they put it.
    #[serde(default)]
    pub pin: Option<String>,
}

impl ArtifactRule {
    fn needs_option(&self) -> bool {
        self.path.contains("{value}")
    }
}

impl Artifacts {
    /// The first name template that resolves with these facts. A template that names an
    /// uncertain fact (see [`Probe::uncertain`](super::Probe::uncertain)) ends the search with `None`: the later
    /// templates are the defaults that fact overrides, so they would name the wrong file.
    pub fn name_for(&self, facts: &Facts) -> Option<String> {
        for template in &self.names {
            if let Some(name) = facts.render(template) {
                return Some(name);
            }
            if facts.names_uncertain(template) {
                return None;
            }
        }
        None
    }

    /// The output rule for a build tool command (its words, normalised), the most specific first.
    pub fn best_output_rule(&self, words: &[String]) -> Option<&ArtifactRule> {
        best_rule(&self.outputs, words, |_| false)
    }

    /// The artifact rule for a build command. A rule whose `path` uses `{value}` only applies when
    /// `has_option` says one of its options is present. Among the rest: most command words
    /// first, then rules whose option is present, then file order.
    pub fn best_command_rule(
        &self,
        words: &[String],
        has_option: impl Fn(&str) -> bool,
    ) -> Option<&ArtifactRule> {
        best_rule(&self.commands, words, has_option)
    }

    /// Whether a file name (not a path) is excluded as an artifact.
    pub fn is_excluded(&self, file_name: &str) -> bool {
        self.exclude.iter().any(|p| glob(p, file_name))
    }
}

fn best_rule<'r>(
    rules: &'r [ArtifactRule],
    words: &[String],
    has_option: impl Fn(&str) -> bool,
) -> Option<&'r ArtifactRule> {
    let mut best: Option<(usize, bool, &ArtifactRule)> = None;
    for rule in rules {
        if !command_matches(&rule.command, words) {
            continue;
        }
        let present = rule.option.iter().any(|o| has_option(o));
        if rule.needs_option() && !present {
            continue;
        }
        let key = (rule.command.split_whitespace().count(), present);
        if best.is_none_or(|(n, p, _)| key > (n, p)) {
            best = Some((key.0, key.1, rule));
        }
    }
    best.map(|(_, _, r)| r)
}

/// Layered jars: how the layers are extracted in the build stage and started in the runtime.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Layers {
    /// A boolean fact that must hold (`boot_jar`: the build writes a Spring Boot jar).
    pub when: String,
    /// A boolean fact that turns layering off (layers disabled, a launch script in the jar).
    #[serde(default)]
    pub unless: Option<String>,
    /// The fact holding the version the rules compare (`spring_boot_version`).
    pub version_fact: String,
    /// The layer folders, in the order the runtime copies them (least likely to change first).
    pub names: Vec<String>,
    /// Where the build stage extracts the layers (an absolute folder).
    pub destination: String,
    /// The first rule whose `min_version` the version reaches applies.
    pub rules: Vec<LayerRule>,
    /// Why, for the decisions.
    pub note: String,
}

/// One version range of [`Layers`].
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LayerRule {
    /// The lowest version this rule applies to (compared as [`version_at_least`] does).
    pub min_version: String,
    /// A boolean fact that must also hold (Boot 2.3 layers only when enabled).
    #[serde(default)]
    pub when: Option<String>,
    /// The extraction command: `{jar}` is the built jar, `{destination}` the folder.
    pub extract: String,
    /// The class the runtime starts instead of `-jar <the jar>`.
    pub launcher: String,
}

impl Layers {
    /// The rule for these facts, when the project's jar is layered.
    pub fn rule_for(&self, facts: &Facts) -> Option<&LayerRule> {
        if !condition_holds(Some(&self.when), self.unless.as_deref(), facts) {
            return None;
        }
        let version = facts.get(&self.version_fact)?;
        // `3.3.0-SNAPSHOT`, `2.7.18.RELEASE`: the numbers before the qualifier.
        let end = version
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(version.len());
        let version = version[..end].trim_end_matches('.');
        self.rules.iter().find(|r| {
            version_at_least(version, &r.min_version) == Some(true)
                && r.when.as_deref().is_none_or(|w| facts.flag(w))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot_layers() -> Layers {
        let rule = |min: &str, when: Option<&str>, launcher: &str| LayerRule {
            min_version: min.into(),
            when: when.map(str::to_string),
            extract: format!("extract {min}"),
            launcher: launcher.into(),
        };
        Layers {
            when: "boot_jar".into(),
            unless: Some("boot_layers_off".into()),
            version_fact: "spring_boot_version".into(),
            names: vec!["dependencies".into(), "application".into()],
            destination: "/layers".into(),
            rules: vec![
                rule("3.3", None, "launch"),
                rule("3.2", None, "launch"),
                rule("2.4", None, "classic"),
                rule("2.3", Some("boot_layers_enabled"), "classic"),
            ],
            note: String::new(),
        }
    }

    fn facts(pairs: &[(&str, &str)]) -> Facts {
        let mut facts = Facts::default();
        for (k, v) in pairs {
            facts.extra.insert(k.to_string(), v.to_string());
        }
        facts
    }

    #[test]
    fn the_layer_rule_follows_the_boot_version() {
        let layers = boot_layers();
        let pick = |version: &str, extra: &[(&str, &str)]| {
            let mut pairs = vec![("boot_jar", "true"), ("spring_boot_version", version)];
            pairs.extend_from_slice(extra);
            layers
                .rule_for(&facts(&pairs))
                .map(|r| r.min_version.clone())
        };
        assert_eq!(pick("3.3.2", &[]).as_deref(), Some("3.3"));
        assert_eq!(pick("3.4.0-SNAPSHOT", &[]).as_deref(), Some("3.3"));
        assert_eq!(pick("3.2.5", &[]).as_deref(), Some("3.2"));
        assert_eq!(pick("3.1.12", &[]).as_deref(), Some("2.4"));
        assert_eq!(pick("2.7.18.RELEASE", &[]).as_deref(), Some("2.4"));
        // 2.3 wrote the layer index only when asked; 2.2 never.
        assert_eq!(pick("2.3.12.RELEASE", &[]), None);
        assert_eq!(
            pick("2.3.12.RELEASE", &[("boot_layers_enabled", "true")]).as_deref(),
            Some("2.3")
        );
        assert_eq!(pick("2.2.0", &[("boot_layers_enabled", "true")]), None);
        assert_eq!(pick("3.2.5", &[("boot_layers_off", "true")]), None);
        assert_eq!(pick("${boot}", &[]), None);
        assert_eq!(
            layers.rule_for(&facts(&[("spring_boot_version", "3.2.5")])),
            None,
            "not a Spring Boot jar"
        );
    }

    #[test]
    fn an_uncertain_fact_stops_the_name_search() {
        let artifacts = Artifacts {
            kind: ArtifactKind::Jar,
            names: vec![
                "{final_name}.jar".into(),
                "{binary}-{artifact_version}.jar".into(),
                "{binary}.jar".into(),
            ],
            ..Artifacts::default()
        };
        let mut facts = Facts {
            binary: Some("shop".into()),
            artifact_version: Some("1.0".into()),
            ..Facts::default()
        };
        assert_eq!(artifacts.name_for(&facts).as_deref(), Some("shop-1.0.jar"));
        facts.uncertain.push("final_name".into());
        assert_eq!(artifacts.name_for(&facts), None);
        facts.uncertain = vec!["artifact_version".into()];
        facts.artifact_version = None;
        assert_eq!(artifacts.name_for(&facts), None);
        facts.final_name = Some("app".into());
        assert_eq!(artifacts.name_for(&facts).as_deref(), Some("app.jar"));
    }

    #[test]
    fn artifact_kinds_keep_their_kebab_case_spellings() {
        let all = [
            (ArtifactKind::Binary, "binary"),
            (ArtifactKind::Jar, "jar"),
            (ArtifactKind::Assembly, "assembly"),
            (ArtifactKind::OutputDirs, "output-dirs"),
            (ArtifactKind::PythonEnv, "python-env"),
        ];
        for (kind, spelling) in all {
            assert_eq!(serde_json::to_value(kind).unwrap(), spelling);
            let read: ArtifactKind = serde_json::from_value(spelling.into()).unwrap();
            assert_eq!(read, kind);
        }
        for typo in ["output_dirs", "OutputDirs", "binaries", ""] {
            assert!(
                serde_json::from_value::<ArtifactKind>(typo.into()).is_err(),
                "{typo:?} must not load"
            );
        }
    }

    #[test]
    fn only_the_compiled_kinds_are_compiled_and_only_files_are_single_files() {
        use ArtifactKind::*;
        let compiled: Vec<_> = [Binary, Jar, Assembly, OutputDirs, PythonEnv]
            .into_iter()
            .filter(|k| k.is_compiled())
            .collect();
        assert_eq!(compiled, [Binary, Jar, Assembly]);
        let single: Vec<_> = [Binary, Jar, Assembly, OutputDirs, PythonEnv]
            .into_iter()
            .filter(|k| k.is_single_file())
            .collect();
        assert_eq!(single, [Binary, Jar]);
    }

    #[test]
    fn an_unknown_artifact_kind_fails_to_load_with_its_line() {
        let yaml = "kind: bin\nnames: []\n";
        let err = serde_saphyr::from_str::<Artifacts>(yaml).unwrap_err();
        assert_eq!(err.location().map(|l| l.line()), Some(1), "{err}");
        assert!(err.to_string().contains("bin"), "{err}");
    }
}
