//! Which dependency manifests deps copies before its install: the original's manifest COPY, the
//! manifests a wider source COPY names, the manifests of the context when the original had only
//! `COPY . .`, and a workspace's member manifests at their members' paths.

use super::{Planner, Skip, Unit};
use crate::plan::model::SkipCode;
use crate::plan::model::Step;
use crate::plan::original::{normalise_path, resolve};
use crate::plan::workspace::Workspace;

impl<'p, 'a> Planner<'p, 'a> {
    /// The manifests `unit`'s install reads, copied into deps unless they are already
    /// (`manifests_copied`); a file whose install finds none of them in the context is skipped.
    pub(super) fn manifests_for_install(
        &mut self,
        unit: &Unit<'_>,
        units: &[Unit<'p>],
        first_source: Option<usize>,
        deps_workdir: Option<&str>,
        deps: &mut Vec<Step>,
        manifests_copied: &mut bool,
    ) -> Result<(), Skip> {
        if *manifests_copied {
            return Ok(());
        }
        if !self.copy_manifests(units, first_source, deps_workdir, deps) {
            return Err(Skip::new(
                SkipCode::ManifestsMissing,
                format!(
                    "line {}: the dependency install needs {} from the build context, and none of them is there",
                    unit.line(),
                    self.pm.manifests.join(", ")
                ),
            ));
        }
        *manifests_copied = true;
        Ok(())
    }

    /// The deps stage needs the manifests before installing; when the original only had them
    /// through `COPY . .`, copy just the manifests that exist in the context.
    pub(super) fn copy_manifests(
        &mut self,
        units: &[Unit<'p>],
        first_source: Option<usize>,
        deps_workdir: Option<&str>,
        deps: &mut Vec<Step>,
    ) -> bool {
        let source_copy = first_source.map(|i| units[i].entry.inst);
        if let Some(copy) = source_copy
            && self.copy_named_manifests(copy, deps)
        {
            return true;
        }
        let (prefix, dest) = copy_prefix_dest(source_copy);
        let ctx = self.input.ctx;
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        // Manifests in subfolders (`src/Api/Api.csproj`), by folder below the prefix.
        let mut nested: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        let anywhere = self.pm.manifests_in_subfolders;
        for pattern in &self.pm.manifests {
            let full = format!("{prefix}{pattern}");
            if ctx.is_dir(&full) {
                dirs.push(full);
                continue;
            }
            for file in ctx.files() {
                let Some(rest) = file.strip_prefix(&prefix) else {
                    continue;
                };
                let (folder, name) = match rest.rsplit_once('/') {
                    Some((folder, name)) => (Some(folder), name),
                    None => (None, rest),
                };
                if !crate::profile::pattern::glob(pattern, name) {
                    continue;
                }
                match folder {
                    None => files.push(file.clone()),
                    Some(folder) if anywhere && !is_build_output(folder) => {
                        nested
                            .entry(folder.to_string())
                            .or_default()
                            .push(file.clone());
                    }
                    Some(_) => {}
                }
            }
        }
        // A workspace's install reads every member's manifests: each at its member's path.
        if let Some(rules) = &self.pm.workspace
            && let Some(workspace) = Workspace::find(ctx, rules, &prefix)
        {
            for member in &workspace.members {
                for name in &rules.member_manifests {
                    let file = format!("{prefix}{}/{name}", member.dir);
                    if ctx.exists(&file) {
                        nested.entry(member.dir.clone()).or_default().push(file);
                    }
                }
            }
            self.decide(
                format!(
                    "deps copies the manifests of the workspace members ({})",
                    workspace
                        .members
                        .iter()
                        .map(|m| m.dir.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                format!(
                    "{} installs the whole workspace from its lockfile, and a frozen install fails when a member's manifest is missing",
                    self.pm.name
                ),
                0.9,
            );
            self.workspace = Some(workspace);
        }
        files.sort();
        files.dedup();
        dirs.sort();
        dirs.dedup();
        if files.is_empty() && dirs.is_empty() && nested.is_empty() {
            return false;
        }
        let all: Vec<String> = files
            .iter()
            .chain(nested.values().flatten())
            .chain(dirs.iter())
            .cloned()
            .collect();
        self.decide(
            format!("deps copies only {} before installing", all.join(", ")),
            "the original copied the whole context first, so every code change reinstalled the dependencies",
            0.9,
        );
        let first_new = deps.len();
        self.manifest_dir = Some(resolve_dest(deps_workdir, &dest));
        if !files.is_empty() {
            deps.push(Step::Copy {
                from: None,
                chown: None,
                sources: files,
                dest: dest.clone(),
            });
        }
        // Files of one subfolder land in the same subfolder of the destination.
        for (folder, mut sources) in nested {
            sources.sort();
            sources.dedup();
            deps.push(Step::Copy {
                from: None,
                chown: None,
                sources,
                dest: format!("{dest}{folder}/"),
            });
        }
        // A folder copied with others would be flattened into the destination: one COPY each.
        for dir in dirs {
            let name = dir.rsplit('/').next().unwrap_or(&dir).to_string();
            deps.push(Step::Copy {
                from: None,
                chown: None,
                sources: vec![dir],
                dest: format!("{dest}{name}/"),
            });
        }
        self.synthesized_manifests = deps[first_new..].to_vec();
        true
    }

    /// A source COPY that names the manifests among other files
    /// (`COPY --chown=node:node package*.json *.js ./`): deps copies those manifest sources on
    /// their own, with the same destination and owner, when at least one exists in the context.
    fn copy_named_manifests(
        &mut self,
        copy: &crate::syntax::Instruction,
        deps: &mut Vec<Step>,
    ) -> bool {
        let values = copy.values();
        if values.len() < 3 {
            return false;
        }
        let profile = self.input.profile;
        let ctx = self.input.ctx;
        let manifests: Vec<String> = values
            .all_but_last()
            .iter()
            .filter(|s| crate::plan::classify::is_manifest(s, profile))
            .map(|s| s.to_string())
            .collect();
        let exists = |source: &str| {
            let source = source.trim_start_matches("./");
            ctx.exists(source)
                || ctx
                    .files()
                    .iter()
                    .any(|f| crate::profile::pattern::glob(source, f))
        };
        if manifests.is_empty() || !manifests.iter().any(|m| exists(m)) {
            return false;
        }
        let dest = values[values.len() - 1].to_string();
        self.decide(
            format!(
                "deps copies {} from line {} before installing",
                manifests.join(", "),
                copy.start_line()
            ),
            "that COPY also brings other files, so every change to them would reinstall the dependencies",
            0.9,
        );
        let step = Step::Copy {
            from: None,
            chown: copy.flag("chown").map(str::to_string),
            sources: manifests,
            dest,
        };
        deps.push(step.clone());
        self.synthesized_manifests = vec![step];
        true
    }

    /// The workspace's members when the profile says how to list them and every listed member
    /// is in the context, with the destination the sources are copied to (`./`).
    pub(super) fn find_workspace_members(
        &self,
        units: &[Unit<'p>],
        first_source: Option<usize>,
    ) -> Option<(Vec<String>, String)> {
        let spec = self.pm.members.as_ref()?;
        let (prefix, dest) = copy_prefix_dest(first_source.map(|i| units[i].entry.inst));
        let members = crate::plan::members::members(spec, self.input.ctx, &prefix)?;
        Some((members, dest))
    }

    /// deps copies each workspace member's manifests into the member's folder, so the install
    /// resolves the whole workspace; the install then uses the profile's workspace command.
    pub(super) fn copy_member_manifests(
        &mut self,
        units: &[Unit<'p>],
        first_source: Option<usize>,
        members: &[String],
        dest: &str,
        deps: &mut Vec<Step>,
    ) {
        let Some(spec) = self.pm.members.as_ref() else {
            return;
        };
        let (prefix, _) = copy_prefix_dest(first_source.map(|i| units[i].entry.inst));
        let ctx = self.input.ctx;
        let mut copies = Vec::new();
        for member in members {
            let sources: Vec<String> = spec
                .manifests
                .iter()
                .map(|m| format!("{prefix}{member}/{m}"))
                .filter(|f| ctx.exists(f))
                .collect();
            if sources.is_empty() {
                continue;
            }
            copies.push(Step::Copy {
                from: None,
                chown: None,
                sources,
                dest: format!("{dest}{member}/"),
            });
        }
        self.decide(
            format!(
                "deps copies the manifests ({}) of the {} workspace members: {}",
                spec.manifests.join(", "),
                members.len(),
                members.join(", ")
            ),
            spec.note.clone().unwrap_or_else(|| {
                format!(
                    "{} lists them in {}, and the install resolves every member's dependencies",
                    self.pm.name, spec.file
                )
            }),
            0.85,
        );
        deps.extend(copies.iter().cloned());
        self.synthesized_manifests.extend(copies);
        self.workspace_targets = crate::plan::members::target_stubs(spec, ctx, &prefix, members);
        self.workspace_members = Some(members.to_vec());
    }
}

/// The absolute folder a manifest COPY writes into: the destination when it is a folder
/// (`COPY Cargo.toml Cargo.lock /app/`), else its parent (`COPY requirements.txt
/// /app/requirements.txt`).
pub(super) fn copy_target_dir(unit: &Unit<'_>) -> Option<String> {
    let inst = unit.entry.inst;
    if inst.values().len() < 2 {
        return None;
    }
    let dest = inst.values().last()?;
    let resolved = resolve_dest(unit.entry.workdir.as_deref(), dest);
    if dest.ends_with('/') || dest == "." || inst.values().len() > 2 {
        return Some(resolved);
    }
    Some(match resolved.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(slash) => resolved[..slash].to_string(),
    })
}

/// Whether a context folder holds build output (a committed `bin/` or `obj/`), whose copies
/// of manifests are not the project's.
fn is_build_output(folder: &str) -> bool {
    folder
        .split('/')
        .any(|part| matches!(part, "bin" | "obj" | "node_modules" | "target" | "build"))
}

/// A COPY destination made absolute; one that starts with a variable (`$APP_HOME/pom.xml`)
/// stands for itself, as the WORKDIR it usually matches does.
fn resolve_dest(workdir: Option<&str>, dest: &str) -> String {
    if dest.starts_with('$') {
        normalise_path(dest)
    } else {
        resolve(workdir, dest)
    }
}

/// The folder a source COPY takes files from (`app/` for `COPY app/ .`, `""` for the context)
/// and the folder it copies them to (`./`, `/srv/`), as restage's own manifest copies use them.
pub(super) fn copy_prefix_dest(
    source_copy: Option<&crate::syntax::Instruction>,
) -> (String, String) {
    match source_copy {
        Some(copy) if copy.values().len() >= 2 => {
            let src = copy
                .values()
                .first()
                .unwrap_or_default()
                .trim_start_matches("./")
                .trim_end_matches('/');
            let prefix = if src.is_empty() || src == "." {
                String::new()
            } else {
                format!("{src}/")
            };
            let dest = copy.values()[copy.values().len() - 1].to_string();
            let dest = if dest == "." || dest == "./" {
                "./".to_string()
            } else if dest.ends_with('/') {
                dest
            } else {
                format!("{dest}/")
            };
            (prefix, dest)
        }
        _ => (String::new(), "./".to_string()),
    }
}
