//! Finding the Dockerfiles to work on: explicit files, folders walked gitignore-aware, and stdin.

use crate::{Error, ErrorKind};
use std::path::{Path, PathBuf};

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

fn walk_dir(root: &Path, found: &mut Discovered) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir && entry.file_name().to_str().is_some_and(is_vcs_dir))
        })
        .build();
    for entry in walker {
        match entry {
            Err(err) => {
                let mut error = Error::new(ErrorKind::Io, walk_error_message(&err));
                if let Some(path) = walk_error_path(&err) {
                    error = error.with_path(path);
                }
                found.errors.push(error);
            }
            Ok(entry) => {
                if entry.depth() == 0 {
                    continue;
                }
                let Some(name) = entry.file_name().to_str() else {
                    continue;
                };
                if !is_dockerfile_name(name) {
                    continue;
                }
                // Follow a symlink only to see whether it points at a regular file.
                let is_file = match entry.file_type() {
                    Some(t) if t.is_file() => true,
                    Some(t) if t.is_symlink() => entry.path().is_file(),
                    _ => false,
                };
                if is_file {
                    found.inputs.push(Input::File(clean(entry.path())));
                }
            }
        }
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
        let names: Vec<String> = found
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
            .collect();
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
    fn missing_path_is_an_error_and_stdin_comes_first() {
        let found = discover(&[PathBuf::from("no/such/dir"), PathBuf::from("-")]);
        assert_eq!(found.inputs, [Input::Stdin]);
        assert_eq!(found.errors.len(), 1);
        assert!(found.errors[0].to_string().starts_with("no/such/dir: "));
    }
}
