//! The language profile schema: what each `language-profiles/<name>.yaml` holds.
//!
//! Every struct rejects unknown fields. Patterns follow [`crate::profile::pattern`]: globs for
//! paths/images/packages/command words, capture patterns (`{version}`, `{name}`, `{value}`) where
//! a value is extracted.
//!
//! Templates (commands, runtime images, artifact names, entrypoints) use `{placeholder}`s that
//! [`Facts::render`](crate::profile::Facts::render) fills from the detection facts (`{binary}`,
//! `{artifact_version}`, `{packaging}`, `{final_name}`, `{exe}`, any name in `Facts::extra`, any
//! version as `{versions.<tool>}`), plus the ones documented on each field.

//!
//! One file per part of a profile: [`recognition`] (detection and `RUN` classification),
//! [`package_manager`], [`probe`] (versions and facts), [`artifacts`], [`runtime`], [`cross`],
//! and [`system`] (`_system.yaml`, shared by every profile).

pub mod artifacts;
pub mod cross;
pub mod package_manager;
pub mod probe;
pub mod recognition;
pub mod runtime;
pub mod system;

pub use artifacts::{ArtifactKind, ArtifactRule, Artifacts, BesideRule, LayerRule, Layers};
pub use cross::{Cross, CrossCondition, CrossOption, CrossValue, CrossVersion};
pub use package_manager::{
    CacheMounts, DeployRule, EnvRule, MemberSource, Members, PackageManager, PmEvidence, PmVariant,
    TargetStub, WorkspaceRules,
};
pub use probe::{Interpolation, Probe, PropertySource};
pub use recognition::{
    CommandRule, DetectRules, FileRule, ImageRule, PackageRule, Recognise, command_matches,
    image_name_matches, normalise_command, split_image,
};
pub use runtime::{
    CallRule, ConventionRule, EntrypointRule, PackageNeed, PathCopy, PrepareStage, RuntimeChoice,
    RuntimeImageRule, RuntimeImages, RuntimeNeeds, RuntimePackage, RuntimePackageRule,
    RuntimePrepare, SystemPackages, version_at_least,
};
pub use system::{
    CredentialFile, Flavor, ImageTools, Installer, RuntimeTools, Scoring, SecretRules, SystemRules,
    Tool, WriteRule,
};

