//! Registers an order for one execution of the workflow. The first execution to register
//! an order owns it; any other execution for the same order (a duplicate put of
//! OrderCreated) is told `Duplicate` and ends. A retry of the owning execution replays
//! `Registered`.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::Metadata;
use orderly_core::domain::{ApprovalPolicy, FulfillmentOrder};
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input, remaining_time};
use orderly_core::ports::{InsertOutcome, OrderStatusWriter, OrderWriter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "register-order";

/// Status an order has while its workflow runs.
pub const PROCESSING: &str = "PROCESSING";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The order as the workflow carries it (no personal data); checked here, since
    /// events can be put on the bus without passing through place-order.
    pub order: Value,
    pub metadata: Metadata,
    /// `$$.Execution.Id`.
    pub execution_id: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Registration {
    Registered,
    Duplicate,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RegisterResponse {
    pub status: Registration,
    pub needs_approval: bool,
}

/// What the idempotency record keeps: which execution owns the order.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Owner {
    execution_id: String,
}

pub struct Deps<O: ?Sized> {
    pub orders: Arc<O>,
    pub policy: ApprovalPolicy,
    pub idempotency: IdempotencyEngine,
}

pub async fn handler<O>(
    deps: &Deps<O>,
    event: LambdaEvent<Value>,
) -> Result<RegisterResponse, TaskError>
where
    O: OrderWriter + OrderStatusWriter + ?Sized,
{
    let (payload, context) = event.into_parts();
    orderly_core::telemetry::metrics::invocation(FUNCTION);
    let request: RegisterRequest = parse_input(payload)?;
    let order: FulfillmentOrder = serde_json::from_value(request.order)
        .map_err(|e| TaskError::rule("InvalidOrder", format!("order is malformed: {e}")))?;
    order.validate()?;
    let owner = deps
        .idempotency
        .run_keyed(&order.order_id, remaining_time(&context), || async {
            if let InsertOutcome::AlreadyExists(_) = deps
                .orders
                .insert_order((&order).into(), PROCESSING)
                .await?
            {
                deps.orders.set_status(&order.order_id, PROCESSING).await?;
            }
            Ok::<_, TaskError>(Owner {
                execution_id: request.execution_id.clone(),
            })
        })
        .await?;
    let status = if owner.execution_id == request.execution_id {
        Registration::Registered
    } else {
        Registration::Duplicate
    };
    tracing::info!(order_id = %order.order_id, ?status, "order registered");
    Ok(RegisterResponse {
        status,
        needs_approval: deps.policy.needs_approval(&order.total),
    })
}

/// The idempotency settings of this function, shared by the Lambda binary and the local
/// cloud: records are named after the function.
pub fn idempotency_config() -> orderly_core::idempotency::IdempotencyConfig {
    orderly_core::idempotency::IdempotencyConfig::new(FUNCTION)
}
