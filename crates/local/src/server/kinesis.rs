//! Kinesis Data Streams (`Kinesis_20131202.*`, JSON 1.1): CreateStream, DeleteStream,
//! ListStreams, DescribeStream, DescribeStreamSummary, ListShards, PutRecord, PutRecords,
//! GetShardIterator and GetRecords, so `aws kinesis … --endpoint-url` and the SDKs work
//! against the local streams. Blobs travel in base64; timestamps as epoch seconds.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::limits;
use super::wire::{ApiError, Input, epoch_ms};
use crate::kinesis::{
    KinesisError, MAX_READ_RECORDS, Position, Start, Stream, StreamConfig, StreamMode,
    hash::parse_hash_key, missing_shard, range_text, sequence, shard_id, shard_index,
};
use crate::pseudo::ACCOUNT_ID;
use crate::runtime::CloudInner;

/// The `X-Amz-Target` prefix of Kinesis.
pub const SERVICE: &str = "Kinesis_20131202";

/// The most data one record carries.
pub const MAX_DATA_BYTES: usize = 1024 * 1024;
/// The most a PutRecords request carries: data and partition keys.
pub const MAX_REQUEST_BYTES: usize = 5 * 1024 * 1024;
/// Shards ListShards answers a page when MaxResults is not given.
const DEFAULT_LIST_SHARDS: usize = 1000;
/// Streams ListStreams answers a page when Limit is not given.
const DEFAULT_LIST_STREAMS: usize = 100;

/// Serves one Kinesis operation; any other is an unknown operation.
pub fn dispatch(
    cloud: &Arc<CloudInner>,
    operation: &str,
    input: &Input,
) -> Result<Value, ApiError> {
    limits::kinesis::check_request(operation, input)?;
    match operation {
        "CreateStream" => create_stream(cloud, input),
        "DeleteStream" => {
            let stream = stream(cloud, input)?;
            cloud.kinesis.delete_stream(stream.name()).map_err(error)?;
            Ok(json!({}))
        }
        "ListStreams" => list_streams(cloud, input),
        "DescribeStreamSummary" => {
            let stream = stream(cloud, input)?;
            Ok(json!({"StreamDescriptionSummary": summary(&stream)}))
        }
        "DescribeStream" => {
            let stream = stream(cloud, input)?;
            let mut description = summary(&stream);
            if let Some(fields) = description.as_object_mut() {
                fields.remove("OpenShardCount");
                fields.remove("ConsumerCount");
                fields.insert("Shards".into(), shards(&stream, None).into());
                fields.insert("HasMoreShards".into(), false.into());
            }
            Ok(json!({"StreamDescription": description}))
        }
        "ListShards" => list_shards(cloud, input),
        "PutRecord" => put_record(cloud, input),
        "PutRecords" => put_records(cloud, input),
        "GetShardIterator" => get_shard_iterator(cloud, input),
        "GetRecords" => get_records(cloud, input),
        _ => Err(ApiError::unknown_operation(&format!(
            "{SERVICE}.{operation}"
        ))),
    }
}

fn error(e: KinesisError) -> ApiError {
    ApiError::new(e.code(), e.to_string())
}

/// The stream a request names by `StreamARN` or `StreamName`.
fn stream(cloud: &CloudInner, input: &Input) -> Result<Arc<Stream>, ApiError> {
    match (input.str("StreamARN")?, input.str("StreamName")?) {
        (Some(arn), _) => cloud.kinesis.stream_by_arn(arn).map_err(error),
        (None, Some(name)) => cloud.kinesis.stream(name).map_err(error),
        (None, None) => Err(limits::validation_error(&[
            "Value null at 'streamName' failed to satisfy constraint: Member must not be null"
                .to_owned(),
        ])),
    }
}

