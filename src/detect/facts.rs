//! The winner's facts: what the rewrite needs to know, read through the profile's probes, with
//! `${...}` references resolved.

use super::flavor::flavor_of;
use super::observe::{Observed, SeenImage};
use super::paths::PathPattern;
use super::probe::{self, ContextFile, ProbeEnv, ProbePlan, ProbeValue};
use crate::profile::{Facts, PackageManager, Profile, SystemRules};
use crate::shell::Commands;
use crate::source::Context;
use std::collections::BTreeMap;

impl Facts {
    fn set(&mut self, name: &str, value: ProbeValue) -> bool {
        fn text(v: &ProbeValue) -> Option<String> {
            match v {
                ProbeValue::Text(t) => Some(t.clone()),
                ProbeValue::List(_) | ProbeValue::Map(_) => None,
            }
        }
        fn truthy(v: &ProbeValue) -> bool {
            text(v).is_some_and(|t| t != "false" && t != "0")
        }
        fn names(v: ProbeValue) -> Vec<String> {
            match v {
                ProbeValue::Text(t) => vec![t],
                ProbeValue::List(l) => l,
                ProbeValue::Map(m) => m.into_keys().collect(),
            }
        }
        let slot = |o: &mut Option<String>, v: &ProbeValue| -> bool {
            if o.is_none() {
                *o = text(v);
            }
            o.is_some()
        };
        match name {
            "binary" => slot(&mut self.binary, &value),
            "artifact_version" => slot(&mut self.artifact_version, &value),
            "packaging" => slot(&mut self.packaging, &value),
            "final_name" => slot(&mut self.final_name, &value),
            "uses_cgo" => {
                self.uses_cgo |= truthy(&value);
                self.uses_cgo
            }
            "web_sdk" => {
                self.web_sdk |= truthy(&value);
                self.web_sdk
            }
            "workspace" => {
                self.workspace |= truthy(&value);
                self.workspace
            }
            "scripts" => {
                if let ProbeValue::Map(m) = value {
                    self.scripts = m;
                }
                true
            }
            "dependencies" => {
                self.dependencies = names(value);
                true
            }
            "dev_dependencies" => {
                self.dev_dependencies = names(value);
                true
            }
            other => match text(&value) {
                Some(t) => {
                    self.extra.entry(other.to_string()).or_insert(t);
                    true
                }
                None => false,
            },
        }
    }
}

/// The facts an image gives: its reference and distro family and release.
pub(super) fn image_facts(image: Option<&SeenImage>, system: &SystemRules) -> Facts {
    let mut facts = Facts::default();
    if let Some(image) = image {
        facts.builder_image = Some(image.raw.clone());
        let (family, release) = flavor_of(&image.name, image.tag.as_deref(), system);
        facts.image_family = family;
        facts.image_release = release;
    }
    facts
}

/// The images the probes read, as (name, tag): the builder first, then the others.
pub(super) fn probed_images(
    builder: Option<&SeenImage>,
    images: &[SeenImage],
) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    if let Some(b) = builder {
        out.push((b.name.clone(), b.tag.clone()));
    }
    for i in images {
        if builder.is_none_or(|b| b.raw != i.raw) {
            out.push((i.name.clone(), i.tag.clone()));
        }
    }
    out
}

/// The versions the profile's probes read: the first probe that yields a value for a tool
/// wins.
pub(super) fn read_versions(
    profile: &Profile,
    plans: &[ProbePlan],
    env: &ProbeEnv<'_>,
    versions: &mut BTreeMap<String, String>,
    evidence: &mut Vec<String>,
) {
    for (probe, plan) in profile.versions.iter().zip(plans) {
        if versions.contains_key(&probe.name) {
            continue;
        }
        if let Some((ProbeValue::Text(v), origin)) = env.eval(probe, plan) {
            evidence.push(format!("{} {v} from {origin}", probe.name));
            versions.insert(probe.name.clone(), v);
        }
    }
}

