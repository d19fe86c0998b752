//! Schedule expressions, as EventBridge Scheduler and schedule rules read them: `at()`,
//! `rate()` and six-field `cron()`, and when each next fires, in the schedule's time zone.
//!
//! The cron fields are minutes, hours, day of month, month, day of week and year. One of
//! the two day fields is `?`; the day of month takes `L` (last day), `LW` (last weekday)
//! and `nW` (the weekday nearest day n); the day of week takes `nL` (the month's last day
//! n) and `d#n` (the n-th day d). Days of week are 1-7, Sunday first, or SUN-SAT.

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The last year a cron expression may name.
pub const LAST_YEAR: i16 = 2199;
const FIRST_YEAR: i16 = 1970;

/// Why a schedule expression is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid Schedule Expression {expression}: {reason}")]
pub struct ExpressionError {
    /// The expression as given.
    pub expression: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Who reads the expression: EventBridge Scheduler, or a schedule rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// EventBridge Scheduler: `at()` too, and a rate's unit in either number (its own
    /// guide writes `rate(1 days)`).
    Scheduler,
    /// A rule's `ScheduleExpression`: `rate()` and `cron()` only, a unit singular for 1
    /// and plural for more, UTC.
    Rule,
}

/// A rate's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    /// `minute`, `minutes`.
    Minutes,
    /// `hour`, `hours`.
    Hours,
    /// `day`, `days`.
    Days,
}

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// `at(yyyy-mm-ddThh:mm:ss)`: once, at that wall-clock time of the schedule's zone.
    At(DateTime),
    /// `rate(n unit)`: every n units from the schedule's start.
    Rate(u32, RateUnit),
    /// `cron(…)`.
    Cron(Box<Cron>),
}

/// A set of small numbers, as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Set(u64);

impl Set {
    fn has(self, n: u32) -> bool {
        n < 64 && self.0 & (1 << n) != 0
    }
    fn add(&mut self, n: u32) {
        self.0 |= 1 << n;
    }
}

/// The day-of-month field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MonthDays {
    Any,
    Days(Set),
    Last,
    LastWeekday,
    NearestWeekday(u32),
}

/// The day-of-week field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum WeekDays {
    Any,
    Days(Set),
    /// The month's last day of this weekday (1-7).
    Last(u32),
    /// The n-th day of this weekday (1-7) of the month.
    Nth(u32, u32),
}

/// A cron expression's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Set,
    hours: Set,
    month_days: MonthDays,
    months: Set,
    week_days: WeekDays,
    /// Years from 1970, as offsets (the year field spans 1970-2199).
    years: Vec<bool>,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Expression {
    /// Parses an expression as `dialect` reads it.
    pub fn parse(text: &str, dialect: Dialect) -> Result<Self, ExpressionError> {
        let fail = |reason: &str| ExpressionError {
            expression: text.to_owned(),
            reason: reason.to_owned(),
        };
        let inner = |prefix: &str| {
            text.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(')'))
        };
        if let Some(body) = inner("at(") {
            if dialect == Dialect::Rule {
                return Err(fail("a rule takes rate() or cron(), not at()"));
            }
            let at: DateTime = body
                .parse()
                .ok()
                .filter(|_| body.len() == 19 && body.as_bytes()[10] == b'T')
                .ok_or_else(|| fail("at() takes yyyy-mm-ddThh:mm:ss"))?;
            return Ok(Expression::At(at));
        }
        if let Some(body) = inner("rate(") {
            let (value, unit) = body
                .split_once(' ')
                .ok_or_else(|| fail("rate() takes a value and a unit"))?;
            let value: u32 = value
                .parse()
                .ok()
                .filter(|v| *v > 0 && !value.starts_with('+'))
                .ok_or_else(|| fail("the rate's value is a positive whole number"))?;
            let number_agrees = match unit.strip_suffix('s') {
                Some(_) => value > 1,
                None => value == 1,
            };
            let unit = match unit.strip_suffix('s').unwrap_or(unit) {
                _ if dialect == Dialect::Rule && !number_agrees => {
                    return Err(fail(
                        "the rate's unit is minute, hour or day for 1, minutes, hours or days \
                         for more",
                    ));
                }
                "minute" => RateUnit::Minutes,
                "hour" => RateUnit::Hours,
                "day" => RateUnit::Days,
                _ => {
                    return Err(fail(
                        "the rate's unit is minute, hour or day for 1, minutes, hours or days \
                         for more",
                    ));
                }
            };
            return Ok(Expression::Rate(value, unit));
        }
        if let Some(body) = inner("cron(") {
            return Cron::parse(body)
                .map(|c| Expression::Cron(Box::new(c)))
                .map_err(|reason| fail(&reason));
        }
        Err(fail("a schedule is at(…), rate(…) or cron(…)"))
    }

    /// The first time after `after` this fires, for a schedule started at `start` in
    /// `zone`; `None` when it never fires again.
    pub fn next_after(
        &self,
        after: Timestamp,
        start: Timestamp,
        zone: &TimeZone,
    ) -> Option<Timestamp> {
        match self {
            Expression::At(at) => {
                let when = zone.to_ambiguous_timestamp(*at).compatible().ok()?;
                (when > after).then_some(when)
            }
            Expression::Rate(value, unit) => {
                let period_s = i64::from(*value)
                    * match unit {
                        RateUnit::Minutes => 60,
                        RateUnit::Hours => 3_600,
                        RateUnit::Days => 86_400,
                    };
                let elapsed = after.as_second() - start.as_second();
                let periods = if elapsed < 0 {
                    0
                } else {
                    elapsed / period_s + 1
                };
                Timestamp::from_second(start.as_second() + periods * period_s).ok()
            }
            Expression::Cron(cron) => cron.next_after(after, zone),
        }
    }
}

