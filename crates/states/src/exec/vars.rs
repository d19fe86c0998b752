//! Workflow variables and their scopes.
//!
//! A Map iteration or Parallel branch starts with a copy of the variables visible where
//! it begins; what it assigns stays inside it. Copies share storage until written.

use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub(crate) struct Vars {
    values: Arc<Map<String, Value>>,
}

impl Vars {
    /// Variables with these values (a redrive's, as they were).
    pub(crate) fn from_map(values: Map<String, Value>) -> Vars {
        Vars {
            values: Arc::new(values),
        }
    }

    pub(crate) fn map(&self) -> &Map<String, Value> {
        &self.values
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The scope a nested branch starts with.
    pub(crate) fn child(&self) -> Vars {
        self.clone()
    }

    /// Applies one state's assignments together (all were computed from the values
    /// before any of them).
    pub(crate) fn assign(&mut self, assigned: Map<String, Value>) {
        if assigned.is_empty() {
            return;
        }
        let values = Arc::make_mut(&mut self.values);
        for (k, v) in assigned {
            values.insert(k, v);
        }
    }
}
