//! Distributed Map (`ProcessorConfig.Mode: DISTRIBUTED`) over items from the state input:
//! child workflow executions, ItemBatcher, MaxConcurrency, tolerated failures, Label, the
//! Map Run in the history, and ItemReader / ResultWriter (Amazon S3, not served here).
//! Each test names the page of the AWS Step Functions developer guide it follows.

mod common;

use async_trait::async_trait;
use common::*;
use orderly_states::{ExecutionStatus, TaskFailure, TaskHandler, TaskRequest};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const MACHINE_ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine";

/// A Distributed Map state (JSONPath) running `processor_states` from `P`, with `extra`
/// fields merged in.
fn dmap(execution_type: &str, processor_states: Value, extra: Value) -> Value {
    let mut state = json!({
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
            "StartAt": "P",
            "States": processor_states
        },
        "End": true
    });
    if let (Some(map), Some(extra)) = (state.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            map.insert(k.clone(), v.clone());
        }
    }
    state
}

fn pass_through() -> Value {
    json!({"P": {"Type": "Pass", "End": true}})
}

/// Fails the child execution when its input is an odd number.
fn fail_odd() -> Value {
    json!({
        "P": {"Type": "Choice",
              "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Bad"},
                          {"Variable": "$", "NumericEquals": 3, "Next": "Bad"},
                          {"Variable": "$", "NumericEquals": 5, "Next": "Bad"}],
              "Default": "Good"},
        "Bad": {"Type": "Fail", "Error": "Odd", "Cause": "odd item"},
        "Good": {"Type": "Succeed"}
    })
}

