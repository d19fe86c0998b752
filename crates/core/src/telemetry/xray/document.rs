//! The subsegment document of one SDK call and the datagram that carries it.

use serde_json::{Map, Value, json};

/// The first line of every datagram the daemon accepts.
pub(super) const DATAGRAM_HEADER: &str = "{\"format\": \"json\", \"version\": 1}\n";

/// A random 64-bit id as 16 hex digits. The halves of a v4 UUID are XORed: their fixed
/// version and variant bits sit at different positions, so every bit of the result is random.
pub(super) fn new_segment_id() -> String {
    let bits = uuid::Uuid::new_v4().as_u128();
    format!("{:016x}", (bits >> 64) as u64 ^ bits as u64)
}

/// Epoch milliseconds as the epoch seconds X-Ray documents carry.
pub(super) fn epoch_seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// How a call ended, as X-Ray classifies it: `error` for a 4xx, `throttle` too for a 429,
/// `fault` for a 5xx or a call that got no usable response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// The HTTP status of the response, if one came back.
    pub status: Option<u16>,
    /// The service's error code (`ResourceNotFoundException`) or the kind of failure.
    pub failure: Option<Failure>,
}

/// Why a call failed, as the `cause.exceptions` entry of its subsegment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The exception's type: the service's error code, or `OrchestratorError` when the call got
    /// no usable response.
    pub kind: String,
    /// The error's message, if the service or SDK gave one.
    pub message: Option<String>,
}

/// One AWS SDK call, ready to become a subsegment document.
#[derive(Debug, Clone, PartialEq)]
pub struct Subsegment {
    /// The subsegment's own id: 16 hex digits.
    pub id: String,
    /// The trace it belongs to (`Root` of the trace header).
    pub trace_id: String,
    /// The id of the segment or subsegment that made the call (`Parent`).
    pub parent_id: String,
    /// The service as the SDK names it: `DynamoDB`, `SQS`, `EventBridge`, `SFN`.
    pub service: String,
    /// The API operation, e.g. `PutItem`.
    pub operation: String,
    /// The region the call went to, when the SDK reported it.
    pub region: Option<String>,
    /// The AWS request id, when a response carried one.
    pub request_id: Option<String>,
    /// When the call started, epoch seconds with millisecond precision.
    pub start_time: f64,
    /// When the call ended, epoch seconds with millisecond precision.
    pub end_time: f64,
    /// How many times the SDK retried the call.
    pub retries: u32,
    /// How the call ended: status and failure.
    pub outcome: Outcome,
}

impl Subsegment {
    /// The subsegment document, as the X-Ray segment document schema describes it.
    pub fn document(&self) -> Value {
        let mut aws = Map::new();
        aws.insert("operation".into(), self.operation.clone().into());
        if let Some(region) = &self.region {
            aws.insert("region".into(), region.clone().into());
        }
        if let Some(request_id) = &self.request_id {
            aws.insert("request_id".into(), request_id.clone().into());
        }
        aws.insert("retries".into(), self.retries.into());
        let mut doc = json!({
            "name": self.service,
            "id": self.id,
            "trace_id": self.trace_id,
            "parent_id": self.parent_id,
            "type": "subsegment",
            "start_time": self.start_time,
            "end_time": self.end_time,
            "namespace": "aws",
            "aws": aws,
        });
        let Some(fields) = doc.as_object_mut() else {
            return doc;
        };
        let status = self.outcome.status;
        if let Some(status) = status {
            fields.insert("http".into(), json!({ "response": { "status": status } }));
        }
        let failed = match status {
            Some(429) => {
                fields.insert("error".into(), true.into());
                fields.insert("throttle".into(), true.into());
                true
            }
            Some(400..=499) => {
                fields.insert("error".into(), true.into());
                true
            }
            Some(500..) => {
                fields.insert("fault".into(), true.into());
                true
            }
            // A 2xx that still failed (an unreadable body) or no response at all.
            _ if self.outcome.failure.is_some() => {
                fields.insert("fault".into(), true.into());
                true
            }
            _ => false,
        };
        if failed {
            let (kind, message) = match &self.outcome.failure {
                Some(failure) => (failure.kind.clone(), failure.message.clone()),
                None => ("HttpError".to_owned(), None),
            };
            let mut exception = Map::new();
            exception.insert("id".into(), new_segment_id().into());
            exception.insert("type".into(), kind.into());
            if let Some(message) = message {
                exception.insert("message".into(), message.into());
            }
            exception.insert("remote".into(), status.is_some().into());
            fields.insert("cause".into(), json!({ "exceptions": [exception] }));
        }
        doc
    }

