//! Reserves the stock of one order line. Idempotent per (order, sku): a Step Functions
//! retry replays the first outcome and takes no stock twice.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::Metadata;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input};
use orderly_core::ports::StockReservations;
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "reserve-stock";

/// The task's input: one line of the order.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReserveRequest {
    /// The order reserving.
    pub order_id: String,
    /// The SKU to reserve.
    pub sku: String,
    /// Units to reserve; positive.
    pub quantity: i64,
    /// The workflow's event metadata, when the state machine passes it; the invocation's log
    /// lines carry its correlation id.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// The task's result.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReserveResponse {
    /// The SKU reserved.
    pub sku: String,
    /// Units reserved.
    pub reserved: i64,
}

/// What the handler needs: the stock and the idempotency engine.
pub struct Deps<S: ?Sized> {
    /// The stock and its reservations.
    pub stock: Arc<S>,
    /// Keyed on (order id, SKU): a retried step reserves once.
    pub idempotency: IdempotencyEngine,
}

/// Reserves one line of the order.
///
/// # Errors
///
/// `OutOfStock` or `UnknownSku` as rule errors the workflow catches, `InvalidInput` for a
/// malformed request or a quantity that is not positive, or a store failure.
pub async fn handler<S>(
    deps: &Deps<S>,
    event: LambdaEvent<Value>,
) -> Result<ReserveResponse, TaskError>
where
    S: StockReservations + ?Sized,
{
    let (payload, context) = event.into_parts();
    let request: ReserveRequest = parse_input(payload)?;
    if request.quantity <= 0 {
        return Err(TaskError::InvalidInput(format!(
            "quantity must be positive, got {}",
            request.quantity
        )));
    }
    let key = [request.order_id.as_str(), request.sku.as_str()];
    let response = deps
        .idempotency
        .run_keyed(
            &key,
            deps.idempotency.remaining_until(context.deadline),
            || async {
                deps.stock
                    .reserve(&request.order_id, &request.sku, request.quantity)
                    .await?;
                Ok::<_, TaskError>(ReserveResponse {
                    sku: request.sku.clone(),
                    reserved: request.quantity,
                })
            },
        )
        .await?;
    tracing::info!(order_id = %request.order_id, sku = %request.sku, reserved = response.reserved, "stock reserved");
    Ok(response)
}

/// reserve-stock as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type ReserveStock = Deps<dyn StockReservations>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<ReserveStock> = shell::Declaration::new();

impl shell::Function for ReserveStock {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::Stock, Port::Idempotency];
    type Output = ReserveResponse;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            stock: ports.stock()?,
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
