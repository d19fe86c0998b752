//! A Lambda function's answer turned into the HTTP answer API Gateway gives for payload
//! format 2.0, and API Gateway's own answers (`{"message": "…"}`).
//!
//! With a `statusCode`, the answer is the function's: its headers, `multiValueHeaders`
//! (each value its own header line), `cookies` (each a `set-cookie` header) and its body
//! (decoded when `isBase64Encoded`). Without one, API Gateway assumes the rest: status 200,
//! `content-type: application/json`, the function's JSON as the body (a JSON string as its
//! text). An answer that has a `statusCode` but not the documented shape is API Gateway's
//! 500 `Internal Server Error`.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine;
use serde_json::{Map, Value};

/// Marks an answer as the HTTP API's, so the transport layers pass it as it is.
#[derive(Debug, Clone, Copy)]
pub struct GatewayAnswer;

/// Why a function's answer cannot be an HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// `statusCode` is not a whole number from 100 to 599.
    #[error("statusCode {0} is not an HTTP status")]
    Status(String),
    /// A header name or value HTTP cannot carry, or a value that is not a scalar.
    #[error("header {0} cannot be sent")]
    Header(String),
    /// `body` is neither a string nor null.
    #[error("body is not a string")]
    Body,
    /// `isBase64Encoded` is set and `body` is not base64.
    #[error("body is not base64")]
    Base64,
    /// `cookies` is not a list of strings.
    #[error("cookies is not a list of strings")]
    Cookies,
}

/// The HTTP answer for the function's `answer`.
pub fn from_function(answer: Value) -> Result<Response, Malformed> {
    let Some(object) = answer.as_object().filter(|o| o.contains_key("statusCode")) else {
        let body = match answer {
            Value::String(text) => text,
            other => other.to_string(),
        };
        return Ok(build(
            StatusCode::OK,
            vec![(
                HeaderName::from_static("content-type"),
                HeaderValue::from_static("application/json"),
            )],
            body.into_bytes(),
        ));
    };
    let status = status(&object["statusCode"])?;
    let mut headers = Vec::new();
    if let Some(Value::Object(single)) = object.get("headers") {
        for (name, value) in single {
            headers.push(header(
                name,
                scalar(value).ok_or_else(|| Malformed::Header(name.clone()))?,
            )?);
        }
    }
    if let Some(Value::Object(multi)) = object.get("multiValueHeaders") {
        for (name, values) in multi {
            let values = values
                .as_array()
                .ok_or_else(|| Malformed::Header(name.clone()))?;
            for value in values {
                headers.push(header(
                    name,
                    scalar(value).ok_or_else(|| Malformed::Header(name.clone()))?,
                )?);
            }
        }
    }
    match object.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cookies)) => {
            for cookie in cookies {
                let cookie = cookie.as_str().ok_or(Malformed::Cookies)?;
                headers.push(header("set-cookie", cookie.to_owned())?);
            }
        }
        Some(_) => return Err(Malformed::Cookies),
    }
    let body = match object.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) if base64_encoded(object) => {
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| Malformed::Base64)?
        }
        Some(Value::String(text)) => text.clone().into_bytes(),
        Some(_) => return Err(Malformed::Body),
    };
    Ok(build(status, headers, body))
}

/// API Gateway's own answer: `{"message": "<message>"}`.
pub fn gateway(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "message": message }).to_string();
    build(
        status,
        vec![(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        )],
        body.into_bytes(),
    )
}

