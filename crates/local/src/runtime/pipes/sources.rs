//! A pipe's source: the lanes of a stream (ordered: a batch stops at its first failed
//! record, is retried from it, split with `AUTOMATIC_BISECT`, and given up on to the
//! dead-letter queue after its retries or age), or pollers of a queue (unordered: what
//! failed returns to the queue, whose redrive policy applies).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::stages::{BatchFailure, Stages};
use crate::runtime::CloudInner;
use crate::runtime::faults::Fault;
use crate::runtime::streams::{FunctionFailure, Lane, LaneInvoker};
use crate::runtime::xray;
use crate::sqs::SendMessage;
use crate::template::PipeSource;

/// What the lanes of a pipe call: the pipe's stages in place of a function.
struct PipeLane {
    cloud: Arc<CloudInner>,
    stages: Arc<Stages>,
    dead_letter: Option<String>,
}

/// A record as a pipe sees it: Lambda's shape, with a Kinesis record's fields at the top
/// (Pipes' shape of a Kinesis record).
fn pipe_record(record: &Value) -> Value {
    let Some(Value::Object(kinesis)) = record.get("kinesis") else {
        return record.clone();
    };
    let mut out: Map<String, Value> = record.as_object().cloned().unwrap_or_default();
    out.remove("kinesis");
    for (k, v) in kinesis {
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

/// The sequence number a lane knows a record by.
fn sequence_number(record: &Value) -> Option<&str> {
    record
        .pointer("/dynamodb/SequenceNumber")
        .or_else(|| record.get("sequenceNumber"))
        .and_then(Value::as_str)
}

#[async_trait]
impl LaneInvoker for PipeLane {
    async fn invoke(&self, event: Value) -> Result<Value, FunctionFailure> {
        let records: Vec<Value> = event
            .get("Records")
            .and_then(Value::as_array)
            .map(|r| r.iter().map(pipe_record).collect())
            .unwrap_or_default();
        self.cloud.busy.fetch_add(1, Ordering::SeqCst);
        // A stream record carries no trace header: each execution of the pipe starts a
        // trace, which its enrichment and its target continue.
        let trace = xray::new_header(self.cloud.clock.now_ms());
        let outcome = xray::scope(trace, async {
            let outcome = self.stages.run(&self.cloud, &records).await;
            // At least once: the pipe delivered the batch but lost its checkpoint, and
            // delivers it again.
            if outcome.is_ok()
                && self
                    .cloud
                    .faults
                    .strike(Fault::Duplicate, &self.stages.pipe.logical_id)
            {
                return self.stages.run(&self.cloud, &records).await;
            }
            outcome
        })
        .await;
        self.cloud.busy.fetch_sub(1, Ordering::SeqCst);
        match outcome {
            Ok(_) => Ok(json!({})),
            Err(failure) => {
                log_failure(&self.cloud, &self.stages, failure.reason(), records.len());
                match failure {
                    BatchFailure::At(index, _) => {
                        let id = records
                            .get(index)
                            .and_then(sequence_number)
                            .unwrap_or_default();
                        Ok(json!({"batchItemFailures": [{"itemIdentifier": id}]}))
                    }
                    BatchFailure::All(reason) => Err(FunctionFailure {
                        error_type: "PipeExecutionFailed".into(),
                        message: reason,
                    }),
                }
            }
        }
    }

    async fn discard(&self, record: Value) {
        let Some(arn) = &self.dead_letter else { return };
        // Pipes describe the batch as Lambda does, naming the pipe in `context`.
        let mut out = Map::new();
        out.insert(
            "context".into(),
            json!({
                "partnerResourceArn": self.stages.pipe.arn,
                "condition": record.pointer("/requestContext/condition").cloned().unwrap_or(Value::Null),
            }),
        );
        if let Value::Object(fields) = record {
            for (k, v) in fields {
                if k != "requestContext" && k != "responseContext" {
                    out.insert(k, v);
                }
            }
        }
        match self.cloud.sqs.queue_by_arn(arn) {
            Ok(queue) => {
                if let Err(e) = queue.send(SendMessage::new(Value::Object(out).to_string())) {
                    tracing::error!(queue = %arn, error = %e, "the pipe's dead-letter queue refused the record");
                }
            }
            Err(e) => {
                tracing::error!(queue = %arn, error = %e, "the pipe's dead-letter queue is missing")
            }
        }
    }
}

/// A failed execution of `records` records: a warning in the cloud's own log, and an
/// `ExecutionFailed` line in the pipe's log group, as its ERROR level logs it.
fn log_failure(cloud: &CloudInner, stages: &Stages, reason: &str, records: usize) {
    tracing::warn!(pipe = %stages.pipe.name, records, reason = %reason, "pipe execution failed");
    if let Some(group) = &stages.pipe.log_group {
        cloud.logs.write(
            group,
            json!({
                "resourceArn": stages.pipe.arn,
                "timestamp": cloud.clock.now_ms(),
                "executionId": uuid::Uuid::new_v4().to_string(),
                "messageType": "ExecutionFailed",
                "logLevel": "ERROR",
                "error": {"message": reason},
            }),
        );
    }
}

impl CloudInner {
    /// Starts every running pipe of the template.
    pub fn start_pipes(self: &Arc<Self>) {
        for pipe in self.model.pipes.values().filter(|p| p.running) {
            let stages = match Stages::new(pipe) {
                Ok(stages) => Arc::new(stages),
                Err(e) => {
                    tracing::error!(pipe = %pipe.name, error = %e, "the pipe does not start");
                    continue;
                }
            };
            match &pipe.source {
                PipeSource::Stream {
                    stream,
                    config,
                    dead_letter,
                } => {
                    let Some((source, shards)) = self.stream_source(&stream.arn) else {
                        tracing::error!(pipe = %pipe.name, stream = %stream.arn, "the pipe's source does not exist");
                        continue;
                    };
                    for shard in shards {
                        for lane in 0..config.parallelization_factor.max(1) {
                            let watch = Arc::new(crate::runtime::streams::LaneWatch::default());
                            self.stream_watches
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push((shard.clone(), watch.clone()));
                            let lane = Lane {
                                stream: source.clone(),
                                shard: shard.clone(),
                                lane,
                                config: config.clone(),
                                clock: self.clock.clone(),
                                function_arn: pipe.arn.clone(),
                                region: self.model.region.clone(),
                                watch: Some(watch.clone()),
                            };
                            let invoker = PipeLane {
                                cloud: self.clone(),
                                stages: stages.clone(),
                                dead_letter: dead_letter.as_ref().map(|d| d.arn.clone()),
                            };
                            self.spawn_service(async move { lane.run(&invoker).await });
                        }
                    }
                }
                PipeSource::Queue {
                    queue,
                    batch_size,
                    batching_window_ms,
                } => {
                    let cloud = self.clone();
                    let (arn, batch_size, window_ms) =
                        (queue.arn.clone(), *batch_size, *batching_window_ms);
                    let stages = stages.clone();
                    self.spawn_service(async move {
                        cloud
                            .poll_for_pipe(stages, &arn, batch_size, window_ms)
                            .await;
                    });
                }
            }
        }
    }

    async fn poll_for_pipe(
        self: Arc<Self>,
        stages: Arc<Stages>,
        arn: &str,
        batch_size: usize,
        window_ms: i64,
    ) {
        let Ok(queue) = self.sqs.queue_by_arn(arn) else {
            tracing::error!(pipe = %stages.pipe.name, queue = %arn, "the pipe's source does not exist");
            return;
        };
        while let Some(batch) = self.receive_batch(&queue, batch_size, window_ms).await {
            let records: Vec<Value> = batch
                .iter()
                .map(|m| {
                    serde_json::to_value(m.to_lambda_record(queue.arn(), &self.model.region))
                        .unwrap_or(Value::Null)
                })
                .collect();
            // The execution continues the trace of the batch's first traced message.
            let trace = self.batch_trace(&batch);
            let outcome = xray::scope(trace, stages.run(&self, &records)).await;
            // What was delivered leaves the queue; what was not becomes visible again when
            // its visibility ends, and the queue's redrive policy counts its receives.
            let delivered = match &outcome {
                Ok(_) => batch.len(),
                Err(BatchFailure::At(index, _)) => *index,
                Err(BatchFailure::All(_)) => 0,
            };
            if let Err(failure) = &outcome {
                log_failure(&self, &stages, failure.reason(), batch.len());
            }
            for message in &batch[..delivered] {
                let _ = queue.delete(&message.receipt_handle);
            }
            self.busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
