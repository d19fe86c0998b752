//! The request-approval handler on the sample event in `events/lambda/`: the newest task
//! token is kept and ApprovalRequested is published once.

use lambda_runtime::{Context, LambdaEvent};
use orderly_core::contracts::{ApprovalRequested, parse_detail};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::{MemoryApprovalTokens, MemoryPublisher};
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

#[tokio::test]
async fn keeps_the_newest_token_and_announces_once() {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    let deps = Deps {
        tokens: Arc::new(MemoryApprovalTokens::default()),
        publisher: Arc::new(MemoryPublisher::default()),
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("request-approval"), store),
    };
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
    assert_eq!(published[0].detail_type, "ApprovalRequested");
    let detail = parse_detail::<ApprovalRequested>(&published[0].detail).unwrap();
    assert_eq!(detail.data.order_id, "o-approval-1");
    assert_eq!(
        detail.metadata.correlation_id,
        "c0ffee00-0000-4000-8000-000000000001"
    );
    assert_eq!(
        deps.tokens.take("o-approval-1").await.unwrap().as_deref(),
        Some("token-2")
    );
}
