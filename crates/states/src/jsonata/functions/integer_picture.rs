//! `$formatInteger` and `$parseInteger`: integer picture strings as XPath F&O 3.1
//! §4.6.1 (`fn:format-integer`) defines them and JSONata 2.0.6 implements them. A
//! picture is a primary format token and an optional `;o` (ordinal) modifier. The
//! primary token is a decimal digit pattern (`#,##0`, `000`, `١`…), `a`/`A` (letters),
//! `i`/`I` (Roman numerals) or `w`/`W`/`Ww` (English words). The date/time pictures
//! (`datetime_picture.rs`) reuse the same analysis for their integer components.

use std::sync::LazyLock;

use regex_lite::Regex;

use super::Args;
use crate::jsonata::error::{JsonataError, err};
use crate::jsonata::eval::Out;
use crate::jsonata::value::{V, format_number};

/// The zero of every decimal digit family JSONata recognises (XPath: any Unicode
/// `Nd` family); the digits of a family are the ten code points from its zero.
const DIGIT_ZEROS: &[u32] = &[
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];

/// Roman numerals above this many thousands would be mostly `M`s; XPath lets such
/// values fall back to the decimal format token `1`.
const ROMAN_LIMIT: f64 = 100_000.0;

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
/// Twenty to ninety, then "Hundred" (JSONata's list, which also gives the word value of
/// "hundred").
const DECADES: [&str; 9] = [
    "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred",
];
const MAGNITUDES: [&str; 4] = ["Thousand", "Million", "Billion", "Trillion"];

/// Letter case of alphabetic and word output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LetterCase {
    Upper,
    Lower,
    Title,
}

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

/// The primary format token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Primary {
    Decimal(DecimalPattern),
    Letters,
    Roman,
    Words,
    /// Any other token: a numbering sequence, which JSONata does not support (D3130).
    Sequence(String),
}

/// An analysed integer picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IntegerPicture {
    pub primary: Primary,
    pub case: LetterCase,
    pub ordinal: bool,
}

impl IntegerPicture {
    /// Analyses `picture`: the primary token, then after the last `;` a modifier whose
    /// leading `o` asks for ordinals.
    pub fn parse(picture: &str) -> Result<Self, JsonataError> {
        let (token, ordinal) = match picture.rfind(';') {
            Some(at) => (&picture[..at], picture[at + 1..].starts_with('o')),
            None => (picture, false),
        };
        let (primary, case) = match token {
            "A" => (Primary::Letters, LetterCase::Upper),
            "a" => (Primary::Letters, LetterCase::Lower),
            "I" => (Primary::Roman, LetterCase::Upper),
            "i" => (Primary::Roman, LetterCase::Lower),
            "W" => (Primary::Words, LetterCase::Upper),
            "Ww" => (Primary::Words, LetterCase::Title),
            "w" => (Primary::Words, LetterCase::Lower),
            _ => (decimal_pattern(token)?, LetterCase::Lower),
        };
        Ok(IntegerPicture {
            primary,
            case,
            ordinal,
        })
    }

    /// The decimal pattern, if the primary token is one.
    pub fn decimal(&self) -> Option<&DecimalPattern> {
        match &self.primary {
            Primary::Decimal(d) => Some(d),
            _ => None,
        }
    }

    /// Raises the number of mandatory digits of a decimal pattern to at least `min`
    /// (a date/time width modifier); other formats are unaffected.
    pub fn widen_to(&mut self, min: usize) {
        if let Primary::Decimal(d) = &mut self.primary {
            d.mandatory = d.mandatory.max(min);
        }
    }

    /// Sets the number of mandatory digits of a decimal pattern.
    pub fn set_mandatory(&mut self, digits: usize) {
        if let Primary::Decimal(d) = &mut self.primary {
            d.mandatory = digits;
        }
    }

