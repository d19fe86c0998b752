//! The record-approval handler on the sample event in `events/lambda/`: a decision reaches
//! the waiting task once, and a decision no task waits for is dropped, not retried.

use lambda_runtime::{Context, LambdaEvent};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::{
    MemoryApprovalTokens, MemoryReminders, RecordedCallback, RecordingCallbacks,
};
use orderly_core::ports::{ApprovalTokens, Reminders};
use record_approval::{Delivery, Deps, handler};
use serde_json::Value;
use std::sync::Arc;

fn sample(approved: bool, key: &str) -> Value {
    let mut v: Value =
        serde_json::from_str(include_str!("../../../events/lambda/record-approval.json")).unwrap();
    v["detail"]["data"]["approved"] = approved.into();
    v["detail"]["metadata"]["idempotency-key"] = key.into();
    v
}

fn order_id(v: &Value) -> String {
    v["detail"]["data"]["orderId"].as_str().unwrap().to_owned()
}

async fn deps_waiting(
    order: &str,
) -> Deps<MemoryApprovalTokens, RecordingCallbacks, MemoryReminders> {
    let tokens = Arc::new(MemoryApprovalTokens::default());
    tokens.save(order, "token-1", i64::MAX).await.unwrap();
    let reminders = Arc::new(MemoryReminders::default());
    let reminder = orderly_core::contracts::OutboundEvent {
        source: "com.approvals".into(),
        detail_type: "ApprovalReminder".into(),
        detail: serde_json::json!({}),
    };
    reminders.remind(order, 1, &reminder).await.unwrap();
    let store = Arc::new(InMemoryIdempotencyStore::new());
    Deps {
        tokens,
        callbacks: Arc::new(RecordingCallbacks::default()),
        reminders,
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("record-approval"), store),
    }
}

#[tokio::test]
async fn approval_sends_task_success_once() {
    let event = sample(true, "k-decision-1");
    let deps = deps_waiting(&order_id(&event)).await;
    let first = handler(&deps, LambdaEvent::new(event.clone(), Context::default()))
        .await
        .unwrap();
    let again = handler(&deps, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(first.delivery, Delivery::Delivered);
    assert_eq!(
        again.delivery,
        Delivery::Delivered,
        "a redelivery replays the first answer"
    );
    let sent = deps.callbacks.sent();
    assert_eq!(sent.len(), 1);
    assert!(matches!(&sent[0], RecordedCallback::Success { token, .. } if token == "token-1"));
    assert!(
        deps.reminders.pending().is_empty(),
        "the decision cancels the order's reminder"
    );
}

#[tokio::test]
async fn rejection_sends_task_failure_named_approval_rejected() {
    let event = sample(false, "k-decision-2");
    let deps = deps_waiting(&order_id(&event)).await;
    handler(&deps, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert!(
        matches!(&deps.callbacks.sent()[0], RecordedCallback::Failure { error, .. } if error == "ApprovalRejected")
    );
}

#[tokio::test]
async fn decision_for_an_order_that_waits_for_none_is_dropped() {
    let event = sample(true, "k-decision-3");
    let deps = deps_waiting("another-order").await;
    let response = handler(&deps, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(response.delivery, Delivery::NoWaitingTask);
    assert!(deps.callbacks.sent().is_empty());
}

#[tokio::test]
async fn an_ended_task_is_not_an_error() {
    let event = sample(true, "k-decision-4");
    let deps = deps_waiting(&order_id(&event)).await;
    deps.callbacks.invalidate("token-1");
    let response = handler(&deps, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(response.delivery, Delivery::NoWaitingTask);
}

/// Reminders whose cancel fails: the decision must still reach the task.
struct FailingReminders;

#[async_trait::async_trait]
impl Reminders for FailingReminders {
    async fn remind(
        &self,
        _key: &str,
        _at: i64,
        _event: &orderly_core::contracts::OutboundEvent,
    ) -> Result<(), orderly_core::ports::PortError> {
        Ok(())
    }
    async fn cancel(&self, _key: &str) -> Result<(), orderly_core::ports::PortError> {
        Err(orderly_core::ports::PortError::Transient(
            "ThrottlingException".into(),
        ))
    }
}

#[tokio::test]
async fn a_reminder_that_cannot_be_cancelled_does_not_cost_the_decision() {
    let event = sample(true, "k-decision-cancel");
    let waiting = deps_waiting(&order_id(&event)).await;
    let deps = Deps {
        tokens: waiting.tokens,
        callbacks: waiting.callbacks,
        reminders: Arc::new(FailingReminders),
        idempotency: waiting.idempotency,
    };
    let recorded = handler(&deps, LambdaEvent::new(event, Context::default()))
        .await
        .unwrap();
    assert_eq!(recorded.delivery, Delivery::Delivered);
    assert_eq!(deps.callbacks.sent().len(), 1);
}
