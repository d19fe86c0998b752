//! Engine behaviour that does not depend on the store: keys, missing keys, retries of
//! inconsistent reads, error classification.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use orderly_core::idempotency::{
    CountingStore, FencedOutcome, IdempotencyConfig, IdempotencyEngine, IdempotencyError,
    IdempotencyRecord, IdempotencyStore, InMemoryIdempotencyStore, KeySelector, LockOutcome,
    ManualClock, StoreError,
};
use serde_json::{Value, json};

const LEASE: Duration = Duration::from_secs(30);

fn envelope(key: Value) -> Value {
    json!({"detail": {"metadata": {"idempotency-key": key}, "data": {"orderId": "o-1"}}})
}

fn engine_on(store: Arc<dyn IdempotencyStore>, config: IdempotencyConfig) -> IdempotencyEngine {
    IdempotencyEngine::new(config, store).with_clock(Arc::new(ManualClock::new(1_700_000_000_000)))
}

fn memory() -> Arc<dyn IdempotencyStore> {
    Arc::new(InMemoryIdempotencyStore::new())
}

#[derive(Default, Clone)]
struct Runs(Arc<AtomicUsize>);

impl Runs {
    fn body(&self, reply: u32) -> impl FnOnce() -> std::future::Ready<Result<u32, String>> {
        let runs = self.0.clone();
        move || {
            runs.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(reply))
        }
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[tokio::test]
async fn missing_or_null_key_is_an_error_and_the_body_does_not_run() {
    let engine = engine_on(memory(), IdempotencyConfig::new("ship-order"));
    let runs = Runs::default();
    for input in [
        json!({"detail": {}}),
        envelope(Value::Null),
        json!("not an envelope"),
    ] {
        let outcome = engine.run(&input, LEASE, runs.body(1)).await;
        match outcome {
            Err(IdempotencyError::MissingKey { selector }) => {
                assert_eq!(selector, "/detail/metadata/idempotency-key");
            }
            other => panic!("{input}: expected MissingKey, got {other:?}"),
        }
    }
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn a_key_with_a_missing_part_is_missing_and_the_body_does_not_run() {
    let runs = Runs::default();
    let engine = engine_on(memory(), IdempotencyConfig::new("reserve-stock"));
    let sku: Option<&str> = None;
    let keyed = engine.run_keyed(&("o-1", sku), LEASE, runs.body(1)).await;
    assert!(
        matches!(keyed, Err(IdempotencyError::MissingKey { .. })),
        "{keyed:?}"
    );
    let by_fields = engine_on(
        memory(),
        IdempotencyConfig::new("reserve-stock").key(KeySelector::pointers(["/orderId", "/sku"])),
    );
    let selected = by_fields
        .run(&json!({"orderId": "o-1"}), LEASE, runs.body(2))
        .await;
    assert!(
        matches!(selected, Err(IdempotencyError::MissingKey { .. })),
        "{selected:?}"
    );
    assert_eq!(runs.count(), 0);
}

#[tokio::test]
async fn skipping_missing_keys_is_an_explicit_opt_in_that_runs_unprotected() {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    let engine = engine_on(
        store.clone(),
        IdempotencyConfig::new("audit").skip_missing_key(),
    );
    let runs = Runs::default();
    for _ in 0..2 {
        let outcome = engine.run(&json!({}), LEASE, runs.body(1)).await;
        assert_eq!(outcome.ok(), Some(1));
    }
    assert_eq!(runs.count(), 2, "no key, no protection: both calls ran");
    assert!(store.is_empty(), "nothing was recorded");
}

#[tokio::test]
async fn key_is_the_same_whatever_the_order_of_its_fields() {
    let engine = engine_on(memory(), IdempotencyConfig::new("reserve"));
    let runs = Runs::default();
    let a: Value = serde_json::from_str(r#"{"order":"o-1","line":2}"#).unwrap_or_default();
    let b: Value = serde_json::from_str(r#"{"line":2,"order":"o-1"}"#).unwrap_or_default();
    assert_eq!(
        engine.run(&envelope(a), LEASE, runs.body(1)).await.ok(),
        Some(1)
    );
    assert_eq!(
        engine.run(&envelope(b), LEASE, runs.body(2)).await.ok(),
        Some(1)
    );
    assert_eq!(runs.count(), 1);
}

#[tokio::test]
async fn consumers_with_different_names_keep_separate_records() {
    let store = memory();
    let runs = Runs::default();
    for name in ["notify-customer", "audit"] {
        let engine = engine_on(store.clone(), IdempotencyConfig::new(name));
        let outcome = engine
            .run(&envelope(json!("k-1")), LEASE, runs.body(1))
            .await;
        assert_eq!(outcome.ok(), Some(1));
    }
    assert_eq!(runs.count(), 2);
}

#[tokio::test]
async fn custom_key_selector_keys_a_state_machine_task_on_order_and_step() {
    let store = memory();
    let runs = Runs::default();
    let task_input = json!({"orderId": "o-7", "attempt": 3});
    for step in ["reserve-item", "authorize-payment", "reserve-item"] {
        let engine = engine_on(
            store.clone(),
            IdempotencyConfig::new(step).key(KeySelector::pointer("/orderId")),
        );
        engine.run(&task_input, LEASE, runs.body(1)).await.ok();
    }
    assert_eq!(
        runs.count(),
        2,
        "a Step Functions retry of reserve-item had no effect"
    );
}

#[tokio::test]
async fn run_keyed_protects_one_step_inside_a_handler() {
    let engine = engine_on(memory(), IdempotencyConfig::new("place-order"));
    let runs = Runs::default();
    let charge = engine
        .run_keyed(&("o-1", "charge"), LEASE, runs.body(10))
        .await;
    let again = engine
        .run_keyed(&("o-1", "charge"), LEASE, runs.body(20))
        .await;
    let email = engine
        .run_keyed(&("o-1", "email"), LEASE, runs.body(30))
        .await;
    assert_eq!(
        (charge.ok(), again.ok(), email.ok()),
        (Some(10), Some(10), Some(30))
    );
    assert_eq!(runs.count(), 2);
    let null = engine.run_keyed(&Value::Null, LEASE, runs.body(1)).await;
    assert!(
        matches!(null, Err(IdempotencyError::MissingKey { .. })),
        "{null:?}"
    );
}

#[tokio::test]
async fn run_keyed_checked_replays_the_same_payload_and_refuses_another() {
    let engine = engine_on(memory(), IdempotencyConfig::new("place-order"));
    let runs = Runs::default();
    let first = engine
        .run_keyed_checked(&"k-1", &json!({"total": 10}), LEASE, runs.body(10))
        .await;
    let same = engine
        .run_keyed_checked(&"k-1", &json!({"total": 10}), LEASE, runs.body(20))
        .await;
    let other = engine
        .run_keyed_checked(&"k-1", &json!({"total": 99}), LEASE, runs.body(30))
        .await;
    assert_eq!((first.ok(), same.ok()), (Some(10), Some(10)));
    assert!(
        matches!(other, Err(IdempotencyError::PayloadMismatch { .. })),
        "{other:?}"
    );
    assert_eq!(runs.count(), 1);
}

/// A store whose lock is refused `inconsistent` times with no record to show for it (the
/// record vanished between the write and the read), then behaves.
struct Vanishing {
    inner: InMemoryIdempotencyStore,
    inconsistent: AtomicUsize,
    expired_instead: bool,
}

#[async_trait]
impl IdempotencyStore for Vanishing {
    async fn put_if_absent_or_expired(
        &self,
        record: &IdempotencyRecord,
        now_ms: i64,
    ) -> Result<LockOutcome, StoreError> {
        let left = self.inconsistent.load(Ordering::SeqCst);
        if left > 0 {
            self.inconsistent.store(left - 1, Ordering::SeqCst);
            if self.expired_instead {
                // A record that the condition should have let us replace.
                let mut stale = record.clone();
                stale.expiration_s = now_ms / 1000 - 10;
                return Ok(LockOutcome::Held(Some(stale)));
            }
            return Ok(LockOutcome::Held(None));
        }
        self.inner.put_if_absent_or_expired(record, now_ms).await
    }
    async fn complete_if_owner(
        &self,
        key: &str,
        owner: &str,
        response: &str,
        expiration_s: i64,
    ) -> Result<FencedOutcome, StoreError> {
        self.inner
            .complete_if_owner(key, owner, response, expiration_s)
            .await
    }
    async fn delete_if_owner(&self, key: &str, owner: &str) -> Result<FencedOutcome, StoreError> {
        self.inner.delete_if_owner(key, owner).await
    }
    async fn get(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        if self.inconsistent.load(Ordering::SeqCst) > 0 || self.expired_instead {
            return Ok(None);
        }
        self.inner.get(key).await
    }
}

#[tokio::test]
async fn inconsistent_state_is_retried_at_most_twice() {
    // (refusals without a record, record instead of none, expected outcome, puts made)
    let cases = [
        (1, false, Some(1), 2),
        (2, false, Some(1), 3),
        (3, false, None, 3),
        (2, true, Some(1), 3),
        (3, true, None, 3),
    ];
    for (refusals, expired_instead, expected, puts) in cases {
        let store = Arc::new(CountingStore::new(Vanishing {
            inner: InMemoryIdempotencyStore::new(),
            inconsistent: AtomicUsize::new(refusals),
            expired_instead,
        }));
        let engine = engine_on(store.clone(), IdempotencyConfig::new("c"));
        let runs = Runs::default();
        let outcome = engine.run(&envelope(json!("k")), LEASE, runs.body(1)).await;
        match expected {
            Some(v) => assert_eq!(outcome.ok(), Some(v), "{refusals} refusals"),
            None => assert!(
                matches!(
                    outcome,
                    Err(IdempotencyError::InconsistentState { attempts: 3, .. })
                ),
                "{refusals} refusals: {outcome:?}"
            ),
        }
        assert_eq!(store.counts().put, puts, "{refusals} refusals");
        assert!(runs.count() <= 1);
    }
}

/// The largest response that fits in one item is stored and replayed; one byte more fails
/// as `ResponseTooLarge` and leaves no lock behind. The size counted is the completed
/// item's, which keeps no lease.
#[tokio::test]
async fn the_item_limit_is_exact_for_the_completed_record() {
    use orderly_core::idempotency::{MAX_ITEM_BYTES, RecordStatus, record_key};
    let now_ms = 1_700_000_000_000;
    let store = Arc::new(InMemoryIdempotencyStore::new());
    let engine = engine_on(store.clone(), IdempotencyConfig::new("edge"));
    // What the completed item holds besides the response: key, status, expiry, owner (a
    // 36-character token) and the response's attribute name.
    let frame = |key: &str| {
        IdempotencyRecord {
            key: record_key("edge", &json!(key)),
            status: RecordStatus::Completed,
            expiration_s: now_ms / 1000 + 3600,
            in_progress_expiration_ms: None,
            owner: "0".repeat(36),
            response: Some(String::new()),
            payload_hash: None,
        }
        .item_size()
    };
    // A JSON string response of n characters is stored as n + 2 bytes of text.
    let fits = MAX_ITEM_BYTES - frame("k-fits") - 2;
    let stored: Result<String, IdempotencyError<String>> = engine
        .run(&envelope(json!("k-fits")), LEASE, || async {
            Ok("x".repeat(fits))
        })
        .await;
    assert_eq!(stored.map(|s| s.len()).ok(), Some(fits));
    let replayed: Result<String, IdempotencyError<String>> = engine
        .run(&envelope(json!("k-fits")), LEASE, || async {
            Ok("a second run".to_owned())
        })
        .await;
    assert_eq!(replayed.map(|s| s.len()).ok(), Some(fits), "replayed");

    let over = MAX_ITEM_BYTES - frame("k-over") - 1;
    let refused: Result<String, IdempotencyError<String>> = engine
        .run(&envelope(json!("k-over")), LEASE, || async {
            Ok("x".repeat(over))
        })
        .await;
    assert!(
        matches!(refused, Err(IdempotencyError::ResponseTooLarge { size, limit, .. }) if size == Some(limit + 1)),
        "{:?}",
        refused.map(|s| s.len())
    );
    let key = record_key("edge", &json!("k-over"));
    assert_eq!(store.get(&key).await.ok().flatten(), None, "no lock left");
}

#[tokio::test]
async fn remaining_time_is_measured_on_the_engine_clock() {
    let engine = engine_on(memory(), IdempotencyConfig::new("c"));
    assert_eq!(
        engine.remaining_until(1_700_000_002_500),
        Duration::from_millis(2_500)
    );
    assert_eq!(engine.remaining_until(1_600_000_000_000), Duration::ZERO);
}

#[test]
fn engine_calls_are_send_so_lambda_runtimes_can_spawn_them() {
    fn assert_send<T: Send>(_: &T) {}
    let engine = engine_on(memory(), IdempotencyConfig::new("c"));
    let input = envelope(json!("k"));
    let call = engine.run(&input, LEASE, || async { Ok::<_, String>(1) });
    assert_send(&call);
}

#[test]
fn errors_say_whether_to_retry_and_carry_stable_names() {
    let key = || "c#k".to_string();
    let cases: Vec<(IdempotencyError<String>, bool, &str)> = vec![
        (IdempotencyError::Handler("x".into()), false, "Handler"),
        (
            IdempotencyError::AlreadyInProgress {
                key: key(),
                lease_ends_at_ms: Some(1),
            },
            true,
            "IdempotencyAlreadyInProgress",
        ),
        (
            IdempotencyError::PayloadMismatch { key: key() },
            false,
            "IdempotencyPayloadMismatch",
        ),
        (
            IdempotencyError::LeaseLost { key: key() },
            true,
            "IdempotencyLeaseLost",
        ),
        (
            IdempotencyError::InconsistentState {
                key: key(),
                attempts: 3,
            },
            true,
            "IdempotencyInconsistentState",
        ),
        (
            IdempotencyError::Store(StoreError::Unavailable("t".into())),
            true,
            "IdempotencyStore",
        ),
        (
            IdempotencyError::Store(StoreError::Backend("b".into())),
            false,
            "IdempotencyStore",
        ),
    ];
    for (error, retryable, name) in cases {
        assert_eq!(error.is_retryable(), retryable, "{error}");
        assert_eq!(error.error_name(), name);
    }
}
