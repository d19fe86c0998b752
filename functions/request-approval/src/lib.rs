//! Called with a task token (`lambda:invoke.waitForTaskToken`): keeps the token where
//! record-approval will find it and tells the approvers with ApprovalRequested. The
//! workflow waits until a decision arrives or the task times out. When the decision came
//! first — it answered the token of an earlier attempt that died after saving it — the
//! same call that saves this attempt's token finds it, and it is delivered here.
//!
//! It also schedules ApprovalReminder for [`REMINDER_BEFORE`] before the approval times
//! out (EventBridge Scheduler, a one-time schedule that deletes itself); record-approval
//! cancels it when the decision comes first.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::{ApprovalReminder, ApprovalRequested, Metadata, OutboundEvent};
use orderly_core::domain::Money;
use orderly_core::domain::approval;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, epoch_seconds_after, now_rfc3339, parse_input};
use orderly_core::ports::{
    ApprovalTokens, CallbackError, EventPublisher, Reminders, TaskCallbacks,
};
use orderly_core::shell::{self, EventType, Port, Ports, ShellError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "request-approval";

/// A token outlives the task's TimeoutSeconds by a margin, then the table's TTL drops it.
pub const TOKEN_TTL: Duration = Duration::from_secs(2 * 24 * 3600);

/// How long the workflow waits for a decision: RequestApproval's `TimeoutSeconds`.
pub const APPROVAL_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// How long before the approval times out the reminder goes out.
pub const REMINDER_BEFORE: Duration = Duration::from_secs(4 * 3600);

/// The task's input, as the state machine's RequestApproval state (waitForTaskToken)
/// passes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalTask {
    /// The token that completes the waiting task.
    pub task_token: String,
    /// The order that waits.
    pub order_id: String,
    /// Its total, for the person who decides.
    pub total: Money,
    /// The metadata of the workflow's event; ApprovalRequested is caused by it.
    pub metadata: Metadata,
}

/// The task's immediate result; the workflow itself waits for the token's callback.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Requested {
    /// Always `true` once ApprovalRequested is published.
    pub requested: bool,
}

/// What the handler needs: the token store, the bus, Step Functions callbacks and the
/// idempotency engine.
pub struct Deps<T: ?Sized, P: ?Sized, C: ?Sized, R: ?Sized> {
    /// Where the task token is kept until the decision comes.
    pub tokens: Arc<T>,
    /// Where ApprovalRequested goes.
    pub publisher: Arc<P>,
    /// Answers this attempt's task with a decision recorded before its token.
    pub callbacks: Arc<C>,
    /// Where the reminder is scheduled.
    pub reminders: Arc<R>,
    /// Keyed on the order id: ApprovalRequested is published once per order.
    pub idempotency: IdempotencyEngine,
}

/// Stores the task token (always the newest) and publishes ApprovalRequested once.
///
/// # Errors
///
/// `InvalidInput` for a malformed request, or a store or bus failure.
pub async fn handler<T, P, C, R>(
    deps: &Deps<T, P, C, R>,
    event: LambdaEvent<Value>,
) -> Result<Requested, TaskError>
where
    T: ApprovalTokens + ?Sized,
    P: EventPublisher + ?Sized,
    C: TaskCallbacks + ?Sized,
    R: Reminders + ?Sized,
{
    let (payload, context) = event.into_parts();
    let task: ApprovalTask = parse_input(payload)?;
    let expires_at = epoch_seconds_after(deps.idempotency.clock(), TOKEN_TTL);
    // Always keep the newest token: a retried task attempt comes with a new one.
    let decided = deps
        .tokens
        .save(&task.order_id, &task.task_token, expires_at)
        .await?;
    if let Some(decision) = decided {
        match approval::answer(deps.callbacks.as_ref(), &task.task_token, &decision).await {
            Ok(()) => {
                tracing::info!(order_id = %task.order_id, approved = decision.approved, "a decision recorded earlier delivered");
            }
            // The task has ended (timed out, answered): nothing waits for the decision.
            Err(CallbackError::InvalidToken(_)) => {}
            Err(CallbackError::Port(e)) => return Err(e.into()),
        }
    }
    deps.idempotency
        .run_keyed(
            &task.order_id,
            deps.idempotency.remaining_until(context.deadline),
            || async {
                // Scheduled before ApprovalRequested is put: an order the approvers were
                // told about always has its reminder.
                let clock = deps.idempotency.clock();
                let decide_by_s = epoch_seconds_after(clock, APPROVAL_TIMEOUT);
                let remind_at_s = decide_by_s - REMINDER_BEFORE.as_secs() as i64;
                let reminder = ApprovalReminder {
                    order_id: task.order_id.clone(),
                    total: task.total.clone(),
                    decide_by: rfc3339_of(decide_by_s),
                };
                let reminder_metadata = Metadata::caused_by(
                    &task.metadata,
                    format!("{}:ApprovalReminder", task.metadata.idempotency_key),
                    rfc3339_of(remind_at_s),
                );
                deps.reminders
                    .remind(
                        &task.order_id,
                        remind_at_s,
                        &OutboundEvent::new(reminder_metadata, &reminder)?,
                    )
                    .await?;
                let metadata = Metadata::caused_by(
                    &task.metadata,
                    format!("{}:ApprovalRequested", task.metadata.idempotency_key),
                    now_rfc3339(deps.idempotency.clock()),
                );
                let data = ApprovalRequested {
                    order_id: task.order_id.clone(),
                    total: task.total.clone(),
                    reason: "order total at or above the approval threshold".to_owned(),
                };
                deps.publisher
                    .publish(&[OutboundEvent::new(metadata, &data)?])
                    .await?;
                orderly_core::telemetry::metrics::count(
                    FUNCTION,
                    orderly_core::telemetry::metrics::APPROVALS_REQUESTED,
                    1,
                );
                Ok::<_, TaskError>(Requested { requested: true })
            },
        )
        .await
        .map_err(TaskError::from)
        .inspect(|_| tracing::info!(order_id = %task.order_id, "approval requested"))
}

/// Epoch seconds as UTC RFC 3339 text.
fn rfc3339_of(epoch_s: i64) -> String {
    orderly_core::clock::rfc3339_seconds(epoch_s.saturating_mul(1000))
}

/// request-approval as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type RequestApproval =
    Deps<dyn ApprovalTokens, dyn EventPublisher, dyn TaskCallbacks, dyn Reminders>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<RequestApproval> = shell::Declaration::new();

impl shell::Function for RequestApproval {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[
        Port::ApprovalTokens,
        Port::Publisher,
        Port::TaskCallbacks,
        Port::Idempotency,
        Port::Reminders,
    ];
    const PUBLISHES: &'static [EventType] = &[EventType::of::<ApprovalRequested>()];
    type Output = Requested;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            tokens: ports.approval_tokens()?,
            publisher: ports.publisher()?,
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
