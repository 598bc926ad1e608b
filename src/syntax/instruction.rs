//! Typed views of one instruction.

use super::kind::Kind;
use super::values::{Spans, Values};
use crate::text::TextRange;
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use std::fmt;
use std::sync::Arc;

/// One Dockerfile instruction, with everything BuildKit's parser knows about it.
///
/// The arguments and the values are read through [`arguments`](Instruction::arguments) and
/// [`values`](Instruction::values). They live in one text buffer shared by all instructions of
/// a parse, so an instruction costs no allocation of its own in the common case (up to four
/// values, no flags or heredocs, a keyword BuildKit knows).
///
/// A large file's tree holds one instruction per line (and a rewrite's output tree two per
/// original instruction), so what most instructions lack is not stored in each: the keyword is
/// derived from [`kind`](Instruction::kind), the lines are `u32` (a parse reads no text over
/// [`MAX_TEXT`](super::MAX_TEXT)), and the flags, heredocs, wrapped instruction and an unknown
/// keyword sit behind one pointer, read through [`keyword`](Instruction::keyword),
/// [`flags`](Instruction::flags), [`heredocs`](Instruction::heredocs) and
/// [`onbuild`](Instruction::onbuild).
#[derive(Clone)]
pub struct Instruction {
    /// What the instruction is, from its keyword ([`Kind::Unknown`] for a keyword BuildKit does
    /// not know). Not serialized: `keyword` says the same.
    pub kind: Kind,
    /// Exec (JSON) or shell form, for instructions that can take either.
    pub form: Option<Form>,
    /// [`range`](Instruction::range) and [`keyword_range`](Instruction::keyword_range), as
    /// `u32` offsets (a parse reads no text over [`MAX_TEXT`](super::MAX_TEXT)).
    pub(super) ranges: [[u32; 2]; 2],
    /// See [`start_line`](Instruction::start_line) and [`end_line`](Instruction::end_line).
    pub(super) lines: [u32; 2],
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
    /// What few instructions have; `None` when it would all be empty.
    pub(super) rare: Option<Box<Rare>>,
}

/// The parts of an instruction that most instructions lack, boxed together (see
/// [`Instruction`]): 8 bytes an instruction instead of 64.
#[derive(Clone, Default)]
pub(super) struct Rare {
    /// The upper-cased keyword when it is not the static name of [`Instruction::kind`]: an
    /// unknown keyword, or a known one written with non-ASCII letters.
    pub(super) keyword: Option<String>,
    pub(super) flags: Box<[Flag]>,
    pub(super) heredocs: Box<[Heredoc]>,
    pub(super) onbuild: Option<Box<Instruction>>,
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
    /// The keyword, upper-cased (`RUN`), whatever case it was written in.
    /// The static name of [`kind`](Instruction::kind) for the known keywords, so it costs no
    /// allocation. The keyword as written (`run`) is [`keyword_text`](Instruction::keyword_text).
    #[inline]
    pub fn keyword(&self) -> &str {
        match self.rare.as_deref().and_then(|r| r.keyword.as_deref()) {
            Some(keyword) => keyword,
            None => self.kind.keyword().unwrap_or_default(),
        }
    }

    /// All physical lines of the instruction, from the start of its first line to the end of its
    /// last (heredoc bodies included), with the final line terminator.
    #[inline]
    pub fn range(&self) -> TextRange {
        let [start, end] = self.ranges[0];
        TextRange::new(start as usize, end as usize)
    }

    /// The keyword itself. Not serialized.
    #[inline]
    pub fn keyword_range(&self) -> TextRange {
        let [start, end] = self.ranges[1];
        TextRange::new(start as usize, end as usize)
    }

    /// 1-based line of the keyword.
    #[inline]
    pub fn start_line(&self) -> usize {
        self.lines[0] as usize
    }

    /// 1-based last line, heredoc terminators and trailing continuation lines included.
    #[inline]
    pub fn end_line(&self) -> usize {
        self.lines[1] as usize
    }

    /// Builder flags (`--mount=...`), in order.
    #[inline]
    pub fn flags(&self) -> &[Flag] {
        self.rare.as_deref().map_or(&[], |r| &r.flags)
    }

    /// Heredocs, in the order their bodies follow the instruction.
    #[inline]
    pub fn heredocs(&self) -> &[Heredoc] {
        self.rare.as_deref().map_or(&[], |r| &r.heredocs)
    }

    /// For `ONBUILD`, the instruction it wraps.
    #[inline]
    pub fn onbuild(&self) -> Option<&Instruction> {
        self.rare.as_deref().and_then(|r| r.onbuild.as_deref())
    }

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
        self.keyword() == keyword
    }

    /// The value of the first flag called `name`.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags()
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.value.as_deref())
    }

    /// Whether a flag called `name` is present, with or without a value.
    pub fn has_flag(&self, name: &str) -> bool {
        self.flags().iter().any(|f| f.name == name)
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
            .field("keyword", &self.keyword())
            .field("keyword_text", &self.keyword_text())
            .field("range", &self.range())
            .field("keyword_range", &self.keyword_range())
            .field("start_line", &self.start_line())
            .field("end_line", &self.end_line())
            .field("flags", &self.flags())
            .field("form", &self.form)
            .field("arguments", &self.arguments())
            .field("values", &self.values())
            .field("heredocs", &self.heredocs())
            .field("onbuild", &self.onbuild())
            .finish()
    }
}

