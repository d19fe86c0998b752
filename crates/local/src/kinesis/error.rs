//! Errors of the embedded Kinesis engine, each with the code and the words AWS answers.

/// What Kinesis would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KinesisError {
    /// No stream, or no shard of the stream, has this name.
    #[error("{0}")]
    ResourceNotFound(String),
    /// A stream of this name exists already, or is being deleted.
    #[error("{0}")]
    ResourceInUse(String),
    /// A member's value does not fit the stream or shard: a sequence number of another
    /// shard, a hash key out of range, a malformed iterator.
    #[error("{0}")]
    InvalidArgument(String),
    /// The shard iterator is older than five minutes.
    #[error("{0}")]
    ExpiredIterator(String),
    /// A member breaks the API reference's constraints.
    #[error("{0}")]
    Validation(String),
    /// More streams or shards than the account allows.
    #[error("{0}")]
    LimitExceeded(String),
}

impl KinesisError {
    /// The error code AWS answers with.
    pub fn code(&self) -> &'static str {
        match self {
            KinesisError::ResourceNotFound(_) => "ResourceNotFoundException",
            KinesisError::ResourceInUse(_) => "ResourceInUseException",
            KinesisError::InvalidArgument(_) => "InvalidArgumentException",
            KinesisError::ExpiredIterator(_) => "ExpiredIteratorException",
            KinesisError::Validation(_) => "ValidationException",
            KinesisError::LimitExceeded(_) => "LimitExceededException",
        }
    }
}
