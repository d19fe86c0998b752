//! The AWS JSON 1.0 / 1.1 wire format: which protocol a service speaks, how errors look on
//! the wire, and typed access to the members of a request body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// The JSON protocol version a service speaks; it only changes the content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.0: Step Functions and SQS.
    Json10,
    /// AWS JSON 1.1: EventBridge.
    Json11,
}

impl Protocol {
    /// The `Content-Type` of requests and answers in this protocol.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::Json10 => "application/x-amz-json-1.0",
            Protocol::Json11 => "application/x-amz-json-1.1",
        }
    }
}

/// An error as an AWS JSON service returns it: HTTP 400 (or 500), `__type` naming the error
/// shape, a `message`, and for services that kept their query-protocol codes (SQS) the
/// `x-amzn-query-error` header the SDKs read the code from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    /// The error code the SDKs surface (`ExecutionDoesNotExist`, `ResourceNotFoundException`).
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The namespace AWS prefixes `__type` with (`com.amazonaws.sqs`), if it does.
    pub namespace: Option<&'static str>,
    /// `Code;Sender` for query-compatible services.
    pub query_error: Option<String>,
    /// The HTTP status: 400 unless built otherwise.
    pub status: StatusCode,
    /// Members the error shape carries beside `message` (DynamoDB's `Item` of a failed
    /// condition, its `CancellationReasons`).
    pub details: Option<Box<Map<String, Value>>>,
}

impl ApiError {
    /// A client error with a plain `__type`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            namespace: None,
            query_error: None,
            status: StatusCode::BAD_REQUEST,
            details: None,
        }
    }

    /// The body could not be read as the operation's input.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new("SerializationException", message)
    }

    /// A member failed the operation's constraints (missing, wrong range).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new("ValidationException", message)
    }

    /// The error for an `X-Amz-Target` the endpoint does not serve.
    pub fn unknown_operation(target: &str) -> Self {
        Self::new(
            "UnknownOperationException",
            format!("The operation {target:?} is not supported by this endpoint."),
        )
    }

    /// Prefixes `__type` with `namespace`, as the service does.
    pub fn with_namespace(mut self, namespace: &'static str) -> Self {
        self.namespace = Some(namespace);
        self
    }

    /// Adds the `x-amzn-query-error` header (`code;Sender`) that query-compatible SDKs read.
    pub fn with_query_error(mut self, code: &str) -> Self {
        self.query_error = Some(format!("{code};Sender"));
        self
    }

    /// The error as the service puts it on the wire: status, `__type` and `message`, in the
    /// protocol's content type.
    pub fn into_response(self, protocol: Protocol) -> Response {
        let type_name = match self.namespace {
            Some(ns) => format!("{ns}#{}", self.code),
            None => self.code.clone(),
        };
        let mut body = serde_json::json!({"__type": type_name, "message": self.message});
        if let (Some(details), Some(members)) = (self.details, body.as_object_mut()) {
            members.extend(*details);
        }
        let body = body.to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(protocol.content_type()),
        );
        if let Ok(v) = HeaderValue::from_str(&self.code) {
            headers.insert("x-amzn-errortype", v);
        }
        if let Some(q) = self.query_error.as_deref().and_then(|q| q.parse().ok()) {
            headers.insert("x-amzn-query-error", q);
        }
        response
    }
}

/// A successful answer in the service's content type.
pub fn ok(protocol: Protocol, body: Value) -> Response {
    let mut response = (StatusCode::OK, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(protocol.content_type()),
    );
    response
}

/// The members of a request body, read with the checks the services apply.
#[derive(Debug, Default, Clone)]
pub struct Input(Map<String, Value>);

