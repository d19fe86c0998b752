//! Workflow variables and their scopes.
//!
//! A Map iteration or Parallel branch starts with the variables visible where it begins.
//! It reads them but may not assign them: what it assigns is its own and stays inside
//! it, and assigning a name of the scope outside fails the state
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html>).
//! Copies share storage until written.

use crate::causes::Cause;
use crate::errors::StatesError;
use crate::exec::run::StateRun;
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub(crate) struct Vars {
    /// Every variable visible here: the outer scopes' and this scope's own.
    values: Arc<Map<String, Value>>,
    /// The variables of the scopes outside this one, as they were when it began.
    outer: Arc<Map<String, Value>>,
}

impl Vars {
    /// Variables with these values (a redrive's, as they were).
    pub(crate) fn from_map(values: Map<String, Value>) -> Vars {
        Vars {
            values: Arc::new(values),
            outer: Arc::default(),
        }
    }

    pub(crate) fn map(&self) -> &Map<String, Value> {
        &self.values
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The scope a nested branch starts with: everything visible here is outer to it.
    pub(crate) fn child(&self) -> Vars {
        Vars {
            values: Arc::clone(&self.values),
            outer: Arc::clone(&self.values),
        }
    }

    /// Applies one state's assignments together (all were computed from the values
    /// before any of them). A name of an outer scope fails the state, and nothing of
    /// the state's assignments is applied.
    pub(crate) fn assign(
        &mut self,
        run: &StateRun<'_>,
        assigned: Map<String, Value>,
    ) -> Result<(), StatesError> {
        if let Some(name) = assigned.keys().find(|k| self.outer.contains_key(*k)) {
            return Err(run.fail(Cause::OuterScopeAssigned { name }));
        }
        // Recorded on AWS: `"Assign": {}` leaves no assignedVariables in the history.
        if assigned.is_empty() {
            return Ok(());
        }
        run.note_assigned(&assigned);
        let values = Arc::make_mut(&mut self.values);
        for (k, v) in assigned {
            values.insert(k, v);
        }
        Ok(())
    }
}
