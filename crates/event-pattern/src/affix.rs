//! Prefixes or suffixes of one transition, found by probing one part of a value per
//! distinct affix length.
//!
//! Affixes of up to eight bytes (nearly all of them) are keyed by their bytes read as one
//! word, so a probe is a mask, a shift and an integer hash, with no byte comparison.

use crate::hash::FxMap;

type StateId = u32;

#[derive(Debug, Clone, Default)]
pub(crate) struct AffixIndex {
    /// Affixes of at most eight bytes: (length, affixes of that length by word), by length.
    short: Vec<(usize, FxMap<u64, Vec<StateId>>)>,
    long: FxMap<Box<[u8]>, Vec<StateId>>,
    long_lengths: Vec<usize>,
}

/// Which end of a value an index looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    Prefix,
    Suffix,
}

impl AffixIndex {
    pub(crate) fn insert(&mut self, key: &str, next: StateId) {
        let key = key.as_bytes();
        let list = if key.len() <= 8 {
            let at = match self.short.binary_search_by_key(&key.len(), |(l, _)| *l) {
                Ok(at) => at,
                Err(at) => {
                    self.short.insert(at, (key.len(), FxMap::default()));
                    at
                }
            };
            self.short[at].1.entry(word(key)).or_default()
        } else {
            if let Err(at) = self.long_lengths.binary_search(&key.len()) {
                self.long_lengths.insert(at, key.len());
            }
            self.long.entry(key.into()).or_default()
        };
        if !list.contains(&next) {
            list.push(next);
        }
    }

    /// Appends the states of every affix of `value` at `end`.
    #[inline(always)]
    pub(crate) fn lookup(&self, value: &[u8], end: End, out: &mut Vec<StateId>) {
        // Most transitions have no affixes of a kind: decided here, without a call.
        if !self.is_empty() {
            self.probe(value, end, out);
        }
    }

    #[inline(never)]
    fn probe(&self, value: &[u8], end: End, out: &mut Vec<StateId>) {
        if !self.short.is_empty() {
            // The (up to) eight bytes at this end of the value, as a word.
            let n = value.len();
            let edge = match (end, n >= 8) {
                (End::Prefix, true) => word(&value[..8]),
                (End::Suffix, true) => word(&value[n - 8..]),
                (_, false) => word(value),
            };
            let width = n.min(8);
            for (len, by_word) in &self.short {
                let len = *len;
                if len > n {
                    break;
                }
                let key = match end {
                    End::Prefix => edge & mask(len),
                    // The last `len` of the `width` bytes held in `edge`.
                    // (An empty suffix shifts all of them out.)
                    End::Suffix => {
                        edge.checked_shr((8 * (width - len)) as u32).unwrap_or(0) & mask(len)
                    }
                };
                if let Some(next) = by_word.get(&key) {
                    append(out, next);
                }
            }
        }
        for &len in &self.long_lengths {
            if len > value.len() {
                break;
            }
            let part = match end {
                End::Prefix => &value[..len],
                End::Suffix => &value[value.len() - len..],
            };
            if let Some(next) = self.long.get(part) {
                append(out, next);
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.short.is_empty() && self.long_lengths.is_empty()
    }
}

/// Appends a list of states to `out`. The lists are nearly always one or two long, where an
/// element-by-element copy costs less than the call `extend_from_slice` makes.
#[inline(always)]
pub(crate) fn append(out: &mut Vec<StateId>, states: &[StateId]) {
    for &s in states {
        out.push(s);
    }
}

/// Up to eight bytes as a little-endian word, zero-padded.
#[inline]
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    for (d, s) in w.iter_mut().zip(bytes) {
        *d = *s;
    }
    u64::from_le_bytes(w)
}

/// The low `len` bytes of a word (`len` <= 8).
#[inline]
fn mask(len: usize) -> u64 {
    if len >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * len)) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The index finds exactly the affixes a direct `starts_with` / `ends_with` finds.
        #[test]
        fn lookup_agrees_with_direct_comparison(
            affixes in prop::collection::vec("[ab.]{0,11}", 1..8),
            value in "[ab.]{0,13}",
        ) {
            for end in [End::Prefix, End::Suffix] {
                let mut index = AffixIndex::default();
                for (i, a) in affixes.iter().enumerate() {
                    index.insert(a, i as StateId);
                }
                let mut got = Vec::new();
                index.lookup(value.as_bytes(), end, &mut got);
                got.sort_unstable();
                got.dedup();
                let expected: Vec<StateId> = affixes
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| match end {
                        End::Prefix => value.starts_with(a.as_str()),
                        End::Suffix => value.ends_with(a.as_str()),
                    })
                    .map(|(i, _)| i as StateId)
                    .collect();
                prop_assert_eq!(got, expected, "{:?} {:?}", end, value);
            }
        }
    }
}
