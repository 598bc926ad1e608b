//! Inputs shared by the benchmarks: fixture cases loaded into memory, and generated Dockerfiles
//! and projects. Everything here runs outside the timed loops.
#![allow(dead_code)]

use restage::source::MemoryContext;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One realistic fixture case per profile (tests/fixtures/cases/<name>).
pub const CASES: &[(&str, &str)] = &[
    ("node", "node-npm-ci-basic"),
    ("go", "go-build-o-main-mod-download-cache"),
    ("python", "python-pip-requirements-gunicorn"),
    ("java-maven", "java-maven-mvnw-go-offline-temurin"),
    ("java-gradle", "java-gradle-gradlew-kotlin-dsl-temurin"),
    ("dotnet", "dotnet-sdk8-publish-release-out"),
    ("rust", "rust-cargo-build-release-1.80"),
];

pub fn case_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cases")
        .join(name)
}

/// A fixture case's Dockerfile text and its whole folder as a [`MemoryContext`].
pub fn load_case(name: &str) -> (String, MemoryContext) {
    let dir = case_dir(name);
    let text = std::fs::read_to_string(dir.join("Dockerfile")).expect("case Dockerfile");
    let mut ctx = MemoryContext::new();
    add_dir(&mut ctx, &dir, &dir);
    (text, ctx)
}

fn add_dir(ctx: &mut MemoryContext, root: &Path, dir: &Path) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read case folder")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "case.yaml" {
            continue;
        }
        if path.is_dir() {
            add_dir(ctx, root, &path);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            ctx.add_file(&rel, text);
        }
    }
}

/// A Node project's context for the generated Dockerfiles.
pub fn node_context() -> MemoryContext {
    MemoryContext::new()
        .with_file(
            "package.json",
            r#"{"name":"gen","version":"1.0.0","scripts":{"build":"tsc -p .","start":"node dist/index.js","test":"node --test"},"dependencies":{"express":"^4.19.2"},"devDependencies":{"typescript":"^5.4.0"}}"#,
        )
        .with_file(
            "package-lock.json",
            r#"{"name":"gen","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{}}"#,
        )
        .with_file("tsconfig.json", r#"{"compilerOptions":{"outDir":"dist"}}"#)
        .with_file("src/index.ts", "console.log('hi');\n")
}

/// A single-stage Node Dockerfile of exactly `instructions` instructions (at least 8): a fixed
/// head and tail around ENV+RUN pairs, each RUN a long continuation of several lines.
pub fn generated_dockerfile(instructions: usize) -> String {
    assert!(instructions >= 8);
    let pairs = (instructions - 8) / 2;
    let extra = (instructions - 8) % 2;
    let mut s = String::with_capacity(instructions * 160);
    s.push_str("# syntax=docker/dockerfile:1\nFROM node:20-bookworm\nWORKDIR /app\n");
    s.push_str("COPY package.json package-lock.json ./\nRUN npm ci\n");
    for i in 0..pairs {
        writeln!(
            s,
            "ENV SETTING_{i}=value-{i} \\\n    OTHER_{i}=\"quoted value $SETTING_{i}\""
        )
        .unwrap();
        writeln!(
            s,
            "RUN mkdir -p /opt/step{i} \\\n    && echo \"step {i}: $SETTING_{i}\" > /opt/step{i}/note \\\n    # a comment inside the continuation\n    && ln -sf /opt/step{i}/note /opt/step{i}/link \\\n    && test -f /opt/step{i}/link"
        )
        .unwrap();
    }
    for _ in 0..extra {
        s.push_str("LABEL org.example.padding=\"yes\"\n");
    }
    s.push_str("COPY . .\nRUN npm run build\nEXPOSE 3000\nCMD [\"node\", \"dist/index.js\"]\n");
    s
}

/// A single-stage Node Dockerfile of exactly `instructions` instructions (at least 6) that is
/// mostly `COPY fN /x/fN` lines, about 23 bytes each: 420,000 of them come to 9.9 MB, near the
/// 10 MiB input limit (the file of issue 17's scaling target).
pub fn copy_lines_dockerfile(instructions: usize) -> String {
    assert!(instructions >= 6);
    let mut s = String::with_capacity(instructions * 24 + 128);
    s.push_str("FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\n");
    for i in 0..instructions - 5 {
        writeln!(s, "COPY f{i} /x/f{i}").unwrap();
    }
    s.push_str("CMD [\"node\", \"index.js\"]\n");
    s
}

/// One small project per index, rotating through four ecosystems.
pub fn write_project(dir: &Path, i: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let w = |name: &str, text: &str| {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    };
    match i % 4 {
        0 => {
            w(
                "package.json",
                &format!(
                    r#"{{"name":"app{i}","version":"1.0.0","scripts":{{"build":"tsc","start":"node dist/index.js"}},"dependencies":{{"express":"^4.19.2"}}}}"#
                ),
            );
            w(
                "package-lock.json",
                &format!(r#"{{"name":"app{i}","lockfileVersion":3,"packages":{{}}}}"#),
            );
            w("src/index.ts", "console.log('hi');\n");
            w(
                "Dockerfile",
                &format!(
                    "FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nENV APP_ID={i}\nEXPOSE 3000\nCMD [\"node\", \"dist/index.js\"]\n"
                ),
            );
        }
        1 => {
            w("go.mod", &format!("module example.com/app{i}\n\ngo 1.22\n"));
            w("go.sum", "");
            w("main.go", "package main\n\nfunc main() {}\n");
            w(
                "Dockerfile",
                &format!(
                    "FROM golang:1.22\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /bin/app{i} .\nCMD [\"/bin/app{i}\"]\n"
                ),
            );
        }
        2 => {
            w("requirements.txt", "flask==3.0.0\ngunicorn==22.0.0\n");
            w("app.py", "from flask import Flask\napp = Flask(__name__)\n");
            w(
                "Dockerfile",
                &format!(
                    "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nENV APP_ID={i}\nEXPOSE 8000\nCMD [\"gunicorn\", \"-b\", \"0.0.0.0:8000\", \"app:app\"]\n"
                ),
            );
        }
        _ => {
            w(
                "Cargo.toml",
                &format!("[package]\nname = \"app{i}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
            );
            w("Cargo.lock", "version = 3\n");
            w("src/main.rs", "fn main() {}\n");
            w(
                "Dockerfile",
                &format!(
                    "FROM rust:1.80\nWORKDIR /src\nCOPY . .\nRUN cargo build --release --locked\nCMD [\"/src/target/release/app{i}\"]\n"
                ),
            );
        }
    }
}
