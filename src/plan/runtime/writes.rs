//! Where the app writes at run time, so a non-root runtime user can be given exactly those
//! folders: the profiles' write rules matched against the sources, SQLite URLs, the original's
//! `VOLUME`, `mkdir`, `chown` and `chmod`, and the redirects of its entrypoint script and
//! HEALTHCHECK. A write whose target restage cannot tell (a path from a variable) is unresolved.

use super::*;
use crate::profile::path_matches;
use std::collections::BTreeMap;

/// The folders the app writes to, and the writes that could not be resolved.
#[derive(Debug, Default)]
pub(super) struct AppWrites {
    /// Absolute folder → why the app writes there. Sorted, so the output is stable.
    pub dirs: BTreeMap<String, String>,
    /// One sentence per write restage cannot place.
    pub unresolved: Vec<String>,
}

/// The folder a file path lies in: `.` for a bare name, `/` for a file at the root.
fn folder_of(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir,
        Some(_) => "/",
        None => ".",
    }
}

/// The URL prefix of a SQLite file path (`sqlite:///app.db`, `sqlite:////data/app.db`).
const SQLITE_URL: &str = "sqlite:///";

/// Programs whose path arguments the original made writable (or created) for the app.
const PATH_PROGRAMS: &[&str] = &["mkdir", "chown", "chmod"];

/// Folders every user can already write to: nothing to give the runtime user.
const SHARED_DIRS: &[&str] = &["/tmp", "/var/tmp", "/dev/shm"];

