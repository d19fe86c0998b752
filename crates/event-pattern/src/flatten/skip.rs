//! Checking a subtree no rule reaches: one loop over the bytes, with the read position in a
//! local and the open containers in a bit stack, so no call or allocation happens per
//! value. It accepts exactly what the keeping reader accepts.

use super::strings::{self, Failure};
use super::wide;

/// No value may sit deeper than this many containers (the root is at depth 0).
pub(super) const MAX_DEPTH: usize = 512;

/// Open containers of one skip: bit set for an object, clear for an array.
struct Containers {
    bits: [u64; MAX_DEPTH / 64],
    len: usize,
}

impl Containers {
    #[inline(always)]
    fn push(&mut self, object: bool) {
        if let Some(word) = self.bits.get_mut(self.len / 64) {
            let bit = 1u64 << (self.len % 64);
            if object {
                *word |= bit;
            } else {
                *word &= !bit;
            }
        }
        self.len += 1;
    }

    #[inline(always)]
    fn top_is_object(&self) -> bool {
        let at = self.len.wrapping_sub(1);
        self.bits
            .get(at / 64)
            .is_some_and(|w| w & (1u64 << (at % 64)) != 0)
    }
}

/// Checks the value at `i` (no blank before it), which sits at `depth`; returns the index
/// just past it.
#[inline(always)]
pub(super) fn value(b: &[u8], i: usize, depth: usize) -> Result<usize, Failure> {
    match b.get(i).copied() {
        Some(b'"') => string_end(b, i),
        Some(b'-' | b'0'..=b'9') => number_end(b, i),
        _ => nested(b, i, depth),
    }
}

/// As `value`, for containers (and literals and errors).
#[inline(never)]
fn nested(b: &[u8], mut i: usize, depth: usize) -> Result<usize, Failure> {
    let mut open = Containers {
        bits: [0; MAX_DEPTH / 64],
        len: 0,
    };
    // Whether the innermost open container is an object (read from `open` only when one
    // closes).
    let mut object = false;
    'value: loop {
        // A value starts at `i`; strings, the most common, are tested first.
        if b.get(i) == Some(&b'"') {
            i = string_end(b, i)?;
        } else {
            match b.get(i).copied() {
                Some(c @ (b'{' | b'[')) => {
                    let is_object = c == b'{';
                    let close = if is_object { b'}' } else { b']' };
                    i = ws(b, i + 1);
                    if b.get(i) == Some(&close) {
                        i += 1;
                    } else {
                        if depth + open.len >= MAX_DEPTH {
                            return Err((i, "event nests too deeply"));
                        }
                        open.push(is_object);
                        object = is_object;
                        if object {
                            i = member_name(b, i)?;
                        }
                        continue 'value;
                    }
                }
                Some(b'-' | b'0'..=b'9') => i = number_end(b, i)?,
                Some(b't') => i = literal(b, i, b"true")?,
                Some(b'f') => i = literal(b, i, b"false")?,
                Some(b'n') => i = literal(b, i, b"null")?,
                Some(_) => return Err((i, "expected a value")),
                None => return Err((i, "unexpected end of the event")),
            }
        }
        // After a value: more of the innermost container, or its end.
        loop {
            if open.len == 0 {
                return Ok(i);
            }
            i = ws(b, i);
            let c = b.get(i).copied();
            // A comma is tested first: most values are followed by one.
            if c == Some(b',') {
                i = ws(b, i + 1);
                if object {
                    i = member_name(b, i)?;
                }
                continue 'value;
            }
            if c != Some(if object { b'}' } else { b']' }) {
                return Err(if object {
                    (i, "expected ',' or '}' in an object")
                } else {
                    (i, "expected ',' or ']' in an array")
                });
            }
            i += 1;
            open.len -= 1;
            object = open.top_is_object();
        }
    }
}

