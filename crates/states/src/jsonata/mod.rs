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
//! An [`Expression`] is parsed once and evaluated many times; [`evaluate`] parses and
//! evaluates in one call. Undefined results: [`Expression::evaluate_optional`] returns
//! `Ok(None)`; [`Expression::evaluate`] turns them into an error whose
//! [`JsonataError::is_undefined`] is true, since Step Functions rejects an undefined value
//! in every field. Errors carry an [`ErrorKind`], JSONata's code and, for syntax errors,
//! the position.

mod ast;
mod bindings;
mod env;
mod error;
mod eval;
mod functions;
mod lexer;
mod parser;
mod signature;
mod tuple_path;
mod value;

use orderly_clock::{Clock, SystemClock};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

pub use bindings::{Binding, Bindings};
pub use error::{ErrorKind, JsonataError, UNDEFINED_RESULT, UNSUPPORTED_RESULT};
#[cfg(test)]
pub(crate) use parser::counter as parser_counter;

/// A parsed JSONata expression: parsed once, when the definition holding it loads, and
/// evaluated from its tree every time the field is evaluated. Cheap to clone.
#[derive(Clone)]
pub struct Expression {
    text: Arc<str>,
    tree: Arc<ast::Node>,
    /// The variables the text names (`$states`, `$total`, …), each once, with the fields
    /// it reads of them. Only these of the bindings are converted to the evaluator's
    /// values ([`bindings`]): converting every binding (the whole `$states` and every
    /// assigned variable) on each evaluation was a fifth of the cost of a JSONata
    /// workflow. No expression can reach a variable it does not name (`$eval` is not
    /// supported).
    free: Arc<[bindings::Free]>,
}

impl Expression {
    /// Parses an expression (the text between `{%` and `%}`); a syntax error is an
    /// [`ErrorKind::Syntax`] error with its position.
    pub fn parse(text: &str) -> Result<Expression, JsonataError> {
        let tree = Arc::new(parser::parse(text)?);
        let free = bindings::free_variables(&lexer::tokenize(text)?);
        Ok(Expression {
            text: Arc::from(text),
            tree,
            free: free.into(),
        })
    }

    /// The expression's text, as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Evaluates the expression with the given variable bindings (`states` -> `$states`,
    /// plus every assigned variable), `$now()` answering the system clock's time; an
    /// undefined result is an error. An execution uses [`Expression::evaluate_at`].
    pub fn evaluate(&self, bindings: &dyn Bindings) -> Result<Value, JsonataError> {
        self.evaluate_at(bindings, SystemClock.now_ms())
    }

    /// [`Expression::evaluate`] at the instant `now_ms` (epoch milliseconds): what
    /// `$now()` and `$millis()` answer.
    pub fn evaluate_at(&self, bindings: &dyn Bindings, now_ms: i64) -> Result<Value, JsonataError> {
        self.evaluate_optional_at(bindings, now_ms)?
            .ok_or_else(JsonataError::undefined)
    }

    /// [`Expression::evaluate`], with an undefined result as `Ok(None)`.
    pub fn evaluate_optional(
        &self,
        bindings: &dyn Bindings,
    ) -> Result<Option<Value>, JsonataError> {
        self.evaluate_optional_at(bindings, SystemClock.now_ms())
    }

    /// [`Expression::evaluate_at`], with an undefined result as `Ok(None)`.
    pub fn evaluate_optional_at(
        &self,
        bindings: &dyn Bindings,
        now_ms: i64,
    ) -> Result<Option<Value>, JsonataError> {
        self.evaluate_on(None, bindings, now_ms)
    }

    /// [`Expression::evaluate_optional_at`] with `input` as the context value (`$` and
    /// the start of every path): what JSONata's own API evaluates against. Step Functions
    /// binds no context value (a state reads its input as `$states.input`), so a
    /// definition's fields are evaluated with `None`; the JSONata reference suite
    /// (`tests/jsonata_suite.rs`) gives each case its input document.
    pub fn evaluate_on(
        &self,
        input: Option<&Value>,
        bindings: &dyn Bindings,
        now_ms: i64,
    ) -> Result<Option<Value>, JsonataError> {
        let root = env::Scope::root(bindings::convert(&self.free, bindings));
        let context = input.map(value::V::from_json);
        let mut evaluator = eval::Evaluator::with_root(now_ms, context.clone());
        let result = evaluator.eval(&self.tree, &context, &root);
        evaluator.finish();
        root.clear();
        match result? {
            None => Ok(None),
            Some(v) => v
                .to_json()
                .map(Some)
                .ok_or_else(JsonataError::unsupported_result),
        }
    }
}

impl fmt::Debug for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Expression").field(&self.text).finish()
    }
}

/// Two expressions are equal when their texts are: the tree follows from the text.
impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// Parses and evaluates one expression: for a one-off evaluation. A definition parses
/// its expressions once with [`Expression::parse`] instead.
pub fn evaluate(expression: &str, bindings: &dyn Bindings) -> Result<Value, JsonataError> {
    Expression::parse(expression)?.evaluate(bindings)
}

/// [`evaluate`], with an undefined result as `Ok(None)`.
pub fn evaluate_optional(
    expression: &str,
    bindings: &dyn Bindings,
) -> Result<Option<Value>, JsonataError> {
    Expression::parse(expression)?.evaluate_optional(bindings)
}

/// Checks that an expression parses, so a definition can be rejected before it runs.
pub fn validate(expression: &str) -> Result<(), JsonataError> {
    parser::parse(expression).map(|_| ())
}
