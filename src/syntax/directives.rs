//! Parser directives.
use serde::Serialize;

/// Parser directives found at the top of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directives {
    pub syntax: Option<String>,
    pub escape: char,
    pub check: Option<String>,
}

impl Default for Directives {
    fn default() -> Self {
        Self { syntax: None, escape: '\\', check: None }
    }
}
