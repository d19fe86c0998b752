//! The intrinsics that build text and pick values: `Fn::Sub`, `Fn::Join`, `Fn::Select`,
//! `Fn::FindInMap`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::error::TemplateError;
use super::resolver::{Resolved, Resolver, scalar};

impl Resolver {
    pub(super) fn sub(&self, arg: &Value, at: &str) -> Result<String, TemplateError> {
        let (text, variables) = match arg {
            Value::Array(items) if items.len() == 2 => {
                let text = self.resolve_string(&items[0], at)?;
                let map = items[1].as_object().ok_or_else(|| {
                    TemplateError::invalid(at, "the second item must be a mapping of variables")
                })?;
                let mut variables = BTreeMap::new();
                for (k, v) in map {
                    variables.insert(k.clone(), self.resolve_string(v, &format!("{at}[1].{k}"))?);
                }
                (text, variables)
            }
            Value::Array(_) => {
                return Err(TemplateError::invalid(
                    at,
                    "expects a string or [string, variables]",
                ));
            }
            other => (self.resolve_string(other, at)?, BTreeMap::new()),
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                // `${!Name}` is the literal text `${Name}`.
                out.push_str("${");
                rest = literal;
                continue;
            }
            let end = after
                .find('}')
                .ok_or_else(|| TemplateError::invalid(at, format!("unclosed ${{ in {text:?}")))?;
            let name = after[..end].trim();
            out.push_str(&self.sub_variable(name, &variables, at)?);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn sub_variable(
        &self,
        name: &str,
        variables: &BTreeMap<String, String>,
        at: &str,
    ) -> Result<String, TemplateError> {
        if let Some(v) = variables.get(name) {
            return Ok(v.clone());
        }
        let value = match name.split_once('.') {
            Some((resource, attribute)) if !self.parameters.contains_key(name) => {
                Some(self.get_att(resource, attribute, at)?)
            }
            _ => self.reference(name, at)?,
        };
        value
            .as_ref()
            .and_then(scalar)
            .ok_or_else(|| TemplateError::invalid(at, format!("${{{name}}} is not a string value")))
    }

    pub(super) fn join(&self, arg: &Value, at: &str) -> Result<String, TemplateError> {
        let [delimiter, items] = self.args::<2>(arg, at)?;
        let delimiter = self.resolve_string(delimiter, at)?;
        let items = match self.resolve_value(items, at)? {
            Value::Array(items) => items,
            other => {
                return Err(TemplateError::invalid(
                    at,
                    format!("expects a list to join, got {other}"),
                ));
            }
        };
        let parts = items
            .iter()
            .map(|v| {
                scalar(v).ok_or_else(|| TemplateError::invalid(at, format!("cannot join {v}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(parts.join(&delimiter))
    }

    pub(super) fn select(&self, arg: &Value, at: &str) -> Resolved {
        let [index, items] = self.args::<2>(arg, at)?;
        let index: usize = self
            .resolve_string(index, at)?
            .parse()
            .map_err(|_| TemplateError::invalid(at, "the index must be a whole number"))?;
        match self.resolve_value(items, at)? {
            Value::Array(items) => items.get(index).cloned().map(Some).ok_or_else(|| {
                TemplateError::invalid(
                    at,
                    format!("index {index} is past the {} items", items.len()),
                )
            }),
            other => Err(TemplateError::invalid(
                at,
                format!("expects a list, got {other}"),
            )),
        }
    }

    pub(super) fn find_in_map(&self, arg: &Value, at: &str) -> Result<Value, TemplateError> {
        let items = arg
            .as_array()
            .filter(|items| items.len() == 3 || items.len() == 4)
            .ok_or_else(|| TemplateError::invalid(at, "expects [MapName, TopKey, SecondKey]"))?;
        let map_name = self.resolve_string(&items[0], at)?;
        let top = self.resolve_string(&items[1], at)?;
        let second = self.resolve_string(&items[2], at)?;
        let found = self
            .mappings
            .get(&map_name)
            .and_then(|m| m.get(&top))
            .and_then(|m| m.get(&second));
        match (found, items.get(3)) {
            (Some(v), _) => self.resolve_value(v, at),
            // Language-extensions form: [Map, Top, Second, {DefaultValue: v}].
            (None, Some(Value::Object(default))) if default.contains_key("DefaultValue") => {
                self.resolve_value(&default["DefaultValue"], at)
            }
            (None, _) => Err(TemplateError::UnknownReference {
                location: at.to_owned(),
                target: format!("mapping entry {map_name}.{top}.{second}"),
            }),
        }
    }
}
