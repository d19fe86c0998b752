//! The generic item store ([`ItemStore`]) on a table of this cloud's DynamoDB: a function
//! that declares `Port::Items` reads and writes the template's table of that name, the
//! same table `aws dynamodb scan` shows and the DynamoDB adapter reaches through
//! `orderly serve`. Each conditional write checks its condition and writes in one step
//! of the table's storage, as the API's PutItem does.

use super::Tables;
use super::error::DbError;
use super::items::check_size;
use super::table::{Change, Table};
use super::value::{Item as DbItem, Value as DbValue, item_from_json, item_to_json};
use crate::runtime::CloudInner;
use async_trait::async_trait;
use orderly_core::items::{Expect, Item, ItemStore, KeyNames, Written};
use orderly_core::memory::dynamo_layout::{attribute_to_json, json_to_attribute};
use orderly_core::ports::PortError;
use serde_json::{Map, Value};
use std::sync::{Arc, Weak};

/// What holds the tables: the cloud, looked up on each call (its functions are built
/// before its tables are registered), or the tables alone (for a test).
pub trait HoldsTables: Send + Sync + 'static {
    /// Runs `f` on the tables, if they are still there.
    fn with_tables<R>(&self, f: impl FnOnce(&Tables) -> R) -> Result<R, PortError>;
}

impl HoldsTables for Weak<CloudInner> {
    fn with_tables<R>(&self, f: impl FnOnce(&Tables) -> R) -> Result<R, PortError> {
        let cloud = self
            .upgrade()
            .ok_or_else(|| PortError::Transient("the local cloud has stopped".into()))?;
        Ok(f(&cloud.dynamodb))
    }
}

impl HoldsTables for Arc<Tables> {
    fn with_tables<R>(&self, f: impl FnOnce(&Tables) -> R) -> Result<R, PortError> {
        Ok(f(self))
    }
}

/// The items of the table `table`, read by `key`.
pub struct LocalItems<H> {
    holder: H,
    table: String,
    key: KeyNames,
}

impl<H: HoldsTables> LocalItems<H> {
    /// The table named `table` of `holder`'s tables, read by `key`.
    pub fn new(holder: H, table: impl Into<String>, key: KeyNames) -> Self {
        Self {
            holder,
            table: table.into(),
            key,
        }
    }

    /// Runs `f` on the table, once its key is known to be the one the function reads it
    /// by, with no transaction of the API in between.
    fn on_table<R>(&self, f: impl FnOnce(&Table) -> Result<R, PortError>) -> Result<R, PortError> {
        self.holder.with_tables(|tables| {
            let table = tables
                .get(&self.table)
                .map_err(|e| port_error(&self.table, e))?;
            let names: Vec<&str> = table.key.attributes().map(|a| a.name.as_str()).collect();
            let declared: Vec<&str> = self.key.names().collect();
            if names != declared {
                return Err(PortError::Permanent(format!(
                    "table {} is keyed by {} but the function reads it by {}",
                    self.table,
                    names.join(", "),
                    declared.join(", ")
                )));
            }
            let _write = tables.single_write();
            f(&table)
        })?
    }
}

/// A DynamoDB error as the port's: a request the table refuses is permanent; a table
/// that failed may answer later.
fn port_error(table: &str, e: DbError) -> PortError {
    let text = format!("{table}: {}: {e}", e.code());
    match e {
        DbError::Internal(_) => PortError::Transient(text),
        _ => PortError::Permanent(text),
    }
}

/// A JSON item as the table's.
fn to_db(item: &Item) -> Result<DbItem, PortError> {
    let attributes: Map<String, Value> = item
        .iter()
        .map(|(name, value)| (name.clone(), json_to_attribute(value)))
        .collect();
    item_from_json(&attributes).map_err(|e| PortError::Permanent(format!("the item: {e}")))
}

/// A stored item as JSON.
fn from_db(table: &str, item: &DbItem) -> Result<Item, PortError> {
    let Value::Object(attributes) = item_to_json(item) else {
        return Err(PortError::Permanent(format!(
            "{table}: a stored item is not a map"
        )));
    };
    attributes
        .iter()
        .map(|(name, value)| Ok((name.clone(), attribute_to_json(name, value)?)))
        .collect::<Result<Item, _>>()
        .map_err(|e: orderly_core::memory::dynamo_layout::LayoutError| {
            PortError::Permanent(format!("{table}: a stored item does not read: {e}"))
        })
}

/// One JSON value as the table's.
fn value_to_db(value: &Value) -> Result<DbValue, PortError> {
    DbValue::from_json(&json_to_attribute(value), 1)
        .map_err(|e| PortError::Permanent(format!("the expected value: {e}")))
}

#[async_trait]
impl<H: HoldsTables> ItemStore for LocalItems<H> {
    fn key(&self) -> KeyNames {
        self.key
    }

    async fn get(&self, key: &Item) -> Result<Option<Item>, PortError> {
        self.key.check_key(key)?;
        let key = to_db(key)?;
        self.on_table(|table| {
            let key = table
                .key
                .key_of_request(&key)
                .map_err(|e| port_error(&table.name, e))?;
            let item = table
                .storage
                .get(&key)
                .map_err(|e| port_error(&table.name, e))?;
            item.map(|item| from_db(&table.name, &item)).transpose()
        })
    }

    async fn put(&self, item: &Item, expect: Option<Expect<'_>>) -> Result<Written, PortError> {
        self.key.key_of(item)?;
        let item = to_db(item)?;
        let expected = match expect {
            Some(Expect::Equals(attribute, value)) => Some((attribute, value_to_db(value)?)),
            _ => None,
        };
        self.on_table(|table| {
            let db = |e| port_error(&table.name, e);
            let key = table.key.key_of_item(&item).map_err(db)?;
            table.check_index_keys(&item).map_err(db)?;
            check_size(&item).map_err(db)?;
            let holds = |old: Option<&DbItem>| match (expect, &expected, old) {
                (None, _, _) => true,
                (Some(Expect::Absent), _, old) => old.is_none(),
                (Some(Expect::Equals(..)), Some((attribute, value)), Some(old)) => {
                    old.get(*attribute).is_some_and(|v| v.same(value))
                }
                (Some(Expect::Equals(..)), _, _) => false,
            };
            let mut refused: Option<Option<DbItem>> = None;
            let written = table.storage.write(&key, &mut |old| {
                if holds(old) {
                    Ok(Change::Put(item.clone()))
                } else {
                    refused = Some(old.cloned());
                    Err(DbError::ConditionFailed { item: None })
                }
            });
            match (written, refused) {
                (Ok(_), _) => Ok(Written::Stored),
                (Err(DbError::ConditionFailed { .. }), Some(old)) => Ok(Written::Refused(
                    old.map(|old| from_db(&table.name, &old)).transpose()?,
                )),
                (Err(e), _) => Err(db(e)),
            }
        })
    }

    async fn delete(&self, key: &Item) -> Result<Option<Item>, PortError> {
        self.key.check_key(key)?;
        let key = to_db(key)?;
        self.on_table(|table| {
            let db = |e| port_error(&table.name, e);
            let key = table.key.key_of_request(&key).map_err(db)?;
            let old = table
                .storage
                .write(&key, &mut |_| Ok(Change::Delete))
                .map_err(db)?;
            old.map(|old| from_db(&table.name, &old)).transpose()
        })
    }
}
