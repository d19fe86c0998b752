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

/// How records are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Standard queue: no order; up to `max_concurrency` records at once.
    Standard { max_concurrency: usize },
    /// FIFO queue: one record at a time, in order; after a failure the rest of the batch
    /// (or, with `skip_group`, the rest of that message group) fails unprocessed.
    Fifo { skip_group: bool },
}

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
    mode: Mode,
}

impl BatchProcessor {
    /// For a standard queue: records run concurrently, at most `max_concurrency` at once
    /// (0 counts as 1).
    pub fn standard(max_concurrency: usize) -> Self {
        Self {
            mode: Mode::Standard {
                max_concurrency: max_concurrency.max(1),
            },
        }
    }

    /// For a FIFO queue: records run one at a time in order, and the first failure fails
    /// every record after it.
    pub fn fifo() -> Self {
        Self {
            mode: Mode::Fifo { skip_group: false },
        }
    }

    /// For a FIFO queue, failing after a failure only the records of the failed
    /// `MessageGroupId`; other groups go on. Turns a standard processor into a FIFO one.
    pub fn skip_group_on_failure(self) -> Self {
        Self {
            mode: Mode::Fifo { skip_group: true },
        }
    }

    /// A FIFO processor when the batch comes from a `.fifo` queue, else a standard one
    /// bounded by `max_concurrency`.
    pub fn for_event(event: &SqsEvent, max_concurrency: usize) -> Self {
        let fifo = event
            .records
            .first()
            .and_then(|r| r.event_source_arn.as_deref())
            .is_some_and(|arn| arn.ends_with(".fifo"));
        if fifo {
            Self::fifo()
        } else {
            Self::standard(max_concurrency)
        }
    }

    /// Whether records are processed in FIFO order.
    pub fn is_fifo(&self) -> bool {
        matches!(self.mode, Mode::Fifo { .. })
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
        self.run(event, |message: SqsMessage, mut ctx: RecordContext| {
            let parsed = parse_body::<T>(&message);
            if let Ok((value, _)) = &parsed {
                ctx.correlate_with(value);
            }
            let span = record_span(&ctx);
            let handler = &handler;
            async move {
                let body = match parsed {
                    Ok((_, body)) => body,
                    Err(reason) => {
                        tracing::warn!(%reason, "record body could not be parsed; failing it alone");
                        return Err((FailureKind::Parse, reason));
                    }
                };
                call_guarded(|| handler(body, ctx)).await
            }
            .instrument(span)
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
        self.run(event, |message: SqsMessage, ctx: RecordContext| {
            let span = record_span(&ctx);
            let handler = &handler;
            async move { call_guarded(|| handler(message, ctx)).await }.instrument(span)
        })
        .await
    }

    async fn run<F, Fut>(&self, event: SqsEvent, record: F) -> BatchReport
    where
        F: Fn(SqsMessage, RecordContext) -> Fut,
        Fut: Future<Output = Result<(), (FailureKind, String)>>,
    {
        let total = event.records.len();
        let oldest_sent_ms = event
            .records
            .iter()
            .filter_map(|r| r.attributes.get("SentTimestamp")?.parse::<i64>().ok())
            .min();
        let mut failures = match self.mode {
            Mode::Standard { max_concurrency } => {
                let outcomes = stream::iter(event.records.into_iter().enumerate())
                    .map(|(index, message)| {
                        let ctx = RecordContext::of(index, &message);
                        let id = message_id_of(&message);
                        record(message, ctx).map(move |outcome| failure_of(index, id, outcome))
                    })
                    .buffer_unordered(max_concurrency)
                    .collect::<Vec<_>>()
                    .await;
                outcomes.into_iter().flatten().collect::<Vec<_>>()
            }
            Mode::Fifo { skip_group } => self.run_fifo(event, skip_group, &record).await,
        };
        failures.sort_by_key(|f| f.index);
        BatchReport {
            total,
            failures,
            oldest_sent_ms,
        }
    }

    async fn run_fifo<F, Fut>(
        &self,
        event: SqsEvent,
        skip_group: bool,
        record: &F,
    ) -> Vec<RecordFailure>
    where
        F: Fn(SqsMessage, RecordContext) -> Fut,
        Fut: Future<Output = Result<(), (FailureKind, String)>>,
    {
        let mut failures = Vec::new();
        let mut batch_failed = false;
        let mut failed_groups: HashSet<Option<String>> = HashSet::new();
        for (index, message) in event.records.into_iter().enumerate() {
            let ctx = RecordContext::of(index, &message);
            let id = message_id_of(&message);
            let group = ctx.message_group_id.clone();
            let blocked = if skip_group {
                failed_groups.contains(&group)
            } else {
                batch_failed
            };
            if blocked {
                let reason = match &group {
                    Some(g) if skip_group => {
                        format!("not processed: an earlier message of group {g} failed")
                    }
                    _ => "not processed: an earlier message of the batch failed".to_owned(),
                };
                failures.push(RecordFailure {
                    index,
                    message_id: id,
                    kind: FailureKind::SkippedAfterFailure,
                    reason,
                });
                continue;
            }
            if let Some(failure) = failure_of(index, id, record(message, ctx).await) {
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

fn failure_of(
    index: usize,
    message_id: Option<String>,
    outcome: Result<(), (FailureKind, String)>,
) -> Option<RecordFailure> {
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

/// Parses the body as JSON, then as `T`; keeps the JSON for the correlation id.
fn parse_body<T: DeserializeOwned>(message: &SqsMessage) -> Result<(Value, T), String> {
    let text = message
        .body
        .as_deref()
        .ok_or_else(|| "record has no body".to_owned())?;
    let value: Value = serde_json::from_str(text).map_err(|e| format!("body is not JSON: {e}"))?;
    let body = T::deserialize(&value).map_err(|e| {
        format!(
            "body does not match {}: {e}",
            std::any::type_name::<T>()
                .rsplit("::")
                .next()
                .unwrap_or("the record type")
        )
    })?;
    Ok((value, body))
}

/// Runs the handler, turning its error or its panic into this record's failure.
async fn call_guarded<E, F, Fut>(call: F) -> Result<(), (FailureKind, String)>
where
    E: RecordError,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    match AssertUnwindSafe(async move { call().await })
        .catch_unwind()
        .await
    {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            let reason = e.to_string();
            let kind = if e.is_poison() {
                FailureKind::Rejected
            } else {
                FailureKind::Handler
            };
            tracing::warn!(%reason, kind = kind.as_str(), "record failed");
            Err((kind, reason))
        }
        Err(panic) => {
            let reason = format!("handler panicked: {}", panic_message(panic.as_ref()));
            tracing::error!(%reason, "record handler panicked");
            Err((FailureKind::Panic, reason))
        }
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-text panic payload")
}
