//! One shard: an ordered log of records, trimmed by the stream's retention, with the
//! per-shard write limits of a provisioned stream.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use super::hash::HashRange;

/// Records a provisioned shard takes a second.
pub const RECORDS_PER_SECOND: u32 = 1_000;
/// Bytes (data and partition keys) a provisioned shard takes a second.
pub const BYTES_PER_SECOND: u64 = 1024 * 1024;
/// The most a shard keeps in memory, in bytes of data and partition keys. Past it the
/// oldest records go, before their retention ends, but only those every reader of the
/// shard (an event source mapping, a pipe) has taken: a local cloud that runs for days
/// under load stays within its memory, and no record is lost to a consumer that lags.
pub const MAX_KEPT_BYTES: usize = 16 * 1024 * 1024;

/// A record as a shard keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its place in the shard: its sequence number follows from it.
    pub offset: u64,
    /// The partition key it was put with.
    pub partition_key: Arc<str>,
    /// Its data, as put.
    pub data: Arc<[u8]>,
    /// When it reached the shard, epoch milliseconds.
    pub arrival_ms: i64,
}

impl Record {
    /// What the record counts against a shard's byte limits: data and partition key.
    pub fn size(&self) -> usize {
        self.data.len() + self.partition_key.len()
    }
}

/// What a read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// The records, in order.
    pub records: Vec<Record>,
    /// The offset to read from next.
    pub next: u64,
    /// The offset the next record put will have.
    pub tip: u64,
}

/// A shard of a stream.
#[derive(Debug)]
pub struct Shard {
    /// Its index in the stream.
    pub index: u32,
    /// `shardId-000000000000`.
    pub id: String,
    /// The hash keys it takes.
    pub range: HashRange,
    log: Mutex<Log>,
    /// Wakes readers waiting for a record (the event source mappings).
    pub arrived: Notify,
    /// Where each reader is: the offset of the next record it takes.
    readers: Mutex<Vec<std::sync::Weak<AtomicU64>>>,
}

#[derive(Debug, Default)]
struct Log {
    records: VecDeque<Record>,
    /// What `records` hold, in bytes of data and partition keys.
    bytes: usize,
    /// The offset of `records[0]`, or of the next record when there is none.
    first: u64,
    /// The write-limit window: its second and what it took.
    second: i64,
    taken_records: u32,
    taken_bytes: u64,
}

impl Log {
    fn tip(&self) -> u64 {
        self.first + self.records.len() as u64
    }

    /// Drops the oldest record.
    fn pop(&mut self) {
        if let Some(gone) = self.records.pop_front() {
            self.bytes -= gone.size();
            self.first += 1;
        }
    }
}

impl Shard {
    /// Shard `index`, taking `range`.
    pub fn new(index: u32, range: HashRange) -> Self {
        Self {
            index,
            id: shard_id(index),
            range,
            log: Mutex::new(Log::default()),
            arrived: Notify::new(),
            readers: Mutex::new(Vec::new()),
        }
    }

    /// A reader of the shard: it stores the offset of the next record it takes, and no
    /// record from there on is dropped for space while the handle lives.
    pub fn register_reader(&self) -> Arc<AtomicU64> {
        let reader = Arc::new(AtomicU64::new(self.first()));
        let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        readers.retain(|r| r.strong_count() > 0);
        readers.push(Arc::downgrade(&reader));
        reader
    }

    /// The lowest offset a live reader has yet to take; the tip when none reads.
    fn floor(&self, tip: u64) -> u64 {
        let readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        readers
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .map(|r| r.load(Ordering::SeqCst))
            .fold(tip, u64::min)
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a record arriving at `now_ms` and returns its offset; `None` when `limited`
    /// and the shard has taken its records or bytes for this second.
    pub fn append(
        &self,
        partition_key: Arc<str>,
        data: Arc<[u8]>,
        now_ms: i64,
        limited: bool,
    ) -> Option<u64> {
        let size = (data.len() + partition_key.len()) as u64;
        let offset = {
            let mut log = self.log();
            let second = now_ms.div_euclid(1000);
            if log.second != second {
                log.second = second;
                log.taken_records = 0;
                log.taken_bytes = 0;
            }
            if limited
                && (log.taken_records >= RECORDS_PER_SECOND
                    || log.taken_bytes + size > BYTES_PER_SECOND)
            {
                return None;
            }
            log.taken_records += 1;
            log.taken_bytes += size;
            // A record never arrives before the one ahead of it.
            let arrival_ms = log
                .records
                .back()
                .map_or(now_ms, |r| r.arrival_ms.max(now_ms));
            let offset = log.tip();
            log.records.push_back(Record {
                offset,
                partition_key,
                data,
                arrival_ms,
            });
            log.bytes += size as usize;
            if log.bytes > MAX_KEPT_BYTES {
                let floor = self.floor(log.tip());
                while log.bytes > MAX_KEPT_BYTES && log.first < floor {
                    log.pop();
                }
            }
            offset
        };
        self.arrived.notify_waiters();
        Some(offset)
    }

    /// Drops the records that arrived before `before_ms` (the retention period's start).
    pub fn trim(&self, before_ms: i64) {
        let mut log = self.log();
        while log
            .records
            .front()
            .is_some_and(|r| r.arrival_ms < before_ms)
        {
            log.pop();
        }
    }

    /// Up to `limit` records from `offset` on, and at most `max_bytes` of them (at least
    /// one record, whatever its size). An offset before the oldest record kept reads from
    /// the oldest.
    pub fn read(&self, offset: u64, limit: usize, max_bytes: usize) -> Read {
        let log = self.log();
        let from = offset.max(log.first);
        let skip = (from - log.first) as usize;
        let mut records = Vec::new();
        let mut bytes = 0;
        for record in log.records.iter().skip(skip).take(limit) {
            bytes += record.size();
            if !records.is_empty() && bytes > max_bytes {
                break;
            }
            records.push(record.clone());
        }
        let next = from + records.len() as u64;
        Read {
            records,
            next,
            tip: log.tip(),
        }
    }

    /// The offset of the oldest record kept (the tip when none is).
    pub fn first(&self) -> u64 {
        self.log().first
    }

    /// The offset the next record will have.
    pub fn tip(&self) -> u64 {
        self.log().tip()
    }

    /// The offset of the first record kept that arrived at or after `at_ms`.
    pub fn offset_at(&self, at_ms: i64) -> u64 {
        let log = self.log();
        let skip = log.records.partition_point(|r| r.arrival_ms < at_ms);
        log.first + skip as u64
    }

    /// When the record at `offset` arrived, if it is kept.
    pub fn arrival_of(&self, offset: u64) -> Option<i64> {
        let log = self.log();
        let at = offset.checked_sub(log.first)?;
        log.records
            .get(usize::try_from(at).ok()?)
            .map(|r| r.arrival_ms)
    }

    /// Records kept.
    pub fn len(&self) -> usize {
        self.log().records.len()
    }

    /// Whether the shard keeps no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A shard's id: `shardId-` and its index in twelve digits.
pub fn shard_id(index: u32) -> String {
    format!("shardId-{index:012}")
}

/// The index a shard id names, read as Kinesis reads it: the digits after the first `-`
/// (or the whole id when it has none), at most 2^31 − 1, so `shardId-000000000002`,
/// `shardId-2` and `2` all name shard 2.
pub fn shard_index(id: &str) -> Option<u32> {
    let digits = id.split_once('-').map_or(id, |(_, rest)| rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok().filter(|i| *i <= i32::MAX as u32)
}
