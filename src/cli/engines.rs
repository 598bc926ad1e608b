//! One [`Engine`] per distinct set of profile overrides from `.restage.yaml` (`images`,
//! `commands`), built once and shared by every file that uses it.
//!
//! The overrides are applied to the loaded profiles as data: `images` rules go into the
//! profile's `runtime_images.rules` (with `"..."` standing for the profile's own rules, which
//! keep their order), and `commands` replace a package manager's `setup`/`install`/`build`/
//! `test` (a list runs its commands in order, joined with `&&`; `"..."` is the profile's
//! command). The modified profiles are then loaded like any profile file, so they are checked
//! the same way.

use super::config::{CommandList, DEFAULTS, ImageEntry, ProfileSettings, StageCommand, expand};
use crate::pipeline::{Engine, Options};
use crate::profile::schema::RuntimeImageRule;
use crate::profile::{Profile, Registry};
use crate::render::Templates;
use crate::{Error, ErrorKind};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The settings that change profiles: per profile, its `images` and `commands`.
pub type ProfileOverrides = BTreeMap<String, ProfileSettings>;

/// The base engine and the ones built for overrides.
pub struct Engines<'a> {
    base: &'a Engine,
    options: &'a Options,
    built: Mutex<HashMap<String, Arc<Result<Engine, Error>>>>,
}

impl<'a> Engines<'a> {
    pub fn new(base: &'a Engine, options: &'a Options) -> Self {
        Engines {
            base,
            options,
            built: Mutex::new(HashMap::new()),
        }
    }

    /// An error for the first name in `overrides` that is not a profile, at its place in the
    /// configuration file (`origin`) when `at` knows it, with the known names. Runs before any
    /// engine is chosen, so that a misspelt name with only a `runtime:` is caught too.
    pub fn check_names(
        &self,
        overrides: &ProfileOverrides,
        origin: &str,
        at: &BTreeMap<String, (usize, usize)>,
    ) -> Result<(), Error> {
        let registry = &self.base.registry;
        let Some(name) = overrides.keys().find(|name| registry.get(name).is_none()) else {
            return Ok(());
        };
        let known: Vec<&str> = registry.names().collect();
        let error = Error::new(
            ErrorKind::Usage,
            format!(
                "profiles.{name}: there is no such profile (known: {})",
                known.join(", ")
            ),
        )
        .with_path(origin);
        Err(match at.get(name) {
            Some(&(line, col)) => error.at(line, col),
            None => error,
        })
    }

    /// Run `f` with the engine for `overrides` (the base engine when nothing is overridden).
    /// `origin` names the configuration file in errors.
    pub fn with<R>(
        &self,
        overrides: &ProfileOverrides,
        origin: &str,
        f: impl FnOnce(&Engine) -> R,
    ) -> Result<R, Error> {
        let relevant: ProfileOverrides = overrides
            .iter()
            .filter(|(_, s)| s.images.is_some() || !s.commands.is_empty())
            .map(|(name, s)| {
                let kept = ProfileSettings {
                    runtime: None,
                    images: s.images.clone(),
                    commands: s.commands.clone(),
                };
                (name.clone(), kept)
            })
            .collect();
        if relevant.is_empty() {
            return Ok(f(self.base));
        }
        let key = format!(
            "{origin}\n{}",
            serde_json::to_string(&relevant).unwrap_or_default()
        );
        let engine = {
            let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
            built
                .entry(key)
                .or_insert_with(|| Arc::new(self.build(&relevant, origin)))
                .clone()
        };
        match engine.as_ref() {
            Ok(engine) => Ok(f(engine)),
            Err(error) => Err(copy(error)),
        }
    }

    fn build(&self, overrides: &ProfileOverrides, origin: &str) -> Result<Engine, Error> {
        let registry = registry_with(&self.base.registry, overrides, origin)?;
        Ok(Engine {
            registry,
            templates: Templates::load(self.options.templates_dir.as_deref())?,
        })
    }
}

fn copy(error: &Error) -> Error {
    let mut copy = Error::new(error.kind, error.message.clone());
    copy.path = error.path.clone();
    copy.position = error.position;
    copy
}

/// `registry` with the overrides applied.
pub fn registry_with(
    registry: &Registry,
    overrides: &ProfileOverrides,
    origin: &str,
) -> Result<Registry, Error> {
    let bad = |message: String| Error::new(ErrorKind::Usage, message).with_path(origin);
    for name in overrides.keys() {
        if registry.get(name).is_none() {
            let known: Vec<&str> = registry.names().collect();
            return Err(bad(format!(
                "profiles.{name}: there is no such profile (known: {})",
                known.join(", ")
            )));
        }
    }
    let to_json = |value: &dyn erased::Json| value.json().map_err(|e| bad(e.to_string()));
    let mut files: Vec<(PathBuf, String)> =
        vec![(PathBuf::from("_system.yaml"), to_json(registry.system())?)];
    for profile in registry.iter() {
        let mut profile = profile.clone();
        if let Some(settings) = overrides.get(&profile.name) {
            apply(&mut profile, settings)
                .map_err(|m| bad(format!("profiles.{}.{m}", profile.name)))?;
        }
        let path = PathBuf::from(format!("{origin} (profiles.{})", profile.name));
        files.push((path, to_json(&profile)?));
    }
    Registry::from_files(&files)
}

