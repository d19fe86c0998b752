//! The one clock of Orderly, as the local cloud uses it: every time-driven behaviour of the
//! runtime — SQS delays and visibility timeouts, the deduplication window, Wait states,
//! Retry back-off, task-token timeouts, async-invoke retries, and the functions' own
//! leases and timestamps — reads the one [`Clock`] the cloud was started with. See
//! [`orderly_core::clock`] for the clocks.

pub use orderly_core::clock::*;
