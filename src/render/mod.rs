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

/// What `Dockerfile.j2` sees. The embedded layout writes text that is already rendered
/// (`directives_text`, `header_text`, each stage's `body`, `trailer_text`): walking every step
/// in minijinja costs ~1 µs per step, which is most of the render on big files. A layout from
/// `--templates-dir` also gets the steps themselves (`directives`, `header`, `trailer`,
/// `stage.steps`) and `step_templates`, so it can render them one by one.
#[derive(Serialize)]
struct LayoutContext<'a> {
    profile: &'a str,
    package_manager: Option<&'a str>,
    add_syntax_directive: bool,
    directives_text: String,
    header_text: String,
    stages: Vec<StageContext<'a>>,
    trailer_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    directives: Option<&'a [Step]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<&'a [Step]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trailer: Option<&'a [Step]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    step_templates: Option<BTreeMap<&'static str, String>>,
}

/// One stage as `Dockerfile.j2` sees it (see [`LayoutContext`]).
#[derive(Serialize)]
struct StageContext<'a> {
    name: &'a str,
    from: &'a str,
    platform: Option<&'a str>,
    /// The stage's steps, rendered.
    body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<&'a [Step]>,
}

/// What a step template sees.
#[derive(Serialize)]
struct StepContext<'a> {
    step: &'a Step,
    profile: &'a str,
    package_manager: Option<&'a str>,
}

/// The embedded template that writes kept instructions; [`Templates`] writes them itself
/// unless it is replaced.
const KEPT_TEMPLATE: &str = "step/kept.j2";
/// The layout template.
const LAYOUT_TEMPLATE: &str = "Dockerfile.j2";

/// A template set ready to render plans.
pub struct Templates {
    env: Environment<'static>,
    /// The names of every template loaded, to resolve profile overrides without failed lookups.
    names: BTreeSet<String>,
    /// `Dockerfile.j2` came from `--templates-dir`: it gets the steps, not only their text.
    custom_layout: bool,
    /// `step/kept.j2` is the embedded one, so kept instructions are written without it.
    native_kept: bool,
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
        let (mut custom_layout, mut native_kept) = (false, true);
        if let Some(dir) = dir {
            for (name, source) in read_dir_templates(dir)? {
                names.insert(name.clone());
                custom_layout |= name == LAYOUT_TEMPLATE;
                native_kept &= name != KEPT_TEMPLATE;
                env.add_template_owned(name, source)
                    .map_err(template_error)?;
            }
        }
        Ok(Self {
            env,
            names,
            custom_layout,
            native_kept,
        })
    }

    /// The template that renders a step kind in a stage: `<profile>/step/<kind>.j2` when it
    /// exists, else `step/<kind>.j2`.
    fn stage_step_template(&self, profile: &str, kind: &str) -> String {
        let own = format!("{profile}/step/{kind}.j2");
        if self.names.contains(&own) {
            own
        } else {
            format!("step/{kind}.j2")
        }
    }

    /// For each step kind in the plan's stages, the template that renders it.
    fn step_templates(&self, plan: &Plan) -> BTreeMap<&'static str, String> {
        let mut out = BTreeMap::new();
        for step in plan.stages.iter().flat_map(|s| &s.steps) {
            let kind = step.kind();
            if !out.contains_key(kind) {
                out.insert(kind, self.stage_step_template(&plan.profile, kind));
            }
        }
        out
    }

    /// Render a plan into Dockerfile text in the original's line-ending style.
    pub fn render(&self, plan: &Plan, style: TextStyle) -> Result<String> {
        let layout = self
            .env
            .get_template(LAYOUT_TEMPLATE)
            .map_err(template_error)?;
        let custom_layout = self.custom_layout;
        let step_templates = self.step_templates(plan);
        let mut stages = Vec::with_capacity(plan.stages.len());
        for stage in &plan.stages {
            stages.push(StageContext {
                name: &stage.name,
                from: &stage.from,
                platform: stage.platform.as_deref(),
                body: self.render_body(plan, stage, &step_templates)?,
                steps: custom_layout.then_some(stage.steps.as_slice()),
            });
        }
        let context = LayoutContext {
            profile: &plan.profile,
            package_manager: plan.package_manager.as_deref(),
            add_syntax_directive: plan.add_syntax_directive,
            directives_text: self.render_outside(plan, &plan.directives)?,
            header_text: self.render_outside(plan, &plan.header)?,
            stages,
            trailer_text: self.render_outside(plan, &plan.trailer)?,
            directives: custom_layout.then_some(plan.directives.as_slice()),
            header: custom_layout.then_some(plan.header.as_slice()),
            trailer: custom_layout.then_some(plan.trailer.as_slice()),
            step_templates: custom_layout.then_some(step_templates),
        };
        let text = layout
            .render(Value::from(Serde(context)))
            .map_err(template_error)?;
        Ok(apply_style(text, style))
    }

    /// A stage's steps, one after the other, with a blank line above a kept instruction that
    /// had one in the original (unless it comes first).
    fn render_body(
        &self,
        plan: &Plan,
        stage: &Stage,
        templates: &BTreeMap<&'static str, String>,
    ) -> Result<String> {
        let mut out = String::new();
        for (i, step) in stage.steps.iter().enumerate() {
            if i > 0
                && matches!(
                    step,
                    Step::Kept {
                        blank_before: true,
                        ..
                    }
                )
            {
                out.push('\n');
            }
            let template = templates.get(step.kind()).map_or("", String::as_str);
            self.render_step(plan, step, template, &mut out)?;
        }
        Ok(out)
    }

    /// Steps outside the stages (directives, header, trailer), through `step/<kind>.j2`.
    fn render_outside(&self, plan: &Plan, steps: &[Step]) -> Result<String> {
        let mut out = String::new();
        for step in steps {
            let template = format!("step/{}.j2", step.kind());
            self.render_step(plan, step, &template, &mut out)?;
        }
        Ok(out)
    }

    /// One step through its template. Kept instructions are written here when the embedded
    /// `step/kept.j2` applies (the same text, without a template call per kept line).
    fn render_step(
        &self,
        plan: &Plan,
        step: &Step,
        template: &str,
        out: &mut String,
    ) -> Result<()> {
        if let Step::Kept {
            text, add_flags, ..
        } = step
            && self.native_kept
            && template == KEPT_TEMPLATE
        {
            write_kept(text, add_flags, out);
            return Ok(());
        }
        let context = StepContext {
            step,
            profile: &plan.profile,
            package_manager: plan.package_manager.as_deref(),
        };
        let text = self
            .env
            .get_template(template)
            .and_then(|t| t.render(Value::from(Serde(context))))
            .map_err(template_error)?;
        out.push_str(&text);
        Ok(())
    }
}

