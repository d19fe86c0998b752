//! What a batch run reports: which records failed and why, and the Lambda response.

use std::fmt;

use aws_lambda_events::event::sqs::SqsBatchResponse;

/// Why a record failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The body is missing or is not valid for the record type (a poison message).
    Parse,
    /// The record handler returned an error that a retry may cure.
    Handler,
    /// The record handler refused the record: it can never succeed (a poison message).
    Rejected,
    /// The record handler panicked.
    Panic,
    /// Not processed: an earlier record of a FIFO batch (or of its message group) failed, and
    /// processing it now would break the queue's ordering.
    SkippedAfterFailure,
}

impl FailureKind {
    /// A stable name for logs and dead-letter entries.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Parse => "parse",
            FailureKind::Handler => "handler",
            FailureKind::Rejected => "rejected",
            FailureKind::Panic => "panic",
            FailureKind::SkippedAfterFailure => "skipped-after-failure",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FailureKind {
    /// Whether a record that failed this way can never succeed, however often SQS
    /// delivers it.
    pub fn is_poison(self) -> bool {
        matches!(
            self,
            FailureKind::Parse | FailureKind::Rejected | FailureKind::Panic
        )
    }
}

/// The error a record handler returns: its `Display` is the failure's reason, and
/// [`RecordError::is_poison`] tells a record that can never succeed from one worth
/// retrying.
pub trait RecordError: fmt::Display {
    /// Whether the record can never succeed. Defaults to `false`: retry.
    fn is_poison(&self) -> bool {
        false
    }
}

impl RecordError for String {}
impl RecordError for &str {}

impl RecordError for crate::lambda::TaskError {
    fn is_poison(&self) -> bool {
        matches!(
            self,
            crate::lambda::TaskError::InvalidInput(_) | crate::lambda::TaskError::Permanent(_)
        )
    }
}

/// One failed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFailure {
    /// Position of the record in the batch.
    pub index: usize,
    /// The SQS message id; `None` when the record had none (or an empty one).
    pub message_id: Option<String>,
    /// The failure's kind.
    pub kind: FailureKind,
    /// A human-readable reason, fit for a dead-letter entry (the handler error's `Display`,
    /// the parse error, or the panic message).
    pub reason: String,
}

/// Why a batch as a whole is reported as failed, so Lambda retries all of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// Every record failed: returning an error makes Lambda retry the batch (and back off)
    /// instead of deleting nothing and spinning.
    #[error("all {count} records of the batch failed; first failure: {first_reason}")]
    AllRecordsFailed {
        /// Records in the batch.
        count: usize,
        /// Reason of the first failure in batch order.
        first_reason: String,
    },
    /// A record failed but has no message id, so no partial failure can name it; only a
    /// whole-batch retry keeps it from being deleted.
    #[error("record {index} failed but has no message id to report: {reason}")]
    UnidentifiedFailure {
        /// Position of the record in the batch.
        index: usize,
        /// Why it failed.
        reason: String,
    },
    /// A stream record failed but has no sequence number, so no checkpoint can name it;
    /// only a retry of the whole batch keeps it.
    #[error("record {index} failed but has no sequence number to checkpoint at: {reason}")]
    UnsequencedFailure {
        /// Position of the record in the batch.
        index: usize,
        /// Why it failed.
        reason: String,
    },
}

/// The result of processing one batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Records in the batch.
    pub total: usize,
    /// Failed records, in batch order.
    pub failures: Vec<RecordFailure>,
    /// The earliest `SentTimestamp` of the batch's records (epoch milliseconds), when SQS
    /// gave one.
    pub oldest_sent_ms: Option<i64>,
}

impl BatchReport {
    /// Records that succeeded.
    pub fn succeeded(&self) -> usize {
        self.total - self.failures.len()
    }

    /// Failed records of one kind (for metrics: parse failures, panics, ...).
    pub fn count(&self, kind: FailureKind) -> usize {
        self.failures.iter().filter(|f| f.kind == kind).count()
    }

    /// Records that can never succeed (see [`FailureKind::is_poison`]).
    pub fn poison(&self) -> usize {
        self.failures.iter().filter(|f| f.kind.is_poison()).count()
    }

    /// The batch's metrics for `function` at `now_ms`: its size, the age of its oldest
    /// record, its poison records.
    pub fn metric_record(&self, function: &str, now_ms: i64) -> crate::telemetry::MetricRecord {
        let age = self
            .oldest_sent_ms
            .map(|sent| now_ms.saturating_sub(sent).max(0) as u64);
        crate::telemetry::metrics::batch_record(function, self.total, age, self.poison())
    }

    /// Whether a non-empty batch failed in full.
    pub fn all_failed(&self) -> bool {
        self.total > 0 && self.failures.len() == self.total
    }

    /// The partial batch response: one entry per failed record, each naming its message id.
    ///
    /// # Errors
    /// [`BatchError::AllRecordsFailed`] when every record failed, and
    /// [`BatchError::UnidentifiedFailure`] when a failed record has no message id.
    pub fn response(&self) -> Result<SqsBatchResponse, BatchError> {
        if self.all_failed() {
            return Err(BatchError::AllRecordsFailed {
                count: self.total,
                first_reason: self
                    .failures
                    .first()
                    .map(|f| f.reason.clone())
                    .unwrap_or_default(),
            });
        }
        let mut response = SqsBatchResponse::default();
        for failure in &self.failures {
            match &failure.message_id {
                Some(id) => response.add_failure(id.clone()),
                None => {
                    return Err(BatchError::UnidentifiedFailure {
                        index: failure.index,
                        reason: failure.reason.clone(),
                    });
                }
            }
        }
        Ok(response)
    }
}

/// The message ids a partial batch response asks SQS to redeliver, in order: what a test of
/// a consumer, or a log line about its answer, reads back.
pub fn failed_message_ids(response: &SqsBatchResponse) -> Vec<&str> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect()
}
