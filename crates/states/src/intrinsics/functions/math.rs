//! `States.MathRandom` and `States.MathAdd`.

use serde_json::Value;

use super::{rounded, truncated};

/// `States.MathAdd(a, b)`: both operands rounded to the nearest integer (halves up, as
/// Java's `Math.round`); operands ("in the range of -2147483648 and 2147483647") and sum
/// must fit a 32-bit signed integer.
pub fn add(args: &[Value]) -> Option<Value> {
    let [a, b] = args else {
        return None;
    };
    let (a, b) = (rounded_i32(a)?, rounded_i32(b)?);
    a.checked_add(b).map(Value::from)
}

fn rounded_i32(value: &Value) -> Option<i32> {
    i32::try_from(rounded(value)?).ok()
}

/// `States.MathRandom(start, end[, seed])`: an integer in `[start, end)`. Bounds are
/// rounded to the nearest integer, as the guide says, and must satisfy `start < end`
/// within 32-bit integers. The seed is truncated; with one the result is deterministic.
pub fn random(args: &[Value]) -> Option<Value> {
    let (start, end, seed) = match args {
        [start, end] => (start, end, None),
        [start, end, seed] => (start, end, Some(truncated(seed)?)),
        _ => return None,
    };
    let (start, end) = (rounded_i32(start)?, rounded_i32(end)?);
    if start >= end {
        return None;
    }
    let bound = i64::from(end) - i64::from(start);
    let seed = seed.unwrap_or_else(rand::random::<i64>);
    let offset = JavaRandom::new(seed).next_int(bound);
    Some(Value::from(i64::from(start) + offset))
}

/// The linear congruential generator of `java.util.Random`. The service runs on the JVM,
/// so a seeded call is meant to repeat its sequence; this keeps seeded results stable
/// across runs and platforms either way.
struct JavaRandom {
    seed: i64,
}

impl JavaRandom {
    const MULTIPLIER: i64 = 0x5_DEEC_E66D;
    const MASK: i64 = (1 << 48) - 1;

    fn new(seed: i64) -> Self {
        JavaRandom {
            seed: (seed ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i64 {
        self.seed = (self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        // The top `bits` of the 48-bit state, as a signed 32-bit value.
        i64::from((self.seed >> (48 - bits)) as i32)
    }

    /// A value in `[0, bound)` for `bound` in `1..=2^32-1` (wider than Java's `int`, since a
    /// range such as `[-2^31, 2^31-1)` needs it): rejection sampling keeps it uniform.
    fn next_int(&mut self, bound: i64) -> i64 {
        if bound <= i64::from(i32::MAX) {
            let bound = bound.max(1);
            if bound & (bound - 1) == 0 {
                return (bound * self.next(31)) >> 31;
            }
            loop {
                let bits = self.next(31);
                let value = bits % bound;
                if bits - value + (bound - 1) <= i64::from(i32::MAX) {
                    return value;
                }
            }
        }
        // Bounds past 2^31 draw 32 bits and reject the uneven tail.
        let bound = bound as u64;
        let zone = (1u64 << 32) / bound * bound;
        loop {
            let value = (self.next(32) & 0xFFFF_FFFF) as u64;
            if value < zone {
                return (value % bound) as i64;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::JavaRandom;

    #[test]
    fn seeded_sequence_matches_java_util_random() {
        // `new java.util.Random(42).nextInt()` is -1170105035; `nextInt(10)` is 0.
        assert_eq!(JavaRandom::new(42).next(32), -1_170_105_035);
        assert_eq!(JavaRandom::new(42).next_int(10), 0);
    }
}
