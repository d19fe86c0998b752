//! The embedded store: same conditions as the DynamoDB store, its records in a
//! [`table`](crate::memory::table) (process memory unless a table space is given).

use std::sync::MutexGuard;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;

use super::clock::seconds_of;
use super::record::{IdempotencyRecord, MAX_ITEM_BYTES, RecordStatus};
use super::store::{FencedOutcome, IdempotencyStore, LockOutcome, StoreError};
use crate::memory::key_locks::KeyLocks;
use crate::memory::table::{Items, TableError, TableSpace};

/// The table name the store opens in a [`TableSpace`].
pub const IDEMPOTENCY: &str = "idempotency";

/// An embedded [`IdempotencyStore`], atomic under concurrency.
///
/// Every operation reads, checks and writes one key under that key's lock
/// ([`KeyLocks`]), which is what a DynamoDB conditional write does for one item: the
/// functions of a cloud share this table, and operations on different keys do not wait
/// for each other. It enforces the same
/// 400 KB item limit so a response that would fail on AWS fails locally too. Records go
/// at their TTL, as DynamoDB's TTL deletes them: each lock request first drops the records
/// expired at its time, found in expiry order, so the sweep costs a lookup per record.
pub struct InMemoryIdempotencyStore {
    pub(crate) records: Items<IdempotencyRecord>,
    /// The locks of the keys ([`InMemoryIdempotencyStore::lock_key`]).
    pub(crate) keys: KeyLocks,
    /// The longest lease (lock expiry minus the time it was asked at) any lock asked for,
    /// in milliseconds: a lease is the invocation's time left, so one of hours means the
    /// engine and the invocation read different clocks.
    longest_lease_ms: AtomicI64,
    /// The second of the last sweep: a record's TTL is in whole seconds, so one sweep a
    /// second drops all there is to drop, where one a lock cost a table statement a lock.
    swept_s: AtomicI64,
}

impl Default for InMemoryIdempotencyStore {
    fn default() -> Self {
        Self::on(Items::memory(IDEMPOTENCY))
    }
}

impl std::fmt::Debug for InMemoryIdempotencyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryIdempotencyStore")
            .field("records", &self.len())
            .finish()
    }
}

fn unavailable(e: TableError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl InMemoryIdempotencyStore {
    /// An empty store in process memory.
    pub fn new() -> Self {
        Self::default()
    }

    fn on(records: Items<IdempotencyRecord>) -> Self {
        Self {
            records,
            keys: KeyLocks::default(),
            longest_lease_ms: AtomicI64::new(0),
            swept_s: AtomicI64::new(i64::MIN),
        }
    }

    /// The store in `space`'s idempotency table.
    pub fn open(space: &dyn TableSpace) -> Result<Self, TableError> {
        Ok(Self::on(Items::open(space, IDEMPOTENCY)?))
    }

    /// Number of records held, expired or not.
    pub fn len(&self) -> usize {
        self.records().len()
    }

    /// The records' size as DynamoDB counts it, all together: what the table holds.
    pub fn item_bytes(&self) -> Result<usize, TableError> {
        let all = self.records().all()?;
        Ok(all.iter().map(|(_, r)| r.item_size()).sum())
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.records().is_empty()
    }

    /// The longest lease any lock asked for so far, in milliseconds (0 before the first).
    pub fn longest_lease_ms(&self) -> i64 {
        self.longest_lease_ms.load(Ordering::Relaxed)
    }

    /// Drops records whose TTL (`expiration`, epoch seconds) has passed at `now_ms`, as
    /// DynamoDB's TTL sweeper eventually does. Returns how many were dropped.
    /// The first lock request of each second does this at its own time.
    pub fn purge_expired(&self, now_ms: i64) -> Result<usize, TableError> {
        self.records().purge_expired(seconds_of(now_ms))
    }

    fn records(&self) -> &Items<IdempotencyRecord> {
        &self.records
    }

    /// Holds `key`'s stripe: the check and the write of one operation on the key happen
    /// under it. (Sweeps need none: they drop only records past their TTL, and a write
    /// under a stripe always leaves a record with a TTL ahead.)
    fn lock_key(&self, key: &str) -> MutexGuard<'_, ()> {
        self.keys.lock(key)
    }
}

fn put(records: &Items<IdempotencyRecord>, record: &IdempotencyRecord) -> Result<(), StoreError> {
    records
        .put_expiring(&record.key, record, Some(record.expiration_s))
        .map_err(unavailable)
}

fn check_size(record: &IdempotencyRecord) -> Result<(), StoreError> {
    let size = record.item_size();
    if size > MAX_ITEM_BYTES {
        return Err(StoreError::ItemTooLarge {
            key: record.key.clone(),
            size: Some(size),
            limit: MAX_ITEM_BYTES,
        });
    }
    Ok(())
}

fn owned_in_progress(record: &IdempotencyRecord, owner: &str) -> bool {
    record.status == RecordStatus::InProgress && record.owner == owner
}

