//! The language profiles as data: loading, overrides, and checks on the tables themselves.

use restage::detect::Facts;
use restage::profile::{BUILTIN_FILES, Profile, Registry, RuntimePackage, SystemRules};
use std::collections::{BTreeMap, BTreeSet};

const NAMES: [&str; 7] = [
    "dotnet",
    "go",
    "java-gradle",
    "java-maven",
    "node",
    "python",
    "rust",
];

fn builtin() -> &'static Registry {
    Registry::builtin().expect("built-in profiles load")
}

/// The profile files as written (before `_system.yaml` is merged in).
fn raw_profiles() -> Vec<(&'static str, Profile)> {
    BUILTIN_FILES
        .iter()
        .filter(|(name, _)| !name.starts_with('_'))
        .map(|(name, text)| {
            (
                *name,
                serde_saphyr::from_str::<Profile>(text).unwrap_or_else(|e| panic!("{name}: {e}")),
            )
        })
        .collect()
}

fn raw_system() -> SystemRules {
    let text = BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == "_system.yaml")
        .expect("_system.yaml")
        .1;
    serde_saphyr::from_str(text).expect("_system.yaml parses")
}

fn assert_sorted_unique(what: &str, items: &[String]) {
    let mut sorted = items.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(items, sorted.as_slice(), "{what} must be sorted and unique");
}

fn assert_unique<T: Ord + std::fmt::Debug>(what: &str, items: impl IntoIterator<Item = T>) {
    let mut seen = BTreeSet::new();
    for item in items {
        assert!(!seen.contains(&item), "{what}: duplicate {item:?}");
        seen.insert(item);
    }
}

#[test]
fn the_seven_profiles_load_sorted_by_name_with_descriptions() {
    let reg = builtin();
    let names: Vec<&str> = reg.names().collect();
    assert_eq!(names, NAMES);
    let iterated: Vec<&str> = reg.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(iterated, NAMES);
    for p in reg.iter() {
        assert!(
            p.description.split_whitespace().count() >= 8,
            "{}: description too short",
            p.name
        );
        assert_eq!(
            reg.origin(&p.name),
            Some(format!("language-profiles/{}.yaml", p.name).as_str())
        );
        assert!(!p.detect.images.is_empty(), "{}: no image rules", p.name);
        assert!(!p.detect.files.is_empty(), "{}: no file rules", p.name);
        assert!(
            !p.dockerignore.is_empty(),
            "{}: no .dockerignore lines",
            p.name
        );
    }
    assert!(!raw_system().description.is_empty());
}

#[test]
fn every_runtime_image_has_a_tag_rule() {
    for p in builtin().iter() {
        let ri = &p.runtime_images;
        let templates = ri
            .rules
            .iter()
            .map(|r| (r.runtime.as_str(), r.tag.as_deref()))
            .chain([(ri.default.as_str(), None)]);
        for (template, tag_pattern) in templates {
            let last = template.rsplit('/').next().unwrap_or(template);
            let (_, tag) = last
                .split_once(':')
                .unwrap_or_else(|| panic!("{}: runtime image {template} has no tag", p.name));
            assert!(
                !tag.is_empty() && tag != "latest",
                "{}: runtime image {template} needs a real tag",
                p.name
            );
            if template.contains("{version}") {
                let captured = tag_pattern.is_some_and(|t| t.contains("{version}"));
                assert!(
                    captured || ri.default_version.is_some(),
                    "{}: {template} uses {{version}} but neither its tag pattern nor default_version gives one",
                    p.name
                );
            }
            if template.contains("{release}") {
                assert!(
                    ri.default_release.is_some(),
                    "{}: {template} uses {{release}} without default_release",
                    p.name
                );
            }
        }
        // The default always resolves, with no facts and no versions at all.
        let image = p.runtime_image_for("", &Facts::default(), &BTreeMap::new());
        assert!(
            image.is_some_and(|i| !i.contains('{')),
            "{}: default runtime image does not resolve",
            p.name
        );
    }
}

