//! `Plan` → text, through the templates in `templates/` (minijinja, strict undefined).
//!
//! Render decides nothing: every line of the output comes from a template. `step/kept.j2`
//! writes a kept instruction's original bytes; the other step templates write the new lines;
//! `Dockerfile.j2` lays out the directives, the header, the stages and the trailer. The
//! templates are compiled into the binary (`include_str!`), and `--templates-dir` replaces or
//! adds templates by relative path. There is one way to render: every step goes through its
//! template, and the layout through `Dockerfile.j2`.
//!
//! What keeps this cheap (a template call per step, tens of thousands on big files): the values
//! templates see are built by hand as small objects (`StepValue`, `StepContext`) instead of
//! being serialised field by field, each step's value is built once and serves both its own
//! template and the layout's `stage.steps`, the template of each step kind is looked up once
//! per render, and templates write straight into the output buffer.
//!
//! Two shortcuts skip minijinja where the template's output is known, and only while the
//! template in question is the embedded one (a `--templates-dir` or profile template always
//! runs): a kept instruction without secret exports is written as `step/kept.j2` writes it
//! (its text, with `add_flags` through the same `insert_flags` code), and under the embedded
//! `Dockerfile.j2`, which reads only the rendered text, no step values are built for the layout.
//! `the_kept_shortcut_writes_what_the_template_writes` and
//! `the_embedded_templates_render_as_their_files_do` keep both true.

use crate::error::{Error, ErrorKind, Result};
use crate::plan::{Plan, Step};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{Environment, Template, UndefinedBehavior, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

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

/// The layout template.
const LAYOUT_TEMPLATE: &str = "Dockerfile.j2";

/// The template of kept instructions.
const KEPT_TEMPLATE: &str = "step/kept.j2";

/// A template set ready to render plans.
pub struct Templates {
    env: Environment<'static>,
    /// The names of every template loaded, to resolve profile overrides without failed lookups.
    names: BTreeSet<String>,
    /// Whether `step/kept.j2` is the embedded one (no `--templates-dir` file replaced it).
    kept_is_embedded: bool,
    /// Whether `Dockerfile.j2` is the embedded one.
    layout_is_embedded: bool,
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
        let (mut kept_is_embedded, mut layout_is_embedded) = (true, true);
        if let Some(dir) = dir {
            for (name, source) in read_dir_templates(dir)? {
                kept_is_embedded &= name != KEPT_TEMPLATE;
                layout_is_embedded &= name != LAYOUT_TEMPLATE;
                names.insert(name.clone());
                env.add_template_owned(name, source)
                    .map_err(template_error)?;
            }
        }
        Ok(Self {
            env,
            names,
            kept_is_embedded,
            layout_is_embedded,
        })
    }

    /// The name of the template that renders a step of `kind` in a stage:
    /// `<profile>/step/<kind>.j2` when it exists, else `shared` (`step/<kind>.j2`).
    fn stage_template_name(&self, profile: &str, kind: &str, shared: &'static str) -> String {
        let own = format!("{profile}/step/{kind}.j2");
        if self.names.contains(&own) {
            own
        } else {
            shared.to_string()
        }
    }

    fn template(&self, name: &str) -> Result<Template<'_, '_>> {
        self.env.get_template(name).map_err(template_error)
    }

    /// Render a plan into Dockerfile text in the original's line-ending style: each step
    /// through its template, then the whole through `Dockerfile.j2`.
    pub fn render(&self, plan: &Plan, style: TextStyle) -> Result<String> {
        let kept_in_stages_is_embedded = self.kept_is_embedded
            && !self
                .names
                .contains(&format!("{}/{KEPT_TEMPLATE}", plan.profile));
        let mut render = Render {
            templates: self,
            profile: Value::from(plan.profile.as_str()),
            package_manager: plan
                .package_manager
                .as_deref()
                .map_or(Value::from(()), Value::from),
            shared: Vec::new(),
            in_stages: Vec::new(),
            layout_reads_steps: !self.layout_is_embedded,
        };
        let (directives_text, directives) = render.outside(&plan.directives)?;
        let (header_text, header) = render.outside(&plan.header)?;
        let (trailer_text, trailer) = render.outside(&plan.trailer)?;
        let mut stages = Vec::with_capacity(plan.stages.len());
        for stage in &plan.stages {
            let mut body = String::with_capacity(body_size_hint(&stage.steps));
            let mut steps = Vec::new();
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
                    body.push('\n');
                }
                if kept_in_stages_is_embedded && write_kept_step(step, &mut body) {
                    if render.layout_reads_steps {
                        // Looked up so that the layout's `step_templates` names it.
                        render.in_stage(&plan.profile, step)?;
                        steps.push(step_value(step));
                    }
                    continue;
                }
                let template = render.in_stage(&plan.profile, step)?;
                let value = render.step(template, step, &mut body)?;
                render.add_computed_value(value, &mut steps);
            }
            stages.push(minijinja::context! {
                name => stage.name.as_str(),
                from => stage.from.as_str(),
                platform => stage.platform.as_deref(),
                body => body,
                steps => steps,
            });
        }
        let step_templates: BTreeMap<&'static str, String> = render
            .in_stages
            .iter()
            .map(|(kind, name, _)| (*kind, name.clone()))
            .collect();
        let context = minijinja::context! {
            profile => render.profile.clone(),
            package_manager => render.package_manager.clone(),
            add_syntax_directive => plan.add_syntax_directive,
            directives_text => directives_text,
            header_text => header_text,
            stages => stages,
            trailer_text => trailer_text,
            directives => directives,
            header => header,
            trailer => trailer,
            step_templates => step_templates,
        };
        let text = self
            .template(LAYOUT_TEMPLATE)?
            .render(context)
            .map_err(template_error)?;
        Ok(apply_style(text, style))
    }
}

