//! How long a cloud keeps what AWS keeps for a while, on the cloud's clock: closed
//! executions, log lines, trace hops and archived events. Queue messages keep their queue's
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
    /// The bytes of events all archives keep together; each archive also keeps its
    /// `RetentionDays`.
    pub max_archived_bytes: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            executions: ExecutionRetention::default(),
            max_log_lines: super::logs::DEFAULT_MAX_LOG_LINES,
            trace: TraceRetention::default(),
            max_archived_bytes: crate::archive::DEFAULT_MAX_ARCHIVED_BYTES,
        }
    }
}

impl Retention {
    /// The defaults, raised where needed to keep everything `orders` orders of the workflow
    /// leave, with room for retries and redeliveries: what a run that checks every order
    /// afterwards (a chaos wave) needs. An order leaves two executions, its workflow's
    /// and the nested shipment quote's, and a duplicate delivery or an at-least-once
    /// Express run may double each; about 70 log lines and 35 hops at most without faults.
    pub fn keeping_orders(orders: usize) -> Self {
        let default = Self::default();
        Self {
            executions: ExecutionRetention {
                max_closed: default.executions.max_closed.max(orders.saturating_mul(4)),
                ..default.executions
            },
            max_log_lines: default.max_log_lines.max(orders.saturating_mul(200)),
            trace: TraceRetention {
                max_hops: default.trace.max_hops.max(orders.saturating_mul(80)),
                ..default.trace
            },
            ..default
        }
    }
}