fn create_stream(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let name = input.required_str("StreamName")?;
    let shard_count = input.int("ShardCount", 1, 100_000)?;
    let mode = match input.map("StreamModeDetails")? {
        Some(details) => match details.get("StreamMode").and_then(Value::as_str) {
            Some("PROVISIONED") => StreamMode::Provisioned,
            _ => StreamMode::OnDemand,
        },
        None if shard_count.is_some() => StreamMode::Provisioned,
        None => StreamMode::OnDemand,
    };
    let shard_count = match (mode, shard_count) {
        (StreamMode::Provisioned, Some(n)) => n as u32,
        (StreamMode::Provisioned, None) => {
            return Err(ApiError::new(
                "InvalidArgumentException",
                "ShardCount is required for a stream in PROVISIONED mode.",
            ));
        }
        (StreamMode::OnDemand, Some(_)) => {
            return Err(ApiError::new(
                "InvalidArgumentException",
                "ShardCount is not allowed for a stream in ON_DEMAND mode.",
            ));
        }
        (StreamMode::OnDemand, None) => crate::kinesis::ON_DEMAND_SHARDS,
    };
    cloud
        .kinesis
        .create_stream(StreamConfig {
            mode,
            shard_count,
            ..StreamConfig::on_demand(name)
        })
        .map_err(error)?;
    Ok(json!({}))
}

fn list_streams(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let limit = input
        .int("Limit", 1, 10_000)?
        .map_or(DEFAULT_LIST_STREAMS, |n| n as usize);
    let after = input
        .str("NextToken")?
        .or(input.str("ExclusiveStartStreamName")?)
        .unwrap_or_default()
        .to_owned();
    let streams: Vec<Arc<Stream>> = cloud
        .kinesis
        .streams()
        .into_iter()
        .filter(|s| after.is_empty() || s.name() > after.as_str())
        .collect();
    let more = streams.len() > limit;
    let page = &streams[..streams.len().min(limit)];
    let mut out = json!({
        "StreamNames": page.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "HasMoreStreams": more,
        "StreamSummaries": page.iter().map(|s| json!({
            "StreamName": s.name(),
            "StreamARN": s.arn(),
            "StreamStatus": "ACTIVE",
            "StreamModeDetails": {"StreamMode": s.config().mode.as_str()},
            "StreamCreationTimestamp": epoch_ms(s.created_ms()),
        })).collect::<Vec<_>>(),
    });
    if more && let (Some(last), Some(fields)) = (page.last(), out.as_object_mut()) {
        fields.insert("NextToken".into(), last.name().into());
    }
    Ok(out)
}

/// DescribeStreamSummary's description of a stream.
fn summary(stream: &Stream) -> Value {
    let config = stream.config();
    let mut out = json!({
        "StreamName": stream.name(),
        "StreamARN": stream.arn(),
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": {"StreamMode": config.mode.as_str()},
        "RetentionPeriodHours": config.retention_hours,
        "StreamCreationTimestamp": epoch_ms(stream.created_ms()),
        "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
        "EncryptionType": if config.kms_key_id.is_some() { "KMS" } else { "NONE" },
        "OpenShardCount": stream.shards().len(),
        "ConsumerCount": 0,
    });
    if let (Some(key), Some(fields)) = (&config.kms_key_id, out.as_object_mut()) {
        fields.insert("KeyId".into(), key.clone().into());
    }
    out
}

/// The shards of a stream as ListShards and DescribeStream give them, those after
/// `after` (an id, compared as text) only when given.
fn shards(stream: &Stream, after: Option<&str>) -> Vec<Value> {
    stream
        .shards()
        .iter()
        .filter(|s| after.is_none_or(|a| s.id.as_str() > a))
        .map(|s| {
            let (start, end) = range_text(&s.range);
            json!({
                "ShardId": s.id,
                "HashKeyRange": {"StartingHashKey": start, "EndingHashKey": end},
                "SequenceNumberRange": {"StartingSequenceNumber": stream.sequence_number(s, 0)},
            })
        })
        .collect()
}

