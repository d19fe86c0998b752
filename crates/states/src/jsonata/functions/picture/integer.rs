//! `$formatInteger` and `$parseInteger`: integer picture strings as XPath F&O 3.1
//! §4.6.1 (`fn:format-integer`) defines them and JSONata 2.0.6 implements them. A
//! picture is a primary format token and an optional `;o` (ordinal) modifier. The
//! primary token is a decimal digit pattern (`#,##0`, `000`, `١`…: `digit_pattern.rs`),
//! `a`/`A` (letters), `i`/`I` (Roman numerals) or `w`/`W`/`Ww` (English words), the
//! last three in `words.rs`. The date/time pictures (`datetime.rs`) reuse the same
//! analysis for their integer components.

use super::super::Args;
use super::digit_pattern::{DecimalPattern, decimal_pattern, format_decimal, read_decimal};
use super::words::{
    WORD_VALUES, from_letters, from_roman, from_words, to_letters, to_roman, to_words,
};
use crate::jsonata::error::{JsonataError, err};
use crate::jsonata::eval::Out;
use crate::jsonata::value::{V, format_number};

/// Roman numerals above this many thousands would be mostly `M`s; XPath lets such
/// values fall back to the decimal format token `1`.
const ROMAN_LIMIT: f64 = 100_000.0;

/// Letter case of alphabetic and word output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LetterCase {
    Upper,
    Lower,
    Title,
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) fn fmt(value: f64, picture: &str) -> String {
        IntegerPicture::parse(picture)
            .and_then(|p| p.format(value))
            .expect("formats")
    }

    pub(crate) fn read(text: &str, picture: &str) -> Option<f64> {
        IntegerPicture::parse(picture)
            .and_then(|p| p.read(text))
            .expect("reads")
    }

    /// F&O §4.6.1 modifiers: `;o` gives English ordinals, in digits or in words.
    #[test]
    fn ordinals() {
        assert_eq!(fmt(111.0, "0;o"), "111th");
        assert_eq!(fmt(22.0, "0;o"), "22nd");
        assert_eq!(fmt(1_000_000_000_001.0, "w;o"), "one trillion and first");
        assert_eq!(read("Seven Hundred and Thirty-Third", "Ww;o"), Some(733.0));
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
