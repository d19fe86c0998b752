//! Parsing a timestamp with a date/time picture (`$toMillis(text, picture)`, JSONata's
//! `parseDateTime`): each part of the picture becomes a regular expression and a
//! reader, and the components read are combined into milliseconds since the epoch.

use std::collections::BTreeMap;

use regex_lite::RegexBuilder;

use super::calendar::{Fields, utc_millis};
use super::datetime::{DAYS, DateTimePicture, MONTHS, Part, component_error};
use super::digit_pattern::{Grouping, js_parse_int};
use super::integer::IntegerPicture;
use crate::jsonata::error::{JsonataError, err, unsupported};

fn missing_specifiers() -> JsonataError {
    err(
        "D3136",
        "The date/time picture string is missing specifiers required to parse the timestamp",
    )
}
impl DateTimePicture {
    /// Reads `text` as this picture writes timestamps (JSONata's `parseDateTime`):
    /// `Ok(None)` when the text does not match or the picture has no components. What
    /// the picture leaves out is taken from `now_ms` (more significant parts) or is
    /// zero (less significant parts); a gap between given parts is an error (D3136).
    pub fn read(&self, text: &str, now_ms: i64) -> Result<Option<f64>, JsonataError> {
        let readers = self
            .parts
            .iter()
            .map(Reader::for_part)
            .collect::<Result<Vec<_>, _>>()?;
        let pattern: String = readers.iter().map(|r| format!("({})", r.regex)).collect();
        let regex = RegexBuilder::new(&format!("^{pattern}$"))
            .case_insensitive(true)
            .build()
            .map_err(|_| unsupported("a date/time picture this complex"))?;
        let Some(captures) = regex.captures(text) else {
            return Ok(None);
        };
        let mut components = Components::default();
        let mut any = false;
        for (i, reader) in readers.iter().enumerate() {
            let value = captures.get(i + 1).map_or("", |m| m.as_str());
            if let Some((component, read)) = reader.read(value) {
                components.0.insert(component, read);
                any = true;
            }
        }
        if !any {
            return Ok(None);
        }
        components.into_millis(now_ms)
    }
}

/// How one part of a picture is matched and read when parsing.
struct Reader {
    regex: String,
    kind: ReadKind,
}

enum ReadKind {
    Literal,
    Integer(char, IntegerPicture),
    Names(char, Vec<(String, f64)>),
    Zone {
        component: char,
        separator: Option<char>,
    },
}

impl Reader {
    fn for_part(part: &Part) -> Result<Self, JsonataError> {
        let marker = match part {
            Part::Literal(text) => {
                return Ok(Reader {
                    regex: regex_lite::escape(text),
                    kind: ReadKind::Literal,
                });
            }
            Part::Marker(marker) => marker,
        };
        let component = marker.component;
        if matches!(component, 'Z' | 'z') {
            let separator = marker
                .integer
                .as_ref()
                .and_then(IntegerPicture::decimal)
                .and_then(|d| match d.grouping {
                    Grouping::Regular { separator, .. } => Some(separator),
                    Grouping::Irregular(_) => None,
                });
            let mut regex = if component == 'z' { "GMT" } else { "" }.to_string();
            regex.push_str("[-+][0-9]+");
            if let Some(separator) = separator {
                regex.push_str(&regex_lite::escape(&separator.to_string()));
                regex.push_str("[0-9]+");
            }
            return Ok(Reader {
                regex,
                kind: ReadKind::Zone {
                    component,
                    separator,
                },
            });
        }
        if let Some(integer) = &marker.integer {
            return Ok(Reader {
                regex: integer.regex(marker.digits)?,
                kind: ReadKind::Integer(component, integer.clone()),
            });
        }
        let cut = |name: &str| match marker.max_width {
            Some(max) if max > 0 => name.chars().take(max).collect(),
            _ => name.to_string(),
        };
        let names: Vec<(String, f64)> = match component {
            'M' | 'x' => MONTHS
                .iter()
                .zip(1..)
                .map(|(m, i)| (cut(m), f64::from(i)))
                .collect(),
            'F' => DAYS
                .iter()
                .zip(0..)
                .skip(1)
                .map(|(d, i)| (cut(d), f64::from(i)))
                .collect(),
            'P' => [("am", 0.0), ("AM", 0.0), ("pm", 1.0), ("PM", 1.0)]
                .iter()
                .map(|&(n, v)| (n.to_string(), v))
                .collect(),
            _ => return Err(component_error("D3133", component)),
        };
        Ok(Reader {
            regex: "[a-zA-Z]+".to_string(),
            kind: ReadKind::Names(component, names),
        })
    }

    /// The component this part gives and its value: `None` inside for a value JSONata
    /// leaves undefined (an unknown name), `NaN` for a number it cannot read.
    fn read(&self, text: &str) -> Option<(char, Option<f64>)> {
        match &self.kind {
            ReadKind::Literal => None,
            ReadKind::Integer(component, picture) => Some((
                *component,
                Some(picture.read(text).ok().flatten().unwrap_or(f64::NAN)),
            )),
            ReadKind::Names(component, names) => Some((
                *component,
                names.iter().find(|(n, _)| n == text).map(|&(_, v)| v),
            )),
            ReadKind::Zone {
                component,
                separator,
            } => Some((*component, Some(read_zone(text, *component, *separator)))),
        }
    }
}

