//! The command line, as clap derive definitions. The doc comments are the `--help` text.
//!
//! The surfaces here are fixed (issue 2): `restage [OPTIONS] [PATH]...`, `restage parse`,
//! `restage detect`, `restage profiles`. Add flags; do not rename or remove them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Rewrite single-stage Dockerfiles into deps/build/test/runtime multi-stage builds.
///
/// With no PATH, restage looks for Dockerfiles under the current folder. By default it prints a
/// unified diff and changes nothing; `--write` writes the files, `--check` exits 1 when a file
/// would change.
///
/// Exit codes: 0 success or nothing to change, 1 `--check` found files to rewrite,
/// 2 usage, parse or I/O error.
#[derive(Debug, Parser)]
#[command(
    name = "restage",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub rewrite: RewriteArgs,
}

/// The subcommands. Without one, restage rewrites.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the syntax tree of a Dockerfile (a tool for people and for other tools).
    Parse(ParseArgs),
    /// Show which toolchain each Dockerfile builds, with the evidence.
    Detect(DetectArgs),
    /// List the language profiles, or show one.
    Profiles(ProfilesArgs),
    /// Build the original and the rewrite with a local container engine and compare them.
    Verify(super::verify::VerifyArgs),
    /// Print the effective configuration for a path (.restage.yaml, pragmas, flags).
    Config(ConfigArgs),
    /// Print a shell completion script (e.g. `restage completions bash > /etc/bash_completion.d/restage`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), generated from these definitions: `restage manpage > restage.1`,
    /// or write it and one page per subcommand into a folder: `restage manpage --dir man/`.
    #[command(hide = true)]
    Manpage(ManpageArgs),
}

/// `restage manpage [--dir DIR]`.
#[derive(Debug, Args)]
pub struct ManpageArgs {
    /// Write `restage.1` and `restage-<subcommand>.1` for every subcommand the main page names into
    /// this folder, instead of printing restage.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `restage config [PATH]`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// A Dockerfile or folder; the configuration that applies to it is shown. Defaults to the
    /// current folder.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// Use this configuration file instead of looking for .restage.yaml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// As for the rewrite: leave out or keep the test stage.
    #[command(flatten)]
    pub overrides: Overrides,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SimpleFormat::Text)]
    pub format: SimpleFormat,
}

/// `restage completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The flags that override the configuration file and the pragmas.
#[derive(Clone, Debug, Default, Args)]
pub struct Overrides {
    /// Emit the test stage (overrides `test_stage` in .restage.yaml and pragmas).
    #[arg(long, overrides_with = "no_test_stage")]
    pub test_stage: bool,

    /// Leave out the test stage.
    #[arg(long)]
    pub no_test_stage: bool,
}

impl Overrides {
    /// `Some(true)` for `--test-stage`, `Some(false)` for `--no-test-stage` (the last one wins).
    pub fn test_stage(&self) -> Option<bool> {
        if self.no_test_stage {
            Some(false)
        } else if self.test_stage {
            Some(true)
        } else {
            None
        }
    }
}

/// The kind of runtime image.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// A Debian slim image.
    Slim,
    /// A distroless image.
    Distroless,
    /// An Alpine image.
    Alpine,
}

impl Flavour {
    /// The name used in files and flags.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::Slim => "slim",
            Flavour::Distroless => "distroless",
            Flavour::Alpine => "alpine",
        }
    }
}

/// What the rewrite does with its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Print a unified diff; change nothing (the default).
    Diff,
    /// Write the rewritten files in place, atomically.
    Write,
    /// Report what would change; exit 1 if anything would.
    Check,
}

/// Output format of the rewrite command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable: diffs, or one line per file.
    Text,
    /// One JSON document: `{"files": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning: one `restage/single-stage` result per file that
    /// would change (at its FROM line), `restage/parse-error` results for files that do not
    /// parse.
    Sarif,
    /// GitHub Actions annotations: `::warning file=…,line=…,col=…::…` per file that would
    /// change, `::error …` per file that failed.
    Github,
}

/// Output format of `parse`, `detect` and `profiles`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimpleFormat {
    Text,
    Json,
}

/// When to use colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    pub(crate) fn choice(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }
}

/// Options of the rewrite command (the default command).
#[derive(Debug, Args)]
pub struct RewriteArgs {
    /// Dockerfiles or folders to process (`-` reads stdin). Folders are walked, honouring
    /// .gitignore, for Dockerfile, dockerfile, Containerfile, *.Dockerfile, *.dockerfile and
    /// Dockerfile.*. Defaults to the current folder.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Write the rewritten files in place (atomically), and any new files (e.g. .dockerignore)
    /// that do not exist yet.
    #[arg(long, conflicts_with_all = ["check", "diff"])]
    pub write: bool,

    /// Change nothing; report the files that would change and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,

