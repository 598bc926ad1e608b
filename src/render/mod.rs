//! `Plan` → text, through the templates in `templates/` (minijinja, strict undefined).
//!
//! Render decides nothing: kept instructions are written byte for byte, and every new line comes
//! from a template. `--templates-dir` replaces templates by file name.

use crate::error::{Error, ErrorKind, Result};
use crate::plan::{Plan, SecretEnv, Stage, Step};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The templates compiled into the binary, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "Dockerfile.j2",
        include_str!("../../templates/Dockerfile.j2"),
    ),
    ("step/arg.j2", include_str!("../../templates/step/arg.j2")),
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
    step_templates: Option<BTreeMap<&'static str, Cow<'static, str>>>,
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

/// The layout template.
const LAYOUT_TEMPLATE: &str = "Dockerfile.j2";

/// A template set ready to render plans.
pub struct Templates {
    env: Environment<'static>,
    /// The names of every template loaded, to resolve profile overrides without failed lookups.
    names: BTreeSet<String>,
    /// `Dockerfile.j2` came from `--templates-dir`: it gets the steps, not only their text.
    custom_layout: bool,
    /// The templates a `--templates-dir` replaced or added; a step whose template is an
    /// embedded one left as it is may be written without a template call.
    replaced: BTreeSet<String>,
    /// Some template overrides a step for one profile (`<profile>/step/<kind>.j2`), so a
    /// step's template name has to be looked up; without one it is `step/<kind>.j2`.
    profile_overrides: bool,
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
        env.add_filter("insert_at", insert_at);
        let mut names = BTreeSet::new();
        for (name, source) in EMBEDDED {
            env.add_template(name, source).map_err(template_error)?;
            names.insert(name.to_string());
        }
        let mut custom_layout = false;
        let mut profile_overrides = false;
        let mut replaced = BTreeSet::new();
        if let Some(dir) = dir {
            for (name, source) in read_dir_templates(dir)? {
                names.insert(name.clone());
                replaced.insert(name.clone());
                custom_layout |= name == LAYOUT_TEMPLATE;
                profile_overrides |= name.contains("/step/");
                env.add_template_owned(name, source)
                    .map_err(template_error)?;
            }
        }
        Ok(Self {
            env,
            names,
            custom_layout,
            replaced,
            profile_overrides,
        })
    }

    /// The template that renders a step in a stage: `<profile>/step/<kind>.j2` when it
    /// exists, else `step/<kind>.j2` (without a name built per call when no profile
    /// overrides any step).
    fn stage_step_template(&self, profile: &str, step: &Step) -> Cow<'static, str> {
        if self.profile_overrides {
            let own = format!("{profile}/step/{}.j2", step.kind());
            if self.names.contains(&own) {
                return Cow::Owned(own);
            }
        }
        Cow::Borrowed(step.shared_template())
    }

    /// For each step kind in the plan's stages, the template that renders it.
    fn step_templates(&self, plan: &Plan) -> BTreeMap<&'static str, Cow<'static, str>> {
        let mut out = BTreeMap::new();
        for step in plan.stages.iter().flat_map(|s| &s.steps) {
            let kind = step.kind();
            if !out.contains_key(kind) {
                out.insert(kind, self.stage_step_template(&plan.profile, step));
            }
        }
        out
    }

    /// Render a plan into Dockerfile text in the original's line-ending style.
    pub fn render(&self, plan: &Plan, style: TextStyle) -> Result<String> {
        if self.custom_layout {
            return self.render_through_layout(plan, style);
        }
        let mut out = String::with_capacity(text_size_hint(plan));
        self.write_embedded_layout(plan, &mut out)?;
        Ok(apply_style(out, style))
    }

    /// What the embedded `Dockerfile.j2` writes, without a template call: the directives,
    /// the syntax line, the header, each stage's `FROM` line and body (a blank line between
    /// stages, and above the first when a header was written), and the trailer. The layout
    /// is most of a small file's render cost and copies the whole text on big files;
    /// `the_embedded_layout_is_written_as_its_template_writes_it` checks the two agree.
    fn write_embedded_layout(&self, plan: &Plan, out: &mut String) -> Result<()> {
        self.render_outside(plan, &plan.directives, out)?;
        if plan.add_syntax_directive {
            out.push_str("# syntax=docker/dockerfile:1\n");
        }
        let header_start = out.len();
        self.render_outside(plan, &plan.header, out)?;
        let has_header = out.len() > header_start;
        for (i, stage) in plan.stages.iter().enumerate() {
            if i > 0 || has_header {
                out.push('\n');
            }
            out.push_str("FROM ");
            // `{% if stage.platform %}`: an empty string is false too.
            if let Some(platform) = stage.platform.as_deref().filter(|p| !p.is_empty()) {
                out.push_str("--platform=");
                out.push_str(platform);
                out.push(' ');
            }
            out.push_str(&stage.from);
            out.push_str(" AS ");
            out.push_str(&stage.name);
            out.push('\n');
            self.render_body(plan, stage, out)?;
        }
        self.render_outside(plan, &plan.trailer, out)
    }

    /// Render through a `Dockerfile.j2` from `--templates-dir`, which gets the steps as well
    /// as their text (see [`LayoutContext`]).
    fn render_through_layout(&self, plan: &Plan, style: TextStyle) -> Result<String> {
        let layout = self
            .env
            .get_template(LAYOUT_TEMPLATE)
            .map_err(template_error)?;
        let step_templates = self.step_templates(plan);
        let mut stages = Vec::with_capacity(plan.stages.len());
        for stage in &plan.stages {
            let mut body = String::new();
            self.render_body(plan, stage, &mut body)?;
            stages.push(StageContext {
                name: &stage.name,
                from: &stage.from,
                platform: stage.platform.as_deref(),
                body,
                steps: Some(stage.steps.as_slice()),
            });
        }
        let outside = |steps: &[Step]| -> Result<String> {
            let mut text = String::new();
            self.render_outside(plan, steps, &mut text)?;
            Ok(text)
        };
        let context = LayoutContext {
            profile: &plan.profile,
            package_manager: plan.package_manager.as_deref(),
            add_syntax_directive: plan.add_syntax_directive,
            directives_text: outside(&plan.directives)?,
            header_text: outside(&plan.header)?,
            stages,
            trailer_text: outside(&plan.trailer)?,
            directives: Some(plan.directives.as_slice()),
            header: Some(plan.header.as_slice()),
            trailer: Some(plan.trailer.as_slice()),
            step_templates: Some(step_templates),
        };
        let text = layout
            .render(Value::from(Serde(context)))
            .map_err(template_error)?;
        Ok(apply_style(text, style))
    }

    /// A stage's steps, one after the other, with a blank line above a kept instruction that
    /// had one in the original (unless it comes first).
    fn render_body(&self, plan: &Plan, stage: &Stage, out: &mut String) -> Result<()> {
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
            let template = self.stage_step_template(&plan.profile, step);
            self.render_step(plan, step, &template, out)?;
        }
        Ok(())
    }

    /// Steps outside the stages (directives, header, trailer), through `step/<kind>.j2`.
    fn render_outside(&self, plan: &Plan, steps: &[Step], out: &mut String) -> Result<()> {
        for step in steps {
            self.render_step(plan, step, step.shared_template(), out)?;
        }
        Ok(())
    }

    /// One step through its template. When that is an embedded template with nothing
    /// distro-specific in it (`kept`, `run`, `copy`, `workdir`, `env`, `user`, `exec`,
    /// `comment`), the step is written here: the same text without a template call, which
    /// costs a few µs per step (`native_steps_are_written_as_their_templates_write_them`).
    /// `create_user` and `packages` choose commands by distro, so they always go through
    /// their templates.
    fn render_step(
        &self,
        plan: &Plan,
        step: &Step,
        template: &str,
        out: &mut String,
    ) -> Result<()> {
        // With no `--templates-dir` template every template is the embedded one.
        let embedded = self.replaced.is_empty()
            || (template == step.shared_template() && !self.replaced.contains(template));
        if embedded && write_native(step, out) {
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

/// What the embedded template of a step writes, for the templates that only put the step's
/// fields in place; `false` (nothing written) for `create_user` and `packages`.
fn write_native(step: &Step, out: &mut String) -> bool {
    match step {
        Step::Kept {
            text,
            add_flags,
            secret_env,
            command_at,
            ..
        } => {
            if secret_env.is_empty() {
                write_kept(text, add_flags, out);
            } else {
                let mut exports = String::new();
                write_exports(secret_env, &mut exports);
                write_kept(
                    &insert_at(text.clone(), *command_at, exports),
                    add_flags,
                    out,
                );
            }
        }
        Step::Run {
            mounts,
            command,
            secret_env,
        } => {
            out.push_str("RUN ");
            for mount in mounts {
                out.push_str("--mount=");
                out.push_str(mount);
                out.push(' ');
            }
            write_exports(secret_env, out);
            push_line(out, &[command]);
        }
        Step::Copy {
            from,
            chown,
            sources,
            dest,
        } => {
            out.push_str("COPY ");
            // `{% if step.from %}`: an empty string is false too.
            if let Some(from) = from.as_deref().filter(|f| !f.is_empty()) {
                out.push_str("--from=");
                out.push_str(from);
                out.push(' ');
            }
            if let Some(chown) = chown.as_deref().filter(|c| !c.is_empty()) {
                out.push_str("--chown=");
                out.push_str(chown);
                out.push(' ');
            }
            for (i, source) in sources.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(source);
            }
            push_line(out, &[" ", dest]);
        }
        Step::Workdir { path } => push_line(out, &["WORKDIR ", path]),
        Step::Env { name, value } => push_line(out, &["ENV ", name, "=", value]),
        // `{% if step.value is not none %}`: an empty default is written (`ARG A=`).
        Step::Arg { name, value } => match value {
            Some(value) => push_line(out, &["ARG ", name, "=", value]),
            None => push_line(out, &["ARG ", name]),
        },
        Step::User { name } => push_line(out, &["USER ", name]),
        Step::Exec { keyword, args } => push_line(out, &[keyword, " ", &exec_form(args.clone())]),
        Step::Comment { text } => push_line(out, &["# ", text]),
        Step::CreateUser { .. } | Step::Packages { .. } => return false,
    }
    true
}

/// What the step templates write for `secret_env`: `export NAME="$(cat PATH)" && ` for each
/// variable.
fn write_exports(secret_env: &[SecretEnv], out: &mut String) {
    for v in secret_env {
        out.push_str("export ");
        out.push_str(&v.name);
        out.push_str("=\"$(cat ");
        out.push_str(&v.path);
        out.push_str(")\" && ");
    }
}

/// The parts one after the other, then a newline.
fn push_line(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
    out.push('\n');
}

/// Roughly the length of the rendered text: every kept instruction's text plus a line for
/// everything else, so the output is written into one allocation on big files.
fn text_size_hint(plan: &Plan) -> usize {
    let step_len = |step: &Step| match step {
        Step::Kept { text, .. } => text.len() + 1,
        _ => 64,
    };
    let outside = plan
        .directives
        .iter()
        .chain(&plan.header)
        .chain(&plan.trailer)
        .map(step_len)
        .sum::<usize>();
    let stages = plan
        .stages
        .iter()
        .map(|s| 64 + s.steps.iter().map(step_len).sum::<usize>())
        .sum::<usize>();
    64 + outside + stages
}

/// What the embedded `step/kept.j2` writes: the text, with `add_flags` after the keyword
/// (as [`insert_flags`] does, written straight into `out`).
fn write_kept(text: &str, add_flags: &[String], out: &mut String) {
    let at = if add_flags.is_empty() {
        None
    } else {
        keyword_end(text)
    };
    let Some(at) = at else {
        out.push_str(text);
        return;
    };
    out.push_str(&text[..at]);
    for flag in add_flags {
        out.push_str(" --");
        out.push_str(flag);
    }
    out.push_str(&text[at..]);
}

/// The byte offset right after the keyword of an instruction's text (whose text may start
/// with comment lines), or `None` when there is no instruction line.
fn keyword_end(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            offset += line.len();
            continue;
        }
        let indent = line.len() - trimmed.len();
        let keyword_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        return Some(offset + indent + keyword_len);
    }
    None
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
/// with comment lines). The `insert_flags` filter of templates.
fn insert_flags(text: String, flags: Vec<String>) -> String {
    let mut out =
        String::with_capacity(text.len() + flags.iter().map(|f| f.len() + 3).sum::<usize>());
    write_kept(&text, &flags, &mut out);
    out
}

