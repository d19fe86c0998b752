//! The paths rules name, as a trie of their `.`-separated segments.
//!
//! Reading an event walks this trie alongside the event's objects: a key with no child here
//! leads nowhere any rule looks, so its value is only checked, never kept.

use super::strings::load8;

/// Trie over the `.`-separated segments of the paths rules use.
#[derive(Debug, Default, Clone)]
pub(crate) struct PathTrie {
    nodes: Vec<TrieNode>,
    paths: Vec<String>,
    /// Changes whenever a node is added, the only change that moves where a member name
    /// leads, so that what a reader learned with one trie is never used with another
    /// (`guess.rs`).
    id: u64,
}

/// A new trie identity.
fn fresh_id() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

#[derive(Debug, Default, Clone)]
struct TrieNode {
    /// Few per node in practice, so a scan beats hashing every event key.
    children: Vec<Child>,
    /// Bit `n` set when some child name is `n` bytes long (63 for any longer), so most keys
    /// are ruled out before any compare.
    lengths: u64,
    path: Option<u32>,
}

/// A child segment, with its length and first sixteen bytes ready for word compares.
#[derive(Debug, Clone)]
struct Child {
    len: usize,
    words: [u64; 2],
    /// The bytes after the first sixteen.
    rest: Box<[u8]>,
    node: u32,
}

impl TrieNode {
    /// The child named `key`, whose first sixteen bytes (zero-padded) are `words`.
    #[inline]
    fn get(&self, key: &[u8], words: [u64; 2]) -> Option<u32> {
        if self.lengths & length_bit(key.len()) == 0 {
            return None;
        }
        self.children
            .iter()
            .find(|c| {
                c.len == key.len()
                    && c.words == words
                    && (c.len <= 16 || *c.rest == *key.get(16..).unwrap_or(&[]))
            })
            .map(|c| c.node)
    }
}

#[inline]
fn length_bit(len: usize) -> u64 {
    1u64 << len.min(63)
}

/// The first sixteen bytes of `text[start..end]`, zero-padded, as two words. The text
/// usually goes on past `end` (a key is followed by at least its quote), so the words are
/// read whole and masked.
#[inline]
pub(super) fn words(text: &[u8], start: usize, end: usize) -> [u64; 2] {
    let len = end.saturating_sub(start);
    [
        word(text, start, len),
        word(text, start + 8, len.saturating_sub(8)),
    ]
}

#[inline]
fn word(text: &[u8], at: usize, len: usize) -> u64 {
    if len == 0 {
        return 0;
    }
    let x = match load8(text, at) {
        Some(x) => x,
        None => {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(text.get(at..).unwrap_or(&[])) {
                *d = *s;
            }
            u64::from_le_bytes(w)
        }
    };
    if len >= 8 {
        x
    } else {
        x & ((1u64 << (8 * len)) - 1)
    }
}

impl PathTrie {
    pub(crate) fn new() -> Self {
        PathTrie {
            nodes: vec![TrieNode::default()],
            paths: Vec::new(),
            id: fresh_id(),
        }
    }

    /// The root, or `None` when no rule names any path (nothing in an event is kept).
    #[inline]
    pub(crate) fn root(&self) -> Option<u32> {
        if self.paths.is_empty() { None } else { Some(0) }
    }

    /// The identity of the trie as it is now.
    #[inline]
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The id of a path, adding it if new.
    pub(crate) fn intern(&mut self, path: &str) -> u32 {
        let mut node = 0usize;
        for seg in path.split('.') {
            let seg = seg.as_bytes();
            let next = match self.nodes[node].get(seg, words(seg, 0, seg.len())) {
                Some(n) => n as usize,
                None => {
                    let n = self.nodes.len();
                    self.id = fresh_id();
                    self.nodes.push(TrieNode::default());
                    self.nodes[node].lengths |= length_bit(seg.len());
                    self.nodes[node].children.push(Child {
                        len: seg.len(),
                        words: words(seg, 0, seg.len()),
                        rest: seg.get(16..).unwrap_or(&[]).into(),
                        node: n as u32,
                    });
                    n
                }
            };
            node = next;
        }
        match self.nodes[node].path {
            Some(id) => id,
            None => {
                let id = self.paths.len() as u32;
                self.paths.push(path.to_owned());
                self.nodes[node].path = Some(id);
                id
            }
        }
    }

    pub(crate) fn path_count(&self) -> usize {
        self.paths.len()
    }

    /// The node reached from `node` by an event key. Every node below the root leads to a
    /// path, so a `Some` here always means the value under the key matters.
    #[inline]
    pub(crate) fn child(&self, node: u32, key: &[u8]) -> Option<u32> {
        self.child_with_words(node, key, words(key, 0, key.len()))
    }

    /// As `child`, for the key `text[start..end]` of event text.
    #[inline]
    pub(crate) fn child_in(&self, node: u32, text: &[u8], start: usize, end: usize) -> Option<u32> {
        let here = self.nodes.get(node as usize)?;
        let key = text.get(start..end)?;
        // The length test comes first: most keys of an event lead nowhere, and it rules
        // them out before their words are read.
        if here.lengths & length_bit(key.len()) != 0
            && let Some(n) = here.get(key, words(text, start, end))
        {
            return Some(n);
        }
        self.dotted_child(here, key)
    }

    #[inline]
    fn child_with_words(&self, node: u32, key: &[u8], key_words: [u64; 2]) -> Option<u32> {
        let here = self.nodes.get(node as usize)?;
        if let Some(n) = here.get(key, key_words) {
            return Some(n);
        }
        self.dotted_child(here, key)
    }

    /// The node a key holding dots reaches. A key holding dots spans several segments
    /// (paths are compared joined). Segments never hold dots, so only a child named like
    /// the part of the key before its first dot can lead anywhere: the test below looks for
    /// a dot just after each child name length, and rules out almost every key at once.
    #[inline(always)]
    fn dotted_child(&self, here: &TrieNode, key: &[u8]) -> Option<u32> {
        let shorter = if key.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << key.len()) - 1
        };
        let mut lengths = here.lengths & shorter;
        while lengths != 0 {
            let len = lengths.trailing_zeros() as usize;
            // Bit 63 stands for every length from 63 on: those are checked one by one.
            let dot = if len == 63 {
                here.children.iter().any(|c| key.get(c.len) == Some(&b'.'))
            } else {
                key.get(len) == Some(&b'.')
            };
            if dot {
                return self.dotted(here, key);
            }
            lengths &= lengths - 1;
        }
        None
    }

    #[inline(never)]
    fn dotted(&self, here: &TrieNode, key: &[u8]) -> Option<u32> {
        let dot = key.iter().position(|&c| c == b'.')?;
        let first = &key[..dot];
        let mut n = here.get(first, words(first, 0, first.len()))?;
        for seg in key[dot + 1..].split(|&c| c == b'.') {
            n = self
                .nodes
                .get(n as usize)?
                .get(seg, words(seg, 0, seg.len()))?;
        }
        Some(n)
    }

    #[inline]
    pub(crate) fn path_of(&self, node: u32) -> Option<u32> {
        self.nodes.get(node as usize).and_then(|n| n.path)
    }
}
