//! Turns an ApprovalDecided event into SendTaskSuccess (approved) or SendTaskFailure
//! (`ApprovalRejected`) for the waiting workflow. A decision for an order that waits for
//! none (already decided, timed out) is logged and dropped: retrying cannot help it.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::{ApprovalDecided, parse_event};
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, epoch_seconds_after, remaining_time};
use orderly_core::ports::{ApprovalTokens, CallbackError, TaskCallbacks};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "record-approval";

/// How long a token put back after a failed delivery is kept.
const TOKEN_TTL: Duration = Duration::from_secs(2 * 24 * 3600);

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Delivery {
    /// The waiting task got the decision.
    Delivered,
    /// No task waits for this order.
    NoWaitingTask,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Recorded {
    pub delivery: Delivery,
}

pub struct Deps<T: ?Sized, C: ?Sized> {
    pub tokens: Arc<T>,
    pub callbacks: Arc<C>,
    pub idempotency: IdempotencyEngine,
}

pub async fn handler<T, C>(
    deps: &Deps<T, C>,
    event: LambdaEvent<Value>,
) -> Result<Recorded, TaskError>
where
    T: ApprovalTokens + ?Sized,
    C: TaskCallbacks + ?Sized,
{
    let (payload, context) = event.into_parts();
    orderly_core::telemetry::metrics::invocation(FUNCTION);
    let decision = parse_event::<ApprovalDecided>(&payload)?.data;
    deps.idempotency
        .run_json(&payload, remaining_time(&context), || {
            deliver(deps, &decision)
        })
        .await
        .map_err(TaskError::from)
}

async fn deliver<T, C>(deps: &Deps<T, C>, decision: &ApprovalDecided) -> Result<Recorded, TaskError>
where
    T: ApprovalTokens + ?Sized,
    C: TaskCallbacks + ?Sized,
{
    let Some(token) = deps.tokens.take(&decision.order_id).await? else {
        tracing::warn!(order_id = %decision.order_id, "no workflow waits for this approval decision");
        return Ok(Recorded {
            delivery: Delivery::NoWaitingTask,
        });
    };
    let sent = if decision.approved {
        let output = json!({"approved": true, "decidedBy": decision.decided_by});
        deps.callbacks.send_success(&token, &output).await
    } else {
        let cause = decision
            .comment
            .clone()
            .unwrap_or_else(|| format!("rejected by {}", decision.decided_by));
        deps.callbacks
            .send_failure(&token, "ApprovalRejected", &cause)
            .await
    };
    match sent {
        Ok(()) => {
            tracing::info!(order_id = %decision.order_id, approved = decision.approved, "approval decision delivered");
            Ok(Recorded {
                delivery: Delivery::Delivered,
            })
        }
        Err(CallbackError::InvalidToken(_)) => {
            tracing::warn!(order_id = %decision.order_id, "the waiting task has already ended");
            Ok(Recorded {
                delivery: Delivery::NoWaitingTask,
            })
        }
        Err(CallbackError::Port(e)) => {
            // Put the token back so the retry of this event can still deliver it.
            deps.tokens
                .save(&decision.order_id, &token, epoch_seconds_after(TOKEN_TTL))
                .await?;
            Err(e.into())
        }
    }
}

/// The idempotency settings of this function, shared by the Lambda binary and the local
/// cloud: records are named after the function.
pub fn idempotency_config() -> orderly_core::idempotency::IdempotencyConfig {
    orderly_core::idempotency::IdempotencyConfig::new(FUNCTION)
}
