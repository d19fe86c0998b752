//! The metrics page: the widgets of the template's CloudWatch dashboard, as far as the
//! local cloud has their data. The order funnel per minute from the EMF lines; function
//! invocations, errors and p50/p99 durations, and the latency of each hop of the flow,
//! from the trace; executions by status; queue and DLQ depths and oldest ages.

use super::{queues, workflows};
use crate::demo::latency;
use crate::runtime::CloudInner;
use crate::runtime::trace::HopKind;
use orderly_core::clock::rfc3339_ms;
use serde::Serialize;
use std::collections::BTreeMap;

/// The namespace the functions' EMF lines use.
const NAMESPACE: &str = "Orderly";

/// The funnel's three metrics.
const PLACED: &str = "OrdersPlaced";
const CONFIRMED: &str = "OrdersConfirmed";
const FAILED: &str = "OrdersFailed";

/// Everything the metrics page draws.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// The order funnel, one entry per minute that has any, oldest first.
    pub funnel: Vec<FunnelMinute>,
    /// The funnel over everything kept.
    pub totals: FunnelMinute,
    /// Every other metric of the namespace, summed.
    pub other: BTreeMap<String, f64>,
    /// Per function: invocations, errors, p50 and p99 durations.
    pub functions: Vec<Latency>,
    /// Per hop of the flow (put → rule, rule → target, execution, an order end to end).
    pub hops: Vec<Latency>,
    /// Executions by state machine and status.
    pub executions: BTreeMap<String, BTreeMap<&'static str, usize>>,
    /// Per queue: depth, in flight, oldest age; dead-letter queues flagged.
    pub queues: Vec<queues::QueueView>,
}

/// The funnel of one minute.
#[derive(Debug, Default, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct FunnelMinute {
    /// The minute's start, RFC 3339 (empty for the totals).
    pub minute: String,
    /// Orders placed.
    pub placed: f64,
    /// Orders confirmed.
    pub confirmed: f64,
    /// Orders failed, by reason.
    pub failed: BTreeMap<String, f64>,
}

/// Latency of one thing, from the trace.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    /// What was timed.
    pub name: String,
    /// How many samples.
    pub count: usize,
    /// How many of them failed (invocations only).
    pub errors: usize,
    /// The median, milliseconds.
    pub p50_ms: f64,
    /// The 99th percentile, milliseconds.
    pub p99_ms: f64,
}

/// Everything the metrics page draws, now.
pub fn summary(cloud: &CloudInner) -> Metrics {
    let (funnel, totals, other) = funnel(cloud);
    Metrics {
        funnel,
        totals,
        other,
        functions: functions(cloud),
        hops: hops(cloud),
        executions: workflows::list(cloud)
            .into_iter()
            .map(|w| (w.logical_id, w.executions))
            .collect(),
        queues: queues::rows(cloud),
    }
}

/// The funnel per minute and in total, and the namespace's other metrics summed.
fn funnel(cloud: &CloudInner) -> (Vec<FunnelMinute>, FunnelMinute, BTreeMap<String, f64>) {
    let metrics = crate::server::cloudwatch::all_metrics(cloud);
    let mut minutes: BTreeMap<i64, FunnelMinute> = BTreeMap::new();
    let mut totals = FunnelMinute::default();
    let mut other: BTreeMap<String, f64> = BTreeMap::new();
    for (id, points) in metrics.iter().filter(|(id, _)| id.namespace == NAMESPACE) {
        let reason = id
            .dimensions
            .iter()
            .find(|(name, _)| name == "reason")
            .map_or_else(|| "unknown".to_owned(), |(_, v)| v.clone());
        for point in points {
            let minute = minutes
                .entry(point.timestamp_ms.div_euclid(60_000) * 60_000)
                .or_default();
            for funnel in [&mut *minute, &mut totals] {
                match id.name.as_str() {
                    PLACED => funnel.placed += point.value,
                    CONFIRMED => funnel.confirmed += point.value,
                    FAILED => *funnel.failed.entry(reason.clone()).or_default() += point.value,
                    _ => {}
                }
            }
            if ![PLACED, CONFIRMED, FAILED].contains(&id.name.as_str()) {
                *other.entry(id.name.clone()).or_default() += point.value;
            }
        }
    }
    let funnel = minutes
        .into_iter()
        .filter(|(_, m)| m.placed + m.confirmed + m.failed.values().sum::<f64>() > 0.0)
        .map(|(start, mut m)| {
            m.minute = rfc3339_ms(start);
            m
        })
        .collect();
    (funnel, totals, other)
}

/// Invocations, errors and durations per function, from the trace.
fn functions(cloud: &CloudInner) -> Vec<Latency> {
    let mut by_function: BTreeMap<String, (Vec<u64>, usize)> = BTreeMap::new();
    for hop in cloud.trace.hops() {
        if let HopKind::Invoked {
            function,
            outcome,
            duration_us,
            ..
        } = hop.kind
        {
            let entry = by_function.entry(function).or_default();
            entry.0.push(duration_us);
            if outcome != "ok" {
                entry.1 += 1;
            }
        }
    }
    by_function
        .into_iter()
        .map(|(name, (samples, errors))| latency(name, &samples, errors))
        .collect()
}

/// The latency of each hop of the flow, from the trace.
fn hops(cloud: &CloudInner) -> Vec<Latency> {
    let mut samples = latency::Samples::new();
    latency::collect(cloud, &mut samples);
    samples
        .into_iter()
        .filter(|(name, _)| !name.starts_with("invoke "))
        .map(|(name, samples)| latency(name, &samples, 0))
        .collect()
}

fn latency(name: String, samples_us: &[u64], errors: usize) -> Latency {
    let ms = |p: f64| latency::percentile(samples_us, p) as f64 / 1000.0;
    Latency {
        name,
        count: samples_us.len(),
        errors,
        p50_ms: ms(50.0),
        p99_ms: ms(99.0),
    }
}
