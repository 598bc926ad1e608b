//! One candidate's score as it accumulates: the [`Tally`] of its evidence lines ([`What`]) and
//! their weights, and how weights are written.

/// An evidence line without its weight, kept in pieces and written out only when reported
/// (most tallies never are). Two lines are equal when their texts are.
#[derive(Clone, Debug)]
pub(super) enum What<'a> {
    Parts([&'a str; 4]),
    Text(String),
}

impl<'a> What<'a> {
    /// The line made of these pieces.
    pub(super) fn of<const N: usize>(pieces: [&'a str; N]) -> Self {
        let mut parts = [""; 4];
        parts[..N].copy_from_slice(&pieces);
        What::Parts(parts)
    }

    fn pieces(&self) -> impl Iterator<Item = &str> {
        let (parts, text): (&[&str], Option<&str>) = match self {
            What::Parts(parts) => (parts, None),
            What::Text(text) => (&[], Some(text)),
        };
        parts.iter().copied().chain(text)
    }

    pub(super) fn len(&self) -> usize {
        self.pieces().map(str::len).sum()
    }
}

impl PartialEq for What<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .pieces()
                .flat_map(str::bytes)
                .eq(other.pieces().flat_map(str::bytes))
    }
}

/// Accumulates one candidate's score and evidence.
#[derive(Default)]
pub(super) struct Tally<'a> {
    pub(super) dockerfile: f64,
    pub(super) context: f64,
    /// Each evidence line (without its weight) with its weight; see [`Tally::evidence`].
    pub(super) weighted: Vec<(What<'a>, f64)>,
}

impl<'a> Tally<'a> {
    pub(super) fn add_dockerfile(&mut self, weight: f64, what: What<'a>) {
        if weight > 0.0 {
            self.dockerfile += weight;
            self.weighted.push((what, weight));
        }
    }
    pub(super) fn add_context(&mut self, weight: f64, what: What<'a>) {
        if weight > 0.0 {
            self.context += weight;
            self.weighted.push((what, weight));
        }
    }
    /// The evidence lines, `<prefix><what> (+<weight>)`.
    pub(super) fn evidence<'t>(&'t self, prefix: &'t str) -> impl Iterator<Item = String> + 't {
        self.weighted.iter().map(move |(what, w)| {
            let mut line = String::with_capacity(prefix.len() + what.len() + 8);
            line.push_str(prefix);
            what.pieces().for_each(|p| line.push_str(p));
            line.push_str(" (+");
            push_weight(&mut line, *w);
            line.push(')');
            line
        })
    }
    pub(super) fn total(&self) -> f64 {
        self.dockerfile + self.context
    }
    /// The weight of the evidence two profiles share line for line (same observation, same
    /// weight): a JDK base image says "Java" but not "Maven or Gradle".
    pub(super) fn overlap(&self, other: &Tally<'_>) -> f64 {
        let mut rest: Vec<&(What<'_>, f64)> = other.weighted.iter().collect();
        let mut shared = 0.0;
        for line in &self.weighted {
            if let Some(i) = rest.iter().position(|o| *o == line) {
                shared += line.1;
                rest.swap_remove(i);
            }
        }
        shared
    }
}

pub(super) fn fmt_weight(w: f64) -> String {
    let mut out = String::new();
    push_weight(&mut out, w);
    out
}

/// A weight as `{w:.0}` when it is whole, else `{w}`; whole weights of usual size are written
/// as integers (the same digits, without the slow exact float formatting).
fn push_weight(out: &mut String, w: f64) {
    use std::fmt::Write as _;
    let written = if w.fract() == 0.0 && w.abs() < 1e15 && (w != 0.0 || w.is_sign_positive()) {
        write!(out, "{}", w as i64)
    } else if w.fract() == 0.0 {
        write!(out, "{w:.0}")
    } else {
        write!(out, "{w}")
    };
    written.expect("writing to a String never fails");
}

pub(super) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
impl Tally<'static> {
    /// A tally of Dockerfile evidence lines and context evidence lines (what, weight).
    pub(super) fn of(dockerfile: &[(&str, f64)], context: &[(&str, f64)]) -> Self {
        let mut t = Tally::default();
        for &(what, w) in dockerfile {
            t.add_dockerfile(w, What::Text(what.to_string()));
        }
        for &(what, w) in context {
            t.add_context(w, What::Text(what.to_string()));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_written_as_before() {
        let old = |w: f64| {
            if w.fract() == 0.0 {
                format!("{w:.0}")
            } else {
                format!("{w}")
            }
        };
        for w in [
            0.0,
            -0.0,
            1.0,
            3.0,
            -4.0,
            2.5,
            0.1 + 0.2,
            1e15,
            -1e15,
            123_456_789_012_345.0,
            1e20,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(fmt_weight(w), old(w), "{w:?}");
        }
    }

    #[test]
    fn evidence_pieces_compare_as_their_texts() {
        let text = |w: &What<'_>| w.pieces().collect::<String>();
        let lines = [
            What::of(["COPY ", "package.json", " [npm]"]),
            What::of(["COPY package.json", " [npm]"]),
            What::Text("COPY package.json [npm]".into()),
            What::of(["COPY ", "package.json", " [yarn]"]),
            What::of(["package.json", " ", "present", ""]),
            What::of(["", ""]),
            What::Text(String::new()),
            What::Text("COPY package.json [npm".into()),
        ];
        for a in &lines {
            for b in &lines {
                assert_eq!(a == b, text(a) == text(b), "{a:?} {b:?}");
            }
        }
    }
}
