//! Event text read in one pass, without building a tree.
//!
//! Two readers share the grammar: one follows the path trie and keeps the leaves rules
//! name (strings without escapes borrow the text); the other only checks a subtree no rule
//! reaches, allocating nothing. Both accept exactly JSON: an event that is not is refused
//! whether or not the bad part is one rules look at.

use super::strings::{self, Failure};
use super::{EventSyntaxError, FlatBuffers, FlatEvent, PathTrie};
use crate::value::Leaf;
use std::borrow::Cow;

const MAX_DEPTH: usize = 512;

/// Flattens event text, in `buffers`' allocations.
pub(crate) fn flatten_text<'t>(
    trie: &PathTrie,
    text: &'t str,
    buffers: &mut FlatBuffers,
) -> Result<FlatEvent<'t>, EventSyntaxError> {
    let mut r = Reader {
        src: text,
        b: text.as_bytes(),
        i: 0,
        trie,
        out: buffers.take(trie.path_count()),
        arrays: 0,
    };
    match r.event() {
        Ok(()) => Ok(r.out),
        Err(e) => {
            buffers.put(r.out);
            Err(e)
        }
    }
}

struct Reader<'t, 'r> {
    src: &'t str,
    b: &'t [u8],
    i: usize,
    trie: &'r PathTrie,
    out: FlatEvent<'t>,
    arrays: u32,
}

