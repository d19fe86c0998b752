//! AWS adapters of the ports in `orderly_core::ports`: EventBridge, Step Functions, SQS and
//! DynamoDB, built on the AWS SDK for Rust. Handlers never see these types; `main.rs` of each
//! function wires them in through [`config::AwsAdapters`].

pub mod attributes;
pub mod config;
pub mod dynamodb;
pub mod error;
pub mod eventbridge;
pub mod idempotency;
pub mod retry;
pub mod sfn;
pub mod sqs;