fn number(text: &str, names: &[&str], low: u32, high: u32) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Ok(low + i as u32);
    }
    match text.parse::<u32>() {
        Ok(n) if (low..=high).contains(&n) && !text.starts_with('+') => Ok(n),
        _ => Err(format!("{text} is not within {low}-{high}")),
    }
}

/// A field of values: `*`, `v`, `a-b`, each with an optional `/step`, comma-separated.
fn values(field: &str, names: &[&str], low: u32, high: u32) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{item}: the step is a positive number"))?;
                (range, step)
            }
            None => (item, 1),
        };
        let (first, last) = match range {
            "*" => (low, high),
            _ => match range.split_once('-') {
                Some((a, b)) => (number(a, names, low, high)?, number(b, names, low, high)?),
                None => {
                    let n = number(range, names, low, high)?;
                    (n, if item.contains('/') { high } else { n })
                }
            },
        };
        if first > last {
            return Err(format!("{item}: the range runs backwards"));
        }
        out.extend((first..=last).step_by(step as usize));
    }
    Ok(out)
}

fn set(field: &str, names: &[&str], low: u32, high: u32) -> Result<Set, String> {
    let mut set = Set::default();
    for n in values(field, names, low, high)? {
        set.add(n);
    }
    Ok(set)
}

impl Cron {
    fn parse(body: &str) -> Result<Self, String> {
        let fields: Vec<&str> = body.split(' ').collect();
        let [minutes, hours, month_days, months, week_days, years] = fields.as_slice() else {
            return Err("cron() takes six fields: minutes hours day-of-month month \
                        day-of-week year"
                .into());
        };
        let month_days = match *month_days {
            "?" => MonthDays::Any,
            "L" => MonthDays::Last,
            "LW" => MonthDays::LastWeekday,
            d if d.ends_with('W') => {
                MonthDays::NearestWeekday(number(&d[..d.len() - 1], &[], 1, 31)?)
            }
            d => MonthDays::Days(set(d, &[], 1, 31)?),
        };
        let week_days = match *week_days {
            "?" => WeekDays::Any,
            "L" => WeekDays::Last(7),
            d if d.ends_with('L') => WeekDays::Last(number(&d[..d.len() - 1], &DAYS, 1, 7)?),
            d if d.contains('#') => {
                let (day, nth) = d.split_once('#').unwrap_or_default();
                WeekDays::Nth(number(day, &DAYS, 1, 7)?, number(nth, &[], 1, 5)?)
            }
            d => WeekDays::Days(set(d, &DAYS, 1, 7)?),
        };
        match (&month_days, &week_days) {
            (MonthDays::Any, WeekDays::Any) | (MonthDays::Days(_), WeekDays::Days(_)) => {
                return Err("one of day-of-month and day-of-week is ?, the other is not".into());
            }
            (MonthDays::Any, _) | (_, WeekDays::Any) => {}
            _ => return Err("one of day-of-month and day-of-week is ?".into()),
        }
        let mut year_set = vec![false; (LAST_YEAR - FIRST_YEAR + 1) as usize];
        for year in values(years, &[], FIRST_YEAR as u32, LAST_YEAR as u32)? {
            year_set[(year - FIRST_YEAR as u32) as usize] = true;
        }
        Ok(Self {
            minutes: set(minutes, &[], 0, 59)?,
            hours: set(hours, &[], 0, 23)?,
            month_days,
            months: set(months, &MONTHS, 1, 12)?,
            week_days,
            years: year_set,
        })
    }

