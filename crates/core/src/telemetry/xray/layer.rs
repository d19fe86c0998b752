//! The tracing layer that turns the SDK's operation spans into subsegments, and its filter.

use super::document::{Failure, Outcome, Subsegment, epoch_seconds, new_segment_id};
use super::header::TraceHeader;
use super::sdk_text::{
    ERROR_SCAN_LIMIT, RESPONSE_SCAN_LIMIT, bounded_debug, parse_failure, parse_request_id,
    parse_status, quoted_after,
};
use super::{INVOCATION_TRACE_FIELD, TRACE_HEADER_VAR, XrayError};
use crate::clock::{SharedClock, SystemClock};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{Filtered, LevelFilter};
use tracing_subscriber::layer::{Context, Filter, Layer};
use tracing_subscriber::registry::LookupSpan;

const SDK_ORCHESTRATOR: &str = "aws_smithy_runtime::client::orchestrator";
const SDK_ORCHESTRATOR_ERROR: &str = "encountered orchestrator error";

/// The filter of [`XrayLayer`]: the SDK's operation and attempt spans, the invocation span
/// that carries the trace header, and the orchestrator events that say how a call went. A
/// decision per callsite, from its metadata alone, so nothing else ever reaches the layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SdkCalls;

impl SdkCalls {
    fn wants(meta: &Metadata<'_>) -> bool {
        let fields = meta.fields();
        let has = |name: &str| fields.field(name).is_some();
        if meta.is_span() {
            return (has("rpc.service") && has("rpc.method"))
                || has(INVOCATION_TRACE_FIELD)
                || (meta.name() == "try_attempt" && meta.target().starts_with(SDK_ORCHESTRATOR));
        }
        let target = meta.target();
        if target == SDK_ORCHESTRATOR {
            // `response` here is the status and headers; the event of the same field in
            // `::http` carries the whole body and is left out.
            has("response")
                || has("output_or_error")
                || has("err")
                || (*meta.level() == Level::DEBUG && fields.len() == 1 && has("message"))
        } else {
            target.starts_with(SDK_ORCHESTRATOR) && has("endpoint_params")
        }
    }
}

impl<S> Filter<S> for SdkCalls {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        Self::wants(meta)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if Self::wants(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // The response and the deserialized error are TRACE events.
        Some(LevelFilter::TRACE)
    }
}

/// The X-Ray layer with its filter, ready to stack on a registry next to the log layer.
/// Sends to `daemon`; the trace header comes from the invocation span or `_X_AMZN_TRACE_ID`.
pub fn layer<S>(daemon: SocketAddr) -> Result<Filtered<XrayLayer, SdkCalls, S>, XrayError>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    Ok(XrayLayer::new(daemon)?.with_filter(SdkCalls))
}

/// Turns AWS SDK operation spans into X-Ray subsegments sent to the daemon over UDP.
/// Never blocks (a non-blocking socket) and never fails a call: send errors are dropped.
#[derive(Debug)]
pub struct XrayLayer {
    socket: UdpSocket,
    /// Where the trace header comes from when no invocation span carries one.
    header_fallback: fn() -> Option<String>,
    /// Times each call's start and end.
    clock: SharedClock,
}

impl XrayLayer {
    /// A layer sending to the daemon at `daemon`, timing calls with the system clock and
    /// reading the trace header from `_X_AMZN_TRACE_ID` when no invocation span has one.
    ///
    /// # Errors
    ///
    /// [`XrayError::Socket`] if no UDP socket towards `daemon` can be opened.
    pub fn new(daemon: SocketAddr) -> Result<Self, XrayError> {
        let local = match daemon.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        };
        let socket = UdpSocket::bind((local, 0))
            .and_then(|socket| socket.connect(daemon).map(|()| socket))
            .and_then(|socket| socket.set_nonblocking(true).map(|()| socket))
            .map_err(|source| XrayError::Socket { daemon, source })?;
        Ok(Self {
            socket,
            header_fallback: || std::env::var(TRACE_HEADER_VAR).ok(),
            clock: SystemClock::shared(),
        })
    }

    /// Times calls with `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Takes the trace header from `fallback` instead of `_X_AMZN_TRACE_ID` when no
    /// invocation span carries one.
    pub fn with_header_fallback(mut self, fallback: fn() -> Option<String>) -> Self {
        self.header_fallback = fallback;
        self
    }

    fn send(&self, subsegment: &Subsegment) {
        // Tracing must never fail or slow the function: a lost datagram is a lost subsegment.
        let _ = self.socket.send(&subsegment.datagram());
    }
}

/// Kept in the extensions of an invocation span: its trace header.
struct InvocationTrace(TraceHeader);

