//! One batch through a pipe: filter, enrichment, target input, target. Whatever the source,
//! a batch is its records in order, each with its identifier (`eventID`, `messageId`); the
//! answer says which record failed first, or that the whole batch did.

use std::sync::Arc;

use event_pattern::RuleSet;
use serde_json::Value;

use super::input::{PipeContext, PipeTemplate, dynamic, parsed_view};
use crate::runtime::CloudInner;
use crate::runtime::bus::PutEventsEntry;
use crate::sqs::SendMessage;
use crate::template::{InvocationType, Pipe, TargetKind};

/// The most entries one PutEvents takes: a bus target's batch.
const BUS_BATCH: usize = 10;

/// Why a batch did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchFailure {
    /// The record at this index of the batch, and those after it, were not delivered.
    At(usize, String),
    /// Nothing of the batch was delivered.
    All(String),
}

impl BatchFailure {
    /// Why, in words.
    pub fn reason(&self) -> &str {
        match self {
            BatchFailure::At(_, r) | BatchFailure::All(r) => r,
        }
    }
}

/// A pipe's stages, checked once.
pub struct Stages {
    pub(super) pipe: Pipe,
    filters: Option<RuleSet>,
    enrichment_template: Option<PipeTemplate>,
    target_template: Option<PipeTemplate>,
    pub(super) context: PipeContext,
}

impl Stages {
    /// The stages of `pipe`, or why they do not compile.
    pub fn new(pipe: &Pipe) -> Result<Self, String> {
        let filters = if pipe.filters.is_empty() {
            None
        } else {
            let mut set = RuleSet::new();
            for (i, pattern) in pipe.filters.iter().enumerate() {
                let parsed = event_pattern::Pattern::parse(pattern)
                    .map_err(|e| format!("filter {i}: {e}"))?;
                set.add(&format!("f{i}"), &parsed);
            }
            Some(set)
        };
        let template = |t: &Option<String>| t.as_deref().map(PipeTemplate::compile).transpose();
        Ok(Self {
            filters,
            enrichment_template: template(&pipe.enrichment_template)?,
            target_template: template(&pipe.target_parameters.input_template)?,
            context: PipeContext {
                pipe_arn: pipe.arn.clone(),
                pipe_name: pipe.name.clone(),
                source_arn: pipe.source.arn().to_owned(),
                enrichment_arn: pipe
                    .enrichment
                    .as_ref()
                    .map(|e| e.arn.clone())
                    .unwrap_or_default(),
                target_arn: pipe.target.arn.clone(),
            },
            pipe: pipe.clone(),
        })
    }

    /// Whether a record passes the filters (every record does without any).
    pub fn passes(&self, record: &Value) -> bool {
        self.filters
            .as_ref()
            .is_none_or(|set| !set.matching(&parsed_view(record)).is_empty())
    }

    /// Runs `records` through the pipe on `cloud`.
    pub async fn run(
        &self,
        cloud: &Arc<CloudInner>,
        records: &[Value],
    ) -> Result<usize, BatchFailure> {
        // Records the filters drop count as done.
        let kept: Vec<(usize, &Value)> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| self.passes(r))
            .collect();
        if kept.is_empty() {
            return Ok(0);
        }
        let now = orderly_core::clock::rfc3339_ms(cloud.clock.now_ms());
        // With an enrichment, its answer is the events, which need not be one per record.
        let (events, origin): (Vec<Value>, Option<Vec<usize>>) = match &self.pipe.enrichment {
            None => (
                kept.iter().map(|(_, r)| (*r).clone()).collect(),
                Some(kept.iter().map(|(i, _)| *i).collect()),
            ),
            Some(enrichment) => {
                let mut input = Vec::with_capacity(kept.len());
                for (_, record) in &kept {
                    input.push(match &self.enrichment_template {
                        None => (*record).clone(),
                        Some(t) => to_value(
                            t.apply(&parsed_view(record), &self.context, &now)
                                .map_err(BatchFailure::All)?,
                        ),
                    });
                }
                let answer = call(
                    cloud,
                    enrichment.kind,
                    &enrichment.logical_id,
                    &enrichment.arn,
                    Value::Array(input),
                )
                .await
                .map_err(|e| BatchFailure::All(format!("enrichment failed: {e}")))?;
                (events_of(answer), None)
            }
        };
        if events.is_empty() {
            return Ok(0);
        }
        let first_kept = kept.first().map_or(0, |(i, _)| *i);
        let at = |event: usize| match &origin {
            Some(origin) => BatchFailure::At(origin[event], String::new()),
            None => BatchFailure::All(String::new()),
        };
        let mut inputs = Vec::with_capacity(events.len());
        for event in &events {
            inputs.push(match &self.target_template {
                None => match event {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
                Some(t) => t
                    .apply(&parsed_view(event), &self.context, &now)
                    .map_err(|e| BatchFailure::At(first_kept, format!("target input: {e}")))?,
            });
        }
        self.deliver(cloud, &events, &inputs)
            .await
            .map_err(|(index, reason)| match at(index) {
                BatchFailure::At(i, _) => BatchFailure::At(i, reason),
                BatchFailure::All(_) => BatchFailure::All(reason),
            })?;
        Ok(events.len())
    }

