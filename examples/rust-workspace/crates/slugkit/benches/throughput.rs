//! `cargo bench -p slugkit`: slugs per second over a mixed-script title list (no harness, so
//! it runs on stable without a benchmarking crate).
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let titles = [
        "Crème Brûlée, fast!",
        "Ærøskøbing harbour notes",
        "Привет, мир",
        "already-a-slug",
    ];
    let rounds = 200_000;
    let start = Instant::now();
    for i in 0..rounds {
        black_box(slugkit::slugify(black_box(titles[i % titles.len()])));
    }
    let secs = start.elapsed().as_secs_f64();
    println!("slugify: {:.0} titles/s", rounds as f64 / secs);
}
