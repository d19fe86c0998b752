//! Step Functions error names and the rules by which Retry and Catch match them.

use serde::{Deserialize, Serialize};

/// The predefined error names of the Amazon States Language.
pub mod names {
    /// In `ErrorEquals`, matches every error except `States.Runtime` and
    /// `States.DataLimitExceeded`; never raised itself.
    pub const ALL: &str = "States.ALL";
    /// A task's time between heartbeats exceeded its `HeartbeatSeconds`.
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// A task ran longer than its `TimeoutSeconds`, or the execution ran past the machine's
    /// `TimeoutSeconds`.
    pub const TIMEOUT: &str = "States.Timeout";
    /// A task failed; in `ErrorEquals`, matches every error except `States.Timeout` and the
    /// terminal ones.
    pub const TASK_FAILED: &str = "States.TaskFailed";
    /// A task lacked the privileges to run its resource.
    pub const PERMISSIONS: &str = "States.Permissions";
    /// `ResultPath` could not place the result in the state's input.
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    /// Named by the language for a `.$` path in Parameters that matches nothing; the
    /// service, and this interpreter, raise `States.Runtime` for that instead.
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    /// A Parallel branch failed, failing the whole Parallel state.
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    /// A Choice state had no matching rule and no `Default`.
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    /// Reserved for a failed intrinsic function call; the service, and this interpreter,
    /// raise `States.Runtime` for one instead (see [`crate::intrinsics`]).
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    /// More Map items failed than `ToleratedFailureCount` or `ToleratedFailurePercentage`
    /// allow.
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    /// A distributed Map's `ItemReader` could not read its items.
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    /// A distributed Map's `ResultWriter` could not write its results.
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
    /// A JSONata expression failed to evaluate or produced the wrong kind of value.
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
    /// A terminal error in processing a state's data (an invalid path, a value of the wrong
    /// type); no Retry or Catch handles it.
    pub const RUNTIME: &str = "States.Runtime";
    /// A state's input, output or result exceeded the 256 KiB payload limit; only an
    /// `ErrorEquals` that names it catches it.
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
}

/// An error raised while a state runs: what Retry and Catch see, and what a failed
/// execution reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct StatesError {
    /// The error name (`States.Timeout`, a task's own error such as `PaymentDeclined`),
    /// which `ErrorEquals` is matched against.
    #[serde(rename = "Error")]
    pub error: String,
    /// The human-readable explanation; for a task, often a JSON text.
    #[serde(rename = "Cause")]
    pub cause: String,
    /// Whether the task reported it (a TaskFailed event) rather than the interpreter
    /// about the state's data: a task's result over the size limit is
    /// `States.DataLimitExceeded` that `States.ALL` catches (recorded on AWS), where the
    /// same error of a state's own payload is terminal.
    #[serde(skip)]
    pub(crate) from_task: bool,
}

impl StatesError {
    /// An error with the given name and cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            cause: cause.into(),
            from_task: false,
        }
    }

    /// `States.Runtime`, which no Retry or Catch handles.
    pub fn runtime(cause: impl Into<String>) -> Self {
        Self::new(names::RUNTIME, cause)
    }

    /// The same error, as a task reported it.
    pub(crate) fn reported_by_task(mut self) -> Self {
        self.from_task = true;
        self
    }

    /// Whether `ErrorEquals` names this error (see [`error_equals_matches`]).
    pub fn matches(&self, error_equals: &[String]) -> bool {
        if self.from_task && self.error == names::DATA_LIMIT_EXCEEDED {
            return error_equals
                .iter()
                .any(|n| n == names::ALL || n == names::TASK_FAILED || *n == self.error);
        }
        error_equals_matches(error_equals, &self.error)
    }

    /// The error output a Catch hands on: `{"Error": …, "Cause": …}`.
    pub fn to_output(&self) -> serde_json::Value {
        serde_json::json!({"Error": self.error, "Cause": self.cause})
    }
}

/// Prefix AWS puts before a runtime error raised while processing a state's data.
pub fn state_error_prefix(state: &str, entered_event_id: u64) -> String {
    format!(
        "An error occurred while executing the state '{state}' (entered at the event id #{entered_event_id})."
    )
}

/// Whether one `ErrorEquals` list matches an error name, following AWS's rules:
/// `States.ALL` matches every error except the terminal `States.Runtime` and
/// `States.DataLimitExceeded`; `States.TaskFailed` matches every error except those and
/// `States.Timeout`; other names match themselves. `States.Runtime` is never matched.
pub fn error_equals_matches(error_equals: &[String], error: &str) -> bool {
    if error == names::RUNTIME {
        return false;
    }
    error_equals.iter().any(|name| match name.as_str() {
        names::ALL => error != names::DATA_LIMIT_EXCEEDED,
        names::TASK_FAILED => error != names::DATA_LIMIT_EXCEEDED && error != names::TIMEOUT,
        other => other == error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_rules_follow_aws() {
        let cases: &[(&[&str], &str, bool)] = &[
            (&["States.ALL"], "Lambda.ServiceException", true),
            (&["States.ALL"], "States.Timeout", true),
            (&["States.ALL"], "States.Runtime", false),
            (&["States.ALL"], "States.DataLimitExceeded", false),
            (
                &["States.DataLimitExceeded"],
                "States.DataLimitExceeded",
                true,
            ),
            (&["States.Runtime"], "States.Runtime", false),
            (&["States.TaskFailed"], "CustomError", true),
            (&["States.TaskFailed"], "States.Timeout", false),
            (&["States.TaskFailed"], "States.HeartbeatTimeout", true),
            (&["CustomError"], "CustomError", true),
            (&["CustomError"], "customerror", false),
            (&["A", "B"], "B", true),
            (&[], "A", false),
        ];
        for (equals, error, expected) in cases {
            let list: Vec<String> = equals.iter().map(|s| s.to_string()).collect();
            assert_eq!(
                error_equals_matches(&list, error),
                *expected,
                "{equals:?} vs {error}"
            );
        }
    }
}
