//! Runtimes the build side prepares (a runtime rule's `prepare`), and the Java profiles' `slim`
//! flavour built on it: a Java runtime linked with `jlink` from the builder's JDK, on a slim base.
//!
//! - which builders get the jlink runtime (official glibc JDK images, Java 11+) and which keep a
//!   stock JRE, with the reason (alpine, Java 8, a distro-installed JDK);
//! - where the pieces go: jlink in deps before the manifests, the runtime's COPY/ENV first;
//! - the default runtime is untouched without the flavour;
//! - the generic feature: a profile may put `prepare` in the build stage; bad values are errors;
//! - the CLI picks the flavour up from examples/java-maven/.restage.yaml and from a pragma;
//! - BuildKit's parser accepts every jlink output, and hadolint finds no more errors than in the
//!   input.

use crate::syntax_differential::{manifest_dir, run_oracle};
use restage::pipeline::{Engine, Options, Outcome, Status};
use restage::profile::{PrepareStage, Registry, version_at_least};
use restage::source::{FsContext, MemoryContext};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const POM: &str = r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>greet</artifactId>
  <version>1.0.0</version>
  <build><finalName>greet</finalName></build>
</project>
"#;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::load(&Options::default()).expect("built-in profiles"))
}

fn options(flavour: Option<&str>) -> Options {
    Options {
        file_name: Some("Dockerfile".into()),
        runtime_flavour: flavour.map(str::to_string),
        ..Options::default()
    }
}

/// A Maven Dockerfile the usual single-stage way, from `from`.
fn maven_dockerfile(from: &str) -> String {
    format!(
        "FROM {from}\nWORKDIR /app\nCOPY . .\nRUN mvn -B package\nCMD [\"java\", \"-jar\", \"target/greet.jar\"]\n"
    )
}

fn maven_context() -> MemoryContext {
    MemoryContext::new()
        .with_file("pom.xml", POM)
        .with_file("src/main/java/App.java", "class App {}\n")
        // A test source, so the rewrite has a test stage (one without tests has none).
        .with_file("src/test/java/AppTest.java", "class AppTest {}\n")
}

fn rewrite(text: &str, flavour: Option<&str>) -> Outcome {
    let outcome = engine()
        .rewrite(text, &maven_context(), &options(flavour))
        .expect("rewrite");
    assert_eq!(
        outcome.status,
        Status::Rewritten,
        "{text}\n{:?}",
        outcome.reason
    );
    outcome
}

/// The lines of one stage (`FROM ... AS name` up to the next FROM).
fn stage<'a>(dockerfile: &'a str, name: &str) -> Vec<&'a str> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in dockerfile.lines() {
        if line.starts_with("FROM ") {
            inside = line.ends_with(&format!(" AS {name}"));
        }
        if inside {
            lines.push(line);
        }
    }
    assert!(!lines.is_empty(), "no {name} stage in:\n{dockerfile}");
    lines
}

fn runtime_from(dockerfile: &str) -> String {
    stage(dockerfile, "runtime")[0]
        .trim_start_matches("FROM ")
        .trim_end_matches(" AS runtime")
        .to_string()
}

fn has_jlink(dockerfile: &str) -> bool {
    dockerfile.contains("jlink --add-modules")
}

