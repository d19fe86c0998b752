//! The consumer's sample event, `events/lambda/<name>.json`: an SQS batch of one record
//! whose body is a sample of the event from another sample under `events/lambda`, so its
//! idempotency key and correlation id are the ones the system hands over (the
//! `sample_event_keys` test holds every sample to that).

use super::{Names, ScaffoldError};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// A sample event and what the consumer's rule matches on.
pub(super) struct Sample {
    /// The file's text.
    pub(super) text: String,
    /// The event's `source`, for the rule's pattern.
    pub(super) source: String,
    /// The contract version of the sample (`detail.metadata.event-version`), which the
    /// rule's pattern selects: a consumer declares the version it reads.
    pub(super) version: String,
}

/// Every SQS record body of the samples in `dir`, parsed, in file order.
fn bodies(dir: &Path) -> Vec<(Value, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .filter_map(|text| serde_json::from_str::<Value>(&text).ok())
        .flat_map(|file| file["Records"].as_array().cloned().unwrap_or_default())
        .filter_map(|record| {
            let body = serde_json::from_str(record["body"].as_str()?).ok()?;
            Some((record, body))
        })
        .collect()
}

/// The contract version an event body carries, as a number (0 when it names none).
fn version_of(body: &Value) -> u32 {
    body.pointer("/detail/metadata/event-version")
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The sample of `event` for the consumer `names`, from the samples in `dir`: of the
/// samples of that event, one in its newest version, which a new consumer should read.
pub(super) fn derive(dir: &Path, event: &str, names: &Names) -> Result<Sample, ScaffoldError> {
    let bodies = bodies(dir);
    // Reversed, so that of samples in the same version the first in file order wins.
    let newest = bodies
        .iter()
        .rev()
        .filter(|(_, body)| body["detail-type"] == event)
        .max_by_key(|(_, body)| version_of(body));
    let Some((record, body)) = newest else {
        let known: BTreeSet<&str> = bodies
            .iter()
            .filter_map(|(_, body)| body["detail-type"].as_str())
            .collect();
        return Err(ScaffoldError::NoSample {
            event: event.to_owned(),
            known: known.into_iter().collect::<Vec<_>>().join(", "),
        });
    };
    let mut record = record.clone();
    record["eventSourceARN"] = json!(format!(
        "arn:aws:sqs:us-east-1:123456789012:orderly-{}Queue-1A2B3C4D5E6F",
        names.pascal
    ));
    let file = json!({ "Records": [record] });
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    Ok(Sample {
        text,
        source: body["source"].as_str().unwrap_or("com.orders").to_owned(),
        version: version_of(body).max(1).to_string(),
    })
}
