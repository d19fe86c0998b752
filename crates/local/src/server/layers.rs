//! The transport layers around every request of `orderly serve`, from tower-http: request
//! ids, request tracing, panics, timeouts and the body cap; and the AWS shape of the errors
//! they answer with.

use super::http_api;
use super::http_api::response::GatewayAnswer;
use super::transport::{HTTP_API_MAX_BODY_BYTES, Limits, MAX_BODY_BYTES};
use super::wire::ApiError;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::{RequestBodyDeadlineLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

/// The header AWS names each request with, and the SDKs read back.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");

/// The header every AWS-shaped error carries ([`ApiError::into_response`]).
const ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");

/// `router` behind the transport layers, outermost first:
/// - a request id (`x-amzn-requestid`) on every request and its answer, errors included;
/// - one tracing span and one event per request (`RUST_LOG=orderly_local::server=debug`);
/// - the AWS error shape for whatever the layers below answer on their own;
/// - a panicking request answered 500 `InternalFailure`, the server going on;
/// - the request timeout (503 `ServiceUnavailable`);
/// - the body cap (413 `RequestEntityTooLargeException`; 10 MB for HTTP API requests, as
///   API Gateway) and body deadline (408 `RequestTimeoutException`, answered by the
///   handler reading the body).
///
/// Requests without `X-Amz-Target` (HTTP API requests) get these answers in API Gateway's
/// shape, `{"message": "…"}`; what the HTTP API answers itself passes as it is.
pub fn layered(router: Router, limits: &Limits) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(request_span)
                    .on_request(())
                    .on_response(log_response)
                    .on_failure(log_failure),
            )
            .layer(middleware::from_fn(aws_shaped))
            .layer(CatchPanicLayer::new())
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                limits.request_timeout,
            ))
            .layer(middleware::from_fn(body_limit))
            .layer(RequestBodyDeadlineLayer::new(limits.body_timeout))
            // The cap above is the one: axum's own default (2 MB) would refuse less.
            .layer(DefaultBodyLimit::disable()),
    )
}

/// The span of one request: its operation and id.
fn request_span(request: &Request) -> tracing::Span {
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default();
    tracing::debug_span!(
        target: "orderly_local::server",
        "request",
        op = super::target(request.headers()),
        id,
    )
}

fn log_response(response: &Response, latency: Duration, _: &tracing::Span) {
    tracing::debug!(
        target: "orderly_local::server",
        status = response.status().as_u16(),
        micros = latency.as_micros() as u64,
        "request"
    );
}

fn log_failure(failure: ServerErrorsFailureClass, latency: Duration, _: &tracing::Span) {
    tracing::warn!(
        target: "orderly_local::server",
        %failure,
        micros = latency.as_micros() as u64,
        "request failed"
    );
}

/// Puts an error answered by a layer (plain text or empty, from tower-http) in the AWS
/// JSON error shape of the request's protocol; answers already in that shape, and
/// successes, pass as they are.
async fn aws_shaped(request: Request, next: Next) -> Response {
    let protocol = super::protocol(request.headers());
    let http_api = super::target(request.headers()).is_empty();
    // The console answers its own errors, in its own JSON.
    let console = http_api && crate::console::is_console_path(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if status.is_success()
        || console
        || response.headers().contains_key(ERROR_TYPE)
        || response.extensions().get::<GatewayAnswer>().is_some()
    {
        return response;
    }
    if http_api {
        return http_api::response::for_status(status);
    }
    transport_error(status).into_response(protocol)
}

/// The body cap of a request: [`MAX_BODY_BYTES`] for an AWS JSON call,
/// [`HTTP_API_MAX_BODY_BYTES`] for an HTTP API request. A body announced larger is refused
/// before it is read; one that grows larger while read fails the read, which the handler
/// answers 413.
async fn body_limit(request: Request, next: Next) -> Response {
    let cap = if super::target(request.headers()).is_empty() {
        HTTP_API_MAX_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > cap as u64) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    next.run(request.map(|body| Body::new(http_body_util::Limited::new(body, cap))))
        .await
}

/// The AWS common error for a transport-level status. The codes, statuses and words are
/// those of the common errors of every AWS API reference.
pub fn transport_error(status: StatusCode) -> ApiError {
    let (code, message) = match status {
        StatusCode::REQUEST_TIMEOUT => (
            "RequestTimeoutException",
            "Problems with the request at the HTTP level. Reading the Request timed out.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "RequestEntityTooLargeException",
            "Problems with the request at the HTTP level. The request entity is too large.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        ),
        _ => (
            "InternalFailure",
            "The request processing has failed because of an unknown error, exception or \
             failure.",
        ),
    };
    ApiError {
        status: if code == "InternalFailure" {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            status
        },
        ..ApiError::new(code, message)
    }
}

/// Whether reading a body failed on the body deadline (rather than on the client's
/// connection or the body cap).
pub fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(e) = source {
        if e.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = e.source();
    }
    false
}