#[test]
fn package_maps_have_no_duplicates_and_lists_are_sorted() {
    for (file, p) in raw_profiles() {
        assert_sorted_unique(&format!("{file}: runtime_files"), &p.runtime_files);
        assert_sorted_unique(&format!("{file}: dockerignore"), &p.dockerignore);
        assert_sorted_unique(
            &format!("{file}: system_packages.build_only"),
            &p.system_packages.build_only,
        );
        assert_unique(
            &format!("{file}: system_packages.runtime"),
            p.system_packages
                .runtime
                .iter()
                .map(|r| (r.build.clone(), r.family.clone())),
        );
        let file_paths: Vec<String> = p.detect.files.iter().map(|r| r.path.clone()).collect();
        assert_sorted_unique(&format!("{file}: detect.files"), &file_paths);
        assert_unique(
            &format!("{file}: detect.images"),
            p.detect
                .images
                .iter()
                .map(|r| (r.image.clone(), r.tag.clone())),
        );
        assert_unique(
            &format!("{file}: detect.commands"),
            p.detect.commands.iter().map(|r| r.command.clone()),
        );
        assert_unique(
            &format!("{file}: detect.start_commands"),
            p.detect.start_commands.iter().map(|r| r.command.clone()),
        );
        assert_unique(
            &format!("{file}: detect.packages"),
            p.detect.packages.iter().map(|r| r.package.clone()),
        );
        assert_unique(
            &format!("{file}: entrypoints"),
            p.entrypoints.iter().map(|r| r.command.clone()),
        );
        assert_unique(
            &format!("{file}: package_managers"),
            p.package_managers.iter().map(|m| m.name.clone()),
        );
        for pm in &p.package_managers {
            assert_sorted_unique(&format!("{file}: {} manifests", pm.name), &pm.manifests);
            assert_sorted_unique(&format!("{file}: {} lockfiles", pm.name), &pm.lockfiles);
            assert_sorted_unique(&format!("{file}: {} aliases", pm.name), &pm.aliases);
            assert_sorted_unique(&format!("{file}: {} deps cache", pm.name), &pm.cache.deps);
            assert_sorted_unique(&format!("{file}: {} build cache", pm.name), &pm.cache.build);
            for lock in &pm.lockfiles {
                assert!(
                    pm.manifests.contains(lock),
                    "{file}: {} lockfile {lock} is not among its manifests",
                    pm.name
                );
            }
            assert!(
                !pm.install.is_empty(),
                "{file}: {} has no install command",
                pm.name
            );
            let files: Vec<String> = pm.evidence.files.iter().map(|r| r.path.clone()).collect();
            assert_sorted_unique(&format!("{file}: {} evidence files", pm.name), &files);
        }
    }
    let system = raw_system();
    assert_sorted_unique("_system: build_only", &system.system_packages.build_only);
    assert_sorted_unique("_system: runtime_files", &system.runtime_files);
    assert_sorted_unique("_system: dockerignore", &system.dockerignore);
    assert_sorted_unique("_system: skip_dirs", &system.skip_dirs);
    assert_sorted_unique("_system: command_prefixes", &system.command_prefixes);
    let builds: Vec<String> = system
        .system_packages
        .runtime
        .iter()
        .map(|r| format!("{} {}", r.build, r.family.as_deref().unwrap_or("")))
        .collect();
    assert_sorted_unique("_system: runtime package map (build, family)", &builds);
    // A build-only package shared by all must not also be defined by a profile.
    for (file, p) in raw_profiles() {
        for rule in &p.system_packages.runtime {
            assert!(
                !system
                    .system_packages
                    .runtime
                    .iter()
                    .any(|s| s.build == rule.build && s.family == rule.family),
                "{file}: {} is already mapped in _system.yaml",
                rule.build
            );
        }
    }
}

