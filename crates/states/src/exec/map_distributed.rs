//! Distributed Map (`ProcessorConfig.Mode: DISTRIBUTED`): a Map Run whose child workflow
//! executions each run the ItemProcessor on one item, or on one batch of items
//! (`ItemBatcher`). A child execution has its own context object and its own history
//! (not kept here); the parent's history records the Map Run (`MapRunStarted`,
//! `MapRunSucceeded` / `MapRunFailed`). Items come from the state input only: an
//! `ItemReader` or `ResultWriter` (Amazon S3) fails the state.

use super::engine::Engine;
use super::map_common::{Tally, run_ordered};
use super::run::{Interrupt, StateRun};
use super::shape::Prepared;
use super::vars::Vars;
use crate::clock::format_timestamp;
use crate::definition::model::{Branch, Distributed, ExecutionType, ItemBatcher, MapSpec};
use crate::errors::{StatesError, names};
use crate::history::{EventDetails, Recorder};
use futures::future::BoxFuture;
use serde_json::{Map, Value, json};
use std::sync::{Arc, Mutex};

/// The most child executions a Map Run runs at once (and its default).
pub(super) const MAX_CHILD_CONCURRENCY: u64 = 10_000;

/// The largest batch input, and the default byte limit of a batch: 256 KiB.
const MAX_BATCH_BYTES: u64 = super::MAX_PAYLOAD_BYTES as u64;

/// A resolved `ItemBatcher`.
struct Batching {
    max_items: usize,
    max_bytes: usize,
    batch_input: Option<Value>,
}

