//! Logs and metrics as CloudWatch reads them: JSON log lines through `tracing`, EMF
//! metrics, and masking of personal data.

pub mod emf;
pub mod mask;
pub mod metrics;

pub use emf::{MetricRecord, Unit};

/// Sets up JSON logs for a Lambda function: one JSON object per line, with the fields of
/// the current span (request id, correlation id, idempotency key, order id) on every line.
/// The level comes from `AWS_LAMBDA_LOG_LEVEL` (set by the template's LoggingConfig),
/// then `RUST_LOG`, then `info`.
pub fn init_lambda_logs() {
    use tracing_subscriber::EnvFilter;
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_new(level.to_lowercase()).unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .try_init();
}