    /// The UDP datagram for the daemon: the format header line, then the document.
    pub fn datagram(&self) -> Vec<u8> {
        let mut bytes = DATAGRAM_HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(self.document().to_string().as_bytes());
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::xray::header::is_hex;
    use crate::telemetry::xray::test_fixtures::{PARENT, ROOT, subsegment};

    #[test]
    fn segment_ids_are_16_hex_digits_and_differ() {
        let a = new_segment_id();
        let b = new_segment_id();
        assert!(is_hex(&a, 16) && is_hex(&b, 16), "{a} {b}");
        assert_ne!(a, b);
    }

    #[test]
    fn successful_call_document() {
        let doc = subsegment(Outcome {
            status: Some(200),
            failure: None,
        })
        .document();
        assert_eq!(
            doc,
            json!({
                "name": "DynamoDB",
                "id": "0123456789abcdef",
                "trace_id": ROOT,
                "parent_id": PARENT,
                "type": "subsegment",
                "start_time": 1_700_000_000.25,
                "end_time": 1_700_000_000.5,
                "namespace": "aws",
                "aws": {"operation": "PutItem", "region": "eu-west-1", "request_id": "REQ1", "retries": 0},
                "http": {"response": {"status": 200}},
            })
        );
    }

    #[test]
    fn failed_calls_are_classified_as_xray_does() {
        let failure = Some(Failure {
            kind: "ConditionalCheckFailedException".to_owned(),
            message: Some("The conditional request failed".to_owned()),
        });
        // (status, failure, error, throttle, fault, remote)
        let cases = [
            (Some(400), failure.clone(), true, false, false, true),
            (Some(429), failure.clone(), true, true, false, true),
            (Some(503), failure.clone(), false, false, true, true),
            (Some(500), None, false, false, true, true),
            (None, failure.clone(), false, false, true, false),
            (Some(200), failure.clone(), false, false, true, true),
        ];
        for (status, failure, error, throttle, fault, remote) in cases {
            let doc = subsegment(Outcome {
                status,
                failure: failure.clone(),
            })
            .document();
            let flag = |name: &str| doc.get(name) == Some(&Value::Bool(true));
            assert_eq!(
                (flag("error"), flag("throttle"), flag("fault")),
                (error, throttle, fault),
                "{status:?}"
            );
            let exception = &doc["cause"]["exceptions"][0];
            assert!(is_hex(exception["id"].as_str().unwrap_or_default(), 16));
            assert_eq!(exception["remote"], remote, "{status:?}");
            let expected_type = failure
                .as_ref()
                .map_or("HttpError", |failure| failure.kind.as_str());
            assert_eq!(exception["type"], expected_type);
        }
    }

    #[test]
    fn datagram_is_the_header_line_then_the_document() {
        let segment = subsegment(Outcome::default());
        let datagram = segment.datagram();
        let text = std::str::from_utf8(&datagram).expect("utf-8");
        let (header, body) = text.split_once('\n').expect("two lines");
        assert_eq!(
            serde_json::from_str::<Value>(header).expect("header json"),
            json!({"format": "json", "version": 1})
        );
        assert_eq!(
            serde_json::from_str::<Value>(body).expect("body json"),
            segment.document()
        );
    }
}