/// Kept in the extensions of a sampled SDK operation span while it is open.
struct OpenCall {
    id: String,
    trace_id: String,
    parent_id: String,
    service: String,
    operation: String,
    region: Option<String>,
    /// Epoch milliseconds.
    start: i64,
    attempts: u32,
    /// What the latest attempt saw; an earlier attempt's failure is forgotten on retry.
    request_id: Option<String>,
    outcome: Outcome,
}

impl<S> Layer<S> for XrayLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut fields = SpanFields::default();
        attrs.record(&mut fields);

        if let Some(header) = fields.trace_header.as_deref().and_then(TraceHeader::parse) {
            span.extensions_mut().insert(InvocationTrace(header));
        }

        if attrs.metadata().name() == "try_attempt" {
            if let Some(call) = span
                .scope()
                .skip(1)
                .find(|s| s.extensions().get::<OpenCall>().is_some())
                && let Some(open) = call.extensions_mut().get_mut::<OpenCall>()
            {
                open.attempts += 1;
                open.request_id = None;
                open.outcome = Outcome::default();
            }
            return;
        }

        let (Some(service), Some(operation)) = (fields.service, fields.operation) else {
            return;
        };
        // The nearest enclosing call (a credentials call made for another call) or
        // invocation decides the trace, unsampled included; the environment is the last
        // resort, for calls made outside any invocation span.
        let mut decided = None;
        for ancestor in span.scope().skip(1) {
            let extensions = ancestor.extensions();
            if let Some(call) = extensions.get::<OpenCall>() {
                decided = Some(Some((call.trace_id.clone(), call.id.clone())));
                break;
            }
            if let Some(InvocationTrace(header)) = extensions.get::<InvocationTrace>() {
                decided = Some(
                    header
                        .recorded_parent()
                        .map(|parent| (header.root.clone(), parent.to_owned())),
                );
                break;
            }
        }
        let context = decided.unwrap_or_else(|| {
            let header = TraceHeader::parse(&(self.header_fallback)()?)?;
            let parent = header.recorded_parent()?.to_owned();
            Some((header.root, parent))
        });
        let Some((trace_id, parent_id)) = context else {
            return;
        };
        span.extensions_mut().insert(OpenCall {
            id: new_segment_id(),
            trace_id,
            parent_id,
            service,
            operation,
            region: None,
            start: self.clock.now_ms(),
            attempts: 0,
            request_id: None,
            outcome: Outcome::default(),
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(scope) = ctx.event_scope(event) else {
            return;
        };
        let Some(call) = scope
            .into_iter()
            .find(|span| span.extensions().get::<OpenCall>().is_some())
        else {
            return;
        };
        // Read the event before taking the span's lock: formatting runs the SDK's code.
        let mut facts = EventFacts::default();
        event.record(&mut facts);
        let mut extensions = call.extensions_mut();
        if let Some(open) = extensions.get_mut::<OpenCall>() {
            facts.apply(open);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let Some(call) = span.extensions_mut().remove::<OpenCall>() else {
            return;
        };
        let region = call
            .region
            .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()));
        self.send(&Subsegment {
            id: call.id,
            trace_id: call.trace_id,
            parent_id: call.parent_id,
            service: call.service,
            operation: call.operation,
            region,
            request_id: call.request_id,
            start_time: epoch_seconds(call.start),
            end_time: epoch_seconds(self.clock.now_ms().max(call.start)),
            retries: call.attempts.saturating_sub(1),
            outcome: call.outcome,
        });
    }
}

/// The fields of a new span that matter here.
#[derive(Default)]
struct SpanFields {
    service: Option<String>,
    operation: Option<String>,
    trace_header: Option<String>,
}

impl Visit for SpanFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "rpc.service" => self.service = Some(value.to_owned()),
            "rpc.method" => self.operation = Some(value.to_owned()),
            INVOCATION_TRACE_FIELD => self.trace_header = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if matches!(
            field.name(),
            "rpc.service" | "rpc.method" | INVOCATION_TRACE_FIELD
        ) {
            self.record_str(field, &bounded_debug(value, 256));
        }
    }
}

/// What one orchestrator event says about the call it happened in.
#[derive(Default)]
struct EventFacts {
    status: Option<u16>,
    request_id: Option<String>,
    failure: Option<Failure>,
    region: Option<String>,
    orchestrator_error: bool,
}

impl EventFacts {
    fn apply(self, call: &mut OpenCall) {
        if self.region.is_some() {
            call.region = self.region;
        }
        if self.status.is_some() {
            call.outcome.status = self.status;
        }
        if self.request_id.is_some() {
            call.request_id = self.request_id;
        }
        if self.failure.is_some() {
            call.outcome.failure = self.failure;
        } else if self.orchestrator_error && call.outcome.failure.is_none() {
            // The SDK halts without saying why when the request never got a response
            // (connection refused, DNS): the caller's own error says more.
            call.outcome.failure = Some(Failure {
                kind: "OrchestratorError".to_owned(),
                message: Some("the request got no usable response".to_owned()),
            });
        }
    }
}

