//! Per-process cache of completed records: a hit costs no round trip.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;

use super::record::{DerivedStatus, IdempotencyRecord, RecordStatus};

/// LRU of completed records, keyed by record key.
///
/// In-progress records are never cached: their state changes under us. Completed ones only
/// change by expiring, which is checked on every read.
pub(crate) struct LocalCache {
    entries: Mutex<LruCache<String, IdempotencyRecord>>,
}

impl LocalCache {
    /// A cache of `capacity` entries, or `None` when the capacity is 0.
    pub(crate) fn new(capacity: usize) -> Option<Self> {
        NonZeroUsize::new(capacity).map(|c| Self {
            entries: Mutex::new(LruCache::new(c)),
        })
    }

    /// The live completed record of `key` at `now_ms`; an expired one is dropped.
    pub(crate) fn get(&self, key: &str, now_ms: i64) -> Option<IdempotencyRecord> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let live = entries
            .get(key)
            .map(|r| r.status_at(now_ms) == DerivedStatus::Completed)?;
        if live {
            entries.get(key).cloned()
        } else {
            entries.pop(key);
            None
        }
    }

    /// Remembers `record` if it is completed.
    pub(crate) fn put(&self, record: &IdempotencyRecord) {
        if record.status != RecordStatus::Completed {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.put(record.key.clone(), record.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: RecordStatus, expiration_s: i64) -> IdempotencyRecord {
        IdempotencyRecord {
            key: "k".into(),
            status,
            expiration_s,
            in_progress_expiration_ms: None,
            owner: "o".into(),
            response: Some("1".into()),
            payload_hash: None,
        }
    }

    #[test]
    fn never_caches_in_progress_records() {
        let cache = LocalCache::new(4).expect("capacity is not zero");
        cache.put(&record(RecordStatus::InProgress, 10));
        assert_eq!(cache.get("k", 0), None);
    }

    #[test]
    fn drops_expired_records_on_read() {
        let cache = LocalCache::new(4).expect("capacity is not zero");
        cache.put(&record(RecordStatus::Completed, 10));
        assert!(cache.get("k", 10_999).is_some());
        assert_eq!(cache.get("k", 11_000), None);
        // Dropped, not just hidden: going back in time does not bring it back.
        assert_eq!(cache.get("k", 0), None);
    }

    #[test]
    fn zero_capacity_turns_the_cache_off() {
        assert!(LocalCache::new(0).is_none());
    }
}
