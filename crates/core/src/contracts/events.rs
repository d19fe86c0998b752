//! Every event of the flow, typed. ECST events carry what their consumers need;
//! notification events carry ids.

use super::envelope::Contract;
use crate::domain::{Money, Order, OrderLine};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! contract {
    ($ty:ident, $source:literal) => {
        impl Contract for $ty {
            const SOURCE: &'static str = $source;
            const DETAIL_TYPE: &'static str = stringify!($ty);
        }
    };
}

/// A new order was accepted (ECST: the whole order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct OrderCreated(pub Order);
contract!(OrderCreated, "com.orders");

/// An order waits for a person's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalRequested {
    /// The order that waits.
    pub order_id: String,
    /// The order's total, for the person who decides.
    pub total: Money,
    /// Why the order needs a decision, in words for that person.
    pub reason: String,
}
contract!(ApprovalRequested, "com.approvals");

/// An order still waits for a person's decision, shortly before its approval times out:
/// put on the bus by a one-time schedule request-approval made, which record-approval
/// deletes when the decision arrives first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalReminder {
    /// The order that waits.
    pub order_id: String,
    /// The order's total, for the person who decides.
    pub total: Money,
    /// When the approval times out and the order is compensated, UTC, RFC 3339.
    pub decide_by: String,
}
contract!(ApprovalReminder, "com.approvals");

/// A person approved or rejected an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalDecided {
    /// The order decided on.
    pub order_id: String,
    /// `true` lets the workflow continue; `false` fails the order as `ApprovalRejected`.
    pub approved: bool,
    /// Who decided.
    pub decided_by: String,
    /// The decider's note; a rejection without one is explained as "rejected by …".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}
contract!(ApprovalDecided, "com.approvals");

/// Stock is reserved and payment authorized. It carries the lines for shipping and no
/// personal data: the workflow that emits it logs its whole state, so the shipping
/// address never enters that state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderConfirmed {
    /// The order confirmed.
    pub order_id: String,
    /// The customer, by id only.
    pub customer_id: String,
    /// The amount authorized.
    pub total: Money,
    /// The payment provider's hold on the total.
    pub authorization_id: String,
    /// What to ship: SKUs and quantities.
    pub lines: Vec<OrderLine>,
    /// How the order ships and what that costs, as the shipment-quote workflow quoted
    /// it; `null` when no quote could be had, which means the default service at the
    /// shop's cost. Absent from events of before the quote, and read as `null`.
    #[serde(default)]
    pub shipping: Option<ShippingQuote>,
}
contract!(OrderConfirmed, "com.orders");

/// A shipment's quote: the service, the parcels the lines make and the price, in the
/// order's currency (statemachines/shipment-quote.asl.json states the rates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShippingQuote {
    /// How the parcels go.
    pub service: ShippingService,
    /// How many parcels the order's units make.
    pub parcels: u32,
    /// What shipping costs the customer; zero when the order ships free.
    pub cost: Money,
}

/// How parcels go: `standard` up to a few parcels, `freight` above.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ShippingService {
    Standard,
    Freight,
}

/// Why an order failed:
/// - `PaymentDeclined`: the payment provider declined the payment;
/// - `OutOfStock`: a SKU had too little stock to reserve, or is not stocked at all;
/// - `ApprovalRejected`: a person rejected the order;
/// - `ApprovalTimedOut`: no decision came before the approval deadline;
/// - `InvalidOrder`: the order broke an order rule (no lines, a bad quantity, a wrong total…);
/// - `Error`: anything else, an unexpected error the workflow caught.
// The variants are described above and not one by one: schemars would turn a documented
// variant into a `oneOf` of `const` schemas, and `const` means nothing to the catalog's
// Draft 4 schemas, where every such branch would match any string.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum FailureReason {
    PaymentDeclined,
    OutOfStock,
    ApprovalRejected,
    ApprovalTimedOut,
    InvalidOrder,
    Error,
}

impl FailureReason {
    /// The name as it appears in events, and as the `reason` dimension of OrdersFailed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PaymentDeclined => "PaymentDeclined",
            Self::OutOfStock => "OutOfStock",
            Self::ApprovalRejected => "ApprovalRejected",
            Self::ApprovalTimedOut => "ApprovalTimedOut",
            Self::InvalidOrder => "InvalidOrder",
            Self::Error => "Error",
        }
    }
}

/// The order could not be fulfilled; what was reserved is released and what was
/// authorized is voided before this is emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderFailed {
    /// The failed order.
    pub order_id: String,
    /// The customer, by id only, so the notification can reach them.
    pub customer_id: String,
    /// The kind of failure; consumers branch on it.
    pub reason: FailureReason,
    /// The error's cause in words: what the failing step reported.
    pub cause: String,
}
contract!(OrderFailed, "com.orders");

/// A shipment exists (notification: ids only; the consumer owns the lookup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShipmentCreated {
    /// The order shipped.
    pub order_id: String,
    /// The shipment, for the consumer to look up.
    pub shipment_id: String,
}
contract!(ShipmentCreated, "com.shipping");
