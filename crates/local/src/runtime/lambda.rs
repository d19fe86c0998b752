//! Lambda semantics for in-process handlers: synchronous invoke with a request id, a
//! deadline and a timeout; asynchronous invoke (rule targets) with the function's retry
//! count and its on-failure destination; a panic in a handler is a function error, never
//! a crash of the runtime.

use super::CloudInner;
use super::faults::Fault;
use super::trace::{Hop, HopKind, correlation_of};
use crate::sqs::{MessageAttributeValue, SendMessage};
use crate::template::{Function, TargetKind};
use async_trait::async_trait;
use futures::FutureExt;
use lambda_runtime::{Context, Diagnostic};
use orderly_core::clock::Stopwatch;
use serde_json::{Value, json};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tracing::Instrument;

/// A function's code, run in-process.
#[async_trait]
pub trait LocalHandler: Send + Sync {
    /// Runs the function on `payload`; an `Err` is the function's error, as Lambda reports it.
    async fn invoke(&self, payload: Value, context: Context) -> Result<Value, Diagnostic>;

    /// Whether the handler enforces the function's timeout itself. A process does: the
    /// time it takes to start is its init phase, which Lambda does not count against the
    /// timeout, and it times its events in real time, whatever the cloud's clock.
    fn times_itself(&self) -> bool {
        false
    }
}

/// Lambda's error for an invocation that ran past the function's timeout of `seconds`.
pub fn timed_out(seconds: f64) -> Diagnostic {
    Diagnostic {
        error_type: "Sandbox.Timedout".to_owned(),
        error_message: format!("Task timed out after {seconds:.2} seconds"),
    }
}

/// Lambda's error for invocation `request_id` whose runtime process ended with `status`
/// (`signal: killed`, `exit status: 3`) before it answered.
pub fn runtime_exited(request_id: &str, status: &str) -> Diagnostic {
    Diagnostic {
        error_type: "Runtime.ExitError".to_owned(),
        error_message: format!(
            "RequestId: {request_id} Error: Runtime exited with error: {status}"
        ),
    }
}

/// A function of the template with its in-process handler.
pub struct FunctionHost {
    /// The function as the template declares it.
    pub function: Function,
    /// Its code, as built in the current execution environment.
    handler: std::sync::Mutex<Arc<dyn LocalHandler>>,
}

impl FunctionHost {
    /// `function` running `handler`.
    pub fn new(function: Function, handler: Arc<dyn LocalHandler>) -> Self {
        Self {
            function,
            handler: std::sync::Mutex::new(handler),
        }
    }

    /// The handler of the current execution environment.
    pub fn handler(&self) -> Arc<dyn LocalHandler> {
        self.handler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the execution environment, as Lambda does after a process died: whatever
    /// the old one kept in memory (caches, warm state) is gone.
    pub fn replace(&self, handler: Arc<dyn LocalHandler>) {
        *self.handler.lock().unwrap_or_else(|p| p.into_inner()) = handler;
    }
}

/// Why an invocation failed, as the Lambda API reports a function error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// No function has this name, ARN or logical id.
    #[error("Function not found: {0}")]
    NotFound(String),
    /// The handler returned an error (`errorType`, `errorMessage`).
    #[error("{}: {}", .0.error_type, .0.error_message)]
    Function(Diagnostic),
    /// Lambda refused the invocation: the function's concurrency is exhausted.
    #[error("Rate Exceeded.")]
    Throttled,
}

impl InvokeError {
    /// The `errorType` Lambda reports: `ResourceNotFoundException`, or the function's own.
    pub fn error_type(&self) -> &str {
        match self {
            Self::NotFound(_) => "ResourceNotFoundException",
            Self::Function(d) => &d.error_type,
            Self::Throttled => "TooManyRequestsException",
        }
    }
    /// The `errorMessage` Lambda reports.
    pub fn message(&self) -> String {
        match self {
            Self::NotFound(name) => format!("Function not found: {name}"),
            Self::Function(d) => d.error_message.clone(),
            Self::Throttled => "Rate Exceeded.".to_owned(),
        }
    }
}

