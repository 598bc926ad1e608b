//! The invariants every output must hold before it is shown or written.
//!
//! A violation is restage's own bug: the pipeline turns it into an internal error (exit 2) naming
//! the invariant, and nothing is written. Validation never changes the output.

use crate::profile::CredentialFile;
use crate::syntax::{self, Dockerfile, Instruction};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

/// The invariant an output broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// A stable name, e.g. `reparse`, `stage-reference`.
    pub invariant: &'static str,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invariant `{}` failed: {}", self.invariant, self.message)
    }
}

/// What the output must preserve from the original, as decided by the plan.
#[derive(Default)]
pub struct Expectations<'a> {
    /// Ports the original exposed.
    pub exposed_ports: BTreeSet<String>,
    /// The original's last CMD and ENTRYPOINT, as their argument text, unless the plan translated
    /// them (then the translation is expected instead).
    pub cmd: Option<String>,
    pub entrypoint: Option<String>,
    /// Recognises a dependency-install command (from the profile), for the cache-order check.
    pub is_dependency_install: Option<&'a dyn Fn(&str) -> bool>,
    /// Credentials files (from the system profile), for the secret-in-layer check.
    pub credential_files: &'a [CredentialFile],
    /// How many credentials files RUNs of the original leave in a layer: the output may not
    /// leave more (a RUN the runtime repeats for its own install writes the same file).
    pub original_credential_writes: usize,
}

/// Check an output Dockerfile. Returns the first violation found.
pub fn validate(output: &str, expect: &Expectations<'_>) -> Result<Dockerfile, Violation> {
    let df = syntax::parse(output);
    if let Some(e) = df.errors.first() {
        return Err(violation(
            "reparse",
            format!(
                "the output does not parse: {}:{}: {}",
                e.line, e.col, e.message
            ),
        ));
    }
    let stages = split_stages(&df);
    if stages.len() < 2 {
        return Err(violation(
            "stage-count",
            "the output has fewer than 2 stages".into(),
        ));
    }
    check_stage_references(&stages)?;
    check_runtime_base(&stages)?;
    check_install_order(&stages, expect)?;
    check_runtime_preserved(stages.last().expect("at least two stages"), expect)?;
    let writes = credential_writes(&df, expect.credential_files);
    if writes.len() > expect.original_credential_writes {
        return Err(violation(
            "secret-in-layer",
            format!(
                "a RUN writes {} outside a secret mount and does not remove it, so it stays in a layer",
                writes.join(", ")
            ),
        ));
    }
    Ok(df)
}

/// The credentials files RUNs write (by redirect or `tee`) and leave in their layer: not the
/// target of one of the RUN's secret mounts, and not removed by an `rm` in the same RUN. Each
/// file once, in order.
pub fn credential_writes(df: &Dockerfile, files: &[CredentialFile]) -> Vec<String> {
    let mut found = Vec::new();
    if files.is_empty() {
        return found;
    }
    let names = NameSearch::new(files);
    for inst in df.instructions.iter().filter(|i| i.is("RUN")) {
        let text = inst.arguments();
        // Most RUNs name no credentials file at all.
        if !names.found_in(text) {
            continue;
        }
        let mut written: Vec<&str> = Vec::new();
        let mut removed: Vec<&str> = Vec::new();
        for (at, _) in text.match_indices('>') {
            let rest = text[at + 1..].trim_start_matches('>').trim_start();
            if let Some(target) = rest.split_whitespace().next() {
                written.push(target.trim_matches(['"', '\'', ';']));
            }
        }
        let mut removed_owned: Vec<String> = Vec::new();
        let mut teed: Vec<String> = Vec::new();
        for command in crate::shell::parse(text) {
            // A line continuation can leave an empty first word.
            let mut words = command.positional().filter(|w| !w.is_empty());
            let program = words.next().map(|w| w.rsplit('/').next().unwrap_or(w));
            let args = words.map(str::to_string);
            match program {
                Some("tee") => teed.extend(args),
                Some("rm") => removed_owned.extend(args),
                _ => {}
            }
        }
        written.extend(teed.iter().map(String::as_str));
        removed.extend(removed_owned.iter().map(String::as_str));
        let mounted: Vec<&str> = inst
            .flags()
            .iter()
            .filter(|f| f.name == "mount")
            .filter_map(|f| f.value.as_deref())
            .filter(|v| v.contains("type=secret"))
            .filter_map(|v| v.split(',').find_map(|kv| kv.strip_prefix("target=")))
            .collect();
        let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        for target in written {
            if !files.iter().any(|f| f.matches_name(target)) {
                continue;
            }
            let name = base(target);
            let safe = mounted.iter().any(|m| base(m) == name)
                || removed
                    .iter()
                    .any(|r| base(r.trim_matches(['"', '\''])) == name);
            if !safe && !found.iter().any(|f| f == target) {
                found.push(target.to_string());
            }
        }
    }
    found
}

