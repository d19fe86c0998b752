//! The local cloud: Orderly's AWS topology from `template.yaml`, run in one process.

pub mod archive;
pub mod chaos;
pub mod clock;
pub mod demo;
pub mod document;
pub mod dynamodb;
pub mod pseudo;
pub mod runtime;
pub mod scenarios;
pub mod scheduler;
pub mod server;
pub mod sqs;
pub mod stdout;
pub mod template;
