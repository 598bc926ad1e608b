//! URL slugs: ASCII transliteration (deunicode), lower case, words joined by '-'.

/// The slug of `title`: "Crème Brûlée, fast!" → "creme-brulee-fast".
pub fn slugify(title: &str) -> String {
    let ascii = deunicode::deunicode(title);
    let mut out = String::with_capacity(ascii.len());
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out
}

/// Whether `s` is already a slug (what [`slugify`] would return for it).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty() && slugify(s) == s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterates_and_joins() {
        assert_eq!(slugify("Crème Brûlée, fast!"), "creme-brulee-fast");
        assert_eq!(slugify("  Łódź -- Kraków  "), "lodz-krakow");
        assert_eq!(slugify("Привет мир"), "privet-mir");
    }

    #[test]
    fn slugs_are_fixed_points() {
        assert!(is_slug("creme-brulee"));
        assert!(!is_slug("Crème"));
        assert!(!is_slug("a--b"));
    }
}
