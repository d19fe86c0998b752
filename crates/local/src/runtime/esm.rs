//! SQS event source mappings: pollers that receive batches (BatchSize, batching window),
//! invoke the function, delete what succeeded and leave what failed to the queue's
//! visibility timeout and redrive. ScalingConfig.MaximumConcurrency bounds the pollers.

use super::CloudInner;
use super::faults::Fault;
use super::trace::{Hop, HopKind, correlation_of};
use crate::sqs::{Queue, ReceivedMessage};
use crate::template::SqsEventSource;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// How long one receive of a poller waits for a first message. SQS caps a long poll at
/// 20 s, but a poller only loops over empty polls, and a send wakes the wait at once, so
/// a long wait changes nothing it receives; it saves the wake-ups that dominate when
/// virtual time jumps hours ahead (the approval timeout).
const LONG_POLL_MS: i64 = 15 * 60_000;

impl CloudInner {
    /// Starts the pollers of every enabled SQS event source.
    pub fn start_event_source_mappings(self: &Arc<Self>) {
        // In template order, not the map's: a seeded chaos run must start its pollers,
        // and so interleave its deliveries, the same way every time.
        let mut hosts: Vec<&Arc<super::lambda::FunctionHost>> = self.functions.values().collect();
        hosts.sort_by(|a, b| a.function.logical_id.cmp(&b.function.logical_id));
        for host in hosts {
            for source in host.function.sqs_event_sources.iter().filter(|s| s.enabled) {
                let pollers = source.maximum_concurrency.unwrap_or(2).max(1);
                for _ in 0..pollers {
                    let cloud = self.clone();
                    let function = host.function.logical_id.clone();
                    let source = source.clone();
                    self.spawn_service(async move { cloud.poll(function, source).await });
                }
            }
        }
    }

