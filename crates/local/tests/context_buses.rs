//! A bus per context (docs/contexts.md): each subscriber receives exactly what its rules
//! select from the publisher's bus, once, and an event that came from another bus goes to
//! no third one, as EventBridge routes it. Each subscription takes the contract versions it
//! declares: Shipping OrderConfirmed in versions 1 and 2 (one shipment), Audit version 1 of
//! every event of orders-bus. Deterministic: paused tokio time on the virtual clock.

use orderly_local::iam::Caller;
use orderly_local::runtime::LocalCloud;
use orderly_local::runtime::bus::PutEventsEntry;
use orderly_local::runtime::faults::{Fault, Faults, NoFaults};
use orderly_local::runtime::retention::Retention;
use orderly_local::runtime::trace::{Hop, HopKind};
use orderly_local::scenarios::{ScenarioEnv, entries, settled, start_cloud_retaining, wait_until};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's template running, keeping the records of `orders` orders.
fn app_cloud(orders: usize) -> LocalCloud {
    app_cloud_with(orders, Arc::new(NoFaults))
}

fn app_cloud_with(orders: usize, faults: Arc<dyn Faults>) -> LocalCloud {
    start_cloud_retaining(
        &ScenarioEnv::at(root()),
        faults,
        Retention::keeping_orders(orders),
    )
    .expect("the cloud starts")
}

/// Every subscription delivers every event twice, as a rule's delivery is at least once.
struct CrossingsTwice;

impl Faults for CrossingsTwice {
    fn strike(&self, fault: Fault, site: &str) -> bool {
        fault == Fault::Duplicate && (site == "ShippingBus" || site == "AuditBus")
    }
    fn delay_ms(&self, _max_ms: i64) -> i64 {
        0
    }
}

/// The orders of [`FAMILIES`] put on orders-bus, settled.
async fn run_orders(cloud: &LocalCloud) {
    let inner = &cloud.inner;
    for sku in ["BOOK-0001", "TOY-0001", "TECH-0001"] {
        inner.world.stock.set_available(sku, 1_000).expect("stock");
    }
    let orders = orders();
    for chunk in orders.chunks(10) {
        let results = inner.put_events(chunk);
        assert!(
            results.iter().all(|r| r.error_code.is_none()),
            "{results:?}"
        );
    }
    let done = wait_until(inner, |c| {
        settled(c) && c.executions().len() >= orders.len()
    })
    .await;
    assert!(done, "the orders did not settle");
}

/// Orders of every family the put-events files hold, each with ids of its own.
const FAMILIES: &[(&str, usize)] = &[
    ("happy-path", 8),
    ("payment-declined", 3),
    ("out-of-stock", 3),
    ("approval-needed", 2),
];

fn orders() -> Vec<PutEventsEntry> {
    let mut out = Vec::new();
    for (family, count) in FAMILIES {
        let template = entries(&root(), family).expect("the scenario");
        let first = template.first().expect("an entry");
        for i in 0..*count {
            let mut entry = first.clone();
            let detail = first.detail.clone().unwrap_or_default();
            let value: serde_json::Value = serde_json::from_str(&detail).expect("JSON");
            let order = value["data"]["orderId"].as_str().expect("an order id");
            let key = value["metadata"]["idempotency-key"]
                .as_str()
                .expect("a key");
            let corr = value["metadata"]["correlation-id"].as_str().expect("an id");
            entry.detail = Some(
                detail
                    .replace(order, &format!("{order}-ctx-{i}"))
                    .replace(key, &format!("{key}-ctx-{i}"))
                    .replace(corr, &format!("{corr}-ctx-{i}")),
            );
            out.push(entry);
        }
    }
    out
}

/// `(correlation id, "<detail-type> v<version>")` → how many times, of the hops `pick` keeps.
fn tally(
    hops: &[Hop],
    pick: impl Fn(&HopKind) -> Option<String>,
) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for hop in hops {
        if let Some(detail_type) = pick(&hop.kind) {
            *out.entry((hop.correlation_id.clone(), detail_type))
                .or_insert(0) += 1;
        }
    }
    out
}

/// `OrderConfirmed v2`: an event's detail-type and contract version, as tallied.
fn label(detail_type: &str, version: &Option<String>) -> String {
    format!("{detail_type} v{}", version.as_deref().unwrap_or("?"))
}

fn puts_on(bus: &'static str) -> impl Fn(&HopKind) -> Option<String> {
    move |kind| match kind {
        HopKind::EventPut {
            detail_type,
            bus: b,
            version,
            ..
        } if b == bus => Some(label(detail_type, version)),
        _ => None,
    }
}

