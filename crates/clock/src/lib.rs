//! The one clock of Orderly.
//!
//! Everything that reads time — idempotency leases, TTLs, metric timestamps, Wait states,
//! Retry back-off, SQS visibility timeouts, JSONata `$now` — reads [`Clock::now_ms`] and
//! sleeps with [`Clock::sleep_until`] of the clock it was given, never `SystemTime` or
//! `tokio::time` directly. A Lambda binary passes [`SystemClock`]; the local cloud passes
//! one virtual clock to every part, so a jump of virtual time moves all of them at once.
//!
//! The clocks:
//! - [`SystemClock`]: wall-clock time. Lambda binaries and `orderly serve` use it: AWS, a
//!   person and the AWS CLI drive it.
//! - [`TokioClock`]: tokio's time, anchored at a wall-clock instant. On a current-thread
//!   runtime started with paused time (`Builder::start_paused(true)`, or
//!   `#[tokio::test(start_paused = true)]`) it is a virtual clock that jumps straight to the
//!   next timer whenever every task is waiting — tokio itself detects the idle point, so the
//!   jump is exact and deterministic. **`orderly demo` and the end-to-end tests use this one**:
//!   Wait states, retry back-off, visibility timeouts and an hour-long approval timeout cost no
//!   wall time, and CPU work costs no virtual time. tokio does not jump while a
//!   `spawn_blocking` task runs (so blocking log writes are safe), but it does jump while a
//!   task waits on a socket: a process serving real clients uses [`SystemClock`]. On a
//!   runtime whose time is not paused it is simply real time.
//! - [`AcceleratedClock`]: virtual time runs `factor` times faster than real time (1000x: an
//!   hour in 3.6 s). For a multi-threaded runtime, where tokio cannot pause time. Sleeps never
//!   end early; work costs virtual time too (1 ms of CPU is 1 s at 1000x).
//! - [`ManualClock`]: time moves only when a test calls [`ManualClock::advance`],
//!   [`ManualClock::set`] or [`ManualClock::advance_to_next`]; unit tests of time-driven
//!   semantics are exact and instant with it.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;
use time::OffsetDateTime;

/// A source of time, shared by every part of the system (`Arc<dyn Clock>`).
///
/// Sleeps are `'static` futures so that callers can race them against other work
/// (timeouts, heartbeats) without borrowing the clock; they must be cancel-safe.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch, in this clock's time.
    fn now_ms(&self) -> i64;

    /// Completes once `now_ms() >= at_ms` (at once if that already holds).
    fn sleep_until(&self, at_ms: i64) -> BoxFuture<'static, ()>;

    /// Sleeps `ms` milliseconds of this clock's time.
    fn sleep_ms(&self, ms: i64) -> BoxFuture<'static, ()> {
        self.sleep_until(self.now_ms().saturating_add(ms))
    }

    /// Sleeps `duration` of this clock's time.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.sleep_ms(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
    }

    /// Now, as a UTC date-time (millisecond precision).
    fn now(&self) -> OffsetDateTime {
        utc_of_ms(self.now_ms())
    }

    /// Whether a deadline can be raced against this clock's `sleep`: false for clocks whose
    /// sleeps end at once (the interpreter's instant clock), where a race would always
    /// time out.
    fn races_timeouts(&self) -> bool {
        true
    }
}

/// Real elapsed time, for measuring how long work took (a REPORT line's duration, a
/// wall-clock budget for a wait), never for deciding what time it is: that is a [`Clock`]'s.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch(Instant);

impl Stopwatch {
    /// Starts measuring now.
    pub fn start() -> Self {
        // Elapsed real time is what a measurement wants, whatever clock the system runs on.
        Self(Instant::now())
    }

    /// Real time since [`Stopwatch::start`].
    pub fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}

/// CPU time the whole process (every thread) has used since it started, `None` where the
/// system does not say. Init reports count it next to [`Stopwatch`] time because on a busy
/// machine wall time measures the neighbours as much as the process.
pub fn process_cpu_time() -> Option<Duration> {
    cpu::process()
}

#[cfg(unix)]
mod cpu {
    use std::time::Duration;

