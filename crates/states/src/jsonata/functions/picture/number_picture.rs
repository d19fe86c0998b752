//! The analysis of a `$formatNumber` sub-picture: its parts and the rules they must
//! keep (XPath F&O 3.1 §4.7.3), and the layout they give (§4.7.4).

use super::number::{Symbols, clamp, contains, index_of, is, last_index_of, repeats};
use crate::jsonata::error::{JsonataError, err};

/// A sub-picture split into the parts of §4.7.3.
pub(super) struct Parts<'p> {
    whole: &'p [char],
    prefix: &'p [char],
    suffix: &'p [char],
    active: &'p [char],
    mantissa: &'p [char],
    exponent: Option<&'p [char]>,
    integer: &'p [char],
    fractional: &'p [char],
}

impl<'p> Parts<'p> {
    pub(super) fn split(whole: &'p [char], symbols: &Symbols) -> Self {
        let start = whole
            .iter()
            .position(|&c| symbols.bounds_active_part(c))
            .unwrap_or(whole.len());
        let end = whole
            .iter()
            .rposition(|&c| symbols.bounds_active_part(c))
            .map_or(whole.len(), |i| i + 1)
            .max(start);
        let (prefix, active, suffix) = (&whole[..start], &whole[start..end], &whole[end..]);
        // jsonata-js finds the exponent separator in the whole sub-picture but cuts the
        // active part at that position, so a prefix shifts the cut.
        let (mantissa, exponent) = match index_of(whole, &symbols.exponent, start) {
            Some(at) if at <= end => (
                clamp(active, 0, at),
                Some(clamp(active, at + 1, active.len())),
            ),
            _ => (active, None),
        };
        let (integer, fractional) = match index_of(mantissa, &symbols.decimal, 0) {
            Some(at) => (&mantissa[..at], clamp(mantissa, at + 1, mantissa.len())),
            None => (mantissa, suffix),
        };
        Parts {
            whole,
            prefix,
            suffix,
            active,
            mantissa,
            exponent,
            integer,
            fractional,
        }
    }

    /// The rules of §4.7.3; when several are broken, the last one checked is reported.
    pub(super) fn validate(&self, symbols: &Symbols) -> Result<(), JsonataError> {
        let s = symbols;
        let whole = self.whole;
        let decimal_at = index_of(whole, &s.decimal, 0);
        let has_percent = contains(whole, &s.percent);
        let has_per_mille = contains(whole, &s.per_mille);
        let adjacent_grouping = |at: Option<usize>| {
            at.and_then(|i| whole.get(i))
                .is_some_and(|&c| is(c, &s.grouping))
        };
        let grouping_twice: Vec<char> = s.grouping.iter().chain(&s.grouping).copied().collect();
        let optional_then_mandatory = index_of(self.integer, &s.digit, 0)
            .is_some_and(|at| self.integer[..at].iter().any(|&c| s.is_family(c)));
        let mandatory_then_optional = last_index_of(self.fractional, &s.digit).is_some_and(|at| {
            clamp(self.fractional, at, self.fractional.len())
                .iter()
                .any(|&c| s.is_family(c))
        });
        let checks = [
            ("D3081", repeats(whole, &s.decimal)),
            ("D3082", repeats(whole, &s.percent)),
            ("D3083", repeats(whole, &s.per_mille)),
            ("D3084", has_percent && has_per_mille),
            ("D3085", !self.mantissa.iter().any(|&c| s.is_digit_sign(c))),
            ("D3086", self.active.iter().any(|&c| !s.is_active(c))),
            (
                "D3087",
                decimal_at.is_some_and(|at| {
                    adjacent_grouping(at.checked_sub(1)) || adjacent_grouping(Some(at + 1))
                }),
            ),
            (
                "D3088",
                decimal_at.is_none() && self.integer.last().is_some_and(|&c| is(c, &s.grouping)),
            ),
            ("D3089", contains(whole, &grouping_twice)),
            ("D3090", optional_then_mandatory),
            ("D3091", mandatory_then_optional),
            (
                "D3092",
                self.exponent.is_some_and(|e| !e.is_empty()) && (has_percent || has_per_mille),
            ),
            (
                "D3093",
                self.exponent
                    .is_some_and(|e| e.is_empty() || e.iter().any(|&c| !s.is_family(c))),
            ),
        ];
        match checks.iter().rev().find(|(_, broken)| *broken) {
            Some((code, _)) => Err(err(code, message(code))),
            None => Ok(()),
        }
    }
}

/// jsonata-js's message for each picture error.
pub(super) fn message(code: &str) -> &'static str {
    match code {
        "D3080" => "The picture string must only contain a maximum of two sub-pictures",
        "D3081" => {
            "The sub-picture must not contain more than one instance of the 'decimal-separator' character"
        }
        "D3082" => {
            "The sub-picture must not contain more than one instance of the 'percent' character"
        }
        "D3083" => {
            "The sub-picture must not contain more than one instance of the 'per-mille' character"
        }
        "D3084" => "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
        "D3085" => {
            "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'"
        }
        "D3086" => {
            "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character"
        }
        "D3087" => {
            "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character"
        }
        "D3088" => {
            "The sub-picture must not contain a 'grouping-separator' at the end of the integer part"
        }
        "D3089" => {
            "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character"
        }
        "D3090" => {
            "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'"
        }
        "D3091" => {
            "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'"
        }
        "D3092" => {
            "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'"
        }
        _ => {
            "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'"
        }
    }
}

