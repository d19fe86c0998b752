//! Retry and Catch: matching, MaxAttempts (0 included), BackoffRate, MaxDelaySeconds,
//! JitterStrategy, and Catch output in both query languages.

mod common;

use common::*;
use orderly_states::{ExecutionStatus, TaskFailure};
use serde_json::{Value, json};

fn task_with(retry: Value, catch: Value) -> Value {
    // A catcher that never matches keeps the recovery state reachable.
    let catch = if catch == json!([]) {
        json!([{"ErrorEquals": ["NeverRaised"], "Next": "Recovered"}])
    } else {
        catch
    };
    json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": retry, "Catch": catch, "End": true},
            "Recovered": {"Type": "Pass", "End": true}
        }
    })
}

/// Fails `failures` times with `error`, then succeeds.
fn flaky(error: &'static str, failures: usize) -> std::sync::Arc<Scripted> {
    Scripted::new(move |_, n| {
        if n < failures {
            Err(TaskFailure::new(error, "boom"))
        } else {
            Ok(json!("ok"))
        }
    })
}

#[tokio::test]
async fn retry_table() {
    // (retriers, error, failures before success, expected calls, expected status)
    let cases: Vec<(Value, &str, usize, usize, ExecutionStatus)> = vec![
        (
            json!([{"ErrorEquals": ["States.ALL"]}]),
            "E",
            3,
            4,
            ExecutionStatus::Succeeded,
        ),
        (
            json!([{"ErrorEquals": ["States.ALL"]}]),
            "E",
            4,
            4,
            ExecutionStatus::Failed,
        ),
        (
            json!([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]),
            "E",
            1,
            1,
            ExecutionStatus::Failed,
        ),
        (
            json!([{"ErrorEquals": ["Other"], "MaxAttempts": 5}]),
            "E",
            1,
            1,
            ExecutionStatus::Failed,
        ),
        (
            json!([{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}]),
            "E",
            2,
            3,
            ExecutionStatus::Succeeded,
        ),
        (
            json!([{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}]),
            "States.Timeout",
            1,
            1,
            ExecutionStatus::Failed,
        ),
        // The first matching retrier decides, even with attempts left in a later one.
        (
            json!([{"ErrorEquals": ["E"], "MaxAttempts": 1}, {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}]),
            "E",
            2,
            2,
            ExecutionStatus::Failed,
        ),
    ];
    for (retry, error, failures, calls, status) in cases {
        let tasks = flaky(error, failures);
        let execution = run_with(
            &task_with(retry.clone(), json!([])),
            json!({}),
            tasks.clone(),
        )
        .await;
        assert_eq!(execution.status, status, "{retry} {error}");
        assert_eq!(tasks.calls(), calls, "{retry} {error}");
    }
}

#[tokio::test]
async fn backoff_and_max_delay_shape_the_waits() {
    // 2 + 4 + 8 = 14 s of waits; with MaxDelaySeconds 3: 2 + 3 + 3 = 8 s.
    let cases = [
        (
            json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 2.0, "MaxAttempts": 3}]),
            14,
        ),
        (
            json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 2.0, "MaxAttempts": 3, "MaxDelaySeconds": 3}]),
            8,
        ),
        (
            json!([{"ErrorEquals": ["E"], "IntervalSeconds": 1, "BackoffRate": 1.0, "MaxAttempts": 3}]),
            3,
        ),
    ];
    for (retry, seconds) in cases {
        let execution = run_with(
            &task_with(retry.clone(), json!([])),
            json!({}),
            flaky("E", 3),
        )
        .await;
        assert_eq!(execution.status, ExecutionStatus::Succeeded);
        assert_eq!(
            (execution.stop_date - execution.start_date).whole_seconds(),
            seconds,
            "{retry}"
        );
    }
    // FULL jitter never waits longer than the capped delay.
    let jitter = json!([{"ErrorEquals": ["E"], "IntervalSeconds": 10, "MaxAttempts": 3, "JitterStrategy": "FULL"}]);
    let execution = run_with(&task_with(jitter, json!([])), json!({}), flaky("E", 3)).await;
    assert!((execution.stop_date - execution.start_date).whole_seconds() <= 70);
}

#[tokio::test]
async fn retry_count_is_in_the_context() {
    let tasks = Scripted::new(|r, n| {
        if n < 2 {
            Err(TaskFailure::new("E", "x"))
        } else {
            Ok(r.parameters.clone())
        }
    });
    let definition = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"retry.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["E"]}], "End": true}}});
    let execution = run_with(&definition, json!({}), tasks).await;
    assert_eq!(execution.output, Some(json!({"retry": 2})));
}

