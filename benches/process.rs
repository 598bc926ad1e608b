//! Whole-process benchmarks of the release binary: `restage --check` on one file, and over a
//! folder of 5,000 generated projects (the CLI spreads files over all cores with rayon).
//!
//! The projects are generated once into a temporary folder, outside the timed loop. Each
//! sample spawns the binary and waits for it; the exit status must be 1 (files would change).

mod common;

use common::{case_dir, write_project};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROJECTS: usize = 5_000;

fn run_check(args: &[&Path]) -> Duration {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_restage"))
        .arg("--check")
        .arg("--quiet")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn restage");
    let elapsed = start.elapsed();
    assert_eq!(status.code(), Some(1), "restage --check {args:?}");
    elapsed
}

fn one_file(c: &mut Criterion) {
    let file = case_dir("node-npm-ci-basic").join("Dockerfile");
    run_check(&[&file]);
    let mut group = c.benchmark_group("process");
    group.sample_size(50);
    group.bench_function("check-one-file", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run_check(&[&file])).sum())
    });
    group.finish();
}

fn many_files(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    for i in 0..PROJECTS {
        write_project(&dir.path().join(format!("p{i:04}")), i);
    }
    // One warm-up run that must find every project (and fail the bench if one errors).
    run_check(&[dir.path()]);
    let mut group = c.benchmark_group("process");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(PROJECTS as u64));
    group.bench_function("check-5000-projects", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run_check(&[dir.path()])).sum())
    });
    group.finish();
}

criterion_group!(benches, one_file, many_files);
criterion_main!(benches);
