//! The order funnel of one tumbling window and shard: a fold over the order events the
//! stream carries, and the result written when the window ends.

use std::collections::BTreeMap;

use orderly_core::lambda::TaskError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::histogram::Histogram;

/// The most orders a window keeps waiting for their confirmation, to time them: the state
/// Lambda carries is at most 1 MB, and 5,000 orders take about 200 KB of it. An order
/// created past the bound is counted but not timed.
pub const MAX_PENDING: usize = 5_000;

/// How many of the latest counted events a window remembers, to count a repeat once.
/// EventBridge delivers at least once, and a repeat follows its original closely; a
/// bounded memory keeps the state's size, and so each invocation's cost, flat.
pub const RECENT: usize = 256;

/// An order event as the bus puts it on the stream: the envelope fields the funnel reads.
#[derive(Debug, Clone, Deserialize)]
pub struct StreamedEvent {
    /// The bus event's id, for messages.
    pub id: String,
    /// `OrderCreated`, `OrderConfirmed`, `OrderFailed`; other kinds are not counted.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// The envelope's detail.
    pub detail: StreamedDetail,
}

/// The detail of a streamed event.
#[derive(Debug, Clone, Deserialize)]
pub struct StreamedDetail {
    /// The event's data.
    #[serde(default)]
    pub data: Value,
}

/// The funnel so far, carried between the invocations of a window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Funnel {
    /// Orders created.
    pub placed: u64,
    /// Orders confirmed.
    pub confirmed: u64,
    /// Orders failed, by reason.
    pub failed: BTreeMap<String, u64>,
    /// What the confirmed orders total, by currency, in minor units.
    pub revenue: BTreeMap<String, i64>,
    /// Orders created in this window and neither confirmed nor failed yet: when each
    /// arrived, epoch milliseconds (at most [`MAX_PENDING`]).
    pub pending: BTreeMap<String, i64>,
    /// How long the orders created and confirmed in this window took, in milliseconds.
    pub latencies: Histogram,
    /// The latest events counted (at most [`RECENT`]), as a 64-bit fingerprint of each
    /// kind and order: an order's event put on the stream again soon after, even as
    /// another bus event, counts once.
    pub recent: Vec<u64>,
}

impl Funnel {
    /// Counts one event that arrived at `arrival_ms`. An event that breaks its contract is
    /// refused before anything changes, so the state stays as it was.
    pub fn add(&mut self, event: &StreamedEvent, arrival_ms: i64) -> Result<(), TaskError> {
        let kind = event.detail_type.as_str();
        if !matches!(kind, "OrderCreated" | "OrderConfirmed" | "OrderFailed") {
            return Ok(());
        }
        let data = &event.detail.data;
        let text = |field: &str| {
            data.get(field).and_then(Value::as_str).ok_or_else(|| {
                TaskError::InvalidInput(format!("{kind} event {} has no {field}", event.id))
            })
        };
        let order_id = text("orderId")?.to_owned();
        // An order is created, confirmed or failed once: the same event put twice, or a
        // second OrderCreated of one order, counts once.
        let fingerprint = fingerprint(&format!("{kind}#{order_id}"));
        let repeated = self.recent.contains(&fingerprint)
            || (kind == "OrderCreated" && self.pending.contains_key(&order_id));
        if repeated {
            return Ok(());
        }
        match kind {
            "OrderCreated" => {
                self.placed += 1;
                if self.pending.len() < MAX_PENDING {
                    self.pending.insert(order_id, arrival_ms);
                }
            }
            "OrderConfirmed" => {
                let total = data.get("total").ok_or_else(|| {
                    TaskError::InvalidInput(format!(
                        "OrderConfirmed event {} has no total",
                        event.id
                    ))
                })?;
                let (Some(amount), Some(currency)) = (
                    total.get("amount").and_then(Value::as_i64),
                    total.get("currency").and_then(Value::as_str),
                ) else {
                    return Err(TaskError::InvalidInput(format!(
                        "OrderConfirmed event {} has no total amount and currency",
                        event.id
                    )));
                };
                let sum = self
                    .revenue
                    .get(currency)
                    .copied()
                    .unwrap_or(0)
                    .checked_add(amount)
                    .ok_or_else(|| {
                        TaskError::InvalidInput(format!("{currency} revenue overflows"))
                    })?;
                self.revenue.insert(currency.to_owned(), sum);
                self.confirmed += 1;
                if let Some(placed_ms) = self.pending.remove(&order_id) {
                    self.latencies.record((arrival_ms - placed_ms).max(0));
                }
            }
            _ => {
                let reason = text("reason")?.to_owned();
                *self.failed.entry(reason).or_default() += 1;
                self.pending.remove(&order_id);
            }
        }
        if self.recent.len() == RECENT {
            self.recent.remove(0);
        }
        self.recent.push(fingerprint);
        Ok(())
    }

    /// The window's result, as the analytics table keeps it.
    pub fn result(&self, shard_id: &str, start_ms: i64, end_ms: i64) -> WindowResult {
        WindowResult {
            window_id: format!(
                "{shard_id}#{}",
                orderly_core::clock::rfc3339_seconds(start_ms)
            ),
            shard_id: shard_id.to_owned(),
            window_start: orderly_core::clock::rfc3339_seconds(start_ms),
            window_end: orderly_core::clock::rfc3339_seconds(end_ms),
            placed: self.placed,
            confirmed: self.confirmed,
            failed: self.failed.clone(),
            revenue: self.revenue.clone(),
            placed_to_confirmed: Latency {
                count: self.latencies.count(),
                p50_ms: self.latencies.percentile(50),
                p99_ms: self.latencies.percentile(99),
            },
        }
    }
}

/// FNV-1a, 64 bits: stable across processes and releases, unlike the standard hasher.
fn fingerprint(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One window's funnel, written once per shard and window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowResult {
    /// The table's key: `shardId#windowStart`.
    pub window_id: String,
    /// The shard the window's records came from.
    pub shard_id: String,
    /// The window's start, RFC 3339 UTC.
    pub window_start: String,
    /// Its end (exclusive).
    pub window_end: String,
    /// Orders created.
    pub placed: u64,
    /// Orders confirmed.
    pub confirmed: u64,
    /// Orders failed, by reason.
    pub failed: BTreeMap<String, u64>,
    /// Revenue of the confirmed orders, by currency, in minor units.
    pub revenue: BTreeMap<String, i64>,
    /// How long orders created and confirmed in the window took.
    pub placed_to_confirmed: Latency,
}

/// Placed-to-confirmed times of a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    /// Orders timed.
    pub count: u64,
    /// The median, milliseconds (to 5 %).
    pub p50_ms: Option<i64>,
    /// The 99th percentile, milliseconds (to 5 %).
    pub p99_ms: Option<i64>,
}
