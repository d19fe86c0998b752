//! Workflow variables: Assign, references as `$name`, and AWS's scoping rules.

mod common;

use common::*;
use orderly_states::{ExecutionStatus, TaskFailure};
use serde_json::json;

#[tokio::test]
async fn assigned_variables_are_readable_later() {
    let definition = json!({
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Parameters": {"id": 7}, "Assign": {"orderId.$": "$.id", "fixed": "x", "nested": {"n.$": "$.id"}}, "Next": "Use"},
            "Use": {"Type": "Pass", "Parameters": {"id.$": "$orderId", "fixed.$": "$fixed", "n.$": "$nested.n"}, "End": true}
        }
    });
    let execution = run(&definition, json!({})).await;
    assert_eq!(
        execution.output,
        Some(json!({"id": 7, "fixed": "x", "n": 7}))
    );
}

#[tokio::test]
async fn assignments_read_the_values_before_the_state() {
    let definition = json!({
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"a": 1, "b": 2}, "Next": "Swap"},
            "Swap": {"Type": "Pass", "Assign": {"a.$": "$b", "b.$": "$a"}, "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"a.$": "$a", "b.$": "$b"}, "End": true}
        }
    });
    let execution = run(&definition, json!({})).await;
    assert_eq!(execution.output, Some(json!({"a": 2, "b": 1})));
}

#[tokio::test]
async fn task_assign_sees_the_selected_result() {
    let tasks = Scripted::new(|_, _| Ok(json!({"Payload": {"total": 42}})));
    let definition = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "ResultSelector": {"total.$": "$.Payload.total"}, "Assign": {"total.$": "$.total"},
                  "ResultPath": null, "Next": "Show"},
            "Show": {"Type": "Pass", "Parameters": {"total.$": "$total"}, "End": true}
        }
    });
    let execution = run_with(&definition, json!({}), tasks).await;
    assert_eq!(execution.output, Some(json!({"total": 42})));
}

#[tokio::test]
async fn map_iterations_see_outer_variables_and_keep_their_own() {
    let definition = json!({
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"rate": 10, "inner": "outer-value"}, "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Calc", "States": {
                    "Calc": {"Type": "Pass", "Parameters": {"v.$": "$", "rate.$": "$rate"}, "Assign": {"inner.$": "$.v"}, "Next": "Read"},
                    "Read": {"Type": "Pass", "Parameters": {"v.$": "$.v", "rate.$": "$.rate", "inner.$": "$inner"}, "End": true}
                }},
                "Next": "After"
            },
            "After": {"Type": "Pass", "Parameters": {"items.$": "$", "inner.$": "$inner"}, "End": true}
        }
    });
    let execution = run(&definition, json!([1, 2])).await;
    assert_eq!(
        execution.output,
        Some(
            json!({"items": [{"v": 1, "rate": 10, "inner": 1}, {"v": 2, "rate": 10, "inner": 2}], "inner": "outer-value"})
        )
    );
}

#[tokio::test]
async fn catch_assign_sees_the_error_output() {
    let tasks = Scripted::new(|_, _| Err(TaskFailure::new("Declined", "card")));
    let definition = json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"why.$": "$.Error"}, "Next": "Show"}], "End": true},
            "Show": {"Type": "Pass", "Parameters": {"why.$": "$why"}, "End": true}
        }
    });
    let execution = run_with(&definition, json!({}), tasks).await;
    assert_eq!(execution.output, Some(json!({"why": "Declined"})));
}

#[tokio::test]
async fn reading_an_unassigned_variable_fails() {
    let definition = single(json!({"Type": "Pass", "Parameters": {"x.$": "$nope"}, "End": true}));
    let execution = run(&definition, json!({})).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
}

/// Workflow variables in the `…Path` fields that read a value ("Passing data between
/// states with variables", Step Functions developer guide): ItemsPath,
/// MaxConcurrencyPath, ToleratedFailureCountPath, SecondsPath and ErrorPath/CausePath
/// read a variable as they read the input. Before, the definition was refused: "must be
/// a valid Reference Path".
#[tokio::test]
async fn path_fields_read_variables() {
    let definition = json!({
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {
                "items": [1, 2, 3], "limits": {"width": 2, "tolerated": 0}, "delay": 0
            }, "Next": "Each"},
            "Each": {"Type": "Map", "ItemsPath": "$items", "MaxConcurrencyPath": "$limits.width",
                     "ToleratedFailureCountPath": "$limits.tolerated",
                     "ItemProcessor": {"StartAt": "Double", "States": {
                         "Double": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($, $)"}, "End": true}
                     }}, "Next": "Pause"},
            "Pause": {"Type": "Wait", "SecondsPath": "$delay", "End": true}
        }
    });
    let execution = run(&definition, json!({})).await;
    assert_eq!(
        execution.output,
        Some(json!([{"v": 2}, {"v": 4}, {"v": 6}]))
    );
    let failing = json!({
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"why": {"error": "Custom.Stop", "cause": "from a variable"}}, "Next": "Stop"},
            "Stop": {"Type": "Fail", "ErrorPath": "$why.error", "CausePath": "$why.cause"}
        }
    });
    let execution = run(&failing, json!({})).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("Custom.Stop"));
    assert_eq!(execution.cause.as_deref(), Some("from a variable"));
}
