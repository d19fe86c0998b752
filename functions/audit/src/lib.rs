//! SQS consumer that stores what an auditor needs of every event it sees: the streaming
//! view of the system. Each bus event is stored once, however often SQS delivers it,
//! without its personal data or secrets, and only for [`RETENTION`].

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_runtime::LambdaEvent;
use orderly_core::batch::{BatchProcessor, consume_sqs_batch};
use orderly_core::contracts::FailureReason;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, epoch_seconds_after};
use orderly_core::ports::{AuditEntry, AuditLog, InsertOutcome};
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "audit";

/// Where the key sits: the bus event id, unique per event put.
pub const KEY_POINTER: &str = "/id";
/// How many records of a batch are stored at once.
pub const CONCURRENCY: usize = 8;
/// How long an entry is kept: 400 days, a year of audits and their follow-up. The entry's
/// `expiresAt` is this long after it was written; the table's TTL then deletes it.
pub const RETENTION: Duration = Duration::from_secs(400 * 24 * 3600);

/// The fields of an event's `data` an auditor needs: ids, amounts, status and reason.
/// An allow-list, not a deny-list: the customer's e-mail, name and address, the payment
/// token, free-text comments and causes are left out, and so is any field a contract
/// adds later until someone decides an auditor needs it.
pub const AUDITED_FIELDS: &[&str] = &[
    "orderId",
    "total",
    "lines",
    "status",
    "reason",
    "approved",
    "decidedBy",
    "authorizationId",
    "shipmentId",
    "amount",
    "currency",
];

/// The envelope fields the audit log keeps; of the detail, only [`AUDITED_FIELDS`].
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
    let entry = audit_entry(
        parsed,
        epoch_seconds_after(deps.idempotency.clock(), RETENTION),
    );
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

/// The audit entry of a bus event: its envelope, its order id and its audited fields,
/// expiring at `expires_at_epoch_s`.
fn audit_entry(event: BusEvent, expires_at_epoch_s: i64) -> AuditEntry {
    let text = |pointer: &str| {
        event
            .detail
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    AuditEntry {
        correlation_id: text("/metadata/correlation-id"),
        order_id: text("/data/orderId"),
        facts: audited_facts(event.detail.get("data")),
        event_id: event.id,
        source: event.source,
        detail_type: event.detail_type,
        time: event.time,
        expires_at_epoch_s,
    }
}

/// The [`AUDITED_FIELDS`] of an event's data, as an object (empty when it has none).
pub fn audited_facts(data: Option<&Value>) -> Value {
    let facts: Map<String, Value> = data
        .and_then(Value::as_object)
        .map(|data| {
            data.iter()
                .filter(|(key, _)| AUDITED_FIELDS.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect()
        })
        .unwrap_or_default();
    Value::Object(facts)
}

/// The end of the order funnel, counted where every event is seen exactly once:
/// OrdersConfirmed, and OrdersFailed by reason (a value of the contract's fixed set).
fn count_outcome(entry: &AuditEntry) {
    use orderly_core::telemetry::metrics;
    match entry.detail_type.as_str() {
        "OrderConfirmed" => metrics::count(FUNCTION, metrics::ORDERS_CONFIRMED, 1),
        "OrderFailed" => {
            let reason = entry
                .facts
                .get("reason")
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
