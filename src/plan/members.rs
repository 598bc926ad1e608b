//! A workspace's members (a Cargo workspace, a Maven reactor, a `go.work`), read from the root
//! manifest the profile names ([`Members`]), and the `{members}` placeholders of its commands.
//!
//! Read only when the `workspace` fact is set and restage writes the dependency install itself,
//! so single-project files never pay for it.

use crate::profile::Members;
use crate::profile::pattern::glob;
use crate::source::Context;

/// The member folders of the workspace whose root manifest sits at `prefix` in the context
/// (`""` or `backend/`), relative to that root, sorted and unique; each holds the first of the
/// profile's member manifests. `None` when the root file is missing or malformed, or a listed
/// member cannot be copied (outside the root, or without its manifest in the context).
pub(crate) fn members(spec: &Members, ctx: &dyn Context, prefix: &str) -> Option<Vec<String>> {
    let mut found = listed_members(spec, ctx, prefix, 0)?;
    found.sort();
    found.dedup();
    (!found.is_empty()).then_some(found)
}

/// How deep `nested` members are followed (a Maven aggregator inside an aggregator...).
const MAX_NESTING: usize = 8;

/// The members the root file at `prefix` lists (`Some(vec![])` when it lists none), and with
/// `nested`, the members their own root files list, as folders relative to `prefix`.
fn listed_members(
    spec: &Members,
    ctx: &dyn Context,
    prefix: &str,
    depth: usize,
) -> Option<Vec<String>> {
    let text = ctx.read(&format!("{prefix}{}", spec.file))?;
    let text = text.trim_start_matches('\u{feff}');
    let (listed, excluded) = if let Some(key) = &spec.toml {
        let table: toml::Table = text.parse().ok()?;
        let list = |key: &str| -> Vec<String> {
            toml_get(&table, key)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let excluded = spec.exclude_toml.as_deref().map(list).unwrap_or_default();
        (list(key), excluded)
    } else if let Some(path) = &spec.xml {
        let doc = crate::detect::xml::Document::parse(text)?;
        (doc.all(path), Vec::new())
    } else if let Some(directive) = &spec.directive {
        (directive_values(text, directive), Vec::new())
    } else {
        return None;
    };
    let first_manifest = spec.manifests.first()?;
    let mut found = Vec::new();
    for entry in listed {
        let entry = normalise(&entry)?;
        if entry.is_empty() {
            // The root itself (`members = ["."]`, `use .`): its manifests are the root's.
            continue;
        }
        let wanted = format!("{prefix}{entry}/{first_manifest}");
        let before = found.len();
        for file in ctx.files() {
            if !glob(&wanted, file) {
                continue;
            }
            let folder = file[prefix.len()..file.len() - first_manifest.len() - 1].to_string();
            if !excluded
                .iter()
                .any(|x| normalise(x).is_some_and(|x| glob(&x, &folder)))
            {
                found.push(folder);
            }
        }
        // A member listed by name (not a glob) must be there: without it the install fails.
        if found.len() == before && !entry.contains(['*', '?', '[']) {
            return None;
        }
    }
    // A member may be a workspace root of its own (a Maven module with <modules>): the
    // install reads its members' manifests too. Too deep a nesting gives up.
    if spec.nested && !found.is_empty() {
        if depth >= MAX_NESTING {
            return None;
        }
        for folder in found.clone() {
            if !ctx.exists(&format!("{prefix}{folder}/{}", spec.file)) {
                continue;
            }
            let inner = listed_members(spec, ctx, &format!("{prefix}{folder}/"), depth + 1)?;
            found.extend(inner.into_iter().map(|m| format!("{folder}/{m}")));
        }
    }
    Some(found)
}

/// The throwaway files the members' named targets need (see [`Members::targets`]), each
/// relative to the workspace root (`crates/a/benches/parse.rs`), in member order, unique.
pub(crate) fn target_stubs(
    spec: &Members,
    ctx: &dyn Context,
    prefix: &str,
    members: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(manifest) = spec.manifests.first() else {
        return out;
    };
    if spec.targets.is_empty() || spec.toml.is_none() {
        return out;
    }
    for member in members {
        let Some(text) = ctx.read(&format!("{prefix}{member}/{manifest}")) else {
            continue;
        };
        let Ok(table) = text.trim_start_matches('\u{feff}').parse::<toml::Table>() else {
            continue;
        };
        for stub in &spec.targets {
            let skip = stub
                .skip_name
                .as_deref()
                .and_then(|key| toml_get(&table, key))
                .and_then(|v| v.as_str());
            let Some(entries) = table.get(&stub.table).and_then(|v| v.as_array()) else {
                continue;
            };
            for entry in entries.iter().filter_map(|e| e.as_table()) {
                if entry.contains_key("path") {
                    continue;
                }
                let Some(name) = entry.get("name").and_then(|v| v.as_str()) else {
                    continue;
                };
                // A name that could leave the member's folder is not a file cargo would find.
                if Some(name) == skip || name.is_empty() || name.contains(['/', '\\', ' ']) {
                    continue;
                }
                let file = format!("{member}/{}", stub.path.replace("{name}", name));
                if !out.contains(&file) {
                    out.push(file);
                }
            }
        }
    }
    out
}

/// `./crates/a/` → `crates/a`; `None` for a folder outside the root.
fn normalise(entry: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in entry.trim().split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    if entry.trim().starts_with('/') {
        return None;
    }
    Some(parts.join("/"))
}

fn toml_get<'t>(table: &'t toml::Table, key: &str) -> Option<&'t toml::Value> {
    let mut parts = key.split('.');
    let mut value = table.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// The values of a go.mod-syntax directive: `use ./a` lines and `use ( ... )` blocks, with
