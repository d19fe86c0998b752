//! Every state type, from the examples of the Amazon States Language specification.

mod common;

use common::*;
use orderly_states::ExecutionStatus;
use serde_json::{Value, json};

#[tokio::test]
async fn choice_routes_by_rules_and_default() {
    let definition = json!({
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Choice",
                "Choices": [
                    {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
                    {"And": [{"Variable": "$.value", "IsPresent": true},
                             {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                             {"Variable": "$.value", "NumericLessThan": 30}], "Next": "ValueInTwenties"},
                    {"Variable": "$.rating", "NumericGreaterThanPath": "$.auditThreshold", "Next": "StartAudit"}
                ],
                "Default": "Other"
            },
            "Public": {"Type": "Pass", "Result": "public", "End": true},
            "ValueInTwenties": {"Type": "Pass", "Result": "twenties", "End": true},
            "StartAudit": {"Type": "Pass", "Result": "audit", "End": true},
            "Other": {"Type": "Pass", "Result": "other", "End": true}
        }
    });
    let cases = [
        (json!({"type": "Public"}), "public"),
        (json!({"type": "Private", "value": 25}), "twenties"),
        (
            json!({"type": "Private", "value": 35, "rating": 5, "auditThreshold": 3}),
            "audit",
        ),
        (
            json!({"type": "Private", "rating": 1, "auditThreshold": 3}),
            "other",
        ),
    ];
    for (input, expected) in cases {
        let execution = run(&definition, input.clone()).await;
        assert_eq!(
            execution.output,
            Some(json!(expected)),
            "{input}: {:?}",
            execution.cause
        );
    }
}

#[tokio::test]
async fn choice_without_match_or_default_fails() {
    let definition = json!({
        "StartAt": "Pick",
        "States": {
            "Pick": {"Type": "Choice", "Choices": [{"Variable": "$.a", "BooleanEquals": true, "Next": "Yes"}]},
            "Yes": {"Type": "Succeed"}
        }
    });
    let execution = run(&definition, json!({"a": false})).await;
    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.NoChoiceMatched"));
    let missing = run(&definition, json!({})).await;
    assert_eq!(missing.error.as_deref(), Some("States.Runtime"));
}

#[tokio::test]
async fn choice_output_is_its_effective_input() {
    let definition = json!({
        "StartAt": "Pick",
        "States": {
            "Pick": {"Type": "Choice", "InputPath": "$.inner", "OutputPath": "$.v",
                     "Choices": [{"Variable": "$.v", "IsNumeric": true, "Next": "Done"}]},
            "Done": {"Type": "Succeed"}
        }
    });
    let execution = run(&definition, json!({"inner": {"v": 4}})).await;
    assert_eq!(execution.output, Some(json!(4)));
}

#[tokio::test]
async fn wait_forms_advance_the_clock() {
    let cases: Vec<(Value, Value, i64)> = vec![
        (
            json!({"Type": "Wait", "Seconds": 10, "End": true}),
            json!({}),
            10,
        ),
        (
            json!({"Type": "Wait", "SecondsPath": "$.s", "End": true}),
            json!({"s": 42}),
            42,
        ),
        (
            json!({"Type": "Wait", "Timestamp": "2024-01-01T01:00:00Z", "End": true}),
            json!({}),
            3600,
        ),
        (
            json!({"Type": "Wait", "TimestampPath": "$.t", "End": true}),
            json!({"t": "2024-01-01T00:00:05Z"}),
            5,
        ),
        (
            json!({"Type": "Wait", "Timestamp": "2023-01-01T00:00:00Z", "End": true}),
            json!({}),
            0,
        ),
    ];
    for (state, input, seconds) in cases {
        let execution = run(&single(state.clone()), input.clone()).await;
        assert_eq!(
            execution.status,
            ExecutionStatus::Succeeded,
            "{state}: {:?}",
            execution.cause
        );
        assert_eq!(execution.output, Some(input), "{state}");
        assert_eq!(
            (execution.stop_date - execution.start_date).whole_seconds(),
            seconds,
            "{state}"
        );
    }
}

