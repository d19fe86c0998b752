//! Intrinsic functions and conditions, evaluated to concrete values the local cloud uses.
//!
//! Values are long-form JSON (see `yaml`). `resolve` returns `None` for `AWS::NoValue` (an
//! `Fn::If` branch that removes a property), which the caller drops from its list or mapping.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use serde_json::{Map, Value};

use super::error::TemplateError;
use super::pseudo;

/// A resource as written, after Globals are merged into it.
#[derive(Debug, Clone)]
pub struct RawResource {
    pub resource_type: String,
    pub properties: Map<String, Value>,
    pub metadata: Value,
    pub condition: Option<String>,
    /// SAM's implicit resources (`<Function>Role`) are not in the template text.
    pub implicit: bool,
}

#[derive(Debug, Clone)]
pub(super) enum Memo<T> {
    InProgress,
    Done(T),
}

/// Evaluates intrinsics against one template's parameters, mappings, conditions and resources.
pub struct Resolver {
    pub(crate) parameters: BTreeMap<String, Value>,
    pub(super) mappings: Map<String, Value>,
    pub(super) condition_definitions: Map<String, Value>,
    pub(crate) resources: BTreeMap<String, RawResource>,
    pub(crate) endpoint: String,
    pub(super) conditions: RefCell<HashMap<String, Memo<bool>>>,
    names: RefCell<HashMap<String, Memo<String>>>,
}

pub(super) type Resolved = Result<Option<Value>, TemplateError>;

impl Resolver {
    pub fn new(
        parameters: BTreeMap<String, Value>,
        mappings: Map<String, Value>,
        condition_definitions: Map<String, Value>,
        resources: BTreeMap<String, RawResource>,
        endpoint: String,
    ) -> Self {
        Self {
            parameters,
            mappings,
            condition_definitions,
            resources,
            endpoint,
            conditions: RefCell::new(HashMap::new()),
            names: RefCell::new(HashMap::new()),
        }
    }