/// The facts the profile's probes read: the first probe that sets a fact wins; a probe marked
/// `uncertain` that matches leaves the fact unset and says so.
pub(super) fn read_facts(
    profile: &Profile,
    plans: &[ProbePlan],
    env: &ProbeEnv<'_>,
    facts: &mut Facts,
    evidence: &mut Vec<String>,
) {
    // The names already set (a few dozen at most), borrowed from the probes.
    let mut filled: Vec<&str> = Vec::new();
    for (probe, plan) in profile.facts.iter().zip(plans) {
        if filled.contains(&probe.name.as_str()) {
            continue;
        }
        if let Some((value, _)) = env.eval(probe, plan) {
            if probe.uncertain {
                evidence.push(format!("{} set but not readable", probe.name));
                facts.uncertain.push(probe.name.clone());
                filled.push(&probe.name);
            } else if facts.set(&probe.name, value) {
                filled.push(&probe.name);
            }
        }
    }
}

/// The facts the package manager gives: its lockfiles and manifests in the context (or named by
/// a COPY), its wrapper and the executable to run.
pub(super) fn package_manager_facts(
    pm: &PackageManager,
    context: &[ContextFile<'_>],
    obs: &Observed<'_>,
    facts: &mut Facts,
    evidence: &mut Vec<String>,
) {
    let existing = |pattern: &str| -> Vec<String> {
        let pattern = PathPattern::new(pattern);
        let mut found: Vec<String> = context
            .iter()
            .filter(|f| pattern.matches(f.path, f.name))
            .map(|f| f.path.to_string())
            .collect();
        if found.is_empty() {
            found.extend(
                obs.sources
                    .iter()
                    .filter(|s| s.names(&pattern) && !s.is_glob)
                    .map(|s| s.path.clone()),
            );
        }
        found
    };
    for lock in &pm.lockfiles {
        for f in existing(lock) {
            if !facts.lockfiles.contains(&f) {
                facts.lockfiles.push(f);
            }
        }
    }
    facts.lockfiles.sort();
    facts.has_lockfile = !facts.lockfiles.is_empty();
    if !pm.lockfiles.is_empty() && !facts.has_lockfile {
        evidence.push(format!("no lockfile ({})", pm.lockfiles.join(", ")));
    }
    for manifest in &pm.manifests {
        let manifest = PathPattern::new(manifest);
        for f in context.iter().filter(|f| manifest.matches(f.path, f.name)) {
            if !facts.manifests.iter().any(|m| m == f.path) {
                facts.manifests.push(f.path.to_string());
            }
        }
    }
    facts.manifests.sort();
    // The wrapper counts when a command runs it, or when no command runs the plain executable
    // and the context holds the wrapper.
    if let Some(wrapper) = &pm.wrapper {
        let runs = |name: &str| {
            let runs_in = |commands: &Commands| {
                (0..commands.len()).any(|c| commands.words(c).first().is_some_and(|w| w == name))
            };
            runs_in(&obs.run) || runs_in(&obs.start)
        };
        let in_context = existing(wrapper)
            .into_iter()
            .min_by_key(|p| (p.matches('/').count(), p.clone()));
        let uses_executable = pm.executable.as_deref().is_some_and(runs);
        facts.wrapper = if runs(wrapper) {
            in_context.or_else(|| Some(wrapper.clone()))
        } else if uses_executable {
            None
        } else {
            in_context
        };
    }
    facts.exe = match (&facts.wrapper, &pm.executable) {
        (Some(w), _) => Some(format!("./{}", w.rsplit('/').next().unwrap_or(w))),
        (None, Some(e)) => Some(e.clone()),
        (None, None) => None,
    };
}

/// Resolve `${name}` references in the facts `interpolation` names: from other facts, then from
/// the property files. A fact with a reference that does not resolve is unset and uncertain.
pub(super) fn interpolate(
    facts: &mut Facts,
    interpolation: &crate::profile::Interpolation,
    ctx: &dyn Context,
    evidence: &mut Vec<String>,
) {
    let holds_reference = |facts: &Facts| {
        interpolation
            .facts
            .iter()
            .any(|f| facts.get(f).is_some_and(|v| v.contains('$')))
    };
    if !holds_reference(facts) {
        return;
    }
    // Read only when a reference needs them.
    let properties: BTreeMap<String, String> = interpolation
        .properties
        .iter()
        .filter_map(|p| Some((ctx.read(&p.path)?, p)))
        .flat_map(|(text, p)| probe::xml_children(&text, &p.xml))
        .collect();
    for name in &interpolation.facts {
        let Some(value) = facts.get(name).filter(|v| v.contains('$')) else {
            continue;
        };
        let lookup = |key: &str| -> Option<String> {
            match interpolation.names.get(key) {
                Some(fact) => facts.get(fact).filter(|v| !v.contains('$')),
                None => properties.get(key).filter(|v| !v.is_empty()).cloned(),
            }
        };
        let resolved = resolve_references(&value, &lookup);
        let slot = |facts: &mut Facts, v: Option<String>| match name.as_str() {
            "binary" => facts.binary = v,
            "artifact_version" => facts.artifact_version = v,
            "packaging" => facts.packaging = v,
            "final_name" => facts.final_name = v,
            other => match v {
                Some(v) => {
                    facts.extra.insert(other.to_string(), v);
                }
                None => {
                    facts.extra.remove(other);
                }
            },
        };
        match resolved {
            Some(v) => {
                evidence.push(format!("{name} {v} (from {value})"));
                slot(facts, Some(v));
            }
            None => {
                evidence.push(format!("{name} {value} does not resolve"));
                slot(facts, None);
                facts.uncertain.push(name.clone());
            }
        }
    }
}

/// `value` with each `${key}` (or `$key`, as Groovy strings write it) replaced through
/// `lookup`, repeatedly (a property may name another), at most a few rounds; `None` when one
/// does not resolve.
fn resolve_references(value: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let mut text = value.to_string();
    for _ in 0..8 {
        let Some(start) = text.find('$') else {
            return Some(text);
        };
        let (key, end) = match text[start + 1..].strip_prefix('{') {
            Some(rest) => {
                let close = rest.find('}')?;
                (rest[..close].to_string(), start + 2 + close)
            }
            None => {
                let rest = &text[start + 1..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                    .unwrap_or(rest.len());
                let key = rest[..len].trim_end_matches('.');
                if key.is_empty() {
                    return None;
                }
                (key.to_string(), start + key.len())
            }
        };
        let replacement = lookup(&key)?;
        text.replace_range(start..=end, &replacement);
    }
    (!text.contains('$')).then_some(text)
}

#[cfg(test)]
mod interpolation_tests {
    use super::resolve_references;

    #[test]
    fn references_resolve_through_properties_or_not_at_all() {
        let lookup = |k: &str| match k {
            "project.artifactId" => Some("shop".to_string()),
            "revision" => Some("${major}.4".to_string()),
            "major" => Some("2".to_string()),
            "self" => Some("${self}".to_string()),
            _ => None,
        };
        assert_eq!(
            resolve_references("${project.artifactId}-${revision}", &lookup).as_deref(),
            Some("shop-2.4")
        );
        assert_eq!(
            resolve_references("plain", &lookup).as_deref(),
            Some("plain")
        );
        assert_eq!(resolve_references("${env.BUILD}", &lookup), None);
        assert_eq!(resolve_references("${unclosed", &lookup), None);
        assert_eq!(resolve_references("${self}", &lookup), None);
        assert_eq!(
            resolve_references("$project.artifactId-all", &lookup).as_deref(),
            Some("shop-all")
        );
        assert_eq!(resolve_references("app-$", &lookup), None);
    }
}
