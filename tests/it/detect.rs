//! Detection: fixture snapshots, accuracy over the fixture corpus, and focused behaviour tests.

use restage::detect::{Detection, detect, infer_context};
use restage::profile::Registry;
use restage::source::{FsContext, MemoryContext};
use serde::Deserialize;
use std::path::{Path, PathBuf};

fn registry() -> &'static Registry {
    Registry::builtin().expect("built-in profiles")
}

fn run(dockerfile: &str, ctx: &MemoryContext) -> Detection {
    let df = restage::syntax::parse(dockerfile);
    detect(&df, ctx, registry())
}

fn ctx(files: &[(&str, &str)]) -> MemoryContext {
    let mut ctx = MemoryContext::new();
    for (path, text) in files {
        ctx.add_file(path, *text);
    }
    ctx
}

// ---------------------------------------------------------------------------------------------
// Fixture folders: tests/fixtures/cases/<case>/ (shared corpus) and tests/fixtures/detect/<case>/
// (detection-only cases).

#[derive(Debug, Default, Deserialize)]
struct CaseFile {
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    dockerfile: Option<String>,
    #[serde(default)]
    context: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Expect {
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    package_manager: Option<String>,
    #[serde(default)]
    wrapper: Option<bool>,
}

struct Case {
    name: String,
    dir: PathBuf,
    spec: CaseFile,
}

fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for area in ["cases", "detect"] {
        let Ok(entries) = std::fs::read_dir(fixture_root().join(area)) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("case.yaml").is_file())
            .collect();
        dirs.sort();
        for dir in dirs {
            let text = std::fs::read_to_string(dir.join("case.yaml")).unwrap();
            let spec: CaseFile =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let name = format!("{area}-{}", dir.file_name().unwrap().to_string_lossy());
            out.push(Case { name, dir, spec });
        }
    }
    out
}

