//! Narrow ports: each trait is as small as the handler that needs it. The AWS adapters
//! live in `orderly-aws`, the embedded ones in [`crate::memory`].

use crate::contracts::OutboundEvent;
use crate::domain::{FulfillmentOrder, Order};
use async_trait::async_trait;
use serde_json::Value;

/// A store or bus call that failed for a reason other than a business rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// Worth retrying: throttling, timeouts, a provider outage.
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying will not help: misconfiguration, a rejected request.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl PortError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// Publishes events on the bus; succeeds only when every entry was accepted.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), PortError>;
}

/// What happened to a conditional insert.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertOutcome {
    Inserted,
    /// An item with that key exists; the old item comes back (ALL_OLD), no second read.
    AlreadyExists(Value),
}

/// The order an [`OrderWriter`] stores: the whole order as place-order received it, or
/// the workflow's view of one that reached the bus some other way (no personal data).
#[derive(Debug, Clone, Copy)]
pub enum OrderRecord<'a> {
    Full(&'a Order),
    Fulfillment(&'a FulfillmentOrder),
}

impl OrderRecord<'_> {
    pub fn order_id(&self) -> &str {
        match self {
            Self::Full(o) => &o.order_id,
            Self::Fulfillment(o) => &o.order_id,
        }
    }

    /// The order as JSON, as the orders table keeps it.
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        match self {
            Self::Full(o) => serde_json::to_value(o),
            Self::Fulfillment(o) => serde_json::to_value(o),
        }
    }
}

impl<'a> From<&'a Order> for OrderRecord<'a> {
    fn from(order: &'a Order) -> Self {
        Self::Full(order)
    }
}

impl<'a> From<&'a FulfillmentOrder> for OrderRecord<'a> {
    fn from(order: &'a FulfillmentOrder) -> Self {
        Self::Fulfillment(order)
    }
}

/// Stores a new order once per order id.
#[async_trait]
pub trait OrderWriter: Send + Sync {
    async fn insert_order(
        &self,
        order: OrderRecord<'_>,
        status: &str,
    ) -> Result<InsertOutcome, PortError>;
}

/// Moves an order to a new status.
#[async_trait]
pub trait OrderStatusWriter: Send + Sync {
    async fn set_status(&self, order_id: &str, status: &str) -> Result<(), PortError>;
}

/// Reads an order's status.
#[async_trait]
pub trait OrderStatusReader: Send + Sync {
    async fn status(&self, order_id: &str) -> Result<Option<String>, PortError>;
}

/// The orders table as one adapter: writes, status writes and status reads.
pub trait OrderTable: OrderWriter + OrderStatusWriter + OrderStatusReader {}

impl<T: OrderWriter + OrderStatusWriter + OrderStatusReader + ?Sized> OrderTable for T {}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error("out of stock: {sku} (wanted {wanted}, {available} available)")]
    OutOfStock {
        sku: String,
        wanted: i64,
        available: i64,
    },
    #[error("unknown sku: {0}")]
    UnknownSku(String),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Stock per SKU. A reservation is one record per (order, sku), written in the same
/// transaction as the decrement, so reserving twice takes stock once and releasing gives
/// back exactly what was taken — or nothing when nothing was reserved. A release leaves a
/// marker: a reserve arriving after the release of the same (order, sku) takes nothing.
#[async_trait]
pub trait StockReservations: Send + Sync {
    /// Takes `quantity` if at least that much is available; stock never goes below zero.
    async fn reserve(&self, order_id: &str, sku: &str, quantity: i64) -> Result<(), StockError>;
    /// Gives back what this order reserved of `sku`; returns the quantity restored.
    async fn release(&self, order_id: &str, sku: &str) -> Result<i64, StockError>;
}

/// Task tokens of orders waiting for approval.
#[async_trait]
pub trait ApprovalTokens: Send + Sync {
    async fn save(
        &self,
        order_id: &str,
        task_token: &str,
        expires_at_epoch_s: i64,
    ) -> Result<(), PortError>;
    /// Removes and returns the token, so a decision is delivered once.
    async fn take(&self, order_id: &str) -> Result<Option<String>, PortError>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The token is unknown or its task has ended (timed out, already answered).
    #[error("invalid task token: {0}")]
    InvalidToken(String),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Answers a waiting Step Functions task.
#[async_trait]
pub trait TaskCallbacks: Send + Sync {
    async fn send_success(&self, task_token: &str, output: &Value) -> Result<(), CallbackError>;
    async fn send_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError>;
    async fn send_heartbeat(&self, task_token: &str) -> Result<(), CallbackError>;
}

/// One event as the audit log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// The bus event id; an entry is stored once per id.
    pub event_id: String,
    pub correlation_id: String,
    pub source: String,
    pub detail_type: String,
    pub time: String,
    pub event: Value,
}

/// The event store of the streaming view.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends once per event id; a redelivery returns `AlreadyExists`.
    async fn append(&self, entry: &AuditEntry) -> Result<InsertOutcome, PortError>;
}

/// A shipment record, one per order.
#[async_trait]
pub trait ShipmentWriter: Send + Sync {
    async fn create_shipment(
        &self,
        order_id: &str,
        shipment_id: &str,
    ) -> Result<InsertOutcome, PortError>;
}

/// Delivers a message to a customer (e-mail, SMS). Personal data stays inside it.
#[async_trait]
pub trait CustomerNotifier: Send + Sync {
    async fn notify(&self, customer_id: &str, subject: &str, body: &str) -> Result<(), PortError>;
}

/// The payment provider: one hold per order.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Places a hold for the order's total. `attempt` counts retries of this step.
    async fn authorize(
        &self,
        order_id: &str,
        payment_token: &str,
        amount: &crate::domain::Money,
        attempt: u32,
    ) -> Result<crate::domain::payment::Authorization, crate::domain::payment::PaymentError>;
    /// Releases the order's hold; returns whether there was one.
    async fn void(&self, order_id: &str) -> Result<bool, PortError>;
}
