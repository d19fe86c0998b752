//! Turns an ApprovalDecided event into SendTaskSuccess (approved) or SendTaskFailure
//! (`ApprovalRejected`) for the waiting workflow. The decision is recorded with the order
//! in the same call that takes the waiting token: when no task waits on a valid token —
//! the attempt that saved it died and its retry has not saved a new one yet — the retry
//! finds the decision when it saves its token, and request-approval delivers it.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::{ApprovalDecided, parse_event};
use orderly_core::domain::approval::{self, ApprovalDecision};
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, epoch_seconds_after};
use orderly_core::ports::{ApprovalTokens, CallbackError, Reminders, TaskCallbacks};
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "record-approval";

/// How long a decision, or a token put back after a failed delivery, is kept.
const TOKEN_TTL: Duration = Duration::from_secs(2 * 24 * 3600);

/// What became of a decision.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Delivery {
    /// The waiting task got the decision.
    Delivered,
    /// No task waited on a valid token: the decision is recorded for the attempt that
    /// waits next (or for none, when the task has ended).
    NoWaitingTask,
}

/// The function's result.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Recorded {
    /// Whether the decision reached a waiting task.
    pub delivery: Delivery,
}

/// What the handler needs: the token store, Step Functions callbacks and the idempotency
/// engine.
pub struct Deps<T: ?Sized, C: ?Sized, R: ?Sized> {
    /// Where request-approval left each waiting task's token; a token is taken once.
    pub tokens: Arc<T>,
    /// Answers the waiting task.
    pub callbacks: Arc<C>,
    /// Where request-approval scheduled the order's reminder, cancelled once a decision
    /// is recorded.
    pub reminders: Arc<R>,
    /// Keyed on the event's idempotency key: a redelivered decision is delivered once.
    pub idempotency: IdempotencyEngine,
}

/// Delivers an ApprovalDecided event to the task waiting for it: SendTaskSuccess when
/// approved, SendTaskFailure `ApprovalRejected` when not. A decision no task waits for
/// answers [`Delivery::NoWaitingTask`].
///
/// # Errors
///
/// `InvalidInput` for an event that is not a valid ApprovalDecided; a store failure, or a
/// failed callback once the token is put back so that the retry can deliver it.
pub async fn handler<T, C, R>(
    deps: &Deps<T, C, R>,
    event: LambdaEvent<Value>,
) -> Result<Recorded, TaskError>
where
    T: ApprovalTokens + ?Sized,
    C: TaskCallbacks + ?Sized,
    R: Reminders + ?Sized,
{
    let (payload, context) = event.into_parts();
    let decision = parse_event::<ApprovalDecided>(&payload)?.data;
    deps.idempotency
        .run_json(
            &payload,
            deps.idempotency.remaining_until(context.deadline),
            || deliver(deps, &decision),
        )
        .await
        .map_err(TaskError::from)
}

async fn deliver<T, C, R>(
    deps: &Deps<T, C, R>,
    decision: &ApprovalDecided,
) -> Result<Recorded, TaskError>
where
    T: ApprovalTokens + ?Sized,
    C: TaskCallbacks + ?Sized,
    R: Reminders + ?Sized,
{
    let decided = ApprovalDecision {
        approved: decision.approved,
        decided_by: decision.decided_by.clone(),
        comment: decision.comment.clone(),
    };
    let expires_at = epoch_seconds_after(deps.idempotency.clock(), TOKEN_TTL);
    let no_task = || {
        tracing::warn!(order_id = %decision.order_id, "no task waits on a valid token: the decision is kept for the next attempt");
        Ok(Recorded {
            delivery: Delivery::NoWaitingTask,
        })
    };
    let token = deps
        .tokens
        .decide(&decision.order_id, &decided, expires_at)
        .await?;
    // The decision is recorded: nobody needs reminding any more, whatever the delivery.
    // Best effort: the token is taken, so failing here would lose the decision for a
    // reminder that at worst goes out for an order already decided.
    if let Err(e) = deps.reminders.cancel(&decision.order_id).await {
        tracing::warn!(order_id = %decision.order_id, error = %e, "the approval reminder could not be cancelled");
    }
    let Some(token) = token else {
        return no_task();
    };
    match approval::answer(deps.callbacks.as_ref(), &token, &decided).await {
        Ok(()) => {
            tracing::info!(order_id = %decision.order_id, approved = decision.approved, "approval decision delivered");
            Ok(Recorded {
                delivery: Delivery::Delivered,
            })
        }
        Err(CallbackError::InvalidToken(_)) => no_task(),
        Err(CallbackError::Port(e)) => {
            // Put the token back so the retry of this event can still deliver it.
            deps.tokens
                .save(&decision.order_id, &token, expires_at)
                .await?;
            Err(e.into())
        }
    }
}

/// record-approval as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type RecordApproval = Deps<dyn ApprovalTokens, dyn TaskCallbacks, dyn Reminders>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<RecordApproval> = shell::Declaration::new();

impl shell::Function for RecordApproval {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[
        Port::ApprovalTokens,
        Port::TaskCallbacks,
        Port::Idempotency,
        Port::Reminders,
    ];
    type Output = Recorded;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            tokens: ports.approval_tokens()?,
            callbacks: ports.task_callbacks()?,
            reminders: ports.reminders()?,
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