/// One render's state: the values every step template sees, and the templates looked up so
/// far (at most one per step kind each for stages and for the steps outside them).
struct Render<'t> {
    templates: &'t Templates,
    profile: Value,
    package_manager: Value,
    /// Kind → `step/<kind>.j2`, for the directives, header and trailer.
    shared: Vec<(&'static str, Template<'t, 't>)>,
    /// Kind → the template name and template for steps in stages (a profile may override it).
    in_stages: Vec<(&'static str, String, Template<'t, 't>)>,
    /// Whether the layout is a replaced `Dockerfile.j2`, which may read the steps' values: the
    /// embedded one reads only the rendered text, so they are not built for it.
    layout_reads_steps: bool,
}

impl<'t> Render<'t> {
    /// The template of a step outside the stages: always `step/<kind>.j2`.
    fn shared(&mut self, step: &Step) -> Result<Template<'t, 't>> {
        let kind = step.kind();
        if let Some((_, template)) = self.shared.iter().find(|(k, _)| *k == kind) {
            return Ok(template.clone());
        }
        let template = self.templates.template(step.shared_template())?;
        self.shared.push((kind, template.clone()));
        Ok(template)
    }

    /// The template of a step in a stage of `profile`.
    fn in_stage(&mut self, profile: &str, step: &Step) -> Result<Template<'t, 't>> {
        let kind = step.kind();
        if let Some((_, _, template)) = self.in_stages.iter().find(|(k, _, _)| *k == kind) {
            return Ok(template.clone());
        }
        let name = self
            .templates
            .stage_template_name(profile, kind, step.shared_template());
        let template = self.templates.template(&name)?;
        self.in_stages.push((kind, name, template.clone()));
        Ok(template)
    }

    /// Steps outside the stages (directives, header, trailer): their text and their values
    /// (none when the layout does not read them).
    fn outside(&mut self, steps: &[Step]) -> Result<(String, Vec<Value>)> {
        let mut text = String::new();
        let mut values = Vec::new();
        for step in steps {
            if self.templates.kept_is_embedded && write_kept_step(step, &mut text) {
                if self.layout_reads_steps {
                    values.push(step_value(step));
                }
                continue;
            }
            let template = self.shared(step)?;
            let value = self.step(template, step, &mut text)?;
            self.add_computed_value(value, &mut values);
        }
        Ok((text, values))
    }

    /// A step's value already built for its template onto the layout's `values`, when the
    /// layout reads them.
    fn add_computed_value(&self, value: Value, values: &mut Vec<Value>) {
        if self.layout_reads_steps {
            values.push(value);
        }
    }

    /// Render one step through `template` onto `out`; the step's value, for the layout.
    fn step(&self, template: Template<'_, '_>, step: &Step, out: &mut String) -> Result<Value> {
        let value = step_value(step);
        let context = Value::from_object(StepContext {
            step: value.clone(),
            profile: self.profile.clone(),
            package_manager: self.package_manager.clone(),
        });
        let text = template.render(context).map_err(template_error)?;
        out.push_str(&text);
        Ok(value)
    }
}

/// What a step template sees: `step`, `profile` and `package_manager`.
#[derive(Debug)]
struct StepContext {
    step: Value,
    profile: Value,
    package_manager: Value,
}

impl Object for StepContext {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "step" => Some(self.step.clone()),
            "profile" => Some(self.profile.clone()),
            "package_manager" => Some(self.package_manager.clone()),
            _ => None,
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["step", "profile", "package_manager"])
    }
}