    fn day_matches(&self, date: Date) -> bool {
        let year_ok = self
            .years
            .get((date.year() - FIRST_YEAR) as usize)
            .copied()
            .unwrap_or(false);
        if !year_ok || !self.months.has(date.month() as u32) {
            return false;
        }
        let last = date.last_of_month().day();
        let weekday = date.weekday().to_sunday_one_offset() as u32;
        let day = date.day();
        let month_ok = match &self.month_days {
            MonthDays::Any => true,
            MonthDays::Days(set) => set.has(day as u32),
            MonthDays::Last => day == last,
            MonthDays::LastWeekday => day == nearest_weekday(date, last),
            MonthDays::NearestWeekday(n) => {
                (*n as i8) <= last && day == nearest_weekday(date, *n as i8)
            }
        };
        let week_ok = match &self.week_days {
            WeekDays::Any => true,
            WeekDays::Days(set) => set.has(weekday),
            WeekDays::Last(d) => weekday == *d && day + 7 > last,
            WeekDays::Nth(d, n) => weekday == *d && (day - 1) / 7 + 1 == *n as i8,
        };
        month_ok && week_ok
    }

    /// The first matching minute after `after`, walking days of the zone's calendar.
    fn next_after(&self, after: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let local = zone.to_datetime(after);
        let mut date = local.date();
        loop {
            if date.year() > LAST_YEAR {
                return None;
            }
            if self.day_matches(date) {
                for hour in 0..24 {
                    if !self.hours.has(hour) {
                        continue;
                    }
                    for minute in 0..60 {
                        if !self.minutes.has(minute) {
                            continue;
                        }
                        let at = date.at(hour as i8, minute as i8, 0, 0);
                        // A wall time a DST change skips does not fire that day; one it
                        // repeats fires once, at its first occurrence (the Scheduler guide's
                        // "Daylight saving time").
                        let ambiguous = zone.to_ambiguous_timestamp(at);
                        if matches!(ambiguous.offset(), jiff::tz::AmbiguousOffset::Gap { .. }) {
                            continue;
                        }
                        let Ok(when) = ambiguous.earlier() else {
                            continue;
                        };
                        if when > after {
                            return Some(when);
                        }
                    }
                }
            }
            date = date.checked_add(1.day()).ok()?;
        }
    }
}

