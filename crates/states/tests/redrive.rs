//! Redriving an execution that failed: it resumes at the state that failed, with the same
//! name and ARN; finished states, Parallel branches and Map iterations that succeeded do
//! not run again; variables are as they were; the history goes on after
//! `ExecutionRedriven`.

use async_trait::async_trait;
use orderly_states::task::{TaskFailure, TaskHandler, TaskRequest};
use orderly_states::{
    ExecutionOptions, ExecutionStatus, RedriveError, StateMachine, execute, redrive,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Counts the calls of each task, by its `Parameters.name`; the task named `flaky` fails
/// while the outage lasts.
#[derive(Default)]
struct Tasks {
    calls: Mutex<BTreeMap<String, u32>>,
    down: AtomicBool,
}

impl Tasks {
    fn calls(&self, name: &str) -> u32 {
        self.calls.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

#[async_trait]
impl TaskHandler for Tasks {
    async fn invoke(&self, request: TaskRequest) -> Result<Value, TaskFailure> {
        let name = request.parameters["name"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        *self.calls.lock().unwrap().entry(name.clone()).or_default() += 1;
        if name.starts_with("flaky") && self.down.load(Ordering::SeqCst) {
            return Err(TaskFailure::new(
                "Provider.Unavailable",
                "the provider is down",
            ));
        }
        Ok(json!({"done": name}))
    }
}

fn task(name: &str, next: Option<&str>) -> Value {
    let mut state = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"name": name},
    });
    match next {
        Some(next) => state["Next"] = json!(next),
        None => state["End"] = json!(true),
    }
    state
}

fn options(tasks: &Arc<Tasks>) -> ExecutionOptions {
    ExecutionOptions {
        name: Some("order-1".into()),
        tasks: tasks.clone(),
        ..ExecutionOptions::default()
    }
}

async fn failed_then_redriven(definition: Value) -> (Arc<Tasks>, orderly_states::Execution) {
    let machine = StateMachine::parse(&definition.to_string()).expect("a valid machine");
    let tasks = Arc::new(Tasks::default());
    tasks.down.store(true, Ordering::SeqCst);
    let failed = execute(&machine, json!({"orderId": "o-1"}), options(&tasks)).await;
    assert_eq!(failed.status, ExecutionStatus::Failed, "{:?}", failed.error);
    assert!(failed.redrive_point.is_some());
    tasks.down.store(false, Ordering::SeqCst);
    let redriven = redrive(&machine, &failed, options(&tasks))
        .await
        .expect("a failed execution is redriven");
    assert_eq!(redriven.execution_arn, failed.execution_arn);
    assert_eq!(redriven.start_date, failed.start_date);
    assert_eq!(redriven.redrive_count, 1);
    assert!(redriven.redrive_date.is_some());
    // The history goes on: the first run's events, then ExecutionRedriven, ids in order.
    assert_eq!(
        redriven.history[..failed.history.len()],
        failed.history[..],
        "the first run's events are kept"
    );
    let redriven_event = &redriven.history[failed.history.len()];
    assert_eq!(redriven_event.event_type, "ExecutionRedriven");
    let ids: Vec<u64> = redriven.history.iter().map(|e| e.id).collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
    let described = redriven.describe();
    assert_eq!(described["redriveCount"], 1);
    assert!(described["redriveDate"].is_string());
    (tasks, redriven)
}

#[tokio::test]
async fn a_redrive_resumes_at_the_failed_state_without_running_finished_ones() {
    let definition = json!({
        "StartAt": "Reserve",
        "States": {
            "Reserve": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"name": "reserve"},
                "Assign": {"reserved": true},
                "Next": "Charge",
            },
            "Charge": task("flaky-charge", Some("Confirm")),
            "Confirm": {
                "Type": "Pass",
                "Parameters": {"reserved.$": "$reserved", "charged.$": "$.done"},
                "End": true,
            },
        },
    });
    let (tasks, redriven) = failed_then_redriven(definition).await;
    assert_eq!(redriven.status, ExecutionStatus::Succeeded);
    assert_eq!(
        tasks.calls("reserve"),
        1,
        "the finished state does not run again"
    );
    assert_eq!(tasks.calls("flaky-charge"), 2);
    assert_eq!(
        redriven.output,
        Some(json!({"reserved": true, "charged": "flaky-charge"})),
        "the variables are as they were"
    );
}

