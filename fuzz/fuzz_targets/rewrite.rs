//! The whole rewrite on arbitrary Dockerfile text, with one fixed build context that holds the
//! manifests of every profile: it never panics, a file that parses without errors is never an
//! error (a skip at worst), and a rewritten outcome re-parses without errors, round-trips, and
//! has at least two stages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use restage::pipeline::{Engine, Options, Status};
use restage::source::MemoryContext;
use restage::syntax;
use std::sync::OnceLock;

struct Fixed {
    engine: Engine,
    ctx: MemoryContext,
    opts: Options,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let opts = Options::default();
        let ctx = MemoryContext::new()
            .with_file(
                "package.json",
                r#"{"name":"app","scripts":{"build":"tsc","start":"node dist/index.js","test":"jest"},"dependencies":{"express":"4"},"devDependencies":{"typescript":"5"}}"#,
            )
            .with_file("package-lock.json", r#"{"lockfileVersion":3,"packages":{}}"#)
            .with_file("go.mod", "module example.com/app\n\ngo 1.22\n")
            .with_file("go.sum", "")
            .with_file("main.go", "package main\n\nfunc main() {}\n")
            .with_file("requirements.txt", "flask==3.0.0\ngunicorn\n")
            .with_file("app.py", "import flask\n")
            .with_file(
                "Cargo.toml",
                "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[bin]]\nname = \"server\"\npath = \"src/main.rs\"\n",
            )
            .with_file("Cargo.lock", "version = 3\n")
            .with_file("src/main.rs", "fn main() {}\n")
            .with_file(
                "pom.xml",
                "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId><artifactId>app</artifactId><version>1.0</version><packaging>jar</packaging></project>\n",
            )
            .with_file("mvnw", "#!/bin/sh\n")
            .with_file("build.gradle", "plugins { id 'java' }\n")
            .with_file(
                "App.csproj",
                "<Project Sdk=\"Microsoft.NET.Sdk.Web\"><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>\n",
            )
            .with_file("templates/index.html", "<html></html>\n")
            .with_file("entrypoint.sh", "#!/bin/sh\nexec \"$@\"\n");
        Fixed {
            engine: Engine::load(&opts).expect("built-in profiles and templates"),
            ctx,
            opts,
        }
    })
}

fuzz_target!(|text: &str| {
    let f = fixed();
    let outcome = match f.engine.rewrite(text, &f.ctx, &f.opts) {
        Ok(outcome) => outcome,
        // A valid file is never an error: restage's own faults make it a skip with a reason.
        Err(error) => {
            assert!(
                !syntax::parse(text).errors.is_empty(),
                "a file that parses without errors gave an error: {error}\n{text}"
            );
            return;
        }
    };
    if outcome.status != Status::Rewritten {
        assert_eq!(
            outcome.dockerfile, text,
            "a file not rewritten is given back as it was"
        );
        return;
    }
    let df = syntax::parse(&outcome.dockerfile);
    assert!(
        df.errors.is_empty(),
        "rewritten output does not parse: {:?}\n{}",
        df.errors,
        outcome.dockerfile
    );
    assert_eq!(df.to_string(), outcome.dockerfile);
    assert!(
        df.stages().count() >= 2,
        "rewritten output is not multi-stage"
    );
});
