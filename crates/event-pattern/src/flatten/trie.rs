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
}

#[derive(Debug, Default, Clone)]
struct TrieNode {
    /// Few per node in practice, so a scan beats hashing every event key.
    children: Vec<Child>,
    path: Option<u32>,
}

/// A child segment, with its length and first eight bytes ready for a word compare.
#[derive(Debug, Clone)]
struct Child {
    len: usize,
    head: u64,
    name: Box<[u8]>,
    node: u32,
}

impl TrieNode {
    /// The child named `key`, whose first eight bytes (zero-padded) are `head`.
    #[inline]
    fn get(&self, key: &[u8], head: u64) -> Option<u32> {
        self.children
            .iter()
            .find(|c| {
                c.len == key.len()
                    && c.head == head
                    && (c.len <= 8 || c.name.get(8..) == key.get(8..))
            })
            .map(|c| c.node)
    }
}

/// The first eight bytes of `key`, zero-padded.
#[inline]
fn head(key: &[u8]) -> u64 {
    match load8(key, 0) {
        Some(x) => x,
        None => {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(key) {
                *d = *s;
            }
            u64::from_le_bytes(w)
        }
    }
}

impl PathTrie {
    pub(crate) fn new() -> Self {
        PathTrie {
            nodes: vec![TrieNode::default()],
            paths: Vec::new(),
        }
    }

    /// The root, or `None` when no rule names any path (nothing in an event is kept).
    #[inline]
    pub(crate) fn root(&self) -> Option<u32> {
        if self.paths.is_empty() { None } else { Some(0) }
    }

    /// The id of a path, adding it if new.
    pub(crate) fn intern(&mut self, path: &str) -> u32 {
        let mut node = 0usize;
        for seg in path.split('.') {
            let seg = seg.as_bytes();
            let next = match self.nodes[node].get(seg, head(seg)) {
                Some(n) => n as usize,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(TrieNode::default());
                    self.nodes[node].children.push(Child {
                        len: seg.len(),
                        head: head(seg),
                        name: seg.into(),
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
        self.child_with_head(node, key, head(key))
    }

    /// As `child`, for the key `text[start..end]` of event text: its first eight bytes are
    /// read straight from the text (which goes on past the key, at least to the quote).
    #[inline]
    pub(crate) fn child_in(&self, node: u32, text: &[u8], start: usize, end: usize) -> Option<u32> {
        let key = text.get(start..end)?;
        let head = match (load8(text, start), key.len()) {
            (Some(x), len) if len >= 8 => x,
            (Some(x), len) => x & ((1u64 << (8 * len)) - 1),
            (None, _) => head(key),
        };
        self.child_with_head(node, key, head)
    }

    #[inline]
    fn child_with_head(&self, node: u32, key: &[u8], key_head: u64) -> Option<u32> {
        let here = self.nodes.get(node as usize)?;
        if let Some(n) = here.get(key, key_head) {
            return Some(n);
        }
        // A key holding dots spans several segments (paths are compared joined). Segments
        // never hold dots, so only a child named like the part before the key's first dot
        // can lead anywhere; that test is about as cheap as the one above and almost always
        // fails.
        let mut n = here
            .children
            .iter()
            .find(|c| c.len < key.len() && key[c.len] == b'.' && key.starts_with(&c.name))
            .map(|c| c.node)?;
        let dot = key.iter().position(|&c| c == b'.')?;
        for seg in key[dot + 1..].split(|&c| c == b'.') {
            n = self.nodes.get(n as usize)?.get(seg, head(seg))?;
        }
        Some(n)
    }

    #[inline]
    pub(crate) fn path_of(&self, node: u32) -> Option<u32> {
        self.nodes.get(node as usize).and_then(|n| n.path)
    }
}
