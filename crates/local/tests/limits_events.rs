//! EventBridge's limits through the wire: what PutEvents, TestEventPattern, ListRules and
//! DescribeRule accept at each edge, and what they refuse one past it, with AWS's code and
//! words. A deeply nested `Detail` travels through a rule to every kind of target.

use crate::limits_support;
use crate::serve_support;

use limits_support::{Case, Expect, one_error, post, run};
use serde_json::{Value, json};
use serve_support::{Server, eventually};
use std::time::Duration;

/// An entry whose size ("Calculating PutEvents event entry size") is exactly `bytes`:
/// Source and DetailType of one byte each, the rest in Detail.
fn entry_of_size(bytes: usize) -> Value {
    let detail = format!("{{\"a\":\"{}\"}}", "x".repeat(bytes - 2 - 8));
    json!({"Source": "s", "DetailType": "t", "Detail": detail})
}

fn put(entries: Vec<Value>) -> Value {
    json!({ "Entries": entries })
}

/// A Detail nested `levels` objects deep.
fn nested_detail(levels: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels))
}

#[test]
fn eventbridge_edges() {
    let server = Server::start();
    let total_over = "Total size of the entries in the request is over the limit.".to_owned();
    let cases = vec![
        Case {
            name: "one entry of exactly 256 KB",
            target: "AWSEvents.PutEvents",
            body: put(vec![entry_of_size(262_144)]),
            expect: Expect::Accepted,
        },
        Case {
            name: "ten entries of 190 KB",
            target: "AWSEvents.PutEvents",
            body: put(vec![entry_of_size(190 * 1024); 10]),
            expect: Expect::Refused("ValidationException", total_over.clone()),
        },
        Case {
            name: "two entries one byte over 256 KB together",
            target: "AWSEvents.PutEvents",
            body: put(vec![entry_of_size(131_072), entry_of_size(131_073)]),
            expect: Expect::Refused("ValidationException", total_over),
        },
        Case {
            name: "ten entries",
            target: "AWSEvents.PutEvents",
            body: put(vec![entry_of_size(100); 10]),
            expect: Expect::Accepted,
        },
        Case {
            name: "eleven entries",
            target: "AWSEvents.PutEvents",
            body: put(vec![entry_of_size(100); 11]),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "",
                    "entries",
                    "Member must have length less than or equal to 10",
                ),
            ),
        },
        Case {
            name: "no entries",
            target: "AWSEvents.PutEvents",
            body: put(vec![]),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "",
                    "entries",
                    "Member must have length greater than or equal to 1",
                ),
            ),
        },
        Case {
            name: "Time that is not a time",
            target: "AWSEvents.PutEvents",
            body: put(vec![
                json!({"Source": "s", "DetailType": "t", "Detail": "{}", "Time": "not-a-time"}),
            ]),
            expect: Expect::Refused(
                "SerializationException",
                "STRING_VALUE can not be converted to a Timestamp".to_owned(),
            ),
        },
        Case {
            name: "Time as RFC 3339 text",
            target: "AWSEvents.PutEvents",
            body: put(vec![
                json!({"Source": "s", "DetailType": "t", "Detail": "{}", "Time": "2025-11-26T12:00:00Z"}),
            ]),
            expect: Expect::Accepted,
        },
        Case {
            name: "TraceHeader of 501 characters",
            target: "AWSEvents.PutEvents",
            body: put(vec![
                json!({"Source": "s", "DetailType": "t", "Detail": "{}", "TraceHeader": "x".repeat(501)}),
            ]),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    &format!("'{}' ", "x".repeat(501)),
                    "entries.1.member.traceHeader",
                    "Member must have length less than or equal to 500",
                ),
            ),
        },
        Case {
            name: "ListRules Limit 100",
            target: "AWSEvents.ListRules",
            body: json!({"Limit": 100}),
            expect: Expect::Accepted,
        },
        Case {
            name: "ListRules Limit 101",
            target: "AWSEvents.ListRules",
            body: json!({"Limit": 101}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "'101' ",
                    "limit",
                    "Member must have value less than or equal to 100",
                ),
            ),
        },
        Case {
            name: "ListRules NamePrefix with a space",
            target: "AWSEvents.ListRules",
            body: json!({"NamePrefix": "a b"}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "'a b' ",
                    "namePrefix",
                    r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+",
                ),
            ),
        },
        Case {
            name: "DescribeRule Name of 65 characters",
            target: "AWSEvents.DescribeRule",
            body: json!({"Name": "r".repeat(65)}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    &format!("'{}' ", "r".repeat(65)),
                    "name",
                    "Member must have length less than or equal to 64",
                ),
            ),
        },
        Case {
            name: "DescribeRule without Name",
            target: "AWSEvents.DescribeRule",
            body: json!({}),
            expect: Expect::Refused(
                "ValidationException",
                "1 validation error detected: Value null at 'name' failed to satisfy \
                 constraint: Member must not be null"
                    .to_owned(),
            ),
        },
    ];
    run(server.port(), cases, false);
}