    /// `CLOCK_PROCESS_CPUTIME_ID`, nanosecond resolution.
    // The process CPU clock has no safe wrapper in std: it is read through libc's
    // `clock_gettime`, an FFI call, so this one function may use `unsafe`.
    #[allow(unsafe_code)]
    pub(super) fn process() -> Option<Duration> {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
        if rc != 0 {
            return None;
        }
        let secs = u64::try_from(ts.tv_sec).ok()?;
        let nanos = u32::try_from(ts.tv_nsec).ok()?;
        Some(Duration::new(secs, nanos))
    }
}

#[cfg(not(unix))]
mod cpu {
    pub(super) fn process() -> Option<std::time::Duration> {
        None
    }
}

impl std::fmt::Debug for dyn Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("now_ms", &self.now_ms())
            .finish()
    }
}

/// The UTC date-time of an epoch-millisecond instant; the epoch itself when out of range.
pub fn utc_of_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A time as RFC 3339 in UTC with exactly three digits of milliseconds
/// (`2024-01-02T03:04:05.060Z`): how Step Functions writes times in the context object and
/// history, and CloudWatch in log lines (the well-known `Rfc3339` format would drop
/// trailing zeros: `.06Z`).
pub fn rfc3339_millis(t: OffsetDateTime) -> String {
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

/// [`rfc3339_millis`] of an epoch-millisecond instant.
pub fn rfc3339_ms(ms: i64) -> String {
    rfc3339_millis(utc_of_ms(ms))
}

/// An epoch-millisecond instant as RFC 3339 in UTC with seconds precision
/// (`2024-01-02T03:04:05Z`): the event envelope's `occurred-at`.
pub fn rfc3339_seconds(ms: i64) -> String {
    let t = utc_of_ms(ms.div_euclid(1000) * 1000);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Time left until `deadline_ms` at `now_ms` (both epoch milliseconds); zero once it has
/// passed.
pub fn time_left(deadline_ms: u64, now_ms: i64) -> Duration {
    let now = u64::try_from(now_ms).unwrap_or(0);
    Duration::from_millis(deadline_ms.saturating_sub(now))
}

/// The clock every component holds.
pub type SharedClock = Arc<dyn Clock>;

fn system_now_ms() -> i64 {
    // The one read of the wall clock in Orderly's code (benches aside): every other place
    // asks a `Clock`. A system clock before 1970 is a broken machine; 0 keeps time
    // monotone-ish instead of panicking.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl SystemClock {
    /// A shareable system clock.
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock)
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        system_now_ms()
    }

    fn sleep_until(&self, at_ms: i64) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            // Loop because the system clock can be stepped while we sleep.
            loop {
                let left = at_ms.saturating_sub(system_now_ms());
                if left <= 0 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(left.unsigned_abs())).await;
            }
        })
    }
}

/// tokio's time, reported as epoch milliseconds from the wall-clock instant of its creation.
/// Virtual and auto-advancing when the runtime's time is paused (see the module docs).
#[derive(Debug, Clone)]
pub struct TokioClock {
    start_ms: i64,
    origin: tokio::time::Instant,
}

impl TokioClock {
    /// Anchors tokio's current instant at the current wall-clock time. Call it inside the
    /// runtime whose time it should follow.
    pub fn new() -> Self {
        Self::starting_at(system_now_ms())
    }

    /// Anchors tokio's current instant at `start_ms`.
    pub fn starting_at(start_ms: i64) -> Self {
        Self {
            start_ms,
            // tokio's time is this clock's source (virtual when the runtime's time is paused).
            origin: tokio::time::Instant::now(),
        }
    }

    /// A shareable tokio clock.
    pub fn shared() -> SharedClock {
        Arc::new(Self::new())
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> i64 {
        let elapsed = self.origin.elapsed().as_millis();
        self.start_ms
            .saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX))
    }

    fn sleep_until(&self, at_ms: i64) -> BoxFuture<'static, ()> {
        let ahead = at_ms.saturating_sub(self.start_ms);
        if ahead <= 0 {
            return Box::pin(std::future::ready(()));
        }
        // An instant, not a duration from now: a deadline far in the future stays exact and
        // no rounding accumulates across loops of the caller.
        let deadline = self.origin + Duration::from_millis(ahead.unsigned_abs());
        Box::pin(tokio::time::sleep_until(deadline))
    }
}

/// Virtual time that runs `factor` times faster than real time, starting at the real time of
/// its creation (or at a chosen instant).
#[derive(Debug, Clone)]
pub struct AcceleratedClock {
    factor: u32,
    start_ms: i64,
    origin: Instant,
}

