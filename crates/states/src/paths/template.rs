//! Payload templates: Parameters, ResultSelector, ItemSelector and JSONPath-mode Assign,
//! where a key ending in `.$` takes its value from a path or an intrinsic function.

use super::jsonpath::{JsonPath, Scope};
use crate::intrinsics::{self, Intrinsic, IntrinsicError};
use serde_json::{Map, Value};

/// A compiled payload template.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// A value with no `.$` keys below it, copied as is.
    Static(Value),
    /// An object with a `.$` key at some depth: its fields are evaluated one by one.
    Object(ObjectTemplate),
    /// An array with a `.$` key inside some item: each item is evaluated in order.
    Array(Vec<Template>),
    /// `"key.$": "$.path"`; `field` is the key as written (with `.$`).
    Path {
        /// The key as written, with its `.$`, for error messages.
        field: String,
        /// The path, against the input (`$`), the context object (`$$`) or a variable
        /// (`$name`).
        path: JsonPath,
    },
    /// `"key.$": "States.Format(…)"`, parsed.
    Intrinsic {
        /// The key as written, with its `.$`.
        field: String,
        /// The parsed call.
        expression: Intrinsic,
    },
}

/// An object with `.$` keys somewhere below it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectTemplate {
    /// The output keys (`.$` removed) in order, each with its template.
    fields: Vec<(String, Template)>,
    /// The output object with every key in place and the static values filled in, when
    /// the keys are distinct: evaluating clones it (no key is hashed again) and fills in
    /// the dynamic values in order.
    skeleton: Option<Map<String, Value>>,
}

impl ObjectTemplate {
    fn new(fields: Vec<(String, Template)>) -> Self {
        // Room for one more key: a ResultPath such as `$.status` often adds one to the
        // object, and the clones keep this capacity, so that insert does not regrow it.
        let mut skeleton = Map::with_capacity(fields.len() + 1);
        for (key, template) in &fields {
            let value = match template {
                Template::Static(v) => v.clone(),
                _ => Value::Null,
            };
            skeleton.insert(key.clone(), value);
        }
        // Two fields may name one key (`"a"` and `"a.$"`); then the fields are applied
        // one by one, the later winning, as inserting them does.
        let skeleton = (skeleton.len() == fields.len()).then_some(skeleton);
        Self { fields, skeleton }
    }

    /// The output keys and their templates, in order.
    pub fn fields(&self) -> &[(String, Template)] {
        &self.fields
    }

    fn evaluate(&self, scope: Scope<'_>) -> Result<Value, TemplateError> {
        let Some(skeleton) = &self.skeleton else {
            let mut out = Map::with_capacity(self.fields.len());
            for (key, template) in &self.fields {
                out.insert(key.clone(), template.evaluate(scope)?);
            }
            return Ok(Value::Object(out));
        };
        let mut out = skeleton.clone();
        for (slot, (_, template)) in out.values_mut().zip(&self.fields) {
            if !matches!(template, Template::Static(_)) {
                *slot = template.evaluate(scope)?;
            }
        }
        Ok(Value::Object(out))
    }
}

/// Why a template could not be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{input}'"
    )]
    /// A `.$` path matched nothing (AWS raises this as `States.Runtime`).
    PathNotFound {
        /// The key as written, with its `.$`.
        field: String,
        /// The path as written.
        path: String,
        /// The JSON text of what the path was evaluated against: the input, or the context
        /// object for a `$$` path.
        input: String,
    },
    /// An intrinsic function failed; the error carries its States error name and cause.
    #[error("{0}")]
    Intrinsic(IntrinsicError),
}

/// Why a template is malformed in the definition.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateSyntaxError {
    /// JSON pointer-like location below the template's field, e.g. `/a/b.$`.
    pub location: String,
    /// What is wrong, in the words AWS's validation uses.
    pub message: String,
}

impl Template {
    /// Compiles a template from its JSON in the definition, checking every `.$` value is a
    /// valid path or intrinsic function call.
    pub fn compile(value: &Value) -> Result<Self, TemplateSyntaxError> {
        compile_at(value, "")
    }

    /// Builds the payload: static parts copied, each `.$` key (written without its `.$`)
    /// given its path's value or the function's result.
    pub fn evaluate(&self, scope: Scope<'_>) -> Result<Value, TemplateError> {
        match self {
            Template::Static(v) => Ok(v.clone()),
            Template::Object(object) => object.evaluate(scope),
            Template::Array(items) => items
                .iter()
                .map(|t| t.evaluate(scope))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Template::Path { field, path } => match path.evaluate(scope) {
                Some(v) => Ok(v.into_owned()),
                None => Err(TemplateError::PathNotFound {
                    field: field.clone(),
                    path: path.text().to_owned(),
                    input: serde_json::to_string(match path.root() {
                        super::Root::Context => scope.context,
                        _ => scope.input,
                    })
                    .unwrap_or_default(),
                }),
            },
            Template::Intrinsic { expression, .. } => {
                let no_variables = serde_json::Map::new();
                expression
                    .evaluate(
                        scope.input,
                        scope.context,
                        scope.variables.unwrap_or(&no_variables),
                    )
                    .map_err(TemplateError::Intrinsic)
            }
        }
    }
}

