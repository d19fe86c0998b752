//! [`EventPublisher`] on EventBridge PutEvents.
//!
//! A publish is split into requests of at most [`MAX_ENTRIES_PER_REQUEST`] entries and
//! [`MAX_REQUEST_BYTES`] as EventBridge counts them ([`entry_size`]). PutEvents answers
//! 200 even when entries fail, so every answer is read entry by entry: failures with a
//! retryable code are sent again with backoff, the rest (and retryable ones that never got
//! through) come back as a [`PortError`] naming each failed entry and its code.

use crate::error::{is_retryable_code, port_error};
use crate::retry::RetryPolicy;
use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use orderly_core::contracts::OutboundEvent;
use orderly_core::ports::{EventPublisher, PortError};

mod chunk;
pub use chunk::{MAX_ENTRIES_PER_REQUEST, MAX_REQUEST_BYTES, chunk_ranges, entry_size};

/// Set by Lambda for each invocation when tracing is active.
pub const TRACE_ENV_VAR: &str = "_X_AMZN_TRACE_ID";
/// How many failed entries an error message lists before summarising.
const LISTED_FAILURES: usize = 10;

/// Where the X-Ray trace header comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceHeader {
    /// `_X_AMZN_TRACE_ID`, read at each publish: the Lambda runtime sets it per invocation.
    FromEnvironment,
    /// A fixed header, or none. In the runtime's concurrent mode the variable is not set;
    /// use a clone of the publisher (cheap) with the invocation's `xray_trace_id`.
    Fixed(Option<String>),
}

/// Publishes on one event bus.
#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: Client,
    bus_name: String,
    retry: RetryPolicy,
    trace: TraceHeader,
}

/// One entry that did not get onto the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FailedEntry {
    /// Position in the slice given to `publish`.
    index: usize,
    detail_type: String,
    idempotency_key: Option<String>,
    code: String,
    message: String,
}

impl EventBridgePublisher {
    /// A publisher on `bus_name`, using `client`, with the default retry policy and the trace
    /// header from the environment.
    pub fn new(client: Client, bus_name: impl Into<String>) -> Self {
        Self {
            client,
            bus_name: bus_name.into(),
            retry: RetryPolicy::default(),
            trace: TraceHeader::FromEnvironment,
        }
    }

    /// Retries failed entries by `retry` instead of the default.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Takes the trace header from `trace` instead of the environment.
    pub fn with_trace_header(mut self, trace: TraceHeader) -> Self {
        self.trace = trace;
        self
    }

    /// The bus name.
    pub fn bus_name(&self) -> &str {
        &self.bus_name
    }

    fn trace_header(&self) -> Option<String> {
        match &self.trace {
            TraceHeader::FromEnvironment => {
                std::env::var(TRACE_ENV_VAR).ok().filter(|v| !v.is_empty())
            }
            TraceHeader::Fixed(header) => header.clone(),
        }
    }

