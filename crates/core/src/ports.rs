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
    /// Whether the same call may succeed later: only [`PortError::Transient`].
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// Error codes that mean "try again later", across the services used here. Status codes
/// cover most cases; these catch services that answer throttling with a 400.
const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionInProgressException",
    "TransactionConflict",
    "TransactionConflictException",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "InternalException",
    "InternalFailure",
    "InternalServerError",
    "InternalError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Whether an AWS error code (of a call, a PutEvents entry, a batch entry or a
/// transaction cancellation reason) is worth retrying.
pub fn is_retryable_aws_code(code: &str) -> bool {
    RETRYABLE_CODES.contains(&code)
}

/// Publishes events on the bus; succeeds only when every entry was accepted.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Puts `events` on the bus; fails unless every entry was accepted.
    async fn publish(&self, events: &[OutboundEvent]) -> Result<(), PortError>;
}

/// What happened to a conditional insert.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertOutcome {
    /// The item was written.
    Inserted,
    /// An item with that key exists; the old item comes back (ALL_OLD), no second read.
    AlreadyExists(Value),
}

/// The order an [`OrderWriter`] stores: the whole order as place-order received it, or
/// the workflow's view of one that reached the bus some other way (no personal data).
#[derive(Debug, Clone, Copy)]
pub enum OrderRecord<'a> {
    /// The order as place-order received it, personal data included.
    Full(&'a Order),
    /// A new order and the metadata of the OrderCreated that announces it: the
    /// transactional outbox. The item carries the metadata as [`OUTBOX_ATTRIBUTE`], and
    /// the orders table's stream publishes OrderCreated from the item's insert, so the
    /// write is the only thing place-order does.
    Placed(&'a Order, &'a crate::contracts::Metadata),
    /// The workflow's view of an order: no personal data.
    Fulfillment(&'a FulfillmentOrder),
}

impl OrderRecord<'_> {
    /// The id of the order, whichever view it is.
    pub fn order_id(&self) -> &str {
        match self {
            Self::Full(o) | Self::Placed(o, _) => &o.order_id,
            Self::Fulfillment(o) => &o.order_id,
        }
    }

    /// The order as JSON, as the orders table keeps it.
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        match self {
            Self::Full(o) | Self::Placed(o, _) => serde_json::to_value(o),
            Self::Fulfillment(o) => serde_json::to_value(o),
        }
    }

    /// The outbox entry the item carries: the metadata of the OrderCreated its insert
    /// announces, for [`OrderRecord::Placed`].
    pub fn outbox(&self) -> Result<Option<Value>, serde_json::Error> {
        match self {
            Self::Placed(_, metadata) => serde_json::to_value(metadata).map(Some),
            _ => Ok(None),
        }
    }
}

/// The orders table's attribute holding an order's outbox entry (a map: the OrderCreated
/// metadata), written with the order in one conditional put.
pub const OUTBOX_ATTRIBUTE: &str = "outbox";

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

/// Checks and prices a new order before it is accepted: the order-intake state machine
/// (`statemachines/order-intake.asl.json`), run synchronously.
#[async_trait]
pub trait OrderIntake: Send + Sync {
    /// The order priced, or [`IntakeError::Rejected`](crate::intake::IntakeError::Rejected)
    /// with every reason it is refused for; [`IntakeError::Port`](crate::intake::IntakeError::Port)
    /// when no decision came.
    async fn validate(
        &self,
        order: &Order,
        correlation_id: &str,
    ) -> Result<crate::intake::Priced, crate::intake::IntakeError>;
}

/// Stores a new order once per order id.
#[async_trait]
pub trait OrderWriter: Send + Sync {
    /// Writes the order with `status` unless an order with its id exists, in which case the
    /// stored item comes back unchanged.
    async fn insert_order(
        &self,
        order: OrderRecord<'_>,
        status: &str,
    ) -> Result<InsertOutcome, PortError>;
}

/// Moves an order to a new status.
#[async_trait]
pub trait OrderStatusWriter: Send + Sync {
    /// Sets the status of a stored order. For an order never stored the adapters differ:
    /// DynamoDB fails permanently, the in-memory table creates a status-only item.
    async fn set_status(&self, order_id: &str, status: &str) -> Result<(), PortError>;
}

