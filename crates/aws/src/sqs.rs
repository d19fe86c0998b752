//! A small SQS queue client for tools and tests: send, send in batches (checking the
//! per-entry `failed` list that SendMessageBatch reports as success), receive, delete.

use crate::error::{is_retryable_code, port_error};
use crate::retry::RetryPolicy;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageSystemAttributeName, SendMessageBatchRequestEntry};
use orderly_core::ports::PortError;
use std::time::Duration;

/// SendMessageBatch takes at most ten entries per request.
pub const MAX_BATCH_ENTRIES: usize = 10;
/// Batch payload budget. SQS has accepted larger payloads since 2025; 256 KiB is the limit
/// every account and every emulator accepts.
pub const MAX_BATCH_BYTES: usize = 256 * 1024;

/// A message to send. FIFO queues need a group id, and a deduplication id unless the
/// queue derives one from the body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OutgoingMessage {
    /// The message body, as sent.
    pub body: String,
    /// `MessageGroupId`; FIFO queues only.
    pub group_id: Option<String>,
    /// `MessageDeduplicationId`; FIFO queues without content-based deduplication.
    pub deduplication_id: Option<String>,
}

impl OutgoingMessage {
    /// A message for a standard queue.
    pub fn new(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            ..Self::default()
        }
    }

    /// A message for a FIFO queue, in group `group_id`, deduplicated by `deduplication_id`.
    pub fn fifo(
        body: impl Into<String>,
        group_id: impl Into<String>,
        deduplication_id: impl Into<String>,
    ) -> Self {
        Self {
            body: body.into(),
            group_id: Some(group_id.into()),
            deduplication_id: Some(deduplication_id.into()),
        }
    }
}

/// A received message; delete it with its receipt handle once processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The id SQS gave the message.
    pub message_id: String,
    /// What [`SqsQueue::delete`] takes; valid for this receipt only.
    pub receipt_handle: String,
    /// The message body.
    pub body: String,
    /// How many times this message has been received, this time included.
    pub receive_count: Option<u32>,
}

/// One SQS queue, by URL. Batch sends retry the entries SQS reports as failed, following
/// its [`RetryPolicy`].
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
    retry: RetryPolicy,
}

