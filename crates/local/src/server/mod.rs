//! `orderly serve`: the local cloud behind the AWS JSON protocols, so the AWS CLI and the
//! SDKs work against it with `--endpoint-url`, and behind the stack's HTTP APIs
//! ([`http_api`]), so `curl` works against the routes of the template.
//!
//! An AWS call is a POST whose `X-Amz-Target` header names `Service.Operation`; the path
//! and the SigV4 signature are ignored. Lambda's REST API ([`lambda`]) is told by its
//! path, `/2015-03-31/functions/…`. Any other request without `X-Amz-Target` is an HTTP API
//! request, when the stack has HTTP API routes. Answers and errors take the shapes the services
//! use on the wire: JSON 1.1 for EventBridge, CloudWatch Logs ([`logs`]) and Kinesis
//! ([`kinesis`]), JSON 1.0 for Step Functions, SQS and CloudWatch (with SQS's and CloudWatch's query-compatible error
//! codes), timestamps as epoch seconds (Logs: epoch milliseconds). CloudWatch is also
//! served in RPC v2 CBOR ([`cbor`]), told by its path, `/service/…/operation/…`, and its
//! `smithy-protocol` header, which the AWS CLI uses.

pub mod archives;
pub mod cbor;
pub mod cloudwatch;
pub mod conn;
pub mod dynamodb;
pub mod dynamodb_streams;
pub mod event_rules;
pub mod events;
pub mod http_api;
pub mod kinesis;
pub mod lambda;
pub mod layers;
pub mod limits;
pub mod logs;
pub mod logs_insights;
pub mod scheduler;
pub mod sfn;
pub mod sqs;
pub mod transport;
pub mod wire;

use crate::runtime::CloudInner;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::sync::Arc;
use transport::Limits;
use wire::{ApiError, Input, Protocol};

/// The target prefixes of the emulated services.
const EVENTS: &str = "AWSEvents";
const STEP_FUNCTIONS: &str = "AWSStepFunctions";
const SQS: &str = "AmazonSQS";
const LOGS: &str = "Logs_20140328";
const CLOUDWATCH: &str = cloudwatch::SERVICE;
const DYNAMODB: &str = dynamodb::SERVICE;
const KINESIS: &str = kinesis::SERVICE;
const DYNAMODB_STREAMS: &str = dynamodb_streams::SERVICE;

#[derive(Clone)]
struct ServerState {
    cloud: Arc<CloudInner>,
    /// When the cloud started, as the creation date of its state machines.
    started_ms: i64,
    /// The routes of the stack's HTTP APIs.
    routes: Arc<http_api::Routes>,
}

/// The HTTP application serving `cloud`, without the transport layers.
pub fn router(cloud: Arc<CloudInner>) -> Router {
    let started_ms = cloud.clock.now_ms();
    let routes = Arc::new(http_api::Routes::of(&cloud.model));
    let console = crate::console::router(cloud.clone());
    Router::new()
        .fallback(handle)
        .with_state(ServerState {
            cloud,
            started_ms,
            routes,
        })
        .merge(console)
}

/// The HTTP application serving `cloud` behind the transport layers of `limits`.
pub fn app(cloud: Arc<CloudInner>, limits: &Limits) -> Router {
    layers::layered(router(cloud), limits)
}

/// Serves `cloud` on `listener` for ever, within `limits`.
pub async fn serve(listener: tokio::net::TcpListener, cloud: Arc<CloudInner>, limits: Limits) {
    conn::serve(listener, app(cloud, &limits), limits).await
}

