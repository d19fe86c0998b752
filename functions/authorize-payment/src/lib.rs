//! Authorizes an order's payment. Idempotent per order: a retried step after a success
//! replays the authorization; a failed attempt releases its lock so the retry runs again.
//! An authorization arriving after void-payment compensated the order (the other Parallel
//! branch failed first, and Step Functions does not stop a running Lambda) places no hold:
//! the provider refuses it as `OrderCancelled`, which the state machine does not retry.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::Metadata;
use orderly_core::domain::Money;
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input};
use orderly_core::ports::PaymentGateway;
use orderly_core::shell::{self, Port, Ports, ShellError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "authorize-payment";

/// The task's input, as the state machine's AuthorizePayment state passes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    /// The order to authorize.
    pub order_id: String,
    /// The customer's payment method, as the order carries it.
    pub payment_token: String,
    /// The amount to hold.
    pub total: Money,
    /// `$$.State.RetryCount`: which attempt of this step this is.
    #[serde(default)]
    pub attempt: u32,
    /// The workflow's event metadata, when the state machine passes it; the invocation's log
    /// lines carry its correlation id.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// The task's result: the hold that was placed.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeResponse {
    /// The provider's id of the hold; the same for every attempt of the order.
    pub authorization_id: String,
    /// The amount held, in minor units of `currency`.
    pub amount: i64,
    /// ISO 4217 code of the amount.
    pub currency: String,
}

/// What the handler needs: the payment provider and the idempotency engine.
pub struct Deps<P: ?Sized> {
    /// The payment provider.
    pub payments: Arc<P>,
    /// Keyed on the order id: a retry after a success replays the first authorization.
    pub idempotency: IdempotencyEngine,
}

/// Authorizes the order's payment, once per order.
///
/// # Errors
///
/// The payment provider's [`PaymentError`](orderly_core::domain::payment::PaymentError)
/// under its own name (`PaymentDeclined`, `PaymentProviderUnavailable`, …),
/// `OrderCancelled` when the order was voided first, a malformed input as `InvalidInput`,
/// or a store failure.
pub async fn handler<P>(
    deps: &Deps<P>,
    event: LambdaEvent<Value>,
) -> Result<AuthorizeResponse, TaskError>
where
    P: PaymentGateway + ?Sized,
{
    let (payload, context) = event.into_parts();
    let request: AuthorizeRequest = parse_input(payload)?;
    if request.attempt > 0 {
        orderly_core::telemetry::metrics::count(
            FUNCTION,
            orderly_core::telemetry::metrics::PAYMENT_RETRIES,
            1,
        );
    }
    let response = deps
        .idempotency
        .run_keyed(
            &request.order_id,
            deps.idempotency.remaining_until(context.deadline),
            || async {
                let authorization = deps
                    .payments
                    .authorize(
                        &request.order_id,
                        &request.payment_token,
                        &request.total,
                        request.attempt,
                    )
                    .await?;
                Ok::<_, TaskError>(AuthorizeResponse {
                    authorization_id: authorization.authorization_id,
                    amount: authorization.amount.amount,
                    currency: authorization.amount.currency.as_str().to_owned(),
                })
            },
        )
        .await
        .map_err(TaskError::from);
    match &response {
        Ok(r) => {
            tracing::info!(order_id = %request.order_id, authorization_id = %r.authorization_id, "payment authorized")
        }
        Err(e) => {
            tracing::warn!(order_id = %request.order_id, error = e.name(), attempt = request.attempt, "payment not authorized")
        }
    }
    response
}

/// authorize-payment as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type AuthorizePayment = Deps<dyn PaymentGateway>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<AuthorizePayment> = shell::Declaration::new();

impl shell::Function for AuthorizePayment {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::Payments, Port::Idempotency];
    type Output = AuthorizeResponse;

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
