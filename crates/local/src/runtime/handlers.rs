//! The in-process code of each function, by the binary its `CodeUri` builds: the real
//! handler of the crate in `functions/`, wired to the embedded adapters of the cloud.

use super::HandlerFactory;
use super::lambda::LocalHandler;
use super::world::World;
use crate::template::Function;
use async_trait::async_trait;
use futures::future::BoxFuture;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use orderly_core::domain::ApprovalPolicy;
use orderly_core::idempotency::{IdempotencyConfig, IdempotencyEngine};
use serde_json::Value;
use std::sync::Arc;

type Call = dyn Fn(Value, Context) -> BoxFuture<'static, Result<Value, Diagnostic>> + Send + Sync;

/// A handler as a boxed closure over its dependencies.
struct Closure(Box<Call>);

#[async_trait]
impl LocalHandler for Closure {
    async fn invoke(&self, payload: Value, context: Context) -> Result<Value, Diagnostic> {
        (self.0)(payload, context).await
    }
}

/// Wraps `handler(&deps, event)` of a function crate as a [`LocalHandler`].
macro_rules! local {
    ($deps:expr, $handler:path) => {{
        let deps = Arc::new($deps);
        let call: Box<Call> = Box::new(move |payload, context| {
            let deps = deps.clone();
            Box::pin(async move {
                $handler(&*deps, LambdaEvent::new(payload, context))
                    .await
                    .map(|response| serde_json::to_value(response).unwrap_or(Value::Null))
                    .map_err(Diagnostic::from)
            })
        });
        Arc::new(Closure(call)) as Arc<dyn LocalHandler>
    }};
}

/// Builds the functions of `functions/` by binary name.
pub struct OrderlyHandlers;

fn engine(world: &World, config: IdempotencyConfig) -> IdempotencyEngine {
    IdempotencyEngine::new(config, world.idempotency.clone())
}

impl HandlerFactory for OrderlyHandlers {
    fn build(&self, function: &Function, world: &World) -> Result<Arc<dyn LocalHandler>, String> {
        let handler = match function.binary.as_str() {
            "place-order" => local!(
                place_order::Deps {
                    orders: world.orders.clone(),
                    publisher: world.publisher.clone(),
                    idempotency: engine(world, place_order::idempotency_config()),
                },
                place_order::handler
            ),
            "register-order" => {
                let threshold = function
                    .environment
                    .get("APPROVAL_THRESHOLD")
                    .map(|t| {
                        t.parse::<i64>()
                            .map_err(|_| format!("APPROVAL_THRESHOLD is not a whole number: {t}"))
                    })
                    .transpose()?;
                local!(
                    register_order::Deps {
                        orders: world.orders.clone(),
                        policy: threshold
                            .map(|threshold| ApprovalPolicy { threshold })
                            .unwrap_or_default(),
                        idempotency: engine(world, register_order::idempotency_config()),
                    },
                    register_order::handler
                )
            }
            "reserve-stock" => local!(
                reserve_stock::Deps {
                    stock: world.stock.clone(),
                    idempotency: engine(world, reserve_stock::idempotency_config())
                },
                reserve_stock::handler
            ),
            "release-stock" => local!(
                release_stock::Deps {
                    stock: world.stock.clone(),
                    idempotency: engine(world, release_stock::idempotency_config())
                },
                release_stock::handler
            ),
            "authorize-payment" => local!(
                authorize_payment::Deps {
                    payments: world.payments.clone(),
                    idempotency: engine(world, authorize_payment::idempotency_config()),
                },
                authorize_payment::handler
            ),
            "void-payment" => local!(
                void_payment::Deps {
                    payments: world.payments.clone(),
                    idempotency: engine(world, void_payment::idempotency_config())
                },
                void_payment::handler
            ),
            "request-approval" => local!(
                request_approval::Deps {
                    tokens: world.approvals.clone(),
                    publisher: world.publisher.clone(),
                    idempotency: engine(world, request_approval::idempotency_config()),
                },
                request_approval::handler
            ),
            "record-approval" => local!(
                record_approval::Deps {
                    tokens: world.approvals.clone(),
                    callbacks: world.callbacks.clone(),
                    idempotency: engine(world, record_approval::idempotency_config()),
                },
                record_approval::handler
            ),
            "ship-order" => local!(
                ship_order::Deps {
                    shipments: world.shipments.clone(),
                    publisher: world.publisher.clone(),
                    idempotency: engine(world, ship_order::idempotency_config()),
                },
                ship_order::handler
            ),
            "notify-customer" => local!(
                notify_customer::Deps {
                    notifier: world.notifier.clone(),
                    idempotency: engine(world, notify_customer::idempotency_config()),
                },
                notify_customer::handler
            ),
            "audit" => local!(
                audit::Deps {
                    audit: world.audit.clone(),
                    idempotency: engine(world, audit::idempotency_config())
                },
                audit::handler
            ),
            other => return Err(format!("no in-process handler for binary `{other}`")),
        };
        Ok(handler)
    }
}
