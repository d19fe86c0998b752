//! One execution environment: a function's process, its Runtime API, and the tasks that
//! carry its output to its log group and notice when it exits.

use super::failure;
use super::runtime_api::{self, Exchange, Offer, Outcome};
use crate::runtime::CloudInner;
use crate::runtime::logs::LogStore;
use crate::template::Function;
use lambda_runtime::Diagnostic;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio::task::AbortHandle;

/// What starting a function's process takes from the template.
pub(super) struct Spec {
    pub(super) name: String,
    pub(super) executable: PathBuf,
    pub(super) timeout_secs: u32,
    memory_mb: u32,
    log_group: String,
    environment: BTreeMap<String, String>,
}

impl Spec {
    pub(super) fn of(function: &Function, executable: PathBuf) -> Self {
        Self {
            name: function.name.clone(),
            executable,
            timeout_secs: function.timeout_secs,
            memory_mb: function.memory_mb,
            log_group: function.log_group.clone(),
            environment: function.environment.clone(),
        }
    }
}

/// A running process and its Runtime API.
pub(super) struct ExecutionEnvironment {
    exchange: Arc<Exchange>,
    /// The Runtime API server, the output readers and the exit watcher.
    tasks: Vec<AbortHandle>,
}

impl ExecutionEnvironment {
    /// Starts `spec`'s process against `cloud`'s AWS endpoint.
    pub(super) async fn start(spec: &Spec, cloud: &Arc<CloudInner>) -> Result<Self, Diagnostic> {
        let unavailable = |e: std::io::Error| failure("Runtime.Unavailable", e.to_string());
        let endpoint = cloud.aws_endpoint().await.map_err(unavailable)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(unavailable)?;
        let api = listener.local_addr().map_err(unavailable)?;
        let exchange = Arc::new(Exchange::default());
        let mut child = Command::new(&spec.executable)
            .env_clear()
            .envs(lambda_variables(
                spec,
                &api.to_string(),
                &endpoint,
                &cloud.model.region,
            ))
            .envs(&spec.environment)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                failure(
                    "Runtime.InvalidEntrypoint",
                    format!("{}: {e}", spec.executable.display()),
                )
            })?;
        // The API is served once the process is running: a process that cannot start
        // leaves no server behind. Its first request waits in the listen backlog till then.
        let router = runtime_api::router(exchange.clone());
        // No Nagle delay on the answers (see server::conn).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let mut tasks = vec![
            tokio::spawn(async move {
                let _ = axum::serve(listener, router).await;
            })
            .abort_handle(),
        ];
        if let Some(out) = child.stdout.take() {
            tasks.push(forward(out, cloud.logs.clone(), spec.log_group.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tasks.push(forward(err, cloud.logs.clone(), spec.log_group.clone()));
        }
        let watched = exchange.clone();
        tasks.push(
            tokio::spawn(async move {
                let status = match child.wait().await {
                    Ok(status) => status.to_string(),
                    Err(e) => e.to_string(),
                };
                watched.exited(status);
            })
            .abort_handle(),
        );
        Ok(Self { exchange, tasks })
    }

    /// Whether the process is still running.
    pub(super) fn is_alive(&self) -> bool {
        !self.exchange.has_exited()
    }

    /// Offers an event; the receiver gets its outcome.
    pub(super) fn offer(&self, offer: Offer) -> Receiver<Outcome> {
        let (reply, outcome) = std::sync::mpsc::channel();
        self.exchange.offer(offer, reply);
        outcome
    }
}

impl Drop for ExecutionEnvironment {
    /// Ends the process (the watcher owns it, and it is killed when dropped) and its API.
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The PATH Lambda sets for a custom runtime.
const LAMBDA_PATH: &str = "/usr/local/bin:/usr/bin/:/bin:/opt/bin";

/// The level a process logs at: every line of the function's own code, as the local cloud
/// keeps every line of an in-process function whatever the template's
/// `ApplicationLogLevel` (the demo counts idempotent replays from debug lines), without the
/// debug lines of the SDK and HTTP stack, which an in-process function does not have.
const LOG_LEVEL: &str = "debug,aws_config=info,aws_smithy_runtime=info,\
    aws_smithy_runtime_api=info,aws_smithy_http_client=info,aws_sdk_dynamodb=info,\
    aws_sdk_eventbridge=info,aws_sdk_sfn=info,aws_sdk_sqs=info,aws_sdk_scheduler=info,\
    hyper=info,hyper_util=info,h2=info,rustls=info,tower=info";

/// The variables Lambda sets for a custom runtime, pointed at this cloud: the Runtime
/// API, the function's identity, the region, credentials this cloud accepts, and the
/// cloud's endpoint for every service.
fn lambda_variables(
    spec: &Spec,
    runtime_api: &str,
    endpoint: &str,
    region: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_owned()),
        ("AWS_LAMBDA_FUNCTION_NAME", spec.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            spec.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_LOG_GROUP_NAME", spec.log_group.clone()),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "local/[$LATEST]process".to_owned(),
        ),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ("AWS_LAMBDA_LOG_LEVEL", LOG_LEVEL.to_owned()),
        ("AWS_REGION", region.to_owned()),
        ("AWS_DEFAULT_REGION", region.to_owned()),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("AWS_ENDPOINT_URL", endpoint.to_owned()),
        // The endpoint is one loopback host: no `sync-` prefix for StartSyncExecution.
        ("AWS_DISABLE_HOST_PREFIX_INJECTION", "true".to_owned()),
        ("_HANDLER", "bootstrap".to_owned()),
        ("TZ", ":UTC".to_owned()),
        // Lambda's own PATH holds the system's directories; here the host's, so a runtime
        // that is a script finds its interpreter.
        (
            "PATH",
            std::env::var("PATH").unwrap_or_else(|_| LAMBDA_PATH.to_owned()),
        ),
    ]
}

/// The longest log line kept whole: CloudWatch Logs' largest event (256 KB). A longer
/// line goes on in the next event, so one runaway line cannot hold unbounded memory.
const MAX_LINE_BYTES: u64 = 256 * 1024;

/// Copies each line `output` writes to `group`: JSON lines as they are, other text (bytes
/// that are not UTF-8 replaced) as the `message` of a line of its own.
fn forward(
    output: impl AsyncRead + Unpin + Send + 'static,
    logs: Arc<LogStore>,
    group: String,
) -> AbortHandle {
    tokio::spawn(async move {
        let mut reader = BufReader::new(output);
        let mut line = Vec::new();
        loop {
            line.clear();
            match (&mut reader)
                .take(MAX_LINE_BYTES)
                .read_until(b'\n', &mut line)
                .await
            {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\n', '\r']);
            if serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.is_object()) {
                logs.write_text(&group, text.to_owned());
            } else if !text.trim().is_empty() {
                logs.write(&group, serde_json::json!({ "message": text }));
            }
        }
    })
    .abort_handle()
}
