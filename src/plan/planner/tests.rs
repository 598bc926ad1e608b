//! The planner on small Dockerfiles with their contexts in memory: where each original
//! instruction lands, and the steps deps, build, test and runtime get for it.

use super::manifests::copy_prefix_dest;
use super::units::join_commands;
use super::{PlanInput, PlanOptions, Skip, plan};
use crate::plan::model::{Class, Plan, SkipCode, Stage, StageName, Step, WarningCode};
use crate::profile::Registry;
use crate::source::MemoryContext;
use std::sync::OnceLock;

/// The built-in profiles, loaded once for every test.
fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::load(None).unwrap())
}

/// Plan `dockerfile` with the context `files`, through detection as the pipeline does.
fn plan_with(
    dockerfile: &str,
    files: &[(&str, &str)],
    options: &PlanOptions,
) -> Result<Plan, Skip> {
    let registry = registry();
    let ctx = files
        .iter()
        .fold(MemoryContext::new(), |ctx, (path, text)| {
            ctx.with_file(path, *text)
        });
    let df = crate::syntax::parse(dockerfile);
    let detection = crate::detect::detect(&df, &ctx, registry);
    let name = detection.profile.as_deref().expect("a profile is detected");
    let input = PlanInput {
        df: &df,
        detection: &detection,
        profile: registry.get(name).unwrap(),
        registry,
        ctx: &ctx,
        options,
    };
    plan(&input)
}

fn plan_of(dockerfile: &str, files: &[(&str, &str)]) -> Plan {
    plan_with(dockerfile, files, &PlanOptions::default()).expect("the file is rewritten")
}

fn stage<'p>(plan: &'p Plan, name: &str) -> &'p Stage {
    plan.stages
        .iter()
        .find(|s| s.name.as_str() == name)
        .unwrap_or_else(|| panic!("no {name} stage"))
}

/// The stages the original instruction at `line` (of `class`) was placed in.
fn placed(plan: &Plan, line: usize, class: Class) -> Vec<&'static str> {
    plan.classification
        .iter()
        .find(|p| p.line == line && p.class == class)
        .unwrap_or_else(|| panic!("line {line} was not placed as {class:?}"))
        .stages
        .iter()
        .map(StageName::as_str)
        .collect()
}

/// The position in `stage` of the kept original instruction at `line`.
fn kept_at(stage: &Stage, line: usize) -> Option<usize> {
    stage
        .steps
        .iter()
        .position(|s| matches!(s, Step::Kept { line: l, .. } if *l == line))
}

/// Both original instructions are kept in `stage`, `first` before `then`.
#[track_caller]
fn assert_kept_in_order(stage: &Stage, first: usize, then: usize) {
    let at = |line| {
        kept_at(stage, line).unwrap_or_else(|| panic!("line {line} is not in {}", stage.name))
    };
    assert!(
        at(first) < at(then),
        "line {first} comes after line {then} in {}",
        stage.name
    );
}

/// The commands of the new RUN steps of `stage`.
fn runs(stage: &Stage) -> Vec<&str> {
    stage
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Run { command, .. } => Some(command.as_str()),
            _ => None,
        })
        .collect()
}

fn decided(plan: &Plan, what: &str) -> bool {
    plan.decisions.iter().any(|d| d.what.contains(what))
}

const PACKAGE_JSON: &str = r#"{"name": "app", "version": "1.0.0",
  "scripts": {"build": "tsc", "start": "node dist/index.js", "test": "jest"},
  "devDependencies": {"typescript": "5.0.0", "jest": "29.0.0"}}"#;

fn node_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("package.json", PACKAGE_JSON),
        ("package-lock.json", r#"{"lockfileVersion": 3}"#),
        ("src/index.ts", "console.log('hi')\n"),
    ]
}

