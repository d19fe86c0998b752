//! The frame every SQS consumer of the system shares, so a consumer's handler says only
//! what it does with one record.

use super::{BatchProcessor, RecordError};
use crate::lambda::{TaskError, parse_input, remaining_time};
use crate::telemetry::metrics;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::time::Duration;

/// Handles one SQS invocation of `function`: counts it, reads the batch, runs `record` on
/// each record's body parsed as `T` (with the time left before the invocation's deadline,
/// which is how long an idempotency lease lasts), at most `concurrency` at once on a
/// standard queue and in order on a FIFO queue; then emits the batch metric, stamped with
/// `now_ms()`, and answers with the partial batch response (an error when every record
/// failed, so that Lambda retries the whole batch).
pub async fn consume_sqs_batch<T, E, F, Fut>(
    function: &str,
    event: LambdaEvent<Value>,
    concurrency: usize,
    now_ms: impl FnOnce() -> i64,
    record: F,
) -> Result<SqsBatchResponse, TaskError>
where
    T: DeserializeOwned,
    E: RecordError,
    F: Fn(T, Duration) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let (payload, context) = event.into_parts();
    metrics::invocation(function);
    let batch: SqsEvent = parse_input(payload)?;
    let remaining = remaining_time(&context);
    let report = BatchProcessor::for_event(&batch, concurrency)
        .process(batch, |body: T, _ctx| record(body, remaining))
        .await;
    report.metric_record(function, now_ms()).emit();
    report
        .response()
        .map_err(|e| TaskError::transient(e.to_string()))
}
