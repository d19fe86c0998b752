//! Messages as SQS sends, stores and delivers them, and their Lambda event record form.

use std::collections::{BTreeMap, HashMap};

use aws_lambda_events::encodings::Base64Data;
use aws_lambda_events::sqs::{SqsMessage, SqsMessageAttribute};
use md5::{Digest, Md5};

/// The message attribute the runtime sets on a message it moves to a dead-letter queue
/// because its consumer reported it failed (see `Queue::dead_letter`).
pub const DEAD_LETTER_REASON: &str = "DeadLetterReason";

/// A user-defined message attribute (`MessageAttributes` of SendMessage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttributeValue {
    /// `String`, `Number` or `Binary`, optionally with a custom suffix (`String.json`).
    pub data_type: String,
    /// The text value, for `String` and `Number` types.
    pub string_value: Option<String>,
    /// The bytes, for `Binary` types.
    pub binary_value: Option<Vec<u8>>,
}

impl MessageAttributeValue {
    /// A `String` attribute.
    pub fn string(value: impl Into<String>) -> Self {
        Self {
            data_type: "String".to_owned(),
            string_value: Some(value.into()),
            binary_value: None,
        }
    }

    /// A `Number` attribute.
    pub fn number(value: impl Into<String>) -> Self {
        Self {
            data_type: "Number".to_owned(),
            ..Self::string(value)
        }
    }

    fn is_binary(&self) -> bool {
        self.data_type.starts_with("Binary")
    }

    fn size(&self) -> usize {
        self.data_type.len()
            + self.string_value.as_ref().map_or(0, String::len)
            + self.binary_value.as_ref().map_or(0, Vec::len)
    }
}

/// A SendMessage request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendMessage {
    /// The message body.
    pub body: String,
    /// Per-message delay (standard queues only); `None` takes the queue's DelaySeconds.
    pub delay_secs: Option<u32>,
    /// `MessageGroupId`; required on FIFO queues.
    pub message_group_id: Option<String>,
    /// `MessageDeduplicationId`; required on FIFO queues without content-based deduplication.
    pub message_deduplication_id: Option<String>,
    /// User-defined attributes by name.
    pub message_attributes: BTreeMap<String, MessageAttributeValue>,
    /// The `AWSTraceHeader` system attribute: the X-Ray trace the message belongs to.
    pub trace_header: Option<String>,
}

impl SendMessage {
    /// A message with `body` and nothing else set.
    pub fn new(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            ..Self::default()
        }
    }

    /// Sets `MessageGroupId`.
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.message_group_id = Some(group.into());
        self
    }

    /// Sets `MessageDeduplicationId`.
    pub fn with_deduplication_id(mut self, id: impl Into<String>) -> Self {
        self.message_deduplication_id = Some(id.into());
        self
    }

    /// Delays this message by `secs` (standard queues only).
    pub fn with_delay(mut self, secs: u32) -> Self {
        self.delay_secs = Some(secs);
        self
    }

    /// Sets the `AWSTraceHeader` system attribute.
    pub fn with_trace_header(mut self, header: impl Into<String>) -> Self {
        self.trace_header = Some(header.into());
        self
    }

    /// Adds the user-defined attribute `name`.
    pub fn with_attribute(mut self, name: impl Into<String>, value: MessageAttributeValue) -> Self {
        self.message_attributes.insert(name.into(), value);
        self
    }

    pub(crate) fn size(&self) -> usize {
        self.body.len()
            + self
                .message_attributes
                .iter()
                .map(|(k, v)| k.len() + v.size())
                .sum::<usize>()
    }
}

/// What SendMessage answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendOutcome {
    /// The id the queue gave the message.
    pub message_id: String,
    /// Hex MD5 of the body, as SendMessage answers it.
    pub md5_of_body: String,
    /// The message's place in its group; FIFO queues only.
    pub sequence_number: Option<String>,
    /// True when a FIFO queue dropped the message as a duplicate within the 5-minute window;
    /// `message_id` is then the id of the message accepted first, as AWS answers.
    pub duplicate: bool,
}

