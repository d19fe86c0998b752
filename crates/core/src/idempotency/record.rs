//! The idempotency record as stored, and the rules that read it.

use super::clock::seconds_of;

/// The status written to the store. `EXPIRED` is never written: it is derived on read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RecordStatus {
    /// A lock is held by the invocation named in [`IdempotencyRecord::owner`].
    InProgress,
    /// The body finished; [`IdempotencyRecord::response`] holds its result.
    Completed,
}

impl RecordStatus {
    /// The stored spelling, shared by every store so their records are interchangeable.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::InProgress => "INPROGRESS",
            RecordStatus::Completed => "COMPLETED",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "INPROGRESS" => Some(RecordStatus::InProgress),
            "COMPLETED" => Some(RecordStatus::Completed),
            _ => None,
        }
    }
}

/// The status of a record as seen at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerivedStatus {
    /// Locked by a live lease.
    InProgress,
    /// Completed and within its expiry window.
    Completed,
    /// Past its expiry window, or an in-progress lock whose lease ran out: free to take over.
    Expired,
}

/// One idempotency record.
///
/// Units are kept apart on purpose: [`expiration_s`](Self::expiration_s) is epoch
/// **seconds** because it is the table's TTL attribute, while
/// [`in_progress_expiration_ms`](Self::in_progress_expiration_ms) is epoch
/// **milliseconds** because a Lambda's remaining time is measured in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdempotencyRecord {
    /// The hashed key, prefixed with the engine's name (`name#sha256hex`).
    pub key: String,
    /// Stored status.
    pub status: RecordStatus,
    /// End of the record's life, epoch seconds (TTL attribute `expiration`).
    pub expiration_s: i64,
    /// End of the in-progress lease, epoch milliseconds (`in_progress_expiration`).
    pub in_progress_expiration_ms: Option<i64>,
    /// Random token of the invocation that took the lock; fences complete and delete.
    pub owner: String,
    /// The body's result as JSON text; always present once completed, even for `null`.
    pub response: Option<String>,
    /// Hash of the selected payload fields, when payload validation is on.
    pub payload_hash: Option<String>,
}

/// Attribute names shared by the stores, so records look the same in every table.
pub mod attr {
    /// Partition key (S).
    pub const ID: &str = "id";
    /// Record expiry, epoch seconds (N); the table's TTL attribute.
    pub const EXPIRATION: &str = "expiration";
    /// Lease expiry, epoch milliseconds (N).
    pub const IN_PROGRESS_EXPIRATION: &str = "in_progress_expiration";
    /// `INPROGRESS` or `COMPLETED` (S).
    pub const STATUS: &str = "status";
    /// Stored response, JSON text (S).
    pub const DATA: &str = "data";
    /// Payload validation hash (S).
    pub const VALIDATION: &str = "validation";
    /// Owner token of the lock (S).
    pub const OWNER: &str = "owner";
}

/// DynamoDB's maximum item size, which every store enforces so they fail alike.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

impl IdempotencyRecord {
    /// The record's status at `now_ms` (epoch milliseconds).
    pub fn status_at(&self, now_ms: i64) -> DerivedStatus {
        if self.expiration_s < seconds_of(now_ms) {
            return DerivedStatus::Expired;
        }
        match self.status {
            RecordStatus::Completed => DerivedStatus::Completed,
            RecordStatus::InProgress => match self.in_progress_expiration_ms {
                Some(lease_end) if lease_end < now_ms => DerivedStatus::Expired,
                _ => DerivedStatus::InProgress,
            },
        }
    }

    /// Whether a new lock may replace this record at `now_ms`.
    ///
    /// This is the lock condition, word for word, that the DynamoDB store sends:
    /// `attribute_not_exists(#id) OR #expiry < :now OR (#status = :inprogress AND
    /// attribute_exists(#in_progress_expiry) AND #in_progress_expiry < :now_ms)`
    /// (the first clause is the caller's: there is no record).
    pub fn can_be_taken_over_at(&self, now_ms: i64) -> bool {
        self.expiration_s < seconds_of(now_ms)
            || (self.status == RecordStatus::InProgress
                && self
                    .in_progress_expiration_ms
                    .is_some_and(|lease_end| lease_end < now_ms))
    }

