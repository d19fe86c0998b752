//! The state loop: enter a state, run it (with Retry and Catch), record it, move on.

use super::data::{StateRun, scope};
use super::payload::Payload;
use super::vars::Vars;
use crate::callbacks::TaskTokens;
use crate::choice::Rule;
use crate::clock::Clock;
use crate::definition::StateMachine;
use crate::definition::model::{
    Assign, Branch, Catcher, Kind, QueryLanguage, Retrier, Selection, State,
};
use crate::errors::{StatesError, error_equals_matches, names, state_error_prefix};
use crate::history::{EventDetails, Recorder};
use crate::paths::result_path::ResultPath;
use crate::task::TaskHandler;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Why a branch stopped other than by finishing.
#[derive(Debug)]
pub(crate) enum Interrupt {
    /// A state failed; Retry and Catch may handle it.
    Failed(StatesError),
    /// The execution's TimeoutSeconds passed.
    TimedOut,
    /// The execution was stopped.
    Aborted,
}

impl From<StatesError> for Interrupt {
    fn from(e: StatesError) -> Self {
        Interrupt::Failed(e)
    }
}

/// Where control goes after a state.
pub(crate) enum Step<V = Value> {
    Next(usize, V),
    End(V),
}

impl<V> Step<V> {
    fn output(&self) -> &V {
        match self {
            Step::Next(_, v) | Step::End(v) => v,
        }
    }

    fn output_mut(&mut self) -> &mut V {
        match self {
            Step::Next(_, v) | Step::End(v) => v,
        }
    }

