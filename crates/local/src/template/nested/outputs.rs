//! The parent's references to its applications: `!GetAtt App.Outputs.Name` becomes the
//! output's value.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{each_placeholder, get_att_parts, literal, sub_parts};
use crate::template::error::TemplateError;

/// What an application's output is, by application and attribute (`Outputs.Name`): `None`
/// when the name is not an application's.
type OutputLookup<'a> = dyn Fn(&str, &str) -> Option<Result<Value, TemplateError>> + 'a;

/// Replaces the parent's `!GetAtt App.Outputs.Name` (and `${App.Outputs.Name}` in a Sub)
/// with the output's value, and drops an application from a `DependsOn`: the local cloud
/// makes every resource before it runs any.
pub(super) fn replace_outputs(
    value: &mut Value,
    outputs: &BTreeMap<(String, String), Value>,
    apps: &[String],
) -> Result<(), TemplateError> {
    let output = |app: &str, attribute: &str| -> Option<Result<Value, TemplateError>> {
        if !apps.iter().any(|a| a == app) {
            return None;
        }
        let Some(name) = attribute.strip_prefix("Outputs.") else {
            return Some(Err(TemplateError::unsupported(
                format!("{app}.{attribute}"),
                "an attribute of a nested application other than Outputs.<Name>",
            )));
        };
        Some(
            outputs
                .get(&(app.to_owned(), name.to_owned()))
                .cloned()
                .ok_or_else(|| TemplateError::UnknownReference {
                    location: format!("{app}.{attribute}"),
                    target: format!("output {name} of {app}"),
                }),
        )
    };
    match value {
        Value::Array(items) => {
            for item in items {
                replace_outputs(item, outputs, apps)?;
            }
        }
        Value::Object(map) => {
            if map.len() == 1
                && let Some(arg) = map.get("Fn::GetAtt")
            {
                let (app, attribute) = get_att_parts(arg).unwrap_or_default();
                let attribute = attribute.as_str().unwrap_or_default();
                if let Some(found) = output(&app, attribute) {
                    *value = found?;
                    return Ok(());
                }
            }
            if map.len() == 1
                && let Some(Value::String(app)) = map.get("Ref")
                && apps.contains(app)
            {
                return Err(TemplateError::unsupported(
                    format!("Ref {app}"),
                    "the ARN of a nested application's stack",
                ));
            }
            if map.len() == 1
                && let Some(arg) = map.get_mut("Fn::Sub")
            {
                sub_outputs(arg, &output)?;
            }
            if let Some(depends) = map.get_mut("DependsOn") {
                let ids: Vec<Value> = match &*depends {
                    Value::Array(ids) => ids.clone(),
                    id @ Value::String(_) => vec![id.clone()],
                    _ => Vec::new(),
                };
                let kept: Vec<Value> = ids
                    .into_iter()
                    .filter(|id| !id.as_str().is_some_and(|s| apps.iter().any(|a| a == s)))
                    .collect();
                *depends = Value::Array(kept);
            }
            for (_, item) in map.iter_mut() {
                replace_outputs(item, outputs, apps)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `${App.Outputs.Name}` in a Sub: the output's text, or a variable of the Sub bound to
/// its value.
fn sub_outputs(arg: &mut Value, output: &OutputLookup<'_>) -> Result<(), TemplateError> {
    let Some((text, mut vars)) = sub_parts(arg) else {
        return Ok(());
    };
    let out = each_placeholder(&text, |inner, out| {
        let found = inner
            .split_once('.')
            .filter(|_| !inner.starts_with('!') && !vars.contains_key(inner))
            .and_then(|(app, attribute)| output(app, attribute));
        match found {
            Some(value) => match value? {
                Value::String(text) => out.push_str(&literal(&text)),
                // The same reference written in the Sub itself, as a person would.
                Value::Object(reference) if placeholder_of(&reference).is_some() => {
                    out.push_str(&placeholder_of(&reference).unwrap_or_default());
                }
                other => {
                    let name = inner.replace('.', "");
                    vars.insert(name.clone(), other);
                    out.push_str(&format!("${{{name}}}"));
                }
            },
            None => out.push_str(&format!("${{{inner}}}")),
        }
        Ok(())
    })?;
    *arg = if vars.is_empty() {
        Value::String(out)
    } else {
        json!([out, vars])
    };
    Ok(())
}

/// `${Name}` for a `Ref` of a name, `${Name.Attribute}` for a `Fn::GetAtt` of one.
fn placeholder_of(reference: &serde_json::Map<String, Value>) -> Option<String> {
    if reference.len() != 1 {
        return None;
    }
    if let Some(Value::String(name)) = reference.get("Ref") {
        return Some(format!("${{{name}}}"));
    }
    let (resource, attribute) = get_att_parts(reference.get("Fn::GetAtt")?)?;
    Some(format!("${{{resource}.{}}}", attribute.as_str()?))
}
