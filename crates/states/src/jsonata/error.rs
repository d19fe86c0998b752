//! The error type of JSONata parsing and evaluation: a kind to match on, JSONata's error
//! code where it has one (`T2001`), the character position for syntax errors, and the
//! message text Step Functions shows.

use std::fmt;

/// The message of an expression that evaluated to nothing. Step Functions reports it as
/// "The JSONata expression '…' specified for the field '…' returned nothing (undefined)."
pub const UNDEFINED_RESULT: &str = "returned nothing (undefined).";

/// The message of an expression whose result is not JSON (a function).
pub const UNSUPPORTED_RESULT: &str = "returned an unsupported result type.";

/// What failed, to match on instead of the message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The expression does not parse (JSONata's `S0…` codes); found when the definition
    /// loads.
    Syntax,
    /// An operand or argument has the wrong type (`T…` codes).
    Type,
    /// A value is wrong for what is done with it (`D…` codes, `$error`, `$assert`).
    Evaluation,
    /// A limit was reached: nesting too deep, recursion too deep (`U1001`).
    Limit,
    /// A Step Functions function (`$hash`, `$uuid`, …) refused its arguments.
    Function,
    /// The expression evaluated to nothing (undefined), which no field accepts.
    Undefined,
    /// The result is not JSON (a function).
    UnsupportedResult,
    /// A part of JSONata this evaluator does not implement; it fails rather than answer
    /// wrongly.
    Unsupported,
}

/// A JSONata expression that failed to parse or evaluate; the interpreter raises
/// `States.QueryEvaluationError` with its text.
///
/// The text (`Display`) is what the service shows: JSONata's code first (`T1006:
/// Attempted to invoke a non-function`), `unsupported: …` for what is not implemented.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct JsonataError {
    /// What failed.
    pub kind: ErrorKind,
    /// JSONata's error code (`S0201`, `T2001`, `D3137`, `U1001`), when it has one.
    pub code: Option<&'static str>,
    /// For errors found while parsing: the offset (0-based, in characters) of the token
    /// where the error was found, or the expression's length when it ended too early.
    /// `None` for evaluation errors: the parsed tree keeps no positions.
    pub position: Option<usize>,
    /// The message without its code.
    pub message: String,
}

impl fmt::Display for JsonataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.kind) {
            (Some(code), _) => write!(f, "{code}: {}", self.message),
            (None, ErrorKind::Unsupported) => write!(f, "unsupported: {}", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl JsonataError {
    /// An error of a kind without a JSONata code.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        JsonataError {
            kind,
            code: None,
            position: None,
            message: message.into(),
        }
    }

    /// The error of an expression that evaluated to nothing.
    pub fn undefined() -> Self {
        Self::new(ErrorKind::Undefined, UNDEFINED_RESULT)
    }

    /// The error of an expression whose result is not JSON.
    pub fn unsupported_result() -> Self {
        Self::new(ErrorKind::UnsupportedResult, UNSUPPORTED_RESULT)
    }

    /// Whether the expression evaluated to nothing rather than failing.
    pub fn is_undefined(&self) -> bool {
        self.kind == ErrorKind::Undefined
    }

    /// The same error at `position`, unless it already has one (the parser places the
    /// errors of the helpers it calls at the token it was reading).
    pub(crate) fn at(mut self, position: usize) -> Self {
        if self.position.is_none() {
            self.position = Some(position);
        }
        self
    }

    /// The cause text Step Functions gives for this failure of `expression` in `field`
    /// (a field path such as `Output` or `Arguments/FunctionName`).
    pub fn cause(&self, expression: &str, field: &str) -> String {
        match self.kind {
            ErrorKind::Undefined | ErrorKind::UnsupportedResult => format!(
                "The JSONata expression '{expression}' specified for the field '{field}' {self}"
            ),
            _ => format!(
                "The JSONata expression '{expression}' specified for the field '{field}' threw an error during evaluation. {self}"
            ),
        }
    }
}

/// An error with JSONata's code: `T2001: The left side of ...`. The kind follows the
/// code's letter, as JSONata groups them.
pub fn err(code: &'static str, message: &str) -> JsonataError {
    let kind = match code.as_bytes().first() {
        Some(b'S') => ErrorKind::Syntax,
        Some(b'T') => ErrorKind::Type,
        Some(b'U') => ErrorKind::Limit,
        _ => ErrorKind::Evaluation,
    };
    JsonataError {
        kind,
        code: Some(code),
        position: None,
        message: message.to_owned(),
    }
}

/// A part of JSONata this evaluator does not implement; fails loudly rather than
/// answering wrongly.
pub fn unsupported(what: &str) -> JsonataError {
    JsonataError::new(ErrorKind::Unsupported, what)
}
