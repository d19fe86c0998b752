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
    pub order_id: String,
    pub customer_id: String,
    pub idempotency_key: String,
    pub correlation_id: String,
}
