//! One state machine starting another through `arn:aws:states:::states:startExecution`:
//! request-response, `.sync`, `.sync:2`, `.waitForTaskToken`; a child's failure seen by the
//! parent's Catch; a stopped parent stopping its child; an Express child run synchronously.

use crate::sfn_support;

use orderly_local::runtime::LocalCloud;
use orderly_local::scenarios::{settled, wait_until};
use serde_json::{Value, json};
use sfn_support::{MachineSpec, machine_arn, ok, single, start};

fn child_arn(name: &str) -> String {
    orderly_local::pseudo::state_machine_arn(name)
}

fn starter(resource: &str, child: &str, extra: Value) -> Value {
    let mut task = json!({
        "Type": "Task",
        "Resource": resource,
        "Parameters": {
            "StateMachineArn": child_arn(child),
            "Input": {"n.$": "$.n", "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"},
        },
        "End": true,
    });
    if let (Some(task), Some(extra)) = (task.as_object_mut(), extra.as_object()) {
        task.extend(extra.clone());
    }
    single(task)
}

fn spec<'a>(id: &'a str, name: &'a str, kind: &'a str, definition: Value) -> MachineSpec<'a> {
    MachineSpec {
        logical_id: id,
        name,
        kind,
        definition,
    }
}

fn cloud(dir: &std::path::Path, machines: &[MachineSpec]) -> LocalCloud {
    start(dir, machines).expect("the cloud starts")
}

/// Starts `machine` on `input` and waits until every execution has ended.
async fn run(cloud: &LocalCloud, machine: &str, input: Value) -> Value {
    let started = ok(
        cloud,
        "StartExecution",
        json!({"stateMachineArn": machine_arn(cloud, machine), "input": input.to_string()}),
    )
    .await;
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    assert!(wait_until(&cloud.inner, settled).await, "did not settle");
    ok(cloud, "DescribeExecution", json!({"executionArn": arn})).await
}

fn output(described: &Value) -> Value {
    serde_json::from_str(described["output"].as_str().expect("an output")).expect("JSON")
}

