//! Execution history uses AWS's event names and detail shapes.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn pass_and_task_events_in_order() {
    let definition = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "End": true}
        }
    });
    let execution = run(&definition, json!({"a": 1})).await;
    assert_eq!(
        event_types(&execution),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let events = execution.history_json();
    assert_eq!(events[0]["id"], 1);
    assert_eq!(events[0]["previousEventId"], 0);
    assert_eq!(
        events[0]["executionStartedEventDetails"]["input"],
        "{\"a\":1}"
    );
    assert_eq!(events[1]["stateEnteredEventDetails"]["name"], "P");
    assert_eq!(
        events[4]["taskScheduledEventDetails"]["resourceType"],
        "lambda"
    );
    assert_eq!(events[4]["taskScheduledEventDetails"]["resource"], "invoke");
    assert_eq!(
        events[4]["taskScheduledEventDetails"]["parameters"],
        "{\"FunctionName\":\"f\"}"
    );
    assert_eq!(
        events[8]["executionSucceededEventDetails"]["output"],
        "{\"FunctionName\":\"f\"}"
    );
}

#[tokio::test]
async fn plain_lambda_arns_use_lambda_events() {
    let definition = single(
        json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true}),
    );
    let execution = run(&definition, json!({})).await;
    let types = event_types(&execution);
    assert!(
        types.contains(&"LambdaFunctionScheduled".to_owned()),
        "{types:?}"
    );
    assert!(
        types.contains(&"LambdaFunctionSucceeded".to_owned()),
        "{types:?}"
    );
}

#[tokio::test]
async fn map_and_parallel_events() {
    let definition = json!({
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "MaxConcurrency": 1,
                  "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "Next": "Par"},
            "Par": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}], "End": true}
        }
    });
    let execution = run(&definition, json!([10, 20])).await;
    assert_eq!(
        event_types(&execution),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ParallelStateSucceeded",
            "ParallelStateExited",
            "ExecutionSucceeded"
        ]
    );
    let events = execution.history_json();
    assert_eq!(events[2]["mapStateStartedEventDetails"]["length"], 2);
    assert_eq!(
        events[7]["mapIterationStartedEventDetails"],
        json!({"name": "M", "index": 1})
    );
}

#[tokio::test]
async fn failures_are_recorded() {
    let definition = single(json!({"Type": "Fail", "Error": "E", "Cause": "C"}));
    let execution = run(&definition, json!({})).await;
    assert_eq!(
        event_types(&execution),
        ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    );
    let events = execution.history_json();
    assert_eq!(
        events[2]["executionFailedEventDetails"],
        json!({"error": "E", "cause": "C"})
    );
    let described = execution.describe();
    assert_eq!(described["status"], "FAILED");
    assert_eq!(described["error"], "E");
    assert!(described.get("output").is_none());
}

#[tokio::test]
async fn history_can_be_turned_off() {
    let machine = machine(&single(json!({"Type": "Pass", "End": true})));
    let options = orderly_states::ExecutionOptions {
        record_history: false,
        ..options(Scripted::echo())
    };
    let execution = orderly_states::execute(&machine, json!({}), options).await;
    assert!(execution.history.is_empty());
    assert_eq!(execution.output, Some(json!({})));
}
