//! `wildcard` patterns: `*` matches any run of characters, `\*` and `\\` are literal.

/// A parsed wildcard pattern: literal pieces between the wildcards.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Wildcard {
    pieces: Vec<Vec<u8>>,
    leading_star: bool,
    trailing_star: bool,
    stars: usize,
}

impl Wildcard {
    /// Parses a wildcard pattern. Error positions count UTF-8 bytes of the value with its
    /// surrounding quotes, as EventBridge reports them.
    pub(crate) fn parse(text: &str) -> Result<Wildcard, String> {
        let bytes = text.as_bytes();
        let mut pieces = vec![Vec::new()];
        let mut stars = 0;
        let mut i = 0;
        while i < bytes.len() {
            let pos = i + 1; // position in the quoted value
            match bytes[i] {
                b'*' => {
                    if bytes.get(i + 1) == Some(&b'*') {
                        return Err(format!("Consecutive wildcard characters at pos {pos}"));
                    }
                    stars += 1;
                    pieces.push(Vec::new());
                }
                b'\\' => match bytes.get(i + 1) {
                    Some(&next @ (b'*' | b'\\')) => {
                        if let Some(last) = pieces.last_mut() {
                            last.push(next);
                        }
                        i += 1;
                    }
                    // A backslash before anything else (the closing quote included) is invalid.
                    _ => return Err(format!("Invalid escape character at pos {pos}")),
                },
                b => {
                    if let Some(last) = pieces.last_mut() {
                        last.push(b);
                    }
                }
            }
            i += 1;
        }
        let leading_star = stars > 0 && pieces.first().is_some_and(Vec::is_empty);
        let trailing_star = stars > 0 && pieces.last().is_some_and(Vec::is_empty);
        Ok(Wildcard {
            pieces,
            leading_star,
            trailing_star,
            stars,
        })
    }

    pub(crate) fn star_count(&self) -> usize {
        self.stars
    }

    /// The literal pieces between wildcards.
    pub(crate) fn pieces(&self) -> &[Vec<u8>] {
        &self.pieces
    }

    pub(crate) fn matches(&self, value: &str) -> bool {
        let v = value.as_bytes();
        let pieces = &self.pieces;
        if self.stars == 0 {
            return pieces.first().is_some_and(|p| p.as_slice() == v);
        }
        let first = pieces.first().map(Vec::as_slice).unwrap_or_default();
        let last = pieces.last().map(Vec::as_slice).unwrap_or_default();
        if first.len() + last.len() > v.len() || !v.starts_with(first) || !v.ends_with(last) {
            return false;
        }
        // Leftmost placement of each middle piece is optimal for `*`-only globs.
        let mut at = first.len();
        let end = v.len() - last.len();
        for piece in &pieces[1..pieces.len() - 1] {
            match find(&v[at..end], piece) {
                Some(i) => at += i + piece.len(),
                None => return false,
            }
        }
        let _ = (self.leading_star, self.trailing_star);
        true
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::Wildcard;

    #[test]
    fn wildcards_match_as_documented() {
        let cases: &[(&str, &str, bool)] = &[
            ("*.png", "photo.png", true),
            ("*.png", "photo.jpg", false),
            ("dir/*/file", "dir/a/b/file", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "acb", false),
            ("a*a", "a", false),
            ("*", "", true),
            ("", "", true),
            ("\\*", "*", true),
            ("\\*", "x", false),
            ("a\\\\b", "a\\b", true),
            ("*ab*ab", "xabab", true),
        ];
        for (pattern, value, expected) in cases {
            let w = Wildcard::parse(pattern).expect("valid pattern");
            assert_eq!(w.matches(value), *expected, "{pattern} vs {value}");
        }
    }

    #[test]
    fn bad_wildcards_are_reported_at_their_position() {
        assert_eq!(
            Wildcard::parse("ab**").unwrap_err(),
            "Consecutive wildcard characters at pos 3"
        );
        assert_eq!(
            Wildcard::parse("a\\b").unwrap_err(),
            "Invalid escape character at pos 2"
        );
        assert_eq!(
            Wildcard::parse("a\\").unwrap_err(),
            "Invalid escape character at pos 2"
        );
    }
}
