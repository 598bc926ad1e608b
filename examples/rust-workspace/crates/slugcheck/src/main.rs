//! slugcheck: reads slugs from stdin, one a line, and exits 1 if any is not a valid slug
//! (a maintenance tool for the content folder, not shipped in the image).

use std::io::BufRead;

fn main() {
    let mut bad = 0;
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin");
        if !slugkit::is_slug(line.trim()) {
            eprintln!(
                "line {}: {:?} is not a slug (want {:?})",
                i + 1,
                line,
                slugkit::slugify(&line)
            );
            bad += 1;
        }
    }
    std::process::exit(if bad > 0 { 1 } else { 0 });
}
