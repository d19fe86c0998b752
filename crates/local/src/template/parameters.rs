//! The Parameters section: each parameter's value from an override or its default, checked
//! against its constraints as CloudFormation checks them at deploy time.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::{Map, Value};

use super::error::TemplateError;

/// Resolves every parameter: an override wins over the default; a parameter with neither is
/// an error. String and Number parameters become JSON strings (what `Ref` gives on AWS), list
/// parameters JSON arrays of strings.
pub fn resolve(
    section: Option<&Value>,
    overrides: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Value>, TemplateError> {
    let empty = Map::new();
    let section = match section {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => return Err(TemplateError::invalid("Parameters", "must be a mapping")),
    };
    if let Some(unknown) = overrides.keys().find(|k| !section.contains_key(*k)) {
        return Err(TemplateError::Parameter {
            name: unknown.clone(),
            message: "is not declared in the template".to_owned(),
        });
    }
    let mut values = BTreeMap::new();
    for (name, declaration) in section {
        let err = |message: String| TemplateError::Parameter {
            name: name.clone(),
            message,
        };
        let declaration = declaration
            .as_object()
            .ok_or_else(|| err("must be a mapping".to_owned()))?;
        let kind = declaration
            .get("Type")
            .and_then(Value::as_str)
            .ok_or_else(|| err("has no Type".to_owned()))?;
        let raw = match overrides.get(name) {
            Some(v) => v.clone(),
            None => match declaration.get("Default") {
                Some(v) => {
                    scalar_text(v).ok_or_else(|| err("Default must be a scalar".to_owned()))?
                }
                None => return Err(err("has no value: give an override or a Default".to_owned())),
            },
        };
        values.insert(name.clone(), check(kind, &raw, declaration).map_err(err)?);
    }
    Ok(values)
}

pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => items
            .iter()
            .map(scalar_text)
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(",")),
        _ => None,
    }
}

fn check(kind: &str, raw: &str, declaration: &Map<String, Value>) -> Result<Value, String> {
    if kind.starts_with("AWS::SSM::Parameter") {
        return Err(format!(
            "type {kind} reads Parameter Store, which the local cloud has not"
        ));
    }
    let list = kind == "CommaDelimitedList" || kind.starts_with("List<");
    let items: Vec<String> = if list {
        if raw.is_empty() {
            Vec::new()
        } else {
            raw.split(',').map(|s| s.trim().to_owned()).collect()
        }
    } else {
        vec![raw.to_owned()]
    };
    for item in &items {
        check_item(kind, item, declaration)?;
    }
    Ok(if list {
        Value::Array(items.into_iter().map(Value::String).collect())
    } else {
        Value::String(raw.to_owned())
    })
}

fn check_item(kind: &str, value: &str, declaration: &Map<String, Value>) -> Result<(), String> {
    let number = |key: &str| {
        declaration
            .get(key)
            .and_then(|v| scalar_text(v)?.parse::<f64>().ok())
    };
    if kind == "Number" || kind == "List<Number>" {
        let n: f64 = value
            .parse()
            .map_err(|_| format!("{value:?} is not a number"))?;
        if let Some(min) = number("MinValue").filter(|min| n < *min) {
            return Err(format!("{value} is below MinValue {min}"));
        }
        if let Some(max) = number("MaxValue").filter(|max| n > *max) {
            return Err(format!("{value} is above MaxValue {max}"));
        }
    }
    let length = value.chars().count() as f64;
    if let Some(min) = number("MinLength").filter(|min| length < *min) {
        return Err(format!("{value:?} is shorter than MinLength {min}"));
    }
    if let Some(max) = number("MaxLength").filter(|max| length > *max) {
        return Err(format!("{value:?} is longer than MaxLength {max}"));
    }
    if let Some(allowed) = declaration.get("AllowedValues").and_then(Value::as_array) {
        let allowed: Vec<String> = allowed.iter().filter_map(scalar_text).collect();
        let matches = allowed.iter().any(|a| {
            a == value
                || (kind == "Number"
                    && a.parse::<f64>().ok() == value.parse::<f64>().ok()
                    && a.parse::<f64>().is_ok())
        });
        if !matches {
            return Err(format!("{value:?} is not one of AllowedValues {allowed:?}"));
        }
    }
    if let Some(pattern) = declaration.get("AllowedPattern").and_then(Value::as_str) {
        // CloudFormation matches the whole value.
        let regex = Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| format!("AllowedPattern {pattern:?} is not a regular expression: {e}"))?;
        if !regex.is_match(value) {
            let hint = declaration
                .get("ConstraintDescription")
                .and_then(Value::as_str)
                .unwrap_or(pattern);
            return Err(format!("{value:?} does not match AllowedPattern: {hint}"));
        }
    }
    Ok(())
}
