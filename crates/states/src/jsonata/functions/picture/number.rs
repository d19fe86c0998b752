//! `$formatNumber(number, picture [, options])`: XPath F&O 3.1 `fn:format-number`
//! (§4.7) with a decimal format built from JSONata's defaults and the options object.
//!
//! The result follows jsonata-js 2.0.6 wherever it gives one, including its quirks (an
//! exponent picture after a prefix is cut at the wrong place, only the first grouping
//! separator of a fractional part is found, irregular grouping positions past the
//! number's digits are placed from the end). Where jsonata-js never returns (zero or a
//! negative number with an exponent picture) or fails with a JavaScript error (a picture
//! without any active character, more than 100 fractional digits), this follows the
//! specification or raises an error instead. Numbers of 10^21 and more are written
//! with all their digits, where jsonata-js mangles JavaScript's exponent notation.
//! Pictures whose work would grow faster than their length (more than 1000 irregular
//! grouping separators, more integer digits than a number can have with an exponent)
//! are refused.

use super::super::Args;
use super::number_picture::{Layout, Parts, message};
use super::number_render::render;
use crate::jsonata::error::{JsonataError, err};
use crate::jsonata::eval::Out;
use crate::jsonata::value::V;

pub fn call(args: &Args<'_>) -> Out {
    let Some(value) = args.number(0)? else {
        return Ok(None);
    };
    let Some(picture) = args.string(1)? else {
        return Ok(None);
    };
    let symbols = Symbols::from_options(args)?;
    let picture: Vec<char> = picture.chars().collect();
    let formatted = format_number(value, &picture, &symbols)?;
    Ok(Some(V::str(&formatted)))
}

/// The decimal format: the characters of §4.7.1, each a string as JSONata allows.
#[derive(Debug, Clone)]
pub(super) struct Symbols {
    pub(super) decimal: Vec<char>,
    pub(super) grouping: Vec<char>,
    pub(super) exponent: Vec<char>,
    pub(super) infinity: Vec<char>,
    pub(super) minus: Vec<char>,
    nan: Vec<char>,
    pub(super) percent: Vec<char>,
    pub(super) per_mille: Vec<char>,
    pub(super) zero: Vec<char>,
    pub(super) digit: Vec<char>,
    pattern: Vec<char>,
    /// The ten digits starting at the first character of `zero`.
    family: Vec<char>,
}

impl Default for Symbols {
    fn default() -> Self {
        let mut symbols = Symbols {
            decimal: vec!['.'],
            grouping: vec![','],
            exponent: vec!['e'],
            infinity: "Infinity".chars().collect(),
            minus: vec!['-'],
            nan: "NaN".chars().collect(),
            percent: vec!['%'],
            per_mille: vec!['\u{2030}'],
            zero: vec!['0'],
            digit: vec!['#'],
            pattern: vec![';'],
            family: Vec::new(),
        };
        symbols.family = digit_family(&symbols.zero);
        symbols
    }
}

impl Symbols {
    /// The defaults overridden by the options object (argument 3); keys other than the
    /// decimal-format properties are ignored.
    fn from_options(args: &Args<'_>) -> Result<Self, JsonataError> {
        let mut symbols = Symbols::default();
        let map = match args.get(2) {
            None => return Ok(symbols),
            Some(V::Object(map)) => map,
            Some(_) => return Err(args.mismatch(2)),
        };
        for (key, value) in map.iter() {
            let Some(slot) = symbols.slot(key) else {
                continue;
            };
            let V::Str(text) = value else {
                return Err(args.mismatch(2));
            };
            *slot = text.chars().collect();
        }
        symbols.family = digit_family(&symbols.zero);
        Ok(symbols)
    }

    fn slot(&mut self, key: &str) -> Option<&mut Vec<char>> {
        Some(match key {
            "decimal-separator" => &mut self.decimal,
            "grouping-separator" => &mut self.grouping,
            "exponent-separator" => &mut self.exponent,
            "infinity" => &mut self.infinity,
            "minus-sign" => &mut self.minus,
            "NaN" => &mut self.nan,
            "percent" => &mut self.percent,
            "per-mille" => &mut self.per_mille,
            "zero-digit" => &mut self.zero,
            "digit" => &mut self.digit,
            "pattern-separator" => &mut self.pattern,
            _ => return None,
        })
    }

    pub(super) fn is_family(&self, c: char) -> bool {
        self.family.contains(&c)
    }

    /// A mandatory or optional digit.
    pub(super) fn is_digit_sign(&self, c: char) -> bool {
        self.is_family(c) || is(c, &self.digit)
    }

    /// An active character (§4.7.3): digits, the separators and the pattern separator.
    pub(super) fn is_active(&self, c: char) -> bool {
        self.is_digit_sign(c)
            || [&self.decimal, &self.exponent, &self.grouping, &self.pattern]
                .iter()
                .any(|symbol| is(c, symbol))
    }

    /// An active character that can start or end the active part (the exponent
    /// separator cannot).
    pub(super) fn bounds_active_part(&self, c: char) -> bool {
        self.is_active(c) && !is(c, &self.exponent)
    }

    /// ASCII digits rewritten in the decimal digit family.
    pub(super) fn localise(&self, ascii: &str) -> Vec<char> {
        ascii
            .chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => self.family.get(d as usize).copied().unwrap_or(c),
                None => c,
            })
            .collect()
    }
}

