//! Cases on the store operations themselves: the exact conditions and what they return.

use std::sync::Arc;
use std::time::Duration;

use super::support::{LONG, clock_at_ms_in_second, lock_record};
use crate::idempotency::{
    Clock, FencedOutcome, IdempotencyStore, LockOutcome, RecordStatus, StoreError,
};

/// A seeded record: (completed, expiration_s, lease end in ms), or none.
type Existing = Option<(bool, i64, Option<i64>)>;

/// Every clause of the lock condition, and its edges, gives the same answer on every store.
pub async fn lock_condition_matches_the_dynamodb_expression(store: Arc<dyn IdempotencyStore>) {
    let now_ms = clock_at_ms_in_second(500).now_ms();
    let now_s = now_ms.div_euclid(1000);
    // (case, existing: Some((completed, expiration_s, lease_end_ms)), lock taken?)
    let cases: [(&str, Existing, bool); 11] = [
        ("no record", None, true),
        (
            "live lease",
            Some((false, now_s + 10, Some(now_ms + 1))),
            false,
        ),
        (
            "lease ends this ms",
            Some((false, now_s + 10, Some(now_ms))),
            false,
        ),
        (
            "lease ended",
            Some((false, now_s + 10, Some(now_ms - 1))),
            true,
        ),
        (
            "in progress, no lease",
            Some((false, now_s + 10, None)),
            false,
        ),
        (
            "in progress, expires this second",
            Some((false, now_s, Some(now_ms + 1000))),
            false,
        ),
        (
            "in progress, expired",
            Some((false, now_s - 1, Some(now_ms + 1000))),
            true,
        ),
        ("completed, live", Some((true, now_s + 10, None)), false),
        (
            "completed, expires this second",
            Some((true, now_s, None)),
            false,
        ),
        ("completed, expired", Some((true, now_s - 1, None)), true),
        (
            "completed, old lease ended",
            Some((true, now_s + 10, Some(now_ms - 1))),
            false,
        ),
    ];
    for (i, (case, existing, taken)) in cases.into_iter().enumerate() {
        let key = format!("condition-{i}");
        if let Some((completed, expiration_s, lease_end)) = existing {
            let mut old = lock_record(&key, "old", now_ms, LONG, 0);
            old.expiration_s = expiration_s;
            old.in_progress_expiration_ms = lease_end;
            // Seeded far in the past, so the seed itself always takes the lock.
            let seeded = store.put_if_absent_or_expired(&old, 0).await;
            assert!(
                matches!(seeded, Ok(LockOutcome::Acquired)),
                "{case}: seed {seeded:?}"
            );
            if completed {
                let done = store
                    .complete_if_owner(&key, "old", "1", expiration_s)
                    .await;
                assert!(
                    matches!(done, Ok(FencedOutcome::Done)),
                    "{case}: complete {done:?}"
                );
            }
        }
        let new = lock_record(&key, "new", now_ms, LONG, 60);
        let outcome = store.put_if_absent_or_expired(&new, now_ms).await;
        let holder = store.get(&key).await.ok().flatten().map(|r| r.owner);
        match outcome {
            Ok(LockOutcome::Acquired) => {
                assert!(taken, "{case}: lock was taken but must not be");
                assert_eq!(holder.as_deref(), Some("new"), "{case}");
            }
            Ok(LockOutcome::Held(record)) => {
                assert!(!taken, "{case}: lock was refused but must be taken");
                assert_eq!(record.map(|r| r.owner).as_deref(), Some("old"), "{case}");
                assert_eq!(holder.as_deref(), Some("old"), "{case}");
            }
            Err(e) => panic!("{case}: {e}"),
        }
    }
}

