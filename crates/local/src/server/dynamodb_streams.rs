//! DynamoDB Streams (`DynamoDBStreams_20120810.*`, JSON 1.0): ListStreams, DescribeStream,
//! GetShardIterator and GetRecords over the streams of the cloud's tables, so
//! `aws dynamodbstreams … --endpoint-url` reads what the app's writes recorded.

use std::sync::Arc;

use serde_json::{Value, json};

use super::wire::{ApiError, Input, epoch_ms};
use crate::dynamodb::streams::{ITERATOR_LIFETIME_MS, TableStream};
use crate::kinesis::Position;
use crate::runtime::CloudInner;
use crate::runtime::streams::StreamSource;

/// The `X-Amz-Target` prefix of DynamoDB Streams.
pub const SERVICE: &str = "DynamoDBStreams_20120810";

/// The most records one GetRecords answers.
const MAX_RECORDS: i64 = 1000;
/// The most bytes of records one GetRecords answers.
const MAX_BYTES: usize = 1024 * 1024;
/// The most streams or shards a page lists.
const MAX_LIST: i64 = 100;

/// Serves one DynamoDB Streams operation; any other is an unknown operation.
pub fn dispatch(
    cloud: &Arc<CloudInner>,
    operation: &str,
    input: &Input,
) -> Result<Value, ApiError> {
    match operation {
        "ListStreams" => list_streams(cloud, input),
        "DescribeStream" => describe_stream(cloud, input),
        "GetShardIterator" => get_shard_iterator(cloud, input),
        "GetRecords" => get_records(cloud, input),
        _ => Err(ApiError::unknown_operation(&format!(
            "{SERVICE}.{operation}"
        ))),
    }
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new(
        "ResourceNotFoundException",
        format!("Requested resource not found: Stream: {arn} not found"),
    )
}

fn trimmed() -> ApiError {
    ApiError::new(
        "TrimmedDataAccessException",
        "The data you are trying to access has been trimmed",
    )
}

/// A string member within the API's length bounds.
fn bounded<'a>(
    input: &'a Input,
    key: &str,
    min: usize,
    max: usize,
) -> Result<Option<&'a str>, ApiError> {
    let Some(text) = input.str(key)? else {
        return Ok(None);
    };
    let length = text.chars().count();
    if length < min || length > max {
        let member = lower_first(key);
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{text}' at '{member}' failed to satisfy constraint: \
             Member must have length {}",
            if length < min {
                format!("greater than or equal to {min}")
            } else {
                format!("less than or equal to {max}")
            }
        )));
    }
    Ok(Some(text))
}

fn lower_first(key: &str) -> String {
    let mut chars = key.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn required<'a>(input: &'a Input, key: &str, min: usize, max: usize) -> Result<&'a str, ApiError> {
    bounded(input, key, min, max)?.ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: \
             Member must not be null",
            lower_first(key)
        ))
    })
}

fn stream(cloud: &CloudInner, arn: &str) -> Result<Arc<TableStream>, ApiError> {
    cloud
        .dynamodb
        .stream_by_arn(arn)
        .ok_or_else(|| not_found(arn))
}

fn list_streams(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let table = bounded(input, "TableName", 3, 255)?;
    let limit = input.int("Limit", 1, MAX_LIST)?.unwrap_or(MAX_LIST) as usize;
    let after = bounded(input, "ExclusiveStartStreamArn", 37, 1024)?;
    let mut streams: Vec<Arc<TableStream>> = cloud
        .dynamodb
        .streams()
        .into_iter()
        .filter(|s| table.is_none_or(|t| s.table() == t))
        .collect();
    streams.sort_by(|a, b| a.arn().cmp(b.arn()));
    if let Some(after) = after {
        streams.retain(|s| s.arn() > after);
    }
    let more = streams.len() > limit;
    streams.truncate(limit);
    let mut out = json!({
        "Streams": streams
            .iter()
            .map(|s| json!({"StreamArn": s.arn(), "TableName": s.table(), "StreamLabel": s.label()}))
            .collect::<Vec<_>>(),
    });
    if more && let Some(last) = streams.last() {
        out["LastEvaluatedStreamArn"] = last.arn().into();
    }
    Ok(out)
}

