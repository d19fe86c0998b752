//! The order-stream scenario: the events of four orders reach the order stream (keyed by
//! order id) beside one record that is no order event. order-analytics counts each
//! window's funnel once per shard; the poison record is split out of its batch and, after
//! its retries, described to OrderAnalyticsDlq while the records around it are counted.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::checks::Checks;
use super::runner::{ScenarioError, entries, put, renamed};
use crate::runtime::CloudInner;
use crate::server::wire::Input;

/// The scenarios whose orders the stream carries here, each order renamed (`happy-1` to
/// `stream-happy-1`) so that no order of the demo is placed twice.
const ORDERS: &[(&str, &str)] = &[
    ("happy-path", "happy-1"),
    ("payment-declined", "declined-1"),
    ("out-of-stock", "oos-1"),
    ("duplicate-delivery", "dup-1"),
];

/// The partition key of the poison record: the first order's.
const POISON_KEY: &str = "o-stream-happy-1";

/// What the poison record carries: no JSON at all.
pub const POISON_RECORD: &[u8] = b"{not an order event";

/// Puts the poison record on the stream, on the first order's shard so that it leads that
/// shard's first batch, then the four orders' events on the bus.
pub(super) fn put_orders_and_poison(
    cloud: &Arc<CloudInner>,
    root: &Path,
    checks: &mut Checks,
) -> Result<(), ScenarioError> {
    let stream = cloud
        .model
        .streams
        .get("OrderStream")
        .and_then(|s| cloud.kinesis.stream(&s.name).ok());
    match stream {
        Some(stream) => {
            let put = stream.put(
                POISON_KEY,
                None,
                Arc::from(POISON_RECORD),
                cloud.clock.now_ms(),
            );
            checks.check(put.is_ok(), "the poison record is on the order stream");
        }
        None => checks.check(false, "the template has an OrderStream"),
    }
    for (name, order) in ORDERS {
        let entries = renamed(entries(root, name)?, order, &format!("stream-{order}"));
        put(cloud, &entries, checks);
    }
    Ok(())
}

/// The funnel of every window result the analytics table holds, summed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Totals {
    /// Window results written.
    pub windows: usize,
    /// Orders created.
    pub placed: u64,
    /// Orders confirmed.
    pub confirmed: u64,
    /// Orders failed, by reason.
    pub failed: BTreeMap<String, u64>,
    /// Revenue, by currency, in minor units.
    pub revenue: BTreeMap<String, i64>,
}

/// What the analytics table holds, read as a person would (a Scan).
pub fn totals(cloud: &Arc<CloudInner>) -> Totals {
    let mut totals = Totals::default();
    let Some(table) = cloud.model.tables.get("AnalyticsTable") else {
        return totals;
    };
    let mut input = Map::new();
    input.insert("TableName".into(), table.name.clone().into());
    let Ok(answer) = crate::server::dynamodb::dispatch(cloud, "Scan", &Input::from_map(input))
    else {
        return totals;
    };
    let number = |v: &Value| {
        v["N"]
            .as_str()
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or(0)
    };
    for item in answer["Items"].as_array().into_iter().flatten() {
        totals.windows += 1;
        totals.placed += number(&item["placed"]) as u64;
        totals.confirmed += number(&item["confirmed"]) as u64;
        for (reason, n) in item["failed"]["M"].as_object().into_iter().flatten() {
            *totals.failed.entry(reason.clone()).or_default() += number(n) as u64;
        }
        for (currency, n) in item["revenue"]["M"].as_object().into_iter().flatten() {
            *totals.revenue.entry(currency.clone()).or_default() += number(n);
        }
    }
    totals
}

/// The destination's records: what order-analytics gave up on.
fn discarded(cloud: &CloudInner) -> Vec<Value> {
    let Some(queue) = cloud
        .model
        .queues
        .get("OrderAnalyticsDlq")
        .and_then(|q| cloud.sqs.queue(&q.name).ok())
    else {
        return Vec::new();
    };
    queue
        .peek_all()
        .iter()
        .filter_map(|m| serde_json::from_str(&m.body).ok())
        .collect()
}