fn tidy(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Detect one case the way the CLI does: infer the context, then detect.
fn detect_case(case: &Case) -> (Detection, PathBuf) {
    let file = case
        .dir
        .join(case.spec.dockerfile.as_deref().unwrap_or("Dockerfile"));
    let text = String::from_utf8(
        std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
    )
    .unwrap();
    let df = restage::syntax::parse(&text);
    let choice = infer_context(&file, &df, Some(&case.dir));
    let dir = tidy(&choice.dir);
    let ctx = FsContext::new(&dir);
    let mut detection = detect(&df, &ctx, registry());
    detection.evidence.extend(choice.evidence);
    (detection, dir)
}

#[test]
fn fixture_cases_exist() {
    assert!(
        cases().len() >= 8 * 7,
        "expected the fixture corpus, found {} cases",
        cases().len()
    );
}

#[test]
fn fixture_detections_match_snapshots() {
    for case in cases() {
        let (detection, _) = detect_case(&case);
        insta::assert_json_snapshot!(case.name.clone(), detection);
    }
}

#[test]
fn fixture_build_contexts_are_inferred() {
    let mut misses = Vec::new();
    for case in cases() {
        let (_, dir) = detect_case(&case);
        let file = case
            .dir
            .join(case.spec.dockerfile.as_deref().unwrap_or("Dockerfile"));
        let expected = match &case.spec.context {
            Some(c) => tidy(&case.dir.join(c)),
            None => tidy(file.parent().unwrap()),
        };
        if dir != expected {
            misses.push(format!(
                "{}: inferred {} expected {}",
                case.name,
                dir.display(),
                expected.display()
            ));
        }
    }
    assert!(
        misses.is_empty(),
        "context inference misses:\n{}",
        misses.join("\n")
    );
}

#[test]
fn accuracy_profile_always_package_manager_95_percent() {
    let mut profile_misses = Vec::new();
    let mut pm_misses = Vec::new();
    let mut wrapper_misses = Vec::new();
    let mut pm_total = 0usize;
    for case in cases() {
        let Some(expect) = &case.spec.expect else {
            continue;
        };
        let (d, _) = detect_case(&case);
        let expected_profile = expect.profile.as_deref().filter(|p| *p != "null");
        if d.profile.as_deref() != expected_profile {
            profile_misses.push(format!(
                "{}: got {:?} expected {:?} (scores {:?}, reason {:?})",
                case.name,
                d.profile,
                expected_profile,
                d.scores
                    .iter()
                    .map(|s| format!("{} {}", s.profile, s.total))
                    .collect::<Vec<_>>(),
                d.reason
            ));
            continue;
        }
        if let Some(expected_pm) = expect.package_manager.as_deref().filter(|p| *p != "null") {
            pm_total += 1;
            let profile = d.profile.as_deref().and_then(|p| registry().get(p));
            let matches = match (profile, d.package_manager.as_deref()) {
                (Some(p), Some(got)) => p
                    .package_manager(got)
                    .is_some_and(|pm| pm.is_called(expected_pm)),
                _ => false,
            };
            if !matches {
                pm_misses.push(format!(
                    "{}: got {:?} expected {expected_pm}",
                    case.name, d.package_manager
                ));
            }
        }
        if let Some(wrapper) = expect.wrapper
            && d.facts.wrapper.is_some() != wrapper
        {
            wrapper_misses.push(format!(
                "{}: wrapper {:?}, expected {wrapper}",
                case.name, d.facts.wrapper
            ));
        }
    }
    assert!(
        profile_misses.is_empty(),
        "profile misses:\n{}",
        profile_misses.join("\n")
    );
    let hits = pm_total - pm_misses.len();
    assert!(
        pm_total == 0 || hits as f64 / pm_total as f64 >= 0.95,
        "package manager right in {hits} of {pm_total}; misses:\n{}",
        pm_misses.join("\n")
    );
    assert!(
        wrapper_misses.is_empty(),
        "wrapper misses:\n{}",
        wrapper_misses.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Focused behaviour.

#[test]
fn what_the_dockerfile_does_outweighs_a_stray_package_json() {
    let c = ctx(&[
        (
            "package.json",
            r#"{"name":"tools","devDependencies":{"prettier":"3"}}"#,
        ),
        ("package-lock.json", "{}"),
        (
            "pom.xml",
            "<project><artifactId>shop</artifactId><version>1.2.0</version></project>",
        ),
        ("src/main/java/App.java", "class App {}"),
    ]);
    let d = run(
        "FROM maven:3.9-eclipse-temurin-21\nWORKDIR /app\nCOPY . .\nRUN mvn -B package -DskipTests\nCMD [\"java\",\"-jar\",\"target/shop-1.2.0.jar\"]\n",
        &c,
    );
    assert_eq!(d.profile.as_deref(), Some("java-maven"));
    assert_eq!(d.package_manager.as_deref(), Some("maven"));
    assert_eq!(d.versions.get("java").map(String::as_str), Some("21"));
    assert_eq!(d.facts.binary.as_deref(), Some("shop"));
    assert_eq!(d.facts.artifact_version.as_deref(), Some("1.2.0"));
    assert!(
        d.scores.iter().any(|s| s.profile == "node"),
        "node still scored: {:?}",
        d.scores
    );
    assert!(
        d.evidence.iter().any(|e| e.starts_with("runner-up: node")),
        "{:?}",
        d.evidence
    );
}

fn synthetic_registry(profiles: &[&str]) -> Registry {
    let system = restage::profile::BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == "_system.yaml")
        .unwrap()
        .1;
    let mut files = vec![(PathBuf::from("_system.yaml"), system.to_string())];
    for (i, p) in profiles.iter().enumerate() {
        files.push((PathBuf::from(format!("p{i}.yaml")), p.to_string()));
    }
    Registry::from_files(&files).unwrap()
}

fn synthetic(name: &str, image_weight: f64, file_copied: f64, file_present: f64) -> String {
    format!(
        "name: {name}\ndescription: a synthetic profile for the tie-break test\ndetect:\n  images:\n    - {{image: shared, weight: {image_weight}}}\n  files:\n    - {{path: manifest.{name}, copied: {file_copied}, present: {file_present}}}\ndefault_package_manager: tool\npackage_managers:\n  - name: tool\n    manifests: [manifest.{name}]\n    install: tool install\nartifacts:\n  kind: binary\nruntime_images:\n  rules: []\n  default: \"scratch:1\"\n"
    )
}

#[test]
fn ties_go_to_the_higher_dockerfile_score_then_the_name() {
    // Equal totals and equal Dockerfile scores: the name decides.
    let reg = synthetic_registry(&[
        &synthetic("zeta", 10.0, 0.0, 0.0),
        &synthetic("alpha", 10.0, 0.0, 0.0),
    ]);
    let df = restage::syntax::parse("FROM shared:1\n");
    let d = detect(&df, &MemoryContext::new(), &reg);
    assert_eq!(d.profile.as_deref(), Some("alpha"));
    assert_eq!(d.scores[0].total, d.scores[1].total);
    assert!(
        d.confidence <= 0.5,
        "a dead heat is not confident: {}",
        d.confidence
    );

    // Equal totals: the one whose evidence comes from the Dockerfile wins over context files.
    let reg = synthetic_registry(&[
        &synthetic("alpha", 6.0, 0.0, 4.0),
        &synthetic("zeta", 4.0, 6.0, 0.0),
    ]);
    let df = restage::syntax::parse("FROM shared:1\nCOPY manifest.zeta ./\n");
    let c = ctx(&[("manifest.alpha", "x"), ("manifest.zeta", "x")]);
    let d = detect(&df, &c, &reg);
    assert_eq!(d.scores[0].total, d.scores[1].total, "{:?}", d.scores);
    assert_eq!(d.profile.as_deref(), Some("zeta"));
    assert_eq!(d.scores[0].dockerfile, 10.0);
}

#[test]
fn nothing_matching_is_a_null_profile_with_a_reason() {
    let d = run(
        "FROM nginx:alpine\nCOPY site/ /usr/share/nginx/html/\n",
        &MemoryContext::new(),
    );
    assert_eq!(d.profile, None);
    assert_eq!(d.package_manager, None);
    assert_eq!(d.confidence, 0.0);
    assert!(
        d.reason
            .as_deref()
            .is_some_and(|r| r.contains("nginx:alpine")),
        "{:?}",
        d.reason
    );
    assert_eq!(d.facts.image_family.as_deref(), Some("alpine"));

    // Stray files alone do not make a profile.
    let c = ctx(&[
        ("scripts/build.py", "print(1)"),
        ("requirements.txt", "requests\n"),
    ]);
    let d = run(
        "FROM alpine:3.19\nCOPY entry.sh /\nCMD [\"/entry.sh\"]\n",
        &c,
    );
    assert_eq!(d.profile, None);
    assert!(
        d.reason.as_deref().is_some_and(|r| r.contains("stray")),
        "{:?}",
        d.reason
    );

    // An empty file does not crash either.
    let d = run("", &MemoryContext::new());
    assert_eq!(d.profile, None);
}

#[test]
fn malformed_and_huge_manifests_never_panic() {
    let huge = format!(
        "{{\"name\": \"x\", \"scripts\": {{{}}}}}",
        "\"a\": \"b\",".repeat(300_000)
    );
    let c = ctx(&[
        ("package.json", "{ not json"),
        ("web/package.json", &huge),
        ("go.mod", "module"),
    ]);
    let d = run("FROM node:20\nCOPY package.json ./\nRUN npm install\n", &c);
    assert_eq!(d.profile.as_deref(), Some("node"));
    assert!(
        d.evidence.iter().any(|e| e == "malformed package.json"),
        "{:?}",
        d.evidence
    );
    let c = ctx(&[
        ("Cargo.toml", "[package\nname = "),
        ("pom.xml", "<project><artifactId>"),
    ]);
    let d = run("FROM rust:1.80\nCOPY . .\nRUN cargo build --release\n", &c);
    assert_eq!(d.profile.as_deref(), Some("rust"));
    assert!(
        d.evidence.iter().any(|e| e == "malformed Cargo.toml"),
        "{:?}",
        d.evidence
    );
    assert_eq!(d.facts.binary, None);
}

/// (Dockerfile, expected profile, context files)
type DistroCase<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

#[test]
fn distro_installed_toolchains_are_detected() {
    let cases: &[DistroCase] = &[
        (
            "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y golang-go ca-certificates\nCOPY . /src\nRUN cd /src && go build -o /usr/local/bin/app .\n",
            "go",
            &[
                ("go.mod", "module example.com/app\n\ngo 1.18\n"),
                ("main.go", "package main\n"),
            ],
        ),
        (
            "FROM alpine:3.19\nRUN apk add --no-cache rust cargo\nCOPY . .\nRUN cargo build --release\n",
            "rust",
            &[
                ("Cargo.toml", "[package]\nname = \"tool\"\n"),
                ("src/main.rs", "fn main() {}"),
            ],
        ),
        (
            "FROM debian:bookworm\nRUN apt-get update && apt-get install -y python3 python3-pip\nCOPY requirements.txt .\nRUN pip3 install -r requirements.txt\n",
            "python",
            &[("requirements.txt", "flask\n")],
        ),
        (
            "FROM ubuntu:20.04\nRUN wget https://packages.microsoft.com/config/ubuntu/20.04/packages-microsoft-prod.deb && dpkg -i packages-microsoft-prod.deb && apt-get update && apt-get install -y dotnet-sdk-3.1\nCOPY . .\nRUN dotnet publish -c Release -o out\n",
            "dotnet",
            &[(
                "Api.csproj",
                "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>netcoreapp3.1</TargetFramework></PropertyGroup></Project>",
            )],
        ),
        (
            "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y nodejs npm\nCOPY package.json .\nRUN npm install\n",
            "node",
            &[("package.json", "{}")],
        ),
        (
            "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y openjdk-17-jdk maven\nCOPY pom.xml .\nRUN mvn package\n",
            "java-maven",
            &[("pom.xml", "<project><artifactId>a</artifactId></project>")],
        ),
    ];
    for (dockerfile, expected, files) in cases {
        let d = run(dockerfile, &ctx(files));
        assert_eq!(
            d.profile.as_deref(),
            Some(*expected),
            "{dockerfile}\n{:?}",
            d.scores
        );
        assert!(
            d.evidence.iter().any(|e| e.contains("installs package")),
            "{:?}",
            d.evidence
        );
    }
    let d = run(cases[3].0, &ctx(cases[3].2));
    assert_eq!(d.versions.get("dotnet").map(String::as_str), Some("3.1"));
    assert!(d.facts.web_sdk);
    assert_eq!(d.facts.binary.as_deref(), Some("Api"));
    assert_eq!(d.facts.image_family.as_deref(), Some("ubuntu"));
    assert_eq!(d.facts.image_release.as_deref(), Some("20.04"));
}

#[test]
fn package_managers_follow_commands_and_lockfiles() {
    let py = |df: &str, files: &[(&str, &str)]| run(df, &ctx(files)).package_manager;
    let pyproject =
        "[tool.poetry]\nname = \"svc\"\n[tool.poetry.dependencies]\npython = \"^3.11\"\n";
    assert_eq!(
        py("FROM python:3.11\nCOPY pyproject.toml poetry.lock ./\nRUN pip install poetry && poetry install --no-root\n", &[("pyproject.toml", pyproject), ("poetry.lock", "")]).as_deref(),
        Some("poetry")
    );
    assert_eq!(
        py("FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:0.4.20 /uv /bin/uv\nCOPY . .\nRUN uv sync --frozen\n", &[("pyproject.toml", "[project]\nname='x'\n"), ("uv.lock", "")]).as_deref(),
        Some("uv")
    );
    assert_eq!(py("FROM python:3.10\nCOPY Pipfile* ./\nRUN pip install pipenv && pipenv install --system --deploy\n", &[("Pipfile", ""), ("Pipfile.lock", "{}")]).as_deref(), Some("pipenv"));
    assert_eq!(py("FROM python:3.10\nCOPY requirements.txt .\nRUN python -m pip install -r requirements.txt\n", &[]).as_deref(), Some("pip"));
    assert_eq!(
        py("FROM node:20-alpine\nRUN corepack enable\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm install --frozen-lockfile\n", &[]).as_deref(),
        Some("pnpm")
    );
    assert_eq!(
        py(
            "FROM node:20\nRUN corepack enable\nCOPY package.json ./\nRUN corepack install\n",
            &[("package.json", r#"{"packageManager":"yarn@4.1.0"}"#)]
        )
        .as_deref(),
        Some("yarn")
    );
    assert_eq!(
        py(
            "FROM node:18\nCOPY . .\nRUN yarn install --frozen-lockfile\n",
            &[("yarn.lock", ""), ("package.json", "{}")]
        )
        .as_deref(),
        Some("yarn")
    );
    // No evidence at all: the profile's default, and the evidence says so.
    let d = run(
        "FROM node:18\nCOPY server.js .\nCMD [\"node\",\"server.js\"]\n",
        &MemoryContext::new(),
    );
    assert_eq!(d.profile.as_deref(), Some("node"));
    assert_eq!(d.package_manager.as_deref(), Some("npm"));
    assert!(
        d.evidence
            .iter()
            .any(|e| e.starts_with("no package-manager evidence")),
        "{:?}",
        d.evidence
    );
}

#[test]
fn versions_come_from_tags_and_version_files() {
    let d = run(
        "ARG NODE_VERSION=18.19\nFROM node:${NODE_VERSION}-alpine\nCOPY package.json .nvmrc ./\nRUN npm install\n",
        &ctx(&[
            (
                "package.json",
                r#"{"engines":{"node":">=16"},"packageManager":"pnpm@8.15.1"}"#,
            ),
            (".nvmrc", "v20.1.0\n"),
        ]),
    );
    assert_eq!(d.versions.get("node").map(String::as_str), Some("18.19"));
    assert_eq!(d.versions.get("pnpm").map(String::as_str), Some("8.15.1"));
    assert_eq!(d.facts.builder_image.as_deref(), Some("node:18.19-alpine"));
    assert_eq!(d.facts.image_family.as_deref(), Some("alpine"));

    let d = run(
        "FROM ubuntu:22.04\nRUN apt-get install -y nodejs npm\nCOPY . .\n",
        &ctx(&[(".nvmrc", "v20.1.0\n"), ("package.json", "{}")]),
    );
    assert_eq!(d.versions.get("node").map(String::as_str), Some("20.1.0"));

    let go_mod = "module github.com/acme/api\n\ngo 1.21\n\ntoolchain go1.22.3\n";
    let d = run(
        "FROM golang\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\nRUN go build -o server ./cmd/server\n",
        &ctx(&[("go.mod", go_mod)]),
    );
    assert_eq!(d.versions.get("go").map(String::as_str), Some("1.22.3"));
    assert_eq!(d.facts.binary.as_deref(), Some("server"));
    assert_eq!(
        d.facts.extra.get("module").map(String::as_str),
        Some("github.com/acme/api")
    );
    assert_eq!(d.facts.image_family.as_deref(), Some("debian"));

    let d = run(
        "FROM mcr.microsoft.com/dotnet/sdk\nCOPY . .\nRUN dotnet publish -c Release -o /out\n",
        &ctx(&[
            ("global.json", r#"{"sdk":{"version":"8.0.100"}}"#),
            (
                "src/Api/Api.csproj",
                "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><TargetFramework>net8.0</TargetFramework><AssemblyName>Acme.Api</AssemblyName></PropertyGroup></Project>",
            ),
            (
                "tests/Api.Tests/Api.Tests.csproj",
                "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><AssemblyName>Tests</AssemblyName></PropertyGroup></Project>",
            ),
        ]),
    );
    assert_eq!(d.versions.get("dotnet").map(String::as_str), Some("8.0"));
    assert_eq!(
        d.versions.get("target_framework").map(String::as_str),
        Some("net8.0")
    );
    assert_eq!(d.facts.binary.as_deref(), Some("Acme.Api"));
    assert!(!d.facts.web_sdk);

    let d = run(
        "FROM rust:1.80-slim-bookworm\nCOPY . .\nRUN cargo build --release\n",
        &ctx(&[
            ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.79.0\"\n"),
            ("Cargo.toml", "[package]\nname='x'\n"),
        ]),
    );
    assert_eq!(d.versions.get("rust").map(String::as_str), Some("1.80"));
    assert_eq!(d.facts.image_release.as_deref(), Some("bookworm"));
}

#[test]
fn facts_name_the_artifacts() {
    // Cargo workspace: the member with a main.rs names the binary.
    let d = run(
        "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release --locked\n",
        &ctx(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"),
            ("Cargo.lock", ""),
            ("crates/core/Cargo.toml", "[package]\nname = \"core\"\n"),
            ("crates/core/src/lib.rs", ""),
            (
                "crates/server/Cargo.toml",
                "[package]\nname = \"acme-server\"\n",
            ),
            ("crates/server/src/main.rs", "fn main() {}"),
            ("web/package.json", r#"{"scripts":{"build":"vite build"}}"#),
        ]),
    );
    assert_eq!(d.profile.as_deref(), Some("rust"));
    assert_eq!(d.facts.binary.as_deref(), Some("acme-server"));
    assert!(d.facts.workspace);
    assert_eq!(d.facts.lockfiles, ["Cargo.lock"]);

    // [[bin]] wins over the package name.
    let d = run(
        "FROM rust:1.80\nCOPY . .\nRUN cargo build --release\n",
        &ctx(&[(
            "Cargo.toml",
            "[package]\nname = \"pkg\"\n\n[[bin]]\nname = \"tool\"\npath = \"src/main.rs\"\n",
        )]),
    );
    assert_eq!(d.facts.binary.as_deref(), Some("tool"));
    // ... unless the Dockerfile names the binary it builds.
    let two_bins =
        "[package]\nname = \"pkg\"\n\n[[bin]]\nname = \"api\"\n\n[[bin]]\nname = \"worker\"\n";
    let d = run(
        "FROM rust:1.80\nCOPY . .\nRUN cargo build --release --bin worker\n",
        &ctx(&[("Cargo.toml", two_bins)]),
    );
    assert_eq!(d.facts.binary.as_deref(), Some("worker"));
    let d = run(
        "FROM rust:1.80\nCOPY . .\nRUN cargo build --release --bins\nCMD [\"/src/target/release/worker\"]\n",
        &ctx(&[("Cargo.toml", two_bins)]),
    );
    assert_eq!(d.facts.binary.as_deref(), Some("worker"));
    assert!(!d.facts.has_lockfile);
    assert!(
        d.evidence.iter().any(|e| e.starts_with("no lockfile")),
        "{:?}",
        d.evidence
    );

    // cgo.
    let d = run(
        "FROM golang:1.22\nCOPY . .\nRUN go build -o app .\n",
        &ctx(&[
            ("go.mod", "module app\n"),
            (
                "db/sqlite.go",
                "package db\n\n// #include <sqlite3.h>\nimport \"C\"\n",
            ),
        ]),
    );
    assert!(d.facts.uses_cgo);
    let d = run(
        "FROM golang:1.22\nCOPY . .\nRUN go build -o app .\n",
        &ctx(&[
            ("go.mod", "module app\n"),
            ("main.go", "package main\nimport (\n\t\"fmt\"\n)\n"),
        ]),
    );
    assert!(!d.facts.uses_cgo);
    assert_eq!(
        d.runtime_image(registry()).as_deref(),
        Some("gcr.io/distroless/static-debian12:nonroot")
    );

    // Gradle Kotlin DSL with the wrapper.
    let d = run(
        "FROM eclipse-temurin:17-jdk\nCOPY . .\nRUN ./gradlew bootJar\n",
        &ctx(&[
            ("settings.gradle.kts", "rootProject.name = \"orders\"\n"),
            (
                "build.gradle.kts",
                "plugins { id(\"org.springframework.boot\") }\nversion = \"0.3.1\"\n",
            ),
            ("gradlew", "#!/bin/sh"),
        ]),
    );
    assert_eq!(d.profile.as_deref(), Some("java-gradle"));
    assert_eq!(d.facts.binary.as_deref(), Some("orders"));
    assert_eq!(d.facts.artifact_version.as_deref(), Some("0.3.1"));
    assert_eq!(d.facts.wrapper.as_deref(), Some("gradlew"));
    assert_eq!(d.facts.exe.as_deref(), Some("./gradlew"));
    assert_eq!(
        d.facts.extra.get("spring_boot").map(String::as_str),
        Some("true")
    );
    assert_eq!(d.versions.get("java").map(String::as_str), Some("17"));

    // Node scripts and devDependencies, read from the package.json the Dockerfile copies.
    let d = run(
        "FROM node:20\nCOPY client/package*.json ./\nRUN npm ci\n",
        &ctx(&[
            ("package.json", r#"{"scripts":{"lint":"eslint"}}"#),
            (
                "client/package.json",
                r#"{"scripts":{"build":"vite build","preview":"vite preview"},"dependencies":{"react":"18"},"devDependencies":{"vite":"5"}}"#,
            ),
            ("client/package-lock.json", "{}"),
        ]),
    );
    assert_eq!(
        d.facts.scripts.get("preview").map(String::as_str),
        Some("vite preview")
    );
    assert_eq!(d.facts.dev_dependencies, ["vite"]);
    assert_eq!(d.facts.dependencies, ["react"]);
    assert_eq!(d.facts.lockfiles, ["client/package-lock.json"]);
}

#[test]
fn a_close_runner_up_lowers_the_confidence() {
    let clear = run(
        "FROM maven:3.9-eclipse-temurin-17\nCOPY pom.xml .\nRUN mvn -B dependency:go-offline\nCOPY src src\nRUN mvn -B package\n",
        &MemoryContext::new(),
    );
    let mixed = run(
        "FROM ubuntu:22.04\nRUN apt-get install -y openjdk-17-jdk nodejs npm\nCOPY package.json pom.xml ./\nRUN mvn package\n",
        &MemoryContext::new(),
    );
    assert_eq!(clear.profile.as_deref(), Some("java-maven"));
    assert_eq!(mixed.profile.as_deref(), Some("java-maven"));
    assert!(clear.confidence >= 0.9, "{}", clear.confidence);
    assert!(
        mixed.confidence < clear.confidence - 0.2,
        "{} vs {}",
        mixed.confidence,
        clear.confidence
    );
    assert!((0.0..=1.0).contains(&mixed.confidence));
}

#[test]
fn the_json_report_has_the_fixed_shape() {
    let d = run(
        "FROM golang:1.21 AS build\nCOPY go.mod go.sum ./\nRUN go mod download\n",
        &MemoryContext::new(),
    );
    let report = serde_json::to_value(d.to_report("svc/Dockerfile", "svc")).unwrap();
    let keys: Vec<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "confidence",
            "context",
            "evidence",
            "package_manager",
            "path",
            "profile",
            "versions"
        ]
    );
    assert_eq!(report["profile"], "go");
    assert_eq!(report["package_manager"], "go");
    assert_eq!(report["versions"]["go"], "1.21");
    let none = run("FROM scratch\nCOPY app /\n", &MemoryContext::new());
    let report = serde_json::to_value(none.to_report("Dockerfile", ".")).unwrap();
    assert!(report["profile"].is_null());
    assert!(report["reason"].is_string());
}

#[test]
fn the_build_context_is_inferred_from_copy_sources() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("docker")).unwrap();
    std::fs::create_dir_all(root.join("client/src")).unwrap();
    std::fs::write(root.join("client/package.json"), "{}").unwrap();
    std::fs::write(root.join("client/package-lock.json"), "{}").unwrap();
    let text = "FROM node:20\nCOPY client/package*.json ./\nRUN npm ci\nCOPY client/src ./src\nCOPY --from=builder /x /y\n";
    let file = root.join("docker/frontend.Dockerfile");
    std::fs::write(&file, text).unwrap();
    let df = restage::syntax::parse(text);

    let choice = infer_context(&file, &df, None);
    assert_eq!(tidy(&choice.dir), tidy(root), "{:?}", choice.evidence);
    assert!(
        choice.evidence[0].contains("ancestor"),
        "{:?}",
        choice.evidence
    );
    let choice = infer_context(&file, &df, Some(root));
    assert_eq!(tidy(&choice.dir), tidy(root));

    // The repository root bounds the walk.
    let choice = infer_context(&file, &df, Some(&root.join("docker")));
    assert_eq!(
        tidy(&choice.dir),
        tidy(&root.join("docker")),
        "{:?}",
        choice.evidence
    );

    // Sources that exist next to the Dockerfile keep its folder.
    std::fs::create_dir_all(root.join("docker/client/src")).unwrap();
    std::fs::write(root.join("docker/client/package.json"), "{}").unwrap();
    let choice = infer_context(&file, &df, Some(root));
    assert_eq!(
        tidy(&choice.dir),
        tidy(&root.join("docker")),
        "{:?}",
        choice.evidence
    );

    // Only `.` sources: nothing to learn, the Dockerfile's folder.
    let df = restage::syntax::parse("FROM node:20\nCOPY . .\n");
    let choice = infer_context(&file, &df, Some(root));
    assert_eq!(tidy(&choice.dir), tidy(&root.join("docker")));
}

/// Sources are looked up in folder listings first: plain names, names through a symlink (a
/// dangling one does not count) and nested paths all count as the file system says.
#[cfg(unix)]
#[test]
fn context_inference_sees_names_symlinks_and_nested_paths() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("docker")).unwrap();
    std::fs::create_dir_all(root.join("real/app")).unwrap();
    std::fs::write(root.join("real/app/main.py"), "").unwrap();
    std::fs::write(root.join("requirements.txt"), "").unwrap();
    std::os::unix::fs::symlink(root.join("real"), root.join("linked")).unwrap();
    let text = "FROM python:3.12\nCOPY requirements.txt .\nCOPY linked/app/main.py /app/\nCOPY real/app /app\n";
    let file = root.join("docker/Dockerfile");
    std::fs::write(&file, text).unwrap();
    let df = restage::syntax::parse(text);
    let choice = infer_context(&file, &df, None);
    assert_eq!(tidy(&choice.dir), tidy(root), "{:?}", choice.evidence);
    assert!(
        choice.evidence[0].contains("all exist"),
        "{:?}",
        choice.evidence
    );

    // A dangling symlink is no source: only two of the three exist from the root.
    std::fs::remove_dir_all(root.join("real")).unwrap();
    std::fs::create_dir_all(root.join("other/app")).unwrap();
    let text = "FROM python:3.12\nCOPY requirements.txt .\nCOPY linked/app/main.py /app/\nCOPY other/app /app\n";
    let df = restage::syntax::parse(text);
    let choice = infer_context(&file, &df, None);
    assert_eq!(tidy(&choice.dir), tidy(root), "{:?}", choice.evidence);
    assert!(
        choice.evidence[0].contains("2 of 3"),
        "{:?}",
        choice.evidence
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Whatever the Dockerfile and manifests hold, detection answers without panicking, with a
    /// confidence in 0..1 and a reason exactly when there is no profile.
    #[test]
    fn detection_never_panics(
        lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::string::string_regex("(FROM|from) [a-z./:${}_-]{0,30}( AS [a-z]{1,5})?").unwrap(),
                proptest::string::string_regex("RUN [a-z0-9 &|;'\\\"=./*-]{0,60}").unwrap(),
                proptest::string::string_regex("(COPY|ADD)( --from=[a-z:/]{1,12})? [a-z*?./{}-]{0,20} [a-z./]{0,10}").unwrap(),
                proptest::string::string_regex("(CMD|ENTRYPOINT) \\[\"[a-z./ -]{0,20}\"\\]").unwrap(),
                proptest::string::string_regex("ARG [A-Z_]{1,8}=[a-z0-9.]{0,6}").unwrap(),
            ],
            0..8,
        ),
        manifest in "[{}\\[\\]\":,a-z0-9 <>/=.\n-]{0,80}",
    ) {
        let text = lines.join("\n");
        let c = ctx(&[
            ("package.json", manifest.as_str()),
            ("Cargo.toml", manifest.as_str()),
            ("pom.xml", manifest.as_str()),
            ("app.csproj", manifest.as_str()),
            ("go.mod", manifest.as_str()),
            ("pyproject.toml", manifest.as_str()),
        ]);
        let d = run(&text, &c);
        proptest::prop_assert!((0.0..=1.0).contains(&d.confidence));
        proptest::prop_assert_eq!(d.profile.is_none(), d.reason.is_some());
        proptest::prop_assert_eq!(d.profile.is_none(), d.package_manager.is_none());
        if let Some(p) = &d.profile {
            proptest::prop_assert!(registry().get(p).is_some());
            proptest::prop_assert_eq!(d.scores[0].profile.as_str(), p.as_str());
        }
    }
}

