//! JSONata mode: QueryLanguage at the top and per state, Arguments / Output / Assign /
//! Condition / Items / ItemSelector, `{% %}` templates and `$states`.
//!
//! The expression tests need the JSONata evaluator; where this build has none (it
//! answers `unsupported:`), they check only the parts that need no evaluation.

mod common;

use common::*;
use orderly_states::{ExecutionStatus, TaskFailure};
use serde_json::{Map, json};

fn evaluator_available() -> bool {
    orderly_states::jsonata::evaluate("1 + 1", &Map::new()) == Ok(json!(2))
}

#[tokio::test]
async fn static_values_need_no_evaluator() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Arguments": {"FunctionName": "f", "Payload": {"fixed": [1, 2]}}, "Next": "P"},
            "P": {"Type": "Pass", "Output": {"done": true}, "End": true}
        }
    });
    let tasks = Scripted::echo();
    let execution = run_with(&definition, json!({"in": 1}), tasks.clone()).await;
    assert_eq!(execution.output, Some(json!({"done": true})));
    let sent = tasks
        .requests
        .lock()
        .map(|r| r[0].parameters.clone())
        .unwrap_or_default();
    assert_eq!(
        sent,
        json!({"FunctionName": "f", "Payload": {"fixed": [1, 2]}})
    );
}

#[tokio::test]
async fn without_output_a_task_passes_on_its_result() {
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}});
    let tasks = Scripted::new(|_, _| Ok(json!({"result": 1})));
    let execution = run_with(&definition, json!({"in": 1}), tasks.clone()).await;
    assert_eq!(execution.output, Some(json!({"result": 1})));
    // Without Arguments the task receives the state input.
    let sent = tasks
        .requests
        .lock()
        .map(|r| r[0].parameters.clone())
        .unwrap_or_default();
    assert_eq!(sent, json!({"in": 1}));
}

#[tokio::test]
async fn a_failing_expression_raises_a_catchable_query_evaluation_error() {
    let definition = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "QueryLanguage": "JSONata", "Resource": "arn:aws:states:::lambda:invoke",
                  "Arguments": {"x": "{% $number('not a number') %}"},
                  "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Handled"}], "End": true},
            "Handled": {"Type": "Pass", "End": true}
        }
    });
    let execution = run(&definition, json!({})).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    // A JSONata catcher without Output passes on the error output.
    let output = execution.output.unwrap_or_default();
    assert_eq!(output["Error"], "States.QueryEvaluationError");
    assert_eq!(
        output["Cause"],
        "An error occurred while executing the state 'T' (entered at the event id #2). \
         The JSONata expression '$number('not a number')' specified for the field 'Arguments/x' \
         threw an error during evaluation. D3030: Unable to cast value to a number: \"not a number\""
    );
}

/// Causes recorded on AWS for JSONata fields that fail: the cause names the expression
/// as written (without `{% %}`) and the field down to the key that holds it.
#[tokio::test]
async fn a_failing_field_is_named_down_to_its_key() {
    let prefix =
        "An error occurred while executing the state 'State0' (entered at the event id #2).";
    let pass = |fields: serde_json::Value| {
        let mut state = json!({"Type": "Pass", "End": true});
        if let (Some(s), Some(f)) = (state.as_object_mut(), fields.as_object()) {
            s.extend(f.clone());
        }
        json!({"QueryLanguage": "JSONata", "StartAt": "State0", "States": {"State0": state}})
    };
    let task = json!({"QueryLanguage": "JSONata", "StartAt": "State0", "States": {"State0": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "{% $doesNotExist %}", "Payload": {}}, "End": true}}});
    let cases = [
        (
            pass(json!({"Output": "{% $doesNotExist %}"})),
            "Output",
            "returned nothing (undefined).",
        ),
        (
            pass(json!({"Output": {"result": "{% $doesNotExist %}"}})),
            "Output/result",
            "returned nothing (undefined).",
        ),
        (
            pass(json!({"Assign": {"result": "{% $doesNotExist %}"}})),
            "Assign/result",
            "returned nothing (undefined).",
        ),
        (
            task,
            "Arguments/FunctionName",
            "returned nothing (undefined).",
        ),
    ];
    for (definition, location, tail) in cases {
        let execution = run(&definition, json!({})).await;
        assert_eq!(
            execution.error.as_deref(),
            Some("States.QueryEvaluationError")
        );
        let cause = format!(
            "{prefix} The JSONata expression '$doesNotExist' specified for the field '{location}' {tail}"
        );
        assert_eq!(execution.cause.as_deref(), Some(cause.as_str()));
        // AWS records the failed evaluation before the execution fails.
        assert_eq!(
            event_types(&execution)[2..],
            ["EvaluationFailed", "ExecutionFailed"]
        );
        assert_eq!(
            execution.history_json()[2]["evaluationFailedEventDetails"],
            json!({"error": "States.QueryEvaluationError", "cause": cause,
                   "location": location, "state": "State0"})
        );
    }
}

