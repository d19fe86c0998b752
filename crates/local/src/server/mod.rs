//! `orderly serve`: the local cloud behind the AWS JSON protocols, so the AWS CLI and the
//! SDKs work against it with `--endpoint-url`.
//!
//! Every request is a POST whose `X-Amz-Target` header names `Service.Operation`; the path
//! and the SigV4 signature are ignored. Answers and errors take the shapes the services
//! use on the wire: JSON 1.1 for EventBridge, JSON 1.0 for Step Functions and SQS (with
//! SQS's query-compatible error codes), timestamps as epoch seconds.

pub mod events;
pub mod limits;
pub mod sfn;
pub mod sqs;
pub mod wire;

use crate::runtime::CloudInner;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use futures::FutureExt;
use orderly_core::clock::Stopwatch;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use wire::{ApiError, Input, Protocol};

/// The target prefixes of the emulated services.
const EVENTS: &str = "AWSEvents";
const STEP_FUNCTIONS: &str = "AWSStepFunctions";
const SQS: &str = "AmazonSQS";

#[derive(Clone)]
struct ServerState {
    cloud: Arc<CloudInner>,
    /// When the cloud started, as the creation date of its state machines.
    started_ms: i64,
}

/// The HTTP application serving `cloud`.
pub fn router(cloud: Arc<CloudInner>) -> Router {
    let started_ms = cloud.clock.now_ms();
    Router::new()
        .fallback(handle)
        .with_state(ServerState { cloud, started_ms })
}

/// Serves `cloud` on `listener` until the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    cloud: Arc<CloudInner>,
) -> std::io::Result<()> {
    axum::serve(listener, router(cloud)).await
}

/// The service and operation a target names, and the protocol of that service.
fn route(target: &str) -> Option<(&str, &str, Protocol)> {
    let (service, operation) = target.split_once('.')?;
    let protocol = match service {
        EVENTS => Protocol::Json11,
        STEP_FUNCTIONS | SQS => Protocol::Json10,
        _ => return None,
    };
    Some((service, operation, protocol))
}

async fn handle(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Stopwatch::start();
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let Some((service, operation, protocol)) = route(&target) else {
        let error = if target.is_empty() {
            ApiError::new(
                "UnknownOperationException",
                "The request has no X-Amz-Target header; this endpoint speaks the AWS JSON \
                 protocols of EventBridge, Step Functions and SQS.",
            )
        } else {
            ApiError::unknown_operation(&target)
        };
        return error.into_response(Protocol::Json11);
    };
    let result = match body {
        Err(rejection) => Err(ApiError {
            status: rejection.status(),
            ..ApiError::serialization(rejection.body_text())
        }),
        Ok(body) => {
            // A bug must answer 500 for this request, not take the server down.
            AssertUnwindSafe(dispatch(&state, service, operation, &body))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| {
                    Err(ApiError {
                        status: StatusCode::INTERNAL_SERVER_ERROR,
                        ..ApiError::new("InternalFailure", "The request processing has failed.")
                    })
                })
        }
    };
    let mut response = match result {
        Ok(value) => wire::ok(protocol, value),
        Err(e) => {
            tracing::debug!(target: "orderly_local::server", op = %target, code = %e.code, message = %e.message, "error");
            e.into_response(protocol)
        }
    };
    if let Ok(id) = uuid::Uuid::new_v4().to_string().parse() {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    tracing::debug!(
        target: "orderly_local::server",
        op = %target,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

async fn dispatch(
    state: &ServerState,
    service: &str,
    operation: &str,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    let input = Input::parse(body)?;
    match service {
        EVENTS => events::dispatch(&state.cloud, operation, &input).await,
        STEP_FUNCTIONS => sfn::dispatch(&state.cloud, operation, &input, state.started_ms).await,
        SQS => sqs::dispatch(&state.cloud, operation, &input).await,
        _ => Err(ApiError::unknown_operation(&format!(
            "{service}.{operation}"
        ))),
    }
}
