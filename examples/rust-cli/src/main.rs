//! wordstat: counts lines, words and the most common words of a text (stdin, or a built-in poem).
use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Read, Write};

const POEM: &str = "the cat sat on the mat\nthe dog sat on the log\nand the cat saw the dog\n";

/// Line, word and top-word counts of `text`.
pub fn stats(text: &str) -> (usize, usize, Vec<(String, usize)>) {
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    let mut freq: BTreeMap<String, usize> = BTreeMap::new();
    let mut words = 0;
    for w in text.split_whitespace() {
        words += 1;
        *freq.entry(w.to_lowercase()).or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = freq.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(3);
    (lines, words, top)
}

fn main() -> io::Result<()> {
    let mut input = String::new();
    if !io::stdin().is_terminal() {
        io::stdin().read_to_string(&mut input)?;
    }
    if input.trim().is_empty() {
        input = POEM.to_string();
    }
    let (lines, words, top) = stats(&input);
    let mut buf = itoa::Buffer::new();
    let mut out = io::stdout().lock();
    writeln!(out, "lines: {}", buf.format(lines))?;
    writeln!(out, "words: {}", buf.format(words))?;
    for (word, n) in top {
        writeln!(out, "{word}: {}", buf.format(n))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_poem() {
        let (lines, words, top) = stats(POEM);
        assert_eq!(lines, 3);
        assert_eq!(words, 18);
        assert_eq!(top[0], ("the".to_string(), 6));
    }

    #[test]
    fn ties_sort_alphabetically() {
        let (_, _, top) = stats("b a");
        assert_eq!(top, vec![("a".to_string(), 1), ("b".to_string(), 1)]);
    }
}
