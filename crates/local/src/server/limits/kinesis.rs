//! Kinesis Data Streams' request constraints (API reference, `kinesis-2013-12-02`), per
//! operation. A record's `Data` is a blob: its length is checked once decoded, in
//! [`crate::server::kinesis`], with the words Coral uses for a byte buffer.

use super::{Check, Member};
use crate::server::wire::{ApiError, Input};

/// `StreamName`.
const STREAM_NAME: &[Check] = &[Check::Length(1, 128), Check::Pattern("[a-zA-Z0-9_.-]+")];
/// `StreamARN`.
const STREAM_ARN: &[Check] = &[
    Check::Length(1, 2048),
    Check::Pattern(r"arn:aws.*:kinesis:.*:\d{12}:stream/\S+"),
];
/// `ShardId`.
const SHARD_ID: &[Check] = &[Check::Length(1, 128), Check::Pattern("[a-zA-Z0-9_.-]+")];
/// `PartitionKey`.
const PARTITION_KEY: &[Check] = &[Check::Length(1, 256)];
/// `HashKey`.
const HASH_KEY: &[Check] = &[Check::Pattern(r"0|([1-9]\d{0,38})")];
/// `SequenceNumber`.
const SEQUENCE_NUMBER: &[Check] = &[Check::Pattern(r"0|([1-9]\d{0,128})")];
/// `ShardIteratorType`, in the order AWS's message lists it.
const ITERATOR_TYPE: &[Check] = &[Check::Enum(&[
    "AFTER_SEQUENCE_NUMBER",
    "LATEST",
    "AT_TIMESTAMP",
    "AT_SEQUENCE_NUMBER",
    "TRIM_HORIZON",
])];
/// `NextToken`.
const NEXT_TOKEN: &[Check] = &[Check::Length(1, 1_048_576)];
/// `StreamMode`.
const STREAM_MODE: &[Check] = &[Check::Enum(&["PROVISIONED", "ON_DEMAND"])];

const CREATE_STREAM: &[Member] = &[
    Member::new("StreamName", "streamName", STREAM_NAME).required(),
    Member::new("ShardCount", "shardCount", &[Check::Range(1, 100_000)]),
];

/// The operations that name their stream by `StreamName` or `StreamARN`.
const NAMED_STREAM: &[Member] = &[
    Member::new("StreamName", "streamName", STREAM_NAME),
    Member::new("StreamARN", "streamARN", STREAM_ARN),
];

const LIST_STREAMS: &[Member] = &[
    Member::new("Limit", "limit", &[Check::Range(1, 10_000)]),
    Member::new(
        "ExclusiveStartStreamName",
        "exclusiveStartStreamName",
        STREAM_NAME,
    ),
    Member::new("NextToken", "nextToken", NEXT_TOKEN),
];

const LIST_SHARDS: &[Member] = &[
    Member::new("StreamName", "streamName", STREAM_NAME),
    Member::new("StreamARN", "streamARN", STREAM_ARN),
    Member::new("NextToken", "nextToken", NEXT_TOKEN),
    Member::new("ExclusiveStartShardId", "exclusiveStartShardId", SHARD_ID),
    Member::new("MaxResults", "maxResults", &[Check::Range(1, 10_000)]),
];

const PUT_RECORD: &[Member] = &[
    Member::new("StreamName", "streamName", STREAM_NAME),
    Member::new("StreamARN", "streamARN", STREAM_ARN),
    Member::new("Data", "data", &[]).required(),
    Member::new("PartitionKey", "partitionKey", PARTITION_KEY).required(),
    Member::new("ExplicitHashKey", "explicitHashKey", HASH_KEY),
    Member::new(
        "SequenceNumberForOrdering",
        "sequenceNumberForOrdering",
        SEQUENCE_NUMBER,
    ),
];

const PUT_RECORDS: &[Member] = &[
    Member::new("Records", "records", &[Check::Items(1, 500)]).required(),
    Member::new("StreamName", "streamName", STREAM_NAME),
    Member::new("StreamARN", "streamARN", STREAM_ARN),
];

/// The members of each PutRecords entry; messages name them `records.N.member.x`.
pub const PUT_RECORDS_ENTRY: &[Member] = &[
    Member::new("Data", "data", &[]).required(),
    Member::new("ExplicitHashKey", "explicitHashKey", HASH_KEY),
    Member::new("PartitionKey", "partitionKey", PARTITION_KEY).required(),
];

const GET_SHARD_ITERATOR: &[Member] = &[
    Member::new("StreamName", "streamName", STREAM_NAME),
    Member::new("StreamARN", "streamARN", STREAM_ARN),
    Member::new("ShardId", "shardId", SHARD_ID).required(),
    Member::new("ShardIteratorType", "shardIteratorType", ITERATOR_TYPE).required(),
    Member::new(
        "StartingSequenceNumber",
        "startingSequenceNumber",
        SEQUENCE_NUMBER,
    ),
];

const GET_RECORDS: &[Member] = &[
    Member::new("ShardIterator", "shardIterator", &[Check::Length(1, 512)]).required(),
    Member::new("Limit", "limit", &[Check::Range(1, 10_000)]),
    Member::new("StreamARN", "streamARN", STREAM_ARN),
];

/// The members of an operation's input.
pub fn members(operation: &str) -> &'static [Member] {
    match operation {
        "CreateStream" => CREATE_STREAM,
        "DeleteStream" | "DescribeStream" | "DescribeStreamSummary" => NAMED_STREAM,
        "ListStreams" => LIST_STREAMS,
        "ListShards" => LIST_SHARDS,
        "PutRecord" => PUT_RECORD,
        "PutRecords" => PUT_RECORDS,
        "GetShardIterator" => GET_SHARD_ITERATOR,
        "GetRecords" => GET_RECORDS,
        _ => &[],
    }
}

/// `StreamModeDetails.StreamMode` of CreateStream.
pub const STREAM_MODE_MEMBER: Member =
    Member::new("StreamMode", "streamModeDetails.streamMode", STREAM_MODE).required();

/// Checks `input` against the operation's constraints (each PutRecords entry's too):
/// `Ok`, or the `ValidationException` naming every broken one.
pub fn check_request(operation: &str, input: &Input) -> Result<(), ApiError> {
    let mut found = super::violations(input, members(operation));
    if operation == "PutRecords"
        && let Ok(Some(entries)) = input.list("Records")
    {
        for (i, entry) in entries.iter().enumerate() {
            if let Some(map) = entry.as_object() {
                let prefix = format!("records.{}.member.", i + 1);
                found.extend(super::violations_at(
                    &Input::from_map(map.clone()),
                    PUT_RECORDS_ENTRY,
                    &prefix,
                ));
            }
        }
    }
    if operation == "CreateStream"
        && let Ok(Some(details)) = input.map("StreamModeDetails")
    {
        found.extend(super::violations(
            &Input::from_map(details.clone()),
            std::slice::from_ref(&STREAM_MODE_MEMBER),
        ));
    }
    if found.is_empty() {
        Ok(())
    } else {
        Err(super::validation_error(&found))
    }
}
