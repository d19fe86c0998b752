//! The embedded stores seen as DynamoDB tables: each store's items in the layout the
//! DynamoDB adapters of `orderly-aws` write (DynamoDB JSON, `{"S": "…"}`), and written back
//! from that layout under the store's own lock. The local cloud serves its DynamoDB API
//! on this, so `aws dynamodb scan` shows what the app wrote, as it would on AWS.
//!
//! Each table here is keyed by one string partition key, as every table of the template
//! is. A store keeps only what its layout holds: a write with any other attribute is
//! refused with [`LayoutError::Unfit`], naming the attribute.

use super::payments::{Entry, SimulatedPayments};
use super::stores::{
    ApprovalItem, MemoryApprovalTokens, MemoryAuditLog, MemoryOrders, MemoryShipments, MemoryStock,
    StockTables, StoredAudit, lock,
};
use super::table::{TableError, pair_key, pair_of};
use crate::domain::approval::ApprovalDecision;
use crate::domain::payment::Authorization;
use crate::domain::{Currency, Money};
use crate::idempotency::{IdempotencyRecord, InMemoryIdempotencyStore, RecordStatus, attr};
use crate::ports::{AuditEntry, OUTBOX_ATTRIBUTE};
use serde_json::{Map, Value, json};

/// An item in DynamoDB JSON: attribute name → `{"S": …}`, `{"N": …}`, ….
pub type JsonItem = Map<String, Value>;

/// Why a layout write did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The store's table failed.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The item is not one this store can keep.
    #[error("{0}")]
    Unfit(String),
    /// The caller's decision refused the write (it keeps its own reason).
    #[error("the write was declined")]
    Declined,
}

/// What a write makes of the item under its key: the item to store, or `None` to delete.
pub type Decide<'a> = dyn FnMut(Option<&JsonItem>) -> Result<Option<JsonItem>, LayoutError> + 'a;

/// Told of every change a store's writes make, in the table's layout: the item before
/// and after the write (`None` where there was or is none). Called under the item's
/// lock, so one item's changes arrive in the order they happened.
pub trait ChangeWatcher: Send + Sync {
    /// One write changed one item.
    fn changed(&self, before: Option<&JsonItem>, after: Option<&JsonItem>);
}

/// A store seen as a DynamoDB table keyed by one string attribute.
pub trait DynamoLayout: Send + Sync {
    /// The partition key's attribute name.
    fn key_attribute(&self) -> &'static str;
    /// Every item.
    fn scan(&self) -> Result<Vec<JsonItem>, TableError>;
    /// The item under `key`.
    fn get(&self, key: &str) -> Result<Option<JsonItem>, TableError>;
    /// Reads the item under `key` and stores what `decide` makes of it, under the store's
    /// lock: no write of the app lands in between. Answers the item as it was.
    fn write(&self, key: &str, decide: &mut Decide<'_>) -> Result<Option<JsonItem>, LayoutError>;
    /// Tells `watcher` of every change from now on, whoever writes (the app through its
    /// ports, or the table's API). `false` for a store that keeps no change feed; a
    /// store takes one watcher.
    fn watch(&self, _watcher: std::sync::Arc<dyn ChangeWatcher>) -> bool {
        false
    }
}

fn s(text: &str) -> Value {
    json!({"S": text})
}

fn n(number: i64) -> Value {
    json!({"N": number.to_string()})
}

/// A JSON document as an attribute value (objects as maps, arrays as lists).
pub fn json_to_attribute(value: &Value) -> Value {
    match value {
        Value::Null => json!({"NULL": true}),
        Value::Bool(b) => json!({"BOOL": b}),
        Value::Number(x) => json!({"N": x.to_string()}),
        Value::String(text) => s(text),
        Value::Array(items) => {
            json!({"L": items.iter().map(json_to_attribute).collect::<Vec<_>>()})
        }
        Value::Object(map) => {
            json!({"M": map.iter().map(|(k, v)| (k.clone(), json_to_attribute(v))).collect::<Map<_, _>>()})
        }
    }
}

/// An attribute value as a JSON document; sets and binary have no JSON form here.
pub fn attribute_to_json(name: &str, value: &Value) -> Result<Value, LayoutError> {
    let (kind, body) = value
        .as_object()
        .and_then(|m| m.iter().next())
        .ok_or_else(|| LayoutError::Unfit(format!("attribute {name} is not an attribute value")))?;
    Ok(match (kind.as_str(), body) {
        ("NULL", _) => Value::Null,
        ("BOOL", Value::Bool(b)) => Value::Bool(*b),
        ("S", Value::String(text)) => Value::String(text.clone()),
        ("N", Value::String(text)) => exact_number(text).ok_or_else(|| {
            LayoutError::Unfit(format!(
                "attribute {name}: the number {text} has more digits than the table's JSON \
                 documents keep exactly"
            ))
        })?,
        ("L", Value::Array(items)) => Value::Array(
            items
                .iter()
                .map(|v| attribute_to_json(name, v))
                .collect::<Result<_, _>>()?,
        ),
        ("M", Value::Object(map)) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), attribute_to_json(k, v)?)))
                .collect::<Result<_, LayoutError>>()?,
        ),
        (kind, _) => {
            return Err(LayoutError::Unfit(format!(
                "attribute {name} is of type {kind}, which this table does not keep"
            )));
        }
    })
}