#[tokio::test]
async fn wait_with_a_bad_seconds_path_fails() {
    let execution = run(
        &single(json!({"Type": "Wait", "SecondsPath": "$.s", "End": true})),
        json!({"s": "ten"}),
    )
    .await;
    assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
}

#[tokio::test]
async fn succeed_applies_paths() {
    let execution = run(
        &single(json!({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"})),
        json!({"a": {"b": 1}}),
    )
    .await;
    assert_eq!(execution.output, Some(json!(1)));
}

#[tokio::test]
async fn fail_reports_error_and_cause() {
    let cases: Vec<(Value, Value, &str, &str)> = vec![
        (
            json!({"Type": "Fail", "Error": "ErrorA", "Cause": "Kaiju attack"}),
            json!({}),
            "ErrorA",
            "Kaiju attack",
        ),
        (
            json!({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}),
            json!({"e": "E", "c": "C"}),
            "E",
            "C",
        ),
        (
            json!({"Type": "Fail", "Error": "422", "CausePath": "$.Cause"}),
            json!({"Cause": "Unable"}),
            "422",
            "Unable",
        ),
        (json!({"Type": "Fail"}), json!({}), "", ""),
    ];
    for (state, input, error, cause) in cases {
        let execution = run(&single(state.clone()), input).await;
        assert_eq!(execution.status, ExecutionStatus::Failed);
        assert_eq!(
            (execution.error.as_deref(), execution.cause.as_deref()),
            // An empty expectation means the field is left out.
            (
                Some(error).filter(|e| !e.is_empty()),
                Some(cause).filter(|c| !c.is_empty())
            ),
            "{state}"
        );
    }
}

#[tokio::test]
async fn parallel_runs_branches_and_keeps_their_order() {
    let definition = single(json!({
        "Type": "Parallel",
        "Parameters": {"n.$": "$.n"},
        "ResultSelector": {"first.$": "$[0]", "second.$": "$[1].n"},
        "ResultPath": "$.out",
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 5, "Next": "A2"}, "A2": {"Type": "Pass", "Result": "a", "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}
        ],
        "End": true
    }));
    let execution = run(&definition, json!({"n": 7})).await;
    assert_eq!(
        execution.output,
        Some(json!({"n": 7, "out": {"first": "a", "second": 7}}))
    );
}

#[tokio::test]
async fn a_failed_branch_fails_the_parallel_with_its_error() {
    let definition = single(json!({
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "BranchBroke", "Cause": "x"}}},
            {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 100, "End": true}}}
        ],
        "Catch": [{"ErrorEquals": ["BranchBroke"], "ResultPath": "$.err", "Next": "Handled"}],
        "Next": "Handled"
    }));
    let mut definition = definition;
    definition["States"]["Handled"] = json!({"Type": "Pass", "End": true});
    let execution = run(&definition, json!({})).await;
    assert_eq!(
        execution.output,
        Some(json!({"err": {"Error": "BranchBroke", "Cause": "x"}}))
    );
}

