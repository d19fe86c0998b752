//! Query and Scan: items read in key order, a page at a time (by `Limit` on the items
//! evaluated, and at 1 MB), then filtered and projected, as the developer guide describes.

use super::error::DbError;
use super::expr::{Comparator, Condition, Operand, Path, Step, project};
use super::table::{Key, KeyPart, KeySchema, Table, type_code};
use super::value::{Item, Value, item_size};
use std::cmp::Ordering;

/// The most a page reads before it stops, as DynamoDB's 1 MB.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// `Select`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Select {
    /// Every attribute (or the projection's).
    #[default]
    All,
    /// Only how many matched.
    Count,
}

/// What a read asks beyond its keys.
#[derive(Debug, Default)]
pub struct Read {
    /// `IndexName`.
    pub index: Option<String>,
    /// `FilterExpression`.
    pub filter: Option<Condition>,
    /// `ProjectionExpression`.
    pub projection: Option<Vec<Path>>,
    /// `Select`.
    pub select: Select,
    /// `Limit`: how many items to evaluate.
    pub limit: Option<usize>,
    /// `ExclusiveStartKey`.
    pub start: Option<Item>,
    /// `ScanIndexForward` (queries).
    pub forward: bool,
    /// `Segment` and `TotalSegments` (scans).
    pub segment: Option<(u32, u32)>,
}

/// A page of a read.
#[derive(Debug, Default)]
pub struct Page {
    /// The items that passed the filter, projected (empty for `Select: COUNT`).
    pub items: Vec<Item>,
    /// How many passed the filter.
    pub count: usize,
    /// How many were evaluated.
    pub scanned: usize,
    /// Where the next page starts, when there may be one.
    pub last_key: Option<Item>,
}

/// A key condition taken apart: the partition key's value, and the sort key's condition.
pub struct KeyCondition {
    partition: Value,
    sort: Option<Condition>,
}

fn unsupported() -> DbError {
    DbError::validation("Query key condition not supported")
}

fn key_name(operand: &Operand) -> Option<&str> {
    match operand {
        Operand::Path(path) => match path.as_slice() {
            [Step::Name(name)] => Some(name),
            _ => None,
        },
        _ => None,
    }
}

impl KeyCondition {
    /// The key condition of `condition` over `schema`: `pk = :v`, optionally `AND` one
    /// condition on the sort key (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with`).
    pub fn of(condition: Condition, schema: &KeySchema) -> Result<Self, DbError> {
        let parts = match condition {
            Condition::And(a, b) => vec![*a, *b],
            other => vec![other],
        };
        let mut partition = None;
        let mut sort = None;
        for part in parts {
            let name = match &part {
                Condition::Compare(a, _, Operand::Value(_)) => key_name(a),
                Condition::Between(a, Operand::Value(_), Operand::Value(_)) => key_name(a),
                Condition::BeginsWith(a, Operand::Value(_)) => key_name(a),
                _ => None,
            }
            .ok_or_else(unsupported)?
            .to_owned();
            if name == schema.partition.name {
                match part {
                    Condition::Compare(_, Comparator::Eq, Operand::Value(v))
                        if partition.is_none() =>
                    {
                        partition = Some(v)
                    }
                    _ => return Err(unsupported()),
                }
            } else if schema.sort.as_ref().is_some_and(|s| s.name == name) && sort.is_none() {
                if matches!(part, Condition::Compare(_, Comparator::Ne, _)) {
                    return Err(unsupported());
                }
                sort = Some(part);
            } else {
                return Err(unsupported());
            }
        }
        let partition = partition.ok_or_else(|| {
            DbError::validation(format!(
                "Query condition missed key schema element: {}",
                schema.partition.name
            ))
        })?;
        let mismatch = || DbError::invalid("Condition parameter type does not match schema type");
        if partition.type_name() != type_code(&schema.partition.attribute_type) {
            return Err(mismatch());
        }
        if let (Some(condition), Some(key)) = (&sort, &schema.sort) {
            let expected = type_code(&key.attribute_type);
            let values: Vec<&Value> = match condition {
                Condition::Compare(_, _, Operand::Value(v))
                | Condition::BeginsWith(_, Operand::Value(v)) => vec![v],
                Condition::Between(_, Operand::Value(a), Operand::Value(b)) => vec![a, b],
                _ => Vec::new(),
            };
            if matches!(condition, Condition::BeginsWith(..)) && expected == "N" {
                return Err(DbError::validation(
                    "Invalid KeyConditionExpression: Incorrect operand type for operator or \
                     function; operator or function: begins_with, operand type: N",
                ));
            }
            if values.iter().any(|v| v.type_name() != expected) {
                return Err(mismatch());
            }
        }
        Ok(Self { partition, sort })
    }

