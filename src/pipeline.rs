//! The one place that knows the order of the steps:
//! `syntax → detect → profile → plan → render → validate`.

use crate::detect::{self, Detection};
use crate::error::{Error, ErrorKind, Result};
use crate::plan::{self, PlanInput, PlanOptions};
use crate::profile::Registry;
use crate::render::{Templates, TextStyle};
use crate::source::Context;
use crate::syntax::{self, Dockerfile};
use crate::validate::{self, Expectations};
use serde::Serialize;
use std::path::PathBuf;

pub use crate::plan::{ChangedFile, Decision, Hygiene, NewFile, Plan, SkipCode, Warning};

/// Options for one rewrite.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Extra or overriding language profiles (`--profiles-dir`).
    pub profiles_dir: Option<PathBuf>,
    /// Overriding templates (`--templates-dir`).
    pub templates_dir: Option<PathBuf>,
    /// A name for the input, used in messages (`--stdin-filename`, or the path).
    pub file_name: Option<String>,
    /// Leave out the test stage.
    pub no_test_stage: bool,
    /// The runtime flavour asked for (`slim`, `alpine`, `distroless`), for whatever profile
    /// applies (a `# restage: runtime=...` pragma).
    pub runtime_flavour: Option<String>,
    /// The runtime flavour asked for per profile (`.restage.yaml`); the pragma wins.
    pub runtime_flavours: std::collections::BTreeMap<String, String>,
    /// The Dockerfile's path relative to the build context (`Dockerfile`, `docker/app.Dockerfile`),
    /// when it is inside it. With it, compose files in its folder and the folders above it (up to
    /// the context root) that build it are reviewed; without it, none are.
    pub dockerfile_path: Option<String>,
}

/// What happened to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Rewritten,
    Unchanged,
    Skipped,
}

/// The result of rewriting one Dockerfile.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub status: Status,
    /// Why the file was skipped or left unchanged.
    pub reason: Option<String>,
    /// The same, as a stable code for tools.
    pub reason_code: Option<SkipCode>,
    /// The profile used, if one matched.
    pub profile: Option<String>,
    /// The new Dockerfile text (the original text when not rewritten).
    pub dockerfile: String,
    pub decisions: Vec<Decision>,
    pub warnings: Vec<Warning>,
    /// Files to create beside the Dockerfile.
    pub new_files: Vec<NewFile>,
    /// Existing files of the build context to change with the Dockerfile (a compose file's
    /// `build.target`), each with its text as read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_files: Vec<ChangedFile>,
    /// How safe the runtime stage is (its user, build tools, secret files), when the file was
    /// rewritten.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hygiene: Option<Hygiene>,
    /// What detection found.
    #[serde(skip)]
    pub detection: Option<Detection>,
    /// The plan, when the file was rewritten: the stages and steps the new file was rendered
    /// from. For inspection only: its types are not part of the stable API.
    #[serde(skip)]
    pub plan: Option<Plan>,
}

impl Outcome {
    /// A file left as it was. Its `dockerfile` is filled in by [`Engine::rewrite`] (the
    /// idempotence re-run inside a rewrite never needs a copy of the text it was given), or by
    /// the CLI for a file it skips before the pipeline runs.
    pub(crate) fn unchanged(status: Status, code: SkipCode, reason: impl Into<String>) -> Self {
        Outcome {
            status,
            reason: Some(reason.into()),
            reason_code: Some(code),
            profile: None,
            dockerfile: String::new(),
            decisions: Vec::new(),
            warnings: Vec::new(),
            new_files: Vec::new(),
            changed_files: Vec::new(),
            hygiene: None,
            detection: None,
            plan: None,
        }
    }
}

/// Loaded profiles and templates, shared by many rewrites (the CLI loads them once).
pub struct Engine {
    /// The language profiles (not part of the stable API; public for restage's own benches).
    pub registry: Registry,
    /// The stage and step templates (not part of the stable API).
    pub templates: Templates,
}

impl Engine {
    /// Load the built-in profiles and templates, plus the user's overrides.
    pub fn load(opts: &Options) -> Result<Self> {
        Ok(Engine {
            registry: Registry::load(opts.profiles_dir.as_deref())?,
            templates: Templates::load(opts.templates_dir.as_deref())?,
        })
    }

    /// Rewrite one Dockerfile. Never prints, never exits.
    pub fn rewrite(&self, text: &str, ctx: &dyn Context, opts: &Options) -> Result<Outcome> {
        self.rewrite_tree(text, syntax::parse(text), ctx, opts)
    }

    /// [`Engine::rewrite`] on `df`, the [`syntax::parse`] of `text` that the caller made
    /// already (to read its pragmas, say): the file is not parsed a second time, and only one
    /// tree of a large file is held.
    pub fn rewrite_tree(
        &self,
        text: &str,
        df: Dockerfile,
        ctx: &dyn Context,
        opts: &Options,
    ) -> Result<Outcome> {
        let mut outcome = self.rewrite_parsed(text, df, ctx, opts)?;
        if outcome.status != Status::Rewritten {
            outcome.dockerfile = text.to_string();
        }
        Ok(outcome)
    }

