//! The new-order request, as a client sends it.

use orderly_core::domain::{Address, Customer, Money, Order, OrderLine};
use orderly_core::idempotency::hash_value;
use orderly_core::lambda::TaskError;
use serde::Deserialize;
use serde_json::Value;

/// A new order as a client sends it: the order's fields, plus the request's idempotency
/// key and, optionally, the order and correlation ids.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlaceOrderRequest {
    /// Required: from the body, or the `Idempotency-Key` header over HTTP.
    #[serde(default)]
    pub idempotency_key: Option<String>,
    /// Optional: derived from the idempotency key when absent.
    #[serde(default)]
    pub order_id: Option<String>,
    /// Optional: from the `X-Correlation-Id` header over HTTP; derived when absent.
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// Who orders; personal data, stored with the order and never logged.
    pub customer: Customer,
    /// What is ordered; at least one line, one per SKU.
    pub lines: Vec<OrderLine>,
    /// What the client expects to pay: must equal the sum of the lines.
    pub total: Money,
    /// The payment method's opaque token.
    pub payment_token: String,
    /// Where the parcel goes; personal data.
    pub shipping_address: Address,
}

impl PlaceOrderRequest {
    /// The request's idempotency key, trimmed.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if it is missing, blank or longer than 256 characters.
    pub fn idempotency_key(&self) -> Result<String, TaskError> {
        match self.idempotency_key.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() && key.len() <= 256 => Ok(key.to_owned()),
            Some(key) if key.len() > 256 => Err(TaskError::InvalidInput(
                "idempotency key is longer than 256 characters".into(),
            )),
            _ => Err(TaskError::InvalidInput(
                "idempotency key is missing (Idempotency-Key header or idempotencyKey field)"
                    .into(),
            )),
        }
    }

    /// The order this request places, stamped `placed_at` (UTC, RFC 3339). Not validated:
    /// [`Order::validate`] is the caller's next step.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the idempotency key is missing or invalid.
    pub fn into_order(self, placed_at: String) -> Result<Order, TaskError> {
        let key = self.idempotency_key()?;
        Ok(Order {
            order_id: self.order_id.unwrap_or_else(|| order_id_for(&key)),
            customer: self.customer,
            lines: self.lines,
            total: self.total,
            payment_token: self.payment_token,
            shipping_address: self.shipping_address,
            placed_at,
        })
    }
}

/// The order id a key names when the client gives none: the same key, the same order.
pub fn order_id_for(idempotency_key: &str) -> String {
    let hash = hash_value(&Value::String(idempotency_key.to_owned()));
    format!("o-{}", &hash[..16])
}
