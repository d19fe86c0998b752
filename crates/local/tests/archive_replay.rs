//! The template's archive and replays in a running cloud: every order event is archived,
//! a replay puts them back on the bus with `replay-name` for the rules it names only, is
//! never archived again, and — every consumer being idempotent — a replay of processed
//! orders has no second effect. Deterministic: paused tokio time on the virtual clock.

use orderly_local::archive::{ArchiveInfo, ReplayRequest, ReplayState};
use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::faults::NoFaults;
use orderly_local::runtime::retention::Retention;
use orderly_local::runtime::trace::HopKind;
use orderly_local::runtime::{CloudInner, LocalCloud};
use orderly_local::scenarios::{ScenarioEnv, entries, settled, start_cloud_retaining, wait_until};
use std::path::PathBuf;
use std::sync::Arc;

const ORDERS: usize = 12;
const SKUS: [&str; 2] = ["BOOK-0001", "TOY-0001"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cloud() -> LocalCloud {
    let cloud = start_cloud_retaining(
        &ScenarioEnv::at(root()),
        Arc::new(NoFaults),
        Retention::keeping_orders(ORDERS * 3),
    )
    .expect("the cloud starts");
    for sku in SKUS {
        cloud
            .inner
            .world
            .stock
            .set_available(sku, 1_000)
            .expect("the stock is set");
    }
    cloud
}

fn order_id(i: usize) -> String {
    format!("o-replay-{i}")
}

/// Puts `ORDERS` happy-path orders and waits until every one has shipped.
async fn processed_orders(cloud: &LocalCloud) {
    let template = entries(&root(), "happy-path").expect("the scenario");
    let first = template.first().expect("an entry");
    let batch: Vec<PutEventsEntry> = (0..ORDERS)
        .map(|i| {
            let mut entry = first.clone();
            entry.detail = first.detail.as_ref().map(|d| {
                d.replace("o-happy-1", &order_id(i))
                    .replace("idem-happy-1", &format!("idem-replay-{i}"))
                    .replace("corr-happy-1", &format!("corr-replay-{i}"))
            });
            entry
        })
        .collect();
    for chunk in batch.chunks(10) {
        let results = cloud.inner.put_events(chunk);
        assert!(
            results.iter().all(|r| r.error_code.is_none()),
            "{results:?}"
        );
    }
    let done = wait_until(&cloud.inner, |c| {
        settled(c) && c.world.shipments.len() >= ORDERS
    })
    .await;
    assert!(done, "the orders did not settle");
}

/// Everything an order leaves that must happen once: payments, stock, shipments, e-mails,
/// audit entries and the orders themselves.
fn effects(cloud: &CloudInner) -> Vec<(String, i64)> {
    let world = &cloud.world;
    let mut out = Vec::new();
    for i in 0..ORDERS {
        let id = order_id(i);
        let payments = &world.payments;
        out.push((
            format!("{id} authorizations"),
            i64::from(payments.authorizations(&id).expect("payments read")),
        ));
        out.push((
            format!("{id} voids"),
            i64::from(payments.voids(&id).expect("payments read")),
        ));
    }
    for sku in SKUS {
        let available = world.stock.available(sku).expect("stock read");
        out.push((format!("{sku} available"), available.unwrap_or(-1)));
    }
    out.push(("shipments".into(), world.shipments.len() as i64));
    out.push(("notifications".into(), world.notifier.len() as i64));
    out.push(("audit entries".into(), world.audit.len() as i64));
    out.push(("orders".into(), world.orders.len() as i64));
    out
}

fn template_archive(cloud: &CloudInner) -> ArchiveInfo {
    cloud
        .archives
        .list()
        .into_iter()
        .find(|a| a.config.name.ends_with("OrdersArchive"))
        .expect("the template's archive")
}

fn rule_arn(cloud: &CloudInner, logical_id: &str) -> String {
    cloud.model.rules[logical_id].arn.clone()
}

/// Replays the whole archive (every event up to now) to `filter_arns`, and waits until
/// the replay has completed and the cloud has settled.
async fn replay(cloud: &LocalCloud, name: &str, filter_arns: Vec<String>) {
    let inner = &cloud.inner;
    let archive = template_archive(inner);
    let (started, must_step) = inner
        .archives
        .start_replay(
            ReplayRequest {
                name: name.to_owned(),
                description: None,
                archive_arn: archive.arn,
                start_ms: 0,
                end_ms: inner.clock.now_ms() + 60_000,
                destination_arn: archive.config.source_arn,
                filter_arns,
            },
            |arn| inner.model.rules.values().any(|r| r.arn == arn),
        )
        .expect("the replay starts");
    assert_eq!(started.state, ReplayState::Starting);
    if must_step {
        inner.step_replays();
    }
    let done = wait_until(inner, |c| {
        settled(c)
            && c.archives
                .describe_replay(name)
                .is_ok_and(|r| r.state == ReplayState::Completed)
    })
    .await;
    assert!(done, "replay {name} did not complete");
}

/// How many events were put on the bus, and how many rule matches, as the trace recorded.
fn puts_and_matches(cloud: &CloudInner) -> (usize, usize) {
    let hops = cloud.trace.hops();
    let puts = hops
        .iter()
        .filter(|h| matches!(h.kind, HopKind::EventPut { .. }))
        .count();
    let matches = hops
        .iter()
        .filter(|h| matches!(h.kind, HopKind::RuleMatched { .. }))
        .count();
    (puts, matches)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_replay_of_processed_orders_has_no_second_effect() {
    let cloud = cloud();
    let inner = &cloud.inner;
    processed_orders(&cloud).await;
    let archived = template_archive(inner);
    // OrderCreated and OrderConfirmed of each order; ShipmentCreated is on shipping-bus.
    assert!(
        archived.event_count >= ORDERS * 2,
        "every order event is archived: {archived:?}"
    );
    let before = effects(inner);
    let (puts_before, matches_before) = puts_and_matches(inner);
    let executions = inner.executions().len();

    replay(&cloud, "all-rules", Vec::new()).await;

    assert!(
        inner.executions().len() > executions,
        "the replayed OrderCreated events start the order workflow again"
    );

    let (puts_after, matches_after) = puts_and_matches(inner);
    assert_eq!(
        puts_after - puts_before,
        archived.event_count,
        "each archived event is put once more"
    );
    assert!(
        matches_after > matches_before,
        "the replayed events reach the rules again"
    );
    assert_eq!(effects(inner), before, "a replay has no second effect");
    assert_eq!(
        template_archive(inner).event_count,
        archived.event_count,
        "replayed events are not archived again"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_replay_reaches_only_the_rules_it_names() {
    let cloud = cloud();
    let inner = &cloud.inner;
    processed_orders(&cloud).await;
    let executions = inner.executions().len();
    let (_, matches_before) = puts_and_matches(inner);

    // Audit's subscription on orders-bus: the replayed events cross to audit-bus, where
    // Audit's own rule takes them, and reach no other rule.
    replay(
        &cloud,
        "audit-only",
        vec![rule_arn(inner, "OrdersToAuditRule")],
    )
    .await;

    let replayed_rules: Vec<String> = inner
        .trace
        .hops()
        .into_iter()
        .filter_map(|h| match h.kind {
            HopKind::RuleMatched { rule } => Some(rule),
            _ => None,
        })
        .skip(matches_before)
        .collect();
    assert!(!replayed_rules.is_empty());
    assert!(
        replayed_rules
            .iter()
            .all(|r| r == "OrdersToAuditRule" || r == "AuditRule"),
        "only the named rule, and Audit's rule past it: {replayed_rules:?}"
    );
    assert!(replayed_rules.iter().any(|r| r == "AuditRule"));
    assert_eq!(
        inner.executions().len(),
        executions,
        "OrderCreatedRule was not named, so no workflow starts again"
    );
}
