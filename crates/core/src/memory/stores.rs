//! In-memory implementations of the ports in [`crate::ports`].

use crate::contracts::OutboundEvent;
use crate::domain::approval::ApprovalDecision;
use crate::ports::*;
use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Locks a store; a poisoned lock only means another thread panicked mid-test, and
/// the data under it is still consistent because every write is a single insert.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Orders by id: `{order, status}`.
#[derive(Default)]
pub struct MemoryOrders {
    items: Mutex<BTreeMap<String, Value>>,
}

impl MemoryOrders {
    /// The stored item of the order, `{orderId, status, order}`, if there is one.
    pub fn get(&self, order_id: &str) -> Option<Value> {
        lock(&self.items).get(order_id).cloned()
    }
    /// How many orders are stored.
    pub fn len(&self) -> usize {
        lock(&self.items).len()
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
        let mut items = lock(&self.items);
        if let Some(old) = items.get(order.order_id()) {
            return Ok(InsertOutcome::AlreadyExists(old.clone()));
        }
        let item = json!({"orderId": order.order_id(), "status": status, "order": json});
        items.insert(order.order_id().to_owned(), item);
        Ok(InsertOutcome::Inserted)
    }
}

#[async_trait]
impl OrderStatusWriter for MemoryOrders {
    async fn set_status(&self, order_id: &str, status: &str) -> Result<(), PortError> {
        let mut items = lock(&self.items);
        let item = items
            .entry(order_id.to_owned())
            .or_insert_with(|| json!({"orderId": order_id}));
        item["status"] = Value::String(status.to_owned());
        Ok(())
    }
}

#[async_trait]
impl OrderStatusReader for MemoryOrders {
    async fn status(&self, order_id: &str) -> Result<Option<String>, PortError> {
        Ok(lock(&self.items)
            .get(order_id)
            .and_then(|i| i["status"].as_str().map(str::to_owned)))
    }
}

#[derive(Default)]
struct StockState {
    available: HashMap<String, i64>,
    /// (order id, sku) → quantity taken, or `None` once released. The released marker
    /// stays, so a reserve that arrives after its compensation (a cancelled Parallel
    /// branch whose call was already in flight) takes nothing.
    reservations: HashMap<(String, String), Option<i64>>,
}

/// Stock per SKU with one reservation record per (order, sku).
#[derive(Default)]
pub struct MemoryStock {
    state: Mutex<StockState>,
}

impl MemoryStock {
    /// A stock with these `(sku, quantity)` levels; SKUs not listed are unknown.
    pub fn with_stock<'a>(levels: impl IntoIterator<Item = (&'a str, i64)>) -> Self {
        let stock = Self::default();
        for (sku, qty) in levels {
            stock.set_available(sku, qty);
        }
        stock
    }
    /// Sets the units available of `sku`, making it known if it was not.
    pub fn set_available(&self, sku: &str, quantity: i64) {
        lock(&self.state).available.insert(sku.to_owned(), quantity);
    }
    /// Units of `sku` not reserved; `None` for an unknown SKU.
    pub fn available(&self, sku: &str) -> Option<i64> {
        lock(&self.state).available.get(sku).copied()
    }
    /// How many reservation records are held, released markers included.
    pub fn reservation_count(&self) -> usize {
        lock(&self.state).reservations.len()
    }
    /// Units of `sku` held by reservations that stand (not released), all orders together.
    pub fn reserved_total(&self, sku: &str) -> i64 {
        lock(&self.state)
            .reservations
            .iter()
            .filter(|((_, s), _)| s == sku)
            .filter_map(|(_, quantity)| *quantity)
            .sum()
    }
    /// What `order_id` holds of `sku`; `None` if it reserved none or has released it.
    pub fn reserved(&self, order_id: &str, sku: &str) -> Option<i64> {
        lock(&self.state)
            .reservations
            .get(&(order_id.to_owned(), sku.to_owned()))
            .copied()
            .flatten()
    }
}

#[async_trait]
impl StockReservations for MemoryStock {
    async fn reserve(&self, order_id: &str, sku: &str, quantity: i64) -> Result<(), StockError> {
        let mut state = lock(&self.state);
        let key = (order_id.to_owned(), sku.to_owned());
        if state.reservations.contains_key(&key) {
            return Ok(());
        }
        let available = *state
            .available
            .get(sku)
            .ok_or_else(|| StockError::UnknownSku(sku.to_owned()))?;
        if available < quantity {
            return Err(StockError::OutOfStock {
                sku: sku.to_owned(),
                wanted: quantity,
                available,
            });
        }
        state.available.insert(sku.to_owned(), available - quantity);
        state.reservations.insert(key, Some(quantity));
        Ok(())
    }

    async fn release(&self, order_id: &str, sku: &str) -> Result<i64, StockError> {
        let mut state = lock(&self.state);
        let released = state
            .reservations
            .insert((order_id.to_owned(), sku.to_owned()), None);
        let Some(Some(quantity)) = released else {
            return Ok(0);
        };
        *state.available.entry(sku.to_owned()).or_insert(0) += quantity;
        Ok(quantity)
    }
}