impl AcceleratedClock {
    /// Starts at the current wall-clock time. A factor of 0 is taken as 1.
    pub fn new(factor: u32) -> Self {
        Self::starting_at(system_now_ms(), factor)
    }

    /// Starts at `start_ms` (ms since the epoch).
    pub fn starting_at(start_ms: i64, factor: u32) -> Self {
        Self {
            factor: factor.max(1),
            start_ms,
            // The accelerated clock is driven by real elapsed time: a clock, so it may read it.
            origin: Instant::now(),
        }
    }

    /// How many virtual milliseconds pass per real millisecond.
    pub fn factor(&self) -> u32 {
        self.factor
    }

    /// A shareable accelerated clock.
    pub fn shared(factor: u32) -> SharedClock {
        Arc::new(Self::new(factor))
    }
}

impl Clock for AcceleratedClock {
    fn now_ms(&self) -> i64 {
        let real_us = self.origin.elapsed().as_micros();
        let virtual_ms = real_us.saturating_mul(u128::from(self.factor)) / 1000;
        self.start_ms
            .saturating_add(i64::try_from(virtual_ms).unwrap_or(i64::MAX))
    }

    fn sleep_until(&self, at_ms: i64) -> BoxFuture<'static, ()> {
        let clock = self.clone();
        Box::pin(async move {
            loop {
                let left = at_ms.saturating_sub(clock.now_ms());
                if left <= 0 {
                    return;
                }
                // Round up so the sleep never ends before the virtual deadline.
                let real_us =
                    (u128::from(left.unsigned_abs()) * 1000).div_ceil(u128::from(clock.factor));
                let real_us = u64::try_from(real_us).unwrap_or(u64::MAX);
                tokio::time::sleep(Duration::from_micros(real_us)).await;
            }
        })
    }
}

/// Time that moves only when told to. Pending sleeps are registered, so a test can ask for the
/// next deadline and jump to it.
#[derive(Clone, Default)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Default)]
struct ManualInner {
    state: Mutex<ManualState>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct ManualState {
    now_ms: i64,
    /// Pending sleeps by (deadline, registration id).
    sleepers: BTreeMap<(i64, u64), Waker>,
}

impl ManualInner {
    fn lock(&self) -> MutexGuard<'_, ManualState> {
        // A panic while holding this lock leaves plain data behind; keep going with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("ManualClock")
            .field("now_ms", &state.now_ms)
            .field("pending_sleeps", &state.sleepers.len())
            .finish()
    }
}

impl ManualClock {
    /// A clock standing at `start_ms`.
    pub fn new(start_ms: i64) -> Self {
        let clock = Self::default();
        clock.inner.lock().now_ms = start_ms;
        clock
    }

    /// A clock standing at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(system_now_ms())
    }

    /// Moves time forward by `ms` and wakes every sleep that is now due.
    pub fn advance(&self, ms: i64) {
        let mut state = self.inner.lock();
        let to = state.now_ms.saturating_add(ms.max(0));
        Self::move_to(&mut state, to);
    }

    /// Sets the time (never backwards) and wakes every sleep that is now due.
    pub fn set(&self, at_ms: i64) {
        let mut state = self.inner.lock();
        let to = at_ms.max(state.now_ms);
        Self::move_to(&mut state, to);
    }

    /// The earliest deadline of a pending sleep.
    pub fn next_deadline(&self) -> Option<i64> {
        self.inner.lock().sleepers.keys().next().map(|(at, _)| *at)
    }

    /// Jumps to the earliest pending deadline and wakes its sleepers; returns the new time, or
    /// `None` when nothing sleeps.
    pub fn advance_to_next(&self) -> Option<i64> {
        let mut state = self.inner.lock();
        let next = state.sleepers.keys().next().map(|(at, _)| *at)?;
        let to = next.max(state.now_ms);
        Self::move_to(&mut state, to);
        Some(to)
    }

    /// How many sleeps are pending.
    pub fn pending_sleeps(&self) -> usize {
        self.inner.lock().sleepers.len()
    }

    fn move_to(state: &mut ManualState, to: i64) {
        state.now_ms = to;
        let later = state.sleepers.split_off(&(to.saturating_add(1), 0));
        let due = std::mem::replace(&mut state.sleepers, later);
        for waker in due.into_values() {
            waker.wake();
        }
    }
}

