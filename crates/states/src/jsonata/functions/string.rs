//! String functions.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::Args;
use crate::jsonata::error::err;
use crate::jsonata::eval::Out;
use crate::jsonata::value::{V, stringify, stringify_pretty};

/// The widest padding `$pad` builds, so a huge width fails instead of exhausting memory.
const MAX_PAD: u64 = 10_000_000;

pub fn call(name: &str, args: &Args<'_>) -> Out {
    match name {
        "string" => Ok(match args.get(0) {
            None => None,
            Some(V::Num(n)) if !n.is_finite() => {
                return Err(err(
                    "D3001",
                    "Attempting to invoke string function on Infinity or NaN",
                ));
            }
            // A function is the empty string, as JSONata's $string has it.
            Some(V::Func(_)) => Some(V::str("")),
            Some(v) if matches!(args.get(1), Some(V::Bool(true))) => {
                Some(V::str(&stringify_pretty(v)))
            }
            Some(v) => Some(V::str(&stringify(v))),
        }),
        "join" => {
            let Some(items) = args.get(0) else {
                return Ok(None);
            };
            let separator = args.string(1)?.map(|s| s.to_string()).unwrap_or_default();
            let mut parts = Vec::new();
            for item in items.items() {
                match item {
                    V::Str(s) => parts.push(s.to_string()),
                    _ => return Err(args.mismatch(0)),
                }
            }
            Ok(Some(V::str(&parts.join(&separator))))
        }
        "match" => matches(args),
        "replace" => replace(args),
        "split" => split(args),
        "contains" => {
            let Some(text) = args.string(0)? else {
                return Ok(None);
            };
            if let Some(regex) = args.regex(1) {
                return Ok(Some(V::Bool(regex.is_match(&text))));
            }
            let pattern = args.string(1)?.ok_or_else(|| args.mismatch(1))?;
            Ok(Some(V::Bool(text.contains(pattern.as_ref()))))
        }
        _ => {
            let Some(text) = args.string(0)? else {
                return Ok(None);
            };
            simple(name, &text, args)
        }
    }
}