/// A number's text as a JSON number, when the JSON number is exactly that number: a whole
/// number within 64 bits, or a float whose shortest form is the text (DynamoDB's numbers
/// carry 38 digits; a JSON document here holds what an `f64` holds).
fn exact_number(text: &str) -> Option<Value> {
    if let Ok(whole) = text.parse::<i64>() {
        return Some(Value::from(whole));
    }
    let float = text.parse::<f64>().ok().filter(|f| f.is_finite())?;
    (format!("{float}") == text)
        .then(|| serde_json::Number::from_f64(float).map(Value::Number))
        .flatten()
}

/// The reading of a written item, attribute by attribute, refusing what it does not know.
struct Fields<'a> {
    item: &'a JsonItem,
    table: &'static str,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn of(item: &'a JsonItem, table: &'static str) -> Self {
        Self {
            item,
            table,
            known: Vec::new(),
        }
    }

    fn unfit(&self, message: impl std::fmt::Display) -> LayoutError {
        LayoutError::Unfit(format!("the {} table {message}", self.table))
    }

    fn typed(&mut self, name: &'static str, kind: &str) -> Result<Option<&'a Value>, LayoutError> {
        self.known.push(name);
        let Some(value) = self.item.get(name) else {
            return Ok(None);
        };
        value
            .get(kind)
            .map(Some)
            .ok_or_else(|| self.unfit(format!("keeps {name} as type {kind}")))
    }

    fn string(&mut self, name: &'static str) -> Result<Option<String>, LayoutError> {
        Ok(self
            .typed(name, "S")?
            .and_then(Value::as_str)
            .map(str::to_owned))
    }

    fn required_string(&mut self, name: &'static str) -> Result<String, LayoutError> {
        self.string(name)?
            .ok_or_else(|| self.unfit(format!("needs {name} (S)")))
    }

    fn whole(&mut self, name: &'static str) -> Result<Option<i64>, LayoutError> {
        match self.typed(name, "N")?.and_then(Value::as_str) {
            None => Ok(None),
            Some(text) => text
                .parse::<i64>()
                .map(Some)
                .map_err(|_| self.unfit(format!("keeps {name} as a whole number"))),
        }
    }

    fn boolean(&mut self, name: &'static str) -> Result<Option<bool>, LayoutError> {
        Ok(self.typed(name, "BOOL")?.and_then(Value::as_bool))
    }

    /// Refuses any attribute not read.
    fn done(self) -> Result<(), LayoutError> {
        match self.item.keys().find(|k| !self.known.contains(&k.as_str())) {
            Some(other) => Err(self.unfit(format!(
                "keeps {}; it cannot keep attribute {other}",
                self.known.join(", ")
            ))),
            None => Ok(()),
        }
    }
}

/// Checks that a written item carries `key` under its key attribute.
fn check_key(item: &JsonItem, attribute: &str, key: &str) -> Result<(), LayoutError> {
    if item
        .get(attribute)
        .and_then(|v| v.get("S"))
        .and_then(Value::as_str)
        == Some(key)
    {
        Ok(())
    } else {
        Err(LayoutError::Unfit(format!(
            "the item's {attribute} must be the key it is written under"
        )))
    }
}

/// The orders table: the order's JSON fields and `status`.
pub const ORDERS_KEY: &str = "orderId";
/// The inventory table: stock by SKU, and reservations under `RES#<orderId>#<sku>`.
pub const INVENTORY_KEY: &str = "sku";
/// The prefix of a reservation's key in the inventory table.
pub const RESERVATION_PREFIX: &str = "RES#";

