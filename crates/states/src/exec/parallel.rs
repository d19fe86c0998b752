//! Parallel: every branch runs concurrently on a copy of the state's input; the result
//! is the array of branch outputs, in branch order. The first branch failure fails the
//! state and stops the other branches. A redriven top-level Parallel runs only the
//! branches that did not succeed before.

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
        run: &StateRun<'_>,
        branches: &[Arc<Branch>],
        input: Value,
        vars: &Vars,
    ) -> Result<Value, Interrupt> {
        self.event("ParallelStateStarted", || EventDetails::None);
        // A top-level Parallel keeps what its branches output, so that a redrive runs
        // only the branches that did not succeed.
        let kept = if run.at_root {
            let mut kept = self.root_children(branches.len());
            kept.resize(branches.len(), None);
            self.keep_children(kept.clone());
            kept
        } else {
            Vec::new()
        };
        let runs = branches.iter().enumerate().map(|(index, branch)| {
            let kept = kept.get(index).cloned().flatten();
            let input = input.clone();
            Box::pin(async move {
                if let Some(output) = kept {
                    return Ok(output);
                }
                let output = super::engine::IN_PARALLEL_BRANCH
                    .scope(true, self.run_branch(branch, input, vars.child()))
                    .await?;
                if run.at_root {
                    self.child_succeeded(index, output.clone());
                }
                Ok(output)
            }) as futures::future::BoxFuture<'_, Result<Value, Interrupt>>
        });
        match futures::future::try_join_all(runs).await {
            Ok(outputs) => {
                self.event("ParallelStateSucceeded", || EventDetails::None);
                Ok(Value::Array(outputs))
            }
            Err(interrupt) => {
                if let Interrupt::Failed(_) = &interrupt {
                    run.state_failed("ParallelStateFailed");
                }
                Err(interrupt)
            }
        }
    }
}
