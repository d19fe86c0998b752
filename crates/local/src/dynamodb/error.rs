//! The errors DynamoDB answers, by code, with its messages.

use super::value::Item;

/// Why an operation did not happen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DbError {
    /// The request breaks a rule of the API (`ValidationException`).
    #[error("{0}")]
    Validation(String),
    /// The request body is not the operation's shape (`SerializationException`).
    #[error("{0}")]
    Serialization(String),
    /// The table or index does not exist (`ResourceNotFoundException`).
    #[error("{0}")]
    NotFound(String),
    /// The table exists already (`ResourceInUseException`).
    #[error("{0}")]
    InUse(String),
    /// A condition of a write was false (`ConditionalCheckFailedException`); the item as
    /// it was when the request asked for it with `ReturnValuesOnConditionCheckFailure`.
    #[error("The conditional request failed")]
    ConditionFailed {
        /// The item the condition was checked against.
        item: Option<Item>,
    },
    /// A transaction did not happen (`TransactionCanceledException`): one reason per
    /// action, in request order.
    #[error("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", .0.iter().map(|r| r.code.as_str()).collect::<Vec<_>>().join(", "))]
    TransactionCanceled(Vec<CancellationReason>),
    /// The store under the table failed (`InternalServerError`).
    #[error("{0}")]
    Internal(String),
}

/// Why one action of a transaction was cancelled, or `None` when it was not the cause.
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// `None`, `ConditionalCheckFailed`, `ValidationError`.
    pub code: String,
    /// What went wrong, for a cause.
    pub message: Option<String>,
    /// The item, when asked for with `ReturnValuesOnConditionCheckFailure`.
    pub item: Option<Item>,
}

impl DbError {
    /// A `ValidationException`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::Validation(message.into())
    }

    /// A `ValidationException` about a parameter value, in DynamoDB's lead-in.
    pub fn invalid(message: impl std::fmt::Display) -> Self {
        Self::Validation(format!(
            "One or more parameter values were invalid: {message}"
        ))
    }

    /// A `SerializationException`.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::Serialization(message.into())
    }

    /// The answer for a table that does not exist.
    pub fn no_table(name: &str) -> Self {
        Self::NotFound(format!(
            "Requested resource not found: Table: {name} not found"
        ))
    }

    /// The code the SDKs surface.
    pub fn code(&self) -> &'static str {
        match self {
            DbError::Validation(_) => "ValidationException",
            DbError::Serialization(_) => "SerializationException",
            DbError::NotFound(_) => "ResourceNotFoundException",
            DbError::InUse(_) => "ResourceInUseException",
            DbError::ConditionFailed { .. } => "ConditionalCheckFailedException",
            DbError::TransactionCanceled(_) => "TransactionCanceledException",
            DbError::Internal(_) => "InternalServerError",
        }
    }
}

impl From<orderly_core::memory::table::TableError> for DbError {
    fn from(e: orderly_core::memory::table::TableError) -> Self {
        DbError::Internal(e.to_string())
    }
}
