//! The checks: what each scenario must leave behind — final states, stock, payments,
//! shipments, notifications and dead letters — kept as readable lines.

use super::table::{Kind, POISON_BODY, Scenario};
use crate::runtime::CloudInner;
use crate::runtime::sfn::ExecutionEntry;
use crate::runtime::trace::HopKind;
use crate::runtime::world::World;
use serde_json::Value;

/// A message found in a dead-letter queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The dead-letter queue's logical id.
    pub queue: String,
    /// The message body, as it was sent.
    pub body: String,
    /// Why it was dead-lettered: the reason the runtime or the failing target recorded; empty
    /// if none.
    pub reason: String,
    /// How often the message was received before it moved.
    pub receive_count: u32,
}

/// The checks of one scenario, kept as readable lines.
#[derive(Default)]
pub(super) struct Checks {
    lines: Vec<String>,
    /// How many checks failed.
    pub(super) failed: usize,
}

impl Checks {
    pub(super) fn check(&mut self, ok: bool, what: impl Into<String>) {
        if ok {
            self.lines.push(format!("ok: {}", what.into()));
        } else {
            self.failed += 1;
            self.lines.push(format!("FAILED: {}", what.into()));
        }
    }
    pub(super) fn equal<T: PartialEq + std::fmt::Debug>(
        &mut self,
        actual: T,
        expected: T,
        what: &str,
    ) {
        let ok = actual == expected;
        let line = if ok {
            format!("{what} = {actual:?}")
        } else {
            format!("{what} = {actual:?}, expected {expected:?}")
        };
        self.check(ok, line);
    }
    pub(super) fn into_details(mut self) -> Vec<String> {
        self.lines.sort_by_key(|l| !l.starts_with("FAILED"));
        self.lines
    }
}

/// Executions whose input is for the order.
pub fn executions_of(cloud: &CloudInner, order_id: &str) -> Vec<ExecutionEntry> {
    cloud
        .executions()
        .into_iter()
        .filter(|e| e.input.pointer("/data/orderId").and_then(Value::as_str) == Some(order_id))
        .collect()
}

/// `OrderConfirmed`, `OrderFailed (reason)`, `Duplicate`, or `RUNNING` of one execution.
pub fn final_state(execution: &ExecutionEntry) -> String {
    let last = execution
        .history()
        .iter()
        .rev()
        .find(|e| e.event_type.ends_with("StateEntered"))
        .and_then(|e| e.state_name())
        .unwrap_or_default()
        .to_owned();
    match &execution.result {
        None => "RUNNING".to_owned(),
        Some(result) => match (&result.error, business_failure(result.output.as_ref())) {
            (Some(error), _) => format!("{last} ({error})"),
            (None, Some(reason)) => format!("{last} ({reason})"),
            (None, None) => last,
        },
    }
}

/// A business failure is the workflow working as designed: its execution succeeds, so that
/// the ExecutionsFailed alarm counts unexpected errors only.
fn succeeded(executions: &[ExecutionEntry], checks: &mut Checks) {
    let statuses: Vec<&str> = executions.iter().map(ExecutionEntry::status).collect();
    checks.check(
        statuses.iter().all(|s| *s == "SUCCEEDED"),
        format!("the business failure is a SUCCEEDED execution ({statuses:?})"),
    );
}

/// The reason of a business failure: a SUCCEEDED execution whose output says OrderFailed.
fn business_failure(output: Option<&Value>) -> Option<&str> {
    let output = output?;
    (output.get("status").and_then(Value::as_str) == Some("OrderFailed"))
        .then(|| output.get("reason").and_then(Value::as_str))
        .flatten()
}

/// Whether any of the executions entered `state`.
fn entered(executions: &[ExecutionEntry], state: &str) -> bool {
    executions.iter().any(|e| {
        e.history()
            .iter()
            .any(|h| h.event_type.ends_with("StateEntered") && h.state_name() == Some(state))
    })
}

