//! The SQS partial-batch processor.

use std::any::Any;
use std::collections::HashSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use futures::{FutureExt, StreamExt, stream};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;

use super::context::RecordContext;
use super::report::{BatchReport, FailureKind, RecordError, RecordFailure};

/// Default bound on records processed at once from a standard queue.
pub const DEFAULT_MAX_CONCURRENCY: usize = 10;

/// One record's result: nothing, or how and why it failed.
pub(crate) type Outcome = Result<(), (FailureKind, String)>;

/// Processes the records of an SQS batch and reports each failure on its own, so Lambda
/// deletes the records that succeeded and redelivers only the failed ones.
///
/// - A record whose body does not parse fails alone, with the parse error as its reason.
/// - A panic inside the record handler is caught and fails only that record.
/// - Every failed record is reported by its message id, never an empty one.
/// - When every record failed, [`BatchReport::response`] is an error so the whole batch is
///   retried.
///
/// ```
/// # use orderly_core::batch::*;
/// # use aws_lambda_events::event::sqs::SqsEvent;
/// #[derive(serde::Deserialize)]
/// struct Shipment { order_id: String }
///
/// # async fn demo(event: SqsEvent) -> Result<(), BatchError> {
/// let report = BatchProcessor::standard(8)
///     .process(event, |shipment: Shipment, ctx: RecordContext| async move {
///         if shipment.order_id.is_empty() {
///             return Err(format!("message {} has no order id", ctx.message_id));
///         }
///         Ok(())
///     })
///     .await;
/// let response = report.response()?; // return this from the Lambda handler
/// # let _ = response; Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchProcessor {
    /// Standard queues: up to this many records at once, in no order.
    max_concurrency: usize,
    /// FIFO queues: one record at a time, in order; after a failure the rest of the batch
    /// (or, with `skip_group`, the rest of that message group) fails unprocessed.
    fifo: bool,
    skip_group: bool,
}

impl BatchProcessor {
    /// For a standard queue: records run concurrently, at most `max_concurrency` at once
    /// (0 counts as 1).
    pub fn standard(max_concurrency: usize) -> Self {
        Self {
            max_concurrency: max_concurrency.max(1),
            fifo: false,
            skip_group: false,
        }
    }

    /// For a FIFO queue: records run one at a time in order, and the first failure fails
    /// every record after it.
    pub fn fifo() -> Self {
        Self {
            fifo: true,
            ..Self::standard(1)
        }
    }

    /// On a FIFO queue, a failure fails only the later records of the failed
    /// `MessageGroupId`; other groups go on. A standard queue has no groups, so there it
    /// changes nothing.
    pub fn skip_group_on_failure(self) -> Self {
        Self {
            skip_group: true,
            ..self
        }
    }

    /// This processor, made FIFO when the batch comes from a `.fifo` queue (its other
    /// settings kept), so one consumer configuration serves either kind of queue.
    pub fn matching(self, event: &SqsEvent) -> Self {
        let from_fifo_queue = event
            .records
            .first()
            .and_then(|r| r.event_source_arn.as_deref())
            .is_some_and(|arn| arn.ends_with(".fifo"));
        Self {
            fifo: self.fifo || from_fifo_queue,
            ..self
        }
    }

    /// Whether records are processed in FIFO order.
    pub fn is_fifo(&self) -> bool {
        self.fifo
    }

