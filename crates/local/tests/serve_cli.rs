//! `orderly serve` driven by the real AWS CLI ([`serve_support::cli`]), as a person would
//! drive it.

use crate::serve_support;

use serde_json::Value;
use serve_support::cli::{aws, is_service_error};
use serve_support::{EXPRESS_TEMPLATE, Server, eventually, scenario};
use std::time::Duration;

fn machine_arn(server: &Server) -> String {
    let machines = aws(server, &["stepfunctions", "list-state-machines"]).json();
    machines["stateMachines"][0]["stateMachineArn"]
        .as_str()
        .expect("the template has a state machine")
        .to_owned()
}

fn put_scenario(server: &Server, name: &str) {
    let file = format!("file://{}", scenario(name).display());
    let put = aws(server, &["events", "put-events", "--entries", &file]).json();
    assert_eq!(put["FailedEntryCount"], 0, "{put}");
    assert!(put["Entries"][0]["EventId"].is_string(), "{put}");
}

/// The ARN of the execution whose input names `order_id`.
fn execution_for(server: &Server, machine: &str, order_id: &str) -> String {
    eventually(
        &format!("an execution for {order_id}"),
        Duration::from_secs(30),
        || {
            let list = aws(
                server,
                &[
                    "stepfunctions",
                    "list-executions",
                    "--state-machine-arn",
                    machine,
                ],
            )
            .json();
            list["executions"].as_array()?.iter().find_map(|e| {
                let arn = e["executionArn"].as_str()?;
                let described = describe_execution(server, arn);
                described["input"]
                    .as_str()?
                    .contains(order_id)
                    .then(|| arn.to_owned())
            })
        },
    )
}

fn wait_for_end(server: &Server, execution: &str) -> Value {
    eventually("the execution to end", Duration::from_secs(60), || {
        let described = describe_execution(server, execution);
        (described["status"] != "RUNNING").then_some(described)
    })
}

