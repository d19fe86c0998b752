//! Where the embedded stores keep their items: a table of encoded items by key, each with an
//! optional expiry (DynamoDB's TTL attribute). [`MemoryTables`] holds them in process memory,
//! for tests; the local cloud's disk tables implement the same two traits, so a store's
//! conditions are written once and its items can outgrow memory.
//!
//! A table is not transactional: a store runs its read-check-write under its own lock, as
//! each store here does, which is what makes one conditional write atomic.

use crate::ports::PortError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

/// A table could not be read or written, or held an item it cannot decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("table {table}: {reason}")]
pub struct TableError {
    /// The table's name.
    pub table: String,
    /// What went wrong.
    pub reason: String,
}

impl TableError {
    /// An error of `table`.
    pub fn new(table: &str, reason: impl std::fmt::Display) -> Self {
        Self {
            table: table.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// A store whose table fails is unavailable, as a DynamoDB call that fails is: the same call
/// may succeed later.
impl From<TableError> for PortError {
    fn from(e: TableError) -> Self {
        PortError::Transient(e.to_string())
    }
}

/// Items by key; each may carry an expiry, epoch seconds.
pub trait ItemTable: Send + Sync {
    /// The item stored under `key`, expired or not (as DynamoDB reads an item its TTL
    /// sweeper has not reached yet).
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, TableError>;
    /// The expiry of the item under `key`, epoch seconds; `None` when there is no item or
    /// it never expires.
    fn expiry(&self, key: &str) -> Result<Option<i64>, TableError>;
    /// Stores `item` under `key`, replacing any item there, with its expiry.
    fn put(&self, key: &str, item: &[u8], expires_at_s: Option<i64>) -> Result<(), TableError>;
    /// Removes the item under `key`; whether there was one.
    fn delete(&self, key: &str) -> Result<bool, TableError>;
    /// How many items are stored.
    fn len(&self) -> usize;
    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Removes every item whose expiry is before `now_s`; how many went.
    fn purge_expired(&self, now_s: i64) -> Result<usize, TableError>;
    /// Up to `limit` items in key order, starting after `after` (from the first if `None`).
    fn scan(&self, after: Option<&str>, limit: usize)
    -> Result<Vec<(String, Vec<u8>)>, TableError>;
}

/// Opens the tables of a set of stores by name.
pub trait TableSpace: Send + Sync {
    /// The table `name`, created empty if it does not exist.
    fn table(&self, name: &str) -> Result<Arc<dyn ItemTable>, TableError>;
}

/// Tables in process memory: each [`table`](TableSpace::table) call gives a new empty one.
#[derive(Debug, Default, Clone, Copy)]
pub struct MemoryTables;

impl TableSpace for MemoryTables {
    fn table(&self, _name: &str) -> Result<Arc<dyn ItemTable>, TableError> {
        Ok(Arc::new(MemoryTable::default()))
    }
}

/// One table in process memory, with its keys by expiry so a purge costs a lookup per item
/// it removes.
#[derive(Debug, Default)]
pub struct MemoryTable {
    state: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    items: BTreeMap<String, (Box<[u8]>, Option<i64>)>,
    by_expiry: BTreeSet<(i64, String)>,
}

impl MemoryTable {
    fn state(&self) -> MutexGuard<'_, MemoryState> {
        // Every write is one insert or remove per map, so a poisoned lock is consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many keys the expiry index holds: exactly the items with an expiry.
    pub fn indexed_expiries(&self) -> usize {
        self.state().by_expiry.len()
    }
}

impl MemoryState {
    fn forget(&mut self, key: &str, old: Option<(Box<[u8]>, Option<i64>)>) -> bool {
        match old {
            Some((_, Some(expiry))) => {
                self.by_expiry.remove(&(expiry, key.to_owned()));
                true
            }
            Some((_, None)) => true,
            None => false,
        }
    }
}

impl ItemTable for MemoryTable {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, TableError> {
        Ok(self.state().items.get(key).map(|(item, _)| item.to_vec()))
    }

    fn expiry(&self, key: &str) -> Result<Option<i64>, TableError> {
        Ok(self.state().items.get(key).and_then(|(_, expiry)| *expiry))
    }

    fn put(&self, key: &str, item: &[u8], expires_at_s: Option<i64>) -> Result<(), TableError> {
        let mut state = self.state();
        let old = state
            .items
            .insert(key.to_owned(), (item.into(), expires_at_s));
        state.forget(key, old);
        if let Some(expiry) = expires_at_s {
            state.by_expiry.insert((expiry, key.to_owned()));
        }
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<bool, TableError> {
        let mut state = self.state();
        let old = state.items.remove(key);
        Ok(state.forget(key, old))
    }

    fn len(&self) -> usize {
        self.state().items.len()
    }

    fn purge_expired(&self, now_s: i64) -> Result<usize, TableError> {
        let mut state = self.state();
        let mut purged = 0;
        while let Some((expiry, _)) = state.by_expiry.first()
            && *expiry < now_s
        {
            if let Some((_, key)) = state.by_expiry.pop_first() {
                state.items.remove(&key);
                purged += 1;
            }
        }
        Ok(purged)
    }

    fn scan(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, Vec<u8>)>, TableError> {
        use std::ops::Bound;
        let state = self.state();
        let start = after.map_or(Bound::Unbounded, |k| Bound::Excluded(k.to_owned()));
        Ok(state
            .items
            .range((start, Bound::Unbounded))
            .take(limit)
            .map(|(k, (item, _))| (k.clone(), item.to_vec()))
            .collect())
    }
}

/// A table of `T`s, encoded as JSON: what a store reads and writes.
pub struct Items<T> {
    table: Arc<dyn ItemTable>,
    name: String,
    of: PhantomData<fn() -> T>,
}

/// How many items a full read takes per scan call.
const PAGE: usize = 1_000;

impl<T: Serialize + DeserializeOwned> Items<T> {
    /// The table `name` of `space`.
    pub fn open(space: &dyn TableSpace, name: &str) -> Result<Self, TableError> {
        Ok(Self {
            table: space.table(name)?,
            name: name.to_owned(),
            of: PhantomData,
        })
    }

    /// A table in process memory.
    pub fn memory(name: &str) -> Self {
        Self {
            table: Arc::new(MemoryTable::default()),
            name: name.to_owned(),
            of: PhantomData,
        }
    }

    fn decode(&self, key: &str, bytes: &[u8]) -> Result<T, TableError> {
        serde_json::from_slice(bytes)
            .map_err(|e| TableError::new(&self.name, format!("item {key} does not decode: {e}")))
    }

    /// The item under `key`.
    pub fn get(&self, key: &str) -> Result<Option<T>, TableError> {
        self.table
            .get(key)?
            .map(|bytes| self.decode(key, &bytes))
            .transpose()
    }

    /// The expiry of the item under `key`, epoch seconds, if it has one.
    pub fn expiry(&self, key: &str) -> Result<Option<i64>, TableError> {
        self.table.expiry(key)
    }

    /// Stores `item` under `key` with no expiry.
    pub fn put(&self, key: &str, item: &T) -> Result<(), TableError> {
        self.put_expiring(key, item, None)
    }

    /// Stores `item` under `key`, to be purged once `expires_at_s` has passed.
    pub fn put_expiring(
        &self,
        key: &str,
        item: &T,
        expires_at_s: Option<i64>,
    ) -> Result<(), TableError> {
        let bytes = serde_json::to_vec(item)
            .map_err(|e| TableError::new(&self.name, format!("item {key} does not encode: {e}")))?;
        self.table.put(key, &bytes, expires_at_s)
    }

    /// Removes the item under `key`; whether there was one.
    pub fn delete(&self, key: &str) -> Result<bool, TableError> {
        self.table.delete(key)
    }

    /// How many items are stored.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether no item is stored.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Removes the items expired before `now_s`; how many went.
    pub fn purge_expired(&self, now_s: i64) -> Result<usize, TableError> {
        self.table.purge_expired(now_s)
    }

    /// Every item in key order, read a page at a time.
    pub fn all(&self) -> Result<Vec<(String, T)>, TableError> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.table.scan(after.as_deref(), PAGE)?;
            let full = page.len() == PAGE;
            for (key, bytes) in page {
                let item = self.decode(&key, &bytes)?;
                after = Some(key.clone());
                all.push((key, item));
            }
            if !full {
                return Ok(all);
            }
        }
    }

    /// The table underneath, for a test or a tool that reads raw items.
    pub fn table(&self) -> &Arc<dyn ItemTable> {
        &self.table
    }
}

/// The key of an item identified by two parts (an order and a SKU): unambiguous whatever
/// characters either part holds.
pub fn pair_key(a: &str, b: &str) -> String {
    serde_json::json!([a, b]).to_string()
}

/// The two parts of a key made by [`pair_key`]; `None` for any other key.
pub fn pair_of(key: &str) -> Option<(String, String)> {
    serde_json::from_str(key).ok()
}

/// The contract every [`ItemTable`] keeps, run against the memory table here and against
/// the local cloud's disk table there.
#[cfg(any(test, feature = "contract-tests"))]
pub mod contract {
    use super::ItemTable;

    /// Puts, replaces, deletes, expires and scans, checking each answer.
    pub fn check(table: &dyn ItemTable) {
        assert!(table.is_empty());
        assert_eq!(table.get("a").unwrap(), None);
        table.put("b", b"2", Some(20)).unwrap();
        table.put("a", b"1", Some(10)).unwrap();
        table.put("c", b"3", None).unwrap();
        assert_eq!(table.len(), 3);
        assert_eq!(table.expiry("a").unwrap(), Some(10));
        assert_eq!(table.expiry("c").unwrap(), None);
        assert_eq!(table.expiry("nope").unwrap(), None);
        assert_eq!(table.get("a").unwrap().as_deref(), Some(&b"1"[..]));
        // Replacing moves the expiry: a now lives to 25.
        table.put("a", b"1'", Some(25)).unwrap();
        assert_eq!(table.len(), 3);
        assert_eq!(table.get("a").unwrap().as_deref(), Some(&b"1'"[..]));
        // At 21, only b (20) has expired; an item is kept at its expiry second.
        assert_eq!(table.purge_expired(20).unwrap(), 0);
        assert_eq!(table.purge_expired(21).unwrap(), 1);
        assert_eq!(table.get("b").unwrap(), None);
        let keys = |after: Option<&str>, limit| -> Vec<String> {
            let page = table.scan(after, limit).unwrap();
            page.into_iter().map(|(k, _)| k).collect()
        };
        assert_eq!(keys(None, 10), ["a", "c"]);
        assert_eq!(keys(None, 1), ["a"]);
        assert_eq!(keys(Some("a"), 10), ["c"]);
        assert_eq!(keys(Some("c"), 10), Vec::<String>::new());
        assert!(table.delete("a").unwrap());
        assert!(!table.delete("a").unwrap());
        // A deleted item's expiry goes with it: nothing is purged at 100 but never-expiring c.
        assert_eq!(table.purge_expired(100).unwrap(), 0);
        assert_eq!(table.len(), 1);
        // An item with no expiry loses it when replaced with one, and the other way.
        table.put("c", b"3", Some(5)).unwrap();
        table.put("c", b"3", None).unwrap();
        assert_eq!(table.purge_expired(100).unwrap(), 0);
        assert_eq!(table.len(), 1);
        // Keys are any text, in byte order.
        table.put("é\u{0}", b"x", None).unwrap();
        table.put("", b"y", None).unwrap();
        assert_eq!(keys(None, 10), ["", "c", "é\u{0}"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_table_keeps_the_contract_and_its_expiry_index_exact() {
        let table = MemoryTable::default();
        contract::check(&table);
        assert_eq!(table.indexed_expiries(), 0);
        table.put("k", b"1", Some(9)).unwrap();
        table.put("k", b"1", Some(10)).unwrap();
        assert_eq!(
            table.indexed_expiries(),
            1,
            "a replaced expiry is forgotten"
        );
    }

    #[test]
    fn typed_items_read_back_what_was_written_and_name_a_bad_item() {
        let items: Items<Vec<i64>> = Items::memory("numbers");
        items.put("k", &vec![1, 2]).unwrap();
        assert_eq!(items.get("k").unwrap(), Some(vec![1, 2]));
        items.table().put("bad", b"{", None).unwrap();
        let error = items.get("bad").unwrap_err();
        assert_eq!(error.table, "numbers");
        assert!(error.reason.contains("item bad"), "{error}");
        for i in 0..2_500 {
            items.put(&format!("n{i:05}"), &vec![i]).unwrap();
        }
        items.delete("bad").unwrap();
        let all = items.all().unwrap();
        assert_eq!(all.len(), 2_501);
        assert_eq!(all.last().unwrap().1, vec![2_499]);
    }

    #[test]
    fn a_pair_key_tells_apart_parts_that_a_separator_would_not() {
        assert_ne!(pair_key("a#b", "c"), pair_key("a", "b#c"));
        assert_eq!(
            pair_of(&pair_key("a#b", "c")),
            Some(("a#b".into(), "c".into()))
        );
        assert_eq!(pair_of("plain"), None);
    }
}
