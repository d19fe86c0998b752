//! A value of a child template made a value of the parent: its resources, conditions and
//! mappings renamed, its parameters bound, `AWS::StackName` its own stack's.

use serde_json::{Map, Value, json};

use super::{Child, each_placeholder, get_att_parts, literal, sub_parts};
use crate::template::error::TemplateError;

impl Child {
    /// A value of the child, its names renamed and its parameters bound.
    pub(super) fn rewrite(&self, value: &Value) -> Result<Value, TemplateError> {
        Ok(match value {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.rewrite(v))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().expect("one entry");
                match key.as_str() {
                    "Ref" => self.rewrite_ref(arg),
                    "Fn::GetAtt" => self.rewrite_get_att(arg),
                    "Fn::Sub" => self.rewrite_sub(arg)?,
                    "Condition" => match arg.as_str() {
                        Some(c) if self.conditions.iter().any(|n| n == c) => {
                            json!({"Condition": self.prefixed(c)})
                        }
                        _ => value.clone(),
                    },
                    "Fn::If" => {
                        let mut items = arg.as_array().cloned().unwrap_or_default();
                        if let Some(Value::String(c)) = items.first()
                            && self.conditions.iter().any(|n| n == c)
                        {
                            items[0] = Value::String(self.prefixed(c));
                        }
                        json!({"Fn::If": self.rewrite(&Value::Array(items))?})
                    }
                    "Fn::FindInMap" => {
                        let mut items = arg.as_array().cloned().unwrap_or_default();
                        if let Some(Value::String(m)) = items.first()
                            && self.mappings.iter().any(|n| n == m)
                        {
                            items[0] = Value::String(self.prefixed(m));
                        }
                        json!({"Fn::FindInMap": self.rewrite(&Value::Array(items))?})
                    }
                    _ => {
                        let mut out = Map::new();
                        out.insert(key.clone(), self.rewrite(arg)?);
                        Value::Object(out)
                    }
                }
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, v) in map {
                    let v = match key.as_str() {
                        // A resource's condition by name; an IAM statement's is an object.
                        "Condition" => match v.as_str() {
                            Some(c) if self.conditions.iter().any(|n| n == c) => {
                                Value::String(self.prefixed(c))
                            }
                            Some(_) => v.clone(),
                            None => self.rewrite(v)?,
                        },
                        "DependsOn" => self.rename_ids(v),
                        _ => self.rewrite(v)?,
                    };
                    out.insert(key.clone(), v);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    fn is_resource(&self, name: &str) -> bool {
        self.resources.iter().any(|r| r == name)
    }

    fn rename_ids(&self, value: &Value) -> Value {
        match value {
            Value::String(id) if self.is_resource(id) => Value::String(self.prefixed(id)),
            Value::Array(ids) => Value::Array(ids.iter().map(|v| self.rename_ids(v)).collect()),
            other => other.clone(),
        }
    }

    fn rewrite_ref(&self, target: &Value) -> Value {
        let Some(name) = target.as_str() else {
            return json!({"Ref": target});
        };
        if let Some(value) = self.parameters.get(name) {
            return value.clone();
        }
        if self.is_resource(name) {
            return json!({"Ref": self.prefixed(name)});
        }
        if name == "AWS::StackName" {
            return json!({"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, self.app]]});
        }
        json!({"Ref": name})
    }

    fn rewrite_get_att(&self, arg: &Value) -> Value {
        let Some((resource, attribute)) = get_att_parts(arg) else {
            return json!({"Fn::GetAtt": arg});
        };
        let resource = if self.is_resource(&resource) {
            self.prefixed(&resource)
        } else {
            resource
        };
        json!({"Fn::GetAtt": [resource, attribute]})
    }

    /// `Fn::Sub`: a `${Name}` of a child resource is renamed, of a parameter bound (in the
    /// text when the value is text, else as a variable of the Sub), `${AWS::StackName}`
    /// made the child stack's.
    fn rewrite_sub(&self, arg: &Value) -> Result<Value, TemplateError> {
        let Some((text, vars)) = sub_parts(arg) else {
            return Ok(json!({"Fn::Sub": arg}));
        };
        let mut vars: Map<String, Value> = vars
            .iter()
            .map(|(k, v)| Ok((k.clone(), self.rewrite(v)?)))
            .collect::<Result<_, TemplateError>>()?;
        let out = each_placeholder(&text, |inner, out| {
            if inner.starts_with('!') || vars.contains_key(inner) {
                out.push_str(&format!("${{{inner}}}"));
                return Ok(());
            }
            let (name, attribute) = match inner.split_once('.') {
                Some((n, a)) => (n, Some(a)),
                None => (inner, None),
            };
            match self.parameters.get(name).filter(|_| attribute.is_none()) {
                Some(Value::String(text)) => out.push_str(&literal(text)),
                Some(Value::Number(n)) => out.push_str(&n.to_string()),
                Some(other) => {
                    vars.insert(name.to_owned(), other.clone());
                    out.push_str(&format!("${{{name}}}"));
                }
                None if self.is_resource(name) => {
                    out.push_str(&format!("${{{}", self.prefixed(name)));
                    if let Some(attribute) = attribute {
                        out.push('.');
                        out.push_str(attribute);
                    }
                    out.push('}');
                }
                None if inner == "AWS::StackName" => {
                    out.push_str(&format!("${{AWS::StackName}}-{}", self.app));
                }
                None => out.push_str(&format!("${{{inner}}}")),
            }
            Ok(())
        })?;
        Ok(if vars.is_empty() {
            json!({"Fn::Sub": out})
        } else {
            json!({"Fn::Sub": [out, vars]})
        })
    }
}
