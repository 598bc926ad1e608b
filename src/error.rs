//! Failures: what went wrong, and where when there is a place to point at.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure restage reports to the user (exit code 2), with file:line:col where known.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct Error {
    pub kind: ErrorKind,
    pub path: Option<PathBuf>,
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Reading or writing a file failed.
    Io,
    /// The input is not a Dockerfile we can read (binary, empty, too large, not UTF-8).
    Input,
    /// The Dockerfile has a syntax error BuildKit would reject.
    Parse,
    /// A language profile or template is invalid.
    Profile,
    /// Configuration or usage is invalid.
    Usage,
    /// restage produced output that failed validation: a bug, never a written file.
    Internal,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            path: None,
            position: None,
            message: message.into(),
        }
    }

    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn at(mut self, line: usize, col: usize) -> Self {
        self.position = Some((line, col));
        self
    }

    pub fn io(path: impl Into<PathBuf>, err: &std::io::Error) -> Self {
        Self::new(ErrorKind::Io, err.to_string()).with_path(path)
    }

    fn render(&self) -> String {
        let mut out = String::new();
        if let Some(path) = &self.path {
            out.push_str(&path.display().to_string());
            if let Some((line, col)) = self.position {
                out.push_str(&format!(":{line}:{col}"));
            }
            out.push_str(": ");
        } else if let Some((line, col)) = self.position {
            out.push_str(&format!("{line}:{col}: "));
        }
        out.push_str(&self.message);
        out
    }
}
