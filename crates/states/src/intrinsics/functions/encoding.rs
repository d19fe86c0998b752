//! `States.Base64Encode`, `States.Base64Decode` and `States.Hash`.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, STANDARD};
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::digest::Digest;
use sha2::{Sha256, Sha384, Sha512};

use super::text::render;
use super::{MAX_INPUT_CHARS, char_len};

/// `States.Base64Encode(text)`: standard alphabet with padding, over the UTF-8 bytes.
pub fn base64_encode(args: &[Value]) -> Option<Value> {
    let [Value::String(text)] = args else {
        return None;
    };
    if char_len(text) > MAX_INPUT_CHARS {
        return None;
    }
    Some(Value::String(STANDARD.encode(text.as_bytes())))
}

/// A decoder as forgiving as the service's, which decodes `'abc'`, `'ab==cd'` and
/// `' YWJjZA== '` rather than failing: characters outside the alphabet are skipped and
/// padding is optional.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// `States.Base64Decode(text)`: the decoded bytes read as UTF-8 (invalid sequences become
/// U+FFFD).
pub fn base64_decode(args: &[Value]) -> Option<Value> {
    let [Value::String(text)] = args else {
        return None;
    };
    if char_len(text) > MAX_INPUT_CHARS {
        return None;
    }
    let mut symbols: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
        .collect();
    // A lone trailing symbol carries fewer than 8 bits: no byte can come of it.
    if symbols.len() % 4 == 1 {
        symbols.pop();
    }
    let bytes = LENIENT.decode(&symbols).ok()?;
    Some(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

/// `States.Hash(data, algorithm)`: lowercase hex digest. The algorithm name must be
/// exactly one of `MD5`, `SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`. Data that is not a
/// string is hashed in its text form, as the service does; null is rejected.
pub fn hash(args: &[Value]) -> Option<Value> {
    let [data, Value::String(algorithm)] = args else {
        return None;
    };
    let data = match data {
        Value::Null => return None,
        other => render(other),
    };
    if char_len(&data) > MAX_INPUT_CHARS {
        return None;
    }
    let bytes = data.as_bytes();
    let digest = match algorithm.as_str() {
        "MD5" => hex(&Md5::digest(bytes)),
        "SHA-1" => hex(&Sha1::digest(bytes)),
        "SHA-256" => hex(&Sha256::digest(bytes)),
        "SHA-384" => hex(&Sha384::digest(bytes)),
        "SHA-512" => hex(&Sha512::digest(bytes)),
        _ => return None,
    };
    Some(Value::String(digest))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}
