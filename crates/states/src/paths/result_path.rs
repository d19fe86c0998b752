//! ResultPath: where a state's result is written into its raw input.

use super::jsonpath::{JsonPath, Step};
use serde_json::{Map, Value};

/// ResultPath as written in a definition.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultPath {
    /// `$` (the default): the result replaces the input.
    Replace,
    /// `null`: the result is discarded and the input passes through.
    Discard,
    /// A reference path into the input.
    Path(JsonPath),
}

/// The ResultPath could not be applied: the input has no room at that path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("Unable to apply step \"{step}\" to input {input}")]
pub struct ResultPathError {
    /// The key or index the path could not step through.
    pub step: String,
    /// The JSON text of the value at that point of the input.
    pub input: String,
}

impl ResultPath {
    /// The key when the path names one key of the input object (`$.status`).
    pub fn top_level_key(&self) -> Option<&str> {
        let ResultPath::Path(path) = self else {
            return None;
        };
        match path.reference_steps()?.as_slice() {
            [Step::Key(key)] => Some(key),
            _ => None,
        }
    }

    /// Writes `result` into `input` at this path. Missing objects on the way are created;
    /// a step into a non-object (or an index outside an array) fails.
    pub fn apply(&self, input: Value, result: Value) -> Result<Value, ResultPathError> {
        let path = match self {
            ResultPath::Replace => return Ok(result),
            ResultPath::Discard => return Ok(input),
            ResultPath::Path(path) => path,
        };
        let steps = path.reference_steps().unwrap_or_default();
        if steps.is_empty() {
            return Ok(result);
        }
        let mut root = input;
        let mut current = &mut root;
        let last = steps.len() - 1;
        for (i, step) in steps.iter().enumerate() {
            let fail = |node: &Value| ResultPathError {
                step: match step {
                    Step::Key(k) => (*k).to_owned(),
                    Step::Index(i) => i.to_string(),
                },
                input: serde_json::to_string(node).unwrap_or_default(),
            };
            match step {
                Step::Key(key) => {
                    let Value::Object(map) = current else {
                        return Err(fail(current));
                    };
                    if i == last {
                        map.insert((*key).to_owned(), result);
                        return Ok(root);
                    }
                    current = map
                        .entry((*key).to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                }
                Step::Index(index) => {
                    let len = current.as_array().map(Vec::len).unwrap_or(0);
                    let Some(slot) = usize::try_from(*index).ok().filter(|i| *i < len) else {
                        return Err(fail(current));
                    };
                    let Value::Array(items) = current else {
                        return Err(fail(current));
                    };
                    if i == last {
                        items[slot] = result;
                        return Ok(root);
                    }
                    current = &mut items[slot];
                }
            }
        }
        Ok(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(p: &str) -> ResultPath {
        ResultPath::Path(JsonPath::parse(p).unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn writes_results_as_aws_does() {
        let cases = [
            (
                ResultPath::Replace,
                json!({"a": 1}),
                json!({"a": 1, "r": 2}),
            ),
            (ResultPath::Discard, json!({"a": 1}), json!({"a": 1})),
            (path("$.r"), json!({"a": 1}), json!({"a": 1, "r": 9})),
            (
                path("$.x.y"),
                json!({"a": 1}),
                json!({"a": 1, "x": {"y": 9}}),
            ),
            (path("$.a"), json!({"a": 1}), json!({"a": 9})),
            (path("$.l[1]"), json!({"l": [0, 0]}), json!({"l": [0, 9]})),
        ];
        for (rp, input, expected) in cases {
            let result = if rp == ResultPath::Replace {
                expected.clone()
            } else {
                json!(9)
            };
            assert_eq!(rp.apply(input, result), Ok(expected));
        }
    }

    #[test]
    fn fails_on_non_object_input() {
        assert!(path("$.a.b").apply(json!({"a": 1}), json!(2)).is_err());
        assert!(path("$.r").apply(json!("text"), json!(2)).is_err());
        assert!(path("$.l[5]").apply(json!({"l": []}), json!(2)).is_err());
    }
}
