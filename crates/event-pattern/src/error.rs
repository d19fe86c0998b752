//! Errors, worded as EventBridge words them.

use thiserror::Error;

/// Longest event pattern EventBridge accepts, in characters.
pub const MAX_PATTERN_LENGTH: usize = 4096;

/// Why a pattern was rejected. `Display` is the reason EventBridge gives after
/// `InvalidEventPatternException: Event pattern is not valid. Reason: `.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PatternError {
    /// The pattern is not valid; the text is EventBridge's reason, with the parser location
    /// when EventBridge reports one.
    #[error("{reason}")]
    Invalid {
        /// The reason, as it follows `Reason: ` in EventBridge's message.
        reason: String,
    },
    /// The pattern text is longer than the API accepts.
    #[error(
        "1 validation error detected: Value at 'eventPattern' failed to satisfy constraint: Member must have length less than or equal to {MAX_PATTERN_LENGTH}"
    )]
    TooLong {
        /// The pattern's length, in characters (Unicode scalar values).
        length: usize,
    },
}

impl PatternError {
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        PatternError::Invalid {
            reason: reason.into(),
        }
    }

    /// The AWS error code: `InvalidEventPatternException`, or `ValidationException` for a
    /// pattern over the length limit (rejected by the API before the pattern is read).
    pub fn code(&self) -> &'static str {
        match self {
            PatternError::Invalid { .. } => "InvalidEventPatternException",
            PatternError::TooLong { .. } => "ValidationException",
        }
    }

    /// The whole message as the API returns it.
    pub fn message(&self) -> String {
        match self {
            PatternError::Invalid { reason } => {
                format!("Event pattern is not valid. Reason: {reason}")
            }
            PatternError::TooLong { .. } => self.to_string(),
        }
    }
}

/// Why `TestEventPattern` refused its input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TestPatternError {
    /// The pattern was rejected, as PutRule would reject it.
    #[error("{}", .0.message())]
    InvalidEventPattern(#[from] PatternError),
    /// The event is not JSON, not an object, or lacks a field the API requires.
    #[error("Parameter Event is not valid. Reason: {reason}")]
    InvalidEvent {
        /// What is wrong with the event, in EventBridge's words.
        reason: String,
    },
}

impl TestPatternError {
    /// The AWS error code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            TestPatternError::InvalidEventPattern(e) => e.code(),
            TestPatternError::InvalidEvent { .. } => "ValidationException",
        }
    }
}

/// Why an input transformer could not build a target's input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransformError {
    /// The target configuration itself is not valid (rejected by PutTargets on AWS).
    #[error("{0}")]
    InvalidConfig(String),
    /// The event is not valid JSON.
    #[error("the event is not valid JSON: {0}")]
    InvalidEvent(String),
}
