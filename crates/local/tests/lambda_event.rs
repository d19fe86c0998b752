//! An asynchronous invocation (`Invoke` with `InvocationType: Event`) keeps the request id
//! its 202 answered with: every attempt Lambda makes, and so every log line, carries it,
//! as AWS's retries of one event do.

use orderly_local::runtime::LocalCloud;
use orderly_local::scenarios::{ScenarioEnv, start_cloud};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

fn cloud() -> LocalCloud {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    start_cloud(&ScenarioEnv::at(root)).expect("the project's template starts")
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_attempt_of_an_event_invocation_carries_its_request_id() {
    let cloud = cloud();
    let host = cloud
        .inner
        .function("ReserveStockFunction")
        .expect("the template has ReserveStockFunction");
    let attempts = host.function.async_invoke.maximum_retry_attempts + 1;
    // A payload the handler refuses: every attempt fails, and Lambda retries.
    cloud.inner.invoke_async_as(
        "ReserveStockFunction",
        json!({"orderId": 7}),
        "req-event-1".to_owned(),
    );
    for _ in 0..600 {
        if cloud.inner.is_idle() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert!(cloud.inner.is_idle(), "the retries ended");
    let starts = cloud
        .inner
        .logs
        .events(&host.function.log_group)
        .into_iter()
        .filter(|e| e.text.contains("\"START\"") && e.text.contains("req-event-1"))
        .count();
    assert_eq!(
        starts, attempts as usize,
        "one START per attempt, each with the id"
    );
}
