//! SQS batch processing with partial batch responses.
//!
//! [`BatchProcessor`] runs a typed async closure per record and returns a [`BatchReport`]:
//! which records failed and why ([`RecordFailure`]), and the `SqsBatchResponse` to return
//! to Lambda (`ReportBatchItemFailures`). Combine it with the idempotency engine per record
//! so a redelivered record has no second effect. [`consume_sqs_batch`] is the whole frame
//! of a consumer's handler around that.

mod consumer;
mod context;
pub(crate) mod processor;
mod report;

pub use consumer::consume_sqs_batch;
pub use context::RecordContext;
pub use processor::{BatchProcessor, DEFAULT_MAX_CONCURRENCY};
pub use report::{
    BatchError, BatchReport, FailureKind, RecordError, RecordFailure, failed_message_ids,
};