    /// Formats `value` (already a whole number).
    pub fn format(&self, value: f64) -> Result<String, JsonataError> {
        let magnitude = value.abs();
        let body = match &self.primary {
            Primary::Letters => to_letters(magnitude, self.case == LetterCase::Upper),
            Primary::Roman if magnitude > ROMAN_LIMIT => format_number(magnitude),
            Primary::Roman => {
                let roman = to_roman(magnitude as u64);
                match self.case {
                    LetterCase::Upper => roman.to_uppercase(),
                    _ => roman,
                }
            }
            Primary::Words => {
                let words = to_words(magnitude, self.ordinal);
                match self.case {
                    LetterCase::Upper => words.to_uppercase(),
                    LetterCase::Lower => words.to_lowercase(),
                    LetterCase::Title => words,
                }
            }
            Primary::Decimal(pattern) => format_decimal(magnitude, pattern, self.ordinal),
            Primary::Sequence(token) => return Err(sequence_error(token)),
        };
        Ok(if value < 0.0 {
            format!("-{body}")
        } else {
            body
        })
    }

    /// Reads `text` as formatted by this picture. `None` where JSONata gets `NaN` (text
    /// that is not a number in this format). Like JSONata, the text is not checked
    /// against the picture beyond what reading it needs.
    pub fn read(&self, text: &str) -> Result<Option<f64>, JsonataError> {
        Ok(match &self.primary {
            Primary::Letters => Some(from_letters(text, self.case == LetterCase::Upper)),
            Primary::Roman if self.case == LetterCase::Upper => from_roman(text),
            Primary::Roman => from_roman(&text.to_uppercase()),
            Primary::Words => from_words(&text.to_lowercase()),
            Primary::Decimal(pattern) => read_decimal(text, pattern, self.ordinal),
            Primary::Sequence(token) => return Err(sequence_error(token)),
        })
    }

    /// A regular expression (no capturing groups) matching what this picture formats,
    /// as JSONata's date parser builds it; `digits` is the exact width of a year, month
    /// or day component, when its picture fixes one.
    pub fn regex(&self, digits: Option<usize>) -> Result<String, JsonataError> {
        let upper = self.case == LetterCase::Upper;
        Ok(match &self.primary {
            Primary::Letters if upper => "[A-Z]+".to_string(),
            Primary::Letters => "[a-z]+".to_string(),
            Primary::Roman if upper => "[MDCLXVI]+".to_string(),
            Primary::Roman => "[mdclxvi]+".to_string(),
            Primary::Words => {
                let mut alternatives: Vec<&str> =
                    WORD_VALUES.iter().map(|(w, _)| w.as_str()).collect();
                alternatives.push("and");
                alternatives.push(r"[\-, ]");
                format!("(?:{})+", alternatives.join("|"))
            }
            Primary::Decimal(pattern) => {
                let count = match digits {
                    Some(n) if n > 0 && pattern.optional == 0 => format!("{{{n}}}"),
                    Some(n) if n > 0 => format!("{{{},{n}}}", n.saturating_sub(pattern.optional)),
                    _ => "+".to_string(),
                };
                let suffix = if self.ordinal { "(?:th|st|nd|rd)" } else { "" };
                format!("[0-9]{count}{suffix}")
            }
            Primary::Sequence(token) => return Err(sequence_error(token)),
        })
    }
}

/// `$formatInteger(number, picture)` and `$parseInteger(string, picture)`.
pub fn call(name: &str, args: &Args<'_>) -> Out {
    match name {
        "formatInteger" => {
            let value = args.number(0)?;
            let picture = args.string(1)?.ok_or_else(|| args.mismatch(1))?;
            let Some(value) = value else {
                return Ok(None);
            };
            if !value.is_finite() {
                return Err(args.mismatch(0));
            }
            let picture = IntegerPicture::parse(&picture)?;
            Ok(Some(V::str(&picture.format(value.floor())?)))
        }
        "parseInteger" => {
            let text = args.string(0)?;
            let picture = args.string(1)?.ok_or_else(|| args.mismatch(1))?;
            let Some(text) = text else {
                return Ok(None);
            };
            let picture = IntegerPicture::parse(&picture)?;
            Ok(picture.read(&text)?.map(V::Num))
        }
        _ => Ok(None),
    }
}

