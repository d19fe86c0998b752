//! The HTTP API edge: an API Gateway v2 event in, a proxy response out. Errors become
//! status codes with a JSON body naming what is wrong; nothing internal leaks.

use super::{Deps, PlaceOrderRequest, place};
use base64::Engine;
use orderly_core::lambda::TaskError;
use orderly_core::ports::{EventPublisher, OrderWriter};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// What this function reads of an HTTP API event (payload format 2.0): the headers, the
/// body and whether it is base64. The rest — request context, authorizer, route, cookies,
/// query string — is not parsed: nothing uses it, and the deserializer of the full event
/// type (`aws_lambda_events`' `ApiGatewayV2httpRequest`) is 75 KB of the arm64 bootstrap.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HttpRequest {
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
/// body, 400 for a bad request or an invalid order, 409 for a key reused for another order, 503
/// when a retry may succeed, 500 otherwise. The body of an error names it and never carries
/// internal details.
pub async fn handle_http<O, P>(deps: &Deps<O, P>, payload: Value, remaining: Duration) -> Value
where
    O: OrderWriter + ?Sized,
    P: EventPublisher + ?Sized,
{
    match serde_json::from_value::<HttpRequest>(payload) {
        Ok(request) => respond(deps, request, remaining).await,
        Err(e) => error_response(
            400,
            "InvalidRequest",
            &format!("not an HTTP API request: {e}"),
        ),
    }
}

async fn respond<O, P>(deps: &Deps<O, P>, request: HttpRequest, remaining: Duration) -> Value
where
    O: OrderWriter + ?Sized,
    P: EventPublisher + ?Sized,
{
    let body = match decode_body(&request) {
        Ok(body) => body,
        Err(message) => return error_response(400, "InvalidRequest", &message),
    };
    let mut order_request: PlaceOrderRequest = match serde_json::from_str(&body) {
        Ok(r) => r,
        Err(e) => {
            return error_response(
                400,
                "InvalidRequest",
                &format!("invalid order request: {e}"),
            );
        }
    };
    if let Some(key) = request.header("idempotency-key") {
        order_request.idempotency_key = Some(key);
    }
    if let Some(correlation) = request.header("x-correlation-id") {
        order_request.correlation_id = Some(correlation);
    }
    match place(deps, order_request, remaining).await {
        Ok(placed) => json_response(201, &json!(placed)),
        Err(e) => {
            let status = match &e {
                TaskError::InvalidInput(_)
                | TaskError::Rule {
                    name: "InvalidOrder",
                    ..
                } => 400,
                TaskError::Rule { .. } => 409,
                TaskError::Transient { .. } => 503,
                TaskError::Permanent(_) => 500,
            };
            error_response(status, e.name(), &e.to_string())
        }
    }
}

fn decode_body(request: &HttpRequest) -> Result<String, String> {
    let body = request.body.clone().ok_or("request body is empty")?;
    if !request.is_base64_encoded.unwrap_or(false) {
        return Ok(body);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| "request body is not valid base64".to_owned())?;
    String::from_utf8(bytes).map_err(|_| "request body is not UTF-8".to_owned())
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

fn error_response(status: u16, error: &str, message: &str) -> Value {
    json_response(status, &json!({"error": error, "message": message}))
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
        assert_eq!(
            decode_body(&request),
            Err("request body is empty".to_owned())
        );
    }
}
