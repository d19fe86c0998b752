//! The ordered stream processor and the tumbling-window fold: records run in order, a
//! batch stops at its first failure and names it, and a window's state survives retries
//! with every record counted once.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lambda_events::event::dynamodb::EventRecord;
use aws_lambda_events::event::kinesis::KinesisEventRecord;
use aws_lambda_events::time_window::TimeWindowProperties;
use base64::Engine;
use orderly_core::batch::{BatchError, FailureKind};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::lambda::TaskError;
use orderly_core::stream::window::{STATE_KEY, Window, WindowError, fold_window};
use orderly_core::stream::{
    StreamContext, StreamRecord, dynamodb_event, kinesis_event, process_records, process_stream,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A Kinesis record as Lambda delivers it, carrying `data` as its JSON data, read as a
/// consumer reads its event ([`kinesis_event`]).
fn kinesis(sequence: &str, partition_key: &str, data: &[u8]) -> KinesisEventRecord {
    kinesis_arriving(sequence, partition_key, data, json!(1_765_000_000.5))
}

fn kinesis_arriving(
    sequence: &str,
    partition_key: &str,
    data: &[u8],
    arrival: Value,
) -> KinesisEventRecord {
    let payload = json!({"Records": [{
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence,
            "data": base64::engine::general_purpose::STANDARD.encode(data),
            "approximateArrivalTimestamp": arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("shardId-000000000000:{sequence}"),
        "eventName": "aws:kinesis:record",
        "awsRegion": "us-east-1",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/orders",
    }]});
    let mut event = kinesis_event(payload).expect("a Kinesis event");
    event.records.pop().expect("one record")
}

/// `aws_lambda_events` alone reads `….5` seconds as 5 ms past the second and `….98` as 98;
/// the event as a consumer reads it keeps every millisecond.
#[test]
fn arrival_times_keep_their_milliseconds() {
    for (arrival, ms) in [
        (json!(1_765_000_000.5), 1_765_000_000_500i64),
        (json!(1_765_000_000.98), 1_765_000_000_980),
        (json!(1_765_000_000.123), 1_765_000_000_123),
        (json!(1_765_000_000.05), 1_765_000_000_050),
        (json!(1_765_000_000), 1_765_000_000_000),
        (json!("1765000000.25"), 1_765_000_000_250),
    ] {
        let record = kinesis_arriving("1", "k", b"{}", arrival.clone());
        assert_eq!(record.arrival_ms(), ms, "{arrival}");
    }
    let crate_alone: KinesisEventRecord = serde_json::from_value(json!({
        "kinesis": {"partitionKey": "k", "sequenceNumber": "1", "data": "",
                    "approximateArrivalTimestamp": 1_765_000_000.5},
    }))
    .expect("a record");
    assert_eq!(
        crate_alone.arrival_ms(),
        1_765_000_000_005,
        "the misreading this guards against"
    );
}

/// An order lifecycle event for `order`, numbered `n`, as the bus puts it on the stream.
fn event(n: u64, order: &str, detail_type: &str) -> Vec<u8> {
    json!({
        "detail-type": detail_type,
        "source": "orderly.orders",
        "detail": {
            "metadata": {"correlation-id": format!("corr-{n}"), "idempotency-key": format!("k-{n}")},
            "data": {"orderId": order, "n": n},
        },
    })
    .to_string()
    .into_bytes()
}

fn records(n: u64) -> Vec<KinesisEventRecord> {
    (0..n)
        .map(|i| {
            kinesis(
                &format!("{:056}", 1000 + i),
                "o-1",
                &event(i, "o-1", "OrderPlaced"),
            )
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct Envelope {
    detail: Detail,
}

#[derive(Debug, Deserialize)]
struct Detail {
    data: Data,
}

#[derive(Debug, Deserialize)]
struct Data {
    n: u64,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Runs the processor over `batch` with a handler that fails (as `how`) at record `fail`,
/// and returns the report and the records the handler saw.
fn run_failing_at(
    batch: &[KinesisEventRecord],
    fail: Option<(u64, &'static str)>,
) -> (orderly_core::stream::StreamReport, Vec<u64>) {
    let seen = Mutex::new(Vec::new());
    let report = runtime().block_on(process_stream(batch, |e: Envelope, _ctx| {
        let n = e.detail.data.n;
        seen.lock().expect("lock").push(n);
        async move {
            match fail {
                Some((at, "error")) if at == n => {
                    Err(TaskError::transient(format!("record {n} failed")))
                }
                Some((at, "poison")) if at == n => {
                    Err(TaskError::InvalidInput(format!("record {n} is poison")))
                }
                Some((at, "panic")) if at == n => panic!("record {n} broke the handler"),
                _ => Ok(()),
            }
        }
    }));
    (report, seen.into_inner().expect("lock"))
}

#[test]
fn a_batch_that_succeeds_runs_every_record_in_order_and_reports_nothing() {
    let batch = records(20);
    let (report, seen) = run_failing_at(&batch, None);
    assert_eq!(seen, (0..20).collect::<Vec<_>>());
    assert_eq!((report.processed, report.failure.clone()), (20, None));
    let response = report.kinesis_response().expect("a response");
    assert!(response.batch_item_failures.is_empty());
}

#[test]
fn the_batch_stops_at_the_first_failure_and_checkpoints_its_sequence_number() {
    let batch = records(10);
    for (how, kind) in [
        ("error", FailureKind::Handler),
        ("poison", FailureKind::Rejected),
        ("panic", FailureKind::Panic),
    ] {
        let (report, seen) = run_failing_at(&batch, Some((6, how)));
        assert_eq!(
            seen,
            (0..=6).collect::<Vec<_>>(),
            "{how}: nothing after the failure runs"
        );
        assert_eq!(report.processed, 6, "{how}");
        assert_eq!(report.left(), 4, "{how}");
        let failure = report.failure.clone().expect("a failure");
        assert_eq!((failure.index, failure.kind), (6, kind), "{how}");
        assert!(
            failure.reason.contains("record 6"),
            "{how}: {}",
            failure.reason
        );
        let response = report.kinesis_response().expect("a response");
        let ids: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(ids, [Some(format!("{:056}", 1006))], "{how}");
    }
}

#[test]
fn a_record_that_is_not_json_or_not_the_type_stops_the_batch_as_a_parse_failure() {
    let mut batch = records(4);
    batch[1] = kinesis(&format!("{:056}", 1001), "o-1", b"{not json");
    batch[3] = kinesis(&format!("{:056}", 1003), "o-1", br#"{"detail": {}}"#);
    let (report, seen) = run_failing_at(&batch, None);
    assert_eq!(seen, [0]);
    let failure = report.failure.expect("a failure");
    assert_eq!((failure.index, failure.kind), (1, FailureKind::Parse));
    assert!(failure.reason.contains("not JSON"), "{}", failure.reason);

    let (report, seen) = run_failing_at(&batch[2..], None);
    assert_eq!(seen, [2]);
    let failure = report.failure.expect("a failure");
    assert!(
        failure.reason.contains("does not match Envelope"),
        "{}",
        failure.reason
    );
}

#[test]
fn a_failed_record_without_a_sequence_number_fails_the_whole_batch() {
    let batch = vec![kinesis("", "o-1", b"[]")];
    let (report, _) = run_failing_at(&batch, None);
    match report.kinesis_response() {
        Err(BatchError::UnsequencedFailure { index: 0, .. }) => {}
        other => panic!("expected an unsequenced failure, got {other:?}"),
    }
}

#[test]
fn the_context_carries_the_partition_key_and_the_envelope_ids() {
    let batch = vec![kinesis("7", "o-42", &event(3, "o-42", "OrderConfirmed"))];
    let seen = Mutex::new(None);
    let report = runtime().block_on(process_stream(&batch, |_: Value, ctx: StreamContext| {
        *seen.lock().expect("lock") = Some(ctx);
        async { Ok::<_, String>(()) }
    }));
    assert!(report.failure.is_none());
    let ctx = seen.into_inner().expect("lock").expect("the handler ran");
    assert_eq!(ctx.sequence_number, "7");
    assert_eq!(ctx.partition_key, "o-42");
    assert_eq!(ctx.correlation_id.as_deref(), Some("corr-3"));
    assert_eq!(ctx.idempotency_key.as_deref(), Some("k-3"));
    assert_eq!(ctx.order_id.as_deref(), Some("o-42"));
    assert_eq!(ctx.arrival_ms, 1_765_000_000_500);
}

/// A DynamoDB Streams record of the orders table, as Lambda delivers it.
fn dynamodb(
    sequence: &str,
    name: &str,
    new_status: Option<&str>,
    old_status: Option<&str>,
) -> EventRecord {
    let image = |status: Option<&str>| match status {
        Some(s) => json!({"orderId": {"S": "o-9"}, "status": {"S": s}, "total": {"N": "1250"}}),
        None => json!({}),
    };
    let payload = json!({"Records": [{
        "eventID": format!("e-{sequence}"),
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_765_000_000,
            "Keys": {"orderId": {"S": "o-9"}},
            "NewImage": image(new_status),
            "OldImage": image(old_status),
            "SequenceNumber": sequence,
            "SizeBytes": 64,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-12-06T00:00:00.000",
    }]});
    let mut event = dynamodb_event(payload).expect("a DynamoDB Streams event");
    event.records.pop().expect("one record")
}

#[derive(Debug, Deserialize, PartialEq)]
struct OrderRow {
    #[serde(rename = "orderId")]
    order_id: String,
    status: String,
    total: u64,
}

#[test]
fn dynamodb_records_read_their_new_image_or_the_old_one_when_removed() {
    let batch = vec![
        dynamodb("100", "INSERT", Some("PLACED"), None),
        dynamodb("101", "MODIFY", Some("CONFIRMED"), Some("PLACED")),
        dynamodb("102", "REMOVE", None, Some("CONFIRMED")),
        dynamodb("103", "REMOVE", None, None),
    ];
    let seen = Mutex::new(Vec::new());
    let report = runtime().block_on(process_stream(
        &batch,
        |row: OrderRow, ctx: StreamContext| {
            seen.lock().expect("lock").push((
                ctx.event_name.clone().unwrap_or_default(),
                row.status,
                row.total,
                ctx.partition_key,
            ));
            async { Ok::<_, String>(()) }
        },
    ));
    let key = r#"{"orderId":"o-9"}"#.to_owned();
    assert_eq!(
        seen.into_inner().expect("lock"),
        [
            ("INSERT".into(), "PLACED".into(), 1250, key.clone()),
            ("MODIFY".into(), "CONFIRMED".into(), 1250, key.clone()),
            ("REMOVE".into(), "CONFIRMED".into(), 1250, key),
        ]
    );
    let failure = report.failure.clone().expect("the record without an image");
    assert_eq!((failure.index, failure.kind), (3, FailureKind::Parse));
    assert!(failure.reason.contains("no image"), "{}", failure.reason);
    let response = report.dynamodb_response().expect("a response");
    assert_eq!(
        response.batch_item_failures[0].item_identifier.as_deref(),
        Some("103")
    );
}

#[test]
fn raw_records_reach_the_handler_whole() {
    let batch = vec![dynamodb("5", "MODIFY", Some("CONFIRMED"), Some("PLACED"))];
    let old = Mutex::new(None);
    let report = runtime().block_on(process_records(&batch, |record: &EventRecord, _| {
        *old.lock().expect("lock") = record.change.old_image.get("status").cloned();
        async { Ok::<_, String>(()) }
    }));
    assert!(report.failure.is_none());
    assert!(old.into_inner().expect("lock").is_some());
}

/// A record delivered again (a retry after a later record failed at the destination, or a
/// bisected batch) has no second effect when the handler runs it through the idempotency
/// engine with the envelope's key, as the SQS consumers do.
#[test]
fn a_redelivered_batch_has_its_effects_once_through_the_idempotency_engine() {
    let engine = IdempotencyEngine::new(
        IdempotencyConfig::new("order-analytics"),
        Arc::new(InMemoryIdempotencyStore::new()),
    );
    let effects = Mutex::new(Vec::new());
    let batch = records(8);
    for _delivery in 0..3 {
        let report = runtime().block_on(process_stream(&batch, |body: Value, _ctx| {
            let engine = &engine;
            let effects = &effects;
            async move {
                engine
                    .run(&body, Duration::from_secs(30), || async {
                        effects
                            .lock()
                            .expect("lock")
                            .push(body["detail"]["data"]["n"].clone());
                        Ok::<_, String>(())
                    })
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }));
        assert!(report.failure.is_none(), "{report:?}");
    }
    assert_eq!(effects.into_inner().expect("lock").len(), 8);
}

/// The window state the tests fold: a count and a sum of the records' numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Tally {
    count: u64,
    sum: u64,
}

fn properties(state: Option<&str>, is_final: bool) -> TimeWindowProperties {
    let state: Value = match state {
        Some(text) => json!({ STATE_KEY: text }),
        None => json!({}),
    };
    serde_json::from_value(json!({
        "window": {"start": "2026-12-06T10:00:00Z", "end": "2026-12-06T10:01:00Z"},
        "state": state,
        "shardId": "shardId-000000000000",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/orders",
        "isFinalInvokeForWindow": is_final,
        "isWindowTerminatedEarly": false,
    }))
    .expect("window properties")
}

/// Folds `n` of each record into the tally; fails at `fail` as `how`.
fn tally(
    fail: Option<(u64, &'static str)>,
) -> impl Fn(&mut Tally, Envelope, &StreamContext) -> Result<(), String> {
    move |state, e, _| {
        let n = e.detail.data.n;
        match fail {
            Some((at, "error")) if at == n => return Err(format!("record {n} failed")),
            Some((at, "panic")) if at == n => {
                // Half an update, then a panic: the fold must not keep it.
                state.count += 1;
                panic!("record {n} broke the fold");
            }
            _ => {}
        }
        state.count += 1;
        state.sum += n;
        Ok(())
    }
}

#[test]
fn the_window_state_travels_between_invocations_and_the_final_invoke_writes_it_once() {
    let all = records(9);
    let written = RefCell::new(Vec::new());
    let mut state: Option<String> = None;
    for (i, batch) in all.chunks(3).enumerate() {
        let outcome = runtime()
            .block_on(fold_window(
                batch,
                &properties(state.as_deref(), false),
                tally(None),
                |w: Window<Tally>| {
                    written.borrow_mut().push(w.state);
                    async { Ok::<_, String>(()) }
                },
            ))
            .expect("a response");
        assert!(!outcome.finished, "batch {i}");
        state = outcome.response.state.get(STATE_KEY).cloned();
    }
    let last = runtime()
        .block_on(fold_window(
            &all[..0],
            &properties(state.as_deref(), true),
            tally(None),
            |w: Window<Tally>| {
                assert_eq!(w.start_ms, 1_796_551_200_000);
                assert_eq!(w.shard_id, "shardId-000000000000");
                written.borrow_mut().push(w.state);
                async { Ok::<_, String>(()) }
            },
        ))
        .expect("a response");
    assert!(last.finished);
    assert!(
        last.response.state.is_empty(),
        "the state ends with the window"
    );
    assert_eq!(written.into_inner(), [Tally { count: 9, sum: 36 }]);
}

#[test]
fn a_failed_final_step_fails_the_invocation_so_lambda_retries_it() {
    let outcome = runtime().block_on(fold_window(
        &records(2),
        &properties(None, true),
        tally(None),
        |_: Window<Tally>| async { Err::<(), _>("the analytics table is unavailable") },
    ));
    match outcome {
        Err(WindowError::Final(reason)) => assert!(reason.contains("unavailable"), "{reason}"),
        other => panic!("expected the final step's failure, got {other:?}"),
    }
}

#[test]
fn a_state_that_is_not_the_functions_fails_the_invocation_and_names_it() {
    let outcome = runtime().block_on(fold_window(
        &records(1),
        &properties(Some(r#"{"count": "many"}"#), false),
        tally(None),
        |_: Window<Tally>| async { Ok::<_, String>(()) },
    ));
    assert!(matches!(outcome, Err(WindowError::State(_))), "{outcome:?}");
}

/// The number a record of [`records`] carries, read back from its sequence number.
fn number_of(record: &KinesisEventRecord) -> u64 {
    record
        .kinesis
        .sequence_number
        .parse::<u64>()
        .expect("a number")
        - 1000
}

/// Lambda's side of a windowed shard, simplified to what the fold relies on: batches of
/// `size` from the checkpoint, the returned state handed to the next invocation, a retry
/// from the sequence number a response names, and the final invoke once every record is in.
fn drive(all: &[KinesisEventRecord], size: usize, fail_once: &[(u64, &'static str)]) -> Vec<Tally> {
    let written = RefCell::new(Vec::new());
    let mut pending: Vec<(u64, &'static str)> = fail_once.to_vec();
    let mut state: Option<String> = None;
    let mut at = 0;
    let mut invocations = 0;
    while at < all.len() {
        invocations += 1;
        assert!(
            invocations < 10 * all.len() + 10,
            "the shard makes progress"
        );
        let batch = &all[at..(at + size).min(all.len())];
        let fail = batch
            .iter()
            .map(number_of)
            .find(|n| pending.iter().any(|(p, _)| p == n));
        let fail = fail.map(|n| {
            let how = pending
                .iter()
                .find(|(p, _)| *p == n)
                .map_or("error", |(_, how)| *how);
            pending.retain(|(p, _)| *p != n);
            (n, how)
        });
        let outcome = runtime()
            .block_on(fold_window(
                batch,
                &properties(state.as_deref(), false),
                tally(fail),
                |_: Window<Tally>| async { Ok::<_, String>(()) },
            ))
            .expect("a response");
        state = outcome.response.state.get(STATE_KEY).cloned();
        match outcome.response.batch_item_failures.first() {
            Some(failure) => {
                let sequence = failure.item_identifier.clone().expect("an identifier");
                at = all
                    .iter()
                    .position(|r| r.kinesis.sequence_number == sequence)
                    .expect("a record of the shard");
            }
            None => at += batch.len(),
        }
    }
    runtime()
        .block_on(fold_window(
            &all[..0],
            &properties(state.as_deref(), true),
            tally(None),
            |w: Window<Tally>| {
                written.borrow_mut().push(w.state);
                async { Ok::<_, String>(()) }
            },
        ))
        .expect("the final invoke");
    written.into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// However the shard is batched and wherever records fail or panic once, the window's
    /// result counts every record exactly once, and is written once.
    #[test]
    fn every_record_counts_once_whatever_fails_and_is_retried(
        n in 1u64..60,
        size in 1usize..12,
        failures in proptest::collection::vec((0u64..60, prop_oneof![Just("error"), Just("panic")]), 0..6),
    ) {
        let all = records(n);
        let failures: Vec<_> = failures.into_iter().filter(|(at, _)| *at < n).collect();
        let written = drive(&all, size, &failures);
        prop_assert_eq!(written, vec![Tally { count: n, sum: n * (n - 1) / 2 }]);
    }
}
