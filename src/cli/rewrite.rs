//! The rewrite command (`restage [OPTIONS] [PATH]...`): find the files, rewrite them in parallel,
//! then report in path order and pick the exit code.

use super::args::{Format, Mode, RewriteArgs};
use super::backend;
use super::exit::ExitStatus;
use super::input::{self, Loaded, Stdin, display_path};
use super::walk::{self, Input};
use crate::pipeline::{self, Decision, Outcome, Status, Warning};
use crate::{Error, ErrorKind};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What happened to one input.
#[derive(Debug)]
pub struct FileReport {
    /// Sort key: the input as discovered.
    pub key: Input,
    /// The name shown to the user.
    pub name: String,
    pub result: Result<Done, Error>,
}

/// A file the pipeline got through.
#[derive(Debug)]
pub struct Done {
    pub outcome: Outcome,
    /// Whether anything would change (the Dockerfile text, or a new file to create).
    pub changed: bool,
    /// The unified diff of every change (Dockerfile first, then new files), uncoloured.
    pub diff: String,
    /// New files proposed by the outcome that do not exist yet, with where they would go.
    pub new_files: Vec<(PathBuf, String)>,
    /// Whether this is stdin (`--write` then prints the result instead of writing).
    pub from_stdin: bool,
}

/// Run the rewrite command.
pub fn run(
    args: &RewriteArgs,
    stdin: Option<&Stdin>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let mode = args.mode();
    let discovered = walk::discover(&args.paths);
    let options = pipeline::Options {
        profiles_dir: args.profiles_dir.clone(),
        templates_dir: args.templates_dir.clone(),
        file_name: None,
    };

    let mut reports: Vec<FileReport> = discovered
        .inputs
        .par_iter()
        .map(|input| process(input, stdin, args, mode, &options))
        .collect();
    for error in discovered.errors {
        let path = error.path.clone().unwrap_or_default();
        reports.push(FileReport {
            key: Input::File(path.clone()),
            name: display_path(&path),
            result: Err(error),
        });
    }
    reports.sort_by(|a, b| a.key.cmp(&b.key));

    let status = exit_status(&reports, mode);
    match args.format {
        Format::Json => {
            write_json(&reports, out)?;
            write_errors(&reports, err)?;
        }
        Format::Text => write_text(&reports, args, mode, out, err)?,
    }
    out.flush()?;
    Ok(status)
}

/// 2 if anything failed; else 1 when `--check` found a change; else 0.
pub fn exit_status(reports: &[FileReport], mode: Mode) -> ExitStatus {
    reports
        .iter()
        .map(|report| match &report.result {
            Err(_) => ExitStatus::Error,
            Ok(done) if done.changed && mode == Mode::Check => ExitStatus::Failure,
            Ok(_) => ExitStatus::Success,
        })
        .fold(ExitStatus::Success, ExitStatus::worst)
}

fn process(
    input: &Input,
    stdin: Option<&Stdin>,
    args: &RewriteArgs,
    mode: Mode,
    options: &pipeline::Options,
) -> FileReport {
    let name = input::input_name(input, stdin);
    let result = input::load(input, stdin).and_then(|loaded| {
        let mut options = options.clone();
        options.file_name = Some(loaded.name.clone());
        rewrite_one(&loaded, args.context.as_deref(), mode, &options)
    });
    FileReport {
        key: input.clone(),
        name,
        result,
    }
}