impl CloudInner {
    /// Finds a function by logical id, name or ARN.
    pub fn function(&self, id: &str) -> Option<Arc<FunctionHost>> {
        if let Some(f) = self.functions.get(id) {
            return Some(f.clone());
        }
        self.functions
            .values()
            .find(|f| f.function.name == id || f.function.arn == id)
            .cloned()
    }

    /// Invoke (RequestResponse).
    pub async fn invoke(&self, id: &str, payload: Value) -> Result<Value, InvokeError> {
        self.invoke_as(id, payload, uuid::Uuid::new_v4().to_string())
            .await
    }

    /// Invoke (RequestResponse) as request `request_id`, the id its log lines carry.
    pub async fn invoke_as(
        &self,
        id: &str,
        payload: Value,
        request_id: String,
    ) -> Result<Value, InvokeError> {
        let host = self
            .function(id)
            .ok_or_else(|| InvokeError::NotFound(id.to_owned()))?;
        let function = &host.function;
        if self.faults.strike(Fault::Throttle, &function.logical_id) {
            self.trace.record(Hop {
                wall_us: 0,
                at_ms: self.clock.now_ms(),
                correlation_id: correlation_of(&payload),
                kind: HopKind::Invoked {
                    function: function.logical_id.clone(),
                    outcome: InvokeError::Throttled.error_type().to_owned(),
                    duration_ms: 0,
                    duration_us: 0,
                },
            });
            return Err(InvokeError::Throttled);
        }
        // A crash after the side effects: the handler runs to its end, but its idempotency
        // records stay in progress and the caller gets the runtime's exit error.
        let crash = self.faults.strike(Fault::Crash, &function.logical_id);
        let timeout_ms = i64::from(function.timeout_secs.max(1)) * 1000;
        let mut context = Context::default();
        context.request_id.clone_from(&request_id);
        context.deadline = u64::try_from(self.clock.now_ms() + timeout_ms).unwrap_or(0);
        context.invoked_function_arn.clone_from(&function.arn);
        // The invocation continues the trace of whatever invoked it, as Lambda does.
        let trace = super::xray::current_or_new(self.clock.now_ms());
        context.xray_trace_id = Some(trace.clone());
        let correlation_id = correlation_of(&payload);
        // `cloud` and `log_group` are the fields `logs::CloudLogLayer` routes lines on
        // (`CLOUD_FIELD`, `LOG_GROUP_FIELD`).
        let span = tracing::info_span!(
            "invocation",
            cloud = self.id,
            log_group = %function.log_group,
            function_name = %function.name,
            request_id = %request_id,
            correlation_id = %correlation_id,
            trace_id = %super::xray::root(&trace),
        );
        let started = Stopwatch::start();
        let clock = self.clock.clone();
        let outcome = async {
            tracing::info!(message = "START", version = "$LATEST");
            let handler = host.handler();
            let times_itself = handler.times_itself();
            let invocation = handler.invoke(payload, context);
            let call = if crash {
                AssertUnwindSafe(super::faults::crashing(invocation).boxed()).catch_unwind()
            } else {
                AssertUnwindSafe(invocation).catch_unwind()
            };
            let result = tokio::select! {
                result = call => match result {
                    Ok(r) => r,
                    Err(panic) => Err(Diagnostic {
                        error_type: "Runtime.Panic".to_owned(),
                        error_message: panic_message(&panic),
                    }),
                },
                () = clock.sleep_ms(timeout_ms), if !times_itself => Err(timed_out(timeout_ms as f64 / 1000.0)),
            };
            let result = if crash {
                // The next invocation gets a fresh execution environment.
                if let Ok(fresh) = self.handlers.build(&host.function, &self.world) {
                    host.replace(fresh);
                }
                Err(runtime_exited(&request_id, "signal: killed"))
            } else {
                result
            };
            let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
            match &result {
                Ok(_) => tracing::info!(message = "END"),
                Err(d) => tracing::error!(message = "function error", error_type = %d.error_type, error_message = %d.error_message),
            }
            tracing::info!(
                message = "REPORT",
                duration_ms = format!("{duration_ms:.2}"),
                memory_size_mb = function.memory_mb,
            );
            result
        }
        .instrument(span);
        let outcome = super::xray::scope(trace, outcome).await;
        let duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let duration_ms = i64::try_from(duration_us / 1000).unwrap_or(i64::MAX);
        self.trace.record(Hop {
            wall_us: 0,
            at_ms: self.clock.now_ms(),
            correlation_id,
            kind: HopKind::Invoked {
                function: function.logical_id.clone(),
                outcome: match &outcome {
                    Ok(_) => "ok".to_owned(),
                    Err(d) => d.error_type.clone(),
                },
                duration_ms,
                duration_us,
            },
        });
        outcome.map_err(InvokeError::Function)
    }

