//! Errors of the embedded SQS engine, named after the AWS error codes they stand for.

/// What SQS would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqsError {
    #[error("queue {0} does not exist")]
    QueueDoesNotExist(String),
    #[error("queue {0} already exists")]
    QueueAlreadyExists(String),
    #[error("receipt handle {handle:?} is not valid for queue {queue} (stale or malformed)")]
    ReceiptHandleIsInvalid { queue: String, handle: String },
    #[error("message of receipt handle {handle:?} in queue {queue} is not in flight")]
    MessageNotInflight { queue: String, handle: String },
    #[error("queue {queue}: missing parameter {parameter}")]
    MissingParameter { queue: String, parameter: String },
    #[error("queue {queue}: invalid value for {parameter}: {reason}")]
    InvalidParameterValue {
        queue: String,
        parameter: String,
        reason: String,
    },
    #[error("queue {0} has no dead-letter queue (no RedrivePolicy)")]
    NoDeadLetterQueue(String),
}

impl SqsError {
    /// The error code AWS returns for this error (what `orderly serve` puts on the wire).
    pub fn code(&self) -> &'static str {
        match self {
            SqsError::QueueDoesNotExist(_) => "AWS.SimpleQueueService.NonExistentQueue",
            SqsError::QueueAlreadyExists(_) => "QueueAlreadyExists",
            SqsError::ReceiptHandleIsInvalid { .. } => "ReceiptHandleIsInvalid",
            SqsError::MessageNotInflight { .. } => "AWS.SimpleQueueService.MessageNotInflight",
            SqsError::MissingParameter { .. } => "MissingParameter",
            SqsError::InvalidParameterValue { .. } | SqsError::NoDeadLetterQueue(_) => {
                "InvalidParameterValue"
            }
        }
    }

    pub(crate) fn invalid(queue: &str, parameter: &str, reason: impl Into<String>) -> Self {
        SqsError::InvalidParameterValue {
            queue: queue.to_owned(),
            parameter: parameter.to_owned(),
            reason: reason.into(),
        }
    }
}