/// The inventory key of the reservation of `sku` by `order_id`.
pub fn reservation_key(order_id: &str, sku: &str) -> String {
    format!("{RESERVATION_PREFIX}{order_id}#{sku}")
}

impl MemoryOrders {
    /// Tells the watcher, if any, that the order under `key` went from `before` (as the
    /// layout has it) to `after` (as the store keeps it).
    pub(crate) fn changed(&self, key: &str, before: Option<&JsonItem>, after: Option<&Value>) {
        if let Some(watcher) = self.watcher.get() {
            let after = after.map(|stored| order_item(key, stored));
            watcher.changed(before, after.as_ref());
        }
    }

    /// The order under `key` as the layout has it.
    pub(crate) fn layout_item(key: &str, stored: &Value) -> JsonItem {
        order_item(key, stored)
    }
}

fn order_item(key: &str, stored: &Value) -> JsonItem {
    let mut item = JsonItem::new();
    if let Some(Value::Object(order)) = stored.get("order") {
        for (name, value) in order {
            item.insert(name.clone(), json_to_attribute(value));
        }
    }
    item.insert(ORDERS_KEY.into(), s(key));
    if let Some(status) = stored.get("status").and_then(Value::as_str) {
        item.insert("status".into(), s(status));
    }
    if let Some(outbox) = stored.get(OUTBOX_ATTRIBUTE) {
        item.insert(OUTBOX_ATTRIBUTE.into(), json_to_attribute(outbox));
    }
    item
}

fn stored_order(key: &str, item: &JsonItem) -> Result<Value, LayoutError> {
    check_key(item, ORDERS_KEY, key)?;
    let mut order = Map::new();
    let mut stored = json!({"orderId": key});
    for (name, value) in item {
        if name == "status" {
            let status = value.get("S").and_then(Value::as_str).ok_or_else(|| {
                LayoutError::Unfit("the orders table keeps status as type S".into())
            })?;
            stored["status"] = status.into();
        } else if name == OUTBOX_ATTRIBUTE {
            stored[OUTBOX_ATTRIBUTE] = attribute_to_json(name, value)?;
        } else {
            order.insert(name.clone(), attribute_to_json(name, value)?);
        }
    }
    if order.len() > 1 {
        stored["order"] = Value::Object(order);
    }
    Ok(stored)
}

impl DynamoLayout for MemoryOrders {
    fn key_attribute(&self) -> &'static str {
        ORDERS_KEY
    }

    fn scan(&self) -> Result<Vec<JsonItem>, TableError> {
        Ok(self
            .items
            .all()?
            .iter()
            .map(|(key, stored)| order_item(key, stored))
            .collect())
    }

    fn get(&self, key: &str) -> Result<Option<JsonItem>, TableError> {
        Ok(self.items.get(key)?.map(|stored| order_item(key, &stored)))
    }

    fn write(&self, key: &str, decide: &mut Decide<'_>) -> Result<Option<JsonItem>, LayoutError> {
        let _order = self.keys.lock(key);
        let old = DynamoLayout::get(self, key)?;
        let new = match decide(old.as_ref())? {
            Some(item) => {
                let stored = stored_order(key, &item)?;
                self.items.put(key, &stored)?;
                Some(stored)
            }
            None => {
                self.items.delete(key)?;
                None
            }
        };
        self.changed(key, old.as_ref(), new.as_ref());
        Ok(old)
    }

    fn watch(&self, watcher: std::sync::Arc<dyn ChangeWatcher>) -> bool {
        self.watcher.set(watcher).is_ok()
    }
}

fn reservation_item(order_id: &str, sku: &str, quantity: Option<i64>) -> JsonItem {
    let mut item = JsonItem::new();
    item.insert(INVENTORY_KEY.into(), s(&reservation_key(order_id, sku)));
    item.insert("orderId".into(), s(order_id));
    item.insert("reservedSku".into(), s(sku));
    match quantity {
        Some(q) => item.insert("quantity".into(), n(q)),
        None => item.insert("released".into(), json!({"BOOL": true})),
    };
    item
}

/// The reservation stored under the inventory key `key`, as (order, sku, quantity).
fn reservation_in(
    state: &StockTables,
    key: &str,
) -> Result<Option<(String, String, Option<i64>)>, TableError> {
    if !key.starts_with(RESERVATION_PREFIX) {
        return Ok(None);
    }
    Ok(state
        .reservations
        .all()?
        .into_iter()
        .filter_map(|(k, q)| pair_of(&k).map(|(o, s)| (o, s, q)))
        .find(|(o, s, _)| reservation_key(o, s) == key))
}

