//! One queue: its messages and the SQS operations on them, driven by the runtime's clock.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use aws_lambda_events::sqs::SqsEvent;
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use uuid::Uuid;

use super::attributes::QueueAttributes;
use super::config::QueueConfig;
use super::error::SqsError;
use super::message::{
    DEAD_LETTER_REASON, MessageAttributeValue, ReceivedMessage, SendMessage, SendOutcome,
    md5_of_body,
};
use super::state::{
    DEDUPLICATION_WINDOW_MS, Deduplicated, MAX_DELAY_SECS, MAX_MESSAGE_BYTES, MAX_VISIBILITY_SECS,
    QueueState, Stored,
};
use crate::clock::SharedClock;
use crate::pseudo;

/// One SQS queue. Thread-safe: pollers on several tasks share it through `Arc<Queue>`.
pub struct Queue {
    pub(super) config: QueueConfig,
    pub(super) clock: SharedClock,
    pub(super) dead_letter: Option<(Arc<Queue>, u32)>,
    pub(super) created_ms: i64,
    pub(super) state: Mutex<QueueState>,
    /// Wakes long-polling receivers when something may have become receivable.
    pub(super) changed: Notify,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("name", &self.config.name)
            .finish_non_exhaustive()
    }
}

impl Queue {
    pub(crate) fn new(
        config: QueueConfig,
        clock: SharedClock,
        dead_letter: Option<(Arc<Queue>, u32)>,
    ) -> Self {
        let created_ms = clock.now_ms();
        Self {
            config,
            clock,
            dead_letter,
            created_ms,
            state: Mutex::new(QueueState::new()),
            changed: Notify::new(),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, QueueState> {
        // The state is plain data kept consistent at every await-free step; a panic elsewhere
        // does not make it unusable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The clock's time and the queue's state, with the messages past retention at that
    /// time dropped: what every read of the queue starts from.
    fn unexpired(&self) -> (i64, MutexGuard<'_, QueueState>) {
        let now = self.clock.now_ms();
        let mut state = self.lock();
        state.expire(now, self.retention_ms());
        (now, state)
    }

    /// `QueueName`.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The queue's ARN.
    pub fn arn(&self) -> &str {
        &self.config.arn
    }

    /// The queue's URL.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// The queue's settings.
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// Whether the queue is FIFO (its name ends in `.fifo`).
    pub fn is_fifo(&self) -> bool {
        self.config.fifo
    }

    /// The dead-letter queue of the redrive policy, if any.
    pub fn dead_letter_queue(&self) -> Option<&Arc<Queue>> {
        self.dead_letter.as_ref().map(|(q, _)| q)
    }

    /// SendMessage.
    pub fn send(&self, request: SendMessage) -> Result<SendOutcome, SqsError> {
        self.validate_send(&request)?;
        let now = self.clock.now_ms();
        let deduplication_id = self.deduplication_id(&request)?;
        let md5 = md5_of_body(&request.body);
        let mut state = self.lock();
        if let Some(id) = &deduplication_id {
            state
                .deduplication
                .retain(|_, d| now - d.at_ms < DEDUPLICATION_WINDOW_MS);
            if let Some(seen) = state.deduplication.get(id) {
                return Ok(SendOutcome {
                    message_id: seen.message_id.clone(),
                    md5_of_body: md5,
                    sequence_number: seen.sequence_number.clone(),
                    duplicate: true,
                });
            }
        }
        let delay_secs = request.delay_secs.unwrap_or(self.config.delay_secs);
        let message_id = Uuid::new_v4().to_string();
        let sequence_number = self.config.fifo.then(|| state.next_sequence_number());
        if let Some(id) = &deduplication_id {
            state.deduplication.insert(
                id.clone(),
                Deduplicated {
                    message_id: message_id.clone(),
                    sequence_number: sequence_number.clone(),
                    at_ms: now,
                },
            );
        }
        let stored = Stored {
            message_id: message_id.clone(),
            body: request.body,
            md5_of_body: md5.clone(),
            message_attributes: request.message_attributes,
            group_id: request.message_group_id,
            deduplication_id,
            sequence_number: sequence_number.clone(),
            sent_ms: now,
            visible_at_ms: now.saturating_add(i64::from(delay_secs) * 1000),
            receive_count: 0,
            first_receive_ms: None,
            receipt_handle: None,
            extra_attributes: request
                .trace_header
                .into_iter()
                .map(|h| ("AWSTraceHeader".to_owned(), h))
                .collect(),
        };
        state.push(stored, now, self.retention_ms());
        drop(state);
        self.changed.notify_waiters();
        Ok(SendOutcome {
            message_id,
            md5_of_body: md5,
            sequence_number,
            duplicate: false,
        })
    }

    pub(super) fn retention_ms(&self) -> i64 {
        i64::from(self.config.message_retention_secs) * 1000
    }

    fn validate_send(&self, request: &SendMessage) -> Result<(), SqsError> {
        let queue = self.name();
        if request.body.is_empty() {
            return Err(SqsError::MissingParameter {
                queue: queue.to_owned(),
                parameter: "MessageBody".to_owned(),
            });
        }
        if let Some(c) = request.body.chars().find(|c| !allowed_char(*c)) {
            return Err(SqsError::invalid(
                queue,
                "MessageBody",
                format!("character U+{:04X} is not allowed", u32::from(c)),
            ));
        }
        if request.size() > MAX_MESSAGE_BYTES {
            return Err(SqsError::invalid(
                queue,
                "MessageBody",
                format!(
                    "message is {} bytes, above {MAX_MESSAGE_BYTES}",
                    request.size()
                ),
            ));
        }
        if let Some(delay) = request.delay_secs {
            if self.config.fifo {
                return Err(SqsError::invalid(
                    queue,
                    "DelaySeconds",
                    "FIFO queues take no per-message delay (set the queue's DelaySeconds)",
                ));
            }
            if delay > MAX_DELAY_SECS {
                return Err(SqsError::invalid(
                    queue,
                    "DelaySeconds",
                    format!("{delay} is above {MAX_DELAY_SECS}"),
                ));
            }
        }
        if self.config.fifo && request.message_group_id.is_none() {
            return Err(SqsError::MissingParameter {
                queue: queue.to_owned(),
                parameter: "MessageGroupId".to_owned(),
            });
        }
        if !self.config.fifo && request.message_deduplication_id.is_some() {
            return Err(SqsError::invalid(
                queue,
                "MessageDeduplicationId",
                "only FIFO queues deduplicate",
            ));
        }
        Ok(())
    }

    /// The explicit deduplication id, or on a content-deduplicating FIFO queue the SHA-256 of
    /// the body.
    fn deduplication_id(&self, request: &SendMessage) -> Result<Option<String>, SqsError> {
        if !self.config.fifo {
            return Ok(None);
        }
        match &request.message_deduplication_id {
            Some(id) => Ok(Some(id.clone())),
            None if self.config.content_based_deduplication => {
                Ok(Some(hex::encode(Sha256::digest(request.body.as_bytes()))))
            }
            None => Err(SqsError::MissingParameter {
                queue: self.name().to_owned(),
                parameter: "MessageDeduplicationId (the queue has no ContentBasedDeduplication)"
                    .to_owned(),
            }),
        }
    }

    pub(super) fn received(&self, message: &Stored, receipt_handle: String) -> ReceivedMessage {
        let mut attributes = BTreeMap::new();
        attributes.insert(
            "ApproximateReceiveCount".to_owned(),
            message.receive_count.to_string(),
        );
        attributes.insert("SentTimestamp".to_owned(), message.sent_ms.to_string());
        attributes.insert("SenderId".to_owned(), pseudo::ACCOUNT_ID.to_owned());
        if let Some(first) = message.first_receive_ms {
            attributes.insert(
                "ApproximateFirstReceiveTimestamp".to_owned(),
                first.to_string(),
            );
        }
        if self.config.fifo {
            if let Some(group) = &message.group_id {
                attributes.insert("MessageGroupId".to_owned(), group.clone());
            }
            if let Some(id) = &message.deduplication_id {
                attributes.insert("MessageDeduplicationId".to_owned(), id.clone());
            }
            if let Some(seq) = &message.sequence_number {
                attributes.insert("SequenceNumber".to_owned(), seq.clone());
            }
        } else if let Some(group) = &message.group_id {
            attributes.insert("MessageGroupId".to_owned(), group.clone());
        }
        attributes.extend(message.extra_attributes.clone());
        ReceivedMessage {
            message_id: message.message_id.clone(),
            receipt_handle,
            body: message.body.clone(),
            md5_of_body: message.md5_of_body.clone(),
            attributes,
            message_attributes: message.message_attributes.clone(),
        }
    }

    /// Takes a message moved here from `source_arn` (redrive or explicit dead-lettering).
    pub(super) fn accept_moved(&self, mut message: Stored, source_arn: &str, reason: Option<&str>) {
        let now = self.clock.now_ms();
        let mut state = self.lock();
        message.visible_at_ms = now;
        message.receipt_handle = None;
        message
            .extra_attributes
            .insert(DEAD_LETTER_SOURCE.to_owned(), source_arn.to_owned());
        if let Some(reason) = reason {
            message.message_attributes.insert(
                DEAD_LETTER_REASON.to_owned(),
                MessageAttributeValue::string(reason),
            );
        }
        message.sequence_number = self.config.fifo.then(|| state.next_sequence_number());
        if self.config.fifo && message.group_id.is_none() {
            // A standard queue's message has no group; keep FIFO order within one group.
            message.group_id = Some("dead-letter".to_owned());
        }
        state.push(message, now, self.retention_ms());
        drop(state);
        self.changed.notify_waiters();
    }

    /// Finds the message of a receipt handle; only the latest handle of a message is valid.
    fn key_of(&self, state: &QueueState, handle: &str) -> Result<Option<u64>, SqsError> {
        let invalid = || SqsError::ReceiptHandleIsInvalid {
            queue: self.name().to_owned(),
            handle: handle.to_owned(),
        };
        let key: u64 = handle
            .split_once('.')
            .and_then(|(key, _)| key.parse().ok())
            .ok_or_else(invalid)?;
        match state.messages.get(&key) {
            // Deleting a message that is gone succeeds, as on AWS.
            None => Ok(None),
            Some(m) if m.receipt_handle.as_deref() == Some(handle) => Ok(Some(key)),
            Some(_) => Err(invalid()),
        }
    }

    /// DeleteMessage. `Ok(true)` when this call removed the message, `Ok(false)` when it was
    /// already gone; a stale handle (the message was received again since) is rejected.
    pub fn delete(&self, receipt_handle: &str) -> Result<bool, SqsError> {
        let mut state = self.lock();
        let Some(key) = self.key_of(&state, receipt_handle)? else {
            return Ok(false);
        };
        let removed = state.remove(key).is_some();
        drop(state);
        // A FIFO group may be served again.
        self.changed.notify_waiters();
        Ok(removed)
    }

    /// ChangeMessageVisibility: the message becomes receivable `visibility_timeout_secs` from
    /// now (0 releases it at once).
    pub fn change_visibility(
        &self,
        receipt_handle: &str,
        visibility_timeout_secs: u32,
    ) -> Result<(), SqsError> {
        if visibility_timeout_secs > MAX_VISIBILITY_SECS {
            return Err(SqsError::invalid(
                self.name(),
                "VisibilityTimeout",
                format!("{visibility_timeout_secs} is above {MAX_VISIBILITY_SECS}"),
            ));
        }
        let now = self.clock.now_ms();
        let mut state = self.lock();
        let not_in_flight = || SqsError::MessageNotInflight {
            queue: self.name().to_owned(),
            handle: receipt_handle.to_owned(),
        };
        let key = self
            .key_of(&state, receipt_handle)?
            .ok_or_else(not_in_flight)?;
        let message = state.messages.get_mut(&key).ok_or_else(not_in_flight)?;
        if !message.in_flight(now) {
            return Err(not_in_flight());
        }
        message.visible_at_ms = now.saturating_add(i64::from(visibility_timeout_secs) * 1000);
        drop(state);
        self.changed.notify_waiters();
        Ok(())
    }

    /// Moves a received message to this queue's dead-letter queue at once, recording why (the
    /// `DeadLetterReason` message attribute). The runtime calls it when a consumer reports a
    /// record it can never process (a poison message), instead of waiting for maxReceiveCount.
    pub fn dead_letter(&self, receipt_handle: &str, reason: &str) -> Result<(), SqsError> {
        let Some((dlq, _)) = &self.dead_letter else {
            return Err(SqsError::NoDeadLetterQueue(self.name().to_owned()));
        };
        let mut state = self.lock();
        let key = self.key_of(&state, receipt_handle)?.ok_or_else(|| {
            SqsError::ReceiptHandleIsInvalid {
                queue: self.name().to_owned(),
                handle: receipt_handle.to_owned(),
            }
        })?;
        let message = state.remove(key);
        drop(state);
        if let Some(message) = message {
            dlq.accept_moved(message, self.arn(), Some(reason));
        }
        self.changed.notify_waiters();
        Ok(())
    }

    /// Where the first message visible now came from (its `DeadLetterQueueSourceArn`):
    /// `None` when no message is visible, `Some(None)` when it records no source.
    pub(super) fn first_visible_source(&self) -> Option<Option<String>> {
        let (now, state) = self.unexpired();
        state
            .messages
            .values()
            .find(|m| m.visible_at_ms <= now)
            .map(|m| m.extra_attributes.get(DEAD_LETTER_SOURCE).cloned())
    }

    /// Takes the first message visible now, for a move task, if `accept` takes where it
    /// came from.
    pub(super) fn take_first_visible(
        &self,
        accept: impl FnOnce(Option<&str>) -> bool,
    ) -> Option<Stored> {
        let now = self.clock.now_ms();
        let mut state = self.lock();
        let (key, message) = state
            .messages
            .iter()
            .find(|(_, m)| m.visible_at_ms <= now)?;
        if !accept(
            message
                .extra_attributes
                .get(DEAD_LETTER_SOURCE)
                .map(String::as_str),
        ) {
            return None;
        }
        let key = *key;
        state.remove(key)
    }

    /// Takes a message a move task brings back: a new arrival here, never received, with
    /// its id, body and message attributes, and no record of the dead-letter queue. In a
    /// FIFO queue it keeps its group and gets a new sequence number; its deduplication id
    /// is dropped, so the window of its first send cannot discard it.
    pub(super) fn accept_redriven(&self, mut message: Stored) {
        let now = self.clock.now_ms();
        let mut state = self.lock();
        message.visible_at_ms = now;
        message.sent_ms = now;
        message.receipt_handle = None;
        message.receive_count = 0;
        message.first_receive_ms = None;
        message.deduplication_id = None;
        message.extra_attributes.remove(DEAD_LETTER_SOURCE);
        message.sequence_number = self.config.fifo.then(|| state.next_sequence_number());
        state.push(message, now, self.retention_ms());
        drop(state);
        self.changed.notify_waiters();
    }

    /// PurgeQueue: drops every message; returns how many.
    pub fn purge(&self) -> usize {
        let mut state = self.lock();
        let n = state.messages.len();
        state.messages.clear();
        state.received.clear();
        state.next_expiry_ms = i64::MAX;
        n
    }

    /// Counts and settings, as GetQueueAttributes reports them.
    pub fn attributes(&self) -> QueueAttributes {
        let (now, state) = self.unexpired();
        let mut attributes = QueueAttributes {
            approximate_number_of_messages: 0,
            approximate_number_of_messages_not_visible: 0,
            approximate_number_of_messages_delayed: 0,
            approximate_age_of_oldest_message_secs: 0,
            created_timestamp_ms: self.created_ms,
            config: self.config.clone(),
        };
        let mut oldest = None::<i64>;
        for message in state.messages.values() {
            if message.in_flight(now) {
                attributes.approximate_number_of_messages_not_visible += 1;
            } else if message.visible_at_ms > now {
                attributes.approximate_number_of_messages_delayed += 1;
            } else {
                attributes.approximate_number_of_messages += 1;
            }
            oldest = Some(oldest.map_or(message.sent_ms, |o| o.min(message.sent_ms)));
        }
        attributes.approximate_age_of_oldest_message_secs =
            oldest.map_or(0, |sent| (now - sent).max(0) / 1000);
        attributes
    }

    /// Every message now in the queue, in queue order, without receiving it (no receive count,
    /// no receipt handle): what the demo prints of a DLQ.
    pub fn peek_all(&self) -> Vec<ReceivedMessage> {
        let (_, state) = self.unexpired();
        state
            .messages
            .values()
            .map(|m| self.received(m, String::new()))
            .collect()
    }

    /// The event Lambda receives from an event source mapping on this queue for `messages`.
    pub fn to_lambda_event(&self, messages: &[ReceivedMessage]) -> SqsEvent {
        let mut event = SqsEvent::default();
        event.records = messages
            .iter()
            .map(|m| m.to_lambda_record(self.arn(), pseudo::REGION))
            .collect();
        event
    }

    /// How many messages the queue holds (visible, in flight or delayed).
    pub fn len(&self) -> usize {
        let (_, state) = self.unexpired();
        state.messages.len()
    }

    /// Whether the queue holds no message (visible, in flight or delayed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many messages the queue keeps in memory, expired ones not yet dropped included:
    /// what a measurement of the cloud's footprint counts.
    pub fn held(&self) -> usize {
        self.lock().messages.len()
    }
}

/// The system attribute naming the queue a dead-lettered message came from.
const DEAD_LETTER_SOURCE: &str = "DeadLetterQueueSourceArn";

/// SQS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
pub fn allowed_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}
