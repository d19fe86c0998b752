//! Date and time functions. Times are ISO 8601 UTC strings with milliseconds, as
//! JSONata prints them; picture strings are not supported.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Args;
use crate::jsonata::error::{err, unsupported};
use crate::jsonata::eval::Out;
use crate::jsonata::value::V;

pub fn call(name: &str, args: &Args<'_>) -> Out {
    match name {
        "millis" => Ok(Some(V::Num(now_millis() as f64))),
        "now" => {
            if args.get(0).is_some() {
                return Err(unsupported("$now with a picture string"));
            }
            Ok(Some(V::str(&iso(now_millis()))))
        }
        "fromMillis" => {
            if args.get(1).is_some() || args.get(2).is_some() {
                return Err(unsupported("$fromMillis with a picture string or timezone"));
            }
            let Some(ms) = args.number(0)? else {
                return Ok(None);
            };
            Ok(Some(V::str(&iso(ms.trunc() as i128))))
        }
        "toMillis" => {
            if args.get(1).is_some() {
                return Err(unsupported("$toMillis with a picture string"));
            }
            let Some(text) = args.string(0)? else {
                return Ok(None);
            };
            let parsed = OffsetDateTime::parse(&text, &Rfc3339)
                .or_else(|_| OffsetDateTime::parse(&format!("{text}T00:00:00Z"), &Rfc3339))
                .map_err(|_| err("D3110", &format!("Failed to parse timestamp: {text}")))?;
            Ok(Some(V::Num(
                (parsed.unix_timestamp_nanos() / 1_000_000) as f64,
            )))
        }
        _ => Ok(None),
    }
}

fn now_millis() -> i128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i128)
}

fn iso(ms: i128) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => String::new(),
    }
}
