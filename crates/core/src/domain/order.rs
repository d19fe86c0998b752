//! The order and its rules: at least one line, positive quantities, totals that add up.

use super::money::{Currency, Money};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where an order, as JSON (OrderCreated's `data`), holds a secret or personal data, by what
/// it is: what no log line, audit entry or error reply may show.
pub const SENSITIVE_FIELDS: [(&str, &str); 6] = [
    ("a payment token", "/paymentToken"),
    ("an e-mail", "/customer/email"),
    ("a name", "/customer/name"),
    ("an address", "/shippingAddress/line1"),
    ("an address", "/shippingAddress/line2"),
    ("an address", "/shippingAddress/city"),
];

/// The sensitive values of an order's JSON, as (what it is, the value); empty ones left out.
pub fn sensitive_values(order: &Value) -> Vec<(&'static str, String)> {
    SENSITIVE_FIELDS
        .iter()
        .filter_map(|(kind, pointer)| {
            order
                .pointer(pointer)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(|v| (*kind, v.to_owned()))
        })
        .collect()
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderLine {
    /// Stock keeping unit: stock is reserved and released per SKU.
    pub sku: String,
    /// Number of units; positive.
    pub quantity: i64,
    /// Price of one unit, in minor units of the order's currency.
    pub unit_price: i64,
}

/// Customer contact details. Personal data: never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Customer {
    /// The customer's id: the only part of the customer the workflow carries.
    pub customer_id: String,
    /// The customer's e-mail address.
    pub email: String,
    /// The customer's full name.
    pub name: String,
}

/// Where the parcel goes. Personal data: never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    /// First line of the street address.
    pub line1: String,
    /// City or town.
    pub city: String,
    /// Postal code, in the country's own format.
    pub postcode: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// A whole order, as OrderCreated carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Order {
    /// Unique per order; keys stock reservations, the authorization and the shipment.
    pub order_id: String,
    /// Who placed the order, with their contact details.
    pub customer: Customer,
    /// At least one, and one per SKU.
    pub lines: Vec<OrderLine>,
    /// Must equal the sum of quantity × unit price over the lines.
    pub total: Money,
    /// Opaque token of the payment method; the payment provider decides with it.
    pub payment_token: String,
    /// Where the parcel goes.
    pub shipping_address: Address,
    /// UTC, RFC 3339.
    pub placed_at: String,
}

/// Who placed an order, by id only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerRef {
    /// The customer's id.
    pub customer_id: String,
}

/// What the fulfillment workflow carries of an order: all of it but the personal data.
/// The state machine logs every state's input and output, so its input must hold no
/// name, e-mail or address; the OrderCreated rule's input transformer builds this shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FulfillmentOrder {
    /// As in [`Order::order_id`].
    pub order_id: String,
    /// The customer, by id only.
    pub customer: CustomerRef,
    /// As in [`Order::lines`].
    pub lines: Vec<OrderLine>,
    /// As in [`Order::total`].
    pub total: Money,
    /// As in [`Order::payment_token`].
    pub payment_token: String,
    /// As in [`Order::placed_at`]: UTC, RFC 3339.
    pub placed_at: String,
}

impl FulfillmentOrder {
    /// Checks every rule an order without its personal data can break.
    pub fn validate(&self) -> Result<(), OrderError> {
        validate_parts(
            &self.order_id,
            &self.customer.customer_id,
            &self.payment_token,
            &self.lines,
            &self.total,
        )
    }
}

impl From<&Order> for FulfillmentOrder {
    fn from(order: &Order) -> Self {
        Self {
            order_id: order.order_id.clone(),
            customer: CustomerRef {
                customer_id: order.customer.customer_id.clone(),
            },
            lines: order.lines.clone(),
            total: order.total.clone(),
            payment_token: order.payment_token.clone(),
            placed_at: order.placed_at.clone(),
        }
    }
}

