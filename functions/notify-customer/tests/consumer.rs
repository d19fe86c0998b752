//! notify-customer as Lambda runs it: a standard-queue batch of notifications, each sent
//! once however often SQS delivers it.

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_runtime::{Context, LambdaEvent};
use notify_customer::{Deps, handler};
use orderly_core::batch::failed_message_ids;
use orderly_core::idempotency::{IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::lambda::TaskError;
use orderly_core::memory::MemoryNotifier;
use serde_json::{Value, json};
use std::sync::Arc;

/// The sample batch: an OrderConfirmed and an OrderFailed notification.
fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/notify-customer.json"))
        .expect("sample")
}

fn deps() -> Deps<MemoryNotifier> {
    Deps {
        notifier: Arc::new(MemoryNotifier::default()),
        idempotency: IdempotencyEngine::new(
            <notify_customer::NotifyCustomer as orderly_core::shell::Function>::idempotency(),
            Arc::new(InMemoryIdempotencyStore::new()),
        ),
    }
}

async fn invoke(deps: &Deps<MemoryNotifier>, batch: &Value) -> Result<SqsBatchResponse, TaskError> {
    handler(deps, LambdaEvent::new(batch.clone(), Context::default())).await
}

/// A copy of the sample's first record with another id and body.
fn record(batch: &Value, message_id: &str, body: Value) -> Value {
    let mut record = batch["Records"][0].clone();
    record["messageId"] = message_id.into();
    record["body"] = body.to_string().into();
    record
}

#[tokio::test]
async fn a_redelivered_notification_reaches_the_customer_once() {
    let deps = deps();
    let batch = sample();
    for delivery in 1..=3 {
        let response = invoke(&deps, &batch).await.expect("batch handled");
        assert!(
            failed_message_ids(&response).is_empty(),
            "delivery {delivery}"
        );
    }
    let sent: Vec<(String, String)> = deps
        .notifier
        .sent()
        .unwrap()
        .into_iter()
        .map(|n| (n.customer_id, n.subject))
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.contains(&("c-1001".into(), "Your order is confirmed".into())));
    assert!(sent.contains(&("c-1003".into(), "We could not complete your order".into())));
}

#[tokio::test]
async fn poison_records_fail_alone_and_the_good_ones_are_sent() {
    let deps = deps();
    let mut batch = sample();
    let unknown_kind = record(
        &batch,
        "unknown-kind",
        json!({"kind": "OrderTeleported", "orderId": "o-9", "customerId": "c-9",
               "idempotencyKey": "idem-9", "correlationId": "corr-9"}),
    );
    let missing_field = record(&batch, "missing-field", json!({"kind": "OrderConfirmed"}));
    let records = batch["Records"].as_array_mut().expect("Records");
    records.insert(1, unknown_kind);
    records.push(missing_field);
    let response = invoke(&deps, &batch).await.expect("partial batch");
    let mut failed = failed_message_ids(&response);
    failed.sort();
    assert_eq!(failed, ["missing-field", "unknown-kind"]);
    assert_eq!(deps.notifier.len(), 2, "both good records are sent");
}

#[tokio::test]
async fn a_batch_where_every_record_failed_is_retried_whole() {
    let deps = deps();
    let mut batch = sample();
    for record in batch["Records"].as_array_mut().expect("Records") {
        record["body"] = "[]".into();
    }
    let err = invoke(&deps, &batch)
        .await
        .expect_err("every record failed");
    assert!(err.is_retryable(), "{err}");
    assert!(deps.notifier.is_empty());
}
