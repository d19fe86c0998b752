//! GetItem, PutItem, UpdateItem, DeleteItem, Query and Scan on the wire.

use super::Request;
use crate::dynamodb::error::DbError;
use crate::dynamodb::expr::{Kind, parse_condition, parse_projection, parse_update};
use crate::dynamodb::items::{self, Guard, ReturnValues};
use crate::dynamodb::reads::{self, KeyCondition, Page, Read, Select};
use crate::dynamodb::value::{Item, item_to_json};
use crate::runtime::CloudInner;
use crate::server::wire::Input;
use serde_json::{Value, json};
use std::sync::Arc;

/// A write's guard from its members, resolving placeholders through `bindings`.
pub(super) fn guard(
    request: &Request<'_>,
    bindings: &crate::dynamodb::expr::Bindings,
) -> Result<Guard, DbError> {
    let condition = request
        .str("ConditionExpression")?
        .map(|text| parse_condition(text, Kind::Condition, bindings))
        .transpose()?;
    let return_item = match request.str("ReturnValuesOnConditionCheckFailure")? {
        None | Some("NONE") => false,
        Some("ALL_OLD") => true,
        Some(other) => {
            return Err(super::constraint(
                other,
                "returnValuesOnConditionCheckFailure",
                "Member must satisfy enum value set: [ALL_OLD, NONE]",
            ));
        }
    };
    Ok(Guard {
        condition,
        return_item,
    })
}

fn with_attributes(attributes: Option<Item>) -> Value {
    match attributes {
        Some(item) => json!({"Attributes": item_to_json(&item)}),
        None => json!({}),
    }
}

pub(super) fn get_item(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    request.refuse_legacy()?;
    let table = cloud.dynamodb.get(request.table_name()?)?;
    let key = table.key.key_of_request(&request.item("Key", "key")?)?;
    let bindings = request.bindings()?;
    let projection = request
        .str("ProjectionExpression")?
        .map(|text| parse_projection(text, &bindings))
        .transpose()?;
    bindings.check_all_used()?;
    request.bool("ConsistentRead")?;
    let item = table.storage.get(&key)?;
    Ok(match item {
        Some(item) => {
            let item = match &projection {
                Some(paths) => crate::dynamodb::expr::project(&item, paths),
                None => item,
            };
            json!({"Item": item_to_json(&item)})
        }
        None => json!({}),
    })
}

pub(super) fn put_item(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    request.refuse_legacy()?;
    let table = cloud.dynamodb.get(request.table_name()?)?;
    let item = request.item("Item", "item")?;
    replace_or_remove(cloud, &request, |guard| items::put(&table, item, guard))
}

pub(super) fn delete_item(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    request.refuse_legacy()?;
    let table = cloud.dynamodb.get(request.table_name()?)?;
    let key = table.key.key_of_request(&request.item("Key", "key")?)?;
    replace_or_remove(cloud, &request, |guard| items::delete(&table, &key, guard))
}

/// What PutItem and DeleteItem share once their item or key is read: `ReturnValues`
/// (`NONE` or `ALL_OLD`), the guard, the write under the tables' shared lock, and the
/// item it replaced or removed as `Attributes`.
fn replace_or_remove(
    cloud: &Arc<CloudInner>,
    request: &Request<'_>,
    write: impl FnOnce(&Guard) -> Result<Option<Item>, DbError>,
) -> Result<Value, DbError> {
    let returns = ReturnValues::parse(
        request.str("ReturnValues")?,
        &[ReturnValues::None, ReturnValues::AllOld],
    )?;
    let bindings = request.bindings()?;
    let guard = guard(request, &bindings)?;
    bindings.check_all_used()?;
    let writing = cloud.dynamodb.single_write();
    let old = write(&guard)?;
    drop(writing);
    Ok(with_attributes(items::returned(
        returns,
        old.as_ref(),
        None,
        None,
    )))
}

pub(super) fn update_item(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    request.refuse_legacy()?;
    let table = cloud.dynamodb.get(request.table_name()?)?;
    let key = table.key.key_of_request(&request.item("Key", "key")?)?;
    let returns = ReturnValues::parse(
        request.str("ReturnValues")?,
        &[
            ReturnValues::None,
            ReturnValues::AllOld,
            ReturnValues::UpdatedOld,
            ReturnValues::AllNew,
            ReturnValues::UpdatedNew,
        ],
    )?;
    let bindings = request.bindings()?;
    let update = request
        .str("UpdateExpression")?
        .map(|text| parse_update(text, &bindings))
        .transpose()?
        .unwrap_or_default();
    let guard = guard(&request, &bindings)?;
    bindings.check_all_used()?;
    let writing = cloud.dynamodb.single_write();
    let (old, new) = items::update(&table, &key, &update, &guard)?;
    drop(writing);
    Ok(with_attributes(items::returned(
        returns,
        old.as_ref(),
        new.as_ref(),
        Some(&update),
    )))
}

