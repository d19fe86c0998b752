//! The state loop: enter a state, run it (with Retry and Catch), record it, move on.
//! What a state does with its data lives beside it: Choice in `choice`, Retry and Catch
//! in `retry_catch`, paths, templates, Output and Assign in `shape`.

use super::choice::run_choice;
use super::payload::Payload;
use super::retry_catch::{catcher_for, caught_output, next_retry};
use super::run::{Interrupt, StateRun, Step};
use super::shape::{
    bindings, jsonata, jsonata_output, pass_output, passed_through_assign, paths_output, scope,
};
use super::vars::Vars;
use crate::callbacks::TaskTokens;
use crate::clock::Clock;
use crate::definition::StateMachine;
use crate::definition::model::{Branch, DynamicText, Kind, QueryLanguage, State};
use crate::errors::StatesError;
use crate::history::{EventDetails, Recorder};
use crate::task::TaskHandler;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

tokio::task_local! {
    /// Whether the state running is in a Parallel branch (and not in a Map iteration
    /// nested in one): there a failing Task state is aborted with its branch.
    pub(crate) static IN_PARALLEL_BRANCH: bool;
    /// The state whose run is being polled: the events it records are its
    /// ([`HistoryEvent::state`](crate::history::HistoryEvent::state)). A nested state's
    /// run sets its own, so a branch's events are its states', not the Parallel's.
    static RUNNING_STATE: Arc<str>;
}

/// One execution's shared machinery.
pub(crate) struct Engine {
    pub clock: Arc<dyn Clock>,
    pub tasks: Arc<dyn TaskHandler>,
    pub tokens: TaskTokens,
    pub recorder: Recorder,
    /// The context object's `Execution`, without `Input` (added when a state reads it).
    pub context_execution: Value,
    pub execution_input: Arc<Value>,
    pub context_machine: Value,
    pub region: String,
    pub deadline: Option<OffsetDateTime>,
    /// Draws Retry's FULL jitter; the process's random source when `None`.
    pub jitter: Option<super::Jitter>,
    /// Where a redrive would resume: the top-level state running now, with its input and
    /// variables, and the outputs of its Parallel branches or Map iterations that have
    /// succeeded.
    pub position: std::sync::Mutex<Option<super::redrive::Position>>,
    /// On a redrive, the branch or iteration outputs the redriven attempt left, for the
    /// first top-level Parallel or Map state that runs.
    pub prior_children: std::sync::Mutex<Option<Vec<Option<Value>>>>,
}

fn entered_event(kind: &Kind) -> &'static str {
    match kind {
        Kind::Pass { .. } => "PassStateEntered",
        Kind::Task { .. } => "TaskStateEntered",
        Kind::Choice { .. } => "ChoiceStateEntered",
        Kind::Wait { .. } => "WaitStateEntered",
        Kind::Succeed => "SucceedStateEntered",
        Kind::Fail { .. } => "FailStateEntered",
        Kind::Parallel { .. } => "ParallelStateEntered",
        Kind::Map(_) => "MapStateEntered",
    }
}

/// Whether a state of this kind can wait (and so be cut by a stop or a timeout).
fn waits(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Task { .. } | Kind::Wait { .. } | Kind::Parallel { .. } | Kind::Map(_)
    )
}

fn exited_event(kind: &Kind) -> &'static str {
    match kind {
        Kind::Pass { .. } => "PassStateExited",
        Kind::Task { .. } => "TaskStateExited",
        Kind::Choice { .. } => "ChoiceStateExited",
        Kind::Wait { .. } => "WaitStateExited",
        Kind::Succeed => "SucceedStateExited",
        Kind::Fail { .. } => "FailStateExited",
        Kind::Parallel { .. } => "ParallelStateExited",
        Kind::Map(_) => "MapStateExited",
    }
}

