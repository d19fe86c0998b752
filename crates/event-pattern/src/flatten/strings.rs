//! JSON strings in event text: finding where one ends (eight bytes at a time), checking its
//! escapes, and unescaping the few that hold any.

/// Where a string's content ends and whether it holds escapes.
pub(super) struct Scanned {
    /// Index of the closing quote.
    pub(super) end: usize,
    pub(super) escaped: bool,
}

/// A syntax error at a byte offset.
pub(super) type Failure = (usize, &'static str);

/// Scans a string whose content starts at `start` (just after the opening quote), checking
/// every escape and refusing control characters, as JSON requires.
#[inline]
pub(super) fn scan(b: &[u8], start: usize) -> Result<Scanned, Failure> {
    let mut i = start;
    let mut escaped = false;
    loop {
        let stop = next_special(b, i).ok_or((b.len(), "unterminated string"))?;
        match b.get(stop) {
            Some(b'"') => return Ok(Scanned { end: stop, escaped }),
            Some(b'\\') => {
                escaped = true;
                i = escape_end(b, stop)?;
            }
            _ => return Err((stop, "control character in a string")),
        }
    }
}

/// The first quote, backslash or control character at or after `i`.
#[inline]
fn next_special(b: &[u8], mut i: usize) -> Option<usize> {
    while let Some(x) = load8(b, i) {
        let m = special(x);
        if m != 0 {
            // The lowest flagged byte is always a true hit (false positives of the SWAR
            // tests only ever sit above a true one), so its position is exact.
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = b.get(i..)?;
    rest.iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

/// The index just past the escape whose backslash is at `at`.
#[inline]
fn escape_end(b: &[u8], at: usize) -> Result<usize, Failure> {
    match b.get(at + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(at + 2),
        Some(b'u') => match hex4(b, at + 2) {
            Some(_) => Ok(at + 6),
            None => Err((at + 2, "invalid unicode escape")),
        },
        _ => Err((at + 2, "invalid escape in a string")),
    }
}

/// The value of four hex digits at `at`.
#[inline]
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    digits.iter().try_fold(0u32, |acc, &c| {
        let d = (c as char).to_digit(16)?;
        Some(acc * 16 + d)
    })
}

/// The content of a scanned string (`src[start..end]`, escapes already checked by `scan`),
/// unescaped.
pub(super) fn unescape(src: &str, start: usize, end: usize) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(end - start);
    let mut run = start;
    let mut i = start;
    while i < end {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(src.get(run..i).unwrap_or(""));
        let (ch, next) = match b.get(i + 1) {
            Some(b'"') => ('"', i + 2),
            Some(b'\\') => ('\\', i + 2),
            Some(b'/') => ('/', i + 2),
            Some(b'b') => ('\u{8}', i + 2),
            Some(b'f') => ('\u{c}', i + 2),
            Some(b'n') => ('\n', i + 2),
            Some(b'r') => ('\r', i + 2),
            Some(b't') => ('\t', i + 2),
            _ => unicode(b, i + 2),
        };
        out.push(ch);
        i = next;
        run = i;
    }
    out.push_str(src.get(run..end).unwrap_or(""));
    out
}

/// The character of the `\u` escape whose digits start at `at`, joining a surrogate pair;
/// a lone surrogate reads as U+FFFD. Returns the index just past the escape.
fn unicode(b: &[u8], at: usize) -> (char, usize) {
    let first = hex4(b, at).unwrap_or(0xFFFD);
    let after = at + 4;
    if (0xD800..0xDC00).contains(&first)
        && b.get(after) == Some(&b'\\')
        && b.get(after + 1) == Some(&b'u')
        && let Some(low) = hex4(b, after + 2)
        && (0xDC00..0xE000).contains(&low)
    {
        let code = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
        return (char::from_u32(code).unwrap_or('\u{FFFD}'), after + 6);
    }
    (char::from_u32(first).unwrap_or('\u{FFFD}'), after)
}

/// The eight bytes at `at`, little-endian, when there are eight.
#[inline(always)]
pub(super) fn load8(b: &[u8], at: usize) -> Option<u64> {
    let chunk = b.get(at..at.checked_add(8)?)?;
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    Some(u64::from_le_bytes(w))
}

/// High bit set in each byte of `x` that is a quote, a backslash or a control character
/// (exact for the lowest such byte).
#[inline(always)]
pub(super) fn special(x: u64) -> u64 {
    has_byte(x, b'"') | has_byte(x, b'\\') | has_below(x, 0x20)
}

/// Non-zero when some byte of `x` equals `b` (the classic SWAR zero-byte test).
#[inline(always)]
fn has_byte(x: u64, b: u8) -> u64 {
    let y = x ^ (0x0101_0101_0101_0101u64 * u64::from(b));
    y.wrapping_sub(0x0101_0101_0101_0101) & !y & 0x8080_8080_8080_8080
}

/// Non-zero when some byte of `x` is below `n` (n <= 128).
#[inline(always)]
fn has_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(0x0101_0101_0101_0101u64 * u64::from(n)) & !x & 0x8080_8080_8080_8080
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scan` against a byte-by-byte definition, on every placement of a special byte
    /// around the eight-byte chunk boundaries.
    #[test]
    fn scan_finds_the_first_special_byte_at_every_offset() {
        for len in 0..20 {
            for (special, expected) in [
                (b'"', Ok(len)),
                (0x01u8, Err("control character in a string")),
                (0x1f, Err("control character in a string")),
            ] {
                let mut text = vec![b'a'; len];
                text.push(special);
                text.extend_from_slice(b"xx\"");
                let got = scan(&text, 0).map(|s| s.end).map_err(|(_, m)| m);
                assert_eq!(got, expected, "len {len} byte {special:#x}");
            }
            // High bytes (UTF-8) and bytes just above the special ones are plain content.
            let mut text = vec![0xC3u8, 0xA9, b'#', b']', b' ', 0x7f, 0x80, 0xff]
                .into_iter()
                .cycle()
                .take(len)
                .collect::<Vec<_>>();
            text.push(b'"');
            assert_eq!(scan(&text, 0).map(|s| s.end).ok(), Some(len));
        }
    }

    #[test]
    fn escapes_are_checked_and_unescaped() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"a\"b""#, Some("a\"b")),
            (r#"\\\/\b\f\n\r\t""#, Some("\\/\u{8}\u{c}\n\r\t")),
            (r#"\u00e9\u20AC""#, Some("é€")),
            (r#"\ud83d\ude00x""#, Some("😀x")),
            (r#"\ud83dx""#, Some("\u{FFFD}x")),
            (r#"\x""#, None),
            (r#"\u12""#, None),
            (r#"\u+123""#, None),
            (r#"abc\"#, None),
            ("abc", None),
        ];
        for &(text, expected) in cases {
            let got = scan(text.as_bytes(), 0)
                .ok()
                .map(|s| unescape(text, 0, s.end));
            assert_eq!(got.as_deref(), expected, "{text}");
        }
    }
}