    fn matches(&self, item: &Item, schema: &KeySchema) -> bool {
        item.get(&schema.partition.name)
            .is_some_and(|v| v.same(&self.partition))
            && self.sort.as_ref().is_none_or(|c| c.holds(item))
    }
}

/// The keys an index page is positioned by: the index's key, then the table's.
fn position(item: &Item, index: &KeySchema, table: &KeySchema) -> Option<(Key, Key)> {
    Some((index.key_of_stored(item)?, table.key_of_stored(item)?))
}

/// The position an `ExclusiveStartKey` names: exactly the key attributes of the table and
/// of the index read, each of its type.
fn start_position(
    start: &Item,
    index: &KeySchema,
    table: &KeySchema,
) -> Result<(Key, Key), DbError> {
    let invalid = || {
        DbError::validation(
            "The provided starting key is invalid: The provided key element does not match the schema",
        )
    };
    let attributes: Vec<&crate::template::KeyAttribute> =
        index.attributes().chain(table.attributes()).collect();
    let mut names: Vec<&str> = attributes.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if start.len() != names.len() {
        return Err(invalid());
    }
    for attribute in attributes {
        match start.get(&attribute.name) {
            Some(value) if value.type_name() == type_code(&attribute.attribute_type) => {}
            _ => return Err(invalid()),
        }
    }
    position(start, index, table).ok_or_else(invalid)
}

/// The page of `table` (or its index) that `read` asks for, among the items `keep` admits
/// (the query's key condition, or every item).
fn page(
    table: &Table,
    read: &Read,
    keep: &dyn Fn(&Item, &KeySchema) -> bool,
) -> Result<Page, DbError> {
    let schema = table.index_key(read.index.as_deref())?;
    let mut items: Vec<((Key, Key), Item)> = table
        .storage
        .items()?
        .into_iter()
        .filter(|item| keep(item, &schema))
        .filter_map(|item| Some((position(&item, &schema, &table.key)?, item)))
        .collect();
    let order = |a: &(Key, Key), b: &(Key, Key)| -> Ordering { a.cmp(b) };
    items.sort_by(|(a, _), (b, _)| order(a, b));
    if !read.forward {
        items.reverse();
    }
    let mut skip = 0;
    if let Some(start) = &read.start {
        let from = start_position(start, &schema, &table.key)?;
        skip = items
            .iter()
            .position(|(p, _)| {
                let o = order(p, &from);
                if read.forward {
                    o == Ordering::Greater
                } else {
                    o == Ordering::Less
                }
            })
            .unwrap_or(items.len());
    }
    let mut page = Page::default();
    let mut bytes = 0;
    let limit = read.limit.unwrap_or(usize::MAX);
    let mut last = None;
    for (at, item) in items.iter().skip(skip) {
        if page.scanned == limit || bytes >= MAX_PAGE_BYTES {
            break;
        }
        page.scanned += 1;
        bytes += item_size(item);
        last = Some(at);
        if read.filter.as_ref().is_none_or(|f| f.holds(item)) {
            page.count += 1;
            if read.select == Select::All {
                page.items.push(match &read.projection {
                    Some(paths) => project(item, paths),
                    None => item.clone(),
                });
            }
        }
    }
    let more = skip + page.scanned < items.len();
    if more && let Some((index_key, table_key)) = last {
        let mut key = table.key.key_item(table_key);
        key.extend(schema.key_item(index_key));
        page.last_key = Some(key);
    }
    Ok(page)
}

/// Query: the items of one partition of the table or an index.
pub fn query(table: &Table, condition: &KeyCondition, read: &Read) -> Result<Page, DbError> {
    if let Some(start) = &read.start {
        let schema = table.index_key(read.index.as_deref())?;
        start_position(start, &schema, &table.key)?;
        if !start
            .get(&schema.partition.name)
            .is_some_and(|v| v.same(&condition.partition))
        {
            return Err(DbError::validation(
                "The provided starting key is outside query boundaries based on provided \
                 conditions",
            ));
        }
    }
    page(table, read, &|item, schema| condition.matches(item, schema))
}

/// Scan: every item of the table or an index, or of one segment of it.
pub fn scan(table: &Table, read: &Read) -> Result<Page, DbError> {
    let segment = read.segment;
    page(table, read, &|item, schema| match segment {
        None => true,
        Some((segment, total)) => schema
            .key_of_stored(item)
            .is_some_and(|key| segment_of(&key.0, total) == segment),
    })
}

/// The segment a partition key falls in: a stable hash of the key, as DynamoDB spreads
/// partitions over a parallel scan's segments.
fn segment_of(partition: &KeyPart, total: u32) -> u32 {
    use sha2::Digest;
    let text = format!("{partition:?}");
    let digest = sha2::Sha256::digest(text.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % total.max(1)
}
