//! The runtime stage: the runtime image, its system packages, a non-root user, the artifacts
//! from the build stage, the files the app reads, and the original's runtime metadata.

mod base;
mod compiled;
mod interpreted;
mod layers;
mod needs;
mod prepare;
mod start;
mod workspace;
mod writes;

use super::classify::is_manifest;
use super::model::{Class, StageName, Step, WarningCode};
use super::original::resolve;
use super::planner::{BuildSide, Planner, Skip, Unit};
use crate::profile::pattern::glob;
use crate::profile::schema::{normalise_command, split_image};
use crate::profile::{ArtifactKind, RuntimeChoice, RuntimePackage, RuntimePrepare};
use crate::shell;
use crate::syntax::Form;

/// The finished runtime stage.
pub(crate) struct RuntimeStage {
    pub image: String,
    pub steps: Vec<Step>,
    /// Whether a RUN uses `--mount` (cache or bind), which needs BuildKit syntax.
    pub uses_mounts: bool,
}

/// Where an artifact comes from in the build stage and goes in the runtime stage.
#[derive(Clone, Debug)]
struct Artifact {
    from_stage: String,
    source: String,
    dest: String,
}

/// The start command of the original, as words, and where it was written.
#[derive(Clone, Debug, Default)]
struct StartCommand {
    words: Vec<String>,
    line: Option<usize>,
    keyword: String,
    /// How many of `words` come from ENTRYPOINT when a CMD follows them (0 otherwise).
    entrypoint_len: usize,
    /// The line of the CMD whose words follow the ENTRYPOINT's.
    cmd_line: Option<usize>,
}

/// A start command rewritten for the runtime.
struct Translation {
    args: Vec<String>,
    /// Word for word (paths replaced), so an ENTRYPOINT + CMD pair can stay a pair.
    same_shape: bool,
}

pub(crate) struct RuntimeBuilder<'r, 'p, 'a> {
    planner: &'r mut Planner<'p, 'a>,
    builder_image: String,
    deps_workdir: Option<String>,
    build_workdir: Option<String>,
    /// The build stage writes the artifact somewhere else than the original did.
    artifact_moved: bool,
    /// The runtime keeps the builder's base image (a distro-installed toolchain).
    same_base: bool,
    /// The runtime image's distro family (`debian`, `alpine`, `distroless`, ...).
    family: String,
    /// What the build side prepares for the runtime image (a jlinked Java runtime).
    prepare: Option<RuntimePrepare>,
    /// The launcher class the runtime starts instead of `-jar <jar>` (a layered jar).
    layer_launcher: Option<String>,
}

impl<'r, 'p, 'a> RuntimeBuilder<'r, 'p, 'a> {
    pub fn new(planner: &'r mut Planner<'p, 'a>, builder_image: &str, side: &BuildSide) -> Self {
        Self {
            planner,
            builder_image: builder_image.to_string(),
            deps_workdir: side.deps_workdir.clone(),
            build_workdir: side.build_workdir.clone(),
            artifact_moved: false,
            same_base: false,
            family: String::new(),
            prepare: None,
            layer_launcher: None,
        }
    }