    /// [`Engine::rewrite`] on text already parsed into `df`, except that an outcome other
    /// than [`Status::Rewritten`] leaves `dockerfile` empty (it is `text`).
    fn rewrite_parsed(
        &self,
        text: &str,
        df: Dockerfile,
        ctx: &dyn Context,
        opts: &Options,
    ) -> Result<Outcome> {
        if let Some(e) = df.errors.first() {
            let mut error = Error::new(ErrorKind::Parse, e.message.clone()).at(e.line, e.col);
            if let Some(name) = &opts.file_name {
                error = error.with_path(name);
            }
            return Err(error);
        }
        if let Some(reason) = ignore_pragma(&df) {
            return Ok(Outcome::unchanged(
                Status::Skipped,
                SkipCode::Ignored,
                reason,
            ));
        }
        let stages = df.stages().count();
        if stages == 0 {
            return Ok(Outcome::unchanged(
                Status::Skipped,
                SkipCode::NoFrom,
                "there is no FROM instruction",
            ));
        }
        if stages > 1 {
            return Ok(Outcome::unchanged(
                Status::Unchanged,
                SkipCode::MultiStage,
                "already multi-stage",
            ));
        }
        let detection = detect::detect(&df, ctx, &self.registry);
        let Some(profile) = detection
            .profile
            .as_deref()
            .and_then(|name| self.registry.get(name))
        else {
            let reason = detection
                .reason
                .clone()
                .unwrap_or_else(|| "no language profile matched".into());
            let mut outcome = Outcome::unchanged(Status::Skipped, SkipCode::NoProfile, reason);
            outcome.detection = Some(detection);
            return Ok(outcome);
        };
        let options = PlanOptions {
            no_test_stage: opts.no_test_stage,
            runtime_flavour: opts
                .runtime_flavour
                .clone()
                .or_else(|| opts.runtime_flavours.get(&profile.name).cloned()),
            dockerfile: opts.dockerfile_path.clone(),
        };
        let input = PlanInput {
            df: &df,
            detection: &detection,
            profile,
            registry: &self.registry,
            ctx,
            options: &options,
        };
        let plan = match plan::plan(&input) {
            Ok(plan) => plan,
            Err(plan::Skip { code, reason }) => {
                let mut outcome = Outcome::unchanged(Status::Skipped, code, reason);
                outcome.profile = Some(profile.name.clone());
                outcome.detection = Some(detection);
                return Ok(outcome);
            }
        };
        let style = TextStyle {
            crlf: df.uses_crlf(),
            final_newline: text.is_empty() || text.ends_with('\n'),
        };
        let output = self.templates.render(&plan, style)?;
        // One recogniser for the output's RUNs: it works out each program's rules once.
        let recogniser = std::cell::RefCell::new(plan::classify::Recogniser::new(profile));
        // An install of the project itself (`uv sync` after the sources) belongs after them.
        let project_installs = &profile.recognise.project_install;
        let is_install = |command: &str| {
            crate::shell::parse(command).iter().any(|c| {
                recogniser.borrow_mut().classify(c) == Some(plan::Class::DependencyInstall)
                    && !project_installs
                        .iter()
                        .any(|rule| plan::classify::rule_matches(rule, c))
            })
        };
        let mut expect = expectations(&df, &plan);
        expect.is_dependency_install = Some(&is_install);
        expect.credential_files = &self.registry.system().secrets.files;
        expect.original_credential_writes =
            validate::credential_writes(&df, expect.credential_files).len();
        // The original's tree is not needed past here: freed before the output is parsed, so
        // that a large file's two trees are never held at once.
        drop(df);
        // restage's own output breaking an invariant is restage's fault, not the file's: the
        // file is left as it is, with the reason, and never reported as an error.
        let not_kept = |reason: String| {
            let mut outcome = Outcome::unchanged(
                Status::Skipped,
                SkipCode::UnsoundRewrite,
                format!(
                    "restage could not produce a sound rewrite ({reason}); the file is left as it is"
                ),
            );
            outcome.profile = Some(profile.name.clone());
            outcome
        };
        let reparsed = match validate::validate(&output, &expect) {
            Ok(reparsed) => reparsed,
            Err(violation) => {
                let mut outcome = not_kept(violation.to_string());
                outcome.detection = Some(detection);
                return Ok(outcome);
            }
        };
        // Idempotence, on the tree validation already parsed: a second run must leave the
        // output as it is (an outcome that is not a rewrite stands for the text unchanged).
        let again = self.rewrite_parsed(&output, reparsed, ctx, opts)?;
        if again.status == Status::Rewritten {
            let mut outcome = not_kept(
                "invariant `idempotence` failed: restage would change its own output".into(),
            );
            outcome.detection = Some(detection);
            return Ok(outcome);
        }
        // What restage could not look at is part of what it concluded from.
        let mut warnings = plan.warnings.clone();
        warnings.extend(ctx.limit_notes().into_iter().map(|message| Warning {
            code: crate::plan::WarningCode::ContextNotRead,
            message,
            line: None,
        }));
        Ok(Outcome {
            status: Status::Rewritten,
            reason: None,
            reason_code: None,
            profile: Some(profile.name.clone()),
            dockerfile: output,
            decisions: plan.decisions.clone(),
            warnings,
            new_files: plan.new_files.clone(),
            changed_files: plan.changed_files.clone(),
            hygiene: Some(plan.hygiene.clone()),
            detection: Some(detection),
            plan: Some(plan),
        })
    }
}