fn seeded(world: &World, sku: &str) -> i64 {
    world
        .seed
        .iter()
        .find(|(s, _)| s == sku)
        .map_or(0, |(_, n)| *n)
}

/// Messages of every dead-letter queue.
pub fn dead_letters(cloud: &CloudInner) -> Vec<DeadLetter> {
    let mut found = Vec::new();
    for queue in cloud.model.queues.values() {
        if !is_dead_letter_queue(&cloud.model, queue) {
            continue;
        }
        let Ok(q) = cloud.sqs.queue(&queue.name) else {
            continue;
        };
        for message in q.peek_all() {
            found.push(DeadLetter {
                queue: queue.logical_id.clone(),
                body: message.body.clone(),
                reason: dead_letter_reason(&message),
                receive_count: message.receive_count(),
            });
        }
    }
    found
}

/// Whether `queue` of `model` is a dead-letter queue: named as one, or some queue's
/// redrive policy names it.
pub fn is_dead_letter_queue(
    model: &crate::template::Model,
    queue: &crate::template::Queue,
) -> bool {
    queue.name.ends_with("-dlq")
        || queue.logical_id.ends_with("Dlq")
        || model.queues.values().any(|q| {
            q.redrive
                .as_ref()
                .is_some_and(|r| r.dead_letter_queue == queue.logical_id)
        })
}

/// Why a message is in a dead-letter queue: the reason the runtime or the failing target
/// recorded (EventBridge's `ERROR_MESSAGE`, Lambda's `ErrorMessage`, a stream mapping's
/// condition); empty if none.
pub fn dead_letter_reason(message: &crate::sqs::ReceivedMessage) -> String {
    message
        .dead_letter_reason()
        .map(str::to_owned)
        .or_else(|| attribute(message, "ERROR_MESSAGE"))
        .or_else(|| attribute(message, "ErrorMessage"))
        .or_else(|| destination_reason(&message.body))
        .unwrap_or_default()
}

fn attribute(message: &crate::sqs::ReceivedMessage, name: &str) -> Option<String> {
    message
        .message_attributes
        .get(name)
        .and_then(|a| a.string_value.clone())
}

