//! JSONata evaluation for `QueryLanguage: JSONata` definitions.
//!
//! This is an evaluator written for the project rather than the `jsonata-rs` crate
//! (0.3.x). Measured against the expressions Step Functions users write, that crate gets
//! core paths and operators right but: loses object key order (its objects are hash maps
//! with a per-process random seed, so the same definition prints its output with keys in
//! a different order from run to run, and never in the order AWS prints); lacks
//! `$average`, `$type`, `$sift`, `$spread`, `$formatBase`, the URL functions and more;
//! cannot replace a built-in, so Step Functions' seeded `$random(seed)` cannot be added;
//! describes itself as an incomplete alpha; and brings a command-line parser and second
//! copies of `rand`, `base64` and `hashbrown` into the build. The gaps are listed in
//! `docs/performance-jsonata.md`. Working on `serde_json` values directly also avoids
//! copying every input into an arena and back.
//!
//! Undefined results: [`evaluate_optional`] returns `Ok(None)`; [`evaluate`] turns them
//! into an error whose [`JsonataError::is_undefined`] is true, since Step Functions
//! rejects an undefined value in every field.

mod ast;
mod env;
mod error;
mod eval;
mod functions;
mod lexer;
mod parser;
mod value;

use std::collections::HashMap;

use serde_json::{Map, Value};

pub use error::{JsonataError, UNDEFINED_RESULT, UNSUPPORTED_RESULT};

/// Evaluates one JSONata expression (the text between `{%` and `%}`) with the given
/// variable bindings (`states` -> `$states`, plus every assigned variable).
pub fn evaluate(expression: &str, bindings: &Map<String, Value>) -> Result<Value, JsonataError> {
    evaluate_optional(expression, bindings)?.ok_or_else(|| JsonataError {
        message: UNDEFINED_RESULT.to_string(),
    })
}

/// [`evaluate`], with an undefined result as `Ok(None)`.
pub fn evaluate_optional(
    expression: &str,
    bindings: &Map<String, Value>,
) -> Result<Option<Value>, JsonataError> {
    let tree = parser::parse(expression)?;
    let vars: HashMap<String, value::V> = bindings
        .iter()
        .map(|(k, v)| (k.clone(), value::V::from_json(v)))
        .collect();
    let root = env::Scope::root(vars);
    let mut evaluator = eval::Evaluator::new();
    let result = evaluator.eval(&tree, &None, &root);
    evaluator.finish();
    root.clear();
    match result? {
        None => Ok(None),
        Some(v) => v.to_json().map(Some).ok_or_else(|| JsonataError {
            message: UNSUPPORTED_RESULT.to_string(),
        }),
    }
}

/// Checks that an expression parses, so a definition can be rejected before it runs.
pub fn validate(expression: &str) -> Result<(), JsonataError> {
    parser::parse(expression).map(|_| ())
}
