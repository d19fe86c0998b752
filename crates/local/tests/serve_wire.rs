//! The wire contract of `orderly serve` seen from raw HTTP: routing on `X-Amz-Target`,
//! AWS-shaped errors, and no input that takes the server down.

use crate::serve_support;

use proptest::prelude::*;
use serde_json::Value;
use serve_support::Server;
use serve_support::http::{self, Answer};
use std::time::Duration;

/// A SigV4 header as the CLI sends one; the server ignores the signature.
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=x/20261126/us-east-1/states/aws4_request, \
                             SignedHeaders=host, Signature=0";

fn post(port: u16, target: Option<&str>, body: &[u8]) -> Answer {
    let mut headers = vec![
        ("Content-Type", "application/x-amz-json-1.0"),
        ("Authorization", AUTHORIZATION),
    ];
    if let Some(target) = target {
        headers.push(("X-Amz-Target", target));
    }
    http::post(port, &headers, body, Duration::from_secs(30))
}

/// Target header, body, expected status, expected error type, expected extra header.
type ErrorCase<'a> = (Option<&'a str>, &'a [u8], u16, &'a str, Option<&'a str>);

#[test]
fn errors_are_shaped_like_aws() {
    let server = Server::start();
    let port = server.port();
    let cases: Vec<ErrorCase> = vec![
        (
            Some("AWSStepFunctions.DescribeExecution"),
            b"{not json",
            400,
            "SerializationException",
            None,
        ),
        (
            Some("AWSStepFunctions.DescribeExecution"),
            br#"{"executionArn": "arn:aws:states:us-east-1:000000000000:execution:m:x"}"#,
            400,
            "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist",
            None,
        ),
        (
            Some("AWSStepFunctions.DescribeExecution"),
            br#"{"executionArn": 7}"#,
            400,
            "SerializationException",
            None,
        ),
        (
            Some("AWSStepFunctions.DescribeExecution"),
            b"{}",
            400,
            "com.amazonaws.swf.service.v2.model#ValidationException",
            None,
        ),
        (
            Some("AWSStepFunctions.NoSuchThing"),
            b"{}",
            400,
            "UnknownOperationException",
            None,
        ),
        (
            Some("Nope.PutEvents"),
            b"{}",
            400,
            "UnknownOperationException",
            None,
        ),
        (
            Some("AWSEvents.PutEvents"),
            br#"{"Entries": []}"#,
            400,
            "ValidationException",
            None,
        ),
        (
            Some("AWSEvents.TestEventPattern"),
            br#"{"EventPattern": "{\"a\": 1}", "Event": "{}"}"#,
            400,
            "InvalidEventPatternException",
            None,
        ),
        (
            Some("AmazonSQS.GetQueueUrl"),
            br#"{"QueueName": "nope"}"#,
            400,
            "com.amazonaws.sqs#QueueDoesNotExist",
            Some("AWS.SimpleQueueService.NonExistentQueue;Sender"),
        ),
    ];
    for (target, body, status, type_name, query_error) in cases {
        let answer = post(port, target, body);
        assert_eq!(answer.status, status, "{target:?}: {}", answer.text());
        let json = answer.json();
        assert_eq!(json["__type"], type_name, "{target:?}: {json}");
        assert!(json["message"].is_string(), "{target:?}: {json}");
        assert_eq!(
            answer.header("x-amzn-query-error"),
            query_error,
            "{target:?}"
        );
        let code = type_name.rsplit('#').next().unwrap_or(type_name);
        assert_eq!(answer.header("x-amzn-errortype"), Some(code), "{target:?}");
    }
}

#[test]
fn a_request_without_target_is_an_http_api_request() {
    let server = Server::start();
    // POST / is no route of the template's HTTP API: API Gateway's 404.
    let answer = post(server.port(), None, b"{}");
    assert_eq!(answer.status, 404, "{}", answer.text());
    assert_eq!(answer.json(), serde_json::json!({"message": "Not Found"}));
    assert!(answer.header("apigw-requestid").is_some());
    assert_eq!(answer.header("x-amzn-errortype"), None);
}

#[test]
fn cloudwatch_answers_in_json_1_0_as_well_as_cbor() {
    let server = Server::start();
    let port = server.port();
    let listed = post(
        port,
        Some("GraniteServiceVersion20100801.ListMetrics"),
        br#"{"Namespace": "Orderly"}"#,
    );
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert!(listed.json()["Metrics"].is_array());
    let refused = post(
        port,
        Some("GraniteServiceVersion20100801.GetMetricData"),
        br#"{"StartTime": 10, "EndTime": 5, "MetricDataQueries": [{"Id": "a", "Expression": "SEARCH('Namespace=\"Orderly\"', 'Sum', 60)"}]}"#,
    );
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["__type"],
        "com.amazonaws.cloudwatch#InvalidParameterValueException"
    );
    assert_eq!(
        refused.header("x-amzn-query-error"),
        Some("InvalidParameterValue;Sender")
    );
}

