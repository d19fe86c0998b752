//! JSONata evaluation for `QueryLanguage: JSONata` definitions.

use serde_json::{Map, Value};

/// A JSONata expression that failed; the interpreter raises `States.QueryEvaluationError`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct JsonataError {
    pub message: String,
}

/// Evaluates one JSONata expression (the text between `{%` and `%}`) with the given
/// variable bindings (`states` -> `$states`, plus every assigned variable).
pub fn evaluate(expression: &str, bindings: &Map<String, Value>) -> Result<Value, JsonataError> {
    let _ = bindings;
    Err(JsonataError {
        message: format!("unsupported: JSONata ({expression})"),
    })
}
