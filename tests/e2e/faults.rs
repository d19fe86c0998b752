//! The system under faults: regression tests for defects the chaos harness finds, each
//! shown failing on the code that had the defect.

use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::faults::{Fault, Faults};
use orderly_local::scenarios::{self, ScenarioEnv, dead_letters};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// An OrderConfirmed in version 2, the one Shipping subscribes to.
fn order_confirmed(order_id: &str, data: serde_json::Value) -> PutEventsEntry {
    let detail = json!({
        "metadata": {
            "idempotency-key": format!("idem-{order_id}:OrderConfirmed"),
            "correlation-id": format!("corr-{order_id}"),
            "event-version": "2",
            "occurred-at": "2026-11-26T12:00:03Z",
        },
        "data": data,
    });
    PutEventsEntry {
        source: Some("com.orders".to_owned()),
        detail_type: Some("OrderConfirmed".to_owned()),
        detail: Some(detail.to_string()),
        event_bus_name: Some("orders-bus".to_owned()),
        ..Default::default()
    }
}

/// The visibility timeout of the shipping queue: the retry interval of a failed shipment.
const RETRY_INTERVAL_MS: i64 = 90_000;

/// One order's bad OrderConfirmed must not hold up the shipments of other orders by more
/// than one retry interval, nor drag them into the dead-letter queue with it. With every
/// shipment in one FIFO message group, the bad message blocked the group for five receives
/// (7.5 minutes) and good messages of its batch were dead-lettered beside it.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_poison_shipment_holds_up_no_other_order() {
    let cloud = scenarios::start_cloud(&ScenarioEnv::at(root())).expect("the cloud starts");
    let inner = cloud.inner.clone();
    let clock = inner.clock.clone();
    // Its data is no order at all: ship-order fails it on every receive.
    let poison = order_confirmed("o-poison", json!({"orderId": "o-poison"}));
    assert!(inner.put_events(&[poison])[0].error_code.is_none());
    let orders: Vec<String> = (0..20).map(|i| format!("o-ship-{i}")).collect();
    let mut put_at = Vec::new();
    for order in &orders {
        clock.sleep_ms(500).await;
        let data = json!({
            "orderId": order,
            "customerId": "c-1001",
            "total": {"amount": 1999, "currency": "EUR"},
            "authorizationId": format!("auth-{order}"),
            "lines": [{"sku": "BOOK-0001", "quantity": 1, "unitPrice": {"amount": 1999, "currency": "EUR"}}],
            "shipping": null,
        });
        assert!(
            inner.put_events(&[order_confirmed(order, data)])[0]
                .error_code
                .is_none()
        );
        put_at.push(clock.now_ms());
    }
    let mut shipped_at: Vec<Option<i64>> = vec![None; orders.len()];
    let deadline = clock.now_ms() + 15 * 60_000;
    while clock.now_ms() < deadline && shipped_at.iter().any(Option::is_none) {
        for (i, order) in orders.iter().enumerate() {
            if shipped_at[i].is_none()
                && inner.world.shipments.shipment_for(order).unwrap().is_some()
            {
                shipped_at[i] = Some(clock.now_ms());
            }
        }
        clock.sleep_ms(1_000).await;
    }
    let late: Vec<String> = orders
        .iter()
        .zip(put_at.iter().zip(&shipped_at))
        .filter_map(|(order, (put, shipped))| match shipped {
            Some(at) if at - put <= RETRY_INTERVAL_MS => None,
            Some(at) => Some(format!(
                "{order} shipped {} s after its confirmation",
                (at - put) / 1000
            )),
            None => Some(format!("{order} never shipped")),
        })
        .collect();
    assert!(late.is_empty(), "held up by the poison message: {late:#?}");
    // Let the poison message use up its receives.
    clock.sleep_ms(15 * 60_000).await;
    let letters = dead_letters(&inner);
    let shipping: Vec<&str> = letters
        .iter()
        .filter(|d| d.queue == "ShippingDlq")
        .map(|d| d.body.as_str())
        .collect();
    assert_eq!(
        shipping.len(),
        1,
        "only the poison message is dead-lettered: {shipping:#?}"
    );
    assert!(shipping[0].contains("o-poison"), "{}", shipping[0]);
}

/// Crashes the first invocation of one function after its side effects; nothing else.
struct CrashOnce {
    function: &'static str,
    crashed: std::sync::atomic::AtomicBool,
}

impl Faults for CrashOnce {
    fn strike(&self, fault: Fault, site: &str) -> bool {
        fault == Fault::Crash
            && site == self.function
            && !self.crashed.swap(true, std::sync::atomic::Ordering::SeqCst)
    }
    fn delay_ms(&self, _max_ms: i64) -> i64 {
        0
    }
}

/// notify-customer dies after sending, before its idempotency record completes: the message
/// comes back after the visibility timeout, the lease has run out, and the notification
/// runs again. The customer must still get one message: the provider is asked with the
/// event's idempotency key as the message id, and sends a message id once.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_notifier_that_dies_after_sending_notifies_once() {
    let faults = Arc::new(CrashOnce {
        function: "NotifyCustomerFunction",
        crashed: std::sync::atomic::AtomicBool::new(false),
    });
    let cloud = scenarios::start_cloud_with(&ScenarioEnv::at(root()), faults.clone())
        .expect("the cloud starts");
    let inner = cloud.inner.clone();
    let entries = scenarios::entries(&root(), "happy-path").expect("happy-path events");
    assert!(inner.put_events(&entries)[0].error_code.is_none());
    assert!(scenarios::wait_until(&inner, scenarios::settled).await);
    assert!(
        faults.crashed.load(std::sync::atomic::Ordering::SeqCst),
        "the crash happened"
    );
    let confirmations: Vec<_> = inner
        .world
        .notifier
        .sent()
        .unwrap()
        .into_iter()
        .filter(|n| n.body.contains("o-happy-1 is confirmed"))
        .collect();
    assert_eq!(confirmations.len(), 1, "{confirmations:#?}");
    assert!(
        inner.world.notifier.requests() >= 2,
        "the notification ran again after the crash ({} requests)",
        inner.world.notifier.requests()
    );
}
