//! Kinesis and DynamoDB Streams batch processing: in order, checkpointed at the first
//! failure.
//!
//! A stream is an ordered log: Lambda hands a function a batch of one shard's records and
//! moves the shard's checkpoint past the batch when the function succeeds. With
//! `ReportBatchItemFailures` the function may instead name one record's sequence number,
//! and Lambda retries from there, keeping every record before it. So unlike the SQS
//! processor ([`crate::batch`]), which runs records concurrently and reports each failure,
//! [`process_stream`] runs records one at a time and stops at the first failure: records
//! after it are not processed now, since they come back after it, in order.
//!
//! - A record whose data is not the expected JSON, a handler error and a panic each fail
//!   the record; the report names its sequence number ([`StreamReport::kinesis_response`],
//!   [`StreamReport::dynamodb_response`]).
//! - Each record runs in a span with its sequence number, partition key and the
//!   correlation id, idempotency key and order id of its body.
//! - Handlers make their effect idempotent as SQS consumers do: the record's envelope
//!   carries the idempotency key ([`StreamContext::idempotency_key`]), and a record
//!   delivered again after a retry or a bisection has no second effect.
//!
//! [`window`] carries a tumbling window's state between invocations.

mod context;
mod processor;
mod record;
mod report;
pub mod window;

pub use context::StreamContext;
pub use processor::{process_records, process_stream};
pub use record::{StreamRecord, dynamodb_event, kinesis_event};
pub use report::{StreamFailure, StreamReport};