/// What the embedded `step/kept.j2` writes: the text, with `add_flags` after the keyword.
fn write_kept(text: &str, add_flags: &[String], out: &mut String) {
    if add_flags.is_empty() {
        out.push_str(text);
    } else {
        out.push_str(&insert_flags(text.to_string(), add_flags.to_vec()));
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
fn apply_style(text: String, style: TextStyle) -> String {
    let mut out = if style.crlf { to_crlf(&text) } else { text };
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

/// `\n` → `\r\n` where it is not one already.
fn to_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 20);
    let mut rest = text;
    while let Some(at) = rest.find('\n') {
        out.push_str(&rest[..at]);
        if !out.ends_with('\r') {
            out.push('\r');
        }
        out.push('\n');
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
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
        assert_eq!(apply_style("a\nb\r\n".into(), style), "a\r\nb");
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
        let templates = templates_with(&[("go/step/workdir.j2", "WORKDIR {{ step.path }}/go\n")]);
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

    fn kept(text: &str, flags: &[&str], blank_before: bool) -> crate::plan::Step {
        crate::plan::Step::Kept {
            line: 1,
            text: text.into(),
            add_flags: flags.iter().map(|f| f.to_string()).collect(),
            blank_before,
        }
    }

    /// Templates with these files (relative path, text) in a `--templates-dir`.
    fn templates_with(files: &[(&str, &str)]) -> Templates {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Templates::load(Some(dir.path())).unwrap()
    }

    const LF: TextStyle = TextStyle {
        crlf: false,
        final_newline: true,
    };

    #[test]
    fn kept_steps_are_written_as_is_with_flags_and_blank_lines() {
        let templates = Templates::load(None).unwrap();
        let plan = plan_with(
            "node",
            vec![
                kept("# first\nRUN a\n", &[], true),
                kept(
                    "RUN npm ci\n",
                    &["mount=type=cache,target=/root/.npm"],
                    true,
                ),
                kept("CMD x\n", &[], false),
            ],
        );
        assert_eq!(
            templates.render(&plan, LF).unwrap(),
            "FROM debian AS runtime\n# first\nRUN a\n\nRUN --mount=type=cache,target=/root/.npm npm ci\nCMD x\n"
        );
    }

    #[test]
    fn a_replaced_kept_template_is_used() {
        let templates = templates_with(&[(
            "step/kept.j2",
            "# line {{ step.line }} of {{ profile }}\n{{ step.text }}",
        )]);
        let plan = plan_with("go", vec![kept("RUN a\n", &[], false)]);
        assert_eq!(
            templates.render(&plan, LF).unwrap(),
            "FROM debian AS runtime\n# line 1 of go\nRUN a\n"
        );
    }

    #[test]
    fn a_replaced_layout_gets_the_steps_and_their_templates() {
        let templates = templates_with(&[(
            "Dockerfile.j2",
            "{% for stage in stages %}{% for step in stage.steps %}[{{ step.kind }} via {{ step_templates[step.kind] }}]\n{% endfor %}{{ stage.body }}{% endfor %}",
        )]);
        let plan = plan_with("go", vec![crate::plan::Step::User { name: "app".into() }]);
        assert_eq!(
            templates.render(&plan, LF).unwrap(),
            "[user via step/user.j2]\nUSER app\n"
        );
    }

    #[test]
    fn a_replaced_step_template_applies_under_the_embedded_layout() {
        // Only a step template is replaced: Dockerfile.j2 is still the embedded one.
        let templates = templates_with(&[("step/user.j2", "USER {{ step.name }}!\n")]);
        let plan = plan_with("go", vec![crate::plan::Step::User { name: "app".into() }]);
        assert_eq!(
            templates.render(&plan, LF).unwrap(),
            "FROM debian AS runtime\nUSER app!\n"
        );
    }

    #[test]
    fn crlf_is_added_only_where_missing() {
        assert_eq!(to_crlf("a\nb\r\n\nc"), "a\r\nb\r\n\r\nc");
        assert_eq!(to_crlf("\n"), "\r\n");
        assert_eq!(to_crlf(""), "");
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