impl Engine {
    /// Records an event; details are built only when history is kept.
    pub(crate) fn event(
        &self,
        event_type: &'static str,
        details: impl FnOnce() -> EventDetails,
    ) -> u64 {
        if self.recorder.enabled() {
            let state = RUNNING_STATE.try_with(Arc::clone).ok();
            self.recorder
                .record_in(state, self.clock.now(), event_type, details())
        } else {
            self.recorder
                .record(OffsetDateTime::UNIX_EPOCH, event_type, EventDetails::None)
        }
    }

    pub(crate) async fn run_machine(
        &self,
        machine: &StateMachine,
        input: Payload,
    ) -> Result<Payload, Interrupt> {
        let root = &machine.root;
        self.run_from(root, root.start_at, input, Vars::default(), true)
            .await
    }

    /// Runs the machine from its top-level state `start` with `input` and `vars`: a
    /// redrive's resumption.
    pub(crate) async fn resume_machine(
        &self,
        machine: &StateMachine,
        start: usize,
        input: Payload,
        vars: Vars,
    ) -> Result<Payload, Interrupt> {
        self.run_from(&machine.root, start, input, vars, true).await
    }

    pub(crate) fn run_branch<'a>(
        &'a self,
        branch: &'a Branch,
        input: Value,
        vars: Vars,
    ) -> BoxFuture<'a, Result<Value, Interrupt>> {
        Box::pin(async move {
            let output = self
                .run_shared(branch, Payload::new(Arc::new(input)), vars)
                .await?;
            Ok(output.into_value())
        })
    }

    /// Runs a branch. Payloads move between states behind an Arc, so a state that
    /// hands its input on unchanged copies nothing.
    fn run_shared<'a>(
        &'a self,
        branch: &'a Branch,
        input: Payload,
        vars: Vars,
    ) -> BoxFuture<'a, Result<Payload, Interrupt>> {
        self.run_from(branch, branch.start_at, input, vars, false)
    }

    /// Runs `branch` from state `start`. The machine's own top level (`root`) records each
    /// state it enters as the place a redrive resumes from.
    fn run_from<'a>(
        &'a self,
        branch: &'a Branch,
        start: usize,
        input: Payload,
        vars: Vars,
        root: bool,
    ) -> BoxFuture<'a, Result<Payload, Interrupt>> {
        Box::pin(async move {
            let mut vars = vars;
            let mut index = start;
            let mut input = input;
            loop {
                let state = branch.states.get(index).ok_or_else(|| {
                    StatesError::runtime("transition to a state that does not exist")
                })?;
                // A state that waits (a task, a Wait, a Parallel or Map) may be cut by a stop
                // or the timeout between two polls: its place is recorded as it is entered.
                // Any other state is recorded only when it fails (`run_state`).
                if root && waits(&state.kind) {
                    self.enter_root_state(index, &input, &vars);
                }
                match self
                    .run_state(state, input, &mut vars, root.then_some(index))
                    .await?
                {
                    Step::Next(next, output) => {
                        index = next;
                        input = output;
                    }
                    Step::End(output) => return Ok(output),
                }
            }
        })
    }

    /// Fails when the execution's TimeoutSeconds has passed (for clocks whose sleeps
    /// cannot be raced).
    fn check_deadline(&self) -> Result<(), Interrupt> {
        match self.deadline {
            Some(deadline) if self.clock.now() >= deadline => Err(Interrupt::TimedOut),
            _ => Ok(()),
        }
    }

    /// Sleeps on the execution's clock, ending the execution if its deadline comes first.
    pub(crate) async fn sleep(&self, duration: Duration) -> Result<(), Interrupt> {
        if let Some(deadline) = self.deadline
            && !self.clock.races_timeouts()
        {
            let now = self.clock.now();
            let left = deadline - now;
            if left <= duration {
                if left.is_positive() {
                    self.clock.sleep(left.unsigned_abs()).await;
                }
                return Err(Interrupt::TimedOut);
            }
        }
        self.clock.sleep(duration).await;
        Ok(())
    }

    /// Runs one state; `root_index` is its index when it is a top-level state, whose
    /// failure a redrive resumes at.
    async fn run_state(
        &self,
        state: &State,
        mut raw: Payload,
        vars: &mut Vars,
        root_index: Option<usize>,
    ) -> Result<Step<Payload>, Interrupt> {
        let body = self.run_state_body(state, &mut raw, vars, root_index.is_some());
        // Only a kept history reads the state's name; an Express execution keeps none.
        let result = if self.recorder.enabled() {
            RUNNING_STATE.scope(state.name.clone(), body).await
        } else {
            body.await
        };
        if let (Err(_), Some(index)) = (&result, root_index) {
            self.failed_at_root(index, waits(&state.kind), raw, vars);
        }
        result
    }

    async fn run_state_body(
        &self,
        state: &State,
        raw: &mut Payload,
        vars: &mut Vars,
        at_root: bool,
    ) -> Result<Step<Payload>, Interrupt> {
        self.check_deadline()?;
        let entered_time = self.clock.now();
        let entered_id = self.event(entered_event(&state.kind), || EventDetails::StateEntered {
            name: state.name.clone(),
            input: raw.text(),
        });
        let mut run = StateRun {
            state,
            entered_id,
            entered_time,
            retry_count: 0,
            task_token: None,
            output_text: None,
            clock: &*self.clock,
            at_root,
            note_assigned: self.recorder.enabled(),
            notes: Default::default(),
        };
        let mut attempts = vec![0u32; state.retry.len()];
        loop {
            let err = match self.attempt(&mut run, raw, vars).await {
                Ok(step) => {
                    let fresh = step.output().is_some();
                    let known_text = run.output_text.take();
                    let mut step = step.map(|output| match (output, known_text) {
                        (Some(v), Some(text)) => Payload::with_text(Arc::new(v), text),
                        (Some(v), None) => Payload::new(Arc::new(v)),
                        (None, _) => raw.clone(),
                    });
                    if fresh {
                        self.check_output_size(&run, step.output_mut())?;
                    }
                    self.event(exited_event(&state.kind), || EventDetails::StateExited {
                        name: state.name.clone(),
                        output: step.output_mut().text(),
                        assigned: run.take_assigned(),
                    });
                    return Ok(step);
                }
                Err(Interrupt::Failed(err)) => {
                    self.record_evaluation_failure(&run, &err);
                    err
                }
                Err(other) => return Err(other),
            };
            let draw = || match &self.jitter {
                Some(jitter) => jitter(),
                None => rand::random::<f64>(),
            };
            let failed_event = run.take_failed_event();
            if let Some(delay) = next_retry(state, &mut attempts, &err, draw) {
                run.retry_count += 1;
                self.sleep(delay).await?;
                continue;
            }
            if let Some(event_type) = failed_event {
                self.event(event_type, || EventDetails::None);
            }
            if let Some(catcher) = catcher_for(state, &err) {
                let context = self.context(&run);
                let caught = caught_output(&run, catcher, &raw.value, err, &context, vars)?;
                let mut output = Payload::new(Arc::new(caught));
                self.event(exited_event(&state.kind), || EventDetails::StateExited {
                    name: state.name.clone(),
                    output: output.text(),
                    assigned: run.take_assigned(),
                });
                return Ok(Step::Next(catcher.next, output));
            }
            // Recorded on AWS: a Task state whose failure ends a Parallel branch is
            // aborted with the branch.
            if matches!(state.kind, Kind::Task { .. })
                && IN_PARALLEL_BRANCH
                    .try_with(|inside| *inside)
                    .unwrap_or(false)
            {
                self.event("TaskStateAborted", || EventDetails::None);
            }
            return Err(Interrupt::Failed(err));
        }
    }

    async fn attempt(
        &self,
        run: &mut StateRun<'_>,
        input: &mut Payload,
        vars: &mut Vars,
    ) -> Result<Step<Option<Value>>, Interrupt> {
        // `None` as output: the state hands its input on unchanged.
        let state = run.state;
        let raw: &Value = &input.value;
        let finish = |output: Option<Value>| match state.next {
            Some(next) => Step::Next(next, output),
            None => Step::End(output),
        };
        match &state.kind {
            Kind::Pass { result } => {
                let context = self.context(run);
                if state.passes_input_through {
                    let assigned = passed_through_assign(run, raw, &context, vars)?;
                    vars.assign(run, assigned)?;
                    return Ok(finish(None));
                }
                let (output, assigned) = match state.query_language {
                    QueryLanguage::JsonPath => {
                        pass_output(run, result.as_ref(), input, &context, vars)?
                    }
                    QueryLanguage::Jsonata => jsonata_output(run, raw, &context, None, vars)?,
                };
                vars.assign(run, assigned)?;
                Ok(finish(Some(output)))
            }
            Kind::Succeed => {
                if state.passes_input_through {
                    return Ok(Step::End(None));
                }
                let context = self.context(run);
                let output = match state.query_language {
                    QueryLanguage::JsonPath => paths_output(run, raw, &context, vars)?.0,
                    QueryLanguage::Jsonata => jsonata_output(run, raw, &context, None, vars)?.0,
                };
                Ok(Step::End(Some(output)))
            }
            Kind::Fail { error, cause } => {
                let context = self.context(run);
                let error = fail_text(run, error.as_ref(), raw, &context, vars, "Error")?;
                let cause = fail_text(run, cause.as_ref(), raw, &context, vars, "Cause")?;
                Err(Interrupt::Failed(StatesError::new(error, cause)))
            }
            Kind::Choice { choices, default } => {
                let context = self.context(run);
                run_choice(run, choices, *default, raw, &context, vars)
            }
            Kind::Wait { until } => {
                let context = self.context(run);
                let duration = self.wait_duration(run, until, raw, &context, vars)?;
                self.sleep(duration).await?;
                if state.passes_input_through {
                    let assigned = passed_through_assign(run, raw, &context, vars)?;
                    vars.assign(run, assigned)?;
                    return Ok(finish(None));
                }
                let (output, assigned) = match state.query_language {
                    QueryLanguage::JsonPath => paths_output(run, raw, &context, vars)?,
                    QueryLanguage::Jsonata => jsonata_output(run, raw, &context, None, vars)?,
                };
                vars.assign(run, assigned)?;
                Ok(finish(Some(output)))
            }
            Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map(_) => {
                // Boxed: this future is large (task calls, Map, Parallel) and would
                // otherwise enlarge every state's future, Pass and Choice included.
                let output = Box::pin(self.run_with_result(run, raw, vars)).await?;
                Ok(finish(Some(output)))
            }
        }
    }
}

