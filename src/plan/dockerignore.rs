//! The `.dockerignore` side of a multi-stage build: every stage still receives the whole
//! context, so propose one when there is none, and warn when an existing one lets secrets into
//! an image.

use super::model::{NewFile, Warning};
use super::planner::PlanInput;

/// Files that should never reach an image.
const SECRETS: &[&str] = &[
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa",
    "id_ed25519",
    "*.p12",
];

/// A proposed `.dockerignore` when the context has none, or warnings about the existing one.
/// `runtime_gets_sources`: whether the runtime stage copies the app's files from the context.
pub fn review(
    input: &PlanInput<'_>,
    runtime_gets_sources: bool,
) -> (Option<NewFile>, Vec<Warning>) {
    let ctx = input.ctx;
    if ctx.exists(".dockerignore") {
        let leaked: Vec<&String> = ctx
            .files()
            .iter()
            .filter(|f| {
                let name = f.rsplit('/').next().unwrap_or(f);
                SECRETS
                    .iter()
                    .any(|p| crate::profile::pattern::glob(p, name))
            })
            .collect();
        if runtime_gets_sources && !leaked.is_empty() {
            let names: Vec<&str> = leaked.iter().map(|s| s.as_str()).collect();
            let warning = Warning {
                message: format!(
                    ".dockerignore lets {} into the build context, and the runtime stage copies the app's files: add them to .dockerignore",
                    names.join(", ")
                ),
                line: None,
            };
            return (None, vec![warning]);
        }
        return (None, Vec::new());
    }
    let mut copied = copied_by_name(input);
    copied.sort_unstable();
    copied.dedup();
    // Sorted and deduplicated first, so a line in both lists is matched once.
    let mut lines: Vec<&String> = input
        .registry
        .system()
        .dockerignore
        .iter()
        .chain(input.profile.dockerignore.iter())
        .collect();
    lines.sort();
    lines.dedup();
    lines.retain(|entry| {
        let matcher = input.registry.dockerignore_line(entry);
        !copied.iter().any(|c| matcher.is_excluded(c))
    });
    let mut content = String::from(
        "# Proposed by restage: every stage of a multi-stage build still receives the whole\n\
         # build context, so keep it small and keep secrets out of images.\n",
    );
    for line in lines {
        content.push_str(line);
        content.push('\n');
    }
    (
        Some(NewFile {
            path: ".dockerignore".into(),
            content,
        }),
        Vec::new(),
    )
}

/// Paths the Dockerfile copies by name (not globs or folders like `.`): never excluded.
fn copied_by_name<'i>(input: &PlanInput<'i>) -> Vec<&'i str> {
    input
        .df
        .instructions
        .iter()
        .filter(|i| {
            (i.is("COPY") || i.is("ADD")) && i.flag("from").is_none() && i.values().len() >= 2
        })
        .flat_map(|i| i.values().all_but_last())
        .map(|s| s.trim_start_matches("./").trim_end_matches('/'))
        .filter(|s| !s.is_empty() && *s != ".")
        .collect()
}
