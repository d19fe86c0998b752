//! The embedded stores on the local cloud's disk tables keep the same contracts as on
//! memory tables: the idempotency store's and the payment gateway's suites, run here.

use std::sync::Arc;

use orderly_core::idempotency::{IdempotencyStore, InMemoryIdempotencyStore};
use orderly_core::memory::SimulatedPayments;
use orderly_core::ports::PaymentGateway;
use orderly_local::runtime::disk_tables::DiskTables;

fn tables() -> DiskTables {
    DiskTables::create(None).expect("a table file in the temporary directory")
}

async fn disk_idempotency_store() -> Arc<dyn IdempotencyStore> {
    Arc::new(InMemoryIdempotencyStore::open(&tables()).expect("the table opens"))
}

async fn disk_payments() -> Arc<dyn PaymentGateway> {
    Arc::new(SimulatedPayments::open(&tables()).expect("the table opens"))
}

orderly_core::idempotency_store_contract!(disk_idempotency_store);
orderly_core::payment_gateway_contract!(disk_payments);
