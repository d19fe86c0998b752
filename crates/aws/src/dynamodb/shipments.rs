//! The shipments table: one shipment per order id.

use super::put_if_absent;
use super::tables::SHIPMENTS_KEY;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use orderly_core::ports::{InsertOutcome, PortError, ShipmentWriter};

/// [`ShipmentWriter`] on the shipments table: a conditional put per order id.
#[derive(Debug, Clone)]
pub struct DynamoShipments {
    client: Client,
    table: String,
}

impl DynamoShipments {
    /// The shipments in `table`, using `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[async_trait]
impl ShipmentWriter for DynamoShipments {
    /// A second shipment for the same order is refused; the first comes back.
    async fn create_shipment(
        &self,
        order_id: &str,
        shipment_id: &str,
    ) -> Result<InsertOutcome, PortError> {
        let item = [
            (
                SHIPMENTS_KEY.to_owned(),
                AttributeValue::S(order_id.to_owned()),
            ),
            (
                "shipmentId".to_owned(),
                AttributeValue::S(shipment_id.to_owned()),
            ),
        ]
        .into();
        put_if_absent(&self.client, &self.table, SHIPMENTS_KEY, item).await
    }
}
