//! The rewrite command (`restage [OPTIONS] [PATH]...`): find the files, rewrite them in parallel,
//! then report in path order (in [`output`]) and pick the exit code.
//!
//! Where output goes (results on stdout, everything else on stderr):
//! - default (diff): stdout is a patch `git apply` accepts (the Dockerfiles' diffs, then any new
//!   files'); stderr gets, per file, why it was rewritten or skipped and its warnings, then a
//!   summary line.
//! - `--check`: stdout gets `Would rewrite: <path>` per file (or the diffs with `--diff`) and the
//!   summary.
//! - `--write`: stdout gets `Rewrote: <path>` / `Created: <path>` and the summary; with `-`, the
//!   new text itself (like a formatter).
//! - `--format json`: stdout is one document, `{"files": [...], "summary": {...}}`.
//! - Errors, always on stderr: `path:line:col: message` (or `path: message`). `--quiet` drops
//!   everything else except what was asked for (diffs, JSON, stdin's new text).
//!
//! Exit code: 2 if any input failed, else 1 if `--check` found a change, else 0.

mod output;

use super::args::{Mode, RewriteArgs};
use super::backend;
use super::config::Resolver;
use super::engines::Engines;
use super::exit::ExitStatus;
use super::input::{self, Loaded, Stdin, display_path};
use super::walk::{self, Input};
use crate::pipeline::{self, Decision, Outcome, SkipCode, Status};
use crate::report::Region;
use crate::source::FsContext;
use crate::{Error, ErrorKind};
use output::show_reports;
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
    /// Whether the Dockerfile's text changes.
    pub text_changed: bool,
    /// The Dockerfile's unified diff, uncoloured (empty when unchanged, or when the output
    /// shows no diffs: see [`Diffs`]).
    pub dockerfile_diff: String,
    /// New files proposed by the outcome that do not exist yet and that no earlier file (in
    /// path order) already proposed.
    pub new_files: Vec<NewFileChange>,
    /// Existing files the outcome proposes to change (a compose file's build target), that no
    /// earlier file (in path order) already changes.
    pub changed_files: Vec<NewFileChange>,
    /// Whether this is stdin (`--write` then prints the result instead of writing).
    pub from_stdin: bool,
    /// The original FROM line (for SARIF and annotations).
    pub from_region: Option<Region>,
    /// Under `--write`, the file really written when the path was a symlink to it.
    pub written_through: Option<PathBuf>,
}

/// A file to create beside a Dockerfile (e.g. `.dockerignore`), or an existing one to change
/// (a compose file).
#[derive(Clone, Debug)]
pub struct NewFileChange {
    /// Where it goes.
    pub path: PathBuf,
    /// How it is shown (`svc/.dockerignore`).
    pub name: String,
    pub content: String,
    /// For a change, the text it was read with: `--write` writes only over that same text.
    pub original: Option<String>,
    /// Its diff (empty when the output shows no diffs: see [`Diffs`]).
    pub diff: String,
    /// The file however its path is spelled, so that two inputs proposing it are seen to.
    pub identity: FileIdentity,
}

/// A file to be written, the same however its path is spelled: its folder as the file system
/// knows it (device and inode on Unix, else its canonical path) and its name. Taken in the
/// parallel phase, with one `stat` of the folder instead of a canonical path per file (a
/// `getcwd` and a `readlink` per path component) in the serial one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileIdentity {
    folder: FolderIdentity,
    name: Option<std::ffi::OsString>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum FolderIdentity {
    #[cfg(unix)]
    Inode { dev: u64, ino: u64 },
    /// The canonical folder; or, when it cannot be looked at, the path as given.
    Path(PathBuf),
}

impl FileIdentity {
    fn of(path: &Path) -> FileIdentity {
        let folder = input::parent_dir(path);
        let name = path.file_name().map(|name| name.to_os_string());
        FileIdentity {
            folder: FolderIdentity::of(&folder)
                .unwrap_or_else(|| FolderIdentity::Path(path.to_path_buf())),
            name,
        }
    }
}