/// The `X-Amz-Target` of a request, empty when it has none.
fn target(headers: &HeaderMap) -> &str {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The protocol to answer a request in: its service's, or JSON 1.1 when it names none.
fn protocol(headers: &HeaderMap) -> Protocol {
    route(target(headers)).map_or(Protocol::Json11, |(_, _, protocol)| protocol)
}

/// The service and operation a target names, and the protocol of that service.
fn route(target: &str) -> Option<(&str, &str, Protocol)> {
    let (service, operation) = target.split_once('.')?;
    let protocol = match service {
        EVENTS | LOGS | KINESIS => Protocol::Json11,
        STEP_FUNCTIONS | SQS | CLOUDWATCH | DYNAMODB | DYNAMODB_STREAMS => Protocol::Json10,
        _ => return None,
    };
    Some((service, operation, protocol))
}

/// Whether a request is one for the stack's HTTP APIs: it has no `X-Amz-Target`, and the
/// stack has routes (without any, it gets the AWS JSON protocols' answer).
fn is_http_api(headers: &HeaderMap, routes: &http_api::Routes) -> bool {
    target(headers).is_empty() && !routes.is_empty()
}

async fn handle(State(state): State<ServerState>, request: Request) -> Response {
    if lambda::is_lambda_api(request.uri().path()) {
        return lambda::serve(&state.cloud, request).await;
    }
    if let Some((service, operation)) = cbor::route(request.uri().path())
        && request.headers().contains_key(cbor::PROTOCOL_HEADER)
    {
        let (service, operation) = (service.to_owned(), operation.to_owned());
        return serve_cbor(&state, &service, &operation, request).await;
    }
    if scheduler::is_scheduler_api(&request) {
        return scheduler::serve(&state.cloud, request).await;
    }
    if is_http_api(request.headers(), &state.routes) {
        state.cloud.admit().await;
        return http_api::serve(&state.cloud, &state.routes, request).await;
    }
    let headers = request.headers().clone();
    let body = Bytes::from_request(request, &state).await;
    let target = target(&headers);
    let Some((service, operation, protocol)) = route(target) else {
        let error = if target.is_empty() {
            ApiError::new(
                "UnknownOperationException",
                "The request has no X-Amz-Target header; this endpoint speaks the AWS JSON \
                 protocols of EventBridge, Step Functions, SQS, CloudWatch Logs, \
                 CloudWatch, DynamoDB and Kinesis, CloudWatch's RPC v2 CBOR, and Lambda's \
                 REST API.",
            )
        } else {
            ApiError::unknown_operation(target)
        };
        return error.into_response(Protocol::Json11);
    };
    let result = match body {
        Err(rejection) => Err(body_error(&rejection)),
        Ok(body) => {
            let caller = events::caller_of(&state.cloud, &headers);
            dispatch(&state, service, operation, &body, &caller).await
        }
    };
    match result {
        Ok(value) => wire::ok(protocol, value),
        Err(e) => {
            // Inside the request span, which names the operation and the request id.
            tracing::debug!(target: "orderly_local::server", code = %e.code, message = %e.message, "error");
            e.into_response(protocol)
        }
    }
}

/// A request of the RPC v2 CBOR protocol ([`cbor`]): CloudWatch's.
async fn serve_cbor(
    state: &ServerState,
    service: &str,
    operation: &str,
    request: Request,
) -> Response {
    let body = Bytes::from_request(request, state).await;
    let result = match body {
        Err(rejection) => Err(body_error(&rejection)),
        Ok(body) => match cbor::decode(&body) {
            Err(e) => Err(e),
            Ok(map) if service == CLOUDWATCH => {
                dispatch_input(
                    state,
                    service,
                    operation,
                    Input::from_map(map),
                    &state.cloud.root_caller(),
                )
                .await
            }
            Ok(_) => Err(ApiError::unknown_operation(&format!(
                "{service}.{operation}"
            ))),
        },
    };
    match result {
        Ok(value) => cbor::ok(&value),
        Err(e) => cbor::error(&e),
    }
}

/// The error for a body that could not be read: over the cap, past the body deadline, or
/// cut by the client.
fn body_error(rejection: &BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return layers::transport_error(StatusCode::PAYLOAD_TOO_LARGE);
    }
    if layers::is_body_timeout(rejection) {
        return layers::transport_error(StatusCode::REQUEST_TIMEOUT);
    }
    ApiError {
        status: rejection.status(),
        ..ApiError::serialization(rejection.body_text())
    }
}

/// Whether the operation sets work going behind the front door, and so waits while the
/// backlog is at its bound ([`crate::runtime::CloudInner::admit`]).
fn adds_work(service: &str, operation: &str) -> bool {
    matches!(
        (service, operation),
        (EVENTS, "PutEvents")
            | (STEP_FUNCTIONS, "StartExecution" | "StartSyncExecution")
            | (SQS, "SendMessage")
            | (KINESIS, "PutRecord" | "PutRecords")
    )
}

async fn dispatch(
    state: &ServerState,
    service: &str,
    operation: &str,
    body: &[u8],
    caller: &crate::iam::Caller,
) -> Result<serde_json::Value, ApiError> {
    dispatch_input(state, service, operation, Input::parse(body)?, caller).await
}

/// Runs `work` on the blocking pool: reads that copy and scan every line a log group keeps
/// (up to the line cap) run there, so the async workers keep answering meanwhile.
async fn blocking(
    work: impl FnOnce() -> Result<serde_json::Value, ApiError> + Send + 'static,
) -> Result<serde_json::Value, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError {
            status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            ..ApiError::new(
                "ServiceUnavailableException",
                "The request processing has failed.",
            )
        })?
}

async fn dispatch_input(
    state: &ServerState,
    service: &str,
    operation: &str,
    input: Input,
    caller: &crate::iam::Caller,
) -> Result<serde_json::Value, ApiError> {
    if adds_work(service, operation) {
        state.cloud.admit().await;
    }
    match service {
        EVENTS => events::dispatch(&state.cloud, operation, &input, caller).await,
        STEP_FUNCTIONS => sfn::dispatch(&state.cloud, operation, &input, state.started_ms).await,
        SQS => sqs::dispatch(&state.cloud, operation, &input).await,
        LOGS => {
            let (cloud, operation, started_ms) =
                (state.cloud.clone(), operation.to_owned(), state.started_ms);
            blocking(move || logs::dispatch(&cloud, &operation, &input, started_ms)).await
        }
        CLOUDWATCH => {
            let (cloud, operation) = (state.cloud.clone(), operation.to_owned());
            blocking(move || cloudwatch::dispatch(&cloud, &operation, &input)).await
        }
        DYNAMODB => {
            let (cloud, operation) = (state.cloud.clone(), operation.to_owned());
            blocking(move || dynamodb::dispatch(&cloud, &operation, &input)).await
        }
        KINESIS => kinesis::dispatch(&state.cloud, operation, &input),
        DYNAMODB_STREAMS => dynamodb_streams::dispatch(&state.cloud, operation, &input),
        _ => Err(ApiError::unknown_operation(&format!(
            "{service}.{operation}"
        ))),
    }
}
