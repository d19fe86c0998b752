//! The local cloud: Orderly's AWS topology from `template.yaml`, run in one process.

pub mod archive;
pub mod chaos;
pub mod clock;
pub mod console;
pub mod demo;
pub mod document;
pub mod dynamodb;
pub mod iam;
pub mod kinesis;
pub mod pseudo;
pub mod runtime;
pub mod scaffold;
pub mod scenarios;
pub mod scheduler;
pub mod server;
pub mod sqs;
pub mod stdout;
pub mod template;

// The Rust examples of docs/*.md, compiled and run as doctests (`cargo test --doc -p
// orderly-local`): this crate is the one that reaches every crate they use (orderly-core with
// its contract suites, orderly-aws, the function crates).
#[doc = include_str!("../../../docs/functions.md")]
#[cfg(doctest)]
pub struct FunctionsDoc;

#[doc = include_str!("../../../docs/idempotency.md")]
#[cfg(doctest)]
pub struct IdempotencyDoc;

#[doc = include_str!("../../../docs/stream-consumers.md")]
#[cfg(doctest)]
pub struct StreamConsumersDoc;
