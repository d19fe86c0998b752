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

/// The most JSON texts looked for inside one text: each try parses from a `{` or `[`.
const MAX_EMBEDDED: usize = 32;

/// A text that is not known to be JSON, cut to [`MAX_CHARS`]. A JSON text in it (a cause
/// quoting a payload, a whole body) is masked as [`json_text`] masks one; a text that
/// still names a secret key with a value after that is replaced whole.
pub fn text(raw: &str) -> String {
    let trimmed = raw.trim();
    if serde_json::from_str::<Value>(trimmed).is_ok() {
        return json_text(trimmed);
    }
    let raw = cut(raw.to_owned());
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    for _ in 0..MAX_EMBEDDED {
        let Some(at) = rest.find(['{', '[']) else {
            break;
        };
        out.push_str(&rest[..at]);
        let mut values = serde_json::Deserializer::from_str(&rest[at..]).into_iter::<Value>();
        match values.next() {
            Some(Ok(mut value)) => {
                mask(&mut value);
                out.push_str(&value.to_string());
                rest = &rest[at + values.byte_offset()..];
            }
            _ => {
                out.push_str(&rest[at..=at]);
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    if names_a_secret(&out) {
        return MASK.to_owned();
    }
    out
}

/// Whether `text` names a secret key with a value after it (`email: "…"`, `email=…`), as
/// a Debug rendering or a broken JSON text would. The keys that are common words (name,
/// customer, address) are left to the JSON masking.
fn names_a_secret(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    SECRET_KEYS
        .iter()
        .filter(|k| !matches!(**k, "name" | "customer" | "address"))
        .any(|key| {
            let key = key.to_ascii_lowercase();
            lower.match_indices(&key).any(|(at, _)| {
                let after = lower[at + key.len()..].trim_start_matches(['"', ' ', '\\']);
                let value = after
                    .trim_start_matches([':', '=', ' '])
                    .trim_start_matches(['"', '\\']);
                (after.starts_with(':') || after.starts_with('=')) && !value.starts_with(MASK)
            })
        })
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
    fn masks_json_quoted_inside_a_text_and_secrets_named_outside_json() {
        let cause = r#"failed on {"paymentToken":"tok_1","orderId":"o-1"} and [{"email":"a@b"}]"#;
        let shown = text(cause);
        assert!(
            !shown.contains("tok_1") && !shown.contains("a@b"),
            "{shown}"
        );
        assert!(
            shown.starts_with("failed on {") && shown.contains("o-1"),
            "{shown}"
        );
        // A Debug rendering is no JSON: it names a secret, so it goes whole.
        assert_eq!(text(r#"Order { email: "a@b", id: 1 }"#), MASK);
        let poison = r#"{"detail-type": "OrderCreated", "detail": "#;
        assert_eq!(text(poison), poison);
        assert_eq!(text("body is not JSON: EOF"), "body is not JSON: EOF");
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