#[test]
fn every_reference_resolves() {
    let bool_facts = ["uses_cgo", "web_sdk", "workspace", "has_lockfile"];
    for p in builtin().iter() {
        assert!(
            p.package_manager(&p.default_package_manager).is_some(),
            "{}: default package manager missing",
            p.name
        );
        let produced: BTreeSet<&str> = p.facts.iter().map(|f| f.name.as_str()).collect();
        let known = |f: &str| bool_facts.contains(&f) || produced.contains(f);
        for rule in &p.runtime_images.rules {
            for f in rule.when.iter().chain(&rule.unless) {
                assert!(
                    known(f),
                    "{}: runtime rule for {} names unknown fact {f}",
                    p.name,
                    rule.builder
                );
            }
        }
        for pm in &p.package_managers {
            for env in &pm.env {
                for f in env.when.iter().chain(&env.unless) {
                    assert!(
                        known(f),
                        "{}: {} env {} names unknown fact {f}",
                        p.name,
                        pm.name,
                        env.name
                    );
                }
            }
            // `{exe}` needs an executable or a wrapper.
            let commands = [Some(&pm.install), pm.build.as_ref(), pm.test.as_ref()];
            if commands.iter().flatten().any(|c| c.contains("{exe}")) {
                assert!(
                    pm.executable.is_some(),
                    "{}: {} uses {{exe}} without an executable",
                    p.name,
                    pm.name
                );
            }
        }
        // Runtime needs only name facts the profile produces.
        for rule in &p.runtime_needs.packages {
            for f in rule.when.iter().chain(&rule.unless) {
                assert!(
                    known(f),
                    "{}: runtime_needs package rule names unknown fact {f}",
                    p.name
                );
            }
            assert!(
                !rule.packages.is_empty() && !rule.families.is_empty(),
                "{}: empty runtime_needs rule",
                p.name
            );
        }
        // Cross-compilation names facts the profile produces, and tools it has versions of.
        if let Some(cross) = &p.cross {
            for condition in cross.requires.iter().chain(&cross.unless) {
                assert!(
                    known(&condition.fact),
                    "{}: cross names unknown fact {}",
                    p.name,
                    condition.fact
                );
            }
            if let Some(min) = &cross.min_version {
                assert!(
                    p.versions.iter().any(|v| v.name == min.tool),
                    "{}: cross min_version names {}, which no version probe reads",
                    p.name,
                    min.tool
                );
            }
            assert!(
                !cross.args.is_empty() && !cross.commands.is_empty(),
                "{}: cross needs args and commands",
                p.name
            );
        }
        for rule in &p.runtime_needs.conventions {
            assert!(
                known(&rule.when),
                "{}: convention names unknown fact {}",
                p.name,
                rule.when
            );
        }
        if let Some(key) = &p.runtime_images.version_key {
            assert!(
                p.versions.iter().any(|v| &v.name == key),
                "{}: version_key {key} has no version probe",
                p.name
            );
        }
        // Artifact names only use facts the profile can produce (or generic ones).
        let generic = [
            "binary",
            "artifact_version",
            "packaging",
            "final_name",
            "exe",
        ];
        for name in &p.artifacts.names {
            for key in placeholders(name) {
                assert!(
                    generic.contains(&key.as_str()) || produced.contains(key.as_str()),
                    "{}: artifact name {name} uses {key}",
                    p.name
                );
            }
        }
    }
}

#[test]
fn runtime_tools_name_known_tools_and_end_with_a_catch_all() {
    let system = raw_system();
    let tools = &system.runtime_tools;
    let names: Vec<String> = tools.tools.iter().map(|t| t.name.clone()).collect();
    assert_sorted_unique("_system: runtime_tools.tools", &names);
    for rule in &tools.images {
        assert_sorted_unique("_system: runtime_tools.images has", &rule.has);
        for tool in &rule.has {
            assert!(
                names.contains(tool),
                "runtime_tools.images names unknown tool {tool}"
            );
        }
    }
    let last = tools.images.last().expect("runtime_tools.images is empty");
    assert!(
        last.image.is_none() && last.tag.is_none() && last.family.is_none(),
        "the last runtime_tools.images rule must match every image"
    );
    assert_eq!(
        tools.present("node", Some("20-slim"), "debian"),
        ["bash", "sh"]
    );
    assert!(
        tools
            .present(
                "gcr.io/distroless/static-debian12",
                Some("nonroot"),
                "distroless"
            )
            .is_empty()
    );
    assert!(
        tools
            .present("alpine", Some("3"), "alpine")
            .contains(&"wget".to_string())
    );
}

fn placeholders(template: &str) -> Vec<String> {
    template
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(k, _)| k.to_string()))
        .collect()
}

fn facts(f: impl FnOnce(&mut Facts)) -> Facts {
    let mut facts = Facts::default();
    f(&mut facts);
    facts
}

