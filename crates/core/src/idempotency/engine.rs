//! The engine: lock, run once, store the response, replay it to duplicates.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::cache::LocalCache;
use super::clock::seconds_of;
use super::config::{IdempotencyConfig, MissingKey};
use super::error::IdempotencyError;
use super::key::{hash_value, is_complete_key, record_key};
use super::record::{DerivedStatus, IdempotencyRecord, MAX_ITEM_BYTES, RecordStatus};
use super::store::{FencedOutcome, IdempotencyStore, LockOutcome, StoreError};
use crate::clock::{Clock, SystemClock};

/// Retries after an inconsistent lock result; the first attempt is not counted.
const MAX_INCONSISTENT_RETRIES: u32 = 2;

/// Makes any async body idempotent: a whole handler, one step inside a handler, or one record
/// of a batch.
///
/// Build one per consumer (or per step) at cold start and share it; it is cheap to call and
/// holds the per-process cache.
///
/// ```
/// # use std::{sync::Arc, time::Duration};
/// # use orderly_core::idempotency::*;
/// # async fn demo() -> Result<(), IdempotencyError<std::io::Error>> {
/// let store = Arc::new(InMemoryIdempotencyStore::new());
/// let engine = IdempotencyEngine::new(IdempotencyConfig::new("ship-order"), store);
/// let event = serde_json::json!({"detail": {"metadata": {"idempotency-key": "k-1"}}});
/// let shipment: String = engine
///     .run(&event, Duration::from_secs(30), || async { Ok("shipment-1".to_string()) })
///     .await?;
/// # Ok(()) }
/// ```
pub struct IdempotencyEngine {
    config: IdempotencyConfig,
    store: Arc<dyn IdempotencyStore>,
    clock: Arc<dyn Clock>,
    cache: Option<LocalCache>,
}

impl fmt::Debug for IdempotencyEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdempotencyEngine")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What the engine keys a call on, before hashing.
struct Request<'a> {
    key: Option<Cow<'a, Value>>,
    payload_hash: Option<String>,
}

impl IdempotencyEngine {
    /// An engine over `store` with the system clock.
    pub fn new(config: IdempotencyConfig, store: Arc<dyn IdempotencyStore>) -> Self {
        let cache = LocalCache::new(config.local_cache_capacity);
        Self {
            config,
            store,
            clock: Arc::new(SystemClock),
            cache,
        }
    }

    /// Replaces the clock (tests use [`ManualClock`](super::ManualClock)).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configuration.
    pub fn config(&self) -> &IdempotencyConfig {
        &self.config
    }

    /// Counts a duplicate answered from its record, under the consumer's name.
    fn suppressed(&self) {
        crate::telemetry::metrics::count(
            &self.config.name,
            crate::telemetry::metrics::DUPLICATES_SUPPRESSED,
            1,
        );
    }

    /// Now, in epoch milliseconds, by this engine's clock (the clock the handler's other
    /// timings should agree with).
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The engine's clock: the one clock of the function, which its handler reads for
    /// every other time too (event timestamps, TTLs).
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// Time left until `deadline_epoch_ms` (a Lambda context's `deadline`), by this engine's
    /// clock; zero once it has passed.
    pub fn remaining_until(&self, deadline_epoch_ms: u64) -> Duration {
        crate::clock::time_left(deadline_epoch_ms, self.clock.now_ms())
    }

