//! The single-item writes: PutItem, UpdateItem and DeleteItem, each checking its condition
//! on the item as it is and writing in one step of the table's storage, so a condition and
//! its write are never split by another write to the item.

use super::error::DbError;
use super::expr::{Condition, Update, project};
use super::table::{Change, Key, Table};
use super::value::{Item, MAX_ITEM_BYTES, item_size};

/// What a write answers with (`ReturnValues`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnValues {
    /// Nothing.
    #[default]
    None,
    /// The item as it was.
    AllOld,
    /// The updated attributes as they were.
    UpdatedOld,
    /// The item as it is now.
    AllNew,
    /// The updated attributes as they are now.
    UpdatedNew,
}

impl ReturnValues {
    /// Reads the member; `allowed` are the values the operation takes.
    pub fn parse(text: Option<&str>, allowed: &[ReturnValues]) -> Result<Self, DbError> {
        let value = match text {
            None | Some("NONE") => return Ok(ReturnValues::None),
            Some("ALL_OLD") => ReturnValues::AllOld,
            Some("UPDATED_OLD") => ReturnValues::UpdatedOld,
            Some("ALL_NEW") => ReturnValues::AllNew,
            Some("UPDATED_NEW") => ReturnValues::UpdatedNew,
            Some(other) => {
                return Err(DbError::validation(format!(
                    "1 validation error detected: Value '{other}' at 'returnValues' failed to \
                     satisfy constraint: Member must satisfy enum value set: [ALL_NEW, \
                     UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"
                )));
            }
        };
        if !allowed.contains(&value) {
            return Err(DbError::validation("Return values set to invalid value"));
        }
        Ok(value)
    }
}

/// A write's condition, and whether a failed one answers with the item.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// `ConditionExpression`.
    pub condition: Option<Condition>,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub return_item: bool,
}

impl Guard {
    /// Fails unless the condition holds for `item` (an absent item has no attributes).
    pub fn check(&self, item: Option<&Item>) -> Result<(), DbError> {
        let Some(condition) = &self.condition else {
            return Ok(());
        };
        let empty = Item::new();
        if condition.holds(item.unwrap_or(&empty)) {
            Ok(())
        } else {
            Err(DbError::ConditionFailed {
                item: item.filter(|_| self.return_item).cloned(),
            })
        }
    }
}

/// Refuses an item over DynamoDB's 400 KB.
pub fn check_size(item: &Item) -> Result<(), DbError> {
    if item_size(item) > MAX_ITEM_BYTES {
        return Err(DbError::validation(
            "Item size has exceeded the maximum allowed size",
        ));
    }
    Ok(())
}

/// PutItem: stores `item` if `guard` holds; the item it replaced.
pub fn put(table: &Table, item: Item, guard: &Guard) -> Result<Option<Item>, DbError> {
    let key = table.key.key_of_item(&item)?;
    table.check_index_keys(&item)?;
    check_size(&item)?;
    table.storage.write(&key, &mut |old| {
        guard.check(old)?;
        Ok(Change::Put(item.clone()))
    })
}

/// DeleteItem: removes the item under `key` if `guard` holds; the item removed.
pub fn delete(table: &Table, key: &Key, guard: &Guard) -> Result<Option<Item>, DbError> {
    table.storage.write(key, &mut |old| {
        guard.check(old)?;
        Ok(Change::Delete)
    })
}

/// Refuses an update that would change a key attribute.
pub fn check_update_keys(table: &Table, update: &Update) -> Result<(), DbError> {
    for path in update.targets() {
        if let Some(super::expr::Step::Name(first)) = path.first()
            && table.key.has(first)
        {
            return Err(DbError::invalid(format!(
                "Cannot update attribute {first}. This attribute is part of the key"
            )));
        }
    }
    Ok(())
}

/// What `update` makes of `old`, the item under `key` as it is: the item to store, or
/// nothing for an update that only removes from an item that is not there.
pub fn updated(
    table: &Table,
    key: &Key,
    update: &Update,
    old: Option<&Item>,
) -> Result<Option<Item>, DbError> {
    if old.is_none() && !update.creates() {
        return Ok(None);
    }
    let base = old.cloned().unwrap_or_else(|| table.key.key_item(key));
    let next = update.apply(&base)?;
    table.check_index_keys(&next)?;
    check_size(&next)?;
    Ok(Some(next))
}

/// UpdateItem: applies `update` to the item under `key` (a new item of the key's
/// attributes when there is none) if `guard` holds; the item before and after.
pub fn update(
    table: &Table,
    key: &Key,
    update: &Update,
    guard: &Guard,
) -> Result<(Option<Item>, Option<Item>), DbError> {
    check_update_keys(table, update)?;
    let mut new = None;
    let old = table.storage.write(key, &mut |old| {
        guard.check(old)?;
        new = updated(table, key, update, old)?;
        Ok(match &new {
            Some(item) => Change::Put(item.clone()),
            None => Change::Delete,
        })
    })?;
    Ok((old, new))
}

/// The `Attributes` a write answers with.
pub fn returned(
    values: ReturnValues,
    old: Option<&Item>,
    new: Option<&Item>,
    update: Option<&Update>,
) -> Option<Item> {
    let updated = |item: &Item| -> Item {
        let paths: Vec<_> = update
            .into_iter()
            .flat_map(Update::targets)
            .cloned()
            .collect();
        project(item, &paths)
    };
    let item = match values {
        ReturnValues::None => None,
        ReturnValues::AllOld => old.cloned(),
        ReturnValues::AllNew => new.cloned(),
        ReturnValues::UpdatedOld => old.map(updated),
        ReturnValues::UpdatedNew => new.map(updated),
    }?;
    (!item.is_empty()).then_some(item)
}
