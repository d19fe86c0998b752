//! `orderly serve`: the local cloud on loopback, on wall-clock time, for the AWS CLI and
//! SDKs.

use super::TablesKind;
use clap::Args;
use orderly_local::clock::SystemClock;
use orderly_local::runtime::background::{
    BACKGROUND_NICE, Background, BackgroundError, DEFAULT_MAX_BACKLOG, runtime_at,
};
use orderly_local::runtime::executions::CLOSED_EXECUTION_DAYS;
use orderly_local::runtime::handlers::OrderlyHandlers;
use orderly_local::runtime::logs::CloudLogLayer;
use orderly_local::runtime::retention::Retention;
use orderly_local::runtime::{CloudOptions, LocalCloud};
use orderly_local::server;
use orderly_local::server::transport::Limits;
use orderly_local::template::LoadOptions;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct ServeArgs {
    /// The port on 127.0.0.1; 0 picks a free one (printed when ready).
    #[arg(long, default_value_t = 4566)]
    port: u16,
    /// The SAM template to run.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    /// Values for the template's parameters, as `sam deploy --parameter-overrides` takes
    /// them: `Key=Value`, several in one argument separated by spaces, or the option given
    /// again (`--parameter-overrides QueueVisibilityTimeout=2`).
    #[arg(long, value_name = "KEY=VALUE", num_args = 1.., value_parser = parameters)]
    parameter_overrides: Vec<Vec<(String, String)>>,
    /// Write each log group to `<DIR>/<group>.log` (they are kept in memory otherwise).
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// Print every log line (functions, executions) on stdout too.
    #[arg(long)]
    echo_logs: bool,
    /// Seconds a client has to send a request's headers, from the connection's opening or
    /// the request's first byte; a connection over it is closed.
    #[arg(long, value_name = "SECONDS", value_parser = seconds,
          default_value_t = Seconds(Limits::DEFAULT.header_timeout))]
    header_timeout: Seconds,
    /// Seconds a client has to send a request's body once its headers are in; over it the
    /// request is answered 408 RequestTimeoutException.
    #[arg(long, value_name = "SECONDS", value_parser = seconds,
          default_value_t = Seconds(Limits::DEFAULT.body_timeout))]
    body_timeout: Seconds,
    /// Seconds from a request's headers to its answer; over it the request is answered 503
    /// ServiceUnavailable.
    #[arg(long, value_name = "SECONDS", value_parser = seconds,
          default_value_t = Seconds(Limits::DEFAULT.request_timeout))]
    request_timeout: Seconds,
    /// Seconds a kept-alive connection may wait for its next request before it is closed.
    #[arg(long, value_name = "SECONDS", value_parser = seconds,
          default_value_t = Seconds(Limits::DEFAULT.idle_timeout))]
    idle_timeout: Seconds,
    /// Connections served at once; further ones wait in the listen backlog until one
    /// closes.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..),
          default_value_t = Limits::DEFAULT.max_connections as u32)]
    max_connections: u32,
    /// The most closed executions kept (with their histories); the oldest closed go first.
    #[arg(long, value_name = "N", default_value_t = Retention::default().executions.max_closed)]
    max_closed_executions: usize,
    /// How long a closed execution is kept, in days (Step Functions keeps them 90).
    #[arg(long, value_name = "DAYS", default_value_t = CLOSED_EXECUTION_DAYS)]
    closed_execution_days: i64,
    /// The most log lines kept in memory, all groups together; each group also keeps its
    /// template's RetentionInDays. `--log-dir` files keep every line.
    #[arg(long, value_name = "N", default_value_t = Retention::default().max_log_lines)]
    max_log_lines: usize,
    /// The most trace hops kept (X-Ray keeps traces 30 days).
    #[arg(long, value_name = "N", default_value_t = Retention::default().trace.max_hops)]
    max_trace_hops: usize,
    /// The MiB of events the bus archives keep, all together; the oldest go first, and each
    /// archive also keeps its RetentionDays.
    #[arg(long, value_name = "MIB",
          default_value_t = Retention::default().max_archived_bytes / (1024 * 1024))]
    max_archived_mib: usize,
    /// Where the tables (orders, stock, idempotency, …) keep their items.
    #[arg(long, value_enum, default_value_t = TablesKind::Disk)]
    tables: TablesKind,
    /// The directory in which `--tables disk` makes its files (unlinked once open, so they
    /// go with the process); the system's temporary directory by default.
    #[arg(long, value_name = "DIR")]
    tables_dir: Option<PathBuf>,
    /// The work behind the front door (rule deliveries, executions, invocations, queue
    /// messages) that may wait before front door requests wait for it to catch up.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..),
          default_value_t = DEFAULT_MAX_BACKLOG as u64)]
    max_backlog: u64,
    /// The nice value (0 to 19) of the threads that run the work behind the front door:
    /// 19, the lowest priority (on Linux also the idle scheduling class), answers the
    /// front door first under load; 0 gives both the same share of the cores.
    #[arg(long, value_name = "NICE", value_parser = clap::value_parser!(i32).range(0..=19),
          default_value_t = BACKGROUND_NICE)]
    background_nice: i32,
}

