//! Intrinsic functions (`States.Format`, `States.Array`, ...).

use serde_json::Value;

/// Why an intrinsic call failed; raised as `States.IntrinsicFailure` (or `States.Runtime`
/// for a path that does not resolve) by the interpreter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct IntrinsicError {
    /// The States error name the interpreter raises.
    pub error: &'static str,
    /// The cause text, as AWS words it.
    pub message: String,
}

/// Evaluates one intrinsic expression such as `States.Format('{}', $.name)`.
/// `input` is the state's effective input (`$`) and `context` the context object (`$$`).
pub fn evaluate(expression: &str, input: &Value, context: &Value) -> Result<Value, IntrinsicError> {
    let _ = (input, context);
    Err(IntrinsicError {
        error: "States.Runtime",
        message: format!("unsupported: intrinsic functions ({expression})"),
    })
}
