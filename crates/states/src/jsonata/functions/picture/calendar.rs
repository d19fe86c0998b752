//! Calendar arithmetic for date/time pictures: days since the epoch to and from
//! proleptic Gregorian dates, the fields of an instant, ISO 8601 weeks (of a year and,
//! as XPath F&O 3.1 §9.8.4.3 has them, of a month) and JavaScript's `Date.UTC`.

const MS_PER_DAY: i64 = 86_400_000;
/// The largest timestamp JavaScript dates hold (±100,000,000 days).
pub(super) const MAX_TIME: f64 = 8.64e15;

/// The calendar fields of an instant (already shifted to the wanted time zone).
pub(super) struct Fields {
    /// Days since 1970-01-01.
    day: i64,
    /// Milliseconds into the day.
    time: i64,
}

impl Fields {
    pub(super) fn new(millis: i64) -> Self {
        Fields {
            day: millis.div_euclid(MS_PER_DAY),
            time: millis.rem_euclid(MS_PER_DAY),
        }
    }

    pub(super) fn hour(&self) -> i64 {
        self.time / 3_600_000
    }

    pub(super) fn millisecond(&self) -> i64 {
        self.time % 1000
    }

    /// The value of an integer-valued component.
    pub(super) fn get(&self, component: char) -> i64 {
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

#[cfg(test)]
mod tests {
    use super::super::datetime::tests::format;
    use super::*;

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
}
