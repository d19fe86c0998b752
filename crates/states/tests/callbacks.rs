//! `.waitForTaskToken`, TimeoutSeconds and HeartbeatSeconds, on tokio's paused clock so
//! the waits are exact and instant.

mod common;

use common::*;
use orderly_states::{
    CallbackError, Clock, Execution, ExecutionOptions, ExecutionStatus, TaskFailure, TaskTokens,
    TokioClock, execute,
};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn callback_machine(extra: Value) -> Value {
    let mut state = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "approve", "Payload": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
        "End": true
    });
    if let (Some(s), Some(e)) = (state.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    single(state)
}

async fn start(
    definition: Value,
    tokens: TaskTokens,
    tasks: Arc<Scripted>,
) -> tokio::task::JoinHandle<Execution> {
    let machine = machine(&definition);
    let options = ExecutionOptions {
        clock: Arc::new(TokioClock::new()),
        tasks,
        task_tokens: tokens,
        ..ExecutionOptions::default()
    };
    tokio::spawn(async move { execute(&machine, json!({"order": 7}), options).await })
}

async fn wait_for_token(tokens: &TaskTokens) -> String {
    loop {
        if let Some(t) = tokens.waiting_tokens().into_iter().next() {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn success_callback_completes_the_task() {
    let tokens = TaskTokens::new();
    let tasks = Scripted::new(|_, _| Ok(json!({"StatusCode": 200})));
    let handle = start(callback_machine(json!({})), tokens.clone(), tasks.clone()).await;
    let token = wait_for_token(&tokens).await;
    // The handler saw the token both in the request and in the Parameters.
    let request = tasks
        .requests
        .lock()
        .map(|r| r[0].clone())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request.task_token.as_deref(), Some(token.as_str()));
    assert_eq!(request.parameters["Payload"]["token"], json!(token));
    assert_eq!(
        tokens.send_task_success(&token, json!({"approved": true})),
        Ok(())
    );
    let execution = handle.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(execution.output, Some(json!({"approved": true})));
    // The token is spent.
    assert_eq!(
        tokens.send_task_success(&token, json!(1)),
        Err(CallbackError::TaskDoesNotExist)
    );
    let types = event_types(&execution);
    assert!(
        types
            .windows(2)
            .any(|w| w == ["TaskStarted", "TaskSubmitted"]),
        "{types:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn failure_callback_fails_the_task() {
    let tokens = TaskTokens::new();
    let handle = start(
        callback_machine(json!({})),
        tokens.clone(),
        Scripted::echo(),
    )
    .await;
    let token = wait_for_token(&tokens).await;
    assert_eq!(
        tokens.send_task_failure(&token, "Rejected", "no budget"),
        Ok(())
    );
    let execution = handle.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(execution.error.as_deref(), Some("Rejected"));
    assert_eq!(execution.cause.as_deref(), Some("no budget"));
}

#[tokio::test(start_paused = true)]
async fn timeout_seconds_raise_states_timeout() {
    let tokens = TaskTokens::new();
    let handle = start(
        callback_machine(json!({"TimeoutSeconds": 30})),
        tokens.clone(),
        Scripted::echo(),
    )
    .await;
    let execution = handle.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(execution.error.as_deref(), Some("States.Timeout"));
    assert!(tokens.waiting_tokens().is_empty());
    assert!(event_types(&execution).contains(&"TaskTimedOut".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn heartbeats_keep_a_task_alive_until_they_stop() {
    let tokens = TaskTokens::new();
    let handle = start(
        callback_machine(json!({"TimeoutSeconds": 100, "HeartbeatSeconds": 10})),
        tokens.clone(),
        Scripted::echo(),
    )
    .await;
    let token = wait_for_token(&tokens).await;
    let clock = TokioClock::new();
    let started = clock.now_ms();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(8)).await;
        assert_eq!(tokens.send_task_heartbeat(&token), Ok(()));
    }
    let execution = handle.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(execution.error.as_deref(), Some("States.HeartbeatTimeout"));
    // Three heartbeats 8 s apart, then 10 s of silence.
    assert_eq!((clock.now_ms() - started) / 1000, 34);
}

#[tokio::test(start_paused = true)]
async fn timeout_seconds_path_applies_to_plain_tasks() {
    struct Slow;
    #[async_trait::async_trait]
    impl orderly_states::TaskHandler for Slow {
        async fn invoke(&self, _: orderly_states::TaskRequest) -> Result<Value, TaskFailure> {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(json!("late"))
        }
    }
    let definition = single(
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "TimeoutSecondsPath": "$.t", "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Late"}], "End": true}),
    );
    let mut definition = definition;
    definition["States"]["Late"] = json!({"Type": "Pass", "Result": "timed out", "End": true});
    let options = ExecutionOptions {
        clock: Arc::new(TokioClock::new()),
        tasks: Arc::new(Slow),
        ..ExecutionOptions::default()
    };
    let execution = execute(&machine(&definition), json!({"t": 5}), options).await;
    assert_eq!(execution.output, Some(json!("timed out")));
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
}

#[tokio::test]
async fn callbacks_for_unknown_tokens_are_refused() {
    let tokens = TaskTokens::new();
    assert_eq!(
        tokens.send_task_success("nope", json!(1)),
        Err(CallbackError::TaskDoesNotExist)
    );
    assert_eq!(
        tokens.send_task_heartbeat(""),
        Err(CallbackError::InvalidToken)
    );
}

#[tokio::test(start_paused = true)]
async fn a_running_execution_shows_its_history_and_can_be_stopped() {
    use orderly_states::{AbortSignal, LiveHistory};
    let tokens = TaskTokens::new();
    let live = LiveHistory::new();
    let abort = AbortSignal::new();
    let machine = machine(&callback_machine(json!({})));
    let options = ExecutionOptions {
        clock: Arc::new(TokioClock::new()),
        tasks: Scripted::echo(),
        task_tokens: tokens.clone(),
        live_history: Some(live.clone()),
        abort: Some(abort.clone()),
        ..ExecutionOptions::default()
    };
    let handle = tokio::spawn(async move { execute(&machine, json!({"order": 1}), options).await });
    wait_for_token(&tokens).await;
    let so_far: Vec<String> = live
        .snapshot()
        .into_iter()
        .map(|e| e.event_type.to_string())
        .collect();
    assert_eq!(
        so_far.last().map(String::as_str),
        Some("TaskSubmitted"),
        "{so_far:?}"
    );
    abort.abort();
    let execution = handle.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(execution.status, ExecutionStatus::Aborted);
    assert_eq!(
        event_types(&execution).last().map(String::as_str),
        Some("ExecutionAborted")
    );
    // The waiting task's token is released.
    assert!(tokens.waiting_tokens().is_empty());
}

/// Recorded on AWS: a `.sync` task has a task token in its context object too
/// (`$$.Task.Token`), which it may pass on; it still ends when its job does, not on a
/// callback.
#[tokio::test]
async fn a_sync_task_has_a_token_in_its_context() {
    let tasks = Scripted::new(|request, _| {
        Ok(json!({"token": request.parameters["token"], "handed": request.task_token}))
    });
    let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution.sync:2",
        "Parameters": {"token.$": "$$.Task.Token"}, "End": true}}});
    let execution = run_with(&definition, json!({}), tasks).await;
    let output = execution.output.unwrap_or_default();
    assert!(
        output["token"].as_str().is_some_and(|t| !t.is_empty()),
        "{output}"
    );
    assert_eq!(output["handed"], serde_json::Value::Null);
}