/// Whether a `chmod` mode gives write permission to someone besides the owner (`777`, `g+w`,
/// `a+rw`): only those say the app writes there.
fn grants_write(mode: &str) -> bool {
    if mode.bytes().all(|b| b.is_ascii_digit()) {
        // The last two digits are the group's and the others'; 2, 3, 6 and 7 include write.
        return mode
            .bytes()
            .rev()
            .take(2)
            .any(|b| matches!(b, b'2' | b'3' | b'6' | b'7'));
    }
    mode.contains('w')
}

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    /// Find where the app writes. `app_dir` is the runtime's app folder (its WORKDIR).
    pub(super) fn app_writes(&self, units: &[Unit<'p>], app_dir: Option<&str>) -> AppWrites {
        let mut writes = AppWrites::default();
        let input = self.planner.input;
        let ctx = input.ctx;
        let add = |writes: &mut AppWrites, dir: &str, why: String| {
            let absolute = if dir.starts_with('/') {
                Some(dir.trim_end_matches('/').to_string())
            } else {
                app_dir.map(|app| resolve(Some(app), dir))
            };
            match absolute {
                Some(path) if path != "/" && !path.is_empty() => {
                    writes.dirs.entry(path).or_insert(why);
                }
                _ => writes
                    .unresolved
                    .push(format!("{why}, and the app folder is the image's root")),
            }
        };
        // The profiles' rules, on the context's files (each read once, only when a rule asks).
        let mut texts: BTreeMap<&str, Option<String>> = BTreeMap::new();
        // The file names, split from their paths once for every rule.
        let names: Vec<(&String, &str)> = ctx
            .files()
            .iter()
            .map(|file| (file, file.rsplit('/').next().unwrap_or(file)))
            .collect();
        for rule in &input.profile.writes {
            let found = names.iter().any(|&(file, name)| {
                if !rule.files.iter().any(|end| name.ends_with(end.as_str())) {
                    return false;
                }
                texts
                    .entry(file.as_str())
                    .or_insert_with(|| ctx.read(file))
                    .as_deref()
                    .is_some_and(|text| rule.contains.iter().any(|c| text.contains(c.as_str())))
            });
            if found {
                add(&mut writes, &rule.dir, rule.note.clone());
            }
        }
        // The compiled profiles' sources (Go, Rust; not their tests): a SQLite file there is
        // often a plain path (`const dbPath = "data/notes.db"`).
        let needs = &input.profile.runtime_needs;
        for file in ctx
            .files()
            .iter()
            .filter(|f| needs.sources.iter().any(|g| path_matches(g, f)))
            .filter(|f| !needs.exclude.iter().any(|g| path_matches(g, f)))
            .take(crate::profile::RuntimeNeeds::MAX_SOURCES)
        {
            // A source a rule above read is not read again.
            let read;
            let text = match texts.get(file.as_str()) {
                Some(text) => text.as_deref(),
                None => {
                    read = ctx.read(file);
                    read.as_deref()
                }
            };
            let Some(text) = text else { continue };
            for literal in super::needs::string_literals(text) {
                let is_sqlite = [".db", ".sqlite", ".sqlite3"]
                    .iter()
                    .any(|ext| literal.ends_with(ext));
                if !is_sqlite || literal.contains(['$', '{', '%', ':', ' ']) {
                    continue;
                }
                add(
                    &mut writes,
                    folder_of(literal),
                    format!(
                        "{file} names the SQLite file {literal}, written there with its journal"
                    ),
                );
            }
        }
        // SQLite URLs in the files already read (the sources the rules look at).
        for (file, text) in &texts {
            let Some(text) = text else { continue };
            for (at, _) in text.match_indices(SQLITE_URL) {
                let rest = &text[at + SQLITE_URL.len()..];
                let path: String = rest
                    .chars()
                    .take_while(|c| !matches!(c, '"' | '\'' | '`' | ' ' | '?' | '\n' | ')'))
                    .collect();
                if path.is_empty() || path.contains(['$', '{', '%']) || path == ":memory:" {
                    if !path.is_empty() && path != ":memory:" {
                        writes.unresolved.push(format!(
                            "{file} opens a SQLite file at `{path}`, a path restage cannot resolve"
                        ));
                    }
                    continue;
                }
                add(
                    &mut writes,
                    folder_of(&path),
                    format!("{file} writes the SQLite file {path} (and its journal) there"),
                );
            }
        }
        // What the original set up for writing: VOLUME, mkdir, chown, chmod.
        for entry in &self.planner.original.body {
            let workdir = entry.workdir.as_deref();
            // A RUN that installs, builds or tests makes folders for the build (`mkdir src` of
            // a dependency-cache trick), not for the app's writes.
            let builds = entry
                .classes
                .iter()
                .flatten()
                .any(|c| matches!(c, Class::Build | Class::DependencyInstall | Class::Test));
            if builds {
                continue;
            }
            if entry.inst.is("VOLUME") {
                for value in entry.inst.values().iter() {
                    let value = value.trim_matches(['[', ']', '"', ',']);
                    if value.is_empty() {
                        continue;
                    }
                    add(
                        &mut writes,
                        &resolve(workdir, value),
                        format!("the original declares VOLUME {value}"),
                    );
                }
                continue;
            }
            for command in &entry.commands {
                // A line continuation can leave an empty first word.
                let mut words = command.positional().filter(|w| !w.is_empty());
                let Some(program) = words.next().map(|w| w.rsplit('/').next().unwrap_or(w)) else {
                    continue;
                };
                if !PATH_PROGRAMS.contains(&program) {
                    continue;
                }
                // chown and chmod take an owner or mode first; a chmod counts only when it
                // lets others write (`chmod +x mvnw` does not).
                let mut words = words;
                if program != "mkdir" {
                    let first = words.next().unwrap_or_default();
                    if program == "chmod" && !grants_write(first) {
                        continue;
                    }
                }
                for path in words {
                    if path.contains('$') {
                        writes.unresolved.push(format!(
                            "line {} runs `{program}` on `{path}`, a path restage cannot resolve",
                            entry.inst.start_line()
                        ));
                        continue;
                    }
                    if path.starts_with('/') && !app_dir.is_some_and(|a| path.starts_with(a)) {
                        // System folders the original prepared stay as the image has them.
                        continue;
                    }
                    let absolute = resolve(workdir, path);
                    // Making the app folder (or a parent) is setup, and a file the context
                    // holds is no folder to create.
                    let is_app_or_parent = app_dir.is_some_and(|a| {
                        let a = a.trim_end_matches('/');
                        a == absolute
                            || a.starts_with(&format!("{}/", absolute.trim_end_matches('/')))
                    });
                    let context_file = app_dir
                        .and_then(|a| absolute.strip_prefix(a.trim_end_matches('/')))
                        .map(|p| p.trim_start_matches('/'))
                        .is_some_and(|p| !p.is_empty() && ctx.exists(p) && !ctx.is_dir(p));
                    if is_app_or_parent || context_file {
                        continue;
                    }
                    add(
                        &mut writes,
                        &resolve(workdir, path),
                        format!(
                            "the original runs `{program} {path}` at line {}",
                            entry.inst.start_line()
                        ),
                    );
                }
            }
        }
        // Shared folders need nothing.
        writes.dirs.retain(|dir, _| {
            !SHARED_DIRS
                .iter()
                .any(|s| dir == s || dir.starts_with(&format!("{s}/")))
        });
        // Scripts the start command runs, and the HEALTHCHECK.
        let start = self.start_command(units);
        for word in start.words.iter().take(2) {
            let path = word.trim_start_matches("./");
            let in_context = app_dir
                .and_then(|app| path.strip_prefix(app.trim_end_matches('/')))
                .map(|p| p.trim_start_matches('/'))
                .unwrap_or(path);
            if !(in_context.ends_with(".sh") || word.starts_with("./")) {
                continue;
            }
            // Only a shell script (a binary the context holds is no text to scan).
            if let Some(script) = ctx.read(in_context)
                && (in_context.ends_with(".sh")
                    || script
                        .lines()
                        .next()
                        .is_some_and(|l| l.starts_with("#!") && l.contains("sh")))
            {
                script_writes(&script, in_context, app_dir, &mut writes);
            }
        }
        for entry in self.planner.original.body_with("HEALTHCHECK") {
            let text = entry.inst.arguments().to_string();
            script_writes(&text, "the HEALTHCHECK", app_dir, &mut writes);
        }
        writes
    }
}

