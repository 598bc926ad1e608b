//! The observations: everything profile-independent read from the Dockerfile (images, RUN and
//! start commands, distro packages, COPY/ADD sources) and the context files with how they
//! arrive in the image.

use super::installs;
use super::paths::Source;
use super::prefilter::Keys;
use super::probe::{ContextFile, CopyStatus};
use crate::profile::pattern::{glob, is_glob};
use crate::profile::{SystemRules, split_image};
use crate::shell::{self, Commands};
use crate::source::Context;
use crate::syntax::{Dockerfile, Form, Instruction};
use std::collections::{BTreeMap, BTreeSet};

/// An image seen in the Dockerfile.
#[derive(Clone, Debug)]
pub(super) struct SeenImage {
    /// As written after ARG substitution.
    pub(super) raw: String,
    pub(super) name: String,
    pub(super) tag: Option<String>,
    /// From `FROM` (true) or `COPY --from=<image>` (false).
    pub(super) from: bool,
    /// Keys of the name and of its trailing parts after each `/`.
    pub(super) keys: Keys,
}

impl SeenImage {
    pub(super) fn new(raw: String, from: bool) -> Self {
        let (name, tag) = split_image(&raw);
        let mut keys = Keys::default();
        keys.insert(&name);
        for (i, _) in name.match_indices('/') {
            keys.insert(&name[i + 1..]);
        }
        Self {
            raw,
            name,
            tag,
            from,
            keys,
        }
    }
}

/// Everything profile-independent read from the Dockerfile.
pub(super) struct Observed<'a> {
    pub(super) images: Vec<SeenImage>,
    pub(super) run: Commands<'a>,
    pub(super) start: Commands<'a>,
    /// (package, distro family)
    pub(super) packages: Vec<(String, String)>,
    /// COPY/ADD sources (no `--from`), normalised: no leading `./` or `/`.
    pub(super) sources: Vec<Source>,
    /// Folders copied whole (`""` is the whole context).
    pub(super) dir_sources: Vec<String>,
}

