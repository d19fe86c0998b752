//! Compensation racing the forward step, at the handlers: when the stock branch of the
//! fulfilment Parallel fails, Step Functions runs VoidPayment while AuthorizePayment's Lambda
//! may still be running. The void must leave a marker that the late authorization finds, or
//! its idempotency record caches "nothing to void" and the late hold stands forever.

use authorize_payment::{Deps as AuthorizeDeps, handler as authorize};
use lambda_runtime::{Context, LambdaEvent};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::SimulatedPayments;
use serde_json::Value;
use std::sync::Arc;
use void_payment::{Deps as VoidDeps, handler as void};

fn event(text: &str) -> LambdaEvent<Value> {
    LambdaEvent::new(
        serde_json::from_str(text).expect("sample event"),
        Context::default(),
    )
}

fn authorize_event() -> LambdaEvent<Value> {
    event(include_str!(
        "../../../events/lambda/authorize-payment.json"
    ))
}

fn void_event() -> LambdaEvent<Value> {
    event(include_str!("../../../events/lambda/void-payment.json"))
}

/// Both functions on one ledger (the payments table) and one idempotency table, each with
/// its own engine, as on AWS.
fn functions() -> (
    AuthorizeDeps<SimulatedPayments>,
    VoidDeps<SimulatedPayments>,
) {
    let ledger = Arc::new(SimulatedPayments::default());
    let store = Arc::new(InMemoryIdempotencyStore::new());
    (
        AuthorizeDeps {
            payments: ledger.clone(),
            idempotency: IdempotencyEngine::new(
                IdempotencyConfig::new("authorize-payment"),
                store.clone(),
            ),
        },
        VoidDeps {
            payments: ledger,
            idempotency: IdempotencyEngine::new(IdempotencyConfig::new("void-payment"), store),
        },
    )
}

#[tokio::test]
async fn a_late_authorization_after_the_void_places_no_hold() {
    let (authorize_payment, void_payment) = functions();

    // Compensation first: nothing to void yet.
    let voided = void(&void_payment, void_event()).await.expect("void runs");
    assert!(!voided.voided);

    // The forward step lands late: refused, final, and no hold stands.
    let late = authorize(&authorize_payment, authorize_event()).await;
    let Err(error) = late else {
        panic!("the late authorization placed a hold: {late:?}");
    };
    assert_eq!(error.name(), "OrderCancelled");
    assert!(!error.is_retryable(), "the state machine must not retry it");
    let ledger = &authorize_payment.payments;
    assert_eq!(ledger.authorizations("o-happy-1").unwrap(), 0);
    assert!(
        !ledger.holds("o-happy-1").unwrap(),
        "no money held on a failed order"
    );

    // A redelivered void replays its answer; still no hold.
    let again = void(&void_payment, void_event())
        .await
        .expect("void replays");
    assert!(!again.voided);
    assert!(!ledger.holds("o-happy-1").unwrap());
}

#[tokio::test]
async fn an_authorization_before_the_void_is_released() {
    let (authorize_payment, void_payment) = functions();
    let held = authorize(&authorize_payment, authorize_event())
        .await
        .expect("authorized");
    assert_eq!(held.authorization_id, "auth-o-happy-1");
    let voided = void(&void_payment, void_event()).await.expect("void runs");
    assert!(voided.voided);
    let ledger = &authorize_payment.payments;
    assert_eq!(ledger.authorizations("o-happy-1").unwrap(), 1);
    assert_eq!(ledger.voids("o-happy-1").unwrap(), 1);
    assert!(!ledger.holds("o-happy-1").unwrap());
}
