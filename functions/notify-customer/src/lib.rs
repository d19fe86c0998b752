//! SQS consumer of customer-facing events, fed through the rule's input transformer:
//! each message is a CustomerNotification (ids only). Tells the customer once per event.

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_runtime::LambdaEvent;
use orderly_core::batch::{BatchProcessor, consume_sqs_batch};
use orderly_core::contracts::CustomerNotification;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::TaskError;
use orderly_core::ports::CustomerNotifier;
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "notify-customer";

/// Where the idempotency key sits in a CustomerNotification.
pub const KEY_POINTER: &str = "/idempotencyKey";
/// How many records of a batch are notified at once.
pub const CONCURRENCY: usize = 8;

/// What the handler needs: the notifier and the idempotency engine.
pub struct Deps<N: ?Sized> {
    /// Delivers the message to the customer.
    pub notifier: Arc<N>,
    /// Keyed on the notification's idempotency key ([`KEY_POINTER`]): one message per event.
    pub idempotency: IdempotencyEngine,
}

/// Handles one SQS batch of CustomerNotifications: tells each customer once and reports the
/// records that failed, so SQS redelivers only those.
pub async fn handler<N>(
    deps: &Deps<N>,
    event: LambdaEvent<Value>,
) -> Result<SqsBatchResponse, TaskError>
where
    N: CustomerNotifier + ?Sized,
{
    consume_sqs_batch(
        FUNCTION,
        event,
        BatchProcessor::standard(CONCURRENCY),
        || deps.idempotency.now_ms(),
        |note: CustomerNotification, remaining| async move { notify(deps, note, remaining).await },
    )
    .await
}

/// The message a customer gets for an event kind.
pub fn message_for(kind: &str, order_id: &str) -> Result<(String, String), TaskError> {
    let (subject, body) = match kind {
        "OrderConfirmed" => (
            "Your order is confirmed",
            format!("Order {order_id} is confirmed and will ship soon."),
        ),
        "OrderFailed" => (
            "We could not complete your order",
            format!("Order {order_id} could not be completed; no charge was made."),
        ),
        "ShipmentCreated" => (
            "Your order is on its way",
            format!("Order {order_id} has shipped."),
        ),
        other => {
            return Err(TaskError::InvalidInput(format!(
                "no customer message for event kind {other}"
            )));
        }
    };
    Ok((subject.to_owned(), body))
}

async fn notify<N>(
    deps: &Deps<N>,
    note: CustomerNotification,
    remaining: Duration,
) -> Result<(), TaskError>
where
    N: CustomerNotifier + ?Sized,
{
    let (subject, body) = message_for(&note.kind, &note.order_id)?;
    let input = serde_json::to_value(&note).map_err(|e| TaskError::Permanent(e.to_string()))?;
    deps.idempotency
        .run_json(&input, remaining, || async {
            deps.notifier
                .notify(&note.idempotency_key, &note.customer_id, &subject, &body)
                .await?;
            tracing::info!(order_id = %note.order_id, kind = %note.kind, "customer notified");
            Ok::<_, TaskError>(())
        })
        .await
        .map_err(TaskError::from)
}

/// notify-customer as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type NotifyCustomer = Deps<dyn CustomerNotifier>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<NotifyCustomer> = shell::Declaration::new();

impl shell::Function for NotifyCustomer {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::Notifier, Port::Idempotency];
    type Output = SqsBatchResponse;

    fn idempotency() -> orderly_core::idempotency::IdempotencyConfig {
        orderly_core::idempotency::IdempotencyConfig::new(FUNCTION)
            .key(orderly_core::idempotency::KeySelector::pointer(KEY_POINTER))
    }

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            notifier: ports.notifier()?,
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
