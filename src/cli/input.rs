//! Loading one input (a file, or stdin read up front) into text, with a name for messages.

use super::walk::Input;
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
            let bytes = std::fs::read(path).map_err(|e| Error::io(&name, &e))?;
            let text = decode(bytes).map_err(|e| relabel(e, &name))?;
            Ok(Loaded {
                name,
                path: Some(path.clone()),
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
            let text = decode(bytes).map_err(|e| relabel(e, &name))?;
            let dir = stdin
                .and_then(|s| s.name.as_deref())
                .map_or_else(|| PathBuf::from("."), parent_dir);
            Ok(Loaded {
                name,
                path: None,
                dir,
                text,
            })
        }
    }
}

/// Bytes → text, refusing what cannot be a Dockerfile.
// TODO(source): use `source::SourceFile` once it lands.
fn decode(bytes: Vec<u8>) -> Result<String, Error> {
    if bytes.is_empty() {
        return Err(Error::new(ErrorKind::Input, "empty file"));
    }
    if bytes.contains(&0) {
        return Err(Error::new(
            ErrorKind::Input,
            "binary file (contains NUL bytes)",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::Input,
            format!(
                "not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Name the error after the input as the user wrote it.
fn relabel(mut error: Error, name: &str) -> Error {
    error.path = Some(PathBuf::from(name));
    error
}
