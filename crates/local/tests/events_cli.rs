//! `orderly events test-event-pattern` behaves as `aws events test-event-pattern`.

use std::process::{Command, Output};

const EVENT: &str = r#"{"id": "1", "account": "123456789012", "source": "com.orders", "time": "2026-11-26T12:00:00Z", "region": "us-east-1", "detail-type": "OrderCreated", "resources": [], "detail": {"total": 1500}}"#;

fn run(pattern: &str, event: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_orderly"))
        .args([
            "events",
            "test-event-pattern",
            "--event-pattern",
            pattern,
            "--event",
            event,
        ])
        .output()
        .expect("orderly runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_matching_event_prints_true_and_exits_zero() {
    let out = run(
        r#"{"source": ["com.orders"], "detail": {"total": [{"numeric": [">", 1000]}]}}"#,
        EVENT,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), r#"{"Result": true}"#);
}

#[test]
fn a_non_matching_event_prints_false_and_exits_zero() {
    let out = run(r#"{"source": ["com.payments"]}"#, EVENT);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).trim(), r#"{"Result": false}"#);
}

#[test]
fn arguments_can_be_read_from_files() {
    let dir = std::env::temp_dir().join(format!("orderly-events-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pattern = dir.join("pattern.json");
    let event = dir.join("event.json");
    std::fs::write(&pattern, r#"{"detail-type": [{"prefix": "Order"}]}"#).expect("write");
    std::fs::write(&event, EVENT).expect("write");
    let out = run(
        &format!("file://{}", pattern.display()),
        &format!("file://{}", event.display()),
    );
    assert_eq!(
        stdout(&out).trim(),
        r#"{"Result": true}"#,
        "{}",
        stderr(&out)
    );
    let missing = run(
        &format!("file://{}", dir.join("nope.json").display()),
        EVENT,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("cannot read"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_invalid_pattern_exits_two_with_eventbridge_reason() {
    let out = run(r#"{"source": "com.orders"}"#, EVENT);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).is_empty());
    assert_eq!(
        stderr(&out).trim_end(),
        "InvalidEventPatternException: Event pattern is not valid. Reason: \"source\" must be an object or an array\n at [Source: (String)\"{\"source\": \"com.orders\"}\"; line: 1, column: 13]"
    );
}

#[test]
fn malformed_json_and_malformed_events_exit_two_with_a_clear_message() {
    let cases = [
        (
            r#"{"source": ["#,
            EVENT,
            "InvalidEventPatternException: Event pattern is not valid. Reason: Unexpected end-of-input",
        ),
        (
            r#"{"source": ["com.orders"]}"#,
            "{not json",
            "ValidationException: Parameter Event is not valid.",
        ),
        (
            r#"{"source": ["com.orders"]}"#,
            "[1, 2]",
            "ValidationException: Parameter Event is not valid.",
        ),
        (
            r#"{"source": ["com.orders"]}"#,
            r#"{"source": "com.orders", "detail-type": "X"}"#,
            "ValidationException: Parameter Event is not valid.",
        ),
    ];
    for (pattern, event, expected) in cases {
        let out = run(pattern, event);
        assert_eq!(out.status.code(), Some(2), "{pattern} / {event}");
        let err = stderr(&out);
        assert!(err.starts_with(expected), "{pattern} / {event}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = run(
        r#"{"source": ["com.orders"]}"#,
        r#"{"source": "com.orders"}"#,
    );
    assert!(stderr(&out).contains("account"), "names the missing fields");
}

#[test]
fn an_event_is_read_as_deep_as_put_events_reads_it() {
    // A Detail 1,100 levels deep: EventBridge processes it, serde_json's default stops at 128.
    let detail = format!("{}1{}", "{\"a\":".repeat(1100), "}".repeat(1100));
    let event = EVENT.replace(r#"{"total": 1500}"#, &detail);
    let out = run(r#"{"source": ["com.orders"]}"#, &event);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), r#"{"Result": true}"#);
}