impl SqsQueue {
    /// The queue at `url`, using `client`, with the default retry policy.
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
            retry: RetryPolicy::default(),
        }
    }

    /// Looks the queue up by name.
    pub async fn from_name(client: Client, name: &str) -> Result<Self, PortError> {
        let output = client
            .get_queue_url()
            .queue_name(name)
            .send()
            .await
            .map_err(|e| port_error(&format!("GetQueueUrl {name}"), &e))?;
        let url = output
            .queue_url()
            .ok_or_else(|| PortError::Permanent(format!("GetQueueUrl {name}: no URL returned")))?;
        Ok(Self::new(client, url))
    }

    /// Retries failed batch entries by `retry` instead of the default.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The queue URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends one message; returns its message id.
    pub async fn send(&self, message: &OutgoingMessage) -> Result<String, PortError> {
        let output = self
            .client
            .send_message()
            .queue_url(&self.url)
            .message_body(&message.body)
            .set_message_group_id(message.group_id.clone())
            .set_message_deduplication_id(message.deduplication_id.clone())
            .send()
            .await
            .map_err(|e| port_error(&format!("SendMessage {}", self.url), &e))?;
        Ok(output.message_id().unwrap_or_default().to_owned())
    }

    /// Sends messages in batches of at most ten and 256 KiB; returns their message ids in
    /// the order given. Entries SQS fails without blaming the sender are retried with
    /// backoff; any entry that still failed makes the whole call an error naming it.
    pub async fn send_batch(&self, messages: &[OutgoingMessage]) -> Result<Vec<String>, PortError> {
        let mut ids = vec![String::new(); messages.len()];
        let mut failures = Vec::new();
        for range in batch_ranges(messages) {
            let mut pending: Vec<usize> = range.collect();
            for attempt in 1..=self.retry.attempts() {
                let entries = pending
                    .iter()
                    .map(|&i| batch_entry(i, &messages[i]))
                    .collect::<Result<Vec<_>, _>>()?;
                let output = self
                    .client
                    .send_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries))
                    .send()
                    .await
                    .map_err(|e| port_error(&format!("SendMessageBatch {}", self.url), &e))?;
                for ok in output.successful() {
                    if let Some(slot) = ok.id().parse::<usize>().ok().and_then(|i| ids.get_mut(i)) {
                        *slot = ok.message_id().to_owned();
                    }
                }
                let mut retry = Vec::new();
                for failed in output.failed() {
                    let index = failed.id().parse::<usize>().ok();
                    let retryable = !failed.sender_fault() || is_retryable_code(failed.code());
                    match index {
                        Some(i) if retryable && attempt < self.retry.attempts() => retry.push(i),
                        _ => failures.push(format!(
                            "entry {}: {}: {}{}",
                            failed.id(),
                            failed.code(),
                            failed.message().unwrap_or("no message"),
                            if failed.sender_fault() {
                                " (sender fault)"
                            } else {
                                ""
                            }
                        )),
                    }
                }
                if retry.is_empty() {
                    break;
                }
                tokio::time::sleep(self.retry.delay_after(attempt)).await;
                pending = retry;
            }
        }
        if failures.is_empty() {
            Ok(ids)
        } else {
            Err(PortError::Permanent(format!(
                "SendMessageBatch {}: {} of {} messages failed: {}",
                self.url,
                failures.len(),
                messages.len(),
                failures.join("; ")
            )))
        }
    }

    /// Receives up to `max_messages` (1 to 10), long-polling for at most `wait`.
    pub async fn receive(
        &self,
        max_messages: i32,
        wait: Duration,
    ) -> Result<Vec<ReceivedMessage>, PortError> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max_messages.clamp(1, 10))
            .wait_time_seconds(i32::try_from(wait.as_secs()).unwrap_or(20).min(20))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| port_error(&format!("ReceiveMessage {}", self.url), &e))?;
        Ok(output
            .messages()
            .iter()
            .map(|m| ReceivedMessage {
                message_id: m.message_id().unwrap_or_default().to_owned(),
                receipt_handle: m.receipt_handle().unwrap_or_default().to_owned(),
                body: m.body().unwrap_or_default().to_owned(),
                receive_count: m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|c| c.parse().ok()),
            })
            .collect())
    }

    /// Deletes a received message.
    pub async fn delete(&self, receipt_handle: &str) -> Result<(), PortError> {
        self.client
            .delete_message()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .map_err(|e| port_error(&format!("DeleteMessage {}", self.url), &e))?;
        Ok(())
    }
}

/// The entry id is the message's index in the caller's slice, so results map back.
fn batch_entry(
    index: usize,
    message: &OutgoingMessage,
) -> Result<SendMessageBatchRequestEntry, PortError> {
    SendMessageBatchRequestEntry::builder()
        .id(index.to_string())
        .message_body(&message.body)
        .set_message_group_id(message.group_id.clone())
        .set_message_deduplication_id(message.deduplication_id.clone())
        .build()
        .map_err(|e| PortError::Permanent(format!("SendMessageBatch entry {index}: {e}")))
}

/// Groups messages, in order, into batches within the count and payload limits. A
/// message larger than the budget goes alone; SQS then says whether it takes it.
fn batch_ranges(messages: &[OutgoingMessage]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, message) in messages.iter().enumerate() {
        let size = message.body.len();
        if i > start && (i - start == MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES) {
            ranges.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < messages.len() {
        ranges.push(start..messages.len());
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_by_count_and_payload() {
        let small = |n| vec![OutgoingMessage::new("x"); n];
        assert_eq!(
            batch_ranges(&small(0)),
            Vec::<std::ops::Range<usize>>::new()
        );
        assert_eq!(batch_ranges(&small(21)), vec![0..10, 10..20, 20..21]);
        let big = vec![OutgoingMessage::new("y".repeat(100 * 1024)); 3];
        assert_eq!(batch_ranges(&big), vec![0..2, 2..3]);
    }
}