    /// Invoke (Event): runs in the background with the function's retry count, then its
    /// on-failure destination or DLQ.
    pub fn invoke_async(self: &Arc<Self>, id: &str, payload: Value) {
        self.invoke_async_as(id, payload, uuid::Uuid::new_v4().to_string());
    }

    /// Invoke (Event) as request `request_id`: every attempt, and the failure record,
    /// carries it, as Lambda's retries of one event do.
    pub fn invoke_async_as(self: &Arc<Self>, id: &str, payload: Value, request_id: String) {
        let cloud = self.clone();
        let id = id.to_owned();
        let trace = super::xray::current_or_new(self.clock.now_ms());
        self.spawn(move || super::xray::scope(trace, async move {
            let Some(host) = cloud.function(&id) else { return };
            let config = host.function.async_invoke.clone();
            let mut last = None;
            let mut attempt = 0;
            while attempt <= config.maximum_retry_attempts {
                match cloud.invoke_as(&id, payload.clone(), request_id.clone()).await {
                    Ok(_) => {
                        // Asynchronous invocation is at least once: the event may run again.
                        if cloud.faults.strike(Fault::Duplicate, &id) {
                            let _ = cloud.invoke_as(&id, payload.clone(), request_id.clone()).await;
                        }
                        return;
                    }
                    // A throttled event goes back to Lambda's queue; it is not an attempt.
                    Err(InvokeError::Throttled) => {
                        cloud.clock.sleep_ms(1_000).await;
                        continue;
                    }
                    Err(e) => last = Some(e),
                }
                attempt += 1;
                if attempt <= config.maximum_retry_attempts {
                    // Lambda waits about a minute, then two, between async retries.
                    cloud.clock.sleep_ms(60_000 * i64::from(attempt)).await;
                }
            }
            let Some(error) = last else { return };
            let destination = config.on_failure.or(config.dead_letter_queue);
            if let Some(target) = destination.filter(|t| t.kind == TargetKind::Queue)
                && let Ok(queue) = cloud.sqs.queue_by_arn(&target.arn)
            {
                let record = json!({
                    "requestContext": {"requestId": request_id, "functionArn": host.function.arn, "condition": "RetriesExhausted",
                                       "approximateInvokeCount": config.maximum_retry_attempts + 1},
                    "responseContext": {"functionError": "Unhandled"},
                    "requestPayload": payload,
                    "responsePayload": {"errorType": error.error_type(), "errorMessage": error.message()},
                });
                let message = SendMessage::new(record.to_string())
                    .with_attribute("ErrorCode", MessageAttributeValue::string(error.error_type()))
                    .with_attribute("ErrorMessage", MessageAttributeValue::string(error.message()));
                let _ = queue.send(message);
            }
        }));
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "handler panicked".to_owned())
}
