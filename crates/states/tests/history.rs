//! Execution history uses AWS's event names and detail shapes.

mod common;

use common::*;
use orderly_states::TaskFailure;
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

#[tokio::test]
async fn every_payload_text_is_the_json_of_the_value() {
    // States that add a key with ResultPath, replace their input, or pass it on: the text
    // in each event must read back as the value that state produced.
    let definition = json!({
        "StartAt": "Add",
        "States": {
            "Add": {"Type": "Pass", "Result": {"k": "v\n\"q\""}, "ResultPath": "$.added", "Next": "Again"},
            "Again": {"Type": "Pass", "Result": 2, "ResultPath": "$.added", "Next": "Into"},
            "Into": {"Type": "Pass", "Result": [1], "ResultPath": "$.new", "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.new[0]", "NumericEquals": 1, "Next": "Done"}], "Default": "Done"},
            "Done": {"Type": "Pass", "Parameters": {"all.$": "$"}, "End": true}
        }
    });
    let execution = run(&definition, json!({"z": 0})).await;
    let events = execution.history_json();
    let outputs: Vec<serde_json::Value> = events
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["stateExitedEventDetails"]["output"].as_str())
        .map(|text| serde_json::from_str(text).unwrap_or_default())
        .collect();
    let after_add = json!({"z": 0, "added": {"k": "v\n\"q\""}});
    let after_again = json!({"z": 0, "added": 2});
    let after_into = json!({"z": 0, "added": 2, "new": [1]});
    assert_eq!(
        outputs,
        [
            after_add,
            after_again,
            after_into.clone(),
            after_into.clone(),
            json!({"all": after_into}),
        ]
    );
    // Key order is part of the text, too.
    assert_eq!(
        events[6]["stateExitedEventDetails"]["output"],
        r#"{"z":0,"added":2,"new":[1]}"#
    );
}

/// An event written without execution data (a state machine logging with
/// `IncludeExecutionData: false`) keeps its type, ids, state name and resource, and
/// loses every input, output and parameters text: a secret in the data never reaches it.
#[tokio::test]
async fn events_without_data_keep_their_shape_and_lose_the_payloads() {
    let definition = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$.secret"}}, "End": true}
        }
    });
    let execution = run(&definition, json!({"secret": "tok_secret"})).await;
    let full = execution.history_json();
    let full = full.as_array().expect("events");
    let bare: Vec<serde_json::Value> = execution
        .history
        .iter()
        .map(|e| serde_json::to_value(e.without_data()).expect("event"))
        .collect();
    assert_eq!(bare.len(), full.len());
    assert!(full.iter().any(|e| e.to_string().contains("tok_secret")));
    for (bare, full) in bare.iter().zip(full) {
        assert!(!bare.to_string().contains("tok_secret"), "{bare}");
        assert_eq!(bare["type"], full["type"]);
        assert_eq!(bare["id"], full["id"]);
    }
    assert_eq!(bare[1]["stateEnteredEventDetails"]["name"], "P");
    assert!(bare[1]["stateEnteredEventDetails"].get("input").is_none());
    assert_eq!(bare[4]["taskScheduledEventDetails"]["resource"], "invoke");
    assert!(
        bare[4]["taskScheduledEventDetails"]
            .get("parameters")
            .is_none()
    );
}

