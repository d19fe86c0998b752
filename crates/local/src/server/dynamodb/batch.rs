//! BatchGetItem, BatchWriteItem, TransactGetItems and TransactWriteItems on the wire.
//!
//! A transaction checks every condition, then writes, while holding the tables'
//! transaction lock, which every single-item write of the API takes shared: no API write
//! lands between its check and its writes. The app's own store writes to the template's
//! tables do not take it; they touch one item each, under that item's store lock.

use super::Request;
use super::items::guard;
use crate::dynamodb::error::{CancellationReason, DbError};
use crate::dynamodb::expr::{Update, parse_projection, parse_update, project};
use crate::dynamodb::items::{Guard, check_size, check_update_keys, updated};
use crate::dynamodb::table::{Change, Key, Table};
use crate::dynamodb::value::{Item, MAX_ITEM_BYTES, item_from_json, item_size, item_to_json};
use crate::runtime::CloudInner;
use crate::server::wire::Input;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// The most keys a BatchGetItem reads.
const MAX_BATCH_GET: usize = 100;
/// The most requests a BatchWriteItem carries.
const MAX_BATCH_WRITE: usize = 25;
/// The most actions a transaction holds.
const MAX_TRANSACT: usize = 100;

fn duplicates() -> DbError {
    DbError::validation("Provided list of item keys contains duplicates")
}

