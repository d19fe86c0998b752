//! Cases on the engine over a store: what a caller observes.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::support::{LONG, clock_at_ms_in_second, engine, event, key_of};
use crate::idempotency::{
    CallCounts, CountingStore, IdempotencyError, IdempotencyStore, KeySelector, RecordStatus,
};

type Outcome<T> = Result<T, IdempotencyError<String>>;

/// Counts body executions.
#[derive(Default, Clone)]
struct Runs(Arc<AtomicUsize>);

impl Runs {
    fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Fifty invocations racing on one key, each with its own engine as separate Lambda
/// environments would have, run the body exactly once.
pub async fn fifty_concurrent_calls_run_the_body_once(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let runs = Runs::default();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let engine = engine(&store, &clock, |c| c.local_cache(0));
            let runs = runs.clone();
            tokio::spawn(async move {
                engine
                    .run(&event("k-50", json!({})), LONG, || async move {
                        runs.hit();
                        // Hold the lock long enough for the others to collide with it.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Ok::<_, String>("charged once".to_string())
                    })
                    .await
            })
        })
        .collect();
    let mut replies = 0;
    let mut in_progress = 0;
    for task in tasks {
        match task.await.expect("task panicked") {
            Ok(reply) => {
                assert_eq!(reply, "charged once");
                replies += 1;
            }
            Err(IdempotencyError::AlreadyInProgress { .. }) => in_progress += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(runs.count(), 1, "the body ran more than once");
    assert_eq!(replies + in_progress, 50);
    assert!(replies >= 1);
    // Afterwards every duplicate replays.
    let late: Outcome<String> = engine(&store, &clock, |c| c)
        .run(&event("k-50", json!({})), LONG, || async {
            Ok("again".to_string())
        })
        .await;
    assert_eq!(late.ok().as_deref(), Some("charged once"));
    assert_eq!(runs.count(), 1);
}

/// Starts a call whose body never finishes and drops it, as a crashed invocation would
/// leave its lock: taken, never completed nor released.
async fn crash_after_lock(
    engine: &crate::idempotency::IdempotencyEngine,
    key: &str,
    lease: Duration,
) {
    let (started_tx, started_rx) = oneshot::channel::<()>();
    let input = event(key, json!({}));
    let call = engine.run(&input, lease, || async move {
        let _ = started_tx.send(());
        futures::future::pending::<Result<String, String>>().await
    });
    futures::pin_mut!(call);
    futures::select! {
        _ = call.fuse() => panic!("the crashing body cannot finish"),
        _ = started_rx.fuse() => {}
    }
}

/// A crash leaves the lock until the lease (now + remaining time) ends, then a retry runs.
pub async fn crash_after_lock_is_retried_once_the_lease_expires(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let crashed = engine(&store, &clock, |c| c);
    crash_after_lock(&crashed, "k-crash", Duration::from_secs(5)).await;

    let retry = engine(&store, &clock, |c| c);
    let runs = Runs::default();
    let body = || {
        let runs = runs.clone();
        async move {
            runs.hit();
            Ok::<_, String>(7)
        }
    };
    clock.advance(4_999);
    let early: Outcome<i32> = retry.run(&event("k-crash", json!({})), LONG, body).await;
    assert!(
        matches!(early, Err(IdempotencyError::AlreadyInProgress { .. })),
        "{early:?}"
    );
    assert!(
        early
            .as_ref()
            .err()
            .is_some_and(IdempotencyError::is_retryable)
    );
    clock.advance(2);
    let late: Outcome<i32> = retry.run(&event("k-crash", json!({})), LONG, body).await;
    assert_eq!(late.ok(), Some(7));
    assert_eq!(runs.count(), 1, "the retry ran exactly once");
}

/// With no time left the lease still ends at now, so the lock frees one millisecond later
/// instead of lasting the whole expiry window.
pub async fn zero_remaining_time_still_leases_until_now(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(300);
    let crashed = engine(&store, &clock, |c| c);
    crash_after_lock(&crashed, "k-zero", Duration::ZERO).await;
    let record = store.get(&key_of("k-zero")).await.ok().flatten();
    assert_eq!(
        record.and_then(|r| r.in_progress_expiration_ms),
        Some(clock_now(&clock))
    );

    let retry = engine(&store, &clock, |c| c);
    let same_ms: Outcome<u8> = retry
        .run(&event("k-zero", json!({})), LONG, || async { Ok(1) })
        .await;
    assert!(
        matches!(same_ms, Err(IdempotencyError::AlreadyInProgress { .. })),
        "{same_ms:?}"
    );
    clock.advance(1);
    let next_ms: Outcome<u8> = retry
        .run(&event("k-zero", json!({})), LONG, || async { Ok(1) })
        .await;
    assert_eq!(next_ms.ok(), Some(1));
}

fn clock_now(clock: &crate::idempotency::ManualClock) -> i64 {
    crate::idempotency::Clock::now_ms(clock)
}

/// A call in flight: tell it how its body ends, await its outcome, learn when it started.
type SlowCall = (
    oneshot::Sender<Result<String, String>>,
    tokio::task::JoinHandle<Outcome<String>>,
    oneshot::Receiver<()>,
);

/// Runs a call that takes the lock with a 1 s lease and waits to be told how to finish.
fn slow_call(
    store: &Arc<dyn IdempotencyStore>,
    clock: &crate::idempotency::ManualClock,
    key: &'static str,
) -> SlowCall {
    let (finish_tx, finish_rx) = oneshot::channel::<Result<String, String>>();
    let (started_tx, started_rx) = oneshot::channel::<()>();
    let stale = engine(store, clock, |c| c);
    let handle = tokio::spawn(async move {
        stale
            .run(
                &event(key, json!({})),
                Duration::from_secs(1),
                || async move {
                    let _ = started_tx.send(());
                    finish_rx.await.unwrap_or_else(|_| Err("cancelled".into()))
                },
            )
            .await
    });
    (finish_tx, handle, started_rx)
}

/// An invocation whose lease ran out and whose record was taken over cannot complete it:
/// it gets `LeaseLost`, and the new owner's response is what duplicates see.
pub async fn stale_owner_cannot_complete_a_taken_over_record(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let (finish, stale, started) = slow_call(&store, &clock, "k-stale");
    started.await.expect("the stale body started");
    clock.advance(1_001);
    let new_owner: Outcome<String> = engine(&store, &clock, |c| c)
        .run(&event("k-stale", json!({})), LONG, || async {
            Ok("from the new owner".into())
        })
        .await;
    assert_eq!(new_owner.ok().as_deref(), Some("from the new owner"));

    let _ = finish.send(Ok("from the stale owner".into()));
    let stale = stale.await.expect("task panicked");
    assert!(
        matches!(stale, Err(IdempotencyError::LeaseLost { .. })),
        "{stale:?}"
    );

    let record = store
        .get(&key_of("k-stale"))
        .await
        .ok()
        .flatten()
        .expect("record kept");
    assert_eq!(record.status, RecordStatus::Completed);
    assert_eq!(record.response.as_deref(), Some("\"from the new owner\""));
    let replay: Outcome<String> = engine(&store, &clock, |c| c)
        .run(&event("k-stale", json!({})), LONG, || async {
            Ok("third run".into())
        })
        .await;
    assert_eq!(replay.ok().as_deref(), Some("from the new owner"));
}

/// An invocation whose lease ran out cannot release the lock the new owner now holds.
pub async fn stale_owner_cannot_delete_a_taken_over_record(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let (finish, stale, started) = slow_call(&store, &clock, "k-stale-del");
    started.await.expect("the stale body started");
    clock.advance(1_001);

    // The new owner is still working when the stale one fails.
    let (new_finish, new_owner, new_started) = {
        let (finish_tx, finish_rx) = oneshot::channel::<()>();
        let (started_tx, started_rx) = oneshot::channel::<()>();
        let engine = engine(&store, &clock, |c| c);
        let handle = tokio::spawn(async move {
            engine
                .run(&event("k-stale-del", json!({})), LONG, || async move {
                    let _ = started_tx.send(());
                    let _ = finish_rx.await;
                    Ok::<_, String>("new".to_string())
                })
                .await
        });
        (finish_tx, handle, started_rx)
    };
    new_started.await.expect("the new owner's body started");
    let _ = finish.send(Err("payment declined".into()));
    let stale = stale.await.expect("task panicked");
    assert!(matches!(stale, Err(IdempotencyError::Handler(ref e)) if e == "payment declined"));

    let record = store.get(&key_of("k-stale-del")).await.ok().flatten();
    assert!(
        matches!(record, Some(ref r) if r.status == RecordStatus::InProgress),
        "the new owner's lock must survive: {record:?}"
    );
    let duplicate: Outcome<String> = engine(&store, &clock, |c| c)
        .run(&event("k-stale-del", json!({})), LONG, || async {
            Ok("third".into())
        })
        .await;
    assert!(
        matches!(duplicate, Err(IdempotencyError::AlreadyInProgress { .. })),
        "{duplicate:?}"
    );

    let _ = new_finish.send(());
    assert_eq!(
        new_owner.await.expect("task panicked").ok().as_deref(),
        Some("new")
    );
}

/// A completed duplicate replays the stored response, falsy and empty ones included, and the
/// body does not run again.
pub async fn completed_duplicate_replays_the_stored_response(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let responses = [
        json!(null),
        json!(0),
        json!(false),
        json!(""),
        json!([]),
        json!({}),
        json!({"shipmentId": "s-1", "items": [1, 2]}),
    ];
    for (i, response) in responses.into_iter().enumerate() {
        let key = format!("k-replay-{i}");
        let runs = Runs::default();
        let call = |engine: crate::idempotency::IdempotencyEngine, reply: Value| {
            let runs = runs.clone();
            let key = key.clone();
            async move {
                engine
                    .run(&event(&key, json!({})), LONG, || async move {
                        runs.hit();
                        Ok::<_, String>(reply)
                    })
                    .await
            }
        };
        // Each call through a fresh engine, so the replay comes from the store.
        let first = call(engine(&store, &clock, |c| c), response.clone()).await;
        let second = call(engine(&store, &clock, |c| c), json!("different")).await;
        assert_eq!(first.ok().as_ref(), Some(&response));
        assert_eq!(
            second.ok().as_ref(),
            Some(&response),
            "replay of {response}"
        );
        assert_eq!(runs.count(), 1, "{response} ran twice");
    }
    // A unit response replays as unit.
    let unit = engine(&store, &clock, |c| c.local_cache(0));
    let runs = Runs::default();
    for _ in 0..2 {
        let runs = runs.clone();
        let done: Outcome<()> = unit
            .run(&event("k-unit", json!({})), LONG, || async move {
                runs.hit();
                Ok(())
            })
            .await;
        assert!(done.is_ok(), "{done:?}");
    }
    assert_eq!(runs.count(), 1);
}

/// With payload validation, a duplicate key with different data is refused, not replayed.
pub async fn payload_mismatch_is_detected(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let validating = |cache: usize| {
        engine(&store, &clock, move |c| {
            c.validate_payload(KeySelector::pointer("/detail/data"))
                .local_cache(cache)
        })
    };
    let order = json!({"orderId": "o-1", "total": 10});
    let changed = json!({"orderId": "o-1", "total": 99});
    let first: Outcome<String> = validating(0)
        .run(&event("k-pay", order.clone()), LONG, || async {
            Ok("charged 10".into())
        })
        .await;
    assert_eq!(first.ok().as_deref(), Some("charged 10"));

    for cache in [0, 16] {
        let engine = validating(cache);
        // Warm the cache (when on) with the matching payload first.
        let same: Outcome<String> = engine
            .run(&event("k-pay", order.clone()), LONG, || async {
                Ok("charged twice".into())
            })
            .await;
        assert_eq!(same.ok().as_deref(), Some("charged 10"));
        let other: Outcome<String> = engine
            .run(&event("k-pay", changed.clone()), LONG, || async {
                Ok("charged 99".into())
            })
            .await;
        assert!(
            matches!(other, Err(IdempotencyError::PayloadMismatch { .. })),
            "cache {cache}: {other:?}"
        );
    }
}

/// After `expires_after`, a record no longer replays: the body runs again.
pub async fn expired_record_is_re_executed(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    // A cache, to show it honours expiry too.
    let engine = engine(&store, &clock, |c| {
        c.expires_after(Duration::from_secs(10)).local_cache(8)
    });
    let runs = Runs::default();
    let input = event("k-expiry", json!({}));
    let call = || {
        let runs = runs.clone();
        engine.run(&input, LONG, || async move {
            runs.hit();
            Ok::<_, String>(runs.count())
        })
    };
    assert_eq!(call().await.ok(), Some(1));
    clock.advance(10_000);
    assert_eq!(
        call().await.ok(),
        Some(1),
        "still live through its last second"
    );
    clock.advance(1_000);
    assert_eq!(call().await.ok(), Some(2), "expired: ran again");
    assert_eq!(call().await.ok(), Some(2), "and the new result replays");
}

/// The lease is measured in milliseconds and the expiry in seconds, end to end.
pub async fn lease_is_in_milliseconds_and_expiry_in_seconds(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(900);
    let start_ms = clock_now(&clock);
    let crashed = engine(&store, &clock, |c| c.expires_after(Duration::from_secs(3)));
    crash_after_lock(&crashed, "k-units", Duration::from_millis(250)).await;
    let record = store
        .get(&key_of("k-units"))
        .await
        .ok()
        .flatten()
        .expect("lock written");
    assert_eq!(record.in_progress_expiration_ms, Some(start_ms + 250));
    assert_eq!(record.expiration_s, start_ms.div_euclid(1000) + 3);

    let retry = engine(&store, &clock, |c| {
        c.expires_after(Duration::from_secs(3)).local_cache(0)
    });
    clock.advance(200);
    let held: Outcome<u8> = retry
        .run(&event("k-units", json!({})), LONG, || async { Ok(1) })
        .await;
    assert!(
        matches!(held, Err(IdempotencyError::AlreadyInProgress { .. })),
        "{held:?}"
    );
    // 251 ms after the lock (already the next second) the millisecond lease has ended.
    clock.advance(51);
    let taken: Outcome<u8> = retry
        .run(&event("k-units", json!({})), LONG, || async { Ok(2) })
        .await;
    assert_eq!(taken.ok(), Some(2));
}

/// A duplicate learns the outcome from the failed conditional put: no `get` is made.
pub async fn lost_race_uses_the_all_old_item_not_a_second_read(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let counting: Arc<CountingStore<Arc<dyn IdempotencyStore>>> =
        Arc::new(CountingStore::new(store));
    let counted: Arc<dyn IdempotencyStore> = counting.clone();
    let first: Outcome<String> = engine(&counted, &clock, |c| c)
        .run(&event("k-all-old", json!({})), LONG, || async {
            Ok("done".into())
        })
        .await;
    assert!(first.is_ok());
    counting.reset();

    let duplicate: Outcome<String> = engine(&counted, &clock, |c| c.local_cache(0))
        .run(&event("k-all-old", json!({})), LONG, || async {
            Ok("again".into())
        })
        .await;
    assert_eq!(duplicate.ok().as_deref(), Some("done"));
    assert_eq!(
        counting.counts(),
        CallCounts {
            put: 1,
            ..CallCounts::default()
        }
    );

    // Same for a duplicate that finds the lock in progress.
    let crashed = engine(&counted, &clock, |c| c);
    crash_after_lock(&crashed, "k-all-old-2", LONG).await;
    counting.reset();
    let busy: Outcome<String> = engine(&counted, &clock, |c| c)
        .run(&event("k-all-old-2", json!({})), LONG, || async {
            Ok("again".into())
        })
        .await;
    assert!(
        matches!(busy, Err(IdempotencyError::AlreadyInProgress { .. })),
        "{busy:?}"
    );
    assert_eq!(
        counting.counts(),
        CallCounts {
            put: 1,
            ..CallCounts::default()
        }
    );
}

/// Round trips per call: a first call 2 (put, update), a duplicate 1 (the refused put), a
/// duplicate the local cache has seen 0.
pub async fn round_trips_are_two_then_one_then_zero(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let counting: Arc<CountingStore<Arc<dyn IdempotencyStore>>> =
        Arc::new(CountingStore::new(store));
    let counted: Arc<dyn IdempotencyStore> = counting.clone();
    let cached = engine(&counted, &clock, |c| c.local_cache(16));
    let uncached = engine(&counted, &clock, |c| c.local_cache(0));
    async fn call(engine: &crate::idempotency::IdempotencyEngine) -> Outcome<i32> {
        let input = event("k-trips", json!({}));
        engine.run(&input, LONG, || async { Ok(42) }).await
    }

    assert_eq!(call(&cached).await.ok(), Some(42));
    assert_eq!(
        counting.counts(),
        CallCounts {
            put: 1,
            complete: 1,
            ..CallCounts::default()
        }
    );
    assert_eq!(counting.counts().total(), 2);

    counting.reset();
    assert_eq!(call(&uncached).await.ok(), Some(42));
    assert_eq!(counting.counts().total(), 1);

    counting.reset();
    assert_eq!(call(&cached).await.ok(), Some(42));
    assert_eq!(counting.counts().total(), 0);
}

/// A body that fails releases its lock, so the retry runs it again at once.
pub async fn failed_body_releases_the_lock(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let engine = engine(&store, &clock, |c| c);
    let runs = Runs::default();
    let failing: Outcome<u8> = engine
        .run(&event("k-fail", json!({})), LONG, || {
            let runs = runs.clone();
            async move {
                runs.hit();
                Err("card declined".to_string())
            }
        })
        .await;
    assert!(matches!(failing, Err(IdempotencyError::Handler(ref e)) if e == "card declined"));
    assert_eq!(store.get(&key_of("k-fail")).await.ok().flatten(), None);
    let retried: Outcome<u8> = engine
        .run(&event("k-fail", json!({})), LONG, || {
            let runs = runs.clone();
            async move {
                runs.hit();
                Ok(5)
            }
        })
        .await;
    assert_eq!(retried.ok(), Some(5));
    assert_eq!(runs.count(), 2);
}

/// A body that panics releases its lock before the panic goes on unwinding.
pub async fn panicking_body_releases_the_lock(store: Arc<dyn IdempotencyStore>) {
    let clock = clock_at_ms_in_second(0);
    let engine = engine(&store, &clock, |c| c);
    let panicked =
        std::panic::AssertUnwindSafe(engine.run(&event("k-panic", json!({})), LONG, || async {
            if clock_now(&clock) > 0 {
                panic!("bug in the body");
            }
            Ok::<u8, Infallible>(0)
        }))
        .catch_unwind()
        .await;
    assert!(panicked.is_err(), "the panic must reach the caller");
    assert_eq!(store.get(&key_of("k-panic")).await.ok().flatten(), None);
    let retried: Result<u8, IdempotencyError<Infallible>> = engine
        .run(&event("k-panic", json!({})), LONG, || async { Ok(3) })
        .await;
    assert_eq!(retried.ok(), Some(3));
}

/// A response over the 400 KB item limit fails with `ResponseTooLarge` and frees the lock.
pub async fn oversized_response_fails_clearly_and_releases_the_lock(
    store: Arc<dyn IdempotencyStore>,
) {
    let clock = clock_at_ms_in_second(0);
    let engine = engine(&store, &clock, |c| c);
    let big: Outcome<String> = engine
        .run(&event("k-big", json!({})), LONG, || async {
            Ok("x".repeat(401 * 1024))
        })
        .await;
    match big {
        Err(IdempotencyError::ResponseTooLarge { size, limit, .. }) => {
            assert!(size.is_some_and(|size| size > limit), "{size:?}");
            assert_eq!(limit, crate::idempotency::MAX_ITEM_BYTES);
        }
        other => panic!(
            "expected ResponseTooLarge, got {:?}",
            other.map(|s| s.len())
        ),
    }
    assert_eq!(store.get(&key_of("k-big")).await.ok().flatten(), None);
}
