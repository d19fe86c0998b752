//! The register-order handler on the sample event in `events/lambda/`: one owning
//! execution per order, the approval threshold, invalid orders.

use lambda_runtime::{Context, LambdaEvent};
use orderly_core::domain::ApprovalPolicy;
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::MemoryOrders;
use register_order::{Deps, Registration, handler};
use serde_json::Value;
use std::sync::Arc;

fn sample(execution: &str) -> Value {
    let mut v: Value =
        serde_json::from_str(include_str!("../../../events/lambda/register-order.json")).unwrap();
    v["executionId"] = execution.into();
    v
}

fn deps(threshold: i64) -> Deps<MemoryOrders> {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    Deps {
        orders: Arc::new(MemoryOrders::default()),
        policy: ApprovalPolicy { threshold },
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("register-order"), store),
    }
}

async fn call(
    deps: &Deps<MemoryOrders>,
    payload: Value,
) -> Result<register_order::RegisterResponse, orderly_core::lambda::TaskError> {
    handler(deps, LambdaEvent::new(payload, Context::default())).await
}

#[tokio::test]
async fn first_execution_registers_and_a_second_is_a_duplicate() {
    let deps = deps(100_000);
    assert_eq!(
        call(&deps, sample("exec-1")).await.unwrap().status,
        Registration::Registered
    );
    assert_eq!(
        call(&deps, sample("exec-1")).await.unwrap().status,
        Registration::Registered,
        "a retry of the owner"
    );
    assert_eq!(
        call(&deps, sample("exec-2")).await.unwrap().status,
        Registration::Duplicate
    );
    assert_eq!(
        deps.orders.get("o-happy-1").unwrap().unwrap()["status"],
        "PROCESSING"
    );
    assert_eq!(deps.orders.len(), 1);
}

#[tokio::test]
async fn approval_needed_at_or_above_threshold() {
    // The sample order totals 5500.
    assert!(!call(&deps(5501), sample("e")).await.unwrap().needs_approval);
    assert!(call(&deps(5500), sample("e")).await.unwrap().needs_approval);
}

#[tokio::test]
async fn an_order_whose_total_does_not_add_up_is_invalid() {
    let mut payload = sample("exec-1");
    payload["order"]["total"]["amount"] = 1.into();
    let err = call(&deps(100_000), payload).await.unwrap_err();
    assert_eq!(err.name(), "InvalidOrder");
    assert!(err.to_string().contains("add up"), "{err}");
}

/// APPROVAL_THRESHOLD is parsed once, when the function is built: a value that is not a
/// whole number stops it with an error naming the variable, on AWS and locally alike.
#[test]
fn the_approval_threshold_is_parsed_when_the_function_is_built() {
    use orderly_core::memory::MemoryAdapters;
    use orderly_core::shell::{Declared, Environment};
    let adapters = MemoryAdapters::default();
    let build = |threshold: Option<&str>| {
        let environment = Environment::from_fn(move |name| match name {
            "ORDERS_TABLE" | "IDEMPOTENCY_TABLE" => Some("t".to_owned()),
            "APPROVAL_THRESHOLD" => threshold.map(str::to_owned),
            _ => None,
        });
        register_order::DECLARATION
            .build(&adapters, &environment)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert_eq!(build(Some("250000")), Ok(()));
    assert_eq!(build(None), Ok(()));
    assert_eq!(
        build(Some("12.50")),
        Err("register-order: APPROVAL_THRESHOLD is not a whole number: 12.50".to_owned())
    );
}
