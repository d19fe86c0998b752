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
    pub order_id: String,
    pub total: Money,
    pub reason: String,
}
contract!(ApprovalRequested, "com.approvals");

/// A person approved or rejected an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalDecided {
    pub order_id: String,
    pub approved: bool,
    pub decided_by: String,
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
    pub order_id: String,
    pub customer_id: String,
    pub total: Money,
    pub authorization_id: String,
    pub lines: Vec<OrderLine>,
}
contract!(OrderConfirmed, "com.orders");

/// Why an order failed.
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
    pub order_id: String,
    pub customer_id: String,
    pub reason: FailureReason,
    pub cause: String,
}
contract!(OrderFailed, "com.orders");

/// A shipment exists (notification: ids only; the consumer owns the lookup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShipmentCreated {
    pub order_id: String,
    pub shipment_id: String,
}
contract!(ShipmentCreated, "com.shipping");
