//! The producer: checks and prices a new-order request with the order-intake state machine
//! (StartSyncExecution) and stores the order once per idempotency key (conditional write),
//! with the metadata of its OrderCreated in the same item: the transactional outbox. The
//! orders table's stream and the outbox pipe publish OrderCreated from that write
//! ([`orderly_core::outbox`]), so the write is the only thing the function does. Reached
//! through the HTTP API
//! (`POST /orders`, `Idempotency-Key` header, IAM-signed) or by direct invoke.
//!
//! Idempotency keys follow the IETF Idempotency-Key draft: a key is scoped to its caller
//! ([`CallerScope`]), and the request is fingerprinted ([`PlaceOrderRequest::fingerprint`]):
//! the same key with the same request replays the first reply, with another request it is
//! refused ([`PlaceError::KeyReused`], 422), and while the first request runs a second one
//! waits its turn ([`PlaceError::InProgress`], 409).

mod error;
mod http;
mod request;
mod scope;

pub use error::PlaceError;
pub use http::{handle_http, is_http_event};
pub use request::{PlaceOrderRequest, order_id_for};
pub use scope::{CallerScope, ScopedKey};

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::{EVENT_VERSION, Metadata};
use orderly_core::domain::Money;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::intake::{Priced, Rejected};
use orderly_core::lambda::{TaskError, now_rfc3339, parse_input};
use orderly_core::ports::{InsertOutcome, OrderIntake, OrderRecord, OrderTable, OrderWriter};
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "place-order";

/// Status of an order that is stored and announced.
pub const PLACED: &str = "PLACED";

/// What a placed order answers, over HTTP (201) and to a direct invoke alike.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Placed {
    /// The order's id, given or derived from the scoped idempotency key.
    pub order_id: String,
    /// Always [`PLACED`].
    pub status: String,
    /// The correlation id the order's events carry, given or derived from the scoped
    /// idempotency key.
    pub correlation_id: String,
    /// What the order costs, as the intake priced it. Absent from replies stored before
    /// the intake priced orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
}

/// An accepted order's price, in minor units of its currency.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Price {
    /// The sum of the lines: the order's stated total.
    pub subtotal: Money,
    /// Tax on the subtotal, at the shipping country's rate.
    pub tax: Money,
    /// Subtotal plus tax: what the customer pays.
    pub total: Money,
}

impl From<&Priced> for Price {
    fn from(priced: &Priced) -> Self {
        Self {
            subtotal: priced.subtotal.clone(),
            tax: Money::new(priced.tax.amount, priced.tax.currency.clone()),
            total: priced.total.clone(),
        }
    }
}

/// What the handler needs: the order intake, the orders table and the idempotency engine.
pub struct Deps<O: ?Sized> {
    /// Checks and prices each order before anything is stored: the order-intake state
    /// machine (StartSyncExecution).
    pub intake: Arc<dyn OrderIntake>,
    /// Where the order is stored, once per order id, with its outbox entry.
    pub orders: Arc<O>,
    /// Keyed on the caller and the request's idempotency key, checked against the request:
    /// a retried request answers as the first did.
    pub idempotency: IdempotencyEngine,
}

/// Lambda entry: an HTTP API event or a direct [`PlaceOrderRequest`] (in the
/// [`CallerScope::Direct`] scope).
pub async fn handler<O>(deps: &Deps<O>, event: LambdaEvent<Value>) -> Result<Value, TaskError>
where
    O: OrderWriter + ?Sized,
{
    let (payload, context) = event.into_parts();
    let remaining = deps.idempotency.remaining_until(context.deadline);
    if is_http_event(&payload) {
        return Ok(handle_http(deps, payload, &context.request_id, remaining).await);
    }
    let request: PlaceOrderRequest = parse_input(payload)?;
    let placed = place(deps, CallerScope::Direct, request, remaining).await?;
    serde_json::to_value(placed).map_err(|e| TaskError::Permanent(e.to_string()))
}

