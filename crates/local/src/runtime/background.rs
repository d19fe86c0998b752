//! Where a cloud's work runs: the front door's in the request, the work behind it at a
//! lower priority, and how much of that may wait.
//!
//! A request to the front door (an HTTP API route, PutEvents, StartExecution,
//! SendMessage) answers once its own work is done: a new order is checked, written and put
//! on the bus, and answered 201. What it sets going — rule deliveries, the order workflow,
//! the functions its states invoke, the queue consumers — is asynchronous, as on AWS, where
//! it runs on other machines. In one process on a few cores it competes with the front door
//! for the CPU, and each order's workflow costs several times the front door's work.
//!
//! `orderly serve` therefore runs that work on a runtime of its own whose threads have the
//! lowest scheduling priority ([`BACKGROUND_NICE`], and on Linux the idle scheduling
//! class): the kernel gives the front door's threads the cores whenever they can run, and
//! the work behind them the rest, so a burst
//! of orders is answered at the front door's pace while the workflows catch up beside and
//! after it. Nothing is paused or dropped: a background thread that holds a lock the front
//! door wants still runs, only later. Work that a caller waits for ([`Lane::Caller`]:
//! StartSyncExecution's run, a state's Lambda invocation) runs on the caller's runtime, so
//! the front door never waits on the low-priority threads for its own answer.
//!
//! How much may wait is bounded ([`Background::max_backlog`]): at the bound a front door
//! request waits ([`super::CloudInner::admit`]) until the work behind has caught up, so a
//! long overload slows the front door to the pace of the workflows instead of growing
//! memory without end.

use tokio::runtime::Handle;

/// The backlog (background tasks in flight plus messages waiting in source queues) at
/// which front door requests wait, by default. A new order leaves about three units behind
/// it (its workflow's delivery, the audit delivery and the audit queue's message), each a
/// few kilobytes while it waits; `docs/performance-serve.md` measures the memory.
pub const DEFAULT_MAX_BACKLOG: usize = 150_000;

/// The executions rule targets start that run at once when the cloud has a background
/// runtime: a further delivery to a state machine waits for a slot. Without it, a backlog
/// of deliveries would start every execution together, each holding its state and
/// history until it ends. Executions started through the API, nested ones and those of a
/// cloud without a background runtime do not count.
pub const MAX_TARGET_EXECUTIONS: usize = 256;

/// How long a started execution keeps its slot at most: one that waits longer (for an
/// approval, in a Wait state) gives it back, so waiting executions never keep new ones
/// from starting.
pub const SLOT_HOLD: std::time::Duration = std::time::Duration::from_secs(1);

/// The nice value of the background threads: the lowest priority, so a runnable front
/// door thread always comes first. At this value the threads also join the idle
/// scheduling class ([`lower_thread_priority`]).
pub const BACKGROUND_NICE: i32 = 19;

/// Where a cloud runs the work behind its front door and how much of it may wait.
#[derive(Debug, Clone, Default)]
pub struct Background {
    /// The runtime background work is spawned on; the caller's runtime when `None` (the
    /// demo, the chaos harness and the tests run everything on one runtime).
    pub runtime: Option<Handle>,
    /// The backlog at which front door requests wait; no bound when `None`.
    pub max_backlog: Option<usize>,
}

/// Where a counted task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Behind the front door: the background runtime, when the cloud has one.
    Background,
    /// The runtime of whoever spawns it, which waits for its end.
    Caller,
}

/// Why the background runtime could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the background runtime: {0}")]
pub struct BackgroundError(#[from] std::io::Error);

/// A multi-threaded runtime of `threads` workers whose threads run at `nice` (0: the
/// priority of the rest of the process).
///
/// # Errors
///
/// The runtime's threads cannot be started.
pub fn runtime_at(threads: usize, nice: i32) -> Result<tokio::runtime::Runtime, BackgroundError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .thread_name("orderly-background")
        .on_thread_start(move || {
            if nice != 0 {
                lower_thread_priority(nice);
            }
        })
        .enable_all()
        .build()?)
}

/// Lowers the calling thread's scheduling priority to `nice`, and at [`BACKGROUND_NICE`]
/// moves it to the idle scheduling class (`SCHED_IDLE`, which any thread may join). On
/// Linux both are properties of each thread, so only this thread is affected. Failure
/// leaves the thread at its priority: the work still runs, only without yielding to the
/// front door.
///
/// Why the idle class on top of nice 19: a nice-19 thread that is running keeps the core
/// for its slice when a front door thread wakes, so under load the front door's threads
/// waited runnable for about a sixth of the time while the background took 13–19 % of
/// the cores. A waking thread of the normal class preempts an idle-class one at once: the
/// background's share fell to about 7 % and the front door answered more new orders a
/// second (`docs/performance-serve.md`). The idle class still runs with a small weight,
/// so the work behind is never starved outright, and the backlog bound makes the front
/// door wait for it.
pub fn lower_thread_priority(nice: i32) {
    // `setpriority` has no safe wrapper in std; `who` 0 is the calling thread.
    #[allow(unsafe_code)]
    // SAFETY: an FFI call with plain integer arguments; it changes no memory of the process.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
    #[cfg(target_os = "linux")]
    if nice >= BACKGROUND_NICE {
        let param = libc::sched_param { sched_priority: 0 };
        #[allow(unsafe_code)]
        // SAFETY: an FFI call given a pointer to a live, initialised `sched_param`.
        let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    }
}

/// Whether the calling thread is in the idle scheduling class.
#[cfg(target_os = "linux")]
pub fn thread_is_idle_class() -> bool {
    #[allow(unsafe_code)]
    // SAFETY: an FFI call with a plain integer argument.
    let policy = unsafe { libc::sched_getscheduler(0) };
    policy == libc::SCHED_IDLE
}

/// The calling thread's nice value.
pub fn thread_nice() -> i32 {
    #[allow(unsafe_code)]
    // SAFETY: an FFI call with plain integer arguments.
    unsafe {
        libc::getpriority(libc::PRIO_PROCESS, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_background_threads_run_at_the_lowest_priority_and_no_other_thread_does() {
        let before = thread_nice();
        let runtime = runtime_at(2, BACKGROUND_NICE).expect("runtime");
        let inside = runtime.block_on(async {
            tokio::spawn(async { (thread_nice(), thread_is_idle_class()) }).await
        });
        assert_eq!(inside.expect("task"), (BACKGROUND_NICE, true));
        assert_eq!(
            (thread_nice(), thread_is_idle_class()),
            (before, false),
            "the caller's thread keeps its priority and class"
        );
    }

    #[test]
    fn a_nice_above_zero_but_below_the_lowest_keeps_the_normal_class() {
        let runtime = runtime_at(1, 10).expect("runtime");
        let inside = runtime.block_on(async {
            tokio::spawn(async { (thread_nice(), thread_is_idle_class()) }).await
        });
        assert_eq!(inside.expect("task"), (10, false));
    }
}