impl Visit for EventFacts {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_debug(field, &value)
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "response" => {
                // The response as it arrived: status first, then the headers.
                let text = bounded_debug(value, RESPONSE_SCAN_LIMIT);
                self.status = parse_status(&text);
                self.request_id = parse_request_id(&text);
            }
            // A short look first: a successful output can be large and is not wanted.
            "output_or_error" | "err"
                if field.name() == "err" || bounded_debug(value, 4) == "Err(" =>
            {
                self.failure = Some(parse_failure(&bounded_debug(value, ERROR_SCAN_LIMIT)));
            }
            "endpoint_params" => {
                self.region = quoted_after(
                    &bounded_debug(value, RESPONSE_SCAN_LIMIT),
                    "region: Some(\"",
                );
            }
            "message" => {
                self.orchestrator_error = bounded_debug(value, SDK_ORCHESTRATOR_ERROR.len() + 1)
                    .starts_with(SDK_ORCHESTRATOR_ERROR);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::xray::document::DATAGRAM_HEADER;
    use crate::telemetry::xray::test_fixtures::{
        ERROR_WITH_ITEM, PARENT, RESPONSE_400, RESPONSE_OK, ROOT, Shown,
    };
    use serde_json::{Value, json};
    use std::time::Duration;
    use tracing_subscriber::layer::SubscriberExt;

    /// A daemon on loopback and a layer pointed at it.
    fn daemon() -> (UdpSocket, SocketAddr) {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        let addr = socket.local_addr().expect("addr");
        (socket, addr)
    }

    /// A subscriber whose layer reads the trace header from `fallback` when no invocation
    /// span names one.
    fn with_fallback(
        addr: SocketAddr,
        fallback: fn() -> Option<String>,
    ) -> impl tracing::Subscriber + Send + Sync {
        tracing_subscriber::registry().with(
            XrayLayer::new(addr)
                .expect("layer")
                .with_header_fallback(fallback)
                .with_filter(SdkCalls),
        )
    }

    fn received(socket: &UdpSocket) -> Vec<Value> {
        let mut documents = Vec::new();
        let mut buf = vec![0u8; 65_536];
        while let Ok(n) = socket.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            let (header, body) = text.split_once('\n').expect("header line");
            assert_eq!(header, DATAGRAM_HEADER.trim_end());
            documents.push(serde_json::from_str(body).expect("document json"));
        }
        documents
    }