fn crossings(from: &'static str, to: &'static str) -> impl Fn(&HopKind) -> Option<String> {
    move |kind| match kind {
        HopKind::EventCrossed {
            detail_type,
            from: f,
            to: t,
            version,
            ..
        } if f == from && t == to => Some(label(detail_type, version)),
        _ => None,
    }
}

/// The entries of `tallied` whose label `keep` keeps.
fn only(
    tallied: &BTreeMap<(String, String), usize>,
    keep: impl Fn(&str) -> bool,
) -> BTreeMap<(String, String), usize> {
    tallied
        .iter()
        .filter(|((_, label), _)| keep(label))
        .map(|(k, n)| (k.clone(), *n))
        .collect()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn each_subscriber_gets_exactly_what_its_rules_select_once() {
    let cloud = app_cloud(200);
    let inner = &cloud.inner;
    run_orders(&cloud).await;

    let hops = inner.trace.hops();
    let on_orders = tally(&hops, puts_on("orders-bus"));
    let on_shipping = tally(&hops, puts_on("shipping-bus"));
    assert!(
        on_orders.keys().any(|(_, t)| t == "OrderConfirmed v1")
            && on_orders.keys().any(|(_, t)| t == "OrderConfirmed v2")
            && on_orders.keys().any(|(_, t)| t == "OrderFailed v1")
            && on_shipping.keys().any(|(_, t)| t == "ShipmentCreated v1"),
        "the run has confirmed (in both versions), failed and shipped orders: {on_orders:?} {on_shipping:?}"
    );
    assert!(
        tally(&hops, puts_on("audit-bus")).is_empty(),
        "nothing is put on audit-bus but by its subscriptions"
    );

    // Shipping's subscription: every OrderConfirmed in both versions, once each; nothing
    // else.
    let confirmed = only(&on_orders, |t| t == "OrderConfirmed v2");
    let to_shipping = only(&on_orders, |t| t.starts_with("OrderConfirmed "));
    assert_eq!(
        to_shipping.len(),
        2 * confirmed.len(),
        "each confirmation is published in both versions"
    );
    assert_eq!(
        tally(&hops, crossings("orders-bus", "shipping-bus")),
        to_shipping
    );
    // Audit's subscriptions: every version 1 event of orders-bus, and Shipping's own
    // events, once.
    let audited_orders = only(&on_orders, |t| t.ends_with(" v1"));
    assert_eq!(
        tally(&hops, crossings("orders-bus", "audit-bus")),
        audited_orders
    );
    assert_eq!(
        tally(&hops, crossings("shipping-bus", "audit-bus")),
        on_shipping
    );
    // Nothing goes further, and nothing leaves audit-bus.
    let crossed = hops
        .iter()
        .filter(|h| matches!(h.kind, HopKind::EventCrossed { .. }))
        .count();
    let expected: usize = to_shipping.values().sum::<usize>()
        + audited_orders.values().sum::<usize>()
        + on_shipping.values().sum::<usize>();
    assert_eq!(crossed, expected, "no other crossing");
    // Each event reaches Audit's queue once, and is recorded once.
    let to_audit_queue = hops
        .iter()
        .filter(|h| matches!(&h.kind, HopKind::TargetDelivered { rule, .. } if rule == "AuditRule"))
        .count();
    let events = audited_orders.values().sum::<usize>() + on_shipping.values().sum::<usize>();
    assert_eq!(to_audit_queue, events);
    assert_eq!(inner.world.audit.len(), events);
    // Every confirmed order ships once.
    assert_eq!(inner.world.shipments.len(), confirmed.len());
}

/// A subscription delivering twice crosses the same event twice; each consumer still acts
/// once: Audit keyed on the event id, Shipping on the event's idempotency key.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_crossing_delivered_twice_changes_nothing() {
    let cloud = app_cloud_with(200, Arc::new(CrossingsTwice));
    let inner = &cloud.inner;
    run_orders(&cloud).await;
    let hops = inner.trace.hops();
    let on_orders = tally(&hops, puts_on("orders-bus"));
    let on_shipping = tally(&hops, puts_on("shipping-bus"));
    let confirmed = only(&on_orders, |t| t == "OrderConfirmed v2").len();
    let audited_orders = only(&on_orders, |t| t.ends_with(" v1"));
    let twice = |from, to| {
        let crossed = tally(&hops, crossings(from, to));
        assert!(
            crossed.values().all(|n| *n == 2),
            "{from} -> {to}: {crossed:?}"
        );
        crossed.len()
    };
    assert_eq!(twice("orders-bus", "shipping-bus"), 2 * confirmed);
    assert_eq!(twice("orders-bus", "audit-bus"), audited_orders.len());
    let events = audited_orders.values().sum::<usize>() + on_shipping.values().sum::<usize>();
    assert_eq!(inner.world.audit.len(), events, "each event audited once");
    assert_eq!(
        inner.world.shipments.len(),
        confirmed,
        "each confirmed order shipped once"
    );
    assert_eq!(
        on_shipping.values().sum::<usize>(),
        confirmed,
        "one ShipmentCreated an order"
    );
}

