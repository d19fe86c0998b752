//! The item store contract, run against the embedded store.

use orderly_core::items::contract::CONTRACT_KEY;
use orderly_core::items::{ItemStore, MemoryItems};
use std::sync::Arc;

async fn memory_items() -> Arc<dyn ItemStore> {
    Arc::new(MemoryItems::new(CONTRACT_KEY))
}

orderly_core::item_store_contract!(memory_items);