/// Map items that are not an array, as recorded on AWS: the state input (no `Items`)
/// and an `Items` expression each have their own cause, and both print the value.
#[tokio::test]
async fn map_items_that_are_not_an_array_name_the_value() {
    let map = |items: Option<&str>| {
        let mut state = json!({"Type": "Map", "MaxConcurrency": 1,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Pass",
                              "States": {"Pass": {"Type": "Pass", "End": true}}},
            "End": true});
        if let (Some(s), Some(items)) = (state.as_object_mut(), items) {
            s.insert("Items".into(), json!(items));
        }
        json!({"QueryLanguage": "JSONata", "StartAt": "Start", "States": {
            "Start": {"Type": "Pass", "Output": "{% $states.input.items %}", "Next": "MapIterateState"},
            "MapIterateState": state}})
    };
    let prefix = "An error occurred while executing the state 'MapIterateState' (entered at the event id #4).";
    for (value, type_name) in [
        (json!(1), "number"),
        (json!("string"), "string"),
        (json!(true), "boolean"),
        (json!({"foo": "bar"}), "object"),
        (json!(null), "null"),
    ] {
        let input = json!({"items": value});
        let execution = run(&map(None), input.clone()).await;
        assert_eq!(
            execution.error.as_deref(),
            Some("States.QueryEvaluationError")
        );
        // The failed evaluation fails the Map state itself; this form names no location.
        assert_eq!(
            event_types(&execution)[4..],
            ["EvaluationFailed", "MapStateFailed", "ExecutionFailed"]
        );
        assert!(
            execution.history_json()[4]["evaluationFailedEventDetails"]
                .get("location")
                .is_none()
        );
        assert_eq!(
            execution.cause,
            Some(format!(
                "{prefix} Map state input must be an array but was: {value}"
            ))
        );
        let execution = run(&map(Some("{% $states.input %}")), input).await;
        assert_eq!(
            execution.history_json()[4]["evaluationFailedEventDetails"]["location"],
            "Items"
        );
        assert_eq!(
            execution.cause,
            Some(format!(
                "{prefix} The JSONata expression '$states.input' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{type_name}' for value: {value}"
            ))
        );
    }
}

#[tokio::test]
async fn jsonata_catcher_output_and_assign() {
    if !evaluator_available() {
        return;
    }
    let tasks = Scripted::new(|_, _| Err(TaskFailure::new("Declined", "card expired")));
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Charge",
        "States": {
            "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Catch": [{"ErrorEquals": ["States.ALL"],
                                  "Output": {"order": "{% $states.input.order %}", "why": "{% $states.errorOutput.Cause %}"},
                                  "Assign": {"failedWith": "{% $states.errorOutput.Error %}"},
                                  "Next": "Report"}],
                       "End": true},
            "Report": {"Type": "Pass", "Output": "{% $merge([$states.input, {'error': $failedWith}]) %}", "End": true}
        }
    });
    let execution = run_with(&definition, json!({"order": 9}), tasks).await;
    assert_eq!(
        execution.output,
        Some(json!({"order": 9, "why": "card expired", "error": "Declined"}))
    );
}

