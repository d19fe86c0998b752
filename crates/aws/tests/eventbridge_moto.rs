//! EventBridge publisher against an AWS-compatible server (moto's): rules route to SQS.

mod common;

use orderly_aws::eventbridge::{EventBridgePublisher, TraceHeader};
use orderly_aws::retry::RetryPolicy;
use orderly_aws::sqs::{ReceivedMessage, SqsQueue};
use orderly_core::contracts::OutboundEvent;
use orderly_core::ports::{EventPublisher, PortError};
use serde_json::{Value, json};
use std::time::Duration;

fn event(source: &str, detail_type: &str, key: &str) -> OutboundEvent {
    OutboundEvent {
        source: source.into(),
        detail_type: detail_type.into(),
        detail: json!({
            "metadata": {"idempotency-key": key, "correlation-id": "corr-1",
                         "event-version": "1", "occurred-at": "2026-11-26T12:00:00Z"},
            "data": {"orderId": "o-1", "total": {"amount": 2500, "currency": "EUR"}}
        }),
    }
}

/// A bus with a rule sending OrderCreated events from com.orders to a fresh queue.
async fn bus_routed_to_queue() -> (EventBridgePublisher, SqsQueue) {
    let events = common::eventbridge().await;
    let sqs = common::sqs().await;
    let bus = common::bus(&events).await;
    let (queue_url, queue_arn) = common::queue(&sqs).await;
    let rule = common::unique("rule");
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(
            json!({"source": ["com.orders"], "detail-type": ["OrderCreated"]}).to_string(),
        )
        .send()
        .await
        .expect("put rule");
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("queue")
                .arn(queue_arn)
                .build()
                .expect("target"),
        )
        .send()
        .await
        .expect("put targets");
    let publisher = EventBridgePublisher::new(events, bus)
        .with_retry(RetryPolicy::immediate(2))
        .with_trace_header(TraceHeader::Fixed(None));
    (publisher, SqsQueue::new(sqs, queue_url))
}

/// Everything the queue holds now, deleting as it goes.
async fn drain(queue: &SqsQueue) -> Vec<ReceivedMessage> {
    let mut all = Vec::new();
    loop {
        let batch = queue
            .receive(10, Duration::from_secs(1))
            .await
            .expect("receive");
        if batch.is_empty() {
            return all;
        }
        for message in &batch {
            queue.delete(&message.receipt_handle).await.expect("delete");
        }
        all.extend(batch);
    }
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn published_events_reach_the_queue_their_rule_targets() {
    let (publisher, queue) = bus_routed_to_queue().await;
    let created = event("com.orders", "OrderCreated", "k-1");
    let other = event("com.orders", "OrderConfirmed", "k-2");

    publisher
        .publish(&[created.clone(), other])
        .await
        .expect("publish");

    let received = drain(&queue).await;
    assert_eq!(
        received.len(),
        1,
        "only the OrderCreated event matches: {received:?}"
    );
    let delivered: Value = serde_json::from_str(&received[0].body).expect("event JSON");
    assert_eq!(delivered["source"], "com.orders");
    assert_eq!(delivered["detail-type"], "OrderCreated");
    assert_eq!(delivered["detail"], created.detail);
}

/// Twelve events go out in two requests; the first and the last match the rule, so one
/// arrival from each request shows both were accepted. (Only two match because moto takes
/// about a second per event it delivers to a queue.)
#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn events_beyond_the_first_ten_arrive_too() {
    let (publisher, queue) = bus_routed_to_queue().await;
    let events: Vec<_> = (0..12)
        .map(|i| {
            let detail_type = if i == 0 || i == 11 {
                "OrderCreated"
            } else {
                "Unrouted"
            };
            event("com.orders", detail_type, &format!("k-{i}"))
        })
        .collect();

    publisher.publish(&events).await.expect("publish");

    let mut keys: Vec<String> = drain(&queue)
        .await
        .iter()
        .map(|m| {
            let v: Value = serde_json::from_str(&m.body).expect("event JSON");
            v["detail"]["metadata"]["idempotency-key"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    keys.sort();
    assert_eq!(keys, ["k-0", "k-11"]);
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn a_rejected_entry_is_surfaced_while_the_others_are_delivered() {
    let (publisher, queue) = bus_routed_to_queue().await;
    // An empty source is refused per entry (InvalidArgument), the request as a whole is not.
    let events = [
        event("com.orders", "OrderCreated", "k-good"),
        event("", "OrderCreated", "k-bad"),
    ];

    let result = publisher.publish(&events).await;

    let Err(PortError::Permanent(message)) = result else {
        panic!("expected a permanent failure, got {result:?}")
    };
    assert!(message.contains("1 of 2 entries failed"), "{message}");
    assert!(
        message.contains("entry 1 (OrderCreated, idempotency-key k-bad): InvalidArgument"),
        "{message}"
    );
    assert!(!message.contains("entry 0"), "{message}");
    let received = drain(&queue).await;
    assert_eq!(received.len(), 1, "the valid entry still went through");
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn publishing_to_a_missing_bus_fails_permanently() {
    let publisher =
        EventBridgePublisher::new(common::eventbridge().await, common::unique("no-bus"));

    let result = publisher
        .publish(&[event("com.orders", "OrderCreated", "k")])
        .await;

    assert!(
        matches!(&result, Err(PortError::Permanent(m)) if m.contains("ResourceNotFoundException")),
        "{result:?}"
    );
}
