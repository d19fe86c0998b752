//! DynamoDB's number: a decimal of up to 38 significant digits, magnitude from 1E-130 to
//! under 1E+126, compared and added exactly.
//!
//! Written here rather than taken from a crate: `f64` loses digits DynamoDB keeps, the
//! common decimal crates stop at 28 digits, and the arbitrary-precision ones would accept
//! what DynamoDB refuses. This is the exact set DynamoDB stores, and nothing else.

use std::cmp::Ordering;

/// The most significant digits a number may hold.
pub const MAX_DIGITS: usize = 38;

/// Why a text is not a DynamoDB number; the words are DynamoDB's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not decimal notation.
    #[error("A value provided cannot be converted into a number")]
    NotANumber,
    /// More than 38 significant digits.
    #[error("Attempting to store more than 38 significant digits in a Number")]
    TooPrecise,
    /// Larger than 9.99…E+125.
    #[error(
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )]
    Overflow,
    /// Smaller than 1E-130 and not zero.
    #[error(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    )]
    Underflow,
}

/// A number: `digits × 10^exponent`, negative or not, with no leading or trailing zero
/// digit, so each value has exactly one form (zero has no digits and is not negative).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// Most significant first, each 0..=9.
    digits: Vec<u8>,
    exponent: i32,
}

impl Number {
    /// Zero.
    pub fn zero() -> Self {
        Self {
            negative: false,
            digits: Vec::new(),
            exponent: 0,
        }
    }

    /// Parses DynamoDB's number text: an optional sign, digits with an optional point, an
    /// optional exponent. Surrounding spaces are refused, as DynamoDB refuses them.
    pub fn parse(text: &str) -> Result<Self, NumberError> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut digits = Vec::new();
        let mut point: Option<usize> = None;
        let mut seen_digit = false;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'0'..=b'9' => {
                    seen_digit = true;
                    digits.push(b - b'0');
                }
                b'.' if point.is_none() => point = Some(digits.len()),
                _ => break,
            }
            i += 1;
        }
        if !seen_digit {
            return Err(NumberError::NotANumber);
        }
        let mut exponent: i64 = 0;
        if let Some(b'e' | b'E') = bytes.get(i) {
            i += 1;
            let sign = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    -1
                }
                Some(b'+') => {
                    i += 1;
                    1
                }
                _ => 1,
            };
            let start = i;
            let mut overflowed = false;
            while let Some(b'0'..=b'9') = bytes.get(i) {
                match exponent
                    .checked_mul(10)
                    .and_then(|e| e.checked_add(i64::from(bytes[i] - b'0')))
                {
                    Some(e) => exponent = e,
                    None => overflowed = true,
                }
                i += 1;
            }
            // An exponent past 64 bits puts any non-zero value out of range, whatever the
            // digits (a body holds far fewer than 2^63 of them).
            if overflowed && i == bytes.len() {
                return if digits.iter().all(|&d| d == 0) {
                    Ok(Self::zero())
                } else if sign > 0 {
                    Err(NumberError::Overflow)
                } else {
                    Err(NumberError::Underflow)
                };
            }
            if i == start {
                return Err(NumberError::NotANumber);
            }
            exponent *= sign;
        }
        if i != bytes.len() {
            return Err(NumberError::NotANumber);
        }
        let fraction = digits.len() - point.unwrap_or(digits.len());
        Self::normal(negative, digits, exponent - fraction as i64)
    }

    /// The number of `digits × 10^exponent`, trimmed and range-checked.
    fn normal(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Result<Self, NumberError> {
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        if digits.is_empty() {
            return Ok(Self::zero());
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::TooPrecise);
        }
        // The value's order of magnitude: 10^(magnitude-1) <= |value| < 10^magnitude.
        let magnitude = exponent + digits.len() as i64;
        if magnitude > 126 {
            return Err(NumberError::Overflow);
        }
        if magnitude < -129 {
            return Err(NumberError::Underflow);
        }
        Ok(Self {
            negative,
            digits,
            exponent: exponent as i32,
        })
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The value as an `i64`, when it is a whole number in range.
    pub fn to_i64(&self) -> Option<i64> {
        if self.exponent < 0 {
            return None;
        }
        let mut value: i64 = 0;
        for &d in &self.digits {
            value = value.checked_mul(10)?.checked_add(i64::from(d))?;
        }
        for _ in 0..self.exponent {
            value = value.checked_mul(10)?;
        }
        Some(if self.negative { -value } else { value })
    }

    /// The sum, exact; an error when it leaves DynamoDB's range or precision.
    pub fn add(&self, other: &Self) -> Result<Self, NumberError> {
        let exponent = self.exponent.min(other.exponent);
        let a = self.aligned(exponent);
        let b = other.aligned(exponent);
        let (negative, digits) = if self.negative == other.negative {
            (self.negative, add_magnitudes(&a, &b))
        } else {
            match compare_magnitudes(&a, &b) {
                Ordering::Equal => return Ok(Self::zero()),
                Ordering::Greater => (self.negative, sub_magnitudes(&a, &b)),
                Ordering::Less => (other.negative, sub_magnitudes(&b, &a)),
            }
        };
        Self::normal(negative, digits, i64::from(exponent))
    }

    /// The difference, exact.
    pub fn sub(&self, other: &Self) -> Result<Self, NumberError> {
        let mut negated = other.clone();
        if !negated.is_zero() {
            negated.negative = !negated.negative;
        }
        self.add(&negated)
    }

    /// The digits scaled to `exponent` (not above this number's own).
    fn aligned(&self, exponent: i32) -> Vec<u8> {
        let mut digits = self.digits.clone();
        digits.extend(std::iter::repeat_n(0, (self.exponent - exponent) as usize));
        digits
    }

    /// The order of magnitude of a non-zero number (see [`Self::normal`]).
    fn magnitude(&self) -> i64 {
        i64::from(self.exponent) + self.digits.len() as i64
    }

    fn cmp_magnitude(&self, other: &Self) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        self.magnitude()
            .cmp(&other.magnitude())
            .then_with(|| self.digits.cmp(&other.digits))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Plain decimal notation, as DynamoDB answers: `100`, `0.25`, `-3.5`.
impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut text = String::with_capacity(self.digits.len() + 4);
        if self.negative {
            text.push('-');
        }
        let digit = |d: &u8| char::from(b'0' + d);
        let whole = self.magnitude();
        if whole <= 0 {
            text.push_str("0.");
            text.extend(std::iter::repeat_n('0', (-whole) as usize));
            text.extend(self.digits.iter().map(digit));
        } else if self.exponent >= 0 {
            text.extend(self.digits.iter().map(digit));
            text.extend(std::iter::repeat_n('0', self.exponent as usize));
        } else {
            let (int, frac) = self.digits.split_at(whole as usize);
            text.extend(int.iter().map(digit));
            text.push('.');
            text.extend(frac.iter().map(digit));
        }
        f.write_str(&text)
    }
}

