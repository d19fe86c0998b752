//! Many executions of one parsed machine run concurrently on one runtime; the futures are
//! `Send`, so they can be spawned.

mod common;

use common::*;
use orderly_states::{ExecutionStatus, Executor};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_machine_many_spawned_executions() {
    let definition = json!({
        "StartAt": "Wait",
        "States": {
            "Wait": {"Type": "Wait", "Seconds": 30, "Next": "Fan"},
            "Fan": {"Type": "Map", "ItemsPath": "$.xs",
                    "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
                    "ResultSelector": {"n.$": "$.length()"},
                    "End": true}
        }
    });
    let executor = Executor::new(machine(&definition), options(Scripted::echo()));
    let handles: Vec<_> = (0..100)
        .map(|i| {
            let executor = executor.clone();
            tokio::spawn(async move {
                executor
                    .run_named(json!({"xs": vec![i; i % 7]}), Some(format!("run-{i}")))
                    .await
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        let execution = handle.await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(execution.status, ExecutionStatus::Succeeded);
        assert_eq!(execution.output, Some(json!({"n": i % 7})));
        assert!(execution.execution_arn.ends_with(&format!(":run-{i}")));
    }
}