fn stock_item(sku: &str, available: i64) -> JsonItem {
    JsonItem::from_iter([
        (INVENTORY_KEY.to_owned(), s(sku)),
        ("available".to_owned(), n(available)),
    ])
}

/// The inventory item under `key`: a reservation, or a SKU's stock.
fn inventory_item(state: &StockTables, key: &str) -> Result<Option<JsonItem>, TableError> {
    if key.starts_with(RESERVATION_PREFIX) {
        return Ok(reservation_in(state, key)?
            .map(|(order_id, sku, quantity)| reservation_item(&order_id, &sku, quantity)));
    }
    Ok(state
        .available
        .get(key)?
        .map(|available| stock_item(key, available)))
}

impl DynamoLayout for MemoryStock {
    fn key_attribute(&self) -> &'static str {
        INVENTORY_KEY
    }

    fn scan(&self) -> Result<Vec<JsonItem>, TableError> {
        let state = lock(&self.state);
        let mut items: Vec<JsonItem> = state
            .available
            .all()?
            .into_iter()
            .map(|(sku, available)| stock_item(&sku, available))
            .collect();
        for (key, quantity) in state.reservations.all()? {
            if let Some((order_id, sku)) = pair_of(&key) {
                items.push(reservation_item(&order_id, &sku, quantity));
            }
        }
        Ok(items)
    }

    fn get(&self, key: &str) -> Result<Option<JsonItem>, TableError> {
        inventory_item(&lock(&self.state), key)
    }

    fn write(&self, key: &str, decide: &mut Decide<'_>) -> Result<Option<JsonItem>, LayoutError> {
        let state = lock(&self.state);
        let existing = reservation_in(&state, key)?;
        let old = inventory_item(&state, key)?;
        let next = decide(old.as_ref())?;
        match next {
            None => match &existing {
                Some((order_id, sku, _)) => {
                    state.reservations.delete(&pair_key(order_id, sku))?;
                }
                None => {
                    state.available.delete(key)?;
                }
            },
            Some(item) if key.starts_with(RESERVATION_PREFIX) => {
                check_key(&item, INVENTORY_KEY, key)?;
                let mut fields = Fields::of(&item, "inventory");
                fields.string(INVENTORY_KEY)?;
                let order_id = fields.required_string("orderId")?;
                let sku = fields.required_string("reservedSku")?;
                let quantity = fields.whole("quantity")?;
                let released = fields.boolean("released")?.unwrap_or(false);
                fields.done()?;
                if reservation_key(&order_id, &sku) != key {
                    return Err(LayoutError::Unfit(format!(
                        "a reservation's key is {RESERVATION_PREFIX}<orderId>#<reservedSku>, \
                         here {}",
                        reservation_key(&order_id, &sku)
                    )));
                }
                if quantity.is_none() && !released {
                    return Err(LayoutError::Unfit(
                        "a reservation holds a quantity (N) or is released (BOOL true)".into(),
                    ));
                }
                state
                    .reservations
                    .put(&pair_key(&order_id, &sku), &quantity)?;
            }
            Some(item) => {
                check_key(&item, INVENTORY_KEY, key)?;
                let mut fields = Fields::of(&item, "inventory");
                fields.string(INVENTORY_KEY)?;
                let available = fields.whole("available")?;
                fields.done()?;
                let available = available.ok_or_else(|| {
                    LayoutError::Unfit(
                        "the inventory table's stock items need available (N)".into(),
                    )
                })?;
                state.available.put(key, &available)?;
            }
        }
        Ok(old)
    }
}

/// The approvals table: the task token waiting, the decision once made, and the TTL
/// (`expiresAt`), kept as the item's expiry.
pub const APPROVALS_KEY: &str = "orderId";

fn approval_item(key: &str, stored: &ApprovalItem, expiry: Option<i64>) -> JsonItem {
    let mut item = JsonItem::from_iter([(APPROVALS_KEY.to_owned(), s(key))]);
    if let Some(expiry) = expiry {
        item.insert("expiresAt".into(), n(expiry));
    }
    if let Some(token) = &stored.token {
        item.insert("taskToken".into(), s(token));
    }
    if let Some(decision) = &stored.decision {
        item.insert("approved".into(), json!({"BOOL": decision.approved}));
        item.insert("decidedBy".into(), s(&decision.decided_by));
        if let Some(comment) = &decision.comment {
            item.insert("comment".into(), s(comment));
        }
    }
    item
}