    /// What the SDK does for one call: the operation span, attempts, the orchestrator events.
    fn sdk_call(responses: &[&'static str]) {
        let call = tracing::debug_span!(
            target: "aws_sdk_dynamodb::operation::put_item",
            "DynamoDB.PutItem",
            "rpc.service" = "DynamoDB",
            "rpc.method" = "PutItem",
            "sdk_invocation_id" = 4_242_424,
            "rpc.system" = "aws-api",
        );
        let _call = call.enter();
        tracing::debug!(
            target: "aws_smithy_runtime::client::orchestrator::endpoints",
            endpoint_params = ?Shown(r#"EndpointResolverParams(TypeErasedBox[!Clone]:Params { region: Some("eu-west-1"), use_dual_stack: false })"#),
            "resolving endpoint"
        );
        for (attempt, response) in responses.iter().enumerate() {
            let span = tracing::debug_span!(target: "aws_smithy_runtime::client::orchestrator", "try_attempt", attempt);
            let _attempt = span.enter();
            tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", response = ?Shown(response), "received response from service");
            if response.contains("StatusCode(4") || response.contains("StatusCode(5") {
                tracing::trace!(target: "aws_smithy_runtime::client::orchestrator", output_or_error = ?Shown(ERROR_WITH_ITEM));
            }
        }
    }

    fn in_invocation(header: &str, work: impl FnOnce()) {
        let invocation = tracing::info_span!(
            target: "lambda_runtime::layers::trace",
            "Lambda runtime invoke",
            requestId = "req",
            xrayTraceId = header
        );
        invocation.in_scope(work);
    }

    #[test]
    fn a_sampled_call_becomes_one_subsegment_of_the_invocation() {
        let (socket, addr) = daemon();
        let subscriber = tracing_subscriber::registry().with(layer(addr).expect("layer"));
        tracing::subscriber::with_default(subscriber, || {
            in_invocation(&format!("Root={ROOT};Parent={PARENT};Sampled=1"), || {
                sdk_call(&[RESPONSE_OK])
            })
        });
        let documents = received(&socket);
        assert_eq!(documents.len(), 1, "{documents:?}");
        let doc = &documents[0];
        assert_eq!(doc["name"], "DynamoDB");
        assert_eq!(doc["trace_id"], ROOT);
        assert_eq!(doc["parent_id"], PARENT);
        assert_eq!(doc["type"], "subsegment");
        assert_eq!(
            doc["aws"],
            json!({"operation": "PutItem", "region": "eu-west-1", "request_id": "7ea2e6f2-8e1b-4bd6-a8e0-3c1d64a9b2a1", "retries": 0})
        );
        assert_eq!(doc["http"]["response"]["status"], 200);
        assert!(doc.get("error").is_none() && doc.get("fault").is_none());
        let (start, end) = (doc["start_time"].as_f64(), doc["end_time"].as_f64());
        assert!(matches!((start, end), (Some(s), Some(e)) if s > 1.7e9 && s <= e));
    }

    #[test]
    fn a_retried_call_reports_its_last_attempt() {
        let (socket, addr) = daemon();
        let subscriber = tracing_subscriber::registry().with(layer(addr).expect("layer"));
        tracing::subscriber::with_default(subscriber, || {
            in_invocation(&format!("Root={ROOT};Parent={PARENT};Sampled=1"), || {
                sdk_call(&[RESPONSE_400, RESPONSE_OK])
            });
            in_invocation(&format!("Root={ROOT};Parent={PARENT};Sampled=1"), || {
                sdk_call(&[RESPONSE_400])
            });
        });
        let documents = received(&socket);
        assert_eq!(documents.len(), 2, "{documents:?}");
        assert_eq!(documents[0]["aws"]["retries"], 1);
        assert!(documents[0].get("error").is_none() && documents[0].get("cause").is_none());
        assert_eq!(documents[1]["error"], true);
        assert_eq!(documents[1]["aws"]["request_id"], "REQ-400");
        assert_eq!(
            documents[1]["cause"]["exceptions"][0]["type"],
            "ConditionalCheckFailedException"
        );
    }

    #[test]
    fn unsampled_or_headerless_calls_send_nothing() {
        let (socket, addr) = daemon();
        let subscriber = with_fallback(addr, || None);
        tracing::subscriber::with_default(subscriber, || {
            in_invocation(&format!("Root={ROOT};Parent={PARENT};Sampled=0"), || {
                sdk_call(&[RESPONSE_OK])
            });
            in_invocation(&format!("Root={ROOT};Parent={PARENT}"), || {
                sdk_call(&[RESPONSE_OK])
            });
            sdk_call(&[RESPONSE_OK]);
        });
        assert_eq!(received(&socket), Vec::<Value>::new());
    }

    #[test]
    fn an_unsampled_invocation_span_outranks_a_sampled_environment() {
        let (socket, addr) = daemon();
        let subscriber = with_fallback(addr, || {
            Some(format!("Root={ROOT};Parent={PARENT};Sampled=1"))
        });
        tracing::subscriber::with_default(subscriber, || {
            in_invocation(&format!("Root={ROOT};Parent={PARENT};Sampled=0"), || {
                sdk_call(&[RESPONSE_OK])
            })
        });
        assert_eq!(received(&socket), Vec::<Value>::new());
    }

    #[test]
    fn without_an_invocation_span_the_fallback_header_is_used() {
        let (socket, addr) = daemon();
        let subscriber = with_fallback(addr, || {
            Some(format!("Root={ROOT};Parent={PARENT};Sampled=1"))
        });
        tracing::subscriber::with_default(subscriber, || sdk_call(&[RESPONSE_OK]));
        let documents = received(&socket);
        assert_eq!(documents.len(), 1);
        assert_eq!(documents[0]["parent_id"], PARENT);
    }

    #[test]
    fn a_call_made_inside_another_call_is_its_child() {
        let (socket, addr) = daemon();
        let subscriber = tracing_subscriber::registry().with(layer(addr).expect("layer"));
        tracing::subscriber::with_default(subscriber, || {
            in_invocation(&format!("Root={ROOT};Parent={PARENT};Sampled=1"), || {
                let outer = tracing::debug_span!(
                    target: "aws_sdk_sqs::operation::send_message",
                    "SQS.SendMessage",
                    "rpc.service" = "SQS",
                    "rpc.method" = "SendMessage",
                );
                outer.in_scope(|| sdk_call(&[RESPONSE_OK]));
            })
        });
        let documents = received(&socket);
        assert_eq!(documents.len(), 2, "{documents:?}");
        let (inner, outer) = (&documents[0], &documents[1]);
        assert_eq!(outer["name"], "SQS");
        assert_eq!(outer["parent_id"], PARENT);
        assert_eq!(inner["parent_id"], outer["id"]);
        assert_eq!(inner["trace_id"], ROOT);
    }
}
