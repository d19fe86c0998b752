//! An embedded Kinesis Data Streams engine driven by the runtime's clock: streams of
//! shards that split the hash key space as AWS does, records placed by the MD5 of their
//! partition key, sequence numbers that rise within a shard, retention, the per-shard
//! write limits of provisioned streams, and shard iterators that expire after five
//! minutes.

mod error;
pub mod hash;
mod iterator;
pub mod sequence;
mod shard;
mod stream;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

pub use error::KinesisError;
pub use iterator::{ITERATOR_LIFETIME_MS, Position};
pub use shard::{
    BYTES_PER_SECOND, MAX_KEPT_BYTES, RECORDS_PER_SECOND, Read, Record, Shard, shard_id,
    shard_index,
};
pub use stream::{
    DEFAULT_RETENTION_HOURS, MAX_READ_BYTES, MAX_READ_RECORDS, ON_DEMAND_SHARDS, Put, Records,
    Start, Stream, StreamConfig, StreamMode, Throttled, missing_shard, range_text, stream_arn,
};

use crate::clock::SharedClock;
use crate::pseudo::ACCOUNT_ID;

/// Every stream of the local cloud, by name.
pub struct Kinesis {
    clock: SharedClock,
    streams: RwLock<BTreeMap<String, Arc<Stream>>>,
}

impl std::fmt::Debug for Kinesis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kinesis")
            .field("streams", &self.names())
            .finish_non_exhaustive()
    }
}

impl Kinesis {
    /// An engine with no streams, timing arrival, retention and iterators by `clock`.
    pub fn new(clock: SharedClock) -> Self {
        Self {
            clock,
            streams: RwLock::new(BTreeMap::new()),
        }
    }

    /// The clock the streams run on.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// CreateStream.
    pub fn create_stream(&self, config: StreamConfig) -> Result<Arc<Stream>, KinesisError> {
        let mut streams = self.streams.write().unwrap_or_else(|e| e.into_inner());
        if streams.contains_key(&config.name) {
            return Err(KinesisError::ResourceInUse(format!(
                "Stream {} under account {ACCOUNT_ID} already exists.",
                config.name
            )));
        }
        let stream = Arc::new(Stream::new(config, self.clock.now_ms()));
        streams.insert(stream.name().to_owned(), Arc::clone(&stream));
        Ok(stream)
    }

    /// The stream of a name.
    pub fn stream(&self, name: &str) -> Result<Arc<Stream>, KinesisError> {
        self.streams
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
            .ok_or_else(|| not_found(name))
    }

    /// The stream of an ARN.
    pub fn stream_by_arn(&self, arn: &str) -> Result<Arc<Stream>, KinesisError> {
        let name = arn.rsplit_once(":stream/").map_or(arn, |(_, name)| name);
        self.stream(name)
            .ok()
            .filter(|s| s.arn() == arn)
            .ok_or_else(|| not_found(name))
    }

    /// DeleteStream.
    pub fn delete_stream(&self, name: &str) -> Result<(), KinesisError> {
        self.streams
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| not_found(name))
    }

    /// Every stream, by name.
    pub fn streams(&self) -> Vec<Arc<Stream>> {
        self.streams
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Every stream name.
    pub fn names(&self) -> Vec<String> {
        self.streams
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect()
    }
}

/// AWS's answer for a stream that does not exist.
pub fn not_found(name: &str) -> KinesisError {
    KinesisError::ResourceNotFound(format!(
        "Stream {name} under account {ACCOUNT_ID} not found."
    ))
}