    /// Parses each record's body as JSON into `T` and runs `handler` on it. A handler error
    /// fails the record with the error's `Display` as the reason; an error that
    /// [`RecordError::is_poison`] fails it as [`FailureKind::Rejected`].
    pub async fn process<T, E, F, Fut>(&self, event: SqsEvent, handler: F) -> BatchReport
    where
        T: DeserializeOwned,
        E: RecordError,
        F: Fn(T, RecordContext) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let handler = &handler;
        self.run(event, |message: SqsMessage, mut ctx: RecordContext, span| async move {
            // The span is open while the body is read, so whatever reading it logs or
            // panics with is in it. A JSON body names its ids even when it is not a `T`:
            // they go on the span, so a poison record's failure is logged with them.
            let read = json_body(&message).and_then(|value| {
                ctx.correlate_with(&value);
                record_body_ids(&span, &ctx);
                typed_body::<T>(&value)
            });
            let body = match read {
                Ok(body) => body,
                Err(reason) => {
                    tracing::warn!(%reason, "record body could not be parsed; failing it alone");
                    return Err((FailureKind::Parse, reason));
                }
            };
            handler_outcome(handler(body, ctx).await)
        })
        .await
    }

    /// Runs `handler` on each raw message, for bodies that are not JSON.
    pub async fn process_messages<E, F, Fut>(&self, event: SqsEvent, handler: F) -> BatchReport
    where
        E: RecordError,
        F: Fn(SqsMessage, RecordContext) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let handler = &handler;
        self.run(
            event,
            |message: SqsMessage, ctx: RecordContext, _| async move {
                handler_outcome(handler(message, ctx).await)
            },
        )
        .await
    }

    async fn run<F, Fut>(&self, event: SqsEvent, record: F) -> BatchReport
    where
        F: Fn(SqsMessage, RecordContext, tracing::Span) -> Fut,
        Fut: Future<Output = Outcome>,
    {
        let total = event.records.len();
        let oldest_sent_ms = event
            .records
            .iter()
            .filter_map(|r| r.attributes.get("SentTimestamp")?.parse::<i64>().ok())
            .min();
        let mut failures = if self.fifo {
            self.run_fifo(event, &record).await
        } else {
            let outcomes = stream::iter(event.records.into_iter().enumerate())
                .map(|(index, message)| {
                    let id = message_id_of(&message);
                    guarded(index, message, &record)
                        .map(move |outcome| failure_of(index, id, outcome))
                })
                .buffer_unordered(self.max_concurrency)
                .collect::<Vec<_>>()
                .await;
            outcomes.into_iter().flatten().collect::<Vec<_>>()
        };
        failures.sort_by_key(|f| f.index);
        BatchReport {
            total,
            failures,
            oldest_sent_ms,
        }
    }

    async fn run_fifo<F, Fut>(&self, event: SqsEvent, record: &F) -> Vec<RecordFailure>
    where
        F: Fn(SqsMessage, RecordContext, tracing::Span) -> Fut,
        Fut: Future<Output = Outcome>,
    {
        let mut failures = Vec::new();
        let mut batch_failed = false;
        let mut failed_groups: HashSet<Option<String>> = HashSet::new();
        for (index, message) in event.records.into_iter().enumerate() {
            let id = message_id_of(&message);
            let group = message.attributes.get("MessageGroupId").cloned();
            let blocked = if self.skip_group {
                failed_groups.contains(&group)
            } else {
                batch_failed
            };
            if blocked {
                let reason = match &group {
                    Some(g) if self.skip_group => {
                        format!("not processed: an earlier message of group {g} failed")
                    }
                    _ => "not processed: an earlier message of the batch failed".to_owned(),
                };
                let mut ctx = RecordContext::of(index, &message);
                if let Ok(value) = json_body(&message) {
                    ctx.correlate_with(&value);
                }
                record_span(&ctx).in_scope(|| {
                    tracing::warn!(%reason, "FIFO record left for redelivery, to keep its order");
                });
                failures.push(RecordFailure {
                    index,
                    message_id: id,
                    kind: FailureKind::SkippedAfterFailure,
                    reason,
                });
                continue;
            }
            if let Some(failure) = failure_of(index, id, guarded(index, message, record).await) {
                batch_failed = true;
                failed_groups.insert(group);
                failures.push(failure);
            }
        }
        failures
    }
}

fn message_id_of(message: &SqsMessage) -> Option<String> {
    message.message_id.clone().filter(|id| !id.is_empty())
}

fn failure_of(index: usize, message_id: Option<String>, outcome: Outcome) -> Option<RecordFailure> {
    outcome.err().map(|(kind, reason)| RecordFailure {
        index,
        message_id,
        kind,
        reason,
    })
}

fn record_span(ctx: &RecordContext) -> tracing::Span {
    tracing::info_span!(
        "sqs_record",
        message_id = %ctx.message_id,
        correlation_id = ctx.correlation_id.as_deref().unwrap_or(""),
        idempotency_key = ctx.idempotency_key.as_deref().unwrap_or(""),
        order_id = ctx.order_id.as_deref().unwrap_or(""),
        trace_id = ctx.trace_id().unwrap_or(""),
    )
}

/// Puts the ids read from a record's body on its span (opened before the body was read).
fn record_body_ids(span: &tracing::Span, ctx: &RecordContext) {
    span.record(
        "correlation_id",
        ctx.correlation_id.as_deref().unwrap_or(""),
    );
    span.record(
        "idempotency_key",
        ctx.idempotency_key.as_deref().unwrap_or(""),
    );
    span.record("order_id", ctx.order_id.as_deref().unwrap_or(""));
}

/// The body as JSON.
fn json_body(message: &SqsMessage) -> Result<Value, String> {
    let text = message
        .body
        .as_deref()
        .ok_or_else(|| "record has no body".to_owned())?;
    serde_json::from_str(text).map_err(|e| format!("body is not JSON: {e}"))
}

/// The JSON body as `T`.
fn typed_body<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| {
        format!(
            "body does not match {}: {e}",
            std::any::type_name::<T>()
                .rsplit("::")
                .next()
                .unwrap_or("the record type")
        )
    })
}

/// Runs one record in its span (which the record closure gets, to add the ids it finds),
/// turning a panic anywhere in it, while reading its body or in its handler, into that
/// record's failure, logged in the span: no panic takes the batch down.
async fn guarded<F, Fut>(index: usize, message: SqsMessage, record: &F) -> Outcome
where
    F: Fn(SqsMessage, RecordContext, tracing::Span) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let ctx = RecordContext::of(index, &message);
    let span = record_span(&ctx);
    let run = record(message, ctx, span.clone());
    async move {
        // The panic is turned into the failure inside the span, so its line is in it too.
        AssertUnwindSafe(run)
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                let reason = format!("handler panicked: {}", panic_message(panic.as_ref()));
                tracing::error!(%reason, "record handler panicked");
                Err((FailureKind::Panic, reason))
            })
    }
    .instrument(span)
    .await
}

/// A handler's result as this record's outcome: its error fails the record, as
/// [`FailureKind::Rejected`] when [`RecordError::is_poison`].
pub(crate) fn handler_outcome<E: RecordError>(result: Result<(), E>) -> Outcome {
    result.map_err(|e| {
        let reason = e.to_string();
        let kind = if e.is_poison() {
            FailureKind::Rejected
        } else {
            FailureKind::Handler
        };
        tracing::warn!(%reason, kind = kind.as_str(), "record failed");
        (kind, reason)
    })
}

pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-text panic payload")
}
