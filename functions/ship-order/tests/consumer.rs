//! ship-order as Lambda runs it: a batch of OrderConfirmed events, each shipped once.

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_runtime::{Context, LambdaEvent};
use orderly_core::batch::failed_message_ids;
use orderly_core::idempotency::{IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::lambda::TaskError;
use orderly_core::memory::{MemoryPublisher, MemoryShipments};
use serde_json::Value;
use ship_order::{Deps, handler, shipment_id};
use std::sync::Arc;

/// The sample batch: two OrderConfirmed records of two orders, from the shipping queue.
fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/ship-order.json")).expect("sample")
}

fn deps() -> Deps<MemoryShipments, MemoryPublisher> {
    Deps {
        shipments: Arc::new(MemoryShipments::default()),
        publisher: Arc::new(MemoryPublisher::default()),
        idempotency: IdempotencyEngine::new(
            <ship_order::ShipOrder as orderly_core::shell::Function>::idempotency(),
            Arc::new(InMemoryIdempotencyStore::new()),
        ),
    }
}

async fn invoke(
    deps: &Deps<MemoryShipments, MemoryPublisher>,
    batch: &Value,
) -> Result<SqsBatchResponse, TaskError> {
    handler(deps, LambdaEvent::new(batch.clone(), Context::default())).await
}

fn order_of(batch: &Value, index: usize) -> String {
    let body: Value = serde_json::from_str(batch["Records"][index]["body"].as_str().expect("body"))
        .expect("body is JSON");
    body["detail"]["data"]["orderId"]
        .as_str()
        .expect("orderId")
        .to_owned()
}

#[tokio::test]
async fn a_redelivered_batch_ships_and_announces_each_order_once() {
    let deps = deps();
    let batch = sample();
    for delivery in 1..=3 {
        let response = invoke(&deps, &batch).await.expect("batch handled");
        assert!(
            failed_message_ids(&response).is_empty(),
            "delivery {delivery}"
        );
    }
    for index in 0..2 {
        let order = order_of(&batch, index);
        assert_eq!(
            deps.shipments.shipment_for(&order).unwrap(),
            Some(shipment_id(&order))
        );
    }
    let announced: Vec<String> = deps
        .publisher
        .published()
        .iter()
        .map(|e| {
            e.detail["data"]["orderId"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(announced, [order_of(&batch, 0), order_of(&batch, 1)]);
}

#[tokio::test]
async fn a_poison_record_fails_alone_and_the_rest_of_the_batch_ships() {
    let deps = deps();
    let mut batch = sample();
    let records = batch["Records"].as_array_mut().expect("Records");
    let mut poison = records[0].clone();
    poison["messageId"] = "poison-1".into();
    poison["body"] = "{\"detail-type\": \"OrderConfirmed\", \"detail\": 7}".into();
    records.insert(1, poison);
    let response = invoke(&deps, &batch).await.expect("partial batch");
    assert_eq!(failed_message_ids(&response), ["poison-1"]);
    assert!(
        deps.shipments
            .shipment_for(&order_of(&batch, 0))
            .unwrap()
            .is_some()
    );
    assert!(
        deps.shipments
            .shipment_for(&order_of(&batch, 2))
            .unwrap()
            .is_some(),
        "the record after the poison one ships: one order's bad message holds up no other"
    );
    assert_eq!(deps.publisher.published().len(), 2);
}

#[tokio::test]
async fn a_batch_where_every_record_failed_is_retried_whole() {
    let deps = deps();
    let mut batch = sample();
    for record in batch["Records"].as_array_mut().expect("Records") {
        record["body"] = "not json".into();
    }
    let err = invoke(&deps, &batch)
        .await
        .expect_err("every record failed");
    assert!(err.is_retryable(), "{err}");
    assert!(err.to_string().contains("not JSON"), "{err}");
    assert!(deps.shipments.is_empty());
}
