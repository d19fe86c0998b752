//! The scenario table: every scenario of the demo and the end-to-end tests, what it puts
//! on the bus and the outcome it is named for.

/// What a scenario does and expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `POST /orders`: the Express intake accepts it (201); confirmed with a nested
    /// shipment quote and shipped.
    FrontDoor,
    /// `POST /orders` whose lines do not add up to its total: the Express intake refuses it
    /// in the same call (422 with the reason); nothing is stored or published.
    FrontDoorRefused,
    /// Confirmed and shipped.
    HappyPath,
    /// Waits for approval; a person's decision (`approval-decision.json`) is put on the bus.
    ApprovalNeeded,
    /// Waits for approval that never comes: the heartbeat passes, the order fails.
    ApprovalTimeout,
    /// The card is declined: reserved stock is released.
    PaymentDeclined,
    /// One line cannot be reserved: the rest is released, any hold voided.
    OutOfStock,
    /// The provider fails twice, the workflow retries, payment goes through.
    PaymentFlaky,
    /// The same OrderCreated twice: one effect of each kind.
    DuplicateDelivery,
    /// A malformed message on the audit queue ends in its DLQ with its reason.
    PoisonMessage,
    /// The shipping consumer is down: its message ends in its DLQ, is redriven once the
    /// consumer is back and shipped once; a replay of the bus archive then changes nothing.
    Recovery,
    /// A declined payment while the bus refuses OrderFailed: the workflow fails publishing
    /// it, and once the bus is back its execution is redriven from that state.
    Redrive,
    /// `POST /orders` whose place-order dies right after its write: the orders table's
    /// stream and the outbox pipe announce the order anyway (its record delivered twice),
    /// the client's retry finds it stored, and every effect happens once.
    Outbox,
    /// Four orders' events on the order stream beside a record that is no order event:
    /// order-analytics counts each window's funnel once, and the poison record is split out
    /// to OrderAnalyticsDlq while its neighbours are counted.
    OrderStream,
}

/// One scenario of the demo.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// The scenario's name, e.g. `happy-path`; also the name of its events file.
    pub name: &'static str,
    /// One line on what it shows.
    pub summary: &'static str,
    /// What it does and expects.
    pub kind: Kind,
    /// The order it places (empty for the poison message).
    pub order_id: &'static str,
    /// The correlation id of its events (empty for the poison message).
    pub correlation_id: &'static str,
}

/// Every scenario, in the order the demo runs them.
pub fn all() -> Vec<Scenario> {
    let s = |name, summary, kind, order_id, correlation_id| Scenario {
        name,
        summary,
        kind,
        order_id,
        correlation_id,
    };
    vec![
        s(
            "front-door",
            "POST /orders: priced by the Express intake (201), confirmed with a nested quote",
            Kind::FrontDoor,
            "o-front-1",
            "corr-front-1",
        ),
        s(
            "front-door-refused",
            "POST /orders whose lines miss its total: refused in the call (422), nothing stored",
            Kind::FrontDoorRefused,
            "o-front-refused-1",
            "corr-front-refused-1",
        ),
        s(
            "outbox",
            "place-order dies after its write: the outbox announces it (twice), one effect",
            Kind::Outbox,
            "o-outbox-1",
            "corr-outbox-1",
        ),
        s(
            "happy-path",
            "order confirmed, paid and shipped",
            Kind::HappyPath,
            "o-happy-1",
            "corr-happy-1",
        ),
        s(
            "approval-needed",
            "high value: waits for a person, who approves",
            Kind::ApprovalNeeded,
            "o-approval-1",
            "corr-approval-1",
        ),
        s(
            "approval-timeout",
            "high value: nobody answers within the heartbeat, the order fails",
            Kind::ApprovalTimeout,
            "o-approval-timeout-1",
            "corr-approval-timeout-1",
        ),
        s(
            "payment-declined",
            "card declined: stock released, order failed",
            Kind::PaymentDeclined,
            "o-declined-1",
            "corr-declined-1",
        ),
        s(
            "out-of-stock",
            "one line out of stock: the rest released, order failed",
            Kind::OutOfStock,
            "o-oos-1",
            "corr-oos-1",
        ),
        s(
            "payment-flaky",
            "provider unavailable twice, retried, then paid",
            Kind::PaymentFlaky,
            "o-flaky-1",
            "corr-flaky-1",
        ),
        s(
            "duplicate-delivery",
            "OrderCreated delivered twice: one effect of each kind",
            Kind::DuplicateDelivery,
            "o-dup-1",
            "corr-dup-1",
        ),
        s(
            "poison-message",
            "a malformed audit message ends in AuditDlq with its reason",
            Kind::PoisonMessage,
            "",
            "",
        ),
        s(
            "recovery",
            "shipping down: DLQ, redriven once fixed, shipped once; an archive replay changes nothing",
            Kind::Recovery,
            "o-recovery-1",
            "corr-recovery-1",
        ),
        s(
            "redrive",
            "card declined while the bus is down: the workflow fails, is redriven, publishes",
            Kind::Redrive,
            "o-redrive-1",
            "corr-redrive-1",
        ),
        s(
            "order-stream",
            "four orders on the stream: a minute's funnel per shard; a poison record split out",
            Kind::OrderStream,
            "",
            "",
        ),
    ]
}

/// Finds a scenario by name.
pub fn by_name(name: &str) -> Option<Scenario> {
    all().into_iter().find(|s| s.name == name)
}

/// A body no consumer can parse.
pub const POISON_BODY: &str = "{\"detail-type\": \"OrderCreated\", \"detail\": ";
