//! Messages that are not bus events: what an input transformer hands a queue consumer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What the notification rule's input transformer makes of a customer-facing event:
/// only ids, so no personal data travels through the notification queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerNotification {
    /// The detail-type of the event the customer hears about.
    pub kind: String,
    /// The order the event is about.
    pub order_id: String,
    /// The customer to notify, by id only.
    pub customer_id: String,
    /// The idempotency key of the event, so a redelivered notification is sent once.
    pub idempotency_key: String,
    /// The correlation id of the event, carried into the consumer's log lines.
    pub correlation_id: String,
}