fn list_shards(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let named = input.get("StreamName").is_some() || input.get("StreamARN").is_some();
    let token = input.str("NextToken")?;
    let (stream, after) = match (named, token) {
        (true, Some(_)) => {
            return Err(ApiError::new(
                "InvalidArgumentException",
                "NextToken and StreamName cannot be provided together.",
            ));
        }
        (false, None) => {
            return Err(ApiError::new(
                "InvalidArgumentException",
                "Either NextToken or StreamName should be provided.",
            ));
        }
        (false, Some(token)) => {
            let (name, after) = decode_token(token)
                .ok_or_else(|| ApiError::new("InvalidArgumentException", "Invalid NextToken."))?;
            (cloud.kinesis.stream(&name).map_err(error)?, Some(after))
        }
        (true, None) => {
            let filter_after = match input.map("ShardFilter")? {
                Some(filter)
                    if filter.get("Type").and_then(Value::as_str) == Some("AFTER_SHARD_ID") =>
                {
                    filter
                        .get("ShardId")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                }
                _ => None,
            };
            let after = input
                .str("ExclusiveStartShardId")?
                .map(str::to_owned)
                .or(filter_after);
            (stream(cloud, input)?, after)
        }
    };
    let limit = input
        .int("MaxResults", 1, 10_000)?
        .map_or(DEFAULT_LIST_SHARDS, |n| n as usize);
    let all = shards(&stream, after.as_deref());
    let mut out = Map::new();
    if all.len() > limit {
        let last = all[limit - 1]["ShardId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        out.insert(
            "NextToken".into(),
            encode_token(stream.name(), &last).into(),
        );
    }
    out.insert(
        "Shards".into(),
        all.into_iter().take(limit).collect::<Vec<_>>().into(),
    );
    Ok(Value::Object(out))
}

/// A ListShards token: the stream and the last shard id answered.
fn encode_token(stream: &str, last_shard: &str) -> String {
    STANDARD.encode(format!("{stream}/{last_shard}"))
}

fn decode_token(token: &str) -> Option<(String, String)> {
    let text = String::from_utf8(STANDARD.decode(token).ok()?).ok()?;
    let (stream, shard) = text.split_once('/')?;
    Some((stream.to_owned(), shard.to_owned()))
}

/// A record's `Data`: base64 text, at most [`MAX_DATA_BYTES`] once decoded.
fn data(value: Option<&Value>, path: &str) -> Result<Vec<u8>, ApiError> {
    let text = match value {
        Some(Value::String(text)) => text,
        Some(other) => {
            return Err(ApiError::serialization(format!(
                "class {} can not be converted to a Blob",
                java_class(other)
            )));
        }
        None => {
            return Err(limits::validation_error(&[format!(
                "Value null at '{path}' failed to satisfy constraint: Member must not be null"
            )]));
        }
    };
    let bytes = STANDARD.decode(text).map_err(|e| {
        let shown: String = text.chars().take(64).collect();
        ApiError::serialization(format!("'{shown}' can not be converted to a Blob: {e}"))
    })?;
    if bytes.len() > MAX_DATA_BYTES {
        let n = bytes.len();
        return Err(limits::validation_error(&[format!(
            "Value 'java.nio.HeapByteBuffer[pos=0 lim={n} cap={n}]' at '{path}' failed to satisfy constraint: Member must have length less than or equal to {MAX_DATA_BYTES}"
        )]));
    }
    Ok(bytes)
}

/// The Java class Coral names for a JSON value of the wrong type.
fn java_class(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "java.lang.Boolean",
        Value::Number(_) => "com.amazon.coral.value.json.numbers.TruncatingBigNumber",
        _ => "java.lang.Object",
    }
}

