//! Nested executions: a Task state whose resource is
//! `arn:aws:states:::states:startExecution` starts another state machine of the cloud,
//! in each of the integration patterns Step Functions offers for it.
//!
//! - request-response: answers `{ExecutionArn, StartDate}` once the child has started;
//! - `.waitForTaskToken`: the same, then the interpreter waits for the token's callback;
//! - `.sync` / `.sync:2`: waits for the child to end and answers its DescribeExecution
//!   (PascalCase), `Input`/`Output` as JSON text for `.sync` and as JSON for `.sync:2`.
//!   A child that did not succeed fails the task with `States.TaskFailed`, the cause that
//!   description (with the child's `Error` and `Cause`) as JSON text, so Retry and Catch
//!   see it. A `.sync` task that stops waiting — its parent stopped, timed out, or a
//!   branch around it was cancelled — stops the child, which ends ABORTED.
//!
//! The child's input is the `Input` parameter as written: a parent links itself by putting
//! `"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"` in it, as the
//! Step Functions guide describes; nothing is added for it.

use super::CloudInner;
use super::sfn::ExecutionEntry;
use orderly_states::{AbortSignal, TaskFailure, TaskRequest};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The resource of the optimized integration, without its pattern suffix.
pub const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";

/// How the parent waits for the child: the resource's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// No suffix: the call's response is the result.
    RequestResponse,
    /// `.sync`: the child's description, its input and output as JSON text.
    Sync,
    /// `.sync:2`: the child's description, its input and output as JSON.
    SyncJson,
    /// `.waitForTaskToken`: started, then the callback's output is the result.
    WaitForTaskToken,
}

impl Pattern {
    /// The pattern of a `states:startExecution` resource, `None` for any other resource.
    pub fn of(resource: &str) -> Option<Self> {
        match resource.strip_prefix(START_EXECUTION)? {
            "" => Some(Self::RequestResponse),
            ".sync" => Some(Self::Sync),
            ".sync:2" => Some(Self::SyncJson),
            ".waitForTaskToken" => Some(Self::WaitForTaskToken),
            _ => None,
        }
    }
}

/// Runs one `states:startExecution` task.
pub async fn start_execution_task(
    cloud: &Arc<CloudInner>,
    pattern: Pattern,
    request: &TaskRequest,
) -> Result<Value, TaskFailure> {
    let parameters = &request.parameters;
    let machine = parameters
        .get("StateMachineArn")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            service_error(
                "ValidationException",
                "StateMachineArn is required".to_owned(),
            )
        })?;
    let input = child_input(parameters.get("Input"))?;
    let name = parameters
        .get("Name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let arn = cloud
        .start_execution(machine, input, name)
        .map_err(|e| service_error(e.code(), e.to_string()))?;
    let child = cloud
        .execution(&arn)
        .map_err(|e| service_error(e.code(), e.to_string()))?;
    match pattern {
        Pattern::RequestResponse | Pattern::WaitForTaskToken => Ok(json!({
            "ExecutionArn": arn,
            "StartDate": child.start_ms,
            "SdkHttpMetadata": {"HttpStatusCode": 200},
            "SdkResponseMetadata": {"RequestId": uuid::Uuid::new_v4().to_string()},
        })),
        Pattern::Sync | Pattern::SyncJson => {
            let stop_child = StopOnDrop(Some(child.abort.clone()));
            let ended = child.wait_ended().await;
            stop_child.disarm();
            let Some(result) = ended else {
                return Err(TaskFailure::new(
                    "States.Runtime",
                    "the local cloud stopped before the child execution ended",
                ));
            };
            let mut child = child;
            child.result = Some(result);
            let description = describe_child(&child, pattern == Pattern::SyncJson);
            if child.status() == "SUCCEEDED" {
                Ok(description)
            } else {
                Err(TaskFailure::new(
                    "States.TaskFailed",
                    description.to_string(),
                ))
            }
        }
    }
}

/// Stops the child when the task stops waiting for it before it ended.
struct StopOnDrop(Option<AbortSignal>);

impl StopOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(signal) = self.0.take() {
            signal.abort();
        }
    }
}

/// The `Input` parameter as the child's input: JSON as given, or JSON text parsed.
fn child_input(input: Option<&Value>) -> Result<Value, TaskFailure> {
    match input {
        None | Some(Value::Null) => Ok(json!({})),
        Some(Value::String(text)) => crate::document::parse(text, crate::document::MAX_EVENT_DEPTH)
            .map_err(|e| {
                service_error("InvalidExecutionInput", format!("Invalid input JSON: {e}"))
            }),
        Some(other) => Ok(other.clone()),
    }
}

/// A StartExecution error as the integration reports it: `StepFunctions.<Code>Exception`,
/// the SDK's exception name, which Retry and Catch match.
fn service_error(code: &str, message: String) -> TaskFailure {
    TaskFailure::new(
        format!("StepFunctions.{code}Exception"),
        format!("{message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code})"),
    )
}

/// The child's DescribeExecution as the `.sync` integrations answer it: PascalCase keys,
/// dates as epoch milliseconds.
fn describe_child(child: &ExecutionEntry, as_json: bool) -> Value {
    let data = |value: &Value| {
        if as_json {
            value.clone()
        } else {
            Value::String(value.to_string())
        }
    };
    let mut out = Map::new();
    out.insert("ExecutionArn".into(), json!(child.arn));
    out.insert("StateMachineArn".into(), json!(child.machine_arn));
    out.insert("Name".into(), json!(child.name));
    out.insert("Status".into(), json!(child.status()));
    out.insert("StartDate".into(), json!(child.start_ms));
    out.insert("Input".into(), data(&child.input));
    out.insert("InputDetails".into(), json!({"Included": true}));
    if let Some(execution) = &child.result {
        let stop_ms = (execution.stop_date.unix_timestamp_nanos() / 1_000_000) as i64;
        out.insert("StopDate".into(), json!(stop_ms));
        if let Some(output) = &execution.output {
            out.insert("Output".into(), data(output));
            out.insert("OutputDetails".into(), json!({"Included": true}));
        }
        if let Some(error) = &execution.error {
            out.insert("Error".into(), json!(error));
        }
        if let Some(cause) = &execution.cause {
            out.insert("Cause".into(), json!(cause));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_read_from_the_suffix() {
        assert_eq!(Pattern::of(START_EXECUTION), Some(Pattern::RequestResponse));
        assert_eq!(
            Pattern::of("arn:aws:states:::states:startExecution.sync"),
            Some(Pattern::Sync)
        );
        assert_eq!(
            Pattern::of("arn:aws:states:::states:startExecution.sync:2"),
            Some(Pattern::SyncJson)
        );
        assert_eq!(
            Pattern::of("arn:aws:states:::states:startExecution.waitForTaskToken"),
            Some(Pattern::WaitForTaskToken)
        );
        assert_eq!(Pattern::of("arn:aws:states:::lambda:invoke"), None);
    }
}
