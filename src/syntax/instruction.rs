//! Typed views of one instruction.

use super::kind::Kind;
use super::values::{Spans, Values};
use crate::text::TextRange;
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// One Dockerfile instruction, with everything BuildKit's parser knows about it.
///
/// The arguments and the values are read through [`arguments`](Instruction::arguments) and
/// [`values`](Instruction::values). They live in one text buffer shared by all instructions of
/// a parse, so an instruction costs no allocation of its own in the common case (up to four
/// values, no flags or heredocs).
#[derive(Clone)]
pub struct Instruction {
    /// What the instruction is, from its keyword ([`Kind::Unknown`] for a keyword BuildKit does
    /// not know). Not serialized: `keyword` says the same.
    pub kind: Kind,
    /// The keyword, upper-cased (`RUN`), whatever case it was written in.
    /// Borrowed from a static name for the known keywords, so it costs no allocation.
    /// The keyword as written (`run`) is [`keyword_text`](Instruction::keyword_text).
    pub keyword: Cow<'static, str>,
    /// All physical lines of the instruction, from the start of its first line to the end of its
    /// last (heredoc bodies included), with the final line terminator.
    pub range: TextRange,
    /// The keyword itself. Not serialized.
    pub keyword_range: TextRange,
    /// 1-based line of the keyword.
    pub start_line: usize,
    /// 1-based last line, heredoc terminators and trailing continuation lines included.
    pub end_line: usize,
    /// Builder flags (`--mount=...`), in order. A boxed slice rather than a `Vec`: most
    /// instructions have none, and a large file's tree holds one per instruction.
    pub flags: Box<[Flag]>,
    /// Exec (JSON) or shell form, for instructions that can take either.
    pub form: Option<Form>,
    /// The arguments of every instruction of the parse, each followed by its values that are
    /// not slices of them (decoded exec-form strings). Shared, so cloning an instruction keeps
    /// the whole buffer alive.
    pub(super) text: Arc<String>,
    /// Where this instruction's keyword as written starts in `text`, where its arguments
    /// start (just after the keyword) and where they end (see
    /// [`keyword_text`](Instruction::keyword_text) and [`arguments`](Instruction::arguments)).
    /// `u32`, as [`parse`](super::parse) takes no text whose buffer could pass 4 GiB: 16 bytes
    /// less an instruction (a large file's output tree holds two per original instruction).
    pub(super) spans: [u32; 3],
    /// Where each value lies in `text` (see [`values`](Instruction::values)).
    pub(super) values: Spans,
    /// Heredocs, in the order their bodies follow the instruction (a boxed slice, as `flags`).
    pub heredocs: Box<[Heredoc]>,
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
    /// The logical line after the keyword and flags: continuations joined, comments inside the
    /// continuation dropped, trimmed. For `RUN apt-get update && \ install` this is the command.
    pub fn arguments(&self) -> &str {
        let [_, start, end] = self.spans;
        &self.text[start as usize..end as usize]
    }

    /// The keyword as written (`run`), where [`keyword`](Instruction::keyword) is upper-cased.
    pub fn keyword_text(&self) -> &str {
        let [start, end, _] = self.spans;
        &self.text[start as usize..end as usize]
    }

