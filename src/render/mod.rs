//! `Plan` → text, through the templates in `templates/` (minijinja, strict undefined).
//!
//! Render decides nothing: kept instructions are written byte for byte, and every new line comes
//! from a template. `--templates-dir` replaces templates by file name.

use crate::error::{Error, ErrorKind, Result};
use crate::plan::{Plan, Stage, Step};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
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

/// What templates see: the parts of the plan that are written out (not its classification,
/// decisions or warnings), and which template renders each step kind.
#[derive(Serialize)]
struct RenderContext<'a> {
    profile: &'a str,
    package_manager: Option<&'a str>,
    directives: &'a [Step],
    header: &'a [Step],
    add_syntax_directive: bool,
    stages: &'a [Stage],
    trailer: &'a [Step],
    step_templates: BTreeMap<&'static str, String>,
}

/// A template set ready to render plans.
pub struct Templates {
    env: Environment<'static>,
    /// The names of every template loaded, to resolve profile overrides without failed lookups.
    names: BTreeSet<String>,
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
        let mut names = BTreeSet::new();
        for (name, source) in EMBEDDED {
            env.add_template(name, source).map_err(template_error)?;
            names.insert(name.to_string());
        }
        if let Some(dir) = dir {
            for (name, source) in read_dir_templates(dir)? {
                names.insert(name.clone());
                env.add_template_owned(name, source)
                    .map_err(template_error)?;
            }
        }
        Ok(Self { env, names })
    }

    /// For each step kind in the plan's stages, the template that renders it:
    /// `<profile>/step/<kind>.j2` when it exists, else `step/<kind>.j2`.
    fn step_templates(&self, plan: &Plan) -> BTreeMap<&'static str, String> {
        let mut out = BTreeMap::new();
        for step in plan.stages.iter().flat_map(|s| &s.steps) {
            let kind = step.kind();
            if out.contains_key(kind) {
                continue;
            }
            let own = format!("{}/step/{kind}.j2", plan.profile);
            let name = if self.names.contains(&own) {
                own
            } else {
                format!("step/{kind}.j2")
            };
            out.insert(kind, name);
        }
        out
    }

    /// Render a plan into Dockerfile text in the original's line-ending style.
    pub fn render(&self, plan: &Plan, style: TextStyle) -> Result<String> {
        let template = self
            .env
            .get_template("Dockerfile.j2")
            .map_err(template_error)?;
        let context = RenderContext {
            profile: &plan.profile,
            package_manager: plan.package_manager.as_deref(),
            directives: &plan.directives,
            header: &plan.header,
            add_syntax_directive: plan.add_syntax_directive,
            stages: &plan.stages,
            trailer: &plan.trailer,
            step_templates: self.step_templates(plan),
        };
        let text = template
            .render(Value::from(Serde(context)))
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

    fn plan_with(profile: &str, steps: Vec<crate::plan::Step>) -> Plan {
        Plan {
            profile: profile.into(),
            package_manager: None,
            directives: Vec::new(),
            header: Vec::new(),
            add_syntax_directive: false,
            stages: vec![crate::plan::Stage {
                name: "runtime".into(),
                from: "debian".into(),
                platform: None,
                steps,
            }],
            trailer: Vec::new(),
            classification: Vec::new(),
            decisions: Vec::new(),
            warnings: Vec::new(),
            new_files: Vec::new(),
        }
    }

    #[test]
    fn a_profile_template_overrides_the_step_template_for_that_profile_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("go/step")).unwrap();
        std::fs::write(
            dir.path().join("go/step/workdir.j2"),
            "WORKDIR {{ step.path }}/go\n",
        )
        .unwrap();
        let templates = Templates::load(Some(dir.path())).unwrap();
        let steps = || {
            vec![
                crate::plan::Step::Workdir {
                    path: "/app".into(),
                },
                crate::plan::Step::User { name: "app".into() },
            ]
        };
        let style = TextStyle {
            crlf: false,
            final_newline: true,
        };
        let go = templates.render(&plan_with("go", steps()), style).unwrap();
        assert_eq!(go, "FROM debian AS runtime\nWORKDIR /app/go\nUSER app\n");
        let node = templates
            .render(&plan_with("node", steps()), style)
            .unwrap();
        assert_eq!(node, "FROM debian AS runtime\nWORKDIR /app\nUSER app\n");
    }

    #[test]
    fn step_kinds_are_the_serialised_tags() {
        use crate::plan::Step;
        let steps = [
            Step::Kept {
                line: 1,
                text: String::new(),
                add_flags: Vec::new(),
                blank_before: false,
            },
            Step::Run {
                mounts: Vec::new(),
                command: String::new(),
            },
            Step::Copy {
                from: None,
                chown: None,
                sources: Vec::new(),
                dest: String::new(),
            },
            Step::Workdir {
                path: String::new(),
            },
            Step::Env {
                name: String::new(),
                value: String::new(),
            },
            Step::User {
                name: String::new(),
            },
            Step::CreateUser {
                family: String::new(),
                name: String::new(),
                uid: 1,
            },
            Step::Packages {
                manager: String::new(),
                packages: Vec::new(),
            },
            Step::Exec {
                keyword: String::new(),
                args: Vec::new(),
            },
            Step::Comment {
                text: String::new(),
            },
        ];
        for step in steps {
            let json = serde_json::to_value(&step).unwrap();
            assert_eq!(json["kind"], step.kind());
            let file = format!("step/{}.j2", step.kind());
            assert!(EMBEDDED.iter().any(|(n, _)| *n == file), "{file}");
        }
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
