//! JSON Schemas of the contracts, generated from the Rust types: the event catalog.
//! `schemas/` holds them; a test fails when a checked-in file is stale.

use super::envelope::{Contract, Detail};
use super::events::*;
use super::messages::CustomerNotification;
use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::Value;

/// Schema of the `detail` of contract `T` (draft-07, which the registry's
/// JSONSchemaDraft4 type accepts for the keywords these types use).
fn detail_schema<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<Detail<T>>();
    schema.to_value()
}

fn entry<C: Contract>() -> (String, Value) {
    (C::DETAIL_TYPE.to_owned(), detail_schema::<C>())
}

/// `(name, schema)` for every contract and message, in a fixed order.
pub fn all() -> Vec<(String, Value)> {
    vec![
        entry::<OrderCreated>(),
        entry::<ApprovalRequested>(),
        entry::<ApprovalReminder>(),
        entry::<ApprovalDecided>(),
        entry::<OrderConfirmed>(),
        entry::<OrderFailed>(),
        entry::<ShipmentCreated>(),
        ("CustomerNotification".to_owned(), {
            let generator = SchemaSettings::draft07().into_generator();
            generator
                .into_root_schema_for::<CustomerNotification>()
                .to_value()
        }),
    ]
}

/// The text a schema file holds: pretty JSON with a trailing newline.
pub fn render(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}
