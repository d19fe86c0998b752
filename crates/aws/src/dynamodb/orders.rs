//! The orders table: one item per order id holding the order's JSON fields and `status`.

use super::put_if_absent;
use super::tables::ORDERS_KEY;
use crate::attributes::{string_attr, to_item};
use crate::error::port_error;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use orderly_core::ports::{
    InsertOutcome, OUTBOX_ATTRIBUTE, OrderRecord, OrderStatusReader, OrderStatusWriter,
    OrderWriter, PortError,
};

/// The order's status (S), e.g. `PLACED`.
pub const STATUS_ATTRIBUTE: &str = "status";

/// The orders port on the orders table: a conditional put per order id, status updates
/// only on orders that exist.
#[derive(Debug, Clone)]
pub struct DynamoOrders {
    client: Client,
    table: String,
}

impl DynamoOrders {
    /// The orders in `table`, using `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

#[async_trait]
impl OrderWriter for DynamoOrders {
    async fn insert_order(
        &self,
        order: OrderRecord<'_>,
        status: &str,
    ) -> Result<InsertOutcome, PortError> {
        let json = order.to_json().map_err(|e| {
            PortError::Permanent(format!("order {}: cannot serialize: {e}", order.order_id()))
        })?;
        let mut item = to_item(&json)
            .map_err(|e| PortError::Permanent(format!("order {}: {e}", order.order_id())))?;
        item.insert(
            STATUS_ATTRIBUTE.to_owned(),
            AttributeValue::S(status.to_owned()),
        );
        // The outbox entry goes in the same conditional put: the table's stream announces
        // the order from this one write.
        let outbox = order.outbox().map_err(|e| {
            PortError::Permanent(format!("order {}: cannot serialize: {e}", order.order_id()))
        })?;
        if let Some(outbox) = outbox {
            let entry = to_item(&outbox)
                .map_err(|e| PortError::Permanent(format!("order {}: {e}", order.order_id())))?;
            item.insert(
                OUTBOX_ATTRIBUTE.to_owned(),
                AttributeValue::M(entry.into_iter().collect()),
            );
        }
        put_if_absent(&self.client, &self.table, ORDERS_KEY, item).await
    }
}

#[async_trait]
impl OrderStatusWriter for DynamoOrders {
    /// Fails permanently for an order that was never stored, rather than creating a
    /// status-only item.
    async fn set_status(&self, order_id: &str, status: &str) -> Result<(), PortError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(ORDERS_KEY, AttributeValue::S(order_id.to_owned()))
            .update_expression("SET #status = :status")
            .condition_expression("attribute_exists(#key)")
            .expression_attribute_names("#status", STATUS_ATTRIBUTE)
            .expression_attribute_names("#key", ORDERS_KEY)
            .expression_attribute_values(":status", AttributeValue::S(status.to_owned()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => {
                    Err(PortError::Permanent(format!(
                        "UpdateItem {}: order {order_id} does not exist",
                        self.table
                    )))
                }
                _ => Err(port_error(&format!("UpdateItem {}", self.table), &err)),
            },
        }
    }
}

#[async_trait]
impl OrderStatusReader for DynamoOrders {
    async fn status(&self, order_id: &str) -> Result<Option<String>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(ORDERS_KEY, AttributeValue::S(order_id.to_owned()))
            .projection_expression("#status")
            .expression_attribute_names("#status", STATUS_ATTRIBUTE)
            // A status just written by the previous step must be visible.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(&format!("GetItem {}", self.table), &e))?;
        Ok(output
            .item()
            .and_then(|item| string_attr(item, STATUS_ATTRIBUTE))
            .map(str::to_owned))
    }
}
