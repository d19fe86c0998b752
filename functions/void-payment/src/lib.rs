//! Voids an order's payment authorization (compensation); voiding an order with no hold
//! is a no-op, so compensation may run whatever the Parallel branches managed to do.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::Metadata;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input, remaining_time};
use orderly_core::ports::PaymentGateway;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "void-payment";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoidRequest {
    pub order_id: String,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct VoidResponse {
    pub voided: bool,
}

pub struct Deps<P: ?Sized> {
    pub payments: Arc<P>,
    pub idempotency: IdempotencyEngine,
}

pub async fn handler<P>(
    deps: &Deps<P>,
    event: LambdaEvent<Value>,
) -> Result<VoidResponse, TaskError>
where
    P: PaymentGateway + ?Sized,
{
    let (payload, context) = event.into_parts();
    orderly_core::telemetry::metrics::invocation(FUNCTION);
    let request: VoidRequest = parse_input(payload)?;
    let response = deps
        .idempotency
        .run_keyed(&request.order_id, remaining_time(&context), || async {
            let voided = deps.payments.void(&request.order_id).await?;
            Ok::<_, TaskError>(VoidResponse { voided })
        })
        .await?;
    tracing::info!(order_id = %request.order_id, voided = response.voided, "payment voided");
    Ok(response)
}

/// The idempotency settings of this function, shared by the Lambda binary and the local
/// cloud: records are named after the function.
pub fn idempotency_config() -> orderly_core::idempotency::IdempotencyConfig {
    orderly_core::idempotency::IdempotencyConfig::new(FUNCTION)
}
