//! One execution as the console draws it: each state's status (succeeded, failed, caught,
//! retried, waiting for a token), its input, output, error and attempts, and which edges
//! of the workflow's graph the execution took; read from its history.

use super::graph::Graph;
use super::redact;
use crate::runtime::sfn::ExecutionEntry;
use orderly_states::history::{EventDetails, HistoryEvent};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How one state fared, over all its runs (a Map's item processor runs once per item).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StateView {
    /// The state's name.
    pub name: String,
    /// `succeeded`, `retried` (succeeded after a retry), `caught` (failed, and a Catch
    /// went on), `failed`, `aborted` (ended unfinished when its execution or a sibling
    /// branch did), `waiting` (for a task token), `running`, or `not-run`.
    pub status: &'static str,
    /// How often the state was entered.
    pub runs: usize,
    /// Retries over all runs: task attempts after each run's first.
    pub retries: usize,
    /// When it was last entered, RFC 3339.
    pub entered: Option<String>,
    /// When it was last left.
    pub exited: Option<String>,
    /// Its last run's input, JSON text with secrets masked.
    pub input: Option<String>,
    /// Its last run's output.
    pub output: Option<String>,
    /// The last error it met, caught or not.
    pub error: Option<String>,
    /// That error's cause.
    pub cause: Option<String>,
    /// Each task attempt of every run, in order.
    pub attempts: Vec<Attempt>,
}

/// One attempt of a task: the invocation, and how it ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// When it was scheduled, RFC 3339.
    pub started: String,
    /// When it ended.
    pub ended: Option<String>,
    /// Milliseconds from its start to its end.
    pub duration_ms: Option<i64>,
    /// `running`, `waiting` (a `.waitForTaskToken` task submitted), `succeeded`, `failed`.
    pub outcome: &'static str,
    /// The error it failed with.
    pub error: Option<String>,
}

/// A task waiting for its token, answerable from the console.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    /// The state that waits.
    pub state: String,
    /// What SendTaskSuccess is offered to send: an approval's decision for an approval
    /// task, `{}` otherwise.
    pub suggested_output: serde_json::Value,
    /// The error SendTaskFailure is offered to send.
    pub suggested_error: String,
}

/// What the history says of the states, ready for the graph.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Path {
    /// Every state that ran, in the order first entered.
    pub states: Vec<StateView>,
    /// The indexes in the graph's edges of the edges taken.
    pub taken: Vec<usize>,
    /// The status of each synthetic node (`#start`, `#end`, `X#join`).
    pub markers: BTreeMap<String, &'static str>,
    /// The task waiting for a token, if one is.
    pub waiting: Option<Waiting>,
}

/// One run of one state, while reading the history.
#[derive(Default)]
struct Run {
    /// The id of its `…StateEntered` event.
    entered_id: u64,
    entered: Option<time::OffsetDateTime>,
    exited_id: Option<u64>,
    exited: Option<time::OffsetDateTime>,
    input: Option<Arc<str>>,
    output: Option<Arc<str>>,
    /// The failure not yet overcome by a success: set by a failed attempt, cleared by a
    /// succeeding one.
    failure: Option<(String, String)>,
    /// The last failure met.
    last_error: Option<(String, String)>,
    attempts: Vec<Attempt>,
    attempt_started: Vec<time::OffsetDateTime>,
    /// The parameters of its last task, where a `.waitForTaskToken` token is.
    parameters: Option<Arc<str>>,
    /// Ended without being left: the Parallel or Map around it was left first (a sibling
    /// branch failed), or the execution was redriven from a later point.
    closed: bool,
    /// Run before the execution's last redrive.
    superseded: bool,
}

/// The runs of every state, from a history.
#[derive(Default)]
struct Runs {
    order: Vec<String>,
    by_state: HashMap<String, Vec<Run>>,
}

