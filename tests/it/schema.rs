//! The JSON documents restage prints (`--format json`, `detect --format json`,
//! `parse --format json`) against the schemas committed in `schema/`: integrators depend on
//! that shape, so every real output must validate, and a drift in either fails here.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let path = root().join("schema").join(format!("{name}.schema.json"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", path.display()))
}

fn errors(validator: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Run restage with `args` (from the repository root) and read stdout as JSON.
fn json_of(args: &[&str]) -> serde_json::Value {
    let output = Command::cargo_bin("restage")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "restage {args:?} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Every example's Dockerfile and every fixture case's, relative to the repository root.
fn dockerfiles() -> Vec<String> {
    let mut found = Vec::new();
    for folder in ["examples", "tests/fixtures/cases"] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join(folder))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("Dockerfile").is_file())
            .collect();
        dirs.sort();
        for dir in dirs {
            let rel = dir.join("Dockerfile");
            found.push(
                rel.strip_prefix(root())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    assert!(
        found.len() >= 90,
        "examples and fixture cases were lost: {}",
        found.len()
    );
    found
}

#[test]
fn rewrite_json_validates_for_every_example_and_case() {
    let validator = validator("rewrite");
    let files = dockerfiles();
    let mut args = vec!["--format", "json"];
    args.extend(files.iter().map(String::as_str));
    // One that cannot be read, so the error shape is checked too.
    args.push("tests/fixtures/no-such-folder/Dockerfile");
    let doc = json_of(&args);
    let problems = errors(&validator, &doc);
    assert!(problems.is_empty(), "{problems:#?}");
    let statuses: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    for status in ["rewritten", "skipped", "error"] {
        assert!(
            statuses.contains(&status),
            "no {status} file checked: {statuses:?}"
        );
    }
    assert!(
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| !f["warnings"].as_array().unwrap().is_empty()),
        "no output with a warning was checked"
    );
    assert!(
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] == "rewritten")
            .all(|f| f["hygiene"].is_object()),
        "a rewrite without its hygiene report"
    );
}

#[test]
fn detect_json_validates_for_every_example_and_case() {
    let validator = validator("detect");
    let files = dockerfiles();
    let mut args = vec!["detect", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    args.push("tests/fixtures/no-such-folder/Dockerfile");
    let doc = json_of(&args);
    let problems = errors(&validator, &doc);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn parse_json_validates_for_every_syntax_fixture() {
    let validator = validator("parse");
    let mut checked = 0;
    let mut with_errors = 0;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/syntax"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "Dockerfile"))
        .collect();
    paths.sort();
    for path in paths {
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let output = Command::cargo_bin("restage")
            .unwrap()
            .current_dir(root())
            .args(["parse", "--format", "json", &rel])
            .output()
            .unwrap();
        if output.stdout.is_empty() {
            // A file that is not a Dockerfile at all (empty, binary) is an input error on
            // stderr with exit 2, not a document.
            assert_eq!(
                output.status.code(),
                Some(2),
                "{rel}: no JSON and not an error"
            );
            continue;
        }
        let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let problems = errors(&validator, &doc);
        assert!(problems.is_empty(), "{rel}: {problems:#?}");
        checked += 1;
        with_errors += usize::from(!doc["errors"].as_array().unwrap().is_empty());
    }
    assert!(checked >= 100, "syntax fixtures were lost: {checked}");
    assert!(with_errors > 0, "no file with parse errors was checked");
}

/// The schemas mean something: a document with a field they do not name, or without one they
/// require, is refused.
#[test]
fn the_schemas_refuse_drift() {
    let rewrite = validator("rewrite");
    let good = serde_json::json!({
        "files": [{
            "path": "Dockerfile", "status": "rewritten", "reason": null, "reason_code": null,
            "profile": "go",
            "dockerfile": "FROM a AS runtime\n", "diff": "", "decisions": [],
            "warnings": [{"code": "user-change", "message": "m", "line": 3}]
        }],
        "summary": {"files": 1, "rewritten": 1, "unchanged": 0, "skipped": 0, "errors": 0}
    });
    assert!(
        errors(&rewrite, &good).is_empty(),
        "{:?}",
        errors(&rewrite, &good)
    );
    let mut extra = good.clone();
    extra["files"][0]["surprise"] = serde_json::json!(1);
    assert!(!errors(&rewrite, &extra).is_empty());
    let mut missing = good.clone();
    missing["files"][0]["warnings"][0]
        .as_object_mut()
        .unwrap()
        .remove("code");
    assert!(!errors(&rewrite, &missing).is_empty());
    let mut bad_code = good.clone();
    bad_code["files"][0]["reason_code"] = serde_json::json!("no-idea");
    assert!(!errors(&rewrite, &bad_code).is_empty());
    let mut bad_status = good;
    bad_status["files"][0]["status"] = serde_json::json!("done");
    assert!(!errors(&rewrite, &bad_status).is_empty());

    let parse = validator("parse");
    let bad = serde_json::json!({"directives": {"syntax": null, "escape": "\\", "check": null},
        "instructions": [{"keyword": "FROM", "start_line": 0, "end_line": 1, "span": [0, 4, 8],
        "flags": [], "form": "json", "heredocs": []}], "errors": []});
    assert_eq!(errors(&parse, &bad).len(), 3, "{:?}", errors(&parse, &bad));
}

#[test]
fn the_rewrite_schema_lists_every_skip_code() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/rewrite.schema.json")).unwrap();
    let listed: Vec<&str> = schema["$defs"]["file"]["properties"]["reason_code"]["enum"]
        .as_array()
        .expect("reason_code has an enum")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let codes: Vec<&str> = restage::SkipCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, codes);
}