/// The weekday nearest day `n` of `date`'s month, within the month (`nW`).
fn nearest_weekday(date: Date, n: i8) -> i8 {
    let Ok(target) = date.with().day(n).build() else {
        return n;
    };
    let last = date.last_of_month().day();
    match target.weekday() {
        Weekday::Saturday if n == 1 => 3,
        Weekday::Saturday => n - 1,
        Weekday::Sunday if n == last => n - 2,
        Weekday::Sunday => n + 1,
        _ => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn next(expr: &str, after: &str, zone: &str) -> Option<String> {
        let zone = TimeZone::get(zone).unwrap();
        Expression::parse(expr, Dialect::Scheduler)
            .unwrap()
            .next_after(at(after), at("2026-01-01T00:00:00Z"), &zone)
            .map(|t| t.to_string())
    }

    #[test]
    fn the_three_forms_fire_when_the_reference_says() {
        assert_eq!(
            next(
                "at(2026-12-24T18:00:00)",
                "2026-12-01T00:00:00Z",
                "Europe/Brussels"
            )
            .as_deref(),
            Some("2026-12-24T17:00:00Z")
        );
        assert_eq!(
            next("at(2026-12-24T18:00:00)", "2026-12-25T00:00:00Z", "UTC"),
            None
        );
        assert_eq!(
            next("rate(5 minutes)", "2026-01-01T00:07:00Z", "UTC").as_deref(),
            Some("2026-01-01T00:10:00Z")
        );
        assert_eq!(
            next("rate(1 day)", "2025-06-01T00:00:00Z", "UTC").as_deref(),
            Some("2026-01-01T00:00:00Z"),
            "a rate starts at the schedule's start"
        );
        assert_eq!(
            next("cron(0 9 ? * MON-FRI *)", "2026-12-05T12:00:00Z", "UTC").as_deref(),
            Some("2026-12-07T09:00:00Z"),
            "Saturday noon: next is Monday 09:00"
        );
        assert_eq!(
            next("cron(15 10 L * ? *)", "2026-02-01T00:00:00Z", "UTC").as_deref(),
            Some("2026-02-28T10:15:00Z")
        );
        assert_eq!(
            next("cron(0 0 ? * 6#3 *)", "2026-12-01T00:00:00Z", "UTC").as_deref(),
            Some("2026-12-18T00:00:00Z"),
            "the third Friday"
        );
        assert_eq!(
            next("cron(0 0 ? * 2L *)", "2026-12-01T00:00:00Z", "UTC").as_deref(),
            Some("2026-12-28T00:00:00Z"),
            "the last Monday"
        );
        assert_eq!(
            next("cron(0 0 1W * ? *)", "2026-10-15T00:00:00Z", "UTC").as_deref(),
            Some("2026-11-02T00:00:00Z"),
            "Nov 1 2026 is a Sunday: the nearest weekday in the month is Monday the 2nd"
        );
        assert_eq!(
            next("cron(0/20 * * * ? 2027)", "2026-12-31T23:59:00Z", "UTC").as_deref(),
            Some("2027-01-01T00:00:00Z")
        );
    }

    #[test]
    fn a_wall_time_in_a_dst_gap_is_skipped_and_a_repeated_one_fires_once() {
        // Europe/Brussels: 2026-03-29 02:00 -> 03:00; 2026-10-25 03:00 -> 02:00.
        assert_eq!(
            next(
                "cron(30 2 * 3 ? 2026)",
                "2026-03-28T12:00:00Z",
                "Europe/Brussels"
            )
            .as_deref(),
            Some("2026-03-30T00:30:00Z"),
            "02:30 does not exist on the 29th: the next run is the 30th"
        );
        let first = next(
            "cron(30 2 25 10 ? 2026)",
            "2026-10-01T00:00:00Z",
            "Europe/Brussels",
        );
        assert_eq!(first.as_deref(), Some("2026-10-25T00:30:00Z"));
        assert_eq!(
            next(
                "cron(30 2 25 10 ? 2026)",
                "2026-10-25T00:30:00Z",
                "Europe/Brussels"
            ),
            None,
            "the repeated hour does not fire twice"
        );
    }

    #[test]
    fn malformed_expressions_are_refused_with_the_reason() {
        for (bad, why) in [
            ("rate(0 minutes)", "positive"),
            ("rate(5 weeks)", "unit"),
            ("rate(5 minutess)", "unit"),
            ("cron(0 9 * * MON *)", "?"),
            ("cron(0 9 ? * ? *)", "?"),
            ("cron(0 9 * * ?)", "six fields"),
            ("cron(60 9 * * ? *)", "0-59"),
            ("cron(0 9 32 * ? *)", "1-31"),
            ("cron(0 9 * 13 ? *)", "1-12"),
            ("cron(0 9 ? * 8 *)", "1-7"),
            ("cron(0 9 * * ? 2200)", "1970-2199"),
            ("cron(5-1 * * * ? *)", "backwards"),
            ("at(2026-12-24 18:00:00)", "yyyy-mm-ddThh:mm:ss"),
            ("every 5 minutes", "at(…), rate(…) or cron(…)"),
        ] {
            let error = Expression::parse(bad, Dialect::Scheduler).unwrap_err();
            assert!(error.reason.contains(why), "{bad}: {error}");
        }
        assert!(Expression::parse("at(2026-12-24T18:00:00)", Dialect::Rule).is_err());
        // A rule's unit agrees with its number; Scheduler's need not.
        for text in ["rate(1 minutes)", "rate(5 hour)"] {
            assert!(Expression::parse(text, Dialect::Rule).is_err(), "{text}");
            assert!(
                Expression::parse(text, Dialect::Scheduler).is_ok(),
                "{text}"
            );
        }
        assert!(Expression::parse("rate(1 hour)", Dialect::Rule).is_ok());
    }

    #[test]
    fn an_expression_that_never_matches_ends_at_the_last_year() {
        assert_eq!(
            next("cron(0 0 30 2 ? *)", "2026-01-01T00:00:00Z", "UTC"),
            None
        );
    }
}
