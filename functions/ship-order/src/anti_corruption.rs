//! Shipping's anti-corruption layer: the one place that reads Orders' published language.
//!
//! Orders publishes OrderConfirmed in its own terms: a customer, a total, a payment hold,
//! priced lines and the shipment-quote workflow's quote. Shipping needs less, in its own
//! terms: what goes in the parcels, how they go, and whom to answer. [`translate`] turns
//! the event into Shipping's [`ShipmentRequested`], and nothing past it uses an Orders
//! type. When OrderConfirmed gains or renames a field, this module is what changes; a
//! change to a field Shipping does not read leaves every `ShipmentRequested` as it was, to
//! the byte (`tests/anti_corruption.rs`).
//!
//! Shipping reads OrderConfirmed version 2 (its subscription selects it). Moving from
//! version 1 changed the type read here and the subscription's pattern, nothing past this
//! module: both versions of one confirmation make the same request.

use orderly_core::contracts::{
    ContractError, Detail, OrderConfirmedV2, ShippingService, parse_event,
};
use serde::Serialize;
use serde_json::Value;

/// Shipping's request to ship one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentRequested {
    /// The order to ship: Shipping's only reference to Orders, an opaque id.
    pub order_ref: String,
    /// What goes in the parcels, each SKU once, in the order they were given.
    pub items: Vec<Item>,
    /// How the parcels go.
    pub service: Service,
    /// How many parcels the quote counted; `None` when there was no quote and the
    /// warehouse counts them.
    pub parcels: Option<u32>,
    /// Where the request came from, for the answer Shipping publishes.
    pub cause: Cause,
}

/// One SKU and how many of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Stock keeping unit.
    pub sku: String,
    /// Units of it.
    pub units: i64,
}

/// Shipping's service levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// Parcel post: the default, also when no quote could be had.
    Standard,
    /// Freight, for orders of many parcels.
    Freight,
}

/// The event that caused a request: its key (from which Shipping derives its own) and the
/// correlation id that follows the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cause {
    /// The idempotency key of the event.
    pub key: String,
    /// The correlation id of the order's journey.
    pub correlation_id: String,
}

/// Reads an EventBridge OrderConfirmed event (version 2) and translates it.
///
/// # Errors
///
/// The contract's error when the event is not an OrderConfirmed this layer reads; another
/// version is refused by name (`unsupported event-version 1 (this consumer reads 2)`).
pub fn shipment_requested(event: &Value) -> Result<ShipmentRequested, ContractError> {
    parse_event::<OrderConfirmedV2>(event).map(|detail| translate(&detail))
}

/// OrderConfirmed in Shipping's terms.
pub fn translate(confirmed: &Detail<OrderConfirmedV2>) -> ShipmentRequested {
    let order = &confirmed.data;
    let mut items: Vec<Item> = Vec::with_capacity(order.lines.len());
    for line in &order.lines {
        // Orders' rules keep a SKU on one line; should two lines name one, it is one item.
        match items.iter_mut().find(|item| item.sku == line.sku) {
            Some(item) => item.units = item.units.saturating_add(line.quantity),
            None => items.push(Item {
                sku: line.sku.clone(),
                units: line.quantity,
            }),
        }
    }
    let (service, parcels) = match &order.shipping {
        Some(quote) => (
            match quote.service {
                ShippingService::Standard => Service::Standard,
                ShippingService::Freight => Service::Freight,
            },
            Some(quote.parcels),
        ),
        None => (Service::Standard, None),
    };
    ShipmentRequested {
        order_ref: order.order_id.clone(),
        items,
        service,
        parcels,
        cause: Cause {
            key: confirmed.metadata.idempotency_key.clone(),
            correlation_id: confirmed.metadata.correlation_id.clone(),
        },
    }
}