/// Three buses chained by subscriptions, and a consumer on the last.
const CHAIN: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  FirstBus:
    Type: AWS::Events::EventBus
    Properties: {Name: first}
  SecondBus:
    Type: AWS::Events::EventBus
    Properties: {Name: second}
  ThirdBus:
    Type: AWS::Events::EventBus
    Properties: {Name: third}
  Sink:
    Type: AWS::SQS::Queue
  FirstToSecond:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref FirstBus
      EventPattern: {source: [com.first, com.second]}
      Targets: [{Id: second, Arn: !GetAtt SecondBus.Arn}]
  SecondToThird:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref SecondBus
      EventPattern: {source: [com.first, com.second]}
      Targets: [{Id: third, Arn: !GetAtt ThirdBus.Arn}]
  ThirdToSink:
    Type: AWS::Events::Rule
    Properties:
      EventBusName: !Ref ThirdBus
      EventPattern: {source: [com.first, com.second]}
      Targets: [{Id: sink, Arn: !GetAtt Sink.Arn}]
"#;

fn put_on(bus: &str, source: &str) -> PutEventsEntry {
    PutEventsEntry {
        source: Some(source.to_owned()),
        detail_type: Some("Probe".to_owned()),
        // The trace follows events by correlation id.
        detail: Some(format!(
            r#"{{"metadata": {{"correlation-id": "probe-{source}"}}}}"#
        )),
        event_bus_name: Some(bus.to_owned()),
        ..Default::default()
    }
}

/// The chain of buses running, and its sink queue.
fn chain() -> (
    LocalCloud,
    tempfile::TempDir,
    Arc<orderly_local::sqs::Queue>,
) {
    let (cloud, dir) = crate::functionless::start(CHAIN);
    let sink = cloud
        .inner
        .sqs
        .queue_by_arn(&cloud.inner.model.queues["Sink"].arn)
        .expect("the sink");
    (cloud, dir, sink)
}