    async fn poll(self: Arc<Self>, function: String, source: SqsEventSource) {
        let Ok(queue) = self.sqs.queue_by_arn(&source.queue_arn) else {
            tracing::error!(queue = %source.queue_arn, "event source queue does not exist");
            return;
        };
        let batch_size = source.batch_size.clamp(1, 10_000) as usize;
        let window_ms = i64::from(source.maximum_batching_window_secs) * 1000;
        while let Some(batch) = self.receive_batch(&queue, batch_size, window_ms).await {
            self.process_batch(&function, &source, &queue, batch).await;
            self.busy.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The next batch of a queue poller: waits for a first message, then gathers up to
    /// `batch_size` for `window_ms` (the batching window). Counts the cloud busy from the
    /// first message on: the caller ends that with `busy.fetch_sub` once the batch is
    /// handled. `None` once the queue is gone.
    pub(super) async fn receive_batch(
        &self,
        queue: &Queue,
        batch_size: usize,
        window_ms: i64,
    ) -> Option<Vec<ReceivedMessage>> {
        let mut batch = loop {
            let batch = queue
                .receive_wait(batch_size.min(10), LONG_POLL_MS)
                .await
                .ok()?;
            if !batch.is_empty() {
                break batch;
            }
        };
        self.busy.fetch_add(1, Ordering::SeqCst);
        let window_ends = self.clock.now_ms() + window_ms;
        while batch.len() < batch_size && window_ms > 0 {
            let left = window_ends - self.clock.now_ms();
            if left <= 0 {
                break;
            }
            match queue
                .receive_wait((batch_size - batch.len()).min(10), left)
                .await
            {
                Ok(more) if !more.is_empty() => batch.extend(more),
                _ => break,
            }
        }
        Some(batch)
    }

    /// The trace a batch's handling continues: its first traced message's, else a new one.
    pub(super) fn batch_trace(&self, batch: &[ReceivedMessage]) -> String {
        batch
            .iter()
            .find_map(|m| m.attributes.get(super::xray::SQS_ATTRIBUTE).cloned())
            .unwrap_or_else(|| super::xray::new_header(self.clock.now_ms()))
    }

    async fn process_batch(
        &self,
        function: &str,
        source: &SqsEventSource,
        queue: &Arc<Queue>,
        batch: Vec<ReceivedMessage>,
    ) {
        let records: Vec<Value> = batch
            .iter()
            .map(|m| {
                serde_json::to_value(m.to_lambda_record(queue.arn(), &self.model.region))
                    .unwrap_or(Value::Null)
            })
            .collect();
        let event = json!({ "Records": records });
        // A message whose visibility ends while its first receive is still being processed
        // is received again, by another poller, before the first has answered.
        for message in &batch {
            if self.faults.strike(Fault::EarlyRedelivery, queue.name()) {
                let _ = queue.change_visibility(&message.receipt_handle, 0);
            }
        }
        let now = self.clock.now_ms();
        for message in &batch {
            self.trace.record(Hop {
                wall_us: 0,
                at_ms: now,
                correlation_id: super::trace::correlation_of_text(&message.body),
                kind: HopKind::MessageReceived {
                    queue: queue.name().to_owned(),
                    function: function.to_owned(),
                    receive_count: message.receive_count(),
                },
            });
        }
        // The invocation joins the trace of the batch's first traced record; the records'
        // own headers stay on them for the consumer to log.
        let trace = self.batch_trace(&batch);
        let invoked = super::xray::scope(trace, self.invoke(function, event)).await;
        let failed: HashSet<String> = match invoked {
            Ok(response) if source.report_batch_item_failures => {
                match failed_ids(&response, &batch) {
                    Some(ids) => ids,
                    // An answer naming records that are not in the batch fails the whole batch.
                    None => batch.iter().map(|m| m.message_id.clone()).collect(),
                }
            }
            Ok(_) => HashSet::new(),
            Err(_) => batch.iter().map(|m| m.message_id.clone()).collect(),
        };
        for message in &batch {
            if !failed.contains(&message.message_id) {
                let _ = queue.delete(&message.receipt_handle);
                continue;
            }
            let Some((dlq, max)) = queue
                .dead_letter_queue()
                .zip(queue.config().redrive.as_ref().map(|r| r.max_receive_count))
            else {
                continue;
            };
            // The redrive AWS does on the next receive, done now so the reason the consumer
            // logged travels with the message.
            if message.receive_count() >= max {
                let reason = self.failure_reason(&message.message_id);
                if queue.dead_letter(&message.receipt_handle, &reason).is_ok() {
                    let body: Value = serde_json::from_str(&message.body).unwrap_or(Value::Null);
                    self.trace.record(Hop {
                        wall_us: 0,
                        at_ms: self.clock.now_ms(),
                        correlation_id: correlation_of(&body),
                        kind: HopKind::DeadLettered {
                            queue: dlq.name().to_owned(),
                            reason,
                        },
                    });
                }
            }
        }
    }

    /// The reason a consumer logged for a record's failure (the batch processor logs
    /// `message_id` and `reason`), or a generic one.
    fn failure_reason(&self, message_id: &str) -> String {
        self.logs
            .lines_mentioning(message_id)
            .iter()
            .rev()
            .filter(|l| l.line.get("message_id").and_then(Value::as_str) == Some(message_id))
            .find_map(|l| {
                l.line
                    .get("reason")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "processing failed; see the function's log".to_owned())
    }
}

/// The `batchItemFailures` of a response, when every identifier is in the batch.
fn failed_ids(response: &Value, batch: &[ReceivedMessage]) -> Option<HashSet<String>> {
    let in_batch: HashSet<&str> = batch.iter().map(|m| m.message_id.as_str()).collect();
    let mut ids = HashSet::new();
    for failure in response
        .get("batchItemFailures")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = failure.get("itemIdentifier").and_then(Value::as_str)?;
        if !in_batch.contains(id) {
            return None;
        }
        ids.insert(id.to_owned());
    }
    Some(ids)
}