impl PartialEq for Instruction {
    /// Field by field, with the arguments and values compared as text (not by where their bytes
    /// are stored).
    fn eq(&self, other: &Self) -> bool {
        self.keyword() == other.keyword()
            && self.keyword_text() == other.keyword_text()
            && self.ranges == other.ranges
            && self.lines == other.lines
            && self.flags() == other.flags()
            && self.form == other.form
            && self.arguments() == other.arguments()
            && self.values() == other.values()
            && self.heredocs() == other.heredocs()
            && self.onbuild() == other.onbuild()
    }
}

impl Eq for Instruction {}

impl Serialize for Instruction {
    /// The fields, names and order that the derived `Serialize` gave when `arguments` and
    /// `values` were fields (`keyword_text` and `keyword_range` skipped), so JSON output is
    /// unchanged.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Instruction", 10)?;
        s.serialize_field("keyword", self.keyword())?;
        s.serialize_field("range", &self.range())?;
        s.serialize_field("start_line", &self.start_line())?;
        s.serialize_field("end_line", &self.end_line())?;
        s.serialize_field("flags", self.flags())?;
        s.serialize_field("form", &self.form)?;
        s.serialize_field("arguments", self.arguments())?;
        s.serialize_field("values", &self.values())?;
        s.serialize_field("heredocs", self.heredocs())?;
        s.serialize_field("onbuild", &self.onbuild())?;
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
            keyword: Cow::Owned(i.keyword().to_string()),
            keyword_text: Cow::Owned(i.keyword_text().to_string()),
            range: i.range(),
            keyword_range: i.keyword_range(),
            start_line: i.start_line(),
            end_line: i.end_line(),
            flags: i.flags().to_vec(),
            form: i.form,
            arguments: i.arguments().to_string(),
            values: i.values().to_vec(),
            heredocs: i.heredocs().to_vec(),
            onbuild: i.onbuild().map(|o| Box::new(with_fields(o))),
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

    /// One generated instruction line: a keyword (known or not, in any case), maybe flags,
    /// maybe a heredoc, maybe wrapped in ONBUILD, maybe continued over two lines.
    fn instruction_line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let keyword = prop_oneof![
            Just("RUN"),
            Just("run"),
            Just("CoPy"),
            Just("FROM"),
            Just("env"),
            Just("frobnicate"),
            Just("\u{212A}ey"),
            Just("CMD"),
        ];
        let flags = prop_oneof![
            Just(""),
            Just("--mount=type=cache,target=/c "),
            Just("--link "),
        ];
        let args = prop_oneof![
            Just("a b"),
            Just("[\"x\", \"y\"]"),
            Just("<<EOF /d\nbody\nEOF"),
            Just("a \\\n  b"),
        ];
        (any::<bool>(), keyword, flags, args).prop_map(|(onbuild, keyword, flags, args)| {
            let prefix = if onbuild { "ONBUILD " } else { "" };
            format!("{prefix}{keyword} {flags}{args}\n")
        })
    }

    proptest::proptest! {
        /// The derived keyword, the `u32` lines and ranges and the boxed rare parts read as the
        /// fields they replaced: the upper-cased keyword as written, the item's range, and the
        /// serialized and debug forms of the struct with every field (built independently of
        /// how they are stored); the box exists only when something rare is in it.
        #[test]
        fn accessors_read_as_the_old_fields(
            lines in proptest::collection::vec(instruction_line(), 1..8),
        ) {
            let text = lines.concat();
            let df = parse(&text);
            let mut ranges = df.items.iter().filter_map(|item| match item {
                crate::syntax::Item::Instruction { range, .. } => Some(*range),
                _ => None,
            });
            for i in &df.instructions {
                let written = i.keyword_text();
                let upper = if written.is_ascii() {
                    written.to_ascii_uppercase()
                } else {
                    written.to_uppercase()
                };
                proptest::prop_assert_eq!(i.keyword(), upper.as_str());
                proptest::prop_assert_eq!(Some(i.range()), ranges.next());
                proptest::prop_assert!(i.start_line() <= i.end_line());
                proptest::prop_assert_eq!(
                    i.keyword_range().slice(&text).to_ascii_uppercase().replace("\\\n", ""),
                    written.to_ascii_uppercase()
                );
                let rare = i.kind == crate::syntax::Kind::Unknown
                    || !written.is_ascii()
                    || !i.flags().is_empty()
                    || !i.heredocs().is_empty()
                    || i.onbuild().is_some();
                proptest::prop_assert_eq!(i.rare.is_some(), rare);
                let old = with_fields(i);
                proptest::prop_assert_eq!(
                    serde_json::to_string(i).unwrap(),
                    serde_json::to_string(&old).unwrap()
                );
                proptest::prop_assert_eq!(format!("{i:?}"), format!("{old:?}"));
            }
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
        let inner = df.instructions[0].onbuild().unwrap();
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
