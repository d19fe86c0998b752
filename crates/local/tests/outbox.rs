//! The transactional outbox of the project's own template, run by the local cloud with
//! faults aimed at it: place-order dies right after its write, and the pipe delivers the
//! order's stream record twice. The order is stored once, OrderCreated reaches the bus (as
//! the contract's detail, equal to what place-order would have published itself), and
//! every effect downstream happens once.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use orderly_core::contracts::{OrderCreated, parse_detail};
use orderly_core::memory::dynamo_layout::json_to_attribute;
use orderly_local::runtime::faults::{Fault, Faults};
use orderly_local::runtime::trace::HopKind;
use orderly_local::scenarios::{
    ScenarioEnv, executions_of, final_state, settled, start_cloud_with, wait_until,
};
use orderly_local::server::wire::Input;
use serde_json::{Value, json};

/// Crashes place-order's first invocation after its side effects, and makes the outbox
/// pipe deliver its first batch twice; counts what it struck.
#[derive(Default)]
struct Aimed {
    crashes: AtomicUsize,
    duplicates: AtomicUsize,
}

impl Faults for Aimed {
    fn strike(&self, fault: Fault, site: &str) -> bool {
        let counter = match (fault, site) {
            (Fault::Crash, "PlaceOrderFunction") => &self.crashes,
            (Fault::Duplicate, "OrderOutboxPipe") => &self.duplicates,
            _ => return false,
        };
        counter
            .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    fn delay_ms(&self, _: i64) -> i64 {
        0
    }
}

/// An order item as the orders table keeps it, with an outbox entry: what a write through
/// the table's API that passes the pipe's filter looks like.
fn order_item(order_id: &str) -> Value {
    let entries: Value =
        serde_json::from_str(include_str!("../../../events/put-events/happy-path.json"))
            .expect("the sample");
    let detail: Value =
        serde_json::from_str(entries[0]["Detail"].as_str().expect("a detail")).expect("JSON");
    let mut item = serde_json::Map::new();
    for (name, value) in detail["data"].as_object().expect("the order") {
        item.insert(name.clone(), json_to_attribute(value));
    }
    item.insert("orderId".into(), json!({"S": order_id}));
    item.insert("status".into(), json!({"S": "PLACED"}));
    item.insert("outbox".into(), json_to_attribute(&detail["metadata"]));
    Value::Object(item)
}

/// A transaction whose second write the orders table's store refuses is undone whole, and
/// leaves nothing on the stream: the pipe announces no order that was never stored.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancelled_transaction_leaves_no_record_for_the_pipe() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cloud =
        start_cloud_with(&ScenarioEnv::at(root), Arc::new(Aimed::default())).expect("the template");
    let inner = &cloud.inner;
    let table = inner.model.tables["OrdersTable"].name.clone();
    let mut unfit = order_item("o-tx-2");
    unfit["status"] = json!({"N": "1"});
    let request = json!({"TransactItems": [
        {"Put": {"TableName": table, "Item": order_item("o-tx-1")}},
        {"Put": {"TableName": table, "Item": unfit}},
    ]});
    let Value::Object(request) = request else {
        unreachable!("an object")
    };
    let refused = orderly_local::server::dynamodb::dispatch(
        inner,
        "TransactWriteItems",
        &Input::from_map(request),
    );
    assert!(refused.is_err(), "the store refuses a numeric status");
    assert_eq!(
        inner.world.stores.orders.get("o-tx-1").expect("read"),
        None,
        "undone"
    );
    let stream = inner
        .dynamodb
        .get(&table)
        .expect("the table")
        .stream
        .clone()
        .expect("the orders table streams");
    assert_eq!(stream.shard().tip(), 0, "no record of the undone write");
    assert!(wait_until(inner, settled).await);
    assert!(inner.executions().is_empty(), "nothing was announced");

    // The same write alone stands, and is announced.
    let Value::Object(put) = json!({"TableName": table, "Item": order_item("o-tx-1")}) else {
        unreachable!("an object")
    };
    orderly_local::server::dynamodb::dispatch(inner, "PutItem", &Input::from_map(put))
        .expect("PutItem");
    assert_eq!(stream.shard().tip(), 1);
    assert!(wait_until(inner, |c| settled(c) && !c.executions().is_empty()).await);
}