    /// BuildKit's parsed values: the JSON array elements in exec form, the whitespace-separated
    /// words for FROM/EXPOSE and shell-form COPY/ADD/VOLUME, `[key, value, ...]` pairs for
    /// ENV/LABEL, the words for ARG, the whole arguments for shell-form RUN/CMD/ENTRYPOINT.
    /// A borrowed view; [`Values::to_vec`] makes owned copies.
    pub fn values(&self) -> Values<'_> {
        self.values.view(&self.text)
    }

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

    /// Whether a COPY/ADD (or any instruction's values, read as sources and a destination)
    /// brings in the whole build context (`COPY . .`, `COPY ./ /app`), not from another stage.
    pub fn copies_whole_context(&self) -> bool {
        if self.flag("from").is_some() || self.values().len() < 2 {
            return false;
        }
        let sources = self.values().all_but_last();
        sources
            .iter()
            .any(|s| matches!(s.trim_end_matches('/'), "." | "./" | "" | "./."))
    }

    /// The exec-form arguments, if the instruction is in exec form.
    pub fn exec_args(&self) -> Option<Values<'_>> {
        (self.form == Some(Form::Exec)).then(|| self.values())
    }

    /// The shell-form command text, if the instruction is in shell form.
    pub fn shell_command(&self) -> Option<&str> {
        (self.form == Some(Form::Shell)).then(|| self.arguments())
    }

    /// For `FROM`: the image reference (`node:18-alpine`).
    pub fn from_image(&self) -> Option<&str> {
        if !self.is("FROM") {
            return None;
        }
        self.values().first()
    }

    /// For `FROM image AS name`: the stage name, as written.
    pub fn stage_name(&self) -> Option<&str> {
        let values = self.values();
        if !self.is("FROM") || values.len() < 3 || !values[1].eq_ignore_ascii_case("as") {
            return None;
        }
        values.get(2)
    }

    /// For `ENV`, `LABEL`: the `(key, value)` pairs, quotes left as written.
    pub fn key_values(&self) -> Vec<(&str, &str)> {
        let values = self.values();
        let mut pairs = Vec::with_capacity(values.len() / 2);
        let mut iter = values.iter();
        while let (Some(key), Some(value)) = (iter.next(), iter.next()) {
            pairs.push((key, value));
        }
        pairs
    }
}

impl fmt::Debug for Instruction {
    /// The fields as the derived `Debug` printed them when `arguments` and `values` were fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Instruction")
            .field("keyword", &self.keyword)
            .field("keyword_text", &self.keyword_text())
            .field("range", &self.range)
            .field("keyword_range", &self.keyword_range)
            .field("start_line", &self.start_line)
            .field("end_line", &self.end_line)
            .field("flags", &self.flags)
            .field("form", &self.form)
            .field("arguments", &self.arguments())
            .field("values", &self.values())
            .field("heredocs", &self.heredocs)
            .field("onbuild", &self.onbuild)
            .finish()
    }
}

impl PartialEq for Instruction {
    /// Field by field, with the arguments and values compared as text (not by where their bytes
    /// are stored).
    fn eq(&self, other: &Self) -> bool {
        self.keyword == other.keyword
            && self.keyword_text() == other.keyword_text()
            && self.range == other.range
            && self.keyword_range == other.keyword_range
            && self.start_line == other.start_line
            && self.end_line == other.end_line
            && self.flags == other.flags
            && self.form == other.form
            && self.arguments() == other.arguments()
            && self.values() == other.values()
            && self.heredocs == other.heredocs
            && self.onbuild == other.onbuild
    }
}

impl Eq for Instruction {}

impl Serialize for Instruction {
    /// The fields, names and order that the derived `Serialize` gave when `arguments` and
    /// `values` were fields (`keyword_text` and `keyword_range` skipped), so JSON output is
    /// unchanged.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Instruction", 10)?;
        s.serialize_field("keyword", &self.keyword)?;
        s.serialize_field("range", &self.range)?;
        s.serialize_field("start_line", &self.start_line)?;
        s.serialize_field("end_line", &self.end_line)?;
        s.serialize_field("flags", &self.flags)?;
        s.serialize_field("form", &self.form)?;
        s.serialize_field("arguments", self.arguments())?;
        s.serialize_field("values", &self.values())?;
        s.serialize_field("heredocs", &self.heredocs)?;
        s.serialize_field("onbuild", &self.onbuild)?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::{Flag, Form, Heredoc, TextRange};
    use serde::Serialize;
    use std::borrow::Cow;

    /// The instruction as it was before the arguments and values shared one buffer: the
    /// serialized and debug output must not have changed.
    #[derive(Debug, Serialize)]
    // `keyword_text` and `keyword_range` are read only by the derived `Debug`.
    #[allow(dead_code)]
    struct Instruction {
        keyword: Cow<'static, str>,
        #[serde(skip)]
        keyword_text: Cow<'static, str>,
        range: TextRange,
        #[serde(skip)]
        keyword_range: TextRange,
        start_line: usize,
        end_line: usize,
        flags: Vec<Flag>,
        form: Option<Form>,
        arguments: String,
        values: Vec<String>,
        heredocs: Vec<Heredoc>,
        onbuild: Option<Box<Instruction>>,
    }

