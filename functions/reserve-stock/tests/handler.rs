//! The reserve-stock handler on the sample event in `events/lambda/`: a retried step takes
//! stock once; a shortage is `OutOfStock` and takes nothing.

use lambda_runtime::{Context, LambdaEvent};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::MemoryStock;
use reserve_stock::{Deps, ReserveResponse, handler};
use serde_json::{Value, json};
use std::sync::Arc;

fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/reserve-stock.json")).unwrap()
}

fn deps(stock: MemoryStock) -> Deps<MemoryStock> {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    Deps {
        stock: Arc::new(stock),
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("reserve-stock"), store),
    }
}

fn event(payload: Value) -> LambdaEvent<Value> {
    LambdaEvent::new(payload, Context::default())
}

#[tokio::test]
async fn sample_event_reserves_the_line() {
    let deps = deps(MemoryStock::with_stock([("BOOK-0001", 10)]));
    let response = handler(&deps, event(sample())).await.unwrap();
    assert_eq!(
        response,
        ReserveResponse {
            sku: "BOOK-0001".into(),
            reserved: 2
        }
    );
    assert_eq!(deps.stock.available("BOOK-0001").unwrap(), Some(8));
}

#[tokio::test]
async fn retried_step_takes_stock_once() {
    let deps = deps(MemoryStock::with_stock([("BOOK-0001", 10)]));
    for _ in 0..3 {
        handler(&deps, event(sample())).await.unwrap();
    }
    assert_eq!(deps.stock.available("BOOK-0001").unwrap(), Some(8));
}

#[tokio::test]
async fn not_enough_stock_is_named_out_of_stock_and_takes_nothing() {
    let deps = deps(MemoryStock::with_stock([("BOOK-0001", 1)]));
    let err = handler(&deps, event(sample())).await.unwrap_err();
    assert_eq!(err.name(), "OutOfStock");
    assert!(!err.is_retryable());
    assert_eq!(deps.stock.available("BOOK-0001").unwrap(), Some(1));
}

#[tokio::test]
async fn malformed_input_names_the_field() {
    let deps = deps(MemoryStock::default());
    let err = handler(&deps, event(json!({"orderId": "o-1", "quantity": 1})))
        .await
        .unwrap_err();
    assert_eq!(err.name(), "InvalidInput");
    assert!(err.to_string().contains("sku"), "{err}");
}
