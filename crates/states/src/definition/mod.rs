//! Parsing and validating a definition into a runnable [`StateMachine`].

mod allowed;
mod context_reads;
mod fields;
mod kinds;
pub mod model;
mod parse;
mod parse_state;
mod retry_catch;
#[cfg(test)]
mod tests;

pub use model::QueryLanguage;
// Problems live at the crate root, shared with Choice rule parsing; this keeps their
// old path.
pub use crate::problems::{self, Problem, ValidationError};

use model::Branch;
use std::sync::Arc;

/// A parsed, validated state machine: parse once, run many times.
#[derive(Debug, Clone)]
pub struct StateMachine {
    pub(crate) root: Arc<Branch>,
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) query_language: QueryLanguage,
    comment: Option<String>,
}

impl StateMachine {
    /// Parses and validates a definition (the JSON text of an Amazon States Language
    /// document). Every problem found is reported, each naming the state and field.
    pub fn parse(definition: &str) -> Result<StateMachine, ValidationError> {
        parse::parse(definition)
    }

    /// The top-level `Comment`, if any.
    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }

    /// The top-level `QueryLanguage` (JSONPath unless the definition says JSONata).
    pub fn query_language(&self) -> QueryLanguage {
        self.query_language
    }

    /// The top-level `TimeoutSeconds`, if any.
    pub fn timeout_seconds(&self) -> Option<u64> {
        self.timeout_seconds
    }

    /// The machine with its executions cut off after `seconds` at most: the definition's
    /// own `TimeoutSeconds` when shorter. An Express workflow runs for five minutes at
    /// most, whatever its definition says; an execution past the cap ends TIMED_OUT.
    pub fn with_duration_cap(mut self, seconds: u64) -> StateMachine {
        self.timeout_seconds = Some(self.timeout_seconds.map_or(seconds, |t| t.min(seconds)));
        self
    }

    /// The names of the top-level states, in definition order.
    pub fn state_names(&self) -> impl Iterator<Item = &str> {
        self.root.states.iter().map(|s| &*s.name)
    }
}
