//! The business invariants a chaos wave must keep, checked on the cloud it ran on: every
//! order ends once, a confirmed order is paid, stocked, shipped and announced once, a
//! failed one holds nothing, stock is conserved, nobody is notified twice, nothing is lost,
//! and no approval is answered twice.

use super::traffic::{Family, Wave, poison_body};
use crate::runtime::CloudInner;
use crate::runtime::trace::{Hop, HopKind};
use crate::scenarios::{DeadLetter, dead_letters, final_state};
use orderly_core::contracts::{Contract, OrderConfirmed, OrderConfirmedV2};
use orderly_core::domain::order::sensitive_values;
use orderly_core::memory::table::TableError;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// How long an approval may wait before it times out: the 24 hours docs/ promise.
pub const APPROVAL_DEADLINE_MS: i64 = 24 * 3_600_000;

/// One broken invariant, with the order's journey that led to it.
#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// The order at fault, or `-` for a whole-run invariant (stock, queues).
    pub order_id: String,
    /// Which invariant broke (`terminal-state`, `confirmed`, `failed`, `stock`, …).
    pub invariant: &'static str,
    /// What was found.
    pub detail: String,
    /// The order's hops, in time order, milliseconds after the wave began.
    pub history: Vec<String>,
}

/// What one wave came to.
#[derive(Debug, Default)]
pub struct Findings {
    /// Orders per terminal state (`OrderConfirmed`, `OrderFailed (OutOfStock)`, …).
    pub outcomes: BTreeMap<String, u64>,
    /// Orders per family and terminal state.
    pub by_family: BTreeMap<String, BTreeMap<String, u64>>,
    /// Every broken invariant.
    pub violations: Vec<Violation>,
    /// Dead letters per `queue: reason`.
    pub dead_letters: BTreeMap<String, u64>,
    /// Executions that found their order already owned (a repeated OrderCreated).
    pub duplicate_executions: u64,
    /// Invocations that ended in an error, per error type (what retries answered).
    pub failed_invocations: BTreeMap<String, u64>,
}

/// Everything the checks need to know about one order, gathered once.
struct Journey<'a> {
    hops: Vec<&'a Hop>,
}

/// The versions of OrderConfirmed Orders publishes, each once per confirmed order.
const CONFIRMED_VERSIONS: [u32; 2] = [OrderConfirmed::VERSION, OrderConfirmedV2::VERSION];

impl Journey<'_> {
    /// How many events of `detail_type` Orders put, per `event-version`.
    fn published(&self, detail_type: &str) -> BTreeMap<String, usize> {
        let mut versions = BTreeMap::new();
        for hop in &self.hops {
            if let HopKind::EventPut {
                source,
                detail_type: d,
                version,
                ..
            } = &hop.kind
                && source == "com.orders"
                && d == detail_type
            {
                *versions
                    .entry(version.clone().unwrap_or_default())
                    .or_insert(0) += 1;
            }
        }
        versions
    }

    /// Milliseconds from the first entry into `from` to the first entry into `to`.
    fn waited(&self, from: &str, to: &str) -> Option<i64> {
        let entered = |name: &str| {
            self.hops.iter().find_map(|h| match &h.kind {
                HopKind::StateEntered { state, .. } if state == name => Some(h.at_ms),
                _ => None,
            })
        };
        Some(entered(to)? - entered(from)?)
    }

    fn history(&self, start_ms: i64) -> Vec<String> {
        const MAX: usize = 80;
        let mut lines: Vec<String> = self
            .hops
            .iter()
            .take(MAX)
            .map(|h| format!("+{}ms {}", h.at_ms - start_ms, describe(&h.kind)))
            .collect();
        if self.hops.len() > MAX {
            lines.push(format!("… {} more", self.hops.len() - MAX));
        }
        lines
    }
}

