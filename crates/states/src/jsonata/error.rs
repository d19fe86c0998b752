//! The error type of JSONata evaluation.

/// The message of an expression that evaluated to nothing. Step Functions reports it as
/// "The JSONata expression '…' specified for the field '…' returned nothing (undefined)."
pub const UNDEFINED_RESULT: &str = "returned nothing (undefined).";

/// The message of an expression whose result is not JSON (a function).
pub const UNSUPPORTED_RESULT: &str = "returned an unsupported result type.";

/// A JSONata expression that failed; the interpreter raises `States.QueryEvaluationError`.
/// Evaluation errors carry JSONata's code first (`T1006: Attempted to invoke a
/// non-function`), as the service shows them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct JsonataError {
    pub message: String,
}

impl JsonataError {
    /// Whether the expression evaluated to nothing rather than failing.
    pub fn is_undefined(&self) -> bool {
        self.message == UNDEFINED_RESULT
    }

    /// The cause text Step Functions gives for this failure of `expression` in `field`
    /// (a field path such as `Output` or `Arguments/FunctionName`).
    pub fn cause(&self, expression: &str, field: &str) -> String {
        if self.message == UNDEFINED_RESULT || self.message == UNSUPPORTED_RESULT {
            format!(
                "The JSONata expression '{expression}' specified for the field '{field}' {}",
                self.message
            )
        } else {
            format!(
                "The JSONata expression '{expression}' specified for the field '{field}' threw an error during evaluation. {}",
                self.message
            )
        }
    }
}

/// An error with JSONata's code: `T2001: The left side of ...`.
pub fn err(code: &str, message: &str) -> JsonataError {
    JsonataError {
        message: format!("{code}: {message}"),
    }
}

/// A part of JSONata this evaluator does not implement; fails loudly rather than
/// answering wrongly.
pub fn unsupported(what: &str) -> JsonataError {
    JsonataError {
        message: format!("unsupported: {what}"),
    }
}
