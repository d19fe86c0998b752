//! Lambda entry point: telemetry, configuration and AWS clients built once, outside the
//! handler, then the runtime loop. Everything else lives in the library.

use lambda_runtime::{Error, run, service_fn};
use orderly_core::idempotency::IdempotencyEngine;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    orderly_core::telemetry::init_lambda_logs();
    let aws = orderly_aws::config::AwsAdapters::from_env().await;
    let deps = ship_order::Deps {
        shipments: Arc::new(aws.shipments()?),
        publisher: Arc::new(aws.publisher()?),
        idempotency: IdempotencyEngine::new(
            ship_order::idempotency_config(),
            Arc::new(aws.idempotency_store()?),
        ),
    };
    let deps = &deps;
    run(service_fn(move |event| {
        orderly_core::telemetry::in_invocation_span(event, |event| ship_order::handler(deps, event))
    }))
    .await
}
