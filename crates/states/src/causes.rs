//! The runtime failures the interpreter raises about a state's data, each with the error
//! name and the cause text Step Functions gives: one table, used by every place that
//! raises them, with a test per form.
//!
//! The other forms live with the code that detects them and are tested there: a payload
//! template's path that matches nothing (`paths::template::TemplateError`), a ResultPath
//! that cannot be applied (`paths::result_path::ResultPathError`), and JSONata's errors
//! (`jsonata::JsonataError::cause`).

use crate::errors::names;
use serde_json::Value;
use std::fmt;

/// One failure, with what its cause names.
#[derive(Debug, Clone, Copy)]
pub enum Cause<'a> {
    /// A Reference Path (InputPath, OutputPath, ItemsPath, a `…Path` field) that selects
    /// nothing: `Invalid path '$.x' : No results for path: $['x']`.
    NoResults { path: &'a str, normalized: &'a str },
    /// A Reference Path that stops at a property missing before its last step:
    /// `Invalid path '$.no.such' : Missing property in path $['no']`.
    MissingProperty { path: &'a str, prefix: &'a str },
    /// A Map state's items that are not an array, from `ItemsPath` or the state input:
    /// `Map state input must be an array but was: {"foo":"bar"}`.
    MapItemsNotArray { items: &'a Value },
    /// A JSONata `Items` expression whose value is not an array.
    ItemsExpressionNotArray {
        expression: &'a str,
        items: &'a Value,
    },
    /// A Wait state's `SecondsPath` that selects nothing.
    SecondsPathMissing { path: &'a str },
    /// A Wait state's `SecondsPath` that selects a fraction, a text or anything else
    /// that is not a whole number.
    SecondsPathNotWhole { path: &'a str, value: &'a Value },
    /// A Wait state's `SecondsPath` that selects a negative number.
    SecondsPathNegative { path: &'a str, value: &'a Value },
    /// A Wait state's `TimestampPath` that selects no ISO 8601 timestamp.
    TimestampPathInvalid { path: &'a str, value: &'a Value },
    /// An `Assign` inside a Map iteration or Parallel branch that names a variable of a
    /// scope outside it, which the branch may read but not assign.
    OuterScopeAssigned { name: &'a str },
    /// A JSONata `Timestamp` of a Wait state that is no ISO 8601 timestamp.
    TimestampInvalid { value: &'a Value },
    /// A Wait state whose delay is longer than the service waits (2^31 seconds).
    WaitTooLong,
    /// A path field of a Map state (`MaxConcurrencyPath`, `ToleratedFailureCountPath`)
    /// whose value is neither a whole number nor a text of one.
    PathNotInteger {
        field: &'a str,
        path: &'a str,
        value: &'a Value,
    },
    /// `ToleratedFailurePercentagePath` whose value is neither a number nor a text of one.
    PathNotFloat {
        field: &'a str,
        path: &'a str,
        value: &'a Value,
    },
    /// A negative MaxConcurrency from its path.
    MaxConcurrencyNegative { value: i64 },
    /// A negative ToleratedFailureCount from its path.
    ToleratedFailureCountNegative,
    /// A ToleratedFailurePercentage from its path outside 0 to 100.
    ToleratedFailurePercentageOutOfRange,
    /// Fail's `ErrorPath` or `CausePath` that selects nothing.
    FieldPathNotFound {
        field: &'a str,
        path: &'a str,
        input: &'a Value,
    },
}

impl Cause<'_> {
    /// The error name the service raises.
    pub fn error(&self) -> &'static str {
        match self {
            Cause::MapItemsNotArray { .. }
            | Cause::ItemsExpressionNotArray { .. }
            | Cause::TimestampInvalid { .. } => names::QUERY_EVALUATION_ERROR,
            _ => names::RUNTIME,
        }
    }
}

/// A JSON type's name as the service's causes write it.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as the Wait causes print it: a string without its quotes.
fn as_written(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl fmt::Display for Cause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::NoResults { path, normalized } => {
                write!(
                    f,
                    "Invalid path '{path}' : No results for path: {normalized}"
                )
            }
            Cause::MissingProperty { path, prefix } => {
                write!(
                    f,
                    "Invalid path '{path}' : Missing property in path {prefix}"
                )
            }
            Cause::MapItemsNotArray { items } => {
                write!(f, "Map state input must be an array but was: {items}")
            }
            Cause::ItemsExpressionNotArray { expression, items } => write!(
                f,
                "The JSONata expression '{expression}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {items}",
                type_name(items)
            ),
            Cause::SecondsPathMissing { path } => write!(
                f,
                "The SecondsPath parameter does not reference an input value: {path}"
            ),
            Cause::SecondsPathNotWhole { path, value } => write!(
                f,
                "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
                as_written(value)
            ),
            Cause::SecondsPathNegative { path, value } => write!(
                f,
                "The SecondsPath parameter references a negative value: {path} == {}",
                as_written(value)
            ),
            Cause::TimestampPathInvalid { path, value } => write!(
                f,
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {}",
                as_written(value)
            ),
            Cause::TimestampInvalid { value } => write!(
                f,
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                as_written(value)
            ),
            Cause::WaitTooLong => f.write_str("Wait state delay is too long."),
            Cause::PathNotInteger { field, path, value } => write!(
                f,
                "The {field} field refers to value \"{}\" which is not a valid integer: {path}",
                as_written(value)
            ),
            Cause::PathNotFloat { field, path, value } => write!(
                f,
                "The {field} field refers to value \"{}\" which is not a valid float: {path}",
                as_written(value)
            ),
            Cause::MaxConcurrencyNegative { value } => write!(
                f,
                "Expected non-negative integer for MaxConcurrency, got '{value}' instead."
            ),
            Cause::ToleratedFailureCountNegative => {
                f.write_str("ToleratedFailureCount cannot be negative.")
            }
            Cause::ToleratedFailurePercentageOutOfRange => {
                f.write_str("ToleratedFailurePercentage must be between 0 and 100.")
            }
            Cause::FieldPathNotFound { field, path, input } => write!(
                f,
                "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
            ),
            Cause::OuterScopeAssigned { name } => write!(
                f,
                "The variable '{name}' belongs to an outer scope: a Map iteration or Parallel branch can read it but cannot assign it"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every form, with its error name and text.
    #[test]
    fn each_form_reads_as_the_service_writes_it() {
        let object = json!({"a": 1});
        let fraction = json!(1.5);
        let text = json!("soon");
        let negative = json!(-3);
        let empty = json!({});
        let cases: [(Cause<'_>, &str, &str); 20] = [
            (
                Cause::NoResults {
                    path: "$.x",
                    normalized: "$['x']",
                },
                "States.Runtime",
                "Invalid path '$.x' : No results for path: $['x']",
            ),
            (
                Cause::MissingProperty {
                    path: "$.no.such.result.path",
                    prefix: "$['no']",
                },
                "States.Runtime",
                "Invalid path '$.no.such.result.path' : Missing property in path $['no']",
            ),
            (
                Cause::MapItemsNotArray { items: &object },
                "States.QueryEvaluationError",
                r#"Map state input must be an array but was: {"a":1}"#,
            ),
            (
                Cause::MapItemsNotArray { items: &text },
                "States.QueryEvaluationError",
                r#"Map state input must be an array but was: "soon""#,
            ),
            (
                Cause::ItemsExpressionNotArray {
                    expression: "$items",
                    items: &fraction,
                },
                "States.QueryEvaluationError",
                "The JSONata expression '$items' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'number' for value: 1.5",
            ),
            (
                Cause::SecondsPathMissing { path: "$.wait" },
                "States.Runtime",
                "The SecondsPath parameter does not reference an input value: $.wait",
            ),
            (
                Cause::SecondsPathNotWhole {
                    path: "$.wait",
                    value: &fraction,
                },
                "States.Runtime",
                "The SecondsPath parameter cannot be parsed as a long value: $.wait == 1.5",
            ),
            (
                Cause::SecondsPathNotWhole {
                    path: "$.wait",
                    value: &text,
                },
                "States.Runtime",
                "The SecondsPath parameter cannot be parsed as a long value: $.wait == soon",
            ),
            (
                Cause::SecondsPathNegative {
                    path: "$.wait",
                    value: &negative,
                },
                "States.Runtime",
                "The SecondsPath parameter references a negative value: $.wait == -3",
            ),
            (
                Cause::TimestampPathInvalid {
                    path: "$.at",
                    value: &text,
                },
                "States.Runtime",
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.at == soon",
            ),
            (
                Cause::TimestampInvalid { value: &text },
                "States.QueryEvaluationError",
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: soon",
            ),
            (
                Cause::WaitTooLong,
                "States.Runtime",
                "Wait state delay is too long.",
            ),
            (
                Cause::PathNotInteger {
                    field: "MaxConcurrencyPath",
                    path: "$.n",
                    value: &text,
                },
                "States.Runtime",
                r#"The MaxConcurrencyPath field refers to value "soon" which is not a valid integer: $.n"#,
            ),
            (
                Cause::PathNotInteger {
                    field: "ToleratedFailureCountPath",
                    path: "$.n",
                    value: &empty,
                },
                "States.Runtime",
                r#"The ToleratedFailureCountPath field refers to value "{}" which is not a valid integer: $.n"#,
            ),
            (
                Cause::PathNotFloat {
                    field: "ToleratedFailurePercentagePath",
                    path: "$.p",
                    value: &text,
                },
                "States.Runtime",
                r#"The ToleratedFailurePercentagePath field refers to value "soon" which is not a valid float: $.p"#,
            ),
            (
                Cause::MaxConcurrencyNegative { value: -2 },
                "States.Runtime",
                "Expected non-negative integer for MaxConcurrency, got '-2' instead.",
            ),
            (
                Cause::ToleratedFailureCountNegative,
                "States.Runtime",
                "ToleratedFailureCount cannot be negative.",
            ),
            (
                Cause::ToleratedFailurePercentageOutOfRange,
                "States.Runtime",
                "ToleratedFailurePercentage must be between 0 and 100.",
            ),
            (
                Cause::FieldPathNotFound {
                    field: "ErrorPath",
                    path: "$.ErrorX",
                    input: &object,
                },
                "States.Runtime",
                r#"The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{"a":1}'"#,
            ),
            (
                Cause::OuterScopeAssigned { name: "total" },
                "States.Runtime",
                "The variable 'total' belongs to an outer scope: a Map iteration or Parallel branch can read it but cannot assign it",
            ),
        ];
        for (cause, error, text) in cases {
            assert_eq!(cause.error(), error, "{cause:?}");
            assert_eq!(cause.to_string(), text);
        }
    }
}
