//! order-analytics as Lambda runs it, on the in-memory adapters: the sample window's
//! records folded into the funnel, the state carried to the final invoke, the window's
//! result written once however often the final invoke runs, and a record that breaks its
//! contract stopping the batch at its sequence number with the state untouched.

use lambda_runtime::{Context, LambdaEvent};
use order_analytics::{Funnel, OrderAnalytics, StreamedEvent, WindowResult, handler};
use orderly_core::memory::MemoryAdapters;
use orderly_core::shell::{Environment, Function, Ports};
use orderly_core::stream::window::STATE_KEY;
use proptest::prelude::*;
use serde_json::{Value, json};

/// The sample window (events/lambda/order-analytics.json): an order created and
/// confirmed, another failed.
fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/order-analytics.json"))
        .expect("sample")
}

fn build(adapters: &MemoryAdapters) -> OrderAnalytics {
    let environment = Environment::from_fn(|variable| {
        (variable == "ANALYTICS_TABLE").then(|| "analytics".into())
    });
    OrderAnalytics::build(&Ports::new(
        OrderAnalytics::NAME,
        OrderAnalytics::PORTS,
        OrderAnalytics::SETTINGS,
        adapters,
        &environment,
    ))
    .expect("declared and set")
}

async fn invoke(function: &OrderAnalytics, event: Value) -> Value {
    let response = handler(function, LambdaEvent::new(event, Context::default()))
        .await
        .expect("the window batch is handled");
    serde_json::to_value(response).expect("JSON")
}

fn finalize(mut event: Value, state: &Value) -> Value {
    event["Records"] = json!([]);
    event["state"] = state.clone();
    event["isFinalInvokeForWindow"] = json!(true);
    event
}

#[tokio::test]
async fn the_window_funnel_is_carried_and_written_once() {
    let adapters = MemoryAdapters::default();
    let function = build(&adapters);
    let response = invoke(&function, sample()).await;
    assert_eq!(response["batchItemFailures"], json!([]));
    let state = &response["state"];
    let funnel: Funnel =
        serde_json::from_str(state[STATE_KEY].as_str().expect("state text")).expect("a funnel");
    assert_eq!((funnel.placed, funnel.confirmed), (1, 1));
    assert_eq!(funnel.failed.get("PaymentDeclined"), Some(&1));
    assert_eq!(funnel.latencies.count(), 1);
    // Created at .120, confirmed at 3.480: 3,360 ms, read back to within 5 %.
    let p50 = funnel.latencies.percentile(50).expect("a time");
    assert!((3_200..=3_360).contains(&p50), "{p50}");

    // The final invoke, twice (Lambda retries it until it succeeds): one result.
    for _ in 0..2 {
        let done = invoke(&function, finalize(sample(), state)).await;
        assert_eq!(done["state"], json!({}), "the state ends with the window");
    }
    let key = json!({"windowId": "shardId-000000000000#2026-11-26T12:00:00Z"});
    let result: WindowResult = function
        .windows
        .get(&key)
        .await
        .expect("read")
        .expect("the window's result");
    assert_eq!(result.placed, 1);
    assert_eq!(result.confirmed, 1);
    assert_eq!(result.revenue.get("EUR"), Some(&funnel_revenue(&sample())));
    assert_eq!(result.placed_to_confirmed.p50_ms, Some(p50));
    assert_eq!(result.window_end, "2026-11-26T12:01:00Z");
}

/// The EUR total of the sample's OrderConfirmed, read from the sample itself.
fn funnel_revenue(event: &Value) -> i64 {
    use base64::Engine;
    event["Records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(r["kinesis"]["data"].as_str().expect("data"))
                .expect("base64");
            serde_json::from_slice::<Value>(&bytes).expect("JSON")
        })
        .filter(|e| e["detail-type"] == "OrderConfirmed")
        .map(|e| {
            e["detail"]["data"]["total"]["amount"]
                .as_i64()
                .expect("amount")
        })
        .sum()
}