fn schema_problem_at(definition: &Value, location: &str) -> bool {
    problems(definition)
        .iter()
        .any(|(code, at)| code == "SCHEMA_VALIDATION_FAILED" && at == location)
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
// (each item runs as a child workflow execution; without ResultWriter the output is the
// array of the child outputs) and input-output-itemselector.html (`$$.Map.Item`).
#[tokio::test]
async fn each_item_runs_as_a_child_execution_with_its_selector() {
    let definition = single(dmap(
        "STANDARD",
        json!({"P": {"Type": "Pass", "Parameters": {"got.$": "$"}, "End": true}}),
        json!({"ItemsPath": "$.orders",
               "ItemSelector": {"index.$": "$$.Map.Item.Index", "order.$": "$$.Map.Item.Value",
                                "shop.$": "$.shop"}}),
    ));
    let execution = run(
        &definition,
        json!({"shop": "s1", "orders": ["a", "b", "c"]}),
    )
    .await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(
        execution.output,
        Some(json!([
            {"got": {"index": 0, "order": "a", "shop": "s1"}},
            {"got": {"index": 1, "order": "b", "shop": "s1"}},
            {"got": {"index": 2, "order": "c", "shop": "s1"}}
        ]))
    );
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html: a child
// workflow execution is an execution of its own (its own context object, its execution
// ARN under the Map Run's label); `$$.Map.Item` exists only in ItemSelector
// (input-output-itemselector.html).
#[tokio::test]
async fn a_child_execution_sees_its_own_context_object() {
    let processor = json!({"P": {"Type": "Pass", "Parameters": {
        "id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name",
        "input.$": "$$.Execution.Input", "machine.$": "$$.StateMachine.Id"}, "End": true}});
    let definition = single(dmap("STANDARD", processor, json!({"Label": "orders"})));
    let execution = run(&definition, json!([{"n": 1}])).await;
    let output = execution.output.expect("succeeded");
    let child = &output[0];
    let name = child["name"].as_str().unwrap_or_default();
    assert_eq!(name.len(), 36, "a UUID: {name}");
    assert_eq!(
        child["id"],
        format!("arn:aws:states:us-east-1:123456789012:execution:StateMachine/orders:{name}")
    );
    assert_eq!(child["input"], json!({"n": 1}));
    assert_eq!(child["machine"], format!("{MACHINE_ARN}/orders"));

    // An Express child's ARN is of the Express form.
    let processor =
        json!({"P": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id"}, "End": true}});
    let definition = single(dmap("EXPRESS", processor, json!({"Label": "orders"})));
    let execution = run(&definition, json!([1])).await;
    let id = execution.output.expect("succeeded")[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        id.starts_with("arn:aws:states:us-east-1:123456789012:express:StateMachine/orders:"),
        "{id}"
    );

    // Inside the child there is no `$$.Map`.
    let processor = json!({"P": {"Type": "Pass", "QueryLanguage": "JSONata",
        "Output": "{% $exists($states.context.Map) %}", "End": true}});
    let definition = single(dmap("STANDARD", processor, json!({})));
    let execution = run(&definition, json!([1, 2])).await;
    assert_eq!(execution.output, Some(json!([false, false])));
}

// https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html: a child
// workflow execution of a Distributed Map does not see the parent's variables; the
// ItemSelector, evaluated in the parent, does.
#[tokio::test]
async fn a_child_execution_does_not_see_the_parents_variables() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": 7}, "Next": "M"},
            "M": {"Type": "Map",
                  "ItemSelector": {"fromParent": "{% $x %}", "item": "{% $states.context.Map.Item.Value %}"},
                  "ItemProcessor": {
                      "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                      "StartAt": "P",
                      "States": {"P": {"Type": "Pass",
                          "Output": {"seen": "{% $exists($x) %}", "input": "{% $states.input %}"},
                          "End": true}}},
                  "End": true}
        }
    });
    let execution = run(&definition, json!([1])).await;
    assert_eq!(
        execution.output,
        Some(json!([{"seen": false, "input": {"fromParent": 7, "item": 1}}]))
    );
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
// (ProcessorConfig: ExecutionType STANDARD or EXPRESS is required in DISTRIBUTED mode).
#[test]
fn execution_type_is_required_in_distributed_mode() {
    let missing = single(json!({
        "Type": "Map",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"},
                          "StartAt": "P", "States": pass_through()},
        "End": true
    }));
    assert!(schema_problem_at(
        &missing,
        "/States/S/ItemProcessor/ProcessorConfig"
    ));
    let wrong = single(dmap("FAST", pass_through(), json!({})));
    assert!(schema_problem_at(
        &wrong,
        "/States/S/ItemProcessor/ProcessorConfig/ExecutionType"
    ));
    let unknown = single(json!({
        "Type": "Map",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD", "Speed": 1},
                          "StartAt": "P", "States": pass_through()},
        "End": true
    }));
    assert!(schema_problem_at(
        &unknown,
        "/States/S/ItemProcessor/ProcessorConfig/Speed"
    ));
    for ok in ["STANDARD", "EXPRESS"] {
        assert_eq!(problems(&single(dmap(ok, pass_through(), json!({})))), []);
    }
}

// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html: with
// batching, each child receives `{"BatchInput": …, "Items": [...]}`; the last batch holds
// the rest; the output has one element per batch.
#[tokio::test]
async fn item_batcher_groups_items_with_batch_input() {
    let definition = single(dmap(
        "STANDARD",
        pass_through(),
        json!({"ItemBatcher": {"MaxItemsPerBatch": 2,
                               "BatchInput": {"factCheck": "December 2022", "shop.$": "$.shop"}},
               "ItemsPath": "$.items"}),
    ));
    let execution = run(&definition, json!({"shop": "s1", "items": [1, 2, 3, 4, 5]})).await;
    let batch_input = json!({"factCheck": "December 2022", "shop": "s1"});
    assert_eq!(
        execution.output,
        Some(json!([
            {"BatchInput": batch_input, "Items": [1, 2]},
            {"BatchInput": batch_input, "Items": [3, 4]},
            {"BatchInput": batch_input, "Items": [5]}
        ]))
    );

    // Without BatchInput the child input is just the Items.
    let definition = single(dmap(
        "STANDARD",
        pass_through(),
        json!({"ItemBatcher": {"MaxItemsPerBatchPath": "$.per"}, "ItemsPath": "$.items"}),
    ));
    let execution = run(&definition, json!({"per": 3, "items": [1, 2, 3, 4]})).await;
    assert_eq!(
        execution.output,
        Some(json!([{"Items": [1, 2, 3]}, {"Items": [4]}]))
    );
}

// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html
// (MaxInputBytesPerBatch: the most bytes a batch may hold).
#[tokio::test]
async fn max_input_bytes_per_batch_bounds_each_batch() {
    // Each item is 7 bytes of JSON text ("aaaaa"); {"Items":[]} is 12.
    let definition = single(dmap(
        "STANDARD",
        pass_through(),
        json!({"ItemBatcher": {"MaxInputBytesPerBatch": 28}}),
    ));
    let execution = run(&definition, json!(["aaaaa", "bbbbb", "ccccc", "ddddd"])).await;
    let output = execution.output.expect("succeeded");
    assert_eq!(
        output,
        json!([{"Items": ["aaaaa", "bbbbb"]}, {"Items": ["ccccc", "ddddd"]}])
    );
    for batch in output.as_array().into_iter().flatten() {
        assert!(batch.to_string().len() <= 28, "{batch}");
    }
    // An item that no batch can hold fails the state.
    let execution = run(&definition, json!(["a".repeat(40)])).await;
    assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
}

// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html: the
// limits are positive integers (MaxInputBytesPerBatch at most 256 KiB), one of the four
// is required, and a field and its Path form cannot both be set.
#[test]
fn item_batcher_is_validated() {
    let at = "/States/S/ItemBatcher";
    for (batcher, location) in [
        (
            json!({"MaxItemsPerBatch": 0}),
            format!("{at}/MaxItemsPerBatch"),
        ),
        (
            json!({"MaxItemsPerBatch": -3}),
            format!("{at}/MaxItemsPerBatch"),
        ),
        (
            json!({"MaxItemsPerBatch": 1.5}),
            format!("{at}/MaxItemsPerBatch"),
        ),
        (
            json!({"MaxInputBytesPerBatch": 0}),
            format!("{at}/MaxInputBytesPerBatch"),
        ),
        (
            json!({"MaxInputBytesPerBatch": 262_145}),
            format!("{at}/MaxInputBytesPerBatch"),
        ),
        (
            json!({"MaxItemsPerBatch": 2, "MaxItemsPerBatchPath": "$.n"}),
            format!("{at}/MaxItemsPerBatch"),
        ),
        (json!({"BatchInput": {"a": 1}}), at.to_owned()),
        (
            json!({"MaxItemsPerBatch": 2, "Size": 1}),
            format!("{at}/Size"),
        ),
        (json!([2]), at.to_owned()),
    ] {
        let definition = single(dmap(
            "STANDARD",
            pass_through(),
            json!({"ItemBatcher": batcher}),
        ));
        assert!(
            schema_problem_at(&definition, &location),
            "{batcher}: {:?}",
            problems(&definition)
        );
    }
    let fine = single(dmap(
        "STANDARD",
        pass_through(),
        json!({"ItemBatcher": {"MaxItemsPerBatch": 1, "MaxInputBytesPerBatch": 262_144}}),
    ));
    assert_eq!(problems(&fine), []);
}

// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html: a
// MaxItemsPerBatchPath must resolve to a positive integer.
#[tokio::test]
async fn a_batch_limit_path_to_a_bad_value_fails_at_run_time() {
    let definition = single(dmap(
        "STANDARD",
        pass_through(),
        json!({"ItemBatcher": {"MaxItemsPerBatchPath": "$.per"}, "ItemsPath": "$.items"}),
    ));
    for per in [json!(0), json!(-1), json!(1.5), json!("2")] {
        let execution = run(&definition, json!({"per": per, "items": [1, 2]})).await;
        assert_eq!(execution.error.as_deref(), Some("States.Runtime"), "{per}");
        assert!(
            execution
                .cause
                .unwrap_or_default()
                .contains("MaxItemsPerBatch")
        );
    }
}

/// Counts the tasks running at once, each yielding to the others before it ends.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
}

