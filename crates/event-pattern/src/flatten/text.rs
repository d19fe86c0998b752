//! Event text read in one pass, without building a tree.
//!
//! Two readers share the grammar: one follows the path trie and keeps the leaves rules
//! name (strings without escapes borrow the text); the other only checks a subtree no rule
//! reaches, allocating nothing. Both accept exactly JSON: an event that is not is refused
//! whether or not the bad part is one rules look at.
//!
//! Every step returns `Result<_, Stop>`, a one-bit result that stays in a register; the
//! reason and position of the first error wait in the reader until the read is over.

use super::skip::{self, MAX_DEPTH};
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
    let mut r = Reader {
        src: text,
        b: text.as_bytes(),
        i: 0,
        trie,
        out: buffers.take(trie.path_count()),
        arrays: 0,
        error: ("", 0),
    };
    match r.event() {
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

type Step<T = ()> = Result<T, Stop>;

struct Reader<'t, 'r> {
    src: &'t str,
    b: &'t [u8],
    i: usize,
    trie: &'r PathTrie,
    out: FlatEvent<'t>,
    arrays: u32,
    error: (&'static str, usize),
}

impl<'t> Reader<'t, '_> {
    fn event(&mut self) -> Step {
        self.ws();
        match self.trie.root() {
            Some(root) => self.value(root, 0)?,
            None => self.skip(0)?,
        }
        self.ws();
        if self.i != self.b.len() {
            return self.stop("trailing characters after the event");
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn stop<T>(&mut self, message: &'static str) -> Step<T> {
        self.error = (message, self.i);
        Err(Stop)
    }

    #[cold]
    #[inline(never)]
    fn fail<T>(&mut self, (offset, message): Failure) -> Step<T> {
        self.i = offset;
        self.stop(message)
    }

    #[inline(always)]
    fn peek(&self) -> u8 {
        // NUL never starts or follows a token, so it stands for the end of the text.
        self.b.get(self.i).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn ws(&mut self) {
        // Most tokens are preceded by no blank or by one space.
        if self.peek() > b' ' {
            return;
        }
        while let b' ' | b'\n' | b'\r' | b'\t' = self.peek() {
            self.i += 1;
        }
    }

    /// After a member or an element: `,` (then more) or the closing bracket (then done).
    #[inline(always)]
    fn more(&mut self, close: u8, message: &'static str) -> Step<bool> {
        self.ws();
        let c = self.peek();
        if c == b',' {
            self.i += 1;
            self.ws();
            Ok(true)
        } else if c == close {
            self.i += 1;
            Ok(false)
        } else {
            self.stop(message)
        }
    }

    /// The `:` after a field name.
    #[inline(always)]
    fn colon(&mut self) -> Step {
        self.ws();
        if self.peek() != b':' {
            return self.stop("expected ':' after a field name");
        }
        self.i += 1;
        self.ws();
        Ok(())
    }

    /// Opens a container: true when it is empty (and already closed).
    #[inline(always)]
    fn open(&mut self, close: u8) -> bool {
        self.i += 1;
        self.ws();
        if self.peek() == close {
            self.i += 1;
            return true;
        }
        false
    }

    /// The string at the read position (an opening quote): its content's range and whether
    /// it holds escapes. The common case, a string without escapes, is found here sixteen
    /// bytes at a time; the rest goes to `strings::scan`.
    #[inline(always)]
    fn string(&mut self) -> Step<(usize, usize, bool)> {
        let start = self.i + 1;
        let mut at = start;
        while let Some(m) = wide::special16(self.b, at) {
            if m != 0 {
                let stop = at + m.trailing_zeros() as usize;
                if self.b.get(stop) == Some(&b'"') {
                    self.i = stop + 1;
                    return Ok((start, stop, false));
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
    fn string_slow(&mut self, start: usize, checked: usize) -> Step<(usize, usize, bool)> {
        match strings::scan(self.b, checked) {
            Ok(s) => {
                self.i = s.end + 1;
                Ok((start, s.end, s.escaped))
            }
            Err(f) => self.fail(f),
        }
    }

    /// Whether a container at `depth` may hold values: none may sit deeper than
    /// `MAX_DEPTH` (the root is at depth 0).
    #[inline(always)]
    fn room(&mut self, depth: usize) -> Step {
        if depth >= MAX_DEPTH {
            return self.stop("event nests too deeply");
        }
        Ok(())
    }

    /// Reads a value at trie node `node` (which leads to some path), keeping its leaves.
    fn value(&mut self, node: u32, depth: usize) -> Step {
        let leaf = match self.peek() {
            b'{' => return self.object(node, depth),
            b'[' => return self.array(node, depth),
            b'"' => {
                let (start, end, escaped) = self.string()?;
                Leaf::Str(if escaped {
                    Cow::Owned(strings::unescape(self.src, start, end))
                } else {
                    Cow::Borrowed(self.src.get(start..end).unwrap_or(""))
                })
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                self.number()?;
                Leaf::Num(Cow::Borrowed(self.src.get(start..self.i).unwrap_or("")))
            }
            b't' => self.literal(b"true", Leaf::True)?,
            b'f' => self.literal(b"false", Leaf::False)?,
            b'n' => self.literal(b"null", Leaf::Null)?,
            _ => return self.no_value(),
        };
        if let Some(p) = self.trie.path_of(node) {
            self.out.push(p, leaf);
        }
        Ok(())
    }

    fn object(&mut self, node: u32, depth: usize) -> Step {
        if self.open(b'}') {
            return Ok(());
        }
        self.room(depth)?;
        loop {
            if self.peek() != b'"' {
                return self.stop("expected a field name");
            }
            let (start, end, escaped) = self.string()?;
            let child = if escaped {
                let key = strings::unescape(self.src, start, end);
                self.trie.child(node, key.as_bytes())
            } else {
                self.trie.child_in(node, self.b, start, end)
            };
            self.colon()?;
            match (child, self.peek()) {
                (Some(c), _) => self.value(c, depth + 1)?,
                (None, _) => self.skip(depth + 1)?,
            }
            if !self.more(b'}', "expected ',' or '}' in an object")? {
                return Ok(());
            }
        }
    }

    fn array(&mut self, node: u32, depth: usize) -> Step {
        if self.open(b']') {
            return Ok(());
        }
        self.room(depth)?;
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
    #[inline(always)]
    fn skip(&mut self, depth: usize) -> Step {
        match skip::value(self.b, self.i, depth) {
            Ok(i) => {
                self.i = i;
                Ok(())
            }
            Err(f) => self.fail(f),
        }
    }

    #[cold]
    #[inline(never)]
    fn no_value(&mut self) -> Step {
        if self.i >= self.b.len() {
            self.stop("unexpected end of the event")
        } else {
            self.stop("expected a value")
        }
    }

    #[inline(always)]
    fn literal<T>(&mut self, word: &[u8], leaf: T) -> Step<T> {
        if self
            .b
            .get(self.i..)
            .is_some_and(|rest| rest.starts_with(word))
        {
            self.i += word.len();
            Ok(leaf)
        } else {
            self.stop("unrecognized literal")
        }
    }

    /// Checks the number at the read position and moves past it.
    #[inline(always)]
    fn number(&mut self) -> Step {
        match skip::number_end(self.b, self.i) {
            Ok(i) => {
                self.i = i;
                Ok(())
            }
            Err(f) => self.fail(f),
        }
    }
}
