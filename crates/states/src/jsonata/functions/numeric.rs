//! Numeric and aggregation functions.

use super::Args;
use crate::jsonata::error::err;
use crate::jsonata::eval::Out;
use crate::jsonata::value::V;

pub fn call(name: &str, args: &Args<'_>) -> Out {
    match name {
        "number" => number(args),
        "count" => Ok(Some(V::Num(
            args.get(0).map_or(0, |v| v.items().len()) as f64
        ))),
        "sum" | "max" | "min" | "average" => aggregate(name, args),
        "formatBase" => {
            let Some(n) = args.number(0)? else {
                return Ok(None);
            };
            let radix = args.number(1)?.unwrap_or(10.0).trunc();
            if !(2.0..=36.0).contains(&radix) {
                return Err(err(
                    "D3100",
                    &format!(
                        "The radix of the formatBase function must be between 2 and 36.  It was given {radix}"
                    ),
                ));
            }
            Ok(Some(V::str(&to_radix(n.round() as i64, radix as u32))))
        }
        _ => {
            let Some(n) = args.number(0)? else {
                return Ok(None);
            };
            let out = match name {
                "abs" => n.abs(),
                "floor" => n.floor(),
                "ceil" => n.ceil(),
                "round" => round(n, args.number(1)?.unwrap_or(0.0).trunc() as i32),
                "sqrt" => {
                    if n < 0.0 {
                        return Err(err(
                            "D3060",
                            &format!(
                                "The sqrt function cannot be applied to a negative number: {n}"
                            ),
                        ));
                    }
                    n.sqrt()
                }
                "power" => {
                    let exponent = args.number(1)?.ok_or_else(|| args.mismatch(1))?;
                    let p = n.powf(exponent);
                    if !p.is_finite() {
                        return Err(err(
                            "D3061",
                            &format!(
                                "The power function has resulted in a value that cannot be represented as a JSON number: base={n}, exponent={exponent}"
                            ),
                        ));
                    }
                    p
                }
                _ => return Ok(None),
            };
            Ok(Some(V::Num(out)))
        }
    }
}

/// The number a decimal text stands for, as JSONata reads it: an optional `-`, digits
/// (leading zeros allowed: `"007"`), an optional fraction and exponent; no spaces, no `+`.
fn decimal(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    let digits = |at: &mut usize| {
        let start = *at;
        while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
            *at += 1;
        }
        *at > start
    };
    if !digits(&mut at) {
        return None;
    }
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        if !digits(&mut at) {
            return None;
        }
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        if !digits(&mut at) {
            return None;
        }
    }
    (at == bytes.len()).then(|| text.parse().ok()).flatten()
}

/// A hexadecimal (`0x1F`), octal (`0o17`) or binary (`0b101`) integer text, either case.
fn prefixed(text: &str) -> Option<f64> {
    let radix = match text.get(..2)? {
        "0x" | "0X" => 16,
        "0o" | "0O" => 8,
        "0b" | "0B" => 2,
        _ => return None,
    };
    let digits = &text[2..];
    if digits.is_empty() {
        return None;
    }
    digits.chars().try_fold(0f64, |n, c| {
        c.to_digit(radix)
            .map(|d| n * f64::from(radix) + f64::from(d))
    })
}

fn number(args: &Args<'_>) -> Out {
    Ok(match args.get(0) {
        None => None,
        Some(V::Num(n)) => Some(V::Num(*n)),
        Some(V::Bool(b)) => Some(V::Num(if *b { 1.0 } else { 0.0 })),
        Some(V::Str(s)) => {
            let parsed = decimal(s).or_else(|| prefixed(s));
            match parsed {
                Some(n) if n.is_finite() => Some(V::Num(n)),
                _ => {
                    return Err(err(
                        "D3030",
                        &format!("Unable to cast value to a number: \"{s}\""),
                    ));
                }
            }
        }
        Some(_) => return Err(args.mismatch(0)),
    })
}

fn aggregate(name: &str, args: &Args<'_>) -> Out {
    let Some(value) = args.get(0) else {
        return Ok(None);
    };
    let mut numbers = Vec::new();
    for item in value.items() {
        match item {
            V::Num(n) => numbers.push(n),
            _ => {
                return Err(err(
                    "T0412",
                    &format!("Argument 1 of function \"{name}\" must be an array of \"numbers\""),
                ));
            }
        }
    }
    if numbers.is_empty() {
        return Ok(if name == "sum" {
            Some(V::Num(0.0))
        } else {
            None
        });
    }
    let sum: f64 = numbers.iter().sum();
    Ok(Some(V::Num(match name {
        "sum" => sum,
        "average" => sum / numbers.len() as f64,
        "max" => numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        _ => numbers.iter().copied().fold(f64::INFINITY, f64::min),
    })))
}

/// Round half to even at `precision` decimal places, as JSONata's `$round`.
fn round(n: f64, precision: i32) -> f64 {
    let factor = 10f64.powi(precision);
    let scaled = n * factor;
    if !scaled.is_finite() {
        return n;
    }
    let floor = scaled.floor();
    let diff = scaled - floor;
    let rounded = if (diff - 0.5).abs() < 1e-9 {
        if floor % 2.0 == 0.0 {
            floor
        } else {
            floor + 1.0
        }
    } else {
        scaled.round()
    };
    rounded / factor
}

fn to_radix(n: i64, radix: u32) -> String {
    if n == 0 {
        return "0".into();
    }
    let negative = n < 0;
    let mut value = n.unsigned_abs();
    let mut digits = Vec::new();
    while value > 0 {
        let d = (value % u64::from(radix)) as u32;
        digits.push(char::from_digit(d, radix).unwrap_or('?'));
        value /= u64::from(radix);
    }
    if negative {
        digits.push('-');
    }
    digits.iter().rev().collect()
}