/// Finds whether a text holds the literal part of any credentials file name (after a leading
/// `*`), ASCII case ignored, in one pass over the text: a search per name read every RUN a
/// dozen times, twice a rewrite.
struct NameSearch<'f> {
    names: Vec<&'f str>,
    /// For each byte, the names (as bits) that start with it in either case.
    starting: [u64; 256],
    /// An empty name (found in every text), or more names than bits: search name by name.
    per_name: bool,
}

impl<'f> NameSearch<'f> {
    fn new(files: &'f [CredentialFile]) -> Self {
        let names: Vec<&str> = files
            .iter()
            .map(|f| f.name.trim_start_matches('*'))
            .collect();
        let mut starting = [0u64; 256];
        let per_name = names.len() > 64 || names.iter().any(|n| n.is_empty());
        if !per_name {
            for (bit, name) in names.iter().enumerate() {
                let b = name.as_bytes()[0];
                starting[usize::from(b.to_ascii_lowercase())] |= 1 << bit;
                starting[usize::from(b.to_ascii_uppercase())] |= 1 << bit;
            }
        }
        Self {
            names,
            starting,
            per_name,
        }
    }

    fn found_in(&self, text: &str) -> bool {
        let h = text.as_bytes();
        if self.per_name {
            return self
                .names
                .iter()
                .any(|n| crate::text::contains_ignore_ascii_case(text, n));
        }
        (0..h.len()).any(|i| {
            let mut bits = self.starting[usize::from(h[i])];
            while bits != 0 {
                let n = self.names[bits.trailing_zeros() as usize].as_bytes();
                if h[i..].len() >= n.len() && h[i..i + n.len()].eq_ignore_ascii_case(n) {
                    return true;
                }
                bits &= bits - 1;
            }
            false
        })
    }
}

fn violation(invariant: &'static str, message: String) -> Violation {
    Violation { invariant, message }
}

/// One stage of the output: its FROM and the instructions up to the next FROM.
pub struct StageView<'a> {
    pub from: &'a Instruction,
    pub body: Vec<&'a Instruction>,
}

impl StageView<'_> {
    pub fn name(&self) -> Option<&str> {
        self.from.stage_name()
    }
}

