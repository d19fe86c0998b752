//! Parallel: every branch runs concurrently on a copy of the state's input; the result
//! is the array of branch outputs, in branch order. The first branch failure fails the
//! state and stops the other branches.

use super::engine::Engine;
use super::run::{Interrupt, StateRun};
use super::vars::Vars;
use crate::definition::model::Branch;
use crate::history::EventDetails;
use serde_json::Value;
use std::sync::Arc;

impl Engine {
    pub(crate) async fn run_parallel(
        &self,
        _run: &StateRun<'_>,
        branches: &[Arc<Branch>],
        input: Value,
        vars: &Vars,
    ) -> Result<Value, Interrupt> {
        self.event("ParallelStateStarted", || EventDetails::None);
        let runs = branches
            .iter()
            .map(|branch| self.run_branch(branch, input.clone(), vars.child()));
        match futures::future::try_join_all(runs).await {
            Ok(outputs) => {
                self.event("ParallelStateSucceeded", || EventDetails::None);
                Ok(Value::Array(outputs))
            }
            Err(interrupt) => {
                if let Interrupt::Failed(err) = &interrupt {
                    self.event("ParallelStateFailed", || EventDetails::Failed {
                        error: err.error.clone(),
                        cause: err.cause.clone(),
                    });
                }
                Err(interrupt)
            }
        }
    }
}
