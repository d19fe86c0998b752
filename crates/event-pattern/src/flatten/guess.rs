//! Member names of kept objects, guessed from the previous event.
//!
//! Events of one kind repeat the names of their objects in the same order, so the reader
//! remembers, for each trie node and member position, the name it read there and where it
//! led. When the next event has the same bytes at that position (the name, then its closing
//! quote), the name needs no scan and no trie lookup: it is the same plain string (the
//! remembered one held no escape, quote or control character) and leads to the same child.
//! A different name is read as usual and remembered in its place.
//!
//! A guess is only as good as the trie it was made with: the guesses are dropped whenever
//! they are used with another trie (another rule set, or the same one after a change).

use super::NONE;
use super::trie::words;

/// The longest name guessed: with its closing quote it fits in sixteen bytes.
const MAX_LEN: usize = 15;
/// The most member positions remembered per object.
const MAX_POSITIONS: usize = 64;

/// One remembered name: its bytes and closing quote (masked to `len + 1` bytes) and the
/// child it led to (`NONE`: no rule looks under it).
#[derive(Debug, Clone, Copy)]
struct Guess {
    words: [u64; 2],
    mask: [u64; 2],
    len: u32,
    child: u32,
}

/// A position with nothing remembered: no bytes masked to zero equal a word of 1.
const EMPTY: Guess = Guess {
    words: [1, 0],
    mask: [0, 0],
    len: 0,
    child: NONE,
};

/// The guesses of one reader, kept between events in `FlatBuffers`.
#[derive(Debug, Default)]
pub(crate) struct NameGuesses {
    /// The trie the guesses were made with.
    trie: u64,
    by_node: Vec<Vec<Guess>>,
}

impl NameGuesses {
    /// Forgets everything when `trie` is not the trie the guesses were made with.
    #[inline]
    pub(super) fn use_with(&mut self, trie: u64) {
        if self.trie != trie {
            self.by_node.clear();
            self.trie = trie;
        }
    }

    /// The name whose opening quote is at `i`, when it is the one remembered at `node` and
    /// `position`: its child (`None`: no rule looks under it) and the index after its
    /// closing quote.
    #[inline(always)]
    pub(super) fn check(
        &self,
        node: u32,
        position: usize,
        b: &[u8],
        i: usize,
    ) -> Option<(Option<u32>, usize)> {
        let g = self.by_node.get(node as usize)?.get(position)?;
        let chunk: &[u8; 16] = b.get(i + 1..i + 17)?.try_into().ok()?;
        let (lo, hi) = chunk.split_at(8);
        let word = |half: &[u8]| half.try_into().map(u64::from_le_bytes).unwrap_or(0);
        if word(lo) & g.mask[0] != g.words[0] || word(hi) & g.mask[1] != g.words[1] {
            return None;
        }
        let child = (g.child != NONE).then_some(g.child);
        Some((child, i + g.len as usize + 2))
    }

    /// Remembers the plain name `b[start..end]` (no escapes: the caller read it so) at
    /// `node` and `position`, and the child it leads to.
    #[inline]
    pub(super) fn learn(
        &mut self,
        node: u32,
        position: usize,
        b: &[u8],
        (start, end): (usize, usize),
        child: Option<u32>,
    ) {
        let len = end - start;
        if len > MAX_LEN || position >= MAX_POSITIONS {
            return;
        }
        // The name and its closing quote, and a mask of as many bytes.
        let with_quote = len + 1;
        let guess = Guess {
            words: words(b, start, start + with_quote),
            mask: words(&[0xff; 16], 0, with_quote),
            len: len as u32,
            child: child.unwrap_or(NONE),
        };
        let node = node as usize;
        if self.by_node.len() <= node {
            self.by_node.resize_with(node + 1, Vec::new);
        }
        let Some(at_node) = self.by_node.get_mut(node) else {
            return;
        };
        if at_node.len() <= position {
            at_node.resize(position + 1, EMPTY);
        }
        if let Some(slot) = at_node.get_mut(position) {
            *slot = guess;
        }
    }
}
