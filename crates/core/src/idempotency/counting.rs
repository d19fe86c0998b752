//! A store wrapper that counts round trips, to show what each path of the engine costs.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use super::record::IdempotencyRecord;
use super::store::{FencedOutcome, IdempotencyStore, LockOutcome, StoreError};

/// Calls made to a store, by operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallCounts {
    /// `put_if_absent_or_expired` calls.
    pub put: usize,
    /// `complete_if_owner` calls.
    pub complete: usize,
    /// `delete_if_owner` calls.
    pub delete: usize,
    /// `get` calls.
    pub get: usize,
}

impl CallCounts {
    /// All calls: the round trips to the backing store.
    pub fn total(&self) -> usize {
        self.put + self.complete + self.delete + self.get
    }
}

/// Wraps a store and counts the calls made through it.
#[derive(Debug, Default)]
pub struct CountingStore<S> {
    inner: S,
    put: AtomicUsize,
    complete: AtomicUsize,
    delete: AtomicUsize,
    get: AtomicUsize,
}

impl<S> CountingStore<S> {
    /// Wraps `inner`, with every count at zero.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            put: AtomicUsize::new(0),
            complete: AtomicUsize::new(0),
            delete: AtomicUsize::new(0),
            get: AtomicUsize::new(0),
        }
    }

    /// The counts so far.
    pub fn counts(&self) -> CallCounts {
        CallCounts {
            put: self.put.load(Ordering::SeqCst),
            complete: self.complete.load(Ordering::SeqCst),
            delete: self.delete.load(Ordering::SeqCst),
            get: self.get.load(Ordering::SeqCst),
        }
    }

    /// Sets every count back to zero.
    pub fn reset(&self) {
        for c in [&self.put, &self.complete, &self.delete, &self.get] {
            c.store(0, Ordering::SeqCst);
        }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }
}

#[async_trait]
impl<S: IdempotencyStore> IdempotencyStore for CountingStore<S> {
    async fn put_if_absent_or_expired(
        &self,
        record: &IdempotencyRecord,
        now_ms: i64,
    ) -> Result<LockOutcome, StoreError> {
        self.put.fetch_add(1, Ordering::SeqCst);
        self.inner.put_if_absent_or_expired(record, now_ms).await
    }

    async fn complete_if_owner(
        &self,
        key: &str,
        owner: &str,
        response: &str,
        expiration_s: i64,
    ) -> Result<FencedOutcome, StoreError> {
        self.complete.fetch_add(1, Ordering::SeqCst);
        self.inner
            .complete_if_owner(key, owner, response, expiration_s)
            .await
    }

    async fn delete_if_owner(&self, key: &str, owner: &str) -> Result<FencedOutcome, StoreError> {
        self.delete.fetch_add(1, Ordering::SeqCst);
        self.inner.delete_if_owner(key, owner).await
    }

    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.get.fetch_add(1, Ordering::SeqCst);
        self.inner.get(key).await
    }
}
