//! Step Functions' limits through the wire: each served action's members at their edges
//! and one past, with AWS's code and words.

use crate::limits_support;
use crate::serve_support;

use limits_support::{Case, Expect, one_error, post, run};
use serde_json::json;
use serve_support::Server;

#[test]
fn step_functions_edges() {
    let server = Server::start();
    let port = server.port();
    let machine = post(port, "AWSStepFunctions.ListStateMachines", &json!({})).json
        ["stateMachines"][0]["stateMachineArn"]
        .as_str()
        .expect("a state machine")
        .to_owned();
    let start = |name: &str| json!({"stateMachineArn": machine, "name": name, "input": "{}"});
    let long_name = |n: usize| "n".repeat(n);
    let mut cases = vec![
        Case {
            name: "name of 80 characters",
            target: "AWSStepFunctions.StartExecution",
            body: start(&long_name(80)),
            expect: Expect::Accepted,
        },
        Case {
            name: "name of 81 characters",
            target: "AWSStepFunctions.StartExecution",
            body: start(&long_name(81)),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    &format!("'{}' ", long_name(81)),
                    "name",
                    "Member must have length less than or equal to 80",
                ),
            ),
        },
        Case {
            name: "name of 5000 characters",
            target: "AWSStepFunctions.StartExecution",
            body: start(&long_name(5000)),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    &format!("'{}' ", long_name(5000)),
                    "name",
                    "Member must have length less than or equal to 80",
                ),
            ),
        },
        Case {
            name: "empty name",
            target: "AWSStepFunctions.StartExecution",
            body: start(""),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "'' ",
                    "name",
                    "Member must have length greater than or equal to 1",
                ),
            ),
        },
        Case {
            name: "input of 262145 bytes",
            target: "AWSStepFunctions.StartExecution",
            body: json!({"stateMachineArn": machine,
                "input": format!("{{\"a\":\"{}\"}}", "x".repeat(262_145 - 8))}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "",
                    "input",
                    "Member must have length less than or equal to 262144",
                ),
            ),
        },
        Case {
            name: "statusFilter BOGUS",
            target: "AWSStepFunctions.ListExecutions",
            body: json!({"stateMachineArn": machine, "statusFilter": "BOGUS"}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "'BOGUS' ",
                    "statusFilter",
                    "Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, \
                     TIMED_OUT, ABORTED, PENDING_REDRIVE]",
                ),
            ),
        },
        Case {
            name: "statusFilter and maxResults at their edges",
            target: "AWSStepFunctions.ListExecutions",
            body: json!({"stateMachineArn": machine, "statusFilter": "PENDING_REDRIVE",
                "maxResults": 1000}),
            expect: Expect::Accepted,
        },
        Case {
            name: "maxResults 1001",
            target: "AWSStepFunctions.ListExecutions",
            body: json!({"stateMachineArn": machine, "maxResults": 1001}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "'1001' ",
                    "maxResults",
                    "Member must have value less than or equal to 1000",
                ),
            ),
        },
        Case {
            name: "ListStateMachines maxResults -1",
            target: "AWSStepFunctions.ListStateMachines",
            body: json!({"maxResults": -1}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "'-1' ",
                    "maxResults",
                    "Member must have value greater than or equal to 0",
                ),
            ),
        },
        Case {
            name: "SendTaskSuccess with a 300 KB output",
            target: "AWSStepFunctions.SendTaskSuccess",
            body: json!({"taskToken": "t",
                "output": format!("{{\"a\":\"{}\"}}", "x".repeat(300 * 1024))}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "",
                    "output",
                    "Member must have length less than or equal to 262144",
                ),
            ),
        },
        Case {
            name: "SendTaskSuccess without output",
            target: "AWSStepFunctions.SendTaskSuccess",
            body: json!({"taskToken": "t"}),
            expect: Expect::Refused(
                "ValidationException",
                "1 validation error detected: Value null at 'output' failed to satisfy \
                 constraint: Member must not be null"
                    .to_owned(),
            ),
        },
        Case {
            name: "SendTaskFailure error of 257 characters",
            target: "AWSStepFunctions.SendTaskFailure",
            body: json!({"taskToken": "t", "error": "e".repeat(257)}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "",
                    "error",
                    "Member must have length less than or equal to 256",
                ),
            ),
        },
        Case {
            name: "SendTaskHeartbeat with an empty token",
            target: "AWSStepFunctions.SendTaskHeartbeat",
            body: json!({"taskToken": ""}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "'' ",
                    "taskToken",
                    "Member must have length greater than or equal to 1",
                ),
            ),
        },
        Case {
            name: "DescribeExecution includedData BOGUS",
            target: "AWSStepFunctions.DescribeExecution",
            body: json!({"executionArn": "arn:aws:states:us-east-1:1:execution:m:e",
                "includedData": "BOGUS"}),
            expect: Expect::Refused(
                "ValidationException",
                one_error(
                    "'BOGUS' ",
                    "includedData",
                    "Member must satisfy enum value set: [ALL_DATA, METADATA_ONLY]",
                ),
            ),
        },
    ];
    // Each character the StartExecution reference says a name must not contain.
    for bad in [
        "a b", "a\tb", "a<b", "a>b", "a{b", "a}b", "a[b", "a]b", "a?b", "a*b", "a\"b", "a#b",
        "a%b", "a\\b", "a^b", "a|b", "a~b", "a`b", "a$b", "a&b", "a,b", "a;b", "a:b", "a/b",
        "a\u{1}b", "a\u{7f}b", "a\u{85}b",
    ] {
        cases.push(Case {
            name: "name with a character the reference forbids",
            target: "AWSStepFunctions.StartExecution",
            body: start(bad),
            expect: Expect::Refused("InvalidName", format!("Invalid Name: '{bad}'")),
        });
    }
    run(port, cases, false);
}