/// Checks the scenario's expected outcome; answers the order's final state.
pub(super) fn expect(scenario: Scenario, cloud: &CloudInner, checks: &mut Checks) -> String {
    let world = &cloud.world;
    let order = scenario.order_id;
    if scenario.kind == Kind::OrderStream {
        return super::streaming::expect(cloud, checks);
    }
    if scenario.kind == Kind::PoisonMessage {
        let dlq = dead_letters(cloud);
        let poison: Vec<&DeadLetter> = dlq.iter().filter(|d| d.body == POISON_BODY).collect();
        checks.equal(poison.len(), 1, "malformed messages in a DLQ");
        if let Some(d) = poison.first() {
            checks.equal(d.queue.as_str(), "AuditDlq", "its DLQ");
            checks.check(
                !d.reason.is_empty(),
                format!("its reason is recorded: {}", d.reason),
            );
            checks.equal(d.receive_count, 5, "receives before the redrive");
        }
        checks.equal(world.audit.len(), 0, "audit entries stored");
        return poison.first().map_or("not dead-lettered".to_owned(), |d| {
            format!("in {}", d.queue)
        });
    }
    let executions = executions_of(cloud, order);
    let states: Vec<String> = executions.iter().map(final_state).collect();
    // Table reads answer a Result, compared whole: a read that fails fails its check.
    let authorizations = world.payments.authorizations(order);
    checks.check(
        matches!(authorizations, Ok(0 | 1)),
        format!("at most one payment authorization ({authorizations:?})"),
    );
    for (sku, seeded) in &world.seed {
        let left = world.stock.available(sku);
        checks.check(
            !matches!(left, Ok(Some(n)) if n < 0) && left.is_ok(),
            format!("{sku} never below zero ({left:?} of {seeded})"),
        );
    }
    let stock = |sku: &str| world.stock.available(sku).map(|n| n.unwrap_or(i64::MIN));
    let seed = |sku: &str| Ok(seeded(world, sku));
    let shipped = world.shipments.shipment_for(order).map(|s| s.is_some());
    let notes = |body_has: &str| {
        world
            .notifier
            .sent()
            .map(|sent| sent.iter().filter(|n| n.body.contains(body_has)).count())
    };
    let confirmed = || states.iter().any(|s| s == "OrderConfirmed");
    match scenario.kind {
        Kind::HappyPath => {
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned()],
                "final states",
            );
            checks.equal(shipped.clone(), Ok(true), "a shipment is created");
            checks.equal(authorizations.clone(), Ok(1), "authorizations");
            checks.equal(world.payments.voids(order), Ok(0), "voids");
            checks.equal(
                stock("BOOK-0001"),
                seed("BOOK-0001").map(|n| n - 2),
                "BOOK-0001 stock",
            );
            checks.equal(
                stock("TOY-0001"),
                seed("TOY-0001").map(|n| n - 1),
                "TOY-0001 stock",
            );
            checks.equal(world.notifier.len(), 1, "notifications sent");
            // OrderConfirmed goes out in both versions; each subscriber gets those it
            // declared: Shipping both (one shipment), Audit version 1.
            let mut to_shipping = crossed_versions(
                cloud,
                scenario.correlation_id,
                "OrderConfirmed",
                "shipping-bus",
            );
            to_shipping.sort();
            checks.equal(
                to_shipping,
                vec!["1".to_owned(), "2".to_owned()],
                "OrderConfirmed versions crossing to shipping-bus",
            );
            checks.equal(
                crossed_versions(
                    cloud,
                    scenario.correlation_id,
                    "OrderConfirmed",
                    "audit-bus",
                ),
                vec!["1".to_owned()],
                "OrderConfirmed versions crossing to audit-bus",
            );
        }
        Kind::ApprovalNeeded => {
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned()],
                "final states",
            );
            checks.check(
                entered(&executions, "RequestApproval"),
                "approval was requested",
            );
            checks.equal(shipped.clone(), Ok(true), "a shipment is created");
            checks.equal(authorizations.clone(), Ok(1), "authorizations");
            checks.equal(
                stock("TECH-0001"),
                seed("TECH-0001").map(|n| n - 1),
                "TECH-0001 stock",
            );
        }
        Kind::ApprovalTimeout => {
            checks.equal(
                states.clone(),
                vec!["OrderFailed (ApprovalTimedOut)".to_owned()],
                "final states",
            );
            succeeded(&executions, checks);
            checks.check(
                entered(&executions, "ApprovalTimedOut"),
                "the approval timed out",
            );
            checks.equal(shipped.clone(), Ok(false), "nothing is shipped");
            checks.equal(authorizations.clone(), Ok(0), "authorizations");
            checks.equal(stock("TECH-0001"), seed("TECH-0001"), "TECH-0001 stock");
            checks.equal(world.notifier.len(), 1, "notifications sent");
        }
        Kind::PaymentDeclined | Kind::Redrive => {
            checks.equal(
                states.clone(),
                vec!["OrderFailed (PaymentDeclined)".to_owned()],
                "final states",
            );
            succeeded(&executions, checks);
            checks.check(entered(&executions, "Compensate"), "compensation ran");
            checks.equal(shipped.clone(), Ok(false), "nothing is shipped");
            checks.equal(
                world.payments.holds(order),
                Ok(false),
                "no payment hold stands",
            );
            checks.equal(
                stock("BOOK-0001"),
                seed("BOOK-0001"),
                "BOOK-0001 stock restored",
            );
        }
        Kind::OutOfStock => {
            checks.equal(
                states.clone(),
                vec!["OrderFailed (OutOfStock)".to_owned()],
                "final states",
            );
            succeeded(&executions, checks);
            checks.check(entered(&executions, "Compensate"), "compensation ran");
            checks.equal(shipped.clone(), Ok(false), "nothing is shipped");
            checks.equal(
                world.payments.holds(order),
                Ok(false),
                "no payment hold stands",
            );
            checks.equal(
                stock("BOOK-0001"),
                seed("BOOK-0001"),
                "BOOK-0001 stock restored",
            );
            checks.equal(stock("OUT-OF-STOCK-1"), Ok(0), "OUT-OF-STOCK-1 stock");
        }
        Kind::PaymentFlaky => {
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned()],
                "final states",
            );
            let attempts = world.payments.attempts(order);
            checks.check(
                matches!(attempts, Ok(n) if n >= 3),
                format!("the provider was called {attempts:?} times (2 failures, then success)"),
            );
            checks.equal(authorizations.clone(), Ok(1), "authorizations");
            checks.equal(shipped.clone(), Ok(true), "a shipment is created");
            checks.equal(
                stock("TOY-0001"),
                seed("TOY-0001").map(|n| n - 3),
                "TOY-0001 stock",
            );
        }
        Kind::DuplicateDelivery => {
            checks.equal(executions.len(), 2, "executions started");
            checks.check(
                confirmed(),
                format!("one execution confirms the order ({states:?})"),
            );
            checks.equal(world.shipments.len(), 1, "shipments");
            checks.equal(authorizations.clone(), Ok(1), "authorizations");
            checks.equal(
                stock("BOOK-0001"),
                seed("BOOK-0001").map(|n| n - 1),
                "BOOK-0001 stock",
            );
            checks.equal(
                stock("TOY-0001"),
                seed("TOY-0001").map(|n| n - 2),
                "TOY-0001 stock",
            );
            checks.equal(
                notes(&format!("{order} is confirmed")),
                Ok(1),
                "confirmations sent",
            );
        }
        Kind::Recovery => {
            // The replayed OrderCreated starts the workflow again, which finds the order
            // done and ends as a duplicate.
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned(), "Duplicate".to_owned()],
                "final states (the order, then its replay)",
            );
            checks.equal(authorizations.clone(), Ok(1), "authorizations");
            checks.equal(world.shipments.len(), 1, "shipments");
            checks.equal(
                notes(&format!("{order} is confirmed")),
                Ok(1),
                "confirmations sent",
            );
        }
        Kind::FrontDoor => {
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned()],
                "final states",
            );
            checks.equal(shipped.clone(), Ok(true), "a shipment is created");
            checks.equal(authorizations.clone(), Ok(1), "authorizations");
            let ran = |machine: &str| statuses_of(cloud, machine, scenario.correlation_id);
            checks.equal(
                ran("OrderIntakeStateMachine"),
                vec!["SUCCEEDED"],
                "the Express intake ran once, in the request",
            );
            checks.equal(
                ran("ShipmentQuoteStateMachine"),
                vec!["SUCCEEDED"],
                "the nested shipment quote ran once",
            );
            checks.equal(
                stock("BOOK-0001"),
                seed("BOOK-0001").map(|n| n - 2),
                "BOOK-0001 stock",
            );
        }
        Kind::Outbox => {
            checks.equal(
                states.clone(),
                vec!["OrderConfirmed".to_owned(), "Duplicate".to_owned()],
                "final states (the order, then its redelivered announcement)",
            );
            checks.equal(
                super::outbox::announcements(cloud, scenario.correlation_id),
                2,
                "OrderCreated put (the pipe delivered its record twice)",
            );
            checks.equal(world.orders.len(), 1, "orders stored");
            checks.equal(shipped.clone(), Ok(true), "a shipment is created");
            checks.equal(authorizations.clone(), Ok(1), "authorizations");
            checks.equal(
                stock("BOOK-0001"),
                seed("BOOK-0001").map(|n| n - 2),
                "BOOK-0001 stock",
            );
        }
        Kind::FrontDoorRefused => {
            checks.equal(
                statuses_of(cloud, "OrderIntakeStateMachine", scenario.correlation_id),
                vec!["SUCCEEDED"],
                "the Express intake ran once and answered (a refusal is an answer)",
            );
            checks.equal(executions.len(), 0, "order workflows started");
            checks.equal(world.orders.get(order), Ok(None), "the order is stored");
            let announced = cloud.trace.of(scenario.correlation_id).iter().any(|h| {
                matches!(&h.kind, HopKind::EventPut { detail_type, .. } if detail_type == "OrderCreated")
            });
            checks.check(!announced, "no OrderCreated is put");
            return "refused at the front door".to_owned();
        }
        Kind::PoisonMessage | Kind::OrderStream => {}
    }
    let stray = dead_letters(cloud);
    checks.check(
        stray.is_empty(),
        format!("no dead letters ({} found)", stray.len()),
    );
    match states.as_slice() {
        [] => "no execution".to_owned(),
        [one] => one.clone(),
        many if many.iter().any(|s| s == "OrderConfirmed") => "OrderConfirmed".to_owned(),
        many => many.join(", "),
    }
}

