//! Orderly core: contracts, domain rules, ports, idempotency, batch processing.

pub mod batch;
pub mod idempotency;