    /// Hands each event's input to the target; on failure, the index of the first event not
    /// delivered and why.
    async fn deliver(
        &self,
        cloud: &Arc<CloudInner>,
        events: &[Value],
        inputs: &[String],
    ) -> Result<(), (usize, String)> {
        let target = &self.pipe.target;
        let params = &self.pipe.target_parameters;
        match target.kind {
            TargetKind::EventBus => {
                for (chunk_index, chunk) in inputs.chunks(BUS_BATCH).enumerate() {
                    let base = chunk_index * BUS_BATCH;
                    let entries: Vec<PutEventsEntry> = chunk
                        .iter()
                        .enumerate()
                        .map(|(i, detail)| {
                            let event = parsed_view(&events[base + i]);
                            PutEventsEntry {
                                source: params
                                    .source
                                    .as_deref()
                                    .and_then(|s| dynamic(s, &event))
                                    .or_else(|| Some(self.pipe.arn.clone())),
                                detail_type: params
                                    .detail_type
                                    .as_deref()
                                    .and_then(|s| dynamic(s, &event))
                                    .or_else(|| Some("Event from aws:pipes".to_owned())),
                                detail: Some(detail.clone()),
                                event_bus_name: Some(target.arn.clone()),
                                resources: (!params.resources.is_empty()).then(|| {
                                    params
                                        .resources
                                        .iter()
                                        .filter_map(|r| dynamic(r, &event))
                                        .collect()
                                }),
                                time: params.time.as_deref().and_then(|t| dynamic(t, &event)),
                                trace_header: None,
                            }
                        })
                        .collect();
                    let results = cloud.put_events(&entries);
                    if let Some((i, failed)) = results
                        .iter()
                        .enumerate()
                        .find(|(_, r)| r.error_code.is_some())
                    {
                        return Err((
                            base + i,
                            format!(
                                "PutEvents: {}: {}",
                                failed.error_code.as_deref().unwrap_or_default(),
                                failed.error_message.as_deref().unwrap_or_default()
                            ),
                        ));
                    }
                }
                Ok(())
            }
            TargetKind::Queue => {
                let queue = cloud
                    .sqs
                    .queue_by_arn(&target.arn)
                    .map_err(|e| (0, e.to_string()))?;
                for (i, body) in inputs.iter().enumerate() {
                    let event = parsed_view(&events[i]);
                    let mut message = SendMessage::new(body.clone());
                    if queue.is_fifo() {
                        let group = params
                            .message_group_id
                            .as_deref()
                            .and_then(|g| dynamic(g, &event))
                            .ok_or_else(|| {
                                (i, "a FIFO queue target needs a MessageGroupId".to_owned())
                            })?;
                        message = message.with_group(group);
                        let dedup = params
                            .message_deduplication_id
                            .as_deref()
                            .and_then(|d| dynamic(d, &event));
                        if let Some(id) = dedup {
                            message = message.with_deduplication_id(id);
                        } else if !queue.config().content_based_deduplication {
                            // The record's own id, so a redelivered record is dropped and
                            // two records with the same input are not.
                            let id = source_id(&events[i]).ok_or_else(|| {
                                (
                                    i,
                                    "The queue should either have ContentBasedDeduplication \
                                     enabled or MessageDeduplicationId provided explicitly"
                                        .to_owned(),
                                )
                            })?;
                            message = message.with_deduplication_id(digest(&id));
                        }
                    }
                    queue.send(message).map_err(|e| (i, e.to_string()))?;
                }
                Ok(())
            }
            TargetKind::Function | TargetKind::StateMachine => {
                let input = Value::Array(inputs.iter().map(|t| to_value(t.clone())).collect());
                if params.invocation_type == Some(InvocationType::FireAndForget) {
                    return match target.kind {
                        TargetKind::Function => {
                            cloud.invoke_async(&target.logical_id, input);
                            Ok(())
                        }
                        _ => cloud
                            .start_execution(&target.arn, input, None)
                            .map(|_| ())
                            .map_err(|e| (0, e.to_string())),
                    };
                }
                let answer = call(cloud, target.kind, &target.logical_id, &target.arn, input)
                    .await
                    .map_err(|e| (0, e))?;
                match first_reported(&answer, events) {
                    Some(i) => Err((i, "the target reported a failed item".to_owned())),
                    None => Ok(()),
                }
            }
            TargetKind::Stream | TargetKind::TableStream => {
                Err((0, format!("{} is not a target a pipe reaches", target.arn)))
            }
        }
    }
}

