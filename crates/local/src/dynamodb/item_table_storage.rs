//! A template table that no domain store stands for, kept in the cloud's table space: in
//! memory, or on disk when the cloud's tables are (`orderly serve`), so a consumer's own
//! table grows on disk as the domain tables do, not in process memory. Items are stored
//! as their DynamoDB JSON under their key's; an item whose TTL attribute holds a number of
//! epoch seconds in the past is deleted, as DynamoDB's TTL deletes it (here: before the
//! table's next write).

use super::error::DbError;
use super::table::{Change, Key, KeySchema, Storage};
use super::value::{Item, Value, item_from_json, item_to_json};
use orderly_core::clock::SharedClock;
use orderly_core::memory::table::ItemTable;
use std::sync::{Arc, Mutex};

/// Items in one [`ItemTable`], written under one lock so a write's condition and the write
/// are one step.
pub struct ItemTableStorage {
    items: Arc<dyn ItemTable>,
    key: KeySchema,
    ttl_attribute: Option<String>,
    clock: SharedClock,
    write: Mutex<()>,
}

impl ItemTableStorage {
    /// The items of `items`, keyed by `key`, expiring by `ttl_attribute` on `clock`.
    pub fn new(
        items: Arc<dyn ItemTable>,
        key: KeySchema,
        ttl_attribute: Option<String>,
        clock: SharedClock,
    ) -> Self {
        Self {
            items,
            key,
            ttl_attribute,
            clock,
            write: Mutex::new(()),
        }
    }

    /// The text a key is stored under: its attributes' DynamoDB JSON, which tells every
    /// key apart (numbers in their canonical form).
    fn slot(&self, key: &Key) -> String {
        item_to_json(&self.key.key_item(key)).to_string()
    }

    fn decode(bytes: &[u8]) -> Result<Item, DbError> {
        let json: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| DbError::Internal(format!("a stored item is not JSON: {e}")))?;
        let map = json
            .as_object()
            .ok_or_else(|| DbError::Internal("a stored item is not an object".into()))?;
        item_from_json(map)
    }

    /// When `item` expires, epoch seconds: its TTL attribute, if that is a number.
    fn expiry(&self, item: &Item) -> Option<i64> {
        match item.get(self.ttl_attribute.as_deref()?)? {
            Value::N(number) => number.to_i64(),
            _ => None,
        }
    }
}

impl Storage for ItemTableStorage {
    fn get(&self, key: &Key) -> Result<Option<Item>, DbError> {
        self.items
            .get(&self.slot(key))?
            .map(|bytes| Self::decode(&bytes))
            .transpose()
    }

    fn items(&self) -> Result<Vec<Item>, DbError> {
        let mut items = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.items.scan(after.as_deref(), 256)?;
            let Some((last, _)) = page.last() else { break };
            after = Some(last.clone());
            for (_, bytes) in &page {
                items.push(Self::decode(bytes)?);
            }
        }
        items.sort_by_cached_key(|item| self.key.key_of_stored(item));
        Ok(items)
    }

    fn write(
        &self,
        key: &Key,
        decide: &mut dyn FnMut(Option<&Item>) -> Result<Change, DbError>,
    ) -> Result<Option<Item>, DbError> {
        let _write = self.write.lock().unwrap_or_else(|p| p.into_inner());
        if self.ttl_attribute.is_some() {
            self.items.purge_expired(self.clock.now_ms() / 1000)?;
        }
        let slot = self.slot(key);
        let old = self
            .items
            .get(&slot)?
            .map(|bytes| Self::decode(&bytes))
            .transpose()?;
        match decide(old.as_ref())? {
            Change::Put(item) => {
                let bytes = item_to_json(&item).to_string();
                self.items
                    .put(&slot, bytes.as_bytes(), self.expiry(&item))?;
            }
            Change::Delete => {
                self.items.delete(&slot)?;
            }
        }
        Ok(old)
    }
}