/// The stages of a Dockerfile, in order.
pub fn split_stages(df: &Dockerfile) -> Vec<StageView<'_>> {
    let mut stages: Vec<StageView<'_>> = Vec::new();
    for inst in &df.instructions {
        if inst.is("FROM") {
            stages.push(StageView {
                from: inst,
                body: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.body.push(inst);
        }
    }
    stages
}

/// Every `--from` that names a stage names an earlier one.
fn check_stage_references(stages: &[StageView<'_>]) -> Result<(), Violation> {
    let names: Vec<String> = stages
        .iter()
        .map(|s| s.name().unwrap_or("").to_ascii_lowercase())
        .collect();
    for (index, stage) in stages.iter().enumerate() {
        let mut refs: Vec<String> = Vec::new();
        if let Some(image) = stage.from.from_image() {
            refs.push(image.to_string());
        }
        for inst in &stage.body {
            if let Some(from) = inst.flag("from") {
                refs.push(from.to_string());
            }
            for mount in inst.flags().iter().filter(|f| f.name == "mount") {
                let value = mount.value.as_deref().unwrap_or("");
                if let Some(from) = value.split(',').find_map(|kv| kv.strip_prefix("from=")) {
                    refs.push(from.to_string());
                }
            }
        }
        for reference in refs {
            let lower = reference.to_ascii_lowercase();
            if let Ok(n) = lower.parse::<usize>() {
                if n >= index {
                    return Err(violation(
                        "stage-reference",
                        format!("stage {index} refers to stage {n}, which is not earlier"),
                    ));
                }
                continue;
            }
            if let Some(pos) = names.iter().position(|n| !n.is_empty() && *n == lower)
                && pos >= index
            {
                return Err(violation(
                    "stage-reference",
                    format!("stage {index} refers to `{reference}`, which is not an earlier stage"),
                ));
            }
        }
    }
    Ok(())
}

/// The final (runtime) stage starts from an image, not from another stage of this file.
fn check_runtime_base(stages: &[StageView<'_>]) -> Result<(), Violation> {
    let runtime = stages.last().expect("at least two stages");
    let base = runtime.from.from_image().unwrap_or("").to_ascii_lowercase();
    let earlier = &stages[..stages.len() - 1];
    if earlier
        .iter()
        .any(|s| s.name().is_some_and(|n| n.eq_ignore_ascii_case(&base)))
    {
        return Err(violation(
            "runtime-base",
            format!("the runtime stage derives from the build stage `{base}`"),
        ));
    }
    Ok(())
}

/// Dependencies are never installed after a whole-context COPY in the same stage, or the
/// dependency layer would be rebuilt on every source change.
fn check_install_order(
    stages: &[StageView<'_>],
    expect: &Expectations<'_>,
) -> Result<(), Violation> {
    let Some(is_install) = expect.is_dependency_install else {
        return Ok(());
    };
    for stage in stages {
        let mut whole_context_at = None;
        for inst in &stage.body {
            if (inst.is("COPY") || inst.is("ADD")) && inst.copies_whole_context() {
                whole_context_at.get_or_insert(inst.start_line());
            }
            if inst.is("RUN")
                && let Some(copy_line) = whole_context_at
            {
                let command = inst
                    .exec_args()
                    .map_or(Cow::Borrowed(inst.arguments()), |a| Cow::Owned(a.join(" ")));
                if is_install(&command) {
                    return Err(violation(
                        "install-after-context-copy",
                        format!(
                            "line {}: dependencies are installed after the whole context was copied (line {copy_line})",
                            inst.start_line()
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// EXPOSE ports, CMD and ENTRYPOINT of the original are still there in the runtime stage.
fn check_runtime_preserved(
    runtime: &StageView<'_>,
    expect: &Expectations<'_>,
) -> Result<(), Violation> {
    let exposed: BTreeSet<String> = runtime
        .body
        .iter()
        .filter(|i| i.is("EXPOSE"))
        .flat_map(|i| i.values().iter().map(str::to_string))
        .collect();
    if let Some(port) = expect.exposed_ports.iter().find(|p| !exposed.contains(*p)) {
        return Err(violation(
            "runtime-metadata",
            format!("the runtime stage no longer exposes port {port}"),
        ));
    }
    for (keyword, expected) in [("CMD", &expect.cmd), ("ENTRYPOINT", &expect.entrypoint)] {
        let Some(expected) = expected else { continue };
        let actual = runtime.body.iter().rev().find(|i| i.is(keyword));
        if actual.map(|i| i.arguments()) != Some(expected.as_str()) {
            return Err(violation(
                "runtime-metadata",
                format!(
                    "the runtime stage's {keyword} is `{}`, expected `{expected}`",
                    actual.map_or("(none)", |i| i.arguments())
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Dockerfile, Violation> {
        validate(text, &Expectations::default())
    }

    proptest::proptest! {
        /// One pass for all the names answers as a search per name did.
        #[test]
        fn one_pass_for_all_names_agrees_with_a_search_per_name(
            text in "[a-cA-C.*\u{e9}\u{c9} ]{0,16}",
            names in proptest::collection::vec("\\*?[a-cA-C.\u{e9}]{0,3}", 0..4),
        ) {
            let files: Vec<CredentialFile> = names
                .iter()
                .map(|n| CredentialFile { name: n.clone(), holds: Vec::new() })
                .collect();
            let per_name = files.iter().any(|f| {
                crate::text::contains_ignore_ascii_case(&text, f.name.trim_start_matches('*'))
            });
            proptest::prop_assert_eq!(NameSearch::new(&files).found_in(&text), per_name);
        }
    }

    #[test]
    fn accepts_a_sound_multi_stage_file() {
        let text = "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM debian:bookworm-slim AS runtime\nCOPY --from=build /app /app\n";
        assert!(check(text).is_ok());
    }

    #[test]
    fn rejects_each_broken_invariant() {
        assert_eq!(
            check("FROM a\nRUN x\n").unwrap_err().invariant,
            "stage-count"
        );
        assert_eq!(
            check("FROM a AS build\nCOPY --from=runtime /x /x\nFROM b AS runtime\n")
                .unwrap_err()
                .invariant,
            "stage-reference"
        );
        assert_eq!(
            check("FROM a AS build\nFROM build AS runtime\n")
                .unwrap_err()
                .invariant,
            "runtime-base"
        );
        assert_eq!(
            check("FROM a AS b\nENV x\nFROM c\n").unwrap_err().invariant,
            "reparse"
        );
    }

    #[test]
    fn install_after_whole_context_copy_is_rejected() {
        let is_install = |c: &str| c.starts_with("npm ci");
        let expect = Expectations {
            is_dependency_install: Some(&is_install),
            ..Default::default()
        };
        let bad = "FROM node AS deps\nCOPY . .\nRUN npm ci\nFROM node:slim AS runtime\n";
        assert_eq!(
            validate(bad, &expect).unwrap_err().invariant,
            "install-after-context-copy"
        );
        let good = "FROM node AS deps\nCOPY package.json .\nRUN npm ci\nCOPY . .\nFROM node:slim AS runtime\n";
        assert!(validate(good, &expect).is_ok());
    }

    #[test]
    fn runtime_must_keep_ports_and_command() {
        let expect = Expectations {
            exposed_ports: ["8080".to_string()].into(),
            cmd: Some("[\"./app\"]".into()),
            ..Default::default()
        };
        let text = "FROM a AS build\nFROM b AS runtime\nEXPOSE 8080\nCMD [\"./app\"]\n";
        assert!(validate(text, &expect).is_ok());
        let missing = "FROM a AS build\nFROM b AS runtime\nCMD [\"./app\"]\n";
        assert_eq!(
            validate(missing, &expect).unwrap_err().invariant,
            "runtime-metadata"
        );
    }
}

#[cfg(test)]
mod credential_tests {
    use super::credential_writes;
    use crate::profile::CredentialFile;

    fn npmrc() -> Vec<CredentialFile> {
        vec![CredentialFile {
            name: ".npmrc".into(),
            holds: vec!["_authToken=".into()],
        }]
    }

    #[test]
    fn a_credentials_file_left_in_a_layer_is_found() {
        let df = crate::syntax::parse(
            "FROM node\nRUN echo \"//r/:_authToken=${T}\" > .npmrc && npm ci\n",
        );
        assert_eq!(credential_writes(&df, &npmrc()), [".npmrc"]);
    }

    #[test]
    fn a_credentials_file_is_counted_once() {
        let df = crate::syntax::parse(
            "FROM node\nRUN echo a > .npmrc && echo b >> .npmrc\nRUN echo c >> .npmrc\n",
        );
        assert_eq!(credential_writes(&df, &npmrc()), [".npmrc"]);
    }

    #[test]
    fn a_credentials_file_removed_in_its_run_or_mounted_is_not() {
        let removed = crate::syntax::parse(
            "FROM node\nRUN echo \"//r/:_authToken=${T}\" > .npmrc && \\\n    npm ci && \\\n    rm -f .npmrc\n",
        );
        assert!(credential_writes(&removed, &npmrc()).is_empty());
        let mounted = crate::syntax::parse(
            "FROM node\nRUN --mount=type=secret,id=npmrc,target=/app/.npmrc cat x > /app/.npmrc\n",
        );
        assert!(credential_writes(&mounted, &npmrc()).is_empty());
    }
}
