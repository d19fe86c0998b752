//! The request-approval handler on the sample event in `events/lambda/`: the newest task
//! token is kept and ApprovalRequested is published once.

use lambda_runtime::{Context, LambdaEvent};
use orderly_core::contracts::{ApprovalRequested, parse_detail};
use orderly_core::domain::approval::ApprovalDecision;
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::{
    MemoryApprovalTokens, MemoryPublisher, MemoryReminders, RecordedCallback, RecordingCallbacks,
};
use orderly_core::ports::ApprovalTokens;
use request_approval::{Deps, handler};
use serde_json::Value;
use std::sync::Arc;

fn sample(token: &str) -> Value {
    let mut v: Value =
        serde_json::from_str(include_str!("../../../events/lambda/request-approval.json")).unwrap();
    v["taskToken"] = token.into();
    v
}

type MemoryDeps = Deps<MemoryApprovalTokens, MemoryPublisher, RecordingCallbacks, MemoryReminders>;

fn deps() -> MemoryDeps {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    Deps {
        tokens: Arc::new(MemoryApprovalTokens::default()),
        publisher: Arc::new(MemoryPublisher::default()),
        callbacks: Arc::new(RecordingCallbacks::default()),
        reminders: Arc::new(MemoryReminders::default()),
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("request-approval"), store),
    }
}

#[tokio::test]
async fn keeps_the_newest_token_and_announces_once() {
    let deps = deps();
    handler(
        &deps,
        LambdaEvent::new(sample("token-1"), Context::default()),
    )
    .await
    .unwrap();
    handler(
        &deps,
        LambdaEvent::new(sample("token-2"), Context::default()),
    )
    .await
    .unwrap();
    let published = deps.publisher.published();
    assert_eq!(published.len(), 1, "ApprovalRequested is emitted once");
    // One reminder, 20 hours from now: 4 hours before the 24-hour approval times out.
    let reminders = deps.reminders.pending();
    let (at, reminder) = &reminders["o-approval-1"];
    assert_eq!(reminders.len(), 1);
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((at - (now_s + 20 * 3600)).abs() < 60, "{at} vs {now_s}");
    assert_eq!(reminder.detail_type, "ApprovalReminder");
    assert_eq!(
        reminder.detail["data"]["decideBy"],
        orderly_core::clock::rfc3339_seconds((at + 4 * 3600) * 1000).as_str()
    );
    assert_eq!(reminder.detail["data"]["orderId"], "o-approval-1");
    assert_eq!(published[0].detail_type, "ApprovalRequested");
    let detail = parse_detail::<ApprovalRequested>(&published[0].detail).unwrap();
    assert_eq!(detail.data.order_id, "o-approval-1");
    assert_eq!(detail.metadata.correlation_id, "corr-approval-1");
    let decision = ApprovalDecision {
        approved: true,
        decided_by: "approver-17".to_owned(),
        comment: None,
    };
    assert_eq!(
        deps.tokens
            .decide("o-approval-1", &decision, i64::MAX)
            .await
            .unwrap()
            .as_deref(),
        Some("token-2")
    );
    assert!(deps.callbacks.sent().is_empty(), "nothing was decided yet");
}

/// The attempt that saved token-1 died after saving it; the approver's decision answered
/// token-1, which no task waits on any more. The retry saves token-2 and must still get the
/// decision, or the order waits out its 24 hours although a person approved it.
#[tokio::test]
async fn a_decision_that_came_before_the_token_is_delivered_to_it() {
    let deps = deps();
    let decision = ApprovalDecision {
        approved: false,
        decided_by: "approver-17".to_owned(),
        comment: Some("Could not verify.".to_owned()),
    };
    deps.tokens
        .save("o-approval-1", "token-1", i64::MAX)
        .await
        .unwrap();
    let taken = deps
        .tokens
        .decide("o-approval-1", &decision, i64::MAX)
        .await
        .unwrap();
    assert_eq!(
        taken.as_deref(),
        Some("token-1"),
        "the dead attempt's token"
    );
    handler(
        &deps,
        LambdaEvent::new(sample("token-2"), Context::default()),
    )
    .await
    .unwrap();
    let sent = deps.callbacks.sent();
    assert!(
        matches!(sent.as_slice(), [RecordedCallback::Failure { token, error, .. }]
            if token == "token-2" && error == "ApprovalRejected"),
        "{sent:?}"
    );
}

/// The reminder is timed from the workflow's own wait: RequestApproval's TimeoutSeconds.
#[test]
fn the_approval_timeout_is_the_workflows() {
    let definition: Value = serde_json::from_str(include_str!(
        "../../../statemachines/order-fulfillment.asl.json"
    ))
    .unwrap();
    let state = definition
        .pointer("/States/Fulfil/Branches/0/States/RequestApproval")
        .or_else(|| definition.pointer("/States/RequestApproval"))
        .cloned()
        .unwrap_or_else(|| {
            fn find(v: &Value) -> Option<Value> {
                match v {
                    Value::Object(m) => m
                        .get("RequestApproval")
                        .cloned()
                        .or_else(|| m.values().find_map(find)),
                    Value::Array(a) => a.iter().find_map(find),
                    _ => None,
                }
            }
            find(&definition).expect("a RequestApproval state")
        });
    assert_eq!(
        state["TimeoutSeconds"].as_u64(),
        Some(request_approval::APPROVAL_TIMEOUT.as_secs())
    );
}