/// `text` with `$NAME`, `${NAME}` and `${NAME:-default}` replaced by the global ARG values
/// (an unset or empty one by its default, else nothing).
fn substitute_args(text: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(inner) = after.strip_prefix('{')
            && let Some(end) = inner.find('}')
        {
            let expr = &inner[..end];
            let (name, default) = match expr.split_once(":-").or_else(|| expr.split_once('-')) {
                Some((n, d)) => (n, Some(d)),
                None => (expr, None),
            };
            let value = args
                .get(name)
                .filter(|v| !v.is_empty())
                .cloned()
                .or(default.map(str::to_string));
            out.push_str(&value.unwrap_or_default());
            rest = &inner[end + 1..];
            continue;
        }
        let len = after
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(after.len(), |(i, _)| i);
        if len == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        out.push_str(args.get(&after[..len]).map_or("", String::as_str));
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// A COPY/ADD source as a context path: no leading `./` or `/`, and `.` as `""`.
fn normalise_source(s: &str) -> String {
    let mut s = s.trim();
    loop {
        if let Some(r) = s.strip_prefix("./") {
            s = r;
        } else if let Some(r) = s.strip_prefix('/') {
            s = r;
        } else {
            break;
        }
    }
    if s == "." {
        String::new()
    } else {
        s.to_string()
    }
}

/// The COPY/ADD sources of an instruction (no `--from`), as written.
pub(crate) fn copy_sources(ins: &Instruction) -> Vec<String> {
    if !(ins.is("COPY") || ins.is("ADD")) || ins.has_flag("from") || !ins.heredocs().is_empty() {
        return Vec::new();
    }
    let values = ins.values();
    if values.len() < 2 {
        return Vec::new();
    }
    values
        .all_but_last()
        .iter()
        .filter(|s| !s.contains("://") && !s.starts_with("git@") && !s.starts_with("<<"))
        .map(str::to_string)
        .collect()
}

#[inline(never)] // a phase of its own in profiles
pub(super) fn observe<'a>(
    df: &'a Dockerfile,
    ctx: &dyn Context,
    system: &SystemRules,
) -> Observed<'a> {
    let mut global_args = BTreeMap::new();
    let mut seen_from = false;
    let mut stage_names = BTreeSet::new();
    let mut obs = Observed {
        images: Vec::new(),
        run: Commands::default(),
        start: Commands::default(),
        packages: Vec::new(),
        sources: Vec::new(),
        dir_sources: Vec::new(),
    };
    let prefixes = &system.command_prefixes;
    let installers = installs::InstallerWords::new(&system.installers);
    for ins in &df.instructions {
        match ins.keyword() {
            "ARG" if !seen_from => {
                for word in ins.values() {
                    let (k, v) = word.split_once('=').unwrap_or((word, ""));
                    global_args.insert(k.to_string(), v.trim_matches(['"', '\'']).to_string());
                }
            }
            "FROM" => {
                seen_from = true;
                if let Some(image) = ins.from_image() {
                    let raw = substitute_args(image, &global_args);
                    if !stage_names.contains(&raw.to_ascii_lowercase()) && raw != "scratch" {
                        obs.images.push(SeenImage::new(raw, true));
                    }
                }
                if let Some(stage) = ins.stage_name() {
                    stage_names.insert(stage.to_ascii_lowercase());
                }
            }
            "RUN" => {
                let first = obs.run.len();
                match ins.form {
                    Some(Form::Exec) => {
                        shell::exec_command_into(ins.values(), prefixes, &mut obs.run)
                    }
                    _ if ins.heredocs().is_empty() => {
                        shell::simple_commands_into(ins.arguments(), prefixes, &mut obs.run)
                    }
                    // A heredoc body the shell runs is read like the line itself.
                    _ => {
                        shell::simple_commands_into(ins.arguments(), prefixes, &mut obs.run);
                        let heredocs = ins.heredocs().iter().map(|h| (&*h.name, &*h.content));
                        for body in shell::script_bodies(ins.arguments(), heredocs) {
                            shell::simple_commands_into(body, prefixes, &mut obs.run);
                        }
                    }
                };
                for c in first..obs.run.len() {
                    for (pkg, installer) in installs::installed_by(obs.run.words(c), &installers) {
                        if !obs.packages.iter().any(|(p, _)| p == pkg) {
                            obs.packages
                                .push((pkg.to_string(), installer.family.clone()));
                        }
                    }
                }
            }
            "CMD" | "ENTRYPOINT" => match ins.form {
                Some(Form::Exec) => {
                    shell::exec_command_into(ins.values(), prefixes, &mut obs.start)
                }
                _ => shell::simple_commands_into(ins.arguments(), prefixes, &mut obs.start),
            },
            "COPY" | "ADD" => {
                if let Some(from) = ins.flag("from") {
                    let from = substitute_args(from, &global_args);
                    let is_stage = stage_names.contains(&from.to_ascii_lowercase())
                        || from.chars().all(|c| c.is_ascii_digit());
                    if !is_stage {
                        obs.images.push(SeenImage::new(from, false));
                    }
                    continue;
                }
                for source in copy_sources(ins) {
                    let s = normalise_source(&source);
                    let is_dir =
                        s.is_empty() || source.ends_with('/') || (!is_glob(&s) && ctx.is_dir(&s));
                    if is_dir {
                        obs.dir_sources.push(s.trim_end_matches('/').to_string());
                    } else {
                        obs.sources.push(Source::new(s));
                    }
                }
            }
            _ => {}
        }
    }
    obs
}

/// Whether a folder of `path` is one of `skip` (whose [`Keys`] are `skip_keys`: most folder
/// names are told apart from all of them by their key alone).
fn in_skipped_dir(path: &str, skip: &[String], skip_keys: &Keys) -> bool {
    match path.rfind('/') {
        Some(end) => path[..end]
            .split('/')
            .any(|p| skip_keys.may_hold(p) && skip.iter().any(|s| s == p)),
        None => false,
    }
}