/// A message as ReceiveMessage returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The message's id.
    pub message_id: String,
    /// Deletes or changes the visibility of this receipt of the message; the next receive
    /// gets a new one.
    pub receipt_handle: String,
    /// The message body.
    pub body: String,
    /// Hex MD5 of the body.
    pub md5_of_body: String,
    /// System attributes: `ApproximateReceiveCount`, `SentTimestamp`, `SenderId`,
    /// `ApproximateFirstReceiveTimestamp`, and on FIFO queues `MessageGroupId`,
    /// `MessageDeduplicationId`, `SequenceNumber`; `DeadLetterQueueSourceArn` after a move.
    pub attributes: BTreeMap<String, String>,
    /// User-defined attributes by name.
    pub message_attributes: BTreeMap<String, MessageAttributeValue>,
}

impl ReceivedMessage {
    /// `ApproximateReceiveCount` as a number.
    pub fn receive_count(&self) -> u32 {
        self.attributes
            .get("ApproximateReceiveCount")
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    /// The reason the runtime recorded when it dead-lettered this message, if it did.
    pub fn dead_letter_reason(&self) -> Option<&str> {
        self.message_attributes
            .get(DEAD_LETTER_REASON)
            .and_then(|a| a.string_value.as_deref())
    }

    /// The record of this message in the event Lambda gets from an SQS event source mapping.
    pub fn to_lambda_record(&self, queue_arn: &str, region: &str) -> SqsMessage {
        let mut record = SqsMessage::default();
        record.message_id = Some(self.message_id.clone());
        record.receipt_handle = Some(self.receipt_handle.clone());
        record.body = Some(self.body.clone());
        record.md5_of_body = Some(self.md5_of_body.clone());
        record.md5_of_message_attributes = md5_of_message_attributes(&self.message_attributes);
        record.attributes = self
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<HashMap<_, _>>();
        record.message_attributes = self
            .message_attributes
            .iter()
            .map(|(k, v)| {
                let mut attribute = SqsMessageAttribute::default();
                attribute.data_type = Some(v.data_type.clone());
                attribute.string_value = v.string_value.clone();
                attribute.binary_value = v.binary_value.clone().map(|bytes| {
                    // Base64Data is non-exhaustive: fill a default one.
                    let mut data = Base64Data::default();
                    *data = bytes;
                    data
                });
                (k.clone(), attribute)
            })
            .collect();
        record.event_source_arn = Some(queue_arn.to_owned());
        record.event_source = Some("aws:sqs".to_owned());
        record.aws_region = Some(region.to_owned());
        record
    }
}

/// Hex MD5 of a body, as `MD5OfMessageBody`.
pub fn md5_of_body(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// Hex MD5 of message attributes in SQS's encoding (names sorted; each name, data type and
/// value length-prefixed, with a transport byte 1 for strings and 2 for binary); `None` when
/// there are none, as AWS leaves the field out.
pub fn md5_of_message_attributes(
    attributes: &BTreeMap<String, MessageAttributeValue>,
) -> Option<String> {
    if attributes.is_empty() {
        return None;
    }
    let mut framed = Vec::new();
    for (name, value) in attributes {
        push_length_prefixed(&mut framed, name.as_bytes());
        push_length_prefixed(&mut framed, value.data_type.as_bytes());
        if value.is_binary() {
            framed.push(2);
            push_length_prefixed(
                &mut framed,
                value.binary_value.as_deref().unwrap_or_default(),
            );
        } else {
            framed.push(1);
            push_length_prefixed(
                &mut framed,
                value.string_value.as_deref().unwrap_or_default().as_bytes(),
            );
        }
    }
    Some(hex::encode(Md5::digest(&framed)))
}

fn push_length_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}
