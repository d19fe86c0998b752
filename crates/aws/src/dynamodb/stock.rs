//! The inventory table: stock per SKU and one reservation item per (order, sku).
//!
//! Stock item: `sku`, `available`. Reservation item: `sku` = `RES#<orderId>#<sku>`,
//! `orderId`, `reservedSku`, `quantity`. A reserve decrements the stock and puts the
//! reservation in one transaction, so a reservation holds a `quantity` exactly when its
//! stock was taken; a release turns the reservation into a marker (`released` = true, no
//! `quantity`) and adds its quantity back, again in one transaction. A release that finds
//! no reservation puts the marker alone. The reserve's put is conditional on no item under
//! the key, so a reserve arriving after the release of the same (order, sku) — a forward
//! step racing its compensation — takes nothing.

use super::tables::INVENTORY_KEY;
use crate::attributes::int_attr;
use crate::error::{is_retryable_code, port_error};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use orderly_core::ports::{PortError, StockError, StockReservations};

/// Units of a SKU not reserved (N), on its stock item.
pub const AVAILABLE_ATTRIBUTE: &str = "available";
/// Units a reservation holds (N), on its reservation item.
pub const QUANTITY_ATTRIBUTE: &str = "quantity";
/// Set (BOOL true) on a released reservation: the marker a late reserve finds.
pub const RELEASED_ATTRIBUTE: &str = "released";
/// Prefix of reservation keys; no SKU may start with it.
pub const RESERVATION_PREFIX: &str = "RES#";

/// The inventory key of the reservation of `sku` by `order_id`.
pub fn reservation_key(order_id: &str, sku: &str) -> String {
    format!("{RESERVATION_PREFIX}{order_id}#{sku}")
}

/// A release's attempts before it gives up on a reservation that keeps changing under it:
/// each lost race means another reserve or release of the same (order, sku) just landed.
const RELEASE_ATTEMPTS: usize = 3;

/// What the inventory holds under a reservation key.
enum Reservation {
    /// No item: never reserved, never released.
    Absent,
    /// Stock taken and not given back.
    Held(i64),
    /// Released (or released before it was reserved): nothing to give back.
    Released,
}

/// [`StockReservations`] on the inventory table: each reserve and release is one
/// transaction over the stock item and the reservation item.
#[derive(Debug, Clone)]
pub struct DynamoStock {
    client: Client,
    table: String,
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn build_error(table: &str) -> impl Fn(aws_sdk_dynamodb::error::BuildError) -> StockError + '_ {
    move |e| {
        StockError::Port(PortError::Permanent(format!(
            "TransactWriteItems {table}: {e}"
        )))
    }
}

/// What a cancelled transaction says about each of its items, in request order.
fn cancellation_reasons(err: &TransactWriteItemsError) -> Option<&[CancellationReason]> {
    match err {
        TransactWriteItemsError::TransactionCanceledException(e) => Some(e.cancellation_reasons()),
        _ => None,
    }
}

fn failed_condition(reason: Option<&CancellationReason>) -> bool {
    reason.and_then(CancellationReason::code) == Some("ConditionalCheckFailed")
}

/// A cancellation for any reason other than a failed condition: transient when every
/// such reason is (a conflicting transaction, throttling), permanent otherwise.
fn other_cancellation(table: &str, reasons: &[CancellationReason]) -> StockError {
    let codes: Vec<&str> = reasons
        .iter()
        .filter_map(CancellationReason::code)
        .filter(|c| *c != "None")
        .collect();
    let text = format!(
        "TransactWriteItems {table}: cancelled: {}",
        codes.join(", ")
    );
    if !codes.is_empty() && codes.iter().all(|c| is_retryable_code(c)) {
        StockError::Port(PortError::Transient(text))
    } else {
        StockError::Port(PortError::Permanent(text))
    }
}

