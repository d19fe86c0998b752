//! Releases what an order reserved of one SKU (compensation). Releasing is idempotent by
//! construction (a released reservation gives back nothing more); the engine adds a
//! replayed answer for Step Functions retries.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::Metadata;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input, remaining_time};
use orderly_core::ports::StockReservations;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "release-stock";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseRequest {
    pub order_id: String,
    pub sku: String,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReleaseResponse {
    pub sku: String,
    pub released: i64,
}

pub struct Deps<S: ?Sized> {
    pub stock: Arc<S>,
    pub idempotency: IdempotencyEngine,
}

pub async fn handler<S>(
    deps: &Deps<S>,
    event: LambdaEvent<Value>,
) -> Result<ReleaseResponse, TaskError>
where
    S: StockReservations + ?Sized,
{
    let (payload, context) = event.into_parts();
    orderly_core::telemetry::metrics::invocation(FUNCTION);
    let request: ReleaseRequest = parse_input(payload)?;
    let key = [request.order_id.as_str(), request.sku.as_str()];
    let response = deps
        .idempotency
        .run_keyed(&key, remaining_time(&context), || async {
            let released = deps.stock.release(&request.order_id, &request.sku).await?;
            Ok::<_, TaskError>(ReleaseResponse {
                sku: request.sku.clone(),
                released,
            })
        })
        .await?;
    tracing::info!(order_id = %request.order_id, sku = %request.sku, released = response.released, "stock released");
    Ok(response)
}

/// The idempotency settings of this function, shared by the Lambda binary and the local
/// cloud: records are named after the function.
pub fn idempotency_config() -> orderly_core::idempotency::IdempotencyConfig {
    orderly_core::idempotency::IdempotencyConfig::new(FUNCTION)
}
