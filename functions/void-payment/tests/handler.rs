//! The void-payment handler on the sample event in `events/lambda/`: a hold is voided once,
//! and voiding without one is a no-op.

use lambda_runtime::{Context, LambdaEvent};
use orderly_core::domain::{Currency, Money};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::SimulatedPayments;
use orderly_core::ports::PaymentGateway;
use serde_json::Value;
use std::sync::Arc;
use void_payment::{Deps, handler};

fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/void-payment.json")).unwrap()
}

#[tokio::test]
async fn void_releases_the_hold_once() {
    let payments = Arc::new(SimulatedPayments::default());
    let eur = Money::new(5500, Currency::try_from("EUR".to_owned()).unwrap());
    payments
        .authorize("o-happy-1", "tok_visa", &eur, 0)
        .await
        .unwrap();
    let store = Arc::new(InMemoryIdempotencyStore::new());
    let deps = Deps {
        payments,
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("void-payment"), store),
    };
    for _ in 0..2 {
        let response = handler(&deps, LambdaEvent::new(sample(), Context::default()))
            .await
            .unwrap();
        assert!(response.voided);
    }
    assert!(!deps.payments.holds("o-happy-1").unwrap());
    assert_eq!(deps.payments.voids("o-happy-1").unwrap(), 1);
}

#[tokio::test]
async fn voiding_without_a_hold_is_a_no_op() {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    let deps = Deps {
        payments: Arc::new(SimulatedPayments::default()),
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("void-payment"), store),
    };
    let response = handler(&deps, LambdaEvent::new(sample(), Context::default()))
        .await
        .unwrap();
    assert!(!response.voided);
}