    /// Print a unified diff of the changes (the default; with --check, print diffs instead of
    /// file names).
    #[arg(long)]
    pub diff: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// The build context folder. By default it is inferred from the COPY/ADD sources, starting at
    /// the Dockerfile's folder.
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// A folder of language profiles (YAML) that add to or override the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,

    /// A folder of stage templates that override the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub templates_dir: Option<PathBuf>,

    /// The file name to use for stdin (`-`) in messages and to find its build context.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,

    /// Print nothing but errors (diffs, JSON, SARIF and annotations, when asked for, are still
    /// printed).
    #[arg(long, short)]
    pub quiet: bool,

    /// When to use colour.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Use this configuration file for every input, instead of the .restage.yaml found by
    /// walking up from each file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub overrides: Overrides,
}

impl RewriteArgs {
    /// The mode the flags select.
    pub fn mode(&self) -> Mode {
        if self.write {
            Mode::Write
        } else if self.check {
            Mode::Check
        } else {
            Mode::Diff
        }
    }
}

/// `restage parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The Dockerfile to parse (`-` reads stdin).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SimpleFormat::Text)]
    pub format: SimpleFormat,

    /// When to use colour.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `restage detect`.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Dockerfiles or folders (`-` reads stdin). Defaults to the current folder.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SimpleFormat::Text)]
    pub format: SimpleFormat,

    /// The build context folder. By default it is inferred from the Dockerfile's COPY sources,
    /// starting at the Dockerfile's folder.
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// A folder of language profiles (YAML) that add to or override the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,

    /// The file name to use for stdin (`-`).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<PathBuf>,

    /// When to use colour.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `restage profiles [show NAME]`.
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[command(subcommand)]
    pub command: Option<ProfilesCommand>,

    // Global so that `profiles show NAME --format json` works; the ids differ from the rewrite
    // flags' because clap shares a global value with the parent command by id.
    /// Output format.
    #[arg(
        long = "format",
        id = "profiles_format",
        value_enum,
        default_value_t = SimpleFormat::Text,
        global = true
    )]
    pub format: SimpleFormat,

    /// A folder of language profiles (YAML) that add to or override the built-in ones.
    #[arg(
        long = "profiles-dir",
        id = "profiles_profiles_dir",
        value_name = "DIR",
        global = true
    )]
    pub profiles_dir: Option<PathBuf>,

    /// When to use colour.
    #[arg(
        long = "color",
        id = "profiles_color",
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto,
        global = true
    )]
    pub color: ColorWhen,
}

/// `restage profiles show`.
#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// Print the effective profile (built-in, overridden by --profiles-dir).
    Show {
        /// The profile name (e.g. `node`).
        name: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn mode_follows_flags() {
        let cli = Cli::try_parse_from(["restage", "--check", "a"]).unwrap();
        assert_eq!(cli.rewrite.mode(), Mode::Check);
        let cli = Cli::try_parse_from(["restage", "--write"]).unwrap();
        assert_eq!(cli.rewrite.mode(), Mode::Write);
        let cli = Cli::try_parse_from(["restage"]).unwrap();
        assert_eq!(cli.rewrite.mode(), Mode::Diff);
        assert!(Cli::try_parse_from(["restage", "--write", "--check"]).is_err());
    }

    #[test]
    fn every_subcommand_parses() {
        for argv in [
            &["restage", "profiles"][..],
            &["restage", "profiles", "--format", "json"],
            &["restage", "profiles", "show", "go", "--format", "json"],
            &["restage", "profiles", "--profiles-dir", "d", "show", "go"],
            &[
                "restage",
                "detect",
                "--format",
                "json",
                "--context",
                ".",
                "a",
                "b",
            ],
            &["restage", "parse", "--format", "json", "-"],
            &["restage", "--format", "json", "--context", "c", "-q", "x"],
        ] {
            let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            assert_eq!(cli.command.is_none(), argv[1] == "--format", "{argv:?}");
        }
        let cli =
            Cli::try_parse_from(["restage", "profiles", "show", "go", "--format", "json"]).unwrap();
        let Some(Command::Profiles(args)) = cli.command else {
            panic!("profiles")
        };
        assert_eq!(args.format, SimpleFormat::Json);
        assert!(matches!(args.command, Some(ProfilesCommand::Show { name }) if name == "go"));
    }

    #[test]
    fn subcommand_names_after_rewrite_flags_are_paths() {
        // Once a rewrite flag is given, words are PATHs: a file called `parse` stays reachable.
        let cli = Cli::try_parse_from(["restage", "--write", "parse", "x"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(
            cli.rewrite.paths,
            [PathBuf::from("parse"), PathBuf::from("x")]
        );
        let cli = Cli::try_parse_from(["restage", "parse", "--format", "json", "x"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Parse(_))));
    }
}