/// `//` comments and quotes removed.
fn directive_values(text: &str, directive: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_block {
            if line.starts_with(')') {
                in_block = false;
            } else if !line.is_empty() {
                out.push(line.trim_matches(['"', '`']).to_string());
            }
            continue;
        }
        let Some(rest) = line.strip_prefix(directive) else {
            continue;
        };
        if !rest.starts_with([' ', '\t', '(']) {
            continue;
        }
        let rest = rest.trim();
        if let Some(after) = rest.strip_prefix('(') {
            let after = after.trim();
            if after.is_empty() {
                in_block = true;
            } else if let Some(one) = after.strip_suffix(')') {
                out.extend(
                    one.split_whitespace()
                        .map(|v| v.trim_matches(['"', '`']).to_string()),
                );
            }
        } else if !rest.is_empty() {
            out.push(rest.trim_matches(['"', '`']).to_string());
        }
    }
    out
}

/// Fill `{members}` (the folders, space-separated), `{members:T}` (`T` once per member, `*`
/// replaced by its folder), `{targets}` and `{target_dirs}` (a space and each target stub file
/// or its folder, or nothing) in a command template; other placeholders are left alone.
pub(crate) fn expand(template: &str, members: &[String], targets: &[String]) -> String {
    let mut dirs: Vec<&str> = Vec::new();
    for dir in targets
        .iter()
        .filter_map(|t| t.rsplit_once('/').map(|(d, _)| d))
    {
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    let spaced = |items: &mut dyn Iterator<Item = &str>| -> String {
        items.map(|i| format!(" {i}")).collect()
    };
    let template = template
        .replace(
            "{targets}",
            &spaced(&mut targets.iter().map(String::as_str)),
        )
        .replace("{target_dirs}", &spaced(&mut dirs.iter().copied()));
    let mut out = String::new();
    let mut rest = template.as_str();
    while let Some(start) = rest.find("{members") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "{members".len()..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        let each = if inner.is_empty() {
            Some("*")
        } else {
            inner.strip_prefix(':')
        };
        match each {
            Some(each) => out.push_str(
                &members
                    .iter()
                    .map(|m| each.replace('*', m))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            None => out.push_str(&rest[start..start + "{members".len() + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemoryContext;

    fn spec(yaml_like: &str) -> Members {
        let mut m = Members {
            manifests: vec![],
            ..Members::default()
        };
        match yaml_like {
            "cargo" => {
                m.file = "Cargo.toml".into();
                m.toml = Some("workspace.members".into());
                m.exclude_toml = Some("workspace.exclude".into());
                m.manifests = vec!["Cargo.toml".into()];
            }
            "maven" => {
                m.file = "pom.xml".into();
                m.xml = Some("project/modules/module".into());
                m.manifests = vec!["pom.xml".into()];
            }
            _ => {
                m.file = "go.work".into();
                m.directive = Some("use".into());
                m.manifests = vec!["go.mod".into(), "go.sum".into()];
            }
        }
        m
    }

    #[test]
    fn cargo_member_globs_expand_against_the_context_minus_excludes() {
        let ctx = MemoryContext::new()
            .with_file(
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\", \"tools/gen\"]\nexclude = [\"crates/old\"]\n",
            )
            .with_file("crates/a/Cargo.toml", "")
            .with_file("crates/b/Cargo.toml", "")
            .with_file("crates/old/Cargo.toml", "")
            .with_file("crates/notes/README.md", "")
            .with_file("tools/gen/Cargo.toml", "");
        assert_eq!(
            members(&spec("cargo"), &ctx, ""),
            Some(vec![
                "crates/a".into(),
                "crates/b".into(),
                "tools/gen".into()
            ])
        );
    }

    #[test]
    fn a_named_member_missing_from_the_context_gives_no_members() {
        let ctx = MemoryContext::new()
            .with_file(
                "pom.xml",
                "<project><modules><module>lib</module><module>app</module></modules></project>",
            )
            .with_file("lib/pom.xml", "");
        assert_eq!(members(&spec("maven"), &ctx, ""), None);
        let ctx = MemoryContext::new().with_file(
            "pom.xml",
            "<project><modules><module>../shared</module></modules></project>",
        );
        assert_eq!(members(&spec("maven"), &ctx, ""), None);
    }

    #[test]
    fn maven_modules_below_a_prefix() {
        let ctx = MemoryContext::new()
            .with_file(
                "backend/pom.xml",
                "<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modules>\n <module>core</module>\n <module>./web/</module></modules></project>",
            )
            .with_file("backend/core/pom.xml", "")
            .with_file("backend/web/pom.xml", "");
        assert_eq!(
            members(&spec("maven"), &ctx, "backend/"),
            Some(vec!["core".into(), "web".into()])
        );
    }

    #[test]
    fn nested_maven_modules_are_members_too() {
        let mut spec = spec("maven");
        spec.nested = true;
        let ctx = MemoryContext::new()
            .with_file(
                "pom.xml",
                "<project><modules><module>app</module><module>platform</module></modules></project>",
            )
            .with_file("app/pom.xml", "<project><artifactId>app</artifactId></project>")
            .with_file(
                "platform/pom.xml",
                "<project><modules><module>core</module><module>../shared</module></modules></project>",
            )
            .with_file("platform/core/pom.xml", "<project/>");
        // ../shared is outside the module that lists it: not followed, so no members at all.
        assert_eq!(members(&spec, &ctx, ""), None);
        let ctx = MemoryContext::new()
            .with_file(
                "pom.xml",
                "<project><modules><module>app</module><module>platform</module></modules></project>",
            )
            .with_file("app/pom.xml", "<project/>")
            .with_file(
                "platform/pom.xml",
                "<project><modules><module>core</module><module>db</module></modules></project>",
            )
            .with_file("platform/core/pom.xml", "<project/>")
            .with_file("platform/db/pom.xml", "<project/>");
        assert_eq!(
            members(&spec, &ctx, ""),
            Some(vec![
                "app".into(),
                "platform".into(),
                "platform/core".into(),
                "platform/db".into()
            ])
        );
        spec.nested = false;
        assert_eq!(
            members(&spec, &ctx, ""),
            Some(vec!["app".into(), "platform".into()])
        );
    }

    #[test]
    fn go_work_use_lines_and_blocks() {
        let text = "go 1.22\n\nuse ./tools // generators\nuse (\n\t./app\n\t\"./lib\"\n\t.\n)\nreplace x => ../x\n";
        assert_eq!(
            directive_values(text, "use"),
            vec!["./tools", "./app", "./lib", "."]
        );
        assert_eq!(
            directive_values("use (./a ./b)\n", "use"),
            vec!["./a", "./b"]
        );
        assert!(directive_values("user ./a\n", "use").is_empty());
        let ctx = MemoryContext::new()
            .with_file("go.work", text)
            .with_file("go.mod", "module root\n")
            .with_file("tools/go.mod", "")
            .with_file("app/go.mod", "")
            .with_file("lib/go.mod", "");
        assert_eq!(
            members(&spec("go"), &ctx, ""),
            Some(vec!["app".into(), "lib".into(), "tools".into()])
        );
    }

    #[test]
    fn named_targets_without_a_path_get_stub_files() {
        let mut spec = spec("cargo");
        spec.targets = vec![
            crate::profile::TargetStub {
                table: "bench".into(),
                path: "benches/{name}.rs".into(),
                skip_name: None,
            },
            crate::profile::TargetStub {
                table: "bin".into(),
                path: "src/bin/{name}.rs".into(),
                skip_name: Some("package.name".into()),
            },
        ];
        let ctx = MemoryContext::new()
            .with_file("Cargo.toml", "[workspace]\nmembers = [\"a\", \"b\"]\n")
            .with_file(
                "a/Cargo.toml",
                "[package]\nname = \"a\"\n\n[[bench]]\nname = \"parse\"\nharness = false\n\n[[bench]]\nname = \"walk\"\npath = \"perf/walk.rs\"\n\n[[bin]]\nname = \"a\"\n\n[[bin]]\nname = \"a-admin\"\n",
            )
            .with_file("b/Cargo.toml", "[package]\nname = \"b\"\n[[bench]]\nname = \"../x\"\n");
        let members = members(&spec, &ctx, "").unwrap();
        let stubs = target_stubs(&spec, &ctx, "", &members);
        assert_eq!(stubs, vec!["a/benches/parse.rs", "a/src/bin/a-admin.rs"]);
        assert_eq!(
            expand(
                "mkdir -p {members:*/src}{target_dirs} && touch {members:*/src/main.rs}{targets}",
                &members,
                &stubs
            ),
            "mkdir -p a/src b/src a/benches a/src/bin && touch a/src/main.rs b/src/main.rs a/benches/parse.rs a/src/bin/a-admin.rs"
        );
        assert_eq!(
            expand("touch {members:*/src/main.rs}{targets} && x", &members, &[]),
            "touch a/src/main.rs b/src/main.rs && x"
        );
    }

    #[test]
    fn member_placeholders() {
        let m = vec!["app".to_string(), "lib".to_string()];
        assert_eq!(
            expand("go test {members:./*/...}", &m, &[]),
            "go test ./app/... ./lib/..."
        );
        assert_eq!(
            expand("rm -rf {members:*/src} {exe}", &m, &[]),
            "rm -rf app/src lib/src {exe}"
        );
        assert_eq!(expand("echo {members}", &m, &[]), "echo app lib");
        assert_eq!(
            expand("{membersx} {members", &m, &[]),
            "{membersx} {members"
        );
    }
}
