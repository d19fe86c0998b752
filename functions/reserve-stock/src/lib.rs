//! Reserves the stock of one order line. Idempotent per (order, sku): a Step Functions
//! retry replays the first outcome and takes no stock twice.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::Metadata;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input, remaining_time};
use orderly_core::ports::StockReservations;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    orderly_core::telemetry::metrics::invocation(FUNCTION);
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
        .run_keyed(&key, remaining_time(&context), || async {
            deps.stock
                .reserve(&request.order_id, &request.sku, request.quantity)
                .await?;
            Ok::<_, TaskError>(ReserveResponse {
                sku: request.sku.clone(),
                reserved: request.quantity,
            })
        })
        .await?;
    tracing::info!(order_id = %request.order_id, sku = %request.sku, reserved = response.reserved, "stock reserved");
    Ok(response)
}

/// The idempotency settings of this function, shared by the Lambda binary and the local
/// cloud: records are named after the function.
pub fn idempotency_config() -> orderly_core::idempotency::IdempotencyConfig {
    orderly_core::idempotency::IdempotencyConfig::new(FUNCTION)
}
