//! A request's `ExpressionAttributeNames` and `ExpressionAttributeValues`: resolved as the
//! expressions are parsed, and checked afterwards for entries no expression used, which
//! DynamoDB refuses.

use crate::dynamodb::error::DbError;
use crate::dynamodb::value::{Item, Value, item_from_json};
use serde_json::{Map, Value as Json};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// Which expression of a request is parsed: the name DynamoDB's messages give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ConditionExpression`.
    Condition,
    /// `FilterExpression`.
    Filter,
    /// `KeyConditionExpression`.
    KeyCondition,
    /// `UpdateExpression`.
    Update,
    /// `ProjectionExpression`.
    Projection,
}

impl Kind {
    /// The request member.
    pub fn member(self) -> &'static str {
        match self {
            Kind::Condition => "ConditionExpression",
            Kind::Filter => "FilterExpression",
            Kind::KeyCondition => "KeyConditionExpression",
            Kind::Update => "UpdateExpression",
            Kind::Projection => "ProjectionExpression",
        }
    }

    /// A `ValidationException` about this expression: `Invalid UpdateExpression: …`.
    pub fn error(self, message: impl std::fmt::Display) -> DbError {
        DbError::validation(format!("Invalid {}: {message}", self.member()))
    }
}

/// The placeholders of one request.
#[derive(Debug, Default)]
pub struct Bindings {
    names: BTreeMap<String, String>,
    values: Item,
    used_names: RefCell<BTreeSet<String>>,
    used_values: RefCell<BTreeSet<String>>,
}

impl Bindings {
    /// The placeholders of a request's members (either may be absent).
    pub fn read(
        names: Option<&Map<String, Json>>,
        values: Option<&Map<String, Json>>,
    ) -> Result<Self, DbError> {
        if names.is_some_and(Map::is_empty) {
            return Err(DbError::validation(
                "ExpressionAttributeNames must not be empty",
            ));
        }
        if values.is_some_and(Map::is_empty) {
            return Err(DbError::validation(
                "ExpressionAttributeValues must not be empty",
            ));
        }
        let names = names
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.clone(), v.to_owned()))
                    .ok_or_else(|| {
                        DbError::serialization("ExpressionAttributeNames values must be strings.")
                    })
            })
            .collect::<Result<_, _>>()?;
        let values = match values {
            Some(values) => item_from_json(values).map_err(|e| match e {
                DbError::Validation(m) => DbError::validation(format!(
                    "ExpressionAttributeValues contains invalid value: {m}"
                )),
                other => other,
            })?,
            None => Item::new(),
        };
        for key in values.keys() {
            if !key.starts_with(':') {
                return Err(DbError::validation(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\""
                )));
            }
        }
        for key in BTreeMap::keys(&names) {
            if !key.starts_with('#') {
                return Err(DbError::validation(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\""
                )));
            }
        }
        Ok(Self {
            names,
            values,
            ..Self::default()
        })
    }

    /// Whether the request gave any placeholders.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.values.is_empty()
    }

    /// The attribute name `#placeholder` stands for.
    pub fn name(&self, placeholder: &str, kind: Kind) -> Result<String, DbError> {
        let name = self.names.get(placeholder).ok_or_else(|| {
            kind.error(format!(
                "An expression attribute name used in the document path is not defined; \
                 attribute name: {placeholder}"
            ))
        })?;
        self.used_names.borrow_mut().insert(placeholder.to_owned());
        Ok(name.clone())
    }

    /// The value `:placeholder` stands for.
    pub fn value(&self, placeholder: &str, kind: Kind) -> Result<Value, DbError> {
        let value = self.values.get(placeholder).ok_or_else(|| {
            kind.error(format!(
                "An expression attribute value used in expression is not defined; \
                 attribute value: {placeholder}"
            ))
        })?;
        self.used_values.borrow_mut().insert(placeholder.to_owned());
        Ok(value.clone())
    }

    /// Refuses placeholders no expression of the request used.
    pub fn check_all_used(&self) -> Result<(), DbError> {
        let unused = |all: Vec<&String>, used: &BTreeSet<String>| -> Vec<String> {
            all.into_iter()
                .filter(|k| !used.contains(*k))
                .cloned()
                .collect()
        };
        let names = unused(self.names.keys().collect(), &self.used_names.borrow());
        if !names.is_empty() {
            return Err(DbError::validation(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                names.join(", ")
            )));
        }
        let values = unused(self.values.keys().collect(), &self.used_values.borrow());
        if !values.is_empty() {
            return Err(DbError::validation(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                values.join(", ")
            )));
        }
        Ok(())
    }
}
