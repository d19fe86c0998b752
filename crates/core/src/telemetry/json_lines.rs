//! JSON log lines for Lambda: one object per line with the fields of every enclosing span,
//! root to leaf, so a line inside an SQS record's span still carries the invocation's
//! request id. The fmt layer of `tracing_subscriber` shows the innermost span only.

use super::xray::{INVOCATION_TRACE_FIELD, TraceHeader};
use crate::clock::{SharedClock, SystemClock};
use serde_json::{Map, Value};
use std::io::Write;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The variable Lambda sets to the function's name.
pub const FUNCTION_NAME_VAR: &str = "AWS_LAMBDA_FUNCTION_NAME";
/// The field of `lambda_runtime`'s invocation span that holds the request id.
const RUNTIME_REQUEST_ID_FIELD: &str = "requestId";

/// Writes each event as one JSON line: `timestamp`, `level`, `message`, `function_name`,
/// the merged span fields, then the event's own fields.
pub struct JsonLines<W> {
    function_name: Option<String>,
    make_writer: W,
    clock: SharedClock,
}

impl JsonLines<fn() -> std::io::Stdout> {
    /// Lines to stdout, named after `AWS_LAMBDA_FUNCTION_NAME` (read once, here).
    pub fn from_env() -> Self {
        Self::new(std::env::var(FUNCTION_NAME_VAR).ok(), std::io::stdout)
    }
}

impl<W> JsonLines<W>
where
    W: for<'a> MakeWriter<'a> + 'static,
{
    /// Lines to `make_writer`, stamped by the system clock; `function_name` is put on every
    /// line when given.
    pub fn new(function_name: Option<String>, make_writer: W) -> Self {
        Self {
            function_name,
            make_writer,
            clock: SystemClock::shared(),
        }
    }

    /// Stamps lines with `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

/// The fields of a span, with the runtime's names turned into the line's names.
struct SpanFields(Map<String, Value>);

/// Collects fields as JSON values; span fields go through [`line_field`] renaming.
struct JsonVisitor<'a> {
    fields: &'a mut Map<String, Value>,
    span: bool,
}

impl JsonVisitor<'_> {
    fn insert(&mut self, field: &Field, value: Value) {
        if self.span {
            let (name, value) = line_field(field.name(), value);
            self.fields.insert(name.to_owned(), value);
        } else {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

/// `lambda_runtime` names its span fields `requestId` and `xrayTraceId` (the whole header);
/// the lines carry `request_id` and `trace_id` (the header's Root), as the local cloud does.
fn line_field(name: &str, value: Value) -> (&str, Value) {
    match name {
        RUNTIME_REQUEST_ID_FIELD => ("request_id", value),
        INVOCATION_TRACE_FIELD => {
            let root = value
                .as_str()
                .and_then(TraceHeader::parse)
                .map(|header| Value::String(header.root));
            ("trace_id", root.unwrap_or(value))
        }
        other => (other, value),
    }
}

impl Visit for JsonVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.insert(field, Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.insert(field, serde_json::json!(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, Value::String(value.to_string()));
    }
}

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'a> MakeWriter<'a> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor {
            fields: &mut fields,
            span: true,
        });
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut JsonVisitor {
                fields: &mut fields.0,
                span: true,
            });
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut context = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<SpanFields>() {
                    for (name, value) in &fields.0 {
                        // An inner span that does not know a field (an SQS record whose
                        // body names no order id) leaves the outer span's value.
                        if value.as_str() == Some("")
                            && context.get(name).is_some_and(|v| v.as_str() != Some(""))
                        {
                            continue;
                        }
                        context.insert(name.clone(), value.clone());
                    }
                }
            }
        }
        let mut fields = Map::new();
        event.record(&mut JsonVisitor {
            fields: &mut fields,
            span: false,
        });
        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            Value::String(rfc3339_ms(self.clock.now_ms())),
        );
        line.insert(
            "level".into(),
            Value::String(event.metadata().level().to_string()),
        );
        if let Some(message) = fields.remove("message") {
            line.insert("message".into(), message);
        }
        if let Some(name) = &self.function_name {
            line.insert("function_name".into(), Value::String(name.clone()));
        }
        line.extend(context);
        line.extend(fields);
        let mut text = Value::Object(line).to_string();
        text.push('\n');
        // One write per line, so lines from concurrent invocations never interleave; a log
        // line that cannot be written is lost rather than failing the function.
        let _ = self.make_writer.make_writer().write_all(text.as_bytes());
    }
}

