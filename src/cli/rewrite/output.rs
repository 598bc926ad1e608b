//! How the rewrite command shows its reports: the text lines (`Would rewrite:`, `Rewrote:`,
//! the reasons, decisions and warnings, the summary line), colored diffs, the JSON document,
//! and the findings SARIF and GitHub annotations are made of. Nothing here decides an exit
//! code or writes a file.

use super::{Done, FileReport};
use crate::cli::args::{Format, Mode, RewriteArgs};
use crate::cli::backend;
use crate::cli::input::Reported;
use crate::cli::walk::Input;
use crate::pipeline::{Decision, SkipCode, Status, Warning};
use crate::report::{Finding, FindingKind, Region};
use crate::{Error, ErrorKind};
use serde::Serialize;
use std::io::{self, Write};

/// Write the reports in the chosen format: results to `out`, notes and errors to `err`.
pub(super) fn show_reports(
    reports: &[FileReport],
    args: &RewriteArgs,
    mode: Mode,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    match args.format {
        Format::Json => {
            write_json(reports, out)?;
            write_errors(reports, err)?;
        }
        Format::Text => write_text(reports, args, mode, out, err)?,
        Format::Sarif | Format::Github => {
            let findings = findings(reports);
            if args.format == Format::Sarif {
                let tool = crate::report::sarif::Tool {
                    name: "restage",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                };
                crate::report::sarif::write_sarif(out, &tool, &findings)?;
            } else {
                crate::report::github::write_annotations(out, &findings)?;
            }
            write_errors(reports, err)?;
            if !args.quiet {
                writeln!(err, "{}", summary_line(&Summary::of(reports), mode))?;
            }
        }
    }
    out.flush()
}

/// Whether the reports will show unified diffs: JSON carries each file's, and text shows them
/// in the default mode and with `--check --diff`. SARIF, annotations, `--write` and `--check`
/// alone show none, so [`super::apply_outcome`] need not compute them.
pub(super) fn shows_diffs(args: &RewriteArgs, mode: Mode) -> bool {
    match args.format {
        Format::Json => true,
        Format::Text => text_shows_diffs(args, mode),
        Format::Sarif | Format::Github => false,
    }
}

/// Whether the text output prints diffs.
fn text_shows_diffs(args: &RewriteArgs, mode: Mode) -> bool {
    mode == Mode::Diff || (mode == Mode::Check && args.diff)
}

/// Where the SARIF rules point for help.
const INFORMATION_URI: &str = "https://crates.io/crates/restage";

/// One finding per file that would change (or changed), and per failed input.
fn findings(reports: &[FileReport]) -> Vec<Finding> {
    let mut found = Vec::new();
    for report in reports {
        match &report.result {
            Ok(done) if done.changed() => found.push(Finding {
                path: report.name.clone(),
                kind: FindingKind::SingleStage,
                region: done.from_region,
                message: why_message(done),
            }),
            Ok(_) => {}
            Err(error) => {
                let reported = Reported::new(&report.name, error);
                let kind = if error.kind == ErrorKind::Parse && reported.position.is_some() {
                    FindingKind::ParseError
                } else {
                    FindingKind::Failure
                };
                found.push(Finding {
                    path: report.name.clone(),
                    kind,
                    region: reported.position.map(|(l, c)| Region::point(l, c)),
                    message: reported.message,
                });
            }
        }
    }
    found
}