/// A `.$` value that is neither a path nor an intrinsic call, as CreateStateMachine words
/// it (recorded on AWS): the location is the object that holds the key, and the text
/// gives no reason.
fn not_a_path(location: &str, key: &str) -> TemplateSyntaxError {
    TemplateSyntaxError {
        location: location.to_owned(),
        message: format!(
            "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
        ),
    }
}

fn compile_at(value: &Value, location: &str) -> Result<Template, TemplateSyntaxError> {
    match value {
        Value::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            let mut dynamic = false;
            for (key, v) in map {
                let here = format!("{location}/{key}");
                if let Some(name) = key.strip_suffix(".$") {
                    let Value::String(text) = v else {
                        return Err(TemplateSyntaxError {
                            location: here,
                            message: format!(
                                "The value for the field '{key}' must be a STRING that contains a JSONPath or an intrinsic function"
                            ),
                        });
                    };
                    dynamic = true;
                    let template = if intrinsics::is_intrinsic(text) {
                        let expression =
                            Intrinsic::parse(text).map_err(|_| not_a_path(location, key))?;
                        Template::Intrinsic {
                            field: key.clone(),
                            expression,
                        }
                    } else {
                        let path = JsonPath::parse(text).map_err(|_| not_a_path(location, key))?;
                        Template::Path {
                            field: key.clone(),
                            path,
                        }
                    };
                    fields.push((name.to_owned(), template));
                } else {
                    let template = compile_at(v, &here)?;
                    dynamic |= !matches!(template, Template::Static(_));
                    fields.push((key.clone(), template));
                }
            }
            if dynamic {
                Ok(Template::Object(ObjectTemplate::new(fields)))
            } else {
                Ok(Template::Static(value.clone()))
            }
        }
        Value::Array(items) => {
            let compiled = items
                .iter()
                .enumerate()
                .map(|(i, v)| compile_at(v, &format!("{location}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if compiled.iter().all(|t| matches!(t, Template::Static(_))) {
                Ok(Template::Static(value.clone()))
            } else {
                Ok(Template::Array(compiled))
            }
        }
        other => Ok(Template::Static(other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(template: Value, input: Value) -> Result<Value, TemplateError> {
        let context = json!({"Execution": {"Name": "exec-1"}});
        Template::compile(&template)
            .unwrap_or_else(|e| panic!("{e}"))
            .evaluate(Scope::new(&input, &context))
    }

    #[test]
    fn fills_paths_and_keeps_static_values() {
        let cases = [
            (
                json!({"flagged": true, "parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[3:]"}}),
                json!({"flagged": 7, "vals": [0, 10, 20, 30, 40, 50]}),
                json!({"flagged": true, "parts": {"first": 0, "last3": [30, 40, 50]}}),
            ),
            (
                json!({"name.$": "$$.Execution.Name", "list": [{"x.$": "$.a"}, 2]}),
                json!({"a": null}),
                json!({"name": "exec-1", "list": [{"x": null}, 2]}),
            ),
            (
                json!({"k": "$.not-a-path"}),
                json!({}),
                json!({"k": "$.not-a-path"}),
            ),
            // Static and dynamic keys keep the definition's order.
            (
                json!({"z.$": "$.a", "m": [1], "a.$": "$.b", "n": {"deep.$": "$.a"}}),
                json!({"a": "A", "b": 2}),
                json!({"z": "A", "m": [1], "a": 2, "n": {"deep": "A"}}),
            ),
            // One key given twice: the later field wins, in the earlier one's place.
            (
                json!({"a": 1, "b": true, "a.$": "$.x"}),
                json!({"x": "from input"}),
                json!({"a": "from input", "b": true}),
            ),
        ];
        for (template, input, expected) in cases {
            let expected_text = expected.to_string();
            let got = run(template, input);
            assert_eq!(got, Ok(expected));
            // Equal maps may differ in order; the text shows the order too.
            assert_eq!(got.map(|v| v.to_string()), Ok(expected_text));
        }
    }

    #[test]
    fn a_missing_path_names_the_field_and_input() {
        let err = run(json!({"missing.$": "$.nope.deep"}), json!({"other": 1}));
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("The JSONPath '$.nope.deep' specified for the field 'missing.$' could not be found in the input '{\"other\":1}'".to_owned())
        );
    }

    #[test]
    fn rejects_non_string_dollar_fields() {
        assert!(Template::compile(&json!({"a.$": 1})).is_err());
        assert!(Template::compile(&json!({"a": {"b.$": "nope"}})).is_err());
        assert!(Template::compile(&json!({"a.$": "States.NoSuchFunction(1)"})).is_err());
        assert!(Template::compile(&json!({"a.$": "States.Format('{}', $.x"})).is_err());
    }
}
