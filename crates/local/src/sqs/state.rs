//! A queue's messages at rest and the bookkeeping around them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::message::MessageAttributeValue;

/// AWS's limits.
/// 1 MiB: SendMessage's reference since SQS raised the quota from 256 KiB.
pub const MAX_MESSAGE_BYTES: usize = 1_048_576;
pub(super) const MAX_DELAY_SECS: u32 = 900;
pub(super) const MAX_VISIBILITY_SECS: u32 = 43_200;
pub(super) const DEDUPLICATION_WINDOW_MS: i64 = 5 * 60 * 1000;
/// FIFO sequence numbers are 20-digit decimal strings on AWS.
pub(super) const FIRST_SEQUENCE_NUMBER: u128 = 10_000_000_000_000_000_000;

/// A message at rest in a queue.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    pub(super) message_id: String,
    pub(super) body: String,
    pub(super) md5_of_body: String,
    pub(super) message_attributes: BTreeMap<String, MessageAttributeValue>,
    pub(super) group_id: Option<String>,
    pub(super) deduplication_id: Option<String>,
    pub(super) sequence_number: Option<String>,
    pub(super) sent_ms: i64,
    /// When the message can next be received (after its delay or visibility timeout).
    pub(super) visible_at_ms: i64,
    pub(super) receive_count: u32,
    pub(super) first_receive_ms: Option<i64>,
    /// The latest receipt handle; only it may delete or change the message.
    pub(super) receipt_handle: Option<String>,
    /// System attributes gained on the way (DeadLetterQueueSourceArn).
    pub(super) extra_attributes: BTreeMap<String, String>,
}

impl Stored {
    pub(super) fn in_flight(&self, now: i64) -> bool {
        self.receipt_handle.is_some() && self.visible_at_ms > now
    }
}

#[derive(Debug)]
pub(super) struct Deduplicated {
    pub(super) message_id: String,
    pub(super) sequence_number: Option<String>,
    pub(super) at_ms: i64,
}

#[derive(Debug)]
pub(super) struct QueueState {
    /// Messages by arrival key: iteration order is queue order.
    pub(super) messages: BTreeMap<u64, Stored>,
    /// Keys of the messages that hold a receipt handle (received at least once): the only
    /// ones that can be in flight, so FIFO group blocking looks at these alone.
    pub(super) received: BTreeSet<u64>,
    pub(super) next_key: u64,
    pub(super) next_sequence: u128,
    pub(super) deduplication: HashMap<String, Deduplicated>,
    /// No message expires before this instant, so receives skip the retention sweep until
    /// then.
    pub(super) next_expiry_ms: i64,
}

impl QueueState {
    pub(super) fn new() -> Self {
        Self {
            messages: BTreeMap::new(),
            received: BTreeSet::new(),
            next_key: 0,
            next_sequence: FIRST_SEQUENCE_NUMBER,
            deduplication: HashMap::new(),
            next_expiry_ms: i64::MAX,
        }
    }

    /// Adds a message, first dropping those past retention at `now`: a queue that is
    /// written and never read (a DLQ nobody watches) keeps only its retention period.
    pub(super) fn push(&mut self, stored: Stored, now: i64, retention_ms: i64) {
        self.expire(now, retention_ms);
        self.next_expiry_ms = self
            .next_expiry_ms
            .min(stored.sent_ms.saturating_add(retention_ms));
        let key = self.next_key;
        self.next_key += 1;
        self.messages.insert(key, stored);
    }

    pub(super) fn remove(&mut self, key: u64) -> Option<Stored> {
        self.received.remove(&key);
        self.messages.remove(&key)
    }

    pub(super) fn next_sequence_number(&mut self) -> String {
        let n = self.next_sequence;
        self.next_sequence += 1;
        n.to_string()
    }

    /// Drops the messages older than the retention period, as SQS deletes them.
    pub(super) fn expire(&mut self, now: i64, retention_ms: i64) {
        if now < self.next_expiry_ms {
            return;
        }
        let expired: Vec<u64> = self
            .messages
            .iter()
            .filter(|(_, m)| now.saturating_sub(m.sent_ms) >= retention_ms)
            .map(|(k, _)| *k)
            .collect();
        for key in expired {
            self.remove(key);
        }
        self.next_expiry_ms = self
            .messages
            .values()
            .map(|m| m.sent_ms.saturating_add(retention_ms))
            .min()
            .unwrap_or(i64::MAX);
    }
}
