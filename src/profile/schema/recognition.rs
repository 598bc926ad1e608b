//! Recognition: the rules that detect a profile from a Dockerfile and its context, and that
//! classify the original `RUN` commands; with the image and command matching they share.

use crate::profile::pattern::path_matches;
use crate::profile::pattern::{Glob, glob};
use serde::{Deserialize, Serialize};

/// Command rules (see [`CommandRule`] for the word matching) that classify the original `RUN`
/// commands; for one command the rule with the most words wins across the four lists.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Recognise {
    /// Installs the package manager or a build tool (`corepack enable`, `pip install poetry`).
    #[serde(default)]
    pub setup: Vec<String>,
    /// Installs dependencies (`npm ci`, `go mod download`, `dotnet restore`).
    #[serde(default)]
    pub install: Vec<String>,
    /// Builds (`npm run build`, `go build`, `mvn package`).
    #[serde(default)]
    pub build: Vec<String>,
    /// Runs tests (`npm test`, `go test`).
    #[serde(default)]
    pub test: Vec<String>,
    /// Dependency installs that leave out development dependencies (`npm --omit=dev`,
    /// `yarn --production`): a test stage after them installs the full set first.
    #[serde(default)]
    pub production_install: Vec<String>,
    /// File names that count as dependency manifests when COPY'd, beyond the package managers'
    /// `manifests` (`settings.xml`).
    #[serde(default)]
    pub manifests: Vec<String>,
    /// Installs that also install the project itself from its sources (`uv sync` without
    /// `--no-install-project`): after the sources they are part of the build, not a dependency
    /// install out of place. `!word` rules out a word, as in the classes above.
    #[serde(default)]
    pub project_install: Vec<String>,
}

/// Weighted evidence that a Dockerfile builds with this profile's toolchain.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DetectRules {
    /// Base images (`FROM`) by name.
    #[serde(default)]
    pub images: Vec<ImageRule>,
    /// Commands run by `RUN`.
    #[serde(default)]
    pub commands: Vec<CommandRule>,
    /// Commands in `CMD`/`ENTRYPOINT`.
    #[serde(default)]
    pub start_commands: Vec<CommandRule>,
    /// Distro packages installed by apt/apk/dnf/... (`golang-go`, `dotnet-sdk-*`).
    #[serde(default)]
    pub packages: Vec<PackageRule>,
    /// Files in the build context or named by COPY/ADD.
    #[serde(default)]
    pub files: Vec<FileRule>,
}

/// A base image rule. The image name is normalised first: no registry `docker.io/`, no
/// `library/`, no tag or digest. `image` matches the whole name or its trailing path components
/// (so `node` also matches `cimg/node` and `my-mirror.example/library/node`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageRule {
    /// Glob on the normalised image name.
    pub image: String,
    /// Glob on the tag (`*sdk*` for `microsoft/dotnet:2.0-sdk`); any tag when absent.
    #[serde(default)]
    pub tag: Option<String>,
    /// Points added when the image matches.
    pub weight: f64,
}

impl ImageRule {
    /// Whether a normalised image name and tag match this rule.
    pub fn matches(&self, name: &str, tag: Option<&str>) -> bool {
        image_name_matches(&self.image, name)
            && self
                .tag
                .as_deref()
                .is_none_or(|t| tag.is_some_and(|tag| glob(t, tag)))
    }
}

/// Whether a glob on image names matches `name` itself or its trailing path components.
pub fn image_name_matches(pattern: &str, name: &str) -> bool {
    let compiled = Glob::new(pattern);
    if compiled.is_literal() {
        // A literal only equals itself: the name, or the name's part after one of its `/`.
        let n = pattern.len();
        return n <= 4096
            && (name == pattern
                || (name.len() > n
                    && name.ends_with(pattern)
                    && name.as_bytes()[name.len() - n - 1] == b'/'));
    }
    compiled.matches(name)
        || name
            .match_indices('/')
            .any(|(i, _)| compiled.matches(&name[i + 1..]))
}

/// A command rule. `command` is whitespace-separated glob words: the first is matched against
/// the command name (its basename: `./mvnw` → `mvnw`), the others must appear later in the same
/// simple command, in order (`pip* install poetry*`). For one simple command only the rule(s)
/// with the most words count, so `pip install poetry` is evidence for poetry, not pip.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandRule {
    /// Glob words; see above.
    pub command: String,
    /// Points added (once per Dockerfile) when the rule matches.
    pub weight: f64,
}

impl CommandRule {
    /// The number of words in the rule (its specificity).
    pub fn len(&self) -> usize {
        self.command.split_whitespace().count()
    }

    /// Whether the rule has no words (never matches).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a simple command (its words, the name already reduced to a basename) matches.
    pub fn matches(&self, words: &[String]) -> bool {
        command_matches(&self.command, words)
    }
}

/// Whether command words match a rule (see [`CommandRule`]).
pub fn command_matches(rule: &str, words: &[String]) -> bool {
    let mut rule_words = rule.split_whitespace();
    let Some(first) = rule_words.next() else {
        return false;
    };
    let Some(name) = words.first() else {
        return false;
    };
    if !glob(first, name) {
        return false;
    }
    let mut rest = words[1..].iter();
    rule_words.all(|rw| rest.any(|w| glob(rw, w)))
}

/// A distro package rule: a glob on the package name as installed (`openjdk-*-jdk`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PackageRule {
    /// Glob on the package name as installed (`dotnet-sdk-*`).
    pub package: String,
    /// Points added when a RUN installs a matching package.
    pub weight: f64,
}

/// A context file rule. `path` is a glob; without a `/` it matches the file name at any depth.
/// Files under `_system.yaml`'s `skip_dirs` (committed `node_modules/`, `target/`, ...) never
/// count.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    /// Glob on the context path (or COPY source).
    pub path: String,
    /// Points when the Dockerfile COPYs/ADDs the file by name or glob (Dockerfile evidence; it
    /// counts even when the context is not available).
    pub copied: f64,
    /// Points when the file merely sits in the context. A file that only arrives through a
    /// whole-folder copy (`COPY . .`) gets the mean of `present` and `copied`.
    pub present: f64,
}

impl FileRule {
    /// Whether a context path (or a COPY source) matches.
    pub fn matches(&self, path: &str) -> bool {
        path_matches(&self.path, path)
    }
}

/// Reduce a command's name to its basename (`./mvnw` → `mvnw`, `/usr/bin/go` → `go`).
/// Borrows when the name has no folder (most commands).
pub fn normalise_command(words: &[String]) -> std::borrow::Cow<'_, [String]> {
    match words.first().and_then(|w| w.rsplit_once('/')) {
        None => std::borrow::Cow::Borrowed(words),
        Some((_, base)) => {
            let mut out = words.to_vec();
            out[0] = base.to_string();
            std::borrow::Cow::Owned(out)
        }
    }
}

/// Split an image reference into its normalised name and tag:
/// `docker.io/library/node:18-alpine@sha256:..` → (`node`, `Some("18-alpine")`).
pub fn split_image(image: &str) -> (String, Option<String>) {
    let image = image.trim();
    let image = image.split('@').next().unwrap_or(image);
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match image[last_slash..].find(':') {
        Some(i) => (
            &image[..last_slash + i],
            Some(image[last_slash + i + 1..].to_string()),
        ),
        None => (image, None),
    };
    let mut name = name.to_ascii_lowercase();
    for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            name = rest.to_string();
        }
    }
    if let Some(rest) = name.strip_prefix("library/") {
        name = rest.to_string();
    }
    (name, tag.filter(|t| !t.is_empty()))
}
