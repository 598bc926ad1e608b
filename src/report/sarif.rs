//! SARIF 2.1.0 output, as GitHub code scanning accepts it.
//!
//! - One result per file that would change: rule `restage/single-stage`, level `warning`, the
//!   region of the FROM line, and the decisions as the message.
//! - A file that does not parse is a result too: rule `restage/parse-error`, level `error`, at
//!   the error's position. It is a property of the file, so it belongs with the results (code
//!   scanning shows it on the line).
//! - Any other failure (a missing file, an I/O or internal error) is not a property of the code:
//!   it is a `toolExecutionNotification` of the run's invocation, whose `executionSuccessful`
//!   is then false.
//!
//! Paths are relative URIs (`uriBaseId` `%SRCROOT%`) when they are relative, `file://` URIs when
//! absolute. Columns count Unicode code points (`columnKind`).

use super::finding::{Finding, FindingKind, RULE_PARSE_ERROR, RULE_SINGLE_STAGE, Region};
use serde_json::{Value, json};
use std::io::{self, Write};

/// The schema URI written in `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Who made the report.
#[derive(Clone, Debug)]
pub struct Tool<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub information_uri: &'a str,
}

/// The SARIF log for `findings`.
pub fn sarif_log(tool: &Tool<'_>, findings: &[Finding]) -> Value {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for finding in findings {
        let location = location(finding);
        match finding.kind {
            FindingKind::SingleStage | FindingKind::ParseError => {
                let (rule, index, level) = if finding.kind == FindingKind::SingleStage {
                    (RULE_SINGLE_STAGE, 0, "warning")
                } else {
                    (RULE_PARSE_ERROR, 1, "error")
                };
                results.push(json!({
                    "ruleId": rule,
                    "ruleIndex": index,
                    "level": level,
                    "message": {"text": finding.message},
                    "locations": [location],
                }));
            }
            FindingKind::Failure => notifications.push(json!({
                "level": "error",
                "message": {"text": finding.message},
                "locations": [location],
            })),
        }
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": tool.name,
                "version": tool.version,
                "semanticVersion": tool.version,
                "informationUri": tool.information_uri,
                "rules": rules(tool),
            }},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {
                "text": "The folder restage ran in (the repository root in CI)."
            }}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn rules(tool: &Tool<'_>) -> Value {
    json!([
        {
            "id": RULE_SINGLE_STAGE,
            "name": "SingleStageDockerfile",
            "shortDescription": {"text": "Single-stage Dockerfile that restage can split into stages"},
            "fullDescription": {"text": "The Dockerfile builds and runs in one stage, so the image \
                carries the toolchain, the sources and the build caches. restage can rewrite it into \
                deps, build, test and runtime stages; run `restage --write` on the file, or \
                `restage` to see the diff."},
            "helpUri": tool.information_uri,
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": ["dockerfile", "multi-stage", "maintainability"]},
        },
        {
            "id": RULE_PARSE_ERROR,
            "name": "DockerfileParseError",
            "shortDescription": {"text": "Dockerfile that does not parse"},
            "fullDescription": {"text": "BuildKit would reject this Dockerfile; restage cannot \
                rewrite it until it parses."},
            "helpUri": tool.information_uri,
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["dockerfile", "syntax"]},
        },
    ])
}

fn location(finding: &Finding) -> Value {
    let mut artifact = json!({"uri": uri_of(&finding.path)});
    if !finding.path.starts_with('/') {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    let mut physical = json!({"artifactLocation": artifact});
    if let Some(region) = finding.region {
        physical["region"] = if region == Region::point(region.start_line, region.start_column) {
            json!({"startLine": region.start_line, "startColumn": region.start_column})
        } else {
            json!({
                "startLine": region.start_line,
                "startColumn": region.start_column,
                "endLine": region.end_line,
                "endColumn": region.end_column,
            })
        };
    }
    json!({"physicalLocation": physical})
}

/// A path as a URI reference: relative stays relative, absolute becomes `file://`; characters
/// outside RFC 3986's unreserved set (and `/`) are percent-encoded.
pub fn uri_of(path: &str) -> String {
    let mut uri = String::new();
    if path.starts_with('/') {
        uri.push_str("file://");
    }
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(byte as char)
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}

/// Write the log, pretty-printed, with a final newline.
pub fn write_sarif(out: &mut dyn Write, tool: &Tool<'_>, findings: &[Finding]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_log(tool, findings))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOL: Tool<'static> = Tool {
        name: "restage",
        version: "0.1.0",
        information_uri: "https://example.invalid/restage",
    };

    #[test]
    fn results_and_notifications() {
        let findings = [
            Finding {
                path: "svc a/Dockerfile".into(),
                kind: FindingKind::SingleStage,
                region: Some(Region {
                    start_line: 2,
                    start_column: 1,
                    end_line: 2,
                    end_column: 17,
                }),
                message: "rewrite".into(),
            },
            Finding {
                path: "/abs/Dockerfile".into(),
                kind: FindingKind::ParseError,
                region: Some(Region::point(1, 1)),
                message: "bad".into(),
            },
            Finding {
                path: "gone".into(),
                kind: FindingKind::Failure,
                region: None,
                message: "No such file".into(),
            },
        ];
        let log = sarif_log(&TOOL, &findings);
        let run = &log["runs"][0];
        assert_eq!(run["results"].as_array().unwrap().len(), 2);
        let first = &run["results"][0];
        assert_eq!(first["ruleId"], RULE_SINGLE_STAGE);
        assert_eq!(first["level"], "warning");
        let physical = &first["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], "svc%20a/Dockerfile");
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(physical["region"]["endColumn"], 17);
        let second = &run["results"][1];
        assert_eq!(second["ruleId"], RULE_PARSE_ERROR);
        assert_eq!(second["ruleIndex"], 1);
        assert_eq!(
            second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "file:///abs/Dockerfile"
        );
        assert_eq!(run["tool"]["driver"]["rules"][1]["id"], RULE_PARSE_ERROR);
        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], false);
        assert_eq!(
            invocation["toolExecutionNotifications"][0]["message"]["text"],
            "No such file"
        );
    }
}
