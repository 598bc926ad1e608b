//! Evaluating a [`Probe`]: read a value from a manifest, the Dockerfile or an image tag.
//! Malformed manifests never panic: they yield nothing and leave a note.

use crate::profile::Probe;
use crate::profile::pattern::{capture, glob, path_matches};
use crate::source::Context;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// What a probe found.
#[derive(Clone, Debug, PartialEq)]
pub enum ProbeValue {
    Text(String),
    /// A JSON object of strings (package.json `scripts`).
    Map(BTreeMap<String, String>),
    /// Keys or items (package.json `dependencies` keys, arrays).
    List(Vec<String>),
}

/// How the Dockerfile brings a context file in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CopyStatus {
    /// Named by a COPY/ADD source (or matched by its glob).
    Named,
    /// Inside a folder the Dockerfile copies whole (`COPY . .`).
    Broad,
    /// Only present in the context.
    Present,
}

/// A context file with how the Dockerfile brings it in.
#[derive(Clone, Debug)]
pub struct ContextFile {
    pub path: String,
    pub status: CopyStatus,
    pub depth: usize,
}

/// Files larger than this are not parsed.
const MAX_PARSE_BYTES: usize = 2 * 1024 * 1024;
/// At most this many files are read for one probe (`*.go` in a big repo).
const MAX_FILES_PER_PROBE: usize = 400;

/// What probes read from; caches file texts.
pub struct ProbeEnv<'a> {
    pub ctx: &'a dyn Context,
    pub files: &'a [ContextFile],
    /// Each instruction as `KEYWORD arguments`.
    pub dockerfile_lines: &'a [String],
    /// Images (normalised name, tag), the builder first.
    pub images: &'a [(String, Option<String>)],
    cache: RefCell<BTreeMap<String, Option<String>>>,
    /// Notes such as "malformed package.json".
    pub notes: RefCell<Vec<String>>,
}

impl<'a> ProbeEnv<'a> {
    pub fn new(
        ctx: &'a dyn Context,
        files: &'a [ContextFile],
        dockerfile_lines: &'a [String],
        images: &'a [(String, Option<String>)],
    ) -> Self {
        Self {
            ctx,
            files,
            dockerfile_lines,
            images,
            cache: RefCell::new(BTreeMap::new()),
            notes: RefCell::new(Vec::new()),
        }
    }

    fn read(&self, path: &str) -> Option<String> {
        if let Some(hit) = self.cache.borrow().get(path) {
            return hit.clone();
        }
        let text = self
            .ctx
            .read(path)
            .map(|t| t.trim_start_matches('\u{feff}').to_string());
        self.cache
            .borrow_mut()
            .insert(path.to_string(), text.clone());
        text
    }

    fn note(&self, note: String) {
        let mut notes = self.notes.borrow_mut();
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    /// The context files a path glob selects, best first: named by the Dockerfile, then
    /// whole-folder copies, then present; shallower first; then by path.
    pub fn candidates(&self, pattern: &str, exclude: &[String]) -> Vec<&'a ContextFile> {
        let mut out: Vec<&ContextFile> = self
            .files
            .iter()
            .filter(|f| path_matches(pattern, &f.path))
            .filter(|f| !exclude.iter().any(|x| path_matches(x, &f.path)))
            .collect();
        out.sort_by(|a, b| (a.status, a.depth, &a.path).cmp(&(b.status, b.depth, &b.path)));
        out
    }

    /// Evaluate a probe: the first value it yields, with where it came from.
    pub fn eval(&self, probe: &Probe) -> Option<(ProbeValue, String)> {
        if let Some(image_glob) = &probe.image {
            for (name, tag) in self.images {
                if !crate::profile::image_name_matches(image_glob, name) {
                    continue;
                }
                let Some(tag) = tag else { continue };
                if let Some(v) = self.finish(probe, ProbeValue::Text(tag.clone())) {
                    return Some((v, format!("{name}:{tag}")));
                }
            }
            return None;
        }
        if probe.dockerfile {
            for line in self.dockerfile_lines {
                let value = if let Some(needle) = &probe.contains {
                    line.contains(needle.as_str())
                        .then(|| ProbeValue::Text("true".into()))
                } else {
                    Some(ProbeValue::Text(line.clone()))
                };
                if let Some(v) = value.and_then(|v| self.finish(probe, v)) {
                    return Some((v, "Dockerfile".into()));
                }
            }
            return None;
        }
        let pattern = probe.path.as_deref()?;
        for file in self
            .candidates(pattern, &probe.exclude)
            .into_iter()
            .take(MAX_FILES_PER_PROBE)
        {
            if let Some(sibling) = &probe.sibling {
                let dir = file.path.rsplit_once('/').map_or("", |(d, _)| d);
                let target = if dir.is_empty() {
                    sibling.clone()
                } else {
                    format!("{dir}/{sibling}")
                };
                if !self.ctx.exists(&target) {
                    continue;
                }
            }
            if let Some(v) = self.eval_file(probe, &file.path) {
                return Some((v, file.path.clone()));
            }
        }
        None
    }