/// A step as templates see it: a map from its serialised field names (`kind` first, then the
/// variant's fields in order) to their values, the same map `serde` would give
/// (`a_step_value_is_its_serialised_form` checks), built without going through a serializer.
#[derive(Debug)]
struct StepValue {
    keys: &'static [&'static str],
    values: Vec<Value>,
}

impl Object for StepValue {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let at = self.keys.iter().position(|k| *k == key)?;
        self.values.get(at).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(self.keys)
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.keys.len())
    }
}

/// A step's value for templates (see [`StepValue`]).
fn step_value(step: &Step) -> Value {
    fn text(s: &str) -> Value {
        Value::from(s)
    }
    fn texts(list: &[String]) -> Value {
        Value::from(list.iter().map(|s| text(s)).collect::<Vec<Value>>())
    }
    fn maybe(s: &Option<String>) -> Value {
        s.as_deref().map_or(Value::from(()), text)
    }
    let kind = Value::from(step.kind());
    let (keys, values): (&'static [&'static str], Vec<Value>) = match step {
        Step::Kept {
            line,
            text: kept,
            add_flags,
            blank_before,
            secret_env,
            command_at,
        } => {
            // serde leaves out an empty `secret_env` and a zero `command_at`.
            let mut values = vec![
                kind,
                Value::from(*line),
                text(kept),
                texts(add_flags),
                Value::from(*blank_before),
            ];
            let keys: &'static [&'static str] = match (secret_env.is_empty(), *command_at == 0) {
                (true, true) => &["kind", "line", "text", "add_flags", "blank_before"],
                (false, true) => &[
                    "kind",
                    "line",
                    "text",
                    "add_flags",
                    "blank_before",
                    "secret_env",
                ],
                (true, false) => &[
                    "kind",
                    "line",
                    "text",
                    "add_flags",
                    "blank_before",
                    "command_at",
                ],
                (false, false) => &[
                    "kind",
                    "line",
                    "text",
                    "add_flags",
                    "blank_before",
                    "secret_env",
                    "command_at",
                ],
            };
            if !secret_env.is_empty() {
                values.push(secret_values(secret_env));
            }
            if *command_at != 0 {
                values.push(Value::from(*command_at));
            }
            (keys, values)
        }
        Step::Run {
            mounts,
            command,
            secret_env,
        } => {
            if secret_env.is_empty() {
                (
                    &["kind", "mounts", "command"],
                    vec![kind, texts(mounts), text(command)],
                )
            } else {
                (
                    &["kind", "mounts", "command", "secret_env"],
                    vec![
                        kind,
                        texts(mounts),
                        text(command),
                        secret_values(secret_env),
                    ],
                )
            }
        }
        Step::Copy {
            from,
            chown,
            sources,
            dest,
        } => (
            &["kind", "from", "chown", "sources", "dest"],
            vec![kind, maybe(from), maybe(chown), texts(sources), text(dest)],
        ),
        Step::Workdir { path } => (&["kind", "path"], vec![kind, text(path)]),
        Step::Env { name, value } => (
            &["kind", "name", "value"],
            vec![kind, text(name), text(value)],
        ),
        Step::Arg { name, value } => (
            &["kind", "name", "value"],
            vec![kind, text(name), maybe(value)],
        ),
        Step::User { name } => (&["kind", "name"], vec![kind, text(name)]),
        Step::CreateUser { family, name, uid } => (
            &["kind", "family", "name", "uid"],
            vec![kind, text(family), text(name), Value::from(*uid)],
        ),
        Step::Packages { manager, packages } => (
            &["kind", "manager", "packages"],
            vec![kind, text(manager), texts(packages)],
        ),
        Step::Exec { keyword, args } => (
            &["kind", "keyword", "args"],
            vec![kind, text(keyword), texts(args)],
        ),
        Step::Comment { text: comment } => (&["kind", "text"], vec![kind, text(comment)]),
    };
    Value::from_object(StepValue { keys, values })
}

