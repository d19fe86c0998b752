//! Numbers as EventBridge compares them.
//!
//! A number takes part in numeric matching only when its decimal text is exactly a double:
//! `5`, `5.0` and `5e0` are the same number, while `12345678901234567890` (an account-id-like
//! value that a double cannot hold) is matched by its text alone.

/// The double a decimal number text stands for, when the text is exactly that double.
pub(crate) fn comparable(text: &str) -> Option<f64> {
    let value: f64 = text.trim().parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    let exact = Decimal::parse(text.trim())?;
    let shortest = Decimal::parse(&format!("{value:e}"))?;
    if exact != shortest {
        return None;
    }
    // Negative zero and zero are one number.
    Some(if value == 0.0 { 0.0 } else { value })
}

/// A decimal in canonical form: sign, significant digits without leading or trailing zeros,
/// and the power of ten of the last digit.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Decimal> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut digits: Vec<u8> = Vec::with_capacity(int.len() + frac.len());
        for b in int.bytes().chain(frac.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            digits.push(b - b'0');
        }
        let mut exponent = exp.checked_sub(frac.len() as i64)?;
        let lead = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..lead);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent = exponent.checked_add(1)?;
        }
        if digits.is_empty() {
            return Some(Decimal {
                negative: false,
                digits,
                exponent: 0,
            });
        }
        Some(Decimal {
            negative,
            digits,
            exponent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::comparable;

    #[test]
    fn equal_numbers_in_any_form_compare_equal() {
        for text in ["5", "5.0", "5e0", "0.5e1", "50e-1", "5.000"] {
            assert_eq!(comparable(text), Some(5.0), "{text}");
        }
        assert_eq!(comparable("-0"), Some(0.0));
        assert_eq!(comparable("0.1"), Some(0.1));
    }

    #[test]
    fn numbers_a_double_cannot_hold_are_not_comparable() {
        for text in [
            "12345678901234567890",
            "1e400",
            "0.10000000000000001",
            "-1e999",
        ] {
            assert_eq!(comparable(text), None, "{text}");
        }
    }
}
