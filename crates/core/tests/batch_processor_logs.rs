//! What the batch processor logs: every failed record says why, in a span that names it.

mod sqs_support;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use orderly_core::batch::{BatchProcessor, RecordContext};
use orderly_core::telemetry::{CapturedLines, JsonLines};
use serde::Deserialize;
use serde_json::Value;
use sqs_support::{batch, message};
use tracing_subscriber::prelude::*;

#[derive(Debug, Deserialize)]
struct Order {
    #[serde(rename = "orderId", deserialize_with = "touchy_id")]
    order_id: String,
}

/// Reads an order id, panicking on `unreadable`: a bug in a hand-written `Deserialize`.
fn touchy_id<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let id = String::deserialize(deserializer)?;
    assert_ne!(id, "unreadable", "cannot read order id {id}");
    Ok(id)
}

/// An order body for message `id`, whose envelope names correlation id `corr-<id>`.
fn body(id: &str, order: &str) -> String {
    format!(r#"{{"orderId":"{order}","detail":{{"metadata":{{"correlation-id":"corr-{id}"}}}}}}"#)
}

/// The log lines written while the processor ran.
struct Lines(CapturedLines);

impl Lines {
    fn parsed(&self) -> Vec<Value> {
        self.0.json()
    }

    /// The lines at `level` logged inside the span of message `id`: they carry its
    /// correlation id, which only the record's span supplies.
    fn of(&self, id: &str, level: &str) -> Vec<Value> {
        let correlation = format!("corr-{id}");
        let lines: Vec<Value> = self
            .parsed()
            .into_iter()
            .filter(|l| l["message_id"] == id && l["level"] == level)
            .collect();
        for line in &lines {
            assert_eq!(line["correlation_id"], correlation.as_str(), "{line}");
        }
        lines
    }
}

/// A message whose body is not JSON; its correlation id travels as a message attribute.
fn unparsable(id: &str) -> SqsMessage {
    let mut m = message(id, "{not json", None);
    let mut attribute = SqsMessageAttribute::default();
    attribute.string_value = Some(format!("corr-{id}"));
    attribute.data_type = Some("String".into());
    m.message_attributes
        .insert("correlation-id".into(), attribute);
    m
}

/// Runs `processor` over `event` with a handler that fails order `bad` and panics on
/// order `bug`, and returns what was logged.
fn logged(processor: BatchProcessor, event: SqsEvent) -> Lines {
    let lines = CapturedLines::default();
    let subscriber = tracing_subscriber::registry().with(JsonLines::new(None, lines.clone()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(
            processor.process(event, |o: Order, _: RecordContext| async move {
                match o.order_id.as_str() {
                    "bad" => Err(format!("order {} has no stock", o.order_id)),
                    "bug" => panic!("bug while handling {}", o.order_id),
                    _ => Ok(()),
                }
            }),
        )
    });
    Lines(lines)
}

#[test]
fn each_failed_record_logs_its_reason_in_its_own_span() {
    let lines = logged(
        BatchProcessor::standard(4),
        batch(vec![
            message("m1", &body("m1", "good"), None),
            message(
                "m2",
                r#"{"orderId": 7, "detail": {"metadata": {"correlation-id": "corr-m2"}}}"#,
                None,
            ),
            message("m3", &body("m3", "bad"), None),
            message("m4", &body("m4", "bug"), None),
            message("m5", &body("m5", "unreadable"), None),
            unparsable("m6"),
        ]),
    );
    let not_json = lines.of("m6", "WARN");
    assert_eq!(not_json.len(), 1, "{:?}", lines.parsed());
    assert!(
        not_json[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("not JSON")),
        "{not_json:?}"
    );
    let poison = lines.of("m2", "WARN");
    assert_eq!(poison.len(), 1, "{:?}", lines.parsed());
    assert!(
        poison[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("does not match Order")),
        "{poison:?}"
    );
    let failed = lines.of("m3", "WARN");
    assert_eq!(failed.len(), 1, "{:?}", lines.parsed());
    assert_eq!(failed[0]["reason"], "order bad has no stock");
    assert_eq!(failed[0]["kind"], "handler");
    let panicked = lines.of("m4", "ERROR");
    assert_eq!(panicked.len(), 1, "{:?}", lines.parsed());
    assert!(
        panicked[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("bug while handling bug")),
        "{panicked:?}"
    );
    let unreadable = lines.of("m5", "ERROR");
    assert_eq!(unreadable.len(), 1, "{:?}", lines.parsed());
    assert!(
        unreadable[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("cannot read order id")),
        "{unreadable:?}"
    );
    assert!(
        lines.of("m1", "WARN").is_empty() && lines.of("m1", "ERROR").is_empty(),
        "a good record logs no failure"
    );
}

#[test]
fn fifo_records_left_after_a_failure_say_why() {
    let lines = logged(
        BatchProcessor::fifo().skip_group_on_failure(),
        batch(vec![
            message("m1", &body("m1", "bad"), Some("g1")),
            message("m2", &body("m2", "good"), Some("g2")),
            message("m3", &body("m3", "good"), Some("g1")),
        ]),
    );
    let skipped = lines.of("m3", "WARN");
    assert_eq!(skipped.len(), 1, "{:?}", lines.parsed());
    assert!(
        skipped[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("group g1")),
        "{skipped:?}"
    );
    assert!(lines.of("m2", "WARN").is_empty(), "group g2 went on");
}