/// The members Query and Scan share.
fn read(
    request: &Request<'_>,
    bindings: &crate::dynamodb::expr::Bindings,
) -> Result<Read, DbError> {
    let filter = request
        .str("FilterExpression")?
        .map(|text| parse_condition(text, Kind::Filter, bindings))
        .transpose()?;
    let projection = request
        .str("ProjectionExpression")?
        .map(|text| parse_projection(text, bindings))
        .transpose()?;
    let select = match request.str("Select")? {
        None | Some("ALL_ATTRIBUTES") | Some("ALL_PROJECTED_ATTRIBUTES") => {
            if projection.is_some() && request.str("Select")?.is_some() {
                return Err(DbError::validation(
                    "Cannot specify the ProjectionExpression when choosing to get \
                     ALL_ATTRIBUTES",
                ));
            }
            Select::All
        }
        Some("SPECIFIC_ATTRIBUTES") => Select::All,
        Some("COUNT") => {
            if projection.is_some() {
                return Err(DbError::validation(
                    "Cannot specify the ProjectionExpression when choosing to get COUNT",
                ));
            }
            Select::Count
        }
        Some(other) => {
            return Err(super::constraint(
                other,
                "select",
                "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, \
                 ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
            ));
        }
    };
    let index = request.str("IndexName")?.map(str::to_owned);
    if let Some(name) = &index
        && (name.len() < 3 || name.len() > 255)
    {
        return Err(super::constraint(
            name,
            "indexName",
            "Member must have length greater than or equal to 3",
        ));
    }
    request.bool("ConsistentRead")?;
    Ok(Read {
        index,
        filter,
        projection,
        select,
        limit: request
            .int("Limit", "limit", 1, i64::from(i32::MAX))?
            .map(|n| n as usize),
        start: request
            .map("ExclusiveStartKey")?
            .map(crate::dynamodb::value::item_from_json)
            .transpose()?,
        forward: request.bool("ScanIndexForward")?.unwrap_or(true),
        segment: None,
    })
}

fn page_answer(page: Page, select: Select) -> Value {
    let mut answer = json!({"Count": page.count, "ScannedCount": page.scanned});
    if select == Select::All {
        answer["Items"] = page.items.iter().map(item_to_json).collect();
    }
    if let Some(key) = &page.last_key {
        answer["LastEvaluatedKey"] = item_to_json(key);
    }
    answer
}

pub(super) fn query(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    request.refuse_legacy()?;
    let table = cloud.dynamodb.get(request.table_name()?)?;
    let bindings = request.bindings()?;
    let text = request.required(
        request.str("KeyConditionExpression")?,
        "keyConditionExpression",
    )?;
    let condition = parse_condition(text, Kind::KeyCondition, &bindings)?;
    let read = read(&request, &bindings)?;
    bindings.check_all_used()?;
    let schema = table.index_key(read.index.as_deref())?;
    let condition = KeyCondition::of(condition, &schema)?;
    let page = reads::query(&table, &condition, &read)?;
    Ok(page_answer(page, read.select))
}

pub(super) fn scan(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    request.refuse_legacy()?;
    let table = cloud.dynamodb.get(request.table_name()?)?;
    let bindings = request.bindings()?;
    let mut read = read(&request, &bindings)?;
    bindings.check_all_used()?;
    read.forward = true;
    let total = request.int("TotalSegments", "totalSegments", 1, 1_000_000)?;
    let segment = request.int("Segment", "segment", 0, 999_999)?;
    read.segment = match (segment, total) {
        (None, None) => None,
        (Some(segment), Some(total)) if segment < total => Some((segment as u32, total as u32)),
        (Some(_), Some(_)) => {
            return Err(DbError::validation(
                "The Segment parameter is zero-based and must be less than parameter \
                 TotalSegments",
            ));
        }
        (None, Some(_)) => {
            return Err(DbError::validation(
                "The TotalSegments parameter is non-null but the Segment parameter is null",
            ));
        }
        (Some(_), None) => {
            return Err(DbError::validation(
                "The Segment parameter is non-null but the TotalSegments parameter is null",
            ));
        }
    };
    table.index_key(read.index.as_deref())?;
    let page = reads::scan(&table, &read)?;
    Ok(page_answer(page, read.select))
}