/// A matched time zone in minutes east of UTC.
fn read_zone(text: &str, component: char, separator: Option<char>) -> f64 {
    let text = if component == 'z' {
        text.get(3..).unwrap_or("")
    } else {
        text
    };
    let (hours, minutes) = match separator.and_then(|s| text.split_once(s)) {
        Some((hours, minutes)) => (js_parse_int(hours), js_parse_int(minutes)),
        None if text.len() <= 3 => (js_parse_int(text), Some(0.0)),
        None => (
            text.get(..3).and_then(js_parse_int),
            text.get(3..).and_then(js_parse_int),
        ),
    };
    match (hours, minutes) {
        (Some(h), Some(m)) if text.starts_with('-') => h * 60.0 - m,
        (Some(h), Some(m)) => h * 60.0 + m,
        _ => f64::NAN,
    }
}

/// The components read from a timestamp: a component absent from the map was not in
/// the picture; `None` is one JSONata holds as undefined.
#[derive(Default)]
struct Components(BTreeMap<char, Option<f64>>);

/// The date and time combinations JSONata accepts, as masks over `YXMxWwdD` and
/// `PHhmsf` (bit set: may appear; clear: must not).
const DATE_YMD: u32 = 0b1010_0001;
const DATE_YD: u32 = 0b1000_0010;
const DATE_XXWF: u32 = 0b0101_0100;
const DATE_XWF: u32 = 0b0100_1000;
const TIME_24H: u32 = 0b01_0111;
const TIME_12H: u32 = 0b10_1111;

impl Components {
    fn get(&self, component: char) -> Option<f64> {
        self.0.get(&component).copied().flatten()
    }

    /// JavaScript truthiness of a component's value: given, not zero, not NaN.
    fn truthy(&self, component: char) -> bool {
        self.get(component).is_some_and(|v| v != 0.0 && !v.is_nan())
    }

    fn mask(&self, order: &str) -> u32 {
        order
            .chars()
            .fold(0, |mask, c| (mask << 1) | u32::from(self.truthy(c)))
    }

    /// The timestamp the components give: the missing more significant components come
    /// from `now_ms`, the missing less significant ones are zero (one for months and
    /// days).
    fn into_millis(mut self, now_ms: i64) -> Result<Option<f64>, JsonataError> {
        let is = |mask: u32, kind: u32| mask & !kind == 0 && mask & kind != 0;
        let date = self.mask("YXMxWwdD");
        let by_year_day = !is(date, DATE_YMD) && is(date, DATE_YD);
        let by_month_week = is(date, DATE_XXWF);
        let by_year_week = !by_month_week && is(date, DATE_XWF);
        let time = self.mask("PHhmsf");
        let twelve_hour = !is(time, TIME_24H) && is(time, TIME_12H);

        let date_order = if by_year_day {
            "YD"
        } else if by_month_week {
            "XxwF"
        } else if by_year_week {
            "XWF"
        } else {
            "YMD"
        };
        let time_order = if twelve_hour { "Phmsf" } else { "Hmsf" };
        let now = Fields::new(now_ms);
        let (mut started, mut ended) = (false, false);
        for component in date_order.chars().chain(time_order.chars()) {
            if self.get(component).is_some() {
                started = true;
                if ended {
                    return Err(missing_specifiers());
                }
            } else if started {
                let value = if "MDd".contains(component) { 1.0 } else { 0.0 };
                self.0.insert(component, Some(value));
                ended = true;
            } else {
                // JSONata's default for P is "am"/"pm" text, which never reads as pm.
                let value = if component == 'P' {
                    0.0
                } else {
                    now.get(component) as f64
                };
                self.0.insert(component, Some(value));
            }
        }
        if by_month_week || by_year_week {
            // JSONata cannot parse week dates either.
            return Err(missing_specifiers());
        }
        let value = |c: char| self.get(c).unwrap_or(f64::NAN);
        let mut month = match self.get('M') {
            Some(m) if m > 0.0 => m - 1.0,
            _ => 0.0,
        };
        let mut day = value('D');
        if by_year_day {
            month = 0.0;
            day = value('d');
        }
        let hours = if twelve_hour {
            let h = value('h');
            let h = if h == 12.0 { 0.0 } else { h };
            if self.get('P') == Some(1.0) {
                h + 12.0
            } else {
                h
            }
        } else {
            value('H')
        };
        let Some(mut millis) = utc_millis([
            value('Y'),
            month,
            day,
            hours,
            value('m'),
            value('s'),
            value('f'),
        ]) else {
            return Ok(None);
        };
        let zone = [self.get('Z'), self.get('z')]
            .into_iter()
            .flatten()
            .find(|v| *v != 0.0 && !v.is_nan());
        if let Some(minutes) = zone {
            millis -= minutes * 60_000.0;
        }
        Ok(Some(millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, picture: &str) -> Result<Option<f64>, JsonataError> {
        DateTimePicture::parse(picture)?.read(text, 1_700_000_000_000)
    }

    /// JSONata docs ($toMillis with a picture): missing parts default from now or to
    /// zero; a gap between given parts is D3136.
    #[test]
    fn parsing() {
        assert_eq!(
            read("27th April 2008", "[D1o] [MNn] [Y0001]"),
            Ok(Some(1_209_254_400_000.0))
        );
        assert_eq!(
            read(
                "2020-09-09 12:00:00 +05:30",
                "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]"
            ),
            Ok(Some(1_599_633_000_000.0))
        );
        assert_eq!(read("nope", "[Y]-[M]-[D]"), Ok(None));
        let gap = read("2018-22", "[Y]-[D]").expect_err("gap");
        assert_eq!(gap.code, Some("D3136"));
    }
}
