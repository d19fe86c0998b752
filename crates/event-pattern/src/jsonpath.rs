//! The JSONPath subset EventBridge accepts in `InputPath` and `InputPathsMap`: `$`, dot
//! notation (names may hold dashes, underscores, slashes), array indices `[n]` and the
//! wildcards `.*` and `[*]`. Bracketed names are not accepted.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Field(String),
    Index(usize),
    /// Every member of an object or element of an array.
    Wildcard,
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    pub(crate) fn parse(text: &str) -> Result<JsonPath, String> {
        let bad = |why: &str| format!("{text} is not a valid JSON path: {why}");
        let rest = text
            .strip_prefix('$')
            .ok_or_else(|| bad("it must start with $"))?;
        let b = rest.as_bytes();
        let mut steps = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'.' => {
                    let start = i + 1;
                    let mut j = start;
                    while j < b.len() && b[j] != b'.' && b[j] != b'[' {
                        j += 1;
                    }
                    let name = &rest[start..j];
                    if name.is_empty() {
                        return Err(bad("empty field name"));
                    }
                    if name == "*" {
                        steps.push(Step::Wildcard);
                    } else if name.chars().all(|c| {
                        c.is_alphanumeric()
                            || matches!(c, '-' | '_' | '/' | '$' | '@' | ':' | '#' | '+')
                    }) {
                        steps.push(Step::Field(name.to_owned()));
                    } else {
                        return Err(bad("field names hold letters, digits, '-', '_' and '/'"));
                    }
                    i = j;
                }
                b'[' => {
                    let end = rest[i..]
                        .find(']')
                        .map(|k| i + k)
                        .ok_or_else(|| bad("unclosed ["))?;
                    let inner = &rest[i + 1..end];
                    if inner == "*" {
                        steps.push(Step::Wildcard);
                    } else {
                        let n: usize = inner.parse().map_err(|_| {
                            bad("brackets hold an array index or *; use dot notation for names")
                        })?;
                        steps.push(Step::Index(n));
                    }
                    i = end + 1;
                }
                _ => return Err(bad("expected '.' or '['")),
            }
        }
        Ok(JsonPath { steps })
    }

    /// Whether the path can select more than one value.
    pub(crate) fn is_indefinite(&self) -> bool {
        self.steps.contains(&Step::Wildcard)
    }

    /// The selected value: `None` when nothing is there. A path with wildcards selects the
    /// array of everything it reaches (empty array: nothing).
    pub(crate) fn select(&self, root: &Value) -> Option<Value> {
        let mut current: Vec<&Value> = vec![root];
        for step in &self.steps {
            let mut next = Vec::new();
            for v in current {
                match (step, v) {
                    (Step::Field(name), Value::Object(map)) => next.extend(map.get(name)),
                    (Step::Index(n), Value::Array(items)) => next.extend(items.get(*n)),
                    (Step::Wildcard, Value::Object(map)) => next.extend(map.values()),
                    (Step::Wildcard, Value::Array(items)) => next.extend(items.iter()),
                    _ => {}
                }
            }
            current = next;
        }
        if self.is_indefinite() {
            if current.is_empty() {
                None
            } else {
                Some(Value::Array(current.into_iter().cloned().collect()))
            }
        } else {
            current.first().map(|v| (*v).clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::JsonPath;
    use serde_json::json;

    #[test]
    fn paths_select_what_they_name() {
        let event = json!({"detail-type": "X", "detail": {"items": [{"sku": "A"}, {"sku": "B"}]}});
        let cases = [
            ("$", Some(event.clone())),
            ("$.detail-type", Some(json!("X"))),
            ("$.detail.items[1].sku", Some(json!("B"))),
            ("$.detail.items[*].sku", Some(json!(["A", "B"]))),
            ("$.detail.items.*.sku", Some(json!(["A", "B"]))),
            ("$.detail.missing", None),
            ("$.detail.items[5]", None),
        ];
        for (path, expected) in cases {
            let p = JsonPath::parse(path).expect("valid path");
            assert_eq!(p.select(&event), expected, "{path}");
        }
    }

    #[test]
    fn malformed_paths_are_refused() {
        for path in ["detail", "$.", "$..a", "$['a']", "$.a[", "$.a b"] {
            assert!(JsonPath::parse(path).is_err(), "{path}");
        }
    }
}
