//! Errors of the embedded SQS engine, named after the AWS error codes they stand for.

/// What SQS would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqsError {
    /// No queue has this name (or URL).
    #[error("queue {0} does not exist")]
    QueueDoesNotExist(String),
    /// A queue of this name exists already.
    #[error("queue {0} already exists")]
    QueueAlreadyExists(String),
    /// The receipt handle is malformed, or of an earlier receive.
    #[error("receipt handle {handle:?} is not valid for queue {queue} (stale or malformed)")]
    ReceiptHandleIsInvalid {
        /// The queue's name.
        queue: String,
        /// The handle given.
        handle: String,
    },
    /// The message of the handle is no longer in flight (deleted, or visible again).
    #[error("message of receipt handle {handle:?} in queue {queue} is not in flight")]
    MessageNotInflight {
        /// The queue's name.
        queue: String,
        /// The handle given.
        handle: String,
    },
    /// A required parameter is absent, e.g. `MessageGroupId` on a FIFO queue.
    #[error("queue {queue}: missing parameter {parameter}")]
    MissingParameter {
        /// The queue's name.
        queue: String,
        /// The parameter's AWS name.
        parameter: String,
    },
    /// A parameter's value is out of range or not allowed on this queue.
    #[error("queue {queue}: invalid value for {parameter}: {reason}")]
    InvalidParameterValue {
        /// The queue's name.
        queue: String,
        /// The parameter's AWS name.
        parameter: String,
        /// What is wrong with the value.
        reason: String,
    },
    /// A message was to be dead-lettered on a queue without a redrive policy.
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
