//! What an execution did, read from its history as GetExecutionHistory gives it: the
//! route through the top-level states, the Lambda calls, the events it published, the
//! task failures and how long the approval task waited.

use super::fixtures::function_of;
use orderly_states::{EventDetails, Execution};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

/// The top-level states entered, in order.
pub fn route(execution: &Execution, top_level: &BTreeSet<String>) -> Vec<String> {
    execution
        .history
        .iter()
        .filter(|e| e.event_type.ends_with("StateEntered"))
        .filter_map(|e| match &e.details {
            EventDetails::StateEntered { name, .. } if top_level.contains(name.as_ref()) => {
                Some(name.to_string())
            }
            _ => None,
        })
        .collect()
}

/// One scheduled attempt of a `lambda:invoke` task.
#[derive(Debug, Clone)]
pub struct LambdaCall {
    /// The function, or the `FunctionName` as written when it is not one of Orderly's.
    pub function: String,
    pub payload: Value,
}

fn scheduled(execution: &Execution, service: &str) -> Vec<Value> {
    execution
        .history
        .iter()
        .filter_map(|e| match &e.details {
            EventDetails::TaskScheduled(task) if task.resource_type == service => {
                Some(serde_json::from_str(&task.parameters).unwrap_or(Value::Null))
            }
            _ => None,
        })
        .collect()
}

/// Every Lambda attempt, retries included.
pub fn lambda_calls(execution: &Execution) -> Vec<LambdaCall> {
    scheduled(execution, "lambda")
        .into_iter()
        .map(|parameters| {
            let name = parameters["FunctionName"].as_str().unwrap_or_default();
            LambdaCall {
                function: function_of(name).unwrap_or(name).to_owned(),
                payload: parameters["Payload"].clone(),
            }
        })
        .collect()
}

pub fn calls_to<'a>(calls: &'a [LambdaCall], function: &str) -> Vec<&'a Value> {
    calls
        .iter()
        .filter(|c| c.function == function)
        .map(|c| &c.payload)
        .collect()
}

/// The entries put through the `events:putEvents` integration by attempts that succeeded
/// (a failed attempt put nothing).
pub fn published(execution: &Execution) -> Vec<Value> {
    // The publishing states run one at a time at the top level, so an attempt's
    // TaskSucceeded or TaskFailed follows its own TaskScheduled.
    let mut attempt: Option<Value> = None;
    let mut entries = Vec::new();
    for event in &execution.history {
        match &event.details {
            EventDetails::TaskScheduled(task) if task.resource_type == "events" => {
                attempt = Some(serde_json::from_str(&task.parameters).unwrap_or(Value::Null));
            }
            EventDetails::TaskSucceeded(task) if task.resource_type == "events" => {
                if let Some(parameters) = attempt.take() {
                    entries.extend(
                        parameters["Entries"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default(),
                    );
                }
            }
            EventDetails::TaskFailed(_) => attempt = None,
            _ => {}
        }
    }
    entries
}

/// The error of every failed or timed-out task attempt, in order.
pub fn task_failures(execution: &Execution) -> Vec<String> {
    execution
        .history
        .iter()
        .filter_map(|e| match &e.details {
            EventDetails::TaskFailed(task) => Some(task.error.clone()),
            EventDetails::Failed { error, .. } if e.event_type.starts_with("LambdaFunction") => {
                Some(error.clone())
            }
            _ => None,
        })
        .collect()
}

/// How long the first `.waitForTaskToken` task waited between its submission and its end.
pub fn callback_wait(execution: &Execution) -> Option<Duration> {
    let history = &execution.history;
    let submitted = history
        .iter()
        .position(|e| e.event_type == "TaskSubmitted")?;
    let ended = history[submitted..].iter().find(|e| {
        matches!(
            e.event_type.as_ref(),
            "TaskSucceeded" | "TaskFailed" | "TaskTimedOut"
        )
    })?;
    let waited = ended.timestamp - history[submitted].timestamp;
    Duration::try_from(waited).ok()
}
