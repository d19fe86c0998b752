//! What a lane reads: a stream whose shards hold records, seen as Lambda shows them. A
//! Kinesis stream and a table's DynamoDB stream keep records the same way and differ only
//! in their sequence numbers, their records' shape and the on-failure record's member.

use serde_json::Value;

use super::event::lambda_record;
use crate::kinesis::{Record, Shard, Stream};

/// A stream a mapping reads.
pub trait StreamSource: Send + Sync {
    /// The stream's ARN (`eventSourceARN`).
    fn arn(&self) -> &str;
    /// The sequence number of the record at `offset` of `shard`.
    fn sequence_number(&self, shard: &Shard, offset: u64) -> String;
    /// The record as the function's event carries it.
    fn lambda_record(&self, shard: &Shard, number: &str, record: &Record, region: &str) -> Value;
    /// The member of the on-failure record that says where the batch lies:
    /// `KinesisBatchInfo` or `DDBStreamBatchInfo`.
    fn batch_info_member(&self) -> &'static str;
}

impl StreamSource for Stream {
    fn arn(&self) -> &str {
        Stream::arn(self)
    }

    fn sequence_number(&self, shard: &Shard, offset: u64) -> String {
        Stream::sequence_number(self, shard, offset)
    }

    fn lambda_record(&self, shard: &Shard, number: &str, record: &Record, region: &str) -> Value {
        lambda_record(self, &shard.id, number, record, region)
    }

    fn batch_info_member(&self) -> &'static str {
        "KinesisBatchInfo"
    }
}