/// Calls a function, or runs an Express state machine synchronously, with `input`.
async fn call(
    cloud: &Arc<CloudInner>,
    kind: TargetKind,
    logical_id: &str,
    arn: &str,
    input: Value,
) -> Result<Value, String> {
    match kind {
        TargetKind::Function => cloud
            .invoke(logical_id, input)
            .await
            .map_err(|e| format!("{}: {e}", e.error_type())),
        _ => {
            let ended = cloud
                .run_sync_execution(arn, input, None)
                .await
                .map_err(|e| format!("StartSyncExecution: {}: {e}", e.code()))?
                .ok_or_else(|| "StartSyncExecution: the execution did not end".to_owned())?;
            if ended.status.as_str() != "SUCCEEDED" {
                return Err(format!(
                    "the execution ended {}: {}",
                    ended.status.as_str(),
                    ended.error.as_deref().unwrap_or_default()
                ));
            }
            Ok(ended.output.clone().unwrap_or(Value::Null))
        }
    }
}

/// The events an enrichment's answer holds: its items, or the answer itself; none for an
/// empty answer (`""`, `{}`, `[]`), which skips the target.
fn events_of(answer: Value) -> Vec<Value> {
    match answer {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        Value::String(s) if s.is_empty() => Vec::new(),
        Value::Object(map) if map.is_empty() => Vec::new(),
        other => vec![other],
    }
}

/// A target input's text as the value a function or state machine is given.
fn to_value(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// The first event a `batchItemFailures` answer names, by its `eventID` or `messageId`.
fn first_reported(answer: &Value, events: &[Value]) -> Option<usize> {
    let failures = answer.get("batchItemFailures")?.as_array()?;
    if failures.is_empty() {
        return None;
    }
    let id_of = |e: &Value| {
        e.get("eventID")
            .or_else(|| e.get("messageId"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut first = None;
    for failure in failures {
        // An identifier that names no event fails the whole batch, as Pipes counts it.
        let Some(id) = failure.get("itemIdentifier").and_then(Value::as_str) else {
            return Some(0);
        };
        let Some(index) = events.iter().position(|e| id_of(e).as_deref() == Some(id)) else {
            return Some(0);
        };
        first = Some(first.map_or(index, |f: usize| f.min(index)));
    }
    first
}

/// The id a source gives a record: a stream record's `eventID`, a message's `messageId`.
fn source_id(event: &Value) -> Option<String> {
    ["eventID", "messageId"]
        .iter()
        .find_map(|key| event.get(*key).and_then(Value::as_str))
        .map(str::to_owned)
}

fn digest(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}
