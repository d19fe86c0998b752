//! Writing a number with an analysed `$formatNumber` sub-picture (XPath F&O 3.1 §4.7.5):
//! scaling, rounding, digits, separators and exponent, as jsonata-js builds them.

use super::number::{Symbols, contains, index_of, insert_at, is};
use super::number_picture::Layout;
use crate::jsonata::error::{ErrorKind, JsonataError};

/// The most fractional digits a picture may ask for (JavaScript's `toFixed` limit).
const MAX_FRACTION_DIGITS: usize = 100;

/// The most grouping separators placed one by one (irregular integer-part positions and
/// fractional-part positions); more only come from hostile pictures.
const MAX_IRREGULAR_SEPARATORS: usize = 1000;

/// §4.7.5 with the sub-picture chosen for the sign of `value`.
pub(super) fn render(
    value: f64,
    layout: &Layout,
    symbols: &Symbols,
) -> Result<String, JsonataError> {
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
    use super::super::number::tests::format;

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

    /// §4.7.5 bullet 5: with an exponent, the mantissa has as many integer digits as
    /// the picture's mandatory ones; zero and negative numbers work too.
    #[test]
    fn exponent_notation() {
        assert_eq!(format(1234.5678, "00.000e0").as_deref(), Ok("12.346e2"));
        assert_eq!(format(0.0, "0.0e0").as_deref(), Ok("0.0e0"));
        assert_eq!(format(-1234.5678, "0.0e0").as_deref(), Ok("-1.2e3"));
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
}
