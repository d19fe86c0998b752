//! Functions whose crate the local cloud does not link, run the way Lambda runs a custom
//! runtime: the crate's binary is built with cargo ([`build`]), started as a process of its
//! own with Lambda's environment variables, and handed its events through the Lambda
//! Runtime API ([`runtime_api`]). Its SDK clients reach this cloud's AWS endpoint, and each
//! line it writes goes to its log group.
//!
//! So a new function crate under `functions/` runs locally with no line naming it in this
//! crate: linking stays the fast path for the crates listed in `Cargo.toml`, and a crate
//! that is not listed is still the real function, with its real AWS adapters.

pub mod build;
mod environment;
pub mod runtime_api;

use super::CloudInner;
use super::lambda::{LocalHandler, runtime_exited, timed_out};
use crate::template::Function;
use async_trait::async_trait;
use environment::{ExecutionEnvironment, Spec};
use lambda_runtime::{Context, Diagnostic};
use runtime_api::{Offer, Outcome};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How long a fresh process may take to ask for its first event, beyond the function's
/// timeout: Lambda's init phase gets up to 10 seconds of its own.
const INIT_ALLOWANCE: Duration = Duration::from_secs(10);

/// A template function run as a process of its own.
pub struct ProcessHandler {
    spec: Arc<Spec>,
    cloud: Weak<CloudInner>,
    /// The running process, if any. Held across an invocation: an execution environment
    /// handles one event at a time, so invocations of the function queue here.
    environment: tokio::sync::Mutex<Option<ExecutionEnvironment>>,
}

impl ProcessHandler {
    /// The handler of `function`, whose binary `executable` is, on `cloud`.
    pub fn new(function: &Function, executable: PathBuf, cloud: Weak<CloudInner>) -> Self {
        Self {
            spec: Arc::new(Spec::of(function, executable)),
            cloud,
            environment: tokio::sync::Mutex::new(None),
        }
    }
}

fn failure(error_type: &str, error_message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        error_type: error_type.to_owned(),
        error_message: error_message.into(),
    }
}

#[async_trait]
impl LocalHandler for ProcessHandler {
    async fn invoke(&self, payload: Value, context: Context) -> Result<Value, Diagnostic> {
        let cloud = self
            .cloud
            .upgrade()
            .ok_or_else(|| failure("Runtime.Unavailable", "the local cloud has stopped"))?;
        let mut slot = self.environment.lock().await;
        let fresh = slot.as_ref().is_none_or(|e| !e.is_alive());
        if fresh {
            *slot = Some(ExecutionEnvironment::start(&self.spec, &cloud).await?);
        }
        let Some(environment) = slot.as_ref() else {
            return Err(failure("Runtime.Unavailable", "no execution environment"));
        };
        let request_id = context.request_id.clone();
        let timeout = Duration::from_secs(u64::from(self.spec.timeout_secs.max(1)));
        let replies = environment.offer(Offer::new(&payload, &context, timeout));
        let wait = if fresh {
            timeout + INIT_ALLOWANCE
        } else {
            timeout
        };
        // Waiting on a blocking thread holds a paused tokio clock still (tokio does not
        // advance paused time while a blocking task runs), so the demo's virtual time does
        // not race past the function's timeout while the process works in real time.
        let outcome = tokio::task::spawn_blocking(move || replies.recv_timeout(wait))
            .await
            .map_err(|e| failure("Runtime.Unavailable", e.to_string()))?;
        match outcome {
            Ok(Outcome::Response(body)) if body.is_empty() => Ok(Value::Null),
            Ok(Outcome::Response(body)) => serde_json::from_slice(&body).map_err(|e| {
                failure(
                    "Runtime.InvalidResponsePayload",
                    format!("the function's response is not JSON: {e}"),
                )
            }),
            Ok(Outcome::Error(diagnostic)) => Err(diagnostic),
            Ok(Outcome::Exited(status)) => {
                *slot = None;
                Err(runtime_exited(&request_id, &status))
            }
            Err(_) => {
                // Lambda ends an execution environment whose invocation timed out.
                *slot = None;
                Err(timed_out(timeout.as_secs_f64()))
            }
        }
    }

    fn times_itself(&self) -> bool {
        true
    }
}