fn simple(name: &str, text: &str, args: &Args<'_>) -> Out {
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len() as i64;
    let out = match name {
        "length" => return Ok(Some(V::Num(len as f64))),
        "uppercase" => text.to_uppercase(),
        "lowercase" => text.to_lowercase(),
        "trim" => text.split_whitespace().collect::<Vec<_>>().join(" "),
        "substring" => {
            let start = args.number(1)?.ok_or_else(|| args.mismatch(1))?.trunc() as i64;
            let start = if start < 0 {
                (len + start).max(0)
            } else {
                start.min(len)
            };
            let end = match args.number(2)? {
                Some(n) if n <= 0.0 => start,
                Some(n) => start.saturating_add(n.trunc() as i64).min(len),
                None => len,
            };
            chars[start as usize..end.max(start) as usize]
                .iter()
                .collect()
        }
        "substringBefore" | "substringAfter" => {
            let Some(sep) = args.string(1)? else {
                return Ok(Some(V::str(text)));
            };
            match text.find(sep.as_ref()) {
                None => text.to_string(),
                Some(i) if name == "substringBefore" => text[..i].to_string(),
                Some(i) => text[i + sep.len()..].to_string(),
            }
        }
        "pad" => {
            let width = args.number(1)?.ok_or_else(|| args.mismatch(1))?.trunc() as i64;
            let fill = args
                .string(2)?
                .map_or_else(|| " ".to_string(), |s| s.to_string());
            let fill: Vec<char> = if fill.is_empty() {
                vec![' ']
            } else {
                fill.chars().collect()
            };
            let missing = width.unsigned_abs().saturating_sub(len as u64);
            if missing > MAX_PAD {
                return Err(err("D3137", &format!("$pad width {width} is too large")));
            }
            let missing = missing as usize;
            let padding: String = fill.iter().cycle().take(missing).collect();
            if width < 0 {
                padding + text
            } else {
                text.to_string() + &padding
            }
        }
        "base64encode" => STANDARD.encode(text.as_bytes()),
        "base64decode" => {
            let bytes = STANDARD
                .decode(text.trim())
                .map_err(|e| err("D3137", &format!("Invalid base64 text: {e}")))?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        "encodeUrlComponent" => encode(text, "-_.!~*'()"),
        "encodeUrl" => encode(text, "-_.!~*'();/?:@&=+$,#"),
        "decodeUrlComponent" | "decodeUrl" => decode(text).ok_or_else(|| {
            err(
                "D3140",
                &format!("Malformed URL passed to ${name}(): \"{text}\""),
            )
        })?,
        _ => return Ok(None),
    };
    Ok(Some(V::str(&out)))
}

fn encode(text: &str, keep: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn split(args: &Args<'_>) -> Out {
    let Some(text) = args.string(0)? else {
        return Ok(None);
    };
    let limit = match args.number(2)? {
        Some(n) if n < 0.0 => {
            return Err(err(
                "D3020",
                "Third argument of split function must evaluate to a positive number",
            ));
        }
        Some(n) => Some(n.trunc() as usize),
        None => None,
    };
    let parts: Vec<V> = if let Some(regex) = args.regex(1) {
        regex.split(&text).map(V::str).collect()
    } else {
        let sep = args.string(1)?.ok_or_else(|| args.mismatch(1))?;
        if sep.is_empty() {
            text.chars().map(|c| V::str(&c.to_string())).collect()
        } else {
            text.split(sep.as_ref()).map(V::str).collect()
        }
    };
    let parts = match limit {
        Some(l) => parts.into_iter().take(l).collect(),
        None => parts,
    };
    Ok(Some(V::array(parts)))
}

fn matches(args: &Args<'_>) -> Out {
    let Some(text) = args.string(0)? else {
        return Ok(None);
    };
    let regex = args.regex(1).ok_or_else(|| args.mismatch(1))?;
    let limit = args.number(2)?.map(|n| n.trunc().max(0.0) as usize);
    let mut out = Vec::new();
    for captures in regex.captures_iter(&text).take(limit.unwrap_or(usize::MAX)) {
        let Some(whole) = captures.get(0) else {
            continue;
        };
        let mut object = crate::jsonata::value::Map::default();
        object.insert("match".into(), V::str(whole.as_str()));
        object.insert(
            "index".into(),
            V::Num(text[..whole.start()].chars().count() as f64),
        );
        let groups = captures
            .iter()
            .skip(1)
            .map(|g| V::str(g.map_or("", |m| m.as_str())))
            .collect();
        object.insert("groups".into(), V::array(groups));
        out.push(V::Object(std::rc::Rc::new(object)));
    }
    Ok(V::sequence(out, false))
}

fn replace(args: &Args<'_>) -> Out {
    let Some(text) = args.string(0)? else {
        return Ok(None);
    };
    let replacement = args.string(2)?.ok_or_else(|| args.mismatch(2))?;
    let limit = args.number(3)?.map(|n| n.trunc().max(0.0) as usize);
    if let Some(regex) = args.regex(1) {
        // JSONata writes `$1` for a group, as the regex engine does.
        let out = match limit {
            Some(l) => regex.replacen(&text, l, replacement.as_ref()),
            None => regex.replace_all(&text, replacement.as_ref()),
        };
        return Ok(Some(V::str(&out)));
    }
    let pattern = args.string(1)?.ok_or_else(|| args.mismatch(1))?;
    if pattern.is_empty() {
        return Err(err(
            "D3010",
            "Second argument of replace function cannot be an empty string",
        ));
    }
    let out = match limit {
        Some(l) => text.replacen(pattern.as_ref(), &replacement, l),
        None => text.replace(pattern.as_ref(), &replacement),
    };
    Ok(Some(V::str(&out)))
}
