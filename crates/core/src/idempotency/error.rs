//! What can go wrong in an idempotent call.

use super::store::StoreError;

/// The error of [`IdempotencyEngine`](super::IdempotencyEngine) calls. `E` is the body's own
/// error type, returned unchanged in [`Handler`](Self::Handler).
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError<E> {
    /// The body ran and failed; its lock was released so a retry runs it again.
    #[error("{0}")]
    Handler(E),
    /// Another invocation holds a live lock on this key. Retry later.
    #[error("idempotency key {key} is already in progress (lease ends at {lease_ends_at_ms:?} ms)")]
    AlreadyInProgress {
        /// The record key.
        key: String,
        /// End of the holder's lease, epoch milliseconds.
        lease_ends_at_ms: Option<i64>,
    },
    /// A record exists for this key but was made from a different payload.
    #[error("payload of idempotency key {key} differs from the payload it was first seen with")]
    PayloadMismatch {
        /// The record key.
        key: String,
    },
    /// The input carries no key at the configured place (or it is `null`).
    #[error("no idempotency key found at {selector}")]
    MissingKey {
        /// Where the key was looked for.
        selector: String,
    },
    /// The body's response is too large to store.
    #[error(
        "response of idempotency key {key} makes a record over the {limit}-byte item limit{}",
        super::store::size_note(*.size)
    )]
    ResponseTooLarge {
        /// The record key.
        key: String,
        /// The record size, when it was measured (`None`: the store refused it for its size).
        size: Option<usize>,
        /// The limit.
        limit: usize,
    },
    /// The store refused the lock but showed no record that justifies it, three times.
    #[error("idempotency record {key} stayed inconsistent after {attempts} attempts")]
    InconsistentState {
        /// The record key.
        key: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The body finished after its lease ran out and another invocation took the record
    /// over; this result was not stored. A retry replays the new owner's outcome.
    #[error("lease on idempotency key {key} was lost before the response was stored")]
    LeaseLost {
        /// The record key.
        key: String,
    },
    /// The input, key or response could not be turned into or out of JSON.
    #[error("idempotency serialization failed: {0}")]
    Serialization(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<E> IdempotencyError<E> {
    /// Whether the same call may succeed later. The body's own errors are the caller's to
    /// judge and report `false` here.
    pub fn is_retryable(&self) -> bool {
        match self {
            IdempotencyError::AlreadyInProgress { .. }
            | IdempotencyError::InconsistentState { .. }
            | IdempotencyError::LeaseLost { .. } => true,
            IdempotencyError::Store(e) => e.is_retryable(),
            IdempotencyError::Handler(_)
            | IdempotencyError::PayloadMismatch { .. }
            | IdempotencyError::MissingKey { .. }
            | IdempotencyError::ResponseTooLarge { .. }
            | IdempotencyError::Serialization(_) => false,
        }
    }

    /// A stable name for the error kind, fit for a Lambda error type that Step Functions
    /// `Retry`/`Catch` match on. The body's errors are named `Handler`.
    pub fn error_name(&self) -> &'static str {
        match self {
            IdempotencyError::Handler(_) => "Handler",
            IdempotencyError::AlreadyInProgress { .. } => "IdempotencyAlreadyInProgress",
            IdempotencyError::PayloadMismatch { .. } => "IdempotencyPayloadMismatch",
            IdempotencyError::MissingKey { .. } => "IdempotencyKeyMissing",
            IdempotencyError::ResponseTooLarge { .. } => "IdempotencyResponseTooLarge",
            IdempotencyError::InconsistentState { .. } => "IdempotencyInconsistentState",
            IdempotencyError::LeaseLost { .. } => "IdempotencyLeaseLost",
            IdempotencyError::Serialization(_) => "IdempotencySerialization",
            IdempotencyError::Store(_) => "IdempotencyStore",
        }
    }

    /// The body's error, if that is what this is.
    pub fn into_handler_error(self) -> Option<E> {
        match self {
            IdempotencyError::Handler(e) => Some(e),
            _ => None,
        }
    }
}
