//! The traffic of a chaos run: orders of every scenario family of `events/`, drawn from a
//! seed, competing for a few scarce SKUs so stock runs out mid-run, plus poison messages.

use super::plan::SplitMix64;
use crate::runtime::bus::PutEventsEntry;
use serde_json::{Value, json};

/// The family an order is drawn from: the scenarios of `events/put-events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// Paid, in stock, no approval.
    Happy,
    /// Needs approval; the approver approves.
    ApprovalApproved,
    /// Needs approval; the approver rejects.
    ApprovalRejected,
    /// Needs approval; nobody answers.
    ApprovalTimedOut,
    /// The card is declined.
    Declined,
    /// One line asks for a SKU with no stock.
    OutOfStock,
    /// The provider fails twice, then authorizes.
    FlakyPayment,
}

impl Family {
    /// Draws a family with the mix of the run: mostly orders that should be confirmed.
    fn draw(random: &mut SplitMix64) -> Self {
        match random.below(100) {
            0..40 => Self::Happy,
            40..48 => Self::ApprovalApproved,
            48..52 => Self::ApprovalRejected,
            52..55 => Self::ApprovalTimedOut,
            55..67 => Self::Declined,
            67..79 => Self::OutOfStock,
            _ => Self::FlakyPayment,
        }
    }

    /// The terminal states the business allows an order of this family, whatever faults
    /// strike: faults may delay an order, never change how it ends. Stock may run out for
    /// any order that gets as far as reserving it.
    pub fn allowed_outcomes(self) -> &'static [&'static str] {
        match self {
            Self::Happy | Self::FlakyPayment | Self::ApprovalApproved => {
                &["OrderConfirmed", "OrderFailed (OutOfStock)"]
            }
            Self::ApprovalRejected => &["OrderFailed (ApprovalRejected)"],
            Self::ApprovalTimedOut => &["OrderFailed (ApprovalTimedOut)"],
            Self::Declined => &["OrderFailed (PaymentDeclined)", "OrderFailed (OutOfStock)"],
            Self::OutOfStock => &["OrderFailed (OutOfStock)"],
        }
    }

    /// Whether a person is asked to approve the order.
    pub fn needs_approval(self) -> bool {
        matches!(
            self,
            Self::ApprovalApproved | Self::ApprovalRejected | Self::ApprovalTimedOut
        )
    }
}

/// The SKUs every order competes for; scarce, so stock runs out mid-run.
pub const CONTENDED_SKUS: [&str; 6] = [
    "CHAOS-SKU-1",
    "CHAOS-SKU-2",
    "CHAOS-SKU-3",
    "CHAOS-SKU-4",
    "CHAOS-SKU-5",
    "CHAOS-SKU-6",
];
/// A SKU with no stock at all: the out-of-stock family asks for it.
pub const EMPTY_SKU: &str = "CHAOS-EMPTY";
/// An expensive SKU, plentiful: it puts an order over the approval threshold.
pub const BIG_TICKET_SKU: &str = "CHAOS-BIG";
/// The unit price of [`BIG_TICKET_SKU`], in cents: above the template's default
/// ApprovalThreshold (100000).
const BIG_TICKET_PRICE: i64 = 150_000;

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The SKU.
    pub sku: String,
    /// Units wanted.
    pub quantity: i64,
    /// Price per unit, in cents.
    pub unit_price: i64,
}

/// One order of the run.
#[derive(Debug, Clone)]
pub struct PlannedOrder {
    /// The order id, unique in the run.
    pub order_id: String,
    /// Its correlation id.
    pub correlation_id: String,
    /// The customer.
    pub customer_id: String,
    /// Its family.
    pub family: Family,
    /// Its lines.
    pub lines: Vec<Line>,
    /// When it is placed, milliseconds after the wave starts.
    pub at_ms: i64,
}

/// The orders and starting stock of one wave.
#[derive(Debug, Clone)]
pub struct Wave {
    /// The wave's number in the run: it names its orders and poison messages.
    pub index: usize,
    /// The orders, in the order they are placed.
    pub orders: Vec<PlannedOrder>,
    /// The stock the wave starts with.
    pub stock: Vec<(String, i64)>,
    /// Malformed messages to send, by source queue logical id index (resolved later).
    pub poison: usize,
}

/// How long the orders of one wave take to arrive: concurrent enough to contend.
const ARRIVAL_WINDOW_MS: i64 = 60_000;

