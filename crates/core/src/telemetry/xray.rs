//! X-Ray subsegments for the AWS SDK calls, without an X-Ray SDK.
//!
//! The AWS SDK for Rust opens one `tracing` span per operation (`DynamoDB.ListTables`, with
//! the fields `rpc.service` and `rpc.method`, at DEBUG) and reports what happened inside it
//! as DEBUG and TRACE events of `aws_smithy_runtime::client::orchestrator`: one
//! `try_attempt` span per attempt, the HTTP response (status and headers), the deserialized
//! error, the endpoint parameters (region). [`XrayLayer`] turns each such span into an
//! independent subsegment document and sends it over UDP to the X-Ray daemon, the way the
//! X-Ray SDKs of other languages do. Its own per-layer filter, [`SdkCalls`], lets it see
//! those spans whatever level the log output is filtered at.
//!
//! The trace comes from the invocation's trace header (`Root=...;Parent=...;Sampled=1`):
//! the `xrayTraceId` field of the span `lambda_runtime` opens per invocation, else the
//! `_X_AMZN_TRACE_ID` variable the runtime sets per invocation. Nothing is sent unless the
//! header says `Sampled=1`.

use serde_json::{Map, Value, json};
use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{Filtered, LevelFilter};
use tracing_subscriber::layer::{Context, Filter, Layer};
use tracing_subscriber::registry::LookupSpan;

/// Where the X-Ray daemon listens; Lambda sets it, e.g. `169.254.79.129:2000`.
pub const DAEMON_ADDRESS_VAR: &str = "AWS_XRAY_DAEMON_ADDRESS";
/// The invocation's trace header; the Lambda runtime sets it per invocation.
pub const TRACE_HEADER_VAR: &str = "_X_AMZN_TRACE_ID";
/// The field of `lambda_runtime`'s invocation span that holds the trace header.
pub const INVOCATION_TRACE_FIELD: &str = "xrayTraceId";

/// The first line of every datagram the daemon accepts.
const DATAGRAM_HEADER: &str = "{\"format\": \"json\", \"version\": 1}\n";
/// Bounds on what is read from the SDK's debug output: the status and headers come first in
/// a response, so a few kilobytes hold them; an error's code and message can follow a large
/// returned item (ALL_OLD), hence the larger bound for errors.
const RESPONSE_SCAN_LIMIT: usize = 8 * 1024;
const ERROR_SCAN_LIMIT: usize = 64 * 1024;
/// X-Ray exception messages are kept short; a subsegment must fit in one datagram.
const CAUSE_MESSAGE_LIMIT: usize = 1024;
const SDK_ORCHESTRATOR: &str = "aws_smithy_runtime::client::orchestrator";
const SDK_ORCHESTRATOR_ERROR: &str = "encountered orchestrator error";

/// Why X-Ray subsegments cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum XrayError {
    #[error(
        "{DAEMON_ADDRESS_VAR}={0:?} names no UDP address (expected `host:port` or `tcp:host:port udp:host:port`)"
    )]
    BadDaemonAddress(String),
    #[error("{DAEMON_ADDRESS_VAR}={address:?} does not resolve: {source}")]
    Unresolved {
        address: String,
        source: std::io::Error,
    },
    #[error("cannot open a UDP socket towards the X-Ray daemon at {daemon}: {source}")]
    Socket {
        daemon: SocketAddr,
        source: std::io::Error,
    },
}

/// The UDP address of the daemon from a value of `AWS_XRAY_DAEMON_ADDRESS`: either
/// `host:port` (both protocols) or `tcp:host:port udp:host:port`, in any order.
pub fn daemon_udp_address(value: &str) -> Result<SocketAddr, XrayError> {
    let value = value.trim();
    let parts: Vec<&str> = value.split_whitespace().collect();
    let udp = match parts.as_slice() {
        [single] if !single.starts_with("tcp:") => single.strip_prefix("udp:").unwrap_or(single),
        [_, _] => parts
            .iter()
            .find_map(|part| part.strip_prefix("udp:"))
            .ok_or_else(|| XrayError::BadDaemonAddress(value.to_owned()))?,
        _ => return Err(XrayError::BadDaemonAddress(value.to_owned())),
    };
    let mut resolved = udp
        .to_socket_addrs()
        .map_err(|source| XrayError::Unresolved {
            address: value.to_owned(),
            source,
        })?;
    resolved
        .next()
        .ok_or_else(|| XrayError::BadDaemonAddress(value.to_owned()))
}

/// The daemon address from the environment: `None` when `AWS_XRAY_DAEMON_ADDRESS` is unset
/// (tracing is off), an error when it is set but unusable.
pub fn daemon_address_from_env() -> Option<Result<SocketAddr, XrayError>> {
    std::env::var(DAEMON_ADDRESS_VAR)
        .ok()
        .map(|value| daemon_udp_address(&value))
}