/// The one message of the sink, once it has come. Not `settled`: a message nobody
/// consumes keeps the cloud busy until it expires.
async fn sunk(cloud: &LocalCloud, sink: &orderly_local::sqs::Queue) -> serde_json::Value {
    assert!(wait_until(&cloud.inner, |_| !sink.is_empty()).await);
    let got = sink.peek_all();
    assert_eq!(got.len(), 1);
    serde_json::from_str(&got[0].body).expect("JSON")
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_event_from_another_bus_goes_to_no_third_bus() {
    let (cloud, _dir, sink) = chain();
    let inner = &cloud.inner;

    // Put on the first bus: it crosses to the second, and stops there.
    let put = inner.put_events(&[put_on("first", "com.first")]);
    assert!(put[0].error_code.is_none(), "{put:?}");
    assert!(wait_until(inner, settled).await);
    let hops = inner.trace.hops();
    assert_eq!(tally(&hops, crossings("first", "second")).len(), 1);
    assert!(tally(&hops, crossings("second", "third")).is_empty());
    assert!(sink.is_empty());

    // Put on the second bus itself: its rule sends it on to the third, and to the sink.
    let put = inner.put_events(&[put_on("second", "com.second")]);
    assert!(put[0].error_code.is_none(), "{put:?}");
    let event = sunk(&cloud, &sink).await;
    assert_eq!(event["source"], "com.second");
    let hops = inner.trace.hops();
    assert_eq!(tally(&hops, crossings("second", "third")).len(), 1);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_crossing_keeps_the_event_id() {
    let (cloud, _dir, sink) = chain();
    let put = cloud.inner.put_events(&[put_on("second", "com.second")]);
    let id = put[0].event_id.clone().expect("an id");
    let event = sunk(&cloud, &sink).await;
    assert_eq!(
        event["id"],
        id.as_str(),
        "the same event crossed, not a new one"
    );
}

fn entry(bus: &str, source: &str, detail_type: &str) -> PutEventsEntry {
    PutEventsEntry {
        source: Some(source.to_owned()),
        detail_type: Some(detail_type.to_owned()),
        detail: Some(r#"{"metadata": {"correlation-id": "policy-probe"}}"#.to_owned()),
        event_bus_name: Some(bus.to_owned()),
        ..Default::default()
    }
}

/// The template's bus policies, evaluated for each put: a context's bus takes its own
/// publishers' events and its subscriptions', and refuses the rest with EventBridge's
/// error codes.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_put_the_bus_policy_denies_is_refused() {
    let cloud = app_cloud(10);
    let inner = &cloud.inner;
    let account = inner.model.account_id.clone();
    let shipper = Caller::role(
        &inner.model.functions["ShipOrderFunction"].role_arn,
        &account,
    );
    let placer = Caller::role(
        &inner.model.functions["PlaceOrderFunction"].role_arn,
        &account,
    );
    let root = inner.root_caller();
    let stranger = Caller::root("111122223333");
    let outcome = |bus: &str, source: &str, detail_type: &str, caller: &Caller| {
        let result = inner.put_events_as(&[entry(bus, source, detail_type)], caller);
        result[0]
            .error_code
            .clone()
            .unwrap_or_else(|| "accepted".to_owned())
    };

    // Shipping's bus: ship-order's own events only.
    assert_eq!(
        outcome("shipping-bus", "com.shipping", "ShipmentCreated", &shipper),
        "accepted"
    );
    assert_eq!(
        outcome("shipping-bus", "com.orders", "OrderConfirmed", &shipper),
        "NotAuthorizedForSourceException",
        "ship-order cannot forge an Orders event on its own bus"
    );
    for caller in [&placer, &root] {
        assert_eq!(
            outcome("shipping-bus", "com.shipping", "ShipmentCreated", caller),
            "AccessDeniedException",
            "{} is not Shipping",
            caller.arn
        );
    }
    // Audit's bus: its subscriptions only.
    for caller in [&shipper, &placer, &root] {
        assert_eq!(
            outcome("audit-bus", "com.orders", "OrderCreated", caller),
            "AccessDeniedException"
        );
    }
    // Orders' bus takes the Orders context's sources from the account, and no other
    // context's events; another account needs an Allow.
    assert_eq!(
        outcome("orders-bus", "com.orders", "OrderCreated", &root),
        "accepted"
    );
    assert_eq!(
        outcome("orders-bus", "com.approvals", "ApprovalDecided", &root),
        "accepted"
    );
    assert_eq!(
        outcome("orders-bus", "com.shipping", "ShipmentCreated", &shipper),
        "NotAuthorizedForSourceException",
        "Shipping publishes on its own bus"
    );
    assert_eq!(
        outcome("orders-bus", "com.orders", "OrderCreated", &stranger),
        "AccessDeniedException"
    );
    let refused = inner.put_events_as(&[entry("audit-bus", "com.orders", "OrderCreated")], &root);
    assert_eq!(
        refused[0].error_message.as_deref(),
        Some(
            "User: arn:aws:iam::000000000000:root is not authorized to perform: events:PutEvents \
             on resource: arn:aws:events:us-east-1:000000000000:event-bus/audit-bus with an \
             explicit deny in a resource-based policy"
        )
    );
}

/// Over the wire, the SigV4 access key id names the caller (keys are not real here): the
/// AWS CLI acting as ship-order is held to Shipping's bus policy, as on AWS.
#[test]
fn the_cli_acting_as_a_function_is_held_to_the_bus_policy() {
    use crate::serve_support::Server;
    use crate::serve_support::cli::aws_as;
    let server = Server::start();
    let put = |key: &str, bus: &str, source: &str| {
        let entries = format!(
            r#"[{{"EventBusName": "{bus}", "Source": "{source}", "DetailType": "Probe", "Detail": "{{}}"}}]"#
        );
        let answer = aws_as(
            &server,
            key,
            &["events", "put-events", "--entries", &entries],
        )
        .json();
        answer["Entries"][0]["ErrorCode"]
            .as_str()
            .unwrap_or("accepted")
            .to_owned()
    };
    assert_eq!(
        put("ShipOrderFunction", "shipping-bus", "com.shipping"),
        "accepted"
    );
    assert_eq!(
        put("ShipOrderFunction", "shipping-bus", "com.orders"),
        "NotAuthorizedForSourceException"
    );
    assert_eq!(
        put("AKIDEXAMPLE", "shipping-bus", "com.shipping"),
        "AccessDeniedException"
    );
    assert_eq!(
        put("PlaceOrderFunction", "audit-bus", "com.orders"),
        "AccessDeniedException"
    );
    assert_eq!(put("AKIDEXAMPLE", "orders-bus", "com.orders"), "accepted");
    assert_eq!(
        put("111122223333", "orders-bus", "com.orders"),
        "AccessDeniedException"
    );
}