pub(super) fn batch_get_item(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    let requests = request.required(request.map("RequestItems")?, "requestItems")?;
    let total: usize = requests
        .values()
        .map(|r| r.get("Keys").and_then(Value::as_array).map_or(0, Vec::len))
        .sum();
    if total > MAX_BATCH_GET {
        return Err(DbError::validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    let mut responses = Map::new();
    for (name, spec) in requests {
        super::check_table_name(name)?;
        let spec = Request::nested(spec.as_object().ok_or_else(|| {
            DbError::serialization("Each RequestItems entry must be a structure.")
        })?);
        spec.refuse_legacy()?;
        let table = cloud.dynamodb.get(name)?;
        let bindings = spec.bindings()?;
        let projection = spec
            .str("ProjectionExpression")?
            .map(|text| parse_projection(text, &bindings))
            .transpose()?;
        bindings.check_all_used()?;
        let keys = spec.required(spec.list("Keys")?, "keys")?;
        if keys.is_empty() {
            return Err(super::constraint(
                "[]",
                "requestItems.keys",
                "Member must have length greater than or equal to 1",
            ));
        }
        let mut seen: Vec<Key> = Vec::new();
        let mut found = Vec::new();
        for key in keys {
            let key = key
                .as_object()
                .ok_or_else(|| DbError::serialization("Each key must be a map."))?;
            let key = table.key.key_of_request(&item_from_json(key)?)?;
            if seen.contains(&key) {
                return Err(duplicates());
            }
            if let Some(item) = table.storage.get(&key)? {
                let item = match &projection {
                    Some(paths) => project(&item, paths),
                    None => item,
                };
                found.push(item_to_json(&item));
            }
            seen.push(key);
        }
        responses.insert(name.clone(), Value::Array(found));
    }
    Ok(json!({"Responses": responses, "UnprocessedKeys": {}}))
}

/// One write of a batch: a put of an item, or a delete of a key.
enum BatchWrite {
    Put(Item),
    Delete,
}

pub(super) fn batch_write_item(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    let requests = request.required(request.map("RequestItems")?, "requestItems")?;
    let total: usize = requests
        .values()
        .map(|r| r.as_array().map_or(0, Vec::len))
        .sum();
    if total > MAX_BATCH_WRITE
        || requests
            .values()
            .any(|r| r.as_array().is_some_and(Vec::is_empty))
    {
        return Err(DbError::validation(format!(
            "1 validation error detected: Value at 'requestItems' failed to satisfy \
             constraint: Map value must satisfy constraint: [Member must have length less than \
             or equal to {MAX_BATCH_WRITE}, Member must have length greater than or equal to 1]"
        )));
    }
    // Every request is read and checked before any is written: a bad one writes nothing.
    let mut writes: Vec<(Arc<Table>, Key, BatchWrite)> = Vec::new();
    for (name, list) in requests {
        super::check_table_name(name)?;
        let table = cloud.dynamodb.get(name)?;
        let list = list
            .as_array()
            .ok_or_else(|| DbError::serialization("Each RequestItems entry must be a list."))?;
        for entry in list {
            let entry = Request::nested(entry.as_object().ok_or_else(|| {
                DbError::serialization("Each write request must be a structure.")
            })?);
            let (key, write) = match (entry.map("PutRequest")?, entry.map("DeleteRequest")?) {
                (Some(put), None) => {
                    let item = Request::nested(put).item("Item", "item")?;
                    let key = table.key.key_of_item(&item)?;
                    table.check_index_keys(&item)?;
                    if item_size(&item) > MAX_ITEM_BYTES {
                        return Err(DbError::validation(
                            "Item size has exceeded the maximum allowed size",
                        ));
                    }
                    (key, BatchWrite::Put(item))
                }
                (None, Some(delete)) => {
                    let key = table
                        .key
                        .key_of_request(&Request::nested(delete).item("Key", "key")?)?;
                    (key, BatchWrite::Delete)
                }
                _ => {
                    return Err(DbError::validation(
                        "Supplied AttributeValue has more than one datatypes set, must \
                         contain exactly one of the supported datatypes",
                    ));
                }
            };
            if writes
                .iter()
                .any(|(t, k, _)| t.name == table.name && *k == key)
            {
                return Err(duplicates());
            }
            writes.push((table.clone(), key, write));
        }
    }
    let _writing = cloud.dynamodb.single_write();
    let mut steps: Vec<Step<'_>> = writes
        .into_iter()
        .map(|(table, key, write)| {
            let change = match write {
                BatchWrite::Put(item) => Change::Put(item),
                BatchWrite::Delete => Change::Delete,
            };
            let decide: Decide<'_> = Box::new(move |_| Ok(change.clone()));
            (table, key, decide)
        })
        .collect();
    apply_all(&mut steps).map_err(|(_, e)| e)?;
    Ok(json!({"UnprocessedItems": {}}))
}

/// What one write of a batch or transaction makes of the item as it is when written.
type Decide<'a> = Box<dyn FnMut(Option<&Item>) -> Result<Change, DbError> + 'a>;

/// One write: the table, the key, and its decision.
type Step<'a> = (Arc<Table>, Key, Decide<'a>);

/// Writes each step in turn; when one fails (an item the app's store cannot keep, or a
/// condition a concurrent write of the app made false since it was checked), puts back
/// what the earlier steps replaced, in reverse order, and answers which step failed:
/// all or nothing.
///
/// The tables' streams record the writes only once all of them stand: a write undone
/// leaves no record, as a cancelled transaction leaves none on AWS.
fn apply_all(steps: &mut [Step<'_>]) -> Result<(), (usize, DbError)> {
    crate::dynamodb::streams::all_or_nothing(|| apply_each(steps))
}

fn apply_each(steps: &mut [Step<'_>]) -> Result<(), (usize, DbError)> {
    let mut done: Vec<(&Arc<Table>, &Key, Option<Item>)> = Vec::with_capacity(steps.len());
    for (i, (table, key, decide)) in steps.iter_mut().enumerate() {
        match table.storage.write(key, decide.as_mut()) {
            Ok(old) => done.push((table, key, old)),
            Err(e) => {
                for (table, key, old) in done.into_iter().rev() {
                    let restore = match old {
                        Some(item) => Change::Put(item),
                        None => Change::Delete,
                    };
                    // What was there came out of the same storage, so it goes back in.
                    if let Err(failed) = table.storage.write(key, &mut |_| Ok(restore.clone())) {
                        tracing::error!(table = %table.name, error = %failed, "undoing a write failed");
                    }
                }
                return Err((i, e));
            }
        }
    }
    Ok(())
}

/// One action of a transaction, read and resolved.
enum Action {
    Check(Guard),
    Put(Item, Guard),
    Delete(Guard),
    Update(Update, Guard),
}

pub(super) fn transact_write_items(
    cloud: &Arc<CloudInner>,
    input: &Input,
) -> Result<Value, DbError> {
    let request = Request::of(input);
    let list = request.required(request.list("TransactItems")?, "transactItems")?;
    if list.is_empty() || list.len() > MAX_TRANSACT {
        return Err(super::constraint(
            &format!("[{} items]", list.len()),
            "transactItems",
            &format!(
                "Member must have length {}",
                if list.is_empty() {
                    "greater than or equal to 1".to_owned()
                } else {
                    format!("less than or equal to {MAX_TRANSACT}")
                }
            ),
        ));
    }
    if let Some(token) = request.str("ClientRequestToken")?
        && (token.is_empty() || token.len() > 36)
    {
        return Err(super::constraint(
            token,
            "clientRequestToken",
            "Member must have length less than or equal to 36",
        ));
    }
    let mut actions: Vec<(Arc<Table>, Key, Action)> = Vec::new();
    for entry in list {
        let entry = Request::nested(entry.as_object().ok_or_else(|| {
            DbError::serialization("Each TransactItems entry must be a structure.")
        })?);
        let kinds = ["ConditionCheck", "Put", "Delete", "Update"];
        let present: Vec<&str> = kinds
            .into_iter()
            .filter(|k| entry.get(k).is_some())
            .collect();
        let [kind] = present.as_slice() else {
            return Err(DbError::validation(
                "TransactItems can only contain one of Check, Put, Update or Delete",
            ));
        };
        let body = Request::nested(entry.map(kind)?.ok_or_else(|| {
            DbError::serialization("A TransactItems action must be a structure.")
        })?);
        body.refuse_legacy()?;
        let table = cloud.dynamodb.get(body.table_name()?)?;
        let bindings = body.bindings()?;
        let (key, action) = match *kind {
            "Put" => {
                let item = body.item("Item", "item")?;
                let key = table.key.key_of_item(&item)?;
                table.check_index_keys(&item)?;
                check_size(&item)?;
                (key, Action::Put(item, guard(&body, &bindings)?))
            }
            other => {
                let key = table.key.key_of_request(&body.item("Key", "key")?)?;
                let action = match other {
                    "ConditionCheck" => {
                        body.required(body.str("ConditionExpression")?, "conditionExpression")?;
                        Action::Check(guard(&body, &bindings)?)
                    }
                    "Delete" => Action::Delete(guard(&body, &bindings)?),
                    _ => {
                        let text =
                            body.required(body.str("UpdateExpression")?, "updateExpression")?;
                        let update = parse_update(text, &bindings)?;
                        check_update_keys(&table, &update)?;
                        Action::Update(update, guard(&body, &bindings)?)
                    }
                };
                (key, action)
            }
        };
        bindings.check_all_used()?;
        if actions
            .iter()
            .any(|(t, k, _)| t.name == table.name && *k == key)
        {
            return Err(DbError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        actions.push((table, key, action));
    }
    let _transaction = cloud.dynamodb.transaction();
    // Every condition first, on the items as they are; then every write, each checking its
    // condition again as it writes.
    let mut reasons = Vec::with_capacity(actions.len());
    let mut cancelled = false;
    for (table, key, action) in &actions {
        let current = table.storage.get(key)?;
        let checked = action
            .guard()
            .check(current.as_ref())
            .and_then(|()| match action {
                Action::Update(update, _) => {
                    updated(table, key, update, current.as_ref()).map(|_| ())
                }
                _ => Ok(()),
            });
        reasons.push(match checked {
            Ok(()) => none(),
            Err(DbError::ConditionFailed { item }) => {
                cancelled = true;
                CancellationReason {
                    code: "ConditionalCheckFailed".into(),
                    message: Some("The conditional request failed".into()),
                    item,
                }
            }
            Err(e) => {
                cancelled = true;
                CancellationReason {
                    code: "ValidationError".into(),
                    message: Some(e.to_string()),
                    item: None,
                }
            }
        });
    }
    if cancelled {
        return Err(DbError::TransactionCanceled(reasons));
    }
    let mut steps: Vec<Step<'_>> = Vec::with_capacity(actions.len());
    let mut positions = Vec::with_capacity(actions.len());
    for (at, (table, key, action)) in actions.iter().enumerate() {
        let decide: Decide<'_> = match action {
            // A check writes nothing; it is held by the transaction lock against the API's
            // writes, and checked again here against the app's.
            Action::Check(guard) => {
                guard
                    .check(table.storage.get(key)?.as_ref())
                    .map_err(|_| conflict(&actions, at))?;
                continue;
            }
            Action::Put(item, guard) => Box::new(move |old| {
                guard.check(old)?;
                Ok(Change::Put(item.clone()))
            }),
            Action::Delete(guard) => Box::new(move |old| {
                guard.check(old)?;
                Ok(Change::Delete)
            }),
            Action::Update(update, guard) => Box::new(move |old| {
                guard.check(old)?;
                Ok(match updated(table, key, update, old)? {
                    Some(item) => Change::Put(item),
                    None => Change::Delete,
                })
            }),
        };
        steps.push((table.clone(), key.clone(), decide));
        positions.push(at);
    }
    match apply_all(&mut steps) {
        Ok(()) => Ok(json!({})),
        Err((step, DbError::ConditionFailed { .. })) => Err(conflict(&actions, positions[step])),
        Err((_, e)) => Err(e),
    }
}

fn none() -> CancellationReason {
    CancellationReason {
        code: "None".into(),
        message: None,
        item: None,
    }
}

/// The cancellation of a transaction whose action `at` found its item changed by a write
/// of the app between the check and the write.
fn conflict(actions: &[(Arc<Table>, Key, Action)], at: usize) -> DbError {
    DbError::TransactionCanceled(
        (0..actions.len())
            .map(|i| {
                if i == at {
                    CancellationReason {
                        code: "TransactionConflict".into(),
                        message: Some("Transaction is ongoing for the item".into()),
                        item: None,
                    }
                } else {
                    none()
                }
            })
            .collect(),
    )
}

impl Action {
    fn guard(&self) -> &Guard {
        match self {
            Action::Check(g) | Action::Put(_, g) | Action::Delete(g) | Action::Update(_, g) => g,
        }
    }
}

pub(super) fn transact_get_items(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    let list = request.required(request.list("TransactItems")?, "transactItems")?;
    if list.is_empty() || list.len() > MAX_TRANSACT {
        return Err(super::constraint(
            &format!("[{} items]", list.len()),
            "transactItems",
            "Member must have length less than or equal to 100",
        ));
    }
    let mut reads = Vec::new();
    for entry in list {
        let entry = Request::nested(entry.as_object().ok_or_else(|| {
            DbError::serialization("Each TransactItems entry must be a structure.")
        })?);
        let body = Request::nested(entry.required(entry.map("Get")?, "get")?);
        let table = cloud.dynamodb.get(body.table_name()?)?;
        let key = table.key.key_of_request(&body.item("Key", "key")?)?;
        let bindings = body.bindings()?;
        let projection = body
            .str("ProjectionExpression")?
            .map(|text| parse_projection(text, &bindings))
            .transpose()?;
        bindings.check_all_used()?;
        if reads
            .iter()
            .any(|(t, k, _): &(Arc<Table>, Key, _)| t.name == table.name && *k == key)
        {
            return Err(DbError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        reads.push((table, key, projection));
    }
    let _transaction = cloud.dynamodb.transaction();
    let mut responses = Vec::with_capacity(reads.len());
    for (table, key, projection) in reads {
        responses.push(match table.storage.get(&key)? {
            Some(item) => {
                let item = match &projection {
                    Some(paths) => project(&item, paths),
                    None => item,
                };
                json!({"Item": item_to_json(&item)})
            }
            None => json!({}),
        });
    }
    Ok(json!({"Responses": responses}))
}
