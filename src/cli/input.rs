//! Loading one input (a file, or stdin read up front) into text, with a name for messages.

use super::walk::Input;
use crate::source::{DEFAULT_MAX_FILE_SIZE, SourceFile};
use crate::{Error, ErrorKind};
use std::path::{Path, PathBuf};

/// A loaded Dockerfile.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The name shown in messages and reports.
    pub name: String,
    /// The file on disk, `None` for stdin.
    pub path: Option<PathBuf>,
    /// The folder the build context defaults to: the Dockerfile's folder (for stdin, the folder
    /// of `--stdin-filename`, else the current folder).
    pub dir: PathBuf,
    /// Where the Dockerfile sits, for inferring its build context: the file, or for stdin the
    /// `--stdin-filename` path.
    pub located_at: Option<PathBuf>,
    /// The text, exactly as read (BOM and CRLF kept).
    pub text: String,
}

/// Standard input, read once before any parallel work.
#[derive(Clone, Debug)]
pub struct Stdin {
    pub name: Option<PathBuf>,
    pub bytes: Result<Vec<u8>, String>,
}

impl Stdin {
    /// The name stdin goes by in messages: `--stdin-filename`, else `-`.
    pub fn display_name(&self) -> String {
        self.name
            .as_deref()
            .map_or_else(|| "-".to_string(), display_path)
    }
}

/// How a path is shown: as given, with `/` separators.
pub fn display_path(path: &Path) -> String {
    let shown = path.display().to_string();
    if cfg!(windows) {
        shown.replace('\\', "/")
    } else {
        shown
    }
}

/// The display name of an input.
pub fn input_name(input: &Input, stdin: Option<&Stdin>) -> String {
    match input {
        Input::File(path) => display_path(path),
        Input::Stdin => stdin.map_or_else(|| "-".to_string(), Stdin::display_name),
    }
}

/// The folder holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Read an input into text.
pub fn load(input: &Input, stdin: Option<&Stdin>) -> Result<Loaded, Error> {
    match input {
        Input::File(path) => {
            let name = display_path(path);
            // Opening a FIFO would block until a writer comes; devices and sockets are no
            // Dockerfiles either. Streams come through `-`.
            let meta = std::fs::metadata(path);
            if let Ok(meta) = &meta
                && !meta.is_file()
                && !meta.is_dir()
            {
                return Err(Error::new(
                    ErrorKind::Input,
                    "not a regular file (a FIFO, socket or device); pipe it to `restage -` instead",
                )
                .with_path(&name));
            }
            // The metadata just read serves the size check too.
            let read = match &meta {
                Ok(meta) => SourceFile::read_with_metadata(path, meta, DEFAULT_MAX_FILE_SIZE),
                Err(_) => SourceFile::read(path),
            };
            let text = read.map_err(|e| relabel(e, &name))?.into_text();
            Ok(Loaded {
                name,
                path: Some(path.clone()),
                located_at: Some(path.clone()),
                dir: parent_dir(path),
                text,
            })
        }
        Input::Stdin => {
            let name = stdin.map_or_else(|| "-".to_string(), Stdin::display_name);
            let bytes = match stdin.map(|s| &s.bytes) {
                Some(Ok(bytes)) => bytes.clone(),
                Some(Err(message)) => {
                    return Err(Error::new(ErrorKind::Io, message.clone()).with_path(&name));
                }
                None => Vec::new(),
            };
            let text = SourceFile::from_bytes(name.as_str(), bytes)
                .map_err(|e| relabel(e, &name))?
                .into_text();
            let dir = stdin
                .and_then(|s| s.name.as_deref())
                .map_or_else(|| PathBuf::from("."), parent_dir);
            Ok(Loaded {
                name,
                path: None,
                located_at: stdin.and_then(|s| s.name.clone()),
                dir,
                text,
            })
        }
    }
}

/// Name the error after the input as the user wrote it.
fn relabel(mut error: Error, name: &str) -> Error {
    error.path = Some(PathBuf::from(name));
    error
}

/// The error for an input whose processing panicked (a bug in restage).
pub fn panic_error(name: &str, payload: &(dyn std::any::Any + Send)) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    Error::new(
        ErrorKind::Internal,
        format!("internal error (a bug in restage, please report it): {what}"),
    )
    .with_path(name)
}

/// An error as reported for the input called `name`: its message and, when the error points
/// into that input, its line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reported {
    pub message: String,
    pub position: Option<(usize, usize)>,
}

impl Reported {
    /// An error about the input itself (no path, or the input's) keeps its position; an error
    /// about another file (a template, a profile) names that file in the message instead.
    pub fn new(name: &str, error: &Error) -> Reported {
        let about_input = error
            .path
            .as_deref()
            .is_none_or(|path| display_path(path) == name);
        if about_input {
            Reported {
                message: error.message.clone(),
                position: error.position,
            }
        } else {
            Reported {
                message: error.to_string(),
                position: None,
            }
        }
    }

    /// `name:line:col: message`, or `name: message`.
    pub fn line(&self, name: &str) -> String {
        match self.position {
            Some((line, col)) => format!("{name}:{line}:{col}: {}", self.message),
            None => format!("{name}: {}", self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn fifos_are_refused_without_opening_them() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("Dockerfile");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let error = load(&Input::File(fifo.clone()), None).unwrap_err();
        assert_eq!(error.kind, ErrorKind::Input);
        assert!(error.to_string().starts_with(&display_path(&fifo)));
        assert!(error.message.contains("not a regular file"));
    }

    #[test]
    fn panics_become_internal_errors() {
        let payload = std::panic::catch_unwind(|| panic!("index out of bounds")).unwrap_err();
        let error = panic_error("a/Dockerfile", payload.as_ref());
        assert_eq!(error.kind, ErrorKind::Internal);
        assert_eq!(
            error.to_string(),
            "a/Dockerfile: internal error (a bug in restage, please report it): index out of bounds"
        );
    }

    #[test]
    fn errors_about_other_files_name_them() {
        let own = Error::new(ErrorKind::Parse, "bad")
            .with_path("a/Dockerfile")
            .at(2, 3);
        assert_eq!(
            Reported::new("a/Dockerfile", &own).line("a/Dockerfile"),
            "a/Dockerfile:2:3: bad"
        );
        let anonymous = Error::new(ErrorKind::Internal, "oops").at(4, 1);
        assert_eq!(
            Reported::new("a/Dockerfile", &anonymous).line("a/Dockerfile"),
            "a/Dockerfile:4:1: oops"
        );
        let template = Error::new(ErrorKind::Profile, "undefined")
            .with_path("Dockerfile.j2")
            .at(14, 1);
        let reported = Reported::new("a/Dockerfile", &template);
        assert_eq!(reported.position, None);
        assert_eq!(
            reported.line("a/Dockerfile"),
            "a/Dockerfile: Dockerfile.j2:14:1: undefined"
        );
    }
}
