//! Events flattened to the leaves that rules look at.
//!
//! Only paths some rule names are kept: a trie of path segments guides the walk, and any
//! subtree no rule reaches is only checked for well-formed JSON. Each kept leaf records which
//! element of which array it sits in, so that fields from different elements of one array are
//! never combined (the array consistency EventBridge applies).

mod guess;
mod skip;
mod strings;
#[cfg(test)]
mod tests;
mod text;
mod trie;
mod wide;

pub(crate) use text::flatten_text;
pub(crate) use trie::PathTrie;

use crate::value::{Leaf, Probe};
use std::borrow::Cow;

/// No field: the end of a path's list.
const NONE: u32 = u32::MAX;

/// One kept leaf: its value, the next leaf of the same path, and where its array positions
/// sit in `FlatEvent::members`.
#[derive(Debug, Clone)]
pub(crate) struct Field<'a> {
    pub(crate) probe: Probe<'a>,
    next: u32,
    members_start: u32,
    members_len: u32,
}

/// The kept leaves of one event. Leaves are stored in reading order and chained per path, so
/// grouping them by path costs nothing beyond the read.
#[derive(Debug, Default)]
pub(crate) struct FlatEvent<'a> {
    fields: Vec<Field<'a>>,
    /// First and last field of each path (`NONE` when the event has none).
    heads: Vec<(u32, u32)>,
    members: Vec<(u32, u32)>,
    /// Array positions of the value being read (text reader only).
    stack: Vec<(u32, u32)>,
}

/// The allocations of a `FlatEvent`, kept between events so reading one allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct FlatBuffers {
    fields: Vec<Field<'static>>,
    heads: Vec<(u32, u32)>,
    members: Vec<(u32, u32)>,
    stack: Vec<(u32, u32)>,
    /// Member names of kept objects, remembered from the previous event.
    names: guess::NameGuesses,
}

impl FlatBuffers {
    /// An empty event for `path_count` paths, in these buffers.
    pub(crate) fn take<'a>(&mut self, path_count: usize) -> FlatEvent<'a> {
        let mut heads = std::mem::take(&mut self.heads);
        heads.clear();
        heads.resize(path_count, (NONE, NONE));
        let mut members = std::mem::take(&mut self.members);
        members.clear();
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        FlatEvent {
            fields: relabel(std::mem::take(&mut self.fields)),
            heads,
            members,
            stack,
        }
    }

    /// Takes the allocations back from an event that is no longer needed.
    pub(crate) fn put(&mut self, event: FlatEvent<'_>) {
        self.fields = relabel(event.fields);
        self.heads = event.heads;
        self.members = event.members;
        self.stack = event.stack;
    }
}

/// An empty vector of fields in the allocation of `v`, for another lifetime. Collecting a
/// vector's own iterator into an element type of the same layout reuses its allocation; the
/// elements (borrowing the previous event) are dropped here.
// `filter` could not change the element type, which is the point here.
#[allow(clippy::unnecessary_filter_map)]
fn relabel<'b>(v: Vec<Field<'_>>) -> Vec<Field<'b>> {
    v.into_iter().filter_map(|_| None).collect()
}

/// The fields of one path.
#[derive(Clone)]
pub(crate) struct Fields<'f, 'a> {
    flat: &'f FlatEvent<'a>,
    at: u32,
}

impl<'f, 'a> Iterator for Fields<'f, 'a> {
    type Item = &'f Field<'a>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let f = self.flat.fields.get(self.at as usize)?;
        self.at = f.next;
        Some(f)
    }
}

impl<'a> FlatEvent<'a> {
    #[inline]
    pub(crate) fn fields(&self, path: u32) -> Fields<'_, 'a> {
        let at = self.heads.get(path as usize).map_or(NONE, |&(h, _)| h);
        Fields { flat: self, at }
    }

    /// Array positions of a field: (array id, element index) pairs.
    #[inline]
    pub(crate) fn members(&self, f: &Field) -> &[(u32, u32)] {
        let start = f.members_start as usize;
        self.members
            .get(start..start + f.members_len as usize)
            .unwrap_or(&[])
    }

    /// Keeps a leaf of path `path`, sitting in the array elements `self.stack`.
    #[inline(always)]
    fn push(&mut self, path: u32, leaf: Leaf<'a>) {
        let start = self.members.len() as u32;
        // Element by element: the stack is nearly always empty or one deep, where a copy
        // call would cost more than the copy.
        for &pair in &self.stack {
            self.members.push(pair);
        }
        let id = self.fields.len() as u32;
        self.fields.push(Field {
            probe: Probe::new(leaf),
            next: NONE,
            members_start: start,
            members_len: self.stack.len() as u32,
        });
        let Some(slot) = self.heads.get_mut(path as usize) else {
            return;
        };
        if slot.0 == NONE {
            slot.0 = id;
        } else if let Some(last) = self.fields.get_mut(slot.1 as usize) {
            last.next = id;
        }
        slot.1 = id;
    }
}

/// Flattens a parsed event.
pub(crate) fn flatten_value<'v>(
    trie: &PathTrie,
    event: &'v serde_json::Value,
    buffers: &mut FlatBuffers,
) -> FlatEvent<'v> {
    let mut out = buffers.take(trie.path_count());
    let mut arrays = 0u32;
    if let Some(root) = trie.root() {
        walk_value(trie, root, event, &mut out, &mut arrays);
    }
    out
}

fn walk_value<'v>(
    trie: &PathTrie,
    node: u32,
    v: &'v serde_json::Value,
    out: &mut FlatEvent<'v>,
    arrays: &mut u32,
) {
    use serde_json::Value;
    let leaf = match v {
        Value::Object(map) => {
            for (k, child) in map {
                if let Some(n) = trie.child(node, k.as_bytes()) {
                    walk_value(trie, n, child, out, arrays);
                }
            }
            return;
        }
        Value::Array(items) => {
            let id = *arrays;
            *arrays += 1;
            for (i, item) in items.iter().enumerate() {
                out.stack.push((id, i as u32));
                walk_value(trie, node, item, out, arrays);
                out.stack.pop();
            }
            return;
        }
        Value::String(s) => Leaf::Str(Cow::Borrowed(s.as_str())),
        Value::Number(n) => Leaf::Num(Cow::Owned(n.to_string())),
        Value::Bool(true) => Leaf::True,
        Value::Bool(false) => Leaf::False,
        Value::Null => Leaf::Null,
    };
    if let Some(p) = trie.path_of(node) {
        out.push(p, leaf);
    }
}

/// Why event text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSyntaxError {
    /// Byte offset in the event text where reading stopped.
    pub offset: usize,
    /// What was wrong there (`unexpected end of the event`, ...).
    pub message: &'static str,
}

impl std::fmt::Display for EventSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for EventSyntaxError {}
