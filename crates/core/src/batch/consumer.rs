//! The frame every SQS consumer of the system shares, so a consumer's handler says only
//! what it does with one record.

use super::{BatchProcessor, RecordError};
use crate::lambda::{TaskError, parse_input, time_left};
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::time::Duration;

/// Handles one SQS invocation of `function`: counts it, reads the batch, and runs `record` on
/// each record's body parsed as `T`, with the time left before the invocation's deadline
/// when that record starts (how long its idempotency lease lasts). `processor` says how
/// many records run at once on a standard queue and whether a FIFO failure stops only its
/// message group; a batch from a `.fifo` queue always runs in order. Then it emits the
/// batch metric and answers with the partial batch response (an error when every record
/// failed, so that Lambda retries the whole batch). `now_ms` is the handler's clock.
pub async fn consume_sqs_batch<T, E, F, Fut>(
    function: &str,
    event: LambdaEvent<Value>,
    processor: BatchProcessor,
    now_ms: impl Fn() -> i64,
    record: F,
) -> Result<SqsBatchResponse, TaskError>
where
    T: DeserializeOwned,
    E: RecordError,
    F: Fn(T, Duration) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let (payload, context) = event.into_parts();
    let batch: SqsEvent = parse_input(payload)?;
    let remaining = || time_left(context.deadline, now_ms());
    let report = processor
        .matching(&batch)
        .process(batch, |body: T, _ctx| record(body, remaining()))
        .await;
    report.metric_record(function, now_ms()).emit();
    report
        .response()
        .map_err(|e| TaskError::transient(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_runtime::Context;
    use serde_json::json;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicI64, Ordering};

    /// A FIFO batch of `n` records, invoked with `deadline_ms` as the Lambda deadline.
    fn invocation(n: usize, deadline_ms: u64) -> LambdaEvent<Value> {
        let records: Vec<Value> = (0..n)
            .map(|i| {
                json!({
                    "messageId": format!("m{i}"),
                    "body": format!("{i}"),
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q.fifo",
                    "attributes": {"MessageGroupId": "g"},
                })
            })
            .collect();
        let mut context = Context::default();
        context.deadline = deadline_ms;
        LambdaEvent::new(json!({ "Records": records }), context)
    }

    /// Runs a batch whose clock advances 1 s at every reading; returns each record's lease.
    async fn leases(n: usize, deadline_ms: u64) -> Vec<Duration> {
        let clock = AtomicI64::new(0);
        let seen = Mutex::new(Vec::new());
        consume_sqs_batch(
            "test",
            invocation(n, deadline_ms),
            BatchProcessor::standard(4),
            || clock.fetch_add(1_000, Ordering::SeqCst) + 1_000,
            |_: u32, remaining| {
                seen.lock().map(|mut s| s.push(remaining)).ok();
                async { Ok::<_, String>(()) }
            },
        )
        .await
        .expect("no record failed");
        seen.into_inner().unwrap_or_default()
    }

    #[tokio::test]
    async fn each_record_leases_the_time_left_when_it_starts() {
        let ms = Duration::from_millis;
        assert_eq!(leases(3, 10_000).await, [ms(9_000), ms(8_000), ms(7_000)]);
        assert_eq!(
            leases(3, 1_500).await,
            [ms(500), ms(0), ms(0)],
            "past the deadline"
        );
    }

    #[tokio::test]
    async fn a_batch_where_every_record_failed_is_a_transient_error() {
        let err = consume_sqs_batch(
            "test",
            invocation(2, 0),
            BatchProcessor::standard(4),
            || 0,
            |n: u32, _| async move { Err::<(), _>(format!("record {n} refused")) },
        )
        .await
        .expect_err("every record failed");
        assert!(err.is_retryable());
        assert!(err.to_string().contains("record 0 refused"), "{err}");
    }
}
