//! Logs and metrics as CloudWatch reads them: JSON log lines through `tracing`, EMF
//! metrics, and masking of personal data.

#[cfg(any(test, feature = "test-util"))]
pub mod captured;
pub mod emf;
pub mod envelope_fields;
pub mod json_lines;
pub mod mask;
pub mod metrics;
pub mod xray;

#[cfg(any(test, feature = "test-util"))]
pub use captured::CapturedLines;
pub use emf::{MetricRecord, Unit};
pub use envelope_fields::{
    InvocationFields, in_invocation_span, invocation_fields, invocation_span,
};
pub use json_lines::JsonLines;

/// Sets up JSON logs for a Lambda function: one JSON object per line ([`JsonLines`]), with
/// the function name and the fields of every enclosing span (request id, trace id, and the
/// correlation id, idempotency key and order id of [`invocation_span`]) on every line.
/// The level comes from `AWS_LAMBDA_LOG_LEVEL` (set by the template's LoggingConfig),
/// then `RUST_LOG`, then `info`.
///
/// With active tracing (`AWS_XRAY_DAEMON_ADDRESS` set), every AWS SDK call also becomes an
/// X-Ray subsegment ([`xray`]), whatever the log level. A daemon address that cannot be used
/// turns tracing off with a warning; it never stops the function.
pub fn init_lambda_logs() {
    use tracing_subscriber::util::SubscriberInitExt;
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned());
    let (daemon, mut trouble) = match xray::daemon_address_from_env() {
        Some(Ok(daemon)) => (Some(daemon), None),
        Some(Err(error)) => (None, Some(error)),
        None => (None, None),
    };
    let subscriber = match lambda_subscriber(&level, daemon) {
        Ok(subscriber) => subscriber,
        Err(error) => {
            trouble = Some(error);
            match lambda_subscriber(&level, None) {
                Ok(subscriber) => subscriber,
                // Without a daemon there is no socket to fail; nothing else can.
                Err(_) => return,
            }
        }
    };
    let _ = subscriber.try_init();
    if let Some(error) = trouble {
        tracing::warn!(%error, "X-Ray subsegments are off");
    }
}

/// The subscriber [`init_lambda_logs`] installs: JSON log lines filtered at `level`, and
/// when `xray_daemon` is given, the X-Ray layer with its own filter, so SDK spans reach it
/// while logs stay at `level`.
///
/// `level` is a level (`debug`) or comma-separated `target=level` directives with an
/// optional default (`orderly_core=debug,aws_smithy_runtime=warn,info`), any case; `info`
/// when it does not parse. These are `tracing_subscriber`'s `Targets`, not `EnvFilter`:
/// the span and field directives that `EnvFilter` adds need a regex engine in every
/// function binary (about 0.4 MB) and no function uses them.
pub fn lambda_subscriber(
    level: &str,
    xray_daemon: Option<std::net::SocketAddr>,
) -> Result<impl tracing::Subscriber + Send + Sync + 'static, xray::XrayError> {
    use tracing_subscriber::{Layer, filter::Targets, layer::SubscriberExt};
    let info = || Targets::new().with_default(tracing::Level::INFO);
    let filter = match level.trim() {
        "" => info(),
        directives => directives.to_lowercase().parse().unwrap_or_else(|_| info()),
    };
    let logs = JsonLines::from_env().with_filter(filter);
    let xray = xray_daemon.map(xray::layer).transpose()?;
    Ok(tracing_subscriber::registry().with(logs).with(xray))
}
