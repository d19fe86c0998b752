//! The release-stock handler on the sample event in `events/lambda/`: a release gives back
//! what was reserved, once, and nothing when nothing was.

use lambda_runtime::{Context, LambdaEvent};
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::memory::MemoryStock;
use orderly_core::ports::StockReservations;
use release_stock::{Deps, handler};
use serde_json::Value;
use std::sync::Arc;

fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/release-stock.json")).unwrap()
}

fn deps(stock: MemoryStock) -> Deps<MemoryStock> {
    let store = Arc::new(InMemoryIdempotencyStore::new());
    Deps {
        stock: Arc::new(stock),
        idempotency: IdempotencyEngine::new(IdempotencyConfig::new("release-stock"), store),
    }
}

#[tokio::test]
async fn release_restores_what_was_reserved_once() {
    let deps = deps(MemoryStock::with_stock([("BOOK-0001", 10)]));
    deps.stock
        .reserve("o-happy-1", "BOOK-0001", 2)
        .await
        .unwrap();
    for _ in 0..2 {
        let response = handler(&deps, LambdaEvent::new(sample(), Context::default()))
            .await
            .unwrap();
        assert_eq!(
            response.released, 2,
            "a retried release replays the first answer"
        );
    }
    assert_eq!(deps.stock.available("BOOK-0001").unwrap(), Some(10));
}

#[tokio::test]
async fn releasing_what_was_never_reserved_changes_nothing() {
    let deps = deps(MemoryStock::with_stock([("BOOK-0001", 10)]));
    let response = handler(&deps, LambdaEvent::new(sample(), Context::default()))
        .await
        .unwrap();
    assert_eq!(response.released, 0);
    assert_eq!(deps.stock.available("BOOK-0001").unwrap(), Some(10));
}
