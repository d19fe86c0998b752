//! Reading a resource's properties: each value resolved when read, typed, and every property
//! checked to be one the local cloud runs or one that only matters on AWS.

use serde_json::{Map, Value};

use super::error::TemplateError;
use super::resolver::{Resolver, scalar, truthy};

/// A mapping of properties at a location in the template (`Resource.Properties…`).
#[derive(Debug, Clone)]
pub struct Obj {
    pub at: String,
    pub map: Map<String, Value>,
}

impl Obj {
    pub fn new(at: impl Into<String>, map: Map<String, Value>) -> Self {
        Self { at: at.into(), map }
    }

    /// Where `key` is.
    pub fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    /// Fails on the first property that is neither run locally (`supported`) nor AWS-only.
    pub fn check(&self, supported: &[&str], aws_only: &[&str]) -> Result<(), TemplateError> {
        match self
            .map
            .keys()
            .find(|k| !supported.contains(&k.as_str()) && !aws_only.contains(&k.as_str()))
        {
            Some(key) => Err(TemplateError::unsupported(self.at(key), "")),
            None => Ok(()),
        }
    }

    pub fn value(&self, r: &Resolver, key: &str) -> Result<Option<Value>, TemplateError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => r.resolve(v, &self.at(key)),
        }
    }

    pub fn string(&self, r: &Resolver, key: &str) -> Result<Option<String>, TemplateError> {
        self.value(r, key)?
            .map(|v| {
                scalar(&v).ok_or_else(|| {
                    TemplateError::invalid(self.at(key), format!("expected a string, got {v}"))
                })
            })
            .transpose()
    }

    pub fn required_string(&self, r: &Resolver, key: &str) -> Result<String, TemplateError> {
        self.string(r, key)?
            .ok_or_else(|| TemplateError::invalid(self.at(key), "is required"))
    }

    pub fn u32(&self, r: &Resolver, key: &str) -> Result<Option<u32>, TemplateError> {
        self.value(r, key)?
            .map(|v| {
                scalar(&v)
                    .and_then(|s| s.parse::<u32>().ok())
                    .ok_or_else(|| {
                        TemplateError::invalid(
                            self.at(key),
                            format!("expected a whole number, got {v}"),
                        )
                    })
            })
            .transpose()
    }

    /// An integer (a number, or a string of one) within `min..=max`, as the APIs' ranged
    /// parameters take it.
    pub fn int_in(
        &self,
        r: &Resolver,
        key: &str,
        min: i64,
        max: i64,
    ) -> Result<Option<i64>, TemplateError> {
        let Some(v) = self.value(r, key)? else {
            return Ok(None);
        };
        let n = v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| TemplateError::invalid(self.at(key), "expected an integer"))?;
        if n < min || n > max {
            return Err(TemplateError::invalid(
                self.at(key),
                format!("{n}: expected {min} to {max}"),
            ));
        }
        Ok(Some(n))
    }

    pub fn bool(&self, r: &Resolver, key: &str) -> Result<Option<bool>, TemplateError> {
        self.value(r, key)?
            .map(|v| {
                truthy(&v).ok_or_else(|| {
                    TemplateError::invalid(self.at(key), format!("expected true or false, got {v}"))
                })
            })
            .transpose()
    }

    /// A nested mapping, resolved.
    pub fn obj(&self, r: &Resolver, key: &str) -> Result<Option<Obj>, TemplateError> {
        match self.value(r, key)? {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Obj::new(self.at(key), map))),
            Some(other) => Err(TemplateError::invalid(
                self.at(key),
                format!("expected a mapping, got {other}"),
            )),
        }
    }

    /// A nested list, resolved.
    pub fn list(&self, r: &Resolver, key: &str) -> Result<Option<Vec<Value>>, TemplateError> {
        match self.value(r, key)? {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(TemplateError::invalid(
                self.at(key),
                format!("expected a list, got {other}"),
            )),
        }
    }

    /// A list of strings (a single string is taken as a list of one).
    pub fn strings(&self, r: &Resolver, key: &str) -> Result<Vec<String>, TemplateError> {
        match self.value(r, key)? {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    scalar(v).ok_or_else(|| {
                        TemplateError::invalid(self.at(key), format!("expected strings, got {v}"))
                    })
                })
                .collect(),
            Some(v) => scalar(&v).map(|s| vec![s]).ok_or_else(|| {
                TemplateError::invalid(self.at(key), format!("expected strings, got {v}"))
            }),
        }
    }

    /// The list items that are mappings, each as an `Obj` at `key[i]`.
    pub fn objs(&self, r: &Resolver, key: &str) -> Result<Vec<Obj>, TemplateError> {
        let Some(items) = self.list(r, key)? else {
            return Ok(Vec::new());
        };
        items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::Object(map) => Ok(Obj::new(format!("{}[{i}]", self.at(key)), map)),
                other => Err(TemplateError::invalid(
                    format!("{}[{i}]", self.at(key)),
                    format!("expected a mapping, got {other}"),
                )),
            })
            .collect()
    }
}
