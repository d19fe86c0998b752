//! What a record handler knows about the record besides its body.

use aws_lambda_events::event::sqs::SqsMessage;
use serde_json::Value;

/// The JSON Pointer of the correlation id in an event envelope body.
const ENVELOPE_CORRELATION_POINTER: &str = "/detail/metadata/correlation-id";

/// Where a message shaped by an input transformer (a CustomerNotification) keeps it.
const TRANSFORMED_CORRELATION_POINTER: &str = "/correlationId";

/// Message attribute that may carry the correlation id when the body is not an envelope.
const CORRELATION_ATTRIBUTE: &str = "correlation-id";

/// Facts about one record, handed to the record handler with its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordContext {
    /// Position of the record in the batch.
    pub index: usize,
    /// The SQS message id (empty only if SQS sent none).
    pub message_id: String,
    /// `MessageGroupId`, for FIFO queues.
    pub message_group_id: Option<String>,
    /// `ApproximateReceiveCount`: 1 on first delivery.
    pub receive_count: Option<u32>,
    /// The correlation id of the event, from the `correlation-id` message attribute or the
    /// envelope's `detail.metadata.correlation-id`.
    pub correlation_id: Option<String>,
    /// The X-Ray trace the message belongs to (its `AWSTraceHeader` system attribute):
    /// the trace of the event that put it on the queue.
    pub trace_header: Option<String>,
    /// The envelope's idempotency key and the order id of the body, when it has them:
    /// every log line of the record carries them.
    pub idempotency_key: Option<String>,
    /// The `orderId` of the body's data, when the handler found one.
    pub order_id: Option<String>,
}

impl RecordContext {
    pub(crate) fn of(index: usize, message: &SqsMessage) -> Self {
        let correlation_id = message
            .message_attributes
            .get(CORRELATION_ATTRIBUTE)
            .and_then(|a| a.string_value.clone());
        Self {
            index,
            message_id: message.message_id.clone().unwrap_or_default(),
            message_group_id: message.attributes.get("MessageGroupId").cloned(),
            receive_count: message
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|c| c.parse().ok()),
            correlation_id,
            trace_header: message.attributes.get("AWSTraceHeader").cloned(),
            idempotency_key: None,
            order_id: None,
        }
    }

    /// The trace id (`Root`) of the record's trace header, if it has one.
    pub fn trace_id(&self) -> Option<&str> {
        crate::telemetry::xray::root_of(self.trace_header.as_deref()?)
    }

    /// Fills in the correlation id from the body (an envelope, or a transformed message)
    /// when no attribute gave one.
    pub(crate) fn correlate_with(&mut self, body: &Value) {
        let fields = crate::telemetry::invocation_fields(body);
        let present = |v: String| (!v.is_empty()).then_some(v);
        self.idempotency_key = present(fields.idempotency_key);
        self.order_id = present(fields.order_id);
        if self.correlation_id.is_none() {
            self.correlation_id = [
                ENVELOPE_CORRELATION_POINTER,
                TRANSFORMED_CORRELATION_POINTER,
            ]
            .iter()
            .find_map(|pointer| body.pointer(pointer).and_then(Value::as_str))
            .map(str::to_owned);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_record_carries_its_own_envelope_fields() {
        let mut message = SqsMessage::default();
        message.message_id = Some("m-2".into());
        let mut ctx = RecordContext::of(1, &message);
        ctx.correlate_with(&serde_json::json!({
            "detail-type": "OrderConfirmed",
            "detail": {
                "metadata": {"idempotency-key": "k-2", "correlation-id": "c-2"},
                "data": {"orderId": "o-2"}
            }
        }));
        assert_eq!(ctx.correlation_id.as_deref(), Some("c-2"));
        assert_eq!(ctx.idempotency_key.as_deref(), Some("k-2"));
        assert_eq!(ctx.order_id.as_deref(), Some("o-2"));
        let mut bare = RecordContext::of(0, &message);
        bare.correlate_with(&serde_json::json!({"note": "no envelope"}));
        assert_eq!(
            (bare.correlation_id, bare.idempotency_key, bare.order_id),
            (None, None, None)
        );
    }
}
