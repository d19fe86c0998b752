//! Decimal digit patterns of integer pictures (XPath F&O 3.1 §4.6.1
//! "decimal-digit-pattern": `#,##0`, `000`, `١`…): their analysis, formatting a
//! number with one and reading one back.

use super::integer::Primary;
use crate::jsonata::error::{JsonataError, err};
use crate::jsonata::value::format_number;

/// The zero of every decimal digit family JSONata recognises (XPath: any Unicode
/// `Nd` family); the digits of a family are the ten code points from its zero.
const DIGIT_ZEROS: &[u32] = &[
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// How grouping-separator signs are placed in a decimal digit pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grouping {
    /// The same separator every `every` digits (`#,##0`).
    Regular { every: usize, separator: char },
    /// Separators at fixed digit positions counted from the right (`#:###,##0`); empty
    /// when the pattern has none.
    Irregular(Vec<(usize, char)>),
}

/// A decimal digit pattern (XPath §4.6.1 "decimal-digit-pattern").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecimalPattern {
    /// The code point of zero in the pattern's digit family.
    pub zero: u32,
    /// How many digits are always written (zero padded).
    pub mandatory: usize,
    /// How many `#` signs the pattern has.
    pub optional: usize,
    pub grouping: Grouping,
}

/// The digit family's zero when `c` is a decimal digit.
fn digit_zero(c: char) -> Option<u32> {
    let code = u32::from(c);
    DIGIT_ZEROS
        .iter()
        .copied()
        .find(|&zero| (zero..=zero + 9).contains(&code))
}

/// Analyses a decimal digit pattern; a token without any digit is a numbering sequence.
/// Separator positions count digit signs (mandatory or `#`) from the right.
pub(super) fn decimal_pattern(token: &str) -> Result<Primary, JsonataError> {
    let mut zero = None;
    let (mut mandatory, mut optional, mut position) = (0, 0, 0);
    let mut separators = Vec::new();
    for c in token.chars().rev() {
        if let Some(family) = digit_zero(c) {
            if zero.is_some_and(|z| z != family) {
                return Err(err(
                    "D3131",
                    "In a decimal digit pattern, all digits must be from the same decimal group",
                ));
            }
            zero = Some(family);
            mandatory += 1;
            position += 1;
        } else if c == '#' {
            optional += 1;
            position += 1;
        } else {
            separators.push((position, c));
        }
    }
    let Some(zero) = zero else {
        return Ok(Primary::Sequence(token.to_string()));
    };
    Ok(Primary::Decimal(DecimalPattern {
        zero,
        mandatory,
        optional,
        grouping: grouping(separators),
    }))
}

/// Separators are regular when they are all the same character and sit at every
/// multiple of one interval (XPath §4.6.1 rule for "regular" grouping separators).
fn grouping(separators: Vec<(usize, char)>) -> Grouping {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let Some(&(_, first)) = separators.first() else {
        return Grouping::Irregular(separators);
    };
    let every = separators.iter().fold(0, |acc, &(p, _)| gcd(acc, p));
    let same_char = separators.iter().all(|&(_, c)| c == first);
    let evenly_spaced = every > 0
        && (1..=separators.len()).all(|k| separators.iter().any(|&(p, _)| p == k * every));
    if same_char && evenly_spaced {
        Grouping::Regular {
            every,
            separator: first,
        }
    } else {
        Grouping::Irregular(separators)
    }
}

pub(super) fn format_decimal(magnitude: f64, pattern: &DecimalPattern, ordinal: bool) -> String {
    let digits = format_number(magnitude);
    let pad = pattern.mandatory.saturating_sub(digits.chars().count());
    let offset = pattern.zero - 0x30;
    let mut chars: Vec<char> = std::iter::repeat_n('0', pad)
        .chain(digits.chars())
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(u32::from(c) + offset).unwrap_or(c)
            } else {
                c
            }
        })
        .collect();
    match &pattern.grouping {
        Grouping::Regular { every, separator } => {
            let mut grouped = Vec::with_capacity(chars.len() + chars.len() / every);
            for (i, &c) in chars.iter().rev().enumerate() {
                if i > 0 && i % every == 0 {
                    grouped.push(*separator);
                }
                grouped.push(c);
            }
            grouped.reverse();
            chars = grouped;
        }
        Grouping::Irregular(separators) => {
            // Outermost first, so each position still counts digits from the right.
            for &(position, separator) in separators.iter().rev() {
                if position < chars.len() {
                    let at = chars.len() - position;
                    chars.insert(at, separator);
                }
            }
        }
    }
    let mut out: String = chars.iter().collect();
    if ordinal {
        out.push_str(ordinal_suffix(&chars));
    }
    out
}

/// English ordinal suffix of a numeral: `st`, `nd`, `rd`, except in the teens, else `th`.
fn ordinal_suffix(chars: &[char]) -> &'static str {
    let last = chars.last().copied();
    let teen = chars.len() > 1 && chars[chars.len() - 2] == '1';
    match last {
        Some('1') if !teen => "st",
        Some('2') if !teen => "nd",
        Some('3') if !teen => "rd",
        _ => "th",
    }
}

pub(super) fn read_decimal(text: &str, pattern: &DecimalPattern, ordinal: bool) -> Option<f64> {
    let mut chars: Vec<char> = text.chars().collect();
    if ordinal {
        chars.truncate(chars.len().saturating_sub(2));
    }
    let separators: Vec<char> = match &pattern.grouping {
        Grouping::Regular { separator, .. } => vec![*separator],
        Grouping::Irregular(list) => list.iter().map(|&(_, c)| c).collect(),
    };
    let digits: String = chars
        .into_iter()
        .filter(|c| !separators.contains(c))
        .map(|c| {
            let code = u32::from(c);
            if (pattern.zero..=pattern.zero + 9).contains(&code) {
                char::from_u32(code - pattern.zero + 0x30).unwrap_or(c)
            } else {
                c
            }
        })
        .collect();
    js_parse_int(&digits)
}

/// JavaScript's `parseInt(text)` in base 10: optional leading white space and sign,
/// then as many digits as there are; `None` (NaN) when there are none.
pub(crate) fn js_parse_int(text: &str) -> Option<f64> {
    let text = text.trim_start();
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let value: f64 = rest[..end].parse().ok()?;
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::super::integer::IntegerPicture;
    use super::super::integer::tests::{fmt, read};

    /// XPath F&O 3.1 §4.6.1: mandatory digits pad with zeros, `#` does not; a regular
    /// grouping separator repeats, an irregular one stays where the picture put it.
    #[test]
    fn decimal_patterns_pad_and_group() {
        assert_eq!(fmt(-3.0, "0000"), "-0003");
        assert_eq!(fmt(1_234_567_890.0, "#,##0"), "1,234,567,890");
        assert_eq!(fmt(1_234_567_890.0, "#:###,##0"), "1234:567,890");
        assert_eq!(fmt(12.0, "#:###,##0"), "12");
        assert_eq!(read("12345,67,890", "##,##,##0"), Some(1_234_567_890.0));
    }

    /// F&O §4.6.1: the digits may come from any Unicode decimal digit family, but only
    /// one (`err:FODF1310`, JSONata D3131).
    #[test]
    fn digit_families() {
        assert_eq!(fmt(12340.0, "###١"), "١٢٣٤٠");
        assert_eq!(read("１２３４０", "###０"), Some(12340.0));
        let mixed = IntegerPicture::parse("##0０").expect_err("mixed families");
        assert_eq!(mixed.code, Some("D3131"));
    }
}