    pub fn build(mut self, units: &[Unit<'p>], side: &mut BuildSide) -> Result<RuntimeStage, Skip> {
        let start = self.start_command(units);
        self.refuse_toolchain_at_start(&start)?;
        let rule = self.entrypoint_rule(&start);
        let image = self.runtime_image();
        let mut image = self.keep_image_args(image);
        let mut family = self.image_family(&image);
        self.family = family.clone();
        let tools = self.tools_needed(units, &start);
        if let Some((flavoured, flavour_family)) = self.flavour_for_tools(&image, &tools) {
            image = flavoured;
            family = flavour_family;
            self.family = family.clone();
        }
        self.refuse_shell_without_shell(units)?;
        let workdir = self.planner.original.final_workdir().map(str::to_string);
        let mut steps: Vec<Step> = Vec::new();
        let mut uses_mounts = false;

        // What the build side makes for the runtime comes first; the original's ENV may
        // override its variables.
        self.prepared_runtime(side, &mut steps);
        // ARG and ENV first: later instructions may use them.
        for unit in units
            .iter()
            .filter(|u| u.entry.inst.is("ARG") || u.entry.inst.is("ENV"))
        {
            steps.push(unit.step(Vec::new()));
        }
        self.runtime_packages(&family, &mut steps);
        self.needed_packages(&image, &tools, &mut steps);
        let installs_dependencies =
            self.planner.input.profile.artifacts.kind == ArtifactKind::OutputDirs;
        // A workspace app: the runtime installs at the workspace root and moves to the app's
        // folder after, or takes the member deployed with its dependencies on the build side.
        let workspace_app = if installs_dependencies {
            self.workspace_app(&start, &workdir)
        } else {
            None
        };
        let first_workdir = match &workspace_app {
            Some(app) if app.deploy.is_none() && !app.keep_whole => Some(app.root.clone()),
            _ => workdir.clone(),
        };
        if let Some(dir) = &first_workdir {
            steps.push(Step::Workdir { path: dir.clone() });
        }
        let installs_dependencies =
            installs_dependencies && workspace_app.as_ref().is_none_or(|a| a.deploy.is_none());
        let has_tool =
            self.tools_for_start(&start, rule.as_ref(), installs_dependencies, &mut steps);
        if let Some(setup) = rule
            .as_ref()
            .and_then(|r| r.runtime_setup.clone())
            .filter(|_| !has_tool)
        {
            self.planner.decide(
                format!("runtime runs `{setup}`"),
                "the start command needs it and it was part of the builder image",
                0.8,
            );
            steps.push(Step::Run {
                mounts: Vec::new(),
                command: setup,
                secret_env: Vec::new(),
            });
        }
        let mut artifact_paths: Option<(String, String)> = None;
        match self.planner.input.profile.artifacts.kind {
            ArtifactKind::OutputDirs => {
                uses_mounts |= match &workspace_app {
                    Some(app) => {
                        self.workspace_member(app, &start, &rule, &workdir, &mut steps, side)
                    }
                    None => self.output_dirs_runtime(&start, &rule, &workdir, &mut steps, side)?,
                };
            }
            ArtifactKind::PythonEnv => {
                uses_mounts |= self.python_env_runtime(side, &mut steps);
            }
            ArtifactKind::Binary | ArtifactKind::Jar | ArtifactKind::Assembly => {
                let artifact = self.compiled_artifact(side, &start, &workdir)?;
                match self.jar_layers(side, &start, rule.as_ref(), &artifact, &workdir) {
                    Some(copies) => steps.extend(copies),
                    None => {
                        steps.push(Step::Copy {
                            from: Some(artifact.from_stage.clone()),
                            chown: None,
                            sources: vec![artifact.source.clone()],
                            dest: artifact.dest.clone(),
                        });
                        self.beside_artifact(&artifact, &mut steps);
                    }
                }
                self.runtime_files(&workdir, &mut steps);
                artifact_paths = Some((artifact.source, artifact.dest));
            }
        }
        self.runtime_copies(units, &start, &mut steps);
        self.user(units, &image, &family, &mut steps);
        self.metadata(
            units,
            &start,
            rule.as_ref(),
            artifact_paths.as_ref(),
            &workdir,
            &mut steps,
        );
        Ok(RuntimeStage {
            image,
            steps,
            uses_mounts,
        })
    }
}

impl RuntimeBuilder<'_, '_, '_> {
    /// Whether a start-command word names the artifact: its path in the build stage, or a glob
    /// over it; when the build stage collected the artifact at a fixed path, a glob over one
    /// of the profile's artifact locations (`target/*.jar`) names it too.
    fn names_artifact(&self, word: &str, workdir: Option<&str>, source: &str) -> bool {
        if !word.contains('*') {
            return false;
        }
        let resolved = resolve(workdir, word);
        if glob(&resolved, source) {
            return true;
        }
        self.artifact_moved
            && self
                .planner
                .input
                .profile
                .artifacts
                .locations
                .iter()
                .any(|l| {
                    resolve(workdir, l) == resolved
                        || glob(&resolved, &resolve(workdir, l).replace('*', "x"))
                })
    }