fn compare_magnitudes(a: &[u8], b: &[u8]) -> Ordering {
    let a = &a[a.iter().take_while(|&&d| d == 0).count()..];
    let b = &b[b.iter().take_while(|&&d| d == 0).count()..];
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn add_magnitudes(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let (mut i, mut j, mut carry) = (a.len(), b.len(), 0u8);
    while i > 0 || j > 0 || carry > 0 {
        let mut sum = carry;
        if i > 0 {
            i -= 1;
            sum += a[i];
        }
        if j > 0 {
            j -= 1;
            sum += b[j];
        }
        out.push(sum % 10);
        carry = sum / 10;
    }
    out.reverse();
    out
}

/// `a - b` for `a >= b`.
fn sub_magnitudes(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let (mut j, mut borrow) = (b.len(), 0i8);
    for i in (0..a.len()).rev() {
        let mut d = a[i] as i8 - borrow;
        if j > 0 {
            j -= 1;
            d -= b[j] as i8;
        }
        borrow = i8::from(d < 0);
        out.push((d + 10 * borrow) as u8);
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap()
    }

    #[test]
    fn each_value_has_one_form_and_prints_plainly() {
        for (text, plain) in [
            ("1E2", "100"),
            ("1.50", "1.5"),
            ("-0", "0"),
            ("+007.0", "7"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-0.000123e2", "-0.0123"),
            ("12345.678", "12345.678"),
        ] {
            assert_eq!(n(text).to_string(), plain, "{text}");
            assert_eq!(n(text), n(plain), "{text}");
        }
    }

    #[test]
    fn dynamodb_refuses_what_it_cannot_store() {
        for bad in [
            "", "-", ".", "1e", "1x", " 1", "1 ", "NaN", "Infinity", "0x10", "1..2",
        ] {
            assert_eq!(Number::parse(bad), Err(NumberError::NotANumber), "{bad:?}");
        }
        assert_eq!(Number::parse(&"1".repeat(39)), Err(NumberError::TooPrecise));
        assert!(Number::parse(&format!("{}000", "9".repeat(38))).is_ok());
        assert_eq!(Number::parse("1E126"), Err(NumberError::Overflow));
        assert!(Number::parse("9.9999E125").is_ok());
        assert_eq!(Number::parse("1E-131"), Err(NumberError::Underflow));
        assert!(Number::parse("1E-130").is_ok());
        assert_eq!(Number::parse("0E-999999999"), Ok(Number::zero()));
        // A long mantissa and a long exponent cancel exactly.
        let shifted = format!("1{}e-1000005", "0".repeat(1_000_000));
        assert_eq!(Number::parse(&shifted).unwrap().to_string(), "0.00001");
        let huge = format!("1e{}", "9".repeat(30));
        assert_eq!(Number::parse(&huge), Err(NumberError::Overflow));
        assert_eq!(
            Number::parse(&format!("1e-{}", "9".repeat(30))),
            Err(NumberError::Underflow)
        );
        assert_eq!(
            Number::parse(&format!("0e{}", "9".repeat(30))),
            Ok(Number::zero())
        );
    }

    #[test]
    fn sums_are_exact_past_what_a_float_holds() {
        let big = n("12345678901234567890123456789012345678");
        assert_eq!(
            big.add(&n("-1")).unwrap().to_string(),
            "12345678901234567890123456789012345677"
        );
        assert_eq!(n("0.1").add(&n("0.2")).unwrap(), n("0.3"));
        assert_eq!(n("5").sub(&n("7")).unwrap(), n("-2"));
        assert_eq!(n("-5").sub(&n("-5")).unwrap(), Number::zero());
        assert_eq!(n("1E125").add(&n("9E125")), Err(NumberError::Overflow));
    }

    proptest! {
        #[test]
        fn order_and_arithmetic_agree_with_integers(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000, shift in 0u32..6) {
            let (x, y) = (n(&format!("{a}E-{shift}")), n(&format!("{b}E-{shift}")));
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(x.add(&y).unwrap(), n(&format!("{}E-{shift}", a + b)));
            prop_assert_eq!(x.sub(&y).unwrap(), n(&format!("{}E-{shift}", a - b)));
            prop_assert_eq!(n(&x.to_string()), x.clone());
            if shift == 0 { prop_assert_eq!(x.to_i64(), Some(a)); }
        }
    }
}