use crate::profile::Facts;
pub use crate::profile::pattern::path_matches;
use crate::profile::pattern::{capture, glob};
use package_manager::condition_holds;
use runtime::glob_star_capture;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One language profile: everything restage knows about a toolchain, as data.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The profile name (`node`, `java-maven`, ...); a file in `--profiles-dir` with the same name
    /// replaces the built-in one.
    pub name: String,
    /// One or two sentences for `restage profiles`.
    pub description: String,
    /// Weighted detection rules.
    pub detect: DetectRules,
    /// The package manager assumed when no package-manager evidence is found. Must name one of
    /// [`Profile::package_managers`].
    pub default_package_manager: String,
    /// The package managers of this ecosystem, each with its evidence and commands.
    pub package_managers: Vec<PackageManager>,
    /// Where versions come from, in priority order: the first probe that yields a value for a
    /// tool wins. The probe's `name` is the tool (`node`, `go`, `java`, `dotnet`, ...).
    #[serde(default)]
    pub versions: Vec<Probe>,
    /// Facts to read from manifests (binary/assembly name, artifact version, packaging, cgo, web
    /// SDK, ...). The probe's `name` is the fact; the first probe that yields a value wins.
    #[serde(default)]
    pub facts: Vec<Probe>,
    /// How the built artifact is named and where it lives.
    pub artifacts: Artifacts,
    /// The builder image → runtime image map.
    pub runtime_images: RuntimeImages,
    /// Build-only system packages and their runtime counterparts, on top of `_system.yaml`'s.
    #[serde(default)]
    pub system_packages: SystemPackages,
    /// What original `RUN` commands do (setup / install / build / test), for the plan.
    #[serde(default)]
    pub recognise: Recognise,
    /// Start commands that need translating for a runtime without the toolchain.
    #[serde(default)]
    pub entrypoints: Vec<EntrypointRule>,
    /// Folders (or files) apps of this ecosystem read at run time, copied into runtime when they
    /// exist. `_system.yaml`'s common list is appended.
    #[serde(default)]
    pub runtime_files: Vec<String>,
    /// What the runtime needs besides the artifact, found from the sources and manifests: the
    /// files the app reads, what is compiled in, what the build writes, and system packages.
    #[serde(default)]
    pub runtime_needs: RuntimeNeeds,
    /// `.dockerignore` lines proposed for this profile. `_system.yaml`'s common list is appended.
    #[serde(default)]
    pub dockerignore: Vec<String>,
    /// Files the build or the app reads by convention without a COPY naming them
    /// (`.env.production` for Next.js, `alembic.ini`): a proposed `.dockerignore` never
    /// excludes them.
    #[serde(default)]
    pub build_reads: Vec<String>,
    /// Folders apps of this ecosystem write to at run time; the runtime user gets them.
    /// `_system.yaml`'s common list is appended.
    #[serde(default)]
    pub writes: Vec<crate::profile::WriteRule>,
    /// How `${name}` references in fact values resolve (Maven properties in `finalName`).
    #[serde(default)]
    pub interpolation: Option<Interpolation>,
    /// A layered runtime for jars that carry a layer index (Spring Boot): the build stage
    /// extracts the layers and the runtime copies them one by one, so a code change ships
    /// only the last one.
    #[serde(default)]
    pub layers: Option<Layers>,
    /// How the build cross-compiles in a multi-platform build, when it can (see [`Cross`]).
    /// Without it every stage stays on the target platform.
    #[serde(default)]
    pub cross: Option<Cross>,
    /// Commands of a development workflow, as command words (see [`CommandRule`]): `npm run
    /// dev`, `nodemon`, `flask run --debug`, `uvicorn --reload`. A compose service that runs one
    /// on this Dockerfile needs the `build` stage (toolchain, every dependency, the sources),
    /// not the runtime.
    #[serde(default)]
    pub dev_commands: Vec<String>,
}

impl Profile {
    /// The package manager called `name` (or with that alias).
    pub fn package_manager(&self, name: &str) -> Option<&PackageManager> {
        self.package_managers
            .iter()
            .find(|p| p.name == name)
            .or_else(|| self.package_managers.iter().find(|p| p.is_called(name)))
    }

    /// The default package manager.
    pub fn default_pm(&self) -> Option<&PackageManager> {
        self.package_manager(&self.default_package_manager)
    }

    /// The runtime image for a builder image (`python:3.11` → `python:3.11-slim`), applying the
    /// first matching rule, else the default. `None` only when not even the default resolves.
    pub fn runtime_image_for(
        &self,
        builder_image: &str,
        facts: &Facts,
        versions: &BTreeMap<String, String>,
    ) -> Option<String> {
        self.runtime_choice(builder_image, facts, versions, None)
            .map(|c| c.image)
    }

    /// The runtime image of a flavour (`alpine`), when one of the profile's flavour rules
    /// applies to this builder; `None` when the profile offers no safe image of that flavour.
    pub fn runtime_image_of_flavour(
        &self,
        builder_image: &str,
        facts: &Facts,
        versions: &BTreeMap<String, String>,
        flavour: &str,
    ) -> Option<String> {
        self.runtime_choice(builder_image, facts, versions, Some(flavour))
            .map(|c| c.image)
    }

