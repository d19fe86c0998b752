//! The new-order request, as a client sends it.

use crate::error::PlaceError;
use crate::scope::ScopedKey;
use orderly_core::domain::{Address, Customer, Money, Order, OrderLine};
use serde::Deserialize;
use serde_json::{Value, json};

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
    /// `InvalidRequest` if it is missing, blank or longer than 256 characters.
    pub fn idempotency_key(&self) -> Result<String, PlaceError> {
        match self.idempotency_key.as_deref().map(str::trim) {
            Some(key) if !key.is_empty() && key.len() <= 256 => Ok(key.to_owned()),
            Some(key) if key.len() > 256 => Err(PlaceError::InvalidRequest(
                "idempotency key is longer than 256 characters".into(),
            )),
            _ => Err(PlaceError::InvalidRequest(
                "idempotency key is missing (Idempotency-Key header or idempotencyKey field)"
                    .into(),
            )),
        }
    }

    /// What must not change between two requests with the same idempotency key: every
    /// field of the order the client chose. The key and the correlation id are not part of
    /// it (the key is what is compared under; the correlation id is tracing metadata).
    pub fn fingerprint(&self) -> Value {
        json!({
            "orderId": self.order_id,
            "customer": self.customer,
            "lines": self.lines,
            "total": self.total,
            "paymentToken": self.payment_token,
            "shippingAddress": self.shipping_address,
        })
    }

    /// The order this request places under `key`, stamped `placed_at` (UTC, RFC 3339). Not
    /// validated: [`Order::validate`] is the caller's next step.
    pub fn into_order(self, key: &ScopedKey, placed_at: String) -> Order {
        Order {
            order_id: self.order_id.unwrap_or_else(|| order_id_for(key)),
            customer: self.customer,
            lines: self.lines,
            total: self.total,
            payment_token: self.payment_token,
            shipping_address: self.shipping_address,
            placed_at,
        }
    }
}

/// The order id a scoped key names when the client gives none: the same caller and key,
/// the same order; another caller with the same key, another order.
pub fn order_id_for(key: &ScopedKey) -> String {
    format!("o-{}", &key.hash()[..16])
}