fn describe(kind: &HopKind) -> String {
    match kind {
        HopKind::EventPut {
            source,
            detail_type,
            ..
        } => format!("put {source} {detail_type}"),
        HopKind::EventCrossed {
            detail_type,
            from,
            to,
            ..
        } => format!("crossed {detail_type} {from} -> {to}"),
        HopKind::RuleMatched { rule } => format!("matched {rule}"),
        HopKind::TargetDelivered { rule, target } => format!("delivered {rule} -> {target}"),
        HopKind::Invoked {
            function, outcome, ..
        } => format!("invoked {function}: {outcome}"),
        HopKind::HttpRequest {
            method,
            path,
            status,
        } => format!("http {method} {path}: {status}"),
        HopKind::StateEntered { machine, state, .. } => format!("entered {machine} {state}"),
        HopKind::ExecutionEnded {
            machine, status, ..
        } => format!("execution {machine} {status}"),
        HopKind::MessageReceived {
            queue,
            function,
            receive_count,
        } => format!("received from {queue} by {function} ({receive_count})"),
        HopKind::DeadLettered { queue, reason } => format!("dead-lettered in {queue}: {reason}"),
    }
}

/// Checks every invariant of `wave` on `cloud`, which started the wave at `start_ms`.
pub fn check(
    cloud: &CloudInner,
    wave: &Wave,
    start_ms: i64,
    settled: bool,
    running: &Running,
) -> Findings {
    let mut findings = Findings::default();
    // Every check below reads the wave's executions, logs and hops: retention must have
    // kept them all, or a broken order could go unseen.
    let dropped = cloud.dropped_by_retention();
    if dropped > 0 {
        findings.violations.push(Violation {
            order_id: "-".to_owned(),
            invariant: "retention",
            detail: format!(
                "{dropped} executions, log lines or hops were dropped by retention during the \
                 wave: its checks would miss them (raise the caps or shrink the wave)"
            ),
            history: Vec::new(),
        });
    }
    let all_hops = cloud.trace.hops();
    let mut hops_of: HashMap<&str, Vec<&Hop>> = HashMap::new();
    for hop in &all_hops {
        hops_of.entry(&hop.correlation_id).or_default().push(hop);
        if let HopKind::Invoked { outcome, .. } = &hop.kind
            && outcome != "ok"
        {
            *findings
                .failed_invocations
                .entry(outcome.clone())
                .or_insert(0) += 1;
        }
    }
    for hops in hops_of.values_mut() {
        hops.sort_by_key(|h| h.at_ms);
    }
    let mut executions_of: HashMap<String, Vec<_>> = HashMap::new();
    for execution in cloud.executions() {
        if let Some(order) = execution
            .input
            .pointer("/data/orderId")
            .and_then(Value::as_str)
        {
            executions_of
                .entry(order.to_owned())
                .or_default()
                .push(execution);
        }
    }
    let world = &cloud.world;
    for order in &wave.orders {
        let journey = Journey {
            hops: hops_of
                .get(order.correlation_id.as_str())
                .cloned()
                .unwrap_or_default(),
        };
        let mut violate = |invariant: &'static str, detail: String| {
            findings.violations.push(Violation {
                order_id: order.order_id.clone(),
                invariant,
                detail,
                history: journey.history(start_ms),
            });
        };
        let executions = executions_of
            .get(&order.order_id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let states: Vec<String> = executions.iter().map(final_state).collect();
        // A business outcome is the workflow working: only an unexpected error may fail
        // the execution, or the ExecutionsFailed alarm cannot tell real errors apart.
        for (execution, state) in executions.iter().zip(&states) {
            let business = state.starts_with("OrderConfirmed")
                || state.starts_with("OrderFailed")
                || state == "Duplicate";
            let status = execution.status();
            if business && status != "SUCCEEDED" {
                violate(
                    "execution-status",
                    format!("an execution that ended as {state} is {status}, not SUCCEEDED"),
                );
            }
        }
        findings.duplicate_executions += states.iter().filter(|s| *s == "Duplicate").count() as u64;
        let owners: Vec<&String> = states.iter().filter(|s| *s != "Duplicate").collect();
        let outcome = match owners.as_slice() {
            [one] if one.as_str() != "RUNNING" => (*one).clone(),
            [] => {
                violate("terminal-state", "no execution owns the order".to_owned());
                "none".to_owned()
            }
            many => {
                violate(
                    "terminal-state",
                    format!("want one terminal state, found {many:?}"),
                );
                "unsettled".to_owned()
            }
        };
        *findings.outcomes.entry(outcome.clone()).or_insert(0) += 1;
        *findings
            .by_family
            .entry(format!("{:?}", order.family))
            .or_default()
            .entry(outcome.clone())
            .or_insert(0) += 1;
        if owners.len() == 1 && !order.family.allowed_outcomes().contains(&outcome.as_str()) {
            violate(
                "faults-absorbed",
                format!(
                    "a {:?} order ended as {outcome}; it may end only as {:?}",
                    order.family,
                    order.family.allowed_outcomes()
                ),
            );
        }
        if outcome == "OrderFailed (ApprovalTimedOut)"
            && let Some(waited) = journey.waited("RequestApproval", "ApprovalTimedOut")
            && waited < APPROVAL_DEADLINE_MS
        {
            violate(
                "approvals",
                format!(
                    "the approval timed out after {} h, before the {} h the docs promise",
                    waited / 3_600_000,
                    APPROVAL_DEADLINE_MS / 3_600_000
                ),
            );
        }
        let confirmed_versions = journey.published("OrderConfirmed");
        let confirmed_events: usize = confirmed_versions.values().sum();
        let failed_events: usize = journey.published("OrderFailed").values().sum();
        let each_version_once: BTreeMap<String, usize> = CONFIRMED_VERSIONS
            .iter()
            .map(|v| (v.to_string(), 1))
            .collect();
        let mut unread = Vec::new();
        let holds = or_unread(world.payments.holds(&order.order_id), &mut unread);
        let authorizations = or_unread(world.payments.authorizations(&order.order_id), &mut unread);
        let shipped =
            or_unread(world.shipments.shipment_for(&order.order_id), &mut unread).is_some();
        let reserved: Vec<(String, Option<i64>)> = order
            .lines
            .iter()
            .map(|l| {
                let taken = world.stock.reserved(&order.order_id, &l.sku);
                (l.sku.clone(), or_unread(taken, &mut unread))
            })
            .collect();
        for error in unread {
            violate("tables", error.to_string());
        }
        if outcome == "OrderConfirmed" {
            if authorizations != 1 || !holds {
                violate(
                    "confirmed",
                    format!(
                        "want one standing authorization, found {authorizations} placed, hold standing: {holds}"
                    ),
                );
            }
            for (line, (sku, taken)) in order.lines.iter().zip(&reserved) {
                if *taken != Some(line.quantity) {
                    violate(
                        "confirmed",
                        format!(
                            "{sku}: want {} reserved once, found {taken:?}",
                            line.quantity
                        ),
                    );
                }
            }
            if !shipped {
                violate("confirmed", "no shipment was made".to_owned());
            }
            if confirmed_versions != each_version_once || failed_events != 0 {
                violate(
                    "confirmed",
                    format!(
                        "want one OrderConfirmed of each version {CONFIRMED_VERSIONS:?} and no OrderFailed, found {confirmed_versions:?} and {failed_events}"
                    ),
                );
            }
            if matches!(
                order.family,
                Family::Declined
                    | Family::OutOfStock
                    | Family::ApprovalRejected
                    | Family::ApprovalTimedOut
            ) {
                violate(
                    "confirmed",
                    format!("a {:?} order must never be confirmed", order.family),
                );
            }
        } else if outcome != "none" && outcome != "unsettled" {
            // Every other end is a failure, expected or not: it must hold nothing and say so.
            if holds {
                violate("failed", "a payment hold still stands".to_owned());
            }
            for (sku, taken) in &reserved {
                if let Some(quantity) = taken {
                    violate("failed", format!("{sku}: {quantity} still reserved"));
                }
            }
            if shipped {
                violate("failed", "a failed order was shipped".to_owned());
            }
            if failed_events != 1 || confirmed_events != 0 {
                violate(
                    "failed",
                    format!(
                        "want one OrderFailed and no OrderConfirmed, found {failed_events} and {confirmed_events}"
                    ),
                );
            }
        }
    }
    check_stock(cloud, wave, running, &mut findings);
    check_notifications(cloud, &mut findings);
    check_messages(cloud, wave, settled, &mut findings);
    check_approvals(cloud, &mut findings);
    check_privacy(cloud, wave, &mut findings);
    findings
}

