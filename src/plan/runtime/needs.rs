//! What the runtime needs besides the artifact (issue 14 items 2, 3, 4, 12, 14):
//! - the files the app reads, found from string literals in its sources through the profile's
//!   `runtime_needs` call rules, minus what is compiled in, from the build stage when the build
//!   writes them;
//! - the tools its HEALTHCHECK, CMD, ENTRYPOINT or entrypoint script call;
//! - the system packages its manifests and sources say it loads (CA certificates, time zones,
//!   shared libraries).
//!
//! Sources are read lazily: only when the profile has rules, only files of its source globs,
//! at most [`RuntimeNeeds::MAX_SOURCES`], each under the context's size cap.

use super::compiled::is_inside;
use super::*;
use crate::profile::{RuntimeNeeds, path_matches};
use crate::source::Context;

/// A path the runtime gets from the context or the build stage.
#[derive(Clone, Debug)]
pub(super) struct RuntimePath {
    /// Relative to the context (and to the working directory).
    pub path: String,
    /// The source file and call that read it; `None` for the profile's folder list.
    pub reason: Option<String>,
    /// The build writes it (a generator names it): copied `--from=build`.
    pub from_build: bool,
}

/// What the sources say about paths.
#[derive(Debug, Default)]
pub(super) struct SourceScan {
    /// Paths read at run time, with the source file and call.
    pub reads: Vec<(String, String)>,
    /// Paths read at run time that are not in the context, with the source file and call.
    pub missing: Vec<(String, String)>,
    /// Paths compiled into the artifact, with the source file and marker.
    pub compiled_in: Vec<(String, String)>,
    /// Paths a generator (`build.rs`) names.
    pub generated: Vec<String>,
}