#[inline(never)] // a phase of its own in profiles
pub(super) fn context_files<'c>(
    ctx: &'c dyn Context,
    obs: &Observed,
    system: &SystemRules,
    skip_keys: &Keys,
) -> Vec<ContextFile<'c>> {
    ctx.files()
        .iter()
        .filter(|p| !in_skipped_dir(p, &system.skip_dirs, skip_keys))
        .map(|p| {
            let named = obs
                .sources
                .iter()
                .any(|s| s.path == *p || (s.wild && glob(&s.path, p)));
            let broad = obs.dir_sources.iter().any(|d| {
                d.is_empty()
                    || (p.len() > d.len()
                        && p.starts_with(d.as_str())
                        && p.as_bytes()[d.len()] == b'/')
            });
            let status = if named {
                CopyStatus::Named
            } else if broad {
                CopyStatus::Broad
            } else {
                CopyStatus::Present
            };
            ContextFile {
                path: p,
                name: p.rsplit('/').next().unwrap_or(p),
                status,
                depth: p.bytes().filter(|&b| b == b'/').count(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryContext;

    #[test]
    fn skipped_folders_are_whole_folder_names() {
        let skip = vec!["node_modules".to_string(), ".git".to_string()];
        let mut keys = Keys::default();
        for s in &skip {
            keys.insert(s);
        }
        assert!(in_skipped_dir("node_modules/x/package.json", &skip, &keys));
        assert!(in_skipped_dir("app/.git/config", &skip, &keys));
        assert!(!in_skipped_dir("node_modules", &skip, &keys));
        assert!(!in_skipped_dir(
            "my_node_modules/package.json",
            &skip,
            &keys
        ));
        assert!(!in_skipped_dir("app/package.json", &skip, &keys));
        assert!(!in_skipped_dir("package.json", &skip, &keys));
    }

    #[test]
    fn global_args_are_substituted_with_their_defaults() {
        let args: BTreeMap<String, String> = [("NODE", "18"), ("EMPTY", "")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let sub = |t: &str| substitute_args(t, &args);
        assert_eq!(sub("node:${NODE}"), "node:18");
        assert_eq!(sub("node:$NODE-alpine"), "node:18-alpine");
        assert_eq!(sub("node:${MISSING:-20}"), "node:20");
        assert_eq!(sub("node:${EMPTY:-22}"), "node:22");
        assert_eq!(sub("node:${MISSING}"), "node:");
        assert_eq!(sub("a $ b"), "a $ b");
    }

    #[test]
    fn sources_lose_their_leading_dots_and_slashes() {
        assert_eq!(normalise_source("./src/"), "src/");
        assert_eq!(normalise_source("/app"), "app");
        assert_eq!(normalise_source(" ././a "), "a");
        assert_eq!(normalise_source("."), "");
        assert_eq!(normalise_source("./."), "");
    }

    #[test]
    fn observations_skip_stages_and_scratch_and_read_copies() {
        let df = crate::syntax::parse(
            "ARG V=18\nFROM node:${V} AS build\nRUN apt-get install -y libpq-dev\n\
             COPY package*.json ./\nCOPY src/ ./src\nFROM scratch\n\
             COPY --from=build /app /app\nCOPY --from=busybox:1 /bin/sh /bin/sh\n\
             CMD [\"node\", \"server.js\"]\n",
        );
        let ctx = MemoryContext::new()
            .with_file("package.json", "{}")
            .with_file("src/index.js", "")
            .with_file("README.md", "");
        let registry = crate::profile::Registry::builtin().unwrap();
        let obs = observe(&df, &ctx, registry.system());
        let images: Vec<(&str, bool)> = obs.images.iter().map(|i| (&*i.raw, i.from)).collect();
        assert_eq!(images, [("node:18", true), ("busybox:1", false)]);
        assert_eq!(
            obs.packages,
            [("libpq-dev".to_string(), "debian".to_string())]
        );
        let sources: Vec<&str> = obs.sources.iter().map(|s| &*s.path).collect();
        assert_eq!(sources, ["package*.json"]);
        assert_eq!(obs.dir_sources, ["src"]);
        assert_eq!(obs.start.len(), 1);
        let files = context_files(&ctx, &obs, registry.system(), &Keys::default());
        let status: Vec<(&str, CopyStatus)> = files.iter().map(|f| (f.path, f.status)).collect();
        assert_eq!(
            status,
            [
                ("README.md", CopyStatus::Present),
                ("package.json", CopyStatus::Named),
                ("src/index.js", CopyStatus::Broad),
            ]
        );
    }
}