const NODE: &str = "FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
EXPOSE 3000
CMD [\"node\", \"dist/index.js\"]
";

#[test]
fn a_manifest_copy_and_its_install_go_to_deps_with_a_cache_mount() {
    let plan = plan_of(NODE, &node_files());
    assert_eq!(placed(&plan, 3, Class::DependencyManifests), ["deps"]);
    assert_eq!(placed(&plan, 4, Class::DependencyInstall), ["deps"]);
    let deps = stage(&plan, "deps");
    let copy = kept_at(deps, 3).expect("the manifest COPY is in deps");
    let install = kept_at(deps, 4).expect("npm ci is in deps");
    assert!(copy < install, "the manifests come before the install");
    let Step::Kept { add_flags, .. } = &deps.steps[install] else {
        unreachable!()
    };
    assert_eq!(add_flags, &["mount=type=cache,target=/root/.npm"]);
    assert_eq!(kept_at(stage(&plan, "build"), 4), None);
}

#[test]
fn the_context_copy_and_the_build_go_to_build() {
    let plan = plan_of(NODE, &node_files());
    assert_eq!(placed(&plan, 5, Class::SourceCopy), ["build"]);
    assert_eq!(placed(&plan, 6, Class::Build), ["build"]);
    let build = stage(&plan, "build");
    assert_kept_in_order(build, 5, 6);
    assert_eq!(kept_at(stage(&plan, "deps"), 5), None);
    assert_eq!(stage(&plan, "build").from, "deps");
}

#[test]
fn expose_and_cmd_go_to_the_runtime_only() {
    let plan = plan_of(NODE, &node_files());
    let runtime = stage(&plan, "runtime");
    assert!(kept_at(runtime, 7).is_some(), "EXPOSE is in runtime");
    assert!(kept_at(runtime, 8).is_some(), "CMD is in runtime");
    for name in ["deps", "build"] {
        assert_eq!(kept_at(stage(&plan, name), 7), None, "EXPOSE in {name}");
        assert_eq!(kept_at(stage(&plan, name), 8), None, "CMD in {name}");
    }
    // Metadata is left to the runtime builder: the build side records no placement for it.
    assert!(
        !plan
            .classification
            .iter()
            .any(|p| p.line == 7 || p.line == 8)
    );
}

#[test]
fn an_install_after_the_context_copy_moves_before_it() {
    let dockerfile = "FROM node:20-slim
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
CMD [\"node\", \"dist/index.js\"]
";
    let plan = plan_of(dockerfile, &node_files());
    assert_eq!(placed(&plan, 4, Class::DependencyInstall), ["deps"]);
    assert!(decided(
        &plan,
        "moved line 4 (dependency install) into deps"
    ));
    let deps = stage(&plan, "deps");
    // Only the manifests come in before it, copied by restage.
    let manifests = deps
        .steps
        .iter()
        .position(|s| matches!(s, Step::Copy { sources, .. } if sources == &["package-lock.json", "package.json"]))
        .expect("deps copies the manifests");
    assert!(manifests < kept_at(deps, 4).expect("npm ci is in deps"));
    assert_eq!(kept_at(deps, 3), None, "the sources stay out of deps");
    assert_eq!(placed(&plan, 3, Class::SourceCopy), ["build"]);
}

#[test]
fn a_second_install_that_reads_nothing_from_the_context_moves_to_deps() {
    let dockerfile = "FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm install left-pad
RUN npm run build
";
    let plan = plan_of(dockerfile, &node_files());
    assert_eq!(placed(&plan, 6, Class::DependencyInstall), ["deps"]);
    let deps = stage(&plan, "deps");
    assert_kept_in_order(deps, 4, 6);
    assert_eq!(kept_at(stage(&plan, "build"), 6), None);
}

#[test]
fn a_second_install_that_reads_the_context_stays_in_build() {
    let dockerfile = "FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm install ./vendor/pkg.tgz
RUN npm run build
";
    let plan = plan_of(dockerfile, &node_files());
    assert_eq!(placed(&plan, 6, Class::DependencyInstall), ["build"]);
    assert!(decided(&plan, "line 6 stays in build"));
    let build = stage(&plan, "build");
    assert_kept_in_order(build, 5, 6);
}

#[test]
fn a_run_mixing_the_install_and_the_build_is_split() {
    let dockerfile = "FROM node:20-slim
WORKDIR /app
COPY . .
RUN npm ci && npm run build
CMD [\"node\", \"dist/index.js\"]
";
    let plan = plan_of(dockerfile, &node_files());
    assert!(decided(&plan, "split the RUN at line 4 into 2 steps"));
    assert_eq!(placed(&plan, 4, Class::DependencyInstall), ["deps"]);
    assert_eq!(placed(&plan, 4, Class::Build), ["build"]);
    assert!(runs(stage(&plan, "deps")).contains(&"npm ci"));
    assert!(runs(stage(&plan, "build")).contains(&"npm run build"));
}

#[test]
fn a_user_and_the_chown_that_names_it_stay_together_in_build_and_runtime() {
    let dockerfile = "FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN useradd -m appuser
RUN chown -R appuser:appuser /app
RUN npm run build
USER appuser
CMD [\"node\", \"dist/index.js\"]
";
    let plan = plan_of(dockerfile, &node_files());
    assert_eq!(placed(&plan, 6, Class::UserSetup), ["build"]);
    assert_eq!(placed(&plan, 7, Class::Other), ["build"]);
    // The user exists before the chown names it, in build and again in runtime.
    assert_kept_in_order(stage(&plan, "build"), 6, 7);
    assert_kept_in_order(stage(&plan, "runtime"), 6, 7);
    assert!(decided(&plan, "line 7 also runs in runtime"));
}

#[test]
fn a_user_before_the_sources_is_kept_in_deps_and_runtime() {
    let dockerfile = "FROM node:20-slim
USER node
WORKDIR /home/node/app
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci
COPY --chown=node:node . .
RUN npm run build
CMD [\"node\", \"dist/index.js\"]
";
    let plan = plan_of(dockerfile, &node_files());
    let deps = stage(&plan, "deps");
    assert_kept_in_order(deps, 2, 5);
    assert!(kept_at(stage(&plan, "runtime"), 2).is_some());
}

#[test]
fn the_profile_install_is_added_when_the_original_has_none() {
    let dockerfile = "FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /out/server .
CMD [\"/out/server\"]
";
    let files = [
        ("go.mod", "module example.com/app\n\ngo 1.22\n"),
        ("go.sum", ""),
        ("main.go", "package main\n\nfunc main() {}\n"),
    ];
    let plan = plan_of(dockerfile, &files);
    let deps = stage(&plan, "deps");
    assert!(deps.steps.iter().any(|s| matches!(
        s,
        Step::Copy { from: None, sources, dest, .. } if sources == &["go.mod", "go.sum"] && dest == "./"
    )));
    let download = deps
        .steps
        .iter()
        .find_map(|s| match s {
            Step::Run {
                command, mounts, ..
            } if command.contains("go mod download") => Some(mounts),
            _ => None,
        })
        .expect("deps downloads the modules");
    assert_eq!(download, &["type=cache,target=/go/pkg/mod"]);
    assert!(decided(
        &plan,
        "deps copies only go.mod, go.sum before installing"
    ));
    assert_eq!(placed(&plan, 4, Class::Build), ["build"]);
}

#[test]
fn an_install_with_none_of_its_manifests_in_the_context_is_a_skip() {
    let dockerfile = "FROM node:20-slim
WORKDIR /app
COPY . .
RUN npm ci
CMD [\"node\", \"index.js\"]
";
    let files = [("index.js", "console.log('hi')\n")];
    let Err(Skip { code, reason }) = plan_with(dockerfile, &files, &PlanOptions::default()) else {
        panic!("the file was rewritten");
    };
    assert_eq!(code, SkipCode::ManifestsMissing);
    assert!(
        reason.starts_with("line 4: the dependency install needs"),
        "{reason}"
    );
}

#[test]
fn an_original_test_run_moves_to_the_test_stage_with_a_warning() {
    let dockerfile = "FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
RUN npm test
CMD [\"node\", \"dist/index.js\"]
";
    let plan = plan_of(dockerfile, &node_files());
    assert_eq!(placed(&plan, 7, Class::Test), ["test"]);
    let test = stage(&plan, "test");
    assert_eq!(test.from, "build");
    assert!(kept_at(test, 7).is_some());
    assert_eq!(kept_at(stage(&plan, "build"), 7), None);
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.code == WarningCode::TestsMoved && w.line == Some(7))
    );

    // Without a test stage, the tests stay in build and nothing is moved.
    let options = PlanOptions {
        no_test_stage: true,
        ..PlanOptions::default()
    };
    let plan = plan_with(dockerfile, &node_files(), &options).unwrap();
    assert_eq!(placed(&plan, 7, Class::Test), ["build"]);
    assert!(plan.stages.iter().all(|s| s.name != StageName::Test));
    assert!(
        !plan
            .warnings
            .iter()
            .any(|w| w.code == WarningCode::TestsMoved)
    );
}

#[test]
fn joined_commands_keep_their_operators() {
    let commands = crate::shell::parse("a x; b y || c\nd");
    let refs: Vec<_> = commands.iter().collect();
    assert_eq!(join_commands(&refs), "a x ; b y || c && d");
    assert_eq!(join_commands(&refs[..1]), "a x");
}

#[test]
fn a_source_copy_gives_the_folders_restage_copies_manifests_from_and_to() {
    let df = crate::syntax::parse("COPY app/ /srv\nCOPY . .\nCOPY ./ ./\n");
    let copies: Vec<_> = df.instructions.iter().map(Some).collect();
    assert_eq!(
        copy_prefix_dest(copies[0]),
        ("app/".to_string(), "/srv/".to_string())
    );
    assert_eq!(
        copy_prefix_dest(copies[1]),
        (String::new(), "./".to_string())
    );
    assert_eq!(
        copy_prefix_dest(copies[2]),
        (String::new(), "./".to_string())
    );
    assert_eq!(copy_prefix_dest(None), (String::new(), "./".to_string()));
}
