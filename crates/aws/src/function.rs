//! The Lambda binary of every function: `main.rs` calls [`run`] with the function's
//! declaration, and this builds it exactly as the local cloud does — from a source of
//! adapters (here the AWS SDK's) and an environment (here the process's) — then serves it
//! behind its invocation frame.

use crate::config::AwsAdapters;
use crate::init_report::{InitReport, Phase};
use crate::warm::{Service, warm_up};
use orderly_core::shell::{Declaration, Declared, Environment, Function};

/// Runs function `F` as a Lambda function: logs and telemetry, the environment read and
/// its dependencies built once per process, the connection to each service it calls
/// opened, one log line of how long each of those took ([`crate::init_report`]), then the
/// runtime loop. A missing or invalid variable stops the function at start with an error
/// that names it.
pub fn run<F: Function>() -> Result<(), lambda_runtime::Error> {
    // One thread: a Lambda execution environment handles one event at a time, and a
    // current-thread runtime starts without spawning a worker pool.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(serve::<F>())
}

async fn serve<F: Function>() -> Result<(), lambda_runtime::Error> {
    let mut report = InitReport::start();
    orderly_core::telemetry::init_lambda_logs();
    report.phase(Phase::Logs);
    let adapters = AwsAdapters::from_env()
        .await
        .inspect_err(|error| tracing::error!(%error, "the function cannot start"))?;
    report.phase(Phase::Config);
    let function = Declaration::<F>::new()
        .build(&adapters, &Environment::process())
        .inspect_err(|error| tracing::error!(%error, "the function cannot start"))?;
    report.phase(Phase::Build);
    // Init runs at full CPU before the first event: the DNS lookup, TLS handshake and
    // credential resolution of each service the function calls happen here, not in its
    // first invocation. Bounded in time; a failure only costs the first call its warmth.
    let warmed = warm_up(&adapters, &Service::of_ports(F::PORTS)).await;
    report.phase(Phase::WarmUp);
    tracing::debug!(?warmed, "connections warmed");
    report.log();
    lambda_runtime::run(function).await
}
