//! Date/time picture strings (XPath F&O 3.1 §9.8.4, `fn:format-dateTime`) as JSONata
//! 2.0.6 uses them in `$fromMillis`/`$now` (formatting) and `$toMillis` (parsing).
//!
//! A picture is literal text with variable markers: `[` component, presentation
//! modifiers, optional `,min-max` width `]`; `[[` and `]]` stand for brackets. The
//! components are `Y M D d F W w X x H h P m s f Z z C E` (JSONata adds `X`/`x`, the
//! year and month a week belongs to). Dates are proleptic Gregorian, in UTC shifted by
//! the requested `±HHMM` offset.

use super::calendar::{Fields, MAX_TIME};
use super::digit_pattern::{Grouping, js_parse_int};
use super::integer::{IntegerPicture, LetterCase};
use crate::jsonata::error::{JsonataError, err, unsupported};

/// Width modifiers above this are refused rather than padded out.
const MAX_WIDTH: usize = 1000;

pub(super) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// ISO day numbers: 1 is Monday.
pub(super) const DAYS: [&str; 8] = [
    "",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The picture JSONata formats timestamps with when none is given.
pub(crate) const ISO_8601: &str = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]";

/// An analysed date/time picture.
#[derive(Debug, Clone)]
pub(crate) struct DateTimePicture {
    pub(super) parts: Vec<Part>,
}

#[derive(Debug, Clone)]
pub(super) enum Part {
    Literal(String),
    Marker(Marker),
}

/// A variable marker (F&O §9.8.4.1).
#[derive(Debug, Clone)]
pub(super) struct Marker {
    pub(super) component: char,
    /// `n`, `N` or `Nn`: the component as a name, in that case.
    names: Option<LetterCase>,
    /// The second presentation modifier (`o`, `c`, `a`, `t`).
    modifier: Option<char>,
    /// How an integer-valued component (or a time zone) is written.
    pub(super) integer: Option<IntegerPicture>,
    /// The maximum width, from the width modifier.
    pub(super) max_width: Option<usize>,
    /// For `Y`, `M`, `D`: how many digits the value has (F&O §9.8.4.4: a two-digit
    /// year picture writes the year modulo 100).
    pub(super) digits: Option<usize>,
}

/// A time zone offset, `±HHMM` as JSONata reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Offset {
    hours: i64,
    minutes: i64,
}

impl Offset {
    /// Reads a `±HHMM` time zone: the number's hundreds are hours, the rest minutes,
    /// both taking its sign (`-0530` is five and a half hours west).
    pub fn parse(zone: &str) -> Result<Self, JsonataError> {
        let value = js_parse_int(zone)
            .filter(|v| v.abs() <= 9999.0)
            .ok_or_else(|| {
                err(
                    "D3137",
                    &format!("The time zone must be an offset of the form ±HHMM, not \"{zone}\""),
                )
            })? as i64;
        Ok(Offset {
            hours: value / 100,
            minutes: value % 100,
        })
    }

    fn total_minutes(self) -> i64 {
        self.hours * 60 + self.minutes
    }
}

pub(super) fn component_error(code: &'static str, component: char) -> JsonataError {
    let message = match code {
        "D3132" => format!("Unknown component specifier {component} in date/time picture string"),
        _ => format!(
            "The 'name' modifier can only be applied to months and days in the date/time picture string, not {component}"
        ),
    };
    err(code, &message)
}

/// The default presentation modifier of each component (F&O §9.8.4.1, as JSONata has
/// them); `None` for an unknown component.
fn default_presentation(component: char) -> Option<&'static str> {
    Some(match component {
        'Y' | 'M' | 'D' | 'd' | 'W' | 'w' | 'X' | 'x' | 'H' | 'h' | 'f' => "1",
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => return None,
    })
}

/// A width modifier bound: digits, or `*` / nothing for no bound.
fn width_bound(text: Option<&str>) -> Result<Option<usize>, JsonataError> {
    let Some(value) = text.and_then(js_parse_int) else {
        return Ok(None);
    };
    if !(0.0..=MAX_WIDTH as f64).contains(&value) {
        return Err(unsupported(&format!(
            "date/time picture widths above {MAX_WIDTH}"
        )));
    }
    Ok(Some(value as usize))
}

