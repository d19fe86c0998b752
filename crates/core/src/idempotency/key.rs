//! Idempotency keys: which part of the input identifies a request, and how it is hashed.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// The JSON Pointer of the envelope's idempotency key, the default key of every consumer.
pub const ENVELOPE_KEY_POINTER: &str = "/detail/metadata/idempotency-key";

type SelectFn = dyn Fn(&Value) -> Option<Value> + Send + Sync;

/// Selects the part of an input that identifies it (for the key) or that must not change
/// between duplicates (for payload validation).
///
/// A selection that is missing or `null` is "no key": a `null` is never hashed, since every
/// input without a key would then share one record.
#[derive(Clone)]
pub enum KeySelector {
    /// JSON Pointers (RFC 6901). One pointer selects that value; several select the array of
    /// their values (a missing one counts as `null`). As a key, that array is no key as soon
    /// as one part is missing ([`select_key`](Self::select_key)); for payload validation, a
    /// missing part is part of what is compared.
    Pointers(Vec<String>),
    /// The whole input.
    Whole,
    /// A function of the input; returning `None` or `null` means no key.
    Custom(Arc<SelectFn>),
}

impl KeySelector {
    /// Selects the value at one JSON Pointer, e.g. `"/detail/data/orderId"`.
    pub fn pointer(pointer: impl Into<String>) -> Self {
        KeySelector::Pointers(vec![pointer.into()])
    }

    /// Selects the values at several JSON Pointers, hashed together as an array.
    pub fn pointers<I, P>(pointers: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        KeySelector::Pointers(pointers.into_iter().map(Into::into).collect())
    }

    /// Selects with a function of the input.
    pub fn custom(f: impl Fn(&Value) -> Option<Value> + Send + Sync + 'static) -> Self {
        KeySelector::Custom(Arc::new(f))
    }

    /// The selected value, or `None` when it is missing or `null`.
    pub fn select<'a>(&self, input: &'a Value) -> Option<Cow<'a, Value>> {
        let selected = match self {
            KeySelector::Whole => Cow::Borrowed(input),
            KeySelector::Pointers(pointers) => match pointers.as_slice() {
                [one] => Cow::Borrowed(input.pointer(one)?),
                many => {
                    let values: Vec<Value> = many
                        .iter()
                        .map(|p| input.pointer(p).cloned().unwrap_or(Value::Null))
                        .collect();
                    if values.iter().all(Value::is_null) {
                        return None;
                    }
                    Cow::Owned(Value::Array(values))
                }
            },
            KeySelector::Custom(f) => Cow::Owned(f(input)?),
        };
        (!selected.is_null()).then_some(selected)
    }
}

impl KeySelector {
    /// The selection as an idempotency key: `None` when it is missing or `null`, or, for
    /// several pointers, when any one of them is. Hashing a partial key would give every
    /// input that lacks the same part one shared record. A single pointer, the whole input
    /// or a custom selection is taken as the value it is, `null`s inside it included.
    pub fn select_key<'a>(&self, input: &'a Value) -> Option<Cow<'a, Value>> {
        let key = self.select(input)?;
        match self {
            // Several pointers select the array of their parts: a composite key.
            KeySelector::Pointers(pointers) if pointers.len() > 1 && !is_complete_key(&key) => None,
            _ => Some(key),
        }
    }
}

/// Whether `key`, given to [`run_keyed`](super::IdempotencyEngine::run_keyed), can key a
/// record: not `null`, and none of its parts `null` (the elements of a tuple or array, the
/// fields of a struct or map; a `None` serializes as `null`). Parts are checked one level
/// down, where a composite key keeps them. A field that serde leaves out when it is `None`
/// (`skip_serializing_if`) is absent, not `null`, and cannot be seen here: a key type
/// should not skip its fields.
pub fn is_complete_key(key: &Value) -> bool {
    match key {
        Value::Null => false,
        Value::Array(parts) => !parts.iter().any(Value::is_null),
        Value::Object(fields) => !fields.values().any(Value::is_null),
        _ => true,
    }
}

impl Default for KeySelector {
    /// The envelope's `detail.metadata.idempotency-key`.
    fn default() -> Self {
        KeySelector::pointer(ENVELOPE_KEY_POINTER)
    }
}

impl fmt::Debug for KeySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySelector::Pointers(p) => f.debug_tuple("Pointers").field(p).finish(),
            KeySelector::Whole => f.write_str("Whole"),
            KeySelector::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl fmt::Display for KeySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySelector::Pointers(p) => write!(f, "{}", p.join(", ")),
            KeySelector::Whole => f.write_str("the whole input"),
            KeySelector::Custom(_) => f.write_str("a custom key function"),
        }
    }
}

/// The canonical JSON text of a value: object keys sorted (by their UTF-8 bytes), no
/// whitespace, `,` and `:` as separators. Equal values give equal text whatever the order
/// their object keys were written in, so hashes of it are deterministic.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_canonical(value, &mut out);
    out
}

/// Feeds text straight into the hash, so hashing needs no intermediate string.
struct HashWriter(Sha256);

impl fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

fn write_canonical<W: fmt::Write>(value: &Value, out: &mut W) -> fmt::Result {
    match value {
        Value::Null => out.write_str("null"),
        Value::Bool(b) => out.write_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write!(out, "{n}"),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_char(',')?;
                }
                write_canonical(item, out)?;
            }
            out.write_char(']')
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.write_char('{')?;
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.write_char(',')?;
                }
                write_string(k, out)?;
                out.write_char(':')?;
                write_canonical(v, out)?;
            }
            out.write_char('}')
        }
    }
}

