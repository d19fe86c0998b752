//! The recovery scenario: a consumer goes down, its messages end in its DLQ; once it is
//! "fixed" the DLQ is redriven and each order is shipped once; then a window of the bus
//! archive is replayed and nothing happens twice. Each step is what
//! [docs/operate.md](../../../../docs/operate.md) tells an operator to do.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::checks::{Checks, dead_letters};
use super::runner::{settled, wait_until};
use crate::archive::{ReplayRequest, ReplayState};
use crate::runtime::CloudInner;
use crate::runtime::faults::{Fault, Faults};

/// The consumer that goes down.
pub const DOWN_FUNCTION: &str = "ShipOrderFunction";
/// Its dead-letter queue.
const DOWN_DLQ: &str = "ShippingDlq";
const REPLAY_NAME: &str = "recovery-replay";

/// An outage the scenario turns on and off: while it lasts, Lambda throttles every
/// invocation of one function, so its queue's messages fail until they are dead-lettered.
pub struct Outage {
    function: &'static str,
    on: AtomicBool,
}

impl Outage {
    /// An outage of `function`, lasting from now (`on`) or not yet begun.
    pub fn new(function: &'static str, on: bool) -> Self {
        Self {
            function,
            on: AtomicBool::new(on),
        }
    }

    /// The fix: invocations go through again.
    pub fn end(&self) {
        self.on.store(false, Ordering::SeqCst);
    }
}

impl Faults for Outage {
    fn strike(&self, fault: Fault, site: &str) -> bool {
        fault == Fault::Throttle && site == self.function && self.on.load(Ordering::SeqCst)
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
                .any(|d| d.queue == DOWN_DLQ && d.body.contains(order))
    };
    let dead_lettered = wait_until(cloud, in_dlq).await;
    checks.check(
        dead_lettered,
        format!("while {DOWN_FUNCTION} is down, its message ends in {DOWN_DLQ}"),
    );
    let shipped = |c: &CloudInner| c.world.shipments.shipment_for(order).map(|s| s.is_some());
    checks.equal(
        shipped(cloud),
        Ok(false),
        "shipped while the consumer is down",
    );

    // The fix, then the redrive: each message back to the queue it came from.
    outage.end();
    let redriven = redrive(cloud);
    checks.check(
        redriven.is_ok(),
        format!("{DOWN_DLQ} redriven to its source ({redriven:?})"),
    );
    let done = wait_until(cloud, |c| settled(c) && shipped(c) == Ok(true)).await;
    checks.check(done, "the redriven message is processed");
    checks.equal(
        dead_letters(cloud)
            .iter()
            .filter(|d| d.queue == DOWN_DLQ)
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
fn redrive(cloud: &CloudInner) -> Result<(), String> {
    let dlq = cloud
        .model
        .queues
        .get(DOWN_DLQ)
        .ok_or_else(|| format!("no queue {DOWN_DLQ}"))?;
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
        .start_replay(ReplayRequest {
            name: REPLAY_NAME.to_owned(),
            description: None,
            archive_arn: archive.arn,
            start_ms: 0,
            end_ms: cloud.clock.now_ms() + 60_000,
            destination_arn: archive.config.source_arn,
            filter_arns: Vec::new(),
        })
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