#[test]
fn runtime_images_carry_tags_and_versions_over() {
    let reg = builtin();
    let none = BTreeMap::new();
    let versions = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let map = |profile: &str, builder: &str, facts: &Facts, v: &BTreeMap<String, String>| {
        reg.get(profile)
            .unwrap()
            .runtime_image_for(builder, facts, v)
            .unwrap()
    };
    let plain = Facts::default();
    let web = facts(|f| f.web_sdk = true);
    let cgo = facts(|f| f.uses_cgo = true);
    assert_eq!(
        map("python", "python:3.11", &plain, &none),
        "python:3.11-slim"
    );
    assert_eq!(
        map("python", "python:3.12-alpine3.19", &plain, &none),
        "python:3.12-alpine"
    );
    assert_eq!(
        map(
            "python",
            "ubuntu:22.04",
            &plain,
            &versions(&[("python", "3.10")])
        ),
        "python:3.10-slim"
    );
    assert_eq!(
        map("node", "node:18-alpine", &plain, &none),
        "node:18-alpine"
    );
    assert_eq!(map("node", "node:20", &plain, &none), "node:20-slim");
    assert_eq!(
        map("node", "cimg/node:16.20", &plain, &none),
        "node:16.20-slim"
    );
    assert_eq!(map("node", "node", &plain, &none), "node:lts-slim");
    assert_eq!(
        map("go", "golang:1.22-alpine", &plain, &none),
        "gcr.io/distroless/static-debian12:nonroot"
    );
    assert_eq!(map("go", "golang:1.22-alpine", &cgo, &none), "alpine:3");
    assert_eq!(
        map("go", "golang:1.22-alpine3.19", &cgo, &none),
        "alpine:3.19"
    );
    let bullseye_cgo = facts(|f| {
        f.uses_cgo = true;
        f.image_release = Some("bullseye".into());
    });
    assert_eq!(
        map("go", "golang:1.21-bullseye", &bullseye_cgo, &none),
        "debian:bullseye-slim"
    );
    assert_eq!(
        map("go", "golang:1.21", &cgo, &none),
        "debian:bookworm-slim"
    );
    assert_eq!(
        map("dotnet", "mcr.microsoft.com/dotnet/sdk:8.0", &web, &none),
        "mcr.microsoft.com/dotnet/aspnet:8.0"
    );
    assert_eq!(
        map("dotnet", "mcr.microsoft.com/dotnet/sdk:8.0", &plain, &none),
        "mcr.microsoft.com/dotnet/runtime:8.0"
    );
    assert_eq!(
        map(
            "dotnet",
            "mcr.microsoft.com/dotnet/core/sdk:3.1",
            &web,
            &none
        ),
        "mcr.microsoft.com/dotnet/core/aspnet:3.1"
    );
    assert_eq!(
        map("dotnet", "microsoft/dotnet:2.0-sdk", &web, &none),
        "microsoft/dotnet:2.0-aspnetcore-runtime"
    );
    assert_eq!(
        map("dotnet", "microsoft/dotnet:2.0-sdk", &plain, &none),
        "microsoft/dotnet:2.0-runtime"
    );
    assert_eq!(
        map(
            "dotnet",
            "ubuntu:22.04",
            &web,
            &versions(&[("dotnet", "3.1")])
        ),
        "mcr.microsoft.com/dotnet/aspnet:3.1"
    );
    let java17 = versions(&[("java", "17")]);
    assert_eq!(
        map("java-maven", "maven:3.8.6-openjdk-17-slim", &plain, &java17),
        "eclipse-temurin:17-jre"
    );
    assert_eq!(
        map("java-gradle", "gradle:jdk17-alpine", &plain, &java17),
        "eclipse-temurin:17-jre-alpine"
    );
    assert_eq!(
        map("java-maven", "maven:3-jdk-8", &plain, &none),
        "eclipse-temurin:17-jre"
    );
    assert_eq!(
        map("rust", "rust:1.80", &plain, &none),
        "debian:bookworm-slim"
    );
    let bullseye = facts(|f| f.image_release = Some("bullseye".into()));
    assert_eq!(
        map("rust", "rust:1.70-slim-bullseye", &bullseye, &none),
        "debian:bullseye-slim"
    );
    assert_eq!(map("rust", "rust:1.80-alpine", &plain, &none), "alpine:3");
    assert_eq!(map("rust", "alpine:3.20", &plain, &none), "alpine:3.20");
    assert_eq!(
        map("rust", "clux/muslrust:stable", &plain, &none),
        "alpine:3"
    );
    assert_eq!(
        map("node", "mhart/alpine-node:16", &plain, &none),
        "node:16-alpine"
    );
    assert_eq!(
        map(
            "python",
            "ghcr.io/astral-sh/uv:python3.12-bookworm-slim",
            &plain,
            &none
        ),
        "python:3.12-slim"
    );
    assert_eq!(map("python", "pypy", &plain, &none), "pypy:3-slim");
}

