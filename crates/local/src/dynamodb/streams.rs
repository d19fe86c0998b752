//! DynamoDB Streams of the local cloud's tables: each write that changes an item appends a
//! record (INSERT, MODIFY or REMOVE) with the images the stream's view type asks for, in
//! the order the item's writes happened. A table's stream is one shard of the stream
//! engine's log, so event source mappings and pipes read it as they read Kinesis.
//!
//! A record keeps its event name and images; its sequence number, event id and arrival
//! follow from where it lies in the shard, and are filled in as it is read.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use sha2::Digest;

use crate::kinesis::hash::HashRange;
use crate::kinesis::{Record, Shard};
use crate::pseudo::STREAM_LABEL;
use crate::runtime::streams::StreamSource;

/// How long records are kept: a day.
pub const RETENTION_MS: i64 = 24 * 3_600_000;
/// How long an iterator stays valid: fifteen minutes.
pub const ITERATOR_LIFETIME_MS: i64 = 15 * 60_000;

/// What a stream record carries of the item: `StreamViewType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewType {
    /// Only the key attributes.
    KeysOnly,
    /// The item as it is after the write.
    NewImage,
    /// The item as it was before the write.
    OldImage,
    /// Both.
    NewAndOldImages,
}

impl ViewType {
    /// The view type a template or request names, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "KEYS_ONLY" => ViewType::KeysOnly,
            "NEW_IMAGE" => ViewType::NewImage,
            "OLD_IMAGE" => ViewType::OldImage,
            "NEW_AND_OLD_IMAGES" => ViewType::NewAndOldImages,
            _ => return None,
        })
    }

    /// Its name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ViewType::KeysOnly => "KEYS_ONLY",
            ViewType::NewImage => "NEW_IMAGE",
            ViewType::OldImage => "OLD_IMAGE",
            ViewType::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    fn new_image(self) -> bool {
        matches!(self, ViewType::NewImage | ViewType::NewAndOldImages)
    }

    fn old_image(self) -> bool {
        matches!(self, ViewType::OldImage | ViewType::NewAndOldImages)
    }
}

/// An item in DynamoDB JSON: attribute name to typed value.
pub type JsonItem = Map<String, Value>;

/// A change held back until the writes around it all stand.
type Deferred = (Arc<TableStream>, Option<JsonItem>, Option<JsonItem>, i64);

