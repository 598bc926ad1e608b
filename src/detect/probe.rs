//! Evaluating a [`Probe`]: read a value from a manifest, the Dockerfile or an image tag.
//! Malformed manifests never panic: they yield nothing and leave a note.

use super::needle::Needle;
use super::paths::{PathParts, PathPattern};
use super::prefilter::{Keys, has_wildcard};
use super::xml;
use crate::profile::Probe;
use crate::profile::pattern::{capture_required_literal, capture_str};
use crate::source::Context;
use crate::syntax::Instruction;
use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

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
pub struct ContextFile<'c> {
    pub path: &'c str,
    /// The last path component.
    pub name: &'c str,
    pub status: CopyStatus,
    pub depth: usize,
}

/// What evaluating a probe needs that depends on the probe alone, read once per registry (see
/// [`RegistryIndex`](super::RegistryIndex)).
#[derive(Clone, Debug, Default)]
pub(crate) struct ProbePlan {
    /// A text every line the probe accepts holds (the longest literal run of its `pattern`,
    /// else its `equals`), `""` when there is none: lines without it are passed over.
    needle: Needle,
    /// The `path` glob read once, and whether it has wildcards.
    path: Option<(PathParts, bool)>,
    /// The `exclude` globs read once.
    exclude: Vec<PathParts>,
}

impl ProbePlan {
    pub(crate) fn new(probe: &Probe) -> Self {
        let needle = match (&probe.pattern, &probe.equals) {
            (Some(pattern), _) => capture_required_literal(pattern),
            (None, Some(equals)) => equals.as_str(),
            (None, None) => "",
        };
        Self {
            needle: Needle::new(needle),
            path: probe
                .path
                .as_deref()
                .map(|p| (PathPattern::new(p).parts(), has_wildcard(p))),
            exclude: probe
                .exclude
                .iter()
                .map(|x| PathPattern::new(x).parts())
                .collect(),
        }
    }

    /// Plans for each of `probes`, in order.
    pub(crate) fn all(probes: &[Probe]) -> Vec<Self> {
        probes.iter().map(Self::new).collect()
    }
}

/// Files larger than this are not parsed.
const MAX_PARSE_BYTES: usize = 2 * 1024 * 1024;
/// At most this many files are read for one probe (`*.go` in a big repo).
const MAX_FILES_PER_PROBE: usize = 400;

/// One lazily filled slot per context file; the slots are allocated on first use.
struct Slots<T> {
    len: usize,
    cells: OnceCell<Vec<OnceCell<T>>>,
}

impl<T> Slots<T> {
    fn new(len: usize) -> Self {
        Self {
            len,
            cells: OnceCell::new(),
        }
    }

    fn get_or_init(&self, i: usize, f: impl FnOnce() -> T) -> &T {
        let cells = self
            .cells
            .get_or_init(|| (0..self.len).map(|_| OnceCell::new()).collect());
        cells[i].get_or_init(f)
    }
}

/// The texts of context files, read at most once each (a byte-order mark removed).
pub struct FileTexts(Slots<Option<String>>);

impl FileTexts {
    /// Room for the texts of `files` (by index).
    pub fn new(files: &[ContextFile<'_>]) -> Self {
        Self(Slots::new(files.len()))
    }
}

/// What probes read from; file texts and parsed manifests are cached, so each file is read and
/// parsed at most once whatever the number of probes.
pub struct ProbeEnv<'a> {
    pub ctx: &'a dyn Context,
    pub files: &'a [ContextFile<'a>],
    /// Keys of the file names and paths.
    file_keys: &'a Keys,
    /// The instructions, read as `KEYWORD arguments` lines.
    instructions: &'a [Instruction],
    /// Images (normalised name, tag), the builder first.
    pub images: &'a [(String, Option<String>)],
    texts: &'a FileTexts,
    /// Parsed manifests by file index; `None` when malformed.
    toml: Slots<Option<toml::Table>>,
    json: Slots<Option<serde_json::Value>>,
    xml: Slots<Option<xml::Document<'a>>>,
    /// The candidates of each path glob probes without `exclude` asked for, by glob: a
    /// profile's probes name the same few manifests dozens of times.
    candidates: RefCell<Vec<(String, Rc<[usize]>)>>,
    /// Notes such as "malformed package.json".
    pub notes: RefCell<Vec<String>>,
}

