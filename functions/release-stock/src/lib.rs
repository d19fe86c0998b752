//! Releases what an order reserved of one SKU (compensation). Releasing is idempotent by
//! construction (a released reservation gives back nothing more); the engine adds a
//! replayed answer for Step Functions retries.

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
pub const FUNCTION: &str = "release-stock";

/// The task's input: one line of the order to release.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseRequest {
    /// The order whose reservation is released.
    pub order_id: String,
    /// The SKU released.
    pub sku: String,
    /// The workflow's event metadata, when the state machine passes it; the invocation's log
    /// lines carry its correlation id.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// The task's result.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReleaseResponse {
    /// The SKU released.
    pub sku: String,
    /// Units given back to stock: 0 when the order held none.
    pub released: i64,
}

/// What the handler needs: the stock and the idempotency engine.
pub struct Deps<S: ?Sized> {
    /// The stock and its reservations.
    pub stock: Arc<S>,
    /// Keyed on (order id, SKU): a retried step replays the first answer.
    pub idempotency: IdempotencyEngine,
}

/// Releases what the order reserved of the SKU.
///
/// # Errors
///
/// `InvalidInput` for a malformed request, or a store failure.
pub async fn handler<S>(
    deps: &Deps<S>,
    event: LambdaEvent<Value>,
) -> Result<ReleaseResponse, TaskError>
where
    S: StockReservations + ?Sized,
{
    let (payload, context) = event.into_parts();
    let request: ReleaseRequest = parse_input(payload)?;
    let key = [request.order_id.as_str(), request.sku.as_str()];
    let response = deps
        .idempotency
        .run_keyed(
            &key,
            deps.idempotency.remaining_until(context.deadline),
            || async {
                let released = deps.stock.release(&request.order_id, &request.sku).await?;
                Ok::<_, TaskError>(ReleaseResponse {
                    sku: request.sku.clone(),
                    released,
                })
            },
        )
        .await?;
    tracing::info!(order_id = %request.order_id, sku = %request.sku, released = response.released, "stock released");
    Ok(response)
}

/// release-stock as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type ReleaseStock = Deps<dyn StockReservations>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<ReleaseStock> = shell::Declaration::new();

impl shell::Function for ReleaseStock {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::Stock, Port::Idempotency];
    type Output = ReleaseResponse;

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
