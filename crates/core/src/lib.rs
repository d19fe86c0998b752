//! Orderly core: contracts, domain rules, ports, idempotency, batch processing.