#[test]
fn build_only_packages_map_to_runtime_packages() {
    let reg = builtin();
    let python = reg.get("python").unwrap();
    let install = |s: &str| Some(RuntimePackage::Install(s.to_string()));
    assert_eq!(
        python.runtime_package_for("libpq-dev", Some("debian")),
        install("libpq5")
    );
    assert_eq!(
        python.runtime_package_for("libssl-dev", Some("debian")),
        install("libssl3")
    );
    assert_eq!(
        python.runtime_package_for("libffi-dev", Some("debian")),
        install("libffi8")
    );
    assert_eq!(
        python.runtime_package_for("libffi-dev", Some("alpine")),
        install("libffi")
    );
    assert_eq!(
        python.runtime_package_for("libjpeg-dev", Some("debian")),
        install("libjpeg62-turbo")
    );
    assert_eq!(
        python.runtime_package_for("postgresql-dev", Some("alpine")),
        install("libpq")
    );
    for build_only in [
        "gcc",
        "g++",
        "make",
        "build-essential",
        "musl-dev",
        "pkg-config",
        "python3-dev",
        "libxyz-dev",
    ] {
        assert_eq!(
            python.runtime_package_for(build_only, Some("debian")),
            Some(RuntimePackage::Drop),
            "{build_only}"
        );
    }
    assert_eq!(python.runtime_package_for("curl", Some("debian")), None);
    assert_eq!(python.runtime_package_for("tini", None), None);
    let maven = reg.get("java-maven").unwrap();
    assert_eq!(
        maven.runtime_package_for("openjdk-17-jdk", Some("ubuntu")),
        install("openjdk-17-jre-headless")
    );
    assert_eq!(
        maven.runtime_package_for("openjdk17-jdk", Some("alpine")),
        install("openjdk17-jre")
    );
    assert_eq!(
        maven.runtime_package_for("maven", None),
        Some(RuntimePackage::Drop)
    );
    let go = reg.get("go").unwrap();
    assert_eq!(
        go.runtime_package_for("golang-go", Some("ubuntu")),
        Some(RuntimePackage::Drop)
    );
    let dotnet = reg.get("dotnet").unwrap();
    assert_eq!(
        dotnet.runtime_package_for("dotnet-sdk-3.1", Some("ubuntu")),
        install("aspnetcore-runtime-3.1")
    );
}

#[test]
fn entrypoints_translate_build_at_start_commands() {
    let reg = builtin();
    let words = |s: &str| -> Vec<String> { s.split_whitespace().map(String::from).collect() };
    let rule = |p: &str, cmd: &str| {
        reg.get(p)
            .unwrap()
            .entrypoint_for(&words(cmd))
            .map(|r| r.command.clone())
    };
    assert_eq!(rule("go", "go run main.go").as_deref(), Some("go run"));
    assert_eq!(
        rule("rust", "cargo run --release").as_deref(),
        Some("cargo run")
    );
    assert_eq!(
        rule("dotnet", "dotnet watch run").as_deref(),
        Some("dotnet watch")
    );
    assert_eq!(
        rule("dotnet", "dotnet ef database update").as_deref(),
        Some("dotnet ef")
    );
    assert_eq!(
        rule("java-maven", "./mvnw spring-boot:run").as_deref(),
        Some("mvnw spring-boot:run")
    );
    assert_eq!(
        rule("java-maven", "mvn spring-boot:run").as_deref(),
        Some("mvn spring-boot:run")
    );
    assert_eq!(
        rule("java-gradle", "gradle bootRun").as_deref(),
        Some("gradle bootRun")
    );
    assert_eq!(
        rule("node", "npm run preview").as_deref(),
        Some("npm run preview")
    );
    assert_eq!(rule("node", "serve -s build").as_deref(), Some("serve"));
    let dotnet = reg.get("dotnet").unwrap();
    let run = dotnet.entrypoint_for(&words("dotnet run")).unwrap();
    let f = facts(|f| f.binary = Some("Api".into()));
    let exec: Vec<String> = run
        .exec
        .as_ref()
        .unwrap()
        .iter()
        // `{args}` and `{rest}` are whole-word placeholders the planner fills from the command.
        .filter(|t| !matches!(t.as_str(), "{args}" | "{rest}"))
        .map(|t| f.render(&t.replace("{artifact}", "/app")).unwrap())
        .collect();
    assert_eq!(exec, ["dotnet", "/app/Api.dll"]);
    // The program's own arguments (`dotnet run -- 1666`) are passed on.
    assert!(run.exec.as_ref().unwrap().iter().any(|t| t == "{args}"));
    assert!(
        dotnet
            .entrypoint_for(&words("dotnet ef database update"))
            .unwrap()
            .needs_toolchain
    );
    assert!(
        reg.get("node")
            .unwrap()
            .entrypoint_for(&words("npm run preview"))
            .unwrap()
            .needs_dev_dependencies
    );
}

