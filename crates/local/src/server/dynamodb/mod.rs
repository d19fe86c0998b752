//! DynamoDB (`DynamoDB_20120810`, AWS JSON 1.0) over the cloud's tables: the item
//! operations, Query and Scan, the batch and transaction operations, and the table
//! operations a user or a test needs (Create, Delete, Describe, List, Describe and Update
//! TimeToLive).

mod batch;
mod items;
mod tables;

use super::wire::{ApiError, Input};
use crate::dynamodb::error::DbError;
use crate::dynamodb::expr::Bindings;
use crate::dynamodb::value::{Item, item_from_json, item_to_json};
use crate::runtime::CloudInner;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The target prefix.
pub const SERVICE: &str = "DynamoDB_20120810";
const NAMESPACE: &str = "com.amazonaws.dynamodb.v20120810";

/// Runs one operation.
pub fn dispatch(
    cloud: &Arc<CloudInner>,
    operation: &str,
    input: &Input,
) -> Result<Value, ApiError> {
    let answer = match operation {
        "GetItem" => items::get_item(cloud, input),
        "PutItem" => items::put_item(cloud, input),
        "UpdateItem" => items::update_item(cloud, input),
        "DeleteItem" => items::delete_item(cloud, input),
        "Query" => items::query(cloud, input),
        "Scan" => items::scan(cloud, input),
        "BatchGetItem" => batch::batch_get_item(cloud, input),
        "BatchWriteItem" => batch::batch_write_item(cloud, input),
        "TransactWriteItems" => batch::transact_write_items(cloud, input),
        "TransactGetItems" => batch::transact_get_items(cloud, input),
        "CreateTable" => tables::create_table(cloud, input),
        "DeleteTable" => tables::delete_table(cloud, input),
        "DescribeTable" => tables::describe_table(cloud, input),
        "ListTables" => tables::list_tables(cloud, input),
        "DescribeTimeToLive" => tables::describe_time_to_live(cloud, input),
        "UpdateTimeToLive" => tables::update_time_to_live(cloud, input),
        _ => {
            return Err(
                ApiError::unknown_operation(&format!("{SERVICE}.{operation}"))
                    .with_namespace(NAMESPACE),
            );
        }
    };
    answer.map_err(api_error)
}

/// A DynamoDB error as it goes on the wire.
fn api_error(e: DbError) -> ApiError {
    let mut details = Map::new();
    match &e {
        DbError::ConditionFailed { item: Some(item) } => {
            details.insert("Item".into(), item_to_json(item));
        }
        DbError::TransactionCanceled(reasons) => {
            let reasons = reasons
                .iter()
                .map(|r| {
                    let mut reason = serde_json::json!({"Code": r.code});
                    if let Some(m) = &r.message {
                        reason["Message"] = m.clone().into();
                    }
                    if let Some(item) = &r.item {
                        reason["Item"] = item_to_json(item);
                    }
                    reason
                })
                .collect();
            details.insert("CancellationReasons".into(), Value::Array(reasons));
        }
        _ => {}
    }
    let mut error = ApiError::new(e.code(), e.to_string()).with_namespace(NAMESPACE);
    if matches!(e, DbError::Internal(_)) {
        error.status = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
    }
    if !details.is_empty() {
        error.details = Some(Box::new(details));
    }
    error
}

impl From<ApiError> for DbError {
    fn from(e: ApiError) -> Self {
        match e.code.as_str() {
            "SerializationException" => DbError::Serialization(e.message),
            _ => DbError::Validation(e.message),
        }
    }
}

/// The members of a request, read as DynamoDB reads them.
pub(super) struct Request<'a> {
    members: &'a Map<String, Value>,
}

impl<'a> Request<'a> {
    fn of(input: &'a Input) -> Self {
        Self {
            members: input.members(),
        }
    }

    fn nested(members: &'a Map<String, Value>) -> Self {
        Self { members }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.members.get(key).filter(|v| !v.is_null())
    }