impl<'a> ProbeEnv<'a> {
    pub fn new(
        ctx: &'a dyn Context,
        files: &'a [ContextFile<'a>],
        file_keys: &'a Keys,
        texts: &'a FileTexts,
        instructions: &'a [Instruction],
        images: &'a [(String, Option<String>)],
    ) -> Self {
        Self {
            ctx,
            files,
            file_keys,
            instructions,
            images,
            texts,
            toml: Slots::new(files.len()),
            json: Slots::new(files.len()),
            xml: Slots::new(files.len()),
            candidates: RefCell::new(Vec::new()),
            notes: RefCell::new(Vec::new()),
        }
    }

    /// The text of context file `i`.
    fn read(&self, i: usize) -> Option<&'a str> {
        let texts: &'a FileTexts = self.texts;
        texts
            .0
            .get_or_init(i, || {
                self.ctx.read(self.files[i].path).map(|mut t| {
                    if t.starts_with('\u{feff}') {
                        let start = t.len() - t.trim_start_matches('\u{feff}').len();
                        t.drain(..start);
                    }
                    t
                })
            })
            .as_deref()
    }

    fn note(&self, note: String) {
        let mut notes = self.notes.borrow_mut();
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    /// The context files a path glob selects (by index), best first: named by the Dockerfile,
    /// then whole-folder copies, then present; shallower first; then by path.
    /// `pattern` and `exclude` come with their [`ProbePlan`]'s reading of them.
    fn candidates(
        &self,
        pattern: &str,
        (parts, wild): (PathParts, bool),
        exclude: &[String],
        exclude_parts: &[PathParts],
    ) -> Vec<usize> {
        if !self.file_keys.may_hold(pattern) && !wild {
            return Vec::new();
        }
        let pattern = PathPattern::with_parts(pattern, parts);
        let mut out: Vec<usize> = (0..self.files.len())
            .filter(|&i| pattern.matches(self.files[i].path, self.files[i].name))
            .collect();
        if !out.is_empty() && !exclude.is_empty() {
            out.retain(|&i| {
                let file = &self.files[i];
                !exclude.iter().zip(exclude_parts).any(|(x, &parts)| {
                    PathPattern::with_parts(x, parts).matches(file.path, file.name)
                })
            });
        }
        out.sort_by(|&a, &b| {
            let (a, b) = (&self.files[a], &self.files[b]);
            (a.status, a.depth, a.path).cmp(&(b.status, b.depth, b.path))
        });
        out
    }

    /// [`Self::candidates`] without exclusions, computed once per glob.
    fn candidates_of(&self, pattern: &str, parts: (PathParts, bool)) -> Rc<[usize]> {
        if let Some((_, found)) = self.candidates.borrow().iter().find(|(p, _)| p == pattern) {
            return Rc::clone(found);
        }
        let found: Rc<[usize]> = self.candidates(pattern, parts, &[], &[]).into();
        self.candidates
            .borrow_mut()
            .push((pattern.to_string(), Rc::clone(&found)));
        found
    }

    /// Evaluate a probe: the first value it yields, with where it came from.
    pub fn eval(&self, probe: &Probe, plan: &ProbePlan) -> Option<(ProbeValue, String)> {
        if let Some(image_glob) = &probe.image {
            for (name, tag) in self.images {
                if !crate::profile::image_name_matches(image_glob, name) {
                    continue;
                }
                let Some(tag) = tag else { continue };
                if let Some(v) = finish_text(probe, tag) {
                    return Some((v, format!("{name}:{tag}")));
                }
            }
            return None;
        }
        if probe.dockerfile
            && let Some(name) = &probe.env
        {
            let value = self
                .instructions
                .iter()
                .filter(|ins| ins.is("ENV"))
                .flat_map(|ins| ins.key_values())
                .filter(|(key, _)| key == name)
                .map(|(_, value)| value.trim_matches(['"', '\'']).to_string())
                .next_back()?;
            return finish_text(probe, &value).map(|v| (v, "Dockerfile".into()));
        }
        if probe.dockerfile {
            let mut line = String::new();
            for ins in self.instructions {
                line.clear();
                line.push_str(ins.keyword());
                line.push(' ');
                line.push_str(ins.arguments());
                let value = match &probe.contains {
                    Some(needle) if line.contains(needle.as_str()) => finish_text(probe, "true"),
                    Some(_) => None,
                    None if !line.contains(plan.needle.as_str()) => None,
                    None => finish_text(probe, &line),
                };
                if let Some(v) = value {
                    return Some((v, "Dockerfile".into()));
                }
            }
            return None;
        }
        let Some(pattern) = probe.path.as_deref() else {
            // A probe that reads nothing is a default.
            let value = probe.value.as_deref().filter(|v| !v.is_empty())?;
            return Some((ProbeValue::Text(value.to_string()), "default".into()));
        };
        let parts = plan.path?;
        if !parts.1 && !self.file_keys.may_hold(pattern) {
            return None;
        }
        let candidates = if probe.exclude.is_empty() {
            self.candidates_of(pattern, parts)
        } else {
            self.candidates(pattern, parts, &probe.exclude, &plan.exclude)
                .into()
        };
        for &i in candidates.iter().take(MAX_FILES_PER_PROBE) {
            let file = &self.files[i];
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
            if let Some(v) = self.eval_file(probe, plan, i) {
                return Some((v, file.path.to_string()));
            }
        }
        None
    }

    fn eval_file(&self, probe: &Probe, plan: &ProbePlan, i: usize) -> Option<ProbeValue> {
        let path = self.files[i].path;
        let file_name = path.rsplit('/').next().unwrap_or(path);
        if probe.stem {
            let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
            return finish_text(probe, stem);
        }
        let text = self.read(i)?;
        if text.len() > MAX_PARSE_BYTES {
            self.note(format!("{path} too large to read"));
            return None;
        }
        if let Some(needle) = &probe.contains {
            return if text.contains(needle.as_str()) {
                finish_text(probe, "true")
            } else {
                None
            };
        }
        if let Some(key) = &probe.toml {
            let Some(table) = self.toml.get_or_init(i, || text.parse().ok()) else {
                self.note(format!("malformed {path}"));
                return None;
            };
            let value = toml_lookup(table, key)?;
            return finish(probe, value);
        }
        if let Some(pointer) = &probe.json {
            let Some(json) = self.json.get_or_init(i, || serde_json::from_str(text).ok()) else {
                self.note(format!("malformed {path}"));
                return None;
            };
            let value = json_value(json_pointer(json, pointer)?)?;
            return finish(probe, value);
        }
        if let Some(xpath) = &probe.xml {
            let parsed = self.xml.get_or_init(i, || xml::Document::parse(text));
            let Some(doc) = parsed else {
                self.note(format!("malformed {path}"));
                return None;
            };
            let value = doc.lookup(xpath)?;
            return finish_text(probe, &value);
        }
        first_line_match(probe, &plan.needle, text)
    }
}