#[test]
fn artifact_names_come_from_facts() {
    let reg = builtin();
    let maven = reg.get("java-maven").unwrap();
    let pom = facts(|f| {
        f.binary = Some("demo".into());
        f.artifact_version = Some("0.0.1-SNAPSHOT".into());
    });
    assert_eq!(
        maven.artifacts.name_for(&pom).as_deref(),
        Some("demo-0.0.1-SNAPSHOT.jar")
    );
    let final_name = facts(|f| {
        f.binary = Some("demo".into());
        f.final_name = Some("app".into());
    });
    assert_eq!(
        maven.artifacts.name_for(&final_name).as_deref(),
        Some("app.jar")
    );
    for excluded in [
        "demo-0.1-plain.jar",
        "original-demo.jar",
        "demo-sources.jar",
    ] {
        assert!(maven.artifacts.is_excluded(excluded), "{excluded}");
    }
    assert!(!maven.artifacts.is_excluded("demo-0.1.jar"));
}

#[test]
fn package_managers_resolve_by_name_or_alias() {
    let reg = builtin();
    let maven = reg.get("java-maven").unwrap();
    assert_eq!(
        maven.package_manager("mvnw").map(|p| p.name.as_str()),
        Some("maven")
    );
    let node = reg.get("node").unwrap();
    assert_eq!(
        node.package_manager("pnpm").map(|p| p.name.as_str()),
        Some("pnpm")
    );
    assert!(node.package_manager("cargo").is_none());
    let go = reg.get("go").unwrap().package_manager("go").unwrap();
    let no_cgo = go.env_for(&Facts::default());
    assert_eq!(no_cgo, [("CGO_ENABLED".to_string(), "0".to_string())]);
    let with_cgo = go.env_for(&facts(|f| f.uses_cgo = true));
    assert_eq!(with_cgo, [("CGO_ENABLED".to_string(), "1".to_string())]);
}

fn override_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn builtin_text(file: &str) -> &'static str {
    BUILTIN_FILES.iter().find(|(n, _)| *n == file).unwrap().1
}

#[test]
fn unknown_fields_are_rejected_with_file_and_line() {
    let text = builtin_text("go.yaml").replacen(
        "default_package_manager: go",
        "default_package_manager: go\ncolour: red",
        1,
    );
    let line = text.lines().position(|l| l.starts_with("colour:")).unwrap() + 1;
    let dir = override_dir(&[("go.yaml", &text)]);
    let err = Registry::load(Some(dir.path())).unwrap_err();
    let message = err.to_string();
    let path = dir.path().join("go.yaml");
    assert!(
        message.starts_with(&format!("{}:{line}:", path.display())),
        "{message}"
    );
    assert!(message.contains("colour"), "{message}");
    assert_eq!(err.kind, restage::ErrorKind::Profile);

    // Nested structs reject unknown fields too.
    let text = builtin_text("node.yaml").replacen(
        "    install: npm ci\n",
        "    install: npm ci\n    instal: npm i\n",
        1,
    );
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("instal:"))
        .unwrap()
        + 1;
    let dir = override_dir(&[("node.yaml", &text)]);
    let message = Registry::load(Some(dir.path())).unwrap_err().to_string();
    assert!(message.contains(&format!("node.yaml:{line}:")), "{message}");
    assert!(message.contains("instal"), "{message}");
}

#[test]
fn a_misspelt_artifact_kind_is_rejected_with_file_and_line() {
    // `output-dir` (no s) once silently took the compiled runtime path.
    let text =
        builtin_text("node.yaml").replacen("  kind: output-dirs\n", "  kind: output-dir\n", 1);
    let line = text
        .lines()
        .position(|l| l == "  kind: output-dir")
        .expect("node.yaml has an artifacts.kind line")
        + 1;
    let dir = override_dir(&[("node.yaml", &text)]);
    let err = Registry::load(Some(dir.path())).unwrap_err();
    let message = err.to_string();
    let path = dir.path().join("node.yaml");
    assert!(
        message.starts_with(&format!("{}:{line}:", path.display())),
        "{message}"
    );
    assert!(message.contains("output-dir"), "{message}");
    assert!(
        !message.contains(&format!("line {line} column")),
        "the position is given once: {message}"
    );
    assert_eq!(err.kind, restage::ErrorKind::Profile);

    // The kebab-case spellings all load.
    for kind in ["binary", "jar", "assembly", "output-dirs", "python-env"] {
        let text = builtin_text("node.yaml").replacen(
            "  kind: output-dirs\n",
            &format!("  kind: {kind}\n"),
            1,
        );
        let dir = override_dir(&[("node.yaml", &text)]);
        let registry = Registry::load(Some(dir.path())).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let loaded = registry.get("node").expect("node").artifacts.kind;
        assert_eq!(serde_json::to_value(loaded).unwrap(), kind);
    }
}