impl DynamoLayout for MemoryApprovalTokens {
    fn key_attribute(&self) -> &'static str {
        APPROVALS_KEY
    }

    fn scan(&self) -> Result<Vec<JsonItem>, TableError> {
        let items = lock(&self.items);
        items
            .all()?
            .iter()
            .map(|(key, stored)| Ok(approval_item(key, stored, items.expiry(key)?)))
            .collect()
    }

    fn get(&self, key: &str) -> Result<Option<JsonItem>, TableError> {
        let items = lock(&self.items);
        let Some(stored) = items.get(key)? else {
            return Ok(None);
        };
        Ok(Some(approval_item(key, &stored, items.expiry(key)?)))
    }

    fn write(&self, key: &str, decide: &mut Decide<'_>) -> Result<Option<JsonItem>, LayoutError> {
        let items = lock(&self.items);
        let old = match items.get(key)? {
            Some(stored) => Some(approval_item(key, &stored, items.expiry(key)?)),
            None => None,
        };
        match decide(old.as_ref())? {
            None => {
                items.delete(key)?;
            }
            Some(item) => {
                check_key(&item, APPROVALS_KEY, key)?;
                let mut fields = Fields::of(&item, "approvals");
                fields.string(APPROVALS_KEY)?;
                let token = fields.string("taskToken")?;
                let approved = fields.boolean("approved")?;
                let decided_by = fields.string("decidedBy")?;
                let comment = fields.string("comment")?;
                let expires = fields.whole("expiresAt")?;
                fields.done()?;
                if approved.is_none() && (decided_by.is_some() || comment.is_some()) {
                    return Err(LayoutError::Unfit(
                        "the approvals table keeps decidedBy and comment with a decision: \
                         approved (BOOL)"
                            .into(),
                    ));
                }
                let decision = approved.map(|approved| ApprovalDecision {
                    approved,
                    decided_by: decided_by.unwrap_or_default(),
                    comment,
                });
                items.put_expiring(key, &ApprovalItem { token, decision }, expires)?;
            }
        }
        Ok(old)
    }
}

/// The audit table: one entry per bus event id. An event without a correlation id has no
/// `correlationId`, so it stays out of the `byCorrelation` index (DynamoDB refuses an
/// empty string as an index key).
pub const AUDIT_KEY: &str = "eventId";

fn audit_item(entry: &AuditEntry) -> JsonItem {
    let mut item = JsonItem::new();
    item.insert(AUDIT_KEY.into(), s(&entry.event_id));
    if !entry.correlation_id.is_empty() {
        item.insert("correlationId".into(), s(&entry.correlation_id));
    }
    item.insert("source".into(), s(&entry.source));
    item.insert("detailType".into(), s(&entry.detail_type));
    item.insert("time".into(), s(&entry.time));
    item.insert("orderId".into(), s(&entry.order_id));
    item.insert("facts".into(), s(&entry.facts.to_string()));
    item.insert("expiresAt".into(), n(entry.expires_at_epoch_s));
    item
}

impl DynamoLayout for MemoryAuditLog {
    fn key_attribute(&self) -> &'static str {
        AUDIT_KEY
    }

    fn scan(&self) -> Result<Vec<JsonItem>, TableError> {
        Ok(lock(&self.entries)
            .all()?
            .iter()
            .map(|(_, stored)| audit_item(&stored.entry))
            .collect())
    }

    fn get(&self, key: &str) -> Result<Option<JsonItem>, TableError> {
        Ok(lock(&self.entries)
            .get(key)?
            .map(|stored| audit_item(&stored.entry)))
    }

    fn write(&self, key: &str, decide: &mut Decide<'_>) -> Result<Option<JsonItem>, LayoutError> {
        let entries = lock(&self.entries);
        let stored = entries.get(key)?;
        let old = stored.as_ref().map(|s| audit_item(&s.entry));
        match decide(old.as_ref())? {
            None => {
                entries.delete(key)?;
            }
            Some(item) => {
                check_key(&item, AUDIT_KEY, key)?;
                let mut fields = Fields::of(&item, "audit");
                fields.string(AUDIT_KEY)?;
                let correlation_id = fields.string("correlationId")?.unwrap_or_default();
                let source = fields.required_string("source")?;
                let detail_type = fields.required_string("detailType")?;
                let time = fields.required_string("time")?;
                let order_id = fields.string("orderId")?.unwrap_or_default();
                let facts = fields.string("facts")?.unwrap_or_else(|| "{}".into());
                let expires = fields.whole("expiresAt")?;
                fields.done()?;
                let facts: Value = serde_json::from_str(&facts).map_err(|_| {
                    LayoutError::Unfit("the audit table keeps facts as JSON text".into())
                })?;
                let expires_at_epoch_s = expires.ok_or_else(|| {
                    LayoutError::Unfit("the audit table needs expiresAt (N)".into())
                })?;
                let arrival = stored.map_or_else(|| entries.len(), |s| s.arrival);
                let entry = AuditEntry {
                    event_id: key.to_owned(),
                    correlation_id,
                    source,
                    detail_type,
                    time,
                    order_id,
                    facts,
                    expires_at_epoch_s,
                };
                entries.put_expiring(
                    key,
                    &StoredAudit { arrival, entry },
                    Some(expires_at_epoch_s),
                )?;
            }
        }
        Ok(old)
    }
}