#[tokio::test]
async fn jsonata_expressions_in_every_field() {
    if !evaluator_available() {
        return;
    }
    let tasks = Scripted::new(|r, _| {
        Ok(json!({"Payload": {"doubled": r.parameters["n"].as_i64().unwrap_or(0) * 2}}))
    });
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"factor": 3}, "Output": "{% $states.input %}", "Next": "Call"},
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Arguments": {"n": "{% $states.input.n * $factor %}"},
                     "TimeoutSeconds": "{% 10 %}",
                     "Output": {"value": "{% $states.result.Payload.doubled %}", "name": "{% $states.context.State.Name %}"},
                     "Next": "Route"},
            "Route": {"Type": "Choice",
                      "Choices": [{"Condition": "{% $states.input.value > 10 %}", "Next": "Each",
                                   "Output": {"big": "{% $states.input.value %}"}}],
                      "Default": "Small"},
            "Each": {"Type": "Map", "Items": "{% [1, 2, 3] %}",
                     "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}", "i": "{% $states.context.Map.Item.Index %}"},
                     "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Output": "{% $states.input.v * $states.input.i %}", "End": true}}},
                     "Output": {"sum": "{% $sum($states.result) %}"},
                     "Next": "Done"},
            "Small": {"Type": "Fail", "Error": "{% 'TooSmall' %}", "Cause": "{% $string($states.input.value) %}"},
            "Done": {"Type": "Succeed"}
        }
    });
    let execution = run_with(&definition, json!({"n": 2}), tasks.clone()).await;
    assert_eq!(
        execution.output,
        Some(json!({"sum": 8})),
        "{:?}",
        execution.cause
    );
    let request = tasks
        .requests
        .lock()
        .map(|r| r[0].clone())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request.parameters, json!({"n": 6}));
    assert_eq!(request.timeout_seconds, Some(10));
    let small = run_with(&definition, json!({"n": 1}), tasks).await;
    assert_eq!(small.error.as_deref(), Some("TooSmall"));
    assert_eq!(small.cause.as_deref(), Some("6"));
}

#[tokio::test]
async fn a_non_boolean_condition_is_a_query_evaluation_error() {
    if !evaluator_available() {
        return;
    }
    let definition = json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Condition": "{% 'yes' %}", "Next": "D"}]},
        "D": {"Type": "Succeed"}}});
    let execution = run(&definition, json!({})).await;
    assert_eq!(
        execution.error.as_deref(),
        Some("States.QueryEvaluationError")
    );
}

#[tokio::test]
async fn jsonpath_and_jsonata_states_mix_in_a_jsonpath_machine() {
    let definition = json!({
        "StartAt": "Old",
        "States": {
            "Old": {"Type": "Pass", "Parameters": {"v.$": "$.x"}, "Assign": {"kept.$": "$.v"}, "Next": "New"},
            "New": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"static": 1}, "End": true}
        }
    });
    let execution = run(&definition, json!({"x": 5})).await;
    assert_eq!(execution.output, Some(json!({"static": 1})));
}

/// `$now()` and `$millis()` read the execution's clock, so on virtual time they answer the
/// virtual instant: the start of the execution, then an hour later after a one-hour Wait.
#[tokio::test]
async fn now_and_millis_read_the_execution_clock() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Before",
        "States": {
            "Before": {"Type": "Pass", "Output": {"start": "{% $now() %}"}, "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "After"},
            "After": {"Type": "Pass",
                      "Output": {"start": "{% $states.input.start %}", "millis": "{% $millis() %}"},
                      "End": true}
        }
    });
    let execution = run(&definition, json!({})).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "{execution:?}"
    );
    // common::options starts the virtual clock at 2024-01-01T00:00:00Z.
    assert_eq!(
        execution.output,
        Some(json!({"start": "2024-01-01T00:00:00.000Z", "millis": 1_704_070_800_000_i64}))
    );
}

/// A JSONata Wait `Timestamp` that is no ISO 8601 timestamp, as recorded on AWS: a
/// query evaluation error naming the value, after an `EvaluationFailed` event.
#[tokio::test]
async fn a_wait_timestamp_that_is_no_timestamp_names_the_value() {
    for bad in [
        "2016-13-05T21:29:29Z",
        "05-12-2016T21:29:29Z",
        "2016-12-05T21:29:29",
        "2016-12-05 21:29:29Z",
    ] {
        let definition = json!({"QueryLanguage": "JSONata", "StartAt": "WaitState", "States": {
            "WaitState": {"Type": "Wait", "Timestamp": "{% $states.input.TimestampValue %}", "End": true}}});
        let execution = run(&definition, json!({"TimestampValue": bad})).await;
        assert_eq!(
            execution.error.as_deref(),
            Some("States.QueryEvaluationError")
        );
        assert_eq!(
            execution.cause,
            Some(format!(
                "An error occurred while executing the state 'WaitState' (entered at the event id #2). \
                 The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {bad}"
            ))
        );
        assert_eq!(
            execution.history_json()[2]["evaluationFailedEventDetails"]["location"],
            "Timestamp"
        );
    }
}