fn warnings(outcome: &Outcome) -> Vec<String> {
    outcome
        .plan
        .as_ref()
        .map(|p| p.warnings.iter().map(|w| w.message.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn versions_compare_number_by_number() {
    assert_eq!(version_at_least("17", "11"), Some(true));
    assert_eq!(version_at_least("11", "11"), Some(true));
    assert_eq!(version_at_least("11.0.2", "11"), Some(true));
    assert_eq!(version_at_least("8", "11"), Some(false));
    assert_eq!(version_at_least("1.8", "11"), Some(false));
    // 10 > 9 as numbers, not as text.
    assert_eq!(version_at_least("10", "9"), Some(true));
    assert_eq!(version_at_least("latest", "11"), None);
    assert_eq!(version_at_least("17", "x"), None);
}

#[test]
fn slim_links_a_java_runtime_in_deps_and_copies_it_onto_debian_slim() {
    let out = rewrite(
        &maven_dockerfile("maven:3.8-eclipse-temurin-17"),
        Some("slim"),
    )
    .dockerfile;
    assert_eq!(runtime_from(&out), "debian:bookworm-slim", "{out}");

    // jlink runs in deps, before the manifests are copied: a pom or source change keeps it cached.
    let deps = stage(&out, "deps");
    let jlink = deps
        .iter()
        .position(|l| l.contains("jlink --add-modules"))
        .unwrap_or_else(|| panic!("no jlink in deps:\n{out}"));
    let pom = deps
        .iter()
        .position(|l| l.starts_with("COPY pom.xml"))
        .unwrap_or_else(|| panic!("no pom.xml copy in deps:\n{out}"));
    assert!(jlink < pom, "jlink must come before the pom copy:\n{out}");
    let deps_text = deps.join("\n");
    // Every module but the development tools (javac and what needs it, jlink, jpackage), from
    // the JDK itself; the builder's security files follow.
    for needle in [
        "--list-modules",
        "grep -vx -e jdk.compiler -e jdk.javadoc -e jdk.jdeps -e jdk.jshell -e jdk.jlink -e jdk.jpackage",
        "--strip-java-debug-attributes",
        "--no-man-pages",
        "--no-header-files",
        "--output /opt/java-runtime",
        "cp -RL \"$jdk/lib/security/.\" /opt/java-runtime/lib/security/",
        "cp -RL \"$jdk/conf/.\" /opt/java-runtime/conf/",
    ] {
        assert!(deps_text.contains(needle), "deps lacks `{needle}`:\n{out}");
    }
    // Not a jdeps selection (the tool is never run; its module is only left out).
    assert!(!deps_text.contains("--print-module-deps"), "{out}");
    assert!(!deps_text.contains("$(jdeps"), "{out}");
    // Nothing of it in the build or test stages.
    assert!(!stage(&out, "build").join("\n").contains("jlink"), "{out}");

    // The runtime takes the linked JDK first, then sets the environment the official images set.
    let runtime = stage(&out, "runtime");
    assert_eq!(
        &runtime[1..5],
        &[
            "COPY --from=deps /opt/java-runtime /opt/java/openjdk",
            "ENV JAVA_HOME=/opt/java/openjdk",
            "ENV PATH=/opt/java/openjdk/bin:$PATH",
            "ENV LANG=C.UTF-8",
        ],
        "{out}"
    );
    assert!(
        runtime.contains(&"COPY --from=build /app/target/greet.jar /app/target/greet.jar"),
        "{out}"
    );
    assert!(
        runtime.contains(&"CMD [\"java\", \"-jar\", \"target/greet.jar\"]"),
        "{out}"
    );
    assert!(
        runtime.iter().any(|l| l.starts_with("RUN groupadd")),
        "{out}"
    );
}

#[test]
fn the_plan_says_why() {
    let outcome = rewrite(
        &maven_dockerfile("maven:3.8-eclipse-temurin-17"),
        Some("slim"),
    );
    let plan = outcome.plan.as_ref().expect("plan");
    let decided = |what: &str| plan.decisions.iter().find(|d| d.what.contains(what));
    let made = decided("deps stage makes /opt/java-runtime for the runtime").expect("decision");
    assert!(made.why.contains("jlink"), "{made:?}");
    assert!(decided("runtime copies /opt/java-runtime from the deps stage").is_some());
    assert!(decided("runtime image debian:bookworm-slim").is_some());
    // The only behaviour risk is the non-root runtime user (the original ran as root).
    assert!(
        plan.warnings
            .iter()
            .all(|w| w.code.as_str() == "user-change"),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn without_the_flavour_the_runtime_stays_the_stock_jre() {
    let out = rewrite(&maven_dockerfile("maven:3.8-eclipse-temurin-17"), None).dockerfile;
    assert_eq!(runtime_from(&out), "eclipse-temurin:17-jre", "{out}");
    assert!(!has_jlink(&out), "{out}");
    assert!(!out.contains("/opt/java"), "{out}");
}

#[test]
fn builders_the_jlink_runtime_does_not_fit_keep_a_stock_jre() {
    // (builder, runtime, whether a warning says the flavour was not applied)
    let cases = [
        // musl JDK: the alpine JRE, not a glibc base.
        (
            "maven:3.9-eclipse-temurin-17-alpine",
            "eclipse-temurin:17-jre-alpine",
            false,
        ),
        // Java 8 has no jlink.
        ("maven:3.8-jdk-8", "eclipse-temurin:8-jre", true),
        // Red Hat UBI builders: the stock JRE.
        (
            "maven:3.9-eclipse-temurin-17-ubi9-minimal",
            "eclipse-temurin:17-jre",
            false,
        ),
    ];
    for (builder, runtime, warned) in cases {
        let outcome = rewrite(&maven_dockerfile(builder), Some("slim"));
        let out = &outcome.dockerfile;
        assert_eq!(runtime_from(out), runtime, "{builder}:\n{out}");
        assert!(!has_jlink(out), "{builder}:\n{out}");
        let warned_here = warnings(&outcome)
            .iter()
            .any(|w| w.contains("no slim runtime"));
        assert_eq!(warned_here, warned, "{builder}: {:?}", warnings(&outcome));
    }
}

#[test]
fn the_base_follows_the_builders_distro_release() {
    for (builder, runtime) in [
        ("maven:3.9-eclipse-temurin-21-jammy", "ubuntu:jammy"),
        ("maven:3.9-eclipse-temurin-21-noble", "ubuntu:noble"),
        ("maven:3.9-eclipse-temurin-11-focal", "ubuntu:focal"),
        ("maven:3.8-openjdk-17-slim-bullseye", "debian:bullseye-slim"),
        ("maven:3.9-amazoncorretto-21", "debian:bookworm-slim"),
        ("eclipse-temurin:21-jdk", "debian:bookworm-slim"),
    ] {
        let out = rewrite(&maven_dockerfile(builder), Some("slim")).dockerfile;
        assert_eq!(runtime_from(&out), runtime, "{builder}:\n{out}");
        assert!(has_jlink(&out), "{builder}:\n{out}");
    }
}

#[test]
fn a_distro_installed_jdk_keeps_its_base_image() {
    let text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven\nWORKDIR /app\nCOPY . .\nRUN mvn -B package\nCMD [\"java\", \"-jar\", \"target/greet.jar\"]\n";
    let outcome = rewrite(text, Some("slim"));
    let out = &outcome.dockerfile;
    assert_eq!(runtime_from(out), "debian:bookworm", "{out}");
    assert!(!has_jlink(out), "{out}");
    assert!(
        warnings(&outcome)
            .iter()
            .any(|w| w.contains("made from its toolchain images")),
        "{:?}",
        warnings(&outcome)
    );
}

#[test]
fn gradle_gets_the_same_runtime() {
    let dir = manifest_dir().join("tests/fixtures/cases/java-gradle-gradlew-kotlin-dsl-temurin");
    let text = std::fs::read_to_string(dir.join("Dockerfile")).expect("fixture");
    let outcome = engine()
        .rewrite(&text, &FsContext::new(&dir), &options(Some("slim")))
        .expect("rewrite");
    assert_eq!(outcome.profile.as_deref(), Some("java-gradle"));
    let out = &outcome.dockerfile;
    // eclipse-temurin:17-jdk-jammy: Ubuntu, like the builder.
    assert_eq!(runtime_from(out), "ubuntu:jammy", "{out}");
    let deps = stage(out, "deps").join("\n");
    assert!(deps.contains("jlink --add-modules"), "{out}");
    assert!(
        stage(out, "runtime").contains(&"COPY --from=deps /opt/java-runtime /opt/java/openjdk"),
        "{out}"
    );
}

#[test]
fn the_java_profiles_offer_it_only_as_a_flavour() {
    let registry = Registry::builtin().expect("profiles");
    for name in ["java-maven", "java-gradle"] {
        let profile = registry.get(name).expect(name);
        let prepared: Vec<_> = profile
            .runtime_images
            .rules
            .iter()
            .filter(|r| r.prepare.is_some())
            .collect();
        assert!(!prepared.is_empty(), "{name}: no prepared runtime");
        for rule in prepared {
            assert_eq!(rule.flavour.as_deref(), Some("slim"), "{name}: {rule:?}");
            assert_eq!(rule.min_version.as_deref(), Some("11"), "{name}: {rule:?}");
            let prepare = rule.prepare.as_ref().expect("prepare");
            assert_eq!(prepare.stage, PrepareStage::Deps, "{name}");
            assert!(prepare.run.iter().any(|r| r.contains("jlink")), "{name}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The generic feature, through a profile override.

/// java-maven with its prepared runtime moved to the build stage, and an env rule that only
/// applies with a fact.
fn moved_profile_dir() -> tempfile::TempDir {
    let yaml = restage::profile::BUILTIN_FILES
        .iter()
        .find(|(n, _)| *n == "java-maven.yaml")
        .map(|(_, t)| *t)
        .expect("java-maven.yaml");
    assert!(yaml.contains("stage: deps"));
    let moved = yaml.replace("stage: deps", "stage: build").replace(
        "          - {name: LANG, value: C.UTF-8}\n",
        "          - {name: LANG, value: C.UTF-8}\n          - {name: SPRING_ONLY, value: \"1\", when: spring_boot}\n",
    );
    assert!(moved.contains("SPRING_ONLY"));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("java-maven.yaml"), moved).expect("write profile");
    dir
}

#[test]
fn a_prepared_runtime_may_run_in_the_build_stage() {
    let dir = moved_profile_dir();
    let opts = Options {
        profiles_dir: Some(dir.path().to_path_buf()),
        ..options(Some("slim"))
    };
    let engine = Engine::load(&opts).expect("profiles");
    let text = maven_dockerfile("maven:3.8-eclipse-temurin-17");
    let outcome = engine
        .rewrite(&text, &maven_context(), &opts)
        .expect("rewrite");
    let out = &outcome.dockerfile;
    assert!(!stage(out, "deps").join("\n").contains("jlink"), "{out}");
    let build = stage(out, "build");
    let package = build
        .iter()
        .position(|l| l.contains("mvn -B package"))
        .expect("package");
    let jlink = build
        .iter()
        .position(|l| l.contains("jlink --add-modules"))
        .unwrap_or_else(|| panic!("no jlink in build:\n{out}"));
    assert!(package < jlink, "after the build:\n{out}");
    assert!(
        stage(out, "runtime").contains(&"COPY --from=build /opt/java-runtime /opt/java/openjdk"),
        "{out}"
    );
    // `when: spring_boot` is false for this pom.
    assert!(!out.contains("SPRING_ONLY"), "{out}");

    let spring = maven_context().with_file(
        "pom.xml",
        POM.replace(
            "<build>",
            "<parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.2.0</version></parent>\n  <build>",
        ),
    );
    let outcome = engine.rewrite(&text, &spring, &opts).expect("rewrite");
    assert!(
        outcome.dockerfile.contains("ENV SPRING_ONLY=1"),
        "{}",
        outcome.dockerfile
    );
}

#[test]
fn a_bad_prepare_stage_is_an_error_with_its_line() {
    let dir = moved_profile_dir();
    let path = dir.path().join("java-maven.yaml");
    let text = std::fs::read_to_string(&path)
        .expect("profile")
        .replace("stage: build", "stage: runtime");
    std::fs::write(&path, text).expect("write");
    let error = Registry::load(Some(dir.path())).expect_err("stage: runtime is not a stage");
    let shown = error.to_string();
    assert!(shown.contains("java-maven.yaml"), "{shown}");
    assert!(shown.contains("unknown variant `runtime`"), "{shown}");
    assert!(shown.contains("deps") && shown.contains("build"), "{shown}");
    let (line, _) = error.position.expect("a position");
    let text = std::fs::read_to_string(&path).expect("profile");
    assert_eq!(
        text.lines().nth(line - 1).map(str::trim),
        Some("stage: runtime"),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------------------------
// The CLI: the example's .restage.yaml, and a pragma.

fn restage() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("restage").expect("the restage binary")
}

#[test]
fn the_example_opts_in_through_its_restage_yaml() {
    let dockerfile = manifest_dir().join("examples/java-maven/Dockerfile");
    let output = restage().arg(&dockerfile).output().expect("run restage");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("+FROM debian:bookworm-slim AS runtime"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+COPY --from=deps /opt/java-runtime /opt/java/openjdk"),
        "{stdout}"
    );
    let config = restage()
        .arg("config")
        .arg(&dockerfile)
        .output()
        .expect("run restage config");
    let shown = String::from_utf8_lossy(&config.stdout);
    assert!(shown.contains("runtime: slim"), "{shown}");
}

#[test]
fn a_pragma_asks_for_it_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("pom.xml"), POM).expect("pom");
    let path = dir.path().join("Dockerfile");
    std::fs::write(
        &path,
        format!(
            "# restage: runtime=slim\n{}",
            maven_dockerfile("maven:3.9-eclipse-temurin-21")
        ),
    )
    .expect("Dockerfile");
    restage().arg("--write").arg(&path).assert().success();
    let out = std::fs::read_to_string(&path).expect("rewritten");
    assert_eq!(runtime_from(&out), "debian:bookworm-slim", "{out}");
    assert!(has_jlink(&out), "{out}");
    assert!(out.contains("# restage: runtime=slim"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Oracles: BuildKit's parser and hadolint over every jlink output.

#[derive(Debug, Deserialize)]
struct Lint {
    error: usize,
    findings: Vec<LintFinding>,
}

#[derive(Debug, Deserialize)]
struct LintFinding {
    code: Option<String>,
    level: String,
}

fn hadolint(paths: &[PathBuf]) -> BTreeMap<String, Lint> {
    let python = std::env::var("RESTAGE_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let output = Command::new(&python)
        .arg(manifest_dir().join("tests/oracle/hadolint_count.py"))
        .args(paths)
        .output()
        .unwrap_or_else(|e| panic!("could not run `{python}` for hadolint ({e})"));
    assert!(
        output.status.success(),
        "the hadolint oracle failed: {} (pip install -r tests/requirements.txt)",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("hadolint JSON")
}

#[test]
fn jlink_outputs_parse_with_buildkit_and_add_no_hadolint_errors() {
    let builders = [
        "maven:3.8-eclipse-temurin-17",
        "maven:3.9-eclipse-temurin-21-jammy",
        "maven:3.8-openjdk-17-slim-bullseye",
        "eclipse-temurin:21-jdk",
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let mut pairs = Vec::new();
    for (i, builder) in builders.iter().enumerate() {
        let input = maven_dockerfile(builder);
        let out = rewrite(&input, Some("slim")).dockerfile;
        assert!(has_jlink(&out), "{builder}");
        let (a, b) = (
            dir.path().join(format!("{i}.in.Dockerfile")),
            dir.path().join(format!("{i}.out.Dockerfile")),
        );
        std::fs::write(&a, input).expect("write");
        std::fs::write(&b, out).expect("write");
        pairs.push((builder, a, b));
    }
    let paths: Vec<PathBuf> = pairs
        .iter()
        .flat_map(|(_, a, b)| [a.clone(), b.clone()])
        .collect();
    let parsed = run_oracle(&paths);
    let linted = hadolint(&paths);
    for (builder, input, output) in &pairs {
        let key = output.display().to_string();
        let verdict = parsed.get(&key).expect("BuildKit verdict");
        assert!(verdict.ok, "{builder}: BuildKit: {:?}", verdict.error);
        let froms = verdict
            .instructions
            .iter()
            .filter(|i| i.keyword == "FROM")
            .count();
        assert_eq!(froms, 4, "{builder}: deps, build, test, runtime");
        let before = &linted[&input.display().to_string()];
        let after = &linted[&key];
        let errors: Vec<_> = after
            .findings
            .iter()
            .filter(|f| f.level == "error")
            .map(|f| f.code.clone().unwrap_or_default())
            .collect();
        assert!(
            after.error <= before.error,
            "{builder}: hadolint errors {} -> {}: {errors:?}",
            before.error,
            after.error
        );
    }
}
