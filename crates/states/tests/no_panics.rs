//! Property tests: no definition and no input panics the parser or the interpreter.

mod common;

use common::*;
use orderly_states::{ExecutionStatus, StateMachine};
use proptest::prelude::*;
use serde_json::{Value, json};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-z$.\\[\\]*@?()0-9 ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z.$]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Field names and values drawn from the language, so generated states get deep
/// into parsing and running rather than failing at the first key.
fn state() -> impl Strategy<Value = Value> {
    let types = prop_oneof![
        Just("Pass"),
        Just("Task"),
        Just("Choice"),
        Just("Wait"),
        Just("Succeed"),
        Just("Fail"),
        Just("Map"),
        Just("Parallel")
    ];
    let paths = prop_oneof![
        Just(json!("$")),
        Just(json!("$.a")),
        Just(json!("$.a[0]")),
        Just(json!("$..b")),
        Just(json!("$$.Execution.Name")),
        Just(json!("$.a[?(@.x > 1)]")),
        Just(Value::Null),
        Just(json!("$.missing")),
        Just(json!("$x")),
    ];
    (types, paths.clone(), paths.clone(), paths, json_value(), any::<bool>()).prop_map(
        |(ty, input_path, output_path, result_path, extra, end)| {
            let mut s = json!({"Type": ty, "InputPath": input_path, "OutputPath": output_path, "ResultPath": result_path});
            match ty {
                "Task" => s["Resource"] = json!("arn:aws:states:::lambda:invoke"),
                "Choice" => {
                    s["Choices"] = json!([{"Variable": "$.a", "NumericGreaterThan": 1, "Next": "S"}]);
                    s["Default"] = json!("End");
                }
                "Wait" => s["SecondsPath"] = json!("$.a"),
                "Map" => s["ItemProcessor"] = json!({"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}),
                "Parallel" => s["Branches"] = json!([{"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}]),
                _ => {}
            }
            // Drop the fields a type does not take, so most generated states parse.
            if let Some(obj) = s.as_object_mut() {
                if matches!(ty, "Choice" | "Wait" | "Succeed" | "Fail") {
                    obj.remove("ResultPath");
                }
                if ty == "Fail" {
                    obj.remove("InputPath");
                    obj.remove("OutputPath");
                }
            }
            if let Value::Object(extra) = extra {
                for (k, v) in extra {
                    s[k] = v;
                }
            }
            if !matches!(ty, "Choice" | "Succeed" | "Fail") {
                if end { s["End"] = json!(true) } else { s["Next"] = json!("End") }
            }
            s
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsing_arbitrary_json_never_panics(definition in json_value()) {
        let _ = StateMachine::parse(&definition.to_string());
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC{0,64}") {
        let _ = StateMachine::parse(&text);
    }

    #[test]
    fn running_generated_machines_never_panics(s in state(), input in json_value()) {
        let definition = json!({"StartAt": "S", "States": {"S": s, "End": {"Type": "Succeed"}}});
        let Ok(machine) = StateMachine::parse(&definition.to_string()) else {
            return Ok(());
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build();
        let Ok(runtime) = runtime else { return Ok(()); };
        let execution = runtime.block_on(orderly_states::execute(&machine, input, options(Scripted::echo())));
        // Every run ends in a definite status with either an output or an error name.
        match execution.status {
            ExecutionStatus::Succeeded => prop_assert!(execution.output.is_some()),
            _ => prop_assert!(execution.error.is_some()),
        }
    }
}
