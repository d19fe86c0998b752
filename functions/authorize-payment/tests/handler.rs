//! The authorize-payment handler on the sample event in `events/lambda/`, with the
//! simulated provider: one hold per order, declines and outages under their error names.

use authorize_payment::{Deps, handler};
use lambda_runtime::{Context, LambdaEvent};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::SimulatedPayments;
use serde_json::Value;
use std::sync::Arc;

fn sample(token: &str, attempt: u32) -> Value {
    let mut v: Value = serde_json::from_str(include_str!(
        "../../../events/lambda/authorize-payment.json"
    ))
    .unwrap();
    v["paymentToken"] = token.into();
    v["attempt"] = attempt.into();
    v
}

fn deps() -> Deps<SimulatedPayments> {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    Deps {
        payments: Arc::new(SimulatedPayments::default()),
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("authorize-payment"), store),
    }
}

#[tokio::test]
async fn duplicate_authorization_has_no_second_hold() {
    let deps = deps();
    let first = handler(
        &deps,
        LambdaEvent::new(sample("tok_visa", 0), Context::default()),
    )
    .await
    .unwrap();
    let second = handler(
        &deps,
        LambdaEvent::new(sample("tok_visa", 0), Context::default()),
    )
    .await
    .unwrap();
    assert_eq!(first, second);
    assert_eq!(first.authorization_id, "auth-o-happy-1");
    assert_eq!(deps.payments.authorizations("o-happy-1").unwrap(), 1);
    assert_eq!(
        deps.payments.attempts("o-happy-1").unwrap(),
        1,
        "the duplicate is answered from the record"
    );
}

#[tokio::test]
async fn declined_card_is_a_named_non_retryable_error() {
    let deps = deps();
    let err = handler(
        &deps,
        LambdaEvent::new(sample("tok_declined", 0), Context::default()),
    )
    .await
    .unwrap_err();
    assert_eq!(err.name(), "PaymentDeclined");
    assert!(!err.is_retryable());
    assert_eq!(deps.payments.authorizations("o-happy-1").unwrap(), 0);
}

#[tokio::test]
async fn flaky_provider_is_retryable_until_it_answers() {
    let deps = deps();
    for attempt in 0..2 {
        let err = handler(
            &deps,
            LambdaEvent::new(sample("tok_flaky_2", attempt), Context::default()),
        )
        .await
        .unwrap_err();
        assert_eq!(err.name(), "PaymentProviderUnavailable");
        assert!(err.is_retryable());
    }
    let ok = handler(
        &deps,
        LambdaEvent::new(sample("tok_flaky_2", 2), Context::default()),
    )
    .await
    .unwrap();
    assert_eq!(ok.authorization_id, "auth-o-happy-1");
    assert_eq!(deps.payments.authorizations("o-happy-1").unwrap(), 1);
}