#[tokio::test]
async fn only_the_parallel_branches_that_failed_run_again() {
    let branch = |name: &str| json!({"StartAt": "T", "States": {"T": task(name, None)}});
    let definition = json!({
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [branch("first"), branch("flaky-second"), branch("third")],
                "End": true,
            },
        },
    });
    let (tasks, redriven) = failed_then_redriven(definition).await;
    assert_eq!(redriven.status, ExecutionStatus::Succeeded);
    assert_eq!(tasks.calls("flaky-second"), 2);
    let outputs = redriven.output.expect("an output");
    assert_eq!(outputs.as_array().map(Vec::len), Some(3), "{outputs}");
    // The first branch finished before the second failed and keeps its output; the
    // third, cancelled by the failure before it ran, runs now.
    assert_eq!(
        (tasks.calls("first"), tasks.calls("third")),
        (1, 1),
        "no branch that succeeded ran again"
    );
}

#[tokio::test]
async fn only_the_map_iterations_that_failed_run_again() {
    only_the_failed_items_run_again(json!({"Mode": "INLINE"})).await;
}

// https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html: redriving a
// Distributed Map reruns only the child executions that did not succeed.
#[tokio::test]
async fn only_the_distributed_map_children_that_failed_run_again() {
    only_the_failed_items_run_again(json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}))
        .await;
}

async fn only_the_failed_items_run_again(processor_config: serde_json::Value) {
    let definition = json!({
        "StartAt": "Lines",
        "States": {
            "Lines": {
                "Type": "Map",
                "ItemsPath": "$.lines",
                "ItemProcessor": {
                    "ProcessorConfig": processor_config,
                    "StartAt": "T",
                    "States": {"T": {
                        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"name.$": "$"},
                        "End": true,
                    }},
                },
                "MaxConcurrency": 1,
                "End": true,
            },
        },
    });
    let machine = StateMachine::parse(&definition.to_string()).expect("a valid machine");
    let tasks = Arc::new(Tasks::default());
    tasks.down.store(true, Ordering::SeqCst);
    let input = json!({"lines": ["a", "b", "flaky-c", "d"]});
    let failed = execute(&machine, input, options(&tasks)).await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    let point = failed.redrive_point.clone().expect("a redrive point");
    assert_eq!(point.kept_children(), 2, "a and b succeeded");
    tasks.down.store(false, Ordering::SeqCst);
    let redriven = redrive(&machine, &failed, options(&tasks)).await.unwrap();
    assert_eq!(redriven.status, ExecutionStatus::Succeeded);
    assert_eq!(
        (
            tasks.calls("a"),
            tasks.calls("b"),
            tasks.calls("flaky-c"),
            tasks.calls("d")
        ),
        (1, 1, 2, 1)
    );
    assert_eq!(
        redriven.output.unwrap().as_array().map(Vec::len),
        Some(4),
        "every item's output, kept or new"
    );
}