impl FolderIdentity {
    #[cfg(unix)]
    fn of(folder: &Path) -> Option<FolderIdentity> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(folder).ok()?;
        Some(FolderIdentity::Inode {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    #[cfg(not(unix))]
    fn of(folder: &Path) -> Option<FolderIdentity> {
        std::fs::canonicalize(folder).ok().map(FolderIdentity::Path)
    }
}

/// Whether [`apply_outcome`] computes unified diffs. Only the default mode, `--check --diff`
/// and JSON show them; a `--check` run without them (CI's usual call) would spend ~10% of its
/// instructions on diffs nobody sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Diffs {
    Compute,
    Skip,
}

impl Done {
    /// Whether anything would change: the Dockerfile, or a file to create.
    pub fn changed(&self) -> bool {
        self.text_changed || !self.new_files.is_empty() || !self.changed_files.is_empty()
    }

    /// The whole patch: the Dockerfile's diff, then the changed files', then the new files'.
    pub fn diff(&self) -> String {
        let mut diff = self.dockerfile_diff.clone();
        for file in self.changed_files.iter().chain(&self.new_files) {
            diff.push_str(&file.diff);
        }
        diff
    }
}

/// Run the rewrite command.
pub fn run(
    args: &RewriteArgs,
    stdin: Option<&Stdin>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let mode = args.mode();
    let options = pipeline::Options {
        profiles_dir: args.profiles_dir.clone(),
        templates_dir: args.templates_dir.clone(),
        file_name: None,
        ..pipeline::Options::default()
    };
    // Profiles and templates are loaded once for all files, beside the walk of a folder (the
    // two are independent; for single files the walk is nothing, and a thread pool costs more).
    let load = || pipeline::Engine::load(&options);
    let (discovered, engine) = if walk::walks_a_folder(&args.paths) {
        rayon::join(|| walk::discover(&args.paths), load)
    } else {
        (walk::discover(&args.paths), load())
    };
    let engine = match engine {
        Ok(engine) => engine,
        Err(error) => {
            writeln!(err, "{error}")?;
            return Ok(ExitStatus::Error);
        }
    };

    let resolver = Resolver::new(args.config.as_deref());
    if let Some(error) = resolver.explicit_error() {
        writeln!(err, "restage: --config: {error}")?;
        return Ok(ExitStatus::Error);
    }
    let engines = Engines::new(&engine, &options);
    let diffs = if output::shows_diffs(args, mode) {
        Diffs::Compute
    } else {
        Diffs::Skip
    };
    let run = Run {
        args,
        mode,
        diffs,
        engines: &engines,
        options: &options,
        resolver: &resolver,
    };
    let mut reports: Vec<FileReport> =
        super::map_inputs(&discovered.inputs, |input| process(input, stdin, &run));
    for error in discovered.errors {
        let path = error.path.clone().unwrap_or_default();
        reports.push(FileReport {
            key: Input::File(path.clone()),
            name: display_path(&path),
            result: Err(error),
        });
    }
    reports.sort_by(|a, b| a.key.cmp(&b.key));
    settle_new_files(&mut reports, mode);

    let status = exit_status(&reports, mode);
    // The status is settled before anything is shown: a reader that closes the pipe early
    // (`restage --check . | head -1`) ends the output, not the verdict.
    match show_reports(&reports, args, mode, out, err) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(status),
        Err(error) => Err(error),
        Ok(()) => Ok(status),
    }
}

/// 2 if anything failed; else 1 when `--check` found a change; else 0.
pub fn exit_status(reports: &[FileReport], mode: Mode) -> ExitStatus {
    reports
        .iter()
        .map(|report| match &report.result {
            Err(_) => ExitStatus::Error,
            Ok(done) if done.changed() && mode == Mode::Check => ExitStatus::Failure,
            Ok(_) => ExitStatus::Success,
        })
        .fold(ExitStatus::Success, ExitStatus::worst)
}