/// A refused lock returns the winning record as stored, field for field.
pub async fn lost_race_returns_the_stored_record(store: Arc<dyn IdempotencyStore>) {
    let now_ms = clock_at_ms_in_second(250).now_ms();
    let mut first = lock_record("race", "winner", now_ms, LONG, 60);
    first.payload_hash = Some("abc123".into());
    let won = store.put_if_absent_or_expired(&first, now_ms).await;
    assert!(matches!(won, Ok(LockOutcome::Acquired)), "{won:?}");

    let loser = lock_record("race", "loser", now_ms, LONG, 60);
    let lost = store.put_if_absent_or_expired(&loser, now_ms).await;
    assert!(
        matches!(lost, Ok(LockOutcome::Held(Some(ref r))) if *r == first),
        "{lost:?}"
    );

    let done = store
        .complete_if_owner("race", "winner", r#"{"a":[]}"#, now_ms / 1000 + 90)
        .await;
    assert!(matches!(done, Ok(FencedOutcome::Done)), "{done:?}");
    let stored = store.get("race").await.ok().flatten();
    let lost = store.put_if_absent_or_expired(&loser, now_ms).await;
    match (lost, stored) {
        (Ok(LockOutcome::Held(Some(returned))), Some(stored)) => {
            assert_eq!(returned, stored);
            assert_eq!(returned.status, RecordStatus::Completed);
            assert_eq!(returned.response.as_deref(), Some(r#"{"a":[]}"#));
            assert_eq!(returned.expiration_s, now_ms / 1000 + 90);
            assert_eq!(returned.payload_hash.as_deref(), Some("abc123"));
        }
        other => panic!("expected the completed record back, got {other:?}"),
    }
}

/// Completing and deleting are fenced on status and owner token.
pub async fn only_the_owner_completes_or_deletes(store: Arc<dyn IdempotencyStore>) {
    let t0 = clock_at_ms_in_second(0).now_ms();
    let a = lock_record("fenced", "a", t0, Duration::from_secs(1), 60);
    assert!(matches!(
        store.put_if_absent_or_expired(&a, t0).await,
        Ok(LockOutcome::Acquired)
    ));
    // a's lease runs out; b takes the record over.
    let t1 = t0 + 1_001;
    let b = lock_record("fenced", "b", t1, LONG, 60);
    assert!(matches!(
        store.put_if_absent_or_expired(&b, t1).await,
        Ok(LockOutcome::Acquired)
    ));

    let stale_complete = store
        .complete_if_owner("fenced", "a", "\"a\"", t1 / 1000 + 60)
        .await;
    assert!(
        matches!(stale_complete, Ok(FencedOutcome::NotOwner)),
        "{stale_complete:?}"
    );
    let stale_delete = store.delete_if_owner("fenced", "a").await;
    assert!(
        matches!(stale_delete, Ok(FencedOutcome::NotOwner)),
        "{stale_delete:?}"
    );
    let current = store.get("fenced").await.ok().flatten();
    assert_eq!(current, Some(b.clone()), "b's lock is untouched");

    let done = store
        .complete_if_owner("fenced", "b", "\"b\"", t1 / 1000 + 60)
        .await;
    assert!(matches!(done, Ok(FencedOutcome::Done)), "{done:?}");
    // A completed record is not in progress any more: even its owner cannot delete it, and
    // it cannot be completed twice.
    let late_delete = store.delete_if_owner("fenced", "b").await;
    assert!(
        matches!(late_delete, Ok(FencedOutcome::NotOwner)),
        "{late_delete:?}"
    );
    let twice = store
        .complete_if_owner("fenced", "b", "\"again\"", t1 / 1000 + 60)
        .await;
    assert!(matches!(twice, Ok(FencedOutcome::NotOwner)), "{twice:?}");
    let stored = store.get("fenced").await.ok().flatten();
    assert_eq!(stored.and_then(|r| r.response).as_deref(), Some("\"b\""));

    // Nothing to fence on a key that was never written.
    let absent = store.delete_if_owner("never", "a").await;
    assert!(matches!(absent, Ok(FencedOutcome::NotOwner)), "{absent:?}");
    let absent = store.complete_if_owner("never", "a", "1", 0).await;
    assert!(matches!(absent, Ok(FencedOutcome::NotOwner)), "{absent:?}");
    assert_eq!(
        store.get("never").await.ok().flatten(),
        None,
        "complete must not create"
    );

    // The owner may release its own lock.
    let c = lock_record("released", "c", t1, LONG, 60);
    assert!(matches!(
        store.put_if_absent_or_expired(&c, t1).await,
        Ok(LockOutcome::Acquired)
    ));
    assert!(matches!(
        store.delete_if_owner("released", "c").await,
        Ok(FencedOutcome::Done)
    ));
    assert_eq!(store.get("released").await.ok().flatten(), None);
}

/// `expiration` round-trips as epoch seconds and `in_progress_expiration` as epoch
/// milliseconds, and each is compared in its own unit.
pub async fn records_keep_seconds_and_milliseconds_apart(store: Arc<dyn IdempotencyStore>) {
    let now_ms = clock_at_ms_in_second(900).now_ms();
    let now_s = now_ms.div_euclid(1000);
    let lock = lock_record("units", "a", now_ms, Duration::from_millis(1_500), 2);
    assert!(matches!(
        store.put_if_absent_or_expired(&lock, now_ms).await,
        Ok(LockOutcome::Acquired)
    ));
    let stored = store.get("units").await.ok().flatten();
    let stored = stored.expect("the lock was written");
    assert_eq!(stored.expiration_s, now_s + 2, "expiration is in seconds");
    assert_eq!(
        stored.in_progress_expiration_ms,
        Some(now_ms + 1_500),
        "lease is in ms"
    );

    let other = |at: i64| lock_record("units", "b", at, LONG, 2);
    // 1.5 s of lease: still held at +1500 ms, free at +1501 ms.
    let at = now_ms + 1_500;
    assert!(matches!(
        store.put_if_absent_or_expired(&other(at), at).await,
        Ok(LockOutcome::Held(_))
    ));
    let at = now_ms + 1_501;
    assert!(matches!(
        store.put_if_absent_or_expired(&other(at), at).await,
        Ok(LockOutcome::Acquired)
    ));

    // b completes with expiration now_s + 2 (seconds): live through the whole second
    // now_s + 2, expired from the first millisecond of now_s + 3.
    let done = store
        .complete_if_owner("units", "b", "null", now_s + 2)
        .await;
    assert!(matches!(done, Ok(FencedOutcome::Done)), "{done:?}");
    let third = |at: i64| lock_record("units", "c", at, LONG, 2);
    let at = (now_s + 2) * 1000 + 999;
    assert!(matches!(
        store.put_if_absent_or_expired(&third(at), at).await,
        Ok(LockOutcome::Held(_))
    ));
    let at = (now_s + 3) * 1000;
    assert!(matches!(
        store.put_if_absent_or_expired(&third(at), at).await,
        Ok(LockOutcome::Acquired)
    ));
}

/// An item over DynamoDB's 400 KB limit is refused with [`StoreError::ItemTooLarge`], and the
/// lock stays as it was.
pub async fn items_over_400_kb_are_refused(store: Arc<dyn IdempotencyStore>) {
    let now_ms = clock_at_ms_in_second(0).now_ms();
    let lock = lock_record("big", "a", now_ms, LONG, 60);
    assert!(matches!(
        store.put_if_absent_or_expired(&lock, now_ms).await,
        Ok(LockOutcome::Acquired)
    ));
    let huge = format!("\"{}\"", "x".repeat(410 * 1024));
    let refused = store
        .complete_if_owner("big", "a", &huge, now_ms / 1000 + 60)
        .await;
    assert!(
        matches!(refused, Err(StoreError::ItemTooLarge { .. })),
        "{refused:?}"
    );
    let stored = store.get("big").await.ok().flatten();
    assert_eq!(stored, Some(lock), "the lock is unchanged");

    let mut huge_lock = lock_record("big-lock", "a", now_ms, LONG, 60);
    huge_lock.payload_hash = Some("y".repeat(410 * 1024));
    let refused = store.put_if_absent_or_expired(&huge_lock, now_ms).await;
    assert!(
        matches!(refused, Err(StoreError::ItemTooLarge { .. })),
        "{refused:?}"
    );
}

/// Reading a key never written is not an error.
pub async fn get_returns_none_for_unknown_keys(store: Arc<dyn IdempotencyStore>) {
    let got = store.get("nothing-here").await;
    assert!(matches!(got, Ok(None)), "{got:?}");
}