/// The ten consecutive characters starting at the zero digit.
fn digit_family(zero: &[char]) -> Vec<char> {
    zero.first().map_or_else(Vec::new, |&zero| {
        (0..10)
            .filter_map(|d| char::from_u32(u32::from(zero) + d))
            .collect()
    })
}

/// Whether the one character `c` is the symbol (a symbol of several characters never
/// matches a single character).
pub(super) fn is(c: char, symbol: &[char]) -> bool {
    symbol.len() == 1 && symbol[0] == c
}

// String searches with JavaScript's semantics (an empty needle matches everywhere).

pub(super) fn index_of(haystack: &[char], needle: &[char], from: usize) -> Option<usize> {
    let from = from.min(haystack.len());
    if needle.is_empty() {
        return Some(from);
    }
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

pub(super) fn last_index_of(haystack: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() {
        return Some(haystack.len());
    }
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

pub(super) fn contains(haystack: &[char], needle: &[char]) -> bool {
    index_of(haystack, needle, 0).is_some()
}

/// More than one (possibly overlapping) occurrence.
pub(super) fn repeats(haystack: &[char], needle: &[char]) -> bool {
    index_of(haystack, needle, 0) != last_index_of(haystack, needle)
}

/// `s[from..to]` with the bounds clamped to the slice.
pub(super) fn clamp(s: &[char], from: usize, to: usize) -> &[char] {
    let to = to.min(s.len());
    s.get(from.min(to)..to).unwrap_or_default()
}

/// Inserts `text` before position `at` with JavaScript `slice` semantics: a negative
/// position counts from the end, positions out of range are clamped.
pub(super) fn insert_at(s: &mut Vec<char>, at: isize, text: &[char]) {
    let len = s.len() as isize;
    let at = if at < 0 {
        (len + at).max(0)
    } else {
        at.min(len)
    } as usize;
    s.splice(at..at, text.iter().copied());
}

fn format_number(value: f64, picture: &[char], symbols: &Symbols) -> Result<String, JsonataError> {
    let sub_pictures = split_sub_pictures(picture, &symbols.pattern);
    if sub_pictures.len() > 2 {
        return Err(err("D3080", message("D3080")));
    }
    let parts: Vec<Parts<'_>> = sub_pictures
        .iter()
        .map(|sub| Parts::split(sub, symbols))
        .collect();
    for part in &parts {
        part.validate(symbols)?;
    }
    let mut layouts: Vec<Layout> = parts.iter().map(|p| Layout::analyse(p, symbols)).collect();
    if layouts.len() == 1 {
        let mut negative = layouts[0].clone();
        negative.prefix = symbols
            .minus
            .iter()
            .chain(&layouts[0].prefix)
            .copied()
            .collect();
        layouts.push(negative);
    }
    if value.is_nan() {
        return Ok(symbols.nan.iter().collect());
    }
    let layout = if value >= 0.0 {
        &layouts[0]
    } else {
        &layouts[1]
    };
    render(value, layout, symbols)
}

/// The picture split at the pattern separator (an empty separator splits between
/// characters, as JavaScript's `split` does).
fn split_sub_pictures<'p>(picture: &'p [char], separator: &[char]) -> Vec<&'p [char]> {
    if separator.is_empty() {
        return picture.chunks(1).collect();
    }
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(at) = index_of(picture, separator, start) {
        parts.push(&picture[start..at]);
        start = at + separator.len();
    }
    parts.push(&picture[start..]);
    parts
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) fn format(value: f64, picture: &str) -> Result<String, String> {
        let picture: Vec<char> = picture.chars().collect();
        format_number(value, &picture, &Symbols::default()).map_err(|e| e.to_string())
    }

    pub(crate) fn code(value: f64, picture: &str) -> Option<&'static str> {
        let picture: Vec<char> = picture.chars().collect();
        format_number(value, &picture, &Symbols::default())
            .err()
            .and_then(|e| e.code)
    }

    /// §4.7.2: a second sub-picture formats negative numbers; without one, the
    /// minus sign is prefixed to the positive sub-picture.
    #[test]
    fn negative_sub_picture() {
        assert_eq!(
            format(-1234.5, "#,##0.00;(#,##0.00)").as_deref(),
            Ok("(1,234.50)")
        );
        assert_eq!(format(-6.0, "000").as_deref(), Ok("-006"));
    }

    /// §4.7.1: the decimal format's properties come from the options; the zero digit
    /// selects another decimal digit family.
    #[test]
    fn options_override_the_decimal_format() {
        let symbols = Symbols {
            decimal: vec![','],
            grouping: vec!['.'],
            ..Symbols::default()
        };
        let picture: Vec<char> = "#.##0,00".chars().collect();
        let formatted = format_number(1234567.891, &picture, &symbols);
        assert_eq!(formatted.ok().as_deref(), Some("1.234.567,89"));

        let zero = vec!['\u{0660}'];
        let symbols = Symbols {
            family: digit_family(&zero),
            zero,
            ..Symbols::default()
        };
        let picture: Vec<char> = "\u{0660}.\u{0660}\u{0660}".chars().collect();
        let formatted = format_number(3.25, &picture, &symbols);
        assert_eq!(formatted.ok().as_deref(), Some("\u{0663}.\u{0662}\u{0665}"));
    }
}