/// Writes a JSON string literal, passing runs of plain characters through in one piece.
fn write_string<W: fmt::Write>(s: &str, out: &mut W) -> fmt::Result {
    out.write_char('"')?;
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{08}' => "\\b",
            '\u{0c}' => "\\f",
            c if u32::from(c) < 0x20 => "",
            _ => continue,
        };
        out.write_str(&s[plain_from..i])?;
        if escape.is_empty() {
            write!(out, "\\u{:04x}", u32::from(c))?;
        } else {
            out.write_str(escape)?;
        }
        plain_from = i + c.len_utf8();
    }
    out.write_str(&s[plain_from..])?;
    out.write_char('"')
}

/// Lowercase hex SHA-256 of the canonical JSON of `value`.
pub fn hash_value(value: &Value) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = HashWriter(Sha256::new());
    let _ = write_canonical(value, &mut hasher);
    let digest = hasher.0.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    hex
}

/// The stored key: the engine's name, `#`, then the hash of the selected value.
pub fn record_key(name: &str, selected: &Value) -> String {
    format!("{name}#{}", hash_value(selected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn canonical_form_sorts_keys_and_drops_whitespace() {
        let v = json!({"b": [1, {"z": true, "a": null}], "a": "x\"y\n"});
        assert_eq!(canonical_json(&json!("a\u{1}b\t\\c")), r#""a\u0001b\t\\c""#);
        assert_eq!(
            canonical_json(&v),
            r#"{"a":"x\"y\n","b":[1,{"a":null,"z":true}]}"#
        );
    }

    #[test]
    fn selection_table() {
        let input = json!({"detail": {"metadata": {"idempotency-key": "k1"}, "data": {"orderId": "o1", "n": null}}});
        let cases: Vec<(KeySelector, Option<Value>)> = vec![
            (KeySelector::default(), Some(json!("k1"))),
            (
                KeySelector::pointer("/detail/data/orderId"),
                Some(json!("o1")),
            ),
            (KeySelector::pointer("/detail/data/missing"), None),
            (KeySelector::pointer("/detail/data/n"), None), // null is never a key
            (
                KeySelector::pointers(["/detail/data/orderId", "/detail/data/missing"]),
                Some(json!(["o1", null])),
            ),
            (
                KeySelector::pointers(["/detail/data/n", "/detail/data/missing"]),
                None,
            ),
            (KeySelector::custom(|_| Some(Value::Null)), None),
            (
                KeySelector::custom(|v| v.pointer("/detail/data/orderId").cloned()),
                Some(json!("o1")),
            ),
        ];
        for (selector, expected) in cases {
            let got = selector.select(&input).map(Cow::into_owned);
            assert_eq!(got, expected, "{selector:?}");
        }
        assert_eq!(KeySelector::Whole.select(&Value::Null), None);
    }

    #[test]
    fn a_composite_key_with_a_missing_part_is_no_key() {
        let input = json!({"orderId": "o1", "sku": "BOOK-1", "n": null});
        let both = KeySelector::pointers(["/orderId", "/sku"]);
        assert_eq!(
            both.select_key(&input).map(Cow::into_owned),
            Some(json!(["o1", "BOOK-1"]))
        );
        for partial in [
            KeySelector::pointers(["/orderId", "/missing"]),
            KeySelector::pointers(["/orderId", "/n"]),
        ] {
            assert_eq!(partial.select_key(&input), None, "{partial:?}");
            assert!(
                partial.select(&input).is_some(),
                "payload validation still sees it"
            );
        }
        // One selected value is the key as it is, nulls inside it included.
        let listed = json!({"ids": ["a", null]});
        for whole_value in [
            KeySelector::pointer("/ids"),
            KeySelector::custom(|v| v.get("ids").cloned()),
        ] {
            assert_eq!(
                whole_value.select_key(&listed).map(Cow::into_owned),
                Some(json!(["a", null])),
                "{whole_value:?}"
            );
        }
        assert!(is_complete_key(&json!(["o1", 0, false, ""])));
        assert!(is_complete_key(&json!({"order": "o1", "line": [null]})));
        assert!(!is_complete_key(&Value::Null));
        assert!(!is_complete_key(&json!(["o1", null])));
        assert!(!is_complete_key(&json!({"order": "o1", "sku": null})));
    }

    #[test]
    fn record_key_is_prefixed_with_the_name() {
        let key = record_key("reserve-item", &json!("o1"));
        let (name, hash) = key.split_once('#').unwrap_or_default();
        assert_eq!(name, "reserve-item");
        assert_eq!(hash.len(), 64);
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[\\PC\\n\\t\\x01\"\\\\]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-z]{0,4}", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn reversed_keys(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .rev()
                    .map(|(k, v)| (k.clone(), reversed_keys(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(reversed_keys).collect()),
            other => other.clone(),
        }
    }

    proptest! {
        #[test]
        fn canonical_text_parses_back_to_the_same_value(v in arb_json()) {
            let parsed: Value = serde_json::from_str(&canonical_json(&v)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed, v);
        }

        #[test]
        fn hash_is_the_sha256_of_the_canonical_text(v in arb_json()) {
            let digest = Sha256::digest(canonical_json(&v).as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            prop_assert_eq!(hash_value(&v), hex);
        }

        #[test]
        fn hash_ignores_key_order(v in arb_json()) {
            prop_assert_eq!(hash_value(&v), hash_value(&reversed_keys(&v)));
        }
    }
}
