//! Faults the cloud can be told to inject, at the places AWS's own failures happen: an
//! at-least-once hop delivering twice, a function dying after its side effect, a throttle,
//! a store call failing, a PutEvents entry refused, a task finishing after its state gave
//! up on it, messages overtaking each other, a message seen again while it is being
//! processed. The cloud asks a [`Faults`] at each of those places; [`NoFaults`] (every
//! cloud but the chaos harness's) never strikes.

use async_trait::async_trait;
use orderly_core::idempotency::{
    FencedOutcome, IdempotencyRecord, IdempotencyStore, LockOutcome, StoreError,
};
use std::sync::Arc;

/// A kind of fault, at the hop where it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// An at-least-once hop delivers a second copy: a rule to its target, a send to a
    /// standard queue, an asynchronous invocation.
    Duplicate,
    /// The function dies after its side effects, before it answers: its idempotency
    /// record stays in progress and the caller sees an error.
    Crash,
    /// Lambda refuses the invocation (`TooManyRequestsException`).
    Throttle,
    /// An idempotency store call fails with a transient error.
    StoreError,
    /// PutEvents refuses one entry (`InternalFailure`); the others go through.
    PutEventsFailure,
    /// A Lambda task's invocation runs late, so it may finish after its state timed out or
    /// its Parallel branch was cancelled (Step Functions does not stop the function).
    LateCompletion,
    /// A message sent to a standard queue is delayed, so later ones overtake it.
    Reorder,
    /// A message becomes visible again while its first receive is being processed.
    EarlyRedelivery,
}

impl Fault {
    /// Every fault, in report order.
    pub const ALL: [Fault; 8] = [
        Fault::Duplicate,
        Fault::Crash,
        Fault::Throttle,
        Fault::StoreError,
        Fault::PutEventsFailure,
        Fault::LateCompletion,
        Fault::Reorder,
        Fault::EarlyRedelivery,
    ];

    /// The fault named `name` ([`Fault::name`]).
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The fault's name in reports and flags (`duplicate`, `crash`, …).
    pub fn name(self) -> &'static str {
        match self {
            Fault::Duplicate => "duplicate",
            Fault::Crash => "crash",
            Fault::Throttle => "throttle",
            Fault::StoreError => "store-error",
            Fault::PutEventsFailure => "put-events-failure",
            Fault::LateCompletion => "late-completion",
            Fault::Reorder => "reorder",
            Fault::EarlyRedelivery => "early-redelivery",
        }
    }
}

/// Decides, at each place a fault can happen, whether it happens now.
pub trait Faults: Send + Sync {
    /// Whether `fault` strikes at `site` (a function, queue or rule target) this time.
    fn strike(&self, fault: Fault, site: &str) -> bool;
    /// A duration in `[0, max_ms)` for a fault that delays (reordering, a late task).
    fn delay_ms(&self, max_ms: i64) -> i64;
    /// Whether this plan also draws Retry's FULL jitter ([`Faults::jitter`]), so that a
    /// seeded plan replays the same timing.
    fn draws_jitter(&self) -> bool {
        false
    }
    /// The FULL-jitter fraction of a Retry's wait, in `[0, 1)`.
    fn jitter(&self) -> f64 {
        0.5
    }
}

/// Never strikes.
pub struct NoFaults;

impl Faults for NoFaults {
    fn strike(&self, _fault: Fault, _site: &str) -> bool {
        false
    }
    fn delay_ms(&self, _max_ms: i64) -> i64 {
        0
    }
}

tokio::task_local! {
    /// Set while an invocation that is going to crash runs: its idempotency records are
    /// left in progress, as a process that died before writing them would leave them.
    static CRASHING: ();
}

/// Runs `invocation` as one that dies after its side effects: every idempotency record
/// it would complete or release stays in progress.
pub async fn crashing<T>(invocation: impl std::future::Future<Output = T>) -> T {
    CRASHING.scope((), invocation).await
}

fn is_crashing() -> bool {
    CRASHING.try_with(|()| ()).is_ok()
}

/// The idempotency store as a function sees it under faults: calls may fail transiently,
/// and a crashing invocation never completes or releases its records.
pub struct FaultyIdempotencyStore {
    inner: Arc<dyn IdempotencyStore>,
    faults: Arc<dyn Faults>,
    site: String,
}

impl FaultyIdempotencyStore {
    /// `inner` with `faults`, named `site` (the table) in fault decisions.
    pub fn new(inner: Arc<dyn IdempotencyStore>, faults: Arc<dyn Faults>, site: &str) -> Self {
        Self {
            inner,
            faults,
            site: site.to_owned(),
        }
    }

    fn fail(&self) -> Result<(), StoreError> {
        if self.faults.strike(Fault::StoreError, &self.site) {
            Err(StoreError::Unavailable(
                "injected: the table did not answer".to_owned(),
            ))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl IdempotencyStore for FaultyIdempotencyStore {
    async fn put_if_absent_or_expired(
        &self,
        record: &IdempotencyRecord,
        now_ms: i64,
    ) -> Result<LockOutcome, StoreError> {
        self.fail()?;
        self.inner.put_if_absent_or_expired(record, now_ms).await
    }

    async fn complete_if_owner(
        &self,
        key: &str,
        owner: &str,
        response: &str,
        expiration_s: i64,
    ) -> Result<FencedOutcome, StoreError> {
        if is_crashing() {
            // The process is gone before this write: the record stays in progress.
            return Ok(FencedOutcome::Done);
        }
        self.fail()?;
        self.inner
            .complete_if_owner(key, owner, response, expiration_s)
            .await
    }

    async fn delete_if_owner(&self, key: &str, owner: &str) -> Result<FencedOutcome, StoreError> {
        if is_crashing() {
            return Ok(FencedOutcome::Done);
        }
        self.fail()?;
        self.inner.delete_if_owner(key, owner).await
    }

    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.fail()?;
        self.inner.get(key).await
    }
}
