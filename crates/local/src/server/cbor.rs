//! The Smithy RPC v2 CBOR protocol, which the AWS CLI and SDKs speak to CloudWatch: a POST
//! to `/service/<Service>/operation/<Operation>` with a CBOR body, answered in CBOR.
//! Bodies are turned into the JSON values the JSON protocols' handlers take, and answers
//! back: timestamps travel as CBOR tag 1 (epoch seconds) and are epoch-second numbers in
//! between.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ciborium::value::Value as Cbor;
use serde_json::{Map, Number, Value};

use super::wire::ApiError;

/// The header every request and answer of the protocol carries.
pub const PROTOCOL_HEADER: &str = "smithy-protocol";
const PROTOCOL: &str = "rpc-v2-cbor";
const CONTENT_TYPE: &str = "application/cbor";
/// CBOR's tag for a time as epoch seconds.
const EPOCH_TAG: u64 = 1;

/// The service and operation of a request path `/service/<Service>/operation/<Operation>`.
pub fn route(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/service/")?;
    let (service, rest) = rest.split_once('/')?;
    let operation = rest.strip_prefix("operation/")?;
    (!service.is_empty() && !operation.is_empty() && !operation.contains('/'))
        .then_some((service, operation))
}

/// A request body as a JSON object; an empty body is an empty input.
///
/// # Errors
///
/// A body that is not a CBOR map (`SerializationException`).
pub fn decode(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    let value: Cbor = ciborium::de::from_reader(body)
        .map_err(|e| ApiError::serialization(format!("The body is not CBOR: {e}")))?;
    match to_json(value) {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::serialization("The body must be a CBOR map.")),
    }
}

fn to_json(value: Cbor) -> Value {
    match value {
        Cbor::Integer(i) => {
            let i = i128::from(i);
            i64::try_from(i)
                .map(Value::from)
                .or_else(|_| u64::try_from(i).map(Value::from))
                .unwrap_or(Value::Null)
        }
        Cbor::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        Cbor::Text(s) => Value::String(s),
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Null => Value::Null,
        Cbor::Bytes(b) => {
            use base64::Engine;
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Cbor::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Cbor::Map(entries) => Value::Object(
            entries
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Cbor::Text(k) => Some((k, to_json(v))),
                    _ => None,
                })
                .collect(),
        ),
        // Tag 1 (epoch seconds) and any other tag: the value it wraps.
        Cbor::Tag(_, inner) => to_json(*inner),
        _ => Value::Null,
    }
}

/// `value` as CBOR; the numbers of arrays under a `Timestamps` key are times (tag 1).
fn to_cbor(value: &Value, timestamps: bool) -> Cbor {
    match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) => {
            let plain = match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Cbor::Integer(i.into()),
                (None, Some(u)) => Cbor::Integer(u.into()),
                _ => Cbor::Float(n.as_f64().unwrap_or(0.0)),
            };
            if timestamps {
                Cbor::Tag(EPOCH_TAG, Box::new(Cbor::Float(n.as_f64().unwrap_or(0.0))))
            } else {
                plain
            }
        }
        Value::String(s) => Cbor::Text(s.clone()),
        Value::Array(items) => Cbor::Array(items.iter().map(|v| to_cbor(v, timestamps)).collect()),
        Value::Object(map) => Cbor::Map(
            map.iter()
                .map(|(k, v)| (Cbor::Text(k.clone()), to_cbor(v, k == "Timestamps")))
                .collect(),
        ),
    }
}

fn respond(status: StatusCode, value: &Value) -> Response {
    let mut body = Vec::new();
    // Writing to a Vec fails only for values CBOR cannot hold, which JSON values are not.
    let _ = ciborium::ser::into_writer(&to_cbor(value, false), &mut body);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    headers.insert(PROTOCOL_HEADER, HeaderValue::from_static(PROTOCOL));
    response
}

/// A successful answer.
pub fn ok(value: &Value) -> Response {
    respond(StatusCode::OK, value)
}

/// An error: `__type` and `message` in the body, and the query-compatible code in
/// `x-amzn-query-error`, as the JSON protocols put them.
pub fn error(e: &ApiError) -> Response {
    let type_name = match e.namespace {
        Some(ns) => format!("{ns}#{}", e.code),
        None => e.code.clone(),
    };
    let mut response = respond(
        e.status,
        &serde_json::json!({"__type": type_name, "message": e.message}),
    );
    if let Some(q) = e.query_error.as_deref().and_then(|q| q.parse().ok()) {
        response.headers_mut().insert("x-amzn-query-error", q);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_a_service_and_an_operation() {
        assert_eq!(
            route("/service/GraniteServiceVersion20100801/operation/ListMetrics"),
            Some(("GraniteServiceVersion20100801", "ListMetrics"))
        );
        assert_eq!(route("/service//operation/X"), None);
        assert_eq!(route("/service/S/operation/X/Y"), None);
        assert_eq!(route("/2015-03-31/functions"), None);
    }

    #[test]
    fn bodies_round_trip_with_tagged_times() {
        let request = Cbor::Map(vec![
            (
                Cbor::Text("StartTime".into()),
                Cbor::Tag(1, Box::new(Cbor::Float(1.5))),
            ),
            (Cbor::Text("Limit".into()), Cbor::Integer(7.into())),
        ]);
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&request, &mut bytes).unwrap();
        let map = decode(&bytes).unwrap();
        assert_eq!(map["StartTime"], 1.5);
        assert_eq!(map["Limit"], 7);
        assert!(decode(b"\xff").is_err());
        assert!(decode(&[0x01]).is_err(), "a number is not a map");

        let answer = serde_json::json!({"Timestamps": [60, 120.5], "Values": [1, 2.5]});
        let Cbor::Map(entries) = to_cbor(&answer, false) else {
            panic!("a map")
        };
        assert_eq!(
            entries[0].1,
            Cbor::Array(vec![
                Cbor::Tag(1, Box::new(Cbor::Float(60.0))),
                Cbor::Tag(1, Box::new(Cbor::Float(120.5))),
            ])
        );
        assert_eq!(
            entries[1].1,
            Cbor::Array(vec![Cbor::Integer(1.into()), Cbor::Float(2.5)])
        );
    }
}