fn child_definition() -> Value {
    json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 0, "Next": "Broken"}], "Default": "Double"},
        "Double": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": true},
        "Broken": {"Type": "Fail", "Error": "Child.Broken", "Cause": "n was zero"}
    }})
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_child_that_succeeds_answers_each_pattern_as_aws_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cloud = cloud(
        dir.path(),
        &[
            spec("Child", "child", "STANDARD", child_definition()),
            spec(
                "Sync",
                "sync",
                "STANDARD",
                starter(
                    "arn:aws:states:::states:startExecution.sync",
                    "child",
                    json!({}),
                ),
            ),
            spec(
                "Sync2",
                "sync2",
                "STANDARD",
                starter(
                    "arn:aws:states:::states:startExecution.sync:2",
                    "child",
                    json!({}),
                ),
            ),
            spec(
                "Fire",
                "fire",
                "STANDARD",
                starter("arn:aws:states:::states:startExecution", "child", json!({})),
            ),
        ],
    );
    let sync = run(&cloud, "sync", json!({"n": 4})).await;
    assert_eq!(sync["status"], "SUCCEEDED", "{sync}");
    let described = output(&sync);
    assert_eq!(described["Status"], "SUCCEEDED");
    assert_eq!(
        described["Output"], "{\"doubled\":8}",
        "`.sync` keeps Output as text"
    );
    assert!(
        described["StartDate"].is_i64() && described["StopDate"].is_i64(),
        "{described}"
    );
    // The child's input is what the parent wrote, the link to the parent included.
    let child_input: Value =
        serde_json::from_str(described["Input"].as_str().expect("Input")).expect("JSON");
    assert_eq!(
        child_input["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"], sync["executionArn"],
        "{child_input}"
    );

    let sync2 = run(&cloud, "sync2", json!({"n": 5})).await;
    let described = output(&sync2);
    assert_eq!(
        described["Output"],
        json!({"doubled": 10}),
        "`.sync:2` answers Output as JSON"
    );

    let fire = run(&cloud, "fire", json!({"n": 6})).await;
    let answer = output(&fire);
    let child = answer["ExecutionArn"]
        .as_str()
        .expect("ExecutionArn")
        .to_owned();
    assert!(answer["StartDate"].is_i64(), "{answer}");
    assert!(
        answer.get("Output").is_none(),
        "request-response does not wait: {answer}"
    );
    let child = ok(&cloud, "DescribeExecution", json!({"executionArn": child})).await;
    assert_eq!(child["status"], "SUCCEEDED");
    // DescribeExecution shows no parent field: AWS documents none.
    let mut keys: Vec<&str> = child
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "executionArn",
            "input",
            "inputDetails",
            "name",
            "output",
            "outputDetails",
            "redriveCount",
            "redriveStatus",
            "redriveStatusReason",
            "startDate",
            "stateMachineArn",
            "status",
            "stopDate"
        ]
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_child_failure_is_the_parents_task_error_and_catch_sees_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let catch = json!({"Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failure", "Next": "Handled"}], "End": null});
    let mut parent = starter(
        "arn:aws:states:::states:startExecution.sync:2",
        "child",
        json!({}),
    );
    if let Some(only) = parent
        .pointer_mut("/States/Only")
        .and_then(Value::as_object_mut)
    {
        only.remove("End");
        only.insert("Next".into(), json!("Done"));
        only.insert("Catch".into(), catch["Catch"].clone());
    }
    if let Some(states) = parent.pointer_mut("/States").and_then(Value::as_object_mut) {
        states.insert("Done".into(), json!({"Type": "Succeed"}));
        states.insert("Handled".into(), json!({"Type": "Pass", "End": true}));
    }
    let cloud = cloud(
        dir.path(),
        &[
            spec("Child", "child", "STANDARD", child_definition()),
            spec("Parent", "parent", "STANDARD", parent),
        ],
    );
    let parent = run(&cloud, "parent", json!({"n": 0})).await;
    assert_eq!(parent["status"], "SUCCEEDED", "{parent}");
    let failure = &output(&parent)["failure"];
    assert_eq!(failure["Error"], "States.TaskFailed", "{failure}");
    let cause: Value =
        serde_json::from_str(failure["Cause"].as_str().expect("Cause")).expect("JSON");
    assert_eq!(cause["Status"], "FAILED", "{cause}");
    assert_eq!(cause["Error"], "Child.Broken", "{cause}");
    assert_eq!(cause["Cause"], "n was zero", "{cause}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn stopping_the_parent_stops_the_child_it_waits_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cloud = cloud(
        dir.path(),
        &[
            spec(
                "Child",
                "child",
                "STANDARD",
                single(json!({"Type": "Wait", "Seconds": 86400, "End": true})),
            ),
            spec(
                "Parent",
                "parent",
                "STANDARD",
                starter(
                    "arn:aws:states:::states:startExecution.sync",
                    "child",
                    json!({}),
                ),
            ),
        ],
    );
    let started = ok(
        &cloud,
        "StartExecution",
        json!({"stateMachineArn": machine_arn(&cloud, "parent"), "input": "{\"n\":1}"}),
    )
    .await;
    let parent = started["executionArn"].as_str().expect("an ARN").to_owned();
    let child_started = wait_until(&cloud.inner, |c| c.executions().len() == 2).await;
    assert!(child_started);
    ok(&cloud, "StopExecution", json!({"executionArn": parent})).await;
    assert!(wait_until(&cloud.inner, settled).await, "did not settle");
    let statuses: Vec<(String, &str)> = cloud
        .inner
        .executions()
        .iter()
        .map(|e| {
            (
                e.machine_arn
                    .rsplit(':')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
                e.status(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("parent".to_owned(), "ABORTED"),
            ("child".to_owned(), "ABORTED")
        ]
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_standard_parent_runs_an_express_child_synchronously() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cloud = cloud(
        dir.path(),
        &[
            spec("Child", "quick", "EXPRESS", child_definition()),
            spec(
                "Parent",
                "parent",
                "STANDARD",
                starter(
                    "arn:aws:states:::states:startExecution.sync:2",
                    "quick",
                    json!({}),
                ),
            ),
        ],
    );
    let parent = run(&cloud, "parent", json!({"n": 21})).await;
    assert_eq!(parent["status"], "SUCCEEDED", "{parent}");
    let described = output(&parent);
    assert_eq!(described["Output"], json!({"doubled": 42}));
    let arn = described["ExecutionArn"].as_str().expect("ExecutionArn");
    assert!(arn.contains(":express:quick:"), "{arn}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_callback_child_answers_the_parents_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let child = single(json!({"Type": "Pass", "End": true}));
    let mut parent = starter(
        "arn:aws:states:::states:startExecution.waitForTaskToken",
        "child",
        json!({}),
    );
    if let Some(input) = parent
        .pointer_mut("/States/Only/Parameters/Input")
        .and_then(Value::as_object_mut)
    {
        input.insert("token.$".into(), json!("$$.Task.Token"));
    }
    let cloud = cloud(
        dir.path(),
        &[
            spec("Child", "child", "STANDARD", child),
            spec("Parent", "parent", "STANDARD", parent),
        ],
    );
    ok(
        &cloud,
        "StartExecution",
        json!({"stateMachineArn": machine_arn(&cloud, "parent"), "input": "{\"n\":1}"}),
    )
    .await;
    // The child ran and ended; the parent waits for the token the child was given.
    assert!(
        wait_until(&cloud.inner, |c| c
            .executions()
            .iter()
            .any(|e| e.machine_arn.ends_with(":child") && e.result.is_some()))
        .await
    );
    let child = cloud
        .inner
        .executions()
        .into_iter()
        .find(|e| e.machine_arn.ends_with(":child"))
        .expect("the child");
    let token = child.input["token"].as_str().expect("a token").to_owned();
    ok(
        &cloud,
        "SendTaskSuccess",
        json!({"taskToken": token, "output": "{\"approved\":true}"}),
    )
    .await;
    assert!(wait_until(&cloud.inner, settled).await);
    let parent = cloud
        .inner
        .executions()
        .into_iter()
        .find(|e| e.machine_arn.ends_with(":parent"))
        .expect("the parent");
    assert_eq!(parent.status(), "SUCCEEDED");
    let output = parent.result.as_ref().and_then(|r| r.output.clone());
    assert_eq!(output, Some(json!({"approved": true})));
}
