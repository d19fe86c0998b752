//! In-memory implementations of the ports in [`crate::ports`].

use super::key_locks::KeyLocks;
use super::table::{Items, TableError, TableSpace, pair_key, pair_of};
use crate::contracts::OutboundEvent;
use crate::domain::approval::ApprovalDecision;
use crate::ports::*;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Mutex;

/// Locks a store; a poisoned lock only means another thread panicked mid-test, and
/// the data under it is still consistent because every write is a single insert.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Orders by id: `{orderId, status, order}`. Each write reads and writes its order under
/// the order's lock ([`KeyLocks`]): place-order at the front door and the workflows'
/// status updates behind it do not wait for each other.
pub struct MemoryOrders {
    pub(crate) items: Items<Value>,
    pub(crate) keys: KeyLocks,
    /// Told of each change, when the orders table has a stream.
    pub(crate) watcher:
        std::sync::OnceLock<std::sync::Arc<dyn super::dynamo_layout::ChangeWatcher>>,
}

impl Default for MemoryOrders {
    fn default() -> Self {
        Self::on(Items::memory(ORDERS))
    }
}

/// The table names the stores open in a [`TableSpace`].
pub const ORDERS: &str = "orders";
/// Stock levels by SKU.
pub const INVENTORY: &str = "inventory";
/// Reservations by (order, SKU).
pub const RESERVATIONS: &str = "reservations";
/// Approval tokens and decisions by order.
pub const APPROVALS: &str = "approvals";
/// Audit entries by event id.
pub const AUDIT: &str = "audit";
/// Shipments by order.
pub const SHIPMENTS: &str = "shipments";
/// Notifications by message id.
pub const NOTIFICATIONS: &str = "notifications";

impl MemoryOrders {
    /// The store over `items`.
    pub fn on(items: Items<Value>) -> Self {
        Self {
            items,
            keys: KeyLocks::default(),
            watcher: std::sync::OnceLock::new(),
        }
    }
    /// The store in `space`'s orders table.
    pub fn open(space: &dyn TableSpace) -> Result<Self, TableError> {
        Ok(Self::on(Items::open(space, ORDERS)?))
    }
    /// The stored item of the order, `{orderId, status, order}`, if there is one.
    pub fn get(&self, order_id: &str) -> Result<Option<Value>, TableError> {
        self.items.get(order_id)
    }
    /// How many orders are stored.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// What the outbox announces: the OrderCreated of every order stored with an outbox
    /// entry, in no particular order. The orders table's stream and pipe publish exactly
    /// these on AWS.
    pub fn outbox(&self) -> Result<Vec<OutboundEvent>, TableError> {
        let mut events = Vec::new();
        for (_, stored) in self.items.all()? {
            if stored.get(OUTBOX_ATTRIBUTE).is_none() {
                continue;
            }
            let mut item = stored
                .get("order")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(outbox) = stored.get(OUTBOX_ATTRIBUTE) {
                item.insert(OUTBOX_ATTRIBUTE.into(), outbox.clone());
            }
            let announced = crate::outbox::announcement_of_item(item)
                .map_err(|e| TableError::new(ORDERS, e))?;
            events.push(announced.event().map_err(|e| TableError::new(ORDERS, e))?);
        }
        Ok(events)
    }
    /// Whether no order is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl OrderWriter for MemoryOrders {
    async fn insert_order(
        &self,
        order: OrderRecord<'_>,
        status: &str,
    ) -> Result<InsertOutcome, PortError> {
        let json = order
            .to_json()
            .map_err(|e| PortError::Permanent(format!("order {}: {e}", order.order_id())))?;
        let outbox = order
            .outbox()
            .map_err(|e| PortError::Permanent(format!("order {}: {e}", order.order_id())))?;
        let items = &self.items;
        let _order = self.keys.lock(order.order_id());
        if let Some(old) = items.get(order.order_id())? {
            return Ok(InsertOutcome::AlreadyExists(old));
        }
        let mut item = json!({"orderId": order.order_id(), "status": status, "order": json});
        if let Some(outbox) = outbox {
            item[OUTBOX_ATTRIBUTE] = outbox;
        }
        items.put(order.order_id(), &item)?;
        self.changed(order.order_id(), None, Some(&item));
        Ok(InsertOutcome::Inserted)
    }
}

