//! What a cloud keeps under many orders: every store that grows per order stays within its
//! configured cap, and what has a retention period goes when the cloud's clock passes it.
//! Deterministic: paused tokio time, caps and order counts, no wall-clock bounds.

use orderly_local::runtime::LocalCloud;
use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::faults::NoFaults;
use orderly_local::runtime::retention::Retention;
use orderly_local::scenarios::{ScenarioEnv, entries, settled, start_cloud_retaining, wait_until};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cloud(retention: Retention) -> LocalCloud {
    let cloud = start_cloud_retaining(&ScenarioEnv::at(root()), Arc::new(NoFaults), retention)
        .expect("the cloud starts");
    cloud
        .inner
        .world
        .stock
        .set_available("BOOK-0001", 1_000_000)
        .expect("the stock is set");
    cloud
        .inner
        .world
        .stock
        .set_available("TOY-0001", 1_000_000)
        .expect("the stock is set");
    cloud
}

/// Orders `from..to`, each the happy path with its own ids, then waits until all shipped.
async fn put_orders(cloud: &LocalCloud, from: usize, to: usize) {
    let template = entries(&root(), "happy-path").expect("the scenario");
    let first = template.first().expect("an entry");
    for chunk in (from..to).collect::<Vec<_>>().chunks(10) {
        let batch: Vec<PutEventsEntry> = chunk
            .iter()
            .map(|i| {
                let mut entry = first.clone();
                entry.detail = first.detail.as_ref().map(|d| {
                    d.replace("o-happy-1", &format!("o-ret-{i}"))
                        .replace("idem-happy-1", &format!("idem-ret-{i}"))
                        .replace("corr-happy-1", &format!("corr-ret-{i}"))
                });
                entry
            })
            .collect();
        let results = cloud.inner.put_events(&batch);
        assert!(
            results.iter().all(|r| r.error_code.is_none()),
            "{results:?}"
        );
    }
    let settled = wait_until(&cloud.inner, |c| {
        settled(c) && c.world.shipments.len() >= to
    })
    .await;
    assert!(settled, "orders up to {to} did not settle");
}