    fn str(&self, key: &str) -> Result<Option<&'a str>, DbError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(DbError::serialization(format!(
                "Member '{key}' must be a string."
            ))),
        }
    }

    fn map(&self, key: &str) -> Result<Option<&'a Map<String, Value>>, DbError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(DbError::serialization(format!(
                "Member '{key}' must be a structure."
            ))),
        }
    }

    fn list(&self, key: &str) -> Result<Option<&'a Vec<Value>>, DbError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(l)) => Ok(Some(l)),
            Some(_) => Err(DbError::serialization(format!(
                "Member '{key}' must be a list."
            ))),
        }
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, DbError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(DbError::serialization(format!(
                "Member '{key}' must be a boolean."
            ))),
        }
    }

    fn int(&self, key: &str, name: &str, min: i64, max: i64) -> Result<Option<i64>, DbError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        let n = value
            .as_i64()
            .ok_or_else(|| DbError::serialization(format!("Member '{key}' must be an integer.")))?;
        if n < min {
            return Err(constraint(
                &n.to_string(),
                name,
                &format!("Member must have value greater than or equal to {min}"),
            ));
        }
        if n > max {
            return Err(constraint(
                &n.to_string(),
                name,
                &format!("Member must have value less than or equal to {max}"),
            ));
        }
        Ok(Some(n))
    }

    fn required<T>(&self, value: Option<T>, name: &str) -> Result<T, DbError> {
        value.ok_or_else(|| {
            DbError::validation(format!(
                "1 validation error detected: Value null at '{name}' failed to satisfy \
                 constraint: Member must not be null"
            ))
        })
    }

    /// `TableName`, required.
    fn table_name(&self) -> Result<&'a str, DbError> {
        let name = self.required(self.str("TableName")?, "tableName")?;
        check_table_name(name)?;
        Ok(name)
    }

    /// An item or key member, required.
    fn item(&self, key: &str, name: &str) -> Result<Item, DbError> {
        let map = self.required(self.map(key)?, name)?;
        item_from_json(map)
    }

    /// The placeholders of the request.
    fn bindings(&self) -> Result<Bindings, DbError> {
        Bindings::read(
            self.map("ExpressionAttributeNames")?,
            self.map("ExpressionAttributeValues")?,
        )
    }

    /// Refuses the legacy parameters; the local cloud serves the expression ones.
    fn refuse_legacy(&self) -> Result<(), DbError> {
        for (legacy, instead) in [
            ("AttributesToGet", "ProjectionExpression"),
            ("Expected", "ConditionExpression"),
            ("AttributeUpdates", "UpdateExpression"),
            ("KeyConditions", "KeyConditionExpression"),
            ("QueryFilter", "FilterExpression"),
            ("ScanFilter", "FilterExpression"),
            ("ConditionalOperator", "ConditionExpression"),
        ] {
            if self.get(legacy).is_some() {
                return Err(DbError::validation(format!(
                    "The local cloud serves the expression parameters only: use {instead} \
                     instead of the legacy parameter {legacy}"
                )));
            }
        }
        Ok(())
    }
}

fn constraint(value: &str, name: &str, rule: &str) -> DbError {
    DbError::validation(format!(
        "1 validation error detected: Value '{value}' at '{name}' failed to satisfy \
         constraint: {rule}"
    ))
}

/// A table name or ARN as the reference constrains it.
fn check_table_name(name: &str) -> Result<(), DbError> {
    if name.starts_with("arn:") {
        return if name.len() <= 1024 {
            Ok(())
        } else {
            Err(constraint(
                name,
                "tableName",
                "Member must have length less than or equal to 1024",
            ))
        };
    }
    if name.len() < 3 {
        return Err(constraint(
            name,
            "tableName",
            "Member must have length greater than or equal to 3",
        ));
    }
    if name.len() > 255 {
        return Err(constraint(
            name,
            "tableName",
            "Member must have length less than or equal to 255",
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err(constraint(
            name,
            "tableName",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ));
    }
    Ok(())
}