#[async_trait]
impl OrderStatusWriter for MemoryOrders {
    /// Fails permanently for an order that was never stored, as the DynamoDB adapter's
    /// `attribute_exists` condition does, rather than creating a status-only item.
    async fn set_status(&self, order_id: &str, status: &str) -> Result<(), PortError> {
        let items = &self.items;
        let _order = self.keys.lock(order_id);
        let Some(mut item) = items.get(order_id)? else {
            return Err(PortError::Permanent(format!(
                "order {order_id} does not exist"
            )));
        };
        let before = self
            .watcher
            .get()
            .map(|_| MemoryOrders::layout_item(order_id, &item));
        item["status"] = Value::String(status.to_owned());
        items.put(order_id, &item)?;
        self.changed(order_id, before.as_ref(), Some(&item));
        Ok(())
    }
}

#[async_trait]
impl OrderStatusReader for MemoryOrders {
    async fn status(&self, order_id: &str) -> Result<Option<String>, PortError> {
        Ok(self
            .items
            .get(order_id)?
            .and_then(|i| i["status"].as_str().map(str::to_owned)))
    }
}

/// Stock per SKU with one reservation record per (order, sku).
pub struct MemoryStock {
    pub(crate) state: Mutex<StockTables>,
}

pub(crate) struct StockTables {
    /// Units available by SKU.
    pub(crate) available: Items<i64>,
    /// (order id, sku) → quantity taken, or `None` once released. The released marker
    /// stays, so a reserve that arrives after its compensation (a cancelled Parallel
    /// branch whose call was already in flight) takes nothing.
    pub(crate) reservations: Items<Option<i64>>,
}

impl Default for MemoryStock {
    fn default() -> Self {
        Self::on(Items::memory(INVENTORY), Items::memory(RESERVATIONS))
    }
}

impl MemoryStock {
    fn on(available: Items<i64>, reservations: Items<Option<i64>>) -> Self {
        Self {
            state: Mutex::new(StockTables {
                available,
                reservations,
            }),
        }
    }
    /// The store in `space`'s inventory and reservations tables.
    pub fn open(space: &dyn TableSpace) -> Result<Self, TableError> {
        Ok(Self::on(
            Items::open(space, INVENTORY)?,
            Items::open(space, RESERVATIONS)?,
        ))
    }
    /// A stock in memory with these `(sku, quantity)` levels; SKUs not listed are unknown.
    pub fn with_stock<'a>(levels: impl IntoIterator<Item = (&'a str, i64)>) -> Self {
        let stock = Self::default();
        for (sku, qty) in levels {
            // A memory table's put cannot fail.
            let _ = stock.set_available(sku, qty);
        }
        stock
    }
    /// Sets the units available of `sku`, making it known if it was not.
    pub fn set_available(&self, sku: &str, quantity: i64) -> Result<(), TableError> {
        lock(&self.state).available.put(sku, &quantity)
    }
    /// Units of `sku` not reserved; `None` for an unknown SKU.
    pub fn available(&self, sku: &str) -> Result<Option<i64>, TableError> {
        lock(&self.state).available.get(sku)
    }
    /// How many reservation records are held, released markers included.
    pub fn reservation_count(&self) -> usize {
        lock(&self.state).reservations.len()
    }
    /// Units of `sku` held by reservations that stand (not released), all orders together.
    pub fn reserved_total(&self, sku: &str) -> Result<i64, TableError> {
        let all = lock(&self.state).reservations.all()?;
        Ok(all
            .into_iter()
            .filter(|(key, _)| pair_of(key).is_some_and(|(_, s)| s == sku))
            .filter_map(|(_, quantity)| quantity)
            .sum())
    }
    /// What `order_id` holds of `sku`; `None` if it reserved none or has released it.
    pub fn reserved(&self, order_id: &str, sku: &str) -> Result<Option<i64>, TableError> {
        Ok(lock(&self.state)
            .reservations
            .get(&pair_key(order_id, sku))?
            .flatten())
    }
}

