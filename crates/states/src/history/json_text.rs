//! The compact JSON text of a payload, exactly as `serde_json::to_string` writes it,
//! by a writer specialised to `Value`: the history writes one text per state payload,
//! and this is its hot path.

use serde_json::Value;
use std::fmt::Write;
use std::sync::Arc;

/// A payload's JSON text, as the history keeps it. Written into a buffer kept per
/// thread, so each text costs one allocation of its exact size.
pub(crate) fn payload_text(v: &Value) -> Arc<str> {
    thread_local! {
        static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            write_value(&mut buffer, v);
            Arc::from(buffer.as_str())
        }
        // Only reachable if writing re-entered itself; a fresh buffer does.
        Err(_) => {
            let mut text = String::new();
            write_value(&mut text, v);
            Arc::from(text)
        }
    })
}

/// Appends the compact JSON text of `v`.
pub(crate) fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            // Integers print the same either way; floats keep serde_json's shortest
            // round-trip form, which its Display shares with its serializer.
            let _ = match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => write!(out, "{i}"),
                (None, Some(u)) => write!(out, "{u}"),
                _ => write!(out, "{n}"),
            };
        }
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

/// A JSON string literal with serde_json's escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, and `\u00xx` for the other control characters; everything else as is.
fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escaped bytes are ASCII, so `start..i` always falls on character boundaries.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
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
            assert_eq!(text(&v), serde_json::to_string(&v).unwrap_or_default());
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
            prop_assert_eq!(&*payload_text(&v), serde_json::to_string(&v).unwrap_or_default());
        }
    }
}