/// The shipments table: the shipment of each order.
pub const SHIPMENTS_KEY: &str = "orderId";

fn shipment_item(key: &str, shipment_id: &str) -> JsonItem {
    JsonItem::from_iter([
        (SHIPMENTS_KEY.to_owned(), s(key)),
        ("shipmentId".to_owned(), s(shipment_id)),
    ])
}

impl DynamoLayout for MemoryShipments {
    fn key_attribute(&self) -> &'static str {
        SHIPMENTS_KEY
    }

    fn scan(&self) -> Result<Vec<JsonItem>, TableError> {
        Ok(lock(&self.shipments)
            .all()?
            .iter()
            .map(|(key, id)| shipment_item(key, id))
            .collect())
    }

    fn get(&self, key: &str) -> Result<Option<JsonItem>, TableError> {
        Ok(lock(&self.shipments)
            .get(key)?
            .map(|id| shipment_item(key, &id)))
    }

    fn write(&self, key: &str, decide: &mut Decide<'_>) -> Result<Option<JsonItem>, LayoutError> {
        let shipments = lock(&self.shipments);
        let old = shipments.get(key)?.map(|id| shipment_item(key, &id));
        match decide(old.as_ref())? {
            None => {
                shipments.delete(key)?;
            }
            Some(item) => {
                check_key(&item, SHIPMENTS_KEY, key)?;
                let mut fields = Fields::of(&item, "shipments");
                fields.string(SHIPMENTS_KEY)?;
                let shipment_id = fields.required_string("shipmentId")?;
                fields.done()?;
                shipments.put(key, &shipment_id)?;
            }
        }
        Ok(old)
    }
}

/// The payments table: the provider's hold on each order, or its void marker.
pub const PAYMENTS_KEY: &str = "orderId";

/// The item of a ledger entry; none for an order the provider never held nor voided.
fn payment_item(key: &str, entry: &Entry) -> Option<JsonItem> {
    let mut item = JsonItem::from_iter([(PAYMENTS_KEY.to_owned(), s(key))]);
    match (&entry.hold, entry.voided) {
        (_, true) => {
            item.insert("status".into(), s("VOIDED"));
        }
        (Some(hold), false) => {
            item.insert("status".into(), s("HELD"));
            item.insert("authorizationId".into(), s(&hold.authorization_id));
            item.insert("amount".into(), n(hold.amount.amount));
            item.insert("currency".into(), s(hold.amount.currency.as_str()));
        }
        (None, false) => return None,
    }
    Some(item)
}

impl DynamoLayout for SimulatedPayments {
    fn key_attribute(&self) -> &'static str {
        PAYMENTS_KEY
    }

    fn scan(&self) -> Result<Vec<JsonItem>, TableError> {
        Ok(lock(&self.ledger)
            .all()?
            .iter()
            .filter_map(|(key, entry)| payment_item(key, entry))
            .collect())
    }

    fn get(&self, key: &str) -> Result<Option<JsonItem>, TableError> {
        Ok(lock(&self.ledger)
            .get(key)?
            .and_then(|e| payment_item(key, &e)))
    }

    fn write(&self, key: &str, decide: &mut Decide<'_>) -> Result<Option<JsonItem>, LayoutError> {
        let ledger = lock(&self.ledger);
        let mut entry = ledger.get(key)?.unwrap_or_default();
        let old = payment_item(key, &entry);
        match decide(old.as_ref())? {
            None => {
                ledger.delete(key)?;
            }
            Some(item) => {
                check_key(&item, PAYMENTS_KEY, key)?;
                let mut fields = Fields::of(&item, "payments");
                fields.string(PAYMENTS_KEY)?;
                let status = fields.required_string("status")?;
                let authorization_id = fields.string("authorizationId")?;
                let amount = fields.whole("amount")?;
                let currency = fields.string("currency")?;
                fields.done()?;
                match status.as_str() {
                    "VOIDED" => {
                        entry.voided = true;
                        entry.hold = None;
                    }
                    "HELD" => {
                        let (Some(authorization_id), Some(amount), Some(currency)) =
                            (authorization_id, amount, currency)
                        else {
                            return Err(LayoutError::Unfit(
                                "a HELD payment needs authorizationId (S), amount (N) and \
                                 currency (S)"
                                    .into(),
                            ));
                        };
                        let currency = Currency::try_from(currency)
                            .map_err(|e| LayoutError::Unfit(e.to_string()))?;
                        entry.voided = false;
                        entry.hold = Some(Authorization {
                            authorization_id,
                            amount: Money::new(amount, currency),
                        });
                    }
                    other => {
                        return Err(LayoutError::Unfit(format!(
                            "the payments table keeps status HELD or VOIDED, not {other}"
                        )));
                    }
                }
                ledger.put(key, &entry)?;
            }
        }
        Ok(old)
    }
}

