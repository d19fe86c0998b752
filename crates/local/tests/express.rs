//! Express workflows as AWS has them: integrations Express refuses are refused when the
//! cloud loads the template; a run is cut off at five minutes of the cloud's clock;
//! StartSyncExecution answers its documented members with AWS's billing; the execution
//! APIs refuse Express executions with AWS's codes and words, and the history goes to the
//! machine's log group.

use crate::sfn_support;

use serde_json::{Value, json};
use sfn_support::{MachineSpec, call, machine_arn, ok, single, start};
use std::collections::BTreeSet;

fn task(resource: &str) -> Value {
    single(json!({"Type": "Task", "Resource": resource, "End": true}))
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn express_definitions_with_sync_callbacks_or_activities_do_not_load() {
    let resources = [
        (
            "arn:aws:states:::states:startExecution.sync",
            "'.sync' service integration at",
        ),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            "'.sync:2' service integration at",
        ),
        (
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "'.waitForTaskToken' service integration  at",
        ),
        (
            "arn:aws:states:us-east-1:123456789012:activity:approve",
            "Activity ARN at",
        ),
    ];
    for (resource, words) in resources {
        let dir = tempfile::tempdir().expect("tempdir");
        let machines = [MachineSpec {
            logical_id: "Quick",
            name: "quick",
            kind: "EXPRESS",
            definition: task(resource),
        }];
        let error = match start(dir.path(), &machines) {
            Ok(_) => panic!("{resource}: an Express machine loaded"),
            Err(e) => e.to_string(),
        };
        assert_eq!(
            error,
            format!(
                "Quick: InvalidDefinition: Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support {words} /States/Only/Resource'"
            ),
        );
        // The same definition is a Standard machine's right.
        let standard = [MachineSpec {
            kind: "STANDARD",
            ..machines.into_iter().next().expect("one")
        }];
        assert!(start(dir.path(), &standard).is_ok(), "{resource}");
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_express_run_past_five_minutes_times_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cloud = start(
        dir.path(),
        &[
            MachineSpec {
                logical_id: "Long",
                name: "long",
                kind: "EXPRESS",
                definition: single(json!({"Type": "Wait", "Seconds": 400, "End": true})),
            },
            MachineSpec {
                logical_id: "Short",
                name: "short",
                kind: "EXPRESS",
                definition: single(json!({"Type": "Wait", "Seconds": 299, "End": true})),
            },
        ],
    )
    .expect("the cloud starts");
    let long = ok(
        &cloud,
        "StartSyncExecution",
        json!({"stateMachineArn": machine_arn(&cloud, "long")}),
    )
    .await;
    assert_eq!(long["status"], "TIMED_OUT", "{long}");
    let ran = long["stopDate"].as_f64().expect("stopDate")
        - long["startDate"].as_f64().expect("startDate");
    assert!((ran - 300.0).abs() < 0.001, "ran {ran} s: {long}");
    assert_eq!(
        long["billingDetails"]["billedDurationInMilliseconds"],
        300_000
    );
    assert!(long.get("output").is_none(), "{long}");
    let short = ok(
        &cloud,
        "StartSyncExecution",
        json!({"stateMachineArn": machine_arn(&cloud, "short")}),
    )
    .await;
    assert_eq!(short["status"], "SUCCEEDED", "{short}");
    assert_eq!(
        short["billingDetails"]["billedDurationInMilliseconds"],
        299_000
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn start_sync_execution_answers_the_documented_members_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cloud = start(
        dir.path(),
        &[MachineSpec {
            logical_id: "Quick",
            name: "quick",
            kind: "EXPRESS",
            definition: single(json!({"Type": "Pass", "Result": {"ok": true}, "End": true})),
        }],
    )
    .expect("the cloud starts");
    let machine = machine_arn(&cloud, "quick");
    let answer = ok(
        &cloud,
        "StartSyncExecution",
        json!({"stateMachineArn": machine, "name": "run-1", "input": "{\"n\":1}",
               "traceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"}),
    )
    .await;
    let documented: BTreeSet<&str> = [
        "executionArn",
        "stateMachineArn",
        "name",
        "startDate",
        "stopDate",
        "status",
        "error",
        "cause",
        "input",
        "inputDetails",
        "output",
        "outputDetails",
        "traceHeader",
        "billingDetails",
    ]
    .into_iter()
    .collect();
    let keys: BTreeSet<&str> = answer
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(keys.is_subset(&documented), "{keys:?}");
    assert_eq!(answer["status"], "SUCCEEDED");
    assert_eq!(answer["name"], "run-1");
    assert_eq!(answer["output"], "{\"ok\":true}");
    assert_eq!(
        answer["traceHeader"],
        "Root=1-5759e988-bd862e3fe1be46a994272793"
    );
    assert_eq!(
        answer["billingDetails"],
        json!({"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100})
    );
    let arn = answer["executionArn"].as_str().expect("an ARN");
    let prefix = format!(
        "arn:aws:states:{}:{}:express:quick:run-1:",
        cloud.inner.model.region, cloud.inner.model.account_id
    );
    assert!(arn.starts_with(&prefix), "{arn}");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn execution_apis_refuse_express_executions_and_the_history_is_in_the_logs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cloud = start(
        dir.path(),
        &[MachineSpec {
            logical_id: "Quick",
            name: "quick",
            kind: "EXPRESS",
            definition: single(json!({"Type": "Pass", "End": true})),
        }],
    )
    .expect("the cloud starts");
    let machine = machine_arn(&cloud, "quick");
    // Asynchronous Express: StartExecution answers at once; the run happens meanwhile.
    let started = ok(
        &cloud,
        "StartExecution",
        json!({"stateMachineArn": machine}),
    )
    .await;
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    assert!(arn.contains(":express:quick:"), "{arn}");
    for operation in ["DescribeExecution", "GetExecutionHistory", "StopExecution"] {
        let error = call(&cloud, operation, json!({"executionArn": arn}))
            .await
            .expect_err(operation);
        assert_eq!(error.code, "InvalidArn", "{operation}");
        assert_eq!(
            error.message, "Invalid Arn: 'Resource type not valid in this context: express'",
            "{operation}"
        );
    }
    let error = call(
        &cloud,
        "ListExecutions",
        json!({"stateMachineArn": machine}),
    )
    .await
    .expect_err("ListExecutions");
    assert_eq!(error.code, "StateMachineTypeNotSupported");
    assert_eq!(
        error.message,
        "This operation is not supported by this type of state machine"
    );
    let ended = orderly_local::scenarios::wait_until(&cloud.inner, |c| {
        orderly_local::scenarios::settled(c)
    })
    .await;
    assert!(ended);
    let lines = cloud.inner.logs.group_lines("/aws/vendedlogs/states/quick");
    let types: Vec<&str> = lines
        .iter()
        .filter(|l| l.line["execution_arn"] == arn.as_str())
        .filter_map(|l| l.line["type"].as_str())
        .collect();
    assert_eq!(types.first(), Some(&"ExecutionStarted"), "{types:?}");
    assert_eq!(types.last(), Some(&"ExecutionSucceeded"), "{types:?}");
}

/// A cloud with one Standard machine, `slow` (an hour's Wait), and a run of it started:
/// the cloud, the machine's ARN and the run's.
async fn a_slow_run(dir: &std::path::Path) -> (orderly_local::runtime::LocalCloud, String, String) {
    let cloud = start(
        dir,
        &[MachineSpec {
            logical_id: "Slow",
            name: "slow",
            kind: "STANDARD",
            definition: single(json!({"Type": "Wait", "Seconds": 3600, "End": true})),
        }],
    )
    .expect("the cloud starts");
    let machine = machine_arn(&cloud, "slow");
    let started = ok(
        &cloud,
        "StartExecution",
        json!({"stateMachineArn": machine}),
    )
    .await;
    let arn = started["executionArn"].as_str().expect("an ARN").to_owned();
    (cloud, machine, arn)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_standard_machine_is_listed_and_stopped_as_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, machine, arn) = a_slow_run(dir.path()).await;
    assert!(arn.contains(":execution:slow:"), "{arn}");
    let listed = ok(
        &cloud,
        "ListExecutions",
        json!({"stateMachineArn": machine}),
    )
    .await;
    assert_eq!(listed["executions"].as_array().map(Vec::len), Some(1));
    let stopped = ok(&cloud, "StopExecution", json!({"executionArn": arn})).await;
    assert!(stopped["stopDate"].is_number(), "{stopped}");
    let ended = orderly_local::scenarios::wait_until(&cloud.inner, |c| {
        orderly_local::scenarios::settled(c)
    })
    .await;
    assert!(ended);
    let described = ok(&cloud, "DescribeExecution", json!({"executionArn": arn})).await;
    assert_eq!(described["status"], "ABORTED", "{described}");
}

/// StopExecution's `error` and `cause` are what the execution records: its description and
/// its `ExecutionAborted` event carry them.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_stopped_execution_records_the_error_and_cause_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cloud, _, arn) = a_slow_run(dir.path()).await;
    ok(
        &cloud,
        "StopExecution",
        json!({"executionArn": arn, "error": "Operator.Stop", "cause": "stuck order o-1"}),
    )
    .await;
    // A second stop does not change the reason.
    ok(
        &cloud,
        "StopExecution",
        json!({"executionArn": arn, "error": "Other", "cause": "other"}),
    )
    .await;
    let ended = orderly_local::scenarios::wait_until(&cloud.inner, |c| {
        orderly_local::scenarios::settled(c)
    })
    .await;
    assert!(ended);
    let described = ok(&cloud, "DescribeExecution", json!({"executionArn": arn})).await;
    assert_eq!(described["status"], "ABORTED", "{described}");
    assert_eq!(described["error"], "Operator.Stop", "{described}");
    assert_eq!(described["cause"], "stuck order o-1", "{described}");
    let history = ok(
        &cloud,
        "GetExecutionHistory",
        json!({"executionArn": arn, "reverseOrder": true, "maxResults": 1}),
    )
    .await;
    let last = &history["events"][0];
    assert_eq!(last["type"], "ExecutionAborted", "{last}");
    assert_eq!(
        last["executionAbortedEventDetails"],
        json!({"error": "Operator.Stop", "cause": "stuck order o-1"}),
        "{last}"
    );
}
