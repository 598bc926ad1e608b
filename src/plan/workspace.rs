//! Workspaces (monorepos): the member folders a package manager's workspace lists, which
//! member the Dockerfile runs, and the local members that member depends on.
//!
//! The rules come from the package manager's `workspace` section in its profile (where the
//! member globs are, which member files the install reads, how to deploy one member). Nothing
//! here is read unless the context has one of the listed files, so a plain project pays one
//! `exists` check per member source.

use crate::profile::WorkspaceRules;
use crate::source::Context;
use serde_json::Value;

/// A workspace found in the build context.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Workspace {
    /// The workspace root in the context (`""` or `frontend/`), with a trailing slash.
    pub prefix: String,
    /// The members, sorted by folder.
    pub members: Vec<Member>,
}

/// One workspace member.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Member {
    /// Its folder relative to the workspace root (`apps/web`).
    pub dir: String,
    /// Its package name (`@kitchen/web`), when its manifest has one.
    pub name: Option<String>,
    /// The names of its production dependencies (`dependencies`).
    pub dependencies: Vec<String>,
}

impl Workspace {
    /// The workspace whose root is `prefix` in the context, when one of the rules' member
    /// sources lists member globs there and at least one member exists.
    pub fn find(ctx: &dyn Context, rules: &WorkspaceRules, prefix: &str) -> Option<Workspace> {
        let globs = member_globs(ctx, rules, prefix)?;
        let (exclude, include): (Vec<&String>, Vec<&String>) =
            globs.iter().partition(|g| g.starts_with('!'));
        let manifest = rules.member_manifests.first()?;
        let mut members = Vec::new();
        for file in ctx.files() {
            let Some(rest) = file.strip_prefix(prefix) else {
                continue;
            };
            let Some(dir) = rest.strip_suffix(manifest.as_str()) else {
                continue;
            };
            let Some(dir) = dir.strip_suffix('/') else {
                continue;
            };
            if dir.is_empty() || dir.split('/').any(|part| part == "node_modules") {
                continue;
            }
            let matches = |g: &str| {
                let g = g.trim_start_matches('!').trim_start_matches("./");
                let g = g.trim_end_matches('/');
                crate::profile::pattern::glob(g, dir)
            };
            if !include.iter().any(|g| matches(g)) || exclude.iter().any(|g| matches(g)) {
                continue;
            }
            let json: Option<Value> = ctx.read(file).and_then(|t| serde_json::from_str(&t).ok());
            let name = json
                .as_ref()
                .and_then(|j| j.pointer("/name"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let dependencies = json
                .as_ref()
                .and_then(|j| j.pointer("/dependencies"))
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            members.push(Member {
                dir: dir.to_string(),
                name,
                dependencies,
            });
        }
        if members.is_empty() {
            return None;
        }
        members.sort_by(|a, b| a.dir.cmp(&b.dir));
        members.dedup_by(|a, b| a.dir == b.dir);
        Some(Workspace {
            prefix: prefix.to_string(),
            members,
        })
    }

    /// The member whose folder is `path` (relative to the root) or holds it.
    pub fn member_at(&self, path: &str) -> Option<&Member> {
        let path = path.trim_start_matches("./").trim_end_matches('/');
        self.members
            .iter()
            .filter(|m| path == m.dir || path.starts_with(&format!("{}/", m.dir)))
            .max_by_key(|m| m.dir.len())
    }

    /// The member a command names by package name or folder (`--filter @kitchen/web...`,
    /// `-w apps/web`): pnpm's `...` and `^` selector marks are ignored.
    pub fn member_named(&self, selector: &str) -> Option<&Member> {
        let selector = selector
            .trim_start_matches("...")
            .trim_end_matches("...")
            .trim_start_matches('^')
            .trim_end_matches('^')
            .trim_start_matches("./")
            .trim_end_matches('/');
        if selector.is_empty() {
            return None;
        }
        self.members
            .iter()
            .find(|m| m.name.as_deref() == Some(selector) || m.dir == selector)
    }

    /// The member and the local members it depends on, directly or not, in folder order.
    pub fn with_local_dependencies<'w>(&'w self, app: &'w Member) -> Vec<&'w Member> {
        let mut seen: Vec<&Member> = vec![app];
        let mut next = 0;
        while next < seen.len() {
            let current = seen[next];
            next += 1;
            for dep in &current.dependencies {
                if let Some(m) = self.members.iter().find(|m| m.name.as_ref() == Some(dep))
                    && !seen.iter().any(|s| s.dir == m.dir)
                {
                    seen.push(m);
                }
            }
        }
        seen.sort_by(|a, b| a.dir.cmp(&b.dir));
        seen
    }
}

/// The member globs of the first member source that lists some.
fn member_globs(ctx: &dyn Context, rules: &WorkspaceRules, prefix: &str) -> Option<Vec<String>> {
    for source in &rules.members {
        let path = format!("{prefix}{}", source.path);
        if !ctx.exists(&path) {
            continue;
        }
        let Some(text) = ctx.read(&path) else {
            continue;
        };
        let (doc, pointer): (Option<Value>, &str) = match (&source.json, &source.yaml) {
            (Some(pointer), _) => (serde_json::from_str(&text).ok(), pointer),
            (None, Some(pointer)) => (serde_saphyr::from_str(&text).ok(), pointer),
            (None, None) => continue,
        };
        let globs: Vec<String> = doc
            .as_ref()
            .and_then(|d| d.pointer(pointer))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if !globs.is_empty() {
            return Some(globs);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::MemberSource;
    use crate::source::MemoryContext;

    fn context(files: &[(&str, &str)]) -> MemoryContext {
        let mut ctx = MemoryContext::new();
        for (path, text) in files {
            ctx.add_file(path, *text);
        }
        ctx
    }

    fn rules() -> WorkspaceRules {
        WorkspaceRules {
            members: vec![
                MemberSource {
                    path: "pnpm-workspace.yaml".into(),
                    json: None,
                    yaml: Some("/packages".into()),
                },
                MemberSource {
                    path: "package.json".into(),
                    json: Some("/workspaces".into()),
                    yaml: None,
                },
                MemberSource {
                    path: "package.json".into(),
                    json: Some("/workspaces/packages".into()),
                    yaml: None,
                },
            ],
            member_manifests: vec!["package.json".into()],
            deploy: Vec::new(),
            member_options: Vec::new(),
        }
    }

    #[test]
    fn members_come_from_the_globs_with_their_names_and_local_dependencies() {
        let ctx = context(&[
            ("package.json", r#"{"name":"root"}"#),
            (
                "pnpm-workspace.yaml",
                "packages:\n  - 'apps/*'\n  - packages/**\n  - '!**/fixtures/**'\n",
            ),
            (
                "apps/web/package.json",
                r#"{"name":"@k/web","dependencies":{"@k/units":"workspace:*","fastify":"4"}}"#,
            ),
            (
                "packages/units/package.json",
                r#"{"name":"@k/units","dependencies":{"@k/core":"workspace:*"}}"#,
            ),
            ("packages/deep/core/package.json", r#"{"name":"@k/core"}"#),
            ("packages/units/fixtures/x/package.json", r#"{"name":"x"}"#),
            (
                "packages/units/node_modules/y/package.json",
                r#"{"name":"y"}"#,
            ),
            ("tools/package.json", r#"{"name":"tools"}"#),
        ]);
        let ws = Workspace::find(&ctx, &rules(), "").unwrap();
        let dirs: Vec<&str> = ws.members.iter().map(|m| m.dir.as_str()).collect();
        assert_eq!(dirs, ["apps/web", "packages/deep/core", "packages/units"]);
        let web = ws.member_at("apps/web/src").unwrap();
        assert_eq!(web.name.as_deref(), Some("@k/web"));
        assert_eq!(ws.member_named("@k/web...").unwrap().dir, "apps/web");
        assert_eq!(ws.member_named("./apps/web").unwrap().dir, "apps/web");
        let needed: Vec<&str> = ws
            .with_local_dependencies(web)
            .iter()
            .map(|m| m.dir.as_str())
            .collect();
        assert_eq!(needed, ["apps/web", "packages/deep/core", "packages/units"]);
    }

    #[test]
    fn npm_and_yarn_workspaces_are_listed_in_package_json() {
        let ctx = context(&[
            (
                "web/package.json",
                r#"{"workspaces":{"packages":["libs/*"]}}"#,
            ),
            ("web/libs/a/package.json", r#"{"name":"a"}"#),
            ("package.json", r#"{"workspaces":["packages/*"]}"#),
        ]);
        let ws = Workspace::find(&ctx, &rules(), "web/").unwrap();
        assert_eq!(ws.members[0].dir, "libs/a");
        assert!(
            Workspace::find(&ctx, &rules(), "").is_none(),
            "no member exists"
        );
        let plain = context(&[("package.json", r#"{"name":"app"}"#)]);
        assert!(Workspace::find(&plain, &rules(), "").is_none());
    }
}
