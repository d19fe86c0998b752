//! The HTTP API edge: an API Gateway v2 event in, a proxy response out. Errors become
//! status codes with a JSON body naming what is wrong; nothing internal leaks.

use super::{Deps, PlaceOrderRequest, place};
use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use base64::Engine;
use orderly_core::lambda::TaskError;
use orderly_core::ports::{EventPublisher, OrderWriter};
use serde_json::{Value, json};
use std::time::Duration;

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
    let response = match serde_json::from_value::<ApiGatewayV2httpRequest>(payload) {
        Ok(request) => respond(deps, request, remaining).await,
        Err(e) => error_response(
            400,
            "InvalidRequest",
            &format!("not an HTTP API request: {e}"),
        ),
    };
    serde_json::to_value(response).unwrap_or_else(|_| json!({"statusCode": 500}))
}

async fn respond<O, P>(
    deps: &Deps<O, P>,
    request: ApiGatewayV2httpRequest,
    remaining: Duration,
) -> ApiGatewayV2httpResponse
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
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if let Some(key) = header("idempotency-key") {
        order_request.idempotency_key = Some(key);
    }
    if let Some(correlation) = header("x-correlation-id") {
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

fn decode_body(request: &ApiGatewayV2httpRequest) -> Result<String, String> {
    let body = request.body.clone().ok_or("request body is empty")?;
    if !request.is_base64_encoded {
        return Ok(body);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| "request body is not valid base64".to_owned())?;
    String::from_utf8(bytes).map_err(|_| "request body is not UTF-8".to_owned())
}

fn json_response(status: i64, body: &Value) -> ApiGatewayV2httpResponse {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = status;
    response.headers = headers;
    response.body = Some(Body::Text(body.to_string()));
    response
}

fn error_response(status: i64, error: &str, message: &str) -> ApiGatewayV2httpResponse {
    json_response(status, &json!({"error": error, "message": message}))
}