/// API Gateway's answer for a status the transport layers chose (body cap, timeouts).
pub fn for_status(status: StatusCode) -> Response {
    let message = match status {
        StatusCode::NOT_FOUND => "Not Found",
        StatusCode::PAYLOAD_TOO_LARGE => "Request Entity Too Large",
        StatusCode::REQUEST_TIMEOUT => "Request Timeout",
        StatusCode::SERVICE_UNAVAILABLE => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let status = if message == "Internal Server Error" {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        status
    };
    gateway(status, message)
}

fn build(status: StatusCode, headers: Vec<(HeaderName, HeaderValue)>, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (name, value) in headers {
        response.headers_mut().append(name, value);
    }
    response.extensions_mut().insert(GatewayAnswer);
    response
}

fn status(value: &Value) -> Result<StatusCode, Malformed> {
    value
        .as_u64()
        .filter(|s| (100..=599).contains(s))
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| Malformed::Status(value.to_string()))
}

fn base64_encoded(object: &Map<String, Value>) -> bool {
    object.get("isBase64Encoded").and_then(Value::as_bool) == Some(true)
}

/// A header value as text: strings as they are, numbers and booleans written out.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn header(name: &str, value: String) -> Result<(HeaderName, HeaderValue), Malformed> {
    let bad = || Malformed::Header(name.to_owned());
    Ok((
        HeaderName::try_from(name.to_ascii_lowercase()).map_err(|_| bad())?,
        HeaderValue::try_from(value).map_err(|_| bad())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn parts(response: Response) -> (u16, Vec<(String, String)>, String) {
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[tokio::test]
    async fn a_structured_answer_is_sent_as_the_function_wrote_it() {
        let answer = json!({
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "X-Count": 2},
            "multiValueHeaders": {"x-many": ["a", "b"]},
            "cookies": ["a=1; Secure", "b=2"],
            "body": "{\"ok\":true}",
            "isBase64Encoded": false,
        });
        let (status, headers, body) = parts(from_function(answer).expect("well formed")).await;
        assert_eq!(status, 201);
        assert_eq!(
            headers,
            vec![
                pair("content-type", "application/json"),
                pair("x-count", "2"),
                pair("x-many", "a"),
                pair("x-many", "b"),
                pair("set-cookie", "a=1; Secure"),
                pair("set-cookie", "b=2"),
            ]
        );
        assert_eq!(body, "{\"ok\":true}");
    }

    #[tokio::test]
    async fn without_status_code_the_json_is_the_body_of_a_200() {
        let (status, headers, body) =
            parts(from_function(json!({"orderId": "o-1"})).expect("any JSON")).await;
        assert_eq!(status, 200);
        assert_eq!(headers, vec![pair("content-type", "application/json")]);
        assert_eq!(body, r#"{"orderId":"o-1"}"#);
        let (_, _, body) =
            parts(from_function(json!("Hello from Lambda!")).expect("a string")).await;
        assert_eq!(body, "Hello from Lambda!");
    }

    #[tokio::test]
    async fn a_base64_body_is_decoded() {
        let answer = json!({"statusCode": 200, "body": "/wA=", "isBase64Encoded": true});
        let response = from_function(answer).expect("well formed");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        assert_eq!(&bytes[..], b"\xff\x00");
    }

    #[test]
    fn a_malformed_answer_is_refused() {
        let cases = [
            (
                json!({"statusCode": "200"}),
                Malformed::Status("\"200\"".into()),
            ),
            (json!({"statusCode": 42}), Malformed::Status("42".into())),
            (
                json!({"statusCode": 200, "body": {"a": 1}}),
                Malformed::Body,
            ),
            (
                json!({"statusCode": 200, "body": "%%", "isBase64Encoded": true}),
                Malformed::Base64,
            ),
            (
                json!({"statusCode": 200, "cookies": "a=1"}),
                Malformed::Cookies,
            ),
            (
                json!({"statusCode": 200, "headers": {"x": {"a": 1}}}),
                Malformed::Header("x".into()),
            ),
            (
                json!({"statusCode": 200, "headers": {"bad name": "v"}}),
                Malformed::Header("bad name".into()),
            ),
        ];
        for (answer, expected) in cases {
            assert_eq!(
                from_function(answer.clone()).err(),
                Some(expected),
                "{answer}"
            );
        }
    }
}
