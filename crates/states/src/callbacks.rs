//! Task tokens: a `.waitForTaskToken` task waits here until someone calls
//! SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat with its token.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// What a callback told a waiting task.
#[derive(Debug, Clone, PartialEq)]
pub enum Callback {
    /// SendTaskSuccess: the task's result.
    Success(Value),
    /// SendTaskFailure: the task fails with this error, which Retry and Catch then see.
    Failure {
        /// The error name.
        error: String,
        /// The error's cause text.
        cause: String,
    },
    /// SendTaskHeartbeat: the task is still working; its HeartbeatSeconds timer restarts.
    Heartbeat,
}

/// Why a callback was refused (the errors of the SendTask* APIs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// No task is waiting for the token: it never existed, or its task already ended
    /// (completed, failed, timed out, or its execution stopped).
    #[error("TaskDoesNotExist: no task is waiting for this token")]
    TaskDoesNotExist,
    /// The token is empty or longer than the 1024 characters AWS allows.
    #[error("InvalidToken: the task token is empty or malformed")]
    InvalidToken,
}

/// The registry of waiting tasks. Cheap to clone; one registry is shared by every
/// execution of a runtime so the callback API can reach any of them.
#[derive(Debug, Clone, Default)]
pub struct TaskTokens {
    waiting: Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Callback>>>>,
}

impl TaskTokens {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a token; the receiver sees every callback sent for it.
    pub(crate) fn register(&self, token: &str) -> mpsc::UnboundedReceiver<Callback> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().insert(token.to_owned(), tx);
        rx
    }

    pub(crate) fn unregister(&self, token: &str) {
        self.lock().remove(token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<Callback>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn send(&self, token: &str, callback: Callback, closes: bool) -> Result<(), CallbackError> {
        if token.is_empty() || token.len() > 1024 {
            return Err(CallbackError::InvalidToken);
        }
        let mut waiting = self.lock();
        let sender = if closes {
            waiting.remove(token)
        } else {
            waiting.get(token).cloned()
        };
        match sender {
            Some(tx) => tx
                .send(callback)
                .map_err(|_| CallbackError::TaskDoesNotExist),
            None => Err(CallbackError::TaskDoesNotExist),
        }
    }

    /// SendTaskSuccess: the task completes with `output` as its result.
    pub fn send_task_success(&self, token: &str, output: Value) -> Result<(), CallbackError> {
        self.send(token, Callback::Success(output), true)
    }

    /// SendTaskFailure: the task fails with `error` and `cause`.
    pub fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError> {
        self.send(
            token,
            Callback::Failure {
                error: error.to_owned(),
                cause: cause.to_owned(),
            },
            true,
        )
    }

    /// SendTaskHeartbeat: restarts the task's HeartbeatSeconds timer.
    pub fn send_task_heartbeat(&self, token: &str) -> Result<(), CallbackError> {
        self.send(token, Callback::Heartbeat, false)
    }

    /// The tokens of the tasks waiting now.
    pub fn waiting_tokens(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }
}
