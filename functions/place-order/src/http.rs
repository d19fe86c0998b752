//! The HTTP API edge: an API Gateway v2 event in, a proxy response out.
//!
//! An error reply is `{"code", "message", "requestId"}`: a stable code, a fixed text (or, for
//! a malformed request, the field at fault, never its value) and the request id a caller
//! quotes to find the log line. What went wrong inside (SDK messages, table names, ARNs) is
//! logged under that request id and never sent; a 500 carries only the code and the id.

use super::{CallerScope, Deps, PlaceError, PlaceOrderRequest, place};
use crate::scope::RequestContext;
use base64::Engine;
use orderly_core::ports::OrderWriter;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// What this function reads of an HTTP API event (payload format 2.0): the headers, the
/// body, whether it is base64, and of the request context its id and the IAM caller. The
/// rest — route, cookies, query string — is not parsed: nothing uses it, and the
/// deserializer of the full event type (`aws_lambda_events`' `ApiGatewayV2httpRequest`) is
/// 75 KB of the arm64 bootstrap.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpRequest {
    #[serde(default)]
    request_context: Option<RequestContext>,
    /// Names as sent (API Gateway lower-cases them), values comma-joined.
    #[serde(default)]
    headers: Option<Map<String, Value>>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
}

impl HttpRequest {
    /// The value of header `name`, whatever the case of its name.
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .flatten()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.as_str())
            .map(str::to_owned)
    }
}

/// An HTTP API event has a `requestContext` and a `routeKey`; a direct request has neither.
pub fn is_http_event(payload: &Value) -> bool {
    payload.get("requestContext").is_some() && payload.get("routeKey").is_some()
}

/// Answers an HTTP API event with a proxy response: 201 with the [`Placed`](crate::Placed)
/// body; 400 for a malformed request; 422 for an order the intake refused (with its
/// `reasons`) and for an idempotency key the caller already used for another request; 409 while the caller's first request with the
/// key is in progress, or for an order id taken by another order; 503 when a retry may
/// succeed; 500 otherwise.
///
/// The key is scoped to the caller that the `AWS_IAM` authorizer verified
/// ([`CallerScope::of_http`]); `lambda_request_id` names the reply when the event carries
/// no `requestContext.requestId`.
pub async fn handle_http<O>(
    deps: &Deps<O>,
    payload: Value,
    lambda_request_id: &str,
    remaining: Duration,
) -> Value
where
    O: OrderWriter + ?Sized,
{
    match serde_json::from_value::<HttpRequest>(payload) {
        Ok(request) => {
            let request_id = request
                .request_context
                .as_ref()
                .and_then(|c| c.request_id.clone())
                .filter(|id| !id.is_empty())
                .unwrap_or_else(|| lambda_request_id.to_owned());
            match respond(deps, request, remaining).await {
                Ok(response) => response,
                Err(e) => error_response(&e, &request_id),
            }
        }
        Err(e) => {
            tracing::warn!(request_id = %lambda_request_id, error = %e, "not an HTTP API request");
            let e = PlaceError::InvalidRequest("not an HTTP API request".into());
            error_response(&e, lambda_request_id)
        }
    }
}

async fn respond<O>(
    deps: &Deps<O>,
    request: HttpRequest,
    remaining: Duration,
) -> Result<Value, PlaceError>
where
    O: OrderWriter + ?Sized,
{
    let scope = request
        .request_context
        .as_ref()
        .map_or(CallerScope::Anonymous, CallerScope::of_http);
    if scope == CallerScope::Anonymous {
        tracing::warn!("request carries no IAM identity; its key is in the anonymous scope");
    }
    let body = decode_body(&request)?;
    let mut order_request: PlaceOrderRequest =
        serde_json::from_str(&body).map_err(|e| PlaceError::InvalidRequest(describe_json(&e)))?;
    if let Some(key) = request.header("idempotency-key") {
        order_request.idempotency_key = Some(key);
    }
    if let Some(correlation) = request.header("x-correlation-id") {
        order_request.correlation_id = Some(correlation);
    }
    let placed = place(deps, scope, order_request, remaining).await?;
    Ok(json_response(201, &json!(placed)))
}

