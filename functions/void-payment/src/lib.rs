//! Voids an order's payment authorization (compensation); voiding an order with no hold
//! is a no-op, so compensation may run whatever the Parallel branches managed to do.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::Metadata;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input};
use orderly_core::ports::PaymentGateway;
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "void-payment";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoidRequest {
    pub order_id: String,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct VoidResponse {
    pub voided: bool,
}

pub struct Deps<P: ?Sized> {
    pub payments: Arc<P>,
    pub idempotency: IdempotencyEngine,
}

pub async fn handler<P>(
    deps: &Deps<P>,
    event: LambdaEvent<Value>,
) -> Result<VoidResponse, TaskError>
where
    P: PaymentGateway + ?Sized,
{
    let (payload, context) = event.into_parts();
    let request: VoidRequest = parse_input(payload)?;
    let response = deps
        .idempotency
        .run_keyed(
            &request.order_id,
            deps.idempotency.remaining_until(context.deadline),
            || async {
                let voided = deps.payments.void(&request.order_id).await?;
                Ok::<_, TaskError>(VoidResponse { voided })
            },
        )
        .await?;
    tracing::info!(order_id = %request.order_id, voided = response.voided, "payment voided");
    Ok(response)
}

/// void-payment as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type VoidPayment = Deps<dyn PaymentGateway>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<VoidPayment> = shell::Declaration::new();

impl shell::Function for VoidPayment {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::Payments, Port::Idempotency];
    type Output = VoidResponse;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            payments: ports.payments()?,
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