thread_local! {
    /// While [`all_or_nothing`] runs on this thread: the changes its writes made, recorded
    /// only if it succeeds. Its writes run on this thread under the tables' transaction lock.
    static DEFERRED: std::cell::RefCell<Option<Vec<Deferred>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `writes` (a batch or a transaction, on this thread) so that the changes they make
/// reach the streams only if `writes` succeeds: a failed write and the undoing of the
/// others leave no record.
pub fn all_or_nothing<T, E>(writes: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let outer = DEFERRED.with(|d| d.borrow_mut().replace(Vec::new()));
    let result = writes();
    let held = DEFERRED.with(|d| std::mem::replace(&mut *d.borrow_mut(), outer));
    if result.is_ok() {
        for (stream, old, new, now_ms) in held.unwrap_or_default() {
            stream.append(old.as_ref(), new.as_ref(), now_ms);
        }
    }
    result
}

/// A table's stream.
#[derive(Debug)]
pub struct TableStream {
    table: String,
    arn: String,
    view: ViewType,
    /// The key attributes, partition key first.
    key_names: Vec<String>,
    /// `KeySchema` as DescribeStream answers it.
    key_schema: Value,
    shard: Arc<Shard>,
    created_ms: i64,
}

impl TableStream {
    /// The stream of table `table` (ARN `table_arn`), keyed by `key_names` (partition key
    /// first, whose schema is `key_schema`), made at `now_ms`.
    pub fn new(
        table: &str,
        table_arn: &str,
        view: ViewType,
        key_names: Vec<String>,
        key_schema: Value,
        now_ms: i64,
    ) -> Self {
        let mut shard = Shard::new(
            0,
            HashRange {
                start: 0,
                end: u128::MAX,
            },
        );
        shard.id = format!(
            "shardId-{:020}-{}",
            now_ms.max(0),
            &hex_digest(table_arn.as_bytes())[..8]
        );
        Self {
            table: table.to_owned(),
            arn: stream_arn(table_arn),
            view,
            key_names,
            key_schema,
            shard: Arc::new(shard),
            created_ms: now_ms,
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// `StreamLabel`.
    pub fn label(&self) -> &'static str {
        STREAM_LABEL
    }

    /// `StreamViewType`.
    pub fn view(&self) -> ViewType {
        self.view
    }

    /// `KeySchema`, as the API answers it.
    pub fn key_schema(&self) -> &Value {
        &self.key_schema
    }

    /// The stream's one shard.
    pub fn shard(&self) -> &Arc<Shard> {
        &self.shard
    }

    /// When it was made, epoch milliseconds.
    pub fn created_ms(&self) -> i64 {
        self.created_ms
    }

    /// Records the change a write made to one item: `old` before it, `new` after it
    /// (`None` where there was or is no item), at `now_ms`; held back while an
    /// [`all_or_nothing`] runs on this thread.
    pub fn record(self: &Arc<Self>, old: Option<&JsonItem>, new: Option<&JsonItem>, now_ms: i64) {
        let held = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
            Some(held) => {
                held.push((self.clone(), old.cloned(), new.cloned(), now_ms));
                true
            }
            None => false,
        });
        if !held {
            self.append(old, new, now_ms);
        }
    }

    /// Appends the record of a change. A write that changed nothing leaves no record, as
    /// DynamoDB writes none.
    fn append(&self, old: Option<&JsonItem>, new: Option<&JsonItem>, now_ms: i64) {
        let event_name = match (old, new) {
            (None, None) => return,
            (Some(o), Some(n)) if o == n => return,
            (None, Some(_)) => "INSERT",
            (Some(_), Some(_)) => "MODIFY",
            (Some(_), None) => "REMOVE",
        };
        let Some(item) = new.or(old) else { return };
        let keys: JsonItem = self
            .key_names
            .iter()
            .filter_map(|name| item.get(name).map(|v| (name.clone(), v.clone())))
            .collect();
        let new_image = new.filter(|_| self.view.new_image());
        let old_image = old.filter(|_| self.view.old_image());
        let size = size_of(&keys) + new_image.map_or(0, size_of) + old_image.map_or(0, size_of);
        // Written from references: the images are not copied to be written.
        let data = serde_json::to_vec(&StoredRecord {
            event_name,
            dynamodb: StoredBody {
                keys: &keys,
                new_image,
                old_image,
                size_bytes: size,
                stream_view_type: self.view.as_str(),
            },
        })
        .unwrap_or_default();
        // The item's key is the record's partition key: a parallelized reader keeps each
        // item's records in one lane, in order.
        let partition_key = Value::Object(keys).to_string();
        self.shard.trim(now_ms - RETENTION_MS);
        self.shard.append(
            Arc::from(partition_key.as_str()),
            Arc::from(data),
            now_ms,
            false,
        );
    }

    /// The record as GetRecords answers it.
    pub fn api_record(&self, number: &str, record: &Record, region: &str) -> Value {
        let mut out: Value = serde_json::from_slice(&record.data).unwrap_or_else(|_| json!({}));
        if let Some(dynamodb) = out.get_mut("dynamodb").and_then(Value::as_object_mut) {
            // Whole seconds, as the stream's default precision gives them.
            dynamodb.insert(
                "ApproximateCreationDateTime".into(),
                record.arrival_ms.div_euclid(1000).into(),
            );
            dynamodb.insert("SequenceNumber".into(), number.into());
        }
        if let Some(fields) = out.as_object_mut() {
            fields.insert("eventID".into(), self.event_id(number).into());
            fields.insert("eventVersion".into(), "1.1".into());
            fields.insert("eventSource".into(), "aws:dynamodb".into());
            fields.insert("awsRegion".into(), region.into());
        }
        out
    }

    /// A record's `eventID`: the same on every read of it.
    fn event_id(&self, number: &str) -> String {
        hex_digest(format!("{}#{number}", self.arn).as_bytes())[..32].to_owned()
    }

    /// The offset a sequence number of this stream names.
    pub fn offset_of(&self, number: &str) -> Option<u64> {
        let prefix = self.sequence_prefix();
        let rest = number.strip_prefix(&prefix)?;
        (rest.len() == OFFSET_DIGITS && rest.bytes().all(|b| b.is_ascii_digit()))
            .then(|| rest.parse().ok())
            .flatten()
    }

    /// `1`, four digits of the stream's ARN and its creation second: the part every number
    /// of this stream begins with, so another stream's number (the template's tables are
    /// made in the same second) does not read as one of this one's.
    fn sequence_prefix(&self) -> String {
        let digest = hex_digest(self.arn.as_bytes());
        let arn_digits = u16::from_str_radix(&digest[..4], 16).unwrap_or(0) % 10_000;
        format!(
            "1{arn_digits:04}{:010}",
            self.created_ms.div_euclid(1000).rem_euclid(10_000_000_000)
        )
    }
}

/// Digits of the offset part of a sequence number: 15 + 20 = 35 digits in all, within the
/// 21 to 40 the API allows.
const OFFSET_DIGITS: usize = 20;