    /// The item size as DynamoDB counts it: attribute name bytes plus value bytes, numbers
    /// taking at most 21 bytes. An upper bound is enough to refuse an item before sending it.
    pub fn item_size(&self) -> usize {
        fn string(name: &str, value: &str) -> usize {
            name.len() + value.len()
        }
        fn number(name: &str, value: i64) -> usize {
            // DynamoDB stores about one byte per two significant digits plus one.
            let digits = value.unsigned_abs().checked_ilog10().unwrap_or(0) as usize + 1;
            name.len() + digits.div_ceil(2) + 1
        }
        let mut size = string(attr::ID, &self.key)
            + string(attr::STATUS, self.status.as_str())
            + number(attr::EXPIRATION, self.expiration_s)
            + string(attr::OWNER, &self.owner);
        if let Some(ms) = self.in_progress_expiration_ms {
            size += number(attr::IN_PROGRESS_EXPIRATION, ms);
        }
        if let Some(response) = &self.response {
            size += string(attr::DATA, response);
        }
        if let Some(hash) = &self.payload_hash {
            size += string(attr::VALIDATION, hash);
        }
        size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: RecordStatus, expiration_s: i64, lease: Option<i64>) -> IdempotencyRecord {
        IdempotencyRecord {
            key: "k".into(),
            status,
            expiration_s,
            in_progress_expiration_ms: lease,
            owner: "o".into(),
            response: None,
            payload_hash: None,
        }
    }

    #[test]
    fn derived_status_table() {
        use DerivedStatus as D;
        use RecordStatus as S;
        let now_ms = 1_700_000_000_500;
        let now_s = 1_700_000_000;
        let cases = [
            // (stored, expiration_s, lease_ms, expected, takeover)
            (S::Completed, now_s + 10, None, D::Completed, false),
            (S::Completed, now_s, None, D::Completed, false), // same second is still live
            (S::Completed, now_s - 1, None, D::Expired, true),
            (
                S::InProgress,
                now_s + 10,
                Some(now_ms + 1),
                D::InProgress,
                false,
            ),
            (
                S::InProgress,
                now_s + 10,
                Some(now_ms),
                D::InProgress,
                false,
            ), // lease ends after this ms
            (
                S::InProgress,
                now_s + 10,
                Some(now_ms - 1),
                D::Expired,
                true,
            ),
            (S::InProgress, now_s + 10, None, D::InProgress, false), // no lease: only TTL frees it
            (
                S::InProgress,
                now_s - 1,
                Some(now_ms + 10_000),
                D::Expired,
                true,
            ),
            // A completed record's old lease never frees it.
            (
                S::Completed,
                now_s + 10,
                Some(now_ms - 1),
                D::Completed,
                false,
            ),
        ];
        for (stored, exp, lease, expected, takeover) in cases {
            let r = record(stored, exp, lease);
            assert_eq!(r.status_at(now_ms), expected, "{r:?}");
            assert_eq!(r.can_be_taken_over_at(now_ms), takeover, "{r:?}");
        }
    }

    #[test]
    fn item_size_counts_names_and_values() {
        let mut r = record(RecordStatus::Completed, 1_700_000_000, None);
        let base = r.item_size();
        r.response = Some("x".repeat(1000));
        assert_eq!(r.item_size(), base + attr::DATA.len() + 1000);
    }

    #[test]
    fn status_spelling_round_trips() {
        for s in [RecordStatus::InProgress, RecordStatus::Completed] {
            assert_eq!(RecordStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(RecordStatus::parse("EXPIRED"), None);
    }
}