impl DynamoStock {
    /// The stock in `table`, using `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Sets the stock of a SKU (seeding by tools and tests; replaces what was there).
    pub async fn put_stock(&self, sku: &str, available: i64) -> Result<(), PortError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(INVENTORY_KEY, s(sku))
            .item(AVAILABLE_ATTRIBUTE, n(available))
            .send()
            .await
            .map_err(|e| port_error(&format!("PutItem {}", self.table), &e))?;
        Ok(())
    }

    /// Units of `sku` available now, or `None` for an unknown SKU.
    pub async fn available(&self, sku: &str) -> Result<Option<i64>, PortError> {
        self.read_int(sku, AVAILABLE_ATTRIBUTE).await
    }

    /// Units of `sku` reserved by `order_id`, or `None` when it holds no reservation.
    pub async fn reserved(&self, order_id: &str, sku: &str) -> Result<Option<i64>, PortError> {
        self.read_int(&reservation_key(order_id, sku), QUANTITY_ATTRIBUTE)
            .await
    }

    async fn read_int(&self, key: &str, attribute: &str) -> Result<Option<i64>, PortError> {
        Ok(self
            .read(key)
            .await?
            .and_then(|item| int_attr(&item, attribute)))
    }

    async fn read(&self, key: &str) -> Result<Option<crate::attributes::Item>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(INVENTORY_KEY, s(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error(&format!("GetItem {}", self.table), &e))?;
        Ok(output.item)
    }

    async fn reservation(&self, order_id: &str, sku: &str) -> Result<Reservation, PortError> {
        Ok(match self.read(&reservation_key(order_id, sku)).await? {
            None => Reservation::Absent,
            Some(item) => match int_attr(&item, QUANTITY_ATTRIBUTE) {
                Some(quantity) => Reservation::Held(quantity),
                None => Reservation::Released,
            },
        })
    }

    /// Puts the released marker of (order, sku) where nothing was reserved; `false` when an
    /// item appeared under the key since it was read (a reserve, or another release).
    async fn put_marker(&self, order_id: &str, sku: &str) -> Result<bool, StockError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(INVENTORY_KEY, s(&reservation_key(order_id, sku)))
            .item("orderId", s(order_id))
            .item("reservedSku", s(sku))
            .item(RELEASED_ATTRIBUTE, AttributeValue::Bool(true))
            .condition_expression("attribute_not_exists(#key)")
            .expression_attribute_names("#key", INVENTORY_KEY)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err) => match err.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Ok(false),
                _ => Err(StockError::Port(port_error(
                    &format!("PutItem {}", self.table),
                    &err,
                ))),
            },
        }
    }

    /// Gives back the `quantity` held by (order, sku), leaving the marker; `false` when the
    /// reservation changed since it was read (released concurrently).
    async fn give_back(
        &self,
        order_id: &str,
        sku: &str,
        quantity: i64,
    ) -> Result<bool, StockError> {
        let key = reservation_key(order_id, sku);
        let mark = Update::builder()
            .table_name(&self.table)
            .key(INVENTORY_KEY, s(&key))
            .update_expression("SET #released = :released REMOVE #quantity")
            .condition_expression("#quantity = :qty")
            .expression_attribute_names("#released", RELEASED_ATTRIBUTE)
            .expression_attribute_names("#quantity", QUANTITY_ATTRIBUTE)
            .expression_attribute_values(":released", AttributeValue::Bool(true))
            .expression_attribute_values(":qty", n(quantity))
            .build()
            .map_err(build_error(&self.table))?;
        let restore = Update::builder()
            .table_name(&self.table)
            .key(INVENTORY_KEY, s(sku))
            .update_expression("ADD #available :qty")
            .condition_expression("attribute_exists(#key)")
            .expression_attribute_names("#key", INVENTORY_KEY)
            .expression_attribute_names("#available", AVAILABLE_ATTRIBUTE)
            .expression_attribute_values(":qty", n(quantity))
            .build()
            .map_err(build_error(&self.table))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(mark).build())
            .transact_items(TransactWriteItem::builder().update(restore).build())
            .send()
            .await;
        let Err(err) = result else {
            return Ok(true);
        };
        let Some(reasons) = err.as_service_error().and_then(cancellation_reasons) else {
            return Err(StockError::Port(port_error(
                &format!("TransactWriteItems {}", self.table),
                &err,
            )));
        };
        if failed_condition(reasons.first()) {
            return Ok(false);
        }
        if failed_condition(reasons.get(1)) {
            return Err(StockError::UnknownSku(sku.to_owned()));
        }
        Err(other_cancellation(&self.table, reasons))
    }

    fn decrement(&self, sku: &str, quantity: i64) -> Result<TransactWriteItem, StockError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key(INVENTORY_KEY, s(sku))
            .update_expression("SET #available = #available - :qty")
            .condition_expression("attribute_exists(#key) AND #available >= :qty")
            .expression_attribute_names("#key", INVENTORY_KEY)
            .expression_attribute_names("#available", AVAILABLE_ATTRIBUTE)
            .expression_attribute_values(":qty", n(quantity))
            // The stock item comes back on failure: its `available` is the figure the
            // OutOfStock error reports, and its absence means an unknown SKU.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_error(&self.table))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn put_reservation(
        &self,
        order_id: &str,
        sku: &str,
        quantity: i64,
    ) -> Result<TransactWriteItem, StockError> {
        let put = Put::builder()
            .table_name(&self.table)
            .item(INVENTORY_KEY, s(&reservation_key(order_id, sku)))
            .item("orderId", s(order_id))
            .item("reservedSku", s(sku))
            .item(QUANTITY_ATTRIBUTE, n(quantity))
            .condition_expression("attribute_not_exists(#key)")
            .expression_attribute_names("#key", INVENTORY_KEY)
            .build()
            .map_err(build_error(&self.table))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[async_trait]
impl StockReservations for DynamoStock {
    async fn reserve(&self, order_id: &str, sku: &str, quantity: i64) -> Result<(), StockError> {
        if quantity <= 0 {
            return Err(StockError::Port(PortError::Permanent(format!(
                "reserve {sku} for order {order_id}: quantity must be positive, got {quantity}"
            ))));
        }
        if sku.starts_with(RESERVATION_PREFIX) {
            return Err(StockError::UnknownSku(sku.to_owned()));
        }
        let result = self
            .client
            .transact_write_items()
            // The reservation goes first, so its condition is the first one reported.
            .transact_items(self.put_reservation(order_id, sku, quantity)?)
            .transact_items(self.decrement(sku, quantity)?)
            .send()
            .await;
        let Err(err) = result else {
            return Ok(());
        };
        let Some(reasons) = err.as_service_error().and_then(cancellation_reasons) else {
            return Err(StockError::Port(port_error(
                &format!("TransactWriteItems {}", self.table),
                &err,
            )));
        };
        // The reservation already exists: this (order, sku) was reserved before, and its
        // stock taken then. Whatever the stock says now, there is nothing more to do.
        if failed_condition(reasons.first()) {
            return Ok(());
        }
        if failed_condition(reasons.get(1)) {
            let stock = reasons.get(1).and_then(CancellationReason::item);
            return Err(match stock {
                None => StockError::UnknownSku(sku.to_owned()),
                Some(item) => StockError::OutOfStock {
                    sku: sku.to_owned(),
                    wanted: quantity,
                    available: int_attr(item, AVAILABLE_ATTRIBUTE).unwrap_or(0),
                },
            });
        }
        Err(other_cancellation(&self.table, reasons))
    }

    async fn release(&self, order_id: &str, sku: &str) -> Result<i64, StockError> {
        // The quantity to give back is in the reservation; a transaction cannot read, so
        // read it first and make the write conditional on it being unchanged. A lost race
        // means another reserve or release landed in between: read again.
        for _ in 0..RELEASE_ATTEMPTS {
            match self.reservation(order_id, sku).await? {
                Reservation::Released => return Ok(0),
                Reservation::Absent => {
                    if self.put_marker(order_id, sku).await? {
                        return Ok(0);
                    }
                }
                Reservation::Held(quantity) => {
                    if self.give_back(order_id, sku, quantity).await? {
                        return Ok(quantity);
                    }
                }
            }
        }
        Err(StockError::Port(PortError::Transient(format!(
            "release {sku} for order {order_id}: the reservation kept changing; try again"
        ))))
    }
}
