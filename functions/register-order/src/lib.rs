//! Registers an order for one execution of the workflow. The first execution to register
//! an order owns it; any other execution for the same order (a duplicate put of
//! OrderCreated) is told `Duplicate` and ends. A retry of the owning execution replays
//! `Registered`.

use lambda_runtime::LambdaEvent;
use orderly_core::contracts::Metadata;
use orderly_core::domain::{ApprovalPolicy, FulfillmentOrder};
use orderly_core::idempotency::IdempotencyEngine;
use orderly_core::lambda::{TaskError, parse_input};
use orderly_core::ports::{InsertOutcome, OrderStatusWriter, OrderTable, OrderWriter};
use orderly_core::shell::{self, Port, Ports, Setting, ShellError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// The function's name in metrics, logs and idempotency keys.
pub const FUNCTION: &str = "register-order";

/// The approval threshold in minor units; the default policy when unset.
pub const APPROVAL_THRESHOLD: Setting = Setting::optional("APPROVAL_THRESHOLD");

/// The approval policy of `APPROVAL_THRESHOLD` (its one parse); a value that is not a
/// whole number stops the function at start.
fn approval_policy(ports: &Ports<'_>) -> Result<ApprovalPolicy, ShellError> {
    Ok(ports
        .parsed(APPROVAL_THRESHOLD.name, |text| {
            text.trim()
                .parse::<i64>()
                .map(|threshold| ApprovalPolicy { threshold })
                .map_err(|_| format!("is not a whole number: {text}"))
        })?
        .unwrap_or_default())
}

/// Status an order has while its workflow runs.
pub const PROCESSING: &str = "PROCESSING";

/// The task's input, as the state machine's RegisterOrder state passes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// The order as the workflow carries it (no personal data); checked here, since
    /// events can be put on the bus without passing through place-order.
    pub order: Value,
    /// The metadata of the OrderCreated event that started the execution.
    pub metadata: Metadata,
    /// `$$.Execution.Id`.
    pub execution_id: String,
}

/// Whether this execution owns the order.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Registration {
    /// This execution owns the order (first to register, or a retry of the owner).
    Registered,
    /// Another execution owns the order: this one is a duplicate and ends.
    Duplicate,
}

/// The task's result, which the workflow branches on.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RegisterResponse {
    /// [`Registration::Duplicate`] ends the execution.
    pub status: Registration,
    /// Whether the order's total calls for a person's approval.
    pub needs_approval: bool,
}

/// What the idempotency record keeps: which execution owns the order.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Owner {
    execution_id: String,
}

/// What the handler needs: the orders table, the approval policy and the idempotency
/// engine.
pub struct Deps<O: ?Sized> {
    /// Where the order is stored with status [`PROCESSING`].
    pub orders: Arc<O>,
    /// Which totals need approval; from `APPROVAL_THRESHOLD`.
    pub policy: ApprovalPolicy,
    /// Keyed on the order id; the record keeps the owning execution's id.
    pub idempotency: IdempotencyEngine,
}

/// Registers the order for the calling execution, or tells it the order has another.
///
/// # Errors
///
/// `InvalidOrder` for an order that is malformed or breaks a rule, `InvalidInput` for a
/// malformed request, or a store failure.
pub async fn handler<O>(
    deps: &Deps<O>,
    event: LambdaEvent<Value>,
) -> Result<RegisterResponse, TaskError>
where
    O: OrderWriter + OrderStatusWriter + ?Sized,
{
    let (payload, context) = event.into_parts();
    let request: RegisterRequest = parse_input(payload)?;
    let order: FulfillmentOrder = serde_json::from_value(request.order)
        .map_err(|e| TaskError::rule("InvalidOrder", format!("order is malformed: {e}")))?;
    order.validate()?;
    let owner = deps
        .idempotency
        .run_keyed(
            &order.order_id,
            deps.idempotency.remaining_until(context.deadline),
            || async {
                if let InsertOutcome::AlreadyExists(_) = deps
                    .orders
                    .insert_order((&order).into(), PROCESSING)
                    .await?
                {
                    deps.orders.set_status(&order.order_id, PROCESSING).await?;
                }
                Ok::<_, TaskError>(Owner {
                    execution_id: request.execution_id.clone(),
                })
            },
        )
        .await?;
    let status = if owner.execution_id == request.execution_id {
        Registration::Registered
    } else {
        Registration::Duplicate
    };
    // The state machine logs no execution data: this line ties the execution to its order
    // and (through the invocation span) its correlation id, for an operator.
    tracing::info!(
        order_id = %order.order_id,
        execution_id = %request.execution_id,
        ?status,
        "order registered"
    );
    Ok(RegisterResponse {
        status,
        needs_approval: deps.policy.needs_approval(&order.total),
    })
}

/// register-order as the Lambda binary and the local cloud run it: its ports from any source of
/// adapters.
pub type RegisterOrder = Deps<dyn OrderTable>;

/// The declaration hosts (the local cloud) build this function from.
pub static DECLARATION: shell::Declaration<RegisterOrder> = shell::Declaration::new();

impl shell::Function for RegisterOrder {
    const NAME: &'static str = FUNCTION;
    const PORTS: &'static [Port] = &[Port::Orders, Port::Idempotency];
    const SETTINGS: &'static [Setting] = &[APPROVAL_THRESHOLD];
    type Output = RegisterResponse;

    fn build(ports: &Ports<'_>) -> Result<Self, ShellError> {
        Ok(Deps {
            orders: ports.orders()?,
            policy: approval_policy(ports)?,
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