/// Reads an order's status.
#[async_trait]
pub trait OrderStatusReader: Send + Sync {
    /// The order's status, `None` if the order is unknown.
    async fn status(&self, order_id: &str) -> Result<Option<String>, PortError>;
}

/// The orders table as one adapter: writes, status writes and status reads.
pub trait OrderTable: OrderWriter + OrderStatusWriter + OrderStatusReader {}

impl<T: OrderWriter + OrderStatusWriter + OrderStatusReader + ?Sized> OrderTable for T {}

/// Why stock could not be reserved or released.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    /// The SKU has fewer units available than the line wants; nothing was taken.
    #[error("out of stock: {sku} (wanted {wanted}, {available} available)")]
    OutOfStock {
        /// The SKU short of stock.
        sku: String,
        /// Units the line wanted.
        wanted: i64,
        /// Units available at the time.
        available: i64,
    },
    /// No stock record exists for the SKU.
    #[error("unknown sku: {0}")]
    UnknownSku(String),
    /// The store call itself failed.
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
    /// Stores the task token of an order's approval step, replacing an earlier one (a
    /// retried attempt waits on a new token); the item expires (store TTL) at
    /// `expires_at_epoch_s`, epoch seconds. In the same call, answers the decision already
    /// recorded for the order, if one arrived before this token: the caller delivers it.
    async fn save(
        &self,
        order_id: &str,
        task_token: &str,
        expires_at_epoch_s: i64,
    ) -> Result<Option<crate::domain::approval::ApprovalDecision>, PortError>;
    /// Records the decision for the order and takes the token that waits, in one call, so
    /// two deciders cannot both get the token and a token saved later still finds the
    /// decision. Answers the token taken, if one waited (and had not expired).
    async fn decide(
        &self,
        order_id: &str,
        decision: &crate::domain::approval::ApprovalDecision,
        expires_at_epoch_s: i64,
    ) -> Result<Option<String>, PortError>;
}

/// Why an answer to a waiting task was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The token is unknown or its task has ended (timed out, already answered).
    #[error("invalid task token: {0}")]
    InvalidToken(String),
    /// The call to Step Functions failed.
    #[error(transparent)]
    Port(#[from] PortError),
}

/// One-time reminders: an event put on the bus at a given time unless cancelled first
/// (EventBridge Scheduler on AWS). Both calls are idempotent by `key`: scheduling a key
/// already scheduled, or cancelling one that is gone, succeeds and changes nothing.
#[async_trait]
pub trait Reminders: Send + Sync {
    /// Puts `event` on the bus at `at_epoch_s` (UTC), once, under `key`.
    async fn remind(
        &self,
        key: &str,
        at_epoch_s: i64,
        event: &OutboundEvent,
    ) -> Result<(), PortError>;
    /// Cancels the reminder under `key`, if it has not fired.
    async fn cancel(&self, key: &str) -> Result<(), PortError>;
}

/// The schedule name of the reminder under `key`: Scheduler's names are 1-64 characters of
/// `[0-9a-zA-Z-_.]`, and a key is any text, so the name carries a digest of it.
pub fn reminder_name(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("reminder-{hex}")
}

/// The one-time schedule expression of a reminder at `at_epoch_s`: `at(yyyy-mm-ddThh:mm:ss)`,
/// UTC, as every reminder adapter writes it.
pub fn reminder_expression(at_epoch_s: i64) -> String {
    let text = crate::clock::rfc3339_seconds(at_epoch_s.saturating_mul(1000));
    format!("at({})", text.trim_end_matches('Z'))
}

/// Answers a waiting Step Functions task.
#[async_trait]
pub trait TaskCallbacks: Send + Sync {
    /// Completes the task with `output` as its result.
    async fn send_success(&self, task_token: &str, output: &Value) -> Result<(), CallbackError>;
    /// Fails the task with the error name `error` (what a Catch matches) and `cause`.
    async fn send_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError>;
    /// Tells the task its worker is still alive, restarting its heartbeat timeout.
    async fn send_heartbeat(&self, task_token: &str) -> Result<(), CallbackError>;
}

