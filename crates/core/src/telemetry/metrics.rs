//! The metrics Orderly emits, named once here so that the emitters, the dashboard and
//! the alarms of template.yaml agree. Every record carries the `service` and `function`
//! dimensions; `reason` and `currency` are the only others, and their values are fixed
//! sets.

use super::emf::{MetricRecord, Unit};
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// An order was accepted and stored (place-order).
pub const ORDERS_PLACED: &str = "OrdersPlaced";
/// An OrderConfirmed event was seen once (audit).
pub const ORDERS_CONFIRMED: &str = "OrdersConfirmed";
/// An OrderFailed event was seen once (audit), under the `reason` dimension.
pub const ORDERS_FAILED: &str = "OrdersFailed";
/// An order waits for a person's decision (request-approval).
pub const APPROVALS_REQUESTED: &str = "ApprovalsRequested";
/// A payment authorization ran as a retry of an earlier attempt (authorize-payment).
pub const PAYMENT_RETRIES: &str = "PaymentRetries";
/// A duplicate delivery was answered from its idempotency record, not executed again.
pub const DUPLICATES_SUPPRESSED: &str = "DuplicatesSuppressed";
/// An SQS record that can never succeed (unparseable, invalid, or its handler panicked),
/// counted per delivery: it reaches its DLQ after the queue's maxReceiveCount.
pub const POISON_MESSAGES: &str = "PoisonMessages";
/// The first invocation of a function in this process (on Lambda: an execution
/// environment).
pub const COLD_START: &str = "ColdStart";
/// Records in one SQS batch.
pub const BATCH_SIZE: &str = "BatchSize";
/// Age of the oldest record of a batch when it was processed: now minus SQS's
/// `SentTimestamp`.
pub const RECORD_AGE: &str = "RecordAge";

/// Orders created in one tumbling window of the order stream (order-analytics).
pub const FUNNEL_PLACED: &str = "FunnelPlaced";
/// Orders confirmed in one window of the order stream.
pub const FUNNEL_CONFIRMED: &str = "FunnelConfirmed";
/// Orders failed in one window of the order stream, under the `reason` dimension.
pub const FUNNEL_FAILED: &str = "FunnelFailed";
/// What the orders confirmed in one window total, in minor units, under `currency`.
pub const FUNNEL_REVENUE: &str = "FunnelRevenue";
/// The median time from OrderCreated to OrderConfirmed of a window's orders.
pub const PLACED_TO_CONFIRMED_P50: &str = "PlacedToConfirmedP50";
/// The 99th percentile of that time.
pub const PLACED_TO_CONFIRMED_P99: &str = "PlacedToConfirmedP99";

/// The dimension that splits [`ORDERS_FAILED`] and [`FUNNEL_FAILED`].
pub const REASON: &str = "reason";
/// The dimension that splits [`FUNNEL_REVENUE`]: an ISO 4217 code of the fixed set the
/// domain accepts.
pub const CURRENCY: &str = "currency";

/// Emits `name` = `value` (a count) for `function`.
pub fn count(function: &str, name: &str, value: u64) {
    MetricRecord::new(function).count(name, value).emit();
}

/// Emits `name` = `value` for `function` under `reason`, a value from a fixed set.
pub fn count_by_reason(function: &str, name: &str, reason: &str, value: u64) {
    MetricRecord::new(function)
        .dimension(REASON, reason)
        .count(name, value)
        .emit();
}

/// Called at the start of every invocation: emits [`COLD_START`] the first time
/// `function` runs in this process, and nothing after. Returns whether this was it.
pub fn invocation(function: &str) -> bool {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    // Looked up before inserting: every invocation passes here, and only the first of a
    // function needs its name copied.
    let first = !seen.contains(function) && seen.insert(function.to_owned());
    drop(seen);
    if first {
        count(function, COLD_START, 1);
    }
    first
}

/// The record of one processed SQS batch: its size, the age of its oldest record, and
/// its poison records.
pub fn batch_record(
    function: &str,
    size: usize,
    oldest_age_ms: Option<u64>,
    poison: usize,
) -> MetricRecord {
    let mut record = MetricRecord::new(function)
        .count(BATCH_SIZE, size as u64)
        .count(POISON_MESSAGES, poison as u64);
    if let Some(age) = oldest_age_ms {
        record = record.metric(RECORD_AGE, age as f64, Unit::Milliseconds);
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cold_start_is_reported_once_per_function() {
        assert!(invocation("metrics-test-a"));
        assert!(!invocation("metrics-test-a"));
        assert!(invocation("metrics-test-b"));
    }

    #[test]
    fn a_batch_record_names_its_three_metrics() {
        let record = batch_record("audit", 10, Some(1500), 2).to_json(0);
        assert_eq!(record[BATCH_SIZE], 10);
        assert_eq!(record[POISON_MESSAGES], 2);
        assert_eq!(record[RECORD_AGE], 1500);
        let without_age = batch_record("audit", 0, None, 0).to_json(0);
        assert!(without_age.get(RECORD_AGE).is_none());
    }
}