/// A Fail state's `Error` or `Cause` (`name`): fixed, by path, by intrinsic or JSONata.
fn fail_text(
    run: &StateRun<'_>,
    field: Option<&DynamicText>,
    raw: &Value,
    context: &Value,
    vars: &Vars,
    name: &str,
) -> Result<String, StatesError> {
    let value = match field {
        None => return Ok(String::new()),
        Some(DynamicText::Fixed(s)) => return Ok(s.clone()),
        Some(DynamicText::Path(p)) => p
            .evaluate(scope(raw, context, vars))
            .map(Cow::into_owned)
            .ok_or_else(|| {
                run.fail(crate::causes::Cause::FieldPathNotFound {
                    field: &format!("{name}Path"),
                    path: p.text(),
                    input: raw,
                })
            })?,
        Some(DynamicText::Intrinsic(expr)) => {
            expr.evaluate(raw, context, &Map::new()).map_err(|e| {
                StatesError::new(e.error, format!("{} {}", run.error_prefix(), e.message))
            })?
        }
        Some(DynamicText::Jsonata(t)) => {
            let b = bindings(raw, context, None, None, vars);
            jsonata(run, name, t, &b)?
        }
    };
    match value {
        Value::String(s) => Ok(s),
        other => Err(run.runtime(format_args!(
            "The value of the field '{name}' must be a string, got {other}"
        ))),
    }
}
