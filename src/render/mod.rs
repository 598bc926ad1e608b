//! `Plan` → text, through the templates in `templates/` (minijinja, strict undefined).
//!
//! Render decides nothing: kept instructions are written byte for byte, and every new line comes
//! from a template. `--templates-dir` replaces templates by file name.

use crate::error::{Error, ErrorKind, Result};
use crate::plan::Plan;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use std::path::Path;

/// The templates compiled into the binary, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "Dockerfile.j2",
        include_str!("../../templates/Dockerfile.j2"),
    ),
    (
        "step/comment.j2",
        include_str!("../../templates/step/comment.j2"),
    ),
    ("step/copy.j2", include_str!("../../templates/step/copy.j2")),
    (
        "step/create_user.j2",
        include_str!("../../templates/step/create_user.j2"),
    ),
    ("step/env.j2", include_str!("../../templates/step/env.j2")),
    ("step/exec.j2", include_str!("../../templates/step/exec.j2")),
    ("step/kept.j2", include_str!("../../templates/step/kept.j2")),
    (
        "step/packages.j2",
        include_str!("../../templates/step/packages.j2"),
    ),
    ("step/run.j2", include_str!("../../templates/step/run.j2")),
    ("step/user.j2", include_str!("../../templates/step/user.j2")),
    (
        "step/workdir.j2",
        include_str!("../../templates/step/workdir.j2"),
    ),
];

/// How the original file ended its lines; the output follows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextStyle {
    pub crlf: bool,
    pub final_newline: bool,
}

/// A template set ready to render plans.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The embedded templates, with files from `dir` (if given) added or replacing them by
    /// relative path (e.g. `step/run.j2`, `go/step/copy.j2`).
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(
            SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .map_err(template_error)?,
        );
        env.add_filter("exec_form", exec_form);
        env.add_filter("insert_flags", insert_flags);
        for (name, source) in EMBEDDED {
            env.add_template(name, source).map_err(template_error)?;
        }
        if let Some(dir) = dir {
            for (name, source) in read_dir_templates(dir)? {
                env.add_template_owned(name, source)
                    .map_err(template_error)?;
            }
        }
        Ok(Self { env })
    }

    /// Render a plan into Dockerfile text in the original's line-ending style.
    pub fn render(&self, plan: &Plan, style: TextStyle) -> Result<String> {
        let template = self
            .env
            .get_template("Dockerfile.j2")
            .map_err(template_error)?;
        let text = template
            .render(Value::from(Serde(plan)))
            .map_err(template_error)?;
        Ok(apply_style(&text, style))
    }
}

fn template_error(err: minijinja::Error) -> Error {
    let mut message = format!("template error: {err}");
    if let Some(detail) = err.detail() {
        message.push_str(&format!(" ({detail})"));
    }
    let error = Error::new(ErrorKind::Profile, message);
    match (err.name(), err.line()) {
        (Some(name), Some(line)) => error.with_path(name.to_string()).at(line, 1),
        _ => error,
    }
}

fn read_dir_templates(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| Error::io(&folder, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&folder, &e))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "j2") {
                let source = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, &e))?;
                let name = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((name, source));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `["a", "b"]`: JSON strings joined the way Dockerfiles are usually written.
fn exec_form(args: Vec<String>) -> String {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| serde_json::to_string(a).unwrap_or_default())
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// Insert `--flag` words right after the keyword of a kept instruction (whose text may start
/// with comment lines).
fn insert_flags(text: String, flags: Vec<String>) -> String {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            offset += line.len();
            continue;
        }
        let indent = line.len() - trimmed.len();
        let keyword_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let at = offset + indent + keyword_len;
        let inserted: String = flags.iter().map(|f| format!(" --{f}")).collect();
        return format!("{}{}{}", &text[..at], inserted, &text[at..]);
    }
    text
}

/// Follow the original's line endings and final newline.
fn apply_style(text: &str, style: TextStyle) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 20);
    if style.crlf {
        let mut prev = '\0';
        for ch in text.chars() {
            if ch == '\n' && prev != '\r' {
                out.push('\r');
            }
            out.push(ch);
            prev = ch;
        }
    } else {
        out.push_str(text);
    }
    if !style.final_newline {
        while out.ends_with('\n') {
            out.pop();
            if out.ends_with('\r') {
                out.pop();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_go_after_the_keyword_below_comments() {
        assert_eq!(
            insert_flags(
                "# install\nRUN npm ci\n".into(),
                vec!["mount=type=cache,target=/root/.npm".into()]
            ),
            "# install\nRUN --mount=type=cache,target=/root/.npm npm ci\n"
        );
    }

    #[test]
    fn exec_form_escapes() {
        assert_eq!(
            exec_form(vec!["a".into(), "b \"c\"".into()]),
            r#"["a", "b \"c\""]"#
        );
    }

    #[test]
    fn style_follows_the_original() {
        let style = TextStyle {
            crlf: true,
            final_newline: false,
        };
        assert_eq!(apply_style("a\nb\r\n", style), "a\r\nb");
    }

    #[test]
    fn every_template_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let on_disk: Vec<String> = read_dir_templates(&dir)
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, embedded);
    }
}
