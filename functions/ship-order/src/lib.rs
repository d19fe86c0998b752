//! SQS consumer of OrderConfirmed: creates the order's shipment once and emits
//! ShipmentCreated. Records are processed concurrently, and one that fails is reported
//! alone ([`handler`]). Each record is idempotent on the event's key.
//! The event is read through Shipping's anti-corruption layer ([`anti_corruption`]): the
//! handler works on Shipping's `ShipmentRequested`, never on Orders' types.

pub mod anti_corruption;

use aws_lambda_events::sqs::SqsBatchResponse;
use lambda_runtime::LambdaEvent;
use orderly_core::batch::{BatchProcessor, consume_sqs_batch};
use orderly_core::contracts::{Contract, Metadata, OutboundEvent, ShipmentCreated};
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, now_rfc3339};
use orderly_core::ports::{EventPublisher, ShipmentWriter};
use orderly_core::shell::{self, EventType, Port, Ports, ShellError};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "ship-order";
/// How many records of a batch are shipped at once.
pub const CONCURRENCY: usize = 8;

/// What the handler needs: the shipments table, the bus and the idempotency engine.
pub struct Deps<S: ?Sized, P: ?Sized> {
    /// Where the shipment is created, once per order.
    pub shipments: Arc<S>,
    /// Where ShipmentCreated goes.
    pub publisher: Arc<P>,
    /// Keyed on the event's idempotency key: a redelivered OrderConfirmed ships once.
    pub idempotency: IdempotencyEngine,
}

/// Handles one SQS batch of OrderConfirmed events, records concurrently: a record that
/// fails is reported alone and comes back after the visibility timeout, holding up no
/// other order (the queue is standard, not FIFO: nothing needs the order of
/// confirmations, and each order ships once whatever arrives twice).
pub async fn handler<S, P>(
    deps: &Deps<S, P>,
    event: LambdaEvent<Value>,
) -> Result<SqsBatchResponse, TaskError>
where
    S: ShipmentWriter + ?Sized,
    P: EventPublisher + ?Sized,
{
    consume_sqs_batch(
        FUNCTION,
        event,
        BatchProcessor::standard(CONCURRENCY),
        || deps.idempotency.now_ms(),
        |body: Value, remaining| async move { ship(deps, body, remaining).await },
    )
    .await
}

/// The shipment id of an order: one shipment per order.
pub fn shipment_id(order_id: &str) -> String {
    format!("s-{order_id}")
}

async fn ship<S, P>(deps: &Deps<S, P>, body: Value, remaining: Duration) -> Result<(), TaskError>
where
    S: ShipmentWriter + ?Sized,
    P: EventPublisher + ?Sized,
{
    // Orders' event ends here: past this line, Shipping's own terms only.
    let request = anti_corruption::shipment_requested(&body)?;
    deps.idempotency
        .run_json(&body, remaining, || async {
            let shipment = shipment_id(&request.order_ref);
            deps.shipments
                .create_shipment(&request.order_ref, &shipment)
                .await?;
            let metadata = Metadata {
                idempotency_key: format!("{}:ShipmentCreated", request.cause.key),
                correlation_id: request.cause.correlation_id.clone(),
                event_version: ShipmentCreated::VERSION.to_string(),
                occurred_at: now_rfc3339(deps.idempotency.clock()),
            };
            let data = ShipmentCreated {
                order_id: request.order_ref.clone(),
                shipment_id: shipment,
            };
            deps.publisher
                .publish(&[OutboundEvent::new(metadata, &data)?])
                .await?;
            tracing::info!(
                order_id = %request.order_ref,
                service = ?request.service,
                items = request.items.len(),
                "shipment created"
            );
            Ok::<_, TaskError>(())
        })
        .await
        .map_err(TaskError::from)
}

/// ship-order as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type ShipOrder = Deps<dyn ShipmentWriter, dyn EventPublisher>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<ShipOrder> = shell::Declaration::new();

impl shell::Function for ShipOrder {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::Shipments, Port::Publisher, Port::Idempotency];
    const PUBLISHES: &'static [EventType] = &[EventType::of::<ShipmentCreated>()];
    type Output = SqsBatchResponse;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            shipments: ports.shipments()?,
            publisher: ports.publisher()?,
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
