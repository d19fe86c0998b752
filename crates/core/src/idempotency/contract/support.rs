//! Shared helpers of the contract cases.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::idempotency::{
    IdempotencyConfig, IdempotencyEngine, IdempotencyRecord, IdempotencyStore, ManualClock,
    RecordStatus,
};

/// An EventBridge envelope carrying `key` and `data`.
pub(crate) fn event(key: &str, data: Value) -> Value {
    json!({
        "source": "com.orders",
        "detail-type": "OrderCreated",
        "detail": {
            "metadata": {"idempotency-key": key, "correlation-id": "c-1"},
            "data": data,
        }
    })
}

/// A clock at a whole second of the present plus `ms_in_second` milliseconds, so cases can
/// reason about second boundaries.
pub(crate) fn clock_at_ms_in_second(ms_in_second: i64) -> ManualClock {
    let now = ManualClock::starting_now();
    let whole = crate::idempotency::Clock::now_ms(&now).div_euclid(1000) * 1000;
    ManualClock::new(whole + ms_in_second)
}

/// An engine named `name` on `store` with `clock`, configured by `tweak`.
pub(crate) fn engine(
    store: &Arc<dyn IdempotencyStore>,
    clock: &ManualClock,
    tweak: impl FnOnce(IdempotencyConfig) -> IdempotencyConfig,
) -> IdempotencyEngine {
    IdempotencyEngine::new(tweak(IdempotencyConfig::new("contract")), Arc::clone(store))
        .with_clock(Arc::new(clock.clone()))
}

/// The record key the engine derives for `key` with the name `contract`.
pub(crate) fn key_of(key: &str) -> String {
    crate::idempotency::record_key("contract", &json!(key))
}

/// An in-progress record of `owner` at `now_ms`, leased for `lease`, expiring in `ttl_s`.
pub(crate) fn lock_record(
    key: &str,
    owner: &str,
    now_ms: i64,
    lease: Duration,
    ttl_s: i64,
) -> IdempotencyRecord {
    IdempotencyRecord {
        key: key.to_owned(),
        status: RecordStatus::InProgress,
        expiration_s: now_ms.div_euclid(1000) + ttl_s,
        in_progress_expiration_ms: Some(now_ms + lease.as_millis() as i64),
        owner: owner.to_owned(),
        response: None,
        payload_hash: None,
    }
}

/// A long lease, for cases where the lease must not run out.
pub(crate) const LONG: Duration = Duration::from_secs(300);
