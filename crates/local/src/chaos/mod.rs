//! `orderly chaos`: a deterministic simulation of the whole system under injected faults.
//! Orders of every scenario family run through the real template, handlers and state
//! machine on the local cloud's virtual clock, while a seeded [`plan::FaultPlan`] duplicates
//! deliveries, crashes functions after their side effects, throttles, fails store calls and
//! PutEvents entries, lets tasks finish late, reorders and redelivers messages. At the end
//! of each wave [`invariants::check`] looks for any order the business would call wrong.
//!
//! Orders run in waves of a fresh cloud each, so memory stays bounded at any volume; the
//! orders of one wave arrive within a minute and compete for the same scarce SKUs.

pub mod invariants;
pub mod plan;
pub mod report;
pub mod traffic;

use crate::clock::TokioClock;
use crate::runtime::handlers::OrderlyHandlers;
use crate::runtime::{CloudInner, CloudOptions, LocalCloud, StartError};
use crate::sqs::SendMessage;
use crate::template::LoadOptions;
use invariants::Findings;
use plan::{FaultPlan, Rates, SplitMix64};
use report::Report;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use traffic::{Family, PlannedOrder, Wave, plan_wave, poison_body};

/// Where every wave's virtual time starts: 2026-01-01T00:00:00Z.
const WAVE_EPOCH_MS: i64 = 1_767_225_600_000;

/// Orders per wave unless told otherwise (`orderly chaos --wave-size`).
pub const DEFAULT_WAVE_SIZE: usize = 500;

/// What to run.
#[derive(Debug, Clone)]
pub struct ChaosOptions {
    /// The template to run.
    pub template: PathBuf,
    /// How many orders, in all.
    pub orders: usize,
    /// The seed every draw of the run comes from.
    pub seed: u64,
    /// How often each fault strikes.
    pub rates: Rates,
    /// Orders per wave (per fresh cloud).
    pub wave_size: usize,
    /// Faults aimed at one site only: a function's logical id, a queue's name, a rule
    /// target's id, or a detail-type for PutEvents failures.
    pub only: std::collections::BTreeMap<crate::runtime::faults::Fault, String>,
    /// Where each wave's tables keep their items.
    pub tables: crate::runtime::world::TableStorage,
}

/// Why a run could not take place at all (as opposed to finding violations).
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    /// The cloud did not start from the template.
    #[error("the local cloud did not start: {0}")]
    Start(#[from] StartError),
    /// The template declares no bus to put orders on.
    #[error("the template declares no event bus")]
    NoBus,
}

/// Every order ends within this much virtual time: the 24-hour approval timeout, its
/// retries and the slowest redrive, with room to spare.
const SETTLE_BOUND_MS: i64 = 3 * 24 * 3_600_000;

/// Runs the whole simulation and reports what it found.
///
/// # Errors
///
/// [`ChaosError`] when the cloud cannot start.
pub async fn run(options: &ChaosOptions) -> Result<Report, ChaosError> {
    let mut report = Report::new(options);
    let wave_size = options.wave_size.max(1);
    let waves = options.orders.div_ceil(wave_size);
    for index in 0..waves {
        let count = wave_size.min(options.orders - index * wave_size);
        let (findings, struck, poison) = run_wave(options, index, count).await?;
        report.add_wave(findings, &struck, poison);
    }
    Ok(report)
}

/// The seed of one wave, mixed from the run's seed so waves differ.
fn wave_seed(seed: u64, wave: usize) -> u64 {
    SplitMix64::new(seed ^ (wave as u64).wrapping_mul(0xA076_1D64_78BD_642F)).next_u64()
}

async fn run_wave(
    options: &ChaosOptions,
    index: usize,
    count: usize,
) -> Result<
    (
        Findings,
        std::collections::BTreeMap<crate::runtime::faults::Fault, u64>,
        usize,
    ),
    ChaosError,