/// Serialising as JSON (which is YAML) the two kinds of values written here.
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Result<String> {
            serde_json::to_string(self)
        }
    }
}

/// Apply one profile's settings. Errors are `<key>: <message>`.
fn apply(profile: &mut Profile, settings: &ProfileSettings) -> Result<(), String> {
    if let Some(images) = &settings.images {
        let mut rules = Vec::new();
        for entry in images {
            match entry {
                ImageEntry::Defaults(_) => rules.push(None),
                ImageEntry::Rule(rule) => {
                    let value = serde_json::to_value(rule).map_err(|e| format!("images: {e}"))?;
                    let rule: RuntimeImageRule =
                        serde_json::from_value(value).map_err(|e| format!("images: {e}"))?;
                    rules.push(Some(rule));
                }
            }
        }
        let defaults: Vec<Option<RuntimeImageRule>> = profile
            .runtime_images
            .rules
            .iter()
            .cloned()
            .map(Some)
            .collect();
        profile.runtime_images.rules = expand(&rules, &defaults, Option::is_none)
            .into_iter()
            .flatten()
            .collect();
    }
    for (stage, list) in &settings.commands {
        for pm in &mut profile.package_managers {
            let slot: Option<&mut String> = match stage {
                StageCommand::Install => Some(&mut pm.install),
                StageCommand::Setup => pm.setup.as_mut(),
                StageCommand::Build => pm.build.as_mut(),
                StageCommand::Test => pm.test.as_mut(),
            };
            let defaults: Vec<String> = slot.as_deref().cloned().into_iter().collect();
            let commands = expand(&items(list), &defaults, |c| c == DEFAULTS);
            let joined = (!commands.is_empty()).then(|| commands.join(" && "));
            match stage {
                StageCommand::Install => {
                    pm.install = joined.ok_or_else(|| {
                        "commands.install: the install command cannot be empty".to_string()
                    })?
                }
                StageCommand::Setup => pm.setup = joined,
                StageCommand::Build => pm.build = joined,
                StageCommand::Test => {
                    // The user's own test command runs whether or not the profile sees a test.
                    pm.test = joined;
                    pm.test_needs.clear();
                }
            }
        }
    }
    Ok(())
}

fn items(list: &CommandList) -> Vec<String> {
    match list {
        CommandList::One(one) => vec![one.clone()],
        CommandList::Many(many) => many.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(yaml: &str) -> ProfileOverrides {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn unchanged_profiles_survive_the_round_trip() {
        let registry = Registry::load(None).unwrap();
        let copy = registry_with(&registry, &ProfileOverrides::new(), ".restage.yaml").unwrap();
        assert_eq!(copy.len(), registry.len());
        for profile in registry.iter() {
            assert_eq!(copy.get(&profile.name), Some(profile), "{}", profile.name);
        }
        assert_eq!(copy.system(), registry.system());
    }

    #[test]
    fn images_and_commands_extend_with_the_defaults_marker() {
        let registry = Registry::load(None).unwrap();
        let go = registry.get("go").unwrap();
        let overrides = settings(
            "go:\n  images:\n    - {builder: golang, runtime: 'alpine:3.20'}\n    - '...'\n  commands:\n    test: ['...', 'go vet ./...']\n    build: go build -o /out/app .\n",
        );
        let changed = registry_with(&registry, &overrides, ".restage.yaml").unwrap();
        let new = changed.get("go").unwrap();
        assert_eq!(
            new.runtime_images.rules.len(),
            go.runtime_images.rules.len() + 1
        );
        assert_eq!(new.runtime_images.rules[0].runtime, "alpine:3.20");
        assert_eq!(new.runtime_images.rules[1..], go.runtime_images.rules[..]);
        let pm = &new.package_managers[0];
        assert_eq!(
            pm.test.as_deref(),
            Some(
                format!(
                    "{} && go vet ./...",
                    go.package_managers[0].test.as_deref().unwrap()
                )
                .as_str()
            )
        );
        assert_eq!(pm.build.as_deref(), Some("go build -o /out/app ."));
        // Other profiles are untouched.
        assert_eq!(changed.get("node"), registry.get("node"));
    }

    #[test]
    fn unknown_profiles_and_empty_installs_are_errors() {
        let registry = Registry::load(None).unwrap();
        let error =
            registry_with(&registry, &settings("cobol: {}\n"), "x/.restage.yaml").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("x/.restage.yaml: profiles.cobol: there is no such profile"),
            "{error}"
        );
        let error = registry_with(
            &registry,
            &settings("go:\n  commands:\n    install: []\n"),
            "c",
        )
        .unwrap_err();
        assert!(
            error.message.contains("install command cannot be empty"),
            "{error}"
        );
    }
}
