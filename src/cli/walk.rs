//! Finding the Dockerfiles to work on: explicit files, folders walked gitignore-aware, and stdin.

use crate::{Error, ErrorKind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One thing to process.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// `-`: read standard input.
    Stdin,
    /// A file on disk, as given or as found by the walk.
    File(PathBuf),
}

/// The result of looking at the PATH arguments: the inputs in a deterministic order (stdin
/// first, then files sorted by path, without duplicates), and what could not be looked at.
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    pub errors: Vec<Error>,
}

/// Whether a file name is one restage looks for in a folder: `Dockerfile`, `dockerfile`,
/// `Containerfile`, `*.Dockerfile`, `*.dockerfile` or `Dockerfile.*`.
///
/// Not matched: `*.dockerignore` (e.g. `Dockerfile.dockerignore`, BuildKit's per-Dockerfile
/// ignore file) and editor/patch leftovers (`Dockerfile.orig`, `.rej`, `.bak`, `.swp`, `~`).
pub fn is_dockerfile_name(name: &str) -> bool {
    const NOT_DOCKERFILES: [&str; 6] = [".dockerignore", ".orig", ".rej", ".bak", ".swp", "~"];
    if NOT_DOCKERFILES.iter().any(|suffix| name.ends_with(suffix)) {
        return false;
    }
    matches!(name, "Dockerfile" | "dockerfile" | "Containerfile")
        || name
            .strip_suffix(".Dockerfile")
            .or_else(|| name.strip_suffix(".dockerfile"))
            .is_some_and(|stem| !stem.is_empty())
        || name
            .strip_prefix("Dockerfile.")
            .is_some_and(|rest| !rest.is_empty())
}

/// Version-control folders never hold Dockerfiles worth rewriting.
fn is_vcs_dir(name: &str) -> bool {
    matches!(name, ".git" | ".hg" | ".svn" | ".jj")
}

/// Turn PATH arguments into inputs. An empty list means the current folder. A file given
/// explicitly is always taken, whatever its name; folders are walked honouring `.gitignore`,
/// `.ignore` and git's exclude files (also outside a git repository), hidden folders included
/// (`.devcontainer/Dockerfile`) except version-control ones.
pub fn discover(paths: &[PathBuf]) -> Discovered {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut found = Discovered::default();
    for path in paths {
        if path.as_os_str() == "-" {
            found.inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Err(err) => found.errors.push(Error::io(path, &err)),
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut found),
            Ok(_) => found.inputs.push(Input::File(clean(path))),
        }
    }
    found.inputs.sort();
    found.inputs.dedup();
    found
}

/// Whether [`discover`] walks a folder for these PATH arguments (none means the current one).
pub fn walks_a_folder(paths: &[PathBuf]) -> bool {
    paths.is_empty()
        || paths
            .iter()
            .any(|path| path.as_os_str() != "-" && path.is_dir())
}

/// Walk `root` with the `ignore` crate's parallel walker. Unlike its serial walker, which
/// probes every folder for `.gitignore`, `.ignore` and `.git` (four failing `statx` per folder),
/// the parallel one reads each folder once and looks those names up in the listing. The order
/// it finds things in varies from run to run, so inputs and errors are sorted afterwards.
fn walk_dir(root: &Path, found: &mut Discovered) {
    let walked = Mutex::new(Discovered::default());
    ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && entry.file_name().to_str().is_some_and(is_vcs_dir))
        })
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                let found = match entry {
                    Err(err) => Err(walk_error(&err)),
                    Ok(entry) => match dockerfile_of(&entry) {
                        Some(path) => Ok(path),
                        None => return ignore::WalkState::Continue,
                    },
                };
                if let Ok(mut walked) = walked.lock() {
                    match found {
                        Ok(path) => walked.inputs.push(Input::File(path)),
                        Err(error) => walked.errors.push(error),
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let mut walked = walked.into_inner().unwrap_or_else(|e| e.into_inner());
    walked.errors.sort_by_cached_key(|e| e.to_string());
    found.inputs.append(&mut walked.inputs);
    found.errors.append(&mut walked.errors);
}

/// The path of a walked entry when it is a Dockerfile to process: a regular file, or a symlink
/// to one, with a Dockerfile's name, below the root.
fn dockerfile_of(entry: &ignore::DirEntry) -> Option<PathBuf> {
    if entry.depth() == 0 || !is_dockerfile_name(entry.file_name().to_str()?) {
        return None;
    }
    // Follow a symlink only to see whether it points at a regular file.
    let is_file = match entry.file_type() {
        Some(t) if t.is_file() => true,
        Some(t) if t.is_symlink() => entry.path().is_file(),
        _ => false,
    };
    is_file.then(|| clean(entry.path()))
}

fn walk_error(err: &ignore::Error) -> Error {
    let error = Error::new(ErrorKind::Io, walk_error_message(err));
    match walk_error_path(err) {
        Some(path) => error.with_path(path),
        None => error,
    }
}

fn walk_error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        _ => None,
    }
}

fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            walk_error_message(err)
        }
        other => other.to_string(),
    }
}

/// `./a/Dockerfile` → `a/Dockerfile`, so paths print the way people type them.
fn clean(path: &Path) -> PathBuf {
    let stripped = path.strip_prefix(".").unwrap_or(path);
    if stripped.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        stripped.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inputs found, as `/`-separated paths relative to `root` (`-` for standard input).
    fn relative_names(found: &Discovered, root: &Path) -> Vec<String> {
        found
            .inputs
            .iter()
            .map(|i| match i {
                Input::File(p) => p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                Input::Stdin => "-".into(),
            })
            .collect()
    }

    #[test]
    fn dockerfile_names() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "web.dockerfile",
            "Dockerfile.dev",
            "Dockerfile.prod.alpine",
        ] {
            assert!(is_dockerfile_name(name), "{name} should match");
        }
        for name in [
            "Dockerfile.dockerignore",
            "api.Dockerfile.dockerignore",
            ".dockerignore",
            "Dockerfile.",
            ".Dockerfile",
            "Dockerfile.orig",
            "Dockerfile~",
            "DockerfileX",
            "README.md",
            "docker-compose.yml",
            "Makefile",
        ] {
            assert!(!is_dockerfile_name(name), "{name} should not match");
        }
    }

    #[test]
    fn clean_strips_leading_dot() {
        assert_eq!(
            clean(Path::new("./a/Dockerfile")),
            Path::new("a/Dockerfile")
        );
        assert_eq!(clean(Path::new("a/Dockerfile")), Path::new("a/Dockerfile"));
        assert_eq!(clean(Path::new(".")), Path::new("."));
    }

    #[test]
    fn walk_honours_gitignore_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "FROM scratch\n").unwrap();
        };
        write("Dockerfile");
        write("svc/api.Dockerfile");
        write("svc/Dockerfile.dockerignore");
        write(".devcontainer/Dockerfile");
        write("vendor/Dockerfile");
        write(".git/Dockerfile");
        write("notes.txt");
        std::fs::write(root.join(".gitignore"), "vendor/\n").unwrap();
        let found = discover(&[root.to_path_buf()]);
        assert!(found.errors.is_empty(), "{:?}", found.errors);
        let names = relative_names(&found, root);
        assert_eq!(
            names,
            [
                ".devcontainer/Dockerfile",
                "Dockerfile",
                "svc/api.Dockerfile"
            ]
        );
    }

    #[test]
    fn walk_honours_nested_ignore_files_and_git_exclude() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        for rel in [
            "a/Dockerfile",
            "a/old/Dockerfile",
            "a/keep/Dockerfile",
            "b/Dockerfile",
            "b/gen/Dockerfile",
            "c/Dockerfile",
            "d/e/f/Dockerfile",
        ] {
            write(rel, "FROM scratch\n");
        }
        write("a/.gitignore", "old/\n");
        write("b/.ignore", "gen/\n");
        write(".git/info/exclude", "c/\n");
        let found = discover(&[root.to_path_buf()]);
        assert!(found.errors.is_empty(), "{:?}", found.errors);
        let names = relative_names(&found, root);
        assert_eq!(
            names,
            [
                "a/Dockerfile",
                "a/keep/Dockerfile",
                "b/Dockerfile",
                "d/e/f/Dockerfile"
            ]
        );
    }

    #[test]
    fn missing_path_is_an_error_and_stdin_comes_first() {
        let found = discover(&[PathBuf::from("no/such/dir"), PathBuf::from("-")]);
        assert_eq!(found.inputs, [Input::Stdin]);
        assert_eq!(found.errors.len(), 1);
        assert!(found.errors[0].to_string().starts_with("no/such/dir: "));
    }
}