/// The approvals table: per order, the token that waits and the decision once made.
#[derive(Default)]
pub struct MemoryApprovalTokens {
    items: Mutex<HashMap<String, ApprovalItem>>,
}

#[derive(Default)]
struct ApprovalItem {
    token: Option<String>,
    decision: Option<ApprovalDecision>,
}

impl MemoryApprovalTokens {
    /// Whether a task token waits for a decision on the order (saved, not yet taken).
    pub fn waiting(&self, order_id: &str) -> bool {
        lock(&self.items)
            .get(order_id)
            .is_some_and(|item| item.token.is_some())
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
        _expires_at_epoch_s: i64,
    ) -> Result<Option<ApprovalDecision>, PortError> {
        let mut items = lock(&self.items);
        let item = items.entry(order_id.to_owned()).or_default();
        item.token = Some(task_token.to_owned());
        Ok(item.decision.clone())
    }

    async fn decide(
        &self,
        order_id: &str,
        decision: &ApprovalDecision,
        _expires_at_epoch_s: i64,
    ) -> Result<Option<String>, PortError> {
        let mut items = lock(&self.items);
        let item = items.entry(order_id.to_owned()).or_default();
        item.decision = Some(decision.clone());
        Ok(item.token.take())
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

/// Audit entries in arrival order, unique by event id.
#[derive(Default)]
pub struct MemoryAuditLog {
    entries: Mutex<AuditEntries>,
}

/// The entries and their positions by event id: the duplicate check is a lookup, not a
/// scan of a log that grows with every event.
#[derive(Default)]
struct AuditEntries {
    ordered: Vec<AuditEntry>,
    by_event_id: HashMap<String, usize>,
}

impl MemoryAuditLog {
    /// Every entry stored, in arrival order; duplicates appear once.
    pub fn entries(&self) -> Vec<AuditEntry> {
        lock(&self.entries).ordered.clone()
    }
    /// How many entries are stored.
    pub fn len(&self) -> usize {
        lock(&self.entries).ordered.len()
    }
    /// Whether no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn append(&self, entry: &AuditEntry) -> Result<InsertOutcome, PortError> {
        let mut entries = lock(&self.entries);
        let AuditEntries {
            ordered,
            by_event_id,
        } = &mut *entries;
        if let Some(old) = by_event_id.get(&entry.event_id).map(|&i| &ordered[i]) {
            return Ok(InsertOutcome::AlreadyExists(old.facts.clone()));
        }
        by_event_id.insert(entry.event_id.clone(), ordered.len());
        ordered.push(entry.clone());
        Ok(InsertOutcome::Inserted)
    }
}

/// Shipments by order id.
#[derive(Default)]
pub struct MemoryShipments {
    shipments: Mutex<BTreeMap<String, String>>,
}

impl MemoryShipments {
    /// The shipment id of the order, if one was created.
    pub fn shipment_for(&self, order_id: &str) -> Option<String> {
        lock(&self.shipments).get(order_id).cloned()
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
        let mut shipments = lock(&self.shipments);
        if let Some(old) = shipments.get(order_id) {
            return Ok(InsertOutcome::AlreadyExists(
                json!({"orderId": order_id, "shipmentId": old}),
            ));
        }
        shipments.insert(order_id.to_owned(), shipment_id.to_owned());
        Ok(InsertOutcome::Inserted)
    }
}

/// A message handed to the notifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNotification {
    /// To whom, by id.
    pub customer_id: String,
    /// The message's subject line.
    pub subject: String,
    /// The message's text.
    pub body: String,
}

/// Keeps every notification instead of sending it; like a provider that honours an
/// idempotency key, it sends a message id once.
#[derive(Default)]
pub struct MemoryNotifier {
    sent: Mutex<Vec<SentNotification>>,
    message_ids: Mutex<std::collections::HashSet<String>>,
    requests: std::sync::atomic::AtomicU64,
}

impl MemoryNotifier {
    /// Every notification so far, in order.
    pub fn sent(&self) -> Vec<SentNotification> {
        lock(&self.sent).clone()
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
        if !lock(&self.message_ids).insert(message_id.to_owned()) {
            return Ok(());
        }
        lock(&self.sent).push(SentNotification {
            customer_id: customer_id.to_owned(),
            subject: subject.to_owned(),
            body: body.to_owned(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stock_never_goes_below_zero_and_release_restores_exactly() {
        let stock = MemoryStock::with_stock([("A", 3)]);
        stock.reserve("o1", "A", 2).await.unwrap();
        stock.reserve("o1", "A", 2).await.unwrap(); // a retried step takes nothing more
        assert_eq!(stock.available("A"), Some(1));
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
        assert_eq!(stock.available("A"), Some(3));
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
            stock.available("A"),
            Some(5),
            "the late reserve took nothing"
        );
        assert_eq!(stock.reserved("o-late", "A"), None);

        stock.reserve("o-again", "A", 2).await.unwrap();
        assert_eq!(stock.release("o-again", "A").await, Ok(2));
        assert_eq!(stock.reserve("o-again", "A", 2).await, Ok(()));
        assert_eq!(stock.available("A"), Some(5));
        assert_eq!(stock.release("o-again", "A").await, Ok(0));
        assert_eq!(stock.available("A"), Some(5));
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
