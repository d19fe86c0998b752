//! Event text read in one pass, without building a tree.
//!
//! Two readers share the grammar: one follows the path trie and keeps the leaves rules
//! name (strings without escapes borrow the text); the other only checks a subtree no rule
//! reaches, allocating nothing. Both accept exactly JSON: an event that is not is refused
//! whether or not the bad part is one rules look at.
//!
//! Every step takes the read position and returns `Result<usize, Stop>`, the position after
//! it or a one-bit error, so both stay in registers; the reason and position of the first
//! error wait in the reader until the read is over.

use super::guess::NameGuesses;
use super::skip::{self, MAX_DEPTH, ws};
use super::strings::{self, Failure};
use super::wide;
use super::{EventSyntaxError, FlatBuffers, FlatEvent, PathTrie};
use crate::value::Leaf;
use std::borrow::Cow;

/// Flattens event text, in `buffers`' allocations.
pub(crate) fn flatten_text<'t>(
    trie: &PathTrie,
    text: &'t str,
    buffers: &mut FlatBuffers,
) -> Result<FlatEvent<'t>, EventSyntaxError> {
    wide::prefetch(text.as_bytes());
    let mut names = std::mem::take(&mut buffers.names);
    names.use_with(trie.id());
    let mut r = Reader {
        src: text,
        b: text.as_bytes(),
        trie,
        out: buffers.take(trie.path_count()),
        arrays: 0,
        error: ("", 0),
        names,
    };
    let read = r.event();
    buffers.names = std::mem::take(&mut r.names);
    match read {
        Ok(()) => Ok(r.out),
        Err(Stop) => {
            buffers.put(r.out);
            Err(EventSyntaxError {
                offset: r.error.1,
                message: r.error.0,
            })
        }
    }
}

/// The read stopped at an error (kept in `Reader::error`).
struct Stop;

/// A step's result: usually the read position after it.
type Step<T = usize> = Result<T, Stop>;

