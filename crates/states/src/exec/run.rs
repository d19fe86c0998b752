//! One run of one state, and the ways it can end: the types the state loop and the
//! per-state modules (Choice, Retry/Catch, output shaping, tasks) share.

use crate::clock::Clock;
use crate::definition::model::State;
use crate::errors::{StatesError, state_error_prefix};
use serde_json::Value;
use std::sync::Arc;
use time::OffsetDateTime;

/// One run of one state: what error texts and the context object need.
pub(crate) struct StateRun<'a> {
    /// The state being run.
    pub state: &'a State,
    /// The id of its `…StateEntered` event, which error causes name.
    pub entered_id: u64,
    /// When it was entered (`$$.State.EnteredTime`).
    pub entered_time: OffsetDateTime,
    /// Retries so far (`$$.State.RetryCount`).
    pub retry_count: u32,
    /// The `.waitForTaskToken` token (`$$.Task.Token`), once issued.
    pub task_token: Option<String>,
    /// The output's JSON text, when the state could derive it from its input's.
    pub output_text: Option<Arc<str>>,
    /// The execution's clock: what JSONata's `$now()` reads.
    pub clock: &'a dyn Clock,
    /// Whether the state is one of the machine's top-level states, whose Parallel branches
    /// and Map iterations a redrive keeps when they succeeded.
    pub at_root: bool,
    /// Whether the history is kept, so the variables the state assigns are noted for its
    /// exited event.
    pub note_assigned: bool,
    /// What the state's evaluation noted for the events the loop records after it. A
    /// mutex, not a cell: the state's future is `Send`.
    pub notes: std::sync::Mutex<RunNotes>,
}

/// What a state's run notes for its events, each taken once.
#[derive(Debug, Default)]
pub(crate) struct RunNotes {
    /// Set when a query of this state failed to evaluate (a JSONata field, Map items that
    /// are not an array): the location to record in the `EvaluationFailed` event that
    /// AWS writes before the failure, `Some(None)` where it names none.
    evaluation_failure: Option<Option<String>>,
    /// `ParallelStateFailed` or `MapStateFailed` once the state's branches failed: AWS
    /// records it only when no Retry runs the state again.
    failed_event: Option<&'static str>,
    /// The variables the state assigned, as the exited event shows them.
    assigned: Option<Vec<(String, String)>>,
}

impl StateRun<'_> {
    fn notes(&self) -> std::sync::MutexGuard<'_, RunNotes> {
        self.notes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A query evaluation failure of this state, noted for its `EvaluationFailed` event.
    pub(crate) fn evaluation_failed(
        &self,
        location: Option<String>,
        error: StatesError,
    ) -> StatesError {
        self.notes().evaluation_failure = Some(location);
        error
    }

    /// Notes what an Assign of the state assigned, for its exited event (each value as
    /// JSON text, as AWS's `assignedVariables` has it).
    pub(crate) fn note_assigned(&self, assigned: &serde_json::Map<String, Value>) {
        if !self.note_assigned {
            return;
        }
        let texts = assigned
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        self.notes().assigned = Some(texts);
    }

    /// The noted assignments, once.
    pub(crate) fn take_assigned(&self) -> Option<Vec<(String, String)>> {
        self.notes().assigned.take()
    }

    /// Notes that the state's own failure event is due if no Retry runs it again.
    pub(crate) fn state_failed(&self, event_type: &'static str) {
        self.notes().failed_event = Some(event_type);
    }

    /// The noted failure event, once.
    pub(crate) fn take_failed_event(&self) -> Option<&'static str> {
        self.notes().failed_event.take()
    }

    /// The noted evaluation failure's location, once.
    pub(crate) fn take_evaluation_failure(&self) -> Option<Option<String>> {
        self.notes().evaluation_failure.take()
    }

    /// The error of a failure of the table in `causes.rs`, after this state's preamble.
    pub(crate) fn fail(&self, cause: crate::causes::Cause<'_>) -> StatesError {
        StatesError::new(cause.error(), format!("{} {cause}", self.error_prefix()))
    }

    /// A `States.Runtime` error whose cause names this state.
    pub(crate) fn runtime(&self, cause: impl std::fmt::Display) -> StatesError {
        StatesError::runtime(format!("{} {cause}", self.error_prefix()))
    }

    /// The prefix of an error cause that names this state and its entered event.
    pub(crate) fn error_prefix(&self) -> String {
        state_error_prefix(&self.state.name, self.entered_id)
    }
}

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
    /// To the state at this index, with this output.
    Next(usize, V),
    /// The branch ends with this output.
    End(V),
}

impl<V> Step<V> {
    /// The output the state hands on.
    pub(crate) fn output(&self) -> &V {
        match self {
            Step::Next(_, v) | Step::End(v) => v,
        }
    }

    /// The output, to finish (measure, write) in place.
    pub(crate) fn output_mut(&mut self) -> &mut V {
        match self {
            Step::Next(_, v) | Step::End(v) => v,
        }
    }

    /// The same transition with the output converted.
    pub(crate) fn map<W>(self, f: impl FnOnce(V) -> W) -> Step<W> {
        match self {
            Step::Next(n, v) => Step::Next(n, f(v)),
            Step::End(v) => Step::End(f(v)),
        }
    }
}
