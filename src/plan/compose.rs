//! Compose awareness (issue 19 item 5): a compose file that builds this Dockerfile keeps working.
//!
//! A single-stage Dockerfile has one image; `docker compose up` builds it for every service whose
//! `build:` names it. After the rewrite the default target is the last stage, `runtime`, which
//! holds only what the app needs at run time. A service that runs a development command (the
//! profile's `dev_commands`: `npm run dev`, `flask run --debug`), or bind-mounts the sources over
//! the app folder, needs the `build` stage instead; a service whose `target:` names the original
//! stage needs the stage that now stands for it. For each, the compose file's change is proposed
//! (`build.target`, edited line by line so formatting and comments stay, kept only when the edited
//! file parses to the same document with that one change) and a `compose-target` warning gives the
//! exact change. A service the rewrite does not affect gets a decision.
//!
//! Compose files are looked for lazily: the four names Docker Compose reads, in the Dockerfile's
//! folder and each parent up to the context root (the first name found in each folder, in
//! Compose's order), only when the Dockerfile's place in the context is known.

use super::model::{ChangedFile, Decision, Stage, Step, Warning, WarningCode};
use super::planner::PlanInput;
use crate::source::normalize;
use serde_json::Value;

/// The names Docker Compose looks for, in its order of preference.
const NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The stage a development workflow needs: toolchain, every dependency and the sources.
const DEV_STAGE: &str = "build";

/// What the compose files around the Dockerfile need.
#[derive(Debug, Default)]
pub(super) struct Review {
    pub changed_files: Vec<ChangedFile>,
    pub warnings: Vec<Warning>,
    pub decisions: Vec<Decision>,
}

/// Look at the compose files that build this Dockerfile. `app_dir` is the folder the app runs
/// in (the build stage's working directory).
pub(super) fn review(input: &PlanInput<'_>, stages: &[Stage], app_dir: Option<&str>) -> Review {
    let mut out = Review::default();
    let Some(dockerfile) = input.options.dockerfile.as_deref().and_then(normalize) else {
        return out;
    };
    if dockerfile.is_empty() {
        return out;
    }
    let last = stages.last().map_or("runtime", |s| s.name.as_str());
    let has_command = stage_sets_command(stages, DEV_STAGE);
    let mut dir = parent(&dockerfile);
    loop {
        let found = NAMES
            .iter()
            .map(|name| join(dir, name))
            .find(|path| input.ctx.exists(path));
        if let Some(path) = found
            && let Some(text) = input.ctx.read(&path)
        {
            let file = ComposeFile {
                path: &path,
                dir,
                text: &text,
            };
            file.review(input, &dockerfile, last, has_command, app_dir, &mut out);
        }
        if dir.is_empty() {
            break;
        }
        dir = parent(dir);
    }
    out
}

/// Whether a stage sets its own start command (a kept or new CMD/ENTRYPOINT).
fn stage_sets_command(stages: &[Stage], name: &str) -> bool {
    stages.iter().filter(|s| s.name.as_str() == name).any(|s| {
        s.steps.iter().any(|step| match step {
            Step::Exec { .. } => true,
            Step::Kept { text, .. } => {
                let keyword = text
                    .lines()
                    .map(str::trim_start)
                    .find(|l| !l.is_empty() && !l.starts_with('#'))
                    .and_then(|l| l.split_whitespace().next())
                    .unwrap_or("");
                keyword.eq_ignore_ascii_case("CMD") || keyword.eq_ignore_ascii_case("ENTRYPOINT")
            }
            _ => false,
        })
    })
}

/// The folder of a context path (`""` for the root).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

struct ComposeFile<'a> {
    /// Relative to the context root.
    path: &'a str,
    /// Its folder, which compose resolves `build.context` against.
    dir: &'a str,
    text: &'a str,
}

/// One service that builds this Dockerfile, and what it needs.
struct Need {
    service: String,
    /// Why it needs the build stage (`runs \`npm run dev\``), when it does.
    dev: Option<String>,
    current: Option<String>,
    wanted: String,
    has_command: bool,
}

impl Need {
    /// Why the service needs another stage than the one it builds now.
    fn why(&self, last: &str) -> String {
        match &self.dev {
            Some(dev) => format!(
                "it {dev}, which needs the toolchain, every dependency and the sources; the rewrite's `{last}` stage has only what the app needs at run time"
            ),
            None => format!(
                "its `target: {}` names a stage the rewrite does not have under that name; `{last}` is the image the original built",
                self.current.as_deref().unwrap_or_default()
            ),
        }
    }
}

