//! The idempotency store port: four conditional operations, nothing more.

use async_trait::async_trait;

use super::record::IdempotencyRecord;

/// Result of trying to take the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockOutcome {
    /// The record was written; the caller owns the lock.
    Acquired,
    /// A live record holds the key. It carries the stored record as the failed conditional
    /// write returned it (`ALL_OLD`), so a lost race costs no second read. `None` only when
    /// the store could not return it (the record vanished in between).
    Held(Option<IdempotencyRecord>),
}

/// Result of an operation fenced on the owner token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FencedOutcome {
    /// The record was in progress and owned by the caller; the operation took effect.
    Done,
    /// The record is gone, completed, or owned by another invocation; nothing changed.
    NotOwner,
}

/// How an item-size error tells its size: measured, or refused by the store itself.
pub(crate) fn size_note(size: Option<usize>) -> String {
    match size {
        Some(size) => format!(" ({size} bytes)"),
        None => " (refused by the store)".to_owned(),
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend could not be reached or refused the call; trying again may succeed.
    #[error("idempotency store unavailable: {0}")]
    Unavailable(String),
    /// The item would exceed the store's item size limit.
    #[error(
        "idempotency record {key} is over the {limit}-byte item limit{}",
        size_note(*.size)
    )]
    ItemTooLarge {
        /// The record key.
        key: String,
        /// Its size, as measured before writing; `None` when the backend refused the item
        /// for its size (it does not say by how much).
        size: Option<usize>,
        /// The limit.
        limit: usize,
    },
    /// A stored item could not be read back as a record.
    #[error("idempotency record {key} is malformed: {reason}")]
    Malformed {
        /// The record key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Any other backend error; retrying will not help.
    #[error("idempotency store error: {0}")]
    Backend(String),
}

impl StoreError {
    /// Whether the same call may succeed if made again.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Where idempotency records live.
///
/// Every implementation must give these operations the same meaning, atomically; the
/// contract suite (`orderly_core::idempotency::contract`, feature `contract-tests`)
/// checks them. Time is passed in by the engine so a store needs no clock.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Writes `record` (an `INPROGRESS` lock) if no record holds its key, or if the holder
    /// can be taken over at `now_ms`: the lock condition is
    /// `attribute_not_exists(id) OR expiration < now_s OR (status = INPROGRESS AND
    /// attribute_exists(in_progress_expiration) AND in_progress_expiration < now_ms)`,
    /// with `now_s` the epoch second of `now_ms` (see
    /// [`IdempotencyRecord::can_be_taken_over_at`]). On a lost race it returns the record
    /// that won, read by the same call.
    async fn put_if_absent_or_expired(
        &self,
        record: &IdempotencyRecord,
        now_ms: i64,
    ) -> Result<LockOutcome, StoreError>;

    /// Marks the record `COMPLETED` with `response` and a new `expiration_s`, only if it is
    /// still `INPROGRESS` and owned by `owner`.
    async fn complete_if_owner(
        &self,
        key: &str,
        owner: &str,
        response: &str,
        expiration_s: i64,
    ) -> Result<FencedOutcome, StoreError>;

    /// Deletes the record, only if it is still `INPROGRESS` and owned by `owner`.
    async fn delete_if_owner(&self, key: &str, owner: &str) -> Result<FencedOutcome, StoreError>;

    /// Reads the record as stored, whatever its status or expiry.
    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError>;
}

/// A shared store is a store, so wrappers and engines can hold `Arc<dyn IdempotencyStore>`.
#[async_trait]
impl<T: IdempotencyStore + ?Sized> IdempotencyStore for std::sync::Arc<T> {
    async fn put_if_absent_or_expired(
        &self,
        record: &IdempotencyRecord,
        now_ms: i64,
    ) -> Result<LockOutcome, StoreError> {
        (**self).put_if_absent_or_expired(record, now_ms).await
    }

    async fn complete_if_owner(
        &self,
        key: &str,
        owner: &str,
        response: &str,
        expiration_s: i64,
    ) -> Result<FencedOutcome, StoreError> {
        (**self)
            .complete_if_owner(key, owner, response, expiration_s)
            .await
    }

    async fn delete_if_owner(&self, key: &str, owner: &str) -> Result<FencedOutcome, StoreError> {
        (**self).delete_if_owner(key, owner).await
    }

    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        (**self).get(key).await
    }
}