impl Runs {
    fn read(history: &[HistoryEvent]) -> Self {
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
    fn close_by_graph(&mut self, graph: &Graph) {
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
        started: rfc3339(at),
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
        attempt.ended = Some(rfc3339(at));
        attempt.duration_ms = i64::try_from((at - *started).whole_milliseconds()).ok();
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    orderly_states::clock::format_timestamp(at)
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
fn state_status(runs: &[Run], running: bool) -> &'static str {
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

/// The states, the edges taken and the waiting task of `entry`, over `graph`.
pub fn path(entry: &ExecutionEntry, history: &[HistoryEvent], graph: Option<&Graph>) -> Path {
    let running = entry.result.is_none();
    let mut runs = Runs::read(history);
    if let Some(graph) = graph {
        runs.close_by_graph(graph);
    }
    let states: Vec<StateView> = runs
        .order
        .iter()
        .filter_map(|name| Some(view(name, runs.by_state.get(name)?, running)))
        .collect();
    let status: HashMap<&str, &'static str> =
        states.iter().map(|s| (s.name.as_str(), s.status)).collect();
    let waiting = states
        .iter()
        .find(|s| s.status == "waiting")
        .map(|s| Waiting::of(&s.name));
    let (taken, markers) = match graph {
        Some(graph) => taken(graph, &runs, history, &status, entry.status()),
        None => (Vec::new(), BTreeMap::new()),
    };
    Path {
        states,
        taken,
        markers,
        waiting,
    }
}

fn view(name: &str, runs: &[Run], running: bool) -> StateView {
    let last = runs.last();
    let error = runs.iter().rev().find_map(|r| r.last_error.clone());
    StateView {
        name: name.to_owned(),
        status: state_status(runs, running),
        runs: runs.len(),
        retries: runs
            .iter()
            .map(|r| r.attempts.len().saturating_sub(1))
            .sum(),
        entered: last.and_then(|r| r.entered).map(rfc3339),
        exited: last.and_then(|r| r.exited).map(rfc3339),
        input: last.and_then(|r| r.input.as_deref()).map(redact::json_text),
        output: last
            .and_then(|r| r.output.as_deref())
            .map(redact::json_text),
        error: error.as_ref().map(|(e, _)| e.clone()),
        cause: error.map(|(_, c)| redact::text(&c)),
        attempts: runs
            .iter()
            .flat_map(|r| r.attempts.iter().cloned())
            .collect(),
    }
}

impl Waiting {
    /// What the console offers to answer a waiting `state` with.
    pub fn of(state: &str) -> Self {
        let approval = state.contains("Approval");
        Self {
            state: state.to_owned(),
            suggested_output: if approval {
                serde_json::json!({"approved": true, "decidedBy": "console"})
            } else {
                serde_json::json!({})
            },
            suggested_error: if approval {
                orderly_core::domain::approval::REJECTED.to_owned()
            } else {
                "States.TaskFailed".to_owned()
            },
        }
    }
}

/// The task token the waiting run of `state` was given: under a `taskToken` key of its
/// task's parameters, where `$$.Task.Token` goes. Never sent to the page.
pub fn waiting_token(history: &[HistoryEvent], state: &str) -> Option<String> {
    let runs = Runs::read(history);
    let run = runs.by_state.get(state)?.iter().rev().find(|r| {
        r.exited_id.is_none() && r.attempts.last().is_some_and(|a| a.outcome == "waiting")
    })?;
    let parameters: serde_json::Value = serde_json::from_str(run.parameters.as_deref()?).ok()?;
    let mut tokens = Vec::new();
    crate::runtime::sfn::task_tokens(&parameters, &mut tokens);
    tokens.pop()
}

/// Which of `graph`'s edges the runs took, and the status of its synthetic nodes.
fn taken(
    graph: &Graph,
    runs: &Runs,
    history: &[HistoryEvent],
    status: &HashMap<&str, &'static str>,
    execution_status: &str,
) -> (Vec<usize>, BTreeMap<String, &'static str>) {
    let ran = |name: &str| status.contains_key(name);
    // A join is left when its Parallel or Map is.
    let left_normally = |name: &str| {
        let name = name.strip_suffix("#join").unwrap_or(name);
        runs.by_state.get(name).is_some_and(|rs| {
            rs.iter()
                .any(|r| r.exited_id.is_some() && r.failure.is_none())
        })
    };
    // The states entered, by event id, to find what came after a state was left.
    let entered: Vec<(u64, &str)> = history
        .iter()
        .filter_map(|e| match &e.details {
            EventDetails::StateEntered { name, .. } => Some((e.id, &**name)),
            _ => None,
        })
        .collect();
    let mut taken = Vec::new();
    for (index, edge) in graph.edges.iter().enumerate() {
        let is_taken = match edge.kind.as_str() {
            "branch" | "iterate" => ran(&edge.to) && ran(&edge.from),
            "join" => left_normally(&edge.from),
            _ if edge.from == "#start" => ran(&edge.to),
            _ if edge.to == "#end" && status.get(edge.from.as_str()) == Some(&"failed") => {
                // A Fail state ends the execution without being left.
                graph
                    .nodes
                    .iter()
                    .any(|n| n.id == edge.from && n.kind == "Fail")
            }
            _ if edge.from.ends_with("#join")
                || edge.to.starts_with('#')
                || edge.to.ends_with("#join") =>
            {
                left_normally(&edge.from)
            }
            kind => followed(graph, runs, &entered, &edge.from, &edge.to, kind == "catch"),
        };
        if is_taken {
            taken.push(index);
        }
    }
    let mut markers = BTreeMap::new();
    for node in graph.nodes.iter().filter(|n| n.id.contains('#')) {
        let done = if node.id == "#start" {
            !status.is_empty()
        } else if node.id == "#end" {
            execution_status != "RUNNING"
                && graph
                    .edges
                    .iter()
                    .enumerate()
                    .any(|(i, e)| e.to == "#end" && taken.contains(&i))
        } else {
            left_normally(&node.id)
        };
        markers.insert(node.id.clone(), if done { "succeeded" } else { "not-run" });
    }
    (taken, markers)
}

/// Whether a run of `from` was followed by `to`: the first of `from`'s successors entered
/// after the run left is `to`, and the run was caught exactly when `catch` says.
fn followed(
    graph: &Graph,
    runs: &Runs,
    entered: &[(u64, &str)],
    from: &str,
    to: &str,
    catch: bool,
) -> bool {
    let successors: Vec<&str> = graph
        .edges
        .iter()
        .filter(|e| e.from == from)
        .map(|e| e.to.as_str())
        .collect();
    runs.by_state.get(from).into_iter().flatten().any(|run| {
        let Some(left) = run.exited_id else {
            return false;
        };
        run.failure.is_some() == catch
            && entered
                .iter()
                .find(|(id, name)| *id > left && successors.contains(name))
                .is_some_and(|(_, name)| *name == to)
    })
}
