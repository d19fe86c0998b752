//! Map (inline): one run of the ItemProcessor per item, at most MaxConcurrency at a
//! time, results in item order.

use super::engine::Engine;
use super::run::{Interrupt, StateRun};
use super::shape::{self, Prepared, scope};
use super::vars::Vars;
use crate::definition::model::{ItemSelector, MapSpec};
use crate::errors::{StatesError, names};
use crate::history::EventDetails;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use serde_json::{Value, json};
use std::task::Poll;

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
        if let Some(unsupported) = &spec.unsupported {
            return Err(Interrupt::Failed(StatesError::runtime(unsupported.clone())));
        }
        let items = match prepared {
            Prepared::JsonPath { effective } => {
                shape::select_ref(run, &spec.items_path, effective, context, vars)?.into_owned()
            }
            Prepared::Jsonata { bindings } => match &spec.items {
                Some(t) => shape::jsonata(run, "Items", t, bindings)?,
                None => raw.clone(),
            },
        };
        let Value::Array(items) = items else {
            return Err(Interrupt::Failed(run.runtime(format_args!(
                "The items of the Map state must be a JSON array, got {}",
                type_name(&items)
            ))));
        };
        let limit = {
            let v = self.resolve_dynamic(
                run,
                "MaxConcurrency",
                &spec.max_concurrency,
                prepared,
                context,
                vars,
            )?;
            self.whole_number(run, "MaxConcurrency", &v)?
        };
        let tolerated_count = match &spec.tolerated_failure_count {
            Some(d) => {
                let v =
                    self.resolve_dynamic(run, "ToleratedFailureCount", d, prepared, context, vars)?;
                Some(self.whole_number(run, "ToleratedFailureCount", &v)?)
            }
            None => None,
        };
        let tolerated_percentage = match &spec.tolerated_failure_percentage {
            Some(d) => {
                let v = self.resolve_dynamic(
                    run,
                    "ToleratedFailurePercentage",
                    d,
                    prepared,
                    context,
                    vars,
                )?;
                match v.as_f64().filter(|p| (0.0..=100.0).contains(p)) {
                    Some(p) => Some(p),
                    None => {
                        return Err(Interrupt::Failed(run.runtime(format_args!(
                            "The value for the field 'ToleratedFailurePercentage' must be between 0 and 100, got {v}"
                        ))));
                    }
                }
            }
            None => None,
        };
        let total = items.len();
        self.event("MapStateStarted", || EventDetails::MapStateStarted {
            length: total,
        });
        let mut inputs = Vec::with_capacity(total);
        for (index, item) in items.into_iter().enumerate() {
            inputs.push(self.item_input(run, spec, index, item, prepared, context, vars)?);
        }
        let width = if limit == 0 {
            total.max(1)
        } else {
            usize::try_from(limit).unwrap_or(usize::MAX)
        };
        let name = &run.state.name;
        let processor = &spec.processor;
        // A top-level Map keeps each iteration's output in the execution's position as it
        // succeeds (moved, not copied; `results` holds a placeholder), so that a redrive
        // after a failure, a stop or a timeout runs only the iterations that did not.
        let at_root = run.at_root;
        let kept = if at_root {
            let kept = self.root_children(total);
            self.keep_children(vec![None; total]);
            kept
        } else {
            Vec::new()
        };
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
                            let outcome = self.run_branch(processor, input, vars.child()).await;
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
                    match outcome {
                        Ok(output) if at_root => {
                            self.child_succeeded(index, output);
                            Ok(Value::Null)
                        }
                        other => other,
                    }
                })
            };
        let tolerating = tolerated_count.is_some() || tolerated_percentage.is_some();
        let mut results = Vec::with_capacity(total);
        let mut failures = 0usize;
        // Outcomes are taken in item order.
        let mut collect = |outcome: Result<Value, Interrupt>| -> Result<(), Interrupt> {
            match outcome {
                Ok(v) => results.push(v),
                Err(Interrupt::Failed(err)) if tolerating => {
                    failures += 1;
                    let over_count = tolerated_count.is_some_and(|c| failures as u64 > c);
                    let over_percentage = tolerated_percentage
                        .is_some_and(|p| failures as f64 * 100.0 / total as f64 > p);
                    if over_count || over_percentage {
                        return Err(self.map_failed(StatesError::new(
                            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                            "The specified tolerated failure threshold was exceeded",
                        )));
                    }
                    results.push(err.to_output());
                }
                Err(Interrupt::Failed(err)) => return Err(self.map_failed(err)),
                Err(other) => return Err(other),
            }
            Ok(())
        };
        // At most `width` iterations run at a time. Each is polled once as it starts:
        // most never wait (no task, no Wait state) and finish there and then, so only
        // the ones that do wait are handed to the ordered queue.
        let mut inputs = inputs.into_iter().enumerate();
        let mut in_flight: FuturesOrdered<BoxFuture<'_, Result<Value, Interrupt>>> =
            FuturesOrdered::new();
        let ran: Result<(), Interrupt> = async {
            loop {
                while in_flight.len() < width {
                    let Some((index, input)) = inputs.next() else {
                        break;
                    };
                    let mut iteration = run_one(index, input);
                    match futures::poll!(&mut iteration) {
                        Poll::Ready(outcome) if in_flight.is_empty() => collect(outcome)?,
                        Poll::Ready(outcome) => {
                            in_flight.push_back(Box::pin(futures::future::ready(outcome)));
                        }
                        Poll::Pending => in_flight.push_back(iteration),
                    }
                }
                match in_flight.next().await {
                    Some(outcome) => collect(outcome)?,
                    None => return Ok(()),
                }
            }
        }
        .await;
        ran?;
        if at_root {
            // The outputs moved to the position, in item order; a tolerated failure's
            // error output stayed in `results`.
            let mut outputs = self.take_children();
            for (index, result) in results.iter_mut().enumerate() {
                if let Some(output) = outputs.get_mut(index).and_then(Option::take) {
                    *result = output;
                }
            }
        }
        self.event("MapStateSucceeded", || EventDetails::None);
        Ok(Value::Array(results))
    }

    fn map_failed(&self, err: StatesError) -> Interrupt {
        self.event("MapStateFailed", || EventDetails::Failed {
            error: err.error.clone(),
            cause: err.cause.clone(),
        });
        Interrupt::Failed(err)
    }

    /// ItemSelector (or Parameters) for one item, with `$$.Map.Item` set; the item itself
    /// when there is no selector.
    #[allow(clippy::too_many_arguments)]
    fn item_input(
        &self,
        run: &StateRun<'_>,
        spec: &MapSpec,
        index: usize,
        item: Value,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Value, StatesError> {
        let Some(selector) = &spec.item_selector else {
            return Ok(item);
        };
        let item_context = if run.state.uses_context {
            let mut c = context.clone();
            if let Some(map) = c.as_object_mut() {
                map.insert(
                    "Map".into(),
                    json!({"Item": {"Index": index, "Value": item}}),
                );
            }
            c
        } else {
            Value::Null
        };
        match (selector, prepared) {
            (ItemSelector::JsonPath(t), Prepared::JsonPath { effective }) => t
                .evaluate(scope(effective, &item_context, vars))
                .map_err(|e| run.runtime(e)),
            (ItemSelector::Jsonata(t), Prepared::Jsonata { bindings }) => shape::jsonata(
                run,
                "ItemSelector",
                t,
                &bindings.with_context(&item_context),
            ),
            _ => Err(run.runtime("ItemSelector does not match the state's query language")),
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
