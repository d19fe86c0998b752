//! Map (inline): one run of the ItemProcessor per item, at most MaxConcurrency at a
//! time, results in item order. The Distributed Map is in `map_distributed`; what both
//! use is in `map_common`.

use super::engine::Engine;
use super::map_common::{Tally, run_ordered};
use super::run::{Interrupt, StateRun};
use super::shape::Prepared;
use super::vars::Vars;
use crate::definition::model::MapSpec;
use crate::errors::StatesError;
use crate::history::EventDetails;
use futures::future::BoxFuture;
use serde_json::Value;

impl Engine {
    pub(crate) async fn run_map(
        &self,
        run: &StateRun<'_>,
        spec: &MapSpec,
        raw: &Value,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Value, Interrupt> {
        if let Some(distributed) = &spec.distributed {
            // Boxed: the distributed run's state would otherwise make every inline Map's
            // future as large as its own.
            return Box::pin(self.run_distributed_map(
                run,
                spec,
                distributed,
                raw,
                prepared,
                context,
                vars,
            ))
            .await;
        }
        if let Some(unsupported) = &spec.unsupported {
            return Err(Interrupt::Failed(StatesError::runtime(unsupported.clone())));
        }
        let items = self.map_items_or_fail(run, spec, raw, prepared, context, vars)?;
        // Recorded on AWS: an inline Map reads its limits before it starts (a
        // MaxConcurrencyPath that fails leaves no MapStateStarted); a distributed one
        // after.
        let limits = self.map_limits(run, spec, prepared, context, vars)?;
        let total = items.len();
        self.event("MapStateStarted", || EventDetails::MapStateStarted {
            length: total,
        });
        let mut inputs = Vec::with_capacity(total);
        for (index, item) in items.into_iter().enumerate() {
            inputs.push(self.item_input(run, spec, index, item, prepared, context, vars)?);
        }
        let width = if limits.max_concurrency == 0 {
            total.max(1)
        } else {
            usize::try_from(limits.max_concurrency).unwrap_or(usize::MAX)
        };
        let name = &run.state.name;
        let processor = &spec.processor;
        // A top-level Map keeps each iteration's output in the execution's position as it
        // succeeds (moved, not copied; `results` holds a placeholder), so that a redrive
        // after a failure, a stop or a timeout runs only the iterations that did not.
        let at_root = run.at_root;
        let kept = self.start_keeping(at_root, total);
        let kept = &kept;
        let run_one =
            move |index: usize, input: Value| -> BoxFuture<'_, Result<Value, Interrupt>> {
                Box::pin(async move {
                    let outcome = match kept.get(index) {
                        Some(Some(output)) => Ok(output.clone()),
                        _ => {
                            self.event("MapIterationStarted", || EventDetails::MapIteration {
                                name: name.clone(),
                                index,
                            });
                            let outcome = super::engine::IN_PARALLEL_BRANCH
                                .scope(false, self.run_branch(processor, input, vars.child()))
                                .await;
                            let event_type = if outcome.is_ok() {
                                "MapIterationSucceeded"
                            } else {
                                "MapIterationFailed"
                            };
                            self.event(event_type, || EventDetails::MapIteration {
                                name: name.clone(),
                                index,
                            });
                            outcome
                        }
                    };
                    self.keep_output(at_root, index, outcome)
                })
            };
        let tolerating = limits.count.is_some() || limits.percentage.is_some();
        let mut tally = Tally::new(&limits, total, tolerating);
        let ran = run_ordered(inputs.into_iter().enumerate(), width, run_one, |outcome| {
            tally.take(outcome, 1)
        })
        .await;
        if let Err(Interrupt::Failed(_)) = &ran {
            run.state_failed("MapStateFailed");
        }
        ran?;
        let mut results = tally.results;
        self.restore_kept(at_root, &mut results);
        self.event("MapStateSucceeded", || EventDetails::None);
        Ok(Value::Array(results))
    }
}