/// The reader's state apart from the read position, which every step takes and returns so
/// that it stays in a register.
struct Reader<'t, 'r> {
    src: &'t str,
    b: &'t [u8],
    trie: &'r PathTrie,
    out: FlatEvent<'t>,
    arrays: u32,
    error: (&'static str, usize),
    names: NameGuesses,
}

/// The byte at `i`; NUL (which never starts or follows a token) past the end.
#[inline(always)]
fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// A string as read: its content's range and whether it holds escapes.
struct Str {
    start: usize,
    end: usize,
    escaped: bool,
}

impl<'t> Reader<'t, '_> {
    fn event(&mut self) -> Step<()> {
        let i = ws(self.b, 0);
        let i = match self.trie.root() {
            Some(root) => self.value(i, root, 0)?,
            None => self.skip(i, 0)?,
        };
        let i = ws(self.b, i);
        if i != self.b.len() {
            return self.stop(i, "trailing characters after the event");
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn stop<T>(&mut self, i: usize, message: &'static str) -> Step<T> {
        self.error = (message, i);
        Err(Stop)
    }

    #[cold]
    #[inline(never)]
    fn fail<T>(&mut self, (offset, message): Failure) -> Step<T> {
        self.stop(offset, message)
    }

    /// The string whose opening quote is at `i`, and the position after it. The common
    /// case, a string without escapes, is found here sixteen bytes at a time; the rest goes
    /// to `strings::scan`.
    #[inline(always)]
    fn string(&mut self, i: usize) -> Step<(Str, usize)> {
        let start = i + 1;
        let mut at = start;
        while let Some(m) = wide::special16(self.b, at) {
            if m != 0 {
                let stop = at + m.trailing_zeros() as usize;
                if self.b.get(stop) == Some(&b'"') {
                    let s = Str {
                        start,
                        end: stop,
                        escaped: false,
                    };
                    return Ok((s, stop + 1));
                }
                return self.string_slow(start, stop);
            }
            at += 16;
        }
        self.string_slow(start, at)
    }

    /// A string holding escapes or control characters, or one near the end of the text;
    /// `start..checked` is known to hold neither.
    #[inline(never)]
    fn string_slow(&mut self, start: usize, checked: usize) -> Step<(Str, usize)> {
        match strings::scan(self.b, checked) {
            Ok(s) => Ok((
                Str {
                    start,
                    end: s.end,
                    escaped: s.escaped,
                },
                s.end + 1,
            )),
            Err(f) => self.fail(f),
        }
    }

    /// The content of a read string, unescaped when it has to be.
    #[inline(always)]
    fn text_of(&self, s: &Str) -> Cow<'t, str> {
        if s.escaped {
            Cow::Owned(strings::unescape(self.src, s.start, s.end))
        } else {
            Cow::Borrowed(self.src.get(s.start..s.end).unwrap_or(""))
        }
    }

    /// Whether a container at `depth` may hold values: none may sit deeper than
    /// `MAX_DEPTH` (the root is at depth 0).
    #[inline(always)]
    fn room(&mut self, i: usize, depth: usize) -> Step<()> {
        if depth >= MAX_DEPTH {
            return self.stop(i, "event nests too deeply");
        }
        Ok(())
    }

    /// Reads the value at `i` at trie node `node` (which leads to some path), keeping its
    /// leaves; returns the position after it.
    #[inline(always)]
    fn value(&mut self, i: usize, node: u32, depth: usize) -> Step {
        match at(self.b, i) {
            b'{' => self.object(i, node, depth),
            b'[' => self.array(i, node, depth),
            _ => self.scalar(i, node),
        }
    }

    /// A string, number or literal at `i`, kept under `node`'s path.
    #[inline(always)]
    fn scalar(&mut self, i: usize, node: u32) -> Step {
        let (leaf, next) = match at(self.b, i) {
            b'"' => {
                let (s, next) = self.string(i)?;
                (Leaf::Str(self.text_of(&s)), next)
            }
            b'-' | b'0'..=b'9' => {
                let next = self.number(i)?;
                (
                    Leaf::Num(Cow::Borrowed(self.src.get(i..next).unwrap_or(""))),
                    next,
                )
            }
            b't' => (Leaf::True, self.literal(i, b"true")?),
            b'f' => (Leaf::False, self.literal(i, b"false")?),
            b'n' => (Leaf::Null, self.literal(i, b"null")?),
            _ => return self.no_value(i),
        };
        if let Some(p) = self.trie.path_of(node) {
            self.out.push(p, leaf);
        }
        Ok(next)
    }

    /// An object at `i` whose members are looked up under `node`.
    fn object(&mut self, i: usize, node: u32, depth: usize) -> Step {
        let b = self.b;
        let mut i = ws(b, i + 1);
        if at(b, i) == b'}' {
            return Ok(i + 1);
        }
        self.room(i, depth)?;
        let mut position = 0;
        loop {
            if at(b, i) != b'"' {
                return self.stop(i, "expected a field name");
            }
            let (child, after) = match self.names.check(node, position, b, i) {
                Some(known) => known,
                None => self.name(i, node, position)?,
            };
            position += 1;
            // Nearly always the colon follows the name at once.
            i = if at(b, after) == b':' {
                after + 1
            } else {
                let i = ws(b, after);
                if at(b, i) != b':' {
                    return self.stop(i, "expected ':' after a field name");
                }
                i + 1
            };
            i = ws(b, i);
            i = match child {
                Some(c) => self.value(i, c, depth + 1)?,
                None => self.skip(i, depth + 1)?,
            };
            i = ws(b, i);
            match at(b, i) {
                b',' => i = ws(b, i + 1),
                b'}' => return Ok(i + 1),
                _ => return self.stop(i, "expected ',' or '}' in an object"),
            }
        }
    }

    /// The member name at `i` of an object at `node`, read and looked up, and remembered
    /// for the next event: the child it leads to and the index after it.
    #[inline(never)]
    fn name(&mut self, i: usize, node: u32, position: usize) -> Step<(Option<u32>, usize)> {
        let (key, after) = self.string(i)?;
        let child = if key.escaped {
            let key = strings::unescape(self.src, key.start, key.end);
            self.trie.child(node, key.as_bytes())
        } else {
            let child = self.trie.child_in(node, self.b, key.start, key.end);
            self.names
                .learn(node, position, self.b, (key.start, key.end), child);
            child
        };
        Ok((child, after))
    }

    /// An array at `i` whose elements are read at `node`, each with its position.
    fn array(&mut self, i: usize, node: u32, depth: usize) -> Step {
        let b = self.b;
        let mut i = ws(b, i + 1);
        if at(b, i) == b']' {
            return Ok(i + 1);
        }
        self.room(i, depth)?;
        let id = self.arrays;
        self.arrays += 1;
        let mut index = 0u32;
        loop {
            self.out.stack.push((id, index));
            let read = self.value(i, node, depth + 1);
            self.out.stack.pop();
            i = ws(b, read?);
            index += 1;
            match at(b, i) {
                b',' => i = ws(b, i + 1),
                b']' => return Ok(i + 1),
                _ => return self.stop(i, "expected ',' or ']' in an array"),
            }
        }
    }

    /// Checks a value no rule looks at.
    #[inline(always)]
    fn skip(&mut self, i: usize, depth: usize) -> Step {
        match skip::value(self.b, i, depth) {
            Ok(i) => Ok(i),
            Err(f) => self.fail(f),
        }
    }

    #[cold]
    #[inline(never)]
    fn no_value<T>(&mut self, i: usize) -> Step<T> {
        if i >= self.b.len() {
            self.stop(i, "unexpected end of the event")
        } else {
            self.stop(i, "expected a value")
        }
    }

    #[inline(always)]
    fn literal(&mut self, i: usize, word: &[u8]) -> Step {
        match skip::literal(self.b, i, word) {
            Ok(i) => Ok(i),
            Err(f) => self.fail(f),
        }
    }

    /// Checks the number at `i`; returns the position after it.
    #[inline(always)]
    fn number(&mut self, i: usize) -> Step {
        match skip::number_end(self.b, i) {
            Ok(i) => Ok(i),
            Err(f) => self.fail(f),
        }
    }
}
