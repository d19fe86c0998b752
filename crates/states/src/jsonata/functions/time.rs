//! Date and time functions. Times are ISO 8601 UTC strings with milliseconds, as
//! JSONata prints them. Picture strings (`[Y0001]-[M01]-[D01]`) support the numeric
//! components in UTC; names, words and other time zones fail as unsupported.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Args;
use crate::jsonata::error::{JsonataError, err, unsupported};
use crate::jsonata::eval::Out;
use crate::jsonata::value::V;

/// Calls the time function `name`; `now_ms` is the evaluation's instant (`$now`,
/// `$millis`).
pub fn call(name: &str, args: &Args<'_>, now_ms: i64) -> Out {
    match name {
        "millis" => Ok(Some(V::Num(now_ms as f64))),
        "now" => format(
            i128::from(now_ms),
            args.string(0)?.as_deref(),
            args.string(1)?.as_deref(),
        ),
        "fromMillis" => {
            let Some(ms) = args.number(0)? else {
                return Ok(None);
            };
            format(
                ms.trunc() as i128,
                args.string(1)?.as_deref(),
                args.string(2)?.as_deref(),
            )
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

fn format(ms: i128, picture: Option<&str>, timezone: Option<&str>) -> Out {
    if let Some(zone) = timezone
        && !matches!(zone, "0000" | "+0000" | "-0000" | "Z")
    {
        return Err(unsupported("time zones other than UTC in date formatting"));
    }
    let time = ms
        .checked_mul(1_000_000)
        .and_then(|ns| OffsetDateTime::from_unix_timestamp_nanos(ns).ok())
        .ok_or_else(|| err("D3137", "The timestamp is out of range"))?;
    match picture {
        // JSONata's default is the same form as Step Functions' timestamps.
        None => Ok(Some(V::str(&crate::clock::format_timestamp(time)))),
        Some(picture) => Ok(Some(V::str(&render_picture(picture, time)?))),
    }
}

/// Renders an XPath-style picture: literal text, `[[`/`]]` for brackets, and numeric
/// components such as `[Y0001]`, `[M01]`, `[D1]`, `[H01]`, `[m]`, `[s01]`, `[f001]`, `[Z]`.
fn render_picture(picture: &str, t: OffsetDateTime) -> Result<String, JsonataError> {
    let chars: Vec<char> = picture.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '[' if chars.get(i + 1) == Some(&'[') => {
                out.push('[');
                i += 2;
            }
            ']' if chars.get(i + 1) == Some(&']') => {
                out.push(']');
                i += 2;
            }
            '[' => {
                let end = chars[i..]
                    .iter()
                    .position(|&c| c == ']')
                    .map(|p| i + p)
                    .ok_or_else(|| {
                        err(
                            "D3135",
                            "No matching closing bracket ']' in date/time picture string",
                        )
                    })?;
                let spec: String = chars[i + 1..end]
                    .iter()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                out.push_str(&component(&spec, t)?);
                i = end + 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn component(spec: &str, t: OffsetDateTime) -> Result<String, JsonataError> {
    let mut chars = spec.chars();
    let Some(kind) = chars.next() else {
        return Err(err("D3134", "Empty component in date/time picture string"));
    };
    let presentation: String = chars.take_while(|&c| c != ',').collect();
    let value: i64 = match kind {
        'Y' => i64::from(t.year()),
        'M' => i64::from(u8::from(t.month())),
        'D' => i64::from(t.day()),
        'd' => i64::from(t.ordinal()),
        'H' => i64::from(t.hour()),
        'h' => i64::from((t.hour() + 11) % 12 + 1),
        'm' => i64::from(t.minute()),
        's' => i64::from(t.second()),
        'f' => i64::from(t.millisecond()),
        'P' => return Ok(if t.hour() < 12 { "am" } else { "pm" }.to_string()),
        'Z' => return Ok("+00:00".to_string()),
        'z' => return Ok("GMT+00:00".to_string()),
        other => {
            return Err(unsupported(&format!(
                "date/time picture component [{other}]"
            )));
        }
    };
    if presentation.is_empty() {
        let width = if matches!(kind, 'm' | 's') {
            2
        } else if kind == 'f' {
            3
        } else {
            1
        };
        return Ok(format!("{value:0width$}"));
    }
    if !presentation.chars().all(|c| c.is_ascii_digit()) {
        return Err(unsupported(&format!(
            "date/time picture presentation [{kind}{presentation}]"
        )));
    }
    let width = presentation.len();
    if kind == 'f' {
        // Fractional seconds: the first `width` digits of the milliseconds.
        let digits = format!("{value:03}");
        return Ok(format!("{:0<width$}", &digits[..width.min(3)]));
    }
    if kind == 'Y' && width == 2 {
        return Ok(format!("{:02}", value % 100));
    }
    Ok(format!("{value:0width$}"))
}
