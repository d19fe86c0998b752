//! The work behind the front door on a runtime of its own (as `orderly serve` runs it):
//! the backlog stays within its bound while orders arrive faster than their workflows run,
//! and every order admitted is fulfilled once the arrivals stop.

use orderly_local::runtime::background::{Background, runtime_at};
use orderly_local::runtime::bus::{PutEventsEntry, bus_name};
use orderly_local::runtime::handlers::OrderlyHandlers;
use orderly_local::runtime::{CloudOptions, LocalCloud};
use orderly_local::scenarios::{entries, settled};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn start(background: Background) -> LocalCloud {
    let cloud = LocalCloud::start(
        CloudOptions {
            background,
            ..CloudOptions::new(root().join("template.yaml"))
        },
        Arc::new(OrderlyHandlers),
    )
    .expect("the cloud starts");
    for sku in ["BOOK-0001", "TOY-0001"] {
        cloud
            .inner
            .world
            .stock
            .set_available(sku, 1_000_000)
            .expect("the stock is set");
    }
    cloud
}

/// The happy path's OrderCreated, made the order `i` of its own.
fn order(template: &PutEventsEntry, i: usize) -> PutEventsEntry {
    let mut entry = template.clone();
    entry.detail = template.detail.as_ref().map(|d| {
        d.replace("o-happy-1", &format!("o-bg-{i}"))
            .replace("idem-happy-1", &format!("idem-bg-{i}"))
            .replace("corr-happy-1", &format!("corr-bg-{i}"))
    });
    entry
}

#[test]
fn the_backlog_stays_within_its_bound_and_every_admitted_order_is_fulfilled() {
    const ORDERS: usize = 200;
    const BOUND: usize = 48;
    // At the priority of the rest of the process: the test is about the bound, and CI runs
    // other tests beside it, which would starve threads at the lowest priority.
    let background = runtime_at(2, 0).expect("the background runtime");
    let front = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the front runtime");
    front.block_on(async {
        let cloud = start(Background {
            runtime: Some(background.handle().clone()),
            max_backlog: Some(BOUND),
        });
        let inner = &cloud.inner;
        let happy = entries(&root(), "happy-path").expect("the scenario");
        let first = happy.first().expect("an entry");
        // Each OrderCreated leaves one delivery per matching rule target behind it.
        let (event, _) = inner.accept(first).expect("the entry is valid");
        let per_order = inner
            .buses
            .matching(&bus_name(first.event_bus_name.as_deref()), &event)
            .iter()
            .map(|rule| rule.targets.len())
            .sum::<usize>();
        assert!(per_order >= 1, "OrderCreated starts work");
        let mut most = 0;
        for i in 0..ORDERS {
            inner.admit().await;
            let results = inner.put_events(&[order(first, i)]);
            assert!(results[0].error_code.is_none(), "{results:?}");
            most = most.max(inner.busy.load(Ordering::SeqCst));
        }
        // Work in flight fans out (an execution invokes functions and puts events), so the
        // backlog may pass the bound by what is already admitted, but it does not grow with
        // the number of orders: without the bound it reaches some two tasks an order.
        assert!(
            most <= 4 * BOUND,
            "the backlog reached {most} tasks with the bound at {BOUND} ({per_order} a new order)"
        );
        // Every order admitted reaches its end: shipped, its workflow SUCCEEDED.
        let started = Instant::now();
        while !(settled(inner) && inner.world.shipments.len() >= ORDERS) {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "not drained: {} shipments of {ORDERS}, {} tasks in flight",
                inner.world.shipments.len(),
                inner.busy.load(Ordering::SeqCst)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let workflows: Vec<String> = inner
            .buses
            .matching(&bus_name(first.event_bus_name.as_deref()), &event)
            .iter()
            .flat_map(|rule| rule.targets.iter())
            .map(|(target, _)| target.target.arn.clone())
            .collect();
        let succeeded = inner
            .executions()
            .iter()
            .filter(|e| workflows.contains(&e.machine_arn))
            .filter(|e| {
                e.result
                    .as_ref()
                    .is_some_and(|r| r.status.as_str() == "SUCCEEDED")
            })
            .count();
        assert_eq!(succeeded, ORDERS, "every order's workflow succeeded");
        // A task waiting behind the front door holds what its work captured, not the
        // work's future: each was 4.4 KB (a rule delivery) to 11 KB (an execution), made
        // when the task was spawned, and a burst's backlog filled fresh pages at the
        // front door's expense.
        let largest = inner.largest_waiting_task.load(Ordering::Relaxed);
        assert!(
            (1..=1024).contains(&largest),
            "a task waiting to run held {largest} bytes"
        );
    });
    drop(front);
    drop(background);
}

/// A synchronous start's caller waits for the run, so the run is the caller's work: with
/// every background thread busy, StartSyncExecution still answers at once.
#[test]
fn a_synchronous_execution_runs_on_the_callers_runtime_not_behind_the_front_door() {
    let background = runtime_at(1, 0).expect("the background runtime");
    let front = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("the front runtime");
    // The one background thread is held for longer than the check waits.
    let (held, release) = std::sync::mpsc::channel::<()>();
    background.spawn(async move {
        let _ = release.recv_timeout(Duration::from_secs(30));
    });
    front.block_on(async {
        let cloud = start(Background {
            runtime: Some(background.handle().clone()),
            max_backlog: None,
        });
        let intake = cloud
            .inner
            .model
            .state_machines
            .get("OrderIntakeStateMachine")
            .map(|m| m.arn.clone())
            .expect("the template has OrderIntakeStateMachine");
        let order = serde_json::json!({
            "orderId": "o-lane-1",
            "customer": {"customerId": "c-1"},
            "lines": [{"sku": "BOOK-0001", "quantity": 1, "unitPrice": 1500}],
            "total": {"amount": 1500, "currency": "EUR"},
            "paymentToken": "tok_visa",
            "shippingAddress": {"country": "DE"}
        });
        let arn = cloud
            .inner
            .start_sync_execution(&intake, order, None)
            .expect("the execution starts");
        let entry = cloud
            .inner
            .execution(&arn)
            .expect("the execution is recorded");
        let ended = tokio::time::timeout(Duration::from_secs(5), entry.wait_ended())
            .await
            .expect("the run ended while every background thread was busy")
            .expect("the run has a result");
        assert_eq!(ended.status.as_str(), "SUCCEEDED", "{:?}", ended.error);
    });
    let _ = held.send(());
    drop(front);
    drop(background);
}