/// A pending sleep on a [`ManualClock`]; deregisters itself when dropped.
struct ManualSleep {
    inner: Arc<ManualInner>,
    at_ms: i64,
    id: u64,
}

impl Future for ManualSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.inner.lock();
        if state.now_ms >= self.at_ms {
            state.sleepers.remove(&(self.at_ms, self.id));
            return Poll::Ready(());
        }
        state
            .sleepers
            .insert((self.at_ms, self.id), cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for ManualSleep {
    fn drop(&mut self) {
        self.inner.lock().sleepers.remove(&(self.at_ms, self.id));
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.inner.lock().now_ms
    }

    fn sleep_until(&self, at_ms: i64) -> BoxFuture<'static, ()> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        Box::pin(ManualSleep {
            inner: Arc::clone(&self.inner),
            at_ms,
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_sleep_ends_only_when_time_reaches_its_deadline() {
        let clock = ManualClock::new(1_000);
        let c = clock.clone();
        let sleeper = tokio::spawn(async move {
            c.sleep_until(1_500).await;
            c.now_ms()
        });
        while clock.pending_sleeps() == 0 {
            tokio::task::yield_now().await;
        }
        clock.advance(499);
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        assert_eq!(clock.next_deadline(), Some(1_500));
        assert_eq!(clock.advance_to_next(), Some(1_500));
        assert_eq!(sleeper.await.ok(), Some(1_500));
        assert_eq!(clock.pending_sleeps(), 0);
    }

    #[test]
    fn rfc3339_seconds_and_utc_of_ms() {
        assert_eq!(rfc3339_seconds(1_704_164_645_678), "2024-01-02T03:04:05Z");
        assert_eq!(rfc3339_seconds(-1), "1969-12-31T23:59:59Z");
        assert_eq!(utc_of_ms(1_500).millisecond(), 500);
        assert_eq!(rfc3339_ms(1_704_164_645_060), "2024-01-02T03:04:05.060Z");
    }

    #[test]
    fn time_left_is_zero_after_the_deadline() {
        assert_eq!(time_left(10_000, 7_000), Duration::from_millis(3_000));
        assert_eq!(time_left(10_000, 12_000), Duration::ZERO);
    }

    #[tokio::test]
    async fn manual_sleep_in_the_past_is_immediate_and_set_never_goes_back() {
        let clock = ManualClock::new(10);
        clock.sleep_until(5).await;
        clock.set(3);
        assert_eq!(clock.now_ms(), 10);
        assert_eq!(clock.advance_to_next(), None);
    }

    #[tokio::test]
    async fn dropped_manual_sleep_is_deregistered() {
        let clock = ManualClock::new(0);
        let c = clock.clone();
        let sleeper = tokio::spawn(async move { c.sleep_until(100).await });
        while clock.pending_sleeps() == 0 {
            tokio::task::yield_now().await;
        }
        sleeper.abort();
        let _ = sleeper.await;
        assert_eq!(clock.pending_sleeps(), 0);
    }

    #[tokio::test]
    async fn accelerated_clock_sleeps_virtual_time_never_less() {
        let clock = AcceleratedClock::starting_at(0, 1_000);
        let started = Stopwatch::start();
        clock.sleep_until(2_000).await;
        assert!(clock.now_ms() >= 2_000);
        // 2 s of virtual time at 1000x is 2 ms of real time; allow a noisy machine plenty.
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_on_paused_time_jumps_to_the_next_timer() {
        let clock = TokioClock::starting_at(1_000);
        let started = Stopwatch::start();
        // An hour-long wait and a shorter one racing it: time jumps timer to timer.
        let long = {
            let c = clock.clone();
            tokio::spawn(async move {
                c.sleep_until(1_000 + 3_600_000).await;
                c.now_ms()
            })
        };
        clock.sleep_ms(90_000).await;
        assert_eq!(clock.now_ms(), 91_000);
        assert_eq!(long.await.ok(), Some(3_601_000));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn system_clock_sleep_reaches_its_deadline() {
        let clock = SystemClock;
        let at = clock.now_ms() + 5;
        clock.sleep_until(at).await;
        assert!(clock.now_ms() >= at);
    }

    #[cfg(unix)]
    #[test]
    fn the_process_cpu_clock_counts_work() {
        let before = process_cpu_time().expect("a unix process has a CPU clock");
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        std::hint::black_box(x);
        let after = process_cpu_time().expect("a unix process has a CPU clock");
        assert!(after > before);
    }
}