    fn with_fields(i: &super::Instruction) -> Instruction {
        Instruction {
            keyword: i.keyword.clone(),
            keyword_text: Cow::Owned(i.keyword_text().to_string()),
            range: i.range,
            keyword_range: i.keyword_range,
            start_line: i.start_line,
            end_line: i.end_line,
            flags: i.flags.to_vec(),
            form: i.form,
            arguments: i.arguments().to_string(),
            values: i.values().to_vec(),
            heredocs: i.heredocs.to_vec(),
            onbuild: i.onbuild.as_deref().map(|o| Box::new(with_fields(o))),
        }
    }

    #[test]
    fn serializes_and_prints_as_the_struct_with_arguments_and_values_fields() {
        let df = parse(
            "FROM a AS b\nENV k=v \\\n  x=\"y z\"\nRUN --mount=type=cache,target=/c echo hi\n\
             CMD [\"node\", \"a\\u0041\"]\nONBUILD RUN [\"x\"]\nHEALTHCHECK CMD curl x\n\
             COPY <<EOF /a\nbody\nEOF\nLABEL a=1 b=2 c=3\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        for i in &df.instructions {
            let old = with_fields(i);
            assert_eq!(
                serde_json::to_string(i).unwrap(),
                serde_json::to_string(&old).unwrap()
            );
            assert_eq!(format!("{i:?}"), format!("{old:?}"));
            assert_eq!(format!("{i:#?}"), format!("{old:#?}"));
        }
    }

    #[test]
    fn key_values_pairs_the_values_and_drops_an_odd_one() {
        let df = parse("ENV a=1 b=\"2 3\"\nENV KEY some value\nHEALTHCHECK CMD x\n");
        assert_eq!(
            df.instructions[0].key_values(),
            [("a", "1"), ("b", "\"2 3\"")]
        );
        assert_eq!(df.instructions[1].key_values(), [("KEY", "some value")]);
        assert_eq!(df.instructions[2].values(), ["CMD", "x"]);
        assert_eq!(df.instructions[2].key_values(), [("CMD", "x")]);
    }

    #[test]
    fn values_of_every_shape_read_from_the_shared_text() {
        let df = parse(
            "ONBUILD CMD [\"a\", \"b\\u0041\"]\nHEALTHCHECK --interval=5s CMD [\"x\"]\n\
             ENV a=1 \\\n  b=2 c=3\nCOPY x y z w v ./\nENTRYPOINT exec \\\n  run\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        let values: Vec<Vec<String>> = df
            .instructions
            .iter()
            .map(|i| i.values().to_vec())
            .collect();
        assert_eq!(
            values,
            [
                vec!["a", "bA"],
                vec!["CMD", "x"],
                vec!["a", "1", "b", "2", "c", "3"],
                vec!["x", "y", "z", "w", "v", "./"],
                vec!["exec   run"],
            ]
        );
        let inner = df.instructions[0].onbuild.as_deref().unwrap();
        assert_eq!(inner.values(), ["a", "bA"]);
        assert_eq!(inner.arguments(), "[\"a\", \"b\\u0041\"]");
        assert_eq!(df.instructions[1].arguments(), "CMD [\"x\"]");
        // A clone keeps the text it reads alive after the tree is gone.
        let kept = df.instructions[2].clone();
        drop(df);
        assert_eq!(kept.key_values(), [("a", "1"), ("b", "2"), ("c", "3")]);
    }

    #[test]
    fn equality_compares_values_as_text() {
        let a = parse("CMD [\"a\", \"b\"]\n");
        let b = parse("CMD [\"a\", \"b\"]\n");
        assert_eq!(a.instructions[0], b.instructions[0]);
        let c = parse("CMD [\"a\", \"c\"]\n");
        assert_ne!(a.instructions[0], c.instructions[0]);
    }
}
