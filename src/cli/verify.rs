//! `restage verify [PATH]`: the end-to-end proof on a user's machine. It builds the original
//! Dockerfile and restage's rewrite of it with a container engine that is already installed,
//! compares the image sizes and build times, optionally runs a smoke command against both images,
//! and prints a table.
//!
//! restage never builds images itself: it shells out to the first engine that works, in this
//! order: `docker buildx` (with a reachable daemon), `podman`, `buildah` (or the one named with
//! `--engine`). The rewrite comes from [`crate::pipeline::rewrite`]; it is written to a temporary
//! file beside the original (so relative paths behave the same), built, and removed.
//!
//! # Entry point (wired by `src/cli`)
//! - [`VerifyArgs`]: the clap `Args` of the `verify` subcommand (`#[derive(clap::Args)]`).
//! - [`run`]`(args: &VerifyArgs, out: &mut dyn Write, err: &mut dyn Write) ->
//!   io::Result<ExitStatus>`: runs it and returns the status, as the other commands do (a closed
//!   pipe comes back as the error, which the CLI ends quietly). The table goes to `out`,
//!   progress and errors to `err`.
//! - [`run_with_path`]: the same, looking for engines in an explicit `PATH` value (for tests).
//!
//! # Exit codes
//! - **0**: both images built, the rewrite is no larger than the original, and the smoke outputs
//!   match (when asked). Also 0 when restage leaves the file unchanged: there is nothing to verify,
//!   and the output says so.
//! - **1**: a check failed: the rewrite did not build, is larger, or its smoke output differs.
//! - **2**: usage or input error, no engine available (with a message naming what was looked
//!   for), the original does not build, or restage could not rewrite the file.

use super::exit::ExitStatus;
use crate::pipeline::{self, Options, Status};
use crate::source::{FsContext, SourceFile};
use clap::{Args, ValueEnum};
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A container engine restage can drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineKind {
    /// `docker buildx build --load` (needs a running daemon).
    Docker,
    /// `podman build` / `podman run`.
    Podman,
    /// `buildah bud` (builds only: no `--smoke`/`--smoke-cmd`).
    Buildah,
}

impl EngineKind {
    const ALL: [EngineKind; 3] = [EngineKind::Docker, EngineKind::Podman, EngineKind::Buildah];

    fn program(self) -> &'static str {
        match self {
            EngineKind::Docker => "docker",
            EngineKind::Podman => "podman",
            EngineKind::Buildah => "buildah",
        }
    }

    fn can_run(self) -> bool {
        self != EngineKind::Buildah
    }
}

/// `restage verify`: build the original and the rewrite, compare sizes, smoke-test both.
#[derive(Clone, Debug, Args)]
pub struct VerifyArgs {
    /// The Dockerfile to verify, or a folder with a `Dockerfile` (or `Containerfile`) in it.
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,

    /// The build context [default: the Dockerfile's folder].
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// The engine to build with [default: the first that works of docker (buildx, with a
    /// daemon), podman, buildah].
    #[arg(long, value_enum, value_name = "ENGINE")]
    pub engine: Option<EngineKind>,

    /// A shell command run on the host against each image while it runs detached, retried until
    /// it succeeds or --timeout passes; its stdout must be the same for both images. `{port}` and
    /// `$RESTAGE_PORT` are the published host port, `{image}` and `$RESTAGE_IMAGE` the image.
    /// Example: --smoke "curl -fsS http://127.0.0.1:{port}/healthz"
    #[arg(long, value_name = "CMD")]
    pub smoke: Option<String>,

