//! The compiler's work counter: a deterministic measure of what compiling one pattern costs.
//!
//! Compiling a pattern is linear in its text except in three places, where the work depends
//! on how the pattern is put together rather than on its length:
//!
//! - the wildcard complexity check, which explores the sets of matcher positions an input
//!   can keep alive (`wildcard.rs`);
//! - `$or`, whose branches multiply into sub-rules, each holding a copy of the fields
//!   around the `$or` (`compile.rs`);
//! - the matcher, which takes one step per field of every sub-rule (`machine.rs`).
//!
//! Each of them spends units here, weighted by what the operation costs: a byte of text read
//! or a matcher position stepped is one unit; a field copied into a sub-rule, or a step
//! added to the matcher, is [`FIELD_UNITS`] (each allocates, compares paths and hashes).
//! Compilation stops when the budget is spent. The count does not depend on the machine or
//! its load, so tests assert it where they could not assert a time.

/// Units of work one pattern may cost to compile: about 9 ms of CPU on one core of the 2-core
/// development machine (`docs/performance-pattern.md`, "Compiling hostile patterns").
///
/// Within the API's length limit, only `$or` can reach it: its branches multiply, and a
/// field written outside them is copied into every sub-rule, so 1,024 sub-rules with 400
/// fields each would cost 400,000 copies (the budget allows about 60,000). EventBridge documents no limit on this, so the
/// pattern is refused as too complex, the reason EventBridge gives for patterns that would
/// be too costly to match. Every other pattern within the limit stays far below the budget:
/// the longest wildcards take under 5 % of it (the tests in `tests/budget.rs`).
pub const COMPILE_WORK_BUDGET: u64 = 1_000_000;

/// Units for copying one field into a sub-rule or adding one step to the matcher.
pub(crate) const FIELD_UNITS: usize = 8;

/// Work spent so far on one pattern.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Work {
    spent: u64,
}

/// The budget is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exhausted;

impl Work {
    /// Spends `units`; fails once the total passes the budget.
    pub(crate) fn spend(&mut self, units: usize) -> Result<(), Exhausted> {
        self.spent = self.spent.saturating_add(units as u64);
        if self.spent > COMPILE_WORK_BUDGET {
            Err(Exhausted)
        } else {
            Ok(())
        }
    }

    pub(crate) fn spent(&self) -> u64 {
        self.spent
    }
}
