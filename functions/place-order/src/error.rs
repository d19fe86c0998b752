//! Why an order was not placed, and what each reason is called towards a caller.

use orderly_core::contracts::ContractError;
use orderly_core::idempotency::IdempotencyError;
use orderly_core::intake::{IntakeError, Rejected};
use orderly_core::lambda::{ALREADY_IN_PROGRESS, TaskError};
use orderly_core::ports::PortError;

/// Why [`place`](crate::place) placed no order. The texts of [`Unavailable`](Self::Unavailable)
/// and [`Internal`](Self::Internal) are for the log only: they may name tables, ARNs or SDK
/// messages, and an HTTP reply never carries them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    /// The request is malformed; the text names the field at fault, never its value.
    #[error("{0}")]
    InvalidRequest(String),
    /// The order intake refused the order (no lines, a total that is not the sum of the
    /// lines, a risky order, …), with every reason.
    #[error("order refused: {}", .0.reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>().join(", "))]
    Rejected(Rejected),
    /// The caller used this idempotency key before, for a different request.
    #[error("the idempotency key was already used for a different request")]
    KeyReused,
    /// The caller's first request with this idempotency key is still being processed.
    #[error("a request with this idempotency key is still in progress")]
    InProgress,
    /// The order id the caller chose belongs to a different order.
    #[error("order {order_id} already exists with different content")]
    OrderIdTaken {
        /// The order id the request named.
        order_id: String,
    },
    /// A dependency failed in a way a retry may get past (throttling, a timeout).
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: a bug, a misconfiguration, a rejected AWS call.
    #[error("{0}")]
    Internal(String),
}

impl PlaceError {
    /// The stable code a caller sees, the same over HTTP and in a direct invoke's
    /// `errorType` (except [`InProgress`](Self::InProgress), which keeps the retry name the
    /// workflow knows).
    pub fn code(&self) -> &'static str {
        match self {
            PlaceError::InvalidRequest(_) => "InvalidRequest",
            PlaceError::Rejected(_) => "OrderRejected",
            PlaceError::KeyReused => "IdempotencyKeyReused",
            PlaceError::InProgress => "RequestInProgress",
            PlaceError::OrderIdTaken { .. } => "OrderIdConflict",
            PlaceError::Unavailable(_) => "ServiceUnavailable",
            PlaceError::Internal(_) => "InternalError",
        }
    }
}

impl From<PortError> for PlaceError {
    fn from(e: PortError) -> Self {
        match e {
            PortError::Transient(_) => PlaceError::Unavailable(e.to_string()),
            PortError::Permanent(_) => PlaceError::Internal(e.to_string()),
        }
    }
}

impl From<IntakeError> for PlaceError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::Rejected(rejected) => PlaceError::Rejected(rejected),
            IntakeError::Port(port) => port.into(),
        }
    }
}

impl From<ContractError> for PlaceError {
    fn from(e: ContractError) -> Self {
        PlaceError::Internal(format!("OrderCreated: {e}"))
    }
}

impl From<IdempotencyError<PlaceError>> for PlaceError {
    fn from(e: IdempotencyError<PlaceError>) -> Self {
        match e {
            IdempotencyError::Handler(inner) => inner,
            IdempotencyError::PayloadMismatch { .. } => PlaceError::KeyReused,
            IdempotencyError::AlreadyInProgress { .. } => PlaceError::InProgress,
            other if other.is_retryable() => {
                PlaceError::Unavailable(format!("{}: {other}", other.error_name()))
            }
            other => PlaceError::Internal(format!("{}: {other}", other.error_name())),
        }
    }
}

impl From<PlaceError> for TaskError {
    fn from(e: PlaceError) -> Self {
        match e {
            PlaceError::InvalidRequest(message) => TaskError::InvalidInput(message),
            // The reasons as JSON, so a direct caller reads them as the HTTP body has them.
            PlaceError::Rejected(rejected) => TaskError::rule(
                "OrderRejected",
                serde_json::to_string(&rejected.reasons).unwrap_or_default(),
            ),
            PlaceError::InProgress => TaskError::Transient {
                name: ALREADY_IN_PROGRESS,
                message: e.to_string(),
            },
            PlaceError::KeyReused | PlaceError::OrderIdTaken { .. } => {
                TaskError::rule(e.code(), e.to_string())
            }
            PlaceError::Unavailable(message) => TaskError::transient(message),
            PlaceError::Internal(message) => TaskError::Permanent(message),
        }
    }
}
