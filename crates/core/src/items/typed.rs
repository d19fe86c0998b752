//! An item store seen through a Rust type: what a consumer with its own table writes
//! instead of an adapter.

use super::{Item, ItemStore, Written};
use crate::ports::PortError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::marker::PhantomData;
use std::sync::Arc;

/// Items of type `T` in one table: each serializes to a JSON object that carries the
/// table's key attributes.
pub struct TypedItems<T> {
    store: Arc<dyn ItemStore>,
    item: PhantomData<fn() -> T>,
}

impl<T> Clone for TypedItems<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            item: PhantomData,
        }
    }
}

impl<T: Serialize + DeserializeOwned> TypedItems<T> {
    /// The items of `store`.
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self {
            store,
            item: PhantomData,
        }
    }

    /// The store underneath, for the conditional writes this view does not spell out.
    pub fn store(&self) -> &Arc<dyn ItemStore> {
        &self.store
    }

    /// Stores `value` unless an item with its key is stored. `None` when it was stored;
    /// else the value that was there first.
    pub async fn put_new(&self, value: &T) -> Result<Option<T>, PortError> {
        match self.store.put_new(&to_item(value)?).await? {
            Written::Stored => Ok(None),
            Written::Refused(Some(old)) => Ok(Some(from_item(old)?)),
            Written::Refused(None) => Err(PortError::Transient(
                "the write was refused, but no item stands under its key".into(),
            )),
        }
    }

    /// Stores `value`, replacing any item with its key.
    pub async fn put(&self, value: &T) -> Result<(), PortError> {
        self.store.put(&to_item(value)?, None).await.map(|_| ())
    }

    /// The value under `key`: anything that serializes to an object of exactly the
    /// key attributes.
    pub async fn get(&self, key: &impl Serialize) -> Result<Option<T>, PortError> {
        self.store
            .get(&to_item(key)?)
            .await?
            .map(from_item)
            .transpose()
    }
}

/// `value` as an item: it must serialize to a JSON object.
pub fn to_item(value: &impl Serialize) -> Result<Item, PortError> {
    match serde_json::to_value(value) {
        Ok(Value::Object(item)) => Ok(item),
        Ok(_) => Err(PortError::Permanent(
            "an item must serialize to a JSON object".into(),
        )),
        Err(e) => Err(PortError::Permanent(format!(
            "the item does not serialize: {e}"
        ))),
    }
}

/// A stored item as `T`: an item that does not read is a permanent error, as retrying
/// reads the same item.
fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, PortError> {
    serde_json::from_value(Value::Object(item))
        .map_err(|e| PortError::Permanent(format!("a stored item does not read: {e}")))
}