/// What every input of one run shares.
struct Run<'a> {
    args: &'a RewriteArgs,
    mode: Mode,
    diffs: Diffs,
    engines: &'a Engines<'a>,
    options: &'a pipeline::Options,
    resolver: &'a Resolver,
}

fn process(input: &Input, stdin: Option<&Stdin>, run: &Run<'_>) -> FileReport {
    let name = input::input_name(input, stdin);
    // A bug on one file must not take the others down: a panic becomes that file's error.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        input::load(input, stdin).and_then(|loaded| rewrite_one(&loaded, run))
    }))
    .unwrap_or_else(|panic| Err(input::panic_error(&name, panic.as_ref())));
    FileReport {
        key: input.clone(),
        name,
        result,
    }
}

fn rewrite_one(loaded: &Loaded, run: &Run<'_>) -> Result<Done, Error> {
    let (args, resolver, engines) = (run.args, run.resolver, run.engines);
    let (mode, diffs) = (run.mode, run.diffs);
    let name_it = |mut e: Error| {
        if e.path.is_none() {
            e.path = Some(PathBuf::from(&loaded.name));
        }
        e
    };
    let skipped = |reason: String| Outcome {
        dockerfile: loaded.text.clone(),
        ..Outcome::unchanged(Status::Skipped, SkipCode::Ignored, reason)
    };
    // The Dockerfile's folder, listed once: for its configuration file, and as the build
    // context when it is one (the usual case).
    let folder = FsContext::new(&loaded.dir);
    resolver.prime(&loaded.dir, &folder);
    // An ignored file is not even parsed (it may be a template, or broken on purpose).
    if let Some(reason) = resolver
        .ignored(&loaded.dir, loaded.located_at.as_deref())
        .map_err(name_it)?
    {
        return apply_outcome(loaded, &loaded.dir, None, skipped(reason), mode, diffs);
    }
    let tree = crate::syntax::parse(&loaded.text);
    // Like an ignore glob, `# restage: ignore` skips a file even when it does not parse, and
    // also beside other pragmas (`# restage: ignore, runtime=alpine`).
    if crate::syntax::is_ignored(&tree) {
        let reason = "the file has a `# restage: ignore` comment".to_string();
        return apply_outcome(loaded, &loaded.dir, None, skipped(reason), mode, diffs);
    }
    if let Some(first) = tree.errors.first() {
        return Err(Error::new(ErrorKind::Parse, first.message.clone())
            .with_path(&loaded.name)
            .at(first.line, first.col));
    }
    let settings = resolver
        .settings(
            &loaded.dir,
            loaded.located_at.as_deref(),
            &tree,
            &loaded.text,
            &args.overrides,
        )
        .map_err(name_it)?;
    let context_dir = super::detect::choose_context(loaded, &tree, args.context.as_deref()).dir;
    let from_region = from_region(&tree, &loaded.text);

    // Made first: its root listing answers what `path_in_context` and `apply_outcome` ask.
    let ctx = if context_dir == loaded.dir {
        backend::context_from(folder, loaded.path.as_deref())?
    } else {
        backend::context(&context_dir, loaded.path.as_deref())?
    };
    let mut options = run.options.clone();
    options.file_name = Some(loaded.name.clone());
    options.dockerfile_path = loaded
        .located_at
        .as_deref()
        .and_then(|file| path_in_context(&context_dir, file, true));
    options.no_test_stage = !settings.test_stage.value;
    options.runtime_flavour = settings
        .runtime
        .as_ref()
        .map(|r| r.value.name().to_string());
    options.runtime_flavours = settings
        .profiles
        .iter()
        .filter_map(|(name, p)| p.runtime.map(|f| (name.clone(), f.name().to_string())))
        .collect();
    let origin = settings.config.clone().unwrap_or_default();
    engines.check_names(&settings.profiles, &origin, &settings.profile_at)?;
    let mut outcome = engines
        .with(&settings.profiles, &origin, |engine| {
            engine.rewrite_tree(&loaded.text, tree, &ctx, &options)
        })?
        .map_err(name_it)?;
    if outcome.status == Status::Rewritten
        && let Some(overridden) = outcome
            .profile
            .as_deref()
            .and_then(|p| settings.profiles.get(p))
    {
        let mut what = Vec::new();
        if overridden.images.is_some() {
            what.push("runtime images");
        }
        if !overridden.commands.is_empty() {
            what.push("commands");
        }
        if !what.is_empty() {
            outcome.decisions.push(Decision {
                what: format!("{} from {origin}", what.join(" and ")),
                why: "the configuration file overrides the profile's".into(),
                confidence: 1.0,
            });
        }
    }
    let mut done = apply_outcome(loaded, &context_dir, Some(&ctx), outcome, mode, diffs)?;
    done.from_region = from_region;
    Ok(done)
}

