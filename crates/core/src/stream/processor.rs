//! The ordered stream processor: one record at a time, stopping at the first failure.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;

use super::context::StreamContext;
use super::record::StreamRecord;
use super::report::{StreamFailure, StreamReport};
use crate::batch::{FailureKind, RecordError};

use crate::batch::processor::panic_message;
pub(crate) use crate::batch::processor::{Outcome, handler_outcome};

/// Reads each record's body as JSON into `T` and runs `handler` on it, in order, until one
/// fails: a body that is not a `T`, a handler error (an error that
/// [`RecordError::is_poison`] counts as [`FailureKind::Rejected`]) or a panic. The report
/// names that record; the records after it are not run, since Lambda delivers them again
/// after it.
///
/// ```
/// # use orderly_core::stream::*;
/// # use aws_lambda_events::event::kinesis::KinesisEvent;
/// #[derive(serde::Deserialize)]
/// struct Placed { #[serde(rename = "orderId")] order_id: String }
///
/// # async fn demo(event: KinesisEvent) -> Result<(), orderly_core::batch::BatchError> {
/// let report = process_stream(&event.records, |placed: Placed, ctx: StreamContext| async move {
///     if placed.order_id.is_empty() {
///         return Err(format!("record {} has no order id", ctx.sequence_number));
///     }
///     Ok(())
/// })
/// .await;
/// let response = report.kinesis_response()?; // return this from the Lambda handler
/// # let _ = response; Ok(()) }
/// ```
pub async fn process_stream<R, T, E, F, Fut>(records: &[R], handler: F) -> StreamReport
where
    R: StreamRecord,
    T: DeserializeOwned,
    E: RecordError,
    F: Fn(T, StreamContext) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    run(records, |_record, body, ctx| {
        let typed = body.and_then(|value| typed_body::<T>(&value));
        async {
            match typed {
                Ok(body) => handler_outcome(handler(body, ctx).await),
                Err(reason) => {
                    tracing::warn!(%reason, "record could not be read; the batch stops at it");
                    Err((FailureKind::Parse, reason))
                }
            }
        }
    })
    .await
}

/// Runs `handler` on each raw record, in order, until one fails: for records whose data is
/// not JSON, or a handler that wants the whole record (a DynamoDB record's old and new
/// images).
pub async fn process_records<R, E, F, Fut>(records: &[R], handler: F) -> StreamReport
where
    R: StreamRecord,
    E: RecordError,
    F: Fn(&R, StreamContext) -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    run(records, |record, _body, ctx| {
        let run = handler(record, ctx);
        async { handler_outcome(run.await) }
    })
    .await
}

/// The loop both entry points share: each record read once, its ids on its span, its
/// step run in the span with panics caught, and the first failure ending the batch.
async fn run<'r, R, F, Fut>(records: &'r [R], step: F) -> StreamReport
where
    R: StreamRecord,
    F: Fn(&'r R, Result<Value, String>, StreamContext) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let mut report = StreamReport {
        total: records.len(),
        ..StreamReport::default()
    };
    for (index, record) in records.iter().enumerate() {
        let (ctx, body, span) = prepare(index, record);
        let sequence_number = record.sequence_number().map(str::to_owned);
        let outcome = AssertUnwindSafe(step(record, body, ctx))
            .catch_unwind()
            .map(|caught| caught.unwrap_or_else(|panic| Err(panicked(panic.as_ref()))))
            .instrument(span.clone())
            .await;
        if let Err((kind, reason)) = outcome {
            span.in_scope(|| stopped_at(records.len() - index - 1));
            report.failure = Some(StreamFailure {
                index,
                sequence_number,
                kind,
                reason,
            });
            return report;
        }
        report.processed += 1;
    }
    report
}

/// A record's context, its body read once, and its span carrying the ids of both.
pub(crate) fn prepare<R: StreamRecord>(
    index: usize,
    record: &R,
) -> (StreamContext, Result<Value, String>, tracing::Span) {
    let mut ctx = StreamContext::of(index, record);
    let body = record.body();
    if let Ok(value) = &body {
        ctx.correlate_with(value);
    }
    let span = tracing::info_span!(
        "stream_record",
        source = record.source(),
        sequence_number = %ctx.sequence_number,
        partition_key = %ctx.partition_key,
        correlation_id = ctx.correlation_id.as_deref().unwrap_or(""),
        idempotency_key = ctx.idempotency_key.as_deref().unwrap_or(""),
        order_id = ctx.order_id.as_deref().unwrap_or(""),
    );
    (ctx, body, span)
}

/// The log line of a batch stopped at a record: how many after it go back unprocessed.
pub(crate) fn stopped_at(after: usize) {
    tracing::warn!(
        left_after = after,
        "stream batch stopped at this record; it and the records after it are delivered again, in order"
    );
}

/// The JSON body as `T`.
pub(crate) fn typed_body<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| {
        format!(
            "record does not match {}: {e}",
            std::any::type_name::<T>()
                .rsplit("::")
                .next()
                .unwrap_or("the record type")
        )
    })
}

/// A caught panic as the record's failure, logged in its span.
pub(crate) fn panicked(panic: &(dyn Any + Send)) -> (FailureKind, String) {
    let reason = format!("handler panicked: {}", panic_message(panic));
    tracing::error!(%reason, "record handler panicked");
    (FailureKind::Panic, reason)
}
