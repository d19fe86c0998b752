//! `orderly serve` keeps answering while patterns compile: TestEventPattern calls with the
//! costliest patterns the API accepts do not hold the workers that answer other requests.

use crate::serve_support;

use serde_json::{Value, json};
use serve_support::{Server, http};
use std::time::Duration;

/// Sends one EventBridge request and returns a function that reads its answer, so that
/// several can be in flight at once.
fn send(
    port: u16,
    operation: &str,
    body: &Value,
    wait: Duration,
) -> impl FnOnce() -> Value + use<> {
    let target = format!("AWSEvents.{operation}");
    let mut stream = http::send(
        port,
        &http::aws_json(&target),
        body.to_string().as_bytes(),
        wait,
    );
    move || {
        let answer = http::read_answer(&mut stream)
            .unwrap_or_else(|e| panic!("{target} was not answered within {wait:?}: {e}"));
        assert_eq!(answer.status, 200, "{target}: {}", answer.text());
        answer.json()
    }
}

/// A 4,096-character wildcard of mostly wide characters from a few dozen distinct ones,
/// after a wildcard: the costliest complexity check the API's length limit allows.
fn wide_wildcard_pattern() -> String {
    let mut alphabet: Vec<char> = "éßЖש中文字€😀🚀".chars().collect();
    alphabet.extend('a'..='z');
    let mut seed = 7u64;
    let head = r#"{"detail": {"note": [{"wildcard": "*"#;
    let tail = r#""}]}}"#;
    let room = 4096 - head.chars().count() - tail.chars().count();
    let body: String = (0..room)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            alphabet[((seed >> 33) % alphabet.len() as u64) as usize]
        })
        .collect();
    format!("{head}{body}{tail}")
}

#[test]
fn list_rules_is_answered_while_costly_patterns_compile() {
    let server = Server::start();
    let port = server.port();
    let pattern = wide_wildcard_pattern();
    assert_eq!(pattern.chars().count(), 4096);
    let event = json!({
        "id": "1", "account": "123456789012", "source": "com.orders", "time": "2026-11-26T12:00:00Z",
        "region": "us-east-1", "resources": [], "detail-type": "OrderCreated",
        "detail": {"note": "plain"}
    })
    .to_string();
    // At least as many as the server has workers, so that compiling on them would leave
    // none free.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let in_flight: Vec<_> = (0..workers)
        .map(|_| {
            send(
                port,
                "TestEventPattern",
                &json!({"EventPattern": pattern, "Event": event}),
                Duration::from_secs(120),
            )
        })
        .collect();
    // The compile used to take the workers for tens of seconds; this wait only guards
    // against a hang, an answer takes milliseconds.
    let rules = send(port, "ListRules", &json!({}), Duration::from_secs(10))();
    assert!(rules["Rules"].is_array(), "{rules}");
    for answer in in_flight {
        assert_eq!(answer(), json!({"Result": false}));
    }
}
