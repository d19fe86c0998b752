//! The idempotency store contract, run against the embedded in-memory store.

use std::sync::Arc;

use orderly_core::idempotency::{IdempotencyStore, InMemoryIdempotencyStore};

async fn in_memory_store() -> Arc<dyn IdempotencyStore> {
    Arc::new(InMemoryIdempotencyStore::new())
}

orderly_core::idempotency_store_contract!(in_memory_store);