#[tokio::test]
async fn map_forms_from_the_aws_guide() {
    let input = json!({
        "ship-date": "2016-03-14T01:59:00Z",
        "detail": {"delivery-partner": "UQS", "shipped": [
            {"prod": "R31", "dest-code": 9511, "quantity": 1344},
            {"prod": "S39", "dest-code": 9511, "quantity": 40}
        ]}
    });
    let definition = single(json!({
        "Type": "Map",
        "ItemsPath": "$.detail.shipped",
        "MaxConcurrency": 0,
        "ItemSelector": {"parcel.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "courier.$": "$.detail.delivery-partner"},
        "ItemProcessor": {"StartAt": "Validate", "States": {"Validate": {"Type": "Pass", "End": true}}},
        "ResultPath": "$.detail.shipped",
        "End": true
    }));
    let execution = run(&definition, input).await;
    let output = execution.output.unwrap_or_default();
    assert_eq!(
        output["detail"]["shipped"],
        json!([
            {"parcel": {"prod": "R31", "dest-code": 9511, "quantity": 1344}, "index": 0, "courier": "UQS"},
            {"parcel": {"prod": "S39", "dest-code": 9511, "quantity": 40}, "index": 1, "courier": "UQS"}
        ])
    );
    // The older Iterator / Parameters spelling behaves the same.
    let legacy = single(json!({
        "Type": "Map", "ItemsPath": "$.xs", "Parameters": {"v.$": "$$.Map.Item.Value"},
        "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true
    }));
    let execution = run(&legacy, json!({"xs": [1, 2]})).await;
    assert_eq!(execution.output, Some(json!([{"v": 1}, {"v": 2}])));
}

#[tokio::test]
async fn map_needs_an_array() {
    let definition = single(json!({
        "Type": "Map", "ItemsPath": "$.xs",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true
    }));
    // The items-type failure is a query evaluation error, in either query language
    // (the error names of the Step Functions developer guide's "Error handling" page).
    let execution = run(&definition, json!({"xs": {"a": 1}})).await;
    assert_eq!(
        execution.error.as_deref(),
        Some("States.QueryEvaluationError")
    );
    assert_eq!(
        execution.cause.as_deref(),
        Some(
            "An error occurred while executing the state 'S' (entered at the event id #2). \
             Map state input must be an array but was: {\"a\":1}"
        )
    );
}

#[tokio::test]
async fn map_respects_max_concurrency() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    struct Gauge(Arc<AtomicUsize>, Arc<AtomicUsize>);
    #[async_trait::async_trait]
    impl orderly_states::TaskHandler for Gauge {
        async fn invoke(
            &self,
            r: orderly_states::TaskRequest,
        ) -> Result<Value, orderly_states::TaskFailure> {
            let now = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            self.1.fetch_max(now, Ordering::SeqCst);
            for _ in 0..5 {
                tokio::task::yield_now().await;
            }
            self.0.fetch_sub(1, Ordering::SeqCst);
            Ok(r.parameters)
        }
    }
    let definition = single(json!({
        "Type": "Map", "MaxConcurrencyPath": "$.limit", "ItemsPath": "$.xs",
        "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
        "End": true
    }));
    let xs: Vec<u32> = (0..20).collect();
    let execution = run_with(
        &definition,
        json!({"limit": 3, "xs": xs}),
        Arc::new(Gauge(running, peak.clone())),
    )
    .await;
    assert_eq!(execution.output, Some(json!(xs)));
    assert_eq!(peak.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn map_tolerates_failures_up_to_the_threshold() {
    let processor = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "Bad"}], "Default": "Ok"},
        "Bad": {"Type": "Fail", "Error": "TooBig", "Cause": "big"},
        "Ok": {"Type": "Pass", "End": true}}});
    let tolerant = single(
        json!({"Type": "Map", "ToleratedFailureCount": 2, "ItemProcessor": processor, "End": true}),
    );
    let execution = run(&tolerant, json!([1, 2, 3, 4])).await;
    assert_eq!(
        execution.output,
        Some(
            json!([1, 2, {"Error": "TooBig", "Cause": "big"}, {"Error": "TooBig", "Cause": "big"}])
        )
    );
    let strict = single(
        json!({"Type": "Map", "ToleratedFailurePercentage": 25, "ItemProcessor": processor, "End": true}),
    );
    let execution = run(&strict, json!([1, 2, 3, 4])).await;
    assert_eq!(
        execution.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    let none = single(json!({"Type": "Map", "ItemProcessor": processor, "End": true}));
    let execution = run(&none, json!([1, 2, 3, 4])).await;
    assert_eq!(execution.error.as_deref(), Some("TooBig"));
}

// https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html:
// the ItemReader reads from Amazon S3, which this interpreter does not serve.
#[tokio::test]
async fn distributed_map_item_reader_fails_the_state() {
    let definition = single(json!({
        "Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
        "End": true
    }));
    let execution = run(&definition, json!({})).await;
    assert_eq!(execution.error.as_deref(), Some("States.ItemReaderFailed"));
}

#[tokio::test]
async fn execution_timeout_ends_timed_out() {
    let definition = json!({"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let execution = run(&definition, json!({})).await;
    assert_eq!(execution.status, ExecutionStatus::TimedOut);
    assert_eq!(execution.error.as_deref(), Some("States.Timeout"));
}