/// The `event-version` of each `detail_type` of `correlation_id` that crossed to bus `to`,
/// in the order they crossed.
fn crossed_versions(
    cloud: &CloudInner,
    correlation_id: &str,
    detail_type: &str,
    to: &str,
) -> Vec<String> {
    cloud
        .trace
        .of(correlation_id)
        .iter()
        .filter_map(|h| match &h.kind {
            HopKind::EventCrossed {
                detail_type: d,
                to: t,
                version,
                ..
            } if d == detail_type && t == to => Some(version.clone().unwrap_or_default()),
            _ => None,
        })
        .collect()
}

/// The statuses of the executions of the template's state machine `logical_id` that carry
/// `correlation_id`, oldest first.
fn statuses_of(cloud: &CloudInner, logical_id: &str, correlation_id: &str) -> Vec<&'static str> {
    let Some(machine) = cloud.model.state_machines.get(logical_id) else {
        return Vec::new();
    };
    let mut executions: Vec<ExecutionEntry> = cloud
        .executions()
        .into_iter()
        .filter(|e| e.machine_arn == machine.arn && e.correlation_id == correlation_id)
        .collect();
    executions.sort_by_key(|e| e.start_ms);
    executions.iter().map(ExecutionEntry::status).collect()
}

/// What the front door's answer must say: the order's id (201), or the intake's reason
/// for the refusal (422).
pub(super) fn front_door_answer(scenario: Scenario, body: &Value, checks: &mut Checks) {
    match scenario.kind {
        Kind::FrontDoor => {
            checks.equal(
                body.get("orderId").and_then(Value::as_str),
                Some(scenario.order_id),
                "the 201 names the order",
            );
            checks.check(
                body.pointer("/price/total").is_some() || body.get("price").is_some(),
                format!("the 201 carries the intake's price ({body})"),
            );
        }
        Kind::FrontDoorRefused => {
            let codes: Vec<&str> = body
                .get("reasons")
                .and_then(Value::as_array)
                .map(|reasons| {
                    reasons
                        .iter()
                        .filter_map(|r| r.get("code").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            checks.equal(codes, vec!["TotalMismatch"], "the 422's reasons");
        }
        _ => {}
    }
}

/// The reason an on-failure destination's record gives: a stream mapping's condition and
/// where the batch lies (the record holds no message of its own).
fn destination_reason(body: &str) -> Option<String> {
    let record: serde_json::Value = serde_json::from_str(body).ok()?;
    let condition = record.pointer("/requestContext/condition")?.as_str()?;
    let info = record.get("KinesisBatchInfo")?;
    Some(format!(
        "{condition}: {} record(s) of {} from {}",
        info["batchSize"],
        info["shardId"].as_str().unwrap_or("-"),
        info["startSequenceNumber"].as_str().unwrap_or("-")
    ))
}
