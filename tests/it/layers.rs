//! Imports point down the pipeline (DESIGN.md): a module of `src/` may use `crate::x` only
//! when `x` is on a lower layer. The layers are data here; a new module must be given one.

use std::collections::BTreeMap;
use std::path::Path;

/// Each top-level module of `src/` and its layer, lowest first. A module may import only from
/// modules on a lower layer (and from itself).
const LAYERS: &[(&str, u8)] = &[
    ("text", 0),
    ("diagnostic", 1),
    ("error", 1),
    ("source", 1),
    ("syntax", 1),
    ("shell", 1),
    ("profile", 2),
    ("detect", 3),
    ("plan", 4),
    ("render", 5),
    ("validate", 6),
    ("report", 7),
    ("write", 7),
    ("pipeline", 8),
    ("cli", 9),
];

/// The top-level modules a piece of Rust source names through `crate::…` paths
/// (`crate::x::y`, `crate::{x, y::z}`), comments included: a doc link is a dependency too.
fn crate_paths(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            // The first segment of each item of the list (nested lists are inside items).
            let mut depth = 1;
            let mut want = true;
            let mut name = String::new();
            let mut flush = |name: &mut String| {
                if !name.is_empty() {
                    out.push(std::mem::take(name));
                }
            };
            for c in list.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        flush(&mut name);
                        want = true;
                        continue;
                    }
                    _ => {}
                }
                if want && depth == 1 {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        name.push(c);
                    } else if !c.is_whitespace() || !name.is_empty() {
                        flush(&mut name);
                        want = false;
                    }
                }
            }
            flush(&mut name);
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn imports_point_down_the_pipeline() {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    let mut unplaced = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = top.trim_end_matches(".rs");
        // The crate root and the binary glue sit above everything.
        if matches!(module, "lib" | "main") {
            continue;
        }
        let Some(&own) = layer.get(module) else {
            unplaced.push(module.to_string());
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for name in crate_paths(&text) {
            if name == module || name.is_empty() {
                continue;
            }
            match layer.get(name.as_str()) {
                Some(&theirs) if theirs < own => {}
                Some(_) => upward.push(format!("{}: crate::{name}", relative.display())),
                // Items of the crate root (`crate::Result`, a re-export) are not layers.
                None => {}
            }
        }
    }
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules with no layer in LAYERS: {unplaced:?}"
    );
    upward.sort();
    upward.dedup();
    assert!(
        upward.is_empty(),
        "imports that point up or across the pipeline:\n{}",
        upward.join("\n")
    );
}

#[test]
fn crate_paths_are_read_from_use_lists_and_paths() {
    assert_eq!(
        crate_paths(
            "use crate::{detect::Facts, plan::{Plan, Step}, text};\nlet x = crate::shell::parse(t);"
        ),
        ["detect", "plan", "text", "shell"]
    );
}