/// An X-Ray trace header: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHeader {
    pub root: String,
    pub parent: Option<String>,
    /// `Some(true)` for `Sampled=1`, `Some(false)` for `Sampled=0`, `None` when undecided.
    pub sampled: Option<bool>,
}

impl TraceHeader {
    /// Reads a header; `None` when it has no well-formed `Root`. A malformed `Parent` is
    /// dropped rather than sent, since the daemon would reject the whole document.
    pub fn parse(header: &str) -> Option<Self> {
        let mut root = None;
        let mut parent = None;
        let mut sampled = None;
        for part in header.split(';') {
            let Some((key, value)) = part.split_once('=') else {
                continue;
            };
            match key.trim() {
                "Root" => root = Some(value.trim()),
                "Parent" => parent = Some(value.trim()),
                "Sampled" => {
                    sampled = match value.trim() {
                        "1" => Some(true),
                        "0" => Some(false),
                        _ => None,
                    }
                }
                _ => {}
            }
        }
        let root = root.filter(|root| is_trace_id(root))?;
        Some(Self {
            root: root.to_owned(),
            parent: parent.filter(|p| is_hex(p, 16)).map(str::to_owned),
            sampled,
        })
    }

    /// Whether subsegments of this trace are recorded: sampled, with a parent to attach to.
    fn recorded_parent(&self) -> Option<&str> {
        match self.sampled {
            Some(true) => self.parent.as_deref(),
            _ => None,
        }
    }
}

/// `1-<8 hex digits of epoch seconds>-<24 hex digits>`.
fn is_trace_id(value: &str) -> bool {
    let mut parts = value.split('-');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some("1"), Some(time), Some(random), None) if is_hex(time, 8) && is_hex(random, 24)
    )
}

fn is_hex(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A random 64-bit id as 16 hex digits. The halves of a v4 UUID are XORed: their fixed
/// version and variant bits sit at different positions, so every bit of the result is random.
fn new_segment_id() -> String {
    let bits = uuid::Uuid::new_v4().as_u128();
    format!("{:016x}", (bits >> 64) as u64 ^ bits as u64)
}

fn epoch_seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// How a call ended, as X-Ray classifies it: `error` for a 4xx, `throttle` too for a 429,
/// `fault` for a 5xx or a call that got no usable response.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub status: Option<u16>,
    /// The service's error code (`ResourceNotFoundException`) or the kind of failure.
    pub failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: String,
    pub message: Option<String>,
}

/// One AWS SDK call, ready to become a subsegment document.
#[derive(Debug, Clone, PartialEq)]
pub struct Subsegment {
    pub id: String,
    pub trace_id: String,
    pub parent_id: String,
    /// The service as the SDK names it: `DynamoDB`, `SQS`, `EventBridge`, `SFN`.
    pub service: String,
    pub operation: String,
    pub region: Option<String>,
    pub request_id: Option<String>,
    pub start_time: f64,
    pub end_time: f64,
    pub retries: u32,
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
}

impl XrayLayer {
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
        })
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
    start: SystemTime,
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
            start: SystemTime::now(),
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
            end_time: epoch_seconds(SystemTime::now()).max(epoch_seconds(call.start)),
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

/// The `Debug` text of `value`, cut at `limit` bytes: formatting stops there, so a large
/// body or item costs no more than the limit.
fn bounded_debug(value: &dyn fmt::Debug, limit: usize) -> String {
    struct Bounded {
        text: String,
        limit: usize,
    }
    impl fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let room = self.limit.saturating_sub(self.text.len());
            if s.len() <= room {
                self.text.push_str(s);
                return Ok(());
            }
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.text.push_str(&s[..cut]);
            // An error ends the formatting early; the text so far is what is wanted.
            Err(fmt::Error)
        }
    }
    let mut out = Bounded {
        text: String::new(),
        limit,
    };
    let _ = write!(out, "{value:?}");
    out.text
}