impl Input {
    /// Parses a body; an empty body is an empty input (some clients send nothing for
    /// operations without required members).
    pub fn parse(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Self(map)),
            Ok(_) => Err(ApiError::serialization(
                "Start of structure or map found where not expected.",
            )),
            Err(e) => Err(ApiError::serialization(format!(
                "The request body is not valid JSON: {e}"
            ))),
        }
    }

    /// The members of an already parsed body.
    pub fn from_map(map: Map<String, Value>) -> Self {
        Self(map)
    }

    /// Every member, as sent.
    pub fn members(&self) -> &Map<String, Value> {
        &self.0
    }

    /// A member, if present and not `null`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A string member, if present.
    pub fn str(&self, key: &str) -> Result<Option<&str>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(type_error(key, "a string")),
        }
    }

    /// A string member the operation cannot do without.
    pub fn required_str(&self, key: &str) -> Result<&str, ApiError> {
        self.str(key)?.ok_or_else(|| missing(key))
    }

    /// An integer member, if present, within `min..=max`.
    pub fn int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let n = value
            .as_i64()
            .ok_or_else(|| type_error(key, "an integer"))?;
        if n < min || n > max {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{n}' at '{key}' failed to satisfy \
                 constraint: Member must have value between {min} and {max}"
            )));
        }
        Ok(Some(n))
    }

    /// A boolean member, if present.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(type_error(key, "a boolean")),
        }
    }

    /// A list member, if present.
    pub fn list(&self, key: &str) -> Result<Option<&Vec<Value>>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(type_error(key, "a list")),
        }
    }

    /// A list of strings, empty when absent.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, ApiError> {
        let Some(items) = self.list(key)? else {
            return Ok(Vec::new());
        };
        items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| type_error(key, "a list of strings"))
            })
            .collect()
    }

    /// A map member, if present.
    pub fn map(&self, key: &str) -> Result<Option<&Map<String, Value>>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(type_error(key, "a structure")),
        }
    }
}

fn type_error(key: &str, expected: &str) -> ApiError {
    ApiError::serialization(format!("Member '{key}' must be {expected}."))
}

fn missing(key: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value null at '{key}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// A pagination token: the offset of the next item, as text.
pub fn page<T: Clone>(
    items: &[T],
    next_token: Option<&str>,
    limit: usize,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let start = match next_token {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|&n| n <= items.len())
            .ok_or_else(|| ApiError::new("InvalidToken", format!("Invalid token: {t}")))?,
    };
    let end = start.saturating_add(limit.max(1)).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    Ok((items[start..end].to_vec(), next))
}

/// A list answer of the services that page with `NextToken`: `items` under `key`, and the
/// token of the next page when there is one.
pub fn listed(key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut out = Map::new();
    out.insert(key.into(), Value::Array(items));
    if let Some(next) = next {
        out.insert("NextToken".into(), Value::String(next));
    }
    Value::Object(out)
}

/// A timestamp as the JSON protocols carry it: seconds since the epoch, with milliseconds.
pub fn epoch_seconds(t: OffsetDateTime) -> Value {
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    epoch_ms(ms as i64)
}

/// Epoch milliseconds as epoch seconds.
pub fn epoch_ms(ms: i64) -> Value {
    serde_json::json!(ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rejects_what_is_not_an_object() {
        for body in [&b"[1]"[..], b"\"x\"", b"{", b"\xff\xfe", b"null"] {
            let err = Input::parse(body).unwrap_err();
            assert_eq!(err.code, "SerializationException", "{body:?}");
        }
        assert!(Input::parse(b"").is_ok());
        assert!(Input::parse(b"  \n").is_ok());
    }

    #[test]
    fn members_are_type_checked() {
        let input = Input::parse(br#"{"a": 1, "s": "x", "n": null}"#).unwrap();
        assert_eq!(input.str("a").unwrap_err().code, "SerializationException");
        assert_eq!(input.str("s").unwrap(), Some("x"));
        assert_eq!(input.str("n").unwrap(), None);
        assert_eq!(
            input.required_str("n").unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            input.int("a", 2, 3).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(input.int("a", 0, 3).unwrap(), Some(1));
    }

    #[test]
    fn pages_walk_every_item_once() {
        let items: Vec<u32> = (0..7).collect();
        let mut token = None;
        let mut seen = Vec::new();
        loop {
            let (chunk, next) = page(&items, token.as_deref(), 3).unwrap();
            seen.extend(chunk);
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, items);
        assert!(page(&items, Some("nope"), 3).is_err());
        assert!(page(&items, Some("99"), 3).is_err());
    }

    #[test]
    fn epoch_seconds_keep_milliseconds() {
        assert_eq!(
            epoch_ms(1_700_000_000_123),
            serde_json::json!(1_700_000_000.123)
        );
    }
}