/// Every order's windows are counted and the poison record has reached the destination.
pub fn counted(cloud: &CloudInner) -> bool {
    let Some(cloud) = cloud.world.cloud().upgrade() else {
        return false;
    };
    let t = totals(&cloud);
    let ended = t.confirmed + t.failed.values().sum::<u64>();
    t.placed >= ORDERS.len() as u64 && ended >= ORDERS.len() as u64 && !discarded(&cloud).is_empty()
}

/// The checks of the scenario; its final state is the funnel, in a line.
pub(super) fn expect(cloud: &CloudInner, checks: &mut Checks) -> String {
    let Some(cloud) = cloud.world.cloud().upgrade() else {
        checks.check(false, "the cloud is running");
        return String::new();
    };
    let t = totals(&cloud);
    checks.equal(
        t.placed,
        4,
        "orders placed (the duplicate OrderCreated counted once)",
    );
    checks.equal(t.confirmed, 2, "orders confirmed");
    checks.equal(
        t.failed.clone(),
        BTreeMap::from([
            ("OutOfStock".to_owned(), 1),
            ("PaymentDeclined".to_owned(), 1),
        ]),
        "orders failed, by reason",
    );
    let discarded = discarded(&cloud);
    checks.equal(discarded.len(), 1, "stream batches discarded");
    if let Some(record) = discarded.first() {
        checks.equal(
            record["KinesisBatchInfo"]["batchSize"].as_u64(),
            Some(1),
            "the poison record was split out alone",
        );
        checks.equal(
            record["requestContext"]["condition"].as_str(),
            Some("RetryAttemptsExhausted"),
            "why it was discarded",
        );
    }
    format!(
        "{} placed, {} confirmed, {} failed",
        t.placed,
        t.confirmed,
        t.failed.values().sum::<u64>()
    )
}

/// The window results of the analytics table, a line each, for the demo to print.
pub fn window_lines(cloud: &Arc<CloudInner>) -> Vec<String> {
    let Some(table) = cloud.model.tables.get("AnalyticsTable") else {
        return Vec::new();
    };
    let mut input = Map::new();
    input.insert("TableName".into(), table.name.clone().into());
    let Ok(answer) = crate::server::dynamodb::dispatch(cloud, "Scan", &Input::from_map(input))
    else {
        return Vec::new();
    };
    let text = |v: &Value| {
        v["S"]
            .as_str()
            .or(v["N"].as_str())
            .unwrap_or("-")
            .to_owned()
    };
    let pairs = |v: &Value| {
        let pairs: Vec<String> = v["M"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, n)| format!("{k} {}", text(n)))
            .collect();
        if pairs.is_empty() {
            "-".to_owned()
        } else {
            pairs.join(", ")
        }
    };
    // Minor units as the currency's major units: EUR 6999 is EUR 69.99.
    let money = |v: &Value| {
        let amounts: Vec<String> = v["M"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(currency, n)| {
                let minor: i64 = text(n).parse().unwrap_or(0);
                format!("{currency} {}.{:02}", minor / 100, (minor % 100).abs())
            })
            .collect();
        if amounts.is_empty() {
            "-".to_owned()
        } else {
            amounts.join(", ")
        }
    };
    let mut lines: Vec<String> = answer["Items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| {
            let latency = &item["placedToConfirmed"]["M"];
            format!(
                "{} {}  placed {}  confirmed {}  failed {}  revenue {}  placed→confirmed p50 {} ms p99 {} ms",
                text(&item["windowStart"]),
                text(&item["shardId"]),
                text(&item["placed"]),
                text(&item["confirmed"]),
                pairs(&item["failed"]),
                money(&item["revenue"]),
                text(&latency["p50Ms"]),
                text(&latency["p99Ms"]),
            )
        })
        .collect();
    lines.sort();
    for record in discarded(cloud) {
        let info = &record["KinesisBatchInfo"];
        lines.push(format!(
            "to OrderAnalyticsDlq ({}): {} record(s) of {} from {}",
            record["requestContext"]["condition"]
                .as_str()
                .unwrap_or("-"),
            info["batchSize"],
            info["shardId"].as_str().unwrap_or("-"),
            info["startSequenceNumber"].as_str().unwrap_or("-"),
        ));
    }
    lines
}