    /// A builder image written with a global ARG (`ARG PY=3.12` / `FROM python:${PY}`) gives a
    /// runtime tag written with the same ARG (`python:${PY}-slim`), so `--build-arg PY=3.11`
    /// moves builder and runtime together. The ARG is declared above the first FROM, so every
    /// stage's FROM can use it.
    fn keep_image_args(&mut self, image: String) -> String {
        if !self.builder_image.contains('$') {
            return image;
        }
        let mut image = image;
        for entry in &self.planner.original.header {
            if !entry.inst.is("ARG") {
                continue;
            }
            for word in entry.inst.arguments().split_whitespace() {
                let Some((name, default)) = word.split_once('=') else {
                    continue;
                };
                let default = default.trim_matches(['"', '\'']);
                let used = self.builder_image.contains(&format!("${{{name}}}"))
                    || self.builder_image.contains(&format!("${name}"));
                if default.is_empty() || !used {
                    continue;
                }
                if let Some(kept) = with_arg_in_tag(&image, name, default) {
                    self.planner.decide(
                        format!("runtime image {kept}"),
                        format!(
                            "the builder image is chosen with the global ARG {name}; the runtime follows it when the ARG is set at build time"
                        ),
                        0.85,
                    );
                    image = kept;
                }
            }
        }
        image
    }
}

/// `python:3.12-slim` with `PY` = `3.12` → `python:${PY}-slim`: the ARG's default replaced in
/// the tag where it stands as a whole version (not `3.1` inside `3.12`).
fn with_arg_in_tag(image: &str, name: &str, default: &str) -> Option<String> {
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    let colon = slash + image[slash..].find(':')?;
    let tag = &image[colon + 1..];
    let bytes = tag.as_bytes();
    let at = tag.match_indices(default).map(|(i, _)| i).find(|&i| {
        let before = i.checked_sub(1).map(|b| bytes[b]);
        let after = bytes.get(i + default.len()).copied();
        let part_of_version = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_digit() || c == b'.');
        !part_of_version(before) && !part_of_version(after)
    })?;
    Some(format!(
        "{}:{}${{{name}}}{}",
        &image[..colon],
        &tag[..at],
        &tag[at + default.len()..]
    ))
}

#[cfg(test)]
mod tests {
    use super::with_arg_in_tag;

    #[test]
    fn an_arg_default_in_the_runtime_tag_becomes_the_arg() {
        assert_eq!(
            with_arg_in_tag("python:3.12-slim", "PY", "3.12").as_deref(),
            Some("python:${PY}-slim")
        );
        assert_eq!(
            with_arg_in_tag("mcr.microsoft.com/dotnet/runtime:8.0", "V", "8.0").as_deref(),
            Some("mcr.microsoft.com/dotnet/runtime:${V}")
        );
        assert_eq!(
            with_arg_in_tag("node:20-alpine", "NODE", "20").as_deref(),
            Some("node:${NODE}-alpine")
        );
        // Not a version inside another one, and never in the registry or name.
        assert_eq!(with_arg_in_tag("python:3.12-slim", "PY", "3.1"), None);
        assert_eq!(with_arg_in_tag("python:3.12-slim", "PY", "2"), None);
        assert_eq!(with_arg_in_tag("reg:5000/python", "P", "5000"), None);
        assert_eq!(
            with_arg_in_tag("gcr.io/distroless/static-debian12:nonroot", "GO", "1.21"),
            None
        );
    }
}
