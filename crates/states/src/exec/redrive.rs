//! Redriving an execution that did not succeed (RedriveExecution): it resumes at the
//! top-level state that was running when it failed, timed out or was stopped, with that
//! state's input and the variables of that moment, under the same name and ARN, its
//! history continued after an `ExecutionRedriven` event. The states that finished are
//! not run again, nor are the Parallel branches and Map iterations of the resumed state
//! that succeeded: their outputs are kept.
//!
//! The run records where it is as it goes: each top-level state that can wait (a task, a
//! Wait, a Parallel or Map, which a stop or the timeout may cut) as it is entered
//! ([`Engine::enter_root_state`]), any other as it fails; and the outputs of a top-level
//! Parallel's branches or Map's iterations as each succeeds (a Map's moved there, not
//! copied). A Pass or Choice costs nothing; a waiting state a lock and two reference
//! counts; a top-level Map iteration a lock; a top-level Parallel branch a copy of its
//! output.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::engine::Engine;
use super::payload::Payload;
use super::vars::Vars;
use super::{Attempt, Execution, ExecutionOptions, ExecutionStatus, race};
use crate::definition::StateMachine;
use crate::history::{EventDetails, Recorder};

/// Where a run is: the top-level state it entered last, with its input and variables,
/// and the outputs of that state's branches or iterations that have succeeded.
pub(crate) struct Position {
    state: usize,
    input: Payload,
    vars: Vars,
    children: Vec<Option<Value>>,
}

/// Where a redrive of an execution that did not succeed resumes.
#[derive(Debug, Clone, PartialEq)]
pub struct RedrivePoint {
    /// The index of the top-level state to run again.
    state: usize,
    /// Its input.
    input: Value,
    /// The variables in scope when it was entered.
    variables: Map<String, Value>,
    /// For a Parallel or Map state, the output of each branch or iteration that
    /// succeeded (`None` for the others, which run again).
    children: Vec<Option<Value>>,
}

impl RedrivePoint {
    /// How many of the state's branches or iterations succeeded, and are kept.
    pub fn kept_children(&self) -> usize {
        self.children.iter().filter(|c| c.is_some()).count()
    }
}

/// Why an execution cannot be redriven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedriveError {
    /// It succeeded, or has not ended.
    #[error("Execution is {0} and cannot be redriven.")]
    Status(&'static str),
    /// It ended before any state ran (its input was refused), so there is nowhere to
    /// resume.
    #[error("Execution failed before its first state and cannot be redriven.")]
    NothingToResume,
}

impl Engine {
    /// Called as the run enters top-level state `index`.
    pub(crate) fn enter_root_state(&self, index: usize, input: &Payload, vars: &Vars) {
        *self.position.lock().unwrap_or_else(|p| p.into_inner()) = Some(Position {
            state: index,
            input: input.clone(),
            vars: vars.clone(),
            children: Vec::new(),
        });
    }

    /// Top-level state `index` failed with input `input`. A state that waits was recorded
    /// as it was entered, with the outputs its branches or iterations kept since: that
    /// record stands.
    pub(crate) fn failed_at_root(&self, index: usize, recorded: bool, input: Payload, vars: &Vars) {
        let mut position = self.position.lock().unwrap_or_else(|p| p.into_inner());
        if recorded && position.as_ref().is_some_and(|p| p.state == index) {
            return;
        }
        *position = Some(Position {
            state: index,
            input,
            vars: vars.clone(),
            children: Vec::new(),
        });
    }

    /// At the start of a top-level Parallel or Map with `n` branches or iterations: the
    /// outputs a redrive kept of them, `None` for those to run (empty on a first run, or
    /// when their number changed).
    pub(crate) fn root_children(&self, n: usize) -> Vec<Option<Value>> {
        self.prior_children
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .filter(|kept| kept.len() == n)
            .unwrap_or_default()
    }

    /// Branch or iteration `index` of the running top-level Parallel or Map succeeded
    /// with `output`.
    pub(crate) fn child_succeeded(&self, index: usize, output: Value) {
        let mut position = self.position.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = position.as_mut().and_then(|p| p.children.get_mut(index)) {
            *slot = Some(output);
        }
    }

    /// The outputs kept of the running top-level state's branches or iterations, taken
    /// as it succeeds.
    pub(crate) fn take_children(&self) -> Vec<Option<Value>> {
        self.position
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
            .map(|p| std::mem::take(&mut p.children))
            .unwrap_or_default()
    }

    /// Sets the outputs kept of the running top-level state's branches or iterations as
    /// it starts (each is added as it succeeds).
    pub(crate) fn keep_children(&self, kept: Vec<Option<Value>>) {
        if let Some(position) = self
            .position
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            position.children = kept;
        }
    }

    /// Where a redrive of this run would resume.
    pub(crate) fn redrive_point(&self) -> Option<RedrivePoint> {
        let position = self
            .position
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()?;
        Some(RedrivePoint {
            state: position.state,
            input: position.input.into_value(),
            variables: position.vars.map().clone(),
            children: position.children,
        })
    }
}

/// Redrives `previous`, an execution of `machine` that failed, timed out or was stopped:
/// runs it again from where it stopped, and answers it as it ends this time.
///
/// # Errors
///
/// `previous` succeeded or never ran a state.
pub async fn redrive(
    machine: &StateMachine,
    previous: &Execution,
    options: ExecutionOptions,
) -> Result<Execution, RedriveError> {
    if previous.status == ExecutionStatus::Succeeded {
        return Err(RedriveError::Status("SUCCEEDED"));
    }
    let point = previous
        .redrive_point
        .clone()
        .ok_or(RedriveError::NothingToResume)?;
    let recorder = Recorder::continuing(
        options.record_history,
        options.live_history.clone(),
        previous.history.clone(),
    );
    let now = options.clock.now();
    let redrive_count = previous.redrive_count + 1;
    recorder.record(
        now,
        "ExecutionRedriven",
        EventDetails::ExecutionRedriven { redrive_count },
    );
    let attempt = Attempt {
        arn: previous.execution_arn.clone(),
        name: previous.name.clone(),
        start: previous.start_date,
        redrive_count,
        redrive_date: Some(now),
    };
    let input = Arc::new(previous.input.clone());
    let engine = attempt.engine(machine, &options, recorder, Arc::clone(&input), now);
    *engine
        .prior_children
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(point.children.clone());
    let outcome = race(
        engine.resume_machine(
            machine,
            point.state,
            Payload::new(Arc::new(point.input.clone())),
            Vars::from_map(point.variables.clone()),
        ),
        machine,
        &options,
    )
    .await;
    Ok(attempt.conclude(engine, outcome, input, &options))
}