/// A template whose one rule sends `deep.test` events to a queue whole, to a queue through
/// an input transformer, and to a state machine.
const DEEP_TEMPLATE: &str = r#"AWSTemplateFormatVersion: "2010-09-09"
Resources:
  WholeQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: whole
  PickedQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: picked
  Keeper:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      StateMachineName: keeper
      Definition:
        StartAt: Keep
        States:
          Keep:
            Type: Pass
            Parameters:
              "kept.$": "$.detail"
              "kind.$": "$.detail-type"
            End: true
  DeepRule:
    Type: AWS::Events::Rule
    Properties:
      EventPattern:
        source: [deep.test]
      State: ENABLED
      Targets:
        - Id: whole
          Arn: !GetAtt WholeQueue.Arn
        - Id: picked
          Arn: !GetAtt PickedQueue.Arn
          InputTransformer:
            InputPathsMap:
              kind: $.detail-type
            InputTemplate: '{"kind": <kind>}'
        - Id: machine
          Arn: !Ref Keeper
"#;

fn receive_one(port: u16, queue: &str) -> String {
    let url = post(port, "AmazonSQS.GetQueueUrl", &json!({"QueueName": queue})).json["QueueUrl"]
        .as_str()
        .expect("queue url")
        .to_owned();
    eventually(
        &format!("a message on {queue}"),
        Duration::from_secs(30),
        || {
            let answer = post(
                port,
                "AmazonSQS.ReceiveMessage",
                &json!({"QueueUrl": url, "WaitTimeSeconds": 1}),
            );
            answer.json["Messages"][0]["Body"]
                .as_str()
                .map(str::to_owned)
        },
    )
}

#[test]
fn detail_nested_as_deep_as_aws_processes_reaches_every_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = dir.path().join("template.yaml");
    std::fs::write(&template, DEEP_TEMPLATE).expect("write template");
    let server = Server::start_with(&template);
    let port = server.port();
    // "PutEvents will only process nested JSON up to 1100 levels deep."
    let levels = 1100;
    let detail = nested_detail(levels);

    // One level deeper than PutEvents processes: the entry fails, the server stays up.
    let too_deep = post(
        port,
        "AWSEvents.PutEvents",
        &put(vec![
            json!({"Source": "deep.test", "DetailType": "too-deep", "Detail": nested_detail(levels + 1)}),
        ]),
    );
    assert_eq!(too_deep.status, 200, "{}", too_deep.json);
    assert_eq!(too_deep.json["FailedEntryCount"], 1, "{}", too_deep.json);
    assert_eq!(too_deep.json["Entries"][0]["ErrorCode"], "MalformedDetail");

    let answer = post(
        port,
        "AWSEvents.PutEvents",
        &put(vec![
            json!({"Source": "deep.test", "DetailType": "deep", "Detail": detail}),
        ]),
    );
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["FailedEntryCount"], 0, "{}", answer.json);

    // The whole event carries the Detail as sent, one object deeper.
    let whole = receive_one(port, "whole");
    assert!(whole.starts_with('{'), "{}", &whole[..200]);
    assert!(
        whole.contains(&format!("\"detail\":{detail}")),
        "{}",
        &whole[..200]
    );
    let picked = receive_one(port, "picked");
    assert_eq!(
        serde_json::from_str::<Value>(&picked).ok(),
        Some(json!({"kind": "deep"}))
    );

    let machine = post(port, "AWSStepFunctions.ListStateMachines", &json!({})).json
        ["stateMachines"][0]["stateMachineArn"]
        .as_str()
        .expect("state machine")
        .to_owned();
    let status = eventually("the execution to end", Duration::from_secs(30), || {
        let list = post(
            port,
            "AWSStepFunctions.ListExecutions",
            &json!({"stateMachineArn": machine}),
        );
        list.json["executions"][0]["status"]
            .as_str()
            .filter(|s| *s != "RUNNING")
            .map(str::to_owned)
    });
    assert_eq!(status, "SUCCEEDED");
    // Still serving.
    assert_eq!(post(port, "AWSEvents.ListRules", &json!({})).status, 200);
}

#[test]
fn test_event_pattern_reads_an_event_as_deep_as_put_events_does() {
    let server = Server::start();
    let event = |levels: usize| {
        format!(
            r#"{{"id":"1","account":"123456789012","source":"deep.test","time":"2026-12-05T00:00:00Z","region":"us-east-1","detail-type":"deep","resources":[],"detail":{}}}"#,
            nested_detail(levels)
        )
    };
    let pattern = r#"{"source":["deep.test"]}"#;
    let answer = post(
        server.port(),
        "AWSEvents.TestEventPattern",
        &json!({"EventPattern": pattern, "Event": event(1100)}),
    );
    assert_eq!(answer.status, 200, "{}", answer.json);
    assert_eq!(answer.json["Result"], true, "{}", answer.json);
    // Deeper than EventBridge processes: refused as an invalid event, the server stays up.
    let too_deep = post(
        server.port(),
        "AWSEvents.TestEventPattern",
        &json!({"EventPattern": pattern, "Event": event(1101)}),
    );
    assert_eq!(too_deep.status, 400, "{}", too_deep.json);
    assert_eq!(
        post(server.port(), "AWSEvents.ListRules", &json!({})).status,
        200
    );
}
