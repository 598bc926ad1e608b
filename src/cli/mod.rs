//! The command-line interface: clap flags ([`args`]), modes, exit codes ([`ExitStatus`]), the
//! gitignore-aware walk, and parallel processing with rayon.
//!
//! [`run`] is the whole program behind `main`: it takes the arguments and the three standard
//! streams as handles, so tests can drive it in-process. It never exits and never panics on a
//! closed pipe: a write that fails with `BrokenPipe` ends the output quietly, and the exit code is
//! still the verdict of the run (so `--check` that found files to rewrite exits 1).

pub mod args;
mod backend;
pub mod config;
mod detect;
mod engines;
mod exit;
mod generated;
mod input;
mod parse;
mod profiles;
mod rewrite;
pub mod verify;
pub mod walk;

pub use args::{Cli, ColorWhen, Command, Format, Mode};
pub use exit::ExitStatus;

use anstream::AutoStream;
use anstream::stream::{AsLockedWrite, RawStream};
use clap::Parser;
use input::Stdin;
use std::ffi::OsString;
use std::io::{self, Read, Write};

/// Run restage with `args` (the program name first, as in `std::env::args_os()`).
///
/// `stdin` is read only when an input is `-`. `out` and `err` get colour according to
/// `--color` (on a terminal only by default, and never with `NO_COLOR`).
pub fn run<I, T, O, E>(args: I, stdin: &mut dyn Read, out: O, err: E) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
    O: RawStream + AsLockedWrite,
    E: RawStream + AsLockedWrite,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => return clap_error(&error, out, err),
    };
    let choice = color_of(&cli).choice();
    let mut out = AutoStream::new(out, choice);
    let mut err = AutoStream::new(err, choice);
    let stdin = needs_stdin(&cli).then(|| read_stdin(stdin, stdin_name(&cli)));
    let result = match &cli.command {
        None => rewrite::run(&cli.rewrite, stdin.as_ref(), &mut out, &mut err),
        Some(Command::Parse(args)) => parse::run(args, stdin.as_ref(), &mut out, &mut err),
        Some(Command::Detect(args)) => detect::run(args, stdin.as_ref(), &mut out, &mut err),
        Some(Command::Profiles(args)) => profiles::run(args, &mut out, &mut err),
        Some(Command::Verify(args)) => verify::run(args, &mut out, &mut err),
        Some(Command::Config(args)) => config::run_command(args, &mut out, &mut err),
        Some(Command::Completions(args)) => generated::completions(args.shell, &mut out),
        Some(Command::Manpage(args)) => generated::manpage(args.dir.as_deref(), &mut out),
    };
    finish(result, &mut err)
}

/// Help and version go to stdout with exit 0; usage errors to stderr with exit 2.
fn clap_error<O: RawStream + AsLockedWrite, E: RawStream + AsLockedWrite>(
    error: &clap::Error,
    out: O,
    err: E,
) -> ExitStatus {
    let rendered = error.render().ansi().to_string();
    // A failed write (e.g. `restage --help | head -1`) changes nothing: the status stays.
    let _ = if error.use_stderr() {
        AutoStream::auto(err).write_all(rendered.as_bytes())
    } else {
        AutoStream::auto(out).write_all(rendered.as_bytes())
    };
    if error.exit_code() == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    }
}

/// Map a failed write on our own streams to an exit status: a closed pipe is not an error.
fn finish(result: io::Result<ExitStatus>, err: &mut dyn Write) -> ExitStatus {
    match result {
        Ok(status) => status,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitStatus::Success,
        Err(error) => {
            let _ = writeln!(err, "restage: cannot write output: {error}");
            ExitStatus::Error
        }
    }
}

fn color_of(cli: &Cli) -> ColorWhen {
    match &cli.command {
        None => cli.rewrite.color,
        Some(Command::Parse(args)) => args.color,
        Some(Command::Detect(args)) => args.color,
        Some(Command::Profiles(args)) => args.color,
        Some(Command::Verify(_))
        | Some(Command::Config(_))
        | Some(Command::Completions(_))
        | Some(Command::Manpage(_)) => ColorWhen::Auto,
    }
}

