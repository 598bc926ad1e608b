//! `restage detect`: which toolchain each Dockerfile builds, with the evidence.

use super::args::{DetectArgs, SimpleFormat};
use super::exit::ExitStatus;
use super::input::{self, Loaded, Reported, Stdin, display_path};
use super::walk::{self, Input};
use crate::detect::{self, FileReport};
use crate::profile::Registry;
use crate::{Error, ErrorKind};
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The build context of one Dockerfile and how it was chosen.
#[derive(Clone, Debug)]
pub struct ContextChoice {
    pub dir: PathBuf,
    pub evidence: Vec<String>,
}

/// `--context` wins; otherwise the folder is inferred from the COPY/ADD sources, starting at the
/// Dockerfile's folder (for stdin, the folder of `--stdin-filename`).
pub fn choose_context(
    loaded: &Loaded,
    tree: &crate::syntax::Dockerfile,
    flag: Option<&Path>,
) -> ContextChoice {
    if let Some(dir) = flag {
        return ContextChoice {
            dir: dir.to_path_buf(),
            evidence: vec![format!("context: {} (--context)", display_path(dir))],
        };
    }
    match &loaded.located_at {
        Some(path) => {
            let choice = detect::infer_context(path, tree, None);
            ContextChoice {
                dir: choice.dir,
                evidence: choice.evidence,
            }
        }
        None => ContextChoice {
            dir: loaded.dir.clone(),
            evidence: vec![format!(
                "context: {} (stdin, the current folder)",
                display_path(&loaded.dir)
            )],
        },
    }
}

/// One file's result.
#[derive(Debug)]
enum Row {
    Found(FileReport),
    Failed { path: String, error: Error },
}

#[derive(Debug, Serialize)]
struct Document<'a> {
    files: Vec<JsonRow<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum JsonRow<'a> {
    Found(&'a FileReport),
    Failed(FailedRow<'a>),
}

/// A file that could not be looked at: the same keys, empty, plus the error.
#[derive(Debug, Serialize)]
struct FailedRow<'a> {
    path: &'a str,
    profile: Option<String>,
    package_manager: Option<String>,
    versions: std::collections::BTreeMap<String, String>,
    confidence: f64,
    context: Option<String>,
    evidence: Vec<String>,
    error: ErrorJson,
}

#[derive(Debug, Serialize)]
struct ErrorJson {
    message: String,
    line: Option<usize>,
    col: Option<usize>,
}

/// Run `restage detect`.
pub fn run(
    args: &DetectArgs,
    stdin: Option<&Stdin>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let registry = match Registry::load(args.profiles_dir.as_deref()) {
        Ok(registry) => registry,
        Err(error) => {
            writeln!(err, "{error}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let discovered = walk::discover(&args.paths);
    let mut rows: Vec<(Input, Row)> = super::map_inputs(&discovered.inputs, |input| {
        let row = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            detect_one(input, stdin, args, &registry)
        }))
        .unwrap_or_else(|panic| {
            let path = input::input_name(input, stdin);
            let error = input::panic_error(&path, panic.as_ref());
            Row::Failed { path, error }
        });
        (input.clone(), row)
    });
    for error in discovered.errors {
        let path = error.path.clone().unwrap_or_default();
        rows.push((
            Input::File(path.clone()),
            Row::Failed {
                path: display_path(&path),
                error,
            },
        ));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));

    let mut status = ExitStatus::Success;
    for (_, row) in &rows {
        if let Row::Failed { path, error } = row {
            writeln!(err, "{}", Reported::new(path, error).line(path))?;
            status = ExitStatus::Error;
        }
    }
    match args.format {
        SimpleFormat::Json => {
            let files = rows.iter().map(|(_, row)| json_row(row)).collect();
            serde_json::to_writer_pretty(&mut *out, &Document { files })?;
            writeln!(out)?;
        }
        SimpleFormat::Text => {
            for (_, row) in &rows {
                if let Row::Found(report) = row {
                    write_text(report, out)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(status)
}

fn json_row(row: &Row) -> JsonRow<'_> {
    match row {
        Row::Found(report) => JsonRow::Found(report),
        Row::Failed { path, error } => {
            let reported = Reported::new(path, error);
            JsonRow::Failed(FailedRow {
                path,
                profile: None,
                package_manager: None,
                versions: Default::default(),
                confidence: 0.0,
                context: None,
                evidence: Vec::new(),
                error: ErrorJson {
                    line: reported.position.map(|p| p.0),
                    col: reported.position.map(|p| p.1),
                    message: reported.message,
                },
            })
        }
    }
}

fn detect_one(input: &Input, stdin: Option<&Stdin>, args: &DetectArgs, registry: &Registry) -> Row {
    let name = input::input_name(input, stdin);
    let loaded = match input::load(input, stdin) {
        Ok(loaded) => loaded,
        Err(error) => return Row::Failed { path: name, error },
    };
    let tree = crate::syntax::parse(&loaded.text);
    if let Some(first) = tree.errors.first() {
        let error = Error::new(ErrorKind::Parse, first.message.clone())
            .with_path(&loaded.name)
            .at(first.line, first.col);
        return Row::Failed { path: name, error };
    }
    let context = choose_context(&loaded, &tree, args.context.as_deref());
    if !context.dir.is_dir() {
        let error =
            Error::new(ErrorKind::Io, "the build context is not a folder").with_path(&context.dir);
        return Row::Failed { path: name, error };
    }
    let ctx = crate::source::FsContext::new(&context.dir);
    let detection = detect::detect(&tree, &ctx, registry);
    let mut report = detection.to_report(name, display_path(&context.dir));
    report.evidence.extend(context.evidence);
    Row::Found(report)
}

/// `path: node (npm), confidence 0.93, context .` then versions and evidence, indented.
fn write_text(report: &FileReport, out: &mut dyn Write) -> io::Result<()> {
    match &report.profile {
        Some(profile) => {
            let manager = report
                .package_manager
                .as_deref()
                .map(|pm| format!(" ({pm})"))
                .unwrap_or_default();
            writeln!(
                out,
                "{}: {profile}{manager}, confidence {:.2}, context {}",
                report.path, report.confidence, report.context
            )?;
        }
        None => {
            let reason = report.reason.as_deref().unwrap_or("no profile matched");
            writeln!(
                out,
                "{}: no profile: {reason} (context {})",
                report.path, report.context
            )?;
        }
    }
    if !report.versions.is_empty() {
        let versions: Vec<String> = report
            .versions
            .iter()
            .map(|(tool, version)| format!("{tool} {version}"))
            .collect();
        writeln!(out, "  versions: {}", versions.join(", "))?;
    }
    for line in &report.evidence {
        writeln!(out, "  - {line}")?;
    }
    Ok(())
}
