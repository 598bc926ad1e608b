//! Prints a numbered roll call of the names given as arguments, or of a default class.

use std::io::{self, Write};

const CLASS: [&str; 4] = ["Ada", "Barbara", "Grace", "Margaret"];

/// One line per name, numbered from 1, with the count at the end.
fn roll_call<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    let mut number = itoa::Buffer::new();
    for (i, name) in names.iter().enumerate() {
        out.push_str(number.format(i + 1));
        out.push_str(". ");
        out.push_str(name.as_ref());
        out.push('\n');
    }
    out.push_str(number.format(names.len()));
    out.push_str(" present\n");
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = if args.is_empty() {
        roll_call(&CLASS)
    } else {
        roll_call(&args)
    };
    io::stdout().write_all(text.as_bytes()).expect("stdout");
}

#[cfg(test)]
mod tests {
    use super::roll_call;

    #[test]
    fn numbers_each_name_and_counts_them() {
        assert_eq!(roll_call(&["x", "y"]), "1. x\n2. y\n2 present\n");
    }

    #[test]
    fn an_empty_class_is_counted_too() {
        assert_eq!(roll_call::<&str>(&[]), "0 present\n");
    }
}
