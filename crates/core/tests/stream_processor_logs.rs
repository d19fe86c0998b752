//! What the stream processor logs: a failed record's reason and the stop, in the span
//! that names the record. A binary of its own: tracing caches whether a callsite is
//! enabled the first time it is hit, so a test without a subscriber running beside this
//! one could switch the record span off for it.

use std::sync::Mutex;

use aws_lambda_events::event::kinesis::KinesisEventRecord;
use base64::Engine;
use orderly_core::lambda::TaskError;
use orderly_core::stream::{StreamReport, kinesis_event, process_stream};
use serde::Deserialize;
use serde_json::{Value, json};

fn records(n: u64) -> Vec<KinesisEventRecord> {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            let data = json!({
                "detail-type": "OrderPlaced",
                "detail": {
                    "metadata": {"correlation-id": format!("corr-{i}"), "idempotency-key": format!("k-{i}")},
                    "data": {"orderId": "o-1", "n": i},
                },
            });
            json!({
                "kinesis": {
                    "partitionKey": "o-1",
                    "sequenceNumber": format!("{:056}", 1000 + i),
                    "data": base64::engine::general_purpose::STANDARD.encode(data.to_string()),
                    "approximateArrivalTimestamp": 1_765_000_000.5,
                },
                "eventSource": "aws:kinesis",
            })
        })
        .collect();
    kinesis_event(json!({"Records": records}))
        .expect("a Kinesis event")
        .records
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

/// Runs the processor over `batch`, failing (as `how`) at record `fail`.
fn run_failing_at(batch: &[KinesisEventRecord], fail: Option<(u64, &'static str)>) -> StreamReport {
    let seen = Mutex::new(Vec::new());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(process_stream(batch, |e: Envelope, _ctx| {
            let n = e.detail.data.n;
            seen.lock().expect("lock").push(n);
            async move {
                match fail {
                    Some((at, "error")) if at == n => {
                        Err(TaskError::transient(format!("record {n} failed")))
                    }
                    Some((at, "panic")) if at == n => panic!("record {n} broke the handler"),
                    _ => Ok(()),
                }
            }
        }))
}

/// The lines a stream batch logs: the failed record's reason and the stop, each in the
/// record's span, with its sequence number and the envelope's correlation id; a panic is
/// logged as an error there too.
#[test]
fn a_failed_record_is_logged_in_the_span_that_names_it() {
    use orderly_core::telemetry::{CapturedLines, JsonLines};
    use tracing_subscriber::prelude::*;
    for (how, level) in [("error", "WARN"), ("panic", "ERROR")] {
        let lines = CapturedLines::default();
        let subscriber = tracing_subscriber::registry().with(JsonLines::new(None, lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            run_failing_at(&records(5), Some((3, how)));
        });
        let logged = lines.json();
        let of_record: Vec<&Value> = logged
            .iter()
            .filter(|l| l["sequence_number"] == format!("{:056}", 1003).as_str())
            .collect();
        assert!(
            of_record.iter().any(|l| l["level"] == level
                && l["reason"].as_str().is_some_and(|r| r.contains("record 3"))),
            "{how}: {logged:#?}"
        );
        assert!(
            of_record.iter().any(|l| l["left_after"] == 1),
            "{how}: the stop is logged: {logged:#?}"
        );
        for line in &of_record {
            assert_eq!(line["correlation_id"], "corr-3", "{how}: {line}");
            assert_eq!(line["partition_key"], "o-1", "{how}: {line}");
        }
    }
}