#[test]
fn runtime_installers_come_from_the_system_installers() {
    let system = builtin().system();
    for (family, manager) in [
        ("debian", "apt"),
        ("ubuntu", "apt"),
        ("alpine", "apk"),
        ("rhel", "microdnf"),
        ("distroless", "apt"),
    ] {
        assert_eq!(system.runtime_installer(family), manager, "{family}");
    }
    // Each marked installer is one the detection side knows as an installer of its family.
    for installer in system.installers.iter().filter(|i| i.runtime) {
        assert!(
            system.flavors.iter().any(|f| f.family == installer.family),
            "{}: no flavour gives the {} family",
            installer.command,
            installer.family
        );
    }
}

#[test]
fn a_system_file_needs_one_runtime_installer_per_family_and_one_at_least() {
    let system = builtin_text("_system.yaml");
    let twice = system.replacen(
        "  - {command: apt-get install, family: debian,",
        "  - {command: apt-get install, runtime: true, family: debian,",
        1,
    );
    assert_ne!(twice, system);
    // The second one marked for the family is the one reported.
    let line = twice
        .lines()
        .position(|l| l.starts_with("  - {command: apt install,"))
        .unwrap()
        + 1;
    let dir = override_dir(&[("_system.yaml", &twice)]);
    let message = Registry::load(Some(dir.path())).unwrap_err().to_string();
    assert!(
        message.contains(&format!("_system.yaml:{line}:")),
        "{message}"
    );
    assert!(message.contains("debian"), "{message}");

    let none = system.replace(", runtime: true}", "}");
    assert_ne!(none, system);
    let dir = override_dir(&[("_system.yaml", &none)]);
    let message = Registry::load(Some(dir.path())).unwrap_err().to_string();
    assert!(message.contains("runtime: true"), "{message}");

    // A misspelt field next to it is still an unknown field.
    let typo = system.replacen(", runtime: true}", ", runtme: true}", 1);
    let dir = override_dir(&[("_system.yaml", &typo)]);
    let message = Registry::load(Some(dir.path())).unwrap_err().to_string();
    assert!(message.contains("runtme"), "{message}");
}

#[test]
fn broken_cross_references_are_rejected_with_file_and_line() {
    let text = builtin_text("rust.yaml").replacen(
        "default_package_manager: cargo",
        "default_package_manager: xargo",
        1,
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("default_package_manager:"))
        .unwrap()
        + 1;
    let dir = override_dir(&[("rust.yaml", &text)]);
    let message = Registry::load(Some(dir.path())).unwrap_err().to_string();
    assert!(message.contains(&format!("rust.yaml:{line}:")), "{message}");
    assert!(message.contains("xargo"), "{message}");

    let text = builtin_text("rust.yaml").replacen(
        "description: >-",
        "description: ''\nx_description: >-",
        1,
    );
    let dir = override_dir(&[("rust.yaml", &text)]);
    assert!(Registry::load(Some(dir.path())).is_err());
}

#[test]
fn a_profiles_dir_adds_and_overrides_profiles() {
    let node = builtin_text("node.yaml")
        .replacen("name: node", "name: node\n# overridden", 1)
        .replacen(
            "description: >-",
            "description: >-\n  Overridden node profile for a test.",
            1,
        );
    let zig = builtin_text("go.yaml")
        .replacen("name: go", "name: zig", 1)
        .replacen(
            "description: >-",
            "description: >-\n  A made-up zig profile for a test, copied from go.",
            1,
        );
    let dir = override_dir(&[
        ("node.yaml", &node),
        ("zig.yml", &zig),
        ("notes.txt", "ignored"),
    ]);
    let reg = Registry::load(Some(dir.path())).unwrap();
    let names: Vec<&str> = reg.names().collect();
    assert_eq!(
        names,
        [
            "dotnet",
            "go",
            "java-gradle",
            "java-maven",
            "node",
            "python",
            "rust",
            "zig"
        ]
    );
    assert!(
        reg.get("node")
            .unwrap()
            .description
            .starts_with("Overridden node profile")
    );
    assert_eq!(
        reg.origin("node"),
        Some(dir.path().join("node.yaml").to_string_lossy().as_ref())
    );
    assert_eq!(reg.origin("go"), Some("language-profiles/go.yaml"));
    // Shared rules are merged into overrides as well.
    assert!(
        reg.get("zig")
            .unwrap()
            .system_packages
            .build_only
            .iter()
            .any(|p| p == "gcc")
    );
    // Without a directory the registry equals the built-in one.
    let plain = Registry::load(None).unwrap();
    assert_eq!(plain.len(), 7);
    assert_eq!(plain.get("node"), builtin().get("node"));
}

