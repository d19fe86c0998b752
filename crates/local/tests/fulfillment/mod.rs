//! Runs Orderly's order-fulfillment definition through one scenario row and lists every
//! way the execution differs from what the row expects.
#![allow(dead_code)]

pub mod approver;
pub mod checks;
pub mod fixtures;
pub mod trace;

use approver::{Approver, Decision};
use fixtures::{MACHINE, MOCK_CONFIG, execution_inputs, read, scenario_entries, state_machine};
use orderly_states::{
    Execution, ExecutionOptions, ExecutionStatus, MockConfig, StateMachine, TaskHandler,
    TaskTokens, TokioClock, execute,
};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The scenario whose ApprovalDecided event decides approval-needed's order.
pub const DECISION_SCENARIO: &str = "approval-decision";
/// The sample decision is put five minutes after the order.
pub const DECISION_AFTER: Duration = Duration::from_secs(300);

/// Who answers the approval task.
#[derive(Debug, Clone, Copy)]
pub enum Approval {
    /// The mock configuration's test case (or the route never reaches the task).
    Mocked,
    /// The callback API, with the decision of `approval-decision.json` …
    Callback(Decide),
}

#[derive(Debug, Clone, Copy)]
pub enum Decide {
    /// … as it is (approved),
    AsPut,
    /// … with `approved` turned to false and no comment (record-approval's cause is then
    /// `rejected by <decidedBy>`),
    Rejected,
    /// … or never.
    Never,
}

/// The failure's cause as the execution and the OrderFailed event carry it.
#[derive(Debug, Clone, Copy)]
pub enum Cause {
    /// A function error, as the `lambda:invoke` integration reports it.
    Lambda {
        error_type: &'static str,
        message: &'static str,
    },
    /// The decision's comment (rejection) or the definition's fixed text (timeout).
    Text(&'static str),
}

impl Cause {
    pub fn text(&self) -> String {
        match self {
            Cause::Lambda {
                error_type,
                message,
            } => serde_json::json!({"errorMessage": message, "errorType": error_type, "trace": []})
                .to_string(),
            Cause::Text(t) => (*t).to_owned(),
        }
    }
}

/// How the order ends.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// SUCCEEDED through PublishOrderConfirmed.
    Confirmed,
    /// A business failure: SUCCEEDED in OrderFailed, whose output gives `reason` and
    /// `cause`, after publishing OrderFailed.
    Failed { reason: &'static str, cause: Cause },
    /// An unexpected error: FAILED in ExecutionFailed with `reason` as the error, after
    /// compensating and publishing OrderFailed.
    Errored { reason: &'static str, cause: Cause },
    /// SUCCEEDED in Duplicate, publishing nothing.
    Duplicate,
    /// Confirmed, but OrderConfirmed version 2 could not be put: FAILED at that state with
    /// its task's `error`, version 1 published, nothing compensated (a redrive puts
    /// version 2).
    ConfirmedInVersion1Only { error: &'static str, cause: Cause },
}

impl Outcome {
    pub fn status(&self) -> ExecutionStatus {
        match self {
            Outcome::Errored { .. } | Outcome::ConfirmedInVersion1Only { .. } => {
                ExecutionStatus::Failed
            }
            Outcome::Confirmed | Outcome::Duplicate | Outcome::Failed { .. } => {
                ExecutionStatus::Succeeded
            }
        }
    }
}

/// One scenario: which delivery of which put-events file, answered by which test case,
/// and what must come of it.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: &'static str,
    pub scenario: &'static str,
    /// Which OrderCreated entry of the file (a duplicate delivery has two).
    pub delivery: usize,
    pub test_case: &'static str,
    pub approval: Approval,
    /// The top-level states entered, in order.
    pub route: &'static [&'static str],
    pub outcome: Outcome,
    /// The error of every failed task attempt, in order.
    pub task_failures: &'static [&'static str],
    /// The `attempt` ($$.State.RetryCount) of every authorize-payment call; `None` where
    /// a sibling branch's failure may cancel the payment branch before or after its call.
    pub payment_attempts: Option<&'static [u64]>,
    /// How long the approval task waited for its callback.
    pub approval_wait: Option<Duration>,
}

/// The ApprovalDecided detail of approval-needed's order.
pub fn decision_detail() -> Value {
    scenario_entries(DECISION_SCENARIO)
        .into_iter()
        .find(|e| e.detail_type == "ApprovalDecided")
        .map(|e| e.detail)
        .unwrap_or_else(|| panic!("{DECISION_SCENARIO} has no ApprovalDecided entry"))
}

fn decision(decide: Decide) -> Decision {
    let data = &decision_detail()["data"];
    let text = |k: &str| data[k].as_str().unwrap_or_default().to_owned();
    match decide {
        Decide::AsPut => Decision::Approve {
            decided_by: text("decidedBy"),
        },
        Decide::Rejected => Decision::Reject {
            cause: format!("rejected by {}", text("decidedBy")),
        },
        Decide::Never => Decision::Never,
    }
}

/// The input of a row's execution.
pub fn input_of(row: &Row) -> Value {
    execution_inputs(row.scenario)
        .get(row.delivery)
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "{}: {} has no OrderCreated delivery {}",
                row.name, row.scenario, row.delivery
            )
        })
}

/// Runs the row's execution of `machine` with its test case's mocked tasks, on tokio's
/// clock (paused in the tests, so Retry intervals and the approval wait pass at once and
/// in exact order).
pub async fn run(machine: &StateMachine, row: &Row) -> Execution {
    let config =
        MockConfig::parse(&read(MOCK_CONFIG)).unwrap_or_else(|e| panic!("{MOCK_CONFIG}: {e}"));
    let mock = config
        .handler(Some(MACHINE), row.test_case)
        .unwrap_or_else(|e| panic!("{}: {e}", row.name));
    let tokens = TaskTokens::new();
    let tasks: Arc<dyn TaskHandler> = match row.approval {
        Approval::Mocked => Arc::new(mock),
        Approval::Callback(decide) => Arc::new(Approver {
            mock,
            tokens: tokens.clone(),
            decision: decision(decide),
            after: DECISION_AFTER,
        }),
    };
    let options = ExecutionOptions {
        name: Some(row.name.to_owned()),
        state_machine_arn: state_machine().arn.clone(),
        clock: Arc::new(TokioClock::new()),
        tasks,
        task_tokens: tokens,
        ..ExecutionOptions::default()
    };
    execute(machine, input_of(row), options).await
}