/// What every child execution of one Map Run shares.
struct MapRun<'a> {
    processor: &'a Branch,
    execution_type: ExecutionType,
    /// The qualified ARN of the child executions' state machine (`…:stateMachine:M/label`).
    machine_arn: String,
    /// `$$.StateMachine` of a child execution.
    machine: Value,
}

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn run_distributed_map(
        &self,
        run: &StateRun<'_>,
        spec: &MapSpec,
        distributed: &Distributed,
        raw: &Value,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Value, Interrupt> {
        if let Some(resource) = &distributed.item_reader {
            return Err(Interrupt::Failed(StatesError::new(
                names::ITEM_READER_FAILED,
                format!(
                    "{} The ItemReader reads the items from Amazon S3 (Resource '{resource}'), which this local interpreter does not serve. Pass the items in the state input instead (ItemsPath, or Items in JSONata) and remove the ItemReader.",
                    run.error_prefix()
                ),
            )));
        }
        if let Some(resource) = &distributed.result_writer {
            return Err(Interrupt::Failed(StatesError::new(
                names::RESULT_WRITER_FAILED,
                format!(
                    "{} The ResultWriter writes the Map Run's results to Amazon S3 (Resource '{resource}'), which this local interpreter does not serve. Remove the ResultWriter: without it the state's result is the array of the child executions' outputs.",
                    run.error_prefix()
                ),
            )));
        }
        let items = self.map_items_or_fail(run, spec, raw, prepared, context, vars)?;
        let total = items.len();
        // Recorded on AWS: the Map state starts before its limits are read, and a limit
        // that fails fails the execution without a MapStateFailed.
        self.event("MapStateStarted", || EventDetails::MapStateStarted {
            length: total,
        });
        let limits = self.map_limits(run, spec, prepared, context, vars)?;
        let batching = match &distributed.batcher {
            Some(b) => Some(self.batching(run, b, prepared, context, vars)?),
            None => None,
        };
        let mut selected = Vec::with_capacity(total);
        for (index, item) in items.into_iter().enumerate() {
            selected.push(self.item_input(run, spec, index, item, prepared, context, vars)?);
        }
        // Each unit is one child execution's input and the number of items it holds.
        let units: Vec<(Value, usize)> = match &batching {
            None => selected.into_iter().map(|item| (item, 1)).collect(),
            Some(b) => b.batches(run, selected)?,
        };
        let label = distributed
            .label
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_owned());
        let parent_arn = self.context_machine["Id"].as_str().unwrap_or_default();
        let map_run_arn = format!(
            "{}/{label}:{}",
            parent_arn.replacen(":stateMachine:", ":mapRun:", 1),
            uuid::Uuid::new_v4()
        );
        self.event("MapRunStarted", || EventDetails::MapRunStarted {
            map_run_arn: map_run_arn.clone(),
        });
        let map_run = MapRun {
            processor: &spec.processor,
            execution_type: distributed.execution_type,
            machine_arn: format!("{parent_arn}/{label}"),
            machine: json!({
                "Id": format!("{parent_arn}/{label}"),
                "Name": self.context_machine["Name"],
            }),
        };
        let max = match limits.max_concurrency {
            0 => MAX_CHILD_CONCURRENCY,
            n => n.min(MAX_CHILD_CONCURRENCY),
        };
        let width = usize::try_from(max).unwrap_or(usize::MAX);
        let at_root = run.at_root;
        let kept = self.start_keeping(at_root, units.len());
        let (kept, map_run) = (&kept, &map_run);
        let run_one =
            move |index: usize, input: Value| -> BoxFuture<'_, Result<Value, Interrupt>> {
                Box::pin(async move {
                    let outcome = match kept.get(index) {
                        Some(Some(output)) => Ok(output.clone()),
                        _ => self.run_child(map_run, input).await,
                    };
                    self.keep_output(at_root, index, outcome)
                })
            };
        // A Distributed Map tolerates no failed item unless told otherwise, and reports
        // any failure past the threshold as States.ExceedToleratedFailureThreshold.
        let mut limits = limits;
        if limits.count.is_none() && limits.percentage.is_none() {
            limits.count = Some(0);
        }
        let mut tally = Tally::new(&limits, total, true);
        let sizes: Vec<usize> = units.iter().map(|(_, n)| *n).collect();
        let mut sizes = sizes.into_iter();
        let inputs = units.into_iter().map(|(input, _)| input).enumerate();
        let ran = run_ordered(inputs, width, run_one, |outcome| {
            tally.take(outcome, sizes.next().unwrap_or(1))
        })
        .await;
        match ran {
            Ok(()) => {
                let mut results = tally.results;
                self.restore_kept(at_root, &mut results);
                self.event("MapRunSucceeded", || EventDetails::None);
                self.event("MapStateSucceeded", || EventDetails::None);
                Ok(Value::Array(results))
            }
            Err(Interrupt::Failed(err)) => {
                self.event("MapRunFailed", || EventDetails::Failed {
                    error: err.error.clone(),
                    cause: err.cause.clone(),
                });
                run.state_failed("MapStateFailed");
                Err(Interrupt::Failed(err))
            }
            Err(other) => Err(other),
        }
    }

    /// Runs one child workflow execution of `map_run` on `input`: the ItemProcessor in an
    /// engine of its own, with the child's context object, no variables of the parent,
    /// and its own (unkept) history.
    fn run_child<'a>(
        &'a self,
        map_run: &'a MapRun<'_>,
        input: Value,
    ) -> BoxFuture<'a, Result<Value, Interrupt>> {
        Box::pin(async move {
            let name = uuid::Uuid::new_v4().to_string();
            let arn = match map_run.execution_type {
                ExecutionType::Standard => super::execution_arn(&map_run.machine_arn, &name),
                ExecutionType::Express => format!(
                    "{}:{name}:{}",
                    map_run
                        .machine_arn
                        .replacen(":stateMachine:", ":express:", 1),
                    uuid::Uuid::new_v4()
                ),
            };
            let child = Engine {
                clock: self.clock.clone(),
                tasks: self.tasks.clone(),
                tokens: self.tokens.clone(),
                recorder: Recorder::new(false, None),
                context_execution: json!({
                    "Id": arn,
                    "Name": name,
                    "RoleArn": self.context_execution["RoleArn"],
                    "StartTime": format_timestamp(self.clock.now()),
                    "RedriveCount": 0,
                }),
                execution_input: Arc::new(input.clone()),
                context_machine: map_run.machine.clone(),
                region: self.region.clone(),
                deadline: self.deadline,
                jitter: self.jitter.clone(),
                position: Mutex::new(None),
                prior_children: Mutex::new(None),
            };
            super::engine::IN_PARALLEL_BRANCH
                .scope(
                    false,
                    child.run_branch(map_run.processor, input, Vars::default()),
                )
                .await
        })
    }

    /// `ItemBatcher`'s limits and `BatchInput`, resolved against the state's input.
    fn batching(
        &self,
        run: &StateRun<'_>,
        batcher: &ItemBatcher,
        prepared: &Prepared<'_>,
        context: &Value,
        vars: &Vars,
    ) -> Result<Batching, StatesError> {
        let limit = |field: &str, d: &Option<_>| -> Result<Option<u64>, StatesError> {
            let Some(d) = d else {
                return Ok(None);
            };
            let v = self.resolve_dynamic(run, field, d, prepared, context, vars)?;
            match self.whole_number(run, field, &v) {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(run.runtime(format_args!(
                    "The value for the field '{field}' must be a positive integer, got {v}"
                ))),
            }
        };
        let max_items = limit("MaxItemsPerBatch", &batcher.max_items)?;
        let max_bytes = limit("MaxInputBytesPerBatch", &batcher.max_bytes)?;
        if let Some(bytes) = max_bytes.filter(|b| *b > MAX_BATCH_BYTES) {
            return Err(run.runtime(format_args!(
                "The value for the field 'MaxInputBytesPerBatch' must be at most {MAX_BATCH_BYTES} (256 KiB), got {bytes}"
            )));
        }
        let batch_input = match &batcher.batch_input {
            Some(t) => Some(self.payload(run, "BatchInput", t, prepared, context, vars)?),
            None => None,
        };
        Ok(Batching {
            max_items: max_items.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)),
            max_bytes: usize::try_from(max_bytes.unwrap_or(MAX_BATCH_BYTES)).unwrap_or(usize::MAX),
            batch_input,
        })
    }
}

