//! What the console never shows: task tokens, payment tokens and personal data, wherever
//! they sit in a payload. The logs keep them out already; execution payloads and queue
//! messages may carry them.

use serde_json::Value;

/// The keys whose values are masked, compared without case.
const SECRET_KEYS: [&str; 8] = [
    "taskToken",
    "paymentToken",
    "email",
    "name",
    "shippingAddress",
    "phone",
    "address",
    "customer",
];

/// What a masked value becomes.
pub const MASK: &str = "***";

/// The most characters of one payload the console sends: a payload can be 256 KiB.
pub const MAX_CHARS: usize = 16 * 1024;

/// `text`, a JSON text, with the secret keys' values masked, and cut to [`MAX_CHARS`];
/// a text that is not JSON is cut and masked as [`text`].
pub fn json_text(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(mut value) => {
            mask(&mut value);
            cut(value.to_string())
        }
        Err(_) => text(raw),
    }
}

/// A text that is not known to be JSON, cut to [`MAX_CHARS`]. An embedded JSON object (a
/// cause quoting a payload) is masked as [`json_text`] masks one.
pub fn text(raw: &str) -> String {
    let trimmed = raw.trim();
    if trimmed.starts_with('{') && serde_json::from_str::<Value>(trimmed).is_ok() {
        return json_text(trimmed);
    }
    cut(raw.to_owned())
}

/// Masks the secret keys' values of `value` in place.
pub fn mask(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                    *v = Value::String(MASK.to_owned());
                } else {
                    mask(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        // A JSON text inside a string (an event's Detail, an SQS body) is masked too.
        Value::String(s) if s.starts_with('{') => {
            if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                mask(&mut inner);
                *s = inner.to_string();
            }
        }
        _ => {}
    }
}

fn cut(mut text: String) -> String {
    if text.len() > MAX_CHARS {
        let mut end = MAX_CHARS;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" …(cut)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets_at_any_depth_and_inside_embedded_json() {
        let raw = r#"{"data":{"paymentToken":"tok_visa","customer":{"email":"a@b"},"lines":[{"TaskToken":"t-1"}]},
            "Detail":"{\"email\":\"c@d\",\"orderId\":\"o-1\"}","orderId":"o-1"}"#;
        let shown = json_text(raw);
        for secret in ["tok_visa", "a@b", "t-1", "c@d"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("o-1"), "{shown}");
    }

    #[test]
    fn cuts_long_texts_on_a_character_boundary() {
        let long = "é".repeat(MAX_CHARS);
        let shown = text(&long);
        assert!(shown.len() <= MAX_CHARS + 16);
        assert!(shown.ends_with("…(cut)"));
        assert_eq!(text("not json"), "not json");
    }
}
