//! slugify: prints the slug of each argument, or of each line of a built-in sample.

const SAMPLE: &[&str] = &[
    "Crème Brûlée, fast!",
    "Łódź -- Kraków by night",
    "Ten Tips for Multi-Stage Builds",
    "Straße & Café",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--versions") {
        println!("slugify {}", env!("CARGO_PKG_VERSION"));
        println!("deunicode {}", env!("DEUNICODE_VERSION"));
        return;
    }
    let titles: Vec<&str> = if args.is_empty() {
        SAMPLE.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    for t in titles {
        println!("{:<32} {}", t, slugkit::slugify(t));
    }
}