impl DateTimePicture {
    /// Analyses `picture`: literals (`[[`, `]]` unescaped), and markers, whose white
    /// space is ignored.
    pub fn parse(picture: &str) -> Result<Self, JsonataError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = picture;
        while let Some(open) = rest.find('[') {
            literal.push_str(&rest[..open].replace("]]", "]"));
            let after = &rest[open + 1..];
            if let Some(next) = after.strip_prefix('[') {
                literal.push('[');
                rest = next;
                continue;
            }
            let close = after.find(']').ok_or_else(|| {
                err(
                    "D3135",
                    "No matching closing bracket ']' in date/time picture string",
                )
            })?;
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            let marker: String = after[..close]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            parts.push(Part::Marker(Marker::parse(&marker)?));
            rest = &after[close + 1..];
        }
        literal.push_str(&rest.replace("]]", "]"));
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(DateTimePicture { parts })
    }

    /// Formats the instant `millis` (milliseconds since the epoch) in time zone `offset`.
    pub fn format(&self, millis: f64, offset: Offset) -> Result<String, JsonataError> {
        let local = millis + (offset.total_minutes() * 60_000) as f64;
        if !local.is_finite() || local.abs() > MAX_TIME {
            return Err(err("D3137", "The timestamp is out of range"));
        }
        let fields = Fields::new(local.trunc() as i64);
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Marker(marker) => out.push_str(&marker.format(&fields, offset)?),
            }
        }
        Ok(out)
    }
}

impl Marker {
    fn parse(marker: &str) -> Result<Self, JsonataError> {
        let mut chars = marker.chars();
        let component = chars.next().unwrap_or('\0');
        let body = chars.as_str();
        let (presentation, width) = match body.rfind(',') {
            Some(comma) => (&body[..comma], Some(&body[comma + 1..])),
            None => (body, None),
        };
        let (min_width, max_width) = match width {
            Some(width) => match width.split_once('-') {
                Some((min, max)) => (width_bound(Some(min))?, width_bound(Some(max))?),
                None => (width_bound(Some(width))?, None),
            },
            None => (None, None),
        };
        let default =
            default_presentation(component).ok_or_else(|| component_error("D3132", component))?;
        let (first, modifier) = match presentation.chars().count() {
            0 => (default, None),
            1 => (presentation, None),
            _ => match presentation.chars().last() {
                Some(last @ ('a' | 't' | 'c' | 'o')) => {
                    (&presentation[..presentation.len() - 1], Some(last))
                }
                _ => (presentation, None),
            },
        };
        let names = if first.starts_with('n') {
            Some(LetterCase::Lower)
        } else if first.starts_with("Nn") {
            Some(LetterCase::Title)
        } else if first.starts_with('N') {
            Some(LetterCase::Upper)
        } else {
            None
        };
        let mut marker = Marker {
            component,
            names,
            modifier,
            integer: None,
            max_width,
            digits: None,
        };
        if names.is_none() && "YMDdFWwXxHhmsf".contains(component) {
            let picture = match modifier {
                Some(m) => format!("{first};{m}"),
                None => first.to_string(),
            };
            let mut integer = IntegerPicture::parse(&picture)?;
            if let Some(min) = min_width {
                integer.widen_to(min);
            }
            if "YMD".contains(component) {
                marker.digits = match max_width {
                    Some(max) => {
                        integer.set_mandatory(max);
                        Some(max)
                    }
                    None => integer
                        .decimal()
                        .map(|d| d.mandatory + d.optional)
                        .filter(|&w| w >= 2),
                };
            }
            marker.integer = Some(integer);
        }
        if matches!(component, 'Z' | 'z') {
            marker.integer = Some(IntegerPicture::parse(first)?);
        }
        Ok(marker)
    }

    fn integer(&self) -> Result<&IntegerPicture, JsonataError> {
        self.integer
            .as_ref()
            .ok_or_else(|| component_error("D3133", self.component))
    }

    fn format(&self, fields: &Fields, offset: Offset) -> Result<String, JsonataError> {
        match self.component {
            'f' => self.integer()?.format(fields.millisecond() as f64),
            'Z' | 'z' => self.format_zone(offset),
            'P' => {
                let marker = if fields.hour() >= 12 { "pm" } else { "am" };
                Ok(match self.names {
                    Some(LetterCase::Upper) => marker.to_uppercase(),
                    _ => marker.to_string(),
                })
            }
            'C' | 'E' => Ok("ISO".to_string()),
            component => {
                let mut value = fields.get(component);
                if component == 'Y'
                    && let Some(digits) = self.digits
                    && digits < 19
                {
                    value %= 10i64.pow(digits as u32);
                }
                match self.names {
                    Some(case) => self.format_name(value, case),
                    None => self.integer()?.format(value as f64),
                }
            }
        }
    }

