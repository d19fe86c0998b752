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
//! Shipping reads OrderConfirmed version 2, and version 1 too while Orders publishes it
//! ([`VERSIONS_READ`], which its subscription selects). An execution that started before
//! Orders published version 2 still confirms in version 1 only (it runs on the definition
//! it started with, for up to a day waiting for an approval, and a redrive weeks later),
//! and its order must ship all the same. Both versions of one confirmation make the same
//! request, to the byte, and carry the same idempotency key: the second to arrive is a
//! replay. Moving to version 2 changed this module and the subscription's pattern, nothing
//! past it.

use orderly_core::contracts::{
    Contract, ContractError, Detail, OrderConfirmed, OrderConfirmedV2, ShippingService, parse_event,
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

/// The versions of OrderConfirmed Shipping reads: its subscription's pattern selects
/// these (a template test holds the two together). Version 1 goes when Orders retires it.
pub const VERSIONS_READ: [u32; 2] = [OrderConfirmed::VERSION, OrderConfirmedV2::VERSION];

/// Reads an EventBridge OrderConfirmed event, in a version of [`VERSIONS_READ`], and
/// translates it.
///
/// # Errors
///
/// The contract's error when the event is not an OrderConfirmed this layer reads; another
/// version is refused by name (`unsupported event-version 3 (this consumer reads 2)`).
pub fn shipment_requested(event: &Value) -> Result<ShipmentRequested, ContractError> {
    let version = event
        .pointer("/detail/metadata/event-version")
        .and_then(Value::as_str);
    if version == Some("1") {
        return parse_event::<OrderConfirmed>(event).map(|v1| translate(&as_version_2(v1)));
    }
    parse_event::<OrderConfirmedV2>(event).map(|detail| translate(&detail))
}

/// A version 1 confirmation in version 2's terms, as Orders makes version 2 of it.
pub fn as_version_2(v1: Detail<OrderConfirmed>) -> Detail<OrderConfirmedV2> {
    Detail {
        data: OrderConfirmedV2::from(&v1.data),
        metadata: v1.metadata,
    }
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
