//! `wildcard` patterns: `*` matches any run of characters, `\*` and `\\` are literal.

use crate::work::{Exhausted, Work};

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

    /// The most matcher positions a single input can keep alive at once, capped at `cap`.
    ///
    /// A wildcard followed by text that can start again inside that text (`*:*:*`, `*ab*ab`)
    /// lets an input sit at many positions of the pattern at the same time; EventBridge
    /// measures a pattern's complexity this way and refuses patterns above a limit. The
    /// positions are explored as sets (subset construction over the pattern's bytes).
    ///
    /// The work is bounded whatever the pattern:
    /// - a set is a short sorted list of positions, never a bitmap of the whole pattern;
    /// - from a set, only the bytes at its own positions lead anywhere in particular: every
    ///   other byte leads to the same set (its wildcards, which stay alive), so a set has at
    ///   most one successor per position plus one, however many distinct bytes the pattern
    ///   has (the alphabet is compressed to the classes that set can tell apart);
    /// - the search stops at the first set of `cap` positions, so no set it expands holds
    ///   more than `cap - 1`, and each costs at most `cap` squared units of `work`.
    ///
    /// Fails when `work` runs out before the answer is known.
    pub(crate) fn complexity(&self, cap: usize, work: &mut Work) -> Result<usize, Exhausted> {
        if self.stars == 0 {
            return Ok(1);
        }
        // Tokens: None is a wildcard, Some(b) a literal byte; position `n` is the end.
        let mut tokens: Vec<Option<u8>> = Vec::new();
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                tokens.push(None);
            }
            tokens.extend(piece.iter().map(|&b| Some(b)));
        }
        work.spend(tokens.len())?;
        let n = tokens.len();
        // Adds the position after each wildcard (a wildcard may match nothing). Two
        // wildcards are never adjacent (`**` is refused), so one pass is the closure.
        let close = |set: &mut Vec<u32>| {
            let len = set.len();
            for k in 0..len {
                let i = set[k] as usize;
                if i < n && tokens[i].is_none() {
                    set.push(i as u32 + 1);
                }
            }
            set.sort_unstable();
            set.dedup();
        };
        let active = |set: &[u32]| set.iter().filter(|&&i| (i as usize) < n).count();

        let mut start = vec![0u32];
        close(&mut start);
        let mut seen: std::collections::HashSet<Vec<u32>> = std::collections::HashSet::new();
        let mut queue = std::collections::VecDeque::new();
        let mut max = active(&start);
        seen.insert(start.clone());
        queue.push_back(start);
        let mut bytes: Vec<u8> = Vec::with_capacity(cap);
        while let Some(set) = queue.pop_front() {
            if max >= cap {
                break;
            }
            // The byte classes this set tells apart: each byte at one of its positions, and
            // any other byte (`None`).
            bytes.clear();
            bytes.extend(
                set.iter()
                    .filter_map(|&i| tokens.get(i as usize).copied().flatten()),
            );
            bytes.sort_unstable();
            bytes.dedup();
            let classes = bytes.iter().map(|&b| Some(b)).chain(std::iter::once(None));
            for class in classes {
                work.spend(set.len())?;
                let mut next: Vec<u32> = Vec::with_capacity(set.len() + 1);
                for &i in &set {
                    match tokens.get(i as usize) {
                        Some(None) => next.push(i),
                        Some(Some(b)) if class == Some(*b) => next.push(i + 1),
                        _ => {}
                    }
                }
                close(&mut next);
                if next.is_empty() || seen.contains(&next) {
                    continue;
                }
                max = max.max(active(&next));
                if max >= cap {
                    return Ok(cap);
                }
                seen.insert(next.clone());
                queue.push_back(next);
            }
        }
        Ok(max.min(cap))
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
    use crate::work::Work;
    use proptest::prelude::*;

    /// The complexity by the textbook subset construction: a bitmap of every position per
    /// set, stepped by every distinct byte of the pattern plus one it lacks. The definition
    /// the compressed search is held to; it costs sets × bytes × length.
    fn dense_complexity(w: &Wildcard, cap: usize) -> usize {
        if w.stars == 0 {
            return 1;
        }
        let mut tokens: Vec<Option<u8>> = Vec::new();
        for (i, piece) in w.pieces.iter().enumerate() {
            if i > 0 {
                tokens.push(None);
            }
            tokens.extend(piece.iter().map(|&b| Some(b)));
        }
        let n = tokens.len();
        let close = |set: &mut Vec<bool>| {
            for i in 0..n {
                if set[i] && tokens[i].is_none() {
                    set[i + 1] = true;
                }
            }
        };
        let mut alphabet: Vec<u8> = tokens.iter().flatten().copied().collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        alphabet.extend((0u8..=255).find(|b| !alphabet.contains(b)));
        let mut start = vec![false; n + 1];
        start[0] = true;
        close(&mut start);
        let mut seen = std::collections::HashSet::new();
        let mut queue = std::collections::VecDeque::new();
        let mut max = 0;
        seen.insert(start.clone());
        queue.push_back(start);
        while let Some(set) = queue.pop_front() {
            max = max.max(set[..n].iter().filter(|&&a| a).count());
            if max >= cap {
                return cap;
            }
            for &byte in &alphabet {
                let mut next = vec![false; n + 1];
                for i in 0..n {
                    match tokens[i] {
                        _ if !set[i] => {}
                        None => next[i] = true,
                        Some(b) if b == byte => next[i + 1] = true,
                        Some(_) => {}
                    }
                }
                close(&mut next);
                if next.iter().any(|&a| a) && seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
        max
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Few distinct characters, some of them wide, and many wildcards: the shapes whose
        /// positions overlap most.
        #[test]
        fn compressed_search_agrees_with_the_dense_one(
            text in proptest::collection::vec(
                prop::sample::select(&['a', 'b', '*', 'é', '😀', ':'][..]), 0..40),
            cap in 1usize..30,
        ) {
            let text: String = text.into_iter().collect();
            if let Ok(w) = Wildcard::parse(&text) {
                let fast = w.complexity(cap, &mut Work::default()).expect("within budget");
                prop_assert_eq!(fast, dense_complexity(&w, cap).min(cap), "{}", text);
            }
        }
    }

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
    fn complexity_grows_with_repeating_sequences_after_wildcards() {
        let c = |p: &str| {
            Wildcard::parse(p)
                .expect("valid")
                .complexity(100, &mut Work::default())
                .expect("within budget")
        };
        assert_eq!(c("abc"), 1);
        assert_eq!(c("*.png"), 3);
        assert_eq!(c("*/bin/*.jar"), 5);
        assert_eq!(c("*:*:event-bus/*"), 6);
        assert_eq!(c("*:*:*:*:*:event-bus/*"), 12);
        assert_eq!(c(&"*ab".repeat(200)), 100);
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
