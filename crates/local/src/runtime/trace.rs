//! The flow of each order, hop by hop, for the demo's timeline and latency figures:
//! events put, rules matched, targets reached, invocations, state transitions.

use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What happened at one hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopKind {
    /// An event was accepted by a bus.
    EventPut {
        /// The event's `source`.
        source: String,
        /// The event's `detail-type`.
        detail_type: String,
        /// The bus's name.
        bus: String,
        /// The replay that put the event again (its `replay-name`), if one did.
        replay: Option<String>,
        /// The contract version it carries (`detail.metadata.event-version`), if any.
        version: Option<String>,
    },
    /// A rule of one bus sent an event on to another bus (a subscription): the same event,
    /// not a new put.
    EventCrossed {
        /// The event's `source`.
        source: String,
        /// The event's `detail-type`.
        detail_type: String,
        /// The bus it came from.
        from: String,
        /// The bus it reached.
        to: String,
        /// The contract version it carries (`detail.metadata.event-version`), if any.
        version: Option<String>,
    },
    /// A rule's pattern matched an event.
    RuleMatched {
        /// The rule's logical id.
        rule: String,
    },
    /// A rule delivered an event to one of its targets.
    TargetDelivered {
        /// The rule's logical id.
        rule: String,
        /// The target's logical id.
        target: String,
    },
    /// A function ran.
    Invoked {
        /// The function's logical id.
        function: String,
        /// `ok`, or the error type the function returned.
        outcome: String,
        /// How long the handler took, whole milliseconds of wall time.
        duration_ms: i64,
        /// The same, in microseconds: in-process handlers often take less than one.
        duration_us: u64,
    },
    /// An HTTP API answered a request (the correlation id is its `X-Correlation-Id`).
    HttpRequest {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// The status of the answer.
        status: u16,
    },
    /// An execution entered a state.
    StateEntered {
        /// The execution's state machine, by its logical id in the template.
        machine: String,
        /// The execution's name.
        execution: String,
        /// The state's name.
        state: String,
    },
    /// An execution ended.
    ExecutionEnded {
        /// The execution's state machine, by its logical id in the template.
        machine: String,
        /// The execution's name.
        execution: String,
        /// Its final status, e.g. `SUCCEEDED`.
        status: String,
    },
    /// A queue's event source mapping received a message for its function: its first
    /// delivery, or a redelivery after its visibility timeout.
    MessageReceived {
        /// The queue's name.
        queue: String,
        /// The function the message goes to, by its logical id.
        function: String,
        /// How often the message has been received, this time included.
        receive_count: u32,
    },
    /// A message moved to a dead-letter queue.
    DeadLettered {
        /// The dead-letter queue's name.
        queue: String,
        /// Why: the failure its consumer logged for it.
        reason: String,
    },
}

/// One step of an order's flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// Runtime clock (accelerated in the demo).
    pub at_ms: i64,
    /// Wall time since the trace began, in microseconds: latencies are measured on it.
    pub wall_us: u64,
    /// The correlation id of the event the hop serves; empty when unknown.
    pub correlation_id: String,
    /// What happened.
    pub kind: HopKind,
}

