//! Orderly core: contracts, domain rules, ports, idempotency, batch and stream processing.
//! No AWS SDK here: adapters live in `orderly-aws`, embedded ones in [`memory`].

pub mod batch;
pub use orderly_clock as clock;
pub mod contracts;
pub mod domain;
pub mod idempotency;
pub mod intake;
pub mod items;
pub mod lambda;
pub mod memory;
pub mod outbox;
#[cfg(feature = "contract-tests")]
pub mod payment_contract;
pub mod ports;
pub mod shell;
pub mod stream;
pub mod telemetry;
