//! Paging of `orderly serve`'s list calls over the wire: a walk through ListExecutions'
//! pages hands out each execution once while executions start, and a token is good only
//! for the arguments it was issued with (AWS's `InvalidToken` otherwise).

use crate::serve_support;

use serde_json::{Value, json};
use serve_support::{Server, http};
use std::time::Duration;

/// POSTs one Step Functions call; answers (status, body).
fn sfn(port: u16, operation: &str, body: &Value) -> (u16, Value) {
    let answer = http::post(
        port,
        &http::aws_json(&format!("AWSStepFunctions.{operation}")),
        body.to_string().as_bytes(),
        Duration::from_secs(30),
    );
    (answer.status, answer.json())
}

fn machine(port: u16) -> String {
    let (_, machines) = sfn(port, "ListStateMachines", &json!({}));
    machines["stateMachines"][0]["stateMachineArn"]
        .as_str()
        .expect("a state machine")
        .to_owned()
}

fn start(port: u16, machine: &str, name: &str) {
    let (status, answer) = sfn(
        port,
        "StartExecution",
        &json!({"stateMachineArn": machine, "name": name, "input": "{}"}),
    );
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn a_walk_through_the_pages_sees_each_execution_once_while_more_start() {
    let server = Server::start();
    let port = server.port();
    let machine = machine(port);
    let first: Vec<String> = (0..7).map(|i| format!("first-{i}")).collect();
    for name in &first {
        start(port, &machine, name);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    for page in 0.. {
        let mut request = json!({"stateMachineArn": machine, "maxResults": 2});
        if let Some(token) = &token {
            request["nextToken"] = json!(token);
        }
        let (status, answer) = sfn(port, "ListExecutions", &request);
        assert_eq!(status, 200, "{answer}");
        let executions = answer["executions"].as_array().expect("executions");
        assert!(executions.len() <= 2, "{answer}");
        seen.extend(
            executions
                .iter()
                .map(|e| e["name"].as_str().expect("a name").to_owned()),
        );
        match answer["nextToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
        // New executions start between pages: they are newer than every page handed out.
        start(port, &machine, &format!("later-{page}"));
    }
    let mut want = first.clone();
    want.reverse();
    assert_eq!(seen, want, "newest first, each once");
}

#[test]
fn a_token_is_refused_with_other_arguments_or_made_up() {
    let server = Server::start();
    let port = server.port();
    let machine = machine(port);
    for i in 0..3 {
        start(port, &machine, &format!("e-{i}"));
    }
    let (_, answer) = sfn(
        port,
        "ListExecutions",
        &json!({"stateMachineArn": machine, "maxResults": 1}),
    );
    let token = answer["nextToken"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let refused = [
        json!({"stateMachineArn": machine, "maxResults": 1, "nextToken": "12"}),
        json!({"stateMachineArn": machine, "maxResults": 1, "nextToken": "garbage"}),
        // The same token with another filter: "keep all other arguments unchanged".
        json!({"stateMachineArn": machine, "statusFilter": "SUCCEEDED", "nextToken": token}),
    ];
    for request in refused {
        let (status, answer) = sfn(port, "ListExecutions", &request);
        assert_eq!(status, 400, "{request}: {answer}");
        assert!(
            answer["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("InvalidToken")),
            "{request}: {answer}"
        );
    }
    // A history page token is refused for another execution's history too.
    let arn = format!("{}:e-0", machine.replace(":stateMachine:", ":execution:"));
    // On a busy machine the execution may not have gone past its first event yet.
    let history_token =
        serve_support::eventually("a second history event", Duration::from_secs(30), || {
            let (status, answer) = sfn(
                port,
                "GetExecutionHistory",
                &json!({"executionArn": arn, "maxResults": 1}),
            );
            assert_eq!(status, 200, "{answer}");
            answer["nextToken"].as_str().map(str::to_owned)
        });
    let (status, answer) = sfn(
        port,
        "GetExecutionHistory",
        &json!({"executionArn": arn, "maxResults": 1, "reverseOrder": true, "nextToken": history_token}),
    );
    assert_eq!(status, 400, "{answer}");
}

#[test]
fn history_pages_in_either_order_give_every_event_once() {
    let server = Server::start();
    let port = server.port();
    let machine = machine(port);
    start(port, &machine, "h");
    let arn = format!("{}:h", machine.replace(":stateMachine:", ":execution:"));
    serve_support::eventually("the execution to end", Duration::from_secs(30), || {
        let (_, d) = sfn(port, "DescribeExecution", &json!({"executionArn": arn}));
        (d["status"] != "RUNNING").then_some(())
    });
    let walk = |reverse: bool, limit: u64| -> Vec<i64> {
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut request =
                json!({"executionArn": arn, "maxResults": limit, "reverseOrder": reverse});
            if let Some(token) = &token {
                request["nextToken"] = json!(token);
            }
            let (status, answer) = sfn(port, "GetExecutionHistory", &request);
            assert_eq!(status, 200, "{answer}");
            ids.extend(
                answer["events"]
                    .as_array()
                    .expect("events")
                    .iter()
                    .map(|e| e["id"].as_i64().expect("an id")),
            );
            match answer["nextToken"].as_str() {
                Some(next) => token = Some(next.to_owned()),
                None => return ids,
            }
        }
    };
    let all = walk(false, 1000);
    assert!(all.len() >= 3, "{all:?}");
    assert_eq!(walk(false, 2), all);
    assert_eq!(walk(false, 1), all);
    let mut reversed = all.clone();
    reversed.reverse();
    assert_eq!(walk(true, 2), reversed);
}
