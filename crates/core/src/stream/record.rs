//! What the processor reads of a Kinesis or a DynamoDB Streams record.

use aws_lambda_events::encodings::SecondTimestamp;
use aws_lambda_events::event::dynamodb::{Event as DynamoDbEvent, EventRecord};
use aws_lambda_events::event::kinesis::{KinesisEvent, KinesisEventRecord};
use chrono::DateTime;
use serde_json::Value;

/// A record of an ordered stream.
pub trait StreamRecord {
    /// The source, for spans and reasons: `kinesis` or `dynamodb`.
    fn source(&self) -> &'static str;
    /// The sequence number Lambda checkpoints at; `None` when the record has none.
    fn sequence_number(&self) -> Option<&str>;
    /// What orders the record within its shard: the Kinesis partition key, or the
    /// DynamoDB item's key as JSON text.
    fn partition_key(&self) -> String;
    /// The change (`INSERT`, `MODIFY`, `REMOVE`) of a DynamoDB record; `None` for Kinesis.
    fn event_name(&self) -> Option<&str>;
    /// When the record reached the stream, epoch milliseconds.
    fn arrival_ms(&self) -> i64;
    /// The record's body as JSON: a Kinesis record's data (which Lambda gives in base64)
    /// read as JSON text; a DynamoDB record's new image as plain JSON, or its old image for
    /// a `REMOVE`.
    fn body(&self) -> Result<Value, String>;
}

impl StreamRecord for KinesisEventRecord {
    fn source(&self) -> &'static str {
        "kinesis"
    }

    fn sequence_number(&self) -> Option<&str> {
        Some(self.kinesis.sequence_number.as_str()).filter(|s| !s.is_empty())
    }

    fn partition_key(&self) -> String {
        self.kinesis.partition_key.clone()
    }

    fn event_name(&self) -> Option<&str> {
        None
    }

    fn arrival_ms(&self) -> i64 {
        self.kinesis
            .approximate_arrival_timestamp
            .0
            .timestamp_millis()
    }

    fn body(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.kinesis.data.0)
            .map_err(|e| format!("record data is not JSON: {e}"))
    }
}

impl StreamRecord for EventRecord {
    fn source(&self) -> &'static str {
        "dynamodb"
    }

    fn sequence_number(&self) -> Option<&str> {
        self.change
            .sequence_number
            .as_deref()
            .filter(|s| !s.is_empty())
    }

    fn partition_key(&self) -> String {
        serde_dynamo::from_item::<_, Value>(self.change.keys.clone())
            .map(|keys| keys.to_string())
            .unwrap_or_default()
    }

    fn event_name(&self) -> Option<&str> {
        Some(self.event_name.as_str())
    }

    fn arrival_ms(&self) -> i64 {
        self.change
            .approximate_creation_date_time
            .timestamp_millis()
    }

    fn body(&self) -> Result<Value, String> {
        let image = if self.event_name == "REMOVE" && self.change.new_image.is_empty() {
            &self.change.old_image
        } else {
            &self.change.new_image
        };
        if image.is_empty() {
            return Err(format!(
                "{} record has no image to read (the stream's view type holds none)",
                self.event_name
            ));
        }
        serde_dynamo::from_item::<_, Value>(image.clone())
            .map_err(|e| format!("record image is not plain JSON: {e}"))
    }
}

/// Reads a Kinesis event from Lambda's payload, typed as `aws_lambda_events` types it, with
/// each record's `approximateArrivalTimestamp` read again from its number.
/// `aws_lambda_events` reads those seconds by printing the float and taking the digits
/// after its point as milliseconds, so `1765000000.5` (and `….980`, which prints as
/// `….98`) comes out 5 (98) ms past the second instead of 500 (980): up to most of a
/// second wrong for the latencies a stream consumer measures.
pub fn kinesis_event(payload: Value) -> Result<KinesisEvent, String> {
    let arrivals: Vec<Option<i64>> = records_of(&payload)
        .iter()
        .map(|r| seconds_as_ms(r.pointer("/kinesis/approximateArrivalTimestamp")?))
        .collect();
    let mut event: KinesisEvent =
        serde_json::from_value(payload).map_err(|e| format!("not a Kinesis event: {e}"))?;
    for (record, arrival) in event.records.iter_mut().zip(arrivals) {
        if let Some(at) = arrival.and_then(DateTime::from_timestamp_millis) {
            record.kinesis.approximate_arrival_timestamp = SecondTimestamp(at);
        }
    }
    Ok(event)
}

/// Reads a DynamoDB Streams event from Lambda's payload, each record's
/// `ApproximateCreationDateTime` read again from its number as [`kinesis_event`] does.
pub fn dynamodb_event(payload: Value) -> Result<DynamoDbEvent, String> {
    let created: Vec<Option<i64>> = records_of(&payload)
        .iter()
        .map(|r| seconds_as_ms(r.pointer("/dynamodb/ApproximateCreationDateTime")?))
        .collect();
    let mut event: DynamoDbEvent = serde_json::from_value(payload)
        .map_err(|e| format!("not a DynamoDB Streams event: {e}"))?;
    for (record, created) in event.records.iter_mut().zip(created) {
        if let Some(at) = created.and_then(DateTime::from_timestamp_millis) {
            record.change.approximate_creation_date_time = at;
        }
    }
    Ok(event)
}

fn records_of(payload: &Value) -> &[Value] {
    payload
        .get("Records")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Epoch seconds, a number or its text, as whole milliseconds.
fn seconds_as_ms(seconds: &Value) -> Option<i64> {
    let seconds = match seconds {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.parse::<f64>().ok()?,
        _ => return None,
    };
    let ms = (seconds * 1000.0).round();
    (ms.is_finite() && ms.abs() < 1e15).then_some(ms as i64)
}
