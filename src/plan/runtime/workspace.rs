//! The runtime of one app in a workspace (monorepo): the member the Dockerfile runs, with its
//! production dependencies and build output at its own path. Either the package manager
//! deploys the member on the build side (`pnpm deploy`, from the profile's `workspace.deploy`)
//! and the runtime copies that folder, or the runtime installs production dependencies at the
//! workspace root and copies the member and the local members it depends on.

use super::*;
use crate::plan::workspace::Member;
use crate::profile::schema::version_at_least;

/// The app member of a workspace and how the runtime gets it.
pub(super) struct WorkspaceApp {
    /// The workspace root in the image (`/repo`).
    pub root: String,
    /// The app member; `None` when no member could be told (`keep_whole`).
    pub member: Option<Member>,
    /// The app member and the local members it depends on.
    pub needed: Vec<Member>,
    /// The deploy command, with the note of its rule, when the package manager has one.
    pub deploy: Option<(String, Option<String>)>,
    /// The runtime keeps the whole workspace from the build stage.
    pub keep_whole: bool,
}

impl RuntimeBuilder<'_, '_, '_> {
    /// The workspace app the Dockerfile runs: the member its final WORKDIR is in, else the one
    /// a start command path names, else the one an install or build command selects
    /// (`--filter`, `-w`). `None` for a project that is no workspace, or one that runs from the
    /// workspace root without naming a member (the whole root is then the app, as before).
    pub(super) fn workspace_app(
        &mut self,
        start: &StartCommand,
        workdir: &Option<String>,
    ) -> Option<WorkspaceApp> {
        let workspace = self.planner.workspace.clone()?;
        let rules = self.planner.pm.workspace.as_ref()?;
        let root = self.planner.manifest_dir.as_deref()?.trim_end_matches('/');
        let root = if root.is_empty() { "/" } else { root }.to_string();
        let relative = |abs: &str| -> Option<String> {
            let abs = abs.trim_end_matches('/');
            if abs == root {
                Some(String::new())
            } else if root == "/" {
                abs.strip_prefix('/').map(str::to_string)
            } else {
                abs.strip_prefix(&format!("{root}/")).map(str::to_string)
            }
        };
        let final_dir = workdir.clone().unwrap_or_else(|| root.clone());
        let mut member = relative(&final_dir)
            .filter(|r| !r.is_empty())
            .and_then(|r| workspace.member_at(&r).cloned());
        let mut how = "the final WORKDIR is in it";
        if member.is_none() {
            member = start
                .words
                .iter()
                .filter(|w| w.contains('/') && !w.starts_with('-'))
                .filter_map(|w| relative(&resolve(Some(&final_dir), w)))
                .find_map(|r| workspace.member_at(&r).cloned());
            how = "the start command runs a file in it";
        }
        if member.is_none() {
            let commands: Vec<Vec<String>> = self
                .planner
                .original
                .body
                .iter()
                .filter(|e| e.inst.is("RUN"))
                .flat_map(|e| e.commands.iter().map(|c| c.owned_words()))
                .chain(std::iter::once(start.words.clone()))
                .collect();
            member = selected_member(&commands, &rules.member_options, |s| {
                workspace.member_named(s).cloned()
            });
            how = "a command selects it";
        }
        let Some(member) = member else {
            if relative(&final_dir).is_some_and(|r| r.is_empty()) {
                return None;
            }
            self.planner.warn(
                WarningCode::WorkspaceAppUnresolved,
                format!(
                    "the app runs in {final_dir}, which is no member of the {} workspace at {root}: the runtime keeps the whole workspace from the build stage, devDependencies included",
                    self.planner.pm.name
                ),
                start.line,
            );
            return Some(WorkspaceApp {
                root,
                member: None,
                needed: Vec::new(),
                deploy: None,
                keep_whole: true,
            });
        };
        self.planner.decide(
            format!(
                "the app is the workspace member {}{}",
                member.dir,
                member
                    .name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
            how,
            0.85,
        );
        let version = self
            .planner
            .input
            .detection
            .versions
            .get(&self.planner.pm.name)
            .cloned();
        let deploy = member.name.as_deref().and_then(|name| {
            let rule = rules.deploy.iter().find(|rule| match &rule.below_version {
                Some(below) => version
                    .as_deref()
                    .and_then(|v| version_at_least(v, below))
                    .is_some_and(|at_least| !at_least),
                None => true,
            })?;
            let out = format!(
                "/prod/{}",
                member.dir.rsplit('/').next().unwrap_or(&member.dir)
            );
            let command = rule
                .command
                .replace("{member}", name)
                .replace("{out}", &out);
            Some((command, rule.note.clone()))
        });
        // The install at the root reads the manifests where deps copied them: the same
        // folder, or the runtime keeps the whole workspace.
        let same_dir = self
            .deps_workdir
            .as_deref()
            .is_some_and(|d| d.trim_end_matches('/') == root);
        let needed = workspace
            .with_local_dependencies(&member)
            .into_iter()
            .cloned()
            .collect();
        Some(WorkspaceApp {
            root,
            member: Some(member),
            needed,
            keep_whole: deploy.is_none() && !same_dir,
            deploy,
        })
    }

    /// The runtime's copy of a workspace app (see [`WorkspaceApp`]). Returns whether a runtime
    /// RUN uses a mount.
    pub(super) fn workspace_member(
        &mut self,
        app: &WorkspaceApp,
        start: &StartCommand,
        rule: &Option<crate::profile::EntrypointRule>,
        workdir: &Option<String>,
        steps: &mut Vec<Step>,
        side: &mut BuildSide,
    ) -> bool {
        let pm = self.planner.pm;
        let dev_need = self.dev_dependency_need(start, rule.as_ref());
        let no_lockfile = !self.planner.input.detection.facts.has_lockfile;
        let no_production = app.deploy.is_none() && pm.install_production.is_none();
        let member = app.member.as_ref();
        if app.keep_whole || dev_need.is_some() || no_lockfile || no_production {
            if !app.keep_whole {
                let why = dev_need.unwrap_or_else(|| {
                    if no_lockfile {
                        "there is no lockfile, so a second, production-only install could resolve different versions".to_string()
                    } else {
                        format!("{} has no production-only install", pm.name)
                    }
                });
                self.planner.warn(
                    WarningCode::DevDependenciesKept,
                    format!("runtime keeps the whole workspace with all node_modules (devDependencies included): {why}"),
                    start.line,
                );
            }
            steps.push(Step::Copy {
                from: Some(StageName::Build.to_string()),
                chown: None,
                sources: vec![app.root.clone()],
                dest: app.root.clone(),
            });
            return false;
        }
        let Some(member) = member else {
            return false;
        };
        let app_path = resolve(Some(&app.root), &member.dir);
        let here = |path: &str| {
            if workdir.as_deref() == Some(path) {
                "./".to_string()
            } else {
                format!("{path}/")
            }
        };
        let mut uses_mounts = false;
        if let Some((deploy, note)) = &app.deploy {
            let out = deploy.rsplit(' ').next().unwrap_or_default().to_string();
            side.build.push(self.install_like_deps(side, deploy));
            side.uses_cache_mounts |= !pm.cache.deps.is_empty();
            self.planner.decide(
                format!("build deploys the workspace member {} with its production dependencies (`{deploy}`)", member.dir),
                note.clone().unwrap_or_else(|| "the package manager assembles one member with its dependencies, local members included".into()),
                0.85,
            );
            steps.push(Step::Copy {
                from: Some(StageName::Build.to_string()),
                chown: None,
                sources: vec![out.clone()],
                dest: here(&app_path),
            });
            self.planner.decide(
                format!("runtime copies the deployed member {out} to {app_path}"),
                "the app's files and production dependencies at the app's path, without the rest of the workspace or the package manager",
                0.85,
            );
            self.member_outputs(member, app, &app_path, workdir, steps);
            let ctx = self.planner.input.ctx;
            let folder = format!(
                "{}{}",
                self.planner
                    .workspace
                    .as_ref()
                    .map(|w| w.prefix.as_str())
                    .unwrap_or_default(),
                member.dir
            );
            let manifest = ctx
                .read(&format!("{folder}/package.json"))
                .unwrap_or_default();
            let filtered: Vec<&str> = [".gitignore", ".npmignore"]
                .into_iter()
                .filter(|f| ctx.exists(&format!("{folder}/{f}")))
                .chain(
                    serde_json::from_str::<serde_json::Value>(&manifest)
                        .ok()
                        .and_then(|j| j.get("files").cloned())
                        .map(|_| "the `files` field"),
                )
                .collect();
            if !filtered.is_empty() {
                self.planner.warn(
                    WarningCode::DeployFilesFiltered,
                    format!(
                        "the {} deploy of {} copies what a publish would take: what its {} leaves out is not in the runtime (only the build output restage knows of is copied after it)",
                        pm.name,
                        member.dir,
                        filtered.join(" and ")
                    ),
                    start.line,
                );
            }
        } else {
            let install = self.production_install(side, steps);
            uses_mounts = !pm.cache.deps.is_empty();
            self.planner.decide(
                format!(
                    "runtime installs the workspace's production dependencies at {} (`{install}`)",
                    app.root
                ),
                "devDependencies are needed to build and test, not to run; the local members are linked from the root",
                0.85,
            );
            for needed in &app.needed {
                let path = resolve(Some(&app.root), &needed.dir);
                steps.push(Step::Copy {
                    from: Some(StageName::Build.to_string()),
                    chown: None,
                    sources: vec![path.clone()],
                    dest: path,
                });
            }
            self.planner.decide(
                format!(
                    "runtime copies the workspace members {} from the build stage",
                    app.needed
                        .iter()
                        .map(|m| m.dir.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "the app and the local packages it depends on, with their build output; the other members stay out",
                0.8,
            );
            if let Some(dir) = workdir.as_ref().filter(|d| **d != app.root) {
                steps.push(Step::Workdir { path: dir.clone() });
            }
        }
        uses_mounts
    }

    /// The member's build output (its package.json build script through the profile's output
    /// rules), copied at the app's path after the deployed folder.
    fn member_outputs(
        &mut self,
        member: &Member,
        app: &WorkspaceApp,
        app_path: &str,
        workdir: &Option<String>,
        steps: &mut Vec<Step>,
    ) {
        let prefix = self
            .planner
            .workspace
            .as_ref()
            .map(|w| w.prefix.clone())
            .unwrap_or_default();
        let manifest = self
            .planner
            .input
            .ctx
            .read(&format!("{prefix}{}/package.json", member.dir));
        let script = manifest
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|j| {
                j.pointer("/scripts/build")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            });
        let mut dirs = self.output_dirs(&script.into_iter().collect::<Vec<_>>());
        dirs.sort();
        dirs.dedup();
        let build_path = resolve(Some(&app.root), &member.dir);
        for dir in dirs {
            steps.push(Step::Copy {
                from: Some(StageName::Build.to_string()),
                chown: None,
                sources: vec![resolve(Some(&build_path), &dir)],
                dest: if workdir.as_deref() == Some(app_path) {
                    format!("./{dir}")
                } else {
                    format!("{}/{dir}", app_path.trim_end_matches('/'))
                },
            });
            self.planner.decide(
                format!(
                    "runtime copies the build output {}/{dir}/ from the build stage",
                    member.dir
                ),
                "it is what the member's build script produces, whatever its publish rules leave out",
                0.8,
            );
        }
    }
}

/// The member a command selects with one of `options` (`--filter x`, `--filter=x`, `-w x`,
/// `yarn workspace x`): the first one named.
fn selected_member(
    commands: &[Vec<String>],
    options: &[String],
    find: impl Fn(&str) -> Option<Member>,
) -> Option<Member> {
    for words in commands {
        for (i, word) in words.iter().enumerate() {
            for option in options {
                let value = if word == option {
                    words.get(i + 1).map(String::as_str)
                } else {
                    word.strip_prefix(option.as_str())
                        .and_then(|rest| rest.strip_prefix('='))
                };
                if let Some(member) = value.and_then(&find) {
                    return Some(member);
                }
            }
        }
    }
    None
}
