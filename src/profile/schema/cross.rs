//! Cross-compilation for multi-platform builds.

use serde::{Deserialize, Serialize};

/// Cross-compilation for multi-platform builds (`docker buildx build --platform
/// linux/amd64,linux/arm64`, issue 19 item 1): `deps` starts `FROM --platform=$BUILDPLATFORM`,
/// so it, `build` and `test` run on the machine's own platform instead of under emulation, and
/// the build compiles for the target platform from BuildKit's automatic platform ARGs
/// (`TARGETOS`, `TARGETARCH`, `TARGETPLATFORM`; buildah fills them too). The runtime stays on
/// the target platform. Built for one platform, the output is the same as without it.
///
/// A build is cross-compiled only when every condition holds: the facts of `requires` hold,
/// none of `unless` does, the toolchain is at least `min_version`, the build stage runs one of
/// `commands`, and every `options` rule can be applied. Otherwise all stages stay on the target
/// platform and a decision says why. A `--platform` the original FROM names is always kept.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cross {
    /// What makes the build compile for the target, for the decision
    /// (`GOOS=$TARGETOS GOARCH=$TARGETARCH`).
    pub how: String,
    /// The platform ARGs the cross-compiling commands read, declared in `deps` and `build` right
    /// before the first RUN of `commands` there (earlier layers stay shared between platforms).
    pub args: Vec<String>,
    /// The RUN commands that compile for the target, as command rules (`go build`, `dotnet
    /// publish`, `xx-*`). The build stage must run one of them.
    pub commands: Vec<String>,
    /// Build arguments the build stage sets from the platform ARGs, after them
    /// (`GOARCH=$TARGETARCH`): RUN sees them as environment variables, and unlike ENV they do
    /// not carry into the `test` stage, whose tests run on the build platform.
    #[serde(default)]
    pub env: Vec<CrossValue>,
    /// Options added at the end of a RUN whose last simple command matches (`dotnet publish` →
    /// `-a ...`); a RUN that runs a matching command elsewhere keeps the build native.
    #[serde(default)]
    pub options: Vec<CrossOption>,
    /// Boolean facts that must hold, each with the reason the build stays native without it.
    #[serde(default)]
    pub requires: Vec<CrossCondition>,
    /// Boolean facts any one of which keeps the build native, each with the reason.
    #[serde(default)]
    pub unless: Vec<CrossCondition>,
    /// The lowest toolchain version (a `versions` tool) that has what `how` needs; an older or
    /// unknown version keeps the build native.
    #[serde(default)]
    pub min_version: Option<CrossVersion>,
}

/// A build argument set from the platform ARGs (`GOOS` = `$TARGETOS`).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrossValue {
    pub name: String,
    pub value: String,
}

/// Options added to a cross-compiling command.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrossOption {
    /// Command words, matched like a [`CommandRule`](super::CommandRule).
    pub command: String,
    /// The text added after the command's last word.
    pub add: String,
    /// Options that already say it (`--self-contained`, `--sc`): a command with one of them
    /// (alone or as `--option=value`) gets nothing from this rule.
    #[serde(default)]
    pub unless_options: Vec<String>,
}

/// A boolean fact and why its value keeps the build native.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrossCondition {
    pub fact: String,
    pub why: String,
}

/// A toolchain version cross-compilation needs.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CrossVersion {
    /// The tool, as named in `versions` (`dotnet`).
    pub tool: String,
    /// The lowest version (`6.0`).
    pub version: String,
    /// What older versions lack.
    pub why: String,
}
