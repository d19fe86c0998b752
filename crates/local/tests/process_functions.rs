//! Functions whose crate the local cloud does not link run as processes of their own
//! behind the Lambda Runtime API. A scripted runtime (`process_support/fake_runtime.py`)
//! tries each way a process can answer, fail, hang or die; the audit crate, built and run
//! as a process, shows a real function working through the cloud's AWS endpoint.

use lambda_runtime::Diagnostic;
use orderly_local::runtime::handlers::{OrderlyHandlers, out_of_process};
use orderly_local::runtime::lambda::{InvokeError, LocalHandler};
use orderly_local::runtime::process::ProcessHandler;
use orderly_local::runtime::world::World;
use orderly_local::runtime::{CloudOptions, HandlerFactory, LocalCloud};
use orderly_local::template::Function;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Runs every function of the template as the script `runtime`.
struct Scripted {
    runtime: PathBuf,
}

impl HandlerFactory for Scripted {
    fn build(&self, function: &Function, world: &World) -> Result<Arc<dyn LocalHandler>, String> {
        Ok(Arc::new(ProcessHandler::new(
            function,
            self.runtime.clone(),
            world.cloud(),
        )))
    }
}

/// A one-function template whose function behaves as `behaviour`, with a 1 s timeout.
fn scripted_cloud(dir: &Path, behaviour: &str) -> LocalCloud {
    let template = dir.join("template.yaml");
    let marker = dir.join("exited-once");
    std::fs::write(
        &template,
        format!(
            "Transform: AWS::Serverless-2016-10-31\n\
             Resources:\n  Fake:\n    Type: AWS::Serverless::Function\n    Properties:\n\
             \x20     CodeUri: fake\n      Handler: bootstrap\n      Runtime: provided.al2023\n\
             \x20     Timeout: 1\n      Environment:\n        Variables:\n\
             \x20         BEHAVIOUR: {behaviour}\n          TABLE: loyalty\n\
             \x20         MARKER: {}\n",
            marker.display()
        ),
    )
    .expect("template written");
    let runtime = dir.join("bootstrap");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/process_support/fake_runtime.py"
        ),
        &runtime,
    )
    .expect("runtime copied");
    let script = std::fs::read_to_string(&runtime).expect("runtime read");
    std::fs::write(&runtime, format!("#!/usr/bin/env python3\n{script}")).expect("shebang");
    make_executable(&runtime);
    LocalCloud::start(CloudOptions::new(template), Arc::new(Scripted { runtime }))
        .expect("cloud starts")
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

async fn invoke(cloud: &LocalCloud, payload: Value) -> Result<Value, InvokeError> {
    cloud.inner.invoke("Fake", payload).await
}

fn function_error(result: Result<Value, InvokeError>) -> Diagnostic {
    match result {
        Err(InvokeError::Function(d)) => d,
        other => panic!("expected a function error, got {other:?}"),
    }
}

fn group_messages(cloud: &LocalCloud) -> Vec<String> {
    cloud
        .inner
        .logs
        .group_lines("/aws/lambda/orderly-Fake")
        .iter()
        .filter_map(|l| {
            l.line
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect()
}

/// An event reaches the process with Lambda's headers and variables, the answer comes
/// back, a warm process takes the next event, and what it prints is in its log group.
#[tokio::test]
async fn a_process_answers_its_events_and_stays_warm() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "echo");
    let first = invoke(&cloud, json!({"orderId": "o-1"}))
        .await
        .expect("answered");
    assert_eq!(first["event"], json!({"orderId": "o-1"}));
    assert_eq!(first["function"], "orderly-Fake");
    assert_eq!(
        first["table"], "loyalty",
        "the template's variables are set"
    );
    assert!(
        first["endpoint"]
            .as_str()
            .is_some_and(|e| e.starts_with("http://127.0.0.1:")),
        "the SDK is pointed at this cloud: {first}"
    );
    let left = first["ms_left"].as_i64().expect("a deadline");
    assert!(
        (0..=1000).contains(&left),
        "the deadline is the 1 s timeout away: {left}"
    );
    let second = invoke(&cloud, json!({"orderId": "o-2"}))
        .await
        .expect("answered");
    assert_eq!(
        second["pid"], first["pid"],
        "the warm process takes the next event"
    );
    let messages = group_messages(&cloud);
    assert!(
        messages.iter().any(|m| m == "plain text from the runtime"),
        "{messages:?}"
    );
    assert_eq!(
        messages.iter().filter(|m| *m == "got event").count(),
        2,
        "{messages:?}"
    );
}

/// Output that is not UTF-8, or a line longer than a log event holds, neither stops the
/// copying nor holds the line whole: bytes are replaced, a long line is split.
#[tokio::test]
async fn odd_output_is_logged_and_copying_goes_on() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "noisy");
    invoke(&cloud, json!({})).await.expect("answered");
    let messages = group_messages(&cloud);
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("not utf-8: \u{FFFD}")),
        "{:?}",
        messages
            .iter()
            .map(|m| m.chars().take(40).collect::<String>())
            .collect::<Vec<_>>()
    );
    let parts: Vec<usize> = messages
        .iter()
        .filter(|m| m.starts_with('y'))
        .map(String::len)
        .collect();
    assert_eq!(parts.iter().sum::<usize>(), 600_000, "{parts:?}");
    assert!(parts.iter().all(|&n| n <= 256 * 1024), "{parts:?}");
    assert!(messages.iter().any(|m| m == "got event"), "copying went on");
}

