//! A table: its key schema and indexes, and the storage its items live in. The storage is
//! a narrow trait so a table can be items kept here (tables made through the API) or a
//! view of the app's embedded stores (the template's tables), with one engine on top.

use super::error::DbError;
use super::number::Number;
use super::value::{Item, Value};
use crate::template::{AttributeType, KeyAttribute, SecondaryIndex};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One part of a primary key, ordered as DynamoDB orders sort keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyPart {
    /// A string, by UTF-8 bytes.
    S(String),
    /// A number, by value.
    N(Number),
    /// Binary, by bytes.
    B(Vec<u8>),
}

impl KeyPart {
    fn of(value: &Value) -> Option<Self> {
        match value {
            Value::S(s) => Some(KeyPart::S(s.clone())),
            Value::N(n) => Some(KeyPart::N(n.clone())),
            Value::B(b) => Some(KeyPart::B(b.clone())),
            _ => None,
        }
    }

    /// The attribute value of this part.
    pub fn value(&self) -> Value {
        match self {
            KeyPart::S(s) => Value::S(s.clone()),
            KeyPart::N(n) => Value::N(n.clone()),
            KeyPart::B(b) => Value::B(b.clone()),
        }
    }
}

/// A primary key: the partition key's value and the sort key's, if the table has one.
pub type Key = (KeyPart, Option<KeyPart>);

/// A key schema: a partition key and an optional sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchema {
    /// The partition (HASH) key.
    pub partition: KeyAttribute,
    /// The sort (RANGE) key.
    pub sort: Option<KeyAttribute>,
}

/// The type descriptor DynamoDB's messages and `AttributeDefinitions` give a key type.
pub(super) fn type_code(t: &AttributeType) -> &'static str {
    match t {
        AttributeType::S => "S",
        AttributeType::N => "N",
        AttributeType::B => "B",
    }
}

impl KeySchema {
    /// The key attributes, partition first.
    pub fn attributes(&self) -> impl Iterator<Item = &KeyAttribute> {
        std::iter::once(&self.partition).chain(self.sort.as_ref())
    }

    /// Whether `name` is one of the key's attributes.
    pub fn has(&self, name: &str) -> bool {
        self.attributes().any(|a| a.name == name)
    }

    /// The key of a request's `Key` member: exactly the key attributes, of their types.
    pub fn key_of_request(&self, key: &Item) -> Result<Key, DbError> {
        let mismatch = || DbError::validation("The provided key element does not match the schema");
        if key.len() != self.attributes().count() {
            return Err(mismatch());
        }
        let part = |attribute: &KeyAttribute| -> Result<KeyPart, DbError> {
            let value = key.get(&attribute.name).ok_or_else(mismatch)?;
            if value.type_name() != type_code(&attribute.attribute_type) {
                return Err(mismatch());
            }
            check_not_empty(value, &attribute.name)?;
            KeyPart::of(value).ok_or_else(mismatch)
        };
        Ok((
            part(&self.partition)?,
            self.sort.as_ref().map(part).transpose()?,
        ))
    }

    /// The key of an item to be stored, which must carry the key attributes.
    pub fn key_of_item(&self, item: &Item) -> Result<Key, DbError> {
        let part = |attribute: &KeyAttribute| -> Result<KeyPart, DbError> {
            let value = item.get(&attribute.name).ok_or_else(|| {
                DbError::invalid(format!("Missing the key {} in the item", attribute.name))
            })?;
            let expected = type_code(&attribute.attribute_type);
            if value.type_name() != expected {
                return Err(DbError::invalid(format!(
                    "Type mismatch for key {} expected: {expected} actual: {}",
                    attribute.name,
                    value.type_name()
                )));
            }
            check_not_empty(value, &attribute.name)?;
            KeyPart::of(value).ok_or_else(|| DbError::invalid("key of the wrong type"))
        };
        Ok((
            part(&self.partition)?,
            self.sort.as_ref().map(part).transpose()?,
        ))
    }

    /// The key of an item already stored (which has its key attributes).
    pub fn key_of_stored(&self, item: &Item) -> Option<Key> {
        let part = |a: &KeyAttribute| item.get(&a.name).and_then(KeyPart::of);
        Some((
            part(&self.partition)?,
            match &self.sort {
                Some(sort) => Some(part(sort)?),
                None => None,
            },
        ))
    }

