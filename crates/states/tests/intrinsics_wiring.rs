//! Intrinsic functions are called from Parameters, ResultSelector, Assign and the Fail
//! state's paths; the shared benchmark workloads use them.
//!
//! Where this build has no intrinsic evaluator (it answers `unsupported:`), the tests
//! check that the failure is reported as such rather than as wrong output.

mod common;

use common::*;
use orderly_states::ExecutionStatus;
use serde_json::{Value, json};

fn intrinsics_available() -> bool {
    orderly_states::intrinsics::evaluate("States.MathAdd(1, 2)", &json!({}), &json!({})).is_ok()
}

fn workload(name: &str) -> String {
    let path = format!("{}/benches/workloads/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn intrinsics_in_parameters_either_run_or_say_unsupported() {
    let definition = single(
        json!({"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}', $.name)"}, "End": true}),
    );
    let execution = run(&definition, json!({"name": "Ada"})).await;
    if intrinsics_available() {
        assert_eq!(execution.output, Some(json!({"greeting": "Hello, Ada"})));
    } else {
        assert_eq!(execution.status, ExecutionStatus::Failed);
        assert!(execution.cause.unwrap_or_default().contains("unsupported:"));
    }
}

#[tokio::test]
async fn the_shared_loop_workload_counts_to_its_limit() {
    if !intrinsics_available() {
        return;
    }
    let machine = orderly_states::StateMachine::parse(&workload("sfn-loop.asl.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let execution = orderly_states::execute(&machine, json!({}), options(Scripted::echo())).await;
    assert_eq!(
        execution.output,
        Some(json!({"i": 5000, "limit": 5000, "acc": [], "label": "item-4999"})),
        "{:?}",
        execution.cause
    );
    // Start, Init entered/exited, 5,000 × (Step + Check) entered/exited, Done, end.
    assert_eq!(execution.history.len(), 1 + 2 + 5000 * 4 + 2 + 1);
}

#[tokio::test]
async fn the_shared_map_workload_classifies_every_item() {
    if !intrinsics_available() {
        return;
    }
    let machine = orderly_states::StateMachine::parse(&workload("sfn-map.asl.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let input: Value =
        serde_json::from_str(&workload("sfn-map.input.json")).unwrap_or_else(|e| panic!("{e}"));
    let execution =
        orderly_states::execute(&machine, input.clone(), options(Scripted::echo())).await;
    let output = execution.output.unwrap_or_default();
    let items = input["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(output.as_array().map(Vec::len), Some(items.len()));
    for (item, out) in items.iter().zip(output.as_array().into_iter().flatten()) {
        let qty = item["qty"].as_i64().unwrap_or_default();
        assert_eq!(out["kind"], if qty > 3 { "bulk" } else { "single" });
        assert_eq!(
            out["line"],
            json!(format!(
                "{} x {}",
                item["sku"].as_str().unwrap_or_default(),
                qty
            ))
        );
    }
}

#[tokio::test]
async fn intrinsics_read_variables_and_the_context() {
    if !intrinsics_available() {
        return;
    }
    let definition = json!({
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"prefix": "order"}, "Next": "Use"},
            "Use": {"Type": "Pass", "Parameters": {
                "label.$": "States.Format('{}-{}', $prefix, $.id)",
                "run.$": "States.Format('run {}', $$.Execution.Name)"
            }, "End": true}
        }
    });
    let execution = run(&definition, json!({"id": 7})).await;
    assert_eq!(
        execution.output,
        Some(json!({"label": "order-7", "run": "run test-execution"})),
        "{:?}",
        execution.cause
    );
}

#[test]
fn malformed_intrinsics_are_rejected_before_running() {
    let definition = single(
        json!({"Type": "Pass", "Parameters": {"x.$": "States.Formatt('{}', $.a)"}, "End": true}),
    );
    let err = refusal(&definition);
    // CreateStateMachine's words and location, recorded on AWS: the object holding the key.
    assert!(
        err.contains(
            "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call at /States/S/Parameters'"
        ),
        "{err}"
    );
}

// intrinsic-functions.html (introduction): "To use intrinsic functions, you must specify .$
// in the key value in your state machine definitions": `"KeyId.$": "States.Array($.Id)"`.
// Without `.$` the text is an ordinary string.
#[tokio::test]
async fn guide_intrinsics_need_a_dollar_key() {
    if !intrinsics_available() {
        return;
    }
    let definition = single(json!({"Type": "Pass", "Parameters": {
        "KeyId.$": "States.Array($.Id)",
        "KeyText": "States.Array($.Id)"
    }, "End": true}));
    let execution = run(&definition, json!({"Id": 123456})).await;
    assert_eq!(
        execution.output,
        Some(json!({"KeyId": [123456], "KeyText": "States.Array($.Id)"})),
        "{:?}",
        execution.cause
    );
}

// intrinsic-functions.html#intrinsic-functions-states: "Pass state: Parameters", "Task
// state: Parameters, ResultSelector", "Parallel state: Parameters, ResultSelector", "Map
// state: Parameters, ResultSelector".
#[tokio::test]
async fn guide_fields_that_support_intrinsic_functions() {
    if !intrinsics_available() {
        return;
    }
    let definition = json!({
        "StartAt": "Pass",
        "States": {
            "Pass": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Task"},
            "Task": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                "ResultSelector": {"n.$": "States.MathAdd($.n, 1)"},
                "Next": "Parallel"
            },
            "Parallel": {
                "Type": "Parallel",
                "Parameters": {"n.$": "States.MathAdd($.n, 1)"},
                "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}],
                "ResultSelector": {
                    "items.$": "States.ArrayRange(States.MathAdd($[0].n, 1), States.MathAdd($[0].n, 2), 1)"
                },
                "Next": "Map"
            },
            "Map": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "Parameters": {"n.$": "States.MathAdd($$.Map.Item.Value, 1)"},
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}},
                "ResultSelector": {"ns.$": "States.Array($[0].n, $[1].n)"},
                "End": true
            }
        }
    });
    let input = json!({"n": 0});
    let execution = run(&definition, input).await;
    // Pass gives 1, Task's Parameters 2 and ResultSelector 3, Parallel's Parameters 4 and
    // ResultSelector the items [5, 6]; Map's Parameters add 1 to each, its ResultSelector
    // collects them.
    assert_eq!(
        execution.output,
        Some(json!({"ns": [6, 7]})),
        "{:?}",
        execution.cause
    );
}

// intrinsic-functions.html#intrinsic-functions-escapes: "If an open escape backslash \ is
// found in the intrinsic invocation string, the interpreter will return a runtime error."
// The definition is accepted; the state fails with States.Runtime when it runs.
#[tokio::test]
async fn guide_open_escape_fails_the_state_at_run_time() {
    if !intrinsics_available() {
        return;
    }
    let definition = single(json!({"Type": "Pass", "Parameters": {
        "path.$": "States.Format('C:\\dir\\{}', $.name)"
    }, "End": true}));
    let execution = run(&definition, json!({"name": "x"})).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
    assert!(
        execution
            .cause
            .unwrap_or_default()
            .contains("open escape backslash"),
    );
}