    fn entry(
        &self,
        event: &OutboundEvent,
        trace: Option<&str>,
    ) -> Result<PutEventsRequestEntry, PortError> {
        let detail = serde_json::to_string(&event.detail).map_err(|e| {
            PortError::Permanent(format!(
                "{}: cannot serialize detail: {e}",
                event.detail_type
            ))
        })?;
        Ok(PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus_name)
            .source(&event.source)
            .detail_type(&event.detail_type)
            .detail(detail)
            .set_trace_header(trace.map(str::to_owned))
            .build())
    }

    /// Sends one request's worth of entries, retrying the retryable failures; returns the
    /// entries that never got through. A failed call (as opposed to failed entries) is
    /// returned as the error: the caller retries the whole publish.
    async fn put_chunk(
        &self,
        events: &[OutboundEvent],
        chunk: Vec<(usize, PutEventsRequestEntry)>,
    ) -> Result<Vec<FailedEntry>, PortError> {
        let mut pending = chunk;
        let mut failed = Vec::new();
        for attempt in 1..=self.retry.attempts() {
            let output = self
                .client
                .put_events()
                .set_entries(Some(pending.iter().map(|(_, e)| e.clone()).collect()))
                .send()
                .await
                .map_err(|e| port_error(&format!("PutEvents on bus {}", self.bus_name), &e))?;
            if output.failed_entry_count() == 0 {
                return Ok(failed);
            }
            let results = output.entries();
            if results.len() != pending.len() {
                // Results pair with entries by position; without that we cannot tell which
                // failed, so the whole publish is retried (consumers are idempotent).
                return Err(PortError::Transient(format!(
                    "PutEvents on bus {}: {} entries failed but {} results came back for {} entries",
                    self.bus_name,
                    output.failed_entry_count(),
                    results.len(),
                    pending.len()
                )));
            }
            let mut retry = Vec::new();
            for ((index, entry), result) in pending.into_iter().zip(results) {
                let Some(code) = result.error_code() else {
                    continue;
                };
                let failure = describe(events, index, code, result.error_message());
                if is_retryable_code(code) && attempt < self.retry.attempts() {
                    tracing::warn!(
                        entry = index,
                        code,
                        attempt,
                        "PutEvents entry failed; retrying"
                    );
                    retry.push((index, entry));
                } else {
                    failed.push(failure);
                }
            }
            if retry.is_empty() {
                return Ok(failed);
            }
            tokio::time::sleep(self.retry.delay_after(attempt)).await;
            pending = retry;
        }
        Ok(failed)
    }

    fn failure_error(&self, total: usize, mut failed: Vec<FailedEntry>) -> PortError {
        failed.sort_by_key(|f| f.index);
        let permanent = failed.iter().any(|f| !is_retryable_code(&f.code));
        let mut listed: Vec<String> = failed
            .iter()
            .take(LISTED_FAILURES)
            .map(|f| {
                let key = f
                    .idempotency_key
                    .as_deref()
                    .map(|k| format!(", idempotency-key {k}"))
                    .unwrap_or_default();
                format!(
                    "entry {} ({}{key}): {}: {}",
                    f.index, f.detail_type, f.code, f.message
                )
            })
            .collect();
        if failed.len() > LISTED_FAILURES {
            listed.push(format!("and {} more", failed.len() - LISTED_FAILURES));
        }
        let text = format!(
            "PutEvents on bus {}: {} of {total} entries failed: {}",
            self.bus_name,
            failed.len(),
            listed.join("; ")
        );
        if permanent {
            PortError::Permanent(text)
        } else {
            PortError::Transient(text)
        }
    }
}

fn describe(
    events: &[OutboundEvent],
    index: usize,
    code: &str,
    message: Option<&str>,
) -> FailedEntry {
    let event = events.get(index);
    FailedEntry {
        index,
        detail_type: event.map(|e| e.detail_type.clone()).unwrap_or_default(),
        idempotency_key: event.and_then(|e| {
            e.detail
                .pointer("/metadata/idempotency-key")
                .and_then(|k| k.as_str())
                .map(str::to_owned)
        }),
        code: code.to_owned(),
        message: message.unwrap_or("no message").to_owned(),
    }
}

#[async_trait]
impl EventPublisher for EventBridgePublisher {
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), PortError> {
        if events.is_empty() {
            return Ok(());
        }
        let trace = self.trace_header();
        let entries = events
            .iter()
            .map(|e| self.entry(e, trace.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        let sizes: Vec<usize> = entries.iter().map(entry_size).collect();
        // An entry that can never fit is refused before anything is sent, so a publish
        // that cannot succeed has no partial effect.
        if let Some((index, size)) = sizes
            .iter()
            .enumerate()
            .find(|(_, s)| **s > MAX_REQUEST_BYTES)
        {
            return Err(PortError::Permanent(format!(
                "entry {index} ({}) is {size} bytes; PutEvents takes at most {MAX_REQUEST_BYTES}",
                events[index].detail_type
            )));
        }
        let mut entries: Vec<Option<PutEventsRequestEntry>> =
            entries.into_iter().map(Some).collect();
        let mut failed = Vec::new();
        for range in chunk_ranges(&sizes) {
            let chunk = range
                .filter_map(|i| entries[i].take().map(|e| (i, e)))
                .collect();
            failed.extend(self.put_chunk(events, chunk).await?);
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(self.failure_error(events.len(), failed))
        }
    }
}