/// A rule an order breaks; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// The order has no lines.
    #[error("order has no lines")]
    NoLines,
    #[error("lines[{index}].quantity must be positive, got {quantity}")]
    /// A line's quantity is zero or negative.
    NonPositiveQuantity {
        /// Position of the line in `lines`.
        index: usize,
        /// The quantity it carried.
        quantity: i64,
    },
    #[error("lines[{index}].unitPrice must not be negative, got {unit_price}")]
    /// A line's unit price is negative.
    NegativePrice {
        /// Position of the line in `lines`.
        index: usize,
        /// The unit price it carried, in minor units.
        unit_price: i64,
    },
    #[error("lines[{index}].sku is empty")]
    /// A line's SKU is empty or blank.
    EmptySku {
        /// Position of the line in `lines`.
        index: usize,
    },
    /// Each SKU has one line: stock is reserved, released and keyed per (order, SKU).
    #[error("lines[{index}].sku {sku} is already on lines[{first}]; put its quantity on one line")]
    DuplicateSku {
        /// Position of the second line with the SKU.
        index: usize,
        /// Position of the first line with it.
        first: usize,
        /// The repeated SKU.
        sku: String,
    },
    #[error("total is {stated} but the lines add up to {computed}")]
    /// The stated total is not the sum of the lines.
    TotalMismatch {
        /// The order's total, in minor units.
        stated: i64,
        /// Quantity × unit price summed over the lines, in minor units.
        computed: i64,
    },
    /// The sum of the lines does not fit in an `i64` of minor units.
    #[error("lines add up to more than the largest representable amount")]
    Overflow,
    /// A required text field is empty or blank; it holds the field's JSON name
    /// (`orderId`, `customer.customerId`, `paymentToken`).
    #[error("{0} is empty")]
    MissingField(&'static str),
}

/// The rules every view of an order obeys.
fn validate_parts(
    order_id: &str,
    customer_id: &str,
    payment_token: &str,
    lines: &[OrderLine],
    total: &Money,
) -> Result<(), OrderError> {
    for (name, value) in [
        ("orderId", order_id),
        ("customer.customerId", customer_id),
        ("paymentToken", payment_token),
    ] {
        if value.trim().is_empty() {
            return Err(OrderError::MissingField(name));
        }
    }
    if lines.is_empty() {
        return Err(OrderError::NoLines);
    }
    let mut first_line_of = std::collections::HashMap::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        if line.sku.trim().is_empty() {
            return Err(OrderError::EmptySku { index });
        }
        if let Some(&first) = first_line_of.get(line.sku.as_str()) {
            return Err(OrderError::DuplicateSku {
                index,
                first,
                sku: line.sku.clone(),
            });
        }
        first_line_of.insert(line.sku.as_str(), index);
        if line.quantity <= 0 {
            return Err(OrderError::NonPositiveQuantity {
                index,
                quantity: line.quantity,
            });
        }
        if line.unit_price < 0 {
            return Err(OrderError::NegativePrice {
                index,
                unit_price: line.unit_price,
            });
        }
    }
    let computed = lines_total(lines)?;
    if computed != total.amount {
        return Err(OrderError::TotalMismatch {
            stated: total.amount,
            computed,
        });
    }
    Ok(())
}

/// Sum of quantity × unit price over the lines, in minor units; checked for overflow.
pub fn lines_total(lines: &[OrderLine]) -> Result<i64, OrderError> {
    lines.iter().try_fold(0i64, |acc, line| {
        line.quantity
            .checked_mul(line.unit_price)
            .and_then(|sub| acc.checked_add(sub))
            .ok_or(OrderError::Overflow)
    })
}

impl Order {
    /// Checks every rule of an order.
    pub fn validate(&self) -> Result<(), OrderError> {
        validate_parts(
            &self.order_id,
            &self.customer.customer_id,
            &self.payment_token,
            &self.lines,
            &self.total,
        )
    }

    /// The order's currency: its total's.
    pub fn currency(&self) -> &Currency {
        &self.total.currency
    }
}