fn whole_run(findings: &mut Findings, invariant: &'static str, detail: String) {
    findings.violations.push(Violation {
        order_id: "-".to_owned(),
        invariant,
        detail,
        history: Vec::new(),
    });
}

/// What is checked while the wave runs, not only at its end.
#[derive(Debug, Default)]
pub struct Running {
    /// The fewest units each SKU had available at any look.
    lowest: BTreeMap<String, i64>,
}

impl Running {
    /// Looks at the cloud now: stock levels of the wave's SKUs.
    pub fn observe(&mut self, cloud: &CloudInner, wave: &Wave) {
        for (sku, _) in &wave.stock {
            let available = level(cloud.world.stock.available(sku));
            let lowest = self.lowest.entry(sku.clone()).or_insert(available);
            *lowest = (*lowest).min(available);
        }
    }
}

/// A table read's value; a failed read goes to `unread` and counts as its default.
fn or_unread<T: Default>(read: Result<T, TableError>, unread: &mut Vec<TableError>) -> T {
    read.unwrap_or_else(|e| {
        unread.push(e);
        T::default()
    })
}

/// A SKU's stock level; an unknown SKU or a failed read is the lowest level there is, which
/// the stock check reports.
fn level(read: Result<Option<i64>, TableError>) -> i64 {
    read.ok().flatten().unwrap_or(i64::MIN)
}

