//! Turns the embedded language profiles from YAML into JSON at build time, so that start-up
//! deserialises them with serde_json instead of a YAML parser (most of a one-file run's time
//! otherwise). The YAML stays the source of truth: a test checks both give the same registry.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("language-profiles");
    println!("cargo:rerun-if-changed=language-profiles");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("language-profiles/ is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    let mut out = String::from("/// The embedded profiles as JSON: (file name, JSON text).\n");
    out.push_str("pub const BUILTIN_JSON: &[(&str, &str)] = &[\n");
    for name in names {
        let path = dir.join(&name);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("profile is readable");
        let value: serde_json::Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json = serde_json::to_string(&value).expect("JSON");
        writeln!(out, "    ({name:?}, {json:?}),").expect("write to string");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_profiles.rs");
    std::fs::write(target, out).expect("write builtin_profiles.rs");
}