/// A runtime that cannot be started fails each event with Lambda's entrypoint error.
#[tokio::test]
async fn a_runtime_that_cannot_start_fails_each_event() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "echo");
    std::fs::remove_file(dir.path().join("bootstrap")).expect("removed");
    for _ in 0..2 {
        let error = function_error(invoke(&cloud, json!({})).await);
        assert_eq!(error.error_type, "Runtime.InvalidEntrypoint");
    }
}

/// Events sent at once are answered one after another by the one process.
#[tokio::test]
async fn concurrent_events_are_each_answered_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "echo");
    let answers = futures::future::join_all((0..6).map(|i| invoke(&cloud, json!({"n": i})))).await;
    let mut seen: Vec<i64> = answers
        .into_iter()
        .map(|a| a.expect("answered")["event"]["n"].as_i64().expect("n"))
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..6).collect::<Vec<_>>());
}

/// The error a process posts is the invocation's error, as Lambda reports it.
#[tokio::test]
async fn a_posted_error_is_the_function_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "error");
    let error = function_error(invoke(&cloud, json!({})).await);
    assert_eq!(error.error_type, "OrderInvalid");
    assert_eq!(error.error_message, "no lines");
}

/// A process that dies with the event fails it with Lambda's exit error, and the next
/// event gets a fresh process.
#[tokio::test]
async fn a_process_that_dies_fails_its_event_and_is_replaced() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "exit-once");
    let error = function_error(invoke(&cloud, json!({})).await);
    assert_eq!(error.error_type, "Runtime.ExitError");
    assert!(
        error.error_message.contains("exit status: 3"),
        "{}",
        error.error_message
    );
    let answer = invoke(&cloud, json!({"again": true}))
        .await
        .expect("a fresh process");
    assert_eq!(answer["event"], json!({"again": true}));
}

/// A process over its timeout fails the event with Lambda's timeout error and is ended;
/// the next event gets a fresh process.
#[tokio::test]
async fn a_process_over_its_timeout_is_ended() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "sleep");
    let warm = invoke(&cloud, json!({})).await.expect("answered");
    let error = function_error(invoke(&cloud, json!({"sleep": 3})).await);
    assert_eq!(error.error_type, "Sandbox.Timedout");
    assert_eq!(error.error_message, "Task timed out after 1.00 seconds");
    let fresh = invoke(&cloud, json!({})).await.expect("answered");
    assert_ne!(fresh["pid"], warm["pid"], "the timed-out process was ended");
}

/// Under a paused clock (the demo's), a process that works in real time is not timed out
/// by virtual time racing ahead while it works.
#[tokio::test(start_paused = true)]
async fn a_paused_clock_waits_for_the_process() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "sleep");
    let answer = invoke(&cloud, json!({"sleep": 0.3}))
        .await
        .expect("answered in time");
    assert_eq!(answer["event"], json!({"sleep": 0.3}));
}

/// A runtime that cannot start reports its init error, which the event fails with.
#[tokio::test]
async fn an_init_error_is_the_event_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cloud = scripted_cloud(dir.path(), "init-error");
    let error = function_error(invoke(&cloud, json!({})).await);
    assert!(
        error.error_type == "Runtime.ConfigError" || error.error_type == "Runtime.ExitError",
        "{error:?}"
    );
}

/// Runs one function of the repository's template from its crate's binary, as a process,
/// and every other in-process.
struct OneOutOfProcess {
    logical_id: &'static str,
}

impl HandlerFactory for OneOutOfProcess {
    fn build(&self, function: &Function, world: &World) -> Result<Arc<dyn LocalHandler>, String> {
        if function.logical_id == self.logical_id {
            out_of_process(function, world)
        } else {
            OrderlyHandlers.build(function, world)
        }
    }
}

/// The audit crate's own binary, built by cargo and run as a process, stores an event
/// through the cloud's DynamoDB endpoint and, handed the same message again, replays its
/// answer instead of storing twice: the real function, with its real AWS adapters.
#[tokio::test]
async fn a_function_crate_runs_as_a_process_on_the_clouds_endpoint() {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let cloud = LocalCloud::start(
        CloudOptions::new(root.join("template.yaml")),
        Arc::new(OneOutOfProcess {
            logical_id: "AuditFunction",
        }),
    )
    .expect("cloud starts");
    let sample: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("events/lambda/audit.json")).expect("sample"),
    )
    .expect("sample is JSON");
    let first = cloud
        .inner
        .invoke("AuditFunction", sample.clone())
        .await
        .expect("answered");
    assert_eq!(first, json!({"batchItemFailures": []}));
    let again = cloud
        .inner
        .invoke("AuditFunction", sample)
        .await
        .expect("answered");
    assert_eq!(again, first);
    let group = &cloud.inner.model.functions["AuditFunction"].log_group;
    let lines = cloud.inner.logs.group_lines(group);
    let messages: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.line.get("message").and_then(Value::as_str))
        .collect();
    assert!(messages.contains(&"event audited"), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.starts_with("replaying")),
        "the second delivery replays: {messages:?}"
    );
}