/// `# restage: ignore` in the comments above the first instruction, alone or beside other
/// pragmas (the one pragma reader, [`syntax::pragmas`], which the CLI uses too).
fn ignore_pragma(df: &Dockerfile) -> Option<String> {
    syntax::is_ignored(df).then(|| "the file has a `# restage: ignore` comment".into())
}

/// What the output must keep from the original: its ports, and its start command unless the
/// plan translated it.
fn expectations<'a>(df: &Dockerfile, plan: &Plan) -> Expectations<'a> {
    let body = || df.instructions.iter();
    let translated = plan.stages.last().is_some_and(|s| {
        s.steps
            .iter()
            .any(|st| matches!(st, plan::Step::Exec { .. }))
    });
    let last_args = |kw: &str| {
        body()
            .rfind(|i| i.is(kw))
            .map(|i| i.arguments().to_string())
    };
    Expectations {
        exposed_ports: body()
            .filter(|i| i.is("EXPOSE"))
            .flat_map(|i| i.values().iter().map(str::to_string))
            .collect(),
        cmd: if translated { None } else { last_args("CMD") },
        entrypoint: if translated {
            None
        } else {
            last_args("ENTRYPOINT")
        },
        is_dependency_install: None,
        credential_files: &[],
        original_credential_writes: 0,
    }
}

/// Rewrite one Dockerfile with the built-in (or `opts`') profiles and templates.
///
/// ```
/// use restage::pipeline::{rewrite, Options, Status};
/// use restage::source::MemoryContext;
///
/// let ctx = MemoryContext::new()
///     .with_file("go.mod", "module example.com/hello\n\ngo 1.22\n")
///     .with_file("main.go", "package main\n\nfunc main() {}\n");
/// let dockerfile = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/hello .\nCMD [\"/bin/hello\"]\n";
/// let outcome = rewrite(dockerfile, &ctx, &Options::default()).unwrap();
/// assert_eq!(outcome.status, Status::Rewritten);
/// assert!(outcome.dockerfile.contains("AS runtime"));
/// ```
pub fn rewrite(dockerfile: &str, ctx: &dyn Context, opts: &Options) -> Result<Outcome> {
    Engine::load(opts)?.rewrite(dockerfile, ctx, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryContext;

    /// Issue 14 item 8: output that breaks an invariant (here a layout template that writes a
    /// single stage) leaves a valid file skipped with the reason, never an error (exit 2).
    #[test]
    fn an_output_that_breaks_an_invariant_skips_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile.j2"), "FROM scratch\n").unwrap();
        let opts = Options {
            templates_dir: Some(dir.path().to_path_buf()),
            ..Options::default()
        };
        let ctx = MemoryContext::new()
            .with_file("go.mod", "module example.com/hello\n\ngo 1.22\n")
            .with_file("main.go", "package main\n\nfunc main() {}\n");
        let text = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/hello .\nCMD [\"/bin/hello\"]\n";
        let outcome = rewrite(text, &ctx, &opts).expect("a valid file is never an error");
        assert_eq!(outcome.status, Status::Skipped);
        assert_eq!(outcome.dockerfile, text);
        assert_eq!(outcome.reason_code, Some(SkipCode::UnsoundRewrite));
        let reason = outcome.reason.unwrap();
        assert!(reason.contains("stage-count"), "{reason}");
    }

    #[test]
    fn a_file_left_as_it_is_comes_back_with_its_text() {
        let ctx = MemoryContext::new();
        let cases = [
            (
                "FROM a AS x\nFROM b\nCMD [\"y\"]\n",
                Status::Unchanged,
                SkipCode::MultiStage,
            ),
            (
                "# restage: ignore\nFROM a\n",
                Status::Skipped,
                SkipCode::Ignored,
            ),
            // The library reads pragmas as the CLI does: `ignore` beside another pragma.
            (
                "# restage: ignore, runtime=alpine\nFROM golang:1.22\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n",
                Status::Skipped,
                SkipCode::Ignored,
            ),
            (
                "FROM scratch\nCMD [\"y\"]",
                Status::Skipped,
                SkipCode::NoProfile,
            ),
        ];
        for (text, status, code) in cases {
            let outcome = rewrite(text, &ctx, &Options::default()).unwrap();
            assert_eq!(
                (
                    outcome.status,
                    outcome.reason_code,
                    outcome.dockerfile.as_str()
                ),
                (status, Some(code), text)
            );
        }
    }
}
