//! CreateTable, DeleteTable, DescribeTable, ListTables and DescribeTimeToLive on the wire.

use super::Request;
use crate::dynamodb::error::DbError;
use crate::dynamodb::table::{KeySchema, MemoryStorage, Table};
use crate::runtime::CloudInner;
use crate::server::wire::Input;
use crate::template::{AttributeType, KeyAttribute, SecondaryIndex};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most secondary indexes of each kind a table takes.
const MAX_GLOBAL_INDEXES: usize = 20;
const MAX_LOCAL_INDEXES: usize = 5;

/// A `KeySchema` member: a HASH element, then an optional RANGE one, typed from the
/// definitions.
fn key_schema(
    list: &[Value],
    definitions: &BTreeMap<String, AttributeType>,
    used: &mut Vec<String>,
) -> Result<KeySchema, DbError> {
    let mut elements = Vec::new();
    for element in list {
        let element = Request::nested(element.as_object().ok_or_else(|| {
            DbError::serialization("Each KeySchema element must be a structure.")
        })?);
        let name = element.required(element.str("AttributeName")?, "attributeName")?;
        let kind = element.required(element.str("KeyType")?, "keyType")?;
        elements.push((name.to_owned(), kind.to_owned()));
    }
    let attribute = |name: &str| -> Result<KeyAttribute, DbError> {
        let attribute_type = definitions.get(name).cloned().ok_or_else(|| {
            DbError::invalid(format!(
                "Some index key attributes are not defined in AttributeDefinitions. Keys: \
                 [{name}], AttributeDefinitions: [{}]",
                definitions.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })?;
        Ok(KeyAttribute {
            name: name.to_owned(),
            attribute_type,
        })
    };
    let schema = match elements.as_slice() {
        [(hash, h)] if h == "HASH" => KeySchema {
            partition: attribute(hash)?,
            sort: None,
        },
        [(hash, h), (range, r)] if h == "HASH" && r == "RANGE" => {
            if hash == range {
                return Err(DbError::invalid(
                    "Both the Hash Key and the Range Key element in the KeySchema have the \
                     same name",
                ));
            }
            KeySchema {
                partition: attribute(hash)?,
                sort: Some(attribute(range)?),
            }
        }
        [] => {
            return Err(super::constraint(
                "[]",
                "keySchema",
                "Member must have length greater than or equal to 1",
            ));
        }
        _ => {
            return Err(DbError::invalid(
                "Invalid KeySchema: The first KeySchemaElement is not a HASH key type, or \
                 there are more than two elements",
            ));
        }
    };
    used.extend(schema.attributes().map(|a| a.name.clone()));
    Ok(schema)
}

fn indexes(
    request: &Request<'_>,
    member: &str,
    definitions: &BTreeMap<String, AttributeType>,
    used: &mut Vec<String>,
) -> Result<Vec<SecondaryIndex>, DbError> {
    let Some(list) = request.list(member)? else {
        return Ok(Vec::new());
    };
    let mut out: Vec<SecondaryIndex> = Vec::new();
    for index in list {
        let index = Request::nested(
            index
                .as_object()
                .ok_or_else(|| DbError::serialization("Each index must be a structure."))?,
        );
        let name = index.required(index.str("IndexName")?, "indexName")?;
        let elements = index.required(index.list("KeySchema")?, "keySchema")?;
        let schema = key_schema(elements, definitions, used)?;
        if let Some(projection) = index.map("Projection")?
            && let Some(kind) = projection.get("ProjectionType").and_then(Value::as_str)
            && kind != "ALL"
        {
            return Err(DbError::validation(format!(
                "The local cloud's indexes project every attribute: ProjectionType {kind} \
                 is not served; use ALL"
            )));
        }
        if out.iter().any(|i| i.name == name) {
            return Err(DbError::invalid(format!("Duplicate index name: {name}")));
        }
        out.push(SecondaryIndex {
            name: name.to_owned(),
            partition_key: schema.partition,
            sort_key: schema.sort,
        });
    }
    Ok(out)
}

pub(super) fn create_table(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    let name = request.table_name()?;
    if name.starts_with("arn:") {
        return Err(super::constraint(
            name,
            "tableName",
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ));
    }
    let mut definitions = BTreeMap::new();
    for definition in request.required(
        request.list("AttributeDefinitions")?,
        "attributeDefinitions",
    )? {
        let definition = Request::nested(definition.as_object().ok_or_else(|| {
            DbError::serialization("Each AttributeDefinition must be a structure.")
        })?);
        let attribute = definition.required(definition.str("AttributeName")?, "attributeName")?;
        let kind = match definition.required(definition.str("AttributeType")?, "attributeType")? {
            "S" => AttributeType::S,
            "N" => AttributeType::N,
            "B" => AttributeType::B,
            other => {
                return Err(super::constraint(
                    other,
                    "attributeDefinitions.member.attributeType",
                    "Member must satisfy enum value set: [B, N, S]",
                ));
            }
        };
        if definitions.insert(attribute.to_owned(), kind).is_some() {
            return Err(DbError::invalid(format!(
                "Cannot have two attributes with the same name: {attribute}"
            )));
        }
    }
    let mut used = Vec::new();
    let key = key_schema(
        request.required(request.list("KeySchema")?, "keySchema")?,
        &definitions,
        &mut used,
    )?;
    let global_indexes = indexes(&request, "GlobalSecondaryIndexes", &definitions, &mut used)?;
    let local_indexes = indexes(&request, "LocalSecondaryIndexes", &definitions, &mut used)?;
    if global_indexes.len() > MAX_GLOBAL_INDEXES || local_indexes.len() > MAX_LOCAL_INDEXES {
        return Err(DbError::validation(
            "One or more parameter values were invalid: Number of secondary indexes exceeds \
             the per-table limit",
        ));
    }
    for index in &local_indexes {
        if index.partition_key.name != key.partition.name {
            return Err(DbError::invalid(format!(
                "Table KeySchema does not have a range key, which is required when specifying \
                 a LocalSecondaryIndex; or the index {} does not share the table's hash key",
                index.name
            )));
        }
    }
    if definitions.keys().any(|d| !used.contains(d)) {
        return Err(DbError::invalid(
            "Number of attributes in KeySchema does not exactly match number of attributes \
             defined in AttributeDefinitions",
        ));
    }
    match request.str("BillingMode")? {
        None | Some("PAY_PER_REQUEST") | Some("PROVISIONED") => {}
        Some(other) => {
            return Err(super::constraint(
                other,
                "billingMode",
                "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
            ));
        }
    }
    let arn = format!(
        "arn:aws:dynamodb:{}:{}:table/{name}",
        crate::pseudo::REGION,
        crate::pseudo::ACCOUNT_ID
    );
    let table = cloud.dynamodb.create(Table {
        name: name.to_owned(),
        arn,
        key,
        global_indexes,
        local_indexes,
        ttl_attribute: std::sync::RwLock::new(None),
        created_s: cloud.clock.now_ms() / 1000,
        from_template: false,
        stream: None,
        storage: Arc::new(MemoryStorage::default()),
    })?;
    Ok(json!({"TableDescription": table.describe()}))
}

pub(super) fn delete_table(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    let table = cloud.dynamodb.delete(request.table_name()?)?;
    let mut description = table.describe();
    description["TableStatus"] = "DELETING".into();
    Ok(json!({"TableDescription": description}))
}

pub(super) fn describe_table(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    let table = cloud.dynamodb.get(request.table_name()?)?;
    Ok(json!({"Table": table.describe()}))
}

pub(super) fn describe_time_to_live(
    cloud: &Arc<CloudInner>,
    input: &Input,
) -> Result<Value, DbError> {
    let request = Request::of(input);
    let table = cloud.dynamodb.get(request.table_name()?)?;
    let ttl = table
        .ttl_attribute
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Ok(json!({"TimeToLiveDescription": match &ttl {
        Some(attribute) => json!({"TimeToLiveStatus": "ENABLED", "AttributeName": attribute}),
        None => json!({"TimeToLiveStatus": "DISABLED"}),
    }}))
}

pub(super) fn list_tables(cloud: &Arc<CloudInner>, input: &Input) -> Result<Value, DbError> {
    let request = Request::of(input);
    let limit = request.int("Limit", "limit", 1, 100)?.unwrap_or(100) as usize;
    let start = request.str("ExclusiveStartTableName")?;
    let names: Vec<String> = cloud
        .dynamodb
        .names()
        .into_iter()
        .filter(|n| start.is_none_or(|s| n.as_str() > s))
        .collect();
    let more = names.len() > limit;
    let page: Vec<String> = names.into_iter().take(limit).collect();
    let mut answer = Map::new();
    if more && let Some(last) = page.last() {
        answer.insert("LastEvaluatedTableName".into(), last.clone().into());
    }
    answer.insert("TableNames".into(), page.into());
    Ok(Value::Object(answer))
}

pub(super) fn update_time_to_live(
    cloud: &Arc<CloudInner>,
    input: &Input,
) -> Result<Value, DbError> {
    let request = Request::of(input);
    let table = cloud.dynamodb.get(request.table_name()?)?;
    let spec = Request::nested(request.required(
        request.map("TimeToLiveSpecification")?,
        "timeToLiveSpecification",
    )?);
    let enabled = spec.required(spec.bool("Enabled")?, "timeToLiveSpecification.enabled")?;
    let attribute = spec.required(
        spec.str("AttributeName")?,
        "timeToLiveSpecification.attributeName",
    )?;
    if attribute.is_empty() || attribute.len() > 255 {
        return Err(super::constraint(
            attribute,
            "timeToLiveSpecification.attributeName",
            "Member must have length between 1 and 255",
        ));
    }
    let mut ttl = table
        .ttl_attribute
        .write()
        .unwrap_or_else(|p| p.into_inner());
    match (enabled, ttl.as_deref()) {
        (true, Some(_)) => {
            return Err(DbError::validation("TimeToLive is already enabled"));
        }
        (false, None) => {
            return Err(DbError::validation("TimeToLive is already disabled"));
        }
        (false, Some(current)) if current != attribute => {
            return Err(DbError::validation(format!(
                "TimeToLive is active on a different AttributeName: current AttributeName is \
                 {current}"
            )));
        }
        _ => {}
    }
    *ttl = enabled.then(|| attribute.to_owned());
    Ok(json!({"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}))
}