#[async_trait]
impl TaskHandler for Gauge {
    async fn invoke(&self, request: TaskRequest) -> Result<Value, TaskFailure> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        self.now.fetch_sub(1, Ordering::SeqCst);
        Ok(request.parameters)
    }
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
// (MaxConcurrency / MaxConcurrencyPath: how many child executions run at once, up to
// 10,000; by default 10,000).
#[tokio::test]
async fn max_concurrency_bounds_the_running_children() {
    let task = json!({"P": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"n.$": "$"}, "End": true}});
    for (extra, most) in [
        (json!({"MaxConcurrency": 2}), 2),
        (json!({"MaxConcurrencyPath": "$.width"}), 3),
        (json!({}), 8),
        (json!({"MaxConcurrency": 20_000}), 8),
    ] {
        let mut fields = extra.clone();
        fields["ItemsPath"] = json!("$.items");
        let definition = single(dmap("STANDARD", task.clone(), fields));
        let gauge = Arc::new(Gauge::default());
        let execution = run_with(
            &definition,
            json!({"width": 3, "items": [1, 2, 3, 4, 5, 6, 7, 8]}),
            gauge.clone(),
        )
        .await;
        assert_eq!(execution.status, ExecutionStatus::Succeeded, "{extra}");
        assert_eq!(gauge.most.load(Ordering::SeqCst), most, "{extra}");
    }
}

// https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html: by
// default any failed child fails the Map Run; ToleratedFailureCount / -Percentage (and
// their Path forms) allow that many; past them the state fails with
// States.ExceedToleratedFailureThreshold, which Catch can handle.
#[tokio::test]
async fn tolerated_failures_and_the_threshold() {
    let items = json!([0, 1, 2, 3, 4, 5]); // three odd items fail
    let strict = single(dmap("STANDARD", fail_odd(), json!({})));
    let execution = run(&strict, items.clone()).await;
    assert_eq!(
        execution.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );

    for tolerance in [
        json!({"ToleratedFailureCount": 3}),
        json!({"ToleratedFailurePercentage": 50}),
        json!({"ToleratedFailureCountPath": "$.n", "ItemsPath": "$.items"}),
        json!({"ToleratedFailurePercentagePath": "$.p", "ItemsPath": "$.items"}),
    ] {
        let definition = single(dmap("STANDARD", fail_odd(), tolerance.clone()));
        let input = if tolerance.get("ItemsPath").is_some() {
            json!({"n": 3, "p": 50, "items": items})
        } else {
            items.clone()
        };
        let execution = run(&definition, input).await;
        let failed = json!({"Error": "Odd", "Cause": "odd item"});
        assert_eq!(
            execution.output,
            Some(json!([0, failed, 2, failed, 4, failed])),
            "{tolerance}"
        );
    }
    for tolerance in [
        json!({"ToleratedFailureCount": 2}),
        json!({"ToleratedFailurePercentage": 49.9}),
        // Either threshold exceeded fails the run.
        json!({"ToleratedFailureCount": 10, "ToleratedFailurePercentage": 10}),
    ] {
        let definition = single(dmap("STANDARD", fail_odd(), tolerance.clone()));
        let execution = run(&definition, items.clone()).await;
        assert_eq!(
            execution.error.as_deref(),
            Some("States.ExceedToleratedFailureThreshold"),
            "{tolerance}"
        );
    }

    // The error is catchable.
    let mut caught = dmap("STANDARD", fail_odd(), json!({}));
    caught["Catch"] =
        json!([{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "Handled"}]);
    if let Some(m) = caught.as_object_mut() {
        m.remove("End");
    }
    caught["Next"] = json!("Done");
    let definition = json!({"StartAt": "S", "States": {
        "S": caught,
        "Handled": {"Type": "Pass", "Result": "handled", "End": true},
        "Done": {"Type": "Succeed"}}});
    let execution = run(&definition, items).await;
    assert_eq!(execution.output, Some(json!("handled")));
}

