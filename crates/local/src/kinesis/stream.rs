//! A stream: its shards, where each record goes, and reading a shard from an iterator.

use std::sync::Arc;

use super::error::KinesisError;
use super::hash::{self, HashRange};
use super::iterator::{ITERATOR_LIFETIME_MS, Position};
use super::sequence;
use super::shard::{Read, Record, Shard};
use crate::pseudo::{ACCOUNT_ID, PARTITION, REGION};

/// The most a GetRecords answer carries, in bytes.
pub const MAX_READ_BYTES: usize = 10 * 1024 * 1024;
/// The most records a GetRecords answer carries.
pub const MAX_READ_RECORDS: usize = 10_000;
/// The shards an on-demand stream starts with.
pub const ON_DEMAND_SHARDS: u32 = 4;
/// Retention when the stream names none: a day.
pub const DEFAULT_RETENTION_HOURS: u32 = 24;

/// How a stream's capacity is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamMode {
    /// A fixed number of shards, each taking 1,000 records and 1 MiB a second.
    Provisioned,
    /// AWS adds capacity as writes grow, so the local stream takes every write.
    OnDemand,
}

impl StreamMode {
    /// The name the API gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamMode::Provisioned => "PROVISIONED",
            StreamMode::OnDemand => "ON_DEMAND",
        }
    }
}

/// What a stream is created with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamConfig {
    /// Its name.
    pub name: String,
    /// Provisioned or on demand.
    pub mode: StreamMode,
    /// Shards of a provisioned stream; an on-demand one starts with [`ON_DEMAND_SHARDS`].
    pub shard_count: u32,
    /// How long records are kept.
    pub retention_hours: u32,
    /// The KMS key of server-side encryption, when it is on.
    pub kms_key_id: Option<String>,
}

impl StreamConfig {
    /// The stream a template declares.
    pub fn of(stream: &crate::template::KinesisStream) -> Self {
        Self {
            name: stream.name.clone(),
            mode: if stream.on_demand {
                StreamMode::OnDemand
            } else {
                StreamMode::Provisioned
            },
            shard_count: stream.shard_count,
            retention_hours: stream.retention_hours,
            kms_key_id: stream.kms_key_id.clone(),
        }
    }

    /// An on-demand stream named `name`, unencrypted, with a day's retention.
    pub fn on_demand(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            mode: StreamMode::OnDemand,
            shard_count: ON_DEMAND_SHARDS,
            retention_hours: DEFAULT_RETENTION_HOURS,
            kms_key_id: None,
        }
    }
}

/// Where GetShardIterator starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The oldest record kept.
    TrimHorizon,
    /// After the newest record: only records put from now on.
    Latest,
    /// The record of this sequence number.
    AtSequence(String),
    /// The record after the one of this sequence number.
    AfterSequence(String),
    /// The first record that arrived at or after this instant, epoch milliseconds.
    AtTimestamp(i64),
}

/// One record put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    /// The shard it went to.
    pub shard_id: String,
    /// Its sequence number.
    pub sequence_number: String,
}

/// What GetRecords answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    /// The records, each with its sequence number.
    pub records: Vec<(String, Record)>,
    /// The iterator to read on from.
    pub next_iterator: String,
    /// How far the answer is behind the shard's newest record, in milliseconds: 0 once the
    /// reader has caught up.
    pub millis_behind_latest: i64,
}

/// A Kinesis data stream.
#[derive(Debug)]
pub struct Stream {
    config: StreamConfig,
    arn: String,
    created_ms: i64,
    shards: Vec<Arc<Shard>>,
}

