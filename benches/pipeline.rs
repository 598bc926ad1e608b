//! In-process benchmarks: parse, detect, plan+render and the whole pipeline on one realistic
//! file per profile, and the scaling of parse and the whole pipeline with file size (up to
//! 420,000 instructions, near the 10 MiB input limit).
//!
//! Inputs (fixture cases as `MemoryContext`s, generated files) are built once, outside the timed
//! loops. Figures are recorded in BENCHMARKS.md.

mod common;

use common::{CASES, copy_lines_dockerfile, generated_dockerfile, load_case, node_context};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use restage::detect;
use restage::pipeline::{Engine, Options, Status};
use restage::plan::{self, PlanInput, PlanOptions};
use restage::render::TextStyle;
use restage::syntax;
use std::hint::black_box;
use std::time::Duration;

fn engine() -> (Engine, Options) {
    let opts = Options::default();
    (Engine::load(&opts).expect("built-in engine"), opts)
}

/// `pipeline/<n>` in `group`: the whole rewrite of `text` (an `n`-instruction file), checked
/// once to be a rewrite, so the bench never times a skip.
fn bench_pipeline(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    (engine, opts): (&Engine, &Options),
    ctx: &restage::source::MemoryContext,
    n: usize,
    text: &str,
) {
    let outcome = engine.rewrite(text, ctx, opts).expect("rewrite");
    assert_eq!(
        outcome.status,
        Status::Rewritten,
        "{n}: {:?}",
        outcome.reason
    );
    group.bench_with_input(BenchmarkId::new("pipeline", n), text, |b, text| {
        b.iter(|| engine.rewrite(black_box(text), ctx, opts).expect("rewrite"))
    });
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    let (text, _) = load_case("node-npm-ci-basic");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("realistic", |b| b.iter(|| syntax::parse(black_box(&text))));
    let big = generated_dockerfile(2_000);
    assert_eq!(syntax::parse(&big).instructions.len(), 2_000);
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("2000-instructions", |b| {
        b.iter(|| syntax::parse(black_box(&big)))
    });
    group.finish();
}

fn per_profile(c: &mut Criterion) {
    let (engine, opts) = engine();
    let options = PlanOptions::default();
    for &(profile, case) in CASES {
        let (text, ctx) = load_case(case);
        let df = syntax::parse(&text);
        assert!(df.errors.is_empty(), "{case}: {:?}", df.errors);
        let detection = detect::detect(&df, &ctx, &engine.registry);
        assert_eq!(detection.profile.as_deref(), Some(profile), "{case}");
        let prof = engine.registry.get(profile).expect("profile");
        let input = PlanInput {
            df: &df,
            detection: &detection,
            profile: prof,
            registry: &engine.registry,
            ctx: &ctx,
            options: &options,
        };
        let style = TextStyle {
            crlf: df.uses_crlf(),
            final_newline: text.ends_with('\n'),
        };
        plan::plan(&input).expect("plan");
        let outcome = engine.rewrite(&text, &ctx, &opts).expect("rewrite");
        assert_eq!(outcome.status, Status::Rewritten, "{case}");

        let mut group = c.benchmark_group(format!("profile/{profile}"));
        group.bench_function("parse", |b| b.iter(|| syntax::parse(black_box(&text))));
        group.bench_function("detect", |b| {
            b.iter(|| detect::detect(black_box(&df), &ctx, &engine.registry))
        });
        group.bench_function("plan+render", |b| {
            b.iter(|| {
                let plan = plan::plan(black_box(&input)).expect("plan");
                engine.templates.render(&plan, style).expect("render")
            })
        });
        group.bench_function("pipeline", |b| {
            b.iter(|| {
                engine
                    .rewrite(black_box(&text), &ctx, &opts)
                    .expect("rewrite")
            })
        });
        group.finish();
    }
}

fn scaling(c: &mut Criterion) {
    let (engine, opts) = engine();
    let ctx = node_context();
    let mut group = c.benchmark_group("scaling");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    for n in [100usize, 1_000, 10_000] {
        let text = generated_dockerfile(n);
        let df = syntax::parse(&text);
        assert_eq!(df.instructions.len(), n);
        assert!(df.errors.is_empty(), "{:?}", df.errors.first());
        assert_eq!(df.to_string(), text);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("parse", n), &text, |b, text| {
            b.iter(|| syntax::parse(black_box(text)))
        });
        bench_pipeline(&mut group, (&engine, &opts), &ctx, n, &text);
    }
    group.finish();
}

/// Issue 17's scaling target: 420,000 instructions (9.9 MB, near the 10 MiB input limit) may
/// cost at most 10× what 52,000 do. `scaling-large/pipeline/{52000,420000}`.
fn scaling_large(c: &mut Criterion) {
    let (engine, opts) = engine();
    let ctx = node_context();
    let mut group = c.benchmark_group("scaling-large");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    for n in [52_000usize, 420_000] {
        let text = copy_lines_dockerfile(n);
        assert_eq!(syntax::parse(&text).instructions.len(), n);
        group.throughput(Throughput::Elements(n as u64));
        bench_pipeline(&mut group, (&engine, &opts), &ctx, n, &text);
    }
    group.finish();
}

/// A bench group: a function adding its benchmarks to criterion.
type Group = fn(&mut Criterion);

/// The bench groups, `scaling-large` before `scaling` (see [`named_group`]).
const GROUPS: &[(&str, Group)] = &[
    ("parse", parse),
    ("profile", per_profile),
    ("scaling-large", scaling_large),
    ("scaling", scaling),
];

/// The group a benchmark filter names at its start (`profile/.*/pipeline` → `profile`), if
/// any. Criterion's filter is an unanchored regex, so a filter that starts with no group name
/// and `/` (`pipeline`, `scaling`) may select benchmarks of any group.
fn named_group(filter: &str) -> Option<&'static str> {
    GROUPS.iter().map(|(name, _)| *name).find(|name| {
        filter
            .strip_prefix(name)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The benchmark filter on the command line: the first argument that is neither an option nor
/// an option's value.
fn filter_arg() -> Option<String> {
    const TAKES_VALUE: &[&str] = &[
        "--warm-up-time",
        "--measurement-time",
        "--profile-time",
        "--sample-size",
        "--nresamples",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--save-baseline",
        "--baseline",
        "--baseline-lenient",
        "--load-baseline",
        "--color",
        "--format",
        "--output-format",
        "--plotting-backend",
    ];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if TAKES_VALUE.contains(&arg.as_str()) {
            args.next();
        } else if !arg.starts_with('-') {
            return Some(arg);
        }
    }
    None
}

/// Runs the groups a filter can select, so that `-- 'profile/.*'` does not build and check the
/// scaling groups' multi-megabyte inputs first (which takes minutes under valgrind).
fn main() {
    let named = filter_arg().as_deref().and_then(named_group);
    let mut criterion = Criterion::default().configure_from_args();
    for (name, group) in GROUPS {
        if named.is_none_or(|named| named == *name) {
            group(&mut criterion);
        }
    }
    criterion.final_summary();
}