    /// The key as the attributes of an item (a `Key` or `LastEvaluatedKey` member).
    pub fn key_item(&self, key: &Key) -> Item {
        let mut item = Item::new();
        item.insert(self.partition.name.clone(), key.0.value());
        if let (Some(sort), Some(part)) = (&self.sort, &key.1) {
            item.insert(sort.name.clone(), part.value());
        }
        item
    }

    /// The schema as `KeySchema` in an answer.
    pub fn describe(&self) -> serde_json::Value {
        let mut schema = vec![serde_json::json!({
            "AttributeName": self.partition.name, "KeyType": "HASH"
        })];
        if let Some(sort) = &self.sort {
            schema.push(serde_json::json!({"AttributeName": sort.name, "KeyType": "RANGE"}));
        }
        serde_json::Value::Array(schema)
    }
}

fn check_not_empty(value: &Value, name: &str) -> Result<(), DbError> {
    let empty = match value {
        Value::S(s) => s.is_empty(),
        Value::B(b) => b.is_empty(),
        _ => false,
    };
    if empty {
        return Err(DbError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute \
             cannot contain an empty {} value. Key: {name}",
            if matches!(value, Value::S(_)) {
                "string"
            } else {
                "binary"
            }
        )));
    }
    Ok(())
}

/// What a write does to the item under its key.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Store this item.
    Put(Item),
    /// Remove the item, if any.
    Delete,
}

/// Where a table's items live.
pub trait Storage: Send + Sync {
    /// The item under `key`.
    fn get(&self, key: &Key) -> Result<Option<Item>, DbError>;
    /// Every item, in key order.
    fn items(&self) -> Result<Vec<Item>, DbError>;
    /// Reads the item under `key` and stores what `decide` makes of it, atomically with
    /// every other write to that item: the item as it was is returned.
    fn write(
        &self,
        key: &Key,
        decide: &mut dyn FnMut(Option<&Item>) -> Result<Change, DbError>,
    ) -> Result<Option<Item>, DbError>;
}

/// Items kept in this table, in key order: a table made through the API.
#[derive(Default)]
pub struct MemoryStorage {
    items: Mutex<BTreeMap<Key, Item>>,
}

impl MemoryStorage {
    fn items(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, Item>> {
        // Each write is one insert or remove, so a poisoned lock holds consistent items.
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &Key) -> Result<Option<Item>, DbError> {
        Ok(self.items().get(key).cloned())
    }

    fn items(&self) -> Result<Vec<Item>, DbError> {
        Ok(MemoryStorage::items(self).values().cloned().collect())
    }

    fn write(
        &self,
        key: &Key,
        decide: &mut dyn FnMut(Option<&Item>) -> Result<Change, DbError>,
    ) -> Result<Option<Item>, DbError> {
        let mut items = MemoryStorage::items(self);
        let old = items.get(key).cloned();
        match decide(old.as_ref())? {
            Change::Put(item) => {
                items.insert(key.clone(), item);
            }
            Change::Delete => {
                items.remove(key);
            }
        }
        Ok(old)
    }
}

/// A table: its name, schema, indexes and storage.
pub struct Table {
    /// `TableName`.
    pub name: String,
    /// `TableArn`.
    pub arn: String,
    /// The primary key.
    pub key: KeySchema,
    /// `GlobalSecondaryIndexes`, each projecting every attribute.
    pub global_indexes: Vec<SecondaryIndex>,
    /// `LocalSecondaryIndexes`.
    pub local_indexes: Vec<SecondaryIndex>,
    /// The TTL attribute, when enabled (UpdateTimeToLive changes it).
    pub ttl_attribute: std::sync::RwLock<Option<String>>,
    /// When it was made, epoch seconds.
    pub created_s: i64,
    /// Whether the template declares it (its items are the app's stores).
    pub from_template: bool,
    /// Its items.
    pub storage: Arc<dyn Storage>,
    /// Its stream, when it has one: every change to its items is recorded there.
    pub stream: Option<Arc<super::streams::TableStream>>,
}

impl Table {
    /// The key schema of `index` (the table's own for `None`).
    pub fn index_key(&self, index: Option<&str>) -> Result<KeySchema, DbError> {
        let Some(name) = index else {
            return Ok(self.key.clone());
        };
        self.global_indexes
            .iter()
            .chain(&self.local_indexes)
            .find(|i| i.name == name)
            .map(|i| KeySchema {
                partition: i.partition_key.clone(),
                sort: i.sort_key.clone(),
            })
            .ok_or_else(|| {
                DbError::validation(format!(
                    "The table does not have the specified index: {name}"
                ))
            })
    }

