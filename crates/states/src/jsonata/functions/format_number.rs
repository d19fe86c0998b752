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

use super::Args;
use crate::jsonata::error::{ErrorKind, JsonataError, err};
use crate::jsonata::eval::Out;
use crate::jsonata::value::V;

/// The most fractional digits a picture may ask for (JavaScript's `toFixed` limit).
const MAX_FRACTION_DIGITS: usize = 100;

/// The most grouping separators placed one by one (irregular integer-part positions and
/// fractional-part positions); more only come from hostile pictures.
const MAX_IRREGULAR_SEPARATORS: usize = 1000;

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
struct Symbols {
    decimal: Vec<char>,
    grouping: Vec<char>,
    exponent: Vec<char>,
    infinity: Vec<char>,
    minus: Vec<char>,
    nan: Vec<char>,
    percent: Vec<char>,
    per_mille: Vec<char>,
    zero: Vec<char>,
    digit: Vec<char>,
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

    fn is_family(&self, c: char) -> bool {
        self.family.contains(&c)
    }

    /// A mandatory or optional digit.
    fn is_digit_sign(&self, c: char) -> bool {
        self.is_family(c) || is(c, &self.digit)
    }

    /// An active character (§4.7.3): digits, the separators and the pattern separator.
    fn is_active(&self, c: char) -> bool {
        self.is_digit_sign(c)
            || [&self.decimal, &self.exponent, &self.grouping, &self.pattern]
                .iter()
                .any(|symbol| is(c, symbol))
    }

    /// An active character that can start or end the active part (the exponent
    /// separator cannot).
    fn bounds_active_part(&self, c: char) -> bool {
        self.is_active(c) && !is(c, &self.exponent)
    }

