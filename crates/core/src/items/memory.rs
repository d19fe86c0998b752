//! The embedded item store: a table in process memory, for a function's own tests.

use super::{Expect, Item, ItemStore, KeyNames, Written};
use crate::ports::PortError;
use async_trait::async_trait;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// Items in process memory under one lock, so each conditional write is atomic.
#[derive(Debug)]
pub struct MemoryItems {
    key: KeyNames,
    items: Mutex<BTreeMap<String, Item>>,
}

impl MemoryItems {
    /// An empty table keyed by `key`.
    pub fn new(key: KeyNames) -> Self {
        Self {
            key,
            items: Mutex::new(BTreeMap::new()),
        }
    }

    fn items(&self) -> MutexGuard<'_, BTreeMap<String, Item>> {
        // Each write is one insert or remove, so a poisoned lock holds consistent items.
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every item, in key order: for a test to look inside.
    pub fn all(&self) -> Vec<Item> {
        self.items().values().cloned().collect()
    }

    /// The map key of `key`'s values, as JSON text (which escapes every string, so no
    /// two keys share it). DynamoDB compares numbers by value, so `1` and `1.0` are one
    /// key: a whole number is written as an integer.
    fn slot(&self, key: &Item) -> String {
        let parts: Vec<Value> = self
            .key
            .names()
            .map(|name| match key.get(name) {
                Some(Value::Number(number)) => match number.as_f64() {
                    Some(f) if number.as_i64().is_none() && f.fract() == 0.0 && f.abs() < 9e15 => {
                        Value::from(f as i64)
                    }
                    _ => Value::Number(number.clone()),
                },
                Some(other) => other.clone(),
                None => Value::Null,
            })
            .collect();
        Value::Array(parts).to_string()
    }
}

impl Default for MemoryItems {
    /// A table keyed by `pk`.
    fn default() -> Self {
        Self::new(KeyNames::partition("pk"))
    }
}

/// Whether `stored` meets `expect`.
fn holds(expect: &Expect<'_>, stored: Option<&Item>) -> bool {
    match (expect, stored) {
        (Expect::Absent, stored) => stored.is_none(),
        (Expect::Equals(attribute, value), Some(item)) => {
            item.get(*attribute).is_some_and(|v| same(v, value))
        }
        (Expect::Equals(..), None) => false,
    }
}

/// Equality as DynamoDB's `=` sees JSON: numbers by value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

#[async_trait]
impl ItemStore for MemoryItems {
    fn key(&self) -> KeyNames {
        self.key
    }

    async fn get(&self, key: &Item) -> Result<Option<Item>, PortError> {
        self.key.check_key(key)?;
        Ok(self.items().get(&self.slot(key)).cloned())
    }

    async fn put(&self, item: &Item, expect: Option<Expect<'_>>) -> Result<Written, PortError> {
        let key = self.key.key_of(item)?;
        super::check_item_size(item)?;
        let slot = self.slot(&key);
        let mut items = self.items();
        if let Some(expect) = expect
            && !holds(&expect, items.get(&slot))
        {
            return Ok(Written::Refused(items.get(&slot).cloned()));
        }
        items.insert(slot, item.clone());
        Ok(Written::Stored)
    }

    async fn delete(&self, key: &Item) -> Result<Option<Item>, PortError> {
        self.key.check_key(key)?;
        Ok(self.items().remove(&self.slot(key)))
    }
}