/// The correlation id an event or payload carries (`detail.metadata.correlation-id`,
/// `metadata.correlation-id`, or a transformer's `correlationId`), searched shallowly;
/// for an SQS batch, the one the first record's body carries.
pub fn correlation_of(value: &Value) -> String {
    if let Some(body) = value.pointer("/Records/0/body").and_then(Value::as_str) {
        return correlation_of_text(body);
    }
    // A Kinesis batch: the first record's data, base64 of the event's JSON text.
    if let Some(data) = value
        .pointer("/Records/0/kinesis/data")
        .and_then(Value::as_str)
    {
        use base64::Engine;
        return base64::engine::general_purpose::STANDARD
            .decode(data)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(|text| correlation_of_text(&text))
            .unwrap_or_default();
    }
    // A pipe's batch, as its enrichment or target gets it: read as the functions read it.
    if value.is_array() {
        return orderly_core::telemetry::envelope_fields::invocation_fields(value).correlation_id;
    }
    let candidates = [
        value.pointer("/detail/metadata/correlation-id"),
        value.pointer("/metadata/correlation-id"),
        value.pointer("/correlationId"),
        // An HTTP API event (payload format 2.0: header names in lower case).
        value.pointer("/headers/x-correlation-id"),
        value.pointer("/Payload/metadata/correlation-id"),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The correlation id of a JSON text (an SQS body): the same places as [`correlation_of`],
/// read by a typed pass that skips everything else instead of building the whole value.
pub fn correlation_of_text(text: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Metadata {
        #[serde(rename = "correlation-id")]
        correlation_id: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct WithMetadata {
        metadata: Option<Metadata>,
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        detail: Option<WithMetadata>,
        metadata: Option<Metadata>,
        #[serde(rename = "correlationId")]
        correlation_id: Option<String>,
        #[serde(rename = "Payload")]
        payload: Option<WithMetadata>,
    }
    let from = |m: Option<Metadata>| m.and_then(|m| m.correlation_id);
    match serde_json::from_str::<Probe>(text) {
        Ok(probe) => from(probe.detail.and_then(|d| d.metadata))
            .or_else(|| from(probe.metadata))
            .or(probe.correlation_id)
            .or_else(|| from(probe.payload.and_then(|p| p.metadata)))
            .unwrap_or_default(),
        // A body of another shape (a field of an unexpected type): the general reading.
        Err(_) => serde_json::from_str::<Value>(text)
            .map(|b| correlation_of(&b))
            .unwrap_or_default(),
    }
}

/// The contract version an event carries, `detail.metadata.event-version`.
fn version_of(event: &Value) -> Option<String> {
    event
        .pointer("/detail/metadata/event-version")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

impl Hop {
    /// An event put on a bus; `correlation_id` is the event's ([`correlation_of`]), read
    /// once per event by the caller for all of its hops.
    pub fn event_put(event: &Value, correlation_id: &str, bus: &str, at_ms: i64) -> Self {
        let text = |k: &str| event[k].as_str().unwrap_or_default().to_owned();
        Self {
            at_ms,
            wall_us: 0,
            correlation_id: correlation_id.to_owned(),
            kind: HopKind::EventPut {
                source: text("source"),
                detail_type: text("detail-type"),
                bus: bus.to_owned(),
                replay: event
                    .get("replay-name")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                version: version_of(event),
            },
        }
    }
    /// An event of `correlation_id` sent from bus `from` on to bus `to`.
    pub fn event_crossed(
        event: &Value,
        correlation_id: &str,
        from: &str,
        to: &str,
        at_ms: i64,
    ) -> Self {
        let text = |k: &str| event[k].as_str().unwrap_or_default().to_owned();
        Self {
            at_ms,
            wall_us: 0,
            correlation_id: correlation_id.to_owned(),
            kind: HopKind::EventCrossed {
                source: text("source"),
                detail_type: text("detail-type"),
                from: from.to_owned(),
                to: to.to_owned(),
                version: version_of(event),
            },
        }
    }
    /// A rule's match of an event of `correlation_id`.
    pub fn rule_matched(correlation_id: &str, rule: &str, at_ms: i64) -> Self {
        Self {
            at_ms,
            wall_us: 0,
            correlation_id: correlation_id.to_owned(),
            kind: HopKind::RuleMatched {
                rule: rule.to_owned(),
            },
        }
    }
    /// A rule's delivery of an event of `correlation_id` to `target`.
    pub fn target_delivered(correlation_id: &str, rule: &str, target: &str, at_ms: i64) -> Self {
        Self {
            at_ms,
            wall_us: 0,
            correlation_id: correlation_id.to_owned(),
            kind: HopKind::TargetDelivered {
                rule: rule.to_owned(),
                target: target.to_owned(),
            },
        }
    }
}

/// How long hops are kept: X-Ray keeps a trace for 30 days, and a count cap bounds a
/// process under sustained load (oldest hops dropped first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceRetention {
    /// The most hops kept.
    pub max_hops: usize,
    /// How long a hop is kept, milliseconds of the cloud's clock.
    pub hop_ms: i64,
}

/// X-Ray's 30 days.
pub const TRACE_DAYS: i64 = 30;

impl Default for TraceRetention {
    /// 30 days and 40,000 hops: an order of the workflow makes about 30, so a demo or a
    /// chaos wave of 500 orders keeps every hop, and a hop is about 220 bytes (9 MB).
    fn default() -> Self {
        Self {
            max_hops: 40_000,
            hop_ms: TRACE_DAYS * 24 * 60 * 60 * 1000,
        }
    }
}

/// The hops of a run kept by retention, in recording order.
pub struct Trace {
    began: orderly_core::clock::Stopwatch,
    hops: Mutex<VecDeque<Hop>>,
    /// Hops recorded since the start, dropped ones included: what a wait for progress
    /// reads.
    recorded: AtomicUsize,
    retention: TraceRetention,
}

impl Default for Trace {
    fn default() -> Self {
        Self::new(TraceRetention::default())
    }
}

impl Trace {
    /// An empty trace that keeps hops as `retention` says.
    pub fn new(retention: TraceRetention) -> Self {
        Self {
            began: orderly_core::clock::Stopwatch::start(),
            hops: Mutex::new(VecDeque::new()),
            recorded: AtomicUsize::new(0),
            retention,
        }
    }

    /// Appends `hop`, stamping its wall time; drops the oldest hops past the cap, and those
    /// at the front older than the retention period at the new hop's time.
    pub fn record(&self, mut hop: Hop) {
        hop.wall_us = u64::try_from(self.began.elapsed().as_micros()).unwrap_or(u64::MAX);
        let now = hop.at_ms;
        let mut hops = self.hops.lock().unwrap_or_else(|p| p.into_inner());
        hops.push_back(hop);
        let over = hops.len().saturating_sub(self.retention.max_hops);
        hops.drain(..over);
        while hops
            .front()
            .is_some_and(|h| now.saturating_sub(h.at_ms) >= self.retention.hop_ms)
        {
            hops.pop_front();
        }
        self.recorded.fetch_add(1, Ordering::SeqCst);
    }

    /// How many hops are kept.
    pub fn len(&self) -> usize {
        self.hops.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// How many hops were recorded since the start, dropped ones included.
    pub fn recorded(&self) -> usize {
        self.recorded.load(Ordering::SeqCst)
    }

    /// Whether no hop is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every hop, in recording order.
    pub fn hops(&self) -> Vec<Hop> {
        self.hops
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Hops of one correlation id, in time order.
    pub fn of(&self, correlation_id: &str) -> Vec<Hop> {
        let mut hops: Vec<Hop> = self
            .hops
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|h| h.correlation_id == correlation_id)
            .cloned()
            .collect();
        hops.sort_by_key(|h| h.at_ms);
        hops
    }

    /// Invocation durations per function.
    pub fn durations(&self) -> BTreeMap<String, Vec<i64>> {
        let mut by_function: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for hop in self.hops() {
            if let HopKind::Invoked {
                function,
                duration_ms,
                ..
            } = hop.kind
            {
                by_function.entry(function).or_default().push(duration_ms);
            }
        }
        by_function
    }
}

#[cfg(test)]
mod tests {
    use super::correlation_of;
    use serde_json::json;

    fn batch(body: &str) -> serde_json::Value {
        json!({"Records": [{"body": body}]})
    }

    #[test]
    fn reads_the_correlation_id_where_each_payload_carries_it() {
        let cases = [
            (
                json!({"detail": {"metadata": {"correlation-id": "c-1"}}}),
                "c-1",
            ),
            (json!({"metadata": {"correlation-id": "c-2"}}), "c-2"),
            (json!({"correlationId": "c-3"}), "c-3"),
            (
                json!({"Payload": {"metadata": {"correlation-id": "c-4"}}}),
                "c-4",
            ),
            (json!({"detail": {"data": {}}}), ""),
        ];
        for (payload, want) in cases {
            assert_eq!(correlation_of(&payload), want, "{payload}");
            // The same payload as the body of an SQS record reads the same.
            assert_eq!(
                correlation_of(&batch(&payload.to_string())),
                want,
                "{payload}"
            );
        }
    }

    #[test]
    fn a_body_of_another_shape_falls_back_to_the_general_reading() {
        // `metadata` of an unexpected type does not hide the detail's correlation id.
        let body = json!({"metadata": 5, "detail": {"metadata": {"correlation-id": "c-5"}}});
        assert_eq!(correlation_of(&batch(&body.to_string())), "c-5");
        let odd = json!({"detail": "text", "correlationId": "c-6"});
        assert_eq!(correlation_of(&batch(&odd.to_string())), "c-6");
        assert_eq!(correlation_of(&batch("not json")), "");
        assert_eq!(correlation_of(&batch("[1, 2]")), "");
    }
}