    /// Runs `body` at most once per key found in `input` (by the configured key selector)
    /// and returns its response, or the stored response of an earlier run.
    ///
    /// `remaining` is the invocation's remaining time: the lock is leased until now +
    /// `remaining`, so a crashed invocation's lock frees itself when its time is up.
    pub async fn run<I, R, E, F, Fut>(
        &self,
        input: &I,
        remaining: Duration,
        body: F,
    ) -> Result<R, IdempotencyError<E>>
    where
        I: Serialize + ?Sized,
        R: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let input = serde_json::to_value(input)
            .map_err(|e| IdempotencyError::Serialization(format!("input: {e}")))?;
        self.run_json(&input, remaining, body).await
    }

    /// [`run`](Self::run) for an input that is already JSON, sparing a conversion.
    pub async fn run_json<R, E, F, Fut>(
        &self,
        input: &Value,
        remaining: Duration,
        body: F,
    ) -> Result<R, IdempotencyError<E>>
    where
        R: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let payload_hash = self.config.payload_validation.as_ref().map(|selector| {
            // A missing field hashes as null, so losing a field is a mismatch too.
            hash_value(selector.select(input).as_deref().unwrap_or(&Value::Null))
        });
        let request = Request {
            key: self.config.key.select_key(input),
            payload_hash,
        };
        self.execute(request, remaining, body).await
    }

    /// Runs `body` at most once per `key`, given directly (for example
    /// `(order_id, "reserve-item")` for one step of a workflow). The configured key selector
    /// and payload validation are not used. A `null` key, or one with a `null` part (a
    /// `None` in a tuple or a struct's field), counts as missing ([`is_complete_key`]).
    pub async fn run_keyed<K, R, E, F, Fut>(
        &self,
        key: &K,
        remaining: Duration,
        body: F,
    ) -> Result<R, IdempotencyError<E>>
    where
        K: Serialize + ?Sized,
        R: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let key = serde_json::to_value(key)
            .map_err(|e| IdempotencyError::Serialization(format!("key: {e}")))?;
        let request = Request {
            key: is_complete_key(&key).then_some(Cow::Owned(key)),
            payload_hash: None,
        };
        self.execute(request, remaining, body).await
    }

    /// [`run_keyed`](Self::run_keyed) that also validates the payload: the hash of `payload`
    /// is stored with the record, and a later call with the same key but another payload gets
    /// [`IdempotencyError::PayloadMismatch`] instead of the first call's response (the reuse
    /// of a key for a different request, which an HTTP API answers with 422). The configured
    /// payload validation is not used; `payload` is what is compared.
    pub async fn run_keyed_checked<K, P, R, E, F, Fut>(
        &self,
        key: &K,
        payload: &P,
        remaining: Duration,
        body: F,
    ) -> Result<R, IdempotencyError<E>>
    where
        K: Serialize + ?Sized,
        P: Serialize + ?Sized,
        R: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let key = serde_json::to_value(key)
            .map_err(|e| IdempotencyError::Serialization(format!("key: {e}")))?;
        let payload = serde_json::to_value(payload)
            .map_err(|e| IdempotencyError::Serialization(format!("payload: {e}")))?;
        let request = Request {
            key: is_complete_key(&key).then_some(Cow::Owned(key)),
            payload_hash: Some(hash_value(&payload)),
        };
        self.execute(request, remaining, body).await
    }

    async fn execute<R, E, F, Fut>(
        &self,
        request: Request<'_>,
        remaining: Duration,
        body: F,
    ) -> Result<R, IdempotencyError<E>>
    where
        R: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<R, E>>,
    {
        let Some(selected) = request.key else {
            return match self.config.missing_key {
                MissingKey::Error => Err(IdempotencyError::MissingKey {
                    selector: self.config.key.to_string(),
                }),
                MissingKey::Skip => {
                    tracing::warn!(
                        name = %self.config.name,
                        "no idempotency key found; running without idempotency"
                    );
                    body().await.map_err(IdempotencyError::Handler)
                }
            };
        };
        let key = record_key(&self.config.name, &selected);
        let payload_hash = request.payload_hash;

        if let Some(cached) = self
            .cache
            .as_ref()
            .and_then(|c| c.get(&key, self.clock.now_ms()))
        {
            check_payload(&cached, payload_hash.as_deref())?;
            tracing::debug!(%key, "replaying cached idempotent response");
            self.suppressed();
            return replay(&cached);
        }

        let owner = uuid::Uuid::new_v4().to_string();
        let lease = i64::try_from(remaining.as_millis()).unwrap_or(i64::MAX);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let now_ms = self.clock.now_ms();
            let lock = IdempotencyRecord {
                key: key.clone(),
                status: RecordStatus::InProgress,
                expiration_s: self.expiration_from(now_ms),
                in_progress_expiration_ms: Some(now_ms.saturating_add(lease)),
                owner: owner.clone(),
                response: None,
                payload_hash: payload_hash.clone(),
            };
            let existing = match self.store.put_if_absent_or_expired(&lock, now_ms).await {
                Ok(LockOutcome::Acquired) => break,
                Ok(LockOutcome::Held(Some(existing))) => Some(existing),
                // Only a store that cannot return the old item pays for this read.
                Ok(LockOutcome::Held(None)) => self.store.get(&key).await?,
                Err(StoreError::ItemTooLarge { size, limit, .. }) => {
                    return Err(IdempotencyError::ResponseTooLarge { key, size, limit });
                }
                Err(e) => return Err(e.into()),
            };
            let holder = match existing {
                Some(r) if r.status_at(now_ms) != DerivedStatus::Expired => r,
                // The lock was refused, yet no live record explains why: the record changed
                // between the write and the read. Try again, a bounded number of times.
                _ if attempt <= MAX_INCONSISTENT_RETRIES => {
                    tracing::debug!(%key, attempt, "inconsistent idempotency record; retrying");
                    continue;
                }
                _ => {
                    return Err(IdempotencyError::InconsistentState {
                        key,
                        attempts: attempt,
                    });
                }
            };
            check_payload(&holder, payload_hash.as_deref())?;
            return match holder.status {
                RecordStatus::InProgress => Err(IdempotencyError::AlreadyInProgress {
                    key,
                    lease_ends_at_ms: holder.in_progress_expiration_ms,
                }),
                RecordStatus::Completed => {
                    if let Some(cache) = &self.cache {
                        cache.put(&holder);
                    }
                    tracing::debug!(%key, "replaying stored idempotent response");
                    self.suppressed();
                    replay(&holder)
                }
            };
        }

        // We own the lock. A panic in the body releases it before unwinding, so a retry need
        // not wait for the lease to run out.
        let outcome = AssertUnwindSafe(async move { body().await })
            .catch_unwind()
            .await;
        let response = match outcome {
            Err(panic) => {
                self.release(&key, &owner).await;
                std::panic::resume_unwind(panic);
            }
            Ok(Err(e)) => {
                self.release(&key, &owner).await;
                return Err(IdempotencyError::Handler(e));
            }
            Ok(Ok(response)) => response,
        };
        self.store_response(key, &owner, payload_hash, response)
            .await
    }

    async fn store_response<R, E>(
        &self,
        key: String,
        owner: &str,
        payload_hash: Option<String>,
        response: R,
    ) -> Result<R, IdempotencyError<E>>
    where
        R: Serialize,
    {
        let text = match serde_json::to_string(&response) {
            Ok(text) => text,
            Err(e) => {
                self.release(&key, owner).await;
                return Err(IdempotencyError::Serialization(format!("response: {e}")));
            }
        };
        let completed = IdempotencyRecord {
            key,
            status: RecordStatus::Completed,
            expiration_s: self.expiration_from(self.clock.now_ms()),
            in_progress_expiration_ms: None,
            owner: owner.to_owned(),
            response: Some(text),
            payload_hash,
        };
        let size = completed.item_size();
        if size > MAX_ITEM_BYTES {
            self.release(&completed.key, owner).await;
            return Err(IdempotencyError::ResponseTooLarge {
                key: completed.key,
                size: Some(size),
                limit: MAX_ITEM_BYTES,
            });
        }
        let text = completed.response.as_deref().unwrap_or("null");
        match self
            .store
            .complete_if_owner(&completed.key, owner, text, completed.expiration_s)
            .await
        {
            Ok(FencedOutcome::Done) => {
                if let Some(cache) = &self.cache {
                    cache.put(&completed);
                }
                Ok(response)
            }
            Ok(FencedOutcome::NotOwner) => {
                tracing::warn!(key = %completed.key, "idempotency lease lost before completion");
                Err(IdempotencyError::LeaseLost { key: completed.key })
            }
            Err(StoreError::ItemTooLarge { size, limit, .. }) => {
                self.release(&completed.key, owner).await;
                Err(IdempotencyError::ResponseTooLarge {
                    key: completed.key,
                    size,
                    limit,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes our lock after a failure. A failed delete is logged, not returned: the body's
    /// own failure matters more, and the lease frees the lock anyway.
    async fn release(&self, key: &str, owner: &str) {
        match self.store.delete_if_owner(key, owner).await {
            Ok(FencedOutcome::Done) => {}
            Ok(FencedOutcome::NotOwner) => {
                tracing::warn!(%key, "idempotency lock was taken over; left it to its new owner");
            }
            Err(e) => tracing::warn!(%key, error = %e, "could not release idempotency lock"),
        }
    }

    fn expiration_from(&self, now_ms: i64) -> i64 {
        let ttl = i64::try_from(self.config.expires_after.as_secs()).unwrap_or(i64::MAX);
        seconds_of(now_ms).saturating_add(ttl)
    }
}

fn check_payload<E>(
    record: &IdempotencyRecord,
    payload_hash: Option<&str>,
) -> Result<(), IdempotencyError<E>> {
    // A record written before validation was turned on has no hash and is not judged.
    match (payload_hash, record.payload_hash.as_deref()) {
        (Some(ours), Some(stored)) if ours != stored => Err(IdempotencyError::PayloadMismatch {
            key: record.key.clone(),
        }),
        _ => Ok(()),
    }
}

fn replay<R: DeserializeOwned, E>(record: &IdempotencyRecord) -> Result<R, IdempotencyError<E>> {
    let Some(text) = record.response.as_deref() else {
        return Err(StoreError::Malformed {
            key: record.key.clone(),
            reason: "completed record has no response".into(),
        }
        .into());
    };
    serde_json::from_str(text)
        .map_err(|e| IdempotencyError::Serialization(format!("stored response: {e}")))
}
