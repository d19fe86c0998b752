//! How long a cloud keeps what AWS keeps for a while, on the cloud's clock: closed
//! executions, log lines and trace hops. Queue messages keep their queue's
//! `MessageRetentionPeriod` and idempotency records their TTL, as their stores say.

pub use super::executions::ExecutionRetention;
pub use super::trace::TraceRetention;

/// Retention of one cloud. The defaults keep every item of a demo or a chaos wave (500
/// orders on a fresh cloud) and hold a process under sustained load to a flat size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Closed executions and their histories.
    pub executions: ExecutionRetention,
    /// The most log lines kept in memory, all groups together; each group also keeps its
    /// template's `RetentionInDays`.
    pub max_log_lines: usize,
    /// Trace hops.
    pub trace: TraceRetention,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            executions: ExecutionRetention::default(),
            max_log_lines: super::logs::DEFAULT_MAX_LOG_LINES,
            trace: TraceRetention::default(),
        }
    }
}
