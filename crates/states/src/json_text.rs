//! The compact JSON text of a value, exactly as `serde_json::to_string` writes it, and
//! its length, by a writer specialised to `Value`: the history writes the text of every
//! state payload and the payload limit measures them, so this is a hot path.

use serde_json::{Number, Value};
use std::fmt::Write;

/// Appends the compact JSON text of `v`.
pub(crate) fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// The text of an object after `key` (not one of its keys) is inserted with `value`,
/// from the object's text: the new key goes last, as inserting it into the map puts it.
pub(crate) fn with_key_appended(
    object_text: &str,
    was_empty: bool,
    key: &str,
    value: &Value,
) -> Option<String> {
    let open = object_text.strip_suffix('}')?;
    let mut out = String::with_capacity(object_text.len() + key.len() + 16);
    out.push_str(open);
    if !was_empty {
        out.push(',');
    }
    write_str(&mut out, key);
    out.push(':');
    write_value(&mut out, value);
    out.push('}');
    Some(out)
}

/// A number as serde_json writes it: integers in decimal, floats in their shortest
/// round-trip form (which serde_json's Display shares with its serializer).
pub(crate) fn write_number(out: &mut String, n: &Number) {
    if let Some(i) = n.as_i64() {
        if i < 0 {
            out.push('-');
        }
        write_decimal(out, i.unsigned_abs());
    } else if let Some(u) = n.as_u64() {
        write_decimal(out, u);
    } else {
        let _ = write!(out, "{n}");
    }
}

fn write_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        // `n % 10` is below 10, so the cast keeps it whole.
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// The length of `v`'s compact JSON text (as `serde_json` writes it), without writing it.
pub fn json_len(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_len(n),
        Value::String(s) => str_len(s),
        Value::Array(items) => {
            2 + items.len().saturating_sub(1) + items.iter().map(json_len).sum::<usize>()
        }
        Value::Object(map) => {
            2 + map.len().saturating_sub(1)
                + map
                    .iter()
                    .map(|(k, v)| str_len(k) + 1 + json_len(v))
                    .sum::<usize>()
        }
    }
}

fn number_len(n: &Number) -> usize {
    let digits = |mut u: u64| {
        let mut len = 1;
        while u >= 10 {
            u /= 10;
            len += 1;
        }
        len
    };
    if let Some(i) = n.as_i64() {
        usize::from(i < 0) + digits(i.unsigned_abs())
    } else if let Some(u) = n.as_u64() {
        digits(u)
    } else {
        let mut text = String::new();
        write_number(&mut text, n);
        text.len()
    }
}

/// How serde_json escapes each byte: 0 for not at all, the letter after the backslash
/// for the short escapes, `u` for `\u00xx`.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x0c] = b'f';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Where the first byte that needs escaping is, if any.
fn first_escape(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| ESCAPE[usize::from(b)] != 0)
}

/// The length of a string literal: the quotes, two bytes for each short escape and six
/// for each `\u00xx`.
fn str_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    let Some(first) = first_escape(bytes) else {
        return bytes.len() + 2;
    };
    let extra: usize = bytes[first..]
        .iter()
        .map(|&b| match ESCAPE[usize::from(b)] {
            0 => 0,
            b'u' => 5,
            _ => 1,
        })
        .sum();
    bytes.len() + 2 + extra
}

/// A JSON string literal with serde_json's escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, and `\u00xx` for the other control characters; everything else as is.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    match first_escape(bytes) {
        None => out.push_str(s),
        Some(first) => {
            let mut start = 0;
            for (i, &b) in bytes.iter().enumerate().skip(first) {
                let escape = ESCAPE[usize::from(b)];
                if escape == 0 {
                    continue;
                }
                // Escaped bytes are ASCII, so `start..i` falls on character boundaries.
                out.push_str(&s[start..i]);
                out.push('\\');
                out.push(char::from(escape));
                if escape == b'u' {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.push_str("00");
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0x0f)]));
                }
                start = i + 1;
            }
            out.push_str(&s[start..]);
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn text(v: &Value) -> String {
        let mut out = String::new();
        write_value(&mut out, v);
        out
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let values = [
            json!(null),
            json!({"i": 0, "limit": 5000, "acc": [], "label": "item-0"}),
            json!([
                1.5,
                -0.0,
                1e300,
                2.5e-8,
                -7,
                u64::MAX,
                i64::MIN,
                12345678901234567890u64
            ]),
            json!({"esc": "q\"b\\n\nr\rt\tb\u{8}f\u{c}z\u{0}\u{1f}\u{7f}é\u{1F600}", "": {}}),
            json!({"nested": {"a": [true, false, null, {"b": []}]}}),
        ];
        for v in values {
            let expected = serde_json::to_string(&v).unwrap_or_default();
            assert_eq!(json_len(&v), expected.len(), "{v}");
            assert_eq!(text(&v), expected);
        }
    }

    #[test]
    fn appending_a_key_matches_inserting_it() {
        for object in [json!({}), json!({"a": 1, "b": ["x"]})] {
            let Value::Object(map) = &object else {
                unreachable!("objects only");
            };
            let appended =
                with_key_appended(&text(&object), map.is_empty(), "k\"ey", &json!({"v": [1]}));
            let mut inserted = map.clone();
            inserted.insert("k\"ey".into(), json!({"v": [1]}));
            assert_eq!(appended, Some(text(&Value::Object(inserted))));
        }
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((any::<String>(), inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_value_is_written_as_serde_json_writes_it(v in value()) {
            prop_assert_eq!(text(&v), serde_json::to_string(&v).unwrap_or_default());
            prop_assert_eq!(json_len(&v), serde_json::to_string(&v).unwrap_or_default().len());
        }
    }
}