#[tokio::test]
async fn a_succeeded_execution_is_not_redriven_and_a_second_redrive_counts_two() {
    let definition = json!({"StartAt": "T", "States": {"T": task("flaky-t", None)}});
    let machine = StateMachine::parse(&definition.to_string()).unwrap();
    let tasks = Arc::new(Tasks::default());
    tasks.down.store(true, Ordering::SeqCst);
    let failed = execute(&machine, json!({}), options(&tasks)).await;
    let again = redrive(&machine, &failed, options(&tasks)).await.unwrap();
    assert_eq!(again.status, ExecutionStatus::Failed, "still down");
    tasks.down.store(false, Ordering::SeqCst);
    let third = redrive(&machine, &again, options(&tasks)).await.unwrap();
    assert_eq!(third.status, ExecutionStatus::Succeeded);
    assert_eq!(third.redrive_count, 2);
    let redriven_events = third
        .history
        .iter()
        .filter(|e| e.event_type == "ExecutionRedriven")
        .count();
    assert_eq!(redriven_events, 2);
    assert_eq!(
        redrive(&machine, &third, options(&tasks))
            .await
            .unwrap_err(),
        RedriveError::Status("SUCCEEDED")
    );
}

/// A Map whose items wait `wait` seconds before their task: with no concurrency limit,
/// later items finish before earlier ones.
fn waiting_map() -> StateMachine {
    let definition = json!({
        "StartAt": "Lines",
        "States": {
            "Lines": {
                "Type": "Map",
                "ItemsPath": "$.lines",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Pause",
                    "States": {
                        "Pause": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "T"},
                        "T": {
                            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"name.$": "$.name"},
                            "End": true,
                        },
                    },
                },
                "End": true,
            },
        },
    });
    StateMachine::parse(&definition.to_string()).expect("a valid machine")
}

#[tokio::test(start_paused = true)]
async fn map_iterations_that_finished_after_the_failure_are_kept_too() {
    let machine = waiting_map();
    let tasks = Arc::new(Tasks::default());
    tasks.down.store(true, Ordering::SeqCst);
    let input = json!({"lines": [
        {"name": "flaky-first", "wait": 5}, {"name": "b", "wait": 1}, {"name": "c", "wait": 2},
    ]});
    let failed = execute(&machine, input, options(&tasks)).await;
    assert_eq!(failed.status, ExecutionStatus::Failed);
    assert_eq!(
        failed.redrive_point.as_ref().map(|p| p.kept_children()),
        Some(2)
    );
    tasks.down.store(false, Ordering::SeqCst);
    let redriven = redrive(&machine, &failed, options(&tasks)).await.unwrap();
    assert_eq!(redriven.status, ExecutionStatus::Succeeded);
    assert_eq!(
        (
            tasks.calls("flaky-first"),
            tasks.calls("b"),
            tasks.calls("c")
        ),
        (2, 1, 1)
    );
    let outputs = redriven.output.unwrap();
    assert_eq!(
        outputs[1],
        json!({"done": "b"}),
        "kept outputs in item order: {outputs}"
    );
    assert_eq!(outputs[0], json!({"done": "flaky-first"}));
}

#[tokio::test(start_paused = true)]
async fn a_map_stopped_midway_keeps_the_iterations_that_finished() {
    let machine = waiting_map();
    let tasks = Arc::new(Tasks::default());
    let abort = orderly_states::AbortSignal::new();
    let stopping = ExecutionOptions {
        abort: Some(abort.clone()),
        ..options(&tasks)
    };
    let input = json!({"lines": [
        {"name": "a", "wait": 1}, {"name": "slow", "wait": 100}, {"name": "c", "wait": 2},
    ]});
    let run = tokio::spawn({
        let machine = machine.clone();
        async move { execute(&machine, input, stopping).await }
    });
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    abort.abort();
    let stopped = run.await.unwrap();
    assert_eq!(stopped.status, ExecutionStatus::Aborted);
    assert_eq!(
        stopped.redrive_point.as_ref().map(|p| p.kept_children()),
        Some(2)
    );
    let redriven = redrive(&machine, &stopped, options(&tasks)).await.unwrap();
    assert_eq!(redriven.status, ExecutionStatus::Succeeded);
    assert_eq!(
        (tasks.calls("a"), tasks.calls("slow"), tasks.calls("c")),
        (1, 1, 1),
        "only the iteration the stop cut runs again"
    );
}
