//! Intrinsic functions (`States.Format`, `States.Array`, ...) for JSONPath states.
//!
//! [`evaluate`] parses an expression, resolves its path arguments and calls the functions
//! innermost first. Errors carry the States error name and the cause text the service
//! gives: a bad argument is `States.Runtime` with `Invalid arguments in States.<Name>`
//! (Step Functions reserves `States.IntrinsicFailure` and reports intrinsic failures as
//! `States.Runtime`), a path that matches nothing is `States.Runtime` naming the path, and
//! so is a string literal with an open escape backslash (a runtime error, as the guide
//! says, so [`Intrinsic::parse`] and [`validate`] accept it).

mod functions;
mod parser;
mod path;

use serde_json::{Map, Value};
use std::borrow::Cow;

pub use functions::Function;

/// The error name for every intrinsic failure the service raises at run time.
pub const RUNTIME: &str = "States.Runtime";

/// Why an intrinsic call failed. The interpreter raises `error` (always `States.Runtime`,
/// as the service does) with `message` as the cause.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct IntrinsicError {
    /// The States error name the interpreter raises.
    pub error: &'static str,
    /// The cause text, as AWS words it.
    pub message: String,
}

/// An intrinsic expression parsed once (when the definition is loaded) and evaluated
/// for every state run.
#[derive(Debug, Clone, PartialEq)]
pub struct Intrinsic {
    text: String,
    expr: parser::Expr,
}

impl Intrinsic {
    /// Parses and checks an expression such as `States.Format('{}', $.name)`: syntax,
    /// function names and nesting. (An open escape backslash in a string literal is left
    /// for [`Intrinsic::evaluate`] to report.)
    pub fn parse(expression: &str) -> Result<Intrinsic, IntrinsicError> {
        let expr =
            parser::parse(expression).map_err(|detail| invalid_expression(expression, &detail))?;
        Ok(Intrinsic {
            text: expression.to_string(),
            expr,
        })
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Evaluates the expression: `input` is the state's effective input (`$`), `context`
    /// the context object (`$$`), and `$name` arguments resolve against `variables`.
    pub fn evaluate(
        &self,
        input: &Value,
        context: &Value,
        variables: &Map<String, Value>,
    ) -> Result<Value, IntrinsicError> {
        let roots = path::Roots {
            input,
            context,
            variables,
        };
        eval(&self.expr, &roots, &self.text).map(|arg| arg.value.into_owned())
    }
}

/// Evaluates one intrinsic expression such as `States.Format('{}', $.name)`.
/// `input` is the state's effective input (`$`) and `context` the context object (`$$`).
/// (Parses the text on every call; [`Intrinsic`] parses once.)
pub fn evaluate(expression: &str, input: &Value, context: &Value) -> Result<Value, IntrinsicError> {
    evaluate_with_variables(expression, input, context, &Map::new())
}

/// [`evaluate`] for states that can read workflow variables: `$name` arguments resolve
/// against `variables`.
pub fn evaluate_with_variables(
    expression: &str,
    input: &Value,
    context: &Value,
    variables: &Map<String, Value>,
) -> Result<Value, IntrinsicError> {
    Intrinsic::parse(expression)?.evaluate(input, context, variables)
}

/// Calls one intrinsic with already evaluated arguments (used by JSONata's `$partition`,
/// `$range`, `$hash` and `$uuid`, which share the intrinsics' checks).
pub fn call(function: Function, args: Vec<Value>) -> Result<Value, IntrinsicError> {
    let args = args
        .into_iter()
        .map(|value| functions::Arg {
            value: Cow::Owned(value),
            literal: None,
        })
        .collect();
    functions::call(function, args)
}

/// Checks an expression's syntax, function names and nesting without evaluating it, so a
/// definition can be rejected before it runs. The error message explains what is wrong.
/// An open escape backslash passes: the guide makes it a runtime error.
pub fn validate(expression: &str) -> Result<(), IntrinsicError> {
    Intrinsic::parse(expression).map(|_| ())
}

/// Whether a `.$` field value is an intrinsic call rather than a path: it starts with
/// `States.` followed by a name and `(`.
pub fn is_intrinsic(s: &str) -> bool {
    let s = s.trim_start();
    s.strip_prefix("States.").is_some_and(|rest| {
        let name_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        name_len > 0 && rest[name_len..].trim_start().starts_with('(')
    })
}

fn eval<'a>(
    expr: &'a parser::Expr,
    roots: &path::Roots<'a>,
    text: &str,
) -> Result<functions::Arg<'a>, IntrinsicError> {
    use parser::Expr;
    match expr {
        Expr::Call { function, args } => {
            let args = args
                .iter()
                .map(|a| eval(a, roots, text))
                .collect::<Result<Vec<_>, _>>()?;
            functions::call(*function, args).map(|value| functions::Arg {
                value: Cow::Owned(value),
                literal: None,
            })
        }
        Expr::Str { chars, value } => Ok(functions::Arg {
            value: Cow::Borrowed(value),
            literal: Some(chars),
        }),
        Expr::Literal(value) => Ok(functions::Arg {
            value: Cow::Borrowed(value),
            literal: None,
        }),
        Expr::OpenEscape(detail) => Err(invalid_expression(text, detail)),
        Expr::Path(path) => path
            .resolve(roots)
            .map(|value| functions::Arg {
                value,
                literal: None,
            })
            .map_err(|e| path_error(path.text(), e, roots.input)),
    }
}

fn path_error(text: &str, error: path::PathError, input: &Value) -> IntrinsicError {
    let message = match error {
        path::PathError::NotFound => {
            format!("The JSONPath '{text}' could not be found in the input '{input}'")
        }
        path::PathError::UnknownVariable(name) => {
            format!("The variable '${name}' referenced in '{text}' is not assigned")
        }
        path::PathError::Invalid(detail) if detail.starts_with("unsupported:") => detail,
        path::PathError::Invalid(detail) => format!("Invalid JSONPath '{text}': {detail}"),
    };
    IntrinsicError {
        error: RUNTIME,
        message,
    }
}

fn invalid_expression(expression: &str, detail: &str) -> IntrinsicError {
    IntrinsicError {
        error: RUNTIME,
        message: format!(
            "The value '{expression}' is not a valid intrinsic function call: {detail}"
        ),
    }
}
