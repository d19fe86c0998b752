//! Tasks run through a trait: the interpreter hands each Task state's resource and
//! effective parameters to a [`TaskHandler`].

use async_trait::async_trait;
use serde_json::Value;

/// What a Task state asks its handler to do.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRequest {
    /// The `Resource` ARN as written, e.g. `arn:aws:states:::lambda:invoke.waitForTaskToken`.
    pub resource: String,
    /// The effective parameters (JSONPath) or arguments (JSONata).
    pub parameters: Value,
    /// The task token, for a resource ending in `.waitForTaskToken`.
    pub task_token: Option<String>,
    /// The Task state's name.
    pub state_name: String,
    /// The ARN of the running execution (`$$.Execution.Id`).
    pub execution_arn: String,
    /// The state's resolved `TimeoutSeconds`, if it has one. The interpreter enforces it; a
    /// handler may pass it on (to an activity worker, say).
    pub timeout_seconds: Option<u64>,
    /// The state's resolved `HeartbeatSeconds`, if it has one: the longest gap between
    /// heartbeats of a `.waitForTaskToken` task, enforced by the interpreter.
    pub heartbeat_seconds: Option<u64>,
    /// The state's `Credentials` field, resolved (`{"RoleArn": "arn:…"}`), if any.
    pub credentials: Option<Value>,
    /// How many times this state has been retried before this attempt.
    pub retry_count: u32,
}

/// A task that failed: `error` is what Retry and Catch match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskFailure {
    /// The error name Retry and Catch match (`Lambda.ServiceException`, `PaymentDeclined`).
    pub error: String,
    /// The human-readable cause; for a Lambda function error, the JSON text of its error
    /// object.
    pub cause: String,
}

impl TaskFailure {
    /// A failure with the given error name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            cause: cause.into(),
        }
    }

    /// The failure AWS reports for a resource nobody serves: a Lambda function that does
    /// not exist, or an integration this runtime has no handler for.
    pub fn unknown_resource(resource: &str) -> Self {
        if let Some(function) = lambda_function_of(resource) {
            return Self::new(
                "Lambda.ResourceNotFoundException",
                format!(
                    "Function not found: {function} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException)"
                ),
            );
        }
        Self::new(
            "States.Runtime",
            format!("unsupported: no task handler serves the resource '{resource}'"),
        )
    }

    /// The failure AWS reports for a task nobody serves. For the optimized Lambda
    /// integration (`arn:aws:states:::lambda:invoke`, with or without a pattern suffix)
    /// the function is the `FunctionName` parameter: a missing function is a catchable
    /// `Lambda.ResourceNotFoundException`, as for the plain function ARN form.
    pub fn unknown_task(request: &TaskRequest) -> Self {
        if request
            .resource
            .starts_with("arn:aws:states:::lambda:invoke")
            && let Some(function) = request
                .parameters
                .get("FunctionName")
                .and_then(Value::as_str)
        {
            return Self::new(
                "Lambda.ResourceNotFoundException",
                format!(
                    "Function not found: {function} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException)"
                ),
            );
        }
        Self::unknown_resource(&request.resource)
    }
}

/// The Lambda function a resource names: the plain function ARN form.
pub fn lambda_function_of(resource: &str) -> Option<&str> {
    let mut parts = resource.splitn(7, ':');
    let (arn, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
    if arn != "arn" || service != "lambda" {
        return None;
    }
    let _region = parts.next()?;
    let _account = parts.next()?;
    (parts.next()? == "function").then_some(resource)
}

/// The integration pattern a resource asks for, from its suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationPattern {
    /// The plain form: the call's response is the result.
    RequestResponse,
    /// `.sync`: the task runs to completion (a nested execution, an ECS task) and its final
    /// output is the result.
    Sync,
    /// `.waitForTaskToken`: the call hands on a task token and the state waits for
    /// `SendTaskSuccess` / `SendTaskFailure` with that token.
    WaitForTaskToken,
}

/// The integration pattern of a `Resource` ARN, read from its suffix (`.sync`, `.sync:2`,
/// `.waitForTaskToken`).
pub fn integration_pattern(resource: &str) -> IntegrationPattern {
    if resource.ends_with(".waitForTaskToken") {
        IntegrationPattern::WaitForTaskToken
    } else if resource.ends_with(".sync") || resource.contains(".sync:") {
        IntegrationPattern::Sync
    } else {
        IntegrationPattern::RequestResponse
    }
}

/// Runs Task states. Implementations must be cheap to share: one handler serves many
/// concurrent executions.
#[async_trait]
pub trait TaskHandler: Send + Sync {
    /// Runs one task and returns its result, or the failure Retry and Catch see. The
    /// interpreter applies the state's timeout around this call; a handler need not enforce
    /// it.
    async fn invoke(&self, request: TaskRequest) -> Result<Value, TaskFailure>;

    /// Whether this handler's answer to a `.waitForTaskToken` task is the task's result
    /// (as a mock is), rather than the start of a wait for the token's callback.
    fn completes_callback_tasks(&self) -> bool {
        false
    }
}

/// A handler that serves no resource: every task fails as AWS fails an unknown resource.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTasks;

#[async_trait]
impl TaskHandler for NoTasks {
    async fn invoke(&self, request: TaskRequest) -> Result<Value, TaskFailure> {
        Err(TaskFailure::unknown_task(&request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_resource_forms() {
        assert!(lambda_function_of("arn:aws:lambda:us-east-1:123456789012:function:f").is_some());
        assert!(lambda_function_of("arn:aws:states:::lambda:invoke").is_none());
        assert_eq!(
            integration_pattern("arn:aws:states:::lambda:invoke.waitForTaskToken"),
            IntegrationPattern::WaitForTaskToken
        );
        assert_eq!(
            integration_pattern("arn:aws:states:::states:startExecution.sync:2"),
            IntegrationPattern::Sync
        );
        assert_eq!(
            integration_pattern("arn:aws:states:::events:putEvents"),
            IntegrationPattern::RequestResponse
        );
        let failure = TaskFailure::unknown_resource("arn:aws:lambda:us-east-1:1:function:nope");
        assert_eq!(failure.error, "Lambda.ResourceNotFoundException");
    }
}
