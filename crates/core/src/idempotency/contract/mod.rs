//! The contract every [`IdempotencyStore`](super::IdempotencyStore) must meet, as a test suite any store crate runs.
//!
//! Enabled by the `contract-tests` feature. A store crate writes one factory and one macro
//! call in a test file:
//!
//! ```text
//! async fn store() -> Arc<dyn IdempotencyStore> { Arc::new(MyStore::new()) }
//! orderly_core::idempotency_store_contract!(store);
//! // or, for a store that needs a server: (#[ignore = "needs a server"] store)
//! ```
//!
//! Each case gets a fresh store from the factory and runs on its own multi-threaded
//! runtime, so the same cases exercise real concurrency on every store.

pub mod engine_cases;
pub mod store_cases;
mod support;

use std::future::Future;
use std::sync::Arc;

/// Runs one contract case on a fresh adapter from `factory`: a store here, or any port
/// whose contract suite has the same shape (the payment gateway's).
///
/// # Panics
/// When the case fails (it is a test) or the test runtime cannot start.
pub fn run_case<P, F, Fut, C, CFut>(factory: F, case: C)
where
    P: ?Sized,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Arc<P>>,
    C: FnOnce(Arc<P>) -> CFut,
    CFut: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("the contract suite needs a tokio runtime");
    runtime.block_on(async move {
        let adapter = factory().await;
        case(adapter).await;
    });
}

/// Expands to one `#[test]` per contract case, each running on a fresh store made by the
/// given async factory (`async fn() -> Arc<dyn IdempotencyStore>`). Attributes written
/// before the factory (such as `#[ignore = "..."]`) are put on every test.
#[macro_export]
macro_rules! idempotency_store_contract {
    ($(#[$attr:meta])* $factory:path) => {
        $crate::__idempotency_case!([$(#[$attr])*] $factory, store_cases::lock_condition_matches_the_dynamodb_expression);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, store_cases::lost_race_returns_the_stored_record);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, store_cases::only_the_owner_completes_or_deletes);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, store_cases::records_keep_seconds_and_milliseconds_apart);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, store_cases::items_over_400_kb_are_refused);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, store_cases::get_returns_none_for_unknown_keys);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::fifty_concurrent_calls_run_the_body_once);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::crash_after_lock_is_retried_once_the_lease_expires);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::zero_remaining_time_still_leases_until_now);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::stale_owner_cannot_complete_a_taken_over_record);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::stale_owner_cannot_delete_a_taken_over_record);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::completed_duplicate_replays_the_stored_response);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::payload_mismatch_is_detected);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::expired_record_is_re_executed);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::lease_is_in_milliseconds_and_expiry_in_seconds);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::lost_race_uses_the_all_old_item_not_a_second_read);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::round_trips_are_two_then_one_then_zero);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::failed_body_releases_the_lock);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::panicking_body_releases_the_lock);
        $crate::__idempotency_case!([$(#[$attr])*] $factory, engine_cases::oversized_response_fails_clearly_and_releases_the_lock);
    };
}

/// One test of [`idempotency_store_contract!`]; not for direct use.
#[doc(hidden)]
#[macro_export]
macro_rules! __idempotency_case {
    ([$(#[$attr:meta])*] $factory:path, $module:ident :: $case:ident) => {
        #[test]
        $(#[$attr])*
        fn $case() {
            $crate::idempotency::contract::run_case(
                $factory,
                $crate::idempotency::contract::$module::$case,
            );
        }
    };
}