> {
    let mut random = SplitMix64::new(wave_seed(options.seed, index));
    let wave = plan_wave(&mut random, index, count);
    let plan = Arc::new(FaultPlan::aimed(
        random.next_u64(),
        options.rates,
        options.only.clone(),
    ));
    let cloud = LocalCloud::start(
        CloudOptions {
            template: options.template.clone(),
            load: LoadOptions::default(),
            // A fixed instant, not the wall clock: what runs on absolute time (the order
            // stream's one-minute windows, aligned to the epoch) must fall the same way in
            // every run of a seed.
            clock: Arc::new(TokioClock::starting_at(WAVE_EPOCH_MS)),
            log_dir: None,
            echo_logs: false,
            faults: plan.clone(),
            // The invariants read every execution, line and hop of the wave.
            retention: crate::runtime::retention::Retention::keeping_orders(count),
            tables: options.tables.clone(),
            background: crate::runtime::background::Background::default(),
        },
        Arc::new(OrderlyHandlers),
    )?;
    let inner = cloud.inner.clone();
    for (sku, quantity) in &wave.stock {
        inner
            .world
            .stock
            .set_available(sku, *quantity)
            .map_err(StartError::from)?;
    }
    let bus = inner.model.home_bus.clone().ok_or(ChaosError::NoBus)?;
    let start = inner.clock.now_ms();
    send_poison(&inner, &wave);
    let mut running = invariants::Running::default();
    for order in &wave.orders {
        running.observe(&inner, &wave);
        let wait = start + order.at_ms - inner.clock.now_ms();
        if wait > 0 {
            inner.clock.sleep_ms(wait).await;
        }
        let now = crate::clock::rfc3339_seconds(inner.clock.now_ms());
        put_until_accepted(&inner, order.order_created(&bus, &now)).await;
    }
    let settled = settle(&inner, &wave, &bus, start, &mut running).await;
    let findings = invariants::check(&inner, &wave, start, settled, &running);
    Ok((findings, plan.struck(), wave.poison))
}

/// Malformed messages, one per 200 orders, spread over the standard queues that have a
/// dead-letter queue: each must end there with its reason.
fn send_poison(cloud: &CloudInner, wave: &Wave) {
    let mut queues: Vec<String> = cloud
        .model
        .queues
        .values()
        .filter(|q| q.redrive.is_some() && !q.name.ends_with(".fifo"))
        .map(|q| q.name.clone())
        .collect();
    queues.sort();
    if queues.is_empty() {
        return;
    }
    for n in 0..wave.poison {
        if let Ok(queue) = cloud.sqs.queue(&queues[n % queues.len()]) {
            let _ = queue.send(SendMessage::new(poison_body(wave.index, n)));
        }
    }
}

/// Puts one entry as a client would: again, after a short wait, until the bus accepts it.
async fn put_until_accepted(cloud: &Arc<CloudInner>, entry: crate::runtime::bus::PutEventsEntry) {
    for _ in 0..100 {
        let results = cloud.put_events(std::slice::from_ref(&entry));
        if results.iter().all(|r| r.error_code.is_none()) {
            return;
        }
        cloud.clock.sleep_ms(200).await;
    }
}

/// Plays the approver and lets virtual time pass until every execution has ended and the
/// queues are drained, or the bound is reached. Answers whether the cloud settled.
async fn settle(
    cloud: &Arc<CloudInner>,
    wave: &Wave,
    bus: &str,
    start: i64,
    running: &mut invariants::Running,
) -> bool {
    let approvals: Vec<&PlannedOrder> = wave
        .orders
        .iter()
        .filter(|o| {
            matches!(
                o.family,
                Family::ApprovalApproved | Family::ApprovalRejected
            )
        })
        .collect();
    let mut answered: HashSet<&str> = HashSet::new();
    let mut step = Duration::from_millis(100);
    let mut hops = usize::MAX;
    loop {
        running.observe(cloud, wave);
        for order in &approvals {
            if !answered.contains(order.order_id.as_str())
                && cloud
                    .world
                    .approvals
                    .waiting(&order.order_id)
                    .unwrap_or(false)
            {
                let now = crate::clock::rfc3339_seconds(cloud.clock.now_ms());
                let approved = order.family == Family::ApprovalApproved;
                put_until_accepted(cloud, order.approval_decided(bus, approved, &now)).await;
                answered.insert(&order.order_id);
            }
        }
        if cloud.is_idle() && all_ended(cloud) {
            return true;
        }
        if cloud.clock.now_ms() - start > SETTLE_BOUND_MS {
            return false;
        }
        // Short steps while things happen, longer ones while everything waits (the
        // approval timeout), so a day of virtual time costs a few hundred looks.
        let now = cloud.trace.recorded();
        if now == hops {
            step = (step * 2).min(Duration::from_secs(600));
        } else {
            step = Duration::from_millis(100);
            hops = now;
        }
        tokio::time::sleep(step).await;
    }
}

fn all_ended(cloud: &CloudInner) -> bool {
    cloud.sfn.executions.all_ended()
}
