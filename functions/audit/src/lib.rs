//! SQS consumer that stores every event it sees: the streaming view of the system.
//! Each bus event is stored once, however often SQS delivers it.

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_runtime::LambdaEvent;
use orderly_core::batch::{BatchProcessor, consume_sqs_batch};
use orderly_core::contracts::FailureReason;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::TaskError;
use orderly_core::ports::{AuditEntry, AuditLog, InsertOutcome};
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde::Deserialize;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "audit";

/// Where the key sits: the bus event id, unique per event put.
pub const KEY_POINTER: &str = "/id";
/// How many records of a batch are stored at once.
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

/// What the handler needs: the audit log and the idempotency engine.
pub struct Deps<A: ?Sized> {
    /// Where events are stored, once per event id.
    pub audit: Arc<A>,
    /// Keyed on the bus event id ([`KEY_POINTER`]), so a redelivered event is stored once.
    pub idempotency: IdempotencyEngine,
}

/// Handles one SQS batch: stores each record's bus event and reports the records that
/// failed, so SQS redelivers only those.
pub async fn handler<A>(
    deps: &Deps<A>,
    event: LambdaEvent<Value>,
) -> Result<SqsBatchResponse, TaskError>
where
    A: AuditLog + ?Sized,
{
    consume_sqs_batch(
        FUNCTION,
        event,
        BatchProcessor::standard(CONCURRENCY),
        || deps.idempotency.now_ms(),
        |event: Value, remaining| async move { store(deps, event, remaining).await },
    )
    .await
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
            let stored = outcome == InsertOutcome::Inserted;
            tracing::info!(event_id = %entry.event_id, detail_type = %entry.detail_type, stored, "event audited");
            if stored {
                count_outcome(&entry);
            }
            Ok::<_, TaskError>(())
        })
        .await
        .map_err(TaskError::from)
}

/// The end of the order funnel, counted where every event is seen exactly once:
/// OrdersConfirmed, and OrdersFailed by reason (a value of the contract's fixed set).
fn count_outcome(entry: &AuditEntry) {
    use orderly_core::telemetry::metrics;
    match entry.detail_type.as_str() {
        "OrderConfirmed" => metrics::count(FUNCTION, metrics::ORDERS_CONFIRMED, 1),
        "OrderFailed" => {
            let reason = entry
                .event
                .pointer("/detail/data/reason")
                .and_then(Value::as_str)
                .and_then(|r| serde_json::from_value::<FailureReason>(Value::from(r)).ok())
                .map_or("Unknown", FailureReason::as_str);
            metrics::count_by_reason(FUNCTION, metrics::ORDERS_FAILED, reason, 1);
        }
        _ => {}
    }
}

/// audit as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type Audit = Deps<dyn AuditLog>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<Audit> = shell::Declaration::new();

impl shell::Function for Audit {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::AuditLog, Port::Idempotency];
    type Output = SqsBatchResponse;

    fn idempotency() -> orderly_core::idempotency::IdempotencyConfig {
        orderly_core::idempotency::IdempotencyConfig::new(FUNCTION)
            .key(orderly_core::idempotency::KeySelector::pointer(KEY_POINTER))
    }

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            audit: ports.audit_log()?,
            idempotency: ports.idempotency(Self::idempotency())?,
        })
    }

    fn handle(
        &self,
        event: LambdaEvent<Value>,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send {
        handler(self, event)
    }
}
