//! The Conditions section and the condition functions (`Fn::Equals`, `Fn::Not`, `Fn::And`,
//! `Fn::Or`, `Condition`), evaluated once each and remembered.

use serde_json::Value;

use super::error::TemplateError;
use super::resolver::{Memo, Resolver, scalar};

impl Resolver {
    /// The value of a named condition.
    pub fn condition(&self, name: &str, at: &str) -> Result<bool, TemplateError> {
        match self.conditions.borrow().get(name) {
            Some(Memo::Done(b)) => return Ok(*b),
            Some(Memo::InProgress) => {
                return Err(TemplateError::Cycle {
                    location: at.to_owned(),
                    through: format!("condition {name}"),
                });
            }
            None => {}
        }
        let definition = self
            .condition_definitions
            .get(name)
            .cloned()
            .ok_or_else(|| TemplateError::UnknownReference {
                location: at.to_owned(),
                target: format!("condition {name}"),
            })?;
        self.conditions
            .borrow_mut()
            .insert(name.to_owned(), Memo::InProgress);
        let result = self.evaluate_condition(&definition, &format!("Conditions.{name}"));
        match &result {
            Ok(b) => {
                self.conditions
                    .borrow_mut()
                    .insert(name.to_owned(), Memo::Done(*b));
            }
            Err(_) => {
                self.conditions.borrow_mut().remove(name);
            }
        }
        result
    }

    pub(super) fn evaluate_condition(
        &self,
        value: &Value,
        at: &str,
    ) -> Result<bool, TemplateError> {
        let Some((key, arg)) = value
            .as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.iter().next())
        else {
            return match self.resolve_value(value, at)? {
                Value::Bool(b) => Ok(b),
                Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
                other => Err(TemplateError::invalid(
                    at,
                    format!("expected a condition, got {other}"),
                )),
            };
        };
        let at = format!("{at}.{key}");
        match key.as_str() {
            "Condition" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| TemplateError::invalid(&at, "expects a condition name"))?;
                self.condition(name, &at)
            }
            "Fn::Equals" => {
                let [a, b] = self.args::<2>(arg, &at)?;
                let a = self.resolve(a, &at)?;
                let b = self.resolve(b, &at)?;
                Ok(comparable(a.as_ref()) == comparable(b.as_ref()))
            }
            "Fn::Not" => {
                let [inner] = self.args::<1>(arg, &at)?;
                Ok(!self.evaluate_condition(inner, &at)?)
            }
            "Fn::And" | "Fn::Or" => {
                let items = arg
                    .as_array()
                    .filter(|items| (2..=10).contains(&items.len()))
                    .ok_or_else(|| TemplateError::invalid(&at, "expects 2 to 10 conditions"))?;
                let mut results = Vec::with_capacity(items.len());
                for item in items {
                    results.push(self.evaluate_condition(item, &at)?);
                }
                Ok(if key == "Fn::And" {
                    results.iter().all(|b| *b)
                } else {
                    results.iter().any(|b| *b)
                })
            }
            _ => match self.resolve_value(value, &at)? {
                Value::Bool(b) => Ok(b),
                other => Err(TemplateError::invalid(
                    &at,
                    format!("expected a condition, got {other}"),
                )),
            },
        }
    }

    /// Whether a resource is part of the stack (its Condition, if any, holds).
    pub fn enabled(&self, id: &str) -> Result<bool, TemplateError> {
        match self.resources.get(id).and_then(|r| r.condition.clone()) {
            Some(condition) => self.condition(&condition, &format!("{id}.Condition")),
            None => Ok(true),
        }
    }
}

/// `Fn::Equals` compares values as CloudFormation does: scalars by their text.
fn comparable(v: Option<&Value>) -> Option<Value> {
    v.map(|v| scalar(v).map_or_else(|| v.clone(), Value::String))
}
