//! Lambda entry point: telemetry, configuration and AWS clients built once, outside the
//! handler, then the runtime loop. Everything else lives in the library.

use lambda_runtime::{Error, run, service_fn};
use orderly_core::domain::ApprovalPolicy;
use orderly_core::idempotency::IdempotencyEngine;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    orderly_core::telemetry::init_lambda_logs();
    let aws = orderly_aws::config::AwsAdapters::from_env().await;
    let deps = register_order::Deps {
        orders: Arc::new(aws.orders()?),
        policy: approval_policy()?,
        idempotency: IdempotencyEngine::new(
            register_order::idempotency_config(),
            Arc::new(aws.idempotency_store()?),
        ),
    };
    let deps = &deps;
    run(service_fn(move |event| {
        orderly_core::telemetry::in_invocation_span(event, |event| {
            register_order::handler(deps, event)
        })
    }))
    .await
}

/// The approval threshold in minor units, from `APPROVAL_THRESHOLD`; the default policy
/// when unset. A value that is not a whole number stops the function at start.
fn approval_policy() -> Result<ApprovalPolicy, Error> {
    match std::env::var("APPROVAL_THRESHOLD") {
        Ok(text) => Ok(ApprovalPolicy {
            threshold: text
                .parse()
                .map_err(|_| format!("APPROVAL_THRESHOLD is not a whole number: {text}"))?,
        }),
        Err(_) => Ok(ApprovalPolicy::default()),
    }
}
