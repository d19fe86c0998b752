//! `orderly states execute`: runs a definition and prints a describe-execution object.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Output};

fn orderly(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orderly"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run orderly: {e}"))
}

fn printed(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn scratch(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("orderly-states-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn a_successful_run_prints_status_and_output() {
    let definition = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$.x"}, "End": true}}});
    let out = orderly(&[
        "states",
        "execute",
        "--definition",
        &definition.to_string(),
        "--input",
        r#"{"x": 5}"#,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let described = printed(&out);
    assert_eq!(described["status"], "SUCCEEDED");
    assert_eq!(described["output"], "{\"got\":5}");
    assert!(
        described["executionArn"]
            .as_str()
            .unwrap_or_default()
            .contains(":execution:")
    );
}

#[test]
fn a_failed_run_still_exits_zero() {
    let definition = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "because"}}});
    let path = scratch("fail.asl.json", &definition.to_string());
    let file_arg = format!("file://{}", path.display());
    let out = orderly(&[
        "states",
        "execute",
        "--definition",
        &file_arg,
        "--input",
        "{}",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let described = printed(&out);
    assert_eq!(described["status"], "FAILED");
    assert_eq!(described["error"], "Nope");
    assert_eq!(described["cause"], "because");
    assert!(described.get("output").is_none());
}

#[test]
fn an_invalid_definition_exits_two_with_the_problem() {
    let out = orderly(&[
        "states",
        "execute",
        "--definition",
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}"#,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("MISSING_TRANSITION_TARGET"), "{stderr}");
    assert!(stderr.contains("/States/A/Next"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn skip_waits_and_mocks_run_a_retrying_task() {
    let definition = json!({
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "Call"},
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Parameters": {"FunctionName": "f"},
                     "Retry": [{"ErrorEquals": ["Lambda.TimeoutException"], "IntervalSeconds": 60, "MaxAttempts": 2}],
                     "ResultSelector": {"body.$": "$.Payload.body"}, "End": true}
        }
    });
    let config = json!({
        "StateMachines": {"Demo": {"TestCases": {"Flaky": {"Call": "TimeoutThenOk"}}}},
        "MockedResponses": {"TimeoutThenOk": {
            "0-1": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "timed out"}},
            "2": {"Return": {"StatusCode": 200, "Payload": {"body": "done"}}}
        }}
    });
    let config_path = scratch("mock.json", &config.to_string());
    let started = orderly_core::clock::Stopwatch::start();
    let out = orderly(&[
        "states",
        "execute",
        "--definition",
        &definition.to_string(),
        "--input",
        "{}",
        "--skip-waits",
        "--mock-config",
        &config_path.display().to_string(),
        "--test-case",
        "Flaky",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let described = printed(&out);
    assert_eq!(described["status"], "SUCCEEDED");
    assert_eq!(described["output"], "{\"body\":\"done\"}");
    // An hour of Wait and two minutes of retries took no real time.
    assert!(started.elapsed().as_secs() < 30);
}

#[test]
fn an_unknown_test_case_exits_two() {
    let config_path = scratch(
        "empty-mock.json",
        r#"{"StateMachines": {}, "MockedResponses": {}}"#,
    );
    let out = orderly(&[
        "states",
        "execute",
        "--definition",
        r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}"#,
        "--mock-config",
        &config_path.display().to_string(),
        "--test-case",
        "Missing",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Missing"));
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html and
// input-output-itembatcher.html: a Distributed Map over items from the input, batched.
#[test]
fn a_distributed_map_runs() {
    let definition = json!({"StartAt": "M", "States": {"M": {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run": "r1"}},
        "Label": "items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)"}, "End": true}}
        },
        "End": true
    }}});
    let out = orderly(&[
        "states",
        "execute",
        "--definition",
        &definition.to_string(),
        "--input",
        r#"{"items": [1, 2, 3]}"#,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let described = printed(&out);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    assert_eq!(described["output"], "[{\"n\":2},{\"n\":1}]");
}
