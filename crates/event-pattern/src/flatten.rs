//! Events flattened to the leaves that rules look at.
//!
//! Only paths some rule names are kept: a trie of path segments guides the walk, and any
//! subtree no rule reaches is only checked for well-formed JSON. Each kept leaf records which
//! element of which array it sits in, so that fields from different elements of one array are
//! never combined (the array consistency EventBridge applies).

use crate::hash::FxMap;
use crate::value::Leaf;
use std::borrow::Cow;

/// Trie over the `.`-separated segments of the paths rules use.
#[derive(Debug, Default, Clone)]
pub(crate) struct PathTrie {
    nodes: Vec<TrieNode>,
    paths: Vec<String>,
}

#[derive(Debug, Default, Clone)]
struct TrieNode {
    children: FxMap<Box<str>, u32>,
    path: Option<u32>,
}

impl PathTrie {
    pub(crate) fn new() -> Self {
        PathTrie {
            nodes: vec![TrieNode::default()],
            paths: Vec::new(),
        }
    }

    /// The id of a path, adding it if new.
    pub(crate) fn intern(&mut self, path: &str) -> u32 {
        let mut node = 0usize;
        for seg in path.split('.') {
            let next = match self.nodes[node].children.get(seg) {
                Some(&n) => n as usize,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push(TrieNode::default());
                    self.nodes[node].children.insert(seg.into(), n as u32);
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

    /// The node reached from `node` by an event key (a key holding dots spans several
    /// segments, as paths are compared joined).
    #[inline]
    fn child(&self, node: u32, key: &str) -> Option<u32> {
        let mut n = node;
        if !key.contains('.') {
            return self.nodes[n as usize].children.get(key).copied();
        }
        for seg in key.split('.') {
            n = *self.nodes[n as usize].children.get(seg)?;
        }
        Some(n)
    }

    #[inline]
    fn path_of(&self, node: u32) -> Option<u32> {
        self.nodes[node as usize].path
    }

    #[inline]
    fn has_children(&self, node: u32) -> bool {
        !self.nodes[node as usize].children.is_empty()
    }
}

/// One kept leaf: its value and where its array positions sit in `FlatEvent::members`.
#[derive(Debug, Clone)]
pub(crate) struct Field<'a> {
    pub(crate) leaf: Leaf<'a>,
    members_start: u32,
    members_len: u32,
}

/// The kept leaves of one event, grouped by path id.
#[derive(Debug, Default)]
pub(crate) struct FlatEvent<'a> {
    fields: Vec<(u32, Field<'a>)>,
    /// `offsets[p]..offsets[p + 1]` are the fields of path `p` once grouped.
    offsets: Vec<u32>,
    members: Vec<(u32, u32)>,
}

impl<'a> FlatEvent<'a> {
    #[inline]
    pub(crate) fn fields(&self, path: u32) -> &[(u32, Field<'a>)] {
        let p = path as usize;
        match (self.offsets.get(p), self.offsets.get(p + 1)) {
            (Some(&a), Some(&b)) => &self.fields[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Array positions of a field: (array id, element index) pairs.
    #[inline]
    pub(crate) fn members(&self, f: &Field) -> &[(u32, u32)] {
        &self.members[f.members_start as usize..(f.members_start + f.members_len) as usize]
    }

    fn push(&mut self, path: u32, leaf: Leaf<'a>, stack: &[(u32, u32)]) {
        let start = self.members.len() as u32;
        self.members.extend_from_slice(stack);
        self.fields.push((
            path,
            Field {
                leaf,
                members_start: start,
                members_len: stack.len() as u32,
            },
        ));
    }

    fn group(&mut self, path_count: usize) {
        self.fields.sort_by_key(|(p, _)| *p);
        self.offsets.clear();
        self.offsets.resize(path_count + 1, 0);
        let mut i = 0usize;
        for p in 0..path_count {
            self.offsets[p] = i as u32;
            while i < self.fields.len() && self.fields[i].0 as usize == p {
                i += 1;
            }
        }
        self.offsets[path_count] = i as u32;
    }
}

/// Flattens a parsed event.
pub(crate) fn flatten_value<'v>(trie: &PathTrie, event: &'v serde_json::Value) -> FlatEvent<'v> {
    let mut out = FlatEvent::default();
    let mut stack = Vec::new();
    let mut arrays = 0u32;
    walk_value(trie, 0, event, &mut out, &mut stack, &mut arrays);
    out.group(trie.path_count());
    out
}

fn walk_value<'v>(
    trie: &PathTrie,
    node: u32,
    v: &'v serde_json::Value,
    out: &mut FlatEvent<'v>,
    stack: &mut Vec<(u32, u32)>,
    arrays: &mut u32,
) {
    use serde_json::Value;
    let leaf = match v {
        Value::Object(map) => {
            for (k, child) in map {
                if let Some(n) = trie.child(node, k) {
                    walk_value(trie, n, child, out, stack, arrays);
                }
            }
            return;
        }
        Value::Array(items) => {
            let id = *arrays;
            *arrays += 1;
            for (i, item) in items.iter().enumerate() {
                stack.push((id, i as u32));
                walk_value(trie, node, item, out, stack, arrays);
                stack.pop();
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
        out.push(p, leaf, stack);
    }
}

/// Why event text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSyntaxError {
    pub offset: usize,
    pub message: &'static str,
}

impl std::fmt::Display for EventSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for EventSyntaxError {}

const MAX_DEPTH: usize = 512;

/// Flattens event text in one pass, without building a tree.
pub(crate) fn flatten_text<'t>(
    trie: &PathTrie,
    text: &'t str,
) -> Result<FlatEvent<'t>, EventSyntaxError> {
    let mut p = TextParser {
        src: text,
        b: text.as_bytes(),
        i: 0,
        trie,
        out: FlatEvent::default(),
        stack: Vec::new(),
        arrays: 0,
    };
    p.ws();
    p.value(Some(0), 0)?;
    p.ws();
    if p.i != p.b.len() {
        return Err(p.err("trailing characters after the event"));
    }
    let mut out = p.out;
    out.group(trie.path_count());
    Ok(out)
}

struct TextParser<'t, 'r> {
    src: &'t str,
    b: &'t [u8],
    i: usize,
    trie: &'r PathTrie,
    out: FlatEvent<'t>,
    stack: Vec<(u32, u32)>,
    arrays: u32,
}

impl<'t> TextParser<'t, '_> {
    fn err(&self, message: &'static str) -> EventSyntaxError {
        EventSyntaxError {
            offset: self.i,
            message,
        }
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// Parses one value; `node` is the trie node of its path, `None` when no rule looks here.
    fn value(&mut self, node: Option<u32>, depth: usize) -> Result<(), EventSyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err("event nests too deeply"));
        }
        // A node with no path and no children keeps nothing below it.
        let node = node.filter(|&n| self.trie.path_of(n).is_some() || self.trie.has_children(n));
        let leaf = match self.b.get(self.i) {
            Some(b'{') => return self.object(node, depth),
            Some(b'[') => return self.array(node, depth),
            Some(b'"') => {
                let s = self.string(node.is_some())?;
                Leaf::Str(s)
            }
            Some(b'-' | b'0'..=b'9') => Leaf::Num(Cow::Borrowed(self.number()?)),
            Some(b't') => {
                self.literal(b"true")?;
                Leaf::True
            }
            Some(b'f') => {
                self.literal(b"false")?;
                Leaf::False
            }
            Some(b'n') => {
                self.literal(b"null")?;
                Leaf::Null
            }
            Some(_) => return Err(self.err("expected a value")),
            None => return Err(self.err("unexpected end of the event")),
        };
        if let Some(p) = node.and_then(|n| self.trie.path_of(n)) {
            self.out.push(p, leaf, &self.stack);
        }
        Ok(())
    }

    fn object(&mut self, node: Option<u32>, depth: usize) -> Result<(), EventSyntaxError> {
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.err("expected a field name"));
            }
            let key = self.string(node.is_some())?;
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return Err(self.err("expected ':' after a field name"));
            }
            self.i += 1;
            self.ws();
            let child = node.and_then(|n| self.trie.child(n, &key));
            self.value(child, depth + 1)?;
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or '}' in an object")),
            }
        }
    }

    fn array(&mut self, node: Option<u32>, depth: usize) -> Result<(), EventSyntaxError> {
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(());
        }
        let id = self.arrays;
        self.arrays += 1;
        let mut index = 0u32;
        loop {
            if node.is_some() {
                self.stack.push((id, index));
            }
            self.value(node, depth + 1)?;
            if node.is_some() {
                self.stack.pop();
            }
            index += 1;
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.err("expected ',' or ']' in an array")),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), EventSyntaxError> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(self.err("unrecognized literal"))
        }
    }

    fn number(&mut self) -> Result<&'t str, EventSyntaxError> {
        let start = self.i;
        let b = self.b;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == int || (b[int] == b'0' && i - int > 1) {
            self.i = i;
            return Err(self.err("malformed number"));
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let f = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == f {
                self.i = i;
                return Err(self.err("malformed number"));
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let e = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == e {
                self.i = i;
                return Err(self.err("malformed number"));
            }
        }
        self.i = i;
        Ok(&self.src[start..i])
    }

    /// A string at the read position; unescaped only when `keep` (otherwise only checked).
    fn string(&mut self, keep: bool) -> Result<Cow<'t, str>, EventSyntaxError> {
        self.i += 1;
        let start = self.i;
        // Fast scan to the closing quote or the first escape.
        let rest = &self.b[start..];
        match memchr::memchr3(b'"', b'\\', 0x0a, rest) {
            Some(n) if rest[n] == b'"' => {
                let body = &rest[..n];
                if body.iter().any(|&c| c < 0x20) {
                    self.i = start + n;
                    return Err(self.err("control character in a string"));
                }
                self.i = start + n + 1;
                return Ok(Cow::Borrowed(&self.src[start..start + n]));
            }
            _ => {}
        }
        let mut out = String::new();
        let mut run = start;
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(self.err("unterminated string"));
            };
            match c {
                b'"' => {
                    if keep {
                        out.push_str(&self.src[run..self.i]);
                    }
                    self.i += 1;
                    return Ok(if keep {
                        Cow::Owned(out)
                    } else {
                        Cow::Borrowed("")
                    });
                }
                b'\\' => {
                    if keep {
                        out.push_str(&self.src[run..self.i]);
                    }
                    let esc = self.b.get(self.i + 1).copied();
                    self.i += 2;
                    let ch = match esc {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode()?,
                        _ => return Err(self.err("invalid escape in a string")),
                    };
                    if keep {
                        out.push(ch);
                    }
                    run = self.i;
                }
                0..=0x1f => return Err(self.err("control character in a string")),
                _ => self.i += 1,
            }
        }
    }

    fn unicode(&mut self) -> Result<char, EventSyntaxError> {
        let hex = |p: &Self, at: usize| -> Option<u32> {
            let h = p.b.get(at..at + 4)?;
            u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
        };
        let Some(first) = hex(self, self.i) else {
            return Err(self.err("invalid unicode escape"));
        };
        self.i += 4;
        if (0xD800..0xDC00).contains(&first)
            && self.b.get(self.i) == Some(&b'\\')
            && self.b.get(self.i + 1) == Some(&b'u')
            && let Some(low) = hex(self, self.i + 2)
            && (0xDC00..0xE000).contains(&low)
        {
            self.i += 6;
            let code = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
            return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }
}