#[tokio::test]
async fn a_record_that_breaks_its_contract_stops_the_batch_there() {
    use base64::Engine;
    let adapters = MemoryAdapters::default();
    let function = build(&adapters);
    let mut event = sample();
    let broken = json!({"id": "e-x", "detail-type": "OrderConfirmed", "time": "2026-11-26T12:00:03Z",
                        "detail": {"data": {"orderId": "o-happy-1"}}});
    event["Records"][1]["kinesis"]["data"] =
        json!(base64::engine::general_purpose::STANDARD.encode(broken.to_string()));
    let response = invoke(&function, event.clone()).await;
    assert_eq!(
        response["batchItemFailures"][0]["itemIdentifier"],
        event["Records"][1]["kinesis"]["sequenceNumber"]
    );
    let funnel: Funnel =
        serde_json::from_str(response["state"][STATE_KEY].as_str().expect("state"))
            .expect("a funnel");
    assert_eq!(
        (funnel.placed, funnel.confirmed),
        (1, 0),
        "only the record before it counted"
    );
}

#[tokio::test]
async fn an_event_without_window_properties_is_refused() {
    let function = build(&MemoryAdapters::default());
    let err = handler(
        &function,
        LambdaEvent::new(json!({"Records": []}), Context::default()),
    )
    .await
    .expect_err("not a windowed event");
    assert!(
        err.to_string().contains("not a tumbling-window event"),
        "{err}"
    );
}

fn streamed(id: &str, kind: &str, order: &str, data: Value) -> StreamedEvent {
    let mut data = data;
    data["orderId"] = json!(order);
    serde_json::from_value(json!({"id": id, "detail-type": kind, "detail": {"data": data}}))
        .expect("an event")
}

proptest! {
    /// Any sequence of events, each possibly repeated or broken: each order's creation,
    /// confirmation and failure counts once, and an event refused leaves the funnel as it
    /// was.
    #[test]
    fn events_count_once_and_a_refused_one_changes_nothing(
        events in proptest::collection::vec((0u8..3, 0u8..6, any::<bool>(), 0u8..3), 1..60),
    ) {
        let mut funnel = Funnel::default();
        let mut distinct = std::collections::HashSet::new();
        let mut expected = (0u64, 0u64, 0u64);
        for (n, (kind, order, broken, copy)) in events.iter().enumerate() {
            let kinds = ["OrderCreated", "OrderConfirmed", "OrderFailed"];
            let id = format!("e-{n}-{copy}");
            let data = if *broken {
                json!({})
            } else {
                json!({"total": {"amount": 100, "currency": "EUR"}, "reason": "OutOfStock"})
            };
            let event = streamed(&id, kinds[*kind as usize], &format!("o-{order}"), data);
            let before = funnel.clone();
            match funnel.add(&event, n as i64) {
                Ok(()) => {
                    if distinct.insert((*kind, *order)) {
                        match kind { 0 => expected.0 += 1, 1 => expected.1 += 1, _ => expected.2 += 1 }
                    }
                }
                Err(_) => prop_assert_eq!(&funnel, &before),
            }
            for _ in 0..*copy {
                let again = funnel.clone();
                prop_assert!(funnel.add(&event, n as i64).is_ok() || funnel == again);
                prop_assert_eq!(&funnel.placed, &again.placed);
                prop_assert_eq!(&funnel.confirmed, &again.confirmed);
            }
        }
        prop_assert_eq!(funnel.placed, expected.0);
        prop_assert_eq!(funnel.confirmed, expected.1);
        prop_assert_eq!(funnel.failed.values().sum::<u64>(), expected.2);
    }
}

/// A window of 100,000 events (a million would do the same): the state Lambda carries
/// stays far under its 1 MB, so each invocation's cost does not grow with the window.
#[test]
fn the_state_stays_bounded_however_many_orders_a_window_counts() {
    let mut funnel = Funnel::default();
    let mut largest = 0;
    for n in 0..100_000u64 {
        let order = format!("o-{}", n / 3);
        let (kind, data) = match n % 3 {
            0 => ("OrderCreated", json!({})),
            1 => (
                "OrderConfirmed",
                json!({"total": {"amount": 999, "currency": "EUR"}}),
            ),
            _ => ("OrderFailed", json!({"reason": "OutOfStock"})),
        };
        // Every third order is never confirmed nor failed: it waits until the window ends.
        if n % 9 == 1 || n % 9 == 2 {
            continue;
        }
        funnel
            .add(&streamed(&format!("e-{n}"), kind, &order, data), n as i64)
            .expect("counted");
        if n % 10_000 == 0 {
            largest = largest.max(serde_json::to_string(&funnel).expect("JSON").len());
        }
    }
    assert!(largest < 400_000, "{largest} bytes of state");
    assert_eq!(funnel.pending.len(), order_analytics::MAX_PENDING);
    assert!(funnel.recent.len() <= order_analytics::RECENT);
}
