//! YAML with CloudFormation's short-form tags (`!Ref`, `!GetAtt`, `!Sub` …) read into JSON in
//! the long form (`{"Ref": …}`, `{"Fn::GetAtt": [..]}`, `{"Fn::Sub": …}`), so the resolver
//! handles one form only.

use serde_json::{Map, Number, Value};
use serde_norway::Value as Yaml;

use super::error::TemplateError;

/// Tags whose long form is `Fn::<Tag>`.
const FN_TAGS: &[&str] = &[
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "Length",
    "ToJsonString",
];

/// Parses template text (YAML or JSON, JSON being YAML) into long-form JSON.
pub fn parse(text: &str) -> Result<Value, String> {
    let yaml: Yaml = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    convert(yaml, "")
}

pub(crate) fn parse_at(text: &str, path: &std::path::Path) -> Result<Value, TemplateError> {
    parse(text).map_err(|message| TemplateError::Yaml {
        path: path.to_owned(),
        message,
    })
}

fn convert(yaml: Yaml, at: &str) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| convert(item, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(mapping) => {
            let mut map = Map::new();
            for (key, value) in mapping {
                let key = match key {
                    Yaml::String(s) => s,
                    Yaml::Bool(b) => b.to_string(),
                    Yaml::Number(n) => n.to_string(),
                    Yaml::Null => "null".to_owned(),
                    other => {
                        return Err(format!(
                            "{at}: a mapping key must be a scalar, not {other:?}"
                        ));
                    }
                };
                let child = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                map.insert(key, convert(value, &child)?);
            }
            Value::Object(map)
        }
        Yaml::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = convert(tagged.value, at)?;
            let (key, arg) = match name {
                "Ref" => ("Ref".to_owned(), inner),
                "Condition" => ("Condition".to_owned(), inner),
                "GetAtt" => ("Fn::GetAtt".to_owned(), get_att_arg(inner, at)?),
                n if FN_TAGS.contains(&n) => (format!("Fn::{n}"), inner),
                _ => return Err(format!("{at}: unknown tag {tag}")),
            };
            let mut map = Map::new();
            map.insert(key, arg);
            Value::Object(map)
        }
    })
}

/// `!GetAtt Resource.Attribute` → `["Resource", "Attribute"]` (attributes may hold dots).
fn get_att_arg(inner: Value, at: &str) -> Result<Value, String> {
    match inner {
        Value::String(s) => match s.split_once('.') {
            Some((resource, attribute)) => Ok(Value::Array(vec![
                Value::String(resource.to_owned()),
                Value::String(attribute.to_owned()),
            ])),
            None => Err(format!("{at}: !GetAtt {s} needs Resource.Attribute")),
        },
        other => Ok(other),
    }
}

fn number(n: &serde_norway::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}