    /// Checks an item's index key attributes: where present, of the index's type.
    pub fn check_index_keys(&self, item: &Item) -> Result<(), DbError> {
        for index in self.global_indexes.iter().chain(&self.local_indexes) {
            for attribute in std::iter::once(&index.partition_key).chain(&index.sort_key) {
                if let Some(value) = item.get(&attribute.name) {
                    let expected = type_code(&attribute.attribute_type);
                    if value.type_name() != expected {
                        return Err(DbError::invalid(format!(
                            "Type mismatch for Index Key {} Expected: {expected} Actual: {} \
                             IndexName: {}",
                            attribute.name,
                            value.type_name(),
                            index.name
                        )));
                    }
                    if matches!(value, Value::S(t) if t.is_empty())
                        || matches!(value, Value::B(b) if b.is_empty())
                    {
                        return Err(DbError::validation(format!(
                            "One or more parameter values are not valid. A value specified for \
                             a secondary index key is not supported. The AttributeValue for a \
                             key attribute cannot contain an empty {} value. IndexName: {}, \
                             IndexKey: {}",
                            if matches!(value, Value::S(_)) {
                                "string"
                            } else {
                                "binary"
                            },
                            index.name,
                            attribute.name
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// `AttributeDefinitions`: every key attribute of the table and its indexes, once.
    pub fn attribute_definitions(&self) -> serde_json::Value {
        let mut seen = BTreeMap::new();
        let indexes = self.global_indexes.iter().chain(&self.local_indexes);
        let all = self.key.attributes().cloned().chain(
            indexes
                .flat_map(|i| std::iter::once(i.partition_key.clone()).chain(i.sort_key.clone())),
        );
        for attribute in all {
            seen.entry(attribute.name.clone())
                .or_insert_with(|| type_code(&attribute.attribute_type));
        }
        serde_json::Value::Array(
            seen.into_iter()
                .map(|(name, t)| serde_json::json!({"AttributeName": name, "AttributeType": t}))
                .collect(),
        )
    }

    /// The answer's `TableDescription`.
    pub fn describe(&self) -> serde_json::Value {
        // One read of the items gives both: a view of the app's store scans the store.
        let items = self.storage.items().unwrap_or_default();
        let count = items.len();
        let size: usize = items.iter().map(super::value::item_size).sum();
        let index = |i: &SecondaryIndex, global: bool| {
            let schema = KeySchema {
                partition: i.partition_key.clone(),
                sort: i.sort_key.clone(),
            };
            let mut d = serde_json::json!({
                "IndexName": i.name,
                "KeySchema": schema.describe(),
                "Projection": {"ProjectionType": "ALL"},
                "IndexArn": format!("{}/index/{}", self.arn, i.name),
                "IndexSizeBytes": size,
                "ItemCount": count,
            });
            if global {
                d["IndexStatus"] = "ACTIVE".into();
                d["ProvisionedThroughput"] = serde_json::json!({
                    "NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0
                });
            }
            d
        };
        let mut description = serde_json::json!({
            "TableName": self.name,
            "TableArn": self.arn,
            "TableId": uuid_of(&self.arn),
            "TableStatus": "ACTIVE",
            "KeySchema": self.key.describe(),
            "AttributeDefinitions": self.attribute_definitions(),
            "CreationDateTime": self.created_s,
            "ItemCount": count,
            "TableSizeBytes": size,
            "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
            "ProvisionedThroughput": {
                "NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0
            },
            "DeletionProtectionEnabled": false,
        });
        if !self.global_indexes.is_empty() {
            description["GlobalSecondaryIndexes"] =
                self.global_indexes.iter().map(|i| index(i, true)).collect();
        }
        if !self.local_indexes.is_empty() {
            description["LocalSecondaryIndexes"] =
                self.local_indexes.iter().map(|i| index(i, false)).collect();
        }
        if let Some(stream) = &self.stream {
            use crate::runtime::streams::StreamSource;
            description["StreamSpecification"] = serde_json::json!({
                "StreamEnabled": true,
                "StreamViewType": stream.view().as_str(),
            });
            description["LatestStreamArn"] = stream.arn().into();
            description["LatestStreamLabel"] = stream.label().into();
        }
        description
    }
}

/// A stable id for a table, from its ARN: a table keeps its id while the cloud runs.
fn uuid_of(arn: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(arn.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}
