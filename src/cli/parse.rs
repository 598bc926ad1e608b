//! `restage parse`: print the syntax tree, as text or as the fixed JSON shape.

use super::args::{ParseArgs, SimpleFormat};
use super::exit::ExitStatus;
use super::input::{self, Stdin};
use super::walk::Input;
use crate::syntax::{self, Dockerfile, Form, Instruction};
use serde::Serialize;
use std::io::{self, Write};

/// The JSON document (shape fixed by issue 2).
#[derive(Debug, Serialize)]
pub struct TreeJson<'a> {
    pub directives: DirectivesJson<'a>,
    pub instructions: Vec<InstructionJson<'a>>,
    pub errors: Vec<ErrorJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct DirectivesJson<'a> {
    pub syntax: Option<&'a str>,
    pub escape: String,
    pub check: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct InstructionJson<'a> {
    pub keyword: &'a str,
    pub start_line: usize,
    pub end_line: usize,
    pub span: [usize; 2],
    pub flags: Vec<String>,
    pub form: Option<&'static str>,
    pub heredocs: Vec<HeredocJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct HeredocJson<'a> {
    pub name: &'a str,
    pub content: &'a str,
}

#[derive(Debug, Serialize)]
pub struct ErrorJson<'a> {
    pub line: usize,
    pub col: usize,
    pub message: &'a str,
}

fn form_name(form: Option<Form>) -> Option<&'static str> {
    form.map(|f| match f {
        Form::Exec => "exec",
        Form::Shell => "shell",
    })
}

impl<'a> TreeJson<'a> {
    pub fn new(tree: &'a Dockerfile) -> Self {
        TreeJson {
            directives: DirectivesJson {
                syntax: tree.directives.syntax.as_deref(),
                escape: tree.directives.escape.to_string(),
                check: tree.directives.check.as_deref(),
            },
            instructions: tree.instructions.iter().map(instruction_json).collect(),
            errors: tree
                .errors
                .iter()
                .map(|e| ErrorJson {
                    line: e.line,
                    col: e.col,
                    message: &e.message,
                })
                .collect(),
        }
    }
}

fn instruction_json(i: &Instruction) -> InstructionJson<'_> {
    InstructionJson {
        keyword: i.keyword(),
        start_line: i.start_line(),
        end_line: i.end_line(),
        span: [i.range().start, i.range().end],
        flags: i.flags().iter().map(|f| f.to_buildkit()).collect(),
        form: form_name(i.form),
        heredocs: i
            .heredocs()
            .iter()
            .map(|h| HeredocJson {
                name: &h.name,
                content: &h.content,
            })
            .collect(),
    }
}

/// One line per instruction: `3-5  RUN  --mount=...  <<EOF  [shell]`.
pub fn write_text(tree: &Dockerfile, out: &mut dyn Write) -> io::Result<()> {
    let lines: Vec<String> = tree
        .instructions
        .iter()
        .map(|i| {
            if i.start_line() == i.end_line() {
                i.start_line().to_string()
            } else {
                format!("{}-{}", i.start_line(), i.end_line())
            }
        })
        .collect();
    let line_width = lines.iter().map(String::len).max().unwrap_or(0);
    let keyword_width = tree
        .instructions
        .iter()
        .map(|i| i.keyword().len())
        .max()
        .unwrap_or(0);
    for (instruction, lines) in tree.instructions.iter().zip(&lines) {
        let mut parts: Vec<String> = instruction
            .flags()
            .iter()
            .map(|f| f.to_buildkit())
            .collect();
        parts.extend(
            instruction
                .heredocs()
                .iter()
                .map(|h| format!("<<{}", h.name)),
        );
        if let Some(form) = form_name(instruction.form) {
            parts.push(format!("[{form}]"));
        }
        let mut line = format!(
            "{lines:<line_width$}  {:<keyword_width$}",
            instruction.keyword()
        );
        if !parts.is_empty() {
            line.push_str("  ");
            line.push_str(&parts.join("  "));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Run `restage parse`.
pub fn run(
    args: &ParseArgs,
    stdin: Option<&Stdin>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<ExitStatus> {
    let input = if args.file.as_os_str() == "-" {
        Input::Stdin
    } else {
        Input::File(args.file.clone())
    };
    let loaded = match input::load(&input, stdin) {
        Ok(loaded) => loaded,
        Err(error) => {
            writeln!(err, "{error}")?;
            return Ok(ExitStatus::Error);
        }
    };
    let tree = syntax::parse(&loaded.text);
    match args.format {
        SimpleFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &TreeJson::new(&tree))?;
            writeln!(out)?;
        }
        SimpleFormat::Text => write_text(&tree, out)?,
    }
    out.flush()?;
    for error in &tree.errors {
        writeln!(
            err,
            "{}:{}:{}: {}",
            loaded.name, error.line, error.col, error.message
        )?;
    }
    Ok(if tree.errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    })
}