#[async_trait]
impl IdempotencyStore for InMemoryIdempotencyStore {
    async fn put_if_absent_or_expired(
        &self,
        record: &IdempotencyRecord,
        now_ms: i64,
    ) -> Result<LockOutcome, StoreError> {
        check_size(record)?;
        if let Some(expiry) = record.in_progress_expiration_ms {
            self.longest_lease_ms
                .fetch_max(expiry.saturating_sub(now_ms), Ordering::Relaxed);
        }
        let records = self.records();
        let _key = self.lock_key(&record.key);
        let now_s = seconds_of(now_ms);
        // Only a sweep is skipped: an expired record still there is taken over below.
        if self.swept_s.fetch_max(now_s, Ordering::Relaxed) < now_s {
            records.purge_expired(now_s).map_err(unavailable)?;
        }
        match records.get(&record.key).map_err(unavailable)? {
            Some(existing) if !existing.can_be_taken_over_at(now_ms) => {
                Ok(LockOutcome::Held(Some(existing)))
            }
            _ => {
                put(records, record)?;
                Ok(LockOutcome::Acquired)
            }
        }
    }

    async fn complete_if_owner(
        &self,
        key: &str,
        owner: &str,
        response: &str,
        expiration_s: i64,
    ) -> Result<FencedOutcome, StoreError> {
        let records = self.records();
        let _key = self.lock_key(key);
        let Some(existing) = records.get(key).map_err(unavailable)? else {
            return Ok(FencedOutcome::NotOwner);
        };
        if !owned_in_progress(&existing, owner) {
            return Ok(FencedOutcome::NotOwner);
        }
        let mut completed = existing;
        completed.status = RecordStatus::Completed;
        completed.response = Some(response.to_owned());
        completed.expiration_s = expiration_s;
        // As the DynamoDB store's update does: a completed record has no lease.
        completed.in_progress_expiration_ms = None;
        check_size(&completed)?;
        put(records, &completed)?;
        Ok(FencedOutcome::Done)
    }

    async fn delete_if_owner(&self, key: &str, owner: &str) -> Result<FencedOutcome, StoreError> {
        let records = self.records();
        let _key = self.lock_key(key);
        match records.get(key).map_err(unavailable)? {
            Some(existing) if owned_in_progress(&existing, owner) => {
                records.delete(key).map_err(unavailable)?;
                Ok(FencedOutcome::Done)
            }
            _ => Ok(FencedOutcome::NotOwner),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.records().get(key).map_err(unavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, expiration_s: i64) -> IdempotencyRecord {
        IdempotencyRecord {
            key: key.into(),
            status: RecordStatus::InProgress,
            expiration_s,
            in_progress_expiration_ms: Some(expiration_s * 1000),
            owner: "o".into(),
            response: None,
            payload_hash: None,
        }
    }

    #[tokio::test]
    async fn the_first_lock_of_a_second_sweeps_and_an_unswept_expired_record_is_taken_over() {
        let store = InMemoryIdempotencyStore::new();
        let lock = |key: &str, expiration_s, now_ms| {
            let record = record(key, expiration_s);
            let store = &store;
            async move { store.put_if_absent_or_expired(&record, now_ms).await }
        };
        let kept = |key: &str| store.records().get(key).unwrap().is_some();
        assert!(matches!(
            lock("a", 5, 1_000).await,
            Ok(LockOutcome::Acquired)
        ));
        assert!(matches!(
            lock("b", 6, 5_000).await,
            Ok(LockOutcome::Acquired)
        ));
        // Second 6, first lock: the sweep drops a (5 s).
        assert!(matches!(
            lock("c", 8, 6_000).await,
            Ok(LockOutcome::Acquired)
        ));
        assert!(!kept("a") && kept("b"));
        // Second 7: b (6 s) has expired and is swept.
        assert!(matches!(
            lock("d", 9, 7_000).await,
            Ok(LockOutcome::Acquired)
        ));
        assert!(!kept("b"));
        // Still second 7: c (8 s) has not expired and is held; no second sweep.
        assert!(matches!(
            lock("c", 9, 7_900).await,
            Ok(LockOutcome::Held(_))
        ));
        // The clock goes back to second 4 and a record of 3 s is stored: second 4 was
        // swept already (7 > 4), so it stays in the table, expired, and is taken over.
        assert!(matches!(
            lock("e", 3, 4_000).await,
            Ok(LockOutcome::Acquired)
        ));
        assert!(kept("e"));
        assert!(matches!(
            lock("e", 9, 4_100).await,
            Ok(LockOutcome::Acquired)
        ));
    }

    #[tokio::test]
    async fn each_second_drops_the_records_past_their_ttl_at_its_time() {
        let store = InMemoryIdempotencyStore::new();
        for (i, expiration_s) in [10, 20, 30].into_iter().enumerate() {
            let outcome = store
                .put_if_absent_or_expired(&record(&format!("k{i}"), expiration_s), 0)
                .await;
            assert!(matches!(outcome, Ok(LockOutcome::Acquired)));
        }
        // Completing moves a record's expiry: k0 now lives to 25 s.
        let done = store.complete_if_owner("k0", "o", "null", 25).await;
        assert!(matches!(done, Ok(FencedOutcome::Done)));
        // At 21 s, k1 (20 s) has expired; k0 (25 s) and k2 (30 s) have not.
        let _ = store
            .put_if_absent_or_expired(&record("k3", 99), 21_000)
            .await;
        let kept = |key: &str| store.records().get(key).unwrap().is_some();
        assert!(!kept("k1") && kept("k0") && kept("k2") && kept("k3"));
        assert_eq!(store.purge_expired(31_000), Ok(2), "k0 and k2");
        assert_eq!(store.len(), 1);
        assert!(matches!(
            store.delete_if_owner("k3", "o").await,
            Ok(FencedOutcome::Done)
        ));
        assert!(store.is_empty());
    }
}
