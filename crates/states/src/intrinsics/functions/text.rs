//! The text form the service gives a JSON value where it needs a string: strings as they
//! are, scalars as JSON, arrays as `[a, b]` and objects as `{key=value, ...}` (the form
//! `States.Format('{}', $.object)` produces on AWS).

use serde_json::Value;

/// Renders `value` in the service's text form.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// Appends `value` in the service's text form.
pub fn write(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write(item, out);
            }
            out.push('}');
        }
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => crate::json_text::write_number(out, n),
    }
}
