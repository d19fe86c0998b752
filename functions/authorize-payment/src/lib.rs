//! Authorizes an order's payment. Idempotent per order: a retried step after a success
//! replays the authorization; a failed attempt releases its lock so the retry runs again.

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

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    pub order_id: String,
    pub payment_token: String,
    pub total: Money,
    /// `$$.State.RetryCount`: which attempt of this step this is.
    #[serde(default)]
    pub attempt: u32,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeResponse {
    pub authorization_id: String,
    pub amount: i64,
    pub currency: String,
}

pub struct Deps<P: ?Sized> {
    pub payments: Arc<P>,
    pub idempotency: IdempotencyEngine,
}

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