#[test]
fn prebuilt_jars_tell_maven_from_gradle_by_their_folder() {
    let maven = run(
        "FROM eclipse-temurin:17-jre\nCOPY target/*.jar /app/app.jar\nENTRYPOINT [\"java\",\"-jar\",\"/app/app.jar\"]\n",
        &MemoryContext::new(),
    );
    assert_eq!(
        maven.profile.as_deref(),
        Some("java-maven"),
        "{:?}",
        maven.scores
    );
    let gradle = run(
        "FROM eclipse-temurin:17-jre\nCOPY build/libs/app.jar /app/app.jar\nENTRYPOINT [\"java\",\"-jar\",\"/app/app.jar\"]\n",
        &MemoryContext::new(),
    );
    assert_eq!(
        gradle.profile.as_deref(),
        Some("java-gradle"),
        "{:?}",
        gradle.scores
    );
    // Only the shared JDK image and `java`: a coin toss, and the confidence says so.
    let unsure = run(
        "FROM openjdk:17\nCOPY app.jar /app.jar\nCMD [\"java\",\"-jar\",\"/app.jar\"]\n",
        &MemoryContext::new(),
    );
    assert!(unsure.confidence <= 0.5, "{}", unsure.confidence);
}

#[test]
fn thresholds_come_from_the_shared_rules_file() {
    let system = restage::profile::BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == "_system.yaml")
        .unwrap()
        .1
        .replace("min_score: 4", "min_score: 1000");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("_system.yaml"), system).unwrap();
    let strict = Registry::load(Some(dir.path())).unwrap();
    let df = restage::syntax::parse("FROM node:20\nCOPY package.json ./\nRUN npm install\n");
    let d = detect(&df, &MemoryContext::new(), &strict);
    assert_eq!(d.profile, None);
    assert!(
        d.reason.as_deref().is_some_and(|r| r.contains("too weak")),
        "{:?}",
        d.reason
    );
    let d = detect(&df, &MemoryContext::new(), registry());
    assert_eq!(d.profile.as_deref(), Some("node"));
}

#[test]
fn cgo_modules_in_go_mod_count_as_cgo() {
    let go_mod = "module notes\n\ngo 1.21\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n";
    let d = run(
        "FROM golang:1.21-alpine\nRUN apk add --no-cache gcc musl-dev\nCOPY . .\nRUN go build -o notes .\n",
        &ctx(&[("go.mod", go_mod), ("main.go", "package main\n")]),
    );
    assert!(d.facts.uses_cgo);
    assert_eq!(d.runtime_image(registry()).as_deref(), Some("alpine:3"));
}
