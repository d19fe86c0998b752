//! Voids an order's payment authorization (compensation); voiding an order with no hold
//! releases nothing, so compensation may run whatever the Parallel branches managed to do,
//! but it leaves the void in the provider's ledger: an authorization still running (Step
//! Functions stops the Parallel's other state, not its Lambda) then places no hold.

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

/// The task's input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoidRequest {
    /// The order whose hold is voided.
    pub order_id: String,
    /// The workflow's event metadata, when the state machine passes it; the invocation's log
    /// lines carry its correlation id.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// The task's result.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct VoidResponse {
    /// Whether a hold stood and was released; `false` when there was none.
    pub voided: bool,
}

/// What the handler needs: the payment provider and the idempotency engine.
pub struct Deps<P: ?Sized> {
    /// The payment provider.
    pub payments: Arc<P>,
    /// Keyed on the order id: a retried step replays the first answer.
    pub idempotency: IdempotencyEngine,
}

/// Voids the order's hold, if it has one.
///
/// # Errors
///
/// `InvalidInput` for a malformed request, or a provider failure.
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