impl Stream {
    /// A stream of `config`, created at `now_ms`.
    pub fn new(config: StreamConfig, now_ms: i64) -> Self {
        let count = match config.mode {
            StreamMode::OnDemand => ON_DEMAND_SHARDS,
            StreamMode::Provisioned => config.shard_count.max(1),
        };
        let shards = hash::split(count)
            .into_iter()
            .zip(0..)
            .map(|(range, index)| Arc::new(Shard::new(index, range)))
            .collect();
        Self {
            arn: stream_arn(&config.name),
            config,
            // Sequence numbers carry the creation second; a stream made in the same
            // millisecond as another of its name still reads as its own.
            created_ms: now_ms,
            shards,
        }
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Its ARN.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// What it was created with.
    pub fn config(&self) -> &StreamConfig {
        &self.config
    }

    /// When it was created, epoch milliseconds.
    pub fn created_ms(&self) -> i64 {
        self.created_ms
    }

    /// Its shards, in order.
    pub fn shards(&self) -> &[Arc<Shard>] {
        &self.shards
    }

    /// The shard whose range holds `key`.
    pub fn shard_for(&self, key: u128) -> &Arc<Shard> {
        let at = self.shards.partition_point(|s| s.range.end < key);
        &self.shards[at.min(self.shards.len() - 1)]
    }

    /// The sequence number of the record at `offset` of `shard`.
    pub fn sequence_number(&self, shard: &Shard, offset: u64) -> String {
        sequence::format(self.created_ms.div_euclid(1000), shard.index, offset)
    }

    /// Puts one record at `now_ms`: to the shard of `explicit_hash_key` when given, else of
    /// the partition key's hash. `None` when the shard is provisioned and has taken its
    /// capacity for this second.
    pub fn put(
        &self,
        partition_key: &str,
        explicit_hash_key: Option<u128>,
        data: Arc<[u8]>,
        now_ms: i64,
    ) -> Result<Put, Throttled> {
        self.trim(now_ms);
        let key = explicit_hash_key.unwrap_or_else(|| hash::hash_key(partition_key));
        let shard = self.shard_for(key);
        let limited = self.config.mode == StreamMode::Provisioned;
        match shard.append(Arc::from(partition_key), data, now_ms, limited) {
            Some(offset) => Ok(Put {
                shard_id: shard.id.clone(),
                sequence_number: self.sequence_number(shard, offset),
            }),
            None => Err(Throttled(format!(
                "Rate exceeded for shard {} in stream {} under account {ACCOUNT_ID}.",
                shard.id,
                self.name()
            ))),
        }
    }

    /// Drops every record older than the retention period.
    pub fn trim(&self, now_ms: i64) {
        let keep_from = now_ms - i64::from(self.config.retention_hours) * 3_600_000;
        for shard in &self.shards {
            shard.trim(keep_from);
        }
    }

    /// GetShardIterator: an iterator of shard `index` at `start`, issued at `now_ms`.
    pub fn iterator(&self, index: u32, start: &Start, now_ms: i64) -> Result<String, KinesisError> {
        self.trim(now_ms);
        let shard = self.shard_at(index)?;
        let offset = match start {
            Start::TrimHorizon => shard.first(),
            Start::Latest => shard.tip(),
            Start::AtTimestamp(at_ms) => shard.offset_at(*at_ms),
            Start::AtSequence(number) => self.offset_of(shard, number)?,
            Start::AfterSequence(number) => self.offset_of(shard, number)?.saturating_add(1),
        };
        Ok(Position {
            stream: self.name().to_owned(),
            shard: shard.index,
            offset,
            issued_ms: now_ms,
        }
        .encode())
    }

    /// The shard of an index, or AWS's answer for a shard the stream does not have.
    pub fn shard_at(&self, index: u32) -> Result<&Arc<Shard>, KinesisError> {
        self.shards
            .get(index as usize)
            .ok_or_else(|| missing_shard(&super::shard::shard_id(index), self.name()))
    }

    /// The offset a sequence number names in `shard`, refused with AWS's words when it is
    /// not one of this engine's, is another shard's, or another stream's.
    fn offset_of(&self, shard: &Shard, number: &str) -> Result<u64, KinesisError> {
        let invalid = |why: &str| {
            KinesisError::InvalidArgument(format!(
                "StartingSequenceNumber {number} used in GetShardIterator on shard {} in stream {} under account {ACCOUNT_ID} is invalid{why}.",
                shard.id,
                self.name()
            ))
        };
        let (created_s, index, offset) = sequence::parse(number).ok_or_else(|| invalid(""))?;
        if index != shard.index {
            return Err(KinesisError::InvalidArgument(format!(
                "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a shard with {}",
                super::shard::shard_id(index),
                shard.id
            )));
        }
        if created_s != self.created_ms.div_euclid(1000).rem_euclid(10_000_000_000) {
            return Err(invalid(" because it did not come from this stream"));
        }
        Ok(offset)
    }

    /// GetRecords from `position` at `now_ms`: up to `limit` records.
    pub fn get_records(
        &self,
        position: &Position,
        limit: usize,
        now_ms: i64,
    ) -> Result<Records, KinesisError> {
        if now_ms - position.issued_ms > ITERATOR_LIFETIME_MS {
            return Err(KinesisError::ExpiredIterator(format!(
                "Iterator expired. The iterator was created at time {} while right now it is {} which is further in the future than the tolerated delay of {ITERATOR_LIFETIME_MS} milliseconds.",
                java_date(position.issued_ms),
                java_date(now_ms)
            )));
        }
        self.trim(now_ms);
        let shard = self.shard_at(position.shard)?;
        let Read { records, next, tip } = shard.read(position.offset, limit, MAX_READ_BYTES);
        let millis_behind_latest = if next >= tip {
            0
        } else {
            shard
                .arrival_of(next)
                .map_or(0, |arrived| (now_ms - arrived).max(0))
        };
        Ok(Records {
            records: records
                .into_iter()
                .map(|r| (self.sequence_number(shard, r.offset), r))
                .collect(),
            next_iterator: Position {
                offset: next,
                issued_ms: now_ms,
                ..position.clone()
            }
            .encode(),
            millis_behind_latest,
        })
    }
}

/// A put refused because the shard has taken its capacity for this second, with AWS's
/// words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttled(pub String);

/// The ARN of a stream of this account and region.
pub fn stream_arn(name: &str) -> String {
    format!("arn:{PARTITION}:kinesis:{REGION}:{ACCOUNT_ID}:stream/{name}")
}

/// AWS's answer for a shard a stream does not have (no period at its end, as AWS words it).
pub fn missing_shard(shard_id: &str, stream: &str) -> KinesisError {
    KinesisError::ResourceNotFound(format!(
        "Shard {shard_id} in stream {stream} under account {ACCOUNT_ID} does not exist"
    ))
}

/// An instant as the iterator-expiry message prints it: as Java prints a date
/// (`Thu Jan 22 01:22:02 UTC 2015`).
fn java_date(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// A range's ends as the API prints them.
pub fn range_text(range: &HashRange) -> (String, String) {
    (range.start.to_string(), range.end.to_string())
}
