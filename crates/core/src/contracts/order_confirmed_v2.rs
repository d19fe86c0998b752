//! OrderConfirmed, version 2: each line's unit price is money, `{amount, currency}`, where
//! version 1 gave a bare number in minor units of the order's currency, which a reader had
//! to pair with the total's currency itself.
//!
//! Orders publishes both versions of every confirmation during the transition, with the
//! same detail-type and idempotency key: one fact, in two shapes. Each consumer's rule
//! selects the version it reads (`docs/versioning.md`).

use super::envelope::Contract;
use super::events::{OrderConfirmed, ShippingQuote};
use crate::domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Stock is reserved and payment authorized: version 2 of OrderConfirmed. It carries the
/// lines, priced, and no personal data, as version 1 does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderConfirmedV2 {
    /// The order confirmed.
    pub order_id: String,
    /// The customer, by id only.
    pub customer_id: String,
    /// The amount authorized.
    pub total: Money,
    /// The payment provider's hold on the total.
    pub authorization_id: String,
    /// What to ship, each line with its unit price.
    pub lines: Vec<PricedLine>,
    /// How the order ships and what that costs, as the shipment-quote workflow quoted
    /// it; `null` when no quote could be had, which means the default service at the
    /// shop's cost.
    pub shipping: Option<ShippingQuote>,
}

impl Contract for OrderConfirmedV2 {
    const SOURCE: &'static str = OrderConfirmed::SOURCE;
    const DETAIL_TYPE: &'static str = OrderConfirmed::DETAIL_TYPE;
    const VERSION: u32 = 2;
}

/// An order line whose unit price says its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PricedLine {
    /// Stock keeping unit.
    pub sku: String,
    /// Number of units; positive.
    pub quantity: i64,
    /// Price of one unit.
    pub unit_price: Money,
}

impl From<&OrderConfirmed> for OrderConfirmedV2 {
    /// Version 2 of a version 1 confirmation: the same fact, each unit price in the
    /// total's currency (an order has one currency).
    fn from(v1: &OrderConfirmed) -> Self {
        Self {
            order_id: v1.order_id.clone(),
            customer_id: v1.customer_id.clone(),
            total: v1.total.clone(),
            authorization_id: v1.authorization_id.clone(),
            lines: v1
                .lines
                .iter()
                .map(|line| PricedLine {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                    unit_price: Money::new(line.unit_price, v1.total.currency.clone()),
                })
                .collect(),
            shipping: v1.shipping.clone(),
        }
    }
}