/// `file`'s path relative to the context folder, with `/`, when it is inside it (the file
/// itself need not exist: `--stdin-filename` names one that may not). `context_is_dir` says
/// that the context folder is known to exist (its listing was read).
fn path_in_context(context_dir: &Path, file: &Path, context_is_dir: bool) -> Option<String> {
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // The usual case, a Dockerfile at the root of its context, needs no canonical paths (two
    // of them cost ~12 system calls per input) when the context folder exists.
    if folder == context_dir && (context_is_dir || context_dir.is_dir()) {
        return Some(file.file_name()?.to_str()?.to_string());
    }
    let root = std::fs::canonicalize(context_dir).ok()?;
    let folder = std::fs::canonicalize(folder).ok()?;
    let inside = folder.strip_prefix(&root).ok()?;
    let mut parts: Vec<String> = inside
        .components()
        .map(|c| c.as_os_str().to_str().map(str::to_string))
        .collect::<Option<_>>()?;
    parts.push(file.file_name()?.to_str()?.to_string());
    Some(parts.join("/"))
}

/// The region of the (first) FROM instruction, up to the end of its last line.
fn from_region(tree: &crate::syntax::Dockerfile, text: &str) -> Option<Region> {
    let from = tree.stages().next()?;
    let index = crate::text::LineIndex::new(text);
    let start = index.line_col(from.keyword_range().start);
    let body = &text[from.range().start..from.range().end];
    let end_offset = from.range().start + body.trim_end_matches(['\n', '\r']).len();
    let end = index.line_col(end_offset);
    Some(Region {
        start_line: start.line,
        start_column: start.col,
        end_line: end.line,
        end_column: end.col,
    })
}

/// `relative` (a path restage proposes to write) under the context folder, or an internal error
/// naming `what` when it would leave the context (`..`, an absolute path).
fn in_context(
    context_dir: &Path,
    relative: &str,
    what: &str,
    loaded: &Loaded,
) -> Result<PathBuf, Error> {
    let relative = Path::new(relative);
    let inside = relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside {
        return Err(Error::new(
            ErrorKind::Internal,
            format!("{what} is outside the build context"),
        )
        .with_path(&loaded.name));
    }
    Ok(context_dir.join(relative))
}

