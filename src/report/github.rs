//! GitHub Actions workflow commands: `::warning file=…,line=…,col=…::message` per file that
//! would change, `::error …` per file that failed. GitHub turns them into annotations on the
//! pull request.
//!
//! ```
//! use restage::report::{github, Finding, FindingKind, Region};
//! let finding = Finding {
//!     path: "api/Dockerfile".into(),
//!     kind: FindingKind::SingleStage,
//!     region: Some(Region { start_line: 1, start_column: 1, end_line: 1, end_column: 17 }),
//!     message: "would rewrite: 50%\nruntime image".into(),
//! };
//! let mut out = Vec::new();
//! github::write_annotations(&mut out, &[finding]).unwrap();
//! assert_eq!(
//!     String::from_utf8(out).unwrap(),
//!     "::warning file=api/Dockerfile,line=1,col=1,endLine=1,endColumn=17,title=restage/single-stage::would rewrite: 50%25%0Aruntime image\n"
//! );
//! ```

use super::finding::{Finding, FindingKind, RULE_PARSE_ERROR, RULE_SINGLE_STAGE};
use std::io::{self, Write};

/// Write one workflow command per finding.
pub fn write_annotations(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    for finding in findings {
        let (command, title) = match finding.kind {
            FindingKind::SingleStage => ("warning", RULE_SINGLE_STAGE),
            FindingKind::ParseError => ("error", RULE_PARSE_ERROR),
            FindingKind::Failure => ("error", "restage"),
        };
        let mut properties = vec![format!("file={}", escape_property(&finding.path))];
        if let Some(region) = finding.region {
            properties.push(format!("line={}", region.start_line));
            properties.push(format!("col={}", region.start_column));
            if region.end_line != region.start_line || region.end_column != region.start_column {
                properties.push(format!("endLine={}", region.end_line));
                properties.push(format!("endColumn={}", region.end_column));
            }
        }
        properties.push(format!("title={}", escape_property(title)));
        writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&finding.message)
        )?;
    }
    Ok(())
}

/// The message part: `%`, CR and LF are escaped (as the Actions runner's toolkit does).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which separate properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Region;

    #[test]
    fn errors_and_escaping() {
        let findings = [
            Finding {
                path: "a,b:c/Dockerfile".into(),
                kind: FindingKind::ParseError,
                region: Some(Region::point(3, 2)),
                message: "unterminated heredoc EOF".into(),
            },
            Finding {
                path: "missing".into(),
                kind: FindingKind::Failure,
                region: None,
                message: "No such file\r\n".into(),
            },
        ];
        let mut out = Vec::new();
        write_annotations(&mut out, &findings).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::error file=a%2Cb%3Ac/Dockerfile,line=3,col=2,title=restage/parse-error::unterminated heredoc EOF\n\
             ::error file=missing,title=restage::No such file%0D%0A\n"
        );
    }
}
