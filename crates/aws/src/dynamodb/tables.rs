//! The key schema of every table: a single string partition key, no sort key. The
//! template and the test helpers create the tables from these.
//!
//! | table        | env var            | partition key | other attributes                                  |
//! |--------------|--------------------|---------------|---------------------------------------------------|
//! | orders       | `ORDERS_TABLE`     | `orderId`     | the order's JSON fields, `status`                 |
//! | inventory    | `INVENTORY_TABLE`  | `sku`         | stock: `available`; reservation `RES#<orderId>#<sku>`: `orderId`, `reservedSku`, `quantity` |
//! | approvals    | `APPROVALS_TABLE`  | `orderId`     | `taskToken`, `expiresAt` (TTL, epoch seconds)      |
//! | audit        | `AUDIT_TABLE`      | `eventId`     | `correlationId`, `source`, `detailType`, `time`, `orderId`, `facts` (JSON text), `expiresAt` (TTL, epoch seconds) |
//! | shipments    | `SHIPMENTS_TABLE`  | `orderId`     | `shipmentId`                                      |
//! | payments     | `PAYMENTS_TABLE`   | `orderId`     | `status` (`HELD`/`VOIDED`), `authorizationId`, `amount`, `currency` |

use crate::error::port_error;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use orderly_core::ports::PortError;

/// Partition key of the orders table.
pub const ORDERS_KEY: &str = "orderId";
/// Partition key of the inventory table: a SKU, or a reservation key.
pub const INVENTORY_KEY: &str = "sku";
/// Partition key of the approvals table.
pub const APPROVALS_KEY: &str = "orderId";
/// Partition key of the audit table: the bus event id.
pub const AUDIT_KEY: &str = "eventId";
/// Partition key of the shipments table.
pub const SHIPMENTS_KEY: &str = "orderId";
/// Partition key of the payments table (the simulated provider's ledger).
pub const PAYMENTS_KEY: &str = "orderId";
/// The TTL attribute of the approvals table.
pub const APPROVALS_TTL_ATTRIBUTE: &str = "expiresAt";
/// The TTL attribute of the audit table.
pub const AUDIT_TTL_ATTRIBUTE: &str = "expiresAt";

/// Creates an on-demand table keyed by the string attribute `partition_key` (tools and
/// tests; deployed tables come from the template).
pub async fn create_table(
    client: &Client,
    name: &str,
    partition_key: &str,
) -> Result<(), PortError> {
    let build = |e: aws_sdk_dynamodb::error::BuildError| {
        PortError::Permanent(format!("CreateTable {name}: {e}"))
    };
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(partition_key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build)?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(partition_key)
                .key_type(KeyType::Hash)
                .build()
                .map_err(build)?,
        )
        .send()
        .await
        .map_err(|e| port_error(&format!("CreateTable {name}"), &e))?;
    Ok(())
}
