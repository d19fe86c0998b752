//! `orderly demo`: every scenario on the local cloud, with progress, a timeline per order
//! and a closing summary.

pub mod latency;
pub mod summary;
pub mod timeline;

use crate::scenarios::{self, ScenarioEnv, ScenarioRun};
use orderly_core::clock::Stopwatch;
use std::io::Write;
use std::time::Duration;
use summary::Summary;

/// What the demo prints.
#[derive(Debug, Clone, Copy, Default)]
pub struct Verbosity {
    /// Leave out the timelines (progress and summary only).
    pub quiet: bool,
}

/// The demo's result.
pub struct DemoReport {
    /// Every scenario that ran, with its cloud.
    pub runs: Vec<ScenarioRun>,
    /// Scenarios that could not run, with the reason.
    pub errors: Vec<(String, String)>,
    /// Wall time of the whole demo.
    pub wall: Duration,
}

impl DemoReport {
    /// Every scenario ran and ended as it expects.
    pub fn passed(&self) -> bool {
        self.errors.is_empty() && self.runs.iter().all(|r| r.outcome.passed)
    }
}

/// Runs every scenario and prints as it goes. Must run on a tokio runtime with paused
/// time for the approval timeout to pass at once.
pub async fn run(env: &ScenarioEnv, verbosity: Verbosity, out: &mut dyn Write) -> DemoReport {
    let started = Stopwatch::start();
    let all = scenarios::all();
    let mut runs = Vec::new();
    let mut errors = Vec::new();
    let _ = writeln!(
        out,
        "orderly demo: {} scenarios on the local cloud from {}",
        all.len(),
        env.template.display()
    );
    for (i, scenario) in all.iter().enumerate() {
        let _ = write!(
            out,
            "[{}/{}] {:<20} {} … ",
            i + 1,
            all.len(),
            scenario.name,
            scenario.summary
        );
        let _ = out.flush();
        match scenarios::run(*scenario, env).await {
            Ok(run) => {
                let _ = writeln!(
                    out,
                    "{} ({}, {:.2} s)",
                    if run.outcome.passed { "PASS" } else { "FAIL" },
                    run.outcome.final_state,
                    run.wall.as_secs_f64()
                );
                for failed in run
                    .outcome
                    .details
                    .iter()
                    .filter(|d| d.starts_with("FAILED"))
                {
                    let _ = writeln!(out, "      {failed}");
                }
                runs.push(run);
            }
            Err(e) => {
                let _ = writeln!(out, "ERROR: {e}");
                errors.push((scenario.name.to_owned(), e.to_string()));
            }
        }
    }
    if !verbosity.quiet {
        for run in &runs {
            let _ = writeln!(out);
            let label = if run.scenario.order_id.is_empty() {
                format!("Timeline of {} (no correlation id)", run.scenario.name)
            } else {
                format!(
                    "Timeline of {} ({}, correlation id {})",
                    run.scenario.order_id, run.scenario.name, run.scenario.correlation_id
                )
            };
            let _ = writeln!(out, "{label}");
            for line in timeline::render(&run.cloud.inner.trace.of(run.scenario.correlation_id)) {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    let summary = Summary::of(&runs);
    for line in summary.render(&runs) {
        let _ = writeln!(out, "{line}");
    }
    for run in runs
        .iter()
        .filter(|r| r.scenario.kind == scenarios::Kind::OrderStream)
    {
        let _ = writeln!(
            out,
            "\n  order stream, one-minute windows (AnalyticsTable, written by order-analytics)"
        );
        for line in scenarios::streaming::window_lines(&run.cloud.inner) {
            let _ = writeln!(out, "    {line}");
        }
    }
    let report = DemoReport {
        runs,
        errors,
        wall: started.elapsed(),
    };
    let passed = report.runs.iter().filter(|r| r.outcome.passed).count();
    let _ = writeln!(
        out,
        "\n{passed} of {} scenarios as expected in {:.2} s",
        all.len(),
        report.wall.as_secs_f64()
    );
    report
}
