//! JSONata-mode field values: any JSON value in which a string `{% expression %}` is
//! replaced by the expression's value (Arguments, Output, Assign, Items, …).

use crate::jsonata::{self, JsonataError};
use serde_json::{Map, Value};

/// A compiled JSONata-mode value.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonataTemplate {
    Static(Value),
    Expression(String),
    Object(Vec<(String, JsonataTemplate)>),
    Array(Vec<JsonataTemplate>),
}

/// The expression text when `text` is a `{% … %}` template.
pub fn expression_of(text: &str) -> Option<&str> {
    text.strip_prefix("{%")
        .and_then(|rest| rest.strip_suffix("%}"))
        .map(str::trim)
}

impl JsonataTemplate {
    pub fn compile(value: &Value) -> Self {
        match value {
            Value::String(s) => match expression_of(s) {
                Some(expr) => JsonataTemplate::Expression(expr.to_owned()),
                None => JsonataTemplate::Static(value.clone()),
            },
            Value::Object(map) => {
                let fields: Vec<(String, JsonataTemplate)> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), Self::compile(v)))
                    .collect();
                if fields
                    .iter()
                    .all(|(_, t)| matches!(t, JsonataTemplate::Static(_)))
                {
                    JsonataTemplate::Static(value.clone())
                } else {
                    JsonataTemplate::Object(fields)
                }
            }
            Value::Array(items) => {
                let compiled: Vec<JsonataTemplate> = items.iter().map(Self::compile).collect();
                if compiled
                    .iter()
                    .all(|t| matches!(t, JsonataTemplate::Static(_)))
                {
                    JsonataTemplate::Static(value.clone())
                } else {
                    JsonataTemplate::Array(compiled)
                }
            }
            other => JsonataTemplate::Static(other.clone()),
        }
    }

    /// Whether any expression in the template mentions `needle` (used to skip building
    /// the context object when no expression reads it).
    pub fn mentions(&self, needle: &str) -> bool {
        match self {
            JsonataTemplate::Static(_) => false,
            JsonataTemplate::Expression(e) => e.contains(needle),
            JsonataTemplate::Object(fields) => fields.iter().any(|(_, t)| t.mentions(needle)),
            JsonataTemplate::Array(items) => items.iter().any(|t| t.mentions(needle)),
        }
    }

    /// Evaluates the template. An expression whose value is undefined is an error (the
    /// evaluator reports it), as Step Functions accepts no undefined field value.
    pub fn evaluate(&self, bindings: &Map<String, Value>) -> Result<Value, JsonataError> {
        match self {
            JsonataTemplate::Static(v) => Ok(v.clone()),
            JsonataTemplate::Expression(e) => jsonata::evaluate(e, bindings),
            JsonataTemplate::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    out.insert(k.clone(), t.evaluate(bindings)?);
                }
                Ok(Value::Object(out))
            }
            JsonataTemplate::Array(items) => items
                .iter()
                .map(|t| t.evaluate(bindings))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_expressions_only_in_whole_templates() {
        assert_eq!(expression_of("{% $states.input %}"), Some("$states.input"));
        assert_eq!(expression_of("x {% 1 %}"), None);
        let t = JsonataTemplate::compile(&json!({"a": 1, "b": ["{% $x %}"]}));
        assert!(t.mentions("$x"));
        assert_eq!(
            JsonataTemplate::compile(&json!({"a": "{ not % }"})),
            JsonataTemplate::Static(json!({"a": "{ not % }"}))
        );
    }
}