fn describe_stream(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let arn = required(input, "StreamArn", 37, 1024)?;
    input.int("Limit", 1, MAX_LIST)?;
    let after = bounded(input, "ExclusiveStartShardId", 28, 65)?;
    let stream = stream(cloud, arn)?;
    let shard = stream.shard();
    // The one shard is open: a starting number and no ending one.
    let shards = if after.is_some_and(|a| a >= shard.id.as_str()) {
        Vec::new()
    } else {
        vec![json!({
            "ShardId": shard.id,
            "SequenceNumberRange": {
                "StartingSequenceNumber": stream.sequence_number(shard, shard.first()),
            },
        })]
    };
    Ok(json!({"StreamDescription": {
        "StreamArn": stream.arn(),
        "StreamLabel": stream.label(),
        "StreamStatus": "ENABLED",
        "StreamViewType": stream.view().as_str(),
        "CreationRequestDateTime": epoch_ms(stream.created_ms()),
        "TableName": stream.table(),
        "KeySchema": stream.key_schema(),
        "Shards": shards,
    }}))
}

fn get_shard_iterator(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let arn = required(input, "StreamArn", 37, 1024)?;
    let shard_id = required(input, "ShardId", 28, 65)?;
    let kind = input.required_str("ShardIteratorType")?;
    let number = bounded(input, "SequenceNumber", 21, 40)?;
    let stream = stream(cloud, arn)?;
    let shard = stream.shard();
    if shard_id != shard.id {
        return Err(ApiError::new(
            "ResourceNotFoundException",
            "Requested resource not found: Shard does not exist",
        ));
    }
    let at = |number: &str| -> Result<u64, ApiError> {
        let offset = stream.offset_of(number).ok_or_else(|| {
            ApiError::validation(format!(
                "Invalid SequenceNumber {number} for shard {shard_id} of stream {arn}"
            ))
        })?;
        if offset < shard.first() {
            return Err(trimmed());
        }
        if offset >= shard.tip() {
            return Err(ApiError::validation(format!(
                "Invalid SequenceNumber {number}: no record of shard {shard_id} has it"
            )));
        }
        Ok(offset)
    };
    let offset = match (kind, number) {
        ("TRIM_HORIZON", None) => shard.first(),
        ("LATEST", None) => shard.tip(),
        ("AT_SEQUENCE_NUMBER", Some(n)) => at(n)?,
        ("AFTER_SEQUENCE_NUMBER", Some(n)) => at(n)?.saturating_add(1),
        ("TRIM_HORIZON" | "LATEST", Some(_)) => {
            return Err(ApiError::validation(format!(
                "Invalid request: SequenceNumber may not be given with ShardIteratorType {kind}"
            )));
        }
        ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", None) => {
            return Err(ApiError::validation(format!(
                "Invalid request: ShardIteratorType {kind} needs a SequenceNumber"
            )));
        }
        (other, _) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'shardIteratorType' failed to \
                 satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, \
                 LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
            )));
        }
    };
    let position = Position {
        stream: stream.arn().to_owned(),
        shard: 0,
        offset,
        issued_ms: cloud.clock.now_ms(),
    };
    Ok(json!({"ShardIterator": position.encode()}))
}

fn get_records(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let text = required(input, "ShardIterator", 1, 2048)?;
    let limit = match input.get("Limit") {
        Some(_) => input.int("Limit", 1, MAX_RECORDS)?.unwrap_or(MAX_RECORDS),
        None => MAX_RECORDS,
    } as usize;
    let position = Position::decode(text)
        .ok_or_else(|| ApiError::validation("Invalid ShardIterator".to_owned()))?;
    let stream = stream(cloud, &position.stream)?;
    let now_ms = cloud.clock.now_ms();
    // An iterator from the future was not handed out here.
    if position.issued_ms > now_ms {
        return Err(ApiError::validation("Invalid ShardIterator".to_owned()));
    }
    if now_ms.saturating_sub(position.issued_ms) > ITERATOR_LIFETIME_MS {
        return Err(ApiError::new(
            "ExpiredIteratorException",
            "The provided iterator exceeds the maximum age allowed.",
        ));
    }
    let shard = stream.shard();
    shard.trim(now_ms - crate::dynamodb::streams::RETENTION_MS);
    if position.offset < shard.first() {
        return Err(trimmed());
    }
    let read = shard.read(position.offset, limit, MAX_BYTES);
    let region = &cloud.model.region;
    let records: Vec<Value> = read
        .records
        .iter()
        .map(|r| stream.api_record(&stream.sequence_number(shard, r.offset), r, region))
        .collect();
    let next = Position {
        offset: read.next,
        issued_ms: now_ms,
        ..position
    };
    Ok(json!({"Records": records, "NextShardIterator": next.encode()}))
}
