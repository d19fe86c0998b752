//! How long a function's init took, phase by phase: one log line per cold start, written
//! just before the runtime loop asks for the first event.
//!
//! Lambda's own REPORT line gives only the whole `Init Duration`. This line splits it into
//! the shell's own work (logs, SDK configuration, building the function) and the warm-up,
//! which does network work by design (one TLS handshake per service). `cpu_*` are the CPU
//! time the process had used by the end of a phase, counted from its start (so they
//! include the loader's work before `main`); `scripts/coldstart` reads them to split its
//! init figures the same way.

use orderly_core::clock::{Stopwatch, process_cpu_time};
use std::time::Duration;

/// The `message` of the init line, for anything that looks for it.
pub const INIT_MESSAGE: &str = "init";

/// The phases of a function's init, in order; see [`InitReport::phase`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The log subscriber installed.
    Logs,
    /// The SDK configuration made.
    Config,
    /// The function built from its declaration and the environment.
    Build,
    /// The connections of its services opened.
    WarmUp,
}

/// Wall and CPU time at the end of each [`Phase`].
#[derive(Debug, Clone)]
pub struct InitReport {
    started: Stopwatch,
    last: Duration,
    phases: Vec<(Phase, Duration, Option<Duration>)>,
}

impl Default for InitReport {
    fn default() -> Self {
        Self::start()
    }
}

impl InitReport {
    /// Starts timing the first phase now.
    pub fn start() -> Self {
        Self {
            started: Stopwatch::start(),
            last: Duration::ZERO,
            phases: Vec::with_capacity(4),
        }
    }

    /// Ends `phase`: its wall time is the time since the previous phase ended.
    pub fn phase(&mut self, phase: Phase) {
        let now = self.started.elapsed();
        self.phases
            .push((phase, now.saturating_sub(self.last), process_cpu_time()));
        self.last = now;
    }

    /// The wall time of `phase`, if it has ended.
    pub fn wall(&self, phase: Phase) -> Option<Duration> {
        self.find(phase).map(|(_, wall, _)| *wall)
    }

    /// The process's CPU time at the end of `phase`, if it has ended and the system says.
    pub fn cpu_at_end(&self, phase: Phase) -> Option<Duration> {
        self.find(phase).and_then(|(_, _, cpu)| *cpu)
    }

    fn find(&self, phase: Phase) -> Option<&(Phase, Duration, Option<Duration>)> {
        self.phases.iter().find(|(p, _, _)| *p == phase)
    }

    /// Writes the init line (info level): `logs_ms`, `config_ms`, `build_ms`,
    /// `warm_up_ms` (wall time of each phase), `cpu_before_warm_up_ms` and `cpu_ms`
    /// (process CPU time at the end of the build and of the warm-up; absent where the
    /// system has no process CPU clock).
    pub fn log(&self) {
        // Microsecond precision, so that the line shows `0.052`, not `0.051956999999999996`.
        let ms = |d: Option<Duration>| d.map(|d| d.as_micros() as f64 / 1000.0);
        tracing::info!(
            logs_ms = ms(self.wall(Phase::Logs)),
            config_ms = ms(self.wall(Phase::Config)),
            build_ms = ms(self.wall(Phase::Build)),
            warm_up_ms = ms(self.wall(Phase::WarmUp)),
            cpu_before_warm_up_ms = ms(self.cpu_at_end(Phase::Build)),
            cpu_ms = ms(self.cpu_at_end(Phase::WarmUp)),
            "{INIT_MESSAGE}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_gets_the_time_since_the_previous_one() {
        let mut report = InitReport::start();
        report.phase(Phase::Logs);
        std::thread::sleep(Duration::from_millis(5));
        report.phase(Phase::Config);
        let logs = report.wall(Phase::Logs).expect("ended");
        let config = report.wall(Phase::Config).expect("ended");
        assert!(config >= Duration::from_millis(5));
        assert!(logs < config);
        assert_eq!(report.wall(Phase::WarmUp), None);
        if let (Some(a), Some(b)) = (
            report.cpu_at_end(Phase::Logs),
            report.cpu_at_end(Phase::Config),
        ) {
            assert!(a <= b);
        }
    }
}
