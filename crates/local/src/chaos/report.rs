//! The report of a chaos run: what was injected, how orders ended, what the retries and
//! the idempotency layer absorbed, what went to dead-letter queues, and every violation.
//! Only counts and the orders' own ids and virtual times: the same seed and flags give the
//! same report, byte for byte.

use super::ChaosOptions;
use super::invariants::{Findings, Violation};
use super::plan::Rates;
use crate::runtime::faults::Fault;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A whole run's findings.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Orders run.
    pub orders: usize,
    /// The seed.
    pub seed: u64,
    /// Orders per wave (per fresh cloud).
    pub wave_size: usize,
    /// The fault rates.
    pub rates: Rates,
    /// Faults injected, per kind.
    pub faults_injected: BTreeMap<String, u64>,
    /// Orders per terminal state and reason.
    pub outcomes: BTreeMap<String, u64>,
    /// Orders per family, then per terminal state.
    pub outcomes_by_family: BTreeMap<String, BTreeMap<String, u64>>,
    /// Invocations that ended in an error, per error type: what Retry, redelivery and
    /// compensation absorbed.
    pub failed_invocations: BTreeMap<String, u64>,
    /// Executions started by a repeated OrderCreated that found their order owned.
    pub duplicate_executions_suppressed: u64,
    /// Malformed messages sent.
    pub poison_messages_sent: usize,
    /// Dead letters per `queue: reason`.
    pub dead_letters: BTreeMap<String, u64>,
    /// Every broken invariant.
    pub violations: Vec<Violation>,
}

impl Report {
    /// An empty report of a run of `options`.
    pub fn new(options: &ChaosOptions) -> Self {
        Self {
            orders: options.orders,
            seed: options.seed,
            wave_size: options.wave_size,
            rates: options.rates,
            faults_injected: Fault::ALL
                .iter()
                .map(|f| (f.name().to_owned(), 0))
                .collect(),
            outcomes: BTreeMap::new(),
            outcomes_by_family: BTreeMap::new(),
            failed_invocations: BTreeMap::new(),
            duplicate_executions_suppressed: 0,
            poison_messages_sent: 0,
            dead_letters: BTreeMap::new(),
            violations: Vec::new(),
        }
    }

    /// Adds one wave's findings and faults.
    pub fn add_wave(&mut self, findings: Findings, struck: &BTreeMap<Fault, u64>, poison: usize) {
        for (fault, n) in struck {
            *self
                .faults_injected
                .entry(fault.name().to_owned())
                .or_insert(0) += n;
        }
        add_all(&mut self.outcomes, findings.outcomes);
        for (family, outcomes) in findings.by_family {
            add_all(self.outcomes_by_family.entry(family).or_default(), outcomes);
        }
        add_all(&mut self.failed_invocations, findings.failed_invocations);
        add_all(&mut self.dead_letters, findings.dead_letters);
        self.duplicate_executions_suppressed += findings.duplicate_executions;
        self.poison_messages_sent += poison;
        self.violations.extend(findings.violations);
    }

    /// Whether every invariant held.
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }

    /// The report as text, for people.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "chaos: {} orders, seed {}, waves of {}",
            self.orders, self.seed, self.wave_size
        );
        section(&mut out, "faults injected", &self.faults_injected);
        section(&mut out, "orders by terminal state", &self.outcomes);
        for (family, outcomes) in &self.outcomes_by_family {
            section(&mut out, &format!("  {family}"), outcomes);
        }
        section(
            &mut out,
            "failed invocations (retried, redelivered or compensated)",
            &self.failed_invocations,
        );
        let _ = writeln!(
            out,
            "duplicate executions suppressed: {}",
            self.duplicate_executions_suppressed
        );
        let _ = writeln!(out, "poison messages sent: {}", self.poison_messages_sent);
        section(&mut out, "dead letters", &self.dead_letters);
        let _ = writeln!(out, "violations: {}", self.violations.len());
        for v in &self.violations {
            let _ = writeln!(out, "  {} [{}]: {}", v.order_id, v.invariant, v.detail);
            for line in &v.history {
                let _ = writeln!(out, "      {line}");
            }
        }
        out
    }
}

fn add_all(into: &mut BTreeMap<String, u64>, from: BTreeMap<String, u64>) {
    for (k, n) in from {
        *into.entry(k).or_insert(0) += n;
    }
}

fn section(out: &mut String, title: &str, counts: &BTreeMap<String, u64>) {
    let _ = writeln!(out, "{title}:");
    if counts.is_empty() {
        let _ = writeln!(out, "    (none)");
    }
    let width = counts.keys().map(String::len).max().unwrap_or(0);
    for (k, n) in counts {
        let _ = writeln!(out, "    {k:<width$}  {n}");
    }
}
