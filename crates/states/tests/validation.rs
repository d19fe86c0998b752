//! Definitions are checked before they run, with CreateStateMachine's error codes and
//! the location of the offending field.

mod common;

use common::{problems, refusal};
use orderly_states::StateMachine;
use serde_json::{Value, json};

#[test]
fn invalid_definitions_name_the_state_and_field() {
    let pass_end = json!({"Type": "Pass", "End": true});
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "missing StartAt",
            json!({"States": {"A": pass_end}}),
            "SCHEMA_VALIDATION_FAILED",
            "/",
        ),
        (
            "StartAt names no state",
            json!({"StartAt": "B", "States": {"A": pass_end}}),
            "MISSING_TRANSITION_TARGET",
            "/StartAt",
        ),
        (
            "empty States",
            json!({"StartAt": "A", "States": {}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States",
        ),
        (
            "Next names no state",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}),
            "MISSING_TRANSITION_TARGET",
            "/States/A/Next",
        ),
        (
            "unreachable state",
            json!({"StartAt": "A", "States": {"A": pass_end, "B": pass_end}}),
            "UNREACHABLE_STATE",
            "/States/B",
        ),
        (
            "no terminal state",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}),
            "MISSING_END_STATE",
            "/States",
        ),
        (
            "Next and End together",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/End",
        ),
        (
            "neither Next nor End",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            "unknown type",
            json!({"StartAt": "A", "States": {"A": {"Type": "Sleep", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Type",
        ),
        (
            "field not allowed on the type",
            json!({"StartAt": "A", "States": {"A": {"Type": "Succeed", "ResultPath": "$.x"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/ResultPath",
        ),
        (
            "JSONPath field in a JSONata state",
            json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/InputPath",
        ),
        (
            "JSONPath state in a JSONata machine",
            json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            // Recorded on AWS: the state's location, not its QueryLanguage field's.
            "/States/A",
        ),
        (
            "bad InputPath",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "a.b", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/InputPath",
        ),
        (
            "ResultPath must be a reference path",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPath": "$.a[*]", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/ResultPath",
        ),
        (
            "Parameters path value must be a string",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x": {"y.$": 3}}, "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Parameters/x/y.$",
        ),
        (
            "Task without Resource",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            "Resource that is not an ARN",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "lambda", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Resource",
        ),
        (
            "TimeoutSeconds and its path",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/TimeoutSeconds",
        ),
        (
            "heartbeat not below timeout",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/HeartbeatSeconds",
        ),
        (
            "States.ALL not alone",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["States.ALL", "E"]}], "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Retry[0]/ErrorEquals",
        ),
        (
            "States.ALL retrier not last",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}], "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Retry[0]/ErrorEquals",
        ),
        (
            "BackoffRate below 1",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["E"], "BackoffRate": 0.5}], "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Retry[0]/BackoffRate",
        ),
        (
            "bad JitterStrategy",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["E"], "JitterStrategy": "SOME"}], "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Retry[0]/JitterStrategy",
        ),
        (
            "Catch without Next",
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["E"]}], "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Catch[0]/Next",
        ),
        (
            "Choice without Choices",
            json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Default": "B"}, "B": pass_end}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Choices",
        ),
        (
            "Choice rule with a wrong operand type",
            json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": "1", "Next": "B"}]}, "B": pass_end}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Choices[0]/NumericEquals",
        ),
        (
            "Wait with two forms",
            json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            "Fail with Error and ErrorPath",
            json!({"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Error",
        ),
        (
            "Parallel without Branches",
            json!({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Branches",
        ),
        (
            "problem inside a branch",
            json!({"StartAt": "A", "States": {"A": {"Type": "Parallel", "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}], "End": true}}}),
            "MISSING_TRANSITION_TARGET",
            "/States/A/Branches[0]/States/X/Next",
        ),
        (
            "Map without ItemProcessor",
            json!({"StartAt": "A", "States": {"A": {"Type": "Map", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            "Map with ItemSelector and Parameters",
            json!({"StartAt": "A", "States": {"A": {"Type": "Map", "ItemSelector": {}, "Parameters": {}, "ItemProcessor": {"StartAt": "P", "States": {"P": pass_end}}, "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Parameters",
        ),
        (
            "bad variable name",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"1x": 1}, "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Assign/1x",
        ),
        (
            "not JSON",
            json!("just text"),
            "SCHEMA_VALIDATION_FAILED",
            "/",
        ),
    ];
    for (name, definition, code, location) in cases {
        let found = problems(&definition);
        assert!(
            found.iter().any(|(c, l)| c == code && l == location),
            "{name}: expected {code} at {location}, got {found:?}"
        );
    }
}

#[test]
fn malformed_json_is_reported() {
    let err = StateMachine::parse("{\"StartAt\": ")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION"),
        "{err}"
    );
}

#[test]
fn valid_definitions_parse() {
    let definitions = [
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}),
        json!({"Comment": "c", "Version": "1.0", "TimeoutSeconds": 10, "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
        json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $states.input %}", "End": true}}}),
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"x": "{% 1 %}"}, "End": true}}}),
    ];
    for d in definitions {
        assert!(StateMachine::parse(&d.to_string()).is_ok(), "{d}");
    }
}

/// CreateStateMachine's messages for definitions recorded on AWS, word for word.
#[test]
fn recorded_refusals_read_as_aws_writes_them() {
    let cases = [
        (
            json!({}),
            "SCHEMA_VALIDATION_FAILED: These fields are required: [States, StartAt] at /",
        ),
        (
            json!({"States": {"P": {"Type": "Pass", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /",
        ),
        (
            json!({"StartAt": "P"}),
            "SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /",
        ),
        (
            json!({"StartAt": "WaitUntil", "States": {"WaitUntil": {"Type": "Wait",
                "Timestamp": "2016-12-05 21:29:29Z", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at /States/WaitUntil/Timestamp",
        ),
        (
            json!({"QueryLanguage": "JSONata", "StartAt": "WaitUntil", "States": {"WaitUntil": {
                "Type": "Wait", "Timestamp": "2016-12-05T21:29:29", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at /States/WaitUntil/Timestamp",
        ),
        (
            json!({"QueryLanguage": "JSONata", "StartAt": "Pass", "States": {"Pass": {
                "Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at /States/Pass",
        ),
        (
            json!({"StartAt": "IntrinsicEscape", "States": {"IntrinsicEscape": {"Type": "Pass",
                "Parameters": {"parsed.$": "States.StringToJson($.x"}, "End": true}}}),
            "SCHEMA_VALIDATION_FAILED: The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call at /States/IntrinsicEscape/Parameters",
        ),
    ];
    for (definition, message) in cases {
        let err = refusal(&definition);
        assert_eq!(
            err,
            format!("Invalid State Machine Definition: '{message}'"),
            "{definition}"
        );
    }
}

/// A Task's `Credentials` without a `RoleArn`, as recorded on AWS.
#[test]
fn credentials_need_a_role_arn() {
    for credentials in [json!({}), json!({"InvalidField": "invalid"})] {
        let definition = json!({"QueryLanguage": "JSONata", "StartAt": "State0", "States": {"State0": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": "{% $states.input %}", "Credentials": credentials, "End": true}}});
        let err = refusal(&definition);
        assert_eq!(
            err,
            "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'RoleArn' is required but was missing at /States/State0/Credentials'"
        );
    }
    let with_role = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke", "Credentials": {"RoleArn.$": "$.role"},
        "End": true}}});
    assert!(orderly_states::StateMachine::parse(&with_role.to_string()).is_ok());
}
