//! The SQS partial-batch processor: poison records, panics, FIFO ordering, all-failed.

mod sqs_support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsMessage, SqsMessageAttribute};
use orderly_core::batch::{
    BatchError, BatchProcessor, FailureKind, RecordContext, failed_message_ids,
};
use proptest::prelude::*;
use serde::Deserialize;
use sqs_support::{batch, message};

#[derive(Debug, Deserialize)]
struct Order {
    #[serde(rename = "orderId")]
    order_id: String,
    #[serde(default)]
    fail: bool,
    #[serde(default)]
    panic: bool,
}

fn order(id: &str) -> String {
    format!(r#"{{"orderId":"{id}"}}"#)
}

fn failing(id: &str) -> String {
    format!(r#"{{"orderId":"{id}","fail":true}}"#)
}

/// Handles orders, remembering which it saw, failing or panicking on request.
#[derive(Default, Clone)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    async fn handle(&self, order: Order) -> Result<(), String> {
        if order.panic {
            panic!("bug while handling {}", order.order_id);
        }
        self.0
            .lock()
            .map_err(|e| e.to_string())?
            .push(order.order_id.clone());
        if order.fail {
            return Err(format!("order {} rejected", order.order_id));
        }
        Ok(())
    }
    fn orders(&self) -> Vec<String> {
        let mut v = self.0.lock().map(|v| v.clone()).unwrap_or_default();
        v.sort();
        v
    }
}

