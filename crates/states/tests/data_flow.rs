//! InputPath, Parameters, ResultSelector, ResultPath, OutputPath and `$$`, with the
//! examples of the AWS developer guide.

mod common;

use common::*;
use orderly_states::ExecutionStatus;
use serde_json::{Value, json};

#[tokio::test]
async fn pass_state_data_flow_table() {
    let cases: Vec<(&str, Value, Value, Value)> = vec![
        (
            "default passes input",
            json!({"Type": "Pass", "End": true}),
            json!({"a": 1}),
            json!({"a": 1}),
        ),
        (
            "Result replaces",
            json!({"Type": "Pass", "Result": {"x": 1}, "End": true}),
            json!({"a": 1}),
            json!({"x": 1}),
        ),
        (
            "Result into ResultPath",
            json!({"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": true}),
            json!({"a": 1}),
            json!({"a": 1, "r": {"x": 1}}),
        ),
        (
            "ResultPath null keeps input",
            json!({"Type": "Pass", "Result": 5, "ResultPath": null, "End": true}),
            json!({"a": 1}),
            json!({"a": 1}),
        ),
        (
            "ResultPath nested creates objects",
            json!({"Type": "Pass", "Result": 5, "ResultPath": "$.x.y.z", "End": true}),
            json!({"a": 1}),
            json!({"a": 1, "x": {"y": {"z": 5}}}),
        ),
        (
            "InputPath selects",
            json!({"Type": "Pass", "InputPath": "$.a", "End": true}),
            json!({"a": {"b": 2}}),
            json!({"b": 2}),
        ),
        (
            "InputPath null gives {}",
            json!({"Type": "Pass", "InputPath": null, "End": true}),
            json!({"a": 1}),
            json!({}),
        ),
        (
            "OutputPath selects",
            json!({"Type": "Pass", "OutputPath": "$.a.b", "End": true}),
            json!({"a": {"b": [1]}}),
            json!([1]),
        ),
        (
            "OutputPath null gives {}",
            json!({"Type": "Pass", "OutputPath": null, "End": true}),
            json!({"a": 1}),
            json!({}),
        ),
        (
            "Parameters with paths and context",
            json!({"Type": "Pass", "Parameters": {"static": "v", "sel.$": "$.a", "name.$": "$$.Execution.Name", "state.$": "$$.State.Name"}, "End": true}),
            json!({"a": [1, 2]}),
            json!({"static": "v", "sel": [1, 2], "name": "test-execution", "state": "S"}),
        ),
        (
            "Parameters after InputPath, ResultPath on raw input",
            json!({"Type": "Pass", "InputPath": "$.in", "Parameters": {"v.$": "$.v"}, "ResultPath": "$.out", "End": true}),
            json!({"in": {"v": 3}}),
            json!({"in": {"v": 3}, "out": {"v": 3}}),
        ),
        (
            "filters in InputPath",
            json!({"Type": "Pass", "InputPath": "$.items[?(@.n > 1)]", "End": true}),
            json!({"items": [{"n": 1}, {"n": 2}, {"n": 3}]}),
            json!([{"n": 2}, {"n": 3}]),
        ),
        (
            "a null value is found, not missing",
            json!({"Type": "Pass", "Parameters": {"v.$": "$.n"}, "End": true}),
            json!({"n": null}),
            json!({"v": null}),
        ),
    ];
    for (name, state, input, expected) in cases {
        let execution = run(&single(state), input).await;
        assert_eq!(
            execution.status,
            ExecutionStatus::Succeeded,
            "{name}: {:?}",
            execution.cause
        );
        assert_eq!(execution.output, Some(expected), "{name}");
    }
}

#[tokio::test]
async fn task_result_selector_and_result_path() {
    // The AWS guide's ResultSelector example: keep parts of a verbose result.
    let tasks = Scripted::new(|_, _| {
        Ok(
            json!({"resourceType": "elasticmapreduce", "resource": "createCluster.sync",
                  "output": {"SdkHttpMetadata": {"HttpStatusCode": 200}, "ClusterId": "AKIAIOSFODNN7EXAMPLE"}}),
        )
    });
    let definition = single(json!({
        "Type": "Task", "Resource": "arn:aws:states:::elasticmapreduce:createCluster.sync",
        "ResultSelector": {"ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType"},
        "ResultPath": "$.EMROutput", "End": true
    }));
    let execution = run_with(&definition, json!({"Name": "cluster"}), tasks).await;
    assert_eq!(
        execution.output,
        Some(
            json!({"Name": "cluster", "EMROutput": {"ClusterId": "AKIAIOSFODNN7EXAMPLE", "ResourceType": "elasticmapreduce"}})
        )
    );
}