    /// A month (`M`, `x`) or day (`F`) name, cut to the maximum width.
    fn format_name(&self, value: i64, case: LetterCase) -> Result<String, JsonataError> {
        let name = match self.component {
            'M' | 'x' => MONTHS.get((value - 1) as usize),
            'F' => DAYS.get(value as usize),
            _ => None,
        }
        .ok_or_else(|| component_error("D3133", self.component))?;
        let name = match case {
            LetterCase::Upper => name.to_uppercase(),
            LetterCase::Lower => name.to_lowercase(),
            LetterCase::Title => (*name).to_string(),
        };
        Ok(match self.max_width {
            Some(max) => name.chars().take(max).collect(),
            None => name,
        })
    }

    /// A time zone (F&O §9.8.4.6): `01:01` style pictures write hours and minutes with
    /// the separator, one or two digits write the hours (and `:mm` when there are
    /// minutes), three or four digits write `hhmm`. `z` prefixes `GMT`; the `t`
    /// modifier writes `Z` for UTC.
    fn format_zone(&self, offset: Offset) -> Result<String, JsonataError> {
        let picture = self.integer()?;
        let total = offset.hours * 100 + offset.minutes;
        let regular = picture
            .decimal()
            .is_some_and(|d| matches!(d.grouping, Grouping::Regular { .. }));
        let digits = picture.decimal().map_or(0, |d| d.mandatory);
        let body = if regular || matches!(digits, 3 | 4) {
            picture.format(total.abs() as f64)?
        } else if matches!(digits, 1 | 2) {
            let mut hours = picture.format(offset.hours.abs() as f64)?;
            if offset.minutes != 0 {
                hours.push_str(&format!(":{:02}", offset.minutes.abs()));
            }
            hours
        } else {
            return Err(err(
                "D3134",
                "The timezone integer format specifier cannot have more than four digits",
            ));
        };
        if total == 0 && self.modifier == Some('t') {
            return Ok("Z".to_string());
        }
        let sign = if total < 0 { '-' } else { '+' };
        let gmt = if self.component == 'z' { "GMT" } else { "" };
        Ok(format!("{gmt}{sign}{body}"))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) fn format(millis: f64, picture: &str, zone: &str) -> String {
        DateTimePicture::parse(picture)
            .and_then(|p| p.format(millis, Offset::parse(zone)?))
            .expect("formats")
    }

    /// F&O §9.8.4.2/§9.8.4.4: a width of two writes the year modulo 100; `Nn` names
    /// with a maximum width are abbreviated; `o` gives ordinals, `w` words.
    #[test]
    fn presentation_and_width_modifiers() {
        let t = 1_521_801_216_617.0; // 2018-03-23T10:33:36.617Z, a Friday
        assert_eq!(format(t, "[D#1,2]/[M1,2]/[Y,2]", "0000"), "23/03/18");
        assert_eq!(
            format(t, "[FNn,3-3], [D1o] [MNn,3-3] [Y] [C]", "0000"),
            "Fri, 23rd Mar 2018 ISO"
        );
        assert_eq!(
            format(t, "[Dwo] [MN] [YI]", "0000"),
            "twenty-third MARCH MMXVIII"
        );
        assert_eq!(format(t, "[h]:[m]:[s] [PN]", "0000"), "10:33:36 AM");
    }

    /// F&O §9.8.4.6: time zone pictures; JSONata's `t` writes `Z` for UTC.
    #[test]
    fn time_zones() {
        let t = 1_531_310_400_000.0; // 2018-07-11T12:00:00Z
        assert_eq!(format(t, "[H01][Z]", "-0500"), "07-05:00");
        assert_eq!(format(t, "[H01][Z0]", "+0530"), "17+5:30");
        assert_eq!(format(t, "[H01][z]", "-0530"), "06GMT-05:30");
        assert_eq!(format(t, "[Z01:01t]", "0000"), "Z");
        let wide = DateTimePicture::parse("[Z010101]")
            .and_then(|p| p.format(t, Offset::default()))
            .expect_err("too many digits");
        assert_eq!(wide.code, Some("D3134"));
    }

    /// Hostile pictures fail with errors rather than panicking or allocating wildly.
    #[test]
    fn hostile_pictures() {
        for picture in [
            "[",
            "[Y",
            "[]",
            "[Y,99999999999]",
            "[q]",
            "[Y0001,*-4000000]",
        ] {
            assert!(DateTimePicture::parse(picture).is_err(), "{picture}");
        }
        assert!(DateTimePicture::parse("[Y,1000]").is_ok());
    }
}
