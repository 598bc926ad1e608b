//! Probes: how a version or fact is read from the context, and how `${name}` references in
//! fact values resolve.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `${name}` references in fact values, resolved after every fact is read. A reference that
/// does not resolve (a property set by a build profile or on the command line) leaves the
/// fact unset and uncertain ([`Probe::uncertain`]), so nothing is named after a guess.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Interpolation {
    /// The facts whose values may hold references, resolved in this order (a later one may
    /// use an earlier one).
    pub facts: Vec<String>,
    /// Reference names that stand for facts (`project.version` → `artifact_version`).
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    /// Where the other names are defined: the child elements of an XML element of a context
    /// file (`pom.xml`, `project/properties`), each element's name → its text.
    #[serde(default)]
    pub properties: Vec<PropertySource>,
}

/// A file and the XML element whose children define properties.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PropertySource {
    /// A context path (not a glob).
    pub path: String,
    /// The element, as for [`Probe::xml`] (`project/properties`).
    pub xml: String,
}

/// Reads one value from the build context, the Dockerfile, or the builder image tag.
///
/// Where: exactly one of `path` (a context glob as for [`FileRule`](super::FileRule); files the Dockerfile copies
/// by name come first, then shallower paths), `image` (the builder image's tag, when its name
/// matches this glob) or `dockerfile: true` (each instruction as `KEYWORD arguments`).
///
/// How: at most one of `toml` (a dotted key, numeric parts index arrays: `bin.0.name`), `json`
/// (a JSON pointer: `/engines/node`), `xml` (a path of local element names from the root,
/// optionally ending in `@attribute`: `Project/PropertyGroup/AssemblyName`, `Project@Sdk`),
/// `stem: true` (the file name without its extension), `contains` (true when the text holds
/// it). With none of these, `pattern` is matched against each line (trimmed) and the first match
/// wins.
///
/// Then `pattern` (a capture pattern) is applied to the value, `equals` compares it, `unless`
/// rejects it, and `value` replaces it (a probe with `contains` or `equals` yields `value`,
/// default `"true"`).
///
/// A probe with none of `path`, `image` and `dockerfile` reads nothing and yields its `value`:
/// a default for the fact when no probe before it found one (Cargo's `target` folder).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// The tool (in `versions`) or fact (in `facts`) this probe fills; a label in evidence.
    pub name: String,
    /// Read context files matching this glob.
    #[serde(default)]
    pub path: Option<String>,
    /// Read the tag of images whose name matches this glob (the builder first).
    #[serde(default)]
    pub image: Option<String>,
    /// Read the Dockerfile, one `KEYWORD arguments` line per instruction.
    #[serde(default)]
    pub dockerfile: bool,
    /// With `dockerfile: true`: the value the Dockerfile's `ENV` gives this variable (the last
    /// one), quotes removed, instead of matching lines.
    #[serde(default)]
    pub env: Option<String>,
    /// A dotted TOML key (`package.name`, `bin.0.name`).
    #[serde(default)]
    pub toml: Option<String>,
    /// A JSON pointer (`/engines/node`).
    #[serde(default)]
    pub json: Option<String>,
    /// An XML path of local names from the root, optionally ending in `@attribute`.
    #[serde(default)]
    pub xml: Option<String>,
    /// The file name without its extension.
    #[serde(default)]
    pub stem: bool,
    /// True when the text contains this string.
    #[serde(default)]
    pub contains: Option<String>,
    /// A capture pattern applied to the value (or to each line when there is no reader).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Yields `value` (default `"true"`) only when the value equals this.
    #[serde(default)]
    pub equals: Option<String>,
    /// Yields nothing when the value matches this glob (npm's placeholder `test` script).
    #[serde(default)]
    pub unless: Option<String>,
    /// A constant that replaces whatever was found.
    #[serde(default)]
    pub value: Option<String>,
    /// Only files next to which this relative path exists (`src/main.rs`).
    #[serde(default)]
    pub sibling: Option<String>,
    /// Globs of paths to skip (`*Test*`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Points, only for probes used as package-manager evidence.
    #[serde(default)]
    pub weight: Option<f64>,
    /// A match means the fact is set in a way restage cannot read certainly (a computed
    /// `version = gitVersion()`, a name from a build profile): the fact stays unset and is
    /// marked uncertain, so artifact names that use it do not resolve (see
    /// [`Artifacts::name_for`](super::Artifacts::name_for)) and the rewrite copies by glob instead of guessing.
    #[serde(default)]
    pub uncertain: bool,
}
