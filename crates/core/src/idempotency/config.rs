//! Per-consumer settings of the engine.

use std::time::Duration;

use super::key::KeySelector;

/// What to do when the input carries no idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// Fail with [`IdempotencyError::MissingKey`](super::IdempotencyError::MissingKey): a
    /// consumer that expects keys must not silently lose its protection.
    #[default]
    Error,
    /// Run the body without idempotency, logging a warning. An explicit opt-in.
    Skip,
}

/// How one engine derives keys and keeps records.
#[derive(Debug, Clone)]
pub struct IdempotencyConfig {
    /// Stable prefix of every key (the consumer or step name), so two consumers of the same
    /// event keep separate records.
    pub name: String,
    /// Selects the key from the input. Default: the envelope's
    /// `detail.metadata.idempotency-key`.
    pub key: KeySelector,
    /// When set, a hash of these fields is stored, and a duplicate whose fields differ gets
    /// [`IdempotencyError::PayloadMismatch`](super::IdempotencyError::PayloadMismatch).
    pub payload_validation: Option<KeySelector>,
    /// Behaviour when the key is missing or `null`.
    pub missing_key: MissingKey,
    /// How long a completed record replays (and the TTL written to `expiration`).
    pub expires_after: Duration,
    /// Capacity of the per-process LRU cache of completed records; 0 turns it off.
    pub local_cache_capacity: usize,
}

impl IdempotencyConfig {
    /// Defaults for the consumer `name`: envelope key, missing key is an error, one hour
    /// expiry, a 256-entry local cache, no payload validation.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            key: KeySelector::default(),
            payload_validation: None,
            missing_key: MissingKey::Error,
            expires_after: Duration::from_secs(3600),
            local_cache_capacity: 256,
        }
    }

    /// Uses `selector` to find the key.
    pub fn key(mut self, selector: KeySelector) -> Self {
        self.key = selector;
        self
    }

    /// Stores a hash of the fields `selector` picks and rejects duplicates that differ.
    pub fn validate_payload(mut self, selector: KeySelector) -> Self {
        self.payload_validation = Some(selector);
        self
    }

    /// Runs the body unprotected when the key is missing, instead of failing.
    pub fn skip_missing_key(mut self) -> Self {
        self.missing_key = MissingKey::Skip;
        self
    }

    /// Sets how long completed records replay.
    pub fn expires_after(mut self, expires_after: Duration) -> Self {
        self.expires_after = expires_after;
        self
    }

    /// Sets the local cache capacity (0 turns it off).
    pub fn local_cache(mut self, capacity: usize) -> Self {
        self.local_cache_capacity = capacity;
        self
    }
}