impl<'t> Reader<'t, '_> {
    fn event(&mut self) -> Result<(), EventSyntaxError> {
        self.ws();
        match self.trie.root() {
            Some(root) => self.value(root, 0)?,
            None => self.skip(0)?,
        }
        self.ws();
        if self.i != self.b.len() {
            return Err(self.err("trailing characters after the event"));
        }
        Ok(())
    }

    fn err(&self, message: &'static str) -> EventSyntaxError {
        EventSyntaxError {
            offset: self.i,
            message,
        }
    }

    fn fail(&mut self, (offset, message): Failure) -> EventSyntaxError {
        self.i = offset;
        self.err(message)
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// After a member or an element: `,` (then more) or the closing bracket (then done).
    #[inline]
    fn more(&mut self, close: u8, message: &'static str) -> Result<bool, EventSyntaxError> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                self.ws();
                Ok(true)
            }
            Some(c) if c == close => {
                self.i += 1;
                Ok(false)
            }
            _ => Err(self.err(message)),
        }
    }

    /// The `:` after a field name.
    #[inline]
    fn colon(&mut self) -> Result<(), EventSyntaxError> {
        self.ws();
        if self.peek() != Some(b':') {
            return Err(self.err("expected ':' after a field name"));
        }
        self.i += 1;
        self.ws();
        Ok(())
    }

    /// Opens a container: true when it is empty (and already closed).
    #[inline]
    fn open(&mut self, close: u8) -> bool {
        self.i += 1;
        self.ws();
        if self.peek() == Some(close) {
            self.i += 1;
            return true;
        }
        false
    }

    /// Reads a value at trie node `node` (which leads to some path), keeping its leaves.
    fn value(&mut self, node: u32, depth: usize) -> Result<(), EventSyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err("event nests too deeply"));
        }
        let leaf = match self.peek() {
            Some(b'{') => return self.object(node, depth),
            Some(b'[') => return self.array(node, depth),
            Some(b'"') => {
                let start = self.i + 1;
                let s = strings::scan(self.b, start).map_err(|f| self.fail(f))?;
                self.i = s.end + 1;
                Leaf::Str(if s.escaped {
                    Cow::Owned(strings::unescape(self.src, start, s.end))
                } else {
                    Cow::Borrowed(self.src.get(start..s.end).unwrap_or(""))
                })
            }
            _ => self.scalar()?,
        };
        if let Some(p) = self.trie.path_of(node) {
            self.out.push(p, leaf);
        }
        Ok(())
    }

    fn object(&mut self, node: u32, depth: usize) -> Result<(), EventSyntaxError> {
        if self.open(b'}') {
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a field name"));
            }
            let start = self.i + 1;
            let s = strings::scan(self.b, start).map_err(|f| self.fail(f))?;
            self.i = s.end + 1;
            let child = if s.escaped {
                let key = strings::unescape(self.src, start, s.end);
                self.trie.child(node, key.as_bytes())
            } else {
                self.trie.child_in(node, self.b, start, s.end)
            };
            self.colon()?;
            match child {
                Some(c) => self.value(c, depth + 1)?,
                None => self.skip(depth + 1)?,
            }
            if !self.more(b'}', "expected ',' or '}' in an object")? {
                return Ok(());
            }
        }
    }

    fn array(&mut self, node: u32, depth: usize) -> Result<(), EventSyntaxError> {
        if self.open(b']') {
            return Ok(());
        }
        let id = self.arrays;
        self.arrays += 1;
        let mut index = 0u32;
        loop {
            self.out.stack.push((id, index));
            let read = self.value(node, depth + 1);
            self.out.stack.pop();
            read?;
            index += 1;
            if !self.more(b']', "expected ',' or ']' in an array")? {
                return Ok(());
            }
        }
    }

    /// Checks a value no rule looks at.
    fn skip(&mut self, depth: usize) -> Result<(), EventSyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.err("event nests too deeply"));
        }
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{') => {
                if self.open(b'}') {
                    return Ok(());
                }
                loop {
                    if self.peek() != Some(b'"') {
                        return Err(self.err("expected a field name"));
                    }
                    self.skip_string()?;
                    self.colon()?;
                    self.skip(depth + 1)?;
                    if !self.more(b'}', "expected ',' or '}' in an object")? {
                        return Ok(());
                    }
                }
            }
            Some(b'[') => {
                if self.open(b']') {
                    return Ok(());
                }
                loop {
                    self.skip(depth + 1)?;
                    if !self.more(b']', "expected ',' or ']' in an array")? {
                        return Ok(());
                    }
                }
            }
            _ => self.scalar().map(drop),
        }
    }

    #[inline]
    fn skip_string(&mut self) -> Result<(), EventSyntaxError> {
        let s = strings::scan(self.b, self.i + 1).map_err(|f| self.fail(f))?;
        self.i = s.end + 1;
        Ok(())
    }

    /// A number or a literal.
    fn scalar(&mut self) -> Result<Leaf<'t>, EventSyntaxError> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => Ok(Leaf::Num(Cow::Borrowed(self.number()?))),
            Some(b't') => self.literal(b"true", Leaf::True),
            Some(b'f') => self.literal(b"false", Leaf::False),
            Some(b'n') => self.literal(b"null", Leaf::Null),
            Some(_) => Err(self.err("expected a value")),
            None => Err(self.err("unexpected end of the event")),
        }
    }

    fn literal(&mut self, word: &[u8], leaf: Leaf<'t>) -> Result<Leaf<'t>, EventSyntaxError> {
        if self
            .b
            .get(self.i..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            self.i += word.len();
            Ok(leaf)
        } else {
            Err(self.err("unrecognized literal"))
        }
    }

    fn number(&mut self) -> Result<&'t str, EventSyntaxError> {
        let start = self.i;
        let b = self.b;
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let mut i = start;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int = i;
        i = digits(i);
        if i == int || (b.get(int) == Some(&b'0') && i - int > 1) {
            self.i = i;
            return Err(self.err("malformed number"));
        }
        if b.get(i) == Some(&b'.') {
            let f = i + 1;
            i = digits(f);
            if i == f {
                self.i = i;
                return Err(self.err("malformed number"));
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let e = i;
            i = digits(e);
            if i == e {
                self.i = i;
                return Err(self.err("malformed number"));
            }
        }
        self.i = i;
        Ok(self.src.get(start..i).unwrap_or(""))
    }
}