/// Never negative (at any look while the wave ran, and at its end), and conserved: what
/// the wave started with is what is available plus what standing reservations hold (a
/// shipped order's stock stays reserved to it).
fn check_stock(cloud: &CloudInner, wave: &Wave, running: &Running, findings: &mut Findings) {
    for (sku, lowest) in &running.lowest {
        if *lowest < 0 {
            whole_run(
                findings,
                "stock",
                format!("{sku}: {lowest} available while the wave ran"),
            );
        }
    }
    for (sku, seeded) in &wave.stock {
        let available = level(cloud.world.stock.available(sku));
        let reserved = match cloud.world.stock.reserved_total(sku) {
            Ok(reserved) => reserved,
            Err(e) => {
                whole_run(findings, "tables", e.to_string());
                continue;
            }
        };
        if available < 0 {
            whole_run(findings, "stock", format!("{sku}: {available} available"));
        }
        if available + reserved != *seeded {
            whole_run(
                findings,
                "stock",
                format!(
                    "{sku}: started with {seeded}, now {available} available + {reserved} reserved"
                ),
            );
        }
    }
}

/// No customer gets the same message twice.
fn check_notifications(cloud: &CloudInner, findings: &mut Findings) {
    let mut seen: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    let sent = cloud.world.notifier.sent().unwrap_or_else(|e| {
        whole_run(findings, "tables", e.to_string());
        Vec::new()
    });
    for note in sent {
        *seen
            .entry((note.customer_id, note.subject, note.body))
            .or_insert(0) += 1;
    }
    for ((customer, subject, body), count) in seen {
        if count > 1 {
            let order = body
                .split_whitespace()
                .find(|w| w.starts_with("o-chaos-"))
                .unwrap_or("-")
                .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_owned();
            findings.violations.push(Violation {
                order_id: order,
                invariant: "notified-once",
                detail: format!("{customer} was sent \"{subject}\" {count} times"),
                history: Vec::new(),
            });
        }
    }
}

/// Every message is processed or in a dead-letter queue with its reason; every poison
/// message sent is found there.
fn check_messages(cloud: &CloudInner, wave: &Wave, settled: bool, findings: &mut Findings) {
    if !settled {
        whole_run(
            findings,
            "nothing-lost",
            "the cloud did not settle: work in flight or messages waiting in a source queue"
                .to_owned(),
        );
    }
    let letters: Vec<DeadLetter> = dead_letters(cloud);
    for letter in &letters {
        *findings
            .dead_letters
            .entry(format!(
                "{}: {}",
                letter.queue,
                reason_shape(&letter.reason)
            ))
            .or_insert(0) += 1;
        if letter.reason.is_empty() {
            whole_run(
                findings,
                "nothing-lost",
                format!("a message in {} has no reason", letter.queue),
            );
        }
    }
    let wave_number = wave.index;
    for n in 0..wave.poison {
        let body = poison_body(wave_number, n);
        if !letters.iter().any(|l| l.body == body) {
            whole_run(
                findings,
                "nothing-lost",
                format!("poison message {wave_number}-{n} is in no dead-letter queue"),
            );
        }
    }
}

