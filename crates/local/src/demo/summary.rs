//! The demo's closing figures: duplicates suppressed, retries, dead letters and latency
//! per hop, gathered from the scenarios' clouds.

use super::latency::{self, Samples};
use crate::scenarios::{DeadLetter, ScenarioRun};
use serde_json::Value;

/// What every scenario's cloud adds up to.
#[derive(Debug, Default)]
pub struct Summary {
    /// Idempotent responses replayed instead of running a step again.
    pub replays: usize,
    /// Executions that stopped at `Duplicate` (the order was registered already).
    pub duplicate_executions: usize,
    /// Task attempts beyond the first (Retry of the state machine).
    pub task_retries: usize,
    /// Receives beyond the first of messages that ended in a DLQ.
    pub redeliveries: usize,
    /// Every message that ended in a dead-letter queue.
    pub dead_letters: Vec<DeadLetter>,
    /// Latency samples, microseconds per hop label.
    pub latency: Samples,
}

impl Summary {
    /// The totals over `runs`.
    pub fn of(runs: &[ScenarioRun]) -> Self {
        let mut summary = Self::default();
        for run in runs {
            let cloud = &run.cloud.inner;
            summary.replays += cloud
                .logs
                .lines()
                .iter()
                .filter(|l| {
                    l.line
                        .get("message")
                        .and_then(Value::as_str)
                        .is_some_and(|m| m.starts_with("replaying"))
                })
                .count();
            for execution in cloud.executions() {
                let history = execution.history();
                let count = |t: &str| history.iter().filter(|e| e.event_type == t).count();
                summary.task_retries +=
                    count("TaskScheduled").saturating_sub(count("TaskStateEntered"));
                if crate::scenarios::final_state(&execution) == "Duplicate" {
                    summary.duplicate_executions += 1;
                }
            }
            for letter in &run.outcome.dead_letters {
                summary.redeliveries += letter.receive_count.saturating_sub(1) as usize;
                summary.dead_letters.push(letter.clone());
            }
            latency::collect(cloud, &mut summary.latency);
        }
        summary
    }

    /// The table printed at the end of the demo.
    pub fn render(&self, runs: &[ScenarioRun]) -> Vec<String> {
        let mut out = vec![
            String::new(),
            "Summary".to_owned(),
            format!(
                "  {:<20} {:<22} {:<34} {}",
                "scenario", "order", "final state", "result"
            ),
        ];
        for run in runs {
            let order = match run.scenario.kind {
                crate::scenarios::Kind::OrderStream => "(four orders)",
                _ if run.scenario.order_id.is_empty() => "(message)",
                _ => run.scenario.order_id,
            };
            out.push(format!(
                "  {:<20} {:<22} {:<34} {}",
                run.scenario.name,
                order,
                run.outcome.final_state,
                if run.outcome.passed { "PASS" } else { "FAIL" }
            ));
        }
        out.push(String::new());
        out.push(format!(
            "  duplicates suppressed: {} ({} idempotent replays, {} duplicate executions)",
            self.replays + self.duplicate_executions,
            self.replays,
            self.duplicate_executions
        ));
        out.push(format!(
            "  retries: {} ({} task retries by the state machine, {} SQS redeliveries)",
            self.task_retries + self.redeliveries,
            self.task_retries,
            self.redeliveries
        ));
        out.push(format!("  dead letters: {}", self.dead_letters.len()));
        for letter in &self.dead_letters {
            out.push(format!(
                "    {} (received {}x): {} — body {}",
                letter.queue,
                letter.receive_count,
                letter.reason,
                truncate(&letter.body, 48)
            ));
        }
        out.push(String::new());
        out.push(format!(
            "  {:<52} {:>6} {:>10} {:>10}",
            "latency per hop (wall)", "n", "p50 ms", "p99 ms"
        ));
        for (label, samples) in &self.latency {
            out.push(format!(
                "  {:<52} {:>6} {:>10.3} {:>10.3}",
                label,
                samples.len(),
                latency::percentile(samples, 50.0) as f64 / 1000.0,
                latency::percentile(samples, 99.0) as f64 / 1000.0
            ));
        }
        out
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}