/// The files a shell script writes through redirects (`> file`, `>> file`) and `tee`/`touch`.
fn script_writes(script: &str, name: &str, app_dir: Option<&str>, writes: &mut AppWrites) {
    for line in script.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let mut targets: Vec<&str> = Vec::new();
        let bytes = line.as_bytes();
        for (at, _) in line.match_indices('>') {
            // `2>&1`, `>&2` and `->` (an arrow in a string) are no file writes.
            if bytes.get(at + 1) == Some(&b'&') || (at > 0 && bytes[at - 1] == b'-') {
                continue;
            }
            let rest = line[at + 1..].trim_start_matches('>').trim_start();
            if let Some(target) = rest.split_whitespace().next() {
                targets.push(target);
            }
        }
        for command in shell::parse(line) {
            if matches!(command.program(), "tee" | "touch") {
                targets.extend(command.positional().skip(1).map(|w| {
                    // Borrow from the line when the word is in it as written.
                    line.find(w).map_or("", |at| &line[at..at + w.len()])
                }));
            }
        }
        for target in targets {
            let target = target.trim_matches(['"', '\'', ';']);
            if target.is_empty() || target.starts_with("/dev/") || target.starts_with('&') {
                continue;
            }
            if target.contains('$') {
                writes.unresolved.push(format!(
                    "{name} writes to `{target}`, a path restage cannot resolve"
                ));
                continue;
            }
            let dir = match target.rsplit_once('/') {
                Some((dir, _)) if !dir.is_empty() => dir.to_string(),
                Some(_) => "/".to_string(),
                None => ".".to_string(),
            };
            let absolute = if dir.starts_with('/') {
                dir
            } else {
                match app_dir {
                    Some(app) => resolve(Some(app), &dir),
                    None => "/".to_string(),
                }
            };
            if absolute == "/"
                || SHARED_DIRS
                    .iter()
                    .any(|s| absolute == *s || absolute.starts_with(&format!("{s}/")))
            {
                if absolute == "/" {
                    writes.unresolved.push(format!(
                        "{name} writes `{target}` in the image's root folder"
                    ));
                }
                continue;
            }
            writes
                .dirs
                .entry(absolute)
                .or_insert_with(|| format!("{name} writes {target}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_redirect_to_a_variable_path_is_unresolved() {
        let mut writes = AppWrites::default();
        script_writes(
            "#!/bin/sh\necho \"x\" > \"${ENV_JS_PATH:-/app/public/env.js}\"\nexec \"$@\" 2>&1\n",
            "entrypoint.sh",
            Some("/app"),
            &mut writes,
        );
        assert!(writes.dirs.is_empty(), "{writes:?}");
        assert_eq!(writes.unresolved.len(), 1, "{writes:?}");
    }

    #[test]
    fn only_a_chmod_that_lets_others_write_counts() {
        assert!(grants_write("777"));
        assert!(grants_write("0775"));
        assert!(grants_write("g+w"));
        assert!(!grants_write("+x"));
        assert!(!grants_write("755"));
    }

    #[test]
    fn a_script_redirect_to_a_relative_file_names_its_folder() {
        let mut writes = AppWrites::default();
        script_writes(
            "echo ok >> logs/start.log\ncat x > /dev/null\ntouch run/ready\n",
            "start.sh",
            Some("/app"),
            &mut writes,
        );
        let dirs: Vec<&str> = writes.dirs.keys().map(String::as_str).collect();
        assert_eq!(dirs, ["/app/logs", "/app/run"]);
        assert!(writes.unresolved.is_empty());
    }
}
