//! Where an execution's time comes from: the one [`Clock`] of Orderly (tokio's time with
//! [`TokioClock`], which a paused test runtime makes virtual; the local cloud's own
//! clock), or [`VirtualClock`], which lets Wait states, Retry intervals and timeouts pass
//! at once.

use futures::future::BoxFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

pub use orderly_clock::{Clock, SharedClock, TokioClock};

/// A clock whose sleeps end at once while advancing its time, so Wait states and Retry
/// intervals cost nothing and the history still shows the time they would have taken.
///
/// Concurrent sleepers (Map iterations, Parallel branches) each advance the clock to their
/// own deadline, so the clock ends at the latest deadline rather than the sum. A sleep yields
/// to the runtime a few times before it ends, so work that is already ready (a task handler
/// that answers at once) wins a race against a timeout. A `.waitForTaskToken` task whose
/// callback has not arrived by then times out: use [`TokioClock`] where a person answers.
#[derive(Debug, Clone)]
pub struct VirtualClock {
    // Shared so that a sleep future (which must be 'static) can advance the clock.
    now_ms: Arc<AtomicI64>,
}

/// How often a virtual sleep lets other ready tasks run before it ends.
const VIRTUAL_SLEEP_YIELDS: usize = 8;

impl VirtualClock {
    /// A clock standing at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        let ms = start.unix_timestamp_nanos().div_euclid(1_000_000);
        Self {
            now_ms: Arc::new(AtomicI64::new(i64::try_from(ms).unwrap_or(0))),
        }
    }

    /// A virtual clock starting at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(orderly_clock::SystemClock.now())
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    fn sleep_until(&self, at_ms: i64) -> BoxFuture<'static, ()> {
        let now_ms = Arc::clone(&self.now_ms);
        Box::pin(async move {
            for _ in 0..VIRTUAL_SLEEP_YIELDS {
                tokio::task::yield_now().await;
            }
            now_ms.fetch_max(at_ms, Ordering::SeqCst);
        })
    }

    fn races_timeouts(&self) -> bool {
        false
    }
}

/// Formats a time as Step Functions does in the context object and in history:
/// RFC 3339 in UTC with milliseconds, e.g. `2024-01-02T03:04:05.678Z`.
pub use orderly_clock::rfc3339_millis as format_timestamp;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use time::macros::datetime;

    #[tokio::test]
    async fn virtual_sleep_advances_to_the_latest_deadline() {
        let clock = VirtualClock::new(datetime!(2024-01-01 0:00 UTC));
        let a = clock.sleep(Duration::from_secs(10));
        let b = clock.sleep(Duration::from_secs(30));
        futures::join!(a, b);
        assert_eq!(clock.now(), datetime!(2024-01-01 0:00:30 UTC));
    }

    #[test]
    fn timestamps_have_milliseconds_and_z() {
        assert_eq!(
            format_timestamp(datetime!(2024-03-05 06:07:08.009 UTC)),
            "2024-03-05T06:07:08.009Z"
        );
    }
}