/// Line patterns: [`finish_text`] on each line of `text` (as `str::lines` splits it), the first
/// answer. A line the probe accepts holds `needle`, so only the lines around its occurrences
/// are tried, found with a substring search instead of running the matcher on every line.
fn first_line_match(probe: &Probe, needle: &Needle, text: &str) -> Option<ProbeValue> {
    if needle.is_empty() {
        return text.lines().find_map(|line| finish_text(probe, line));
    }
    let mut from = 0;
    while let Some(found) = needle.find_in(&text[from..]) {
        let at = from + found;
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        // `finish_text` trims, so the `\r` that `str::lines` would drop does not matter.
        if let Some(v) = finish_text(probe, &text[start..end]) {
            return Some(v);
        }
        if end == text.len() {
            break;
        }
        from = end + 1;
    }
    None
}

/// Apply `pattern`, `equals` and `value` to a raw value.
fn finish(probe: &Probe, value: ProbeValue) -> Option<ProbeValue> {
    if let ProbeValue::Text(t) = &value {
        return finish_text(probe, t);
    }
    if probe.equals.is_some() {
        return None;
    }
    match &probe.value {
        Some(v) if v.is_empty() => None,
        Some(v) => Some(ProbeValue::Text(v.clone())),
        None => Some(value),
    }
}