/// Turn an [`Outcome`] into what to show, and in `--write` mode write it: the Dockerfile when
/// its text changed, and each proposed new file that does not exist yet (never for stdin).
fn apply_outcome(
    loaded: &Loaded,
    context_dir: &Path,
    ctx: Option<&FsContext>,
    outcome: Outcome,
    mode: Mode,
    diffs: Diffs,
) -> Result<Done, Error> {
    let rewritten = outcome.status == Status::Rewritten;
    let text_changed = rewritten && outcome.dockerfile != loaded.text;
    let from_stdin = loaded.path.is_none();
    let diff = |make: &dyn Fn() -> String| match diffs {
        Diffs::Compute => make(),
        Diffs::Skip => String::new(),
    };
    let dockerfile_diff = if text_changed && diffs == Diffs::Compute {
        backend::diff(&loaded.text, &outcome.dockerfile, &loaded.name)
    } else {
        String::new()
    };
    let mut new_files = Vec::new();
    if rewritten && !from_stdin {
        for file in &outcome.new_files {
            let path = in_context(
                context_dir,
                &file.path,
                &format!("proposed new file {}", file.path),
                loaded,
            )?;
            // The context's listing says whether it exists, without a system call, unless the
            // way there goes through a symlink.
            let exists = ctx
                .and_then(|ctx| ctx.listed_exists(&file.path))
                .unwrap_or_else(|| path.exists());
            if exists {
                continue;
            }
            let name = display_path(input_clean(&path));
            new_files.push(NewFileChange {
                diff: diff(&|| backend::new_file_diff(&file.content, &name)),
                identity: FileIdentity::of(&path),
                path,
                name,
                content: file.content.clone(),
                original: None,
            });
        }
    }
    let mut changed_files = Vec::new();
    if rewritten && !from_stdin {
        for file in &outcome.changed_files {
            let path = in_context(
                context_dir,
                &file.path,
                &format!("proposed change to {}", file.path),
                loaded,
            )?;
            let name = display_path(input_clean(&path));
            changed_files.push(NewFileChange {
                diff: diff(&|| backend::diff(&file.original, &file.content, &name)),
                identity: FileIdentity::of(&path),
                path,
                name,
                content: file.content.clone(),
                original: Some(file.original.clone()),
            });
        }
    }

    let mut written_through = None;
    if mode == Mode::Write
        && text_changed
        && let Some(path) = &loaded.path
    {
        backend::write(path, &outcome.dockerfile)?;
        written_through = std::fs::symlink_metadata(path)
            .is_ok_and(|m| m.file_type().is_symlink())
            .then(|| std::fs::canonicalize(path).ok())
            .flatten();
    }
    Ok(Done {
        outcome,
        text_changed,
        dockerfile_diff,
        new_files,
        changed_files,
        from_stdin,
        from_region: None,
        written_through,
    })
}

/// New files are settled after the parallel phase, in path order: when several Dockerfiles of
/// one build context propose the same file, the first one gets it (so the patch creates it once
/// and `--write` writes it once). In `--write` mode they are then created; a failure makes that
/// input an error.
fn settle_new_files(reports: &mut [FileReport], mode: Mode) {
    let mut claimed = std::collections::BTreeSet::new();
    for report in reports.iter_mut() {
        let Ok(done) = &mut report.result else {
            continue;
        };
        done.new_files
            .retain(|file| claimed.insert(file.identity.clone()));
        done.changed_files
            .retain(|file| claimed.insert(file.identity.clone()));
        if mode != Mode::Write {
            continue;
        }
        let failed = done
            .changed_files
            .iter()
            .find_map(|file| write_change(file).err())
            .or_else(|| {
                done.new_files
                    .iter()
                    .find_map(|file| backend::write(&file.path, &file.content).err())
            });
        if let Some(error) = failed {
            report.result = Err(error);
        }
    }
}

/// Write a proposed change over the file, atomically, only when it still holds the text the
/// change was made from.
fn write_change(file: &NewFileChange) -> Result<(), Error> {
    let current = std::fs::read_to_string(&file.path)
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()).with_path(&file.path))?;
    if Some(&current) != file.original.as_ref() {
        return Err(Error::new(
            ErrorKind::Io,
            "the file changed while restage was reading it; it was not written",
        )
        .with_path(&file.path));
    }
    backend::write(&file.path, &file.content)
}

