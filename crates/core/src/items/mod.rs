//! A table of the template as a store of JSON items keyed by the table's own key schema:
//! the port a function uses when what it keeps follows no rule of the domain's (a
//! consumer's "put once, read by key"). The narrow ports of [`crate::ports`] stay where
//! the domain says more than that (an order's status moves only forward, stock never goes
//! below zero).
//!
//! Every implementation gives the same answers to the same calls: the embedded one here
//! ([`MemoryItems`]), the local cloud's (its DynamoDB tables, made from the template) and
//! the DynamoDB adapter of `orderly-aws`. The contract suite ([`contract`], feature
//! `contract-tests`) holds them to it.
//!
//! Items are JSON objects whose attributes map to DynamoDB's as `orderly-aws` maps them:
//! strings `S`, numbers `N` (by their decimal text, so integer money stays exact), booleans
//! `BOOL`, null `NULL`, arrays `L`, objects `M`.

mod memory;
mod typed;

#[cfg(feature = "contract-tests")]
pub mod contract;

pub use memory::MemoryItems;
pub use typed::TypedItems;

use crate::ports::PortError;
use async_trait::async_trait;
use serde_json::{Map, Value};

/// The DynamoDB actions an item store calls (GetItem, PutItem with its conditions,
/// DeleteItem): what a function's grant on its table names, and nothing more.
pub const DYNAMODB_ACTIONS: [&str; 3] = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:DeleteItem",
];

/// One item: attribute name to value.
pub type Item = Map<String, Value>;

/// The key attributes of a table: its partition key and, if it has one, its sort key.
/// A function declares them with the table it uses ([`crate::shell::Port::Items`]), and
/// the template's invariants check that the table is keyed so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyNames {
    /// The partition (HASH) key.
    pub partition: &'static str,
    /// The sort (RANGE) key.
    pub sort: Option<&'static str>,
}

impl KeyNames {
    /// A table keyed by `partition` alone.
    pub const fn partition(partition: &'static str) -> Self {
        Self {
            partition,
            sort: None,
        }
    }

    /// The same partition key, with `sort` as the sort key.
    pub const fn with_sort(self, sort: &'static str) -> Self {
        Self {
            partition: self.partition,
            sort: Some(sort),
        }
    }

    /// The key attributes, partition first.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + use<> {
        std::iter::once(self.partition).chain(self.sort)
    }

    /// The key of `item`: its key attributes, each a non-empty string or a number, as
    /// DynamoDB's key attributes are (`S` or `N`). A missing or unfit one is a permanent
    /// error that names it.
    pub fn key_of(&self, item: &Item) -> Result<Item, PortError> {
        let mut key = Item::new();
        for name in self.names() {
            let value = item.get(name).ok_or_else(|| {
                PortError::Permanent(format!("the item has no key attribute {name}"))
            })?;
            match value {
                Value::String(text) if !text.is_empty() => {}
                Value::Number(_) => {}
                Value::String(_) => {
                    return Err(PortError::Permanent(format!(
                        "key attribute {name} is an empty string"
                    )));
                }
                other => {
                    return Err(PortError::Permanent(format!(
                        "key attribute {name} must be a string or a number, got {}",
                        value_kind(other)
                    )));
                }
            }
            key.insert(name.to_owned(), value.clone());
        }
        Ok(key)
    }

    /// Refuses a key that holds anything but exactly the key attributes.
    pub fn check_key(&self, key: &Item) -> Result<(), PortError> {
        let own = self.key_of(key)?;
        if let Some(extra) = key.keys().find(|name| !own.contains_key(name.as_str())) {
            return Err(PortError::Permanent(format!(
                "{extra} is not a key attribute of the table (its key is {})",
                self.names().collect::<Vec<_>>().join(", ")
            )));
        }
        Ok(())
    }
}