/// Epoch milliseconds as RFC 3339 UTC with exactly three digits of milliseconds, as
/// CloudWatch shows them.
pub use crate::clock::rfc3339_ms;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::CapturedLines;
    use time::format_description::well_known::Rfc3339;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn milliseconds_always_have_three_digits() {
        assert_eq!(rfc3339_ms(1_795_735_866_060), "2026-11-26T23:31:06.060Z");
        assert_eq!(rfc3339_ms(1_795_735_866_000), "2026-11-26T23:31:06.000Z");
        assert_eq!(rfc3339_ms(1_795_735_866_123), "2026-11-26T23:31:06.123Z");
    }

    #[test]
    fn a_line_carries_the_fields_of_every_enclosing_span() {
        let buffer = CapturedLines::default();
        let subscriber = tracing_subscriber::registry().with(JsonLines::new(
            Some("orderly-ShipOrder".to_owned()),
            buffer.clone(),
        ));
        tracing::subscriber::with_default(subscriber, || {
            let runtime = tracing::info_span!(
                "Lambda runtime invoke",
                requestId = "req-7",
                xrayTraceId =
                    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            );
            let _runtime = runtime.enter();
            let invocation = crate::telemetry::invocation_span(&serde_json::json!({
                "metadata": {"correlation-id": "corr-1", "idempotency-key": "k-1"},
                "orderId": "o-1",
            }));
            let _invocation = invocation.enter();
            let record = tracing::info_span!("record", correlation_id = "corr-2", order_id = "");
            let _record = record.enter();
            tracing::warn!(attempt = 2, "shipping later");
        });
        let lines = buffer.json();
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "shipping later");
        assert_eq!(line["function_name"], "orderly-ShipOrder");
        assert_eq!(line["request_id"], "req-7");
        assert_eq!(line["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(line["correlation_id"], "corr-2", "the inner value wins");
        assert_eq!(line["idempotency_key"], "k-1");
        assert_eq!(
            line["order_id"], "o-1",
            "an inner empty value does not hide"
        );
        assert_eq!(line["attempt"], 2);
        assert!(line.get("requestId").is_none() && line.get("xrayTraceId").is_none());
        let timestamp = line["timestamp"].as_str().expect("timestamp");
        let parsed = time::OffsetDateTime::parse(timestamp, &Rfc3339).expect("RFC 3339");
        assert_eq!(parsed.offset(), time::UtcOffset::UTC);
        assert!(
            timestamp.ends_with('Z') && timestamp.len() == 24,
            "{timestamp}"
        );
        let keys: Vec<&str> = line
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .take(4)
            .collect();
        assert_eq!(keys, ["timestamp", "level", "message", "function_name"]);
    }

    #[test]
    fn lines_outside_any_span_and_without_a_name_still_parse() {
        let buffer = CapturedLines::default();
        let subscriber = tracing_subscriber::registry().with(JsonLines::new(None, buffer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(text = "quote \" and newline \n", "started");
            tracing::error!("second");
        });
        let lines = buffer.json();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["text"], "quote \" and newline \n");
        assert!(lines[0].get("function_name").is_none());
        assert_eq!(lines[1]["level"], "ERROR");
    }

    #[test]
    fn a_handler_run_in_its_invocation_span_logs_the_envelope_fields() {
        let buffer = CapturedLines::default();
        let subscriber = tracing_subscriber::registry().with(JsonLines::new(None, buffer.clone()));
        let payload = serde_json::json!({
            "detail": {
                "metadata": {"correlation-id": "corr-9", "idempotency-key": "k-9"},
                "data": {"orderId": "o-9"},
            },
        });
        let event = lambda_runtime::LambdaEvent::new(payload, lambda_runtime::Context::default());
        tracing::subscriber::with_default(subscriber, || {
            futures::executor::block_on(crate::telemetry::in_invocation_span(
                event,
                |event| async move {
                    tracing::info!(
                        kind = event.payload["detail"]["data"]["orderId"].as_str(),
                        "handled"
                    );
                },
            ))
        });
        let lines = buffer.json();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["correlation_id"], "corr-9");
        assert_eq!(lines[0]["idempotency_key"], "k-9");
        assert_eq!(lines[0]["order_id"], "o-9");
        assert_eq!(lines[0]["message"], "handled");
    }
}