/// Shapes recorded on AWS: a Parallel state that a Retry runs again records
/// `ParallelStateFailed` once, after its last attempt, and with no details; a Fail state
/// without Error and Cause fails the execution with empty details.
#[tokio::test]
async fn a_retried_parallel_fails_once_without_details() {
    let definition = json!({"StartAt": "Par", "States": {"Par": {"Type": "Parallel",
        "Branches": [{"StartAt": "Fail", "States": {"Fail": {"Type": "Fail", "Error": "FailureType"}}}],
        "Retry": [{"ErrorEquals": ["FailureType"], "MaxAttempts": 2, "IntervalSeconds": 1}],
        "End": true}}});
    let execution = run(&definition, json!({})).await;
    let types = event_types(&execution);
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "ParallelStateStarted")
            .count(),
        3,
        "{types:?}"
    );
    assert_eq!(
        types.iter().filter(|t| *t == "ParallelStateFailed").count(),
        1,
        "{types:?}"
    );
    assert_eq!(types[types.len() - 2], "ParallelStateFailed");
    let events = execution.history_json();
    let failed = &events[types.len() - 2];
    let mut keys: Vec<String> = failed
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    assert_eq!(
        keys,
        ["id", "previousEventId", "timestamp", "type"],
        "{failed}"
    );

    let bare = json!({"StartAt": "F", "States": {"F": {"Type": "Fail"}}});
    let execution = run(&bare, json!({})).await;
    let events = execution.history_json();
    assert_eq!(events[2]["type"], "ExecutionFailed");
    assert_eq!(events[2]["executionFailedEventDetails"], json!({}));
}

/// Recorded on AWS: a distributed Map state starts (MapStateStarted, with its length)
/// before its limits are read, and a limit that fails fails the execution without
/// MapStateFailed; an inline Map reads them before it starts.
#[tokio::test]
async fn a_map_starts_before_its_limits_are_read() {
    let inline = json!({"StartAt": "M", "States": {"M": {"Type": "Map",
        "ItemsPath": "$.Values", "MaxConcurrencyPath": "$.MaxConcurrencyValue",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}});
    let execution = run(
        &inline,
        json!({"MaxConcurrencyValue": "NoNumber", "Values": [1]}),
    )
    .await;
    assert_eq!(
        event_types(&execution),
        ["ExecutionStarted", "MapStateEntered", "ExecutionFailed"]
    );
    let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map",
        "ItemsPath": "$.Items", "ToleratedFailureCountPath": "$.ToleratedFailureCount",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}});
    let execution = run(
        &definition,
        json!({"Items": [0], "ToleratedFailureCount": -1}),
    )
    .await;
    assert_eq!(
        event_types(&execution),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "ExecutionFailed"
        ]
    );
    assert_eq!(
        execution.history_json()[2]["mapStateStartedEventDetails"],
        json!({"length": 1})
    );
}

/// Recorded on AWS: a state's exited event lists what its Assign assigned, each value as
/// JSON text; a state without Assign has no such field.
#[tokio::test]
async fn exited_events_list_the_assigned_variables() {
    let definition = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 0, "Assign": {"foo": "oof", "n": 1}, "Next": "P"},
        "P": {"Type": "Pass", "End": true}}});
    let execution = run(&definition, json!({})).await;
    let events = execution.history_json();
    assert_eq!(events[2]["type"], "WaitStateExited");
    let details = &events[2]["stateExitedEventDetails"];
    assert_eq!(
        details["assignedVariables"],
        json!({"foo": "\"oof\"", "n": "1"})
    );
    assert_eq!(
        details["assignedVariablesDetails"],
        json!({"truncated": false})
    );
    assert_eq!(events[4]["type"], "PassStateExited");
    assert!(
        events[4]["stateExitedEventDetails"]
            .get("assignedVariables")
            .is_none()
    );
    let empty =
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Assign": {}, "End": true}}});
    let events = run(&empty, json!({})).await.history_json();
    assert!(
        events[2]["stateExitedEventDetails"]
            .get("assignedVariables")
            .is_none()
    );
}

