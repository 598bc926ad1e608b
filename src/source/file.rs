//! The Dockerfile itself: read with a size cap, checked to be UTF-8 text, kept byte for byte.
//!
//! A UTF-8 BOM and CRLF line endings stay in the text (the parser handles them, and the
//! rewrite must give them back); [`SourceFile::has_bom`] and [`SourceFile::line_ending`] tell
//! callers about them. Input that is not a Dockerfile we can read is an
//! [`ErrorKind::Input`] error with a clear message and, where it applies, line:col.

use crate::{Error, ErrorKind};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest Dockerfile read by default: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// How many bytes at the start are checked for control characters that mark binary content.
const SNIFF_LEN: usize = 8 * 1024;

/// How a file ends its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    Crlf,
}

impl LineEnding {
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::Crlf => "\r\n",
        }
    }
}

/// A Dockerfile's text, exactly as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    name: String,
    path: Option<PathBuf>,
    text: String,
}

impl SourceFile {
    /// Read the file at `path` (following a symlink), capped at [`DEFAULT_MAX_FILE_SIZE`].
    pub fn read(path: &Path) -> Result<Self, Error> {
        Self::read_with_limit(path, DEFAULT_MAX_FILE_SIZE)
    }

    /// Read the file at `path`, refusing files over `max_bytes`.
    pub fn read_with_limit(path: &Path, max_bytes: u64) -> Result<Self, Error> {
        let meta = std::fs::metadata(path).map_err(|err| Error::io(path, &err))?;
        Self::read_with_metadata(path, &meta, max_bytes)
    }

    /// [`SourceFile::read_with_limit`] for a caller that has just read `path`'s metadata
    /// (the CLI, which looks at it first to refuse FIFOs): one `stat` per file, not two.
    pub(crate) fn read_with_metadata(
        path: &Path,
        meta: &std::fs::Metadata,
        max_bytes: u64,
    ) -> Result<Self, Error> {
        if meta.is_dir() {
            return Err(Error::new(ErrorKind::Input, "is a directory, not a file").with_path(path));
        }
        if meta.is_file() && meta.len() > max_bytes {
            return Err(too_large(meta.len(), max_bytes).with_path(path));
        }
        // Read at most one byte past the cap: enough to tell that a stream is too large.
        let file = std::fs::File::open(path).map_err(|err| Error::io(path, &err))?;
        let mut bytes = Vec::with_capacity(meta.len().min(max_bytes) as usize);
        file.take(max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|err| Error::io(path, &err))?;
        if bytes.len() as u64 > max_bytes {
            // A file that grew, or a stream such as a FIFO: its full size is unknown.
            return Err(too_large_stream(max_bytes).with_path(path));
        }
        let mut source = Self::from_bytes_with_limit(path.display().to_string(), bytes, max_bytes)
            .map_err(|err| err.with_path(path))?;
        source.path = Some(path.to_path_buf());
        Ok(source)
    }

    /// Read a stream (e.g. stdin) named `name` in messages, reading at most one byte past
    /// `max_bytes` however long the stream is, then check it like [`SourceFile::from_bytes`].
    pub fn from_reader(
        name: impl Into<String>,
        reader: impl Read,
        max_bytes: u64,
    ) -> Result<Self, Error> {
        let name = name.into();
        let mut bytes = Vec::new();
        reader
            .take(max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|err| Error::io(name.as_str(), &err))?;
        if bytes.len() as u64 > max_bytes {
            return Err(too_large_stream(max_bytes).with_path(name));
        }
        Self::from_bytes_with_limit(name, bytes, max_bytes)
    }

