//! Typed views of one instruction.

use crate::text::TextRange;
use serde::Serialize;
use std::borrow::Cow;

/// One Dockerfile instruction, with everything BuildKit's parser knows about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// The keyword, upper-cased (`RUN`), whatever case it was written in.
    /// Borrowed from a static name for the known keywords, so it costs no allocation.
    pub keyword: Cow<'static, str>,
    /// The keyword as written (`run`).
    #[serde(skip)]
    pub keyword_text: Cow<'static, str>,
    /// All physical lines of the instruction, from the start of its first line to the end of its
    /// last (heredoc bodies included), with the final line terminator.
    pub range: TextRange,
    /// The keyword itself.
    #[serde(skip)]
    pub keyword_range: TextRange,
    /// 1-based line of the keyword.
    pub start_line: usize,
    /// 1-based last line, heredoc terminators and trailing continuation lines included.
    pub end_line: usize,
    /// Builder flags (`--mount=...`), in order.
    pub flags: Vec<Flag>,
    /// Exec (JSON) or shell form, for instructions that can take either.
    pub form: Option<Form>,
    /// The logical line after the keyword and flags: continuations joined, comments inside the
    /// continuation dropped, trimmed. For `RUN apt-get update && \ install` this is the command.
    pub arguments: String,
    /// BuildKit's parsed values: the JSON array elements in exec form, the whitespace-separated
    /// words for FROM/EXPOSE and shell-form COPY/ADD/VOLUME, `[key, value, ...]` pairs for
    /// ENV/LABEL, the words for ARG, the whole string for shell form RUN/CMD/ENTRYPOINT.
    pub values: Vec<String>,
    /// Heredocs, in the order their bodies follow the instruction.
    pub heredocs: Vec<Heredoc>,
    /// For `ONBUILD`, the instruction it wraps.
    pub onbuild: Option<Box<Instruction>>,
}

/// Exec form (`["a", "b"]`) or shell form (`a b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    Exec,
    Shell,
}

/// A builder flag such as `--mount=type=cache,target=/root/.npm`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The name without dashes: `mount`.
    pub name: String,
    /// The value after `=`, with quotes and escapes resolved; `None` for a bare `--link`.
    pub value: Option<String>,
}

impl Flag {
    /// The flag as BuildKit prints it: `--name=value`, or `--name`.
    pub fn to_buildkit(&self) -> String {
        match &self.value {
            Some(v) => format!("--{}={}", self.name, v),
            None => format!("--{}", self.name),
        }
    }
}

/// A heredoc body attached to `RUN`, `COPY` or `ADD`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The terminator word, quotes removed.
    pub name: String,
    /// The body as written, without the terminator line. For `<<-` BuildKit's parser keeps the
    /// leading tabs here too (they are stripped when the build runs).
    pub content: String,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub strip_tabs: bool,
    /// Whether variables in the body are expanded (false when the name was quoted).
    pub expand: bool,
    /// The file descriptor before `<<` (0 when none was written).
    pub fd: u32,
    /// The body lines and the terminator line.
    #[serde(skip)]
    pub range: TextRange,
}

impl Instruction {
    /// Whether this is the given (upper-case) keyword.
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword == keyword
    }

    /// The value of the first flag called `name`.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.value.as_deref())
    }

    /// Whether a flag called `name` is present, with or without a value.
    pub fn has_flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f.name == name)
    }

    /// The exec-form arguments, if the instruction is in exec form.
    pub fn exec_args(&self) -> Option<&[String]> {
        (self.form == Some(Form::Exec)).then_some(self.values.as_slice())
    }

    /// The shell-form command text, if the instruction is in shell form.
    pub fn shell_command(&self) -> Option<&str> {
        (self.form == Some(Form::Shell)).then_some(self.arguments.as_str())
    }

    /// For `FROM`: the image reference (`node:18-alpine`).
    pub fn from_image(&self) -> Option<&str> {
        if !self.is("FROM") {
            return None;
        }
        self.values.first().map(String::as_str)
    }

    /// For `FROM image AS name`: the stage name, as written.
    pub fn stage_name(&self) -> Option<&str> {
        if !self.is("FROM") || self.values.len() < 3 || !self.values[1].eq_ignore_ascii_case("as") {
            return None;
        }
        Some(self.values[2].as_str())
    }

    /// For `ENV`, `LABEL`: the `(key, value)` pairs, quotes left as written.
    pub fn key_values(&self) -> Vec<(&str, &str)> {
        self.values
            .chunks(2)
            .filter_map(|c| match c {
                [k, v] => Some((k.as_str(), v.as_str())),
                _ => None,
            })
            .collect()
    }
}