    /// The runtime for a builder image, with what the build side prepares for it: the first
    /// rule of `flavour` that applies (`None` when there is none), or without a flavour the
    /// first plain rule, else the default.
    pub fn runtime_choice(
        &self,
        builder_image: &str,
        facts: &Facts,
        versions: &BTreeMap<String, String>,
        flavour: Option<&str>,
    ) -> Option<RuntimeChoice> {
        let (name, tag) = split_image(builder_image);
        let ri = &self.runtime_images;
        let fallback_version = ri
            .version_key
            .as_ref()
            .and_then(|k| versions.get(k).cloned())
            .or_else(|| ri.default_version.clone());
        let release = facts
            .image_release
            .clone()
            .or_else(|| ri.default_release.clone());
        let fill = |template: &str, version: Option<String>| -> Option<String> {
            let mut s = template.to_string();
            for (key, val) in [
                ("{tag}", tag.clone()),
                ("{version}", version),
                ("{release}", release.clone()),
            ] {
                if s.contains(key) {
                    s = s.replace(key, &val?);
                }
            }
            facts.render_with(&s, versions)
        };
        for rule in &ri.rules {
            if rule.flavour.as_deref() != flavour || !image_name_matches(&rule.builder, &name) {
                continue;
            }
            if !condition_holds(rule.when.as_deref(), rule.unless.as_deref(), facts) {
                continue;
            }
            let captured = match &rule.tag {
                None => None,
                Some(pattern) => {
                    let Some(t) = tag.as_deref() else { continue };
                    let Some(c) = capture(pattern, t) else {
                        continue;
                    };
                    crate::profile::pattern::has_hole(pattern).then_some(c)
                }
            };
            let version = captured.or_else(|| fallback_version.clone());
            if let Some(min) = &rule.min_version {
                let at_least = version.as_deref().and_then(|v| version_at_least(v, min));
                if at_least != Some(true) {
                    continue;
                }
            }
            if let Some(image) = fill(&rule.runtime, version) {
                return Some(RuntimeChoice {
                    image,
                    prepare: rule.prepare.clone(),
                });
            }
        }
        match flavour {
            Some(_) => None,
            None => fill(&ri.default, fallback_version.clone()).map(|image| RuntimeChoice {
                image,
                prepare: None,
            }),
        }
    }

    /// What a build-time system package becomes at run time: `Some(Install(x))` when the map
    /// names a runtime package, `Some(Drop)` when it is build-only, `None` when unknown (keep it).
    /// Entries for `family` (`debian`, `alpine`) win over family-less ones.
    pub fn runtime_package_for(
        &self,
        package: &str,
        family: Option<&str>,
    ) -> Option<RuntimePackage> {
        let rules = &self.system_packages.runtime;
        let family_first = rules
            .iter()
            .filter(|r| r.family.is_some() && r.family.as_deref() == family)
            .chain(rules.iter().filter(|r| r.family.is_none()));
        for rule in family_first {
            if let Some(star) = glob_star_capture(&rule.build, package) {
                if rule.runtime.is_empty() {
                    return Some(RuntimePackage::Drop);
                }
                return Some(RuntimePackage::Install(
                    rule.runtime.replacen('*', &star, 1),
                ));
            }
        }
        if self
            .system_packages
            .build_only
            .iter()
            .any(|p| glob(p, package))
        {
            return Some(RuntimePackage::Drop);
        }
        None
    }

    /// Whether a package is build-only (mapped or listed).
    pub fn is_build_only(&self, package: &str, family: Option<&str>) -> bool {
        self.runtime_package_for(package, family).is_some()
    }

    /// The development command rule (of [`Profile::dev_commands`]) a command's words match,
    /// the name reduced to its basename.
    pub fn dev_command_for(&self, words: &[String]) -> Option<&str> {
        let normalised = normalise_command(words);
        self.dev_commands
            .iter()
            .filter(|rule| command_matches(rule, &normalised))
            .max_by_key(|rule| rule.split_whitespace().count())
            .map(String::as_str)
    }

    /// The entrypoint rule for a start command (its words, the name as written), the most
    /// specific (most words) first.
    pub fn entrypoint_for(&self, words: &[String]) -> Option<&EntrypointRule> {
        let normalised = normalise_command(words);
        self.entrypoints
            .iter()
            .filter(|r| command_matches(&r.command, &normalised))
            .max_by_key(|r| r.command.split_whitespace().count())
    }
}