#[tokio::test]
async fn catch_table() {
    let cases: Vec<(Value, &str, Value)> = vec![
        (
            json!([{"ErrorEquals": ["E"], "Next": "Recovered"}]),
            "E",
            json!({"Error": "E", "Cause": "boom"}),
        ),
        (
            json!([{"ErrorEquals": ["E"], "ResultPath": "$.error", "Next": "Recovered"}]),
            "E",
            json!({"in": 1, "error": {"Error": "E", "Cause": "boom"}}),
        ),
        (
            json!([{"ErrorEquals": ["X"], "Next": "Recovered"}, {"ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "Recovered"}]),
            "E",
            json!({"in": 1}),
        ),
    ];
    for (catch, error, expected) in cases {
        let tasks = flaky(error, 10);
        let execution = run_with(
            &task_with(json!([]), catch.clone()),
            json!({"in": 1}),
            tasks,
        )
        .await;
        assert_eq!(execution.output, Some(expected), "{catch}");
    }
}

#[tokio::test]
async fn retry_runs_before_catch() {
    let tasks = flaky("E", 10);
    let definition = task_with(
        json!([{"ErrorEquals": ["E"], "MaxAttempts": 2, "IntervalSeconds": 1}]),
        json!([{"ErrorEquals": ["E"], "ResultPath": "$.e", "Next": "Recovered"}]),
    );
    let execution = run_with(&definition, json!({}), tasks.clone()).await;
    assert_eq!(tasks.calls(), 3);
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
}

#[tokio::test]
async fn unknown_resources_fail_as_aws_does() {
    let definition = single(
        json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:nope", "End": true}),
    );
    let execution = execute_without_tasks(&definition).await;
    assert_eq!(
        execution.error.as_deref(),
        Some("Lambda.ResourceNotFoundException")
    );
    // The optimized integration names its function in the parameters; a missing one is
    // as catchable as with the plain ARN.
    for resource in [
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
    ] {
        let definition = single(json!({
            "Type": "Task", "Resource": resource,
            "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:nope", "Payload": {}},
            "End": true
        }));
        let execution = execute_without_tasks(&definition).await;
        assert_eq!(
            execution.error.as_deref(),
            Some("Lambda.ResourceNotFoundException"),
            "{resource}"
        );
        assert!(
            execution
                .cause
                .unwrap_or_default()
                .contains("function:nope"),
            "{resource}"
        );
    }
    let definition = single(
        json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}),
    );
    let execution = execute_without_tasks(&definition).await;
    assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
    assert!(execution.cause.unwrap_or_default().contains("unsupported"));
}

async fn execute_without_tasks(definition: &Value) -> orderly_states::Execution {
    run_with(
        definition,
        json!({}),
        std::sync::Arc::new(orderly_states::NoTasks),
    )
    .await
}

/// A Wait state's SecondsPath and TimestampPath that select nothing, a fraction, a
/// negative number or a text that is no timestamp fail the execution with States.Runtime
/// and the service's causes, after the state's preamble (as recorded from Step Functions
/// by the LocalStack project's snapshot tests of the Wait state). So do a timestamp with a
/// space for its `T`, and a delay longer than 2^31 seconds.
#[tokio::test]
async fn wait_paths_fail_with_the_service_causes() {
    let cases = [
        (
            json!({"SecondsPath": "$.wait"}),
            json!({}),
            "The SecondsPath parameter does not reference an input value: $.wait",
        ),
        (
            json!({"SecondsPath": "$.wait"}),
            json!({"wait": 1.5}),
            "The SecondsPath parameter cannot be parsed as a long value: $.wait == 1.5",
        ),
        (
            json!({"SecondsPath": "$.wait"}),
            json!({"wait": "soon"}),
            "The SecondsPath parameter cannot be parsed as a long value: $.wait == soon",
        ),
        (
            json!({"SecondsPath": "$.wait"}),
            json!({"wait": -3}),
            "The SecondsPath parameter references a negative value: $.wait == -3",
        ),
        (
            json!({"TimestampPath": "$.at"}),
            json!({"at": "tomorrow"}),
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.at == tomorrow",
        ),
        (
            json!({"TimestampPath": "$.at"}),
            json!({"at": "2016-12-05 21:29:29Z"}),
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.at == 2016-12-05 21:29:29Z",
        ),
        (
            json!({"TimestampPath": "$.at"}),
            json!({"at": "2200-01-01T00:00:00Z"}),
            "Wait state delay is too long.",
        ),
        (
            json!({"SecondsPath": "$.wait"}),
            json!({"wait": 2_147_483_648_u64}),
            "Wait state delay is too long.",
        ),
    ];
    for (field, input, cause) in cases {
        let mut wait = json!({"Type": "Wait", "End": true});
        if let (Some(wait), Some(field)) = (wait.as_object_mut(), field.as_object()) {
            wait.extend(field.clone());
        }
        let definition = json!({"StartAt": "W", "States": {"W": wait}});
        let execution = run(&definition, input.clone()).await;
        assert_eq!(execution.status, ExecutionStatus::Failed, "{input}");
        assert_eq!(
            execution.error.as_deref(),
            Some("States.Runtime"),
            "{input}"
        );
        let preamble =
            "An error occurred while executing the state 'W' (entered at the event id #2).";
        assert_eq!(
            execution.cause,
            Some(format!("{preamble} {cause}")),
            "{input}"
        );
    }
}

