//! [`TaskCallbacks`] on Step Functions SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat,
//! and [`OrderIntake`] on StartSyncExecution of the order-intake Express machine.

use crate::error::port_error;
use async_trait::async_trait;
use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::http::HttpResponse;
use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sfn::operation::send_task_failure::SendTaskFailureError;
use aws_sdk_sfn::operation::send_task_heartbeat::SendTaskHeartbeatError;
use aws_sdk_sfn::operation::send_task_success::SendTaskSuccessError;
use orderly_core::domain::Order;
use orderly_core::intake::{IntakeError, Priced, decision_of};
use orderly_core::ports::{CallbackError, OrderIntake, PortError, TaskCallbacks};
use serde_json::Value;

/// SendTaskFailure's limits on `error` and `cause`, in characters.
pub const MAX_ERROR_CHARS: usize = 256;
/// SendTaskFailure's limit on `cause`, in characters.
pub const MAX_CAUSE_CHARS: usize = 32_768;

/// [`TaskCallbacks`] on Step Functions: answers a waiting task by its token. Error and cause
/// are cut to [`MAX_ERROR_CHARS`] and [`MAX_CAUSE_CHARS`].
#[derive(Debug, Clone)]
pub struct SfnTaskCallbacks {
    client: Client,
}

impl SfnTaskCallbacks {
    /// Callbacks through `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

/// Maps a failed callback. `dead_token` says whether the service error means the token
/// will never be accepted (unknown, or its task has ended). The token itself is never put
/// in the message: it grants the power to complete the task.
fn callback_error<E>(
    operation: &str,
    err: SdkError<E, HttpResponse>,
    dead_token: impl Fn(&E) -> bool,
) -> CallbackError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err.as_service_error() {
        Some(service) if dead_token(service) => {
            CallbackError::InvalidToken(format!("{operation}: {service}"))
        }
        _ => CallbackError::Port(port_error(operation, &err)),
    }
}

/// The first `max` characters of `text`, never splitting a character.
fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[async_trait]
impl TaskCallbacks for SfnTaskCallbacks {
    async fn send_success(&self, task_token: &str, output: &Value) -> Result<(), CallbackError> {
        let output = serde_json::to_string(output).map_err(|e| {
            PortError::Permanent(format!("SendTaskSuccess: cannot serialize output: {e}"))
        })?;
        self.client
            .send_task_success()
            .task_token(task_token)
            .output(output)
            .send()
            .await
            .map_err(|e| {
                callback_error("SendTaskSuccess", e, |e| {
                    matches!(
                        e,
                        SendTaskSuccessError::InvalidToken(_)
                            | SendTaskSuccessError::TaskDoesNotExist(_)
                            | SendTaskSuccessError::TaskTimedOut(_)
                    )
                })
            })?;
        Ok(())
    }

    async fn send_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError> {
        // Over-long values would be rejected outright; a shortened cause still tells the
        // workflow's Catch what happened.
        self.client
            .send_task_failure()
            .task_token(task_token)
            .error(truncate_chars(error, MAX_ERROR_CHARS))
            .cause(truncate_chars(cause, MAX_CAUSE_CHARS))
            .send()
            .await
            .map_err(|e| {
                callback_error("SendTaskFailure", e, |e| {
                    matches!(
                        e,
                        SendTaskFailureError::InvalidToken(_)
                            | SendTaskFailureError::TaskDoesNotExist(_)
                            | SendTaskFailureError::TaskTimedOut(_)
                    )
                })
            })?;
        Ok(())
    }

    async fn send_heartbeat(&self, task_token: &str) -> Result<(), CallbackError> {
        self.client
            .send_task_heartbeat()
            .task_token(task_token)
            .send()
            .await
            .map_err(|e| {
                callback_error("SendTaskHeartbeat", e, |e| {
                    matches!(
                        e,
                        SendTaskHeartbeatError::InvalidToken(_)
                            | SendTaskHeartbeatError::TaskDoesNotExist(_)
                            | SendTaskHeartbeatError::TaskTimedOut(_)
                    )
                })
            })?;
        Ok(())
    }
}

/// [`OrderIntake`] on StartSyncExecution of the order-intake machine: the order is the
/// execution's input, the decision its output ([`decision_of`]).
#[derive(Debug, Clone)]
pub struct SfnOrderIntake {
    client: Client,
    state_machine_arn: String,
}

impl SfnOrderIntake {
    /// The intake machine `state_machine_arn`, through `client`.
    pub fn new(client: Client, state_machine_arn: impl Into<String>) -> Self {
        Self {
            client,
            state_machine_arn: state_machine_arn.into(),
        }
    }
}

#[async_trait]
impl OrderIntake for SfnOrderIntake {
    async fn validate(&self, order: &Order, correlation_id: &str) -> Result<Priced, IntakeError> {
        let input = orderly_core::intake::intake_input(order, correlation_id)?;
        let answer = self
            .client
            .start_sync_execution()
            .state_machine_arn(&self.state_machine_arn)
            .input(input)
            .send()
            .await
            .map_err(|e| port_error("StartSyncExecution", &e))?;
        decision_of(
            answer.status().as_str(),
            answer.output(),
            answer.error(),
            answer.cause(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate_chars("ééé", 2), "éé");
        assert_eq!(truncate_chars("ab", 5), "ab");
        assert_eq!(truncate_chars("", 0), "");
    }
}