#[tokio::test]
async fn unresolvable_paths_fail_with_aws_texts() {
    let cases: Vec<(Value, Value, &str, &str)> = vec![
        (
            json!({"Type": "Pass", "Parameters": {"missing.$": "$.nope.deep"}, "End": true}),
            json!({"other": 1}),
            "States.Runtime",
            "An error occurred while executing the state 'S' (entered at the event id #2). The JSONPath '$.nope.deep' specified for the field 'missing.$' could not be found in the input '{\"other\":1}'",
        ),
        (
            json!({"Type": "Pass", "InputPath": "$.x", "End": true}),
            json!({}),
            "States.Runtime",
            "An error occurred while executing the state 'S' (entered at the event id #2). Invalid path '$.x' : No results for path: $['x']",
        ),
        (
            json!({"Type": "Pass", "OutputPath": "$.a.b", "End": true}),
            json!({"a": 1}),
            "States.Runtime",
            "An error occurred while executing the state 'S' (entered at the event id #2). Invalid path '$.a.b' : No results for path: $['a']['b']",
        ),
        (
            json!({"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": true}),
            json!({"a": "text"}),
            "States.ResultPathMatchFailure",
            "An error occurred while executing the state 'S' (entered at the event id #2). Unable to apply step \"b\" to input \"text\"",
        ),
    ];
    for (state, input, error, cause) in cases {
        let execution = run(&single(state.clone()), input).await;
        assert_eq!(execution.status, ExecutionStatus::Failed, "{state}");
        assert_eq!(execution.error.as_deref(), Some(error), "{state}");
        assert_eq!(execution.cause.as_deref(), Some(cause), "{state}");
    }
}

#[tokio::test]
async fn runtime_errors_are_not_caught() {
    let definition = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "InputPath": "$.missing",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Succeed"}
        }
    });
    let execution = run(&definition, json!({})).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
}

#[tokio::test]
async fn oversized_results_exceed_the_data_limit() {
    let big = "x".repeat(300_000);
    let tasks = Scripted::new(move |_, _| Ok(Value::String(big.clone())));
    let definition =
        single(json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}));
    let execution = run_with(&definition, json!({}), tasks).await;
    assert_eq!(execution.error.as_deref(), Some("States.DataLimitExceeded"));
    let input = json!({"big": "y".repeat(300_000)});
    let execution = run(&single(json!({"Type": "Pass", "End": true})), input).await;
    assert_eq!(execution.error.as_deref(), Some("States.DataLimitExceeded"));
}

#[tokio::test]
async fn context_object_carries_execution_and_state() {
    let definition = single(json!({"Type": "Pass", "Parameters": {"ctx.$": "$$"}, "End": true}));
    let execution = run(&definition, json!({"in": 1})).await;
    let output = execution.output.unwrap_or_default();
    let ctx = &output["ctx"];
    assert_eq!(ctx["Execution"]["Name"], "test-execution");
    assert_eq!(ctx["Execution"]["Input"], json!({"in": 1}));
    assert_eq!(
        ctx["Execution"]["Id"],
        "arn:aws:states:us-east-1:123456789012:execution:StateMachine:test-execution"
    );
    // Recorded on AWS: a Pass state's `$$.State` has no RetryCount; a Task's has.
    assert_eq!(
        ctx["State"],
        json!({"Name": "S", "EnteredTime": "2024-01-01T00:00:00.000Z"})
    );
    assert_eq!(ctx["StateMachine"]["Name"], "StateMachine");
    let tasks = Scripted::new(|_, _| Ok(json!("done")));
    let definition = single(
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"retries.$": "$$.State.RetryCount"}, "End": true}),
    );
    let execution = run_with(&definition, json!({}), tasks.clone()).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    let sent = tasks
        .requests
        .lock()
        .map(|r| r[0].parameters.clone())
        .unwrap_or_default();
    assert_eq!(sent, json!({"retries": 0}));
}

/// A Pass state with only a ResultPath puts its whole input there (recorded on AWS).
#[tokio::test]
async fn a_pass_with_only_a_result_path_nests_its_input() {
    let definition = single(json!({"Type": "Pass", "ResultPath": "$.final", "End": true}));
    let execution = run(&definition, json!({"SecretList": []})).await;
    assert_eq!(
        execution.output,
        Some(json!({"SecretList": [], "final": {"SecretList": []}}))
    );
    let discard = single(json!({"Type": "Pass", "ResultPath": null, "End": true}));
    let execution = run(&discard, json!({"a": 1})).await;
    assert_eq!(execution.output, Some(json!({"a": 1})));
}

/// Recorded on AWS: a task whose result is over the size limit fails as a task
/// (TaskFailed / LambdaFunctionFailed, naming `lambda` or the function's ARN), and
/// `States.ALL` catches that, though the same error about a state's own payload is
/// terminal.
#[tokio::test]
async fn a_task_result_over_the_limit_is_a_catchable_task_failure() {
    for (resource, named, failed) in [
        ("arn:aws:states:::lambda:invoke", "lambda", "TaskFailed"),
        (
            "arn:aws:lambda:us-east-1:111111111111:function:big",
            "arn:aws:lambda:us-east-1:111111111111:function:big",
            "LambdaFunctionFailed",
        ),
    ] {
        let big = "x".repeat(300_000);
        let tasks = Scripted::new(move |_, _| Ok(Value::String(big.clone())));
        let definition = json!({"StartAt": "InvokeLambda", "States": {
            "InvokeLambda": {"Type": "Task", "Resource": resource,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "HandleGeneralError"}],
                "Next": "ProcessResult"},
            "HandleGeneralError": {"Type": "Pass", "End": true},
            "ProcessResult": {"Type": "Pass", "End": true}}});
        let execution = run_with(&definition, json!({}), tasks).await;
        assert_eq!(execution.status, ExecutionStatus::Succeeded, "{resource}");
        assert_eq!(
            execution.output,
            Some(
                json!({"Error": "States.DataLimitExceeded", "Cause": format!(
                    "The state/task '{named}' returned a result with a size exceeding the maximum number of bytes service limit."
                )})
            )
        );
        assert!(
            event_types(&execution).contains(&failed.to_owned()),
            "{resource}"
        );
    }
}