impl Batching {
    /// Groups the selected items, in order, into child inputs
    /// `{"BatchInput": …, "Items": [...]}` of at most `max_items` items and `max_bytes`
    /// bytes of JSON text each; with each the number of items it holds.
    fn batches(
        &self,
        run: &StateRun<'_>,
        items: Vec<Value>,
    ) -> Result<Vec<(Value, usize)>, StatesError> {
        // `{"Items":[]}`, and `"BatchInput":…,` when there is one.
        let empty = 12
            + self
                .batch_input
                .as_ref()
                .map_or(0, |b| super::data::json_size(b) + 14);
        let mut batches = Vec::new();
        let mut current: Vec<Value> = Vec::new();
        let mut size = empty;
        for (index, item) in items.into_iter().enumerate() {
            let item_size = super::data::json_size(&item);
            if empty + item_size > self.max_bytes {
                return Err(run.runtime(format_args!(
                    "The item at index {index} takes {item_size} bytes, more than a batch of at most {} bytes can hold (MaxInputBytesPerBatch)",
                    self.max_bytes
                )));
            }
            let added = item_size + usize::from(!current.is_empty());
            if !current.is_empty()
                && (current.len() >= self.max_items || size + added > self.max_bytes)
            {
                batches.push(self.batch(std::mem::take(&mut current)));
                size = empty;
            }
            size += item_size + usize::from(!current.is_empty());
            current.push(item);
        }
        if !current.is_empty() {
            batches.push(self.batch(current));
        }
        Ok(batches)
    }

    fn batch(&self, items: Vec<Value>) -> (Value, usize) {
        let n = items.len();
        let mut input = Map::new();
        if let Some(b) = &self.batch_input {
            input.insert("BatchInput".into(), b.clone());
        }
        input.insert("Items".into(), Value::Array(items));
        (Value::Object(input), n)
    }
}