    /// Resolves every intrinsic in `value`; `None` is `AWS::NoValue`.
    pub fn resolve(&self, value: &Value, at: &str) -> Resolved {
        match value {
            Value::Object(map) if map.len() == 1 => {
                let Some((key, arg)) = map.iter().next() else {
                    return Ok(Some(value.clone()));
                };
                if key == "Ref" || key.starts_with("Fn::") {
                    let at = format!("{at}.{key}");
                    return self.intrinsic(key, arg, &at);
                }
                self.resolve_map(map, at)
            }
            Value::Object(map) => self.resolve_map(map, at),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(v) = self.resolve(item, &format!("{at}[{i}]"))? {
                        out.push(v);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    fn resolve_map(&self, map: &Map<String, Value>, at: &str) -> Resolved {
        let mut out = Map::new();
        for (key, v) in map {
            if let Some(v) = self.resolve(v, &format!("{at}.{key}"))? {
                out.insert(key.clone(), v);
            }
        }
        Ok(Some(Value::Object(out)))
    }

    /// Resolves a value that must be present (not `AWS::NoValue`).
    pub fn resolve_value(&self, value: &Value, at: &str) -> Result<Value, TemplateError> {
        self.resolve(value, at)?
            .ok_or_else(|| TemplateError::invalid(at, "AWS::NoValue where a value is required"))
    }

    /// Resolves a value that must be a string (numbers and booleans are taken as text, as
    /// CloudFormation does).
    pub fn resolve_string(&self, value: &Value, at: &str) -> Result<String, TemplateError> {
        let v = self.resolve_value(value, at)?;
        scalar(&v).ok_or_else(|| TemplateError::invalid(at, format!("expected a string, got {v}")))
    }

    fn intrinsic(&self, key: &str, arg: &Value, at: &str) -> Resolved {
        match key {
            "Ref" => {
                let name = self.resolve_string(arg, at)?;
                self.reference(&name, at)
            }
            "Fn::GetAtt" => {
                let (resource, attribute) = self.get_att_arg(arg, at)?;
                self.get_att(&resource, &attribute, at).map(Some)
            }
            "Fn::Sub" => self.sub(arg, at).map(|s| Some(Value::String(s))),
            "Fn::Join" => self.join(arg, at).map(|s| Some(Value::String(s))),
            "Fn::Select" => self.select(arg, at),
            "Fn::Split" => {
                let [delimiter, source] = self.args::<2>(arg, at)?;
                let delimiter = self.resolve_string(delimiter, at)?;
                let source = self.resolve_string(source, at)?;
                if delimiter.is_empty() {
                    return Err(TemplateError::invalid(at, "the delimiter is empty"));
                }
                Ok(Some(Value::Array(
                    source
                        .split(delimiter.as_str())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                )))
            }
            "Fn::If" => {
                let [condition, then, otherwise] = self.args::<3>(arg, at)?;
                let name = condition
                    .as_str()
                    .ok_or_else(|| TemplateError::invalid(at, "the condition must be a name"))?;
                if self.condition(name, at)? {
                    self.resolve(then, &format!("{at}[1]"))
                } else {
                    self.resolve(otherwise, &format!("{at}[2]"))
                }
            }
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => {
                let mut map = Map::new();
                map.insert(key.to_owned(), arg.clone());
                self.evaluate_condition(&Value::Object(map), at)
                    .map(|b| Some(Value::Bool(b)))
            }
            "Fn::FindInMap" => self.find_in_map(arg, at).map(Some),
            "Fn::GetAZs" => {
                let region = self.resolve_string(arg, at)?;
                let region = if region.is_empty() {
                    pseudo::REGION.to_owned()
                } else {
                    region
                };
                Ok(Some(Value::Array(
                    ["a", "b", "c"]
                        .iter()
                        .map(|zone| Value::String(format!("{region}{zone}")))
                        .collect(),
                )))
            }
            "Fn::Base64" => {
                let text = self.resolve_string(arg, at)?;
                Ok(Some(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(text),
                )))
            }
            "Fn::Length" => match self.resolve_value(arg, at)? {
                Value::Array(items) => Ok(Some(Value::Number(items.len().into()))),
                other => Err(TemplateError::invalid(
                    at,
                    format!("expected a list, got {other}"),
                )),
            },
            "Fn::ToJsonString" => {
                let v = self.resolve_value(arg, at)?;
                Ok(Some(Value::String(v.to_string())))
            }
            "Fn::ImportValue" => Err(TemplateError::unsupported(
                at,
                "the local cloud runs one stack; there are no other stacks' exports",
            )),
            other => Err(TemplateError::unsupported(at, format!("intrinsic {other}"))),
        }
    }

    pub(super) fn args<'v, const N: usize>(
        &self,
        arg: &'v Value,
        at: &str,
    ) -> Result<[&'v Value; N], TemplateError> {
        let items = arg
            .as_array()
            .ok_or_else(|| TemplateError::invalid(at, format!("expects a list of {N}")))?;
        let refs: Vec<&Value> = items.iter().collect();
        refs.try_into().map_err(|_| {
            TemplateError::invalid(at, format!("expects a list of {N}, got {}", items.len()))
        })
    }

    pub(super) fn get_att_arg(
        &self,
        arg: &Value,
        at: &str,
    ) -> Result<(String, String), TemplateError> {
        match arg {
            Value::String(s) => s
                .split_once('.')
                .map(|(r, a)| (r.to_owned(), a.to_owned()))
                .ok_or_else(|| TemplateError::invalid(at, "expects Resource.Attribute")),
            _ => {
                let [resource, attribute] = self.args::<2>(arg, at)?;
                Ok((
                    self.resolve_string(resource, at)?,
                    self.resolve_string(attribute, at)?,
                ))
            }
        }
    }

    /// `Ref`: a parameter, a pseudo parameter or a resource.
    pub(super) fn reference(&self, name: &str, at: &str) -> Resolved {
        if let Some(value) = self.pseudo(name) {
            return Ok(value);
        }
        if let Some(value) = self.parameters.get(name) {
            return Ok(Some(value.clone()));
        }
        if self.resources.contains_key(name) {
            return self
                .ref_of_resource(name, at)
                .map(|s| Some(Value::String(s)));
        }
        Err(TemplateError::UnknownReference {
            location: at.to_owned(),
            target: format!("parameter or resource {name}"),
        })
    }

    fn pseudo(&self, name: &str) -> Option<Option<Value>> {
        let s = |v: &str| Some(Some(Value::String(v.to_owned())));
        match name {
            "AWS::NoValue" => Some(None),
            "AWS::StackName" => s(pseudo::STACK_NAME),
            "AWS::Region" => s(pseudo::REGION),
            "AWS::AccountId" => s(pseudo::ACCOUNT_ID),
            "AWS::Partition" => s(pseudo::PARTITION),
            "AWS::URLSuffix" => s(pseudo::URL_SUFFIX),
            "AWS::StackId" => s(&format!(
                "arn:{}:cloudformation:{}:{}:stack/{}/00000000-0000-0000-0000-000000000000",
                pseudo::PARTITION,
                pseudo::REGION,
                pseudo::ACCOUNT_ID,
                pseudo::STACK_NAME
            )),
            "AWS::NotificationARNs" => Some(Some(Value::Array(Vec::new()))),
            _ => None,
        }
    }

    /// The resource of a logical id, checked to exist and to be enabled by its Condition.
    pub(crate) fn resource(&self, id: &str, at: &str) -> Result<&RawResource, TemplateError> {
        let resource = self
            .resources
            .get(id)
            .ok_or_else(|| TemplateError::UnknownReference {
                location: at.to_owned(),
                target: format!("resource {id}"),
            })?;
        if let Some(condition) = &resource.condition
            && !self.condition(condition, at)?
        {
            return Err(TemplateError::invalid(
                at,
                format!("refers to {id}, which its Condition {condition} leaves out"),
            ));
        }
        Ok(resource)
    }

    fn ref_of_resource(&self, id: &str, at: &str) -> Result<String, TemplateError> {
        let resource = self.resource(id, at)?;
        let name = self.physical_name(id, at)?;
        super::references::ref_value(self, id, &resource.resource_type, &name, at)
    }

    /// `Fn::GetAtt`.
    pub fn get_att(&self, id: &str, attribute: &str, at: &str) -> Result<Value, TemplateError> {
        let resource = self.resource(id, at)?;
        let name = self.physical_name(id, at)?;
        super::references::attribute(self, id, &resource.resource_type, &name, attribute, at)
            .map(Value::String)
    }

    /// The physical name of a resource: its name property resolved, or the name the local
    /// stack gives it (`orderly-<LogicalId>`, `.fifo` for FIFO queues).
    pub fn physical_name(&self, id: &str, at: &str) -> Result<String, TemplateError> {
        match self.names.borrow().get(id) {
            Some(Memo::Done(name)) => return Ok(name.clone()),
            Some(Memo::InProgress) => {
                return Err(TemplateError::Cycle {
                    location: at.to_owned(),
                    through: format!("the name of {id}"),
                });
            }
            None => {}
        }
        self.names
            .borrow_mut()
            .insert(id.to_owned(), Memo::InProgress);
        let result = self.compute_name(id, at);
        match &result {
            Ok(name) => {
                self.names
                    .borrow_mut()
                    .insert(id.to_owned(), Memo::Done(name.clone()));
            }
            Err(_) => {
                self.names.borrow_mut().remove(id);
            }
        }
        result
    }

    fn compute_name(&self, id: &str, at: &str) -> Result<String, TemplateError> {
        let resource = self.resource(id, at)?;
        let name_property = super::references::name_property(&resource.resource_type);
        if let Some(property) = name_property
            && let Some(value) = resource.properties.get(property)
            && let Some(v) = self.resolve(value, &format!("{id}.Properties.{property}"))?
        {
            return scalar(&v).ok_or_else(|| {
                TemplateError::invalid(format!("{id}.Properties.{property}"), "must be a string")
            });
        }
        if resource.resource_type == "AWS::Events::EventBus" {
            return Err(TemplateError::invalid(
                format!("{id}.Properties.Name"),
                "an event bus needs a Name",
            ));
        }
        let mut name = format!("{}-{id}", pseudo::STACK_NAME);
        if resource.resource_type == "AWS::SQS::Queue"
            && let Some(fifo) = resource.properties.get("FifoQueue")
            && self
                .resolve(fifo, &format!("{id}.Properties.FifoQueue"))?
                .as_ref()
                .and_then(truthy)
                == Some(true)
        {
            name.push_str(".fifo");
        }
        Ok(name)
    }
}

/// Text of a scalar value (CloudFormation passes numbers and booleans on as strings).
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}