impl StreamSource for TableStream {
    fn arn(&self) -> &str {
        &self.arn
    }

    fn sequence_number(&self, _shard: &Shard, offset: u64) -> String {
        format!("{}{offset:020}", self.sequence_prefix())
    }

    fn lambda_record(&self, _shard: &Shard, number: &str, record: &Record, region: &str) -> Value {
        let mut out = self.api_record(number, record, region);
        if let Some(fields) = out.as_object_mut() {
            fields.insert("eventSourceARN".into(), self.arn.clone().into());
        }
        out
    }

    fn batch_info_member(&self) -> &'static str {
        "DDBStreamBatchInfo"
    }
}

/// The ARN of the stream of the table `table_arn`.
pub fn stream_arn(table_arn: &str) -> String {
    format!("{table_arn}/stream/{STREAM_LABEL}")
}

/// A stream record as the shard keeps it.
#[derive(serde::Serialize)]
struct StoredRecord<'a> {
    #[serde(rename = "eventName")]
    event_name: &'a str,
    dynamodb: StoredBody<'a>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct StoredBody<'a> {
    keys: &'a JsonItem,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_image: Option<&'a JsonItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_image: Option<&'a JsonItem>,
    size_bytes: usize,
    stream_view_type: &'a str,
}

/// An item's size as DynamoDB counts it (`SizeBytes`): names and values, read from the
/// item's JSON rather than decoded into typed values first.
fn size_of(item: &JsonItem) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

/// A typed value's size: a string's bytes, a number's digits about halved, binary's bytes,
/// one for a boolean or null, and a list's or map's members with three bytes around them.
fn value_size(value: &Value) -> usize {
    let Some((kind, body)) = value.as_object().and_then(|m| m.iter().next()) else {
        return 0;
    };
    match (kind.as_str(), body) {
        ("S", Value::String(s)) => s.len(),
        ("N", Value::String(n)) => n.trim_start_matches('-').len().div_ceil(2) + 1,
        ("B", Value::String(b)) => b.len() * 3 / 4,
        ("SS" | "NS" | "BS", Value::Array(items)) => {
            items.iter().map(|i| i.as_str().map_or(0, str::len)).sum()
        }
        ("L", Value::Array(items)) => 3 + items.iter().map(|i| 1 + value_size(i)).sum::<usize>(),
        ("M", Value::Object(map)) => {
            3 + map
                .iter()
                .map(|(k, v)| 1 + k.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

fn hex_digest(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A table's storage whose writes are recorded in the table's stream: for tables whose
/// items this engine keeps. (A table that is a view of an app store records its changes
/// through the store, which the app's functions write without this engine.)
pub struct Streamed {
    inner: Arc<dyn super::table::Storage>,
    stream: Arc<TableStream>,
    clock: orderly_core::clock::SharedClock,
    /// Held across a write and its record, so an item's records follow its writes' order.
    order: std::sync::Mutex<()>,
}

impl Streamed {
    /// `inner`, recording into `stream` at the time `clock` gives.
    pub fn new(
        inner: Arc<dyn super::table::Storage>,
        stream: Arc<TableStream>,
        clock: orderly_core::clock::SharedClock,
    ) -> Self {
        Self {
            inner,
            stream,
            clock,
            order: std::sync::Mutex::new(()),
        }
    }
}

impl super::table::Storage for Streamed {
    fn get(
        &self,
        key: &super::table::Key,
    ) -> Result<Option<super::value::Item>, super::error::DbError> {
        self.inner.get(key)
    }

    fn items(&self) -> Result<Vec<super::value::Item>, super::error::DbError> {
        self.inner.items()
    }

    fn write(
        &self,
        key: &super::table::Key,
        decide: &mut dyn FnMut(
            Option<&super::value::Item>,
        ) -> Result<super::table::Change, super::error::DbError>,
    ) -> Result<Option<super::value::Item>, super::error::DbError> {
        let _order = self.order.lock().unwrap_or_else(|p| p.into_inner());
        let mut after = None;
        let old = self.inner.write(key, &mut |old| {
            let change = decide(old)?;
            after = Some(change.clone());
            Ok(change)
        })?;
        let as_json = |item: &super::value::Item| match super::value::item_to_json(item) {
            Value::Object(map) => map,
            _ => JsonItem::new(),
        };
        let new = match after {
            Some(super::table::Change::Put(item)) => Some(as_json(&item)),
            _ => None,
        };
        self.stream.record(
            old.as_ref().map(as_json).as_ref(),
            new.as_ref(),
            self.clock.now_ms(),
        );
        Ok(old)
    }
}