/// `secret_env` as templates see it: a list of `{name, path}` maps.
fn secret_values(secret_env: &[crate::plan::SecretEnv]) -> Value {
    Value::from(
        secret_env
            .iter()
            .map(|v| {
                // A map, keys in serde's order (which is also sorted).
                Value::from(BTreeMap::from([
                    ("name", Value::from(v.name.as_str())),
                    ("path", Value::from(v.path.as_str())),
                ]))
            })
            .collect::<Vec<Value>>(),
    )
}

/// Roughly the length of a stage's rendered text: every kept instruction's text plus a line
/// for everything else, so a big stage is written into one allocation.
fn body_size_hint(steps: &[Step]) -> usize {
    steps
        .iter()
        .map(|step| match step {
            Step::Kept { text, .. } => text.len() + 1,
            _ => 64,
        })
        .sum()
}

/// Write `step` onto `out` as the embedded `step/kept.j2` would, when it is a kept instruction
/// without secret exports (the template then writes its text, with `add_flags` through
/// `insert_flags`); `false`, writing nothing, for any other step.
fn write_kept_step(step: &Step, out: &mut String) -> bool {
    match step {
        Step::Kept {
            text,
            add_flags,
            secret_env,
            ..
        } if secret_env.is_empty() => {
            write_kept(text, add_flags, out);
            true
        }
        _ => false,
    }
}