    /// The container port to publish for --smoke [default: the first EXPOSE of the original].
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Run a command inside each image (`<engine> run --rm IMAGE [CMD...]`; no CMD runs the
    /// image's own command). Stdout and exit code must be the same for both images. Takes the
    /// rest of the command line.
    #[arg(long = "smoke-cmd", value_name = "CMD", num_args = 0.., allow_hyphen_values = true)]
    pub smoke_cmd: Option<Vec<String>>,

    /// Seconds to wait for --smoke to succeed against a starting container.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,

    /// Keep the two images (tagged `restage-verify:before-<pid>` / `after-<pid>`) instead of removing
    /// them.
    #[arg(long)]
    pub keep_images: bool,
}

/// Run `restage verify`, looking for engines on this process's `PATH`.
pub fn run(args: &VerifyArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<ExitStatus> {
    run_with_path(args, std::env::var_os("PATH"), out, err)
}

/// [`run`], looking for engines in `path_var` (a `PATH`-style list) instead of this process's
/// `PATH`. Engines are run by absolute path, with `PATH` set to `path_var`.
pub fn run_with_path(
    args: &VerifyArgs,
    path_var: Option<OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let message = match verify(args, path_var.unwrap_or_default(), out, err) {
        Ok(status) => return Ok(status),
        // A closed pipe ends the output quietly; the CLI maps it to success.
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            return Err(error);
        }
        Err(Failure::Output(error)) => format!("cannot write output: {error}"),
        Err(Failure::Usage(message)) => message,
    };
    let _ = writeln!(err, "restage verify: {message}");
    Ok(ExitStatus::Error)
}

/// An early end, always exit code 2.
enum Failure {
    /// A usage or input error, no engine, or a build that cannot be compared: what to say.
    Usage(String),
    /// A write to our own output failed.
    Output(io::Error),
}

fn usage(message: impl Into<String>) -> Failure {
    Failure::Usage(message.into())
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
}

/// An engine found on PATH, ready to use.
struct Engine {
    kind: EngineKind,
    program: PathBuf,
    path_var: OsString,
}

impl Engine {
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.env("PATH", &self.path_var);
        cmd
    }

    fn output(&self, args: &[&OsStr]) -> io::Result<Output> {
        self.command().args(args).stdin(Stdio::null()).output()
    }

    fn build(&self, dockerfile: &Path, context: &Path, tag: &str) -> io::Result<Output> {
        let mut cmd = self.command();
        match self.kind {
            EngineKind::Docker => cmd.args(["buildx", "build", "--load"]),
            EngineKind::Podman => cmd.args(["build", "--layers"]),
            EngineKind::Buildah => cmd.args(["bud", "--layers"]),
        };
        cmd.arg("-f")
            .arg(dockerfile)
            .arg("-t")
            .arg(tag)
            .arg(context);
        cmd.stdin(Stdio::null()).output()
    }