/// A member's name and its `:` at `i`; returns the index of its value.
#[inline(always)]
fn member_name(b: &[u8], i: usize) -> Result<usize, Failure> {
    if b.get(i) != Some(&b'"') {
        return Err((i, "expected a field name"));
    }
    let after = string_end(b, i)?;
    // Nearly always the colon follows the name at once.
    if b.get(after) == Some(&b':') {
        return Ok(ws(b, after + 1));
    }
    let i = ws(b, after);
    if b.get(i) != Some(&b':') {
        return Err((i, "expected ':' after a field name"));
    }
    Ok(ws(b, i + 1))
}

/// The index of the first non-blank byte at or after `i`. Most tokens are preceded by no
/// blank or by one space, which are decided without a loop.
#[inline(always)]
pub(super) fn ws(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(&c) if c > b' ' => i,
        Some(b' ') if b.get(i + 1).is_some_and(|&c| c > b' ') => i + 1,
        _ => ws_loop(b, i),
    }
}

#[inline(never)]
fn ws_loop(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\r' | b'\t') = b.get(i) {
        i += 1;
    }
    i
}

/// The index just past the string whose opening quote is at `i`. A string without escapes
/// is found here sixteen bytes at a time; the rest goes to `strings::scan`.
#[inline(always)]
pub(super) fn string_end(b: &[u8], i: usize) -> Result<usize, Failure> {
    let mut at = i + 1;
    while let Some(m) = wide::special16(b, at) {
        if m != 0 {
            let stop = at + m.trailing_zeros() as usize;
            if b.get(stop) == Some(&b'"') {
                return Ok(stop + 1);
            }
            return slow_string_end(b, stop);
        }
        at += 16;
    }
    slow_string_end(b, at)
}

#[inline(never)]
fn slow_string_end(b: &[u8], checked: usize) -> Result<usize, Failure> {
    strings::scan(b, checked).map(|s| s.end + 1)
}

/// The index just past the number at `i`, checked against JSON's grammar.
#[inline(always)]
pub(super) fn number_end(b: &[u8], mut i: usize) -> Result<usize, Failure> {
    let digits = |i: usize| digits_end(b, i);
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let int = i;
    i = digits(i);
    if i == int || (b.get(int) == Some(&b'0') && i - int > 1) {
        return Err((i, "malformed number"));
    }
    if b.get(i) == Some(&b'.') {
        let f = i + 1;
        i = digits(f);
        if i == f {
            return Err((i, "malformed number"));
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
            return Err((i, "malformed number"));
        }
    }
    Ok(i)
}

/// The index of the first byte at or after `i` that is not an ASCII digit. Eight bytes are
/// tested at once, so a number's length costs no mispredicted loop exit.
#[inline(always)]
fn digits_end(b: &[u8], mut i: usize) -> usize {
    while let Some(x) = strings::load8(b, i) {
        let m = non_digits(x);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// High bit set in each byte of `x` that is not an ASCII digit, exact for the lowest one:
/// a byte below `0` borrows and one above `9` carries, but such a byte is flagged itself,
/// so wrong flags only ever sit above a true one.
#[inline(always)]
fn non_digits(x: u64) -> u64 {
    let below = x.wrapping_sub(0x3030_3030_3030_3030);
    let above = x.wrapping_add(0x4646_4646_4646_4646);
    (below | above) & 0x8080_8080_8080_8080
}

#[inline(always)]
pub(super) fn literal(b: &[u8], i: usize, word: &[u8]) -> Result<usize, Failure> {
    if b.get(i..).is_some_and(|rest| rest.starts_with(word)) {
        Ok(i + word.len())
    } else {
        Err((i, "unrecognized literal"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The eight-byte digit scan stops where a byte-by-byte scan stops.
        #[test]
        fn digits_end_agrees_with_a_byte_loop(
            bytes in prop::collection::vec(prop_oneof![
                4 => 0x30u8..0x3a,
                1 => any::<u8>(),
                1 => prop::sample::select(&[0x2fu8, 0x3a, 0xb0, 0xb9, 0xba, 0xff, 0x00][..]),
            ], 0..30),
            at in 0usize..30,
        ) {
            let mut expected = at;
            while bytes.get(expected).is_some_and(u8::is_ascii_digit) {
                expected += 1;
            }
            prop_assert_eq!(digits_end(&bytes, at), expected);
        }
    }
}
