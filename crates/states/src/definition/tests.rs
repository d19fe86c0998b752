//! JSONata expressions are parsed when the definition loads: once per expression, never
//! while the machine runs, and a syntax error rejects the definition.

use super::StateMachine;
use crate::exec::{ExecutionOptions, ExecutionStatus, execute_blocking};
use crate::jsonata::parser_counter::parses;
use serde_json::json;

#[test]
fn expressions_are_parsed_once_at_load_and_never_while_running() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Total",
        "States": {
            "Total": {
                "Type": "Pass",
                // The same expression twice in one state is parsed once.
                "Assign": {"n": "{% $count($states.input.items) %}"},
                "Output": {
                    "count": "{% $count($states.input.items) %}",
                    "sum": "{% $sum($states.input.items) %}"
                },
                "End": true
            }
        }
    });
    let before = parses();
    let machine = StateMachine::parse(&definition.to_string()).expect("a valid definition");
    assert_eq!(parses() - before, 2, "one parse per distinct expression");

    let after_load = parses();
    for _ in 0..3 {
        let execution = execute_blocking(
            &machine,
            json!({"items": [1, 2, 3]}),
            ExecutionOptions::default(),
        )
        .expect("a runtime");
        assert_eq!(execution.status, ExecutionStatus::Succeeded);
        assert_eq!(execution.output, Some(json!({"count": 3, "sum": 6})));
    }
    assert_eq!(parses(), after_load, "running parses nothing");
}

#[test]
fn a_syntax_error_rejects_the_definition_at_load() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": {"x": "{% 1 + %}"}, "End": true}}
    });
    let error = StateMachine::parse(&definition.to_string()).expect_err("rejected");
    let problem = error.problems.first().expect("a problem");
    assert_eq!(problem.code, "SCHEMA_VALIDATION_FAILED");
    assert_eq!(problem.location, "/States/P/Output/x");
    assert_eq!(
        problem.message,
        "The JSONata expression '1 +' is invalid: S0207: Unexpected end of expression"
    );
}