fn decode_body(request: &HttpRequest) -> Result<String, PlaceError> {
    let invalid = |message: &str| PlaceError::InvalidRequest(message.to_owned());
    let body = request
        .body
        .clone()
        .ok_or_else(|| invalid("request body is empty"))?;
    if !request.is_base64_encoded.unwrap_or(false) {
        return Ok(body);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| invalid("request body is not valid base64"))?;
    String::from_utf8(bytes).map_err(|_| invalid("request body is not UTF-8"))
}

/// A JSON error as a caller may see it. serde quotes the value it rejected in "invalid
/// type", "invalid value" and "unknown variant" errors, and that value may be a payment token
/// or personal data: those keep only what was expected and where.
fn describe_json(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(position.as_str()).unwrap_or(&text);
    let quoting = ["invalid type", "invalid value", "unknown variant"]
        .into_iter()
        .find(|kind| message.starts_with(kind));
    let message = match quoting {
        None => message.to_owned(),
        Some(kind) => match message.split_once(", expected ") {
            Some((_, expected)) => format!("{kind}, expected {expected}"),
            None => kind.to_owned(),
        },
    };
    format!("invalid order request: {message}{position}")
}

/// A proxy response with a JSON body, as `aws_lambda_events`' `ApiGatewayV2httpResponse`
/// serialises one: the same members, in the same order.
fn json_response(status: u16, body: &Value) -> Value {
    json!({
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "multiValueHeaders": {},
        "body": body.to_string(),
        "isBase64Encoded": false,
        "cookies": [],
    })
}

/// The status and the caller's message of `e`; `None`: no message, only the code.
fn status_of(e: &PlaceError) -> (u16, Option<String>) {
    match e {
        PlaceError::InvalidRequest(message) => (400, Some(message.clone())),
        PlaceError::Rejected(_) => (422, Some("the order was refused; see reasons".to_owned())),
        PlaceError::KeyReused => (422, Some(e.to_string())),
        PlaceError::InProgress => (409, Some(e.to_string())),
        PlaceError::OrderIdTaken { .. } => (
            409,
            Some("the orderId belongs to a different order".to_owned()),
        ),
        PlaceError::Unavailable(_) => (
            503,
            Some("the service is busy; retry with the same idempotency key".to_owned()),
        ),
        PlaceError::Internal(_) => (500, None),
    }
}

fn error_response(e: &PlaceError, request_id: &str) -> Value {
    let (status, message) = status_of(e);
    let code = e.code();
    if status >= 500 {
        tracing::error!(%request_id, code, error = %e, "order not placed");
    } else {
        tracing::info!(%request_id, code, error = %e, "order refused");
    }
    let mut body = json!({"code": code, "requestId": request_id});
    if let Some(message) = message {
        body["message"] = Value::String(message);
    }
    if let PlaceError::Rejected(rejected) = e {
        body["reasons"] = json!(rejected.reasons);
    }
    json_response(status, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
    use aws_lambda_events::encodings::Body;
    use aws_lambda_events::http::{HeaderMap, HeaderValue};

    #[test]
    fn the_response_is_what_the_lambda_events_type_serialises() {
        let body = json!({"orderId": "o-1"});
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let mut expected = ApiGatewayV2httpResponse::default();
        expected.status_code = 201;
        expected.headers = headers;
        expected.body = Some(Body::Text(body.to_string()));
        let expected = serde_json::to_value(expected).expect("serialisable");
        assert_eq!(json_response(201, &body), expected);
        assert_eq!(
            serde_json::to_string(&json_response(201, &body)).expect("serialisable"),
            serde_json::to_string(&expected).expect("serialisable"),
            "same member order"
        );
    }

    #[test]
    fn headers_are_found_whatever_their_case_and_nulls_are_absences() {
        let request: HttpRequest = serde_json::from_value(json!({
            "headers": {"Idempotency-Key": "k-1", "x-correlation-id": null},
            "body": null,
            "isBase64Encoded": null,
        }))
        .expect("an HTTP API event");
        assert_eq!(request.header("idempotency-key").as_deref(), Some("k-1"));
        assert_eq!(request.header("x-correlation-id"), None);
        assert!(matches!(
            decode_body(&request),
            Err(PlaceError::InvalidRequest(m)) if m == "request body is empty"
        ));
    }
}
