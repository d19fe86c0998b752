//! JSONata-mode field values: any JSON value in which a string `{% expression %}` is
//! replaced by the expression's value (Arguments, Output, Assign, Items, …). Each
//! expression is parsed when the template is compiled, so evaluation only walks trees.

use crate::jsonata::{Expression, JsonataError};
use serde_json::{Map, Value};

/// A compiled JSONata-mode value.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonataTemplate {
    /// A value without expressions, used as it is.
    Static(Value),
    /// A whole `{% … %}` string: the expression's value.
    Expression(Expression),
    /// An object with expressions in some of its values, in key order.
    Object(Vec<(String, JsonataTemplate)>),
    /// An array with expressions in some of its items.
    Array(Vec<JsonataTemplate>),
}

/// The expression text when `text` is a `{% … %}` template.
pub fn expression_of(text: &str) -> Option<&str> {
    text.strip_prefix("{%")
        .and_then(|rest| rest.strip_suffix("%}"))
        .map(str::trim)
}

impl JsonataTemplate {
    /// Compiles a field value, parsing each expression in it; fails with the first
    /// expression that does not parse.
    pub fn compile(value: &Value) -> Result<Self, JsonataError> {
        Self::compile_with(value, &mut Expression::parse)
    }

    /// [`JsonataTemplate::compile`] with the parsing done by `parse` (the definition
    /// parser passes one that remembers each expression it has parsed).
    pub fn compile_with(
        value: &Value,
        parse: &mut dyn FnMut(&str) -> Result<Expression, JsonataError>,
    ) -> Result<Self, JsonataError> {
        Ok(match value {
            Value::String(s) => match expression_of(s) {
                Some(expr) => JsonataTemplate::Expression(parse(expr)?),
                None => JsonataTemplate::Static(value.clone()),
            },
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                for (k, v) in map {
                    fields.push((k.clone(), Self::compile_with(v, parse)?));
                }
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
                let compiled = items
                    .iter()
                    .map(|item| Self::compile_with(item, parse))
                    .collect::<Result<Vec<_>, _>>()?;
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
        })
    }

    /// Whether any expression in the template mentions `needle` (used to skip building
    /// the context object when no expression reads it).
    pub fn mentions(&self, needle: &str) -> bool {
        match self {
            JsonataTemplate::Static(_) => false,
            JsonataTemplate::Expression(e) => e.text().contains(needle),
            JsonataTemplate::Object(fields) => fields.iter().any(|(_, t)| t.mentions(needle)),
            JsonataTemplate::Array(items) => items.iter().any(|t| t.mentions(needle)),
        }
    }

    /// Evaluates the template at the instant `now_ms` (what `$now()` answers). An
    /// expression whose value is undefined is an error (the evaluator reports it), as Step
    /// Functions accepts no undefined field value.
    pub fn evaluate(
        &self,
        bindings: &dyn crate::jsonata::Bindings,
        now_ms: i64,
    ) -> Result<Value, TemplateFailure> {
        match self {
            JsonataTemplate::Static(v) => Ok(v.clone()),
            JsonataTemplate::Expression(e) => {
                e.evaluate_at(bindings, now_ms)
                    .map_err(|error| TemplateFailure {
                        error,
                        expression: e.text().to_owned(),
                        within: Vec::new(),
                    })
            }
            JsonataTemplate::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    let value = t.evaluate(bindings, now_ms).map_err(|f| f.within(k))?;
                    out.insert(k.clone(), value);
                }
                Ok(Value::Object(out))
            }
            JsonataTemplate::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    t.evaluate(bindings, now_ms)
                        .map_err(|f| f.within(&i.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
        }
    }
}

/// The failure of one expression of a template: the error, the expression's text, and
/// where in the field's value it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateFailure {
    /// What the evaluator reported.
    pub error: JsonataError,
    /// The expression's text, without its `{% %}`.
    pub expression: String,
    /// The keys (and array indexes) from the field's value down to the expression.
    within: Vec<String>,
}

impl TemplateFailure {
    fn within(mut self, key: &str) -> Self {
        self.within.insert(0, key.to_owned());
        self
    }

    /// The location Step Functions names: the field, then each key down to the
    /// expression (`Output/result`, `Arguments/FunctionName`).
    pub fn location(&self, field: &str) -> String {
        let mut location = field.to_owned();
        for key in &self.within {
            location.push('/');
            location.push_str(key);
        }
        location
    }

    /// The cause Step Functions gives, after the state's preamble: "The JSONata
    /// expression '$x' specified for the field 'Output/result' returned nothing
    /// (undefined)."
    pub fn cause(&self, field: &str) -> String {
        self.error.cause(&self.expression, &self.location(field))
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
        let t = JsonataTemplate::compile(&json!({"a": 1, "b": ["{% $x %}"]})).expect("parses");
        assert!(t.mentions("$x"));
        assert_eq!(
            JsonataTemplate::compile(&json!({"a": "{ not % }"})),
            Ok(JsonataTemplate::Static(json!({"a": "{ not % }"})))
        );
    }
}
