//! The Lambda Runtime API a function process polls for its events: `GET
//! /2018-06-01/runtime/invocation/next` hands it the next event with Lambda's headers, and
//! it posts the event's `response` or `error` back, or an `init/error` when it cannot start.
//! Served on a loopback port of its own per process, as `AWS_LAMBDA_RUNTIME_API` names it.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lambda_runtime::{Context, Diagnostic};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;

/// The API version every path starts with.
pub const VERSION: &str = "2018-06-01";

/// One event offered to the process, with the headers Lambda sends with it.
#[derive(Debug)]
pub struct Offer {
    request_id: String,
    body: Vec<u8>,
    /// Epoch milliseconds of the real clock: the process reads its own clock.
    deadline_ms: u128,
    function_arn: String,
    trace_id: Option<String>,
}

impl Offer {
    /// The event `payload` of the invocation `context`, due within `timeout` from now.
    pub fn new(payload: &Value, context: &Context, timeout: Duration) -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            request_id: context.request_id.clone(),
            body: serde_json::to_vec(payload).unwrap_or_default(),
            deadline_ms: (now + timeout).as_millis(),
            function_arn: context.invoked_function_arn.clone(),
            trace_id: context.xray_trace_id.clone(),
        }
    }

    /// The invocation's request id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
}

/// How an invocation ended, as the process reported it.
#[derive(Debug)]
pub enum Outcome {
    /// The body of `/response`.
    Response(Bytes),
    /// The error of `/error`, or of `/init/error` for an event the process never took.
    Error(Diagnostic),
    /// The process ended before it answered, with this exit status.
    Exited(String),
}

#[derive(Default)]
struct Shared {
    queued: VecDeque<(Offer, Sender<Outcome>)>,
    taken: HashMap<String, Sender<Outcome>>,
    exited: Option<String>,
}

/// The events between the cloud and one process: offered, taken, answered.
#[derive(Default)]
pub struct Exchange {
    shared: Mutex<Shared>,
    arrived: Notify,
}

impl Exchange {
    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `offer` for the process; `reply` gets its outcome. After the process has
    /// exited, `reply` gets that at once.
    pub fn offer(&self, offer: Offer, reply: Sender<Outcome>) {
        let mut shared = self.shared();
        if let Some(status) = &shared.exited {
            let _ = reply.send(Outcome::Exited(status.clone()));
            return;
        }
        shared.queued.push_back((offer, reply));
        drop(shared);
        self.arrived.notify_one();
    }

    /// Whether the process has exited.
    pub fn has_exited(&self) -> bool {
        self.shared().exited.is_some()
    }

    /// The process exited with `status`: every event it holds or was offered ends so.
    pub fn exited(&self, status: String) {
        let mut shared = self.shared();
        for (_, reply) in shared.queued.drain(..) {
            let _ = reply.send(Outcome::Exited(status.clone()));
        }
        for (_, reply) in shared.taken.drain() {
            let _ = reply.send(Outcome::Exited(status.clone()));
        }
        shared.exited = Some(status);
    }

    async fn next(&self) -> Offer {
        loop {
            let arrived = self.arrived.notified();
            {
                let mut shared = self.shared();
                if let Some((offer, reply)) = shared.queued.pop_front() {
                    shared.taken.insert(offer.request_id.clone(), reply);
                    return offer;
                }
            }
            arrived.await;
        }
    }

    fn answer(&self, request_id: &str, outcome: Outcome) -> bool {
        match self.shared().taken.remove(request_id) {
            Some(reply) => {
                let _ = reply.send(outcome);
                true
            }
            None => false,
        }
    }

    fn init_failed(&self, diagnostic: &Diagnostic) {
        let shared = &mut *self.shared();
        let queued = shared.queued.drain(..).map(|(_, reply)| reply);
        for reply in queued.chain(shared.taken.drain().map(|(_, reply)| reply)) {
            let _ = reply.send(Outcome::Error(diagnostic.clone()));
        }
    }
}

/// The Runtime API of one process, over `exchange`.
pub fn router(exchange: Arc<Exchange>) -> Router {
    Router::new()
        .route(&format!("/{VERSION}/runtime/invocation/next"), get(next))
        .route(
            &format!("/{VERSION}/runtime/invocation/{{id}}/response"),
            post(response),
        )
        .route(
            &format!("/{VERSION}/runtime/invocation/{{id}}/error"),
            post(error),
        )
        .route(&format!("/{VERSION}/runtime/init/error"), post(init_error))
        .with_state(exchange)
}

async fn next(State(exchange): State<Arc<Exchange>>) -> Response {
    let offer = exchange.next().await;
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    set("lambda-runtime-aws-request-id", &offer.request_id);
    set("lambda-runtime-deadline-ms", &offer.deadline_ms.to_string());
    set("lambda-runtime-invoked-function-arn", &offer.function_arn);
    if let Some(trace) = &offer.trace_id {
        set("lambda-runtime-trace-id", trace);
    }
    set("content-type", "application/json");
    (StatusCode::OK, headers, offer.body).into_response()
}

fn accepted() -> Response {
    (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
}

fn unknown_request(id: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({
            "errorMessage": format!("Invalid request ID: {id}"),
            "errorType": "InvalidRequestID",
        })),
    )
        .into_response()
}

async fn response(
    State(exchange): State<Arc<Exchange>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if exchange.answer(&id, Outcome::Response(body)) {
        accepted()
    } else {
        unknown_request(&id)
    }
}

/// The error a runtime posts: `errorType` and `errorMessage` in the body, else the
/// `Lambda-Runtime-Function-Error-Type` header.
fn diagnostic(headers: &HeaderMap, body: &[u8]) -> Diagnostic {
    let parsed = serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
    let header = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok());
    Diagnostic {
        error_type: parsed
            .get("errorType")
            .and_then(Value::as_str)
            .or(header)
            .unwrap_or("Unhandled")
            .to_owned(),
        error_message: parsed
            .get("errorMessage")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }
}

async fn error(
    State(exchange): State<Arc<Exchange>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if exchange.answer(&id, Outcome::Error(diagnostic(&headers, &body))) {
        accepted()
    } else {
        unknown_request(&id)
    }
}

async fn init_error(
    State(exchange): State<Arc<Exchange>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    exchange.init_failed(&diagnostic(&headers, &body));
    accepted()
}