impl ServeArgs {
    fn limits(&self) -> Limits {
        Limits {
            header_timeout: self.header_timeout.0,
            body_timeout: self.body_timeout.0,
            request_timeout: self.request_timeout.0,
            idle_timeout: self.idle_timeout.0,
            max_connections: self.max_connections as usize,
        }
    }

    fn retention(&self) -> Retention {
        let mut retention = Retention::default();
        retention.executions.max_closed = self.max_closed_executions;
        retention.executions.closed_ms = self
            .closed_execution_days
            .saturating_mul(24 * 60 * 60 * 1000);
        retention.max_log_lines = self.max_log_lines;
        retention.trace.max_hops = self.max_trace_hops;
        retention.max_archived_bytes = self.max_archived_mib.saturating_mul(1024 * 1024);
        retention
    }
}

/// The `Key=Value` pairs of one argument of `--parameter-overrides`, separated by spaces.
fn parameters(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split_whitespace().map(parameter).collect()
}

/// One `Key=Value` of `--parameter-overrides`.
fn parameter(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok((key.to_owned(), value.to_owned()))
        }
        _ => Err(format!(
            "{text:?} is not Key=Value, with an alphanumeric key as a template parameter has"
        )),
    }
}

/// A duration given in seconds, decimals allowed (`0.5`).
#[derive(Debug, Clone, Copy)]
struct Seconds(Duration);

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.as_secs_f64())
    }
}

fn seconds(text: &str) -> Result<Seconds, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if value <= 0.0 {
        return Err(format!("{text} is not a positive number of seconds"));
    }
    Duration::try_from_secs_f64(value)
        .map(Seconds)
        .map_err(|e| format!("{text}: {e}"))
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Background(#[from] BackgroundError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("{}: {source}", template.display())]
    Start {
        template: PathBuf,
        source: orderly_local::runtime::StartError,
    },
}

pub fn run(args: ServeArgs) -> ExitCode {
    // Clients closing their sockets must not end the server (see orderly_local::stdout).
    orderly_local::stdout::survive_closed_pipe();
    install_tracing();
    match serve(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orderly serve: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Request logs go to stderr through `RUST_LOG` (`orderly_local::server=debug` shows each
/// request); the cloud's own log routing stays in place beside them.
fn install_tracing() {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("orderly_local::server=info"));
    let _ = tracing_subscriber::registry()
        .with(CloudLogLayer)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
        .try_init();
}

fn serve(args: ServeArgs) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    // The work behind the front door, on threads of its own (as many as the front door's,
    // so it has every core while the front door is idle).
    let background = runtime_at(
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
        args.background_nice,
    )?;
    let max_backlog = usize::try_from(args.max_backlog).unwrap_or(usize::MAX);
    let limits = args.limits();
    // The background runtime stays out here: dropped inside the async block (on an error
    // that ends it early) it would panic, as a runtime may not be dropped from async code.
    let background_handle = background.handle().clone();
    runtime.block_on(async move {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        let endpoint = format!("http://{addr}");
        // Queue URLs name this endpoint, so the URLs ListQueues returns work as given.
        let load = LoadOptions {
            endpoint: endpoint.clone(),
            parameter_overrides: args.parameter_overrides.iter().flatten().cloned().collect(),
        };
        let retention = args.retention();
        let cloud = LocalCloud::start(
            CloudOptions {
                template: args.template.clone(),
                load,
                clock: SystemClock::shared(),
                log_dir: args.log_dir,
                echo_logs: args.echo_logs,
                faults: std::sync::Arc::new(orderly_local::runtime::faults::NoFaults),
                retention,
                tables: args.tables.storage(args.tables_dir.clone()),
                background: Background {
                    runtime: Some(background_handle),
                    max_backlog: Some(max_backlog),
                },
            },
            std::sync::Arc::new(OrderlyHandlers),
        )
        .map_err(|source| ServeError::Start {
            template: args.template,
            source,
        })?;
        orderly_local::stdout::line(format_args!("orderly serve listening on {endpoint}"));
        orderly_local::stdout::line(format_args!(
            "orderly console at {}",
            orderly_local::console::address(&endpoint)
        ));
        tokio::select! {
            () = server::serve(listener, cloud.inner.clone(), limits) => Ok(()),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}