/// A tool the runtime's own instructions call.
#[derive(Clone, Debug)]
pub(super) struct NeededTool {
    pub name: String,
    pub why: String,
    pub line: Option<usize>,
}

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    /// Read the sources for the paths the app reads, what is compiled in and what the build
    /// writes.
    pub(super) fn scan_sources(&self) -> SourceScan {
        let ctx = self.planner.input.ctx;
        let needs = &self.planner.input.profile.runtime_needs;
        let skip = &self.planner.input.registry.system().skip_dirs;
        let mut scan = SourceScan::default();
        if needs.sources.is_empty() && needs.generators.is_empty() {
            return scan;
        }
        let in_skipped = |f: &str| {
            f.split('/')
                .rev()
                .skip(1)
                .any(|dir| skip.iter().any(|s| s == dir))
        };
        let sources = ctx
            .files()
            .iter()
            .filter(|f| needs.sources.iter().any(|g| path_matches(g, f)))
            .filter(|f| !needs.exclude.iter().any(|g| path_matches(g, f)))
            .filter(|f| !in_skipped(f))
            .take(RuntimeNeeds::MAX_SOURCES);
        for file in sources {
            let Some(text) = ctx.read(file) else { continue };
            let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
            for rule in &needs.reads {
                if !text.contains(rule.call.as_str()) {
                    continue;
                }
                let label = rule.call.trim_end_matches('(').trim();
                match &rule.stem_in {
                    Some(other) => {
                        let mut dirs: Vec<String> = call_arguments(&text, other, false)
                            .iter()
                            .filter_map(|l| literal_path(l, "", true))
                            .collect();
                        if dirs.is_empty() {
                            dirs.push(String::new());
                        }
                        for stem in call_arguments(&text, &rule.call, false) {
                            let Some(stem) = literal_path(&stem, "", false) else {
                                continue;
                            };
                            let found = config_files(ctx, &dirs, &stem);
                            let why = format!("{file} reads it at run time ({label})");
                            if found.is_empty() {
                                let shown = match dirs[0].as_str() {
                                    "" => format!("{stem}.*"),
                                    d => format!("{d}/{stem}.*"),
                                };
                                scan.missing.push((shown, why.clone()));
                            }
                            scan.reads
                                .extend(found.into_iter().map(|p| (p, why.clone())));
                        }
                    }
                    None => {
                        for literal in call_arguments(&text, &rule.call, rule.words) {
                            let base = if rule.relative_to_source { dir } else { "" };
                            let Some(path) = literal_path(&literal, base, false) else {
                                continue;
                            };
                            let why = format!("{file} reads it at run time ({label})");
                            if ctx.exists(&path) {
                                scan.reads.push((path, why));
                            } else {
                                scan.missing.push((path, why));
                            }
                        }
                    }
                }
            }
            if needs.literal_paths {
                for literal in string_literals(&text) {
                    let Some(path) = literal_path(literal, "", false) else {
                        continue;
                    };
                    let is_source = needs.sources.iter().any(|g| path_matches(g, &path));
                    let is_manifest = self.planner.pm.manifests.iter().any(|m| m == &path);
                    let known = scan.reads.iter().any(|(p, _)| p == &path);
                    // A file without an extension may be a committed binary named like the
                    // artifact (`-o exporter`): only data files and folders are carried.
                    let name = path.rsplit('/').next().unwrap_or(&path);
                    let data_file = name.contains('.');
                    if !is_source
                        && !is_manifest
                        && !known
                        && ctx.exists(&path)
                        && (data_file || is_folder(ctx, &path))
                    {
                        let why = format!("{file} names it in a string literal");
                        scan.reads.push((path, why));
                    }
                }
            }
            for rule in &needs.compiled_in {
                if !text.contains(rule.call.as_str()) {
                    continue;
                }
                let base = if rule.relative_to_source { dir } else { "" };
                let label = rule.call.trim_end_matches('(').trim();
                for literal in call_arguments(&text, &rule.call, rule.words) {
                    let literal = literal.strip_prefix("all:").unwrap_or(&literal);
                    if let Some(path) = literal_path(literal, base, false) {
                        scan.compiled_in.push((path, format!("{label} in {file}")));
                    }
                }
            }
        }
        let generators = ctx
            .files()
            .iter()
            .filter(|f| needs.generators.iter().any(|g| path_matches(g, f)))
            .filter(|f| !in_skipped(f))
            .take(RuntimeNeeds::MAX_SOURCES);
        for file in generators {
            let Some(text) = ctx.read(file) else { continue };
            let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
            scan.generated.extend(
                string_literals(&text)
                    .iter()
                    .filter_map(|l| literal_path(l, dir, false)),
            );
        }
        scan
    }

    /// The paths the runtime copies: the profile's folders that exist, the paths the sources
    /// read, and the framework conventions, minus what is compiled in; each from the build
    /// stage when the build writes it. Decisions and warnings say why.
    pub(super) fn runtime_paths(&mut self) -> Vec<RuntimePath> {
        let input = self.planner.input;
        let ctx = input.ctx;
        let needs = &input.profile.runtime_needs;
        let scan = self.scan_sources();
        let mut paths: Vec<RuntimePath> = Vec::new();
        let mut names: Vec<&String> = input.profile.runtime_files.iter().collect();
        names.extend(input.registry.system().runtime_files.iter());
        names.sort();
        names.dedup();
        for name in names {
            if ctx.exists(name) {
                paths.push(RuntimePath {
                    path: name.clone(),
                    reason: None,
                    from_build: false,
                });
            }
        }
        for (path, why) in &scan.reads {
            paths.push(RuntimePath {
                path: path.clone(),
                reason: Some(why.clone()),
                from_build: false,
            });
        }
        for rule in &needs.conventions {
            if !input.detection.facts.flag(&rule.when) {
                continue;
            }
            for path in rule.paths.iter().filter(|p| ctx.exists(p)) {
                paths.push(RuntimePath {
                    path: path.clone(),
                    reason: Some(rule.note.clone()),
                    from_build: false,
                });
            }
        }
        let generated = |path: &str| {
            scan.generated
                .iter()
                .any(|g| g == path || is_inside(g, path) || is_inside(path, g))
        };
        // A path read but not in the context comes from the build when the build writes it.
        for (path, why) in &scan.missing {
            if generated(path) {
                paths.push(RuntimePath {
                    path: path.clone(),
                    reason: Some(why.clone()),
                    from_build: true,
                });
            } else if !paths.iter().any(|p| is_inside(path, &p.path)) {
                self.planner.warn(
                    WarningCode::RuntimeFileMissing,
                    format!(
                        "{}, but it is not in the build context, so the runtime does not have it",
                        why.replacen(" it ", &format!(" {path} "), 1)
                    ),
                    None,
                );
            }
        }
        // Compiled in: no copy.
        let embedded = |path: &str| {
            needs.embedded.iter().any(|g| glob(g, path))
                || scan
                    .compiled_in
                    .iter()
                    .find(|(c, _)| c == path || is_inside(path, c))
                    .map(|(_, why)| why.clone())
                    .is_some()
        };
        let mut kept: Vec<RuntimePath> = Vec::new();
        for mut p in paths {
            if embedded(&p.path) {
                let how = scan
                    .compiled_in
                    .iter()
                    .find(|(c, _)| *c == p.path || is_inside(&p.path, c))
                    .map_or_else(
                        || "the build puts it inside the artifact".to_string(),
                        |(_, why)| format!("{why} compiles it into the artifact"),
                    );
                if !self
                    .planner
                    .decisions
                    .iter()
                    .any(|d| d.what == format!("runtime does not copy {}", p.path))
                {
                    self.planner
                        .decide(format!("runtime does not copy {}", p.path), how, 0.85);
                }
                continue;
            }
            let name = p.path.rsplit('/').next().unwrap_or(&p.path);
            if super::super::dockerignore::is_secret(name) {
                self.planner.warn(
                    WarningCode::RuntimeFileMissing,
                    format!(
                        "{} is read at run time ({}), but it is a secret file that stays out of images; pass it at run time (--env-file, a mount or a secret)",
                        p.path,
                        p.reason.as_deref().unwrap_or("a runtime folder")
                    ),
                    None,
                );
                continue;
            }
            p.from_build |= generated(&p.path);
            kept.push(p);
        }
        kept.sort_by(|a, b| a.path.cmp(&b.path));
        // One copy per path; none inside a folder that is copied whole.
        let mut out: Vec<RuntimePath> = Vec::new();
        for p in kept {
            if let Some(last) = out.last_mut()
                && last.path == p.path
            {
                if last.reason.is_none() {
                    last.reason = p.reason;
                }
                last.from_build |= p.from_build;
                continue;
            }
            if out.iter().any(|o| is_inside(&p.path, &o.path)) {
                continue;
            }
            out.push(p);
        }
        out
    }

    /// The tools the runtime's HEALTHCHECK, start command and entrypoint script call.
    pub(super) fn tools_needed(&self, units: &[Unit<'p>], start: &StartCommand) -> Vec<NeededTool> {
        let system = self.planner.input.registry.system();
        let known = |name: &str| system.runtime_tools.tool(name).is_some();
        let mut out: Vec<NeededTool> = Vec::new();
        let mut need = |name: &str, why: String, line: Option<usize>| {
            if known(name) && !out.iter().any(|t| t.name == name) {
                out.push(NeededTool {
                    name: name.to_string(),
                    why,
                    line,
                });
            }
        };
        let last = |kw: &str| units.iter().rev().find(|u| u.entry.inst.is(kw));
        let entrypoint = last("ENTRYPOINT").filter(|u| !u.entry.inst.values().is_empty());
        for unit in [entrypoint, last("CMD"), last("HEALTHCHECK")]
            .into_iter()
            .flatten()
        {
            let inst = unit.entry.inst;
            let line = Some(unit.line());
            let keyword = inst.keyword().to_uppercase();
            let mut values: Vec<String> = inst.values().to_vec();
            if inst.is("HEALTHCHECK") {
                if !values
                    .first()
                    .is_some_and(|k| k.eq_ignore_ascii_case("CMD"))
                {
                    continue;
                }
                values.remove(0);
            } else if inst.is("CMD") && entrypoint.is_some() {
                // CMD only gives the ENTRYPOINT its arguments.
                continue;
            }
            if values.is_empty() {
                continue;
            }
            let shell_form = inst.form == Some(Form::Shell);
            let script = if shell_form {
                let text = values.join(" ");
                if super::start::simple_command_words(&text).is_none()
                    || self.family == "distroless" && inst.is("HEALTHCHECK")
                {
                    need(
                        "sh",
                        format!(
                            "the shell form of {keyword} at line {} runs /bin/sh",
                            unit.line()
                        ),
                        line,
                    );
                }
                Some(text)
            } else {
                let program = values[0]
                    .rsplit('/')
                    .next()
                    .unwrap_or(&values[0])
                    .to_string();
                need(
                    &program,
                    format!("{keyword} at line {} runs {program}", unit.line()),
                    line,
                );
                matches!(program.as_str(), "sh" | "bash")
                    .then(|| values.iter().position(|v| v == "-c"))
                    .flatten()
                    .and_then(|i| values.get(i + 1).cloned())
            };
            for command in script.as_deref().map(shell::parse).unwrap_or_default() {
                let program = command.program();
                need(
                    program,
                    format!("{keyword} at line {} calls {program}", unit.line()),
                    line,
                );
            }
        }
        // An entrypoint script: its shebang names its shell, and its commands may call tools.
        for (path, text) in self.entrypoint_scripts(start) {
            let mut lines = text.lines();
            if let Some(shebang) = lines.next().and_then(|l| l.strip_prefix("#!")) {
                let mut words = shebang.split_whitespace();
                let interpreter = words.next().unwrap_or("");
                let mut shell = interpreter.rsplit('/').next().unwrap_or(interpreter);
                if shell == "env" {
                    shell = words.next().unwrap_or("");
                }
                need(
                    shell,
                    format!("the start script {path} runs with {shell} (its #! line)"),
                    start.line,
                );
            }
            for line in lines {
                for command in shell::parse(line) {
                    let program = command.program();
                    need(
                        program,
                        format!("the start script {path} calls {program}"),
                        start.line,
                    );
                }
            }
        }
        out
    }

    /// A shell-less runtime (distroless) cannot have a tool its instructions call: use the
    /// system's tool flavour of the profile instead (`slim`). `Some((image, family))` when it
    /// changes.
    pub(super) fn flavour_for_tools(
        &mut self,
        image: &str,
        tools: &[NeededTool],
    ) -> Option<(String, String)> {
        let input = self.planner.input;
        let runtime_tools = &input.registry.system().runtime_tools;
        let (name, tag) = split_image(image);
        let present = runtime_tools.present(&name, tag.as_deref(), &self.family);
        let missing: Vec<&NeededTool> = tools
            .iter()
            .filter(|t| !present.contains(&t.name))
            .collect();
        if self.family != "distroless" || missing.is_empty() {
            return None;
        }
        let choice = input.profile.runtime_choice(
            &self.builder_image,
            &input.detection.facts,
            &input.detection.versions,
            Some(&runtime_tools.flavour),
        )?;
        if choice.prepare.is_some() {
            return None;
        }
        let family = self.image_family(&choice.image);
        if family == "distroless" {
            return None;
        }
        let tool = missing[0];
        self.planner.decide(
            format!("runtime image {} instead of {image}", choice.image),
            format!(
                "{}, and {image} has no {} and no package manager to install it",
                tool.why, tool.name
            ),
            0.85,
        );
        Some((choice.image, family))
    }

    /// Install what the runtime lacks: the tools its instructions call, and the packages the
    /// profile's `runtime_needs` rules name (CA certificates, time zones, shared libraries).
    /// Added to the runtime's package step.
    pub(super) fn needed_packages(
        &mut self,
        image: &str,
        tools: &[NeededTool],
        steps: &mut Vec<Step>,
    ) {
        let input = self.planner.input;
        let family = self.family.clone();
        let runtime_tools = &input.registry.system().runtime_tools;
        let (name, tag) = split_image(image);
        let present = runtime_tools.present(&name, tag.as_deref(), &family);
        let mut add: Vec<String> = Vec::new();
        let already = |steps: &Vec<Step>, package: &str| {
            steps.iter().any(
                |s| matches!(s, Step::Packages { packages, .. } if packages.iter().any(|p| p == package)),
            )
        };
        for tool in tools.iter().filter(|t| !present.contains(&t.name)) {
            let Some(package) = runtime_tools
                .tool(&tool.name)
                .map(|t| t.package.clone())
                .filter(|p| !p.is_empty())
            else {
                continue;
            };
            if family == "distroless" {
                self.planner.warn(
                    WarningCode::RuntimePackagesMissing,
                    format!(
                        "{}, and the distroless runtime {image} has no {} and cannot install it",
                        tool.why, tool.name
                    ),
                    tool.line,
                );
                continue;
            }
            if already(steps, &package) || add.contains(&package) {
                continue;
            }
            self.planner.decide(
                format!("runtime installs {package}"),
                format!("{}, and {image} does not have it", tool.why),
                0.85,
            );
            self.planner.warn(
                WarningCode::ToolAdded,
                format!(
                    "runtime installs {package}: {}, and {image} does not have it",
                    tool.why
                ),
                tool.line,
            );
            add.push(package);
        }
        for rule in &input.profile.runtime_needs.packages {
            if !rule.applies(&self.builder_image, &family, &input.detection.facts) {
                continue;
            }
            let new: Vec<String> = rule
                .packages
                .iter()
                .filter(|p| !already(steps, p) && !add.contains(p))
                .cloned()
                .collect();
            if new.is_empty() {
                continue;
            }
            self.planner.decide(
                format!("runtime installs {}", new.join(", ")),
                rule.why.clone(),
                0.85,
            );
            add.extend(new);
        }
        if add.is_empty() {
            return;
        }
        if let Some(Step::Packages { packages, .. }) = steps
            .iter_mut()
            .find(|s| matches!(s, Step::Packages { .. }))
        {
            packages.extend(add);
            packages.sort();
            packages.dedup();
            return;
        }
        add.sort();
        let manager = input.registry.system().runtime_installer(&family);
        steps.push(Step::Packages {
            manager: manager.to_string(),
            packages: add,
        });
    }
}