/// Orders at or above the threshold need a person's approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalPolicy {
    /// In minor units; compared only within the same currency.
    pub threshold: i64,
}

impl ApprovalPolicy {
    /// Whether an order with this total must wait for a person's decision.
    pub fn needs_approval(&self, total: &Money) -> bool {
        total.amount >= self.threshold
    }
}

impl Default for ApprovalPolicy {
    /// 1,000.00 in major units.
    fn default() -> Self {
        Self { threshold: 100_000 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(lines: Vec<(i64, i64)>, total: i64) -> Order {
        Order {
            order_id: "o-1".into(),
            customer: Customer {
                customer_id: "c-1".into(),
                email: "a@example.com".into(),
                name: "A".into(),
            },
            lines: lines
                .into_iter()
                .enumerate()
                .map(|(i, (quantity, unit_price))| OrderLine {
                    sku: format!("SKU-{i}"),
                    quantity,
                    unit_price,
                })
                .collect(),
            total: Money::new(total, Currency::try_from("EUR".to_owned()).unwrap()),
            payment_token: "tok_ok".into(),
            shipping_address: Address {
                line1: "1 Main St".into(),
                city: "Springfield".into(),
                postcode: "12345".into(),
                country: "DE".into(),
            },
            placed_at: "2026-11-26T12:00:00Z".into(),
        }
    }

    #[test]
    fn order_rules_table() {
        let cases: Vec<(Order, Result<(), OrderError>)> = vec![
            (order(vec![(2, 500), (1, 250)], 1250), Ok(())),
            (order(vec![], 0), Err(OrderError::NoLines)),
            (
                order(vec![(0, 500)], 0),
                Err(OrderError::NonPositiveQuantity {
                    index: 0,
                    quantity: 0,
                }),
            ),
            (
                order(vec![(1, 1), (-1, 5)], -4),
                Err(OrderError::NonPositiveQuantity {
                    index: 1,
                    quantity: -1,
                }),
            ),
            (
                order(vec![(1, -5)], -5),
                Err(OrderError::NegativePrice {
                    index: 0,
                    unit_price: -5,
                }),
            ),
            (
                order(vec![(2, 500)], 999),
                Err(OrderError::TotalMismatch {
                    stated: 999,
                    computed: 1000,
                }),
            ),
            (order(vec![(i64::MAX, 2)], 0), Err(OrderError::Overflow)),
        ];
        for (order, expected) in cases {
            assert_eq!(order.validate(), expected, "lines {:?}", order.lines);
        }
    }

    #[test]
    fn a_sku_on_two_lines_is_refused_by_its_second_line() {
        let mut o = order(vec![(1, 100), (2, 100), (1, 100)], 400);
        assert_eq!(o.validate(), Ok(()));
        o.lines[2].sku = o.lines[0].sku.clone();
        assert_eq!(
            o.validate(),
            Err(OrderError::DuplicateSku {
                index: 2,
                first: 0,
                sku: "SKU-0".into(),
            })
        );
    }

    #[test]
    fn empty_order_id_is_named() {
        let mut o = order(vec![(1, 1)], 1);
        o.order_id = " ".into();
        assert_eq!(o.validate(), Err(OrderError::MissingField("orderId")));
    }

    #[test]
    fn approval_needed_at_or_above_threshold() {
        let policy = ApprovalPolicy { threshold: 1000 };
        let eur = |a| Money::new(a, Currency::try_from("EUR".to_owned()).unwrap());
        assert!(!policy.needs_approval(&eur(999)));
        assert!(policy.needs_approval(&eur(1000)));
        assert!(policy.needs_approval(&eur(1001)));
    }

    #[test]
    fn currency_must_be_three_capitals() {
        for bad in ["eur", "EU", "EURO", "", "E1R"] {
            assert!(Currency::try_from(bad.to_owned()).is_err(), "{bad}");
        }
        assert!(Currency::try_from("USD".to_owned()).is_ok());
    }
}