fn record_item(record: &IdempotencyRecord) -> JsonItem {
    let mut item = JsonItem::new();
    item.insert(attr::ID.into(), s(&record.key));
    item.insert(attr::STATUS.into(), s(record.status.as_str()));
    item.insert(attr::EXPIRATION.into(), n(record.expiration_s));
    if let Some(lease) = record.in_progress_expiration_ms {
        item.insert(attr::IN_PROGRESS_EXPIRATION.into(), n(lease));
    }
    item.insert(attr::OWNER.into(), s(&record.owner));
    if let Some(response) = &record.response {
        item.insert(attr::DATA.into(), s(response));
    }
    if let Some(hash) = &record.payload_hash {
        item.insert(attr::VALIDATION.into(), s(hash));
    }
    item
}

impl DynamoLayout for InMemoryIdempotencyStore {
    fn key_attribute(&self) -> &'static str {
        attr::ID
    }

    fn scan(&self) -> Result<Vec<JsonItem>, TableError> {
        Ok(self
            .records
            .all()?
            .iter()
            .map(|(_, r)| record_item(r))
            .collect())
    }

    fn get(&self, key: &str) -> Result<Option<JsonItem>, TableError> {
        Ok(self.records.get(key)?.as_ref().map(record_item))
    }

    fn write(&self, key: &str, decide: &mut Decide<'_>) -> Result<Option<JsonItem>, LayoutError> {
        let _key = self.keys.lock(key);
        let old = self.records.get(key)?.as_ref().map(record_item);
        match decide(old.as_ref())? {
            None => {
                self.records.delete(key)?;
            }
            Some(item) => {
                check_key(&item, attr::ID, key)?;
                let mut fields = Fields::of(&item, "idempotency");
                fields.string(attr::ID)?;
                let status = fields.required_string(attr::STATUS)?;
                let expiration_s = fields.whole(attr::EXPIRATION)?;
                let lease = fields.whole(attr::IN_PROGRESS_EXPIRATION)?;
                let owner = fields.string(attr::OWNER)?.unwrap_or_default();
                let response = fields.string(attr::DATA)?;
                let payload_hash = fields.string(attr::VALIDATION)?;
                fields.done()?;
                let status = RecordStatus::parse(&status).ok_or_else(|| {
                    LayoutError::Unfit(format!(
                        "the idempotency table keeps status INPROGRESS or COMPLETED, not {status}"
                    ))
                })?;
                let expiration_s = expiration_s.ok_or_else(|| {
                    LayoutError::Unfit("the idempotency table needs expiration (N)".into())
                })?;
                let record = IdempotencyRecord {
                    key: key.to_owned(),
                    status,
                    expiration_s,
                    in_progress_expiration_ms: lease,
                    owner,
                    response,
                    payload_hash,
                };
                self.records
                    .put_expiring(key, &record, Some(expiration_s))?;
            }
        }
        Ok(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{OrderRecord, OrderWriter, StockReservations};

    fn item(value: Value) -> JsonItem {
        value.as_object().cloned().unwrap_or_default()
    }

    #[tokio::test]
    async fn an_order_reads_as_its_fields_and_status_and_writes_back() {
        let orders = MemoryOrders::default();
        let order: crate::domain::Order = serde_json::from_value(json!({
            "orderId": "o-1",
            "customer": {"customerId": "c-1", "email": "c@example.com", "name": "C"},
            "lines": [{"sku": "SKU-1", "quantity": 2, "unitPrice": 1250}],
            "total": {"amount": 2500, "currency": "EUR"},
            "paymentToken": "tok-ok",
            "shippingAddress": {"line1": "1 Road", "city": "Town", "postcode": "1000", "country": "BE"},
            "placedAt": "2026-11-26T12:00:00Z"
        }))
        .unwrap();
        orders
            .insert_order(OrderRecord::from(&order), "PLACED")
            .await
            .unwrap();
        let read = DynamoLayout::get(&orders, "o-1").unwrap().unwrap();
        assert_eq!(read["status"], s("PLACED"));
        assert_eq!(read["total"]["M"]["amount"], json!({"N": "2500"}));
        let mut changed = read.clone();
        changed.insert("status".into(), s("CONFIRMED"));
        let old = orders
            .write("o-1", &mut |_| Ok(Some(changed.clone())))
            .unwrap();
        assert_eq!(old, Some(read));
        assert_eq!(DynamoLayout::get(&orders, "o-1").unwrap(), Some(changed));
        assert_eq!(orders.get("o-1").unwrap().unwrap()["status"], "CONFIRMED");
    }

    #[tokio::test]
    async fn stock_and_reservations_share_the_inventory_table() {
        let stock = MemoryStock::with_stock([("SKU-1", 5)]);
        stock.reserve("o#1", "SKU-1", 2).await.unwrap();
        let mut keys: Vec<String> = stock
            .scan()
            .unwrap()
            .iter()
            .map(|i| i["sku"]["S"].as_str().unwrap().to_owned())
            .collect();
        keys.sort();
        assert_eq!(keys, ["RES#o#1#SKU-1", "SKU-1"]);
        let reservation = DynamoLayout::get(&stock, "RES#o#1#SKU-1").unwrap().unwrap();
        assert_eq!(reservation["quantity"], json!({"N": "2"}));
        stock
            .write("SKU-2", &mut |_| {
                Ok(Some(item(
                    json!({"sku": {"S": "SKU-2"}, "available": {"N": "7"}}),
                )))
            })
            .unwrap();
        assert_eq!(stock.available("SKU-2").unwrap(), Some(7));
        let refused = stock.write("SKU-3", &mut |_| {
            Ok(Some(item(
                json!({"sku": {"S": "SKU-3"}, "available": {"N": "1"}, "colour": {"S": "red"}}),
            )))
        });
        assert!(
            matches!(&refused, Err(LayoutError::Unfit(m)) if m.contains("cannot keep attribute colour")),
            "{refused:?}"
        );
        assert_eq!(
            stock.available("SKU-3").unwrap(),
            None,
            "nothing was written"
        );
    }

    #[tokio::test]
    async fn an_approval_keeps_its_expiry_through_a_read_modify_write() {
        use crate::ports::ApprovalTokens;
        let approvals = MemoryApprovalTokens::default();
        approvals.save("o-1", "tok", 1_000).await.unwrap();
        let mut read = DynamoLayout::get(&approvals, "o-1").unwrap().unwrap();
        assert_eq!(read["expiresAt"], n(1_000));
        read.insert("taskToken".into(), s("tok-2"));
        approvals
            .write("o-1", &mut |_| Ok(Some(read.clone())))
            .unwrap();
        assert_eq!(
            lock(&approvals.items).purge_expired(2_000).unwrap(),
            1,
            "still expires"
        );
        let lone = item(json!({"orderId": {"S": "o-2"}, "comment": {"S": "no"}}));
        assert!(matches!(
            approvals.write("o-2", &mut |_| Ok(Some(lone.clone()))),
            Err(LayoutError::Unfit(m)) if m.contains("approved")
        ));
    }

    #[test]
    fn numbers_a_json_document_cannot_hold_exactly_are_refused() {
        assert_eq!(exact_number("2500"), Some(json!(2500)));
        assert_eq!(exact_number("0.3"), Some(json!(0.3)));
        assert_eq!(exact_number("0.0000001"), Some(json!(0.0000001)));
        assert_eq!(exact_number("12345678901234567890123"), None);
        assert_eq!(exact_number("0.30000000000000000001"), None);
    }

    #[test]
    fn a_declined_write_changes_nothing() {
        let shipments = MemoryShipments::default();
        let result = shipments.write("o-1", &mut |_| Err(LayoutError::Declined));
        assert_eq!(result, Err(LayoutError::Declined));
        assert!(shipments.is_empty());
    }
}