/// The files `<dir>/<stem>.<ext>` in the first folder of `dirs` that has any.
fn config_files(ctx: &dyn Context, dirs: &[String], stem: &str) -> Vec<String> {
    let prefix = format!("{stem}.");
    for dir in dirs {
        let found: Vec<String> = ctx
            .files()
            .iter()
            .filter(|f| {
                let (parent, name) = f.rsplit_once('/').unwrap_or(("", f));
                parent == dir && name.starts_with(&prefix)
            })
            .cloned()
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// The arguments of every `call` in `text`: its string literals up to the closing
/// parenthesis, or with `words`, the words up to the end of the line.
pub(super) fn call_arguments(text: &str, call: &str, words: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(call) {
        let rest = &text[at + call.len()..];
        if words {
            let line = rest.lines().next().unwrap_or("");
            out.extend(
                line.split_whitespace()
                    .map(|w| w.trim_matches(['"', '`']).to_string()),
            );
            continue;
        }
        // Up to the matching `)`, bounded.
        let mut depth = 1usize;
        let mut end = rest.len().min(512);
        let mut quote: Option<char> = None;
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            if i >= 512 {
                end = i;
                break;
            }
            if let Some(q) = quote {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '"' | '`' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.extend(
            string_literals(&rest[..end])
                .into_iter()
                .map(str::to_string),
        );
    }
    out
}

/// Whether `path` is a folder of the context (some file lies under it).
fn is_folder(ctx: &dyn Context, path: &str) -> bool {
    ctx.files()
        .iter()
        .any(|f| f.len() > path.len() && f.starts_with(path) && f.as_bytes()[path.len()] == b'/')
}

/// The `"…"` and `` `…` `` string literals of `text`, escapes kept as written, borrowed (most
/// are looked at and dropped, so copying each would be an allocation per literal).
pub(super) fn string_literals(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut chars = text.char_indices();
    while let Some((start, c)) = chars.next() {
        if c != '"' && c != '`' {
            continue;
        }
        let mut escaped = false;
        let mut end = None;
        for (i, d) in chars.by_ref() {
            if escaped {
                escaped = false;
            } else if d == '\\' && c == '"' {
                escaped = true;
            } else if d == c {
                end = Some(i);
                break;
            } else if d == '\n' && c == '"' {
                break;
            }
        }
        if let Some(end) = end {
            out.push(&text[start + 1..end]);
        }
    }
    out
}

/// A string literal as a context path (relative to `base`): the part before any wildcard,
/// cleaned. `None` for what cannot be a context path: empty, absolute, a URL, a format string,
/// with spaces, or the whole context (unless `root_ok`, then `""`).
pub(super) fn literal_path(literal: &str, base: &str, root_ok: bool) -> Option<String> {
    if literal.is_empty()
        || literal.starts_with('/')
        || literal.starts_with('~')
        || literal.contains([':', '$', '%', '{', '\\', ' ', '\t', '\n', '=', ',', '@'])
    {
        return None;
    }
    let cut = literal.find(['*', '?', '[']).unwrap_or(literal.len());
    let fixed = if cut < literal.len() {
        literal[..cut].rsplit_once('/').map_or("", |(d, _)| d)
    } else {
        literal
    };
    let joined = if base.is_empty() {
        fixed.to_string()
    } else {
        format!("{base}/{fixed}")
    };
    let path = crate::source::normalize(&joined)?.into_owned();
    if path.is_empty() && !(root_ok && cut == literal.len()) {
        return None;
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_arguments_are_the_string_literals_up_to_the_closing_parenthesis() {
        let go =
            "t := template.Must(template.ParseFiles(\"a.html\", filepath.Join(\"x\")))\nf(\"no\")";
        assert_eq!(
            call_arguments(go, "template.ParseFiles(", false),
            ["a.html", "x"]
        );
        let embed = "//go:embed templates/* \"static files\"\nvar fs embed.FS";
        assert_eq!(
            call_arguments(embed, "//go:embed ", true),
            ["templates/*", "static", "files"]
        );
        assert_eq!(
            call_arguments("os.ReadFile(`raw.txt`)", "os.ReadFile(", false),
            ["raw.txt"]
        );
        assert!(call_arguments("os.ReadFile(name)", "os.ReadFile(", false).is_empty());
    }

    #[test]
    fn literals_become_context_paths_or_nothing() {
        assert_eq!(
            literal_path("templates/**/*", "", false).as_deref(),
            Some("templates")
        );
        assert_eq!(
            literal_path("./static/", "", false).as_deref(),
            Some("static")
        );
        assert_eq!(
            literal_path("config.yaml", "", false).as_deref(),
            Some("config.yaml")
        );
        assert_eq!(
            literal_path("page.html", "src", false).as_deref(),
            Some("src/page.html")
        );
        assert_eq!(
            literal_path("../site/x", "src", false).as_deref(),
            Some("site/x")
        );
        assert_eq!(literal_path("*.html", "", false), None);
        assert_eq!(literal_path(".", "", false), None);
        assert_eq!(literal_path(".", "", true).as_deref(), Some(""));
        assert_eq!(literal_path("/etc/app.yaml", "", false), None);
        assert_eq!(literal_path("http://x/y", "", false), None);
        assert_eq!(literal_path("cargo:rerun-if-changed=site", "", false), None);
        assert_eq!(literal_path("hello {}", "", false), None);
        assert_eq!(literal_path("../../x", "", false), None);
    }

    #[test]
    fn string_literals_skip_escaped_quotes_and_stop_at_line_ends() {
        assert_eq!(string_literals(r#"a("x\"y", `z`) "open"#), [r#"x\"y"#, "z"]);
    }
}
