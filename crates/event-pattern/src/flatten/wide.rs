//! Sixteen bytes of event text at a time: where a string may end, and asking the memory
//! system for an event's bytes before the reader gets to them.
//!
//! On x86_64 this uses SSE2 (part of the architecture's baseline, so always present); the
//! only `unsafe` of the crate lives here, in one unaligned load and a prefetch. Other
//! targets compute the same mask byte by byte; the tests below hold the SSE2 mask to that
//! definition and to the eight-byte word test (`strings::special`) the readers use near
//! the end of a text.

#[cfg(test)]
use super::strings;

/// Bit `k` set when byte `at + k` is a quote, a backslash or a control character, for the
/// sixteen bytes at `at`; `None` when fewer than sixteen bytes remain.
#[inline(always)]
pub(super) fn special16(b: &[u8], at: usize) -> Option<u32> {
    let chunk: &[u8; 16] = b.get(at..at.checked_add(16)?)?.try_into().ok()?;
    Some(special16_of(chunk))
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special16_of(chunk: &[u8; 16]) -> u32 {
    use core::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // `unsafe` because `_mm_loadu_si128` reads through a raw pointer, which the compiler
    // cannot check is readable for sixteen bytes; that one unaligned load is what makes
    // this path faster than the byte loop.
    // SAFETY: `chunk` is sixteen readable bytes and `_mm_loadu_si128` has no alignment
    // requirement; the other calls only compute on registers, with SSE2, which every x86_64
    // target enables.
    #[allow(unsafe_code)]
    unsafe {
        let x = _mm_loadu_si128(chunk.as_ptr().cast());
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        // A byte is below 0x20 exactly when min(byte, 0x1f) is itself (unsigned).
        let control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
        let any = _mm_or_si128(_mm_or_si128(quote, backslash), control);
        _mm_movemask_epi8(any) as u32 & 0xffff
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn special16_of(chunk: &[u8; 16]) -> u32 {
    scalar_special16(chunk)
}

/// The same mask, byte by byte: the definition the SSE2 path is tested against, and the
/// path of targets without SSE2.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn scalar_special16(chunk: &[u8; 16]) -> u32 {
    let mut mask = 0u32;
    for (k, &c) in chunk.iter().enumerate() {
        if c == b'"' || c == b'\\' || c < 0x20 {
            mask |= 1 << k;
        }
    }
    mask
}

/// Asks for the cache lines of `text` (up to a few KiB), so that reading an event waits
/// for memory once instead of once per line. A hint only: it changes no result.
#[inline(always)]
pub(super) fn prefetch(text: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        const LINE: usize = 64;
        const MAX: usize = 4096;
        let len = text.len().min(MAX);
        let mut at = LINE;
        while at < len {
            if let Some(byte) = text.get(at) {
                // `unsafe` because `_mm_prefetch` takes a raw pointer, and std has no safe
                // prefetch.
                // SAFETY: a prefetch never faults and reads nothing into the program; the
                // address is inside `text` anyway.
                #[allow(unsafe_code)]
                unsafe {
                    _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast())
                };
            }
            at += LINE;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = text;
}

/// The first special byte of sixteen as the eight-byte word test finds it (its lowest flag
/// is exact), for tests.
#[cfg(test)]
fn swar_first(chunk: &[u8; 16]) -> Option<u32> {
    let lo = u64::from_le_bytes(chunk[..8].try_into().ok()?);
    let hi = u64::from_le_bytes(chunk[8..].try_into().ok()?);
    let m = strings::special(lo);
    if m != 0 {
        return Some(m.trailing_zeros() / 8);
    }
    let m = strings::special(hi);
    (m != 0).then(|| 8 + m.trailing_zeros() / 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bytes around every boundary the tests care about.
    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            Just(b'"'),
            Just(b'\\'),
            0u8..0x21,
            0x5bu8..0x5e,
            0x7eu8..=0xff,
            any::<u8>(),
        ]
    }

    proptest! {
        /// The SSE2 mask equals the byte-by-byte definition, and its lowest bit is the
        /// first special byte the eight-byte words find.
        #[test]
        fn mask_agrees_with_the_scalar_definitions(
            bytes in prop::collection::vec(byte(), 16..40),
            at in 0usize..24,
        ) {
            let got = special16(&bytes, at);
            match bytes.get(at..at + 16) {
                Some(chunk) => {
                    let chunk: &[u8; 16] = chunk.try_into().unwrap_or(&[0; 16]);
                    let mask = scalar_special16(chunk);
                    prop_assert_eq!(got, Some(mask));
                    let first = (mask != 0).then(|| mask.trailing_zeros());
                    prop_assert_eq!(first, swar_first(chunk));
                }
                None => prop_assert_eq!(got, None),
            }
        }
    }

    #[test]
    fn prefetch_accepts_any_length() {
        for len in [0, 1, 63, 64, 65, 5000] {
            prefetch(&vec![b'x'; len]);
        }
    }
}