/// [`finish`] for a text value, allocating only the answer.
fn finish_text(probe: &Probe, text: &str) -> Option<ProbeValue> {
    let text = text.trim();
    let mut value = match &probe.pattern {
        Some(p) => capture_str(p, text)?.trim(),
        None => text,
    };
    if probe
        .unless
        .as_deref()
        .is_some_and(|reject| crate::profile::pattern::glob(reject, value))
    {
        return None;
    }
    if let Some(expected) = &probe.equals {
        if value != expected {
            return None;
        }
        value = "true";
    }
    if let Some(v) = &probe.value {
        value = v;
    }
    (!value.is_empty()).then(|| ProbeValue::Text(value.to_string()))
}

fn toml_lookup(table: &toml::Table, key: &str) -> Option<ProbeValue> {
    let mut parts = key.split('.');
    let mut current = table.get(parts.next()?)?;
    for part in parts {
        current = match current {
            toml::Value::Table(t) => t.get(part)?,
            toml::Value::Array(a) => {
                let i: usize = part.parse().ok()?;
                a.get(i)?
            }
            _ => return None,
        };
    }
    Some(match current {
        toml::Value::String(s) => ProbeValue::Text(s.clone()),
        toml::Value::Integer(i) => ProbeValue::Text(i.to_string()),
        toml::Value::Float(f) => ProbeValue::Text(f.to_string()),
        toml::Value::Boolean(b) => ProbeValue::Text(b.to_string()),
        toml::Value::Datetime(d) => ProbeValue::Text(d.to_string()),
        toml::Value::Array(a) => ProbeValue::List(
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect(),
        ),
        toml::Value::Table(t) => ProbeValue::List(t.keys().cloned().collect()),
    })
}

/// [`serde_json::Value::pointer`] without allocating a token unless it holds an escape (`~0`,
/// `~1`).
fn json_pointer<'v>(value: &'v serde_json::Value, pointer: &str) -> Option<&'v serde_json::Value> {
    use serde_json::Value;
    if pointer.is_empty() {
        return Some(value);
    }
    if !pointer.starts_with('/') {
        return None;
    }
    let mut target = value;
    for raw in pointer.split('/').skip(1) {
        let token: std::borrow::Cow<'_, str> = if raw.contains('~') {
            raw.replace("~1", "/").replace("~0", "~").into()
        } else {
            raw.into()
        };
        target = match target {
            Value::Object(map) => map.get(token.as_ref())?,
            Value::Array(list) => {
                // As serde_json reads an array index: no sign, no leading zero.
                if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
                    return None;
                }
                list.get(token.parse::<usize>().ok()?)?
            }
            _ => return None,
        };
    }
    Some(target)
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