/// A kept instruction's text with `add_flags` after the keyword, written onto `out` (the
/// `insert_flags` filter of `step/kept.j2`).
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
                name: crate::plan::StageName::Runtime,
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

    #[test]
    fn secret_variables_are_exported_before_the_command_of_their_run() {
        let templates = Templates::load(None).unwrap();
        let text = "RUN --mount=type=cache,target=/root/.npm npm ci\n";
        let plan = plan_with(
            "node",
            vec![
                crate::plan::Step::Kept {
                    line: 1,
                    text: text.into(),
                    add_flags: vec!["mount=type=secret,id=npm_token".into()],
                    blank_before: false,
                    secret_env: secret_env(&["NPM_TOKEN"]),
                    command_at: text.find("npm ci").unwrap(),
                },
                crate::plan::Step::Run {
                    mounts: vec!["type=secret,id=a".into(), "type=secret,id=b".into()],
                    command: "make".into(),
                    secret_env: secret_env(&["A", "B"]),
                },
            ],
        );
        assert_eq!(
            templates.render(&plan, LF).unwrap(),
            "FROM debian AS runtime\n\
             RUN --mount=type=secret,id=npm_token --mount=type=cache,target=/root/.npm \
             export NPM_TOKEN=\"$(cat /run/secrets/npm_token)\" && npm ci\n\
             RUN --mount=type=secret,id=a --mount=type=secret,id=b \
             export A=\"$(cat /run/secrets/a)\" && export B=\"$(cat /run/secrets/b)\" && make\n"
        );
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
    fn a_replaced_layout_gets_kept_steps_and_their_template() {
        let templates = templates_with(&[(
            "Dockerfile.j2",
            "{% for stage in stages %}{% for step in stage.steps %}{% include step_templates[step.kind] %}[{{ step.line }}]\n{% endfor %}{% endfor %}",
        )]);
        let plan = plan_with("go", vec![kept("RUN a\n", &["network=none"], false)]);
        assert_eq!(
            templates.render(&plan, LF).unwrap(),
            "RUN --network=none a\n[1]\n"
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

    /// A step of any kind, with any text in its fields.
    fn any_step() -> impl proptest::strategy::Strategy<Value = crate::plan::Step> {
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
        let secret_env = move || {
            proptest::collection::vec(
                (text(), text()).prop_map(|(name, path)| crate::plan::SecretEnv { name, path }),
                0..3,
            )
        };
        prop_oneof![
            (
                any::<usize>(),
                text(),
                texts(),
                any::<bool>(),
                secret_env(),
                prop_oneof![Just(0usize), 1..64usize]
            )
                .prop_map(
                    |(line, text, add_flags, blank_before, secret_env, command_at)| Step::Kept {
                        line,
                        text,
                        add_flags,
                        blank_before,
                        secret_env,
                        command_at,
                    }
                ),
            (texts(), text(), secret_env()).prop_map(|(mounts, command, secret_env)| Step::Run {
                mounts,
                command,
                secret_env
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
            (text(), text(), any::<u32>()).prop_map(|(family, name, uid)| Step::CreateUser {
                family,
                name,
                uid
            }),
            (text(), texts()).prop_map(|(manager, packages)| Step::Packages { manager, packages }),
            (text(), texts()).prop_map(|(keyword, args)| Step::Exec { keyword, args }),
            text().prop_map(|text| Step::Comment { text }),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// Templates see a step as serde would write it: the same keys in the same order,
        /// the same values, and the same truthiness of each field.
        #[test]
        fn a_step_value_is_its_serialised_form(step in any_step()) {
            let built = step_value(&step);
            let serialised = Value::from(minijinja::value::Serde(&step));
            proptest::prop_assert_eq!(
                serde_json::to_string(&built).unwrap(),
                serde_json::to_string(&serialised).unwrap()
            );
            let keys = |v: &Value| v.try_iter().unwrap().collect::<Vec<Value>>();
            proptest::prop_assert_eq!(keys(&built), keys(&serialised));
            for key in keys(&serialised) {
                let (a, b) = (built.get_item(&key).unwrap(), serialised.get_item(&key).unwrap());
                proptest::prop_assert_eq!(a.is_true(), b.is_true(), "{}", key);
                proptest::prop_assert_eq!(a.to_string(), b.to_string(), "{}", key);
            }
        }
    }

    /// The embedded templates, written to a `--templates-dir`: every template runs through
    /// minijinja (no shortcut applies to a replaced template) and the layout gets the steps.
    fn embedded_as_files() -> &'static Templates {
        static TEMPLATES: std::sync::OnceLock<Templates> = std::sync::OnceLock::new();
        TEMPLATES.get_or_init(|| {
            let templates = templates_with(EMBEDDED);
            assert!(!templates.kept_is_embedded && !templates.layout_is_embedded);
            templates
        })
    }

    /// Mostly kept instructions shaped like Dockerfile text (comment lines, a keyword,
    /// arguments with quotes, braces and continuations), with or without flags and exports;
    /// sometimes any step.
    fn kept_or_any_step() -> impl proptest::strategy::Strategy<Value = crate::plan::Step> {
        use proptest::prelude::*;
        let kept = (
            "(# [a-z{}%]{0,4}\n){0,2}[ \t]{0,2}[A-Z]{2,4}( [a-z\"'{}%#=\\\\-]{0,6}(\\\\\n)?){0,3}\n?",
            proptest::collection::vec("[a-z=,/]{1,8}", 0..3),
            any::<bool>(),
        )
            .prop_map(|(text, add_flags, exports)| crate::plan::Step::Kept {
                line: 1,
                command_at: text.len() / 2,
                secret_env: if exports { secret_env(&["NPM_TOKEN"]) } else { Vec::new() },
                text,
                add_flags,
                blank_before: false,
            });
        prop_oneof![3 => kept, 1 => any_step()]
    }

    /// A plan of any steps: directives, header and trailer, and one to three stages.
    fn any_plan() -> impl proptest::strategy::Strategy<Value = Plan> {
        use proptest::collection::vec;
        use proptest::prelude::*;
        (
            vec(any_step(), 0..3),
            vec(any_step(), 0..3),
            vec(vec(any_step(), 0..6), 1..4),
            vec(any_step(), 0..3),
            any::<bool>(),
        )
            .prop_map(|(directives, header, stages, trailer, syntax)| {
                let mut plan = plan_with("node", Vec::new());
                plan.directives = directives;
                plan.header = header;
                plan.add_syntax_directive = syntax;
                plan.stages = stages
                    .into_iter()
                    .enumerate()
                    .map(|(i, steps)| crate::plan::Stage {
                        name: [
                            crate::plan::StageName::Deps,
                            crate::plan::StageName::Build,
                            crate::plan::StageName::Test,
                            crate::plan::StageName::Runtime,
                        ][i],
                        from: "debian".into(),
                        platform: (i == 1).then(|| "linux/amd64".into()),
                        steps,
                    })
                    .collect();
                plan.trailer = trailer;
                plan
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
        /// A kept step without exports written directly is what `step/kept.j2` writes for it.
        #[test]
        fn the_kept_shortcut_writes_what_the_template_writes(step in kept_or_any_step()) {
            let templates = Templates::load(None).unwrap();
            let render = Render {
                templates: &templates,
                profile: Value::from("node"),
                package_manager: Value::from(()),
                shared: Vec::new(),
                in_stages: Vec::new(),
                layout_reads_steps: false,
            };
            let mut direct = String::new();
            let written = write_kept_step(&step, &mut direct);
            let exports = matches!(&step, Step::Kept { secret_env, .. } if !secret_env.is_empty());
            proptest::prop_assert_eq!(written, step.kind() == "kept" && !exports);
            if written {
                let mut by_template = String::new();
                render
                    .step(templates.template(KEPT_TEMPLATE).unwrap(), &step, &mut by_template)
                    .unwrap();
                proptest::prop_assert_eq!(direct, by_template);
            } else {
                proptest::prop_assert_eq!(direct, "");
            }
        }

        /// Every plan renders the same with the embedded templates (shortcuts, no step values
        /// for the layout) as with the same templates given as files (all through minijinja).
        #[test]
        fn the_embedded_templates_render_as_their_files_do(plan in any_plan(), crlf: bool) {
            let style = TextStyle { crlf, final_newline: true };
            let embedded = Templates::load(None).unwrap().render(&plan, style);
            let as_files = embedded_as_files().render(&plan, style);
            proptest::prop_assert_eq!(
                embedded.map_err(|e| e.to_string()),
                as_files.map_err(|e| e.to_string())
            );
        }
    }

    #[test]
    fn a_step_template_sees_the_step_the_profile_and_the_package_manager() {
        let templates = templates_with(&[(
            "step/user.j2",
            "USER {{ step.name }} # {{ profile }} {{ package_manager }} {{ step | length }}\n",
        )]);
        let mut plan = plan_with("node", vec![crate::plan::Step::User { name: "app".into() }]);
        plan.package_manager = Some("pnpm".into());
        assert_eq!(
            templates.render(&plan, LF).unwrap(),
            "FROM debian AS runtime\nUSER app # node pnpm 2\n"
        );
        let unknown = templates_with(&[("step/user.j2", "USER {{ step.nobody }}\n")]);
        let error = unknown.render(&plan, LF).unwrap_err().to_string();
        assert!(error.contains("undefined"), "{error}");
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
