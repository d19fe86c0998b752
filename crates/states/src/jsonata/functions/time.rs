//! Date and time functions. Timestamps are ISO 8601 strings in UTC with milliseconds,
//! as JSONata prints them; `$fromMillis`/`$now` also take an XPath picture and a `±HHMM`
//! time zone, and `$toMillis` a picture to parse with (`picture/`).

use std::sync::LazyLock;

use regex_lite::Regex;

use super::Args;
use super::picture::{DateTimePicture, ISO_8601, Offset, utc_millis};
use crate::jsonata::error::{JsonataError, err};
use crate::jsonata::eval::Out;
use crate::jsonata::value::V;

/// Calls the time function `name`; `now_ms` is the evaluation's instant (`$now`,
/// `$millis`, and the date `$toMillis` assumes when a picture leaves it out).
pub fn call(name: &str, args: &Args<'_>, now_ms: i64) -> Out {
    match name {
        "millis" => Ok(Some(V::Num(now_ms as f64))),
        "now" => format(
            now_ms as f64,
            args.string(0)?.as_deref(),
            args.string(1)?.as_deref(),
        ),
        "fromMillis" => {
            let millis = args.number(0)?;
            let picture = args.string(1)?;
            let zone = args.string(2)?;
            match millis {
                Some(millis) => format(millis, picture.as_deref(), zone.as_deref()),
                None => Ok(None),
            }
        }
        "toMillis" => {
            let text = args.string(0)?;
            let picture = args.string(1)?;
            let Some(text) = text else {
                return Ok(None);
            };
            let millis = match picture {
                Some(picture) => DateTimePicture::parse(&picture)?.read(&text, now_ms)?,
                None => Some(parse_iso(&text)?),
            };
            Ok(millis.map(V::Num))
        }
        _ => Ok(None),
    }
}

/// Formats `millis` with `picture` (JSONata's ISO 8601 form when absent) in the time
/// zone `zone` (UTC when absent).
fn format(millis: f64, picture: Option<&str>, zone: Option<&str>) -> Out {
    let offset = zone.map(Offset::parse).transpose()?.unwrap_or_default();
    let picture = DateTimePicture::parse(picture.unwrap_or(ISO_8601))?;
    Ok(Some(V::str(&picture.format(millis, offset)?)))
}

/// Reads an ISO 8601 timestamp as `$toMillis` does without a picture: a year, then
/// optionally month, day, `Thh:mm:ss`, a fraction and a `Z` or `±hh[:]mm` offset.
/// Timestamps without an offset are UTC.
fn parse_iso(text: &str) -> Result<f64, JsonataError> {
    static ISO: LazyLock<Option<Regex>> = LazyLock::new(|| {
        Regex::new(
            r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):?(\d{2}))?)?$",
        )
        .ok()
    });
    let invalid = || {
        err(
            "D3110",
            &format!(
                "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {text}"
            ),
        )
    };
    let captures = ISO
        .as_ref()
        .and_then(|iso| iso.captures(text))
        .ok_or_else(invalid)?;
    let number = |i: usize, default: f64| {
        captures
            .get(i)
            .and_then(|m| m.as_str().parse::<f64>().ok())
            .unwrap_or(default)
    };
    let (month, day) = (number(2, 1.0), number(3, 1.0));
    let (hours, minutes, seconds) = (number(4, 0.0), number(5, 0.0), number(6, 0.0));
    if !(1.0..=12.0).contains(&month)
        || !(1.0..=31.0).contains(&day)
        || hours > 24.0
        || minutes > 59.0
        || seconds > 59.0
    {
        return Err(invalid());
    }
    let fraction = captures.get(7).map_or(0.0, |m| {
        let digits: String = m.as_str().chars().chain("00".chars()).take(3).collect();
        digits.parse().unwrap_or(0.0)
    });
    let zone_minutes = match captures.get(9).map(|m| m.as_str()) {
        Some(sign) => {
            let minutes = number(10, 0.0) * 60.0 + number(11, 0.0);
            if sign == "-" { -minutes } else { minutes }
        }
        None => 0.0,
    };
    utc_millis([
        number(1, 0.0),
        month - 1.0,
        day,
        hours,
        minutes - zone_minutes,
        seconds,
        fraction,
    ])
    .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSONata docs ($toMillis): an ISO 8601 timestamp, possibly just a year or a date,
    /// with an offset with or without its colon.
    #[test]
    fn iso_timestamps() {
        assert_eq!(parse_iso("2018"), Ok(1_514_764_800_000.0));
        assert_eq!(
            parse_iso("2018-02-01T09:42:13.123+0000"),
            Ok(1_517_478_133_123.0)
        );
        assert_eq!(
            parse_iso("2024-01-01T00:00:00.250+01:00"),
            Ok(1_704_063_600_250.0)
        );
        for bad in ["foo", "01-02-2018", "2018-02-03 11:15:33", "2018-13-01"] {
            assert_eq!(parse_iso(bad).map_err(|e| e.code), Err(Some("D3110")));
        }
    }
}
