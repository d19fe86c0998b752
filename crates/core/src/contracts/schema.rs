//! JSON Schemas of the contracts, generated from the Rust types: the event catalog.
//! `schemas/` holds them; a test fails when a checked-in file is stale.

use super::compat::{Change, changes};
use super::envelope::{Contract, Detail};
use super::events::*;
use super::messages::CustomerNotification;
use super::order_confirmed_v2::OrderConfirmedV2;
use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::Value;

/// Schema of the `detail` of contract `T` (draft-07, which the registry's
/// JSONSchemaDraft4 type accepts for the keywords these types use).
fn detail_schema<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<Detail<T>>();
    schema.to_value()
}

/// The name of a contract version's schema in the catalog: its detail-type for version 1
/// (`OrderConfirmed`, held in `schemas/OrderConfirmed.json`), `<detail-type>.v<N>` after.
pub fn catalog_name(detail_type: &str, version: u32) -> String {
    if version == 1 {
        detail_type.to_owned()
    } else {
        format!("{detail_type}.v{version}")
    }
}

/// The catalog entry of contract `C`: its [`catalog_name`] and the schema of its `detail`.
pub fn entry<C: Contract>() -> (String, Value) {
    (
        catalog_name(C::DETAIL_TYPE, C::VERSION),
        detail_schema::<C>(),
    )
}

/// `(name, schema)` for every contract version and message, in a fixed order; the name is
/// [`catalog_name`]'s.
pub fn all() -> Vec<(String, Value)> {
    vec![
        entry::<OrderCreated>(),
        entry::<ApprovalRequested>(),
        entry::<ApprovalReminder>(),
        entry::<ApprovalDecided>(),
        entry::<OrderConfirmed>(),
        entry::<OrderConfirmedV2>(),
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

/// How one schema of the generated catalog stands against a baseline: the committed
/// `schemas/`, or the catalog of another commit.
#[derive(Debug, Clone, PartialEq)]
pub enum Standing {
    /// The baseline has it, byte for byte.
    Same,
    /// The baseline does not have it: a new contract, or a new version of one.
    New,
    /// Only annotations (descriptions, titles) differ.
    Reworded,
    /// What the schema accepts changed: breaking, for a version already published.
    Breaking(Vec<Change>),
    /// The baseline's text is not JSON.
    Unreadable(String),
}

/// [`Standing`] of each generated schema against `baseline` (a schema's text by catalog
/// name), and the baseline's names that no generated schema has (retired versions).
pub fn standing(
    generated: &[(String, Value)],
    baseline_names: &[String],
    baseline: impl Fn(&str) -> Option<String>,
) -> (Vec<(String, Standing)>, Vec<String>) {
    let standings = generated
        .iter()
        .map(|(name, schema)| {
            let standing = match baseline(name) {
                None => Standing::New,
                Some(text) if text == render(schema) => Standing::Same,
                Some(text) => match serde_json::from_str::<Value>(&text) {
                    Err(e) => Standing::Unreadable(e.to_string()),
                    Ok(old) => {
                        let found = changes(&old, schema);
                        if found.is_empty() {
                            Standing::Reworded
                        } else {
                            Standing::Breaking(found)
                        }
                    }
                },
            };
            (name.clone(), standing)
        })
        .collect();
    let retired = baseline_names
        .iter()
        .filter(|n| !generated.iter().any(|(g, _)| g == *n))
        .cloned()
        .collect();
    (standings, retired)
}