#[async_trait]
impl StockReservations for MemoryStock {
    async fn reserve(&self, order_id: &str, sku: &str, quantity: i64) -> Result<(), StockError> {
        let state = lock(&self.state);
        let key = pair_key(order_id, sku);
        if state
            .reservations
            .get(&key)
            .map_err(PortError::from)?
            .is_some()
        {
            return Ok(());
        }
        let available = state
            .available
            .get(sku)
            .map_err(PortError::from)?
            .ok_or_else(|| StockError::UnknownSku(sku.to_owned()))?;
        if available < quantity {
            return Err(StockError::OutOfStock {
                sku: sku.to_owned(),
                wanted: quantity,
                available,
            });
        }
        state
            .available
            .put(sku, &(available - quantity))
            .map_err(PortError::from)?;
        state
            .reservations
            .put(&key, &Some(quantity))
            .map_err(PortError::from)?;
        Ok(())
    }

    async fn release(&self, order_id: &str, sku: &str) -> Result<i64, StockError> {
        let state = lock(&self.state);
        let key = pair_key(order_id, sku);
        let released = state.reservations.get(&key).map_err(PortError::from)?;
        state
            .reservations
            .put(&key, &None)
            .map_err(PortError::from)?;
        let Some(Some(quantity)) = released else {
            return Ok(0);
        };
        let available = state.available.get(sku).map_err(PortError::from)?;
        state
            .available
            .put(sku, &(available.unwrap_or(0) + quantity))
            .map_err(PortError::from)?;
        Ok(quantity)
    }
}

/// The approvals table: per order, the token that waits and the decision once made.
pub struct MemoryApprovalTokens {
    pub(crate) items: Mutex<Items<ApprovalItem>>,
}

#[derive(Default, Serialize, Deserialize)]
pub(crate) struct ApprovalItem {
    pub(crate) token: Option<String>,
    pub(crate) decision: Option<ApprovalDecision>,
}

impl Default for MemoryApprovalTokens {
    fn default() -> Self {
        Self::on(Items::memory(APPROVALS))
    }
}

impl MemoryApprovalTokens {
    fn on(items: Items<ApprovalItem>) -> Self {
        Self {
            items: Mutex::new(items),
        }
    }
    /// The store in `space`'s approvals table.
    pub fn open(space: &dyn TableSpace) -> Result<Self, TableError> {
        Ok(Self::on(Items::open(space, APPROVALS)?))
    }
    /// Whether a task token waits for a decision on the order (saved, not yet taken).
    pub fn waiting(&self, order_id: &str) -> Result<bool, TableError> {
        Ok(lock(&self.items)
            .get(order_id)?
            .is_some_and(|item| item.token.is_some()))
    }
    /// How many orders have an item.
    pub fn len(&self) -> usize {
        lock(&self.items).len()
    }
    /// Whether no order has an item.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl ApprovalTokens for MemoryApprovalTokens {
    async fn save(
        &self,
        order_id: &str,
        task_token: &str,
        expires_at_epoch_s: i64,
    ) -> Result<Option<ApprovalDecision>, PortError> {
        let items = lock(&self.items);
        let mut item = items.get(order_id)?.unwrap_or_default();
        item.token = Some(task_token.to_owned());
        items.put_expiring(order_id, &item, Some(expires_at_epoch_s))?;
        Ok(item.decision)
    }

    async fn decide(
        &self,
        order_id: &str,
        decision: &ApprovalDecision,
        expires_at_epoch_s: i64,
    ) -> Result<Option<String>, PortError> {
        let items = lock(&self.items);
        let mut item = items.get(order_id)?.unwrap_or_default();
        item.decision = Some(decision.clone());
        let token = item.token.take();
        items.put_expiring(order_id, &item, Some(expires_at_epoch_s))?;
        Ok(token)
    }
}