/// `insert` placed at byte `at` of `text` (the text unchanged when `at` is not a character
/// boundary within it). The `insert_at` filter of templates.
fn insert_at(text: String, at: usize, insert: String) -> String {
    if insert.is_empty() || !text.is_char_boundary(at) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..at]);
    out.push_str(&insert);
    out.push_str(&text[at..]);
    out
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
            changed_files: Vec::new(),
            hygiene: Default::default(),
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
            secret_env: Vec::new(),
            command_at: 0,
        }
    }

    fn secret_env(names: &[&str]) -> Vec<crate::plan::SecretEnv> {
        names
            .iter()
            .map(|n| crate::plan::SecretEnv {
                name: n.to_string(),
                path: format!("/run/secrets/{}", n.to_ascii_lowercase()),
            })
            .collect()
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

    /// A step of any kind from a few fixed texts (kept ones with and without comments,
    /// flags and blank lines).
    fn any_step() -> impl proptest::strategy::Strategy<Value = crate::plan::Step> {
        use crate::plan::Step;
        use proptest::prelude::*;
        prop_oneof![
            (0..3usize, any::<bool>(), any::<bool>()).prop_map(|(text, flag, blank)| {
                let text = ["RUN a\n", "# note\nRUN  b \\\n  c\n", "# only a comment\n"][text];
                kept(
                    text,
                    if flag {
                        &["mount=type=cache,target=/c"]
                    } else {
                        &[]
                    },
                    blank,
                )
            }),
            Just(Step::Run {
                mounts: vec!["type=cache,target=/r".into()],
                command: "make".into(),
                secret_env: Vec::new(),
            }),
            Just(Step::Run {
                mounts: vec!["type=secret,id=npm_token".into()],
                command: "npm ci".into(),
                secret_env: secret_env(&["NPM_TOKEN"]),
            }),
            any::<bool>().prop_map(|flag| Step::Kept {
                line: 2,
                text: "# note\nRUN --mount=type=cache,target=/c \\\n  npm ci\n".into(),
                add_flags: if flag {
                    vec!["mount=type=secret,id=a".into()]
                } else {
                    Vec::new()
                },
                blank_before: false,
                secret_env: secret_env(&["A", "B"]),
                command_at: 44,
            }),
            Just(Step::Workdir {
                path: "/app".into()
            }),
            Just(Step::User { name: "app".into() }),
            Just(Step::Arg {
                name: "TARGETARCH".into(),
                value: None
            }),
            Just(Step::Comment { text: "why".into() }),
        ]
    }

    proptest::proptest! {
        #[test]
        fn the_embedded_layout_is_written_as_its_template_writes_it(
            directives in proptest::collection::vec(any_step(), 0..2),
            header in proptest::collection::vec(any_step(), 0..3),
            add_syntax_directive: bool,
            stages in proptest::collection::vec(
                (proptest::option::of(0..2usize), proptest::collection::vec(any_step(), 0..4)),
                1..4,
            ),
            trailer in proptest::collection::vec(any_step(), 0..2),
            crlf: bool,
            final_newline: bool,
        ) {
            let mut plan = plan_with("go", Vec::new());
            plan.directives = directives;
            plan.header = header;
            plan.add_syntax_directive = add_syntax_directive;
            plan.trailer = trailer;
            plan.stages = stages
                .into_iter()
                .enumerate()
                .map(|(i, (platform, steps))| crate::plan::Stage {
                    name: format!("s{i}"),
                    from: "debian".into(),
                    platform: platform.map(|p| ["", "linux/amd64"][p].to_string()),
                    steps,
                })
                .collect();
            let templates = Templates::load(None).unwrap();
            let style = TextStyle { crlf, final_newline };
            proptest::prop_assert_eq!(
                templates.render(&plan, style).unwrap(),
                templates.render_through_layout(&plan, style).unwrap()
            );
        }
    }

    /// A step through its embedded template, the way [`Templates`] renders one without the
    /// native shortcut.
    fn through_template(templates: &Templates, step: &crate::plan::Step) -> String {
        let context = StepContext {
            step,
            profile: "go",
            package_manager: None,
        };
        templates
            .env
            .get_template(step.shared_template())
            .unwrap()
            .render(Value::from(Serde(context)))
            .unwrap()
    }

    #[test]
    fn kept_flags_go_after_the_keyword_as_the_kept_template_puts_them() {
        let templates = Templates::load(None).unwrap();
        for text in ["RUN a\n", "# c\n  RUN\tb\n", "# only\n", "", "RUN"] {
            for flags in [&[][..], &["x=1".to_string(), "y".to_string()][..]] {
                let mut native = String::new();
                write_kept(text, flags, &mut native);
                let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
                let step = kept(text, &flags, false);
                assert_eq!(
                    native,
                    through_template(&templates, &step),
                    "{text:?} {flags:?}"
                );
            }
        }
    }

    #[test]
    fn secret_variables_are_exported_before_the_command_as_the_templates_put_them() {
        use crate::plan::Step;
        let templates = Templates::load(None).unwrap();
        let text = "# token\nRUN --mount=type=cache,target=/root/.npm \\\n    npm ci\n";
        let at = text.find("npm ci").unwrap();
        let kept = Step::Kept {
            line: 2,
            text: text.into(),
            add_flags: vec!["mount=type=secret,id=npm_token".into()],
            blank_before: false,
            secret_env: secret_env(&["NPM_TOKEN"]),
            command_at: at,
        };
        let expected = "# token\nRUN --mount=type=secret,id=npm_token --mount=type=cache,target=/root/.npm \\\n    export NPM_TOKEN=\"$(cat /run/secrets/npm_token)\" && npm ci\n";
        let mut native = String::new();
        assert!(write_native(&kept, &mut native));
        assert_eq!(native, expected);
        assert_eq!(through_template(&templates, &kept), expected);

        let run = Step::Run {
            mounts: vec!["type=secret,id=a".into(), "type=secret,id=b".into()],
            command: "pip install -r requirements.txt".into(),
            secret_env: secret_env(&["A", "B"]),
        };
        let expected = "RUN --mount=type=secret,id=a --mount=type=secret,id=b export A=\"$(cat /run/secrets/a)\" && export B=\"$(cat /run/secrets/b)\" && pip install -r requirements.txt\n";
        let mut native = String::new();
        assert!(write_native(&run, &mut native));
        assert_eq!(native, expected);
        assert_eq!(through_template(&templates, &run), expected);
    }

    /// A step of a kind written natively, with any text in its fields.
    fn any_native_step() -> impl proptest::strategy::Strategy<Value = crate::plan::Step> {
        use crate::plan::Step;
        use proptest::prelude::*;
        // Empty texts often: templates test `{% if step.from %}`, false for "".
        let text = || {
            prop_oneof![
                Just(String::new()),
                "[a-z \"'{}%#=\\\\\n\t\u{e9}\u{1f600}-]{1,8}"
            ]
        };
        let texts = move || proptest::collection::vec(text(), 0..3);
        prop_oneof![
            (texts(), text(), texts()).prop_map(|(mounts, command, names)| Step::Run {
                mounts,
                command,
                secret_env: names
                    .into_iter()
                    .map(|name| crate::plan::SecretEnv {
                        path: format!("/run/secrets/{name}"),
                        name,
                    })
                    .collect(),
            }),
            (
                proptest::option::of(text()),
                proptest::option::of(text()),
                texts(),
                text()
            )
                .prop_map(|(from, chown, sources, dest)| Step::Copy {
                    from,
                    chown,
                    sources,
                    dest
                }),
            text().prop_map(|path| Step::Workdir { path }),
            (text(), text()).prop_map(|(name, value)| Step::Env { name, value }),
            (text(), proptest::option::of(text()))
                .prop_map(|(name, value)| Step::Arg { name, value }),
            text().prop_map(|name| Step::User { name }),
            (text(), texts()).prop_map(|(keyword, args)| Step::Exec { keyword, args }),
            text().prop_map(|text| Step::Comment { text }),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        #[test]
        fn native_steps_are_written_as_their_templates_write_them(step in any_native_step()) {
            let templates = Templates::load(None).unwrap();
            let mut native = String::new();
            proptest::prop_assert!(write_native(&step, &mut native));
            proptest::prop_assert_eq!(native, through_template(&templates, &step));
        }
    }

    #[test]
    fn steps_that_choose_by_distro_go_through_their_templates() {
        let mut out = String::new();
        let create_user = crate::plan::Step::CreateUser {
            family: "alpine".into(),
            name: "app".into(),
            uid: 1,
        };
        let packages = crate::plan::Step::Packages {
            manager: "apk".into(),
            packages: vec!["curl".into()],
        };
        assert!(!write_native(&create_user, &mut out));
        assert!(!write_native(&packages, &mut out));
        assert_eq!(out, "");
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
                secret_env: Vec::new(),
                command_at: 0,
            },
            Step::Run {
                mounts: Vec::new(),
                command: String::new(),
                secret_env: Vec::new(),
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
            Step::Arg {
                name: String::new(),
                value: None,
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
            assert_eq!(step.shared_template(), file);
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
