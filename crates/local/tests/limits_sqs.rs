//! SQS's limits through the wire: each served action's parameters at their edges and one
//! past, with SQS's query-compatible code (also in `x-amzn-query-error`) and sentence.

use crate::limits_support;
use crate::serve_support;

use limits_support::{Case, Expect, post, run};
use serde_json::{Map, Value, json};
use serve_support::Server;

fn attributes(n: usize) -> Value {
    let map: Map<String, Value> = (0..n)
        .map(|i| {
            (
                format!("a{i}"),
                json!({"DataType": "String", "StringValue": "v"}),
            )
        })
        .collect();
    Value::Object(map)
}

fn invalid(message: String) -> Expect {
    Expect::Refused("InvalidParameterValue", message)
}

#[test]
fn sqs_edges() {
    let server = Server::start();
    let port = server.port();
    let url = post(port, "AmazonSQS.ListQueues", &json!({})).json["QueueUrls"][0]
        .as_str()
        .expect("a queue")
        .to_owned();
    let send = |extra: Value| {
        let mut body = json!({"QueueUrl": url, "MessageBody": "hello"});
        if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
            b.extend(extra);
        }
        body
    };
    let group_reason = |name: &str, v: &str| {
        format!(
            "Value {v} for parameter {name} is invalid. Reason: {name} can only include \
             alphanumeric and punctuation characters. 1 to 128 in length."
        )
    };
    let cases = vec![
        Case {
            name: "data type Bogus",
            target: "AmazonSQS.SendMessage",
            body: send(
                json!({"MessageAttributes": {"x": {"DataType": "Bogus", "StringValue": "v"}}}),
            ),
            expect: invalid(
                "The message attribute 'x' has an invalid message attribute type, the set of \
                 supported type prefixes is Binary, Number, and String."
                    .to_owned(),
            ),
        },
        Case {
            name: "a String with no value",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageAttributes": {"x": {"DataType": "String"}}})),
            expect: invalid(
                "The message attribute 'x' must contain non-empty message attribute value for \
                 message attribute type 'String'."
                    .to_owned(),
            ),
        },
        Case {
            name: "a custom type with its value",
            target: "AmazonSQS.SendMessage",
            body: send(
                json!({"MessageAttributes": {"x": {"DataType": "String.json", "StringValue": "{}"}}}),
            ),
            expect: Expect::Accepted,
        },
        Case {
            name: "ten attributes",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageAttributes": attributes(10)})),
            expect: Expect::Accepted,
        },
        Case {
            name: "eleven attributes",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageAttributes": attributes(11)})),
            expect: invalid(
                "Number of message attributes [11] exceeds the allowed maximum [10].".to_owned(),
            ),
        },
        Case {
            name: "empty MessageGroupId",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageGroupId": ""})),
            expect: invalid(group_reason("MessageGroupId", "")),
        },
        Case {
            name: "MessageGroupId of 128 characters",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageGroupId": "g".repeat(128)})),
            expect: Expect::Accepted,
        },
        Case {
            name: "MessageGroupId of 200 characters",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageGroupId": "g".repeat(200)})),
            expect: invalid(group_reason("MessageGroupId", &"g".repeat(200))),
        },
        Case {
            name: "MessageGroupId with a space",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageGroupId": "a b"})),
            expect: invalid(group_reason("MessageGroupId", "a b")),
        },
        Case {
            name: "empty MessageDeduplicationId",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageDeduplicationId": ""})),
            expect: invalid(group_reason("MessageDeduplicationId", "")),
        },
        Case {
            name: "MessageDeduplicationId of 200 characters",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageDeduplicationId": "d".repeat(200)})),
            expect: invalid(group_reason("MessageDeduplicationId", &"d".repeat(200))),
        },
        Case {
            name: "body of 1 MiB",
            target: "AmazonSQS.SendMessage",
            body: json!({"QueueUrl": url, "MessageBody": "b".repeat(1_048_576)}),
            expect: Expect::Accepted,
        },
        Case {
            name: "body one byte over 1 MiB",
            target: "AmazonSQS.SendMessage",
            body: json!({"QueueUrl": url, "MessageBody": "b".repeat(1_048_577)}),
            expect: invalid(
                "One or more parameters are invalid. Reason: Message must be shorter than \
                 1048576 bytes."
                    .to_owned(),
            ),
        },
        Case {
            name: "body with a NUL",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"MessageBody": "a\u{0}b"})),
            expect: Expect::Refused(
                "InvalidMessageContents",
                "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | \
                 #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
                    .to_owned(),
            ),
        },
        Case {
            name: "no body",
            target: "AmazonSQS.SendMessage",
            body: json!({"QueueUrl": url}),
            expect: Expect::Refused(
                "MissingParameter",
                "The request must contain the parameter MessageBody.".to_owned(),
            ),
        },
        Case {
            name: "DelaySeconds 901",
            target: "AmazonSQS.SendMessage",
            body: send(json!({"DelaySeconds": 901})),
            expect: invalid(
                "Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be \
                 >= 0 and <= 900."
                    .to_owned(),
            ),
        },
        Case {
            name: "MaxNumberOfMessages 10",
            target: "AmazonSQS.ReceiveMessage",
            body: json!({"QueueUrl": url, "MaxNumberOfMessages": 10}),
            expect: Expect::Accepted,
        },
        Case {
            name: "MaxNumberOfMessages 11",
            target: "AmazonSQS.ReceiveMessage",
            body: json!({"QueueUrl": url, "MaxNumberOfMessages": 11}),
            expect: invalid(
                "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between \
                 1 and 10, if provided."
                    .to_owned(),
            ),
        },
        Case {
            name: "WaitTimeSeconds 21",
            target: "AmazonSQS.ReceiveMessage",
            body: json!({"QueueUrl": url, "WaitTimeSeconds": 21}),
            expect: invalid(
                "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= \
                 20, if provided."
                    .to_owned(),
            ),
        },
        Case {
            name: "VisibilityTimeout 43201",
            target: "AmazonSQS.ReceiveMessage",
            body: json!({"QueueUrl": url, "VisibilityTimeout": 43_201}),
            expect: invalid(
                "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 \
                 and <= 43200, if provided."
                    .to_owned(),
            ),
        },
        Case {
            name: "ChangeMessageVisibility without VisibilityTimeout",
            target: "AmazonSQS.ChangeMessageVisibility",
            body: json!({"QueueUrl": url, "ReceiptHandle": "1.x"}),
            expect: Expect::Refused(
                "MissingParameter",
                "The request must contain the parameter VisibilityTimeout.".to_owned(),
            ),
        },
        Case {
            name: "DeleteMessage without ReceiptHandle",
            target: "AmazonSQS.DeleteMessage",
            body: json!({"QueueUrl": url}),
            expect: Expect::Refused(
                "MissingParameter",
                "The request must contain the parameter ReceiptHandle.".to_owned(),
            ),
        },
        Case {
            name: "GetQueueAttributes of an unknown attribute",
            target: "AmazonSQS.GetQueueAttributes",
            body: json!({"QueueUrl": url, "AttributeNames": ["Bogus"]}),
            expect: Expect::Refused(
                "InvalidAttributeName",
                "Unknown Attribute Bogus.".to_owned(),
            ),
        },
        Case {
            name: "ListQueues MaxResults 1001",
            target: "AmazonSQS.ListQueues",
            body: json!({"MaxResults": 1001}),
            expect: invalid(
                "Value 1001 for parameter MaxResults is invalid. Reason: MaxResults must be an \
                 integer between 1 and 1000."
                    .to_owned(),
            ),
        },
    ];
    run(port, cases, true);
}