/// Every event published, in order.
#[derive(Default)]
pub struct MemoryPublisher {
    events: Mutex<Vec<OutboundEvent>>,
}

impl MemoryPublisher {
    /// Every event published so far, in publish order.
    pub fn published(&self) -> Vec<OutboundEvent> {
        lock(&self.events).clone()
    }
}

#[async_trait]
impl EventPublisher for MemoryPublisher {
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), PortError> {
        lock(&self.events).extend_from_slice(events);
        Ok(())
    }
}

/// One answer sent to a waiting task.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordedCallback {
    /// `SendTaskSuccess`.
    Success {
        /// The task token answered.
        token: String,
        /// The task's output.
        output: Value,
    },
    /// `SendTaskFailure`.
    Failure {
        /// The task token answered.
        token: String,
        /// The error name the state machine's Catch sees.
        error: String,
        /// The error's cause, in words.
        cause: String,
    },
    /// `SendTaskHeartbeat`.
    Heartbeat {
        /// The task token kept alive.
        token: String,
    },
}

/// Records callbacks; tokens listed as invalid are rejected like a timed-out task.
#[derive(Default)]
pub struct RecordingCallbacks {
    sent: Mutex<Vec<RecordedCallback>>,
    invalid: Mutex<Vec<String>>,
}

impl RecordingCallbacks {
    /// Every callback accepted so far, in order.
    pub fn sent(&self) -> Vec<RecordedCallback> {
        lock(&self.sent).clone()
    }
    /// Makes later callbacks with `token` fail with [`CallbackError::InvalidToken`], as a task
    /// that timed out or was already answered does.
    pub fn invalidate(&self, token: &str) {
        lock(&self.invalid).push(token.to_owned());
    }
    fn check(&self, token: &str) -> Result<(), CallbackError> {
        if lock(&self.invalid).iter().any(|t| t == token) {
            return Err(CallbackError::InvalidToken(token.to_owned()));
        }
        Ok(())
    }
}

#[async_trait]
impl TaskCallbacks for RecordingCallbacks {
    async fn send_success(&self, task_token: &str, output: &Value) -> Result<(), CallbackError> {
        self.check(task_token)?;
        lock(&self.sent).push(RecordedCallback::Success {
            token: task_token.to_owned(),
            output: output.clone(),
        });
        Ok(())
    }
    async fn send_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError> {
        self.check(task_token)?;
        lock(&self.sent).push(RecordedCallback::Failure {
            token: task_token.to_owned(),
            error: error.to_owned(),
            cause: cause.to_owned(),
        });
        Ok(())
    }
    async fn send_heartbeat(&self, task_token: &str) -> Result<(), CallbackError> {
        self.check(task_token)?;
        lock(&self.sent).push(RecordedCallback::Heartbeat {
            token: task_token.to_owned(),
        });
        Ok(())
    }
}

/// Audit entries, unique by event id, each with its arrival number.
pub struct MemoryAuditLog {
    pub(crate) entries: Mutex<Items<StoredAudit>>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredAudit {
    pub(crate) arrival: usize,
    pub(crate) entry: AuditEntry,
}

impl Default for MemoryAuditLog {
    fn default() -> Self {
        Self::on(Items::memory(AUDIT))
    }
}

impl MemoryAuditLog {
    fn on(items: Items<StoredAudit>) -> Self {
        Self {
            entries: Mutex::new(items),
        }
    }
    /// The store in `space`'s audit table.
    pub fn open(space: &dyn TableSpace) -> Result<Self, TableError> {
        Ok(Self::on(Items::open(space, AUDIT)?))
    }
    /// Every entry stored, in arrival order; duplicates appear once.
    pub fn entries(&self) -> Result<Vec<AuditEntry>, TableError> {
        let mut all = lock(&self.entries).all()?;
        all.sort_by_key(|(_, stored)| stored.arrival);
        Ok(all.into_iter().map(|(_, stored)| stored.entry).collect())
    }
    /// How many entries are stored.
    pub fn len(&self) -> usize {
        lock(&self.entries).len()
    }
    /// Whether no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<InsertOutcome, PortError> {
        let entries = lock(&self.entries);
        if let Some(old) = entries.get(&entry.event_id)? {
            return Ok(InsertOutcome::AlreadyExists(old.entry.facts));
        }
        let stored = StoredAudit {
            arrival: entries.len(),
            entry: entry.clone(),
        };
        entries.put_expiring(&entry.event_id, &stored, Some(entry.expires_at_epoch_s))?;
        Ok(InsertOutcome::Inserted)
    }
}

