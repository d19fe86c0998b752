//! What every Lambda handler of Orderly shares: named errors that Step Functions Retry
//! and Catch match on, and the remaining time that leases idempotency locks.

use crate::clock::Clock;
use crate::contracts::ContractError;
use crate::domain::OrderError;
use crate::domain::payment::PaymentError;
use crate::idempotency::IdempotencyError;
use crate::ports::{AuthorizeError, CallbackError, PortError, StockError};
use lambda_runtime::Diagnostic;
use std::time::Duration;

pub use crate::clock::time_left;

/// The error name of every retryable failure. The state machine retries it with backoff.
pub const TRANSIENT: &str = "TransientError";

/// The error name of a call whose idempotency record another attempt still holds: worth
/// retrying only after that attempt's lease (at most the function's timeout) has ended.
pub const ALREADY_IN_PROGRESS: &str = "IdempotencyAlreadyInProgress";

/// A handler's failure. The name is the Lambda `errorType`; the message never carries
/// personal data or a `Debug` dump.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// A business outcome the workflow routes on (`OutOfStock`, `PaymentDeclined`, …).
    #[error("{message}")]
    Rule {
        /// The error name, e.g. `OutOfStock`.
        name: &'static str,
        /// What happened, for the Catch's `Cause`; no personal data.
        message: String,
    },
    /// Worth retrying: the same call may succeed later.
    #[error("{message}")]
    Transient {
        /// The error name: [`TRANSIENT`] unless built otherwise.
        name: &'static str,
        /// What failed, for the logs and the `Cause`.
        message: String,
    },
    /// The input cannot be processed, now or later.
    #[error("{0}")]
    InvalidInput(String),
    /// Retrying will not help (configuration, a rejected request).
    #[error("{0}")]
    Permanent(String),
}

impl TaskError {
    /// A business outcome named `name` (the `errorType` a Catch matches on).
    pub fn rule(name: &'static str, message: impl Into<String>) -> Self {
        Self::Rule {
            name,
            message: message.into(),
        }
    }
    /// A retryable failure, named [`TRANSIENT`] so one Retry rule covers every kind.
    pub fn transient(message: impl Into<String>) -> Self {
        Self::Transient {
            name: TRANSIENT,
            message: message.into(),
        }
    }
    /// The Lambda `errorType`: what Step Functions Retry and Catch match on.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rule { name, .. } | Self::Transient { name, .. } => name,
            Self::InvalidInput(_) => "InvalidInput",
            Self::Permanent(_) => "PermanentError",
        }
    }
    /// Whether the same call may succeed later: only [`TaskError::Transient`].
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

impl From<AuthorizeError> for TaskError {
    fn from(e: AuthorizeError) -> Self {
        match e {
            AuthorizeError::Payment(p) => p.into(),
            AuthorizeError::OrderCancelled { .. } => Self::rule(e.name(), e.to_string()),
            AuthorizeError::Port(p) => p.into(),
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
        if let IdempotencyError::AlreadyInProgress { .. } = e {
            // Its own name: an earlier attempt (perhaps one that crashed) holds the lease, and
            // a retry can succeed only once the lease has ended, so the state machine retries
            // it after the function's timeout, not on the short TransientError schedule.
            return Self::Transient {
                name: ALREADY_IN_PROGRESS,
                message: format!("{name}: {e}"),
            };
        }
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

/// Now on `clock`, UTC, RFC 3339 with seconds precision.
pub fn now_rfc3339(clock: &dyn Clock) -> String {
    crate::clock::rfc3339_seconds(clock.now_ms())
}

/// Reads a handler's input, naming the field that is wrong.
pub fn parse_input<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, TaskError> {
    serde_json::from_value(value).map_err(|e| {
        TaskError::InvalidInput(format!("invalid input: {}", without_value(&e.to_string())))
    })
}

/// serde's words for a bad input without the value it quotes: `invalid type: integer
/// `4242…`, expected a string` becomes `invalid type: integer, expected a string`. The
/// message goes into the error reply and the function's log, and the value may be a
/// payment token or a person's details.
fn without_value(message: &str) -> String {
    for kind in ["invalid type: ", "invalid value: ", "unknown variant "] {
        let Some(rest) = message.strip_prefix(kind) else {
            continue;
        };
        let (unexpected, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        // `integer `1``, `string "a"`, `floating point `1.5``, `map`: the words before the
        // quoted value; a variant is nothing but its value.
        let what = match unexpected.find(['`', '"']) {
            _ if kind == "unknown variant " => "",
            Some(at) => unexpected[..at].trim(),
            None => unexpected.trim(),
        };
        let head = kind.trim_end().trim_end_matches(':');
        return match (what.is_empty(), expected.is_empty()) {
            (true, true) => head.to_owned(),
            (true, false) => format!("{head}, expected {expected}"),
            (false, true) => format!("{head}: {what}"),
            (false, false) => format!("{head}: {what}, expected {expected}"),
        };
    }
    message.to_owned()
}

/// Epoch seconds `after` from now on `clock`: TTL attributes.
pub fn epoch_seconds_after(clock: &dyn Clock, after: Duration) -> i64 {
    let after_ms = i64::try_from(after.as_millis()).unwrap_or(i64::MAX);
    clock.now_ms().saturating_add(after_ms).div_euclid(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_input_is_named_without_the_value_it_held() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Payment {
            token: String,
            amount: u32,
            kind: Kind,
        }
        #[derive(Debug, serde::Deserialize)]
        enum Kind {
            Card,
        }
        let card = "4242424242424242";
        for (input, words) in [
            (
                serde_json::json!({"token": 4242424242424242_u64, "amount": 1, "kind": "Card"}),
                "invalid type: integer, expected a string",
            ),
            (
                serde_json::json!({"token": "t", "amount": "4242424242424242", "kind": "Card"}),
                "invalid type: string, expected u32",
            ),
            (
                serde_json::json!({"token": "t", "amount": -4242424242424242_i64, "kind": "Card"}),
                "invalid value: integer, expected u32",
            ),
            (
                serde_json::json!({"token": "t", "amount": 1, "kind": "4242424242424242"}),
                "unknown variant, expected `Card`",
            ),
            (
                serde_json::json!({"amount": 1, "kind": "Card"}),
                "missing field `token`",
            ),
        ] {
            let Err(TaskError::InvalidInput(message)) = parse_input::<Payment>(input.clone())
            else {
                panic!("{input} must be refused");
            };
            assert!(!message.contains(card), "{message}");
            assert_eq!(message, format!("invalid input: {words}"), "{input}");
        }
    }

    /// A call another attempt holds keeps its own retryable name, so the state machine can
    /// retry it after the lease instead of on the short TransientError schedule; other
    /// retryable idempotency errors stay TransientError.
    #[test]
    fn already_in_progress_has_its_own_retryable_name() {
        let held: TaskError = IdempotencyError::<TaskError>::AlreadyInProgress {
            key: "reserve-stock#k".into(),
            lease_ends_at_ms: Some(10_000),
        }
        .into();
        assert_eq!(held.name(), ALREADY_IN_PROGRESS);
        assert!(held.is_retryable());
        let lost: TaskError = IdempotencyError::<TaskError>::LeaseLost {
            key: "reserve-stock#k".into(),
        }
        .into();
        assert_eq!(lost.name(), TRANSIENT);
    }
}
