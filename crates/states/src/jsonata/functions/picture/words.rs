//! The integer formats in letters: English words and ordinal words, Roman numerals and
//! spreadsheet-style letters, each written and read back (XPath F&O 3.1 §4.6.1 as
//! JSONata 2.0.6 implements it).

use std::sync::LazyLock;

use regex_lite::Regex;

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

pub(super) fn to_letters(mut value: f64, upper: bool) -> String {
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
pub(super) fn from_letters(text: &str, upper: bool) -> f64 {
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

pub(super) fn to_roman(mut value: u64) -> String {
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
pub(super) fn from_roman(text: &str) -> Option<f64> {
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
pub(super) fn to_words(value: f64, ordinal: bool) -> String {
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
pub(super) static WORD_VALUES: LazyLock<Vec<(String, f64)>> =
    LazyLock::new(|| word_values().collect());

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
pub(super) fn from_words(text: &str) -> Option<f64> {
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
    use super::super::integer::tests::{fmt, read};

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
}