/// An `ExplicitHashKey`, refused with AWS's words past 2^128 − 1.
fn explicit_hash_key(text: Option<&str>) -> Result<Option<u128>, ApiError> {
    let Some(text) = text else { return Ok(None) };
    parse_hash_key(text).map(Some).ok_or_else(|| {
        ApiError::new(
            "InvalidArgumentException",
            format!(
                "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was {text}"
            ),
        )
    })
}

fn put_record(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let bytes = data(input.get("Data"), "data")?;
    let stream = stream(cloud, input)?;
    let partition_key = input.required_str("PartitionKey")?;
    let explicit = explicit_hash_key(input.str("ExplicitHashKey")?)?;
    if let Some(number) = input.str("SequenceNumberForOrdering")?
        && sequence::parse(number).is_none()
    {
        return Err(ApiError::new(
            "InvalidArgumentException",
            format!(
                "ExclusiveMinimumSequenceNumber {number} used in PutRecord on stream {} under account {ACCOUNT_ID} is invalid.",
                stream.name()
            ),
        ));
    }
    let put = stream
        .put(partition_key, explicit, bytes.into(), cloud.clock.now_ms())
        .map_err(|t| ApiError::new("ProvisionedThroughputExceededException", t.0))?;
    let mut out = json!({"ShardId": put.shard_id, "SequenceNumber": put.sequence_number});
    encryption(&stream, &mut out);
    Ok(out)
}

/// Adds `EncryptionType: KMS` to an answer about an encrypted stream's records.
fn encryption(stream: &Stream, out: &mut Value) {
    if stream.config().kms_key_id.is_some()
        && let Some(fields) = out.as_object_mut()
    {
        fields.insert("EncryptionType".into(), "KMS".into());
    }
}

fn put_records(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let entries = input.list("Records")?.cloned().unwrap_or_default();
    let mut records = Vec::with_capacity(entries.len());
    let mut total = 0;
    for (i, entry) in entries.iter().enumerate() {
        let entry = entry.as_object().cloned().unwrap_or_default();
        let entry = Input::from_map(entry);
        let bytes = data(entry.get("Data"), &format!("records.{}.member.data", i + 1))?;
        let partition_key = entry.required_str("PartitionKey")?.to_owned();
        total += bytes.len() + partition_key.len();
        records.push((
            partition_key,
            entry.str("ExplicitHashKey")?.map(str::to_owned),
            bytes,
        ));
    }
    let stream = stream(cloud, input)?;
    if total > MAX_REQUEST_BYTES {
        return Err(ApiError::new(
            "InvalidArgumentException",
            "Records size exceeds 5 MB limit",
        ));
    }
    let mut keys = Vec::with_capacity(records.len());
    for (_, explicit, _) in &records {
        keys.push(explicit_hash_key(explicit.as_deref())?);
    }
    let now_ms = cloud.clock.now_ms();
    let mut failed = 0;
    let results: Vec<Value> = records
        .into_iter()
        .zip(keys)
        .map(|((partition_key, _, bytes), key)| {
            match stream.put(&partition_key, key, bytes.into(), now_ms) {
                Ok(put) => json!({"ShardId": put.shard_id, "SequenceNumber": put.sequence_number}),
                Err(throttled) => {
                    failed += 1;
                    json!({
                        "ErrorCode": "ProvisionedThroughputExceededException",
                        "ErrorMessage": throttled.0,
                    })
                }
            }
        })
        .collect();
    let mut out = json!({"FailedRecordCount": failed, "Records": results});
    encryption(&stream, &mut out);
    Ok(out)
}