impl ComposeFile<'_> {
    fn review(
        &self,
        input: &PlanInput<'_>,
        dockerfile: &str,
        last: &str,
        build_stage_has_command: bool,
        app_dir: Option<&str>,
        out: &mut Review,
    ) {
        let path = self.path;
        let document: Value = match serde_saphyr::from_str(self.text) {
            Ok(value) => value,
            Err(_) => {
                out.warnings.push(Warning {
                    code: WarningCode::ComposeTarget,
                    message: format!(
                        "{path} could not be read as YAML, so restage cannot tell whether a service builds this Dockerfile: if one does, build the stage it needs (`target: {DEV_STAGE}` for a development command or bind-mounted sources; the default, `{last}`, otherwise)"
                    ),
                    line: None,
                });
                return;
            }
        };
        let Some(services) = document.get("services").and_then(Value::as_object) else {
            return;
        };
        let mut needs = Vec::new();
        for (name, service) in services {
            let Some(build) = service.get("build") else {
                continue;
            };
            let Some((built, current)) = self.builds(build) else {
                continue;
            };
            if built != dockerfile {
                continue;
            }
            let command = service.get("command");
            let dev = command
                .and_then(|c| dev_command(input, c))
                .map(|rule| format!("runs `{rule}`, a development command"))
                .or_else(|| {
                    service
                        .get("volumes")
                        .and_then(Value::as_array)
                        .and_then(|volumes| bind_mount_over(volumes, app_dir?))
                        .map(|(source, target)| {
                            format!("bind-mounts `{source}` over the app folder `{target}`")
                        })
                });
            let wanted = if dev.is_some() { DEV_STAGE } else { last };
            needs.push(Need {
                service: name.clone(),
                dev,
                current,
                wanted: wanted.to_string(),
                has_command: command.is_some_and(|c| !c.is_null()),
            });
        }
        let mut text = self.text.to_string();
        let mut edited = Vec::new();
        for need in &needs {
            let service = &need.service;
            let fine = match &need.current {
                None => need.wanted == last,
                Some(t) => *t == need.wanted,
            };
            if fine {
                let why = match &need.dev {
                    Some(dev) => format!(
                        "it {dev}, and that stage has the toolchain, every dependency and the sources"
                    ),
                    None => "it runs no development command and mounts no sources over the app folder: the last stage stands for the image the original built".to_string(),
                };
                out.decisions.push(Decision {
                    what: format!(
                        "{path}: service `{service}` builds the `{}` stage",
                        need.wanted
                    ),
                    why,
                    confidence: 0.8,
                });
                continue;
            }
            let why = need.why(last);
            if need.wanted == DEV_STAGE && !need.has_command && !build_stage_has_command {
                // The build stage has no start command of its own: the service would start the
                // base image's default. The change needs the command too, which is not
                // proposed (the original's may be a production command).
                out.warnings.push(Warning {
                    code: WarningCode::ComposeTarget,
                    message: format!(
                        "{path}: service `{service}` builds this Dockerfile and {why}: set `build.target: {DEV_STAGE}` and a `command:` for it (the `{DEV_STAGE}` stage has no CMD of its own), or `docker compose up` breaks"
                    ),
                    line: None,
                });
                continue;
            }
            match set_build_target(&text, service, &need.wanted) {
                Some(new_text) => {
                    text = new_text;
                    edited.push(need);
                }
                None => out.warnings.push(Warning {
                    code: WarningCode::ComposeTarget,
                    message: format!(
                        "{path}: service `{service}` builds this Dockerfile and {why}: set `build.target: {}` for it (restage could not edit this file's layout), or `docker compose up` breaks",
                        need.wanted
                    ),
                    line: None,
                }),
            }
        }
        if edited.is_empty() {
            return;
        }
        let parses_the_same = serde_saphyr::from_str::<Value>(&text).is_ok_and(|after| {
            let mut expected = document.clone();
            for need in &edited {
                set_target_in(&mut expected, &need.service, &need.wanted);
            }
            after == expected
        });
        for need in &edited {
            let service = &need.service;
            let why = need.why(last);
            let how = if parses_the_same {
                "proposed in the diff"
            } else {
                "restage's edit did not parse back to the same file, so it is not proposed"
            };
            out.warnings.push(Warning {
                code: WarningCode::ComposeTarget,
                message: format!(
                    "{path}: service `{service}` builds this Dockerfile and {why}: set `build.target: {}` for it ({how}), or `docker compose up` breaks",
                    need.wanted
                ),
                line: None,
            });
        }
        if parses_the_same {
            out.changed_files.push(ChangedFile {
                path: path.to_string(),
                original: self.text.to_string(),
                content: text,
            });
        }
    }

    /// The Dockerfile a service's `build:` builds (relative to the context root) and its
    /// `target`, when it resolves inside the context (no variables, URLs or absolute paths).
    fn builds(&self, build: &Value) -> Option<(String, Option<String>)> {
        let (context, dockerfile, target) = match build {
            Value::String(context) => (context.as_str(), "Dockerfile", None),
            Value::Object(map) => (
                map.get("context").map_or(Some("."), Value::as_str)?,
                map.get("dockerfile")
                    .map_or(Some("Dockerfile"), Value::as_str)?,
                map.get("target")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            _ => return None,
        };
        let plain = |p: &str| !(p.contains('$') || p.contains("://") || p.starts_with('/'));
        if !plain(context) || !plain(dockerfile) || context.starts_with("git@") {
            return None;
        }
        let context = normalize(&join(self.dir, context))?.into_owned();
        let dockerfile = normalize(&join(&context, dockerfile))?.into_owned();
        Some((dockerfile, target))
    }
}

