//! The recovery scenarios, each step what docs/operate.md tells an operator to do:
//! - `recovery`: a consumer goes down, its messages end in its DLQ; once it is "fixed"
//!   the DLQ is redriven and each order is shipped once; then a window of the bus archive
//!   is replayed and nothing happens twice;
//! - `redrive`: the bus refuses an order's OrderFailed event until the workflow fails on
//!   it; once the bus is back the execution is redriven, publishes, and succeeds without
//!   running its finished steps again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::checks::{Checks, dead_letters, executions_of};
use super::runner::{settled, wait_until};
use super::table::Kind;
use crate::archive::{ReplayRequest, ReplayState};
use crate::runtime::CloudInner;
use crate::runtime::faults::{Fault, Faults};

const SHIPPING_DLQ: &str = "ShippingDlq";
const REPLAY_NAME: &str = "recovery-replay";
/// The state the redrive scenario's workflow fails in.
const FAILED_STATE: &str = "PublishOrderFailed";

/// An outage the scenario turns on and off: while it lasts, its faults strike at their
/// sites (a function Lambda throttles, a detail-type PutEvents refuses).
pub struct Outage {
    sites: Vec<(Fault, &'static str)>,
    on: AtomicBool,
    /// Each site strikes once (a crash, a duplicate), not until the outage ends.
    once: bool,
    struck: std::sync::Mutex<Vec<(Fault, &'static str)>>,
}

impl Outage {
    /// The outage of `kind`'s scenario, lasting from the start; none for the others.
    pub fn of(kind: Kind) -> Self {
        let sites = match kind {
            Kind::Recovery => vec![(Fault::Throttle, "ShipOrderFunction")],
            Kind::Redrive => vec![(Fault::PutEventsFailure, "OrderFailed")],
            Kind::Outbox => vec![
                (Fault::Crash, "PlaceOrderFunction"),
                (Fault::Duplicate, "OrderOutboxPipe"),
            ],
            _ => Vec::new(),
        };
        Self {
            on: AtomicBool::new(!sites.is_empty()),
            once: kind == Kind::Outbox,
            struck: std::sync::Mutex::new(Vec::new()),
            sites,
        }
    }

    /// The fix: everything goes through again.
    pub fn end(&self) {
        self.on.store(false, Ordering::SeqCst);
    }
}

impl Faults for Outage {
    fn strike(&self, fault: Fault, site: &str) -> bool {
        let Some(&aimed) = self.sites.iter().find(|s| **s == (fault, site)) else {
            return false;
        };
        if !self.on.load(Ordering::SeqCst) {
            return false;
        }
        if !self.once {
            return true;
        }
        let mut struck = self.struck.lock().unwrap_or_else(|p| p.into_inner());
        if struck.contains(&aimed) {
            return false;
        }
        struck.push(aimed);
        true
    }
    fn delay_ms(&self, _max_ms: i64) -> i64 {
        0
    }
}

/// What an order leaves that must happen once, as a comparable list.
fn effects(cloud: &CloudInner, order: &str) -> Vec<String> {
    let world = &cloud.world;
    let mut out = vec![
        format!("authorizations {:?}", world.payments.authorizations(order)),
        format!("voids {:?}", world.payments.voids(order)),
        format!("shipments {}", world.shipments.len()),
        format!("notifications {}", world.notifier.len()),
        format!("audit entries {}", world.audit.len()),
    ];
    for (sku, _) in &world.seed {
        out.push(format!("{sku} {:?}", world.stock.available(sku)));
    }
    out
}

/// Runs the recovery after the order was put with the outage on: waits for the DLQ, ends
/// the outage, redrives, then replays the archive.
pub(super) async fn recover(
    cloud: &Arc<CloudInner>,
    outage: &Outage,
    order: &str,
    checks: &mut Checks,
) {
    let in_dlq = |c: &CloudInner| {
        settled(c)
            && dead_letters(c)
                .iter()
                .any(|d| d.queue == SHIPPING_DLQ && d.body.contains(order))
    };
    let dead_lettered = wait_until(cloud, in_dlq).await;
    checks.check(
        dead_lettered,
        format!("while ship-order is throttled, its message ends in {SHIPPING_DLQ}"),
    );
    let shipped = |c: &CloudInner| c.world.shipments.shipment_for(order).map(|s| s.is_some());
    checks.equal(
        shipped(cloud),
        Ok(false),
        "shipped while the consumer is down",
    );

    // The fix, then the redrive: each message back to the queue it came from.
    outage.end();
    let redriven = redrive_dlq(cloud);
    checks.check(
        redriven.is_ok(),
        format!("{SHIPPING_DLQ} redriven to its source ({redriven:?})"),
    );
    let done = wait_until(cloud, |c| settled(c) && shipped(c) == Ok(true)).await;
    checks.check(done, "the redriven message is processed");
    checks.equal(
        dead_letters(cloud)
            .iter()
            .filter(|d| d.queue == SHIPPING_DLQ)
            .count(),
        0,
        "messages left in the DLQ",
    );

    // A replay of every archived event to every rule: nothing happens twice.
    let before = effects(cloud, order);
    let replayed = replay(cloud).await;
    checks.check(
        replayed.is_ok(),
        format!("the archive's window replayed ({replayed:?})"),
    );
    checks.equal(
        effects(cloud, order),
        before,
        "effects after the replay (payments, shipments, e-mails, audit, stock)",
    );
}

/// StartMessageMoveTask on the DLQ, stepped until it has moved everything.
fn redrive_dlq(cloud: &CloudInner) -> Result<(), String> {
    let dlq = cloud
        .model
        .queues
        .get(SHIPPING_DLQ)
        .ok_or_else(|| format!("no queue {SHIPPING_DLQ}"))?;
    cloud
        .sqs
        .start_message_move_task(&dlq.arn, None, None)
        .map_err(|e| e.to_string())?;
    while cloud.sqs.advance_move_tasks() {}
    Ok(())
}

/// Replays every event the bus archive holds, and waits until the replay has completed
/// and the cloud has settled. Answers how many events were replayed.
async fn replay(cloud: &Arc<CloudInner>) -> Result<usize, String> {
    let archive = cloud
        .archives
        .list()
        .into_iter()
        .next()
        .ok_or("the template has no archive")?;
    let (_, must_step) = cloud
        .archives
        .start_replay(
            ReplayRequest {
                name: REPLAY_NAME.to_owned(),
                description: None,
                archive_arn: archive.arn,
                start_ms: 0,
                end_ms: cloud.clock.now_ms() + 60_000,
                destination_arn: archive.config.source_arn,
                filter_arns: Vec::new(),
            },
            |_| true,
        )
        .map_err(|e| e.to_string())?;
    if must_step {
        cloud.step_replays();
    }
    let completed = |c: &CloudInner| {
        c.archives
            .describe_replay(REPLAY_NAME)
            .is_ok_and(|r| r.state == ReplayState::Completed)
    };
    if !wait_until(cloud, |c| completed(c) && settled(c)).await {
        return Err("the replay did not complete".to_owned());
    }
    Ok(archive.event_count)
}

/// How often the execution entered each state, as its history says.
fn states_entered(cloud: &CloudInner, arn: &str) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    let history = cloud
        .execution(arn)
        .map(|e| e.history())
        .unwrap_or_default();
    for event in history
        .iter()
        .filter(|e| e.event_type.ends_with("StateEntered"))
    {
        *counts
            .entry(event.state_name().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    counts
}

/// Runs the redrive after the order was put with the bus refusing OrderFailed: waits for
/// the execution to fail publishing it, ends the outage, redrives the execution.
pub(super) async fn redrive_execution(
    cloud: &Arc<CloudInner>,
    outage: &Outage,
    order: &str,
    checks: &mut Checks,
) {
    let ended = wait_until(cloud, settled).await;
    let failed = executions_of(cloud, order)
        .into_iter()
        .find(|e| e.status() == "FAILED");
    checks.check(
        ended && failed.is_some(),
        "while the bus refuses OrderFailed, the workflow fails publishing it",
    );
    let Some(failed) = failed else { return };
    if let Some(result) = &failed.result {
        checks.equal(
            result.error.as_deref(),
            Some("EventBridge.FailedEntry"),
            "the execution's error",
        );
    }
    let before = states_entered(cloud, &failed.arn);

    outage.end();
    let redriven = cloud.redrive_execution(&failed.arn, None);
    checks.check(
        redriven.is_ok(),
        format!("the failed execution is redriven ({redriven:?})"),
    );
    let done = wait_until(cloud, |c| {
        settled(c) && c.execution(&failed.arn).is_ok_and(|e| e.result.is_some())
    })
    .await;
    checks.check(done, "the redriven execution ends");
    // Only the state that failed runs again (and what follows it); every other state
    // entered before the redrive was entered as often after it.
    let after = states_entered(cloud, &failed.arn);
    let again: Vec<&String> = before
        .iter()
        .filter(|(state, count)| after.get(*state) != Some(*count))
        .map(|(state, _)| state)
        .collect();
    checks.equal(again, vec![&FAILED_STATE.to_owned()], "states run again");
    // The trace saw each state entry once: the redrive's, after the first run's.
    let traced = cloud
        .trace
        .of(&failed.correlation_id)
        .into_iter()
        .filter(|h| {
            matches!(&h.kind, crate::runtime::trace::HopKind::StateEntered { execution, .. }
                if *execution == failed.name)
        })
        .count();
    checks.equal(
        traced,
        after.values().sum::<usize>(),
        "state entries traced (one a history entry)",
    );
    let redrive_count = cloud
        .execution(&failed.arn)
        .ok()
        .and_then(|e| e.result.map(|r| r.redrive_count));
    checks.equal(redrive_count, Some(1), "redriveCount");
}
