//! SAM's Globals section merged into the resources it applies to, as SAM does: mappings are
//! merged key by key, lists are concatenated (globals first), scalars of the resource win.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::TemplateError;

/// The resource type each Globals section applies to.
fn section_type(section: &str) -> Option<&'static str> {
    Some(match section {
        "Function" => "AWS::Serverless::Function",
        "Api" => "AWS::Serverless::Api",
        "HttpApi" => "AWS::Serverless::HttpApi",
        "SimpleTable" => "AWS::Serverless::SimpleTable",
        "StateMachine" => "AWS::Serverless::StateMachine",
        "LayerVersion" => "AWS::Serverless::LayerVersion",
        _ => return None,
    })
}

/// Globals by resource type.
pub fn by_type(
    globals: Option<&Value>,
) -> Result<BTreeMap<&'static str, Map<String, Value>>, TemplateError> {
    let mut out = BTreeMap::new();
    let Some(globals) = globals else {
        return Ok(out);
    };
    let sections = globals
        .as_object()
        .ok_or_else(|| TemplateError::invalid("Globals", "must be a mapping"))?;
    for (section, properties) in sections {
        let resource_type = section_type(section)
            .ok_or_else(|| TemplateError::unsupported(format!("Globals.{section}"), ""))?;
        let properties = properties.as_object().ok_or_else(|| {
            TemplateError::invalid(format!("Globals.{section}"), "must be a mapping")
        })?;
        out.insert(resource_type, properties.clone());
    }
    Ok(out)
}

/// The resource's properties with the globals merged under them.
pub fn merge(globals: &Map<String, Value>, properties: &Map<String, Value>) -> Map<String, Value> {
    let mut out = globals.clone();
    for (key, value) in properties {
        let merged = match (out.remove(key), value) {
            (Some(Value::Object(g)), Value::Object(p)) if !is_intrinsic(&g) && !is_intrinsic(p) => {
                Value::Object(merge(&g, p))
            }
            (Some(Value::Array(mut g)), Value::Array(p)) => {
                g.extend(p.iter().cloned());
                Value::Array(g)
            }
            (_, v) => v.clone(),
        };
        out.insert(key.clone(), merged);
    }
    out
}

/// An intrinsic is a value, not a mapping to merge into.
fn is_intrinsic(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && map
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::"))
}