    /// Check `bytes` read from elsewhere (stdin, a library caller), named `name` in messages,
    /// capped at [`DEFAULT_MAX_FILE_SIZE`].
    pub fn from_bytes(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Result<Self, Error> {
        Self::from_bytes_with_limit(name, bytes, DEFAULT_MAX_FILE_SIZE)
    }

    /// [`SourceFile::from_bytes`] with a size cap of `max_bytes`.
    pub fn from_bytes_with_limit(
        name: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
        max_bytes: u64,
    ) -> Result<Self, Error> {
        let name = name.into();
        let bytes = bytes.into();
        let fail = |err: Error| err.with_path(name.as_str());
        if bytes.len() as u64 > max_bytes {
            return Err(fail(too_large(bytes.len() as u64, max_bytes)));
        }
        check_content(&bytes).map_err(fail)?;
        let text = String::from_utf8(bytes).map_err(|err| {
            let bytes = err.as_bytes();
            let at = err.utf8_error().valid_up_to();
            let (line, col) = position(bytes, at);
            fail(
                Error::new(
                    ErrorKind::Input,
                    format!(
                        "invalid UTF-8 (byte 0x{:02x}); restage reads UTF-8 text only",
                        bytes[at]
                    ),
                )
                .at(line, col),
            )
        })?;
        Ok(Self {
            name,
            path: None,
            text,
        })
    }

    /// The name used in messages: the path as given, or the name passed to `from_bytes`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path the file was read from, if it came from disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The text, byte for byte as read (BOM and CRLF included).
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn into_text(self) -> String {
        self.text
    }

    /// Whether the text starts with a UTF-8 byte order mark.
    pub fn has_bom(&self) -> bool {
        self.text.starts_with('\u{feff}')
    }

    /// The line ending of the first line ([`LineEnding::Lf`] when there is only one line): the
    /// one to use for lines restage adds.
    pub fn line_ending(&self) -> LineEnding {
        match self.text.find('\n') {
            Some(at) if self.text[..at].ends_with('\r') => LineEnding::Crlf,
            _ => LineEnding::Lf,
        }
    }
}

fn too_large(len: u64, max: u64) -> Error {
    Error::new(
        ErrorKind::Input,
        format!(
            "file too large ({} bytes; the limit is {})",
            len,
            human_size(max)
        ),
    )
}

fn too_large_stream(max: u64) -> Error {
    Error::new(
        ErrorKind::Input,
        format!("file too large (over the limit of {})", human_size(max)),
    )
}

fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reject empty and binary content.
fn check_content(bytes: &[u8]) -> Result<(), Error> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if body.is_empty() {
        return Err(Error::new(ErrorKind::Input, "empty file"));
    }
    if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
        return Err(Error::new(
            ErrorKind::Input,
            "UTF-16 text is not supported; save the file as UTF-8",
        )
        .at(1, 1));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        let (line, col) = position(bytes, at);
        return Err(Error::new(ErrorKind::Input, "binary file (NUL byte)").at(line, col));
    }
    // Many control characters other than whitespace and ESC mean binary content.
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    let is_odd = |b: &u8| b.is_ascii_control() && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b);
    let odd = head.iter().filter(|b| is_odd(b)).count();
    if odd * 10 > head.len() {
        let at = head.iter().position(is_odd).unwrap_or(0);
        let (line, col) = position(bytes, at);
        return Err(Error::new(ErrorKind::Input, "binary file (control characters)").at(line, col));
    }
    Ok(())
}

/// 1-based line and column (in chars) of byte `at`, for bytes that may not all be UTF-8.
fn position(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    // Count chars by their first bytes (anything but a UTF-8 continuation byte).
    let col = before[line_start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_chars() {
        assert_eq!(position(b"ab\ncd", 4), (2, 2));
        assert_eq!(position("é\u{20ac}x".as_bytes(), 5), (1, 3));
        assert_eq!(position(b"", 0), (1, 1));
    }

    #[test]
    fn line_endings() {
        let crlf = SourceFile::from_bytes("f", "FROM a\r\nRUN b\n").unwrap();
        assert_eq!(crlf.line_ending(), LineEnding::Crlf);
        let lf = SourceFile::from_bytes("f", "FROM a\nRUN b\r\n").unwrap();
        assert_eq!(lf.line_ending(), LineEnding::Lf);
        assert_eq!(
            SourceFile::from_bytes("f", "FROM a").unwrap().line_ending(),
            LineEnding::Lf
        );
    }
}
