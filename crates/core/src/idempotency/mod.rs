//! Idempotency: run a body once per key, replay its response to duplicates.
//!
//! The semantics follow Powertools for AWS Lambda's idempotency utility and fix its known
//! faults:
//!
//! - **Lock**: one conditional put (`attribute_not_exists(id) OR expiration < now_s OR
//!   (status = INPROGRESS AND in_progress_expiration < now_ms)`); a lost race returns the
//!   winning record from the same call, so it costs no second read.
//! - **Lease**: the lock lasts until now + the invocation's remaining time, so a crashed
//!   invocation's lock frees itself when its time is up.
//! - **Fencing**: each lock carries an owner token; completing and releasing are conditional
//!   on it, so an invocation whose lease ran out cannot overwrite or delete the record of the
//!   invocation that took over.
//! - **Replay**: a completed record's response (even `null`, `0`, `""`, `[]`) is replayed; a
//!   per-process LRU cache makes a repeated duplicate free.
//!
//! Start with [`IdempotencyEngine`] and an [`IdempotencyStore`]: the embedded
//! [`InMemoryIdempotencyStore`] here, or the DynamoDB store of `orderly-aws`. See
//! `docs/idempotency.md` for a walk-through.

mod cache;
mod clock;
mod config;
mod counting;
mod engine;
mod error;
mod key;
mod memory;
mod record;
mod store;

#[cfg(feature = "contract-tests")]
pub mod contract;

pub use crate::clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use config::{IdempotencyConfig, MissingKey};
pub use counting::{CallCounts, CountingStore};
pub use engine::IdempotencyEngine;
pub use error::IdempotencyError;
pub use key::{
    ENVELOPE_KEY_POINTER, KeySelector, canonical_json, hash_value, is_complete_key, record_key,
};
pub use memory::{IDEMPOTENCY, InMemoryIdempotencyStore};
pub use record::{DerivedStatus, IdempotencyRecord, MAX_ITEM_BYTES, RecordStatus, attr};
pub use store::{FencedOutcome, IdempotencyStore, LockOutcome, StoreError};