/// A Map state's `…Path` numbers, as recorded on AWS: a path may select a number or a
/// text of one; anything else, a negative count or a percentage outside 0 to 100 fails
/// with States.Runtime and the service's cause.
#[tokio::test]
async fn map_path_numbers_fail_with_the_service_causes() {
    let preamble =
        "An error occurred while executing the state 'MapState' (entered at the event id #2).";
    let cases = [
        (
            "MaxConcurrencyPath",
            json!("NoNumber"),
            r#"The MaxConcurrencyPath field refers to value "NoNumber" which is not a valid integer: $.v"#,
        ),
        (
            "MaxConcurrencyPath",
            json!({}),
            r#"The MaxConcurrencyPath field refers to value "{}" which is not a valid integer: $.v"#,
        ),
        (
            "ToleratedFailureCountPath",
            json!(-1),
            "ToleratedFailureCount cannot be negative.",
        ),
        (
            "ToleratedFailureCountPath",
            json!("NoNumber"),
            r#"The ToleratedFailureCountPath field refers to value "NoNumber" which is not a valid integer: $.v"#,
        ),
        (
            "ToleratedFailurePercentagePath",
            json!(100.1),
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        (
            "ToleratedFailurePercentagePath",
            json!({}),
            r#"The ToleratedFailurePercentagePath field refers to value "{}" which is not a valid float: $.v"#,
        ),
    ];
    for (field, value, cause) in cases {
        let definition = json!({"StartAt": "MapState", "States": {"MapState": {
            "Type": "Map", "ItemsPath": "$.items", field: "$.v",
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "End": true}}});
        let execution = run(&definition, json!({"items": [0], "v": value})).await;
        assert_eq!(
            execution.error.as_deref(),
            Some("States.Runtime"),
            "{field}"
        );
        assert_eq!(
            execution.cause,
            Some(format!("{preamble} {cause}")),
            "{field} {value}"
        );
    }
}

/// Fail's `ErrorPath` and `CausePath` that select nothing, as recorded on AWS.
#[tokio::test]
async fn fail_paths_that_select_nothing_name_their_field() {
    for (field, path) in [
        ("ErrorPath", "$.ErrorX"),
        ("CausePath", "$.NoSuchCausePath"),
    ] {
        let definition =
            json!({"StartAt": "fail", "States": {"fail": {"Type": "Fail", field: path}}});
        let execution = run(&definition, json!({"int-literal": 0})).await;
        assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            execution.cause,
            Some(format!(
                "An error occurred while executing the state 'fail' (entered at the event id #2). \
                 The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{{\"int-literal\":0}}'"
            ))
        );
    }
}

/// A path that stops at a property missing before its last step, and one whose last
/// step is missing, as recorded on AWS (Jayway's two wordings).
#[tokio::test]
async fn a_missing_property_on_the_way_is_named_apart_from_a_missing_leaf() {
    let preamble = "An error occurred while executing the state 'S' (entered at the event id #2).";
    for (path, cause) in [
        (
            "$.no.such.result.path",
            "Invalid path '$.no.such.result.path' : Missing property in path $['no']",
        ),
        (
            "$.NoSuchOutputPath",
            "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']",
        ),
        (
            "$.a.gone",
            "Invalid path '$.a.gone' : No results for path: $['a']['gone']",
        ),
    ] {
        let definition = json!({"StartAt": "S", "States": {"S": {"Type": "Pass",
            "Result": {"a": {}}, "OutputPath": path, "End": true}}});
        let execution = run(&definition, json!({})).await;
        assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
        assert_eq!(
            execution.cause,
            Some(format!("{preamble} {cause}")),
            "{path}"
        );
    }
}