fn sequence_error(token: &str) -> JsonataError {
    err(
        "D3130",
        &format!(
            "Formatting or parsing an integer as a sequence starting with {token} is not supported by this implementation"
        ),
    )
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
fn decimal_pattern(token: &str) -> Result<Primary, JsonataError> {
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

fn format_decimal(magnitude: f64, pattern: &DecimalPattern, ordinal: bool) -> String {
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

fn read_decimal(text: &str, pattern: &DecimalPattern, ordinal: bool) -> Option<f64> {
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

fn to_letters(mut value: f64, upper: bool) -> String {
    let a = if upper { b'A' } else { b'a' };
    let mut letters = Vec::new();
    while value >= 1.0 {
        let index = ((value - 1.0) % 26.0) as u8;
        letters.push(char::from(a + index));
        value = ((value - 1.0) / 26.0).floor();
    }
    letters.iter().rev().collect()
}

/// Spreadsheet-style letters to a number; like JSONata, other characters are read by
/// their distance from `a`.
fn from_letters(text: &str, upper: bool) -> f64 {
    let a = if upper { 'A' } else { 'a' };
    text.chars()
        .rev()
        .zip(0..)
        .map(|(c, i)| (f64::from(u32::from(c)) - f64::from(u32::from(a)) + 1.0) * 26f64.powi(i))
        .sum()
}

const ROMAN: [(u64, &str); 13] = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
];

fn to_roman(mut value: u64) -> String {
    let mut out = String::new();
    for (amount, numeral) in ROMAN {
        while value >= amount {
            out.push_str(numeral);
            value -= amount;
        }
    }
    out
}

/// Upper-case Roman numerals to a number, subtracting a numeral smaller than one to its
/// right; `None` for any other character.
fn from_roman(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut max = 1.0;
    for c in text.chars().rev() {
        let value = match c {
            'M' => 1000.0,
            'D' => 500.0,
            'C' => 100.0,
            'L' => 50.0,
            'X' => 10.0,
            'V' => 5.0,
            'I' => 1.0,
            _ => return None,
        };
        if value < max {
            total -= value;
        } else {
            max = value;
            total += value;
        }
    }
    Some(total)
}

/// A whole number in English words, title case ("Five Hundred and Fifty-Five"), as
/// JSONata writes them: "and" before the last part, commas between magnitudes; numbers
/// beyond the trillions repeat "Trillion".
fn to_words(value: f64, ordinal: bool) -> String {
    words(value, false, ordinal)
}

fn words(num: f64, after: bool, ordinal: bool) -> String {
    if num <= 19.0 {
        let index = num as usize;
        let word = if ordinal { ORDINALS[index] } else { FEW[index] };
        return format!("{}{word}", if after { " and " } else { "" });
    }
    if num < 100.0 {
        let tens = (num / 10.0).floor();
        let rest = num % 10.0;
        let mut out = format!(
            "{}{}",
            if after { " and " } else { "" },
            DECADES[tens as usize - 2]
        );
        if rest > 0.0 {
            out.push('-');
            out.push_str(&words(rest, false, ordinal));
        } else if ordinal {
            out.pop();
            out.push_str("ieth");
        }
        return out;
    }
    let separator = if after { ", " } else { "" };
    let (head, rest) = if num < 1000.0 {
        let hundreds = (num / 100.0).floor();
        (format!("{} Hundred", FEW[hundreds as usize]), num % 100.0)
    } else {
        let magnitude = ((num.log10() / 3.0).floor() as usize).clamp(1, MAGNITUDES.len());
        let factor = 10f64.powi(magnitude as i32 * 3);
        let mantissa = (num / factor).floor();
        (
            format!(
                "{} {}",
                words(mantissa, false, false),
                MAGNITUDES[magnitude - 1]
            ),
            num - mantissa * factor,
        )
    };
    let mut out = format!("{separator}{head}");
    if rest > 0.0 {
        out.push_str(&words(rest, true, ordinal));
    } else if ordinal {
        out.push_str("th");
    }
    out
}

/// Every number word JSONata reads, lower case, in its order (which is also the order
/// of the alternatives in the date parser's regular expression), with its value.
static WORD_VALUES: LazyLock<Vec<(String, f64)>> = LazyLock::new(|| word_values().collect());

fn word_values() -> impl Iterator<Item = (String, f64)> {
    let few = FEW
        .iter()
        .zip(0..)
        .map(|(w, i)| (w.to_lowercase(), f64::from(i)));
    let ordinals = ORDINALS
        .iter()
        .zip(0..)
        .map(|(w, i)| (w.to_lowercase(), f64::from(i)));
    let decades = DECADES.iter().zip(2..).flat_map(|(w, i)| {
        let word = w.to_lowercase();
        let ieth = format!("{}ieth", &word[..word.len() - 1]);
        let value = f64::from(i * 10);
        [(word, value), (ieth, value)]
    });
    let magnitudes = MAGNITUDES.iter().zip(1..).flat_map(|(w, i)| {
        let word = w.to_lowercase();
        let value = 10f64.powi(i * 3);
        [(word.clone(), value), (format!("{word}th"), value)]
    });
    few.chain(ordinals)
        .chain(decades)
        .chain([("hundredth".to_string(), 100.0)])
        .chain(magnitudes)
}

fn word_value(word: &str) -> Option<f64> {
    WORD_VALUES.iter().find(|(w, _)| w == word).map(|&(_, v)| v)
}

/// English words to a number: values below a hundred add up, "hundred" and the
/// magnitudes multiply what precedes them (starting a new group after a thousand or
/// more). `None` for an unknown word.
fn from_words(text: &str) -> Option<f64> {
    let mut groups = vec![0.0];
    for part in split_words(text) {
        let value = word_value(part)?;
        let top = groups.pop().unwrap_or(0.0);
        if value < 100.0 {
            if top >= 1000.0 {
                groups.push(top);
                groups.push(value);
            } else {
                groups.push(top + value);
            }
        } else {
            groups.push(top * value);
        }
    }
    Some(groups.iter().sum())
}

/// Splits number words as JSONata does: at ", ", " and ", white space, `-` and `\`.
fn split_words(text: &str) -> Vec<&str> {
    static SEPARATOR: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r",\s|\sand\s|[\s\\\-]").ok());
    match SEPARATOR.as_ref() {
        Some(separator) => separator.split(text).collect(),
        None => vec![text],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(value: f64, picture: &str) -> String {
        IntegerPicture::parse(picture)
            .and_then(|p| p.format(value))
            .expect("formats")
    }

    fn read(text: &str, picture: &str) -> Option<f64> {
        IntegerPicture::parse(picture)
            .and_then(|p| p.read(text))
            .expect("reads")
    }

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

    /// F&O §4.6.1 modifiers: `;o` gives English ordinals, in digits or in words.
    #[test]
    fn ordinals() {
        assert_eq!(fmt(111.0, "0;o"), "111th");
        assert_eq!(fmt(22.0, "0;o"), "22nd");
        assert_eq!(fmt(1_000_000_000_001.0, "w;o"), "one trillion and first");
        assert_eq!(read("Seven Hundred and Thirty-Third", "Ww;o"), Some(733.0));
    }

    /// JSONata docs ($formatInteger): `w`, `W`, `Ww` words; `i`/`I` Roman; `a`/`A`
    /// spreadsheet-style letters; and their inverses for $parseInteger.
    #[test]
    fn words_roman_letters() {
        assert_eq!(fmt(555.0, "Ww"), "Five Hundred and Fifty-Five");
        assert_eq!(fmt(1e46, "w"), "ten billion trillion trillion trillion");
        assert_eq!(read("nineteen hundred and eighty-four", "w"), Some(1984.0));
        assert_eq!(fmt(1984.0, "I"), "MCMLXXXIV");
        assert_eq!(read("xcix", "i"), Some(99.0));
        assert_eq!(fmt(300.0, "A"), "KN");
        assert_eq!(read("FZPH", "A"), Some(123_456.0));
        // Beyond a sensible bound Roman numerals fall back to decimal (F&O §4.6.1).
        assert_eq!(fmt(1e15, "I"), "1000000000000000");
    }

    #[test]
    fn sequences_are_not_supported() {
        let error = IntegerPicture::parse("α")
            .and_then(|p| p.format(1.0))
            .expect_err("sequence");
        assert_eq!(error.code, Some("D3130"));
        assert!(IntegerPicture::parse("").is_ok_and(|p| p.format(1.0).is_err()));
    }
}
