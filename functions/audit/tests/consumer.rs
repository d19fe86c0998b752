//! audit as Lambda runs it: a standard-queue batch of bus events, each appended once
//! however often SQS delivers it, without personal data, until its TTL.

use async_trait::async_trait;
use audit::{Deps, handler};
use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_runtime::{Context, LambdaEvent};
use orderly_core::batch::failed_message_ids;
use orderly_core::clock::ManualClock;
use orderly_core::idempotency::{IdempotencyEngine, InMemoryIdempotencyStore};
use orderly_core::lambda::TaskError;
use orderly_core::memory::MemoryAuditLog;
use orderly_core::ports::{AuditEntry, AuditLog, InsertOutcome, PortError};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The sample batch: an OrderCreated and a ShipmentCreated bus event.
fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/lambda/audit.json")).expect("sample")
}

/// The audit log, counting every write that reaches it.
#[derive(Default)]
struct CountingLog {
    log: MemoryAuditLog,
    appends: AtomicUsize,
}

#[async_trait]
impl AuditLog for CountingLog {
    async fn append(&self, entry: &AuditEntry) -> Result<InsertOutcome, PortError> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        self.log.append(entry).await
    }
}

/// 2026-11-26T12:00:00Z, the time of the sample events.
const NOW_MS: i64 = 1_795_694_400_000;

fn deps() -> Deps<CountingLog> {
    Deps {
        audit: Arc::new(CountingLog::default()),
        idempotency: IdempotencyEngine::new(
            <audit::Audit as orderly_core::shell::Function>::idempotency(),
            Arc::new(InMemoryIdempotencyStore::new()),
        )
        .with_clock(Arc::new(ManualClock::new(NOW_MS))),
    }
}

async fn invoke(deps: &Deps<CountingLog>, batch: &Value) -> Result<SqsBatchResponse, TaskError> {
    handler(deps, LambdaEvent::new(batch.clone(), Context::default())).await
}

#[tokio::test]
async fn a_redelivered_event_is_written_once() {
    let deps = deps();
    let batch = sample();
    for delivery in 1..=3 {
        let response = invoke(&deps, &batch).await.expect("batch handled");
        assert!(
            failed_message_ids(&response).is_empty(),
            "delivery {delivery}"
        );
    }
    assert_eq!(
        deps.audit.appends.load(Ordering::SeqCst),
        2,
        "redeliveries never reach the table"
    );
    let mut kinds: Vec<String> = deps
        .audit
        .log
        .entries()
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.detail_type, e.correlation_id))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        ["OrderCreated corr-happy-1", "ShipmentCreated corr-happy-1"]
    );
}

#[tokio::test]
async fn a_record_that_is_not_a_bus_event_fails_alone() {
    let deps = deps();
    let mut batch = sample();
    let mut poison = batch["Records"][0].clone();
    poison["messageId"] = "not-an-event".into();
    poison["body"] = r#"{"detail-type": "OrderCreated"}"#.into();
    batch["Records"]
        .as_array_mut()
        .expect("Records")
        .insert(1, poison);
    let response = invoke(&deps, &batch).await.expect("partial batch");
    assert_eq!(failed_message_ids(&response), ["not-an-event"]);
    assert_eq!(deps.audit.log.len(), 2);
}

/// Given an OrderCreated that carries the customer's e-mail, name and address and the
/// payment token, the stored entry keeps what an auditor needs (ids, amounts) and none of
/// those, and expires `RETENTION` after it was written, by the function's clock.
#[tokio::test]
async fn an_entry_keeps_no_personal_data_and_expires_after_the_retention() {
    let deps = deps();
    let batch = sample();
    let body = batch["Records"][0]["body"].as_str().unwrap_or_default();
    for secret in ["example.com", "Example Street", "paymentToken"] {
        assert!(body.contains(secret), "the sample must carry {secret}");
    }
    invoke(&deps, &batch).await.expect("batch handled");

    let entries = deps.audit.log.entries().unwrap();
    let created = entries
        .iter()
        .find(|e| e.detail_type == "OrderCreated")
        .expect("OrderCreated audited");
    assert_eq!(created.order_id, "o-happy-1");
    assert_eq!(created.facts["orderId"], "o-happy-1");
    assert_eq!(created.facts["total"]["amount"], 6498);
    let stored = format!("{entries:?}");
    for secret in [
        "example.com",
        "Sam Example",
        "Example Street",
        "Springfield",
        "tok_",
    ] {
        assert!(
            !stored.contains(secret),
            "an entry holds {secret}: {stored}"
        );
    }
    let retention = i64::try_from(audit::RETENTION.as_secs()).expect("retention");
    for entry in &entries {
        assert_eq!(entry.expires_at_epoch_s, NOW_MS / 1000 + retention);
    }
}