/// The message of a rewrite finding: what restage would do, then its decisions and warnings,
/// one per line.
fn why_message(done: &Done) -> String {
    let outcome = &done.outcome;
    let stages: Vec<&str> = outcome
        .plan
        .as_ref()
        .map(|p| p.stages.iter().map(|s| s.name.as_str()).collect())
        .unwrap_or_default();
    let mut message = if done.text_changed {
        let mut head = "Single-stage Dockerfile: restage would split it into stages".to_string();
        if !stages.is_empty() {
            head.push_str(&format!(" ({})", stages.join(", ")));
        }
        if let Some(profile) = &outcome.profile {
            head.push_str(&format!(" with the {profile} profile"));
        }
        head.push('.');
        head
    } else {
        "restage would add files beside this Dockerfile.".to_string()
    };
    for decision in &outcome.decisions {
        message.push_str(&format!("\n- {}: {}", decision.what, decision.why));
    }
    for file in &done.changed_files {
        message.push_str(&format!("\n- change {}", file.name));
    }
    for file in &done.new_files {
        message.push_str(&format!("\n- create {}", file.name));
    }
    for warning in &outcome.warnings {
        match warning.line {
            Some(line) => message.push_str(&format!(
                "\n- warning[{}] (line {line}): {}",
                warning.code, warning.message
            )),
            None => message.push_str(&format!(
                "\n- warning[{}]: {}",
                warning.code, warning.message
            )),
        }
    }
    message.push_str("\nRun `restage --write` on the file to apply, or `restage` to see the diff.");
    message
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
    /// The reason as a stable code.
    reason_code: Option<SkipCode>,
    profile: Option<&'a str>,
    dockerfile: Option<&'a str>,
    diff: Option<String>,
    decisions: &'a [Decision],
    warnings: &'a [Warning],
    /// The runtime's hygiene, for a rewrite.
    #[serde(skip_serializing_if = "Option::is_none")]
    hygiene: Option<&'a crate::plan::Hygiene>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError>,
}

#[derive(Debug, Serialize)]
struct JsonError {
    message: String,
    line: Option<usize>,
    col: Option<usize>,
}

/// Counts over all inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
struct Summary {
    files: usize,
    rewritten: usize,
    unchanged: usize,
    skipped: usize,
    errors: usize,
}

impl Summary {
    fn of(reports: &[FileReport]) -> Summary {
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
                reason_code: done.outcome.reason_code,
                profile: done.outcome.profile.as_deref(),
                dockerfile: Some(&done.outcome.dockerfile),
                diff: Some(done.diff()),
                decisions: &done.outcome.decisions,
                warnings: &done.outcome.warnings,
                hygiene: done.outcome.hygiene.as_ref(),
                error: None,
            },
            Err(error) => {
                let reported = Reported::new(&report.name, error);
                JsonFile {
                    path: &report.name,
                    status: "error",
                    reason: None,
                    reason_code: None,
                    profile: None,
                    dockerfile: None,
                    diff: None,
                    decisions: &[],
                    warnings: &[],
                    hygiene: None,
                    error: Some(JsonError {
                        line: reported.position.map(|p| p.0),
                        col: reported.position.map(|p| p.1),
                        message: reported.message,
                    }),
                }
            }
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
    Reported::new(&report.name, error).line(&report.name)
}