/// Shipments by order id.
pub struct MemoryShipments {
    pub(crate) shipments: Mutex<Items<String>>,
}

impl Default for MemoryShipments {
    fn default() -> Self {
        Self::on(Items::memory(SHIPMENTS))
    }
}

impl MemoryShipments {
    fn on(items: Items<String>) -> Self {
        Self {
            shipments: Mutex::new(items),
        }
    }
    /// The store in `space`'s shipments table.
    pub fn open(space: &dyn TableSpace) -> Result<Self, TableError> {
        Ok(Self::on(Items::open(space, SHIPMENTS)?))
    }
    /// The shipment id of the order, if one was created.
    pub fn shipment_for(&self, order_id: &str) -> Result<Option<String>, TableError> {
        lock(&self.shipments).get(order_id)
    }
    /// How many shipments exist.
    pub fn len(&self) -> usize {
        lock(&self.shipments).len()
    }
    /// Whether no shipment exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl ShipmentWriter for MemoryShipments {
    async fn create_shipment(
        &self,
        order_id: &str,
        shipment_id: &str,
    ) -> Result<InsertOutcome, PortError> {
        let shipments = lock(&self.shipments);
        if let Some(old) = shipments.get(order_id)? {
            return Ok(InsertOutcome::AlreadyExists(
                json!({"orderId": order_id, "shipmentId": old}),
            ));
        }
        shipments.put(order_id, &shipment_id.to_owned())?;
        Ok(InsertOutcome::Inserted)
    }
}

/// A message handed to the notifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentNotification {
    /// To whom, by id.
    pub customer_id: String,
    /// The message's subject line.
    pub subject: String,
    /// The message's text.
    pub body: String,
}

#[derive(Serialize, Deserialize)]
struct StoredNotification {
    sequence: usize,
    sent: SentNotification,
}

/// Keeps every notification instead of sending it; like a provider that honours an
/// idempotency key, it sends a message id once.
pub struct MemoryNotifier {
    sent: Mutex<Items<StoredNotification>>,
    requests: std::sync::atomic::AtomicU64,
}

impl Default for MemoryNotifier {
    fn default() -> Self {
        Self::on(Items::memory(NOTIFICATIONS))
    }
}