/// A dead-letter reason without the ids that differ from run to run (request ids) or
/// from message to message (idempotency record keys), so reasons group and the report
/// stays the same for the same seed.
fn reason_shape(reason: &str) -> String {
    static IDS: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32,}|Some\(\d+\) ms",
        )
        .ok()
    });
    match IDS.as_ref() {
        Some(ids) => ids.replace_all(reason, "…").into_owned(),
        None => reason.to_owned(),
    }
}

/// A task token is answered once: a second answer, above all a different one, means two
/// decisions reached one approval.
fn check_approvals(cloud: &CloudInner, findings: &mut Findings) {
    let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let all = cloud.world.callbacks.answers().unwrap_or_else(|e| {
        whole_run(findings, "tables", e.to_string());
        Vec::new()
    });
    for (token, outcome) in all {
        answers.entry(token).or_default().push(outcome);
    }
    for outcomes in answers.values() {
        if outcomes.len() > 1 {
            whole_run(
                findings,
                "approvals",
                format!(
                    "one approval token was answered {} times: {outcomes:?}",
                    outcomes.len()
                ),
            );
        }
    }
}

/// No log group and no audit entry holds a payment token of the wave's orders, a task
/// token the wave's executions were given, or a customer's e-mail, name or address line.
/// A violation names the log group (or audit entry) and what kind of secret it holds,
/// never the secret. One pass over every line's text with one automaton of all the
/// secrets, so the check stays linear in the size of the logs.
fn check_privacy(cloud: &CloudInner, wave: &Wave, findings: &mut Findings) {
    use aho_corasick::AhoCorasick;
    let mut secrets: BTreeMap<String, &'static str> = BTreeMap::new();
    for order in &wave.orders {
        let entry = order.order_created("", "");
        let detail: Value = entry
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default();
        for (kind, value) in sensitive_values(&detail["data"]) {
            secrets.insert(value, kind);
        }
    }
    // A failed read is reported by the approvals check.
    let answers = cloud.world.callbacks.answers().unwrap_or_default();
    let answered = answers.into_iter().map(|(t, _)| t);
    for token in cloud.issued_task_tokens().into_iter().chain(answered) {
        if !token.is_empty() {
            secrets.insert(token, "a task token");
        }
    }
    let (values, kinds): (Vec<String>, Vec<&'static str>) = secrets.into_iter().unzip();
    let Ok(matcher) = AhoCorasick::new(&values) else {
        whole_run(
            findings,
            "privacy",
            "the secrets to look for could not be compiled".to_owned(),
        );
        return;
    };
    let mut found: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    cloud.logs.scan(|group, text| {
        for hit in matcher.find_iter(text) {
            *found
                .entry((group.to_owned(), kinds[hit.pattern().as_usize()]))
                .or_insert(0) += 1;
        }
    });
    let entries = cloud.world.audit.entries().unwrap_or_else(|e| {
        whole_run(findings, "tables", e.to_string());
        Vec::new()
    });
    for entry in entries {
        let text = format!("{entry:?}");
        for hit in matcher.find_iter(&text) {
            *found
                .entry((
                    format!(
                        "the audit entry of {} {}",
                        entry.detail_type, entry.event_id
                    ),
                    kinds[hit.pattern().as_usize()],
                ))
                .or_insert(0) += 1;
        }
    }
    for ((place, kind), count) in found {
        whole_run(
            findings,
            "privacy",
            format!("{place} holds {kind} ({count} times)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::reason_shape;

    #[test]
    fn reasons_lose_their_run_specific_ids() {
        assert_eq!(
            reason_shape(
                "RequestId: 398d8e96-4da7-4c3a-8b03-dd878cab3041 Error: Runtime exited with error: signal: killed"
            ),
            "RequestId: … Error: Runtime exited with error: signal: killed"
        );
        assert_eq!(
            reason_shape(
                "IdempotencyAlreadyInProgress: idempotency key audit#3b2363e6a81df0c6f92f854af88188260e3b3c961595905b52872374f00e4c5d is already in progress (lease ends at Some(1796429173959) ms)"
            ),
            "IdempotencyAlreadyInProgress: idempotency key audit#… is already in progress (lease ends at …)"
        );
        assert_eq!(
            reason_shape("body is not JSON: EOF"),
            "body is not JSON: EOF"
        );
    }
}
