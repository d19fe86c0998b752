//! The pieces the inline Map (`map`) and the Distributed Map (`map_distributed`) share:
//! the items and limits read as the state starts, the ItemSelector (and BatchInput)
//! payloads, [`run_ordered`] (at most MaxConcurrency runs at a time, outcomes in item
//! order), the tolerated-failure [`Tally`], and the outputs a top-level Map keeps for a
//! redrive.

use super::engine::Engine;
use super::run::{Interrupt, StateRun};
use super::shape::{self, Prepared, scope};
use super::vars::Vars;
use crate::causes::Cause;
use crate::definition::model::{Dynamic, ItemSelector, MapSpec};
use crate::errors::{StatesError, names};
use crate::history::EventDetails;
use crate::jsonata_template::JsonataTemplate;
use crate::paths::JsonPath;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use serde_json::{Value, json};
use std::task::Poll;

/// A Map state's concurrency and failure tolerance, resolved as it starts.
pub(super) struct Limits {
    /// MaxConcurrency; 0 for no limit.
    pub max_concurrency: u64,
    /// ToleratedFailureCount.
    pub count: Option<u64>,
    /// ToleratedFailurePercentage, in `[0, 100]`.
    pub percentage: Option<f64>,
}

/// Outcomes taken in item order: the outputs so far, and the failures counted against
/// the tolerated-failure threshold.
pub(super) struct Tally {
    count: Option<u64>,
    percentage: Option<f64>,
    /// Whether failures are counted at all; otherwise the first one fails the state.
    tolerating: bool,
    /// The number of items the percentage is taken of.
    total: usize,
    failures: usize,
    /// The outputs (a tolerated failure's error output in its place).
    pub results: Vec<Value>,
}

impl Tally {
    pub(super) fn new(limits: &Limits, total: usize, tolerating: bool) -> Self {
        Self {
            count: limits.count,
            percentage: limits.percentage,
            tolerating,
            total,
            failures: 0,
            results: Vec::with_capacity(total),
        }
    }

    /// Takes the next outcome, which ran `items` items; an error when the failures now
    /// exceed the threshold (or when failures are not tolerated).
    pub(super) fn take(
        &mut self,
        outcome: Result<Value, Interrupt>,
        items: usize,
    ) -> Result<(), Interrupt> {
        match outcome {
            Ok(v) => self.results.push(v),
            Err(Interrupt::Failed(err)) if self.tolerating => {
                self.failures += items;
                let over_count = self.count.is_some_and(|c| self.failures as u64 > c);
                let over_percentage = self
                    .percentage
                    .is_some_and(|p| self.failures as f64 * 100.0 / self.total as f64 > p);
                if over_count || over_percentage {
                    return Err(Interrupt::Failed(StatesError::new(
                        names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                        "The specified tolerated failure threshold was exceeded",
                    )));
                }
                self.results.push(err.to_output());
            }
            Err(other) => return Err(other),
        }
        Ok(())
    }
}

