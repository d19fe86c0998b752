//! One execution as the console draws it: each state's status (succeeded, failed, caught,
//! retried, waiting for a token), its input, output, error and attempts, and which edges
//! of the workflow's graph the execution took; read from its history.
//!
//! [`runs`] reads a history into the runs of each state; [`taken`] finds the graph's
//! edges those runs followed.

mod runs;
mod taken;

use super::graph::Graph;
use super::redact;
use crate::runtime::sfn::ExecutionEntry;
use orderly_core::clock::rfc3339_millis;
use orderly_states::history::HistoryEvent;
use runs::{Run, Runs, state_status};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

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
        Some(graph) => taken::taken(graph, &runs, history, &status, entry.status()),
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
        entered: last.and_then(|r| r.entered).map(rfc3339_millis),
        exited: last.and_then(|r| r.exited).map(rfc3339_millis),
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
