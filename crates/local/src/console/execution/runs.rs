//! The runs of each state of one execution, read from its history: when each was entered
//! and left, its input and output, its task attempts, the failure it met.

use super::Attempt;
use crate::console::graph::Graph;
use orderly_core::clock::rfc3339_millis;
use orderly_states::history::{EventDetails, HistoryEvent};
use std::collections::HashMap;
use std::sync::Arc;

/// One run of one state, while reading the history.
#[derive(Default)]
pub(super) struct Run {
    /// The id of its `…StateEntered` event.
    pub(super) entered_id: u64,
    pub(super) entered: Option<time::OffsetDateTime>,
    pub(super) exited_id: Option<u64>,
    pub(super) exited: Option<time::OffsetDateTime>,
    pub(super) input: Option<Arc<str>>,
    pub(super) output: Option<Arc<str>>,
    /// The failure not yet overcome by a success: set by a failed attempt, cleared by a
    /// succeeding one.
    pub(super) failure: Option<(String, String)>,
    /// The last failure met.
    pub(super) last_error: Option<(String, String)>,
    pub(super) attempts: Vec<Attempt>,
    pub(super) attempt_started: Vec<time::OffsetDateTime>,
    /// The parameters of its last task, where a `.waitForTaskToken` token is.
    pub(super) parameters: Option<Arc<str>>,
    /// Ended without being left: the Parallel or Map around it was left first (a sibling
    /// branch failed), or the execution was redriven from a later point.
    pub(super) closed: bool,
    /// Run before the execution's last redrive.
    pub(super) superseded: bool,
}

/// The runs of every state, from a history.
#[derive(Default)]
pub(super) struct Runs {
    pub(super) order: Vec<String>,
    pub(super) by_state: HashMap<String, Vec<Run>>,
}

impl Runs {
    pub(super) fn read(history: &[HistoryEvent]) -> Self {
        let mut runs = Self::default();
        for event in history {
            runs.apply(event);
        }
        runs
    }

    fn apply(&mut self, event: &HistoryEvent) {
        match &event.details {
            EventDetails::StateEntered { name, input } => {
                if !self.by_state.contains_key(&**name) {
                    self.order.push(name.to_string());
                }
                self.by_state
                    .entry(name.to_string())
                    .or_default()
                    .push(Run {
                        entered_id: event.id,
                        entered: Some(event.timestamp),
                        input: Some(input.clone()),
                        ..Run::default()
                    });
            }
            EventDetails::StateExited { name, output, .. } => {
                if let Some(run) = self.open_run(name, |r| !r.attempt_under_way()) {
                    run.exited_id = Some(event.id);
                    run.exited = Some(event.timestamp);
                    run.output = Some(output.clone());
                }
            }
            EventDetails::ExecutionRedriven { .. } => {
                for run in self.by_state.values_mut().flatten() {
                    run.closed |= run.exited_id.is_none();
                    run.superseded = true;
                }
            }
            details => {
                let Some(state) = event.state.as_deref() else {
                    return;
                };
                // A Map's iterations run the same task at once: an attempt starts on a run
                // with none under way, and ends on the first run with one under way.
                let starts = matches!(
                    details,
                    EventDetails::TaskScheduled(_) | EventDetails::LambdaScheduled(_)
                );
                if let Some(run) = self.open_run(state, |r| r.attempt_under_way() != starts) {
                    task_event(run, &event.event_type, details, event.timestamp);
                }
            }
        }
    }

    /// The first run of `state` not yet left that `fits`, else its first run not yet
    /// left, else its last run.
    fn open_run(&mut self, state: &str, fits: impl Fn(&Run) -> bool) -> Option<&mut Run> {
        let runs = self.by_state.get_mut(state)?;
        let open = |r: &Run| r.exited_id.is_none() && !r.closed;
        let index = runs
            .iter()
            .position(|r| open(r) && fits(r))
            .or_else(|| runs.iter().position(open))
            .unwrap_or(runs.len().saturating_sub(1));
        runs.get_mut(index)
    }
}

impl Runs {
    /// What the graph tells of runs the history leaves open: a run inside a Parallel or
    /// Map that was left after the run began is closed (its branch was stopped), and a Fail
    /// state that ran failed.
    pub(super) fn close_by_graph(&mut self, graph: &Graph) {
        let group: HashMap<&str, &str> = graph
            .nodes
            .iter()
            .filter_map(|n| Some((n.id.as_str(), n.group.as_deref()?)))
            .filter(|(id, _)| !id.ends_with("#join"))
            .collect();
        let left: HashMap<&str, Vec<(u64, u64)>> = self
            .by_state
            .iter()
            .map(|(name, runs)| {
                let spans = runs
                    .iter()
                    .filter_map(|r| Some((r.entered_id, r.exited_id?)))
                    .collect();
                (name.as_str(), spans)
            })
            .collect();
        let mut closing: Vec<(String, usize)> = Vec::new();
        for (name, runs) in &self.by_state {
            for (i, run) in runs.iter().enumerate() {
                if run.exited_id.is_some() || run.closed {
                    continue;
                }
                let mut at = name.as_str();
                while let Some(parent) = group.get(at).copied() {
                    let stopped =
                        left.get(parent)
                            .into_iter()
                            .flatten()
                            .any(|(entered, exited)| {
                                *entered < run.entered_id && *exited > run.entered_id
                            });
                    if stopped {
                        closing.push((name.clone(), i));
                        break;
                    }
                    at = parent;
                }
            }
        }
        for (name, i) in closing {
            if let Some(run) = self.by_state.get_mut(&name).and_then(|r| r.get_mut(i)) {
                run.closed = true;
            }
        }
        for node in graph.nodes.iter().filter(|n| n.kind == "Fail") {
            for run in self.by_state.get_mut(&node.id).into_iter().flatten() {
                run.failure
                    .get_or_insert_with(|| ("States.Fail".to_owned(), String::new()));
                run.closed = true;
            }
        }
    }
}