/// What §4.7.4 derives from a sub-picture.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) whole: Vec<char>,
    pub(super) prefix: Vec<char>,
    pub(super) suffix: Vec<char>,
    /// Digits to the right of each integer-part grouping separator, left to right.
    pub(super) integer_groups: Vec<usize>,
    /// The interval when the integer groups are regular, else 0.
    pub(super) regular_group: usize,
    /// Digits to the left of each fractional-part grouping separator.
    pub(super) fraction_groups: Vec<usize>,
    pub(super) min_integer: usize,
    pub(super) scaling: usize,
    pub(super) min_fraction: usize,
    pub(super) max_fraction: usize,
    /// 0 without an exponent.
    pub(super) min_exponent: usize,
}

impl Layout {
    pub(super) fn analyse(parts: &Parts<'_>, symbols: &Symbols) -> Self {
        let count = |part: &[char], digit: &dyn Fn(char) -> bool| {
            part.iter().filter(|&&c| digit(c)).count()
        };
        let family = |c: char| symbols.is_family(c);
        let any_digit = |c: char| symbols.is_digit_sign(c);
        let integer_groups = grouping_positions(parts.integer, parts.integer, false, symbols);
        let fraction_groups = grouping_positions(parts.fractional, parts.integer, true, symbols);

        let mut min_integer = count(parts.integer, &family);
        let scaling = min_integer;
        let mut min_fraction = count(parts.fractional, &family);
        let mut max_fraction = count(parts.fractional, &any_digit);
        let exponent = parts.exponent;
        if min_integer == 0 && max_fraction == 0 {
            if exponent.is_some() {
                min_fraction = 1;
                max_fraction = 1;
            } else {
                min_integer = 1;
            }
        }
        if exponent.is_some() && min_integer == 0 && contains(parts.integer, &symbols.digit) {
            min_integer = 1;
        }
        if min_integer == 0 && min_fraction == 0 {
            min_fraction = 1;
        }
        Layout {
            whole: parts.whole.to_vec(),
            prefix: parts.prefix.to_vec(),
            suffix: parts.suffix.to_vec(),
            regular_group: regular_interval(&integer_groups),
            integer_groups,
            fraction_groups,
            min_integer,
            scaling,
            min_fraction,
            max_fraction,
            min_exponent: exponent.map_or(0, |e| count(e, &family)),
        }
    }
}

/// For each grouping separator in `part`, the digits to its right (or left, with
/// `to_left`). Like jsonata-js, separators after the first are looked for in the
/// integer part, which matters for the fractional part.
fn grouping_positions(
    part: &[char],
    integer: &[char],
    to_left: bool,
    symbols: &Symbols,
) -> Vec<usize> {
    let mut positions = Vec::new();
    if symbols.grouping.is_empty() {
        return positions;
    }
    // digits_before[k]: the digit signs in `part[..k]`.
    let digits_before: Vec<usize> = std::iter::once(0)
        .chain(part.iter().scan(0, |n, &c| {
            *n += usize::from(symbols.is_digit_sign(c));
            Some(*n)
        }))
        .collect();
    let total = digits_before.last().copied().unwrap_or(0);
    let mut at = index_of(part, &symbols.grouping, 0);
    while let Some(i) = at {
        let left = digits_before[i.min(part.len())];
        positions.push(if to_left { left } else { total - left });
        at = index_of(integer, &symbols.grouping, i + 1).filter(|&next| next > i);
    }
    positions
}

/// The common interval of grouping positions that are all its multiples (3 for
/// `#,###,###`), or 0 when they are irregular.
fn regular_interval(positions: &[usize]) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let Some((&first, rest)) = positions.split_first() else {
        return 0;
    };
    let factor = rest.iter().fold(first, |a, &b| gcd(a, b));
    let present: std::collections::HashSet<usize> = positions.iter().copied().collect();
    let regular = (1..=positions.len()).all(|i| present.contains(&(i * factor)));
    if regular { factor } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::super::number::tests::{code, format};

    /// §4.7.4: regular grouping positions repeat to the left of the integer part;
    /// irregular ones are placed only where the picture has them.
    #[test]
    fn groups_integer_digits() {
        assert_eq!(format(1234567.0, "#,##0").as_deref(), Ok("1,234,567"));
        assert_eq!(
            format(123456789.0, "#,##,##0").as_deref(),
            Ok("1234,56,789")
        );
        assert_eq!(format(12.0, "#,##0.00").as_deref(), Ok("12.00"));
    }

    /// §4.7.3: picture errors, the last rule broken being reported.
    #[test]
    fn rejects_invalid_pictures() {
        assert_eq!(code(1.0, "#;#;#"), Some("D3080"));
        assert_eq!(code(1.0, ""), Some("D3085"));
        assert_eq!(code(1.0, "abc"), Some("D3085"));
        assert_eq!(code(1.0, "0,,0"), Some("D3089"));
        assert_eq!(code(1.0, "0,"), Some("D3088"));
        let huge = format!("0.{}", "0".repeat(1000));
        assert!(format(1.0, &huge).is_err());
        let huge = format!("{}e0", "0".repeat(1000));
        assert!(format(1.0, &huge).is_err());
    }
}