fn needs_stdin(cli: &Cli) -> bool {
    let dash = |p: &std::path::PathBuf| p.as_os_str() == "-";
    match &cli.command {
        None => cli.rewrite.paths.iter().any(dash),
        Some(Command::Parse(args)) => dash(&args.file),
        Some(Command::Detect(args)) => args.paths.iter().any(dash),
        _ => false,
    }
}

fn stdin_name(cli: &Cli) -> Option<std::path::PathBuf> {
    match &cli.command {
        None => cli.rewrite.stdin_filename.clone(),
        Some(Command::Detect(args)) => args.stdin_filename.clone(),
        _ => None,
    }
}

fn read_stdin(stdin: &mut dyn Read, name: Option<std::path::PathBuf>) -> Stdin {
    // One byte past the cap is enough for SourceFile to say the input is too large.
    let cap = crate::source::DEFAULT_MAX_FILE_SIZE.saturating_add(1);
    let mut bytes = Vec::new();
    let bytes = match stdin.take(cap).read_to_end(&mut bytes) {
        Ok(_) => Ok(bytes),
        Err(error) => Err(format!("cannot read stdin: {error}")),
    };
    Stdin { name, bytes }
}

/// Map the inputs on all cores, or on this thread when there is only one (starting rayon's
/// pool costs more than a whole single-file run).
pub(crate) fn map_inputs<I: Sync, T: Send>(
    inputs: &[I],
    f: impl Fn(&I) -> T + Sync + Send,
) -> Vec<T> {
    use rayon::prelude::*;
    if inputs.len() < 2 {
        inputs.iter().map(f).collect()
    } else {
        inputs.par_iter().map(f).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stdout whose reader has gone away.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    fn run_with(args: &[&str], stdin: &str) -> (ExitStatus, String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let argv = std::iter::once("restage").chain(args.iter().copied());
        let status = run(argv, &mut stdin.as_bytes(), &mut out, &mut err);
        (
            status,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn closed_stdout_is_success() {
        let out: Box<dyn Write> = Box::new(ClosedPipe);
        let mut err = Vec::new();
        let status = run(
            ["restage", "parse", "-"],
            &mut "FROM alpine\nRUN true\n".as_bytes(),
            out,
            &mut err,
        );
        assert_eq!(status, ExitStatus::Success);
        assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
    }

    #[test]
    fn other_write_errors_are_errors() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let out: Box<dyn Write> = Box::new(Full);
        let mut err = Vec::new();
        let status = run(
            ["restage", "parse", "-"],
            &mut "FROM a\n".as_bytes(),
            out,
            &mut err,
        );
        assert_eq!(status, ExitStatus::Error);
        assert!(String::from_utf8_lossy(&err).contains("disk full"));
    }

    #[test]
    fn oversized_stdin_is_an_input_error() {
        let mut endless = io::repeat(b'#');
        let mut out = Vec::new();
        let mut err = Vec::new();
        let status = run(["restage", "parse", "-"], &mut endless, &mut out, &mut err);
        assert_eq!(status, ExitStatus::Error);
        let err = String::from_utf8(err).unwrap();
        assert!(err.starts_with("-: "), "{err}");
        assert!(out.is_empty());
    }

    #[test]
    fn in_process_parse_from_stdin() {
        let (status, out, err) = run_with(&["parse", "-"], "FROM alpine\nRUN a \\\n b\n");
        assert_eq!(status, ExitStatus::Success, "{err}");
        assert_eq!(out, "1    FROM\n2-3  RUN   [shell]\n");
    }

    #[test]
    fn usage_error_is_2_and_help_is_0() {
        let (status, out, err) = run_with(&["--nope"], "");
        assert_eq!(status, ExitStatus::Error);
        assert!(out.is_empty());
        assert!(
            err.starts_with("error: unexpected argument '--nope'"),
            "{err}"
        );
        let (status, out, _) = run_with(&["--help"], "");
        assert_eq!(status, ExitStatus::Success);
        assert!(out.contains("Usage: restage"));
        assert!(!out.contains('\u{1b}'), "a Vec is not a terminal");
    }
}