    /// The image size in bytes.
    fn size(&self, tag: &str) -> Result<u64, String> {
        let out = match self.kind {
            EngineKind::Buildah => self.output(&[
                "images".as_ref(),
                "--format".as_ref(),
                "{{.Size}}".as_ref(),
                tag.as_ref(),
            ]),
            _ => self.output(&[
                "image".as_ref(),
                "inspect".as_ref(),
                "--format".as_ref(),
                "{{.Size}}".as_ref(),
                tag.as_ref(),
            ]),
        }
        .map_err(|e| format!("cannot run {}: {e}", self.kind.program()))?;
        if !out.status.success() {
            return Err(format!(
                "cannot read the size of {tag}: {}",
                last_lines(&out.stderr, 2)
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap_or("").trim();
        parse_size(first).ok_or_else(|| format!("cannot read the size of {tag} from {first:?}"))
    }

    fn remove(&self, tag: &str) {
        let _ = self.output(&["rmi".as_ref(), "-f".as_ref(), tag.as_ref()]);
    }
}

/// Sizes as engines print them: plain bytes (`12345`) or human units (`78.2 MB`, `1.1GB`, `900 kB`).
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(bytes) = text.parse::<u64>() {
        return Some(bytes);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some((number * factor).round() as u64)
}

/// The last `n` non-empty lines of an engine's output, for messages.
fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

/// `name` as an executable file in one of the folders of `path_var`.
fn find_in_path(name: &str, path_var: &OsStr) -> Option<PathBuf> {
    std::env::split_paths(path_var)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Whether `kind` is usable here, or why not.
fn probe(kind: EngineKind, path_var: &OsStr) -> Result<Engine, String> {
    let program = find_in_path(kind.program(), path_var)
        .ok_or_else(|| format!("`{}` is not on PATH", kind.program()))?;
    let engine = Engine {
        kind,
        program,
        path_var: path_var.to_os_string(),
    };
    if kind == EngineKind::Docker {
        let buildx = engine
            .output(&["buildx".as_ref(), "version".as_ref()])
            .map_err(|e| format!("cannot run docker: {e}"))?;
        if !buildx.status.success() {
            return Err("docker has no buildx plugin".into());
        }
        let info = engine
            .output(&[
                "version".as_ref(),
                "--format".as_ref(),
                "{{.Server.Version}}".as_ref(),
            ])
            .map_err(|e| format!("cannot run docker: {e}"))?;
        if !info.status.success() {
            return Err(format!(
                "docker cannot reach its daemon ({})",
                last_lines(&info.stderr, 1)
            ));
        }
    }
    Ok(engine)
}

fn choose_engine(wanted: Option<EngineKind>, path_var: &OsStr) -> Result<Engine, Failure> {
    if let Some(kind) = wanted {
        return probe(kind, path_var).map_err(|why| {
            usage(format!(
                "the {} engine is not available: {why}",
                kind.program()
            ))
        });
    }
    let mut reasons = Vec::new();
    for kind in EngineKind::ALL {
        match probe(kind, path_var) {
            Ok(engine) => return Ok(engine),
            Err(why) => reasons.push(why),
        }
    }
    Err(usage(format!(
        "no container engine found ({}). Install Docker with buildx, Podman or Buildah: restage \
         never builds images itself, it runs one of them.",
        reasons.join("; ")
    )))
}

/// The Dockerfile named by PATH: the file itself, or `Dockerfile`/`Containerfile` in a folder.
fn resolve_dockerfile(path: &Path) -> Result<PathBuf, Failure> {
    if path.is_dir() {
        for name in ["Dockerfile", "Containerfile", "dockerfile"] {
            let candidate = path.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        return Err(usage(format!(
            "{}: no Dockerfile or Containerfile in this folder",
            path.display()
        )));
    }
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    Err(usage(format!("{}: no such file or folder", path.display())))
}

/// The first port of the first `EXPOSE` instruction that names one (`EXPOSE 8080/tcp` →
/// 8080), read with the crate's parser: continuations, heredoc bodies and comments are not
/// instructions.
fn first_exposed_port(dockerfile: &str) -> Option<u16> {
    crate::syntax::parse(dockerfile)
        .instructions
        .iter()
        .filter(|ins| ins.is("EXPOSE"))
        .find_map(|ins| {
            ins.values()
                .iter()
                .find_map(|w| w.split('/').next()?.parse().ok())
        })
}

/// One image's results.
#[derive(Default)]
struct Side {
    build: Option<Duration>,
    size: Option<u64>,
    smoke: Option<SmokeResult>,
}

#[derive(Clone, PartialEq, Eq)]
struct SmokeResult {
    success: bool,
    stdout: String,
    detail: String,
}

fn verify(
    args: &VerifyArgs,
    path_var: OsString,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<ExitStatus, Failure> {
    if args.smoke.is_some() && args.smoke_cmd.is_some() {
        return Err(usage("--smoke and --smoke-cmd cannot be used together"));
    }
    let dockerfile = resolve_dockerfile(&args.path)?;
    let folder = dockerfile
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let context = args.context.clone().unwrap_or_else(|| folder.clone());
    if !context.is_dir() {
        return Err(usage(format!(
            "{}: the build context is not a folder",
            context.display()
        )));
    }

    let engine = choose_engine(args.engine, &path_var)?;
    let smoking = args.smoke.is_some() || args.smoke_cmd.is_some();
    if smoking && !engine.kind.can_run() {
        return Err(usage(
            "buildah builds images but cannot run them: --smoke and --smoke-cmd need podman or docker",
        ));
    }

    // The rewrite, from the library.
    let source = SourceFile::read(&dockerfile).map_err(|e| usage(e.to_string()))?;
    let ctx = FsContext::new(&context);
    let options = Options {
        file_name: Some(dockerfile.display().to_string()),
        ..Options::default()
    };
    let outcome =
        pipeline::rewrite(source.text(), &ctx, &options).map_err(|e| usage(e.to_string()))?;
    if outcome.status != Status::Rewritten || outcome.dockerfile == source.text() {
        let reason = outcome.reason.as_deref().unwrap_or("no rewrite applies");
        writeln!(
            out,
            "{}: restage leaves this Dockerfile unchanged ({reason}); nothing to verify",
            dockerfile.display()
        )?;
        return Ok(ExitStatus::Success);
    }

    let port = args.port.or_else(|| first_exposed_port(source.text()));
    if args.smoke.is_some() && port.is_none() {
        return Err(usage(
            "--smoke needs a port to publish: the Dockerfile has no EXPOSE, pass --port",
        ));
    }

    let pid = std::process::id();
    let before_tag = format!("localhost/restage-verify:before-{pid}");
    let after_tag = format!("localhost/restage-verify:after-{pid}");
    writeln!(
        err,
        "restage verify: using {} ({})",
        engine.kind.program(),
        engine.program.display()
    )?;

    let result = (|| -> Result<ExitStatus, Failure> {
        let mut before = Side::default();
        let mut after = Side::default();

        writeln!(
            err,
            "restage verify: building the original ({})",
            dockerfile.display()
        )?;
        let (elapsed, output) = timed(|| engine.build(&dockerfile, &context, &before_tag));
        let output =
            output.map_err(|e| usage(format!("cannot run {}: {e}", engine.kind.program())))?;
        if !output.status.success() {
            return Err(usage(format!(
                "the original Dockerfile does not build, so there is nothing to compare: {}",
                last_lines(&output.stderr, 3)
            )));
        }
        before.build = Some(elapsed);

        // The rewrite, beside the original; removed when `rewritten` drops.
        let rewritten = write_beside(&dockerfile, &outcome.dockerfile).map_err(|e| {
            usage(format!(
                "cannot write the rewrite beside {}: {e}",
                dockerfile.display()
            ))
        })?;
        writeln!(err, "restage verify: building the rewrite")?;
        let (elapsed, output) = timed(|| engine.build(rewritten.path(), &context, &after_tag));
        drop(rewritten);
        let output =
            output.map_err(|e| usage(format!("cannot run {}: {e}", engine.kind.program())))?;
        let mut problems: Vec<String> = Vec::new();
        if output.status.success() {
            after.build = Some(elapsed);
        } else {
            problems.push(format!(
                "the rewrite does not build: {}",
                last_lines(&output.stderr, 3)
            ));
        }

        before.size = Some(engine.size(&before_tag).map_err(usage)?);
        if after.build.is_some() {
            match engine.size(&after_tag) {
                Ok(size) => after.size = Some(size),
                Err(why) => problems.push(why),
            }
        }
        if let (Some(b), Some(a)) = (before.size, after.size)
            && a > b
        {
            problems.push(format!(
                "the rewrite is larger than the original ({a} > {b} bytes)"
            ));
        }

        if after.build.is_some() {
            if let Some(cmd) = &args.smoke_cmd {
                before.smoke = Some(smoke_inside(&engine, &before_tag, cmd));
                after.smoke = Some(smoke_inside(&engine, &after_tag, cmd));
            } else if let (Some(cmd), Some(port)) = (&args.smoke, port) {
                let timeout = Duration::from_secs(args.timeout);
                before.smoke = Some(smoke_host(&engine, &before_tag, port, cmd, timeout));
                after.smoke = Some(smoke_host(&engine, &after_tag, port, cmd, timeout));
            }
        }
        if let (Some(b), Some(a)) = (&before.smoke, &after.smoke) {
            if !b.success {
                problems.push(format!(
                    "the smoke test fails on the original: {}",
                    b.detail
                ));
            }
            if !a.success {
                problems.push(format!("the smoke test fails on the rewrite: {}", a.detail));
            }
            if b.success && a.success && b.stdout != a.stdout {
                problems.push(format!(
                    "the smoke output differs: original {:?}, rewrite {:?}",
                    clip(&b.stdout),
                    clip(&a.stdout)
                ));
            }
        }

        out.write_all(table(&dockerfile, engine.kind, &before, &after).as_bytes())?;
        for problem in &problems {
            writeln!(out, "FAIL: {problem}")?;
        }
        if problems.is_empty() {
            writeln!(
                out,
                "ok: the rewrite builds{}and is no larger",
                if before.smoke.is_some() {
                    ", behaves the same "
                } else {
                    " "
                }
            )?;
            Ok(ExitStatus::Success)
        } else {
            Ok(ExitStatus::Failure)
        }
    })();

    if !args.keep_images {
        engine.remove(&before_tag);
        engine.remove(&after_tag);
    }
    result
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let value = f();
    (start.elapsed(), value)
}

/// A temporary file next to `dockerfile`, holding `text`.
fn write_beside(dockerfile: &Path, text: &str) -> io::Result<tempfile::NamedTempFile> {
    let folder = match dockerfile.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = dockerfile
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("Dockerfile");
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}.restage-verify."))
        .tempfile_in(folder)?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    Ok(file)
}

fn clip(text: &str) -> String {
    let mut s: String = text.chars().take(120).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// `--smoke-cmd`: run the command inside the image.
fn smoke_inside(engine: &Engine, tag: &str, cmd: &[String]) -> SmokeResult {
    let mut command = engine.command();
    command
        .args(["run", "--rm", tag])
        .args(cmd)
        .stdin(Stdio::null());
    match command.output() {
        Ok(output) => SmokeResult {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            detail: format!("{}; {}", output.status, last_lines(&output.stderr, 2)),
        },
        Err(e) => SmokeResult {
            success: false,
            stdout: String::new(),
            detail: format!("cannot run {}: {e}", engine.kind.program()),
        },
    }
}

/// `--smoke`: start the image detached with `port` published, then run `cmd` on the host until it
/// succeeds or `timeout` passes.
fn smoke_host(engine: &Engine, tag: &str, port: u16, cmd: &str, timeout: Duration) -> SmokeResult {
    let fail = |detail: String| SmokeResult {
        success: false,
        stdout: String::new(),
        detail,
    };
    let started = engine.output(&[
        "run".as_ref(),
        "-d".as_ref(),
        "-p".as_ref(),
        format!("127.0.0.1::{port}").as_ref(),
        tag.as_ref(),
    ]);
    let id = match started {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        Ok(o) => return fail(format!("cannot start {tag}: {}", last_lines(&o.stderr, 2))),
        Err(e) => return fail(format!("cannot run {}: {e}", engine.kind.program())),
    };
    let result = (|| {
        let mapped = engine
            .output(&["port".as_ref(), id.as_ref(), format!("{port}/tcp").as_ref()])
            .map_err(|e| e.to_string())?;
        let host_port = String::from_utf8_lossy(&mapped.stdout)
            .lines()
            .find_map(|l| {
                l.trim()
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse::<u16>().ok())
            })
            .ok_or_else(|| {
                format!(
                    "cannot find the host port for {port}: {}",
                    last_lines(&mapped.stderr, 1)
                )
            })?;
        let script = cmd
            .replace("{port}", &host_port.to_string())
            .replace("{image}", tag);
        let deadline = Instant::now() + timeout;
        loop {
            let output = Command::new("sh")
                .arg("-c")
                .arg(&script)
                .env("RESTAGE_PORT", host_port.to_string())
                .env("RESTAGE_IMAGE", tag)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run sh: {e}"))?;
            if output.status.success() {
                return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "`{script}` still fails after {} s: {}",
                    timeout.as_secs(),
                    last_lines(&output.stderr, 2)
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    })();
    let _ = engine.output(&["rm".as_ref(), "-f".as_ref(), id.as_ref()]);
    match result {
        Ok(stdout) => SmokeResult {
            success: true,
            stdout,
            detail: String::new(),
        },
        Err(detail) => fail(detail),
    }
}

fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} kB", b / 1e3)
    }
}

fn secs(d: Option<Duration>) -> String {
    d.map_or_else(
        || "failed".to_string(),
        |d| format!("{:.1} s", d.as_secs_f64()),
    )
}

fn table(dockerfile: &Path, kind: EngineKind, before: &Side, after: &Side) -> String {
    let mut rows: Vec<[String; 3]> = vec![
        ["".into(), "original".into(), "rewritten".into()],
        [
            "image size".into(),
            before.size.map_or("-".into(), human),
            match (before.size, after.size) {
                (Some(b), Some(a)) if b > 0 => {
                    let pct = a as f64 * 100.0 / b as f64;
                    if pct < 10.0 {
                        format!("{} ({pct:.1}%)", human(a))
                    } else {
                        format!("{} ({pct:.0}%)", human(a))
                    }
                }
                (_, Some(a)) => human(a),
                _ => "-".into(),
            },
        ],
        ["build time".into(), secs(before.build), secs(after.build)],
    ];
    if let (Some(b), Some(a)) = (&before.smoke, &after.smoke) {
        let show = |s: &SmokeResult| {
            if s.success {
                "ok".to_string()
            } else {
                "failed".to_string()
            }
        };
        let same = if b.success && a.success && b.stdout == a.stdout {
            " (same output)"
        } else {
            ""
        };
        rows.push(["smoke".into(), show(b), format!("{}{same}", show(a))]);
    }
    let w0 = rows.iter().map(|r| r[0].chars().count()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r[1].chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    let _ = writeln!(text, "{} ({})", dockerfile.display(), kind.program());
    for row in rows {
        let _ = writeln!(text, "  {:<w0$}  {:<w1$}  {}", row[0], row[1], row[2]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_bytes_and_units() {
        assert_eq!(parse_size("12345"), Some(12345));
        assert_eq!(parse_size("78.2 MB"), Some(78_200_000));
        assert_eq!(parse_size("1.5GB"), Some(1_500_000_000));
        assert_eq!(parse_size("900 kB"), Some(900_000));
        assert_eq!(parse_size("2 MiB"), Some(2 * 1024 * 1024));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("3 parsecs"), None);
    }

    #[test]
    fn exposed_port() {
        assert_eq!(
            first_exposed_port("FROM a\nexpose 8080/tcp 9090\n"),
            Some(8080)
        );
        assert_eq!(
            first_exposed_port("FROM a\nEXPOSE $PORT 3000\n"),
            Some(3000)
        );
        assert_eq!(first_exposed_port("FROM a\nCMD x\n"), None);
        // Instructions as the parser reads them, not lines that look like one.
        assert_eq!(
            first_exposed_port("FROM a\nRUN echo \\\n EXPOSE 1\nEXPOSE \\\n  8000\n"),
            Some(8000)
        );
        assert_eq!(
            first_exposed_port("FROM a\nRUN <<EOF\nEXPOSE 1\nEOF\n# EXPOSE 2\nEXPOSE 3\n"),
            Some(3)
        );
        assert_eq!(
            first_exposed_port("# escape=`\nFROM a\nEXPOSE `\n 4000/udp\n"),
            Some(4000)
        );
        assert_eq!(first_exposed_port("FROM a\nEXPOSE $PORT\n"), None);
    }

    #[test]
    fn table_shows_ratio_and_times() {
        let before = Side {
            build: Some(Duration::from_millis(31_200)),
            size: Some(290_000_000),
            smoke: None,
        };
        let after = Side {
            build: Some(Duration::from_millis(13_000)),
            size: Some(78_000_000),
            smoke: None,
        };
        let t = table(
            Path::new("app/Dockerfile"),
            EngineKind::Podman,
            &before,
            &after,
        );
        assert!(t.starts_with("app/Dockerfile (podman)\n"), "{t}");
        assert!(t.contains("290.0 MB"), "{t}");
        assert!(t.contains("78.0 MB (27%)"), "{t}");
        assert!(t.contains("31.2 s"), "{t}");
        assert!(t.contains("13.0 s"), "{t}");
        let tiny = Side {
            size: Some(2_100_000),
            ..Side::default()
        };
        let t = table(Path::new("Dockerfile"), EngineKind::Buildah, &before, &tiny);
        assert!(t.contains("2.1 MB (0.7%)"), "{t}");
        assert!(t.contains("failed"), "no build time: {t}");
    }
}