    fn map<W>(self, f: impl FnOnce(V) -> W) -> Step<W> {
        match self {
            Step::Next(n, v) => Step::Next(n, f(v)),
            Step::End(v) => Step::End(f(v)),
        }
    }
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

impl Retrier {
    /// The wait before retry number `attempt` (0-based): IntervalSeconds × BackoffRate^n,
    /// capped by MaxDelaySeconds, then drawn uniformly below that with FULL jitter.
    pub(crate) fn delay(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
        let mut seconds = self.interval_seconds * self.backoff_rate.powi(exponent);
        if let Some(max) = self.max_delay_seconds {
            seconds = seconds.min(max);
        }
        if !seconds.is_finite() {
            seconds = 99_999_999.0;
        }
        if self.jitter_full {
            seconds *= rand::random::<f64>();
        }
        Duration::from_secs_f64(seconds.clamp(0.0, 99_999_999.0))
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
            self.recorder
                .record(self.clock.now(), event_type, details())
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
        self.run_shared(&machine.root, input, Vars::default()).await
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
        Box::pin(async move {
            let mut vars = vars;
            let mut index = branch.start_at;
            let mut input = input;
            loop {
                let state = branch.states.get(index).ok_or_else(|| {
                    StatesError::runtime("transition to a state that does not exist")
                })?;
                match self.run_state(state, input, &mut vars).await? {
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

    async fn run_state(
        &self,
        state: &State,
        mut raw: Payload,
        vars: &mut Vars,
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
        };
        let mut attempts = vec![0u32; state.retry.len()];
        loop {
            let err = match self.attempt(&mut run, &mut raw, vars).await {
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
                    });
                    return Ok(step);
                }
                Err(Interrupt::Failed(err)) => err,
                Err(other) => return Err(other),
            };
            if let Some(i) = state
                .retry
                .iter()
                .position(|r| error_equals_matches(&r.error_equals, &err.error))
                && attempts[i] < state.retry[i].max_attempts
            {
                let delay = state.retry[i].delay(attempts[i]);
                attempts[i] += 1;
                run.retry_count += 1;
                self.sleep(delay).await?;
                continue;
            }
            if let Some(catcher) = state
                .catch
                .iter()
                .find(|c| error_equals_matches(&c.error_equals, &err.error))
            {
                let mut output =
                    Payload::new(Arc::new(self.catch(&run, catcher, &raw.value, err, vars)?));
                self.event(exited_event(&state.kind), || EventDetails::StateExited {
                    name: state.name.clone(),
                    output: output.text(),
                });
                return Ok(Step::Next(catcher.next, output));
            }
            return Err(Interrupt::Failed(err));
        }
    }

    fn catch(
        &self,
        run: &StateRun<'_>,
        catcher: &Catcher,
        raw: &Value,
        err: StatesError,
        vars: &mut Vars,
    ) -> Result<Value, Interrupt> {
        let error_output = err.to_output();
        let context = self.context(run);
        let (output, assigned) = match run.state.query_language {
            QueryLanguage::JsonPath => {
                let assigned = self.assign(
                    run,
                    catcher.assign.as_ref(),
                    &error_output,
                    &context,
                    None,
                    vars,
                )?;
                let output =
                    self.apply_result_path(run, &catcher.result_path, raw, error_output)?;
                (output, assigned)
            }
            QueryLanguage::Jsonata => {
                let bindings = self.bindings(raw, &context, None, Some(&error_output), vars);
                let output = match &catcher.output {
                    Some(t) => self.jsonata(run, "Output", t, &bindings)?,
                    None => error_output,
                };
                let assigned = self.assign(
                    run,
                    catcher.assign.as_ref(),
                    &Value::Null,
                    &context,
                    Some(&bindings),
                    vars,
                )?;
                (output, assigned)
            }
        };
        vars.assign(assigned);
        Ok(output)
    }

    /// Evaluates an Assign block against the values before the state assigns anything.
    /// JSONPath: `$` is `subject`; JSONata: the given bindings.
    pub(crate) fn assign(
        &self,
        run: &StateRun<'_>,
        assign: Option<&Assign>,
        subject: &Value,
        context: &Value,
        bindings: Option<&Map<String, Value>>,
        vars: &Vars,
    ) -> Result<Map<String, Value>, StatesError> {
        let value = match assign {
            None => return Ok(Map::new()),
            Some(Assign::JsonPath(t)) => self.template(run, t, subject, context, vars)?,
            Some(Assign::Jsonata(t)) => match bindings {
                Some(b) => self.jsonata(run, "Assign", t, b)?,
                None => {
                    let b = self.bindings(subject, context, None, None, vars);
                    self.jsonata(run, "Assign", t, &b)?
                }
            },
        };
        match value {
            Value::Object(map) => Ok(map),
            _ => Err(run.runtime("The value of the field 'Assign' must be an object")),
        }
    }

    pub(crate) fn apply_result_path(
        &self,
        run: &StateRun<'_>,
        result_path: &ResultPath,
        raw: &Value,
        result: Value,
    ) -> Result<Value, StatesError> {
        match result_path {
            ResultPath::Replace => Ok(result),
            ResultPath::Discard => Ok(raw.clone()),
            ResultPath::Path(_) => {
                self.apply_result_path_owned(run, result_path, raw.clone(), result)
            }
        }
    }

    /// ResultPath on an input the state owns.
    pub(crate) fn apply_result_path_owned(
        &self,
        run: &StateRun<'_>,
        result_path: &ResultPath,
        raw: Value,
        result: Value,
    ) -> Result<Value, StatesError> {
        match result_path {
            ResultPath::Replace => Ok(result),
            ResultPath::Discard => Ok(raw),
            ResultPath::Path(_) => result_path.apply(raw, result).map_err(|e| {
                StatesError::new(
                    names::RESULT_PATH_MATCH_FAILURE,
                    format!(
                        "{} {e}",
                        state_error_prefix(&run.state.name, run.entered_id)
                    ),
                )
            }),
        }
    }

    /// InputPath / ItemsPath without copying more than the selected part.
    pub(crate) fn select_ref<'v>(
        &self,
        run: &StateRun<'_>,
        selection: &Selection,
        value: &'v Value,
        context: &Value,
        vars: &Vars,
    ) -> Result<Cow<'v, Value>, StatesError> {
        match selection {
            Selection::Whole => Ok(Cow::Borrowed(value)),
            Selection::Empty => Ok(Cow::Owned(Value::Object(Map::new()))),
            Selection::Path(path) => match path.evaluate(scope(value, context, vars)) {
                // What the path found is copied out: it may live in the context object
                // or a variable rather than in `value`.
                Some(found) => Ok(Cow::Owned(found.into_owned())),
                None => Err(run.runtime(format_args!(
                    "Invalid path '{}' : No results for path: {}",
                    path.text(),
                    path.normalized()
                ))),
            },
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
                    let assigned = match state.query_language {
                        QueryLanguage::JsonPath => {
                            self.assign(run, state.assign.as_ref(), raw, &context, None, vars)?
                        }
                        QueryLanguage::Jsonata => {
                            self.jsonata_output(run, raw, &context, None, vars)?.1
                        }
                    };
                    vars.assign(assigned);
                    return Ok(finish(None));
                }
                let (output, assigned) = match state.query_language {
                    QueryLanguage::JsonPath => {
                        let result = {
                            let effective =
                                self.select_ref(run, &state.io.input_path, raw, &context, vars)?;
                            match (result, &state.io.parameters) {
                                (Some(r), _) => r.clone(),
                                (None, Some(p)) => {
                                    self.template(run, p, &effective, &context, vars)?
                                }
                                (None, None) => effective.into_owned(),
                            }
                        };
                        let assigned =
                            self.assign(run, state.assign.as_ref(), &result, &context, None, vars)?;
                        // Nothing reads the input after this state unless a retrier or
                        // catcher might: then ResultPath may write into it in place.
                        let reusable = state.retry.is_empty() && state.catch.is_empty();
                        let combined = match &state.io.result_path {
                            ResultPath::Path(_) if reusable => {
                                if matches!(state.io.output_path, Selection::Whole) {
                                    run.output_text =
                                        appended_text(input, &state.io.result_path, &result);
                                }
                                let base = input.take_value();
                                self.apply_result_path_owned(
                                    run,
                                    &state.io.result_path,
                                    base,
                                    result,
                                )?
                            }
                            _ => self.apply_result_path(run, &state.io.result_path, raw, result)?,
                        };
                        (
                            self.select(run, &state.io.output_path, combined, &context, vars)?,
                            assigned,
                        )
                    }
                    QueryLanguage::Jsonata => {
                        self.jsonata_output(run, raw, &context, None, vars)?
                    }
                };
                vars.assign(assigned);
                Ok(finish(Some(output)))
            }
            Kind::Succeed => {
                if state.passes_input_through {
                    return Ok(Step::End(None));
                }
                let context = self.context(run);
                let output = match state.query_language {
                    QueryLanguage::JsonPath => {
                        let effective =
                            self.select_ref(run, &state.io.input_path, raw, &context, vars)?;
                        self.select(
                            run,
                            &state.io.output_path,
                            effective.into_owned(),
                            &context,
                            vars,
                        )?
                    }
                    QueryLanguage::Jsonata => {
                        self.jsonata_output(run, raw, &context, None, vars)?.0
                    }
                };
                Ok(Step::End(Some(output)))
            }
            Kind::Fail { error, cause } => {
                let context = self.context(run);
                let error = self.fail_text(run, error.as_ref(), raw, &context, vars, "Error")?;
                let cause = self.fail_text(run, cause.as_ref(), raw, &context, vars, "Cause")?;
                Err(Interrupt::Failed(StatesError::new(error, cause)))
            }
            Kind::Choice { choices, default } => self.run_choice(run, choices, *default, raw, vars),
            Kind::Wait { until } => {
                let context = self.context(run);
                let duration = self.wait_duration(run, until, raw, &context, vars)?;
                self.sleep(duration).await?;
                if state.passes_input_through {
                    let assigned = match state.query_language {
                        QueryLanguage::JsonPath => {
                            self.assign(run, state.assign.as_ref(), raw, &context, None, vars)?
                        }
                        QueryLanguage::Jsonata => {
                            self.jsonata_output(run, raw, &context, None, vars)?.1
                        }
                    };
                    vars.assign(assigned);
                    return Ok(finish(None));
                }
                let (output, assigned) = match state.query_language {
                    QueryLanguage::JsonPath => {
                        let effective =
                            self.select_ref(run, &state.io.input_path, raw, &context, vars)?;
                        let assigned = self.assign(
                            run,
                            state.assign.as_ref(),
                            &effective,
                            &context,
                            None,
                            vars,
                        )?;
                        (
                            self.select(
                                run,
                                &state.io.output_path,
                                effective.into_owned(),
                                &context,
                                vars,
                            )?,
                            assigned,
                        )
                    }
                    QueryLanguage::Jsonata => {
                        self.jsonata_output(run, raw, &context, None, vars)?
                    }
                };
                vars.assign(assigned);
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

    /// JSONata Output (default: the input, or the result when there is one) and Assign.
    pub(crate) fn jsonata_output(
        &self,
        run: &StateRun<'_>,
        raw: &Value,
        context: &Value,
        result: Option<&Value>,
        vars: &Vars,
    ) -> Result<(Value, Map<String, Value>), StatesError> {
        let state = run.state;
        if state.io.output.is_none() && state.assign.is_none() {
            return Ok((result.unwrap_or(raw).clone(), Map::new()));
        }
        let bindings = self.bindings(raw, context, result, None, vars);
        let output = match &state.io.output {
            Some(t) => self.jsonata(run, "Output", t, &bindings)?,
            None => result.unwrap_or(raw).clone(),
        };
        let assigned = self.assign(
            run,
            state.assign.as_ref(),
            &Value::Null,
            context,
            Some(&bindings),
            vars,
        )?;
        Ok((output, assigned))
    }

    fn fail_text(
        &self,
        run: &StateRun<'_>,
        field: Option<&crate::definition::model::DynamicText>,
        raw: &Value,
        context: &Value,
        vars: &Vars,
        name: &str,
    ) -> Result<String, StatesError> {
        use crate::definition::model::DynamicText;
        let value = match field {
            None => return Ok(String::new()),
            Some(DynamicText::Fixed(s)) => return Ok(s.clone()),
            Some(DynamicText::Path(p)) => p
                .evaluate(scope(raw, context, vars))
                .map(Cow::into_owned)
                .ok_or_else(|| {
                    run.runtime(format_args!(
                        "Invalid path '{}' : No results for path: {}",
                        p.text(),
                        p.normalized()
                    ))
                })?,
            Some(DynamicText::Intrinsic(expr)) => {
                expr.evaluate(raw, context, &Map::new()).map_err(|e| {
                    StatesError::new(
                        e.error,
                        format!(
                            "{} {}",
                            state_error_prefix(&run.state.name, run.entered_id),
                            e.message
                        ),
                    )
                })?
            }
            Some(DynamicText::Jsonata(t)) => {
                let b = self.bindings(raw, context, None, None, vars);
                self.jsonata(run, name, t, &b)?
            }
        };
        match value {
            Value::String(s) => Ok(s),
            other => Err(run.runtime(format_args!(
                "The value of the field '{name}' must be a string, got {other}"
            ))),
        }
    }

    fn run_choice(
        &self,
        run: &StateRun<'_>,
        choices: &[crate::definition::model::ChoiceBranch],
        default: Option<usize>,
        raw: &Value,
        vars: &mut Vars,
    ) -> Result<Step<Option<Value>>, Interrupt> {
        let state = run.state;
        let context = self.context(run);
        match state.query_language {
            QueryLanguage::JsonPath => {
                let effective = self.select_ref(run, &state.io.input_path, raw, &context, vars)?;
                let mut chosen = None;
                for branch in choices {
                    let matched = branch
                        .rule
                        .evaluate(scope(&effective, &context, vars))
                        .map_err(|e| run.runtime(e))?;
                    if matched {
                        chosen = Some(branch);
                        break;
                    }
                }
                let next = match (chosen, default) {
                    (Some(b), _) => b.next,
                    (None, Some(d)) => d,
                    (None, None) => return Err(no_choice(run)),
                };
                let mut assigned =
                    self.assign(run, state.assign.as_ref(), &effective, &context, None, vars)?;
                if let Some(b) = chosen {
                    assigned.extend(self.assign(
                        run,
                        b.assign.as_ref(),
                        &effective,
                        &context,
                        None,
                        vars,
                    )?);
                }
                let output = if state.passes_input_through {
                    None
                } else {
                    Some(self.select(
                        run,
                        &state.io.output_path,
                        effective.into_owned(),
                        &context,
                        vars,
                    )?)
                };
                vars.assign(assigned);
                Ok(Step::Next(next, output))
            }
            QueryLanguage::Jsonata => {
                let bindings = self.bindings(raw, &context, None, None, vars);
                let mut chosen = None;
                for branch in choices {
                    let Rule::Condition(condition) = &branch.rule else {
                        continue;
                    };
                    match self.jsonata(run, "Condition", condition, &bindings)? {
                        Value::Bool(true) => {
                            chosen = Some(branch);
                            break;
                        }
                        Value::Bool(false) => {}
                        other => {
                            return Err(Interrupt::Failed(StatesError::new(
                                names::QUERY_EVALUATION_ERROR,
                                format!(
                                    "{} The Condition must evaluate to a boolean, got {other}",
                                    state_error_prefix(&state.name, run.entered_id)
                                ),
                            )));
                        }
                    }
                }
                let next = match (chosen, default) {
                    (Some(b), _) => b.next,
                    (None, Some(d)) => d,
                    (None, None) => return Err(no_choice(run)),
                };
                let output_template = chosen
                    .and_then(|b| b.output.as_ref())
                    .or(state.io.output.as_ref());
                let output = match output_template {
                    Some(t) => Some(self.jsonata(run, "Output", t, &bindings)?),
                    None => None,
                };
                let mut assigned = self.assign(
                    run,
                    state.assign.as_ref(),
                    &Value::Null,
                    &context,
                    Some(&bindings),
                    vars,
                )?;
                if let Some(b) = chosen {
                    assigned.extend(self.assign(
                        run,
                        b.assign.as_ref(),
                        &Value::Null,
                        &context,
                        Some(&bindings),
                        vars,
                    )?);
                }
                vars.assign(assigned);
                Ok(Step::Next(next, output))
            }
        }
    }
}

/// The output text of a state that adds one new key to its input object, built from the
/// input's text (when the history has written it) rather than written again.
fn appended_text(input: &Payload, result_path: &ResultPath, result: &Value) -> Option<Arc<str>> {
    let text = input.known_text()?;
    let key = result_path.top_level_key()?;
    let Value::Object(map) = &*input.value else {
        return None;
    };
    if map.contains_key(key) {
        return None;
    }
    crate::json_text::with_key_appended(text, map.is_empty(), key, result).map(Arc::from)
}

fn no_choice(run: &StateRun<'_>) -> Interrupt {
    Interrupt::Failed(StatesError::new(
        names::NO_CHOICE_MATCHED,
        format!(
            "{} No Choice Rule matched and no Default state was specified.",
            state_error_prefix(&run.state.name, run.entered_id)
        ),
    ))
}
