//! What a stream record's handler knows about the record besides its body.

use super::record::StreamRecord;
use serde_json::Value;

/// Facts about one stream record, handed to the handler with its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamContext {
    /// Position of the record in the batch.
    pub index: usize,
    /// The record's sequence number (empty only if the stream gave none).
    pub sequence_number: String,
    /// The Kinesis partition key, or the DynamoDB item's key as JSON text.
    pub partition_key: String,
    /// `INSERT`, `MODIFY` or `REMOVE` for a DynamoDB record; `None` for Kinesis.
    pub event_name: Option<String>,
    /// When the record reached the stream, epoch milliseconds.
    pub arrival_ms: i64,
    /// The correlation id of the event the record carries, when its body is an envelope.
    pub correlation_id: Option<String>,
    /// The envelope's idempotency key, when the body has one.
    pub idempotency_key: Option<String>,
    /// The `orderId` of the body's data, when it has one.
    pub order_id: Option<String>,
}

impl StreamContext {
    pub(crate) fn of<R: StreamRecord>(index: usize, record: &R) -> Self {
        Self {
            index,
            sequence_number: record.sequence_number().unwrap_or_default().to_owned(),
            partition_key: record.partition_key(),
            event_name: record.event_name().map(str::to_owned),
            arrival_ms: record.arrival_ms(),
            correlation_id: None,
            idempotency_key: None,
            order_id: None,
        }
    }

    /// Reads the ids of the body: an event envelope's correlation id and idempotency key,
    /// and the order id of its data (or of the body itself, for a table's image).
    pub(crate) fn correlate_with(&mut self, body: &Value) {
        let fields = crate::telemetry::invocation_fields(body);
        let present = |v: String| (!v.is_empty()).then_some(v);
        self.idempotency_key = present(fields.idempotency_key);
        self.correlation_id = present(fields.correlation_id);
        self.order_id = present(fields.order_id);
    }
}