#[tokio::test]
async fn poison_record_fails_alone_among_good_ones() {
    let seen = Seen::default();
    let event = batch(vec![
        message("m1", &order("o1"), None),
        message("m2", "{not json", None),
        message("m3", r#"{"orderId": 42}"#, None),
        message("m4", &order("o4"), None),
    ]);
    let report = BatchProcessor::standard(4)
        .process(event, |o: Order, _ctx: RecordContext| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert_eq!(seen.orders(), ["o1", "o4"]);
    let kinds: Vec<_> = report
        .failures
        .iter()
        .map(|f| (f.message_id.as_deref(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("m2"), FailureKind::Parse),
            (Some("m3"), FailureKind::Parse)
        ]
    );
    assert!(
        report.failures[0].reason.contains("not JSON"),
        "{}",
        report.failures[0].reason
    );
    assert!(
        report.failures[1].reason.contains("Order"),
        "{}",
        report.failures[1].reason
    );
    let response = report.response().expect("a partial failure is a response");
    assert_eq!(failed_message_ids(&response), ["m2", "m3"]);
}

#[tokio::test]
async fn a_panic_inside_one_record_fails_only_that_record() {
    let seen = Seen::default();
    let event = batch(vec![
        message("m1", &order("o1"), None),
        message("m2", r#"{"orderId":"o2","panic":true}"#, None),
        message("m3", &order("o3"), None),
    ]);
    let report = BatchProcessor::standard(2)
        .process(event, |o: Order, _ctx: RecordContext| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert_eq!(seen.orders(), ["o1", "o3"]);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(
        (
            report.count(FailureKind::Panic),
            report.count(FailureKind::Handler)
        ),
        (1, 0)
    );
    let failure = &report.failures[0];
    assert_eq!(
        (failure.message_id.as_deref(), failure.kind),
        (Some("m2"), FailureKind::Panic)
    );
    assert!(
        failure.reason.contains("bug while handling o2"),
        "{}",
        failure.reason
    );
    assert_eq!(
        failed_message_ids(&report.response().expect("partial")),
        ["m2"]
    );
}

#[tokio::test]
async fn fifo_fails_every_record_after_the_first_failure() {
    let seen = Seen::default();
    let event = batch(vec![
        message("m1", &order("o1"), Some("g1")),
        message("m2", &failing("o2"), Some("g1")),
        message("m3", &order("o3"), Some("g1")),
        message("m4", &order("o4"), Some("g2")),
    ]);
    let report = BatchProcessor::fifo()
        .process(event, |o: Order, _ctx: RecordContext| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert_eq!(seen.orders(), ["o1", "o2"], "nothing after the failure ran");
    let kinds: Vec<_> = report
        .failures
        .iter()
        .map(|f| (f.message_id.as_deref(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("m2"), FailureKind::Handler),
            (Some("m3"), FailureKind::SkippedAfterFailure),
            (Some("m4"), FailureKind::SkippedAfterFailure),
        ]
    );
    assert_eq!(report.failures[0].reason, "order o2 rejected");
    assert_eq!(
        failed_message_ids(&report.response().expect("partial")),
        ["m2", "m3", "m4"]
    );
}

#[tokio::test]
async fn fifo_with_skip_group_short_circuits_only_the_failed_group() {
    let seen = Seen::default();
    let event = batch(vec![
        message("m1", &order("a1"), Some("g1")),
        message("m2", &order("b1"), Some("g2")),
        message("m3", &failing("a2"), Some("g1")),
        message("m4", &order("b2"), Some("g2")),
        message("m5", &order("a3"), Some("g1")),
        message("m6", "poison", Some("g3")),
        message("m7", &order("c2"), Some("g3")),
    ]);
    let report = BatchProcessor::fifo()
        .skip_group_on_failure()
        .process(event, |o: Order, _ctx: RecordContext| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert_eq!(seen.orders(), ["a1", "a2", "b1", "b2"]);
    let kinds: Vec<_> = report
        .failures
        .iter()
        .map(|f| (f.message_id.as_deref(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("m3"), FailureKind::Handler),
            (Some("m5"), FailureKind::SkippedAfterFailure),
            (Some("m6"), FailureKind::Parse),
            (Some("m7"), FailureKind::SkippedAfterFailure),
        ]
    );
    assert!(
        report.failures[1].reason.contains("group g1"),
        "{}",
        report.failures[1].reason
    );
}

#[tokio::test]
async fn a_batch_where_every_record_failed_is_an_error_with_reasons() {
    let event = batch(vec![
        message("m1", &failing("o1"), None),
        message("m2", "[]", None),
    ]);
    let seen = Seen::default();
    let report = BatchProcessor::standard(2)
        .process(event, |o: Order, _ctx: RecordContext| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert!(report.all_failed());
    assert_eq!(report.succeeded(), 0);
    let reasons: Vec<_> = report.failures.iter().map(|f| f.reason.as_str()).collect();
    assert_eq!(reasons[0], "order o1 rejected");
    assert!(reasons[1].contains("Order"));
    assert_eq!(
        report.response(),
        Err(BatchError::AllRecordsFailed {
            count: 2,
            first_reason: "order o1 rejected".into()
        })
    );
}

#[tokio::test]
async fn an_empty_batch_succeeds_with_no_failures() {
    let report = BatchProcessor::standard(2)
        .process(batch(vec![]), |_: Order, _| async { Ok::<_, String>(()) })
        .await;
    assert_eq!(
        report.response().map(|r| r.batch_item_failures.len()),
        Ok(0)
    );
}

#[tokio::test]
async fn a_failure_without_message_id_retries_the_whole_batch_never_an_empty_id() {
    for id in [Some(String::new()), None] {
        let mut nameless = message("", &failing("o2"), None);
        nameless.message_id = id.clone();
        let event = batch(vec![message("m1", &order("o1"), None), nameless]);
        let seen = Seen::default();
        let report = BatchProcessor::standard(2)
            .process(event, |o: Order, _| {
                let seen = seen.clone();
                async move { seen.handle(o).await }
            })
            .await;
        assert_eq!(report.failures[0].message_id, None, "message id {id:?}");
        assert!(
            matches!(
                report.response(),
                Err(BatchError::UnidentifiedFailure { index: 1, .. })
            ),
            "message id {id:?}"
        );
    }
}

/// An order id whose reading panics: a bug in a hand-written `Deserialize`.
#[derive(Debug)]
struct Touchy;

impl<'de> Deserialize<'de> for Touchy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "boom" {
            panic!("cannot read order id {text}");
        }
        Ok(Touchy)
    }
}

/// On a FIFO queue a panic is a failure like any other: the records after it wait.
#[tokio::test]
async fn a_panic_on_a_fifo_queue_holds_back_the_records_after_it() {
    let records = || {
        vec![
            message("m1", &order("o1"), Some("g1")),
            message("m2", r#"{"orderId":"o2","panic":true}"#, Some("g1")),
            message("m3", &order("o3"), Some("g1")),
            message("m4", &order("o4"), Some("g2")),
        ]
    };
    let kinds = |report: &orderly_core::batch::BatchReport| -> Vec<(String, FailureKind)> {
        report
            .failures
            .iter()
            .map(|f| (f.message_id.clone().unwrap_or_default(), f.kind))
            .collect()
    };
    let seen = Seen::default();
    let report = BatchProcessor::fifo()
        .process(batch(records()), |o: Order, _| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert_eq!(seen.orders(), ["o1"]);
    assert_eq!(
        kinds(&report),
        [
            ("m2".into(), FailureKind::Panic),
            ("m3".into(), FailureKind::SkippedAfterFailure),
            ("m4".into(), FailureKind::SkippedAfterFailure),
        ]
    );
    let seen = Seen::default();
    let report = BatchProcessor::fifo()
        .skip_group_on_failure()
        .process(batch(records()), |o: Order, _| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert_eq!(seen.orders(), ["o1", "o4"], "group g2 goes on");
    assert_eq!(
        kinds(&report),
        [
            ("m2".into(), FailureKind::Panic),
            ("m3".into(), FailureKind::SkippedAfterFailure),
        ]
    );
}

#[tokio::test]
async fn a_panic_while_reading_a_record_fails_only_that_record() {
    let event = batch(vec![
        message("m1", r#""fine""#, None),
        message("m2", r#""boom""#, None),
        message("m3", r#""fine""#, None),
    ]);
    let handled = Arc::new(AtomicUsize::new(0));
    let report = BatchProcessor::standard(2)
        .process(event, |_: Touchy, _| {
            let handled = handled.clone();
            async move {
                handled.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(())
            }
        })
        .await;
    assert_eq!(handled.load(Ordering::SeqCst), 2);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].message_id.as_deref(), Some("m2"));
    assert_eq!(report.failures[0].kind, FailureKind::Panic);
    assert!(
        report.failures[0]
            .reason
            .contains("cannot read order id boom"),
        "{}",
        report.failures[0].reason
    );
}

async fn max_in_flight(processor: BatchProcessor, records: usize) -> usize {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let event = batch(
        (0..records)
            .map(|i| message(&format!("m{i}"), &order("o"), Some("g")))
            .collect(),
    );
    let report = processor
        .process(event, |_: Order, _| {
            let (in_flight, peak) = (in_flight.clone(), peak.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                Ok::<_, String>(())
            }
        })
        .await;
    assert!(report.failures.is_empty());
    peak.load(Ordering::SeqCst)
}

#[tokio::test]
async fn standard_queues_run_records_concurrently_within_the_bound() {
    assert_eq!(max_in_flight(BatchProcessor::standard(3), 10).await, 3);
    assert_eq!(
        max_in_flight(BatchProcessor::standard(0), 4).await,
        1,
        "0 counts as 1"
    );
}

#[tokio::test]
async fn fifo_queues_run_one_record_at_a_time() {
    assert_eq!(max_in_flight(BatchProcessor::fifo(), 5).await, 1);
}

#[tokio::test]
async fn skip_group_leaves_a_standard_queue_concurrent() {
    let processor = BatchProcessor::standard(3).skip_group_on_failure();
    assert!(!processor.is_fifo());
    assert_eq!(max_in_flight(processor, 10).await, 3);
}

#[tokio::test]
async fn one_consumer_setting_serves_both_kinds_of_queue() {
    let from = |queue: &str, records: Vec<SqsMessage>| {
        batch(
            records
                .into_iter()
                .map(|mut m| {
                    m.event_source_arn =
                        Some(format!("arn:aws:sqs:us-east-1:123456789012:{queue}"));
                    m
                })
                .collect(),
        )
    };
    let setting = BatchProcessor::standard(4).skip_group_on_failure();
    let records = || {
        vec![
            message("m1", &failing("a1"), Some("g1")),
            message("m2", &order("b1"), Some("g2")),
            message("m3", &order("a2"), Some("g1")),
        ]
    };
    let fifo = from("ship.fifo", records());
    let seen = Seen::default();
    let report = setting
        .matching(&fifo)
        .process(fifo, |o: Order, _| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert_eq!(seen.orders(), ["a1", "b1"], "in order, group g1 stopped");
    assert_eq!(
        failed_message_ids(&report.response().expect("partial")),
        ["m1", "m3"]
    );

    let standard = from("notify", records());
    let seen = Seen::default();
    let report = setting
        .matching(&standard)
        .process(standard, |o: Order, _| {
            let seen = seen.clone();
            async move { seen.handle(o).await }
        })
        .await;
    assert_eq!(seen.orders(), ["a1", "a2", "b1"], "no groups to stop");
    assert_eq!(
        failed_message_ids(&report.response().expect("partial")),
        ["m1"]
    );
}

#[tokio::test]
async fn the_record_context_carries_ids_from_the_message_and_the_envelope() {
    let envelope = r#"{"detail":{"metadata":{"correlation-id":"corr-env"},"data":{}}}"#;
    let mut with_attribute = message("m2", envelope, Some("g"));
    let mut attribute = SqsMessageAttribute::default();
    attribute.string_value = Some("corr-attr".into());
    attribute.data_type = Some("String".into());
    with_attribute
        .message_attributes
        .insert("correlation-id".into(), attribute);
    let event = batch(vec![message("m1", envelope, None), with_attribute]);
    let contexts = Arc::new(Mutex::new(HashMap::new()));
    BatchProcessor::standard(2)
        .process(event, |_: serde_json::Value, ctx: RecordContext| {
            let contexts = contexts.clone();
            async move {
                contexts
                    .lock()
                    .map_err(|e| e.to_string())?
                    .insert(ctx.message_id.clone(), ctx);
                Ok::<_, String>(())
            }
        })
        .await;
    let contexts = contexts.lock().map(|c| c.clone()).unwrap_or_default();
    let m1 = &contexts["m1"];
    assert_eq!(
        (m1.index, m1.correlation_id.as_deref(), m1.receive_count),
        (0, Some("corr-env"), Some(1))
    );
    let m2 = &contexts["m2"];
    assert_eq!(
        m2.correlation_id.as_deref(),
        Some("corr-attr"),
        "the attribute wins"
    );
    assert_eq!(m2.message_group_id.as_deref(), Some("g"));
}

#[tokio::test]
async fn raw_messages_are_processed_without_parsing() {
    let event = batch(vec![
        message("m1", "plain text", None),
        message("m2", "bad", None),
    ]);
    let report = BatchProcessor::standard(2)
        .process_messages(event, |m: SqsMessage, _| async move {
            match m.body.as_deref() {
                Some("bad") => Err("unreadable"),
                _ => Ok(()),
            }
        })
        .await;
    assert_eq!(
        failed_message_ids(&report.response().expect("partial")),
        ["m2"]
    );
}

#[test]
fn the_queue_kind_is_read_from_the_event_source() {
    let mut fifo = message("m1", "{}", Some("g"));
    fifo.event_source_arn = Some("arn:aws:sqs:us-east-1:123456789012:ship-order.fifo".into());
    let mut standard = message("m1", "{}", None);
    standard.event_source_arn = Some("arn:aws:sqs:us-east-1:123456789012:notify".into());
    let setting = BatchProcessor::standard(4);
    assert!(setting.matching(&batch(vec![fifo])).is_fifo());
    assert!(!setting.matching(&batch(vec![standard])).is_fifo());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Exactly the failing records are reported, each once, by a non-empty id, in order.
    #[test]
    fn reported_failures_are_exactly_the_failed_records(fails in prop::collection::vec(any::<bool>(), 1..20), bound in 1usize..6) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let event = batch(fails.iter().enumerate().map(|(i, f)| {
            let body = if *f { failing(&format!("o{i}")) } else { order(&format!("o{i}")) };
            message(&format!("m{i}"), &body, None)
        }).collect());
        let report = runtime.block_on(BatchProcessor::standard(bound).process(event, |o: Order, _| async move {
            if o.fail { Err("rejected") } else { Ok(()) }
        }));
        let expected: Vec<String> = fails.iter().enumerate().filter(|(_, f)| **f).map(|(i, _)| format!("m{i}")).collect();
        match report.response() {
            Ok(response) => prop_assert_eq!(failed_message_ids(&response), expected),
            Err(BatchError::AllRecordsFailed { count, .. }) => {
                prop_assert!(fails.iter().all(|f| *f));
                prop_assert_eq!(count, fails.len());
            }
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}

#[test]
fn processing_is_send_so_lambda_runtimes_can_spawn_it() {
    fn assert_send<T: Send>(_: &T) {}
    let seen = Seen::default();
    let processor = BatchProcessor::standard(4);
    let run = processor.process(batch(vec![]), move |o: Order, _ctx: RecordContext| {
        let seen = seen.clone();
        async move { seen.handle(o).await }
    });
    assert_send(&run);
}
