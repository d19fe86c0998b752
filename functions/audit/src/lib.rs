//! SQS consumer that stores every event it sees: the streaming view of the system.
//! Each bus event is stored once, however often SQS delivers it.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::LambdaEvent;
use orderly_core::batch::BatchProcessor;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input, remaining_time};
use orderly_core::ports::{AuditEntry, AuditLog, InsertOutcome};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Where the key sits: the bus event id, unique per event put.
pub const KEY_POINTER: &str = "/id";
pub const CONCURRENCY: usize = 8;

/// The envelope fields the audit log indexes; the rest is kept as it came.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct BusEvent {
    id: String,
    source: String,
    detail_type: String,
    time: String,
    detail: Value,
}

pub struct Deps<A: ?Sized> {
    pub audit: Arc<A>,
    pub idempotency: IdempotencyEngine,
}

pub async fn handler<A>(
    deps: &Deps<A>,
    event: LambdaEvent<Value>,
) -> Result<SqsBatchResponse, TaskError>
where
    A: AuditLog + ?Sized,
{
    let (payload, context) = event.into_parts();
    let batch: SqsEvent = parse_input(payload)?;
    let remaining = remaining_time(&context);
    let report = BatchProcessor::for_event(&batch, CONCURRENCY)
        .process(batch, |event: Value, _ctx| async move {
            store(deps, event, remaining).await
        })
        .await;
    report
        .response()
        .map_err(|e| TaskError::transient(e.to_string()))
}

async fn store<A>(deps: &Deps<A>, event: Value, remaining: Duration) -> Result<(), TaskError>
where
    A: AuditLog + ?Sized,
{
    let parsed: BusEvent = serde_json::from_value(event.clone())
        .map_err(|e| TaskError::InvalidInput(format!("not a bus event: {e}")))?;
    let correlation_id = parsed
        .detail
        .pointer("/metadata/correlation-id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let entry = AuditEntry {
        event_id: parsed.id.clone(),
        correlation_id,
        source: parsed.source,
        detail_type: parsed.detail_type,
        time: parsed.time,
        event: event.clone(),
    };
    deps.idempotency
        .run_json(&event, remaining, || async {
            let outcome = deps.audit.append(&entry).await?;
            tracing::info!(event_id = %entry.event_id, detail_type = %entry.detail_type, stored = outcome == InsertOutcome::Inserted, "event audited");
            Ok::<_, TaskError>(())
        })
        .await
        .map_err(TaskError::from)
}