// https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html: the
// percentage is between 0 and 100, the count a non-negative integer; a Path form that
// resolves to anything else fails the state.
#[tokio::test]
async fn bad_tolerated_failure_values_are_rejected() {
    let at = "/States/S";
    for (tolerance, field) in [
        (
            json!({"ToleratedFailureCount": -1}),
            "ToleratedFailureCount",
        ),
        (
            json!({"ToleratedFailureCount": 1.5}),
            "ToleratedFailureCount",
        ),
        (
            json!({"ToleratedFailurePercentage": 100.5}),
            "ToleratedFailurePercentage",
        ),
        (
            json!({"ToleratedFailurePercentage": -1}),
            "ToleratedFailurePercentage",
        ),
    ] {
        let definition = single(dmap("STANDARD", pass_through(), tolerance.clone()));
        assert!(
            schema_problem_at(&definition, &format!("{at}/{field}")),
            "{tolerance}: {:?}",
            problems(&definition)
        );
    }
    for (tolerance, value) in [
        (json!({"ToleratedFailureCountPath": "$.v"}), json!(-1)),
        (json!({"ToleratedFailureCountPath": "$.v"}), json!(1.5)),
        (json!({"ToleratedFailureCountPath": "$.v"}), json!("one")),
        (json!({"ToleratedFailurePercentagePath": "$.v"}), json!(101)),
        (
            json!({"ToleratedFailurePercentagePath": "$.v"}),
            json!(-0.5),
        ),
    ] {
        let mut fields = tolerance.clone();
        fields["ItemsPath"] = json!("$.items");
        let definition = single(dmap("STANDARD", pass_through(), fields));
        let execution = run(&definition, json!({"v": value, "items": [1]})).await;
        assert_eq!(
            execution.error.as_deref(),
            Some("States.Runtime"),
            "{tolerance} {value}"
        );
    }
    // Recorded on AWS: a path may select a text of a number, and the Map runs.
    for tolerance in [
        json!({"ToleratedFailureCountPath": "$.v"}),
        json!({"ToleratedFailurePercentagePath": "$.v"}),
        json!({"MaxConcurrencyPath": "$.v"}),
    ] {
        let mut fields = tolerance.clone();
        fields["ItemsPath"] = json!("$.items");
        let definition = single(dmap("STANDARD", pass_through(), fields));
        let execution = run(&definition, json!({"v": "1", "items": [1, 2]})).await;
        assert_eq!(execution.output, Some(json!([1, 2])), "{tolerance}");
    }
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html (Label:
// at most 40 characters, none of white space, brackets, wildcards, the special characters
// " # % \ ^ | ~ ` $ & , ; : / or control characters).
#[test]
fn the_label_is_validated() {
    for bad in [
        json!("my label"),
        json!("a".repeat(41)),
        json!("a/b"),
        json!("a:b"),
        json!("tab\there"),
        json!("x{y}"),
        json!(""),
        json!(7),
    ] {
        let definition = single(dmap("STANDARD", pass_through(), json!({"Label": bad})));
        assert!(
            schema_problem_at(&definition, "/States/S/Label"),
            "{bad}: {:?}",
            problems(&definition)
        );
    }
    for good in [json!("a".repeat(40)), json!("orders-2024_v1.2")] {
        let definition = single(dmap("STANDARD", pass_through(), json!({"Label": good})));
        assert_eq!(problems(&definition), [], "{good}");
    }
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html: the
// parent's history records the Map Run (MapRunStarted with its ARN, MapRunSucceeded or
// MapRunFailed); each child's events are in its own history, not the parent's.
// Event shapes: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
#[tokio::test]
async fn the_history_records_the_map_run() {
    let definition = single(dmap("STANDARD", pass_through(), json!({"Label": "orders"})));
    let execution = run(&definition, json!([1, 2])).await;
    assert_eq!(
        event_types(&execution),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    let events = execution.history_json();
    let arn = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let prefix = "arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/orders:";
    assert!(arn.starts_with(prefix), "{arn}");
    assert_eq!(arn.len(), prefix.len() + 36, "ends with a UUID: {arn}");

    // Without a Label one is generated, valid as a label.
    let definition = single(dmap("STANDARD", pass_through(), json!({})));
    let execution = run(&definition, json!([1])).await;
    let events = execution.history_json();
    let arn = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let label = arn
        .trim_start_matches("arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/")
        .split(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(!label.is_empty() && label.len() <= 40, "{arn}");

    // A failed Map Run.
    let definition = single(dmap("STANDARD", fail_odd(), json!({})));
    let execution = run(&definition, json!([1])).await;
    let types = event_types(&execution);
    assert!(types.contains(&"MapRunFailed".to_owned()), "{types:?}");
    assert!(!types.iter().any(|t| t.starts_with("MapIteration")));
    let events = execution.history_json();
    let failed = events
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["type"] == "MapRunFailed")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        failed["mapRunFailedEventDetails"]["error"],
        "States.ExceedToleratedFailureThreshold"
    );
}

// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html and
// input-output-resultwriter.html: ItemReader and ResultWriter are Amazon S3 calls, which
// this interpreter does not serve. The definition stays valid; the state fails with a
// catchable error that says so.
#[tokio::test]
async fn item_reader_and_result_writer_fail_with_a_clear_catchable_error() {
    for (field, config, error) in [
        (
            "ItemReader",
            json!({"Resource": "arn:aws:states:::s3:getObject",
                   "ReaderConfig": {"InputType": "JSON"},
                   "Parameters": {"Bucket": "b", "Key": "k"}}),
            "States.ItemReaderFailed",
        ),
        (
            "ResultWriter",
            json!({"Resource": "arn:aws:states:::s3:putObject",
                   "Parameters": {"Bucket": "b", "Prefix": "p"}}),
            "States.ResultWriterFailed",
        ),
    ] {
        let mut state = dmap("STANDARD", pass_through(), json!({}));
        state[field] = config;
        state["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]);
        if let Some(m) = state.as_object_mut() {
            m.remove("End");
        }
        state["Next"] = json!("Done");
        let definition = json!({"StartAt": "S", "States": {
            "S": state,
            "Handled": {"Type": "Pass", "End": true},
            "Done": {"Type": "Succeed"}}});
        assert_eq!(problems(&definition), [], "{field}");
        let execution = run(&definition, json!([1])).await;
        let output = execution.output.expect("caught");
        assert_eq!(output["Error"], error);
        let cause = output["Cause"].as_str().unwrap_or_default();
        assert!(cause.contains("Amazon S3"), "{cause}");
        assert!(cause.contains("not serve"), "{cause}");
        if field == "ItemReader" {
            assert!(cause.contains("state input"), "{cause}");
        }
    }
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html (Items,
// ItemSelector, ItemBatcher and the tolerated failures as JSONata expressions).
#[tokio::test]
async fn jsonata_fields() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {"M": {
            "Type": "Map",
            "Items": "{% $states.input.xs %}",
            "ItemSelector": {"v": "{% $states.context.Map.Item.Value * 10 %}"},
            "ItemBatcher": {"MaxItemsPerBatch": "{% 2 %}",
                            "BatchInput": {"count": "{% $count($states.input.xs) %}"}},
            "ToleratedFailurePercentage": "{% 0 %}",
            "MaxConcurrency": "{% 1 %}",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                "StartAt": "P",
                "States": {"P": {"Type": "Pass", "Output": "{% $states.input.Items.v %}", "End": true}}
            },
            "End": true
        }}
    });
    let execution = run(&definition, json!({"xs": [1, 2, 3]})).await;
    assert_eq!(execution.output, Some(json!([[10, 20], 30])));
}

// https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html (a
// Distributed Map runs up to 10,000 child executions at once): a Map Run over more than
// 10,000 items finishes, in bounded time.
#[tokio::test]
async fn a_map_over_ten_thousand_items_finishes() {
    let definition = single(dmap(
        "EXPRESS",
        json!({"P": {"Type": "Pass", "Parameters": {"twice.$": "States.MathAdd($.n, $.n)"}, "End": true}}),
        json!({"ItemSelector": {"n.$": "$$.Map.Item.Value"}}),
    ));
    let items: Vec<Value> = (0..10_050).map(|n| json!(n)).collect();
    let started = std::time::Instant::now();
    let execution = run(&definition, Value::Array(items)).await;
    let took = started.elapsed();
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    let output = execution.output.unwrap_or_default();
    assert_eq!(output.as_array().map(Vec::len), Some(10_050));
    assert_eq!(output[10_049], json!({"twice": 20_098}));
    assert!(took.as_secs() < 30, "took {took:?}");
}