/// Recorded on AWS: an AWS SDK integration's type is `aws-sdk:<service>` and its resource
/// the action; `.sync:2` stays with its action; a task with Credentials records the role
/// it resolved as `taskCredentials`.
#[tokio::test]
async fn task_events_name_the_integration_and_the_role() {
    for (resource, resource_type, action) in [
        (
            "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "aws-sdk:dynamodb",
            "putItem",
        ),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            "states",
            "startExecution.sync:2",
        ),
        ("arn:aws:states:::sqs:sendMessage", "sqs", "sendMessage"),
    ] {
        let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
            "Resource": resource, "Parameters": {"x": 1},
            "Credentials": {"RoleArn.$": "States.Format('arn:aws:iam::111111111111:role/{}', $.role)"},
            "End": true}}});
        let execution = run(&definition, json!({"role": "trusted"})).await;
        let events = execution.history_json();
        let scheduled = &events[2]["taskScheduledEventDetails"];
        assert_eq!(scheduled["resourceType"], resource_type, "{resource}");
        assert_eq!(scheduled["resource"], action, "{resource}");
        assert_eq!(
            scheduled["taskCredentials"],
            json!({"roleArn": "arn:aws:iam::111111111111:role/trusted"})
        );
    }
}

/// EvaluationFailedEventDetails (API reference): "This event will only be present in
/// state machines that have QueryLanguage set to JSONata, or individual states set to
/// JSONata." A JSONPath Map over a non-array fails without one.
#[tokio::test]
async fn evaluation_failed_is_only_for_jsonata_states() {
    let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true}}});
    let execution = run(&definition, json!({"not": "an array"})).await;
    assert_eq!(
        event_types(&execution),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
}

/// Recorded on AWS: a Task state whose failure ends a Parallel branch records
/// TaskStateAborted after its TaskFailed; at the top level, or caught, it does not.
#[tokio::test]
async fn a_task_failing_in_a_parallel_branch_is_aborted() {
    let failing = || Scripted::new(|_, _| Err(TaskFailure::new("Exception", "boom")));
    let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f"}, "End": true});
    let parallel = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel",
        "Branches": [{"StartAt": "T", "States": {"T": task.clone()}}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Fallback"}], "Next": "Fallback"},
        "Fallback": {"Type": "Pass", "End": true}}});
    let execution = run_with(&parallel, json!({}), failing()).await;
    let types = event_types(&execution);
    let failed = types.iter().position(|t| t == "TaskFailed");
    assert!(failed.is_some(), "{types:?}");
    assert_eq!(
        failed.and_then(|i| types.get(i + 1)).map(String::as_str),
        Some("TaskStateAborted"),
        "{types:?}"
    );
    let top = json!({"StartAt": "T", "States": {"T": task}});
    let execution = run_with(&top, json!({}), failing()).await;
    assert!(!event_types(&execution).contains(&"TaskStateAborted".to_owned()));
}

/// An activity task records the `Activity*` events (GetExecutionHistory's
/// ActivityScheduledEventDetails, ActivitySucceededEventDetails, ...; recorded on AWS).
#[tokio::test]
async fn activity_tasks_record_activity_events() {
    let activity = "arn:aws:states:us-east-1:123456789012:activity:approve";
    let ok = Scripted::new(|_, _| Ok(json!({"approved": true})));
    let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Task",
        "Resource": activity, "TimeoutSeconds": 60, "HeartbeatSeconds": 10, "End": true}}});
    let execution = run_with(&definition, json!({"order": 1}), ok).await;
    assert_eq!(
        event_types(&execution)[2..5],
        ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]
    );
    let events = execution.history_json();
    assert_eq!(
        events[2]["activityScheduledEventDetails"],
        json!({"resource": activity, "input": "{\"order\":1}",
               "inputDetails": {"truncated": false},
               "timeoutInSeconds": 60, "heartbeatInSeconds": 10})
    );
    assert_eq!(events[3]["activityStartedEventDetails"], json!({}));
    assert_eq!(
        events[4]["activitySucceededEventDetails"]["output"],
        "{\"approved\":true}"
    );
    let failing = Scripted::new(|_, _| Err(TaskFailure::new("Rejected", "no")));
    let execution = run_with(&definition, json!({}), failing).await;
    let events = execution.history_json();
    assert_eq!(events[4]["type"], "ActivityFailed");
    assert_eq!(
        events[4]["activityFailedEventDetails"],
        json!({"error": "Rejected", "cause": "no"})
    );
}
