//! Where an execution's time comes from: the system clock, or a virtual clock that lets
//! Wait states, Retry intervals and timeouts pass at once.

use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;

/// A source of time for an execution. `sleep` must be cancel-safe: the interpreter races
/// it against task completion for TimeoutSeconds and HeartbeatSeconds.
pub trait Clock: Send + Sync {
    /// The current time (UTC).
    fn now(&self) -> OffsetDateTime;
    /// Completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
    /// Whether a whole-execution timeout can be raced against this clock's `sleep`
    /// (false for clocks whose sleeps end at once).
    fn races_timeouts(&self) -> bool {
        true
    }
}

/// Wall-clock time, with sleeps on tokio's timer. Under a paused tokio runtime
/// (`tokio::time::pause`) it follows tokio's auto-advancing time, so tests can use it
/// with exact timeout ordering.
#[derive(Debug, Clone)]
pub struct SystemClock {
    base: OffsetDateTime,
    origin: tokio::time::Instant,
}

impl SystemClock {
    pub fn new() -> Self {
        Self {
            base: OffsetDateTime::now_utc(),
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        self.base + self.origin.elapsed()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock whose sleeps end at once while advancing its time, so Wait states and Retry
/// intervals cost nothing and the history still shows the time they would have taken.
///
/// Concurrent sleepers (Map iterations, Parallel branches) each advance the clock to their
/// own deadline, so the clock ends at the latest deadline rather than the sum. A sleep yields
/// to the runtime a few times before it ends, so work that is already ready (a task handler
/// that answers at once) wins a race against a timeout. A `.waitForTaskToken` task whose
/// callback has not arrived by then times out: use `SystemClock` where a person answers.
#[derive(Debug, Clone)]
pub struct VirtualClock {
    // Shared so that a sleep future (which must be 'static) can advance the clock.
    now: Arc<Mutex<OffsetDateTime>>,
}

/// How often a virtual sleep lets other ready tasks run before it ends.
const VIRTUAL_SLEEP_YIELDS: usize = 8;

impl VirtualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// A virtual clock starting at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(OffsetDateTime::now_utc())
    }

    fn advance_to(&self, deadline: OffsetDateTime) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        if deadline > *now {
            *now = deadline;
        }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let clock = self.clone();
        let deadline = self.now() + duration;
        Box::pin(async move {
            for _ in 0..VIRTUAL_SLEEP_YIELDS {
                tokio::task::yield_now().await;
            }
            clock.advance_to(deadline);
        })
    }

    fn races_timeouts(&self) -> bool {
        false
    }
}

/// Formats a time as Step Functions does in the context object and in history:
/// RFC 3339 in UTC with milliseconds, e.g. `2024-01-02T03:04:05.678Z`.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
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