/// Runs `run_one` on each input, at most `width` at a time, handing the outcomes to
/// `collect` in input order; stops at the first error `collect` returns.
pub(super) async fn run_ordered<'a>(
    inputs: impl Iterator<Item = (usize, Value)>,
    width: usize,
    run_one: impl Fn(usize, Value) -> BoxFuture<'a, Result<Value, Interrupt>>,
    mut collect: impl FnMut(Result<Value, Interrupt>) -> Result<(), Interrupt>,
) -> Result<(), Interrupt> {
    // Each run is polled once as it starts: most never wait (no task, no Wait state) and
    // finish there and then, so only the ones that do wait are handed to the ordered queue.
    let mut inputs = inputs;
    let mut in_flight: FuturesOrdered<BoxFuture<'a, Result<Value, Interrupt>>> =
        FuturesOrdered::new();
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

impl Engine {
    /// The items array: `ItemsPath` (JSONPath) or `Items` (JSONata), the input by default.
    fn map_items(
        &self,
        run: &StateRun<'_>,
        spec: &MapSpec,
        raw: &Value,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Vec<Value>, Interrupt> {
        let (items, expression) = match prepared {
            Prepared::JsonPath { effective } => (
                shape::select_ref(run, &spec.items_path, effective, context, vars)?.into_owned(),
                None,
            ),
            Prepared::Jsonata { bindings } => match &spec.items {
                Some(t) => (
                    shape::jsonata(run, "Items", t, bindings)?,
                    match t {
                        JsonataTemplate::Expression(e) => Some(e.text()),
                        _ => None,
                    },
                ),
                None => (raw.clone(), None),
            },
        };
        let err = match (items, expression) {
            (Value::Array(items), _) => return Ok(items),
            (other, Some(expression)) => run.evaluation_failed(
                Some("Items".to_owned()),
                run.fail(Cause::ItemsExpressionNotArray {
                    expression,
                    items: &other,
                }),
            ),
            (other, None) => {
                run.evaluation_failed(None, run.fail(Cause::MapItemsNotArray { items: &other }))
            }
        };
        Err(Interrupt::Failed(err))
    }

    /// MaxConcurrency and the tolerated failures, each checked as AWS checks it. A `…Path`
    /// field reads a number or a text of one; its failures have causes of their own,
    /// recorded on AWS.
    pub(super) fn map_limits(
        &self,
        run: &StateRun<'_>,
        spec: &MapSpec,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Limits, StatesError> {
        let resolve =
            |field: &str, d: &Dynamic| self.resolve_dynamic(run, field, d, prepared, context, vars);
        let max_concurrency = match &spec.max_concurrency {
            Dynamic::Path(p) => {
                let v = resolve("MaxConcurrency", &spec.max_concurrency)?;
                let n = path_integer(run, "MaxConcurrencyPath", p, &v)?;
                u64::try_from(n)
                    .map_err(|_| run.fail(Cause::MaxConcurrencyNegative { value: n }))?
            }
            d => self.whole_number(run, "MaxConcurrency", &resolve("MaxConcurrency", d)?)?,
        };
        let count = match &spec.tolerated_failure_count {
            Some(d @ Dynamic::Path(p)) => {
                let v = resolve("ToleratedFailureCount", d)?;
                let n = path_integer(run, "ToleratedFailureCountPath", p, &v)?;
                Some(u64::try_from(n).map_err(|_| run.fail(Cause::ToleratedFailureCountNegative))?)
            }
            Some(d) => Some(self.whole_number(
                run,
                "ToleratedFailureCount",
                &resolve("ToleratedFailureCount", d)?,
            )?),
            None => None,
        };
        let percentage = match &spec.tolerated_failure_percentage {
            Some(d @ Dynamic::Path(p)) => {
                let v = resolve("ToleratedFailurePercentage", d)?;
                let field = "ToleratedFailurePercentagePath";
                let percentage = number_or_text(&v).ok_or_else(|| {
                    run.fail(Cause::PathNotFloat {
                        field,
                        path: p.text(),
                        value: &v,
                    })
                })?;
                if !(0.0..=100.0).contains(&percentage) {
                    return Err(run.fail(Cause::ToleratedFailurePercentageOutOfRange));
                }
                Some(percentage)
            }
            Some(d) => {
                let v = resolve("ToleratedFailurePercentage", d)?;
                match v.as_f64().filter(|p| (0.0..=100.0).contains(p)) {
                    Some(p) => Some(p),
                    None => {
                        return Err(run.runtime(format_args!(
                            "The value for the field 'ToleratedFailurePercentage' must be between 0 and 100, got {v}"
                        )));
                    }
                }
            }
            None => None,
        };
        Ok(Limits {
            max_concurrency,
            count,
            percentage,
        })
    }

    /// The outputs a redriven top-level Map kept of its `total` runs (none elsewhere);
    /// the runs that succeed now are added as they do.
    pub(super) fn start_keeping(&self, at_root: bool, total: usize) -> Vec<Option<Value>> {
        if !at_root {
            return Vec::new();
        }
        let kept = self.root_children(total);
        self.keep_children(vec![None; total]);
        kept
    }

    /// A top-level Map moves a run's output to the execution's position (`Null` stands
    /// in for it until [`Engine::restore_kept`]).
    pub(super) fn keep_output(
        &self,
        at_root: bool,
        index: usize,
        outcome: Result<Value, Interrupt>,
    ) -> Result<Value, Interrupt> {
        match outcome {
            Ok(output) if at_root => {
                self.child_succeeded(index, output);
                Ok(Value::Null)
            }
            other => other,
        }
    }

    /// Moves the kept outputs back into `results`, in order; a tolerated failure's error
    /// output stays.
    pub(super) fn restore_kept(&self, at_root: bool, results: &mut [Value]) {
        if !at_root {
            return;
        }
        let mut outputs = self.take_children();
        for (index, result) in results.iter_mut().enumerate() {
            if let Some(output) = outputs.get_mut(index).and_then(Option::take) {
                *result = output;
            }
        }
    }

    /// The `EvaluationFailed` event of a query of `run` that failed to evaluate, if one
    /// did and it is not recorded yet.
    /// The event exists only for JSONata states (EvaluationFailedEventDetails, API
    /// reference).
    pub(super) fn record_evaluation_failure(&self, run: &StateRun<'_>, err: &StatesError) {
        let noted = run.take_evaluation_failure();
        if run.state.query_language != crate::definition::model::QueryLanguage::Jsonata {
            return;
        }
        if let Some(location) = noted {
            self.event("EvaluationFailed", || EventDetails::EvaluationFailed {
                error: err.error.clone(),
                cause: err.cause.clone(),
                location,
                state: run.state.name.clone(),
            });
        }
    }

    /// [`Engine::map_items`]; items that fail to evaluate fail the Map state itself, as
    /// AWS records it: `EvaluationFailed`, then `MapStateFailed`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn map_items_or_fail(
        &self,
        run: &StateRun<'_>,
        spec: &MapSpec,
        raw: &Value,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Vec<Value>, Interrupt> {
        let items = self.map_items(run, spec, raw, prepared, context, vars);
        if let Err(Interrupt::Failed(_)) = &items {
            run.state_failed("MapStateFailed");
        }
        items
    }

    /// ItemSelector (or Parameters) for one item, with `$$.Map.Item` set; the item itself
    /// when there is no selector.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn item_input(
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
        self.payload(run, "ItemSelector", selector, prepared, &item_context, vars)
    }

    /// A payload template (ItemSelector, BatchInput) built against the state's input.
    pub(super) fn payload(
        &self,
        run: &StateRun<'_>,
        field: &str,
        template: &ItemSelector,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Value, StatesError> {
        match (template, prepared) {
            (ItemSelector::JsonPath(t), Prepared::JsonPath { effective }) => t
                .evaluate(scope(effective, context, vars))
                .map_err(|e| run.runtime(e)),
            (ItemSelector::Jsonata(t), Prepared::Jsonata { bindings }) => {
                shape::jsonata(run, field, t, &bindings.with_context(context))
            }
            _ => Err(run.runtime(format_args!(
                "{field} does not match the state's query language"
            ))),
        }
    }
}

/// A number, or a text that parses as one (a `…Path` field accepts both).
fn number_or_text(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A whole number, or a text of one, from a `…Path` field of a Map state.
fn path_integer(
    run: &StateRun<'_>,
    field: &str,
    path: &JsonPath,
    value: &Value,
) -> Result<i64, StatesError> {
    let whole = match value {
        Value::String(s) => s.trim().parse::<i64>().ok(),
        other => super::task::whole_i64(other),
    };
    whole.ok_or_else(|| {
        run.fail(Cause::PathNotInteger {
            field,
            path: path.text(),
            value,
        })
    })
}