/// Plans wave number `wave` of `count` orders.
pub fn plan_wave(random: &mut SplitMix64, wave: usize, count: usize) -> Wave {
    let mut orders = Vec::with_capacity(count);
    for i in 0..count {
        let family = Family::draw(random);
        let order_id = format!("o-chaos-{wave}-{i}");
        let mut lines = Vec::new();
        for _ in 0..=random.below(2) {
            let sku = CONTENDED_SKUS[random.below(CONTENDED_SKUS.len() as u64) as usize];
            if lines.iter().any(|l: &Line| l.sku == sku) {
                continue;
            }
            lines.push(Line {
                sku: sku.to_owned(),
                quantity: 1 + random.below(3) as i64,
                unit_price: 500 + 100 * random.below(45) as i64,
            });
        }
        match family {
            Family::OutOfStock => lines.push(Line {
                sku: EMPTY_SKU.to_owned(),
                quantity: 1,
                unit_price: 999,
            }),
            f if f.needs_approval() => lines.push(Line {
                sku: BIG_TICKET_SKU.to_owned(),
                quantity: 1,
                unit_price: BIG_TICKET_PRICE,
            }),
            _ => {}
        }
        orders.push(PlannedOrder {
            correlation_id: format!("corr-{order_id}"),
            customer_id: format!("c-{}", random.below(1_000)),
            order_id,
            family,
            lines,
            at_ms: random.below(ARRIVAL_WINDOW_MS as u64) as i64,
        });
    }
    orders.sort_by_key(|o| o.at_ms);
    // About a third of what the wave asks for: stock runs out while orders still arrive.
    let per_sku = (count as i64 / 3).max(1);
    let mut stock: Vec<(String, i64)> = CONTENDED_SKUS
        .iter()
        .map(|s| ((*s).to_owned(), per_sku))
        .collect();
    stock.push((EMPTY_SKU.to_owned(), 0));
    stock.push((BIG_TICKET_SKU.to_owned(), count as i64));
    Wave {
        index: wave,
        orders,
        stock,
        poison: count.div_ceil(200),
    }
}

impl PlannedOrder {
    /// The payment token of the order's family.
    fn payment_token(&self) -> &'static str {
        match self.family {
            Family::Declined => "tok_declined",
            Family::FlakyPayment => "tok_flaky_2",
            _ => "tok_visa",
        }
    }

    /// The OrderCreated entry that places the order, as place-order would put it.
    pub fn order_created(&self, bus: &str, occurred_at: &str) -> PutEventsEntry {
        let total: i64 = self.lines.iter().map(|l| l.quantity * l.unit_price).sum();
        let lines: Vec<Value> = self
            .lines
            .iter()
            .map(|l| json!({"sku": l.sku, "quantity": l.quantity, "unitPrice": l.unit_price}))
            .collect();
        let detail = json!({
            "metadata": {
                "idempotency-key": format!("idem-{}", self.order_id),
                "correlation-id": self.correlation_id,
                "event-version": "1",
                "occurred-at": occurred_at,
            },
            "data": {
                "orderId": self.order_id,
                "customer": {
                    "customerId": self.customer_id,
                    "email": format!("{}@example.com", self.customer_id),
                    "name": "Chaos Customer",
                },
                "lines": lines,
                "total": {"amount": total, "currency": "EUR"},
                "paymentToken": self.payment_token(),
                "shippingAddress": {
                    "line1": "1 Example Street",
                    "city": "Springfield",
                    "postcode": "12345",
                    "country": "US",
                },
                "placedAt": occurred_at,
            }
        });
        entry(bus, "com.orders", "OrderCreated", &detail)
    }

    /// The approver's ApprovalDecided entry for the order.
    pub fn approval_decided(&self, bus: &str, approved: bool, occurred_at: &str) -> PutEventsEntry {
        let detail = json!({
            "metadata": {
                "idempotency-key": format!("idem-{}-decision", self.order_id),
                "correlation-id": self.correlation_id,
                "event-version": "1",
                "occurred-at": occurred_at,
            },
            "data": {
                "orderId": self.order_id,
                "approved": approved,
                "decidedBy": "approver-chaos",
                "comment": if approved { "Verified." } else { "Could not verify." },
            }
        });
        entry(bus, "com.approvals", "ApprovalDecided", &detail)
    }
}

fn entry(bus: &str, source: &str, detail_type: &str, detail: &Value) -> PutEventsEntry {
    PutEventsEntry {
        source: Some(source.to_owned()),
        detail_type: Some(detail_type.to_owned()),
        detail: Some(detail.to_string()),
        event_bus_name: Some(bus.to_owned()),
        ..Default::default()
    }
}

/// The body of poison message `n` of a wave: cut off in the middle, as a truncated write
/// would leave it.
pub fn poison_body(wave: usize, n: usize) -> String {
    format!("{{\"detail-type\": \"OrderCreated\", \"chaos\": \"{wave}-{n}\", \"detail\": ")
}