fn input_clean(path: &Path) -> &Path {
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest,
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::NewFile;
    use crate::source::MemoryContext;

    #[test]
    fn path_in_context_at_the_root_below_it_and_outside() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("ctx/sub")).unwrap();
        let ctx = root.join("ctx");
        let at = |file: PathBuf| path_in_context(&ctx, &file, false);
        assert_eq!(at(ctx.join("Dockerfile")).as_deref(), Some("Dockerfile"));
        assert_eq!(
            at(ctx.join("sub/api.Dockerfile")).as_deref(),
            Some("sub/api.Dockerfile")
        );
        assert_eq!(
            at(root.join("ctx/./Dockerfile")).as_deref(),
            Some("Dockerfile")
        );
        assert_eq!(at(root.join("Dockerfile")), None);
        let gone = root.join("missing");
        assert_eq!(
            path_in_context(&gone, &gone.join("Dockerfile"), false),
            None
        );
    }

    /// A real outcome from the pipeline, then set to a rewrite of `new_text` proposing `files`.
    fn outcome(new_text: &str, files: &[(&str, &str)]) -> Outcome {
        let ctx = MemoryContext::new();
        let mut outcome = pipeline::rewrite("FROM scratch\n", &ctx, &pipeline::Options::default())
            .expect("the pipeline handles a trivial file");
        outcome.status = Status::Rewritten;
        outcome.dockerfile = new_text.to_string();
        outcome.new_files = files
            .iter()
            .map(|(path, content)| NewFile {
                path: path.to_string(),
                content: content.to_string(),
            })
            .collect();
        outcome
    }

    fn loaded(dir: &Path, text: &str) -> Loaded {
        let path = dir.join("Dockerfile");
        std::fs::write(&path, text).unwrap();
        Loaded {
            name: "Dockerfile".into(),
            path: Some(path.clone()),
            located_at: Some(path),
            dir: dir.to_path_buf(),
            text: text.into(),
        }
    }

    fn report(input: &Loaded, done: Done) -> FileReport {
        FileReport {
            key: Input::File(input.path.clone().unwrap()),
            name: input.name.clone(),
            result: Ok(done),
        }
    }

    #[test]
    fn new_files_are_diffed_and_written_only_when_missing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".existing"), "keep me\n").unwrap();
        let input = loaded(dir.path(), "FROM a\n");
        let proposed = outcome(
            "FROM a AS build\n",
            &[(".dockerignore", "target\n"), (".existing", "replace me\n")],
        );

        let done = apply_outcome(
            &input,
            dir.path(),
            None,
            proposed.clone(),
            Mode::Diff,
            Diffs::Compute,
        )
        .unwrap();
        assert!(done.changed());
        assert_eq!(done.new_files.len(), 1);
        let diff = done.diff();
        assert!(diff.contains("+++ b/"), "{diff}");
        assert!(diff.contains("new file mode 100644"), "{diff}");
        assert!(diff.contains("+target\n"), "{diff}");
        assert!(!diff.contains("replace me"), "{diff}");
        let mut reports = vec![report(&input, done)];
        settle_new_files(&mut reports, Mode::Diff);
        assert!(
            !dir.path().join(".dockerignore").exists(),
            "diff mode writes nothing"
        );

        let done = apply_outcome(
            &input,
            dir.path(),
            None,
            proposed,
            Mode::Write,
            Diffs::Compute,
        )
        .unwrap();
        let mut reports = vec![report(&input, done)];
        settle_new_files(&mut reports, Mode::Write);
        assert!(reports[0].result.is_ok());
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(read("Dockerfile"), "FROM a AS build\n");
        assert_eq!(read(".dockerignore"), "target\n");
        assert_eq!(read(".existing"), "keep me\n");
    }

    #[test]
    fn a_new_file_proposed_twice_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let first = loaded(dir.path(), "FROM a\n");
        let mut second = first.clone();
        second.name = "Dockerfile.prod".into();
        second.path = Some(dir.path().join("Dockerfile.prod"));
        std::fs::write(second.path.as_ref().unwrap(), "FROM a\n").unwrap();
        let proposed = outcome("FROM b\n", &[(".dockerignore", ".git\n")]);
        let mut reports = vec![
            report(
                &first,
                apply_outcome(
                    &first,
                    dir.path(),
                    None,
                    proposed.clone(),
                    Mode::Diff,
                    Diffs::Compute,
                )
                .unwrap(),
            ),
            report(
                &second,
                // Reached through another spelling of the same folder.
                apply_outcome(
                    &second,
                    &dir.path().join("."),
                    None,
                    proposed,
                    Mode::Diff,
                    Diffs::Compute,
                )
                .unwrap(),
            ),
        ];
        settle_new_files(&mut reports, Mode::Diff);
        let diffs: Vec<String> = reports
            .iter()
            .map(|r| r.result.as_ref().unwrap().diff())
            .collect();
        let creations: usize = diffs
            .iter()
            .map(|d| d.matches("new file mode").count())
            .sum();
        assert_eq!(creations, 1, "{diffs:?}");
        assert!(diffs[0].contains("new file mode"));
        assert!(
            reports[1].result.as_ref().unwrap().changed(),
            "its own text still changes"
        );
    }

    #[test]
    fn a_new_file_alone_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let input = loaded(dir.path(), "FROM a\n");
        let done = apply_outcome(
            &input,
            dir.path(),
            None,
            outcome("FROM a\n", &[(".dockerignore", ".git\n")]),
            Mode::Check,
            Diffs::Skip,
        )
        .unwrap();
        assert!(done.changed());
        assert!(!done.text_changed);
        assert!(done.dockerfile_diff.is_empty());
        assert!(
            done.new_files[0].diff.is_empty(),
            "no diff is shown, none is made"
        );
        assert!(
            !dir.path().join(".dockerignore").exists(),
            "check mode writes nothing"
        );
    }

    #[test]
    fn diffs_are_made_only_when_shown() {
        let dir = tempfile::tempdir().unwrap();
        let input = loaded(dir.path(), "FROM a\n");
        let proposed = outcome("FROM b\n", &[(".dockerignore", ".git\n")]);
        let shown = apply_outcome(
            &input,
            dir.path(),
            None,
            proposed.clone(),
            Mode::Check,
            Diffs::Compute,
        );
        let skipped = apply_outcome(&input, dir.path(), None, proposed, Mode::Check, Diffs::Skip);
        let (shown, skipped) = (shown.unwrap(), skipped.unwrap());
        assert!(shown.diff().contains("+FROM b"), "{}", shown.diff());
        assert!(shown.new_files[0].diff.contains("+.git"));
        assert!(skipped.diff().is_empty());
        // The verdict does not depend on the diffs.
        assert!(skipped.text_changed && skipped.changed());
        assert_eq!(skipped.new_files.len(), shown.new_files.len());
    }

    #[test]
    fn new_files_outside_the_context_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = loaded(dir.path(), "FROM a\n");
        for bad in ["../escape", "/etc/passwd"] {
            let result = apply_outcome(
                &input,
                dir.path(),
                None,
                outcome("FROM b\n", &[(bad, "x\n")]),
                Mode::Write,
                Diffs::Compute,
            );
            assert!(result.is_err(), "{bad}");
        }
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
            "FROM a\n"
        );
    }

    #[test]
    fn unchanged_and_skipped_never_write() {
        let dir = tempfile::tempdir().unwrap();
        let input = loaded(dir.path(), "FROM a\n");
        let mut skipped = outcome("FROM b\n", &[(".dockerignore", "x\n")]);
        skipped.status = Status::Skipped;
        let done = apply_outcome(
            &input,
            dir.path(),
            None,
            skipped,
            Mode::Write,
            Diffs::Compute,
        )
        .unwrap();
        assert!(!done.changed());
        assert!(done.diff().is_empty());
        assert!(!dir.path().join(".dockerignore").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
            "FROM a\n"
        );
    }
}
