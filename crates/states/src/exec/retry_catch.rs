//! Retry and Catch: what happens when a state fails. The first retrier whose
//! `ErrorEquals` names the error retries it while it has attempts left; after that, the
//! first matching catcher sends the error output to its fallback state.

use super::run::StateRun;
use super::shape::{apply_result_path, assign, bindings, jsonata};
use super::vars::Vars;
use crate::definition::model::{Catcher, QueryLanguage, Retrier, State};
use crate::errors::StatesError;
use serde_json::Value;
use std::time::Duration;

impl Retrier {
    /// The wait before retry number `attempt` (0-based): IntervalSeconds × BackoffRate^n,
    /// capped by MaxDelaySeconds, then drawn uniformly below that with FULL jitter
    /// (`draw` gives the fraction).
    pub(crate) fn delay(&self, attempt: u32, draw: impl FnOnce() -> f64) -> Duration {
        let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
        let mut seconds = self.interval_seconds * self.backoff_rate.powi(exponent);
        if let Some(max) = self.max_delay_seconds {
            seconds = seconds.min(max);
        }
        if !seconds.is_finite() {
            seconds = 99_999_999.0;
        }
        if self.jitter_full {
            seconds *= draw();
        }
        Duration::from_secs_f64(seconds.clamp(0.0, 99_999_999.0))
    }
}

/// The wait before retrying `error`, counting the attempt in `attempts` (one count per
/// retrier); `None` when no retrier matches or the matching one has none left. Only the
/// first matching retrier counts, as in AWS: a later one never takes over.
pub(crate) fn next_retry(
    state: &State,
    attempts: &mut [u32],
    error: &StatesError,
    draw: impl FnOnce() -> f64,
) -> Option<Duration> {
    let i = state
        .retry
        .iter()
        .position(|r| error.matches(&r.error_equals))?;
    let (retrier, used) = (state.retry.get(i)?, attempts.get_mut(i)?);
    if *used >= retrier.max_attempts {
        return None;
    }
    let delay = retrier.delay(*used, draw);
    *used += 1;
    Some(delay)
}

/// The first catcher whose `ErrorEquals` names `error`.
pub(crate) fn catcher_for<'s>(state: &'s State, error: &StatesError) -> Option<&'s Catcher> {
    state.catch.iter().find(|c| error.matches(&c.error_equals))
}

/// The output a catcher hands its fallback state (the error output placed by ResultPath,
/// or the catcher's JSONata Output), after its Assign is applied to `vars`.
pub(crate) fn caught_output(
    run: &StateRun<'_>,
    catcher: &Catcher,
    raw: &Value,
    err: StatesError,
    context: &Value,
    vars: &mut Vars,
) -> Result<Value, StatesError> {
    let error_output = err.to_output();
    let (output, assigned) = match run.state.query_language {
        QueryLanguage::JsonPath => {
            let assigned = assign(
                run,
                catcher.assign.as_ref(),
                &error_output,
                context,
                None,
                vars,
            )?;
            let output = apply_result_path(run, &catcher.result_path, raw, error_output)?;
            (output, assigned)
        }
        QueryLanguage::Jsonata => {
            let bindings = bindings(raw, context, None, Some(&error_output), vars);
            let output = match &catcher.output {
                Some(t) => jsonata(run, "Output", t, &bindings)?,
                None => error_output.clone(),
            };
            let assigned = assign(
                run,
                catcher.assign.as_ref(),
                &Value::Null,
                context,
                Some(&bindings),
                vars,
            )?;
            (output, assigned)
        }
    };
    vars.assign(run, assigned)?;
    Ok(output)
}
