//! The audit table: what an auditor needs of every event seen, once per event id, until
//! its TTL.

use super::put_if_absent;
use super::tables::{AUDIT_KEY, AUDIT_TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use orderly_core::ports::{AuditEntry, AuditLog, InsertOutcome, PortError};
use serde_json::Value;

/// [`AuditLog`] on the audit table: a conditional put per event id, so a redelivered event
/// is stored once.
#[derive(Debug, Clone)]
pub struct DynamoAuditLog {
    client: Client,
    table: String,
}

impl DynamoAuditLog {
    /// The audit log in `table`, using `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[async_trait]
impl AuditLog for DynamoAuditLog {
    /// The facts are kept as JSON text rather than a map: any field an event carries
    /// must be storable, including ones with keys DynamoDB maps would refuse.
    async fn append(&self, entry: &AuditEntry) -> Result<InsertOutcome, PortError> {
        let facts = serde_json::to_string(&entry.facts).map_err(|e| {
            PortError::Permanent(format!("event {}: cannot serialize: {e}", entry.event_id))
        })?;
        let s = |v: &str| AttributeValue::S(v.to_owned());
        let mut item: std::collections::HashMap<String, AttributeValue> = [
            (AUDIT_KEY.to_owned(), s(&entry.event_id)),
            ("source".to_owned(), s(&entry.source)),
            ("detailType".to_owned(), s(&entry.detail_type)),
            ("time".to_owned(), s(&entry.time)),
            ("orderId".to_owned(), s(&entry.order_id)),
            ("facts".to_owned(), AttributeValue::S(facts)),
            (
                AUDIT_TTL_ATTRIBUTE.to_owned(),
                AttributeValue::N(entry.expires_at_epoch_s.to_string()),
            ),
        ]
        .into();
        // `correlationId` keys the byCorrelation index, and DynamoDB refuses an empty
        // string as an index key: an event without one stays out of the index.
        if !entry.correlation_id.is_empty() {
            item.insert("correlationId".to_owned(), s(&entry.correlation_id));
        }
        let outcome = put_if_absent(&self.client, &self.table, AUDIT_KEY, item).await?;
        Ok(match outcome {
            // Give the stored facts back as JSON, not as the text they are kept in.
            InsertOutcome::AlreadyExists(mut old) => {
                if let Some(slot) = old.get_mut("facts")
                    && let Some(parsed) = slot
                        .as_str()
                        .and_then(|t| serde_json::from_str::<Value>(t).ok())
                {
                    *slot = parsed;
                }
                InsertOutcome::AlreadyExists(old)
            }
            inserted => inserted,
        })
    }
}
