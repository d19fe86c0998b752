//! The stream event source mappings of the template's functions, run by the cloud: a lane
//! per shard and parallelization slot, invoking the function through Lambda and describing
//! discarded batches to the on-failure queue.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use serde_json::Value;

use super::lane::{FunctionFailure, Lane, LaneInvoker};
use super::source::StreamSource;
use crate::kinesis::Shard;
use crate::runtime::CloudInner;
use crate::sqs::SendMessage;
use crate::template::StreamEventSource;

/// A stream and its shards.
pub type SourceShards = (Arc<dyn StreamSource>, Vec<Arc<Shard>>);

/// What a lane of the cloud calls.
struct CloudLane {
    cloud: Arc<CloudInner>,
    function: String,
    on_failure: Option<String>,
}

#[async_trait]
impl LaneInvoker for CloudLane {
    async fn invoke(&self, event: Value) -> Result<Value, FunctionFailure> {
        self.cloud.busy.fetch_add(1, Ordering::SeqCst);
        let outcome = self.cloud.invoke(&self.function, event).await;
        self.cloud.busy.fetch_sub(1, Ordering::SeqCst);
        outcome.map_err(|e| FunctionFailure {
            error_type: e.error_type().to_owned(),
            message: e.to_string(),
        })
    }

    async fn discard(&self, record: Value) {
        let Some(arn) = &self.on_failure else { return };
        match self.cloud.sqs.queue_by_arn(arn) {
            Ok(queue) => {
                if let Err(e) = queue.send(SendMessage::new(record.to_string())) {
                    tracing::error!(queue = %arn, error = %e, "on-failure destination refused the record");
                }
            }
            Err(e) => tracing::error!(queue = %arn, error = %e, "on-failure destination missing"),
        }
    }
}

impl CloudInner {
    /// The stream an ARN names, a Kinesis stream's or a table's, with its shards.
    pub fn stream_source(&self, arn: &str) -> Option<SourceShards> {
        if let Ok(stream) = self.kinesis.stream_by_arn(arn) {
            let shards = stream.shards().to_vec();
            return Some((stream, shards));
        }
        let stream = self.dynamodb.stream_by_arn(arn)?;
        let shards = vec![stream.shard().clone()];
        Some((stream, shards))
    }

    /// Starts a lane for every shard and parallelization slot of every enabled Kinesis
    /// event source of the template's functions.
    pub fn start_stream_mappings(self: &Arc<Self>) {
        let mut hosts: Vec<_> = self.functions.values().collect();
        hosts.sort_by(|a, b| a.function.logical_id.cmp(&b.function.logical_id));
        for host in hosts {
            for source in host
                .function
                .stream_event_sources
                .iter()
                .filter(|s| s.enabled)
            {
                self.start_stream_mapping(&host.function.logical_id, &host.function.arn, source);
            }
        }
    }

    fn start_stream_mapping(
        self: &Arc<Self>,
        function: &str,
        function_arn: &str,
        source: &StreamEventSource,
    ) {
        let Some((stream, shards)) = self.stream_source(&source.stream_arn) else {
            tracing::error!(stream = %source.stream_arn, "event source stream does not exist");
            return;
        };
        for shard in shards {
            for lane in 0..source.config.parallelization_factor.max(1) {
                let lane = Lane {
                    stream: stream.clone(),
                    shard: shard.clone(),
                    lane,
                    config: source.config.clone(),
                    clock: self.clock.clone(),
                    function_arn: function_arn.to_owned(),
                    region: self.model.region.clone(),
                    watch: None,
                };
                let invoker = CloudLane {
                    cloud: self.clone(),
                    function: function.to_owned(),
                    on_failure: source.on_failure.as_ref().map(|t| t.arn.clone()),
                };
                self.spawn_service(async move { lane.run(&invoker).await });
            }
        }
    }
}
