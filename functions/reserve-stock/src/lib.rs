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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReserveRequest {
    pub order_id: String,
    pub sku: String,
    pub quantity: i64,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReserveResponse {
    pub sku: String,
    pub reserved: i64,
}

pub struct Deps<S: ?Sized> {
    pub stock: Arc<S>,
    pub idempotency: IdempotencyEngine,
}

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