fn get_shard_iterator(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let shard = input.required_str("ShardId")?;
    let kind = input.required_str("ShardIteratorType")?;
    let name = input
        .str("StreamName")?
        .map(str::to_owned)
        .or_else(|| {
            input
                .str("StreamARN")
                .ok()
                .flatten()
                .and_then(|arn| arn.rsplit_once(":stream/").map(|(_, n)| n.to_owned()))
        })
        .unwrap_or_default();
    let Some(index) = shard_index(shard) else {
        return Err(ApiError::new(
            "ResourceNotFoundException",
            format!("Could not find shard {shard} in stream {name} under account {ACCOUNT_ID}."),
        ));
    };
    let stream = stream(cloud, input).map_err(|_| error(missing_shard(&shard_id(index), &name)))?;
    let number = input.str("StartingSequenceNumber")?;
    let now_ms = cloud.clock.now_ms();
    let wrong_pairing = |has: &str| {
        ApiError::new(
            "InvalidArgumentException",
            format!(
                "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified {kind} and {has} StartingSequenceNumber."
            ),
        )
    };
    let start = match (kind, number) {
        ("TRIM_HORIZON" | "LATEST", Some(_)) => return Err(wrong_pairing("also a")),
        ("AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER", None) => return Err(wrong_pairing("no")),
        ("TRIM_HORIZON", None) => Start::TrimHorizon,
        ("LATEST", None) => Start::Latest,
        ("AT_SEQUENCE_NUMBER", Some(n)) => Start::AtSequence(n.to_owned()),
        ("AFTER_SEQUENCE_NUMBER", Some(n)) => Start::AfterSequence(n.to_owned()),
        _ => {
            let at_ms = timestamp_ms(input.get("Timestamp"))?.ok_or_else(|| {
                ApiError::new(
                    "InvalidArgumentException",
                    "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.",
                )
            })?;
            if at_ms > now_ms {
                return Err(ApiError::new(
                    "InvalidArgumentException",
                    format!(
                        "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: {at_ms}, currentTimestampInMillis: {now_ms}"
                    ),
                ));
            }
            Start::AtTimestamp(at_ms)
        }
    };
    let iterator = stream.iterator(index, &start, now_ms).map_err(error)?;
    Ok(json!({"ShardIterator": iterator}))
}

/// A `Timestamp` member: epoch seconds, as a number or its text.
fn timestamp_ms(value: Option<&Value>) -> Result<Option<i64>, ApiError> {
    let seconds = match value {
        None => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.parse::<f64>().ok(),
        Some(_) => None,
    };
    match seconds.map(|s| (s * 1000.0).round()) {
        Some(ms) if ms.is_finite() && ms.abs() < 1e15 => Ok(Some(ms as i64)),
        _ => Err(ApiError::serialization(
            "class java.lang.String can not be converted to milliseconds since epoch",
        )),
    }
}

fn get_records(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let text = input.required_str("ShardIterator")?;
    let limit = input
        .int("Limit", 1, 10_000)?
        .map_or(MAX_READ_RECORDS, |n| n as usize);
    let now_ms = cloud.clock.now_ms();
    let invalid = || ApiError::new("InvalidArgumentException", "Invalid ShardIterator.");
    let position = Position::decode(text).ok_or_else(invalid)?;
    if position.issued_ms > now_ms {
        return Err(invalid());
    }
    let stream = cloud
        .kinesis
        .stream(&position.stream)
        .map_err(|_| error(missing_shard(&shard_id(position.shard), &position.stream)))?;
    let read = stream
        .get_records(&position, limit, now_ms)
        .map_err(error)?;
    let kms = stream.config().kms_key_id.is_some();
    let records: Vec<Value> = read
        .records
        .iter()
        .map(|(number, record)| {
            let mut out = json!({
                "SequenceNumber": number,
                "ApproximateArrivalTimestamp": epoch_ms(record.arrival_ms),
                "Data": STANDARD.encode(&record.data),
                "PartitionKey": &*record.partition_key,
            });
            if kms && let Some(fields) = out.as_object_mut() {
                fields.insert("EncryptionType".into(), "KMS".into());
            }
            out
        })
        .collect();
    Ok(json!({
        "Records": records,
        "NextShardIterator": read.next_iterator,
        "MillisBehindLatest": read.millis_behind_latest,
    }))
}