/// The largest item DynamoDB stores: 400 KB, as its size is counted by [`item_size`].
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// An item's size as DynamoDB counts it toward [`MAX_ITEM_BYTES`] ("Item sizes and
/// formats" in the DynamoDB developer guide), for the attribute types a JSON item maps to:
/// each attribute's name and value; a string its UTF-8 bytes; a number about one byte per
/// two significant digits plus one; a boolean or null one byte; a map or list 3 bytes
/// plus one per element beside the elements' own sizes.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &Value) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 1,
        Value::String(s) => s.len(),
        Value::Number(n) => {
            let digits = n.to_string().chars().filter(char::is_ascii_digit).count();
            digits.div_ceil(2) + 1
        }
        Value::Array(items) => 3 + items.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        Value::Object(members) => {
            3 + members
                .iter()
                .map(|(k, v)| k.len() + value_size(v) + 1)
                .sum::<usize>()
        }
    }
}

/// Refuses an item over [`MAX_ITEM_BYTES`] with DynamoDB's ValidationException message.
pub fn check_item_size(item: &Item) -> Result<(), PortError> {
    if item_size(item) > MAX_ITEM_BYTES {
        return Err(PortError::Permanent(
            "ValidationException: Item size has exceeded the maximum allowed size".to_owned(),
        ));
    }
    Ok(())
}

/// The kind of a JSON value, for messages (`a string`, `null` …): also what the DynamoDB
/// adapters say of a value that is not an item.
pub fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a conditional put requires of the item stored under the key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect<'a> {
    /// No item is stored under the key: a first write (`attribute_not_exists`).
    Absent,
    /// An item is stored whose attribute holds this value: optimistic concurrency on a
    /// version the writer read (`#attribute = :value`).
    Equals(&'a str, &'a Value),
}

/// What a conditional put did.
#[derive(Debug, Clone, PartialEq)]
pub enum Written {
    /// The item is stored.
    Stored,
    /// The condition did not hold and nothing was written: the item that stands under the
    /// key, if there is one.
    Refused(Option<Item>),
}

/// A table of items by key, with the conditional writes that make a consumer idempotent.
#[async_trait]
pub trait ItemStore: Send + Sync {
    /// The key the store reads items by.
    fn key(&self) -> KeyNames;

    /// The item under `key` (exactly the key attributes), read strongly consistently.
    async fn get(&self, key: &Item) -> Result<Option<Item>, PortError>;

    /// Stores `item` (which carries its key attributes) if `expect` holds, or
    /// unconditionally when it is `None`, replacing any item under the key.
    async fn put(&self, item: &Item, expect: Option<Expect<'_>>) -> Result<Written, PortError>;

    /// Removes the item under `key`; the item removed, if there was one.
    async fn delete(&self, key: &Item) -> Result<Option<Item>, PortError>;

    /// Stores `item` unless an item with its key is stored: the once-only write of an
    /// idempotent consumer. A refusal carries the item that was there first.
    async fn put_new(&self, item: &Item) -> Result<Written, PortError> {
        self.put(item, Some(Expect::Absent)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(value: Value) -> Item {
        serde_json::from_value(value).expect("an object")
    }

    /// Sizes as the DynamoDB guide counts them: names and UTF-8 bytes, numbers by their
    /// significant digits, and 3 bytes plus one per element for maps and lists.
    #[test]
    fn item_sizes_count_names_bytes_digits_and_containers() {
        assert_eq!(item_size(&item(json!({"pk": "é"}))), 2 + 2);
        assert_eq!(item_size(&item(json!({"n": 12345}))), 1 + 3 + 1);
        assert_eq!(item_size(&item(json!({"b": true, "z": null}))), 2 + 2);
        assert_eq!(
            item_size(&item(json!({"l": ["ab", 1]}))),
            1 + 3 + (2 + 1) + (2 + 1)
        );
        assert_eq!(
            item_size(&item(json!({"m": {"k": "v"}}))),
            1 + 3 + (1 + 1 + 1)
        );
        let at_limit = item(json!({"blob": "x".repeat(MAX_ITEM_BYTES - 4)}));
        assert_eq!(item_size(&at_limit), MAX_ITEM_BYTES);
        assert!(check_item_size(&at_limit).is_ok());
        let over = item(json!({"blob": "x".repeat(MAX_ITEM_BYTES - 3)}));
        assert!(matches!(
            check_item_size(&over),
            Err(PortError::Permanent(_))
        ));
    }
}