fn rewrite_one(
    loaded: &Loaded,
    context: Option<&Path>,
    mode: Mode,
    options: &pipeline::Options,
) -> Result<Done, Error> {
    let tree = crate::syntax::parse(&loaded.text);
    if let Some(first) = tree.errors.first() {
        return Err(Error::new(ErrorKind::Parse, first.message.clone())
            .with_path(&loaded.name)
            .at(first.line, first.col));
    }
    let context_dir = context.map_or_else(|| loaded.dir.clone(), Path::to_path_buf);
    let ctx = backend::context(&context_dir)?;
    let outcome = pipeline::rewrite(&loaded.text, &*ctx, options).map_err(|mut e| {
        if e.path.is_none() {
            e.path = Some(PathBuf::from(&loaded.name));
        }
        e
    })?;

    let rewritten = outcome.status == Status::Rewritten;
    let text_changed = rewritten && outcome.dockerfile != loaded.text;
    let mut diff = String::new();
    if text_changed {
        diff.push_str(&backend::diff(
            &loaded.text,
            &outcome.dockerfile,
            &loaded.name,
        ));
    }
    let mut new_files = Vec::new();
    if rewritten {
        for file in &outcome.new_files {
            let path = context_dir.join(&file.path);
            if path.exists() {
                continue;
            }
            diff.push_str(&backend::new_file_diff(
                &file.content,
                &display_path(input_clean(&path)),
            ));
            new_files.push((path, file.content.clone()));
        }
    }
    let changed = text_changed || !new_files.is_empty();
    let from_stdin = loaded.path.is_none();

    if mode == Mode::Write && changed {
        if let Some(path) = &loaded.path {
            if text_changed {
                backend::write(path, &outcome.dockerfile)?;
            }
            for (path, content) in &new_files {
                backend::write(path, content)?;
            }
        }
    }
    Ok(Done {
        outcome,
        changed,
        diff,
        new_files,
        from_stdin,
    })
}

fn input_clean(path: &Path) -> &Path {
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest,
        _ => path,
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

/// The JSON document (shape fixed by issue 2).
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
    summary: Summary,
}

#[derive(Debug, Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    status: &'static str,
    reason: Option<&'a str>,
    profile: Option<&'a str>,
    dockerfile: Option<&'a str>,
    diff: Option<&'a str>,
    decisions: &'a [Decision],
    warnings: &'a [Warning],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError<'a>>,
}

#[derive(Debug, Serialize)]
struct JsonError<'a> {
    message: &'a str,
    line: Option<usize>,
    col: Option<usize>,
}

/// Counts over all inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub rewritten: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub errors: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut summary = Summary {
            files: reports.len(),
            ..Summary::default()
        };
        for report in reports {
            match &report.result {
                Err(_) => summary.errors += 1,
                Ok(done) => match done.outcome.status {
                    Status::Rewritten => summary.rewritten += 1,
                    Status::Unchanged => summary.unchanged += 1,
                    Status::Skipped => summary.skipped += 1,
                },
            }
        }
        summary
    }
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Rewritten => "rewritten",
        Status::Unchanged => "unchanged",
        Status::Skipped => "skipped",
    }
}

