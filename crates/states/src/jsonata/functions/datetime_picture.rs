//! Date/time picture strings (XPath F&O 3.1 §9.8.4, `fn:format-dateTime`) as JSONata
//! 2.0.6 uses them in `$fromMillis`/`$now` (formatting) and `$toMillis` (parsing).
//!
//! A picture is literal text with variable markers: `[` component, presentation
//! modifiers, optional `,min-max` width `]`; `[[` and `]]` stand for brackets. The
//! components are `Y M D d F W w X x H h P m s f Z z C E` (JSONata adds `X`/`x`, the
//! year and month a week belongs to). Dates are proleptic Gregorian, in UTC shifted by
//! the requested `±HHMM` offset.

use std::collections::BTreeMap;

use regex_lite::RegexBuilder;

use super::integer_picture::{Grouping, IntegerPicture, LetterCase, js_parse_int};
use crate::jsonata::error::{JsonataError, err, unsupported};

const MS_PER_DAY: i64 = 86_400_000;
/// The largest timestamp JavaScript dates hold (±100,000,000 days).
const MAX_TIME: f64 = 8.64e15;
/// Width modifiers above this are refused rather than padded out.
const MAX_WIDTH: usize = 1000;

const MONTHS: [&str; 12] = [
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
const DAYS: [&str; 8] = [
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
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Marker(Marker),
}

/// A variable marker (F&O §9.8.4.1).
#[derive(Debug, Clone)]
struct Marker {
    component: char,
    /// `n`, `N` or `Nn`: the component as a name, in that case.
    names: Option<LetterCase>,
    /// The second presentation modifier (`o`, `c`, `a`, `t`).
    modifier: Option<char>,
    /// How an integer-valued component (or a time zone) is written.
    integer: Option<IntegerPicture>,
    /// The maximum width, from the width modifier.
    max_width: Option<usize>,
    /// For `Y`, `M`, `D`: how many digits the value has (F&O §9.8.4.4: a two-digit
    /// year picture writes the year modulo 100).
    digits: Option<usize>,
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

fn component_error(code: &'static str, component: char) -> JsonataError {
    let message = match code {
        "D3132" => format!("Unknown component specifier {component} in date/time picture string"),
        _ => format!(
            "The 'name' modifier can only be applied to months and days in the date/time picture string, not {component}"
        ),
    };
    err(code, &message)
}

fn missing_specifiers() -> JsonataError {
    err(
        "D3136",
        "The date/time picture string is missing specifiers required to parse the timestamp",
    )
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

/// The calendar fields of an instant (already shifted to the wanted time zone).
struct Fields {
    /// Days since 1970-01-01.
    day: i64,
    /// Milliseconds into the day.
    time: i64,
}

impl Fields {
    fn new(millis: i64) -> Self {
        Fields {
            day: millis.div_euclid(MS_PER_DAY),
            time: millis.rem_euclid(MS_PER_DAY),
        }
    }

    fn hour(&self) -> i64 {
        self.time / 3_600_000
    }

    fn millisecond(&self) -> i64 {
        self.time % 1000
    }

    /// The value of an integer-valued component.
    fn get(&self, component: char) -> i64 {
        let (year, month, day) = civil_from_days(self.day);
        match component {
            'Y' => year,
            'M' => month,
            'D' => day,
            'd' => self.day - days_from_civil(year, 1, 1) + 1,
            'F' => weekday(self.day),
            'W' => week_of(self.day, YearMonth::new(year, 0), YearMonth::years).1,
            'X' => {
                week_of(self.day, YearMonth::new(year, 0), YearMonth::years)
                    .0
                    .year
            }
            'w' => week_of(self.day, YearMonth::new(year, month - 1), YearMonth::months).1,
            'x' => {
                week_of(self.day, YearMonth::new(year, month - 1), YearMonth::months)
                    .0
                    .month
                    + 1
            }
            'H' => self.hour(),
            'h' => match self.hour() % 12 {
                0 => 12,
                h => h,
            },
            'm' => self.time / 60_000 % 60,
            's' => self.time / 1000 % 60,
            _ => self.millisecond(),
        }
    }
}

/// A month (0-based) of a year.
#[derive(Debug, Clone, Copy)]
struct YearMonth {
    year: i64,
    month: i64,
}

impl YearMonth {
    fn new(year: i64, month: i64) -> Self {
        YearMonth { year, month }
    }

    /// The previous and next year, for year-based weeks.
    fn years(self) -> (Self, Self) {
        (
            YearMonth::new(self.year - 1, self.month),
            YearMonth::new(self.year + 1, self.month),
        )
    }

    /// The previous and next month, for month-based weeks.
    fn months(self) -> (Self, Self) {
        let index = self.year * 12 + self.month;
        let at = |i: i64| YearMonth::new(i.div_euclid(12), i.rem_euclid(12));
        (at(index - 1), at(index + 1))
    }

    /// The Monday starting the first week of this month: ISO 8601's first week holds
    /// the first Thursday, and F&O §9.8.4.3 uses the same rule for weeks of a month.
    fn first_week_start(self) -> i64 {
        let first = days_from_civil(self.year, self.month + 1, 1);
        let dow = weekday(first);
        if dow > 4 {
            first + (8 - dow)
        } else {
            first - (dow - 1)
        }
    }
}

/// The period (year or month) whose weeks contain `day`, and the week number in it.
fn week_of(
    day: i64,
    this: YearMonth,
    neighbours: fn(YearMonth) -> (YearMonth, YearMonth),
) -> (YearMonth, i64) {
    let (previous, next) = neighbours(this);
    let start = this.first_week_start();
    if day < start {
        let start = previous.first_week_start();
        return (previous, (day - start).div_euclid(7) + 1);
    }
    if day >= next.first_week_start() {
        return (next, 1);
    }
    (this, (day - start).div_euclid(7) + 1)
}

/// ISO day of the week, 1 (Monday) to 7 (Sunday); 1970-01-01 was a Thursday.
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7) + 1
}

/// Year, month (1–12) and day of a count of days since 1970-01-01 (proleptic
/// Gregorian; H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a date (month 1–12); the inverse of `civil_from_days`.
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// JavaScript's `Date.UTC(year, month0, day, hours, minutes, seconds, ms)`: out of range
/// months and days carry over; `None` for NaN or a time out of range.
pub(crate) fn utc_millis(values: [f64; 7]) -> Option<f64> {
    if values.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let [year, month, day, hours, minutes, seconds, millis] = values.map(f64::trunc);
    let year = year + (month / 12.0).floor();
    if year.abs() > 400_000.0 {
        return None;
    }
    let month = month.rem_euclid(12.0);
    let first = days_from_civil(year as i64, month as i64 + 1, 1) as f64;
    let days = first + day - 1.0;
    let time = days * MS_PER_DAY as f64
        + hours * 3_600_000.0
        + minutes * 60_000.0
        + seconds * 1000.0
        + millis;
    (time.abs() <= MAX_TIME).then_some(time)
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

    fn format(millis: f64, picture: &str, zone: &str) -> String {
        DateTimePicture::parse(picture)
            .and_then(|p| p.format(millis, Offset::parse(zone)?))
            .expect("formats")
    }

    fn read(text: &str, picture: &str) -> Result<Option<f64>, JsonataError> {
        DateTimePicture::parse(picture)?.read(text, 1_700_000_000_000)
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

    /// ISO 8601 week dates (`[X]-W[W]-[F]`): 1 January 2005 is in week 53 of 2004.
    #[test]
    fn iso_week_dates() {
        let jan_1_2005 = days_from_civil(2005, 1, 1) as f64 * 86_400_000.0;
        assert_eq!(
            format(jan_1_2005, "[X0001]-W[W01]-[F1]", "0000"),
            "2004-W53-6"
        );
        assert_eq!(format(jan_1_2005, "[w] [xNn]", "0000"), "5 December");
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