/// The profile's development command a compose `command:` (a string run by a shell, or a list)
/// runs, if any.
fn dev_command(input: &PlanInput<'_>, command: &Value) -> Option<String> {
    let prefixes = &input.registry.system().command_prefixes;
    let commands: Vec<Vec<String>> = match command {
        Value::String(text) => crate::shell::simple_commands(text, prefixes),
        Value::Array(items) => {
            let words: Vec<String> = items
                .iter()
                .map(|w| match w {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            // `["sh", "-c", "npm run dev"]`: the script is what runs.
            match words.as_slice() {
                [shell, flag, script, ..]
                    if matches!(crate::shell::basename(shell), "sh" | "bash" | "ash")
                        && flag == "-c" =>
                {
                    crate::shell::simple_commands(script, prefixes)
                }
                _ => {
                    let text = words
                        .iter()
                        .map(|w| shell_quote(w))
                        .collect::<Vec<_>>()
                        .join(" ");
                    crate::shell::simple_commands(&text, prefixes)
                }
            }
        }
        _ => Vec::new(),
    };
    commands
        .iter()
        .find_map(|words| input.profile.dev_command_for(words))
        .map(str::to_string)
}

/// A word quoted for the shell lexer when it needs it.
fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The first bind mount of a host folder over the app folder (or a folder above it): its
/// source and target as written.
fn bind_mount_over(volumes: &[Value], app_dir: &str) -> Option<(String, String)> {
    let app_dir = app_dir.trim_end_matches('/');
    let covers = |target: &str| {
        let target = target.trim_end_matches('/');
        !app_dir.is_empty()
            && (target == app_dir
                || (!target.is_empty() && app_dir.starts_with(&format!("{target}/"))))
    };
    volumes.iter().find_map(|volume| {
        let (source, target) = match volume {
            Value::String(short) => {
                // SOURCE:TARGET[:MODE]; a source that is not a path is a named volume.
                let mut parts = short.splitn(3, ':');
                let source = parts.next()?;
                let target = parts.next()?;
                if !(source.starts_with('.') || source.starts_with('/') || source.starts_with('~'))
                {
                    return None;
                }
                (source.to_string(), target.to_string())
            }
            Value::Object(long) => {
                if long.get("type").and_then(Value::as_str) != Some("bind") {
                    return None;
                }
                (
                    long.get("source")?.as_str()?.to_string(),
                    long.get("target")?.as_str()?.to_string(),
                )
            }
            _ => return None,
        };
        covers(&target).then_some((source, target))
    })
}

/// `services.<service>.build.target = target` in a parsed document (a string `build:` becomes
/// `{context: <it>, target}`): what the edited text must parse to.
fn set_target_in(document: &mut Value, service: &str, target: &str) {
    let Some(build) = document
        .get_mut("services")
        .and_then(|s| s.get_mut(service))
        .and_then(|s| s.get_mut("build"))
    else {
        return;
    };
    if let Value::String(context) = build {
        let mut map = serde_json::Map::new();
        map.insert("context".into(), Value::String(context.clone()));
        *build = Value::Object(map);
    }
    if let Value::Object(map) = build {
        map.insert("target".into(), Value::String(target.into()));
    }
}

// -------------------------------------------------------------------------------------------
// Editing the text, line by line.

/// One line of the file: its text without the line ending, and the ending.
struct Line<'a> {
    body: &'a str,
    end: &'a str,
}

impl Line<'_> {
    fn indent(&self) -> usize {
        self.body.len() - self.body.trim_start_matches(' ').len()
    }

    /// Blank or a comment: it neither opens nor closes a block.
    fn is_filler(&self) -> bool {
        let t = self.body.trim();
        t.is_empty() || t.starts_with('#')
    }

    /// The value after `key:` on this line (with any comment), when the line is that key.
    fn key_value(&self, key: &str) -> Option<&str> {
        let content = self.body.trim_start();
        for quoted in [key.to_string(), format!("\"{key}\""), format!("'{key}'")] {
            if let Some(rest) = content.strip_prefix(quoted.as_str()) {
                let rest = rest.trim_start_matches(' ');
                if let Some(value) = rest.strip_prefix(':')
                    && (value.is_empty() || value.starts_with([' ', '\t']))
                {
                    return Some(value);
                }
            }
        }
        None
    }
}

