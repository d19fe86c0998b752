//! What Lambda hands a stream consumer, and what it sends the on-failure destination.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::kinesis::{Record, Stream};
use crate::pseudo::{ACCOUNT_ID, PARTITION};

/// A record as the Kinesis event's `Records` carry it.
pub fn lambda_record(
    stream: &Stream,
    shard_id: &str,
    sequence_number: &str,
    record: &Record,
    region: &str,
) -> Value {
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": &*record.partition_key,
            "sequenceNumber": sequence_number,
            "data": STANDARD.encode(&record.data),
            "approximateArrivalTimestamp": record.arrival_ms as f64 / 1000.0,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("{shard_id}:{sequence_number}"),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": format!("arn:{PARTITION}:iam::{ACCOUNT_ID}:role/orderly-local-event-source-mapping"),
        "awsRegion": region,
        "eventSourceARN": stream.arn(),
    })
}

/// A tumbling window's part of an invocation: where the window lies, the state so far,
/// and whether this is its last invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPart {
    /// The window's start, epoch milliseconds.
    pub start_ms: i64,
    /// Its end (exclusive).
    pub end_ms: i64,
    /// The state the previous invocation returned.
    pub state: Map<String, Value>,
    /// The window's last invocation.
    pub is_final: bool,
    /// The window ended early: its state grew past 1 MB.
    pub terminated_early: bool,
}

/// The invocation's event: the records, and the window's properties when there is one.
pub fn lambda_event(
    records: Vec<Value>,
    window: Option<&WindowPart>,
    shard_id: &str,
    stream_arn: &str,
) -> Value {
    let mut event = Map::new();
    event.insert("Records".into(), Value::Array(records));
    if let Some(w) = window {
        event.insert(
            "window".into(),
            json!({"start": seconds(w.start_ms), "end": seconds(w.end_ms)}),
        );
        event.insert("state".into(), Value::Object(w.state.clone()));
        event.insert("shardId".into(), shard_id.into());
        event.insert("eventSourceARN".into(), stream_arn.into());
        event.insert("isFinalInvokeForWindow".into(), w.is_final.into());
        event.insert("isWindowTerminatedEarly".into(), w.terminated_early.into());
    }
    Value::Object(event)
}

/// An instant as the window's bounds print it: RFC 3339 to the second, in UTC.
fn seconds(ms: i64) -> String {
    orderly_core::clock::rfc3339_seconds(ms)
}

/// Why a batch went to the on-failure destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// `MaximumRetryAttempts` were spent.
    RetryAttemptsExhausted,
    /// The records were older than `MaximumRecordAgeInSeconds`.
    RecordAgeExceeded,
}

impl Condition {
    fn as_str(self) -> &'static str {
        match self {
            Condition::RetryAttemptsExhausted => "RetryAttemptsExhausted",
            Condition::RecordAgeExceeded => "RecordAgeExceeded",
        }
    }
}

/// What the on-failure destination receives for a discarded batch: the invocation's
/// context and where the records lie in the shard, not the records themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Discarded<'a> {
    /// The function's ARN.
    pub function_arn: &'a str,
    /// Why.
    pub condition: Condition,
    /// Invocations of the batch so far.
    pub invocations: u32,
    /// The last invocation's error type, when it failed with one.
    pub function_error: Option<&'a str>,
    /// The shard.
    pub shard_id: &'a str,
    /// The stream's ARN.
    pub stream_arn: &'a str,
    /// The member that locates the batch: `KinesisBatchInfo` or `DDBStreamBatchInfo`.
    pub batch_info_member: &'static str,
    /// The first record's sequence number and arrival, epoch milliseconds.
    pub first: (&'a str, i64),
    /// The last record's sequence number and arrival.
    pub last: (&'a str, i64),
    /// Records in the batch.
    pub size: usize,
    /// Now, epoch milliseconds.
    pub now_ms: i64,
    /// The request id of the record.
    pub request_id: &'a str,
}

impl Discarded<'_> {
    /// The record as JSON, in the shape Lambda sends it.
    pub fn to_json(&self) -> Value {
        let mut response = json!({"statusCode": 200, "executedVersion": "$LATEST"});
        if let (Some(error), Some(fields)) = (self.function_error, response.as_object_mut()) {
            fields.insert("functionError".into(), error.into());
        }
        json!({
            "requestContext": {
                "requestId": self.request_id,
                "functionArn": self.function_arn,
                "condition": self.condition.as_str(),
                "approximateInvokeCount": self.invocations,
            },
            "responseContext": response,
            "version": "1.0",
            "timestamp": orderly_core::clock::rfc3339_ms(self.now_ms),
            self.batch_info_member: {
                "shardId": self.shard_id,
                "startSequenceNumber": self.first.0,
                "endSequenceNumber": self.last.0,
                "approximateArrivalOfFirstRecord": orderly_core::clock::rfc3339_ms(self.first.1),
                "approximateArrivalOfLastRecord": orderly_core::clock::rfc3339_ms(self.last.1),
                "batchSize": self.size,
                "streamArn": self.stream_arn,
            },
        })
    }
}