impl Run {
    /// Whether an attempt of the run has started and not ended.
    fn attempt_under_way(&self) -> bool {
        self.attempts
            .last()
            .is_some_and(|a| matches!(a.outcome, "running" | "waiting"))
    }
}

/// Applies a state's own event other than entered and exited to its run.
fn task_event(run: &mut Run, event_type: &str, details: &EventDetails, at: time::OffsetDateTime) {
    match details {
        EventDetails::TaskScheduled(task) => {
            run.parameters = Some(task.parameters.clone());
            start_attempt(run, at);
        }
        EventDetails::LambdaScheduled(_) => start_attempt(run, at),
        EventDetails::TaskSubmitted(_) => end_attempt(run, at, "waiting", None),
        EventDetails::TaskSucceeded(_) | EventDetails::LambdaSucceeded { .. } => {
            run.failure = None;
            end_attempt(run, at, "succeeded", None);
        }
        EventDetails::TaskFailed(failed) => {
            fail(run, &failed.error, &failed.cause);
            end_attempt(run, at, "failed", Some(failed.error.clone()));
        }
        EventDetails::Failed { error, cause }
        | EventDetails::EvaluationFailed { error, cause, .. } => {
            fail(run, error, cause);
            if event_type.starts_with("LambdaFunction") || event_type.starts_with("Activity") {
                end_attempt(run, at, "failed", Some(error.clone()));
            }
        }
        EventDetails::None if event_type.ends_with("StateFailed") => {
            // A Parallel or Map whose branch failed: the branch's state holds the error.
            run.failure
                .get_or_insert_with(|| (event_type.to_owned(), String::new()));
        }
        EventDetails::None if event_type.ends_with("StateSucceeded") => run.failure = None,
        _ => {}
    }
}

fn fail(run: &mut Run, error: &str, cause: &str) {
    run.failure = Some((error.to_owned(), cause.to_owned()));
    run.last_error = run.failure.clone();
}

fn start_attempt(run: &mut Run, at: time::OffsetDateTime) {
    run.attempt_started.push(at);
    run.attempts.push(Attempt {
        started: rfc3339_millis(at),
        ended: None,
        duration_ms: None,
        outcome: "running",
        error: None,
    });
}

fn end_attempt(
    run: &mut Run,
    at: time::OffsetDateTime,
    outcome: &'static str,
    error: Option<String>,
) {
    let (Some(attempt), Some(started)) = (run.attempts.last_mut(), run.attempt_started.last())
    else {
        return;
    };
    attempt.outcome = outcome;
    attempt.error = error;
    if outcome != "waiting" {
        attempt.ended = Some(rfc3339_millis(at));
        attempt.duration_ms = i64::try_from((at - *started).whole_milliseconds()).ok();
    }
}

/// The status of one run; `running` says whether the execution still runs.
fn run_status(run: &Run, running: bool) -> &'static str {
    if run.exited_id.is_some() {
        return if run.failure.is_some() {
            "caught"
        } else if run.attempts.len() > 1 {
            "retried"
        } else {
            "succeeded"
        };
    }
    let failed = run.failure.is_some();
    if run.closed || !running {
        // Not left, and over: its own failure ended it, or a sibling branch's did (or a
        // stop, or a redrive from elsewhere).
        return if failed { "failed" } else { "aborted" };
    }
    match run.attempts.last() {
        Some(a) if a.outcome == "waiting" => "waiting",
        // Failed and not left while the execution runs: a retry is due.
        _ => "running",
    }
}

/// The status of a state over its runs: the one that most needs a look, among the runs
/// since the execution's last redrive when there are any.
pub(super) fn state_status(runs: &[Run], running: bool) -> &'static str {
    let current: Vec<&Run> = runs.iter().filter(|r| !r.superseded).collect();
    let runs: Vec<&Run> = if current.is_empty() {
        runs.iter().collect()
    } else {
        current
    };
    const RANK: [&str; 7] = [
        "waiting",
        "running",
        "failed",
        "caught",
        "aborted",
        "retried",
        "succeeded",
    ];
    runs.iter()
        .map(|r| run_status(r, running))
        .min_by_key(|s| RANK.iter().position(|r| r == s).unwrap_or(RANK.len()))
        .unwrap_or("not-run")
}
