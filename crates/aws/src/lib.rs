//! Orderly's AWS SDK adapters of the ports defined in `orderly-core`.

pub mod idempotency;