fn write_text(
    reports: &[FileReport],
    args: &RewriteArgs,
    mode: Mode,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let show_diff = text_shows_diffs(args, mode);
    for report in reports {
        let done = match &report.result {
            Err(error) => {
                writeln!(err, "{}", error_line(report, error))?;
                continue;
            }
            Ok(done) => done,
        };
        if done.changed() {
            if mode == Mode::Write && done.from_stdin {
                out.write_all(done.outcome.dockerfile.as_bytes())?;
            } else if show_diff {
                backend::write_colored_diff(&done.diff(), out)?;
            } else if !args.quiet {
                match mode {
                    Mode::Check => writeln!(out, "Would rewrite: {}", report.name)?,
                    Mode::Write => {
                        match (&done.written_through, done.text_changed) {
                            (Some(target), true) => writeln!(
                                out,
                                "Rewrote: {} (through the symlink, in {})",
                                report.name,
                                target.display()
                            )?,
                            (None, true) => writeln!(out, "Rewrote: {}", report.name)?,
                            _ => {}
                        }
                        for file in &done.changed_files {
                            writeln!(out, "Changed: {}", file.name)?;
                        }
                        for file in &done.new_files {
                            writeln!(out, "Created: {}", file.name)?;
                        }
                    }
                    Mode::Diff => {}
                }
            }
        } else if mode == Mode::Write && done.from_stdin {
            // Like formatters: `--write -` echoes the (unchanged) input.
            out.write_all(done.outcome.dockerfile.as_bytes())?;
        }
        if !args.quiet && mode != Mode::Check {
            write_why(report, done, err)?;
        }
    }
    if !args.quiet {
        let summary = summary_line(&Summary::of(reports), mode);
        // Diffs keep stdout a clean patch (and stdin's output a clean file): the summary goes
        // with the notes on stderr. So does "no Dockerfiles found", which is not a result.
        if mode == Mode::Diff
            || show_diff
            || reports.is_empty()
            || reports.iter().any(|r| r.key == Input::Stdin)
        {
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
        Status::Rewritten if done.changed() => {
            let profile = outcome.profile.as_deref().unwrap_or("no profile");
            writeln!(err, "{}: rewritten ({profile})", report.name)?;
            for decision in &outcome.decisions {
                writeln!(err, "  - {}: {}", decision.what, decision.why)?;
            }
            if let Some(hygiene) = &outcome.hygiene {
                writeln!(err, "  {}", hygiene_line(hygiene))?;
            }
        }
        Status::Rewritten | Status::Unchanged => {}
    }
    for warning in &outcome.warnings {
        match warning.line {
            Some(line) => writeln!(
                err,
                "{}:{line}: warning[{}]: {}",
                report.name, warning.code, warning.message
            )?,
            None => writeln!(
                err,
                "{}: warning[{}]: {}",
                report.name, warning.code, warning.message
            )?,
        }
    }
    Ok(())
}

/// The runtime hygiene of a rewrite in one line: each check, then what failed.
fn hygiene_line(hygiene: &crate::plan::Hygiene) -> String {
    let mark = |ok: bool| if ok { "yes" } else { "no" };
    let mut line = format!(
        "runtime hygiene: non-root {}, no build tools {}, no secret files {}",
        mark(hygiene.runs_non_root),
        mark(hygiene.no_build_tools),
        mark(hygiene.no_secret_files)
    );
    if !hygiene.findings.is_empty() {
        line.push_str(&format!(" ({})", hygiene.findings.join("; ")));
    }
    line
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `1 file would be rewritten, 2 unchanged, 1 skipped, 1 error`.
fn summary_line(summary: &Summary, mode: Mode) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines() {
        let summary = Summary {
            files: 4,
            rewritten: 1,
            unchanged: 1,
            skipped: 1,
            errors: 1,
        };
        assert_eq!(
            summary_line(&summary, Mode::Check),
            "1 file would be rewritten, 1 unchanged, 1 skipped, 1 error"
        );
        let summary = Summary {
            files: 2,
            rewritten: 2,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&summary, Mode::Write),
            "2 files rewritten, 0 unchanged"
        );
        assert_eq!(
            summary_line(&Summary::default(), Mode::Diff),
            "no Dockerfiles found"
        );
    }

    #[test]
    fn hygiene_lines_name_each_check_then_what_failed() {
        let mut hygiene = crate::plan::Hygiene {
            runs_non_root: true,
            no_build_tools: false,
            no_secret_files: true,
            findings: Vec::new(),
        };
        assert_eq!(
            hygiene_line(&hygiene),
            "runtime hygiene: non-root yes, no build tools no, no secret files yes"
        );
        hygiene.findings = vec!["gcc in runtime".into(), "make in runtime".into()];
        assert!(
            hygiene_line(&hygiene).ends_with(" (gcc in runtime; make in runtime)"),
            "{}",
            hygiene_line(&hygiene)
        );
    }

    #[test]
    fn statuses_are_named_as_the_json_shape_says() {
        assert_eq!(status_name(Status::Rewritten), "rewritten");
        assert_eq!(status_name(Status::Unchanged), "unchanged");
        assert_eq!(status_name(Status::Skipped), "skipped");
        assert_eq!(plural(1, "error"), "1 error");
        assert_eq!(plural(0, "file"), "0 files");
    }
}