fn request() -> Value {
    let mut request: Value =
        serde_json::from_str(include_str!("../../../events/lambda/place-order.json"))
            .expect("the sample");
    request["idempotencyKey"] = json!("k-outbox-1");
    request["correlationId"] = json!("corr-outbox-1");
    request
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_crash_after_the_write_and_a_duplicate_record_change_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let faults = Arc::new(Aimed::default());
    let cloud = start_cloud_with(&ScenarioEnv::at(root), faults.clone()).expect("the template");
    let inner = &cloud.inner;
    let book = || inner.world.stock.available("BOOK-0001").expect("stock");
    let book_before = book().expect("seeded");

    // The first call dies after storing the order: the caller sees an error.
    let first = inner.invoke("PlaceOrderFunction", request()).await;
    assert!(first.is_err(), "the crash reaches the caller: {first:?}");
    assert_eq!(faults.crashes.load(Ordering::SeqCst), 1);
    // Nothing is lost: the insert is on the stream, and the pipe announces it.
    assert!(wait_until(inner, settled).await, "the order's flow settles");

    // The client retries once the crashed call's lease has run out: the order is there,
    // and the reply is 201's without a second write.
    tokio::time::sleep(Duration::from_secs(120)).await;
    let placed = inner
        .invoke("PlaceOrderFunction", request())
        .await
        .expect("the retry is answered");
    let order_id = placed["orderId"].as_str().expect("an order id").to_owned();
    assert!(wait_until(inner, settled).await, "settled again");

    assert_eq!(
        faults.duplicates.load(Ordering::SeqCst),
        1,
        "the pipe delivered twice"
    );
    let hops = inner.trace.of("corr-outbox-1");
    let created = hops
        .iter()
        .filter(|h| matches!(&h.kind, HopKind::EventPut { detail_type, .. } if detail_type == "OrderCreated"))
        .count();
    assert_eq!(
        created, 2,
        "OrderCreated put once, and once more by the duplicate"
    );

    // Once: the order, its reservation, its payment, its shipment, its workflow.
    let stored = inner.world.stores.orders.get(&order_id).expect("read");
    // register-order took the order up (PLACED → PROCESSING) once.
    assert_eq!(
        stored.map(|s| s["status"].clone()),
        Some(json!("PROCESSING"))
    );
    assert_eq!(book(), Some(book_before - 2), "BOOK-0001 reserved once");
    assert_eq!(inner.world.payments.authorizations(&order_id), Ok(1));
    assert!(matches!(
        inner.world.shipments.shipment_for(&order_id),
        Ok(Some(_))
    ));
    let finals: Vec<String> = executions_of(inner, &order_id)
        .iter()
        .map(final_state)
        .collect();
    assert_eq!(
        finals.iter().filter(|f| *f == "OrderConfirmed").count(),
        1,
        "one workflow confirmed the order; any other saw a duplicate: {finals:?}"
    );
    assert!(
        finals
            .iter()
            .all(|f| f == "OrderConfirmed" || f == "Duplicate"),
        "{finals:?}"
    );

    // What reached the bus (the archive keeps every event as the bus received it) is
    // OrderCreated's contract, whole: the order place-order stored, with its metadata.
    let announced = inner.world.stores.orders.outbox().expect("the outbox");
    let event = announced
        .iter()
        .find(|e| e.detail["data"]["orderId"] == order_id.as_str())
        .expect("the order is announced");
    let on_the_bus: Vec<Value> = inner
        .archives
        .events()
        .iter()
        .filter_map(|text| serde_json::from_str::<Value>(text).ok())
        .filter(|e| e["detail-type"] == "OrderCreated")
        .collect();
    assert_eq!(on_the_bus.len(), 2, "the announcement and its duplicate");
    for put in &on_the_bus {
        assert_eq!(
            put["detail"], event.detail,
            "the bus carried the contract's detail"
        );
        assert_eq!(put["source"], "com.orders");
    }
    let detail = parse_detail::<OrderCreated>(&on_the_bus[0]["detail"]).expect("the contract");
    assert_eq!(detail.data.0.lines.len(), 2);
    assert_eq!(detail.metadata.correlation_id, "corr-outbox-1");
    assert_eq!(detail.metadata.idempotency_key, "direct:k-outbox-1");
    let started = executions_of(inner, &order_id).remove(0);
    assert_eq!(
        started.input["metadata"], event.detail["metadata"],
        "the bus carried the outbox's metadata"
    );
    assert_eq!(started.input["data"]["orderId"], order_id.as_str());
}
