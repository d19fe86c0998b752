//! The correlation id, idempotency key and order id of an invocation, read from whatever
//! payload shape the function receives, so every log line of the invocation can carry them.

use lambda_runtime::LambdaEvent;
use serde_json::Value;
use tracing::Instrument;
use tracing::instrument::Instrumented;

/// The envelope fields of one invocation; empty strings where the payload has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvocationFields {
    /// `metadata.correlation-id`, or the `x-correlation-id` header.
    pub correlation_id: String,
    /// `metadata.idempotency-key`, or the `idempotency-key` header.
    pub idempotency_key: String,
    /// The order the invocation is about.
    pub order_id: String,
}

/// Reads the envelope fields from any payload Orderly's functions receive:
/// - an EventBridge event: `detail.metadata` and `detail.data.orderId`;
/// - a Step Functions task payload: `metadata` and `orderId` or `order.orderId`;
/// - an SQS batch: the first record's body, parsed and read as one of these shapes; a
///   Kinesis batch: the first record's data, decoded and read alike;
/// - a pipe's batch (a JSON array): the first record, read as one of these shapes; a
///   DynamoDB stream record of an orders-table insert: its new image's outbox entry and
///   order id;
/// - a notification: `correlationId`, `idempotencyKey`, `orderId` at the top;
/// - an API Gateway HTTP event: the `x-correlation-id` and `idempotency-key` headers, then
///   the JSON body read as one of these shapes.
///
/// A batch's records may belong to different orders; the first stands for the invocation
/// and the batch processor's record spans give each record its own.
pub fn invocation_fields(payload: &Value) -> InvocationFields {
    if let Some(records) = payload.get("Records").and_then(Value::as_array) {
        return records
            .first()
            .and_then(record_body)
            .map(|body| invocation_fields(&body))
            .unwrap_or_default();
    }
    if let Some(records) = payload.as_array() {
        return records
            .first()
            .map(|first| match first.pointer("/dynamodb/NewImage") {
                Some(image) => image_fields(image),
                None => invocation_fields(first),
            })
            .unwrap_or_default();
    }
    let mut fields = direct_fields(payload);
    if let Some(headers) = payload.get("headers").and_then(Value::as_object) {
        // Header names arrive lowercased from HTTP APIs, but not from every client of REST APIs.
        let header = |name: &str| {
            headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .and_then(|(_, value)| value.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let body = payload
            .get("body")
            .and_then(Value::as_str)
            .and_then(|body| serde_json::from_str::<Value>(body).ok())
            .map(|body| direct_fields(&body))
            .unwrap_or_default();
        // The handler takes the headers over the body, and so does the log.
        let headers = InvocationFields {
            correlation_id: header("x-correlation-id"),
            idempotency_key: header("idempotency-key"),
            order_id: String::new(),
        };
        fields = merge(headers, merge(body, fields));
    }
    fields
}

/// The fields of a payload that is not a batch: the first place that holds each wins.
fn direct_fields(payload: &Value) -> InvocationFields {
    let first = |pointers: &[&str]| {
        pointers
            .iter()
            .find_map(|pointer| payload.pointer(pointer).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned()
    };
    InvocationFields {
        correlation_id: first(&[
            "/detail/metadata/correlation-id",
            "/metadata/correlation-id",
            "/correlationId",
        ]),
        idempotency_key: first(&[
            "/detail/metadata/idempotency-key",
            "/metadata/idempotency-key",
            "/idempotencyKey",
        ]),
        order_id: first(&["/detail/data/orderId", "/orderId", "/order/orderId"]),
    }
}

/// The fields of an orders-table item in a stream record's image: its outbox entry (the
/// OrderCreated it announces) and its order id.
fn image_fields(image: &Value) -> InvocationFields {
    let text = |pointer: &str| {
        image
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    InvocationFields {
        correlation_id: text("/outbox/M/correlation-id/S"),
        idempotency_key: text("/outbox/M/idempotency-key/S"),
        order_id: text("/orderId/S"),
    }
}

/// A batch record's event: an SQS record's body, or a Kinesis record's data (base64 of
/// JSON text).
fn record_body(record: &Value) -> Option<Value> {
    use base64::Engine;
    if let Some(body) = record.get("body").and_then(Value::as_str) {
        return serde_json::from_str(body).ok();
    }
    let data = record.pointer("/kinesis/data")?.as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `first`'s values, with `second`'s where `first` has none.
fn merge(first: InvocationFields, second: InvocationFields) -> InvocationFields {
    let pick = |a: String, b: String| if a.is_empty() { b } else { a };
    InvocationFields {
        correlation_id: pick(first.correlation_id, second.correlation_id),
        idempotency_key: pick(first.idempotency_key, second.idempotency_key),
        order_id: pick(first.order_id, second.order_id),
    }
}

/// The span an invocation runs in: its envelope fields, so the JSON log layer puts them on
/// every line. Empty values stay empty rather than absent: an inner span's empty value never
/// hides an outer one's.
pub fn invocation_span(payload: &Value) -> tracing::Span {
    let fields = invocation_fields(payload);
    tracing::info_span!(
        "invocation",
        correlation_id = fields.correlation_id.as_str(),
        idempotency_key = fields.idempotency_key.as_str(),
        order_id = fields.order_id.as_str(),
    )
}

/// Runs `handler` on `event` inside the event's [`invocation_span`]; the whole of a
/// function's `service_fn` closure, so `main` stays wiring only.
pub fn in_invocation_span<F, Fut>(event: LambdaEvent<Value>, handler: F) -> Instrumented<Fut>
where
    F: FnOnce(LambdaEvent<Value>) -> Fut,
    Fut: Future,
{
    let span = invocation_span(&event.payload);
    handler(event).instrument(span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every sample payload of `events/lambda`, with the fields it holds.
    #[test]
    fn every_sample_event_yields_its_envelope_fields() {
        // The keys the system hands each function for the sample's order
        // (crates/local/tests/sample_event_keys.rs checks them against the system).
        const HAPPY: &str = "corr-happy-1";
        const APPROVAL: &str = "corr-approval-1";
        let cases: &[(&str, &str, &str, &str)] = &[
            ("audit", HAPPY, "idem-happy-1", "o-happy-1"),
            ("authorize-payment", HAPPY, "idem-happy-1", "o-happy-1"),
            (
                "notify-customer",
                HAPPY,
                "idem-happy-1:OrderConfirmed",
                "o-happy-1",
            ),
            (
                "place-order-http",
                "c0ffee00-0000-4000-8000-000000000002",
                "k-http-1",
                "",
            ),
            // A direct call names no correlation id: place-order derives one from the key.
            ("place-order", "", "k-happy-1", ""),
            (
                "record-approval",
                APPROVAL,
                "idem-approval-1-decision",
                "o-approval-1",
            ),
            ("register-order", HAPPY, "idem-happy-1", "o-happy-1"),
            ("release-stock", HAPPY, "idem-happy-1", "o-happy-1"),
            (
                "request-approval",
                APPROVAL,
                "idem-approval-1",
                "o-approval-1",
            ),
            ("reserve-stock", HAPPY, "idem-happy-1", "o-happy-1"),
            (
                "ship-order",
                HAPPY,
                "idem-happy-1:OrderConfirmed",
                "o-happy-1",
            ),
            ("void-payment", HAPPY, "idem-happy-1", "o-happy-1"),
            ("order-analytics", HAPPY, "idem-happy-1", "o-happy-1"),
            (
                "order-outbox",
                "corr-outbox-1",
                "direct:k-outbox-1",
                "o-outbox-1",
            ),
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/lambda");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("events/lambda")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
            .collect();
        files.sort();
        let mut named: Vec<String> = cases.iter().map(|c| c.0.to_owned()).collect();
        named.sort();
        assert_eq!(files, named, "every sample event has a row");
        for (name, correlation_id, idempotency_key, order_id) in cases {
            let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("read");
            let payload: Value = serde_json::from_str(&text).expect("json");
            assert_eq!(
                invocation_fields(&payload),
                InvocationFields {
                    correlation_id: (*correlation_id).to_owned(),
                    idempotency_key: (*idempotency_key).to_owned(),
                    order_id: (*order_id).to_owned(),
                },
                "{name}"
            );
            // A Kinesis record's data is base64: the id is not in the text as written.
            if !correlation_id.is_empty() && payload.pointer("/Records/0/kinesis").is_none() {
                assert!(text.contains(correlation_id), "{name}");
            }
        }
    }

    #[test]
    fn odd_payloads_yield_empty_fields() {
        for payload in [
            json!(null),
            json!("text"),
            json!([1, 2]),
            json!({"Records": []}),
            json!({"Records": [{"body": "not json"}]}),
            json!({"Records": [{"body": 7}]}),
            json!({"metadata": {"correlation-id": 7}}),
            json!({"headers": {}, "body": "{"}),
        ] {
            assert_eq!(
                invocation_fields(&payload),
                InvocationFields::default(),
                "{payload}"
            );
        }
    }

    #[test]
    fn http_headers_win_over_the_body_and_match_any_case() {
        let payload = json!({
            "headers": {"X-Correlation-Id": "from-header"},
            "body": "{\"idempotencyKey\": \"from-body\", \"correlationId\": \"body-corr\"}",
        });
        let fields = invocation_fields(&payload);
        assert_eq!(fields.correlation_id, "from-header");
        assert_eq!(fields.idempotency_key, "from-body");
    }
}
