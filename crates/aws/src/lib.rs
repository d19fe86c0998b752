//! AWS adapters of the ports in `orderly_core::ports`: EventBridge, Step Functions, SQS and
//! DynamoDB, built on the AWS SDK for Rust. Handlers never see these types: `main.rs` of each
//! function calls [`run`], which builds the function from [`config::AwsAdapters`].

pub mod attributes;
pub mod config;
pub mod dynamodb;
pub mod error;
pub mod eventbridge;
pub mod function;
pub mod host_prefix;
pub mod idempotency;
pub mod init_report;
pub mod lambda_env;
pub mod notifier;
pub mod retry;
pub mod scheduler;
pub mod sfn;
pub mod sqs;
pub mod warm;

pub use function::run;