fn write_json(reports: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let files = reports
        .iter()
        .map(|report| match &report.result {
            Ok(done) => JsonFile {
                path: &report.name,
                status: status_name(done.outcome.status),
                reason: done.outcome.reason.as_deref(),
                profile: done.outcome.profile.as_deref(),
                dockerfile: Some(&done.outcome.dockerfile),
                diff: Some(&done.diff),
                decisions: &done.outcome.decisions,
                warnings: &done.outcome.warnings,
                error: None,
            },
            Err(error) => JsonFile {
                path: &report.name,
                status: "error",
                reason: None,
                profile: None,
                dockerfile: None,
                diff: None,
                decisions: &[],
                warnings: &[],
                error: Some(JsonError {
                    message: &error.message,
                    line: error.position.map(|p| p.0),
                    col: error.position.map(|p| p.1),
                }),
            },
        })
        .collect();
    let document = JsonReport {
        files,
        summary: Summary::of(reports),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

// ---------------------------------------------------------------------------------------------
// Text

fn write_errors(reports: &[FileReport], err: &mut dyn Write) -> io::Result<()> {
    for report in reports {
        if let Err(error) = &report.result {
            writeln!(err, "{}", error_line(report, error))?;
        }
    }
    Ok(())
}

/// `path:line:col: message`, with the path as the user wrote it.
fn error_line(report: &FileReport, error: &Error) -> String {
    if error.path.is_some() {
        error.to_string()
    } else {
        Error {
            kind: error.kind,
            path: Some(PathBuf::from(&report.name)),
            position: error.position,
            message: error.message.clone(),
        }
        .to_string()
    }
}

fn write_text(
    reports: &[FileReport],
    args: &RewriteArgs,
    mode: Mode,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let show_diff = mode == Mode::Diff || (mode == Mode::Check && args.diff);
    for report in reports {
        let done = match &report.result {
            Err(error) => {
                writeln!(err, "{}", error_line(report, error))?;
                continue;
            }
            Ok(done) => done,
        };
        if done.changed {
            if mode == Mode::Write && done.from_stdin {
                out.write_all(done.outcome.dockerfile.as_bytes())?;
            } else if show_diff {
                backend::write_colored_diff(&done.diff, out)?;
            } else if !args.quiet {
                match mode {
                    Mode::Check => writeln!(out, "Would rewrite: {}", report.name)?,
                    Mode::Write => {
                        writeln!(out, "Rewrote: {}", report.name)?;
                        for (path, _) in &done.new_files {
                            writeln!(out, "Created: {}", display_path(input_clean(path)))?;
                        }
                    }
                    Mode::Diff => {}
                }
            }
        } else if mode == Mode::Write && done.from_stdin {
            // Like formatters: `--write -` echoes the (unchanged) input.
            out.write_all(done.outcome.dockerfile.as_bytes())?;
        }
        if !args.quiet {
            write_why(report, done, err)?;
        }
    }
    if !args.quiet {
        let summary = summary_line(&Summary::of(reports), mode);
        // Diffs keep stdout a clean patch; the summary goes with the notes on stderr.
        if mode == Mode::Diff || show_diff || reports.iter().any(|r| r.key == Input::Stdin) {
            writeln!(err, "{summary}")?;
        } else {
            writeln!(out, "{summary}")?;
        }
    }
    Ok(())
}

/// Why a file was skipped or rewritten: the reason, the decisions and the warnings.
fn write_why(report: &FileReport, done: &Done, err: &mut dyn Write) -> io::Result<()> {
    let outcome = &done.outcome;
    match outcome.status {
        Status::Skipped => {
            let reason = outcome.reason.as_deref().unwrap_or("no reason given");
            writeln!(err, "{}: skipped: {reason}", report.name)?;
        }
        Status::Rewritten if done.changed => {
            let profile = outcome.profile.as_deref().unwrap_or("no profile");
            writeln!(err, "{}: rewritten ({profile})", report.name)?;
            for decision in &outcome.decisions {
                writeln!(err, "  - {}: {}", decision.what, decision.why)?;
            }
        }
        Status::Rewritten | Status::Unchanged => {}
    }
    for warning in &outcome.warnings {
        match warning.line {
            Some(line) => writeln!(err, "{}:{line}: warning: {}", report.name, warning.message)?,
            None => writeln!(err, "{}: warning: {}", report.name, warning.message)?,
        }
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `1 file would be rewritten, 2 unchanged, 1 skipped, 1 error`.
pub fn summary_line(summary: &Summary, mode: Mode) -> String {
    if summary.files == 0 {
        return "no Dockerfiles found".to_string();
    }
    let verb = match mode {
        Mode::Write => "rewritten",
        Mode::Diff | Mode::Check => "would be rewritten",
    };
    let mut parts = vec![format!("{} {verb}", plural(summary.rewritten, "file"))];
    parts.push(format!("{} unchanged", summary.unchanged));
    if summary.skipped > 0 {
        parts.push(format!("{} skipped", summary.skipped));
    }
    if summary.errors > 0 {
        parts.push(plural(summary.errors, "error"));
    }
    parts.join(", ")
}