#[test]
fn merged_profiles_include_the_shared_lists() {
    let reg = builtin();
    for p in reg.iter() {
        for common in ["templates", "static", "migrations"] {
            assert!(
                p.runtime_files.iter().any(|f| f == common),
                "{}: {common}",
                p.name
            );
        }
        assert!(p.dockerignore.iter().any(|f| f == ".git"), "{}", p.name);
        assert!(
            p.system_packages.build_only.iter().any(|f| f == "*-dev"),
            "{}",
            p.name
        );
    }
}

#[test]
fn every_recognised_builder_image_maps_to_a_tagged_runtime_image() {
    let none = BTreeMap::new();
    for p in builtin().iter() {
        for rule in &p.detect.images {
            if restage::profile::pattern::is_glob(&rule.image) {
                continue;
            }
            let tag = match &rule.tag {
                Some(t) => t.replacen('*', "2.0-", 1).replace('*', ""),
                None => "1.0".to_string(),
            };
            for builder in [format!("{}:{tag}", rule.image), rule.image.clone()] {
                let image = p
                    .runtime_image_for(&builder, &Facts::default(), &none)
                    .unwrap_or_else(|| panic!("{}: {builder} maps to nothing", p.name));
                let last = image.rsplit('/').next().unwrap();
                assert!(
                    !image.contains('{')
                        && last.split_once(':').is_some_and(|(_, t)| !t.is_empty()),
                    "{}: {builder} maps to {image}",
                    p.name
                );
            }
        }
    }
}

/// build.rs embeds the profiles as JSON for a fast start-up; the YAML stays the source of truth.
#[test]
fn embedded_json_matches_the_yaml() {
    let from_json = Registry::builtin().expect("embedded profiles load");
    let from_yaml = Registry::builtin_from_yaml().expect("YAML profiles load");
    assert_eq!(from_json.system(), from_yaml.system());
    let json: Vec<_> = from_json.iter().collect();
    let yaml: Vec<_> = from_yaml.iter().collect();
    assert_eq!(json.len(), 7);
    assert_eq!(json, yaml);
}

#[test]
fn compiled_dockerignore_lines_match_like_freshly_parsed_ones() {
    use restage::source::DockerIgnore;
    let registry = builtin();
    let lines: Vec<&String> = registry
        .system()
        .dockerignore
        .iter()
        .chain(registry.iter().flat_map(|p| p.dockerignore.iter()))
        .collect();
    assert!(lines.len() > 5);
    let paths = [
        "node_modules/x/index.js",
        "target/app.jar",
        ".git/HEAD",
        "src/main.rs",
        ".env",
        "bin/Debug/app.dll",
        "__pycache__/m.pyc",
    ];
    for line in lines.into_iter().chain([&"not/a/profile/line".to_string()]) {
        let cached = registry.dockerignore_line(line);
        let fresh = DockerIgnore::parse(line);
        assert_eq!(cached.patterns(), fresh.patterns(), "{line}");
        for path in paths {
            assert_eq!(
                cached.is_excluded(path),
                fresh.is_excluded(path),
                "{line} on {path}"
            );
        }
    }
}

#[test]
fn a_pem_is_a_credential_only_with_a_private_key() {
    let system = raw_system();
    let rule = system
        .secrets
        .files
        .iter()
        .find(|r| r.matches_name("certs/client.pem"))
        .expect("a rule for *.pem");
    let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    assert!(!rule.holds_secret(cert), "a CA certificate is no secret");
    for key in [
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
        "-----BEGIN EC PRIVATE KEY-----\r\nMHc\r\n-----END EC PRIVATE KEY-----\r\n",
    ] {
        assert!(rule.holds_secret(&format!("{cert}{key}")), "{key}");
    }
}

#[test]
fn persisting_commands_are_command_rules() {
    let system = raw_system();
    assert!(!system.secrets.persist.is_empty());
    for rule in &system.secrets.persist {
        assert!(
            rule.split_whitespace().count() >= 2 && !rule.contains('!'),
            "secrets.persist: {rule} names a program and what it stores"
        );
    }
}