#[test]
fn put_events_answers_per_entry() {
    let server = Server::start();
    let port = server.port();
    let body = serde_json::json!({"Entries": [
        {"Source": "com.orders", "DetailType": "Ping", "Detail": "{}", "Time": 1764158400.5},
        {"Source": "com.orders", "DetailType": "Ping", "Detail": "not json"},
        {"Source": "com.orders", "DetailType": "Ping", "Detail": "{}", "EventBusName": "nope"},
    ]});
    let answer = post(
        port,
        Some("AWSEvents.PutEvents"),
        body.to_string().as_bytes(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(
        answer.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    let json = answer.json();
    assert_eq!(json["FailedEntryCount"], 2, "{json}");
    assert!(json["Entries"][0]["EventId"].is_string(), "{json}");
    assert_eq!(json["Entries"][1]["ErrorCode"], "MalformedDetail", "{json}");
    assert_eq!(
        json["Entries"][2]["ErrorCode"], "NotFoundException",
        "{json}"
    );
}

const TARGETS: &[&str] = &[
    "AWSEvents.PutEvents",
    "AWSEvents.TestEventPattern",
    "AWSEvents.ListRules",
    "AWSEvents.DescribeRule",
    "AWSStepFunctions.StartExecution",
    "AWSStepFunctions.StartSyncExecution",
    "AWSStepFunctions.DescribeExecution",
    "AWSStepFunctions.ListExecutions",
    "AWSStepFunctions.GetExecutionHistory",
    "AWSStepFunctions.ListStateMachines",
    "AWSStepFunctions.DescribeStateMachine",
    "AWSStepFunctions.SendTaskSuccess",
    "AWSStepFunctions.SendTaskFailure",
    "AWSStepFunctions.SendTaskHeartbeat",
    "AmazonSQS.ListQueues",
    "AmazonSQS.GetQueueUrl",
    "AmazonSQS.GetQueueAttributes",
    "AmazonSQS.SendMessage",
    "AmazonSQS.ReceiveMessage",
    "AmazonSQS.DeleteMessage",
    "AmazonSQS.ChangeMessageVisibility",
];

/// JSON values of every type, nested a little, for the members operations read.
fn member() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z:/{}\"]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[A-Za-z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Bodies built from the member names the operations use, with values of any type.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let names = prop::sample::select(vec![
        "Entries",
        "Detail",
        "Source",
        "Time",
        "EventPattern",
        "Event",
        "EventBusName",
        "Limit",
        "NextToken",
        "Name",
        "stateMachineArn",
        "executionArn",
        "input",
        "name",
        "taskToken",
        "output",
        "error",
        "cause",
        "maxResults",
        "nextToken",
        "reverseOrder",
        "statusFilter",
        "QueueUrl",
        "QueueName",
        "MessageBody",
        "MaxNumberOfMessages",
        "WaitTimeSeconds",
        "VisibilityTimeout",
        "ReceiptHandle",
        "AttributeNames",
        "MessageAttributes",
        "DelaySeconds",
    ]);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::btree_map(names, member(), 0..5).prop_map(|m| {
            // Long polls would only slow the run down; every other value stays random.
            let m: serde_json::Map<String, Value> = m
                .into_iter()
                .filter(|(k, _)| *k != "WaitTimeSeconds")
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            Value::Object(m).to_string().into_bytes()
        }),
    ]
}

/// Whatever arrives, the server answers 200 with JSON or a 4xx AWS error, and keeps
/// serving. One server takes every case (the server is dropped, so killed, at the end).
#[test]
fn any_body_gets_an_aws_answer() {
    let server = Server::start();
    let port = server.port();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    });
    let result = runner.run(
        &(prop::sample::select(TARGETS), body()),
        |(target, body)| {
            let answer = post(port, Some(target), &body);
            let json: Value = serde_json::from_slice(&answer.body)
                .map_err(|e| TestCaseError::fail(format!("{target}: {e}: {:?}", answer.text())))?;
            if answer.status == 200 {
                prop_assert!(json.is_object(), "{target}: {json}");
            } else {
                prop_assert!(
                    (400..500).contains(&answer.status),
                    "{target}: {} {json}",
                    answer.status
                );
                prop_assert!(json["__type"].is_string(), "{target}: {json}");
            }
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn deep_nesting_is_refused_cleanly() {
    let server = Server::start();
    let port = server.port();
    let deep = "[".repeat(100_000);
    let answer = post(port, Some("AWSEvents.PutEvents"), deep.as_bytes());
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["__type"], "SerializationException");
    // Still serving.
    let answer = post(port, Some("AWSStepFunctions.ListStateMachines"), b"{}");
    assert_eq!(answer.status, 200);
}