/// Places one order: at most one order and one OrderCreated per idempotency key of a
/// caller; a key reused for another request is refused. The intake runs inside the
/// idempotency record, so a replay answers the first reply without asking it again.
///
/// # Errors
///
/// [`PlaceError`]: the request is malformed, the intake refused the order, the key was
/// used for another request or is still in progress, or a dependency failed.
pub async fn place<O>(
    deps: &Deps<O>,
    scope: CallerScope,
    request: PlaceOrderRequest,
    remaining: Duration,
) -> Result<Placed, PlaceError>
where
    O: OrderWriter + ?Sized,
{
    let key = ScopedKey::new(scope, request.idempotency_key()?);
    let derived_id = request.order_id.is_none();
    let correlation_id = request
        .correlation_id
        .clone()
        .unwrap_or_else(|| uuid_like(&key.hash()));
    let fingerprint = request.fingerprint();
    let order = request.into_order(&key, now_rfc3339(deps.idempotency.clock()));
    deps.idempotency
        .run_keyed_checked(&key.record_key(), &fingerprint, remaining, || async {
            let priced = deps.intake.validate(&order, &correlation_id).await?;
            // The domain's own rules still hold the door should a deployed intake lag
            // behind them; the two agree (crates/local/tests/order_intake.rs).
            order.validate().map_err(|e| PlaceError::Rejected(Rejected::from(&e)))?;
            tracing::info!(order_id = %order.order_id, fraud_score = priced.fraud_score, "order accepted by the intake");
            let metadata = Metadata {
                idempotency_key: key.event_key(),
                correlation_id: correlation_id.clone(),
                event_version: EVENT_VERSION.to_owned(),
                occurred_at: order.placed_at.clone(),
            };
            // One conditional put: the order and its outbox entry. The stream announces it.
            match deps.orders.insert_order(OrderRecord::Placed(&order, &metadata), PLACED).await? {
                InsertOutcome::Inserted => {}
                // A crashed first attempt stored the order, and its outbox entry with it:
                // the stream has announced it, so there is nothing left to do.
                InsertOutcome::AlreadyExists(old) if old.get("order").is_some_and(|o| same_order(o, &order)) => {}
                // The id came from this key: the key was used for another order whose
                // idempotency record has expired.
                InsertOutcome::AlreadyExists(_) if derived_id => return Err(PlaceError::KeyReused),
                InsertOutcome::AlreadyExists(_) => {
                    return Err(PlaceError::OrderIdTaken { order_id: order.order_id.clone() });
                }
            }
            tracing::info!(order_id = %order.order_id, correlation_id = %correlation_id, scope = %key.scope.id(), "order placed");
            orderly_core::telemetry::metrics::count(FUNCTION, orderly_core::telemetry::metrics::ORDERS_PLACED, 1);
            Ok(Placed {
                order_id: order.order_id.clone(),
                status: PLACED.to_owned(),
                correlation_id: correlation_id.clone(),
                price: Some(Price::from(&priced)),
            })
        })
        .await
        .map_err(PlaceError::from)
}

/// Same order apart from when it was placed (a retry stamps a new time).
fn same_order(stored: &Value, order: &orderly_core::domain::Order) -> bool {
    let Ok(mut stored) = serde_json::from_value::<orderly_core::domain::Order>(stored.clone())
    else {
        return false;
    };
    stored.placed_at.clone_from(&order.placed_at);
    &stored == order
}

/// A correlation id in UUID form from the scoped key's hash, so a retried request keeps its
/// correlation.
fn uuid_like(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// place-order as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type PlaceOrder = Deps<dyn OrderTable>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<PlaceOrder> = shell::Declaration::new();

impl shell::Function for PlaceOrder {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::OrderIntake, Port::Orders, Port::Idempotency];
    type Output = Value;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            intake: ports.order_intake()?,
            orders: ports.orders()?,
            idempotency: ports.idempotency(Self::idempotency())?,
        })
    }

    fn handle(
        &self,
        event: LambdaEvent<Value>,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send {
        handler(self, event)
    }
}