/// One event as the audit log keeps it: what an auditor needs, never the event's
/// personal data or secrets (the event itself is not kept).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    /// The bus event id; an entry is stored once per id.
    pub event_id: String,
    /// The correlation id from the event's metadata (empty if it had none).
    pub correlation_id: String,
    /// The event's `source`.
    pub source: String,
    /// The event's `detail-type`.
    pub detail_type: String,
    /// The event's `time`, as the bus stamped it (RFC 3339).
    pub time: String,
    /// The order the event is about (empty if it names none).
    pub order_id: String,
    /// The audited fields of the event's data (ids, amounts, status, reason), as a JSON
    /// object; the audit function decides which fields those are.
    pub facts: Value,
    /// When the store may delete the entry (DynamoDB TTL), epoch seconds.
    pub expires_at_epoch_s: i64,
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
    /// Creates the order's shipment with `shipment_id` unless it has one; then the existing
    /// `{orderId, shipmentId}` comes back instead.
    async fn create_shipment(
        &self,
        order_id: &str,
        shipment_id: &str,
    ) -> Result<InsertOutcome, PortError>;
}

/// Delivers a message to a customer (e-mail, SMS). Personal data stays inside it.
#[async_trait]
pub trait CustomerNotifier: Send + Sync {
    /// Sends `subject` and `body` to the customer `customer_id`, once per `message_id`.
    ///
    /// The message id is the provider's idempotency key (e-mail and SMS APIs take one): a
    /// function that dies after sending and runs again asks with the same id, and the
    /// customer still gets one message. Nothing a function can write to its own table
    /// before or after the call closes that gap; only the provider can.
    async fn notify(
        &self,
        message_id: &str,
        customer_id: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), PortError>;
}

/// Why the payment provider placed no hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// The provider's own answer: declined, unavailable, an invalid token.
    #[error(transparent)]
    Payment(#[from] crate::domain::payment::PaymentError),
    /// Compensation voided the order before this authorization arrived (the two race when
    /// the other Parallel branch fails first): the void left a marker and no hold was placed.
    /// Final: the order has failed, so retrying cannot help.
    #[error("order {order_id} was cancelled before its payment was authorized: no hold placed")]
    OrderCancelled {
        /// The cancelled order.
        order_id: String,
    },
    /// The provider's ledger could not be read or written.
    #[error(transparent)]
    Port(#[from] PortError),
}

impl AuthorizeError {
    /// The error name Step Functions Retry and Catch match on.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Payment(e) => e.name(),
            Self::OrderCancelled { .. } => "OrderCancelled",
            Self::Port(PortError::Transient(_)) => crate::lambda::TRANSIENT,
            Self::Port(PortError::Permanent(_)) => "PermanentError",
        }
    }

    /// Whether trying again later can succeed: an unavailable provider or a transient
    /// store failure.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Payment(e) => e.is_retryable(),
            Self::OrderCancelled { .. } => false,
            Self::Port(e) => e.is_retryable(),
        }
    }
}

/// The payment provider: one hold per order, and none once compensation has voided the
/// order. Its ledger keeps one entry per order id: a hold, or a void. A void of an order with
/// no hold leaves the void as a marker, so an authorization arriving after it (a forward
/// step racing its own compensation) is refused in the same conditional write that would
/// have placed the hold.
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Places a hold for the order's total, deciding with
    /// [`decide`](crate::domain::payment::decide). `attempt` counts retries of this step. A
    /// second authorization of a held order returns the standing hold; one of a voided order
    /// fails with [`AuthorizeError::OrderCancelled`].
    async fn authorize(
        &self,
        order_id: &str,
        payment_token: &str,
        amount: &crate::domain::Money,
        attempt: u32,
    ) -> Result<crate::domain::payment::Authorization, AuthorizeError>;
    /// Releases the order's hold; returns whether there was one. Either way the order is
    /// voided from then on: a later [`authorize`](Self::authorize) places no hold. Voiding
    /// twice is a no-op.
    async fn void(&self, order_id: &str) -> Result<bool, PortError>;
}