/// `StatusCode(200)` in the SDK's debug text of a response.
fn parse_status(text: &str) -> Option<u16> {
    let start = text.find("status: StatusCode(")? + "status: StatusCode(".len();
    let digits: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The request id header of a response, as the SDK's debug text of its headers shows it.
fn parse_request_id(text: &str) -> Option<String> {
    ["\"x-amzn-requestid\": \"", "\"x-amz-request-id\": \""]
        .iter()
        .find_map(|prefix| quoted_after(text, prefix))
}

/// The error's code and message from the SDK's debug text of an error. Only those two: the
/// rest can hold returned items, and personal data must not leave in a trace.
fn parse_failure(text: &str) -> Failure {
    let kind = quoted_after(text, "code: Some(\"").unwrap_or_else(|| {
        [
            "Timeout",
            "Connector",
            "Response",
            "Interceptor",
            "Operation",
            "Other",
        ]
        .iter()
        .find(|kind| text.contains(&format!("kind: {kind}")))
        .map_or_else(|| "SdkError".to_owned(), |kind| format!("{kind}Error"))
    });
    let message = quoted_after(text, "message: Some(\"").map(|message| {
        let mut cut = message.len().min(CAUSE_MESSAGE_LIMIT);
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message[..cut].to_owned()
    });
    Failure { kind, message }
}

/// The Rust string literal that starts right after the first `prefix`, unescaped.
fn quoted_after(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)? + prefix.len();
    let mut value = String::new();
    let mut chars = text[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    // Cut off before the closing quote: not a value to trust.
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;
    use tracing_subscriber::layer::SubscriberExt;

    const ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";
    const PARENT: &str = "53995c3f42cd8ad8";

    #[test]
    fn daemon_address_forms() {
        let cases: &[(&str, Option<&str>)] = &[
            ("169.254.79.129:2000", Some("169.254.79.129:2000")),
            (" 127.0.0.1:2000 ", Some("127.0.0.1:2000")),
            ("udp:127.0.0.1:2001", Some("127.0.0.1:2001")),
            (
                "tcp:127.0.0.1:2000 udp:127.0.0.2:2001",
                Some("127.0.0.2:2001"),
            ),
            (
                "udp:127.0.0.3:2002 tcp:127.0.0.1:2000",
                Some("127.0.0.3:2002"),
            ),
            ("[::1]:2000", Some("[::1]:2000")),
            ("tcp:127.0.0.1:2000", None),
            ("tcp:127.0.0.1:2000 tcp:127.0.0.1:2001", None),
            ("a:1 b:2 c:3", None),
            ("127.0.0.1", None),
            ("", None),
        ];
        for (value, expected) in cases {
            let got = daemon_udp_address(value).ok();
            let expected = expected.map(|e| e.parse::<SocketAddr>().expect("valid case"));
            assert_eq!(got, expected, "{value:?}");
        }
    }

    #[test]
    fn trace_header_forms() {
        let full = |parent: Option<&str>, sampled| {
            Some(TraceHeader {
                root: ROOT.to_owned(),
                parent: parent.map(str::to_owned),
                sampled,
            })
        };
        let cases: Vec<(String, Option<TraceHeader>)> = vec![
            (
                format!("Root={ROOT};Parent={PARENT};Sampled=1"),
                full(Some(PARENT), Some(true)),
            ),
            (
                format!("Root={ROOT};Parent={PARENT};Sampled=1;Lineage=a87bd80c:1|68fd508a:5"),
                full(Some(PARENT), Some(true)),
            ),
            (
                format!("Sampled=0; Parent={PARENT}; Root={ROOT}"),
                full(Some(PARENT), Some(false)),
            ),
            (
                format!("Root={ROOT};Parent={PARENT};Sampled=?"),
                full(Some(PARENT), None),
            ),
            (format!("Root={ROOT};Sampled=1"), full(None, Some(true))),
            (
                format!("Root={ROOT};Parent=not-hex;Sampled=1"),
                full(None, Some(true)),
            ),
            (format!("Parent={PARENT};Sampled=1"), None),
            ("Root=1-5759e988;Sampled=1".to_owned(), None),
            ("Root=2-5759e988-bd862e3fe1be46a994272793".to_owned(), None),
            (String::new(), None),
        ];
        for (header, expected) in cases {
            assert_eq!(TraceHeader::parse(&header), expected, "{header:?}");
        }
    }

    proptest! {
        #[test]
        fn any_header_parses_without_panicking(header in ".*") {
            let _ = TraceHeader::parse(&header);
        }

        #[test]
        fn well_formed_headers_round_trip(
            time in "[0-9a-f]{8}", random in "[0-9a-f]{24}", parent in "[0-9a-f]{16}",
            sampled in proptest::option::of(any::<bool>()),
        ) {
            let root = format!("1-{time}-{random}");
            let flag = match sampled { Some(true) => "1", Some(false) => "0", None => "?" };
            let parsed = TraceHeader::parse(&format!("Root={root};Parent={parent};Sampled={flag}"));
            prop_assert_eq!(parsed, Some(TraceHeader { root, parent: Some(parent), sampled }));
        }
    }

    #[test]
    fn segment_ids_are_16_hex_digits_and_differ() {
        let a = new_segment_id();
        let b = new_segment_id();
        assert!(is_hex(&a, 16) && is_hex(&b, 16), "{a} {b}");
        assert_ne!(a, b);
    }

    fn subsegment(outcome: Outcome) -> Subsegment {
        Subsegment {
            id: "0123456789abcdef".to_owned(),
            trace_id: ROOT.to_owned(),
            parent_id: PARENT.to_owned(),
            service: "DynamoDB".to_owned(),
            operation: "PutItem".to_owned(),
            region: Some("eu-west-1".to_owned()),
            request_id: Some("REQ1".to_owned()),
            start_time: 1_700_000_000.25,
            end_time: 1_700_000_000.5,
            retries: 0,
            outcome,
        }
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

    /// Prints the given text as its `Debug` form, as the SDK's values print.
    struct Shown(&'static str);
    impl fmt::Debug for Shown {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    const RESPONSE_OK: &str = r#"Response { status: StatusCode(200), headers: {"server": "Werkzeug/3.1.8 Python/3.11.7", "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "7ea2e6f2-8e1b-4bd6-a8e0-3c1d64a9b2a1", "x-amz-crc32": "363771991"}, body: SdkBody { inner: BoxBody, retryable: false }, extensions: Extensions { extensions_1x: {} } }"#;
    const RESPONSE_400: &str = r#"Response { status: StatusCode(400), headers: {"x-amzn-errortype": "ConditionalCheckFailedException", "x-amzn-requestid": "REQ-400"}, body: SdkBody { inner: BoxBody, retryable: false }, extensions: Extensions { extensions_1x: {} } }"#;
    const ERROR_WITH_ITEM: &str = r#"Err(OrchestratorError { kind: Operation { err: Error(TypeErasedError:ConditionalCheckFailedException(ConditionalCheckFailedException { message: Some("The conditional request failed"), item: Some({"email": S("ada@example.com")}), meta: ErrorMetadata { code: Some("ConditionalCheckFailedException"), message: Some("The conditional request failed"), extras: Some({"aws_request_id": "REQ-400"}) } })) } })"#;

    #[test]
    fn response_and_error_texts_give_status_request_id_and_cause() {
        assert_eq!(parse_status(RESPONSE_OK), Some(200));
        assert_eq!(
            parse_request_id(RESPONSE_OK).as_deref(),
            Some("7ea2e6f2-8e1b-4bd6-a8e0-3c1d64a9b2a1")
        );
        let failure = parse_failure(ERROR_WITH_ITEM);
        assert_eq!(failure.kind, "ConditionalCheckFailedException");
        assert_eq!(
            failure.message.as_deref(),
            Some("The conditional request failed")
        );
        let connector = parse_failure(
            r#"OrchestratorError { kind: Connector { source: ConnectorError { kind: Io, source: hyper::Error(Connect) } } }"#,
        );
        assert_eq!(
            connector,
            Failure {
                kind: "ConnectorError".to_owned(),
                message: None
            }
        );
        assert_eq!(
            quoted_after(r#"message: Some("say \"hi\"\n")"#, "message: Some(\""),
            Some("say \"hi\"\n".to_owned())
        );
        assert_eq!(
            quoted_after(r#"message: Some("cut"#, "message: Some(\""),
            None
        );
    }

    #[test]
    fn personal_data_in_an_error_never_reaches_the_document() {
        let doc = subsegment(Outcome {
            status: Some(400),
            failure: Some(parse_failure(ERROR_WITH_ITEM)),
        })
        .document();
        assert!(!doc.to_string().contains("ada@example.com"), "{doc}");
    }

    #[test]
    fn debug_text_is_cut_at_the_limit() {
        assert_eq!(bounded_debug(&Shown("abcdef"), 4), "abcd");
        assert_eq!(bounded_debug(&Shown("ab"), 4), "ab");
        assert_eq!(bounded_debug(&Shown("aé"), 2), "a");
    }

    /// A daemon on loopback and a layer pointed at it.
    fn daemon() -> (UdpSocket, SocketAddr) {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(300)))
            .expect("timeout");
        let addr = socket.local_addr().expect("addr");
        (socket, addr)
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
        let subscriber = tracing_subscriber::registry().with(
            XrayLayer::new(addr)
                .expect("layer")
                .with_header_fallback(|| None)
                .with_filter(SdkCalls),
        );
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
        let subscriber = tracing_subscriber::registry().with(
            XrayLayer::new(addr)
                .expect("layer")
                .with_header_fallback(|| Some(format!("Root={ROOT};Parent={PARENT};Sampled=1")))
                .with_filter(SdkCalls),
        );
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
        let subscriber = tracing_subscriber::registry().with(
            XrayLayer::new(addr)
                .expect("layer")
                .with_header_fallback(|| Some(format!("Root={ROOT};Parent={PARENT};Sampled=1")))
                .with_filter(SdkCalls),
        );
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
