//! One cold start's init steps and its first and warm DynamoDB call, with or without
//! [`warm_up`] before it: the measurement behind `scripts/coldstart`'s "first call" table.
//! Run it once per process (a cold start is a new process: the trusted roots are loaded
//! once per process).
//!
//! ```text
//! ORDERLY_FIRST_CALL_ENDPOINT=https://127.0.0.1:PORT ORDERLY_FIRST_CALL_CERT=cert.pem \
//!   first_call [--warm-up] [--eager-connector]
//! ```
//!
//! The endpoint's certificate is trusted here only, next to the system roots (so loading
//! them costs what it costs in a function). `--eager-connector` builds the SDK clients on
//! the bare HTTPS client, without [`connector_on_first_use`]. Prints one JSON line of
//! milliseconds: `logs` (`init_lambda_logs`), `config` (the SDK configuration made from
//! Lambda's variables, as the shell makes it), `clients` (building `AwsAdapters`, whose SDK clients are built on first
//! use), `warm_up` (0 without `--warm-up`), `first` and `warm` (the first and second
//! `DescribeEndpoints` call).

use orderly_aws::config::AwsAdapters;
use orderly_aws::warm::{Service, connector_on_first_use, warm_up};
use orderly_core::clock::Stopwatch;

fn millis(started: Stopwatch) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use aws_smithy_http_client::tls::{
        Provider, TlsContext, TrustStore, rustls_provider::CryptoMode,
    };
    let endpoint = std::env::var("ORDERLY_FIRST_CALL_ENDPOINT")?;
    let cert = std::fs::read(std::env::var("ORDERLY_FIRST_CALL_CERT")?)?;
    let with_warm_up = std::env::args().any(|arg| arg == "--warm-up");
    let eager = std::env::args().any(|arg| arg == "--eager-connector");

    let started = Stopwatch::start();
    orderly_core::telemetry::init_lambda_logs();
    let logs = millis(started);

    let started = Stopwatch::start();
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(TrustStore::default().with_pem_certificate(cert))
                .build()?,
        )
        .build_https();
    let http = if eager {
        http
    } else {
        connector_on_first_use(http)
    };
    // What the shell does: the configuration from Lambda's variables (the harness sets
    // them), here with the stub's endpoint.
    let sdk = orderly_aws::lambda_env::sdk_config(http)?
        .into_builder()
        .endpoint_url(endpoint)
        .build();
    let config = millis(started);
    let started = Stopwatch::start();
    let aws = AwsAdapters::new(&sdk);
    let clients = millis(started);

    let started = Stopwatch::start();
    if with_warm_up {
        let report = warm_up(&aws, &[Service::DynamoDb]).await;
        if !report.failed.is_empty() {
            return Err(format!("warm-up failed: {report:?}").into());
        }
    }
    let warmed = if with_warm_up { millis(started) } else { 0.0 };

    let started = Stopwatch::start();
    aws.dynamodb().describe_endpoints().send().await?;
    let first = millis(started);
    let started = Stopwatch::start();
    aws.dynamodb().describe_endpoints().send().await?;
    let warm = millis(started);

    println!(
        "{{\"logs\":{logs:.3},\"config\":{config:.3},\"clients\":{clients:.3},\"warm_up\":{warmed:.3},\"first\":{first:.3},\"warm\":{warm:.3}}}"
    );
    Ok(())
}