/// The child elements of the element at `path` (as for [`xml::Document::lookup`], the first
/// match) in an XML text: each child's local name and trimmed text. Empty when the text is not
/// XML.
pub(crate) fn xml_children(text: &str, path: &str) -> Vec<(String, String)> {
    xml::Document::parse(text).map_or_else(Vec::new, |doc| doc.children(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup through [`xml::Document`] on `doc`'s text, which the fast reader reads.
    fn xml_lookup(doc: &roxmltree::Document, path: &str) -> Option<String> {
        let parsed = xml::Document::parse(doc.input_text()).expect("XML");
        assert!(matches!(parsed, xml::Document::Fast(_)));
        parsed.lookup(path)
    }

    /// The lookup as first written (every level's elements collected), as a reference.
    fn reference_xml_lookup(doc: &roxmltree::Document, path: &str) -> Option<String> {
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

    #[test]
    fn unless_rejects_npm_placeholder_test_script() {
        let probe = Probe {
            unless: Some("*no test specified*".into()),
            value: Some("true".into()),
            ..Probe::default()
        };
        let placeholder = r#"echo "Error: no test specified" && exit 1"#;
        assert_eq!(finish_text(&probe, placeholder), None);
        assert_eq!(
            finish_text(&probe, "jest --ci"),
            Some(ProbeValue::Text("true".into()))
        );
    }

    #[test]
    fn xml_lookups_answer_as_collecting_each_level() {
        let doc = roxmltree::Document::parse(
            r#"<Project Sdk=" Web "><PropertyGroup><A> </A><B>1</B></PropertyGroup>
               <PropertyGroup x="p"><A>two</A><C><A>deep</A></C></PropertyGroup>
               <propertygroup><A>three</A><C><A>deeper</A></C></propertygroup></Project>"#,
        )
        .unwrap();
        for path in [
            "Project",
            "project@Sdk",
            "Project@sdk",
            "Project/PropertyGroup/A",
            "Project/PropertyGroup/B",
            "Project/PropertyGroup/C/A",
            "Project/PropertyGroup@x",
            "Project//PropertyGroup/A",
            "Other/PropertyGroup/A",
            "Project/Missing",
            "",
            "@Sdk",
        ] {
            assert_eq!(
                xml_lookup(&doc, path),
                reference_xml_lookup(&doc, path),
                "{path:?}"
            );
        }
    }

    #[test]
    fn xml_steps_may_test_a_child() {
        let doc = roxmltree::Document::parse(
            "<project><parent><artifactId>other</artifactId><version>1</version></parent>\
             <parent><artifactId>spring-boot-starter-parent</artifactId><version>3.3.1</version></parent>\
             <properties><revision> 2.0 </revision><x/></properties></project>",
        )
        .unwrap();
        let boot = "project/parent[artifactId=spring-boot-starter-parent]/version";
        assert_eq!(xml_lookup(&doc, boot).as_deref(), Some("3.3.1"));
        assert_eq!(
            xml_lookup(&doc, "project/parent[artifactId=none]/version"),
            None
        );
        assert_eq!(
            xml_lookup(&doc, "project/parent/version").as_deref(),
            Some("1")
        );
        let text = doc.input_text();
        assert_eq!(
            xml_children(text, "project/properties"),
            vec![
                ("revision".into(), "2.0".into()),
                ("x".into(), String::new())
            ]
        );
        assert!(xml_children(text, "project/missing").is_empty());
        assert!(xml_children("not xml", "project/properties").is_empty());
    }

    proptest::proptest! {
        /// Searching for the needle answers as matching every line did.
        #[test]
        fn line_matches_agree_with_trying_every_line(
            pattern in proptest::option::of("(v|=|'|1|\\.|a| |\\*|\\{version\\}|\\{value\\}){0,6}"),
            equals in proptest::option::of("(1|a|v1){0,2}"),
            text in "(v|=|'|1|\\.|a| |\\n|\\r|\\t|é){0,40}",
        ) {
            let probe = Probe { pattern, equals, ..Probe::default() };
            let plan = ProbePlan::new(&probe);
            let every_line = text.lines().map(str::trim).find_map(|l| finish_text(&probe, l));
            proptest::prop_assert_eq!(first_line_match(&probe, &plan.needle, &text), every_line);
        }
    }

    #[test]
    fn json_pointers_resolve_as_serde_json_does() {
        let doc: serde_json::Value = serde_json::from_str(
            r#"{"a": {"b/c": 1, "d~e": [10, 20, {"f": "x"}], "": 3}, "engines": {"node": ">=18"},
                "list": ["p", "q"]}"#,
        )
        .unwrap();
        for pointer in [
            "",
            "/",
            "a",
            "/a",
            "/a/b~1c",
            "/a/d~0e/1",
            "/a/d~0e/2/f",
            "/a/d~0e/01",
            "/a/d~0e/+1",
            "/a/d~0e/9",
            "/a/d~0e/-1",
            "/a/",
            "/engines/node",
            "/engines/node/x",
            "/list/0",
            "/list/00",
            "/missing",
            "/a/b~2c",
        ] {
            assert_eq!(
                json_pointer(&doc, pointer),
                doc.pointer(pointer),
                "{pointer:?}"
            );
        }
    }
}
