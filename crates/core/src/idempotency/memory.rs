//! The embedded store: same conditions as the DynamoDB store, held in process memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::clock::seconds_of;
use super::record::{IdempotencyRecord, MAX_ITEM_BYTES, RecordStatus};
use super::store::{FencedOutcome, IdempotencyStore, LockOutcome, StoreError};

/// An in-memory [`IdempotencyStore`], atomic under concurrency.
///
/// Every operation takes one lock over the whole map and runs its check and its write under
/// it, which is what a DynamoDB conditional write does for one item. It enforces the same
/// 400 KB item limit so a response that would fail on AWS fails locally too.
#[derive(Debug, Default)]
pub struct InMemoryIdempotencyStore {
    records: Mutex<HashMap<String, IdempotencyRecord>>,
    /// The longest lease (lock expiry minus the time it was asked at) any lock asked for,
    /// in milliseconds: a lease is the invocation's time left, so one of hours means the
    /// engine and the invocation read different clocks.
    longest_lease_ms: AtomicI64,
}

impl InMemoryIdempotencyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of records held, expired or not.
    pub fn len(&self) -> usize {
        self.records().len()
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
    pub fn purge_expired(&self, now_ms: i64) -> usize {
        let now_s = seconds_of(now_ms);
        let mut records = self.records();
        let before = records.len();
        records.retain(|_, r| r.expiration_s >= now_s);
        before - records.len()
    }

    fn records(&self) -> MutexGuard<'_, HashMap<String, IdempotencyRecord>> {
        // No code panics while holding the lock, so a poisoned map is still consistent.
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
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
        let mut records = self.records();
        match records.get(&record.key) {
            Some(existing) if !existing.can_be_taken_over_at(now_ms) => {
                Ok(LockOutcome::Held(Some(existing.clone())))
            }
            _ => {
                records.insert(record.key.clone(), record.clone());
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
        let mut records = self.records();
        let Some(existing) = records.get_mut(key) else {
            return Ok(FencedOutcome::NotOwner);
        };
        if !owned_in_progress(existing, owner) {
            return Ok(FencedOutcome::NotOwner);
        }
        let mut completed = existing.clone();
        completed.status = RecordStatus::Completed;
        completed.response = Some(response.to_owned());
        completed.expiration_s = expiration_s;
        // As the DynamoDB store's update does: a completed record has no lease.
        completed.in_progress_expiration_ms = None;
        check_size(&completed)?;
        *existing = completed;
        Ok(FencedOutcome::Done)
    }

    async fn delete_if_owner(&self, key: &str, owner: &str) -> Result<FencedOutcome, StoreError> {
        let mut records = self.records();
        match records.get(key) {
            Some(existing) if owned_in_progress(existing, owner) => {
                records.remove(key);
                Ok(FencedOutcome::Done)
            }
            _ => Ok(FencedOutcome::NotOwner),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self.records().get(key).cloned())
    }
}