    /// ASCII digits rewritten in the decimal digit family.
    fn localise(&self, ascii: &str) -> Vec<char> {
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
fn is(c: char, symbol: &[char]) -> bool {
    symbol.len() == 1 && symbol[0] == c
}

// String searches with JavaScript's semantics (an empty needle matches everywhere).

fn index_of(haystack: &[char], needle: &[char], from: usize) -> Option<usize> {
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

fn last_index_of(haystack: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() {
        return Some(haystack.len());
    }
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn contains(haystack: &[char], needle: &[char]) -> bool {
    index_of(haystack, needle, 0).is_some()
}

/// More than one (possibly overlapping) occurrence.
fn repeats(haystack: &[char], needle: &[char]) -> bool {
    index_of(haystack, needle, 0) != last_index_of(haystack, needle)
}

/// `s[from..to]` with the bounds clamped to the slice.
fn clamp(s: &[char], from: usize, to: usize) -> &[char] {
    let to = to.min(s.len());
    s.get(from.min(to)..to).unwrap_or_default()
}

/// Inserts `text` before position `at` with JavaScript `slice` semantics: a negative
/// position counts from the end, positions out of range are clamped.
fn insert_at(s: &mut Vec<char>, at: isize, text: &[char]) {
    let len = s.len() as isize;
    let at = if at < 0 {
        (len + at).max(0)
    } else {
        at.min(len)
    } as usize;
    s.splice(at..at, text.iter().copied());
}

/// A sub-picture split into the parts of §4.7.3.
struct Parts<'p> {
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
    fn split(whole: &'p [char], symbols: &Symbols) -> Self {
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
    fn validate(&self, symbols: &Symbols) -> Result<(), JsonataError> {
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
fn message(code: &str) -> &'static str {
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
struct Layout {
    whole: Vec<char>,
    prefix: Vec<char>,
    suffix: Vec<char>,
    /// Digits to the right of each integer-part grouping separator, left to right.
    integer_groups: Vec<usize>,
    /// The interval when the integer groups are regular, else 0.
    regular_group: usize,
    /// Digits to the left of each fractional-part grouping separator.
    fraction_groups: Vec<usize>,
    min_integer: usize,
    scaling: usize,
    min_fraction: usize,
    max_fraction: usize,
    /// 0 without an exponent.
    min_exponent: usize,
}

impl Layout {
    fn analyse(parts: &Parts<'_>, symbols: &Symbols) -> Self {
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

/// §4.7.5 with the sub-picture chosen for the sign of `value`.
fn render(value: f64, layout: &Layout, symbols: &Symbols) -> Result<String, JsonataError> {
    let adjusted = if contains(&layout.whole, &symbols.percent) {
        value * 100.0
    } else if contains(&layout.whole, &symbols.per_mille) {
        value * 1000.0
    } else {
        value
    };
    if !adjusted.is_finite() {
        let text = layout
            .prefix
            .iter()
            .chain(&symbols.infinity)
            .chain(&layout.suffix);
        return Ok(text.collect());
    }
    let irregular = if layout.regular_group > 0 {
        0
    } else {
        layout.integer_groups.len()
    };
    if irregular + layout.fraction_groups.len() > MAX_IRREGULAR_SEPARATORS {
        return Err(JsonataError::new(
            ErrorKind::Evaluation,
            format!(
                "The picture string of $formatNumber has more than {MAX_IRREGULAR_SEPARATORS} irregularly placed grouping separators"
            ),
        ));
    }
    if layout.max_fraction > MAX_FRACTION_DIGITS {
        return Err(JsonataError::new(
            ErrorKind::Evaluation,
            format!(
                "The picture string of $formatNumber asks for more than {MAX_FRACTION_DIGITS} fractional digits"
            ),
        ));
    }
    let (mantissa, exponent) = if layout.min_exponent == 0 {
        (adjusted, None)
    } else {
        let (mantissa, exponent) = scale(adjusted.abs(), layout.scaling)?;
        (mantissa, Some(exponent))
    };
    let rounded = round_half_even(mantissa, layout.max_fraction);
    let mut out = mantissa_digits(rounded, layout, symbols);
    if let Some(exponent) = exponent {
        out.extend(&symbols.exponent);
        if exponent < 0 {
            out.extend(&symbols.minus);
        }
        let digits = symbols.localise(&exponent.unsigned_abs().to_string());
        let pad = layout.min_exponent.saturating_sub(digits.len());
        out.extend(symbols.zero.repeat(pad));
        out.extend(digits);
    }
    let text = layout.prefix.iter().chain(&out).chain(&layout.suffix);
    Ok(text.collect())
}

/// `mantissa * 10^exponent = value`, with the mantissa brought between
/// `10^(scaling - 1)` and `10^scaling` by repeated multiplication, as jsonata-js does.
fn scale(value: f64, scaling: usize) -> Result<(f64, i32), JsonataError> {
    if value == 0.0 {
        return Ok((0.0, 0));
    }
    let power = |n: i64| format!("1e{n}").parse::<f64>().unwrap_or(f64::INFINITY);
    let scaling = scaling as i64;
    let (max, min) = (power(scaling), power(scaling - 1));
    if !max.is_finite() {
        return Err(JsonataError::new(
            ErrorKind::Evaluation,
            "The picture string of $formatNumber asks for more integer digits than a number has",
        ));
    }
    let (mut mantissa, mut exponent) = (value, 0);
    // A finite non-zero value reaches the range within ~650 steps either way.
    for _ in 0..1000 {
        if mantissa < min {
            mantissa *= 10.0;
            exponent -= 1;
        } else {
            break;
        }
    }
    for _ in 0..1000 {
        if mantissa > max {
            mantissa /= 10.0;
            exponent += 1;
        } else {
            break;
        }
    }
    Ok((mantissa, exponent))
}

/// Bullets 7 to 12 of §4.7.5: the digits of `rounded` with the decimal separator,
/// padding and grouping separators, built the way jsonata-js does.
fn mantissa_digits(rounded: f64, layout: &Layout, symbols: &Symbols) -> Vec<char> {
    let fixed = format!("{:.*}", layout.max_fraction, rounded.abs());
    let (integer, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let mut s = symbols.localise(integer);
    s.extend(&symbols.decimal);
    s.extend(symbols.localise(fraction));

    let is_zero = |c: &char| is(*c, &symbols.zero);
    let leading = s.iter().take_while(|c| is_zero(c)).count();
    s.drain(..leading);
    let trailing = s.iter().rev().take_while(|c| is_zero(c)).count();
    s.truncate(s.len() - trailing);

    let decimal_at = index_of(&s, &symbols.decimal, 0).unwrap_or(0);
    let pad_left = layout.min_integer.saturating_sub(decimal_at);
    let fraction_len = s.len().saturating_sub(decimal_at + 1);
    let pad_right = layout.min_fraction.saturating_sub(fraction_len);
    s.splice(0..0, symbols.zero.repeat(pad_left));
    s.extend(symbols.zero.repeat(pad_right));

    let mut decimal_at = index_of(&s, &symbols.decimal, 0).unwrap_or(0) as isize;
    let grouping = &symbols.grouping;
    if layout.regular_group > 0 {
        // A separator before every digit that has a multiple of the interval of digits
        // between it and the decimal separator.
        let every = layout.regular_group as isize;
        let mut grouped = Vec::with_capacity(s.len() + s.len() / layout.regular_group + 1);
        for (k, &c) in s.iter().enumerate() {
            let to_decimal = decimal_at - k as isize;
            if k > 0 && to_decimal > 0 && to_decimal % every == 0 {
                grouped.extend(grouping);
            }
            grouped.push(c);
        }
        s = grouped;
    } else {
        // Irregular positions are few (see MAX_IRREGULAR_SEPARATORS), so inserting one
        // at a time, as jsonata-js does (with its placement past the number's digits),
        // stays cheap.
        for &position in &layout.integer_groups {
            insert_at(&mut s, decimal_at - position as isize, grouping);
            decimal_at += 1;
        }
    }
    let decimal_at = index_of(&s, &symbols.decimal, 0).unwrap_or(0) as isize;
    for &position in &layout.fraction_groups {
        insert_at(&mut s, position as isize + decimal_at + 1, grouping);
    }

    let decimal_at = index_of(&s, &symbols.decimal, 0);
    if !contains(&layout.whole, &symbols.decimal) || decimal_at == s.len().checked_sub(1) {
        s.pop();
    }
    s
}

/// `value` rounded half to even at `precision` decimal places, as jsonata-js's `round`:
/// the decimal point is moved in the number's shortest decimal text so that no binary
/// multiplication error creeps in.
fn round_half_even(value: f64, precision: usize) -> f64 {
    let precision = precision as i64;
    let scaled = shift(value, precision);
    if !scaled.is_finite() {
        return value;
    }
    let floor = scaled.floor();
    let rounded = match scaled - floor {
        d if d > 0.5 => floor + 1.0,
        d if d < 0.5 => floor,
        _ if floor % 2.0 == 0.0 => floor,
        _ => floor + 1.0,
    };
    let result = shift(rounded, -precision);
    if result == 0.0 { 0.0 } else { result }
}

/// `value * 10^places`, computed on the shortest decimal text of `value`.
fn shift(value: f64, places: i64) -> f64 {
    if places == 0 || !value.is_finite() {
        return value;
    }
    let text = format!("{value:e}");
    let Some((digits, exponent)) = text.split_once('e') else {
        return value;
    };
    let Ok(exponent) = exponent.parse::<i64>() else {
        return value;
    };
    format!("{digits}e{}", exponent.saturating_add(places))
        .parse()
        .unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(value: f64, picture: &str) -> Result<String, String> {
        let picture: Vec<char> = picture.chars().collect();
        format_number(value, &picture, &Symbols::default()).map_err(|e| e.to_string())
    }

    fn code(value: f64, picture: &str) -> Option<&'static str> {
        let picture: Vec<char> = picture.chars().collect();
        format_number(value, &picture, &Symbols::default())
            .err()
            .and_then(|e| e.code)
    }

    /// F&O 3.1 §4.7.5 bullet 6: rounding is half-to-even at the maximum fractional
    /// part size.
    #[test]
    fn rounds_half_to_even() {
        assert_eq!(format(2.5, "0").as_deref(), Ok("2"));
        assert_eq!(format(3.5, "0").as_deref(), Ok("4"));
        assert_eq!(format(-1.5, "0").as_deref(), Ok("-2"));
        assert_eq!(format(1.005, "0.00").as_deref(), Ok("1.00"));
        assert_eq!(format(0.125, "0.00").as_deref(), Ok("0.12"));
    }

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

    /// §4.7.5 bullet 5: with an exponent, the mantissa has as many integer digits as
    /// the picture's mandatory ones; zero and negative numbers work too.
    #[test]
    fn exponent_notation() {
        assert_eq!(format(1234.5678, "00.000e0").as_deref(), Ok("12.346e2"));
        assert_eq!(format(0.0, "0.0e0").as_deref(), Ok("0.0e0"));
        assert_eq!(format(-1234.5678, "0.0e0").as_deref(), Ok("-1.2e3"));
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

    /// §4.7.5 bullet 3: percent and per-mille multiply the number.
    #[test]
    fn percent_and_per_mille() {
        assert_eq!(format(0.14, "01%").as_deref(), Ok("14%"));
        assert_eq!(
            format(0.4857, "###.###\u{2030}").as_deref(),
            Ok("485.7\u{2030}")
        );
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
