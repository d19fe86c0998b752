//! The event flow of one order: every hop of the trace that carries its correlation id
//! (events put and crossing buses, rules matched, targets reached, queue deliveries,
//! invocations, states, executions, dead letters), in the order they happened, each in the
//! lane of the resource it happened at.

use crate::demo::timeline;
use crate::runtime::CloudInner;
use crate::runtime::trace::{Hop, HopKind};
use orderly_core::clock::rfc3339_ms;
use serde::Serialize;
use std::collections::BTreeSet;

/// The journey of one correlation id, or of every correlation id of one order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    /// What was asked for.
    pub id: String,
    /// The correlation ids it stands for.
    pub correlation_ids: Vec<String>,
    /// The lanes, in the order of their first hop.
    pub lanes: Vec<String>,
    /// The hops, in the order they happened.
    pub hops: Vec<FlowHop>,
}

/// One hop.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FlowHop {
    /// When, RFC 3339.
    pub at: String,
    /// When, epoch milliseconds.
    pub at_ms: i64,
    /// `http-request`, `event-put`, `event-crossed`, `rule-matched`, `target-delivered`,
    /// `message-received`, `invoked`, `state-entered`, `execution-ended`, `dead-lettered`.
    pub kind: &'static str,
    /// What it is about: the detail-type, rule, queue, function, state or final status.
    pub name: String,
    /// The resource it happened at: a bus, a queue, a function, a state machine, `HTTP`.
    pub lane: String,
    /// What happened, as the demo's timeline says it.
    pub text: String,
    /// Its correlation id.
    pub correlation_id: String,
    /// An invocation's outcome (`ok` or the error), an execution's status, a dead
    /// letter's reason.
    pub outcome: Option<String>,
    /// An invocation's duration, microseconds.
    pub duration_us: Option<u64>,
}

/// The correlation ids `id` stands for: itself when the trace has it, else those of the
/// order `id` names (the executions whose input names it, the log lines that do).
pub fn correlation_ids(cloud: &CloudInner, id: &str) -> Vec<String> {
    if id.is_empty() {
        return Vec::new();
    }
    if !cloud.trace.of(id).is_empty() {
        return vec![id.to_owned()];
    }
    let mut found = BTreeSet::new();
    cloud.sfn.executions.for_each(|e| {
        if !e.correlation_id.is_empty() && mentions(&e.input, id) {
            found.insert(e.correlation_id.clone());
        }
    });
    for line in cloud.logs.lines_mentioning(id) {
        let field = |k: &str| line.line.get(k).and_then(serde_json::Value::as_str);
        if field("order_id") == Some(id)
            && let Some(correlation) = field("correlation_id")
        {
            found.insert(correlation.to_owned());
        }
    }
    found.into_iter().collect()
}

fn mentions(value: &serde_json::Value, needle: &str) -> bool {
    match value {
        serde_json::Value::String(s) => s == needle,
        serde_json::Value::Array(items) => items.iter().any(|v| mentions(v, needle)),
        serde_json::Value::Object(map) => map.values().any(|v| mentions(v, needle)),
        _ => false,
    }
}

/// The flow of `id`, a correlation id or an order id.
pub fn of(cloud: &CloudInner, id: &str) -> Flow {
    let correlation_ids = correlation_ids(cloud, id);
    let mut hops: Vec<Hop> = correlation_ids
        .iter()
        .flat_map(|c| cloud.trace.of(c))
        .collect();
    // By the cloud's clock, then in recording order: a state is traced when its execution
    // is looked at, after hops that came later, but its time is the history's.
    hops.sort_by_key(|h| (h.at_ms, h.wall_us));
    let mut lanes: Vec<String> = Vec::new();
    let mut bus = String::new();
    let hops: Vec<FlowHop> = hops
        .iter()
        .map(|hop| {
            let mut shown = show(hop, &mut bus);
            // A rule's hops are on its own bus, which the template names.
            if let HopKind::RuleMatched { rule } | HopKind::TargetDelivered { rule, .. } = &hop.kind
                && let Some(declared) = cloud.model.rules.get(rule)
            {
                shown.lane.clone_from(&declared.event_bus_name);
            }
            if !lanes.contains(&shown.lane) {
                lanes.push(shown.lane.clone());
            }
            shown
        })
        .collect();
    Flow {
        id: id.to_owned(),
        correlation_ids,
        lanes,
        hops,
    }
}

/// One hop as the page shows it; `bus` is the bus of the latest event, where the rules
/// that follow it match when the template does not say (a rule made at run time).
fn show(hop: &Hop, bus: &mut String) -> FlowHop {
    let (_, text) = timeline::describe(&hop.kind);
    // A dead letter's reason quotes what its consumer logged, which may quote the message.
    let text = super::redact::text(&text);
    let (kind, name, lane, outcome, duration_us) = match &hop.kind {
        HopKind::HttpRequest { path, status, .. } => (
            "http-request",
            path.clone(),
            "HTTP".to_owned(),
            Some(status.to_string()),
            None,
        ),
        HopKind::EventPut {
            detail_type,
            bus: on,
            ..
        } => {
            on.clone_into(bus);
            ("event-put", detail_type.clone(), on.clone(), None, None)
        }
        HopKind::EventCrossed {
            detail_type, to, ..
        } => {
            to.clone_into(bus);
            ("event-crossed", detail_type.clone(), to.clone(), None, None)
        }
        HopKind::RuleMatched { rule } => ("rule-matched", rule.clone(), bus.clone(), None, None),
        HopKind::TargetDelivered { rule, .. } => {
            ("target-delivered", rule.clone(), bus.clone(), None, None)
        }
        HopKind::MessageReceived { queue, .. } => {
            ("message-received", queue.clone(), queue.clone(), None, None)
        }
        HopKind::Invoked {
            function,
            outcome,
            duration_us,
            ..
        } => (
            "invoked",
            function.clone(),
            function.clone(),
            Some(outcome.clone()),
            Some(*duration_us),
        ),
        HopKind::StateEntered { machine, state, .. } => {
            ("state-entered", state.clone(), machine.clone(), None, None)
        }
        HopKind::ExecutionEnded {
            machine, status, ..
        } => (
            "execution-ended",
            status.clone(),
            machine.clone(),
            Some(status.clone()),
            None,
        ),
        HopKind::DeadLettered { queue, reason } => (
            "dead-lettered",
            queue.clone(),
            queue.clone(),
            Some(super::redact::text(reason)),
            None,
        ),
    };
    FlowHop {
        at: rfc3339_ms(hop.at_ms),
        at_ms: hop.at_ms,
        kind,
        name,
        lane,
        text,
        correlation_id: hop.correlation_id.clone(),
        outcome,
        duration_us,
    }
}
