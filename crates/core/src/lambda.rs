//! What every Lambda handler of Orderly shares: named errors that Step Functions Retry
//! and Catch match on, and the remaining time that leases idempotency locks.

use crate::contracts::ContractError;
use crate::domain::OrderError;
use crate::domain::payment::PaymentError;
use crate::idempotency::IdempotencyError;
use crate::ports::{CallbackError, PortError, StockError};
use lambda_runtime::{Context, Diagnostic};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The error name of every retryable failure. The state machine retries it with backoff.
pub const TRANSIENT: &str = "TransientError";

/// A handler's failure. The name is the Lambda `errorType`; the message never carries
/// personal data or a `Debug` dump.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// A business outcome the workflow routes on (`OutOfStock`, `PaymentDeclined`, …).
    #[error("{message}")]
    Rule { name: &'static str, message: String },
    /// Worth retrying: the same call may succeed later.
    #[error("{message}")]
    Transient { name: &'static str, message: String },
    /// The input cannot be processed, now or later.
    #[error("{0}")]
    InvalidInput(String),
    /// Retrying will not help (configuration, a rejected request).
    #[error("{0}")]
    Permanent(String),
}

impl TaskError {
    pub fn rule(name: &'static str, message: impl Into<String>) -> Self {
        Self::Rule {
            name,
            message: message.into(),
        }
    }
    pub fn transient(message: impl Into<String>) -> Self {
        Self::Transient {
            name: TRANSIENT,
            message: message.into(),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rule { name, .. } | Self::Transient { name, .. } => name,
            Self::InvalidInput(_) => "InvalidInput",
            Self::Permanent(_) => "PermanentError",
        }
    }
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}

impl From<TaskError> for Diagnostic {
    fn from(e: TaskError) -> Self {
        Diagnostic {
            error_type: e.name().to_owned(),
            error_message: e.to_string(),
        }
    }
}

impl From<PortError> for TaskError {
    fn from(e: PortError) -> Self {
        match e {
            PortError::Transient(m) => Self::transient(m),
            PortError::Permanent(m) => Self::Permanent(m),
        }
    }
}

impl From<StockError> for TaskError {
    fn from(e: StockError) -> Self {
        match e {
            StockError::OutOfStock { .. } => Self::rule("OutOfStock", e.to_string()),
            StockError::UnknownSku(_) => Self::rule("UnknownSku", e.to_string()),
            StockError::Port(p) => p.into(),
        }
    }
}

impl From<PaymentError> for TaskError {
    fn from(e: PaymentError) -> Self {
        if e.is_retryable() {
            Self::Transient {
                name: e.name(),
                message: e.to_string(),
            }
        } else {
            Self::rule(e.name(), e.to_string())
        }
    }
}

impl From<OrderError> for TaskError {
    fn from(e: OrderError) -> Self {
        Self::rule("InvalidOrder", e.to_string())
    }
}

impl From<ContractError> for TaskError {
    fn from(e: ContractError) -> Self {
        Self::InvalidInput(e.to_string())
    }
}

impl From<CallbackError> for TaskError {
    fn from(e: CallbackError) -> Self {
        match e {
            CallbackError::InvalidToken(_) => Self::rule("InvalidToken", e.to_string()),
            CallbackError::Port(p) => p.into(),
        }
    }
}

impl From<IdempotencyError<TaskError>> for TaskError {
    fn from(e: IdempotencyError<TaskError>) -> Self {
        let name = e.error_name();
        if e.is_retryable() {
            return Self::Transient {
                name: TRANSIENT,
                message: format!("{name}: {e}"),
            };
        }
        match e {
            IdempotencyError::Handler(inner) => inner,
            IdempotencyError::MissingKey { .. } | IdempotencyError::PayloadMismatch { .. } => {
                Self::InvalidInput(format!("{name}: {e}"))
            }
            other => Self::Permanent(format!("{name}: {other}")),
        }
    }
}

/// Time left before the invocation's deadline (zero when it has passed or is unknown):
/// the idempotency lease lasts exactly this long.
pub fn remaining_time(context: &Context) -> Duration {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    time_left(context.deadline, now_ms)
}

/// Time left until `deadline_epoch_ms` (a Lambda context's `deadline`) at `now_ms`; zero
/// once it has passed.
pub fn time_left(deadline_epoch_ms: u64, now_ms: i64) -> Duration {
    let now = u64::try_from(now_ms).unwrap_or(0);
    Duration::from_millis(deadline_epoch_ms.saturating_sub(now))
}

/// Now, UTC, RFC 3339 with seconds precision.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// Reads a handler's input, naming the field that is wrong.
pub fn parse_input<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, TaskError> {
    serde_json::from_value(value)
        .map_err(|e| TaskError::InvalidInput(format!("invalid input: {e}")))
}

/// Epoch seconds `after` from now: TTL attributes.
pub fn epoch_seconds_after(after: Duration) -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| (d + after).as_secs() as i64)
        .unwrap_or(0)
}
