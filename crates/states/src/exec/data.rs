//! The context object a state sees (`$$`, `$states.context`) and the payload size limit.

use super::engine::Engine;
use super::payload::Payload;
use super::run::{Interrupt, StateRun};
use crate::clock::format_timestamp;
use crate::definition::model::Kind;
use crate::errors::{StatesError, names};
use serde_json::{Value, json};

impl Engine {
    /// The context object (`$$`, `$states.context`) for a state, or `Null` when the
    /// state never reads it.
    pub(crate) fn context(&self, run: &StateRun<'_>) -> Value {
        if !run.state.uses_context {
            return Value::Null;
        }
        let mut execution = self.context_execution.clone();
        if run.state.uses_execution_input
            && let Some(map) = execution.as_object_mut()
        {
            map.insert("Input".into(), (*self.execution_input).clone());
        }
        let mut state = json!({
            "EnteredTime": format_timestamp(run.entered_time),
            "Name": &*run.state.name,
        });
        // Only the states that can retry (Task, Parallel, Map) count retries: recorded on
        // AWS, a Pass state's `$$.State` is its name and entered time alone.
        if matches!(
            run.state.kind,
            Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map(_)
        ) && let Some(map) = state.as_object_mut()
        {
            map.insert("RetryCount".into(), run.retry_count.into());
        }
        let mut ctx = json!({
            "Execution": execution,
            "State": state,
            "StateMachine": self.context_machine,
        });
        if let (Some(token), Some(map)) = (&run.task_token, ctx.as_object_mut()) {
            map.insert("Task".into(), json!({"Token": token}));
        }
        ctx
    }

    /// Fails with States.DataLimitExceeded when a state's output is too large.
    pub(crate) fn check_size(&self, run: &StateRun<'_>, value: &Value) -> Result<(), Interrupt> {
        if fits(value) {
            return Ok(());
        }
        Err(too_large(run))
    }

    /// [`Engine::check_size`] for a state's output: when the history is kept, the text
    /// it needs anyway gives the exact size.
    pub(crate) fn check_output_size(
        &self,
        run: &StateRun<'_>,
        output: &mut Payload,
    ) -> Result<(), Interrupt> {
        if self.recorder.enabled() {
            return check_measured(run, output.text().len());
        }
        self.check_size(run, &output.value)
    }
}

/// Whether a value is within the payload size limit. Most payloads are far below it: a
/// cheap bound settles them, and only payloads that might be near it are measured exactly.
pub(crate) fn fits(value: &Value) -> bool {
    size_bound(value, super::MAX_PAYLOAD_BYTES) <= super::MAX_PAYLOAD_BYTES
        || json_size(value) <= super::MAX_PAYLOAD_BYTES
}

fn check_measured(run: &StateRun<'_>, size: usize) -> Result<(), Interrupt> {
    if size > super::MAX_PAYLOAD_BYTES {
        return Err(too_large(run));
    }
    Ok(())
}

/// States.DataLimitExceeded about the state's own payload (terminal).
fn too_large(run: &StateRun<'_>) -> Interrupt {
    Interrupt::Failed(StatesError::new(
        names::DATA_LIMIT_EXCEEDED,
        format!(
            "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
            run.state.name
        ),
    ))
}

/// An upper bound of the length of a value's JSON text (every string byte counted as a
/// six-byte escape), computed without writing anything; it stops early once it passes
/// `stop`.
pub(crate) fn size_bound(value: &Value, stop: usize) -> usize {
    fn walk(value: &Value, total: &mut usize, stop: usize) {
        if *total > stop {
            return;
        }
        match value {
            Value::Null | Value::Bool(_) => *total += 5,
            // The longest number serde_json writes (an f64 in exponent form) is 24 bytes.
            Value::Number(_) => *total += 24,
            Value::String(s) => *total += s.len() * 6 + 2,
            Value::Array(items) => {
                *total += 2 + items.len();
                for item in items {
                    walk(item, total, stop);
                }
            }
            Value::Object(map) => {
                *total += 2 + map.len() * 2;
                for (k, v) in map {
                    *total += k.len() * 6 + 2;
                    walk(v, total, stop);
                }
            }
        }
    }
    let mut total = 0;
    walk(value, &mut total, stop);
    total
}

/// The length of a value's JSON text, without building the text.
pub(crate) fn json_size(value: &Value) -> usize {
    crate::json_text::json_len(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_bound_is_never_below_the_exact_size() {
        let values = [
            json!(null),
            json!({"a": [1, 2.5e300, -7, "x\"y\n\u{1}"], "b": {"c": true, "é": "ü"}}),
            json!("\u{1F600}\t"),
            json!([[], {}, [null, false]]),
        ];
        for v in values {
            assert!(size_bound(&v, usize::MAX) >= json_size(&v), "{v}");
        }
    }
}