impl MemoryNotifier {
    fn on(items: Items<StoredNotification>) -> Self {
        Self {
            sent: Mutex::new(items),
            requests: Default::default(),
        }
    }
    /// The notifier keeping what it sends in `space`'s notifications table.
    pub fn open(space: &dyn TableSpace) -> Result<Self, TableError> {
        Ok(Self::on(Items::open(space, NOTIFICATIONS)?))
    }
    /// Every notification so far, in order.
    pub fn sent(&self) -> Result<Vec<SentNotification>, TableError> {
        let mut all = lock(&self.sent).all()?;
        all.sort_by_key(|(_, stored)| stored.sequence);
        Ok(all.into_iter().map(|(_, stored)| stored.sent).collect())
    }
    /// How many notifications were sent.
    pub fn len(&self) -> usize {
        lock(&self.sent).len()
    }
    /// Whether none was sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Every call so far, repeated message ids included.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[async_trait]
impl CustomerNotifier for MemoryNotifier {
    async fn notify(
        &self,
        message_id: &str,
        customer_id: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), PortError> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let sent = lock(&self.sent);
        if sent.get(message_id)?.is_some() {
            return Ok(());
        }
        let stored = StoredNotification {
            sequence: sent.len(),
            sent: SentNotification {
                customer_id: customer_id.to_owned(),
                subject: subject.to_owned(),
                body: body.to_owned(),
            },
        };
        sent.put(message_id, &stored)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As the DynamoDB adapter (crates/aws/tests/dynamodb_moto.rs,
    /// status_moves_only_for_stored_orders): no status-only item for an unknown order.
    #[tokio::test]
    async fn a_status_moves_only_for_a_stored_order() {
        let orders = MemoryOrders::default();
        let error = orders
            .set_status("o-never", "PROCESSING")
            .await
            .unwrap_err();
        assert!(matches!(error, PortError::Permanent(_)), "{error:?}");
        assert!(orders.is_empty(), "no item was made");
    }

    #[tokio::test]
    async fn stock_never_goes_below_zero_and_release_restores_exactly() {
        let stock = MemoryStock::with_stock([("A", 3)]);
        stock.reserve("o1", "A", 2).await.unwrap();
        stock.reserve("o1", "A", 2).await.unwrap(); // a retried step takes nothing more
        assert_eq!(stock.available("A").unwrap(), Some(1));
        let err = stock.reserve("o2", "A", 2).await.unwrap_err();
        assert_eq!(
            err,
            StockError::OutOfStock {
                sku: "A".into(),
                wanted: 2,
                available: 1
            }
        );
        assert_eq!(stock.release("o1", "A").await.unwrap(), 2);
        assert_eq!(stock.release("o1", "A").await.unwrap(), 0);
        assert_eq!(
            stock.release("o2", "A").await.unwrap(),
            0,
            "o2 reserved nothing"
        );
        assert_eq!(stock.available("A").unwrap(), Some(3));
        assert!(matches!(
            stock.reserve("o3", "B", 1).await,
            Err(StockError::UnknownSku(_))
        ));
    }

    /// Compensation racing the forward step: a reserve arriving after the release of the same
    /// (order, sku) — released with nothing reserved, or after a reservation — takes nothing.
    #[tokio::test]
    async fn a_reserve_after_its_release_takes_nothing() {
        let stock = MemoryStock::with_stock([("A", 5)]);
        assert_eq!(stock.release("o-late", "A").await, Ok(0));
        assert_eq!(stock.reserve("o-late", "A", 3).await, Ok(()));
        assert_eq!(
            stock.available("A").unwrap(),
            Some(5),
            "the late reserve took nothing"
        );
        assert_eq!(stock.reserved("o-late", "A").unwrap(), None);

        stock.reserve("o-again", "A", 2).await.unwrap();
        assert_eq!(stock.release("o-again", "A").await, Ok(2));
        assert_eq!(stock.reserve("o-again", "A", 2).await, Ok(()));
        assert_eq!(stock.available("A").unwrap(), Some(5));
        assert_eq!(stock.release("o-again", "A").await, Ok(0));
        assert_eq!(stock.available("A").unwrap(), Some(5));
    }

    #[tokio::test]
    async fn second_insert_returns_the_old_item() {
        let orders = MemoryOrders::default();
        let order: crate::domain::Order = serde_json::from_value(json!({
            "orderId": "o1", "customer": {"customerId": "c", "email": "e@x", "name": "n"},
            "lines": [{"sku": "A", "quantity": 1, "unitPrice": 5}],
            "total": {"amount": 5, "currency": "EUR"}, "paymentToken": "tok_visa",
            "shippingAddress": {"line1": "l", "city": "c", "postcode": "p", "country": "DE"},
            "placedAt": "2026-11-26T12:00:00Z"}))
        .unwrap();
        assert_eq!(
            orders
                .insert_order((&order).into(), "PLACED")
                .await
                .unwrap(),
            InsertOutcome::Inserted
        );
        match orders
            .insert_order((&order).into(), "PLACED")
            .await
            .unwrap()
        {
            InsertOutcome::AlreadyExists(old) => assert_eq!(old["status"], "PLACED"),
            other => panic!("expected AlreadyExists, got {other:?}"),
        }
    }
}