    fn eval_file(&self, probe: &Probe, path: &str) -> Option<ProbeValue> {
        let file_name = path.rsplit('/').next().unwrap_or(path);
        if probe.stem {
            let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
            return self.finish(probe, ProbeValue::Text(stem.to_string()));
        }
        let text = self.read(path)?;
        if text.len() > MAX_PARSE_BYTES {
            self.note(format!("{path} too large to read"));
            return None;
        }
        if let Some(needle) = &probe.contains {
            return text
                .contains(needle.as_str())
                .then(|| ProbeValue::Text("true".into()))
                .and_then(|v| self.finish(probe, v));
        }
        if let Some(key) = &probe.toml {
            let table: toml::Table = match text.parse() {
                Ok(t) => t,
                Err(_) => {
                    self.note(format!("malformed {path}"));
                    return None;
                }
            };
            let value = toml_lookup(&table, key)?;
            return self.finish(probe, value);
        }
        if let Some(pointer) = &probe.json {
            let json: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(_) => {
                    self.note(format!("malformed {path}"));
                    return None;
                }
            };
            let value = json_value(json.pointer(pointer)?)?;
            return self.finish(probe, value);
        }
        if let Some(xpath) = &probe.xml {
            let doc = match roxmltree::Document::parse(&text) {
                Ok(d) => d,
                Err(_) => {
                    self.note(format!("malformed {path}"));
                    return None;
                }
            };
            let value = xml_lookup(&doc, xpath)?;
            return self.finish(probe, ProbeValue::Text(value));
        }
        // Line patterns.
        text.lines()
            .map(str::trim)
            .find_map(|line| self.finish(probe, ProbeValue::Text(line.to_string())))
    }

    /// Apply `pattern`, `equals` and `value` to a raw value.
    fn finish(&self, probe: &Probe, value: ProbeValue) -> Option<ProbeValue> {
        let mut value = value;
        if let ProbeValue::Text(t) = &value {
            let t = t.trim();
            if let Some(p) = &probe.pattern {
                value = ProbeValue::Text(capture(p, t)?.trim().to_string());
            } else {
                value = ProbeValue::Text(t.to_string());
            }
        }
        if let Some(expected) = &probe.equals {
            match &value {
                ProbeValue::Text(t) if t == expected => value = ProbeValue::Text("true".into()),
                _ => return None,
            }
        }
        if let Some(v) = &probe.value {
            value = ProbeValue::Text(v.clone());
        }
        match &value {
            ProbeValue::Text(t) if t.is_empty() => None,
            _ => Some(value),
        }
    }
}

fn toml_lookup(table: &toml::Table, key: &str) -> Option<ProbeValue> {
    let mut current = toml::Value::Table(table.clone());
    for part in key.split('.') {
        current = match current {
            toml::Value::Table(mut t) => t.remove(part)?,
            toml::Value::Array(mut a) => {
                let i: usize = part.parse().ok()?;
                if i >= a.len() {
                    return None;
                }
                a.swap_remove(i)
            }
            _ => return None,
        };
    }
    Some(match current {
        toml::Value::String(s) => ProbeValue::Text(s),
        toml::Value::Integer(i) => ProbeValue::Text(i.to_string()),
        toml::Value::Float(f) => ProbeValue::Text(f.to_string()),
        toml::Value::Boolean(b) => ProbeValue::Text(b.to_string()),
        toml::Value::Datetime(d) => ProbeValue::Text(d.to_string()),
        toml::Value::Array(a) => ProbeValue::List(
            a.into_iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect(),
        ),
        toml::Value::Table(t) => ProbeValue::List(t.keys().cloned().collect()),
    })
}

fn json_value(v: &serde_json::Value) -> Option<ProbeValue> {
    use serde_json::Value;
    Some(match v {
        Value::String(s) => ProbeValue::Text(s.clone()),
        Value::Number(n) => ProbeValue::Text(n.to_string()),
        Value::Bool(b) => ProbeValue::Text(b.to_string()),
        Value::Null => return None,
        Value::Array(a) => ProbeValue::List(
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect(),
        ),
        Value::Object(o) => {
            if o.values().all(Value::is_string) && !o.is_empty() {
                ProbeValue::Map(
                    o.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect(),
                )
            } else {
                ProbeValue::List(o.keys().cloned().collect())
            }
        }
    })
}

/// `Project/PropertyGroup/AssemblyName` or `Project@Sdk`: local names, case-insensitive, the
/// first step naming the root; the first non-empty match in document order wins.
fn xml_lookup(doc: &roxmltree::Document, path: &str) -> Option<String> {
    let (elements, attribute) = match path.split_once('@') {
        Some((e, a)) => (e, Some(a)),
        None => (path, None),
    };
    let steps: Vec<&str> = elements.split('/').filter(|s| !s.is_empty()).collect();
    let root = doc.root_element();
    if !steps
        .first()
        .is_some_and(|s| s.eq_ignore_ascii_case(root.tag_name().name()))
    {
        return None;
    }
    let mut nodes = vec![root];
    for step in &steps[1..] {
        nodes = nodes
            .iter()
            .flat_map(|n| n.children())
            .filter(|c| c.is_element() && c.tag_name().name().eq_ignore_ascii_case(step))
            .collect();
    }
    nodes.iter().find_map(|n| {
        let v = match attribute {
            Some(a) => n.attribute(a).map(str::to_string),
            None => n.text().map(str::to_string),
        };
        v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    })
}

/// Whether a context path glob or a literal COPY source names `rule_path` (a rule's glob).
pub fn source_names(source: &str, rule_path: &str) -> bool {
    let base = source
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(source);
    if path_matches(rule_path, source) {
        return true;
    }
    // A COPY glob such as `package*.json` names the literal rule `package.json`.
    !crate::profile::pattern::is_glob(rule_path) && glob(base, rule_path)
}
