//! DynamoDB adapters. The domain tables' key schemas (one partition key, no sort key) are
//! in [`tables`]; the generic item store ([`DynamoItems`]) reads any table by the key its
//! function declares.

pub mod approvals;
pub mod audit;
pub mod items;
pub mod orders;
pub mod payments;
pub mod shipments;
pub mod stock;
pub mod tables;

pub use approvals::DynamoApprovalTokens;
pub use audit::DynamoAuditLog;
pub use items::DynamoItems;
pub use orders::DynamoOrders;
pub use payments::DynamoPayments;
pub use shipments::DynamoShipments;
pub use stock::DynamoStock;

use crate::attributes::{Item, from_item};
use crate::error::port_error;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use orderly_core::ports::{InsertOutcome, PortError};
use serde_json::Value;

/// Puts `item` unless an item with its key exists. On a lost race the old item comes back
/// with the failure (ALL_OLD), so the caller learns what is there without a second read.
pub(crate) async fn put_if_absent(
    client: &Client,
    table: &str,
    key_attribute: &str,
    item: Item,
) -> Result<InsertOutcome, PortError> {
    let result = client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#key)")
        .expression_attribute_names("#key", key_attribute)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await;
    match result {
        Ok(_) => Ok(InsertOutcome::Inserted),
        Err(err) => match err.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(failed)) => Ok(
                InsertOutcome::AlreadyExists(old_item(table, failed.item())?),
            ),
            _ => Err(port_error(&format!("PutItem {table}"), &err)),
        },
    }
}

/// The old item of a failed condition as JSON. DynamoDB always returns it when asked for
/// ALL_OLD and the item exists; `null` stands for an answer without it.
pub(crate) fn old_item(table: &str, item: Option<&Item>) -> Result<Value, PortError> {
    item.map_or(Ok(Value::Null), |item| {
        from_item(item).map_err(|e| PortError::Permanent(format!("{table}: existing item: {e}")))
    })
}