fn lines(text: &str) -> Vec<Line<'_>> {
    text.split_inclusive('\n')
        .map(|l| {
            let body = l.trim_end_matches(['\n', '\r']);
            Line {
                body,
                end: &l[body.len()..],
            }
        })
        .collect()
}

/// A value and its trailing comment (` # ...`), split outside quotes.
fn split_comment(value: &str) -> (&str, &str) {
    let trimmed = value.trim_start();
    let bytes = trimmed.as_bytes();
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') if i == 0 => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            (None, b'#') if i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t' => {
                return (trimmed[..i].trim_end(), &trimmed[i..]);
            }
            _ => {}
        }
    }
    (trimmed.trim_end(), "")
}

/// The index after the last line of the block that starts after line `start` and holds the
/// lines indented more than `indent` (fillers inside it included, trailing fillers not).
fn block_end(lines: &[Line<'_>], start: usize, indent: usize) -> usize {
    let mut end = start + 1;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        if line.is_filler() {
            continue;
        }
        if line.indent() <= indent {
            break;
        }
        end = i + 1;
    }
    end
}

/// The first line after `start` within `[start + 1, end)` that is not a filler.
fn first_child(lines: &[Line<'_>], start: usize, end: usize) -> Option<usize> {
    (start + 1..end).find(|&i| !lines[i].is_filler())
}

/// The text with `services.<service>.build.target` set to `target`, editing only the lines
/// concerned; `None` for a layout this does not edit (flow style, anchors, tabs).
pub(super) fn set_build_target(text: &str, service: &str, target: &str) -> Option<String> {
    let lines = lines(text);
    if lines.iter().any(|l| l.body.starts_with('\t')) {
        return None;
    }
    let services = lines
        .iter()
        .position(|l| l.indent() == 0 && l.key_value("services").is_some())?;
    if !split_comment(lines[services].key_value("services")?)
        .0
        .is_empty()
    {
        return None;
    }
    let services_end = block_end(&lines, services, 0);
    let first = first_child(&lines, services, services_end)?;
    let service_indent = lines[first].indent();
    let at = (first..services_end).find(|&i| {
        !lines[i].is_filler()
            && lines[i].indent() == service_indent
            && lines[i].key_value(service).is_some()
    })?;
    if !split_comment(lines[at].key_value(service)?).0.is_empty() {
        return None;
    }
    let service_end = block_end(&lines, at, service_indent);
    let key_indent = lines[first_child(&lines, at, service_end)?].indent();
    let build = (at + 1..service_end).find(|&i| {
        !lines[i].is_filler()
            && lines[i].indent() == key_indent
            && lines[i].key_value("build").is_some()
    })?;
    let step = key_indent - service_indent;
    let eol = lines[build].end;
    let eol = if eol.is_empty() {
        if text.contains("\r\n") { "\r\n" } else { "\n" }
    } else {
        eol
    };
    let (value, comment) = split_comment(lines[build].key_value("build")?);
    let mut replacement: Vec<String> = Vec::new();
    let range;
    if value.is_empty() {
        // A mapping: replace `target:` or add it after the block's last line.
        let build_end = block_end(&lines, build, key_indent);
        let child = first_child(&lines, build, build_end)?;
        let child_indent = lines[child].indent();
        if lines[child].body.trim_start().starts_with('-') {
            return None;
        }
        let existing = (child..build_end).find(|&i| {
            !lines[i].is_filler()
                && lines[i].indent() == child_indent
                && lines[i].key_value("target").is_some()
        });
        match existing {
            Some(i) => {
                let (old, comment) = split_comment(lines[i].key_value("target")?);
                if old.starts_with(['&', '*', '|', '>', '{', '[']) {
                    return None;
                }
                let comment = if comment.is_empty() {
                    String::new()
                } else {
                    format!(" {comment}")
                };
                replacement.push(format!(
                    "{}target: {target}{comment}{}",
                    " ".repeat(child_indent),
                    lines[i].end
                ));
                range = i..i + 1;
            }
            None => {
                let last = build_end - 1;
                replacement.push(format!("{}{eol}", lines[last].body));
                replacement.push(format!(
                    "{}target: {target}{}",
                    " ".repeat(child_indent),
                    lines[last].end
                ));
                range = last..last + 1;
            }
        }
    } else {
        // `build: <context>`: becomes a mapping with the context and the target.
        if value.starts_with(['&', '*', '|', '>', '{', '[']) {
            return None;
        }
        let pad = " ".repeat(key_indent);
        let inner = " ".repeat(key_indent + step.max(2));
        let comment = if comment.is_empty() {
            String::new()
        } else {
            format!(" {comment}")
        };
        replacement.push(format!("{pad}build:{comment}{eol}"));
        replacement.push(format!("{inner}context: {value}{eol}"));
        // The last line keeps the original's ending (none at the end of a file without one).
        replacement.push(format!("{inner}target: {target}{}", lines[build].end));
        range = build..build + 1;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in &lines[..range.start] {
        out.push_str(line.body);
        out.push_str(line.end);
    }
    for line in &replacement {
        out.push_str(line);
    }
    for line in &lines[range.end..] {
        out.push_str(line.body);
        out.push_str(line.end);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_build_becomes_a_mapping_with_the_target() {
        let text = "services:\n  web:\n    build: .   # the app\n    command: npm run dev\n";
        assert_eq!(
            set_build_target(text, "web", "build").unwrap(),
            "services:\n  web:\n    build: # the app\n      context: .\n      target: build\n    command: npm run dev\n"
        );
    }

    #[test]
    fn a_build_mapping_gets_a_target_after_its_last_line() {
        let text = "services:\n    api:\n        build:\n            context: ./api\n            # a comment\n            dockerfile: Dockerfile\n\n        ports: [\"3000:3000\"]\n";
        assert_eq!(
            set_build_target(text, "api", "build").unwrap(),
            "services:\n    api:\n        build:\n            context: ./api\n            # a comment\n            dockerfile: Dockerfile\n            target: build\n\n        ports: [\"3000:3000\"]\n"
        );
    }

    #[test]
    fn an_existing_target_is_replaced_and_keeps_its_comment() {
        let text = "services:\r\n  web:\r\n    build:\r\n      context: .\r\n      target: dev # the one stage\r\n  db:\r\n    image: postgres\r\n";
        assert_eq!(
            set_build_target(text, "web", "runtime").unwrap(),
            "services:\r\n  web:\r\n    build:\r\n      context: .\r\n      target: runtime # the one stage\r\n  db:\r\n    image: postgres\r\n"
        );
    }

    #[test]
    fn the_right_service_is_edited_and_a_missing_final_newline_stays_missing() {
        let text = "services:\n  worker:\n    build: .\n  web:\n    build: .";
        assert_eq!(
            set_build_target(text, "web", "build").unwrap(),
            "services:\n  worker:\n    build: .\n  web:\n    build:\n      context: .\n      target: build"
        );
    }

    #[test]
    fn layouts_it_cannot_edit_are_left_alone() {
        for text in [
            "services: {web: {build: .}}\n",
            "services:\n  web: {build: .}\n",
            "services:\n  web:\n    build: {context: .}\n",
            "services:\n  web:\n    build: *shared\n",
            "services:\n  other:\n    build: .\n",
        ] {
            assert_eq!(set_build_target(text, "web", "build"), None, "{text}");
        }
    }

    #[test]
    fn a_bind_mount_over_the_app_folder_or_above_it_counts_a_named_volume_does_not() {
        let volumes = |v: serde_json::Value| v.as_array().unwrap().clone();
        let over = |v| bind_mount_over(&volumes(v), "/usr/src/app");
        assert_eq!(
            over(serde_json::json!([
                ".:/usr/src/app",
                "/usr/src/app/node_modules"
            ])),
            Some((".".into(), "/usr/src/app".into()))
        );
        assert!(over(serde_json::json!(["./:/usr/src/:ro"])).is_some());
        assert!(
            over(serde_json::json!([{"type": "bind", "source": ".", "target": "/usr/src/app"}]))
                .is_some()
        );
        assert_eq!(over(serde_json::json!(["data:/usr/src/app"])), None);
        assert_eq!(over(serde_json::json!(["./config.yml:/etc/app.yml"])), None);
        assert_eq!(
            over(serde_json::json!(["./src:/usr/src/application"])),
            None
        );
    }
}
