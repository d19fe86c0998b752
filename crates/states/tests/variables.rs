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

// "Passing data between states with variables", Step Functions developer guide: a Map
// iteration or Parallel branch reads the variables of the scope outside it, and what it
// assigns is its own, unseen outside.
#[tokio::test]
async fn map_iterations_see_outer_variables_and_keep_their_own() {
    let definition = json!({
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"rate": 10}, "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Calc", "States": {
                    "Calc": {"Type": "Pass", "Parameters": {"v.$": "$", "rate.$": "$rate"}, "Assign": {"inner.$": "$.v"}, "Next": "Read"},
                    "Read": {"Type": "Pass", "Parameters": {"v.$": "$.v", "rate.$": "$.rate", "inner.$": "$inner"}, "End": true}
                }},
                "Next": "After"
            },
            "After": {"Type": "Pass", "QueryLanguage": "JSONata",
                      "Output": {"items": "{% $states.input %}", "innerOutside": "{% $exists($inner) %}"}, "End": true}
        }
    });
    let execution = run(&definition, json!([1, 2])).await;
    assert_eq!(
        execution.output,
        Some(
            json!({"items": [{"v": 1, "rate": 10, "inner": 1}, {"v": 2, "rate": 10, "inner": 2}], "innerOutside": false})
        )
    );
}

// The same guide: a Map iteration or Parallel branch cannot assign a variable of an outer
// scope. The state that tries fails with States.Runtime naming the variable, and Catch
// can take it like any runtime failure.
#[tokio::test]
async fn assigning_an_outer_variable_inside_a_branch_fails_the_state() {
    for (kind, nested) in [
        (
            "Map",
            json!({"Type": "Map",
            "ItemProcessor": {"StartAt": "Inner", "States": {
                "Inner": {"Type": "Pass", "Assign": {"fresh": 1, "total": 2}, "End": true}}},
            "End": true}),
        ),
        (
            "Parallel",
            json!({"Type": "Parallel", "Branches": [
            {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "Assign": {"fresh": 1}, "End": true}}},
            {"StartAt": "Inner", "States": {
                "Inner": {"Type": "Pass", "Assign": {"total.$": "$"}, "End": true}}}],
            "End": true}),
        ),
    ] {
        let definition = json!({
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"total": 0}, "Next": "Nested"},
                "Nested": nested
            }
        });
        let execution = run(&definition, json!([1])).await;
        assert_eq!(execution.status, ExecutionStatus::Failed, "{kind}");
        assert_eq!(execution.error.as_deref(), Some("States.Runtime"), "{kind}");
        let cause = execution.cause.clone().unwrap_or_default();
        assert!(cause.contains("'Inner'"), "{kind}: {cause}");
        assert!(
            cause.contains("The variable 'total' belongs to an outer scope"),
            "{kind}: {cause}"
        );
    }
}

// A name first assigned outside after the branch ended was not outer while it ran; a
// nested branch's own variables are outer to the branches nested in it; a Catch's
// Assign inside a branch is held to the same rule.
#[tokio::test]
async fn the_outer_scope_is_what_was_visible_when_the_branch_began() {
    let definition = json!({
        "StartAt": "Each",
        "States": {
            "Each": {"Type": "Map",
                "ItemProcessor": {"StartAt": "Mine", "States": {
                    "Mine": {"Type": "Pass", "Assign": {"later": 1, "mine": 2}, "Next": "Deeper"},
                    "Deeper": {"Type": "Parallel", "Branches": [
                        {"StartAt": "Fail", "States": {
                            "Fail": {"Type": "Fail", "Error": "E"}}}],
                        "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"caught": true}, "Next": "Done"}],
                        "Next": "Done"},
                    "Done": {"Type": "Pass", "End": true}}},
                "ItemsPath": "$.outer", "ResultPath": null,
                "Next": "Later"},
            "Later": {"Type": "Pass", "Assign": {"later": 3}, "Next": "Nest"},
            "Nest": {"Type": "Map",
                "ItemProcessor": {"StartAt": "Own", "States": {
                    "Own": {"Type": "Pass", "Assign": {"own": 1}, "Next": "Inner"},
                    "Inner": {"Type": "Map", "ItemsPath": "$.xs",
                        "ItemProcessor": {"StartAt": "Write", "States": {
                            "Write": {"Type": "Pass", "Assign": {"own": 2}, "End": true}}},
                        "End": true}}},
                "ItemsPath": "$.outer",
                "End": true}
        }
    });
    let execution = run(&definition, json!({"outer": [{"xs": [1]}]})).await;
    // `Each` ran: `later` was nobody's when it assigned it, and the Catch's `caught` is
    // the iteration's own. `Inner` then fails: `own` is its outer iteration's.
    assert_eq!(execution.status, ExecutionStatus::Failed);
    let cause = execution.cause.clone().unwrap_or_default();
    assert!(cause.contains("'Write'"), "{cause}");
    assert!(cause.contains("The variable 'own'"), "{cause}");
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