#[test]
fn happy_path_order_runs_to_succeeded() {
    let server = Server::start();
    put_scenario(&server, "happy-path");
    let machine = machine_arn(&server);
    let execution = execution_for(&server, &machine, "o-happy-1");
    let described = wait_for_end(&server, &execution);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    // CLI v1 prints the epoch seconds as sent, v2 renders them as text.
    for date in ["startDate", "stopDate"] {
        assert!(
            described[date].is_f64() || described[date].is_string(),
            "{date}: {described}"
        );
    }
    let history = execution_history(&server, &execution);
    let types: Vec<&str> = history["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(types.first(), Some(&"ExecutionStarted"), "{types:?}");
    assert_eq!(types.last(), Some(&"ExecutionSucceeded"), "{types:?}");
}

/// The token the execution's latest `.waitForTaskToken` task (RequestApproval) waits
/// with, from its TaskScheduled parameters.
fn waiting_token(server: &Server, execution: &str) -> Option<String> {
    let history = execution_history(server, execution);
    // The latest: a redriven execution waits again with a new token.
    history["events"].as_array()?.iter().rev().find_map(|e| {
        let details = &e["taskScheduledEventDetails"];
        if !details["resource"].as_str()?.ends_with(".waitForTaskToken") {
            return None;
        }
        let parameters: Value = serde_json::from_str(details["parameters"].as_str()?).ok()?;
        parameters["Payload"]["taskToken"]
            .as_str()
            .map(str::to_owned)
    })
}

#[test]
fn approval_is_answered_with_send_task_success() {
    let server = Server::start();
    put_scenario(&server, "approval-needed");
    let machine = machine_arn(&server);
    let execution = execution_for(&server, &machine, "o-approval-1");
    let token = eventually("a waiting task token", Duration::from_secs(30), || {
        waiting_token(&server, &execution)
    });
    let running = describe_execution(&server, &execution);
    assert_eq!(running["status"], "RUNNING", "{running}");
    let output = r#"{"approved": true, "approver": "ops@example.com"}"#;
    let sent = aws(
        &server,
        &[
            "stepfunctions",
            "send-task-success",
            "--task-token",
            &token,
            "--task-output",
            output,
        ],
    );
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    let described = wait_for_end(&server, &execution);
    assert_eq!(described["status"], "SUCCEEDED", "{described}");
    // The token is spent: a second answer names the task as gone.
    let again = aws(
        &server,
        &[
            "stepfunctions",
            "send-task-success",
            "--task-token",
            &token,
            "--task-output",
            "{}",
        ],
    );
    assert!(is_service_error(again.code), "{}", again.stderr);
    assert!(
        again.stderr.contains("TaskDoesNotExist"),
        "{}",
        again.stderr
    );
}

fn execution_history(server: &Server, execution: &str) -> Value {
    aws(
        server,
        &[
            "stepfunctions",
            "get-execution-history",
            "--execution-arn",
            execution,
        ],
    )
    .json()
}

fn describe_execution(server: &Server, execution: &str) -> Value {
    aws(
        server,
        &[
            "stepfunctions",
            "describe-execution",
            "--execution-arn",
            execution,
        ],
    )
    .json()
}

/// A stuck approval (docs/operate.md): the execution is stopped, then redriven from the
/// state it stopped in; the states that finished do not run again.
#[test]
fn a_stopped_execution_is_redriven_from_the_state_it_stopped_in() {
    let server = Server::start();
    put_scenario(&server, "approval-needed");
    let machine = machine_arn(&server);
    let execution = execution_for(&server, &machine, "o-approval-1");
    let first_token = eventually("a waiting task token", Duration::from_secs(30), || {
        waiting_token(&server, &execution)
    });
    let stop = [
        "stepfunctions",
        "stop-execution",
        "--execution-arn",
        &execution,
        "--error",
        "Operator",
        "--cause",
        "approver away",
    ];
    assert_eq!(aws(&server, &stop).code, 0);
    let stopped = wait_for_end(&server, &execution);
    assert_eq!(stopped["status"], "ABORTED", "{stopped}");
    assert_eq!(stopped["redriveStatus"], "REDRIVABLE", "{stopped}");
    assert_eq!(stopped["redriveCount"], 0);

    let redrive = [
        "stepfunctions",
        "redrive-execution",
        "--execution-arn",
        &execution,
    ];
    let with_token = [&redrive[..], &["--client-token", "redrive-approval-1"]].concat();
    let redriven = aws(&server, &with_token).json();
    assert!(redriven["redriveDate"].is_number(), "{redriven}");
    // A retry with the same client token is answered again, not refused as RUNNING.
    let again = aws(&server, &with_token).json();
    assert_eq!(again["redriveDate"], redriven["redriveDate"]);
    let token = eventually("a new waiting token", Duration::from_secs(30), || {
        waiting_token(&server, &execution).filter(|t| *t != first_token)
    });
    let running = describe_execution(&server, &execution);
    assert_eq!(running["status"], "RUNNING", "{running}");
    assert_eq!(running["redriveCount"], 1, "{running}");
    assert!(running["redriveDate"].is_number(), "{running}");
    let output = r#"{"approved": true, "approver": "ops@example.com"}"#;
    let success = [
        "stepfunctions",
        "send-task-success",
        "--task-token",
        &token,
        "--task-output",
        output,
    ];
    assert_eq!(aws(&server, &success).code, 0);
    let ended = wait_for_end(&server, &execution);
    assert_eq!(ended["status"], "SUCCEEDED", "{ended}");
    assert_eq!(ended["redriveCount"], 1, "{ended}");
    assert!(ended["redriveDate"].is_number(), "{ended}");
    assert_eq!(ended["redriveStatus"], "NOT_REDRIVABLE");
    assert_eq!(
        ended["redriveStatusReason"],
        "Execution is SUCCEEDED and cannot be redriven."
    );

    let history = execution_history(&server, &execution);
    let events = history["events"].as_array().expect("events");
    let count = |f: &dyn Fn(&Value) -> bool| events.iter().filter(|e| f(e)).count();
    assert_eq!(
        count(&|e| e["type"] == "ExecutionRedriven"
            && e["executionRedrivenEventDetails"]["redriveCount"] == 1),
        1
    );
    assert_eq!(
        count(&|e| e["stateEnteredEventDetails"]["name"] == "RegisterOrder"),
        1,
        "RegisterOrder finished before the stop and does not run again"
    );
    assert_eq!(
        count(&|e| e["stateEnteredEventDetails"]["name"] == "RequestApproval"),
        2,
        "the state it stopped in runs again"
    );

    let listed = |filter: &str| -> Vec<String> {
        let list = [
            "stepfunctions",
            "list-executions",
            "--state-machine-arn",
            &machine,
            "--redrive-filter",
            filter,
        ];
        aws(&server, &list).json()["executions"]
            .as_array()
            .expect("executions")
            .iter()
            .filter_map(|e| e["executionArn"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(listed("REDRIVEN"), std::slice::from_ref(&execution));
    assert!(!listed("NOT_REDRIVEN").contains(&execution));

    let refused = aws(&server, &redrive);
    assert!(is_service_error(refused.code));
    assert!(
        refused.stderr.contains("(ExecutionNotRedrivable)")
            && refused
                .stderr
                .contains("Execution is SUCCEEDED and cannot be redriven."),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_dead_letter_queue_can_be_read_and_emptied() {
    let server = Server::start();
    let queues = aws(&server, &["sqs", "list-queues"]).json();
    let urls: Vec<&str> = queues["QueueUrls"]
        .as_array()
        .expect("queues")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let dlq = *urls
        .iter()
        .find(|u| u.to_lowercase().contains("dlq") && !u.ends_with(".fifo"))
        .unwrap_or_else(|| panic!("a standard DLQ among {urls:?}"));
    assert!(dlq.starts_with(&server.endpoint), "{dlq}");
    let sent = aws(
        &server,
        &[
            "sqs",
            "send-message",
            "--queue-url",
            dlq,
            "--message-body",
            r#"{"orderId":"o-poison"}"#,
            "--message-attributes",
            r#"{"ERROR_CODE":{"DataType":"String","StringValue":"SQS_QUEUE_DOES_NOT_EXIST"}}"#,
        ],
    )
    .json();
    assert!(sent["MessageId"].is_string(), "{sent}");
    let received = aws(
        &server,
        &[
            "sqs",
            "receive-message",
            "--queue-url",
            dlq,
            "--attribute-names",
            "All",
            "--message-attribute-names",
            "All",
            "--max-number-of-messages",
            "10",
        ],
    )
    .json();
    let message = &received["Messages"][0];
    assert_eq!(message["Body"], r#"{"orderId":"o-poison"}"#);
    assert_eq!(
        message["MessageAttributes"]["ERROR_CODE"]["StringValue"],
        "SQS_QUEUE_DOES_NOT_EXIST"
    );
    assert_eq!(message["Attributes"]["ApproximateReceiveCount"], "1");
    let handle = message["ReceiptHandle"].as_str().expect("receipt handle");
    let deleted = aws(
        &server,
        &[
            "sqs",
            "delete-message",
            "--queue-url",
            dlq,
            "--receipt-handle",
            handle,
        ],
    );
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    let attributes = aws(
        &server,
        &[
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            dlq,
            "--attribute-names",
            "All",
        ],
    )
    .json();
    assert_eq!(attributes["Attributes"]["ApproximateNumberOfMessages"], "0");
    assert_eq!(
        attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"],
        "0"
    );
}

#[test]
fn errors_carry_the_aws_codes() {
    let server = Server::start();
    let machine = machine_arn(&server);
    let unknown_execution = machine.replace(":stateMachine:", ":execution:") + ":nope";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "stepfunctions",
                "describe-execution",
                "--execution-arn",
                &unknown_execution,
            ],
            "ExecutionDoesNotExist",
        ),
        (
            vec![
                "stepfunctions",
                "list-executions",
                "--state-machine-arn",
                "arn:aws:states:us-east-1:123456789012:stateMachine:nope",
            ],
            "StateMachineDoesNotExist",
        ),
        (
            vec![
                "stepfunctions",
                "send-task-success",
                "--task-token",
                "nope",
                "--task-output",
                "{}",
            ],
            "TaskDoesNotExist",
        ),
        (
            vec!["events", "list-rules", "--event-bus-name", "no-such-bus"],
            "ResourceNotFoundException",
        ),
        (
            vec!["events", "describe-rule", "--name", "no-such-rule"],
            "ResourceNotFoundException",
        ),
        (
            vec![
                "events",
                "test-event-pattern",
                "--event-pattern",
                r#"{"source": "not-a-list"}"#,
                "--event",
                "{}",
            ],
            "InvalidEventPatternException",
        ),
        (
            vec!["sqs", "get-queue-url", "--queue-name", "no-such-queue"],
            "AWS.SimpleQueueService.NonExistentQueue",
        ),
    ];
    for (args, code) in cases {
        let out = aws(&server, &args);
        assert!(is_service_error(out.code), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("({code})")),
            "{args:?} should fail with {code}: {}",
            out.stderr
        );
    }
    let out = aws(
        &server,
        &[
            "stepfunctions",
            "describe-execution",
            "--execution-arn",
            &unknown_execution,
        ],
    );
    assert!(
        out.stderr
            .contains(&format!("Execution Does Not Exist: '{unknown_execution}'")),
        "{}",
        out.stderr
    );
}

#[test]
fn rules_and_patterns_are_listed_and_tested() {
    let server = Server::start();
    let rules = aws(
        &server,
        &["events", "list-rules", "--event-bus-name", "orders-bus"],
    )
    .json();
    let rules = rules["Rules"].as_array().expect("rules");
    assert!(!rules.is_empty());
    for rule in rules {
        assert_eq!(rule["EventBusName"], "orders-bus", "{rule}");
        assert!(rule["EventPattern"].is_string(), "{rule}");
    }
    let event = r#"{"id":"1","account":"123456789012","source":"com.orders","time":"2026-11-26T12:00:00Z","region":"us-east-1","resources":[],"detail-type":"OrderCreated","detail":{}}"#;
    for (pattern, expected) in [
        (r#"{"source": ["com.orders"]}"#, true),
        (r#"{"source": ["com.other"]}"#, false),
    ] {
        let out = aws(
            &server,
            &[
                "events",
                "test-event-pattern",
                "--event-pattern",
                pattern,
                "--event",
                event,
            ],
        )
        .json();
        assert_eq!(out["Result"], expected, "{pattern}");
    }
}

#[test]
fn express_machines_run_synchronously() {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = dir.path().join("template.yaml");
    std::fs::write(&template, EXPRESS_TEMPLATE).expect("write template");
    let server = Server::start_with(&template);
    let machine = machine_arn(&server);
    for (name, status) in [("you", "SUCCEEDED"), ("fail", "FAILED")] {
        let input = format!(r#"{{"name": "{name}"}}"#);
        let out = aws(
            &server,
            &[
                "stepfunctions",
                "start-sync-execution",
                "--state-machine-arn",
                &machine,
                "--input",
                &input,
            ],
        )
        .json();
        assert_eq!(out["status"], status, "{out}");
        if status == "SUCCEEDED" {
            let output: Value = serde_json::from_str(out["output"].as_str().expect("output"))
                .expect("output is JSON");
            assert_eq!(output["greeting"], "hello you");
        } else {
            assert_eq!(out["error"], "Greeter.Refused", "{out}");
        }
    }
}

/// The URL of the queue whose name holds every one of `parts` (lowercase).
fn queue_url(server: &Server, parts: &[&str]) -> String {
    let queues = aws(server, &["sqs", "list-queues"]).json();
    let urls: Vec<String> = queues["QueueUrls"]
        .as_array()
        .expect("queues")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    urls.iter()
        .find(|u| {
            let name = u.rsplit('/').next().unwrap_or_default().to_lowercase();
            parts.iter().all(|p| name.contains(p)) && !name.ends_with(".fifo")
        })
        .cloned()
        .unwrap_or_else(|| panic!("a queue named with {parts:?} among {urls:?}"))
}

fn queue_arn(server: &Server, url: &str) -> String {
    let attributes = aws(
        server,
        &[
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            url,
            "--attribute-names",
            "QueueArn",
        ],
    )
    .json();
    attributes["Attributes"]["QueueArn"]
        .as_str()
        .expect("QueueArn")
        .to_owned()
}

#[test]
fn a_dead_letter_queue_is_redriven_with_a_move_task() {
    let server = Server::start();
    let shipping_dlq = queue_url(&server, &["shipping", "dlq"]);
    let rules_dlq = queue_url(&server, &["rules", "dlq"]);
    let (source, destination) = (
        queue_arn(&server, &shipping_dlq),
        queue_arn(&server, &rules_dlq),
    );
    let body = r#"{"orderId":"o-redriven"}"#;
    aws(
        &server,
        &[
            "sqs",
            "send-message",
            "--queue-url",
            &shipping_dlq,
            "--message-body",
            body,
        ],
    )
    .json();
    let started = aws(
        &server,
        &[
            "sqs",
            "start-message-move-task",
            "--source-arn",
            &source,
            "--destination-arn",
            &destination,
            "--max-number-of-messages-per-second",
            "10",
        ],
    )
    .json();
    assert!(started["TaskHandle"].is_string(), "{started}");
    let task = eventually("the move task to complete", Duration::from_secs(20), || {
        let listed = aws(
            &server,
            &["sqs", "list-message-move-tasks", "--source-arn", &source],
        )
        .json();
        let task = listed["Results"][0].clone();
        (task["Status"] == "COMPLETED").then_some(task)
    });
    assert_eq!(task["ApproximateNumberOfMessagesMoved"], 1, "{task}");
    assert_eq!(task["ApproximateNumberOfMessagesToMove"], 1, "{task}");
    assert_eq!(task["DestinationArn"], destination.as_str(), "{task}");
    assert_eq!(task["MaxNumberOfMessagesPerSecond"], 10, "{task}");
    assert!(
        task.get("TaskHandle").is_none(),
        "only a running task has a handle: {task}"
    );
    let moved = aws(
        &server,
        &["sqs", "receive-message", "--queue-url", &rules_dlq],
    )
    .json();
    assert_eq!(moved["Messages"][0]["Body"], body);

    // The rules' DLQ holds what EventBridge could not deliver: no SQS queue redrives to
    // it, so AWS refuses to move from it, and so does the local cloud.
    let refused = aws(
        &server,
        &[
            "sqs",
            "start-message-move-task",
            "--source-arn",
            &destination,
        ],
    );
    assert!(is_service_error(refused.code), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("(InvalidParameterValue)")
            && refused
                .stderr
                .contains("Source queue must be configured as a Dead Letter Queue."),
        "{}",
        refused.stderr
    );
    let unknown = aws(
        &server,
        &[
            "sqs",
            "cancel-message-move-task",
            "--task-handle",
            "bm9wZQ==",
        ],
    );
    assert!(
        unknown.stderr.contains("(ResourceNotFoundException)"),
        "{}",
        unknown.stderr
    );
}

/// The function whose name holds `part`.
fn function_name(server: &Server, part: &str) -> String {
    let listed = aws(server, &["lambda", "list-functions"]).json();
    listed["Functions"]
        .as_array()
        .expect("Functions")
        .iter()
        .filter_map(|f| f["FunctionName"].as_str())
        .find(|name| name.contains(part))
        .unwrap_or_else(|| panic!("no function named *{part}*: {listed}"))
        .to_owned()
}

#[test]
fn lambda_functions_are_listed_fetched_and_invoked_in_process() {
    let server = Server::start();
    // Every page of a small page size adds up to the one big page, in the same order.
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["lambda", "list-functions"];
        all.extend_from_slice(args);
        aws(&server, &all).json()["Functions"]
            .as_array()
            .expect("Functions")
            .iter()
            .map(|f| f["FunctionName"].as_str().expect("name").to_owned())
            .collect()
    };
    let whole = names(&[]);
    assert!(whole.len() > 2, "{whole:?}");
    assert_eq!(names(&["--page-size", "2"]), whole);

    let name = function_name(&server, "ReserveStock");
    let got = aws(
        &server,
        &["lambda", "get-function", "--function-name", &name],
    )
    .json();
    assert_eq!(got["Configuration"]["FunctionName"], name.as_str(), "{got}");
    assert_eq!(got["Configuration"]["Version"], "$LATEST");

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.json");
    let out_path = out.to_str().expect("utf-8 path");
    let invoke = |payload: &str, extra: &[&str]| {
        let mut args = vec![
            "lambda",
            "invoke",
            "--function-name",
            &name,
            "--payload",
            payload,
        ];
        args.extend_from_slice(extra);
        args.push(out_path);
        aws(&server, &args)
    };
    let sample = "fileb://events/lambda/reserve-stock.json";

    // The real handler runs: twice with one idempotency key gives one answer.
    let first = invoke(sample, &["--log-type", "Tail"]).json();
    assert_eq!(first["StatusCode"], 200, "{first}");
    assert_eq!(first["ExecutedVersion"], "$LATEST");
    assert!(first.get("FunctionError").is_none(), "{first}");
    let tail = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        first["LogResult"].as_str().expect("LogResult"),
    )
    .expect("base64");
    let tail = String::from_utf8(tail).expect("utf-8");
    assert!(tail.contains("START") && tail.contains("REPORT"), "{tail}");
    let answer = std::fs::read_to_string(&out).expect("answer");
    let answer: Value = serde_json::from_str(&answer).expect("the answer is JSON");
    invoke(sample, &[]).json();
    let again: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("answer")).expect("JSON");
    assert_eq!(again, answer, "a replayed key answers as the first call");

    // A payload the handler refuses is a function error, reported as Lambda does.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"orderId": 7}"#).expect("write");
    let refused = invoke(&format!("fileb://{}", bad.display()), &[]).json();
    assert_eq!(refused["StatusCode"], 200, "{refused}");
    assert_eq!(refused["FunctionError"], "Unhandled", "{refused}");
    let error: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("error")).expect("JSON");
    assert!(
        error["errorType"].is_string() && error["errorMessage"].is_string(),
        "{error}"
    );

    let dry = invoke(sample, &["--invocation-type", "DryRun"]).json();
    assert_eq!(dry["StatusCode"], 204, "{dry}");
    let event = invoke(sample, &["--invocation-type", "Event"]).json();
    assert_eq!(event["StatusCode"], 202, "{event}");

    // Refusals carry Lambda's codes.
    let unknown = aws(
        &server,
        &[
            "lambda",
            "get-function",
            "--function-name",
            "no-such-function",
        ],
    );
    assert!(is_service_error(unknown.code), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("ResourceNotFoundException")
            && unknown
                .stderr
                .contains("Function not found: arn:aws:lambda:"),
        "{}",
        unknown.stderr
    );
    let garbled = dir.path().join("garbled.json");
    std::fs::write(&garbled, "{not json").expect("write");
    let garbled = invoke(&format!("fileb://{}", garbled.display()), &[]);
    assert!(is_service_error(garbled.code), "{}", garbled.stderr);
    assert!(
        garbled.stderr.contains("InvalidRequestContentException"),
        "{}",
        garbled.stderr
    );
    let qualified = aws(
        &server,
        &[
            "lambda",
            "get-function",
            "--function-name",
            &name,
            "--qualifier",
            "7",
        ],
    );
    assert!(
        qualified.stderr.contains("ResourceNotFoundException"),
        "{}",
        qualified.stderr
    );
}

#[test]
fn log_groups_are_described_and_their_events_read_and_filtered() {
    let server = Server::start();
    put_scenario(&server, "happy-path");
    let machine = machine_arn(&server);
    let execution = execution_for(&server, &machine, "o-happy-1");
    assert_eq!(wait_for_end(&server, &execution)["status"], "SUCCEEDED");

    let name = function_name(&server, "ReserveStock");
    let group = aws(
        &server,
        &["lambda", "get-function", "--function-name", &name],
    )
    .json()["Configuration"]["LoggingConfig"]["LogGroup"]
        .as_str()
        .expect("the function's log group")
        .to_owned();
    let groups = aws(
        &server,
        &[
            "logs",
            "describe-log-groups",
            "--log-group-name-prefix",
            &group,
        ],
    )
    .json();
    assert_eq!(
        groups["logGroups"][0]["logGroupName"],
        group.as_str(),
        "{groups}"
    );
    let streams = aws(
        &server,
        &["logs", "describe-log-streams", "--log-group-name", &group],
    )
    .json();
    let stream = streams["logStreams"][0]["logStreamName"]
        .as_str()
        .expect("a stream")
        .to_owned();

    let filter = |pattern: &str| -> Vec<Value> {
        aws(
            &server,
            &[
                "logs",
                "filter-log-events",
                "--log-group-name",
                &group,
                "--filter-pattern",
                pattern,
            ],
        )
        .json()["events"]
            .as_array()
            .expect("events")
            .clone()
    };
    let all = filter("");
    assert!(!all.is_empty(), "reserve-stock ran and logged");
    // Every line of an invocation names its request: a JSON pattern on one request id
    // finds exactly the lines that carry it, START among them.
    let first: Value =
        serde_json::from_str(all[0]["message"].as_str().expect("message")).expect("a JSON line");
    let request_id = first["request_id"].as_str().expect("request_id").to_owned();
    let mine = filter(&format!(r#"{{ $.request_id = "{request_id}" }}"#));
    let carrying = all
        .iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains(&request_id))
        })
        .count();
    assert_eq!(mine.len(), carrying, "{mine:?}");
    assert!(filter(r#"{ $.request_id = "no-such-request" }"#).is_empty());
    assert!(
        mine.iter()
            .any(|e| e["message"].as_str().is_some_and(|m| m.contains("START")))
    );
    // Terms: an exclusion removes what the term alone finds.
    let starts = filter("START");
    assert!(!starts.is_empty());
    assert!(filter("START -START").is_empty());

    let got = aws(
        &server,
        &[
            "logs",
            "get-log-events",
            "--log-group-name",
            &group,
            "--log-stream-name",
            &stream,
            "--start-from-head",
        ],
    )
    .json();
    assert_eq!(
        got["events"].as_array().map(Vec::len),
        Some(all.len()),
        "{got}"
    );

    // The order workflow logs at level ALL: its lines are rendered from the execution's
    // history when read, and a JSON pattern finds the execution's end among them.
    let machine_group = aws(
        &server,
        &[
            "logs",
            "describe-log-groups",
            "--log-group-name-pattern",
            "ulfillment",
        ],
    )
    .json()["logGroups"][0]["logGroupArn"]
        .as_str()
        .expect("the order workflow's log group")
        .to_owned();
    let ended = aws(
        &server,
        &[
            "logs",
            "filter-log-events",
            "--log-group-identifier",
            &machine_group,
            "--filter-pattern",
            r#"{ $.type = "ExecutionSucceeded" }"#,
        ],
    )
    .json();
    assert_eq!(ended["events"].as_array().map(Vec::len), Some(1), "{ended}");

    for (args, code) in [
        (
            vec![
                "logs",
                "filter-log-events",
                "--log-group-name",
                "/no/such/group",
            ],
            "ResourceNotFoundException",
        ),
        (
            vec![
                "logs",
                "filter-log-events",
                "--log-group-name",
                &group,
                "--filter-pattern",
                "{ $.level = ",
            ],
            "InvalidParameterException",
        ),
    ] {
        let refused = aws(&server, &args);
        assert!(is_service_error(refused.code), "{}", refused.stderr);
        assert!(refused.stderr.contains(code), "{}", refused.stderr);
    }
}