fn small_caps() -> Retention {
    let mut retention = Retention::default();
    retention.executions.max_closed = 7;
    retention.max_log_lines = 400;
    retention.trace.max_hops = 150;
    retention
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_store_of_the_cloud_stays_within_its_cap_however_many_orders() {
    let cloud = cloud(small_caps());
    let inner = &cloud.inner;
    for round in 0..6 {
        put_orders(&cloud, round * 20, (round + 1) * 20).await;
        let footprint = inner.footprint();
        assert!(footprint.get("executions") <= 7, "{footprint}");
        assert!(footprint.get("log_lines") <= 400, "{footprint}");
        assert!(footprint.get("trace_hops") <= 150, "{footprint}");
        assert_eq!(footprint.get("executions.traced"), 0, "{footprint}");
        assert_eq!(footprint.get("task_tokens"), 0, "{footprint}");
        assert_eq!(footprint.get("background_tasks"), 0, "{footprint}");
    }
    // The executions kept are the newest: the last orders'.
    let kept: Vec<String> = inner
        .executions()
        .iter()
        .map(|e| e.correlation_id.clone())
        .collect();
    let newest: Vec<String> = (113..120).map(|i| format!("corr-ret-{i}")).collect();
    assert_eq!(kept, newest);
    // An order whose execution has gone is still traced and logged while its lines last.
    assert!(!inner.trace.of("corr-ret-119").is_empty());
    assert!(!inner.logs.correlated("corr-ret-119").is_empty());
    assert!(inner.logs.correlated("corr-ret-0").is_empty());
    assert!(inner.trace.recorded() > inner.trace.len());
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn closed_executions_go_after_their_retention_period_on_the_cloud_clock() {
    let mut retention = Retention::default();
    retention.executions.closed_ms = 60 * 60 * 1000;
    let cloud = cloud(retention);
    put_orders(&cloud, 0, 3).await;
    // Each order's execution and its nested shipment quote.
    assert_eq!(cloud.inner.executions().len(), 3 * 2);
    let arns: Vec<String> = cloud
        .inner
        .executions()
        .into_iter()
        .map(|e| e.arn)
        .collect();
    tokio::time::advance(Duration::from_secs(30 * 60)).await;
    cloud.inner.sfn.executions.sweep(cloud.inner.clock.now_ms());
    assert_eq!(
        cloud.inner.executions().len(),
        3 * 2,
        "kept within the period"
    );
    tokio::time::advance(Duration::from_secs(30 * 60)).await;
    cloud.inner.sfn.executions.sweep(cloud.inner.clock.now_ms());
    assert_eq!(cloud.inner.executions().len(), 0, "gone after the period");
    // A caller asking after one later is told what Step Functions tells it.
    for arn in &arns {
        let described = cloud.inner.execution(arn).map(|e| e.arn);
        assert_eq!(
            described.map_err(|e| e.code()),
            Err("ExecutionDoesNotExist")
        );
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn log_groups_keep_their_retention_in_days_on_the_cloud_clock() {
    let cloud = cloud(Retention::default());
    let inner = &cloud.inner;
    // The template's log groups keep 14 days (LogRetentionDays).
    let days = inner
        .model
        .log_groups
        .values()
        .map(|g| g.retention_days)
        .collect::<Vec<_>>();
    assert!(
        !days.is_empty() && days.iter().all(|d| *d == Some(14)),
        "{days:?}"
    );
    put_orders(&cloud, 0, 2).await;
    let written = inner.logs.len();
    assert!(!inner.logs.correlated("corr-ret-0").is_empty());
    tokio::time::advance(Duration::from_secs(13 * 24 * 3600)).await;
    assert!(
        !inner.logs.correlated("corr-ret-0").is_empty(),
        "kept 13 days"
    );
    tokio::time::advance(Duration::from_secs(24 * 3600)).await;
    assert!(
        inner.logs.correlated("corr-ret-0").is_empty(),
        "gone after 14 days"
    );
    inner.logs.sweep();
    assert!(inner.logs.len() < written, "and freed");
    put_orders(&cloud, 2, 3).await;
    assert!(!inner.logs.correlated("corr-ret-2").is_empty());
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn idempotency_records_go_at_their_ttl_on_the_cloud_clock() {
    let cloud = cloud(Retention::default());
    let records = || cloud.inner.world.idempotency.len();
    put_orders(&cloud, 0, 10).await;
    let per_order = records() / 10;
    assert!(per_order > 0);
    // Records replay for an hour (the idempotency TTL); past it the next lock sweeps them.
    tokio::time::advance(Duration::from_secs(3600 + 2)).await;
    put_orders(&cloud, 10, 11).await;
    assert_eq!(
        records(),
        per_order,
        "only the last order's records are left"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_unread_dead_letter_queue_keeps_its_retention_period() {
    let cloud = cloud(Retention::default());
    let inner = &cloud.inner;
    let dlq_id = inner
        .model
        .queues
        .values()
        .find_map(|q| q.redrive.as_ref().map(|r| r.dead_letter_queue.clone()))
        .expect("a queue with a DLQ in the template");
    let dlq = inner.model.queues[&dlq_id].name.clone();
    let queue = inner.sqs.queue(&dlq).expect("the DLQ");
    let retention_s = u64::from(queue.config().message_retention_secs);
    let send = |body: &str| {
        queue
            .send(orderly_local::sqs::SendMessage::new(body))
            .expect("sent");
    };
    send("first");
    tokio::time::advance(Duration::from_secs(retention_s)).await;
    send("second");
    // Counted without a receive: the write itself dropped the expired message.
    assert_eq!(inner.footprint().get("sqs.dlq_messages"), 1);
}
