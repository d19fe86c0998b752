//! Intrinsic functions (`States.Format`, `States.Array`, ...) for JSONPath states.
//!
//! [`evaluate`] parses an expression, resolves its path arguments and calls the functions
//! innermost first. Errors carry the States error name and the cause text the service
//! gives: a bad argument is `States.Runtime` with `Invalid arguments in States.<Name>`
//! (Step Functions reserves `States.IntrinsicFailure` and reports intrinsic failures as
//! `States.Runtime`), and a path that matches nothing is `States.Runtime` naming the path.

mod functions;
mod parser;
mod path;

use serde_json::{Map, Value};

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

/// Evaluates one intrinsic expression such as `States.Format('{}', $.name)`.
/// `input` is the state's effective input (`$`) and `context` the context object (`$$`).
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
    let expr =
        parser::parse(expression).map_err(|detail| invalid_expression(expression, &detail))?;
    let roots = path::Roots {
        input,
        context,
        variables,
    };
    eval(&expr, &roots).map(|arg| arg.value)
}

/// Checks an expression's syntax, function names and nesting without evaluating it, so a
/// definition can be rejected before it runs. The error message explains what is wrong.
pub fn validate(expression: &str) -> Result<(), IntrinsicError> {
    parser::parse(expression)
        .map(|_| ())
        .map_err(|detail| invalid_expression(expression, &detail))
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

fn eval(expr: &parser::Expr, roots: &path::Roots<'_>) -> Result<functions::Arg, IntrinsicError> {
    use parser::Expr;
    match expr {
        Expr::Call { function, args } => {
            let args = args
                .iter()
                .map(|a| eval(a, roots))
                .collect::<Result<Vec<_>, _>>()?;
            functions::call(*function, args).map(|value| functions::Arg {
                value,
                literal: None,
            })
        }
        Expr::Str { chars } => Ok(functions::Arg {
            value: Value::String(Expr::string_value(chars)),
            literal: Some(chars.clone()),
        }),
        Expr::Literal(value) => Ok(functions::Arg {
            value: value.clone(),
            literal: None,
        }),
        Expr::Path(text) => path::resolve(text, roots)
            .map(|value| functions::Arg {
                value,
                literal: None,
            })
            .map_err(|e| path_error(text, e, roots.input)),
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
