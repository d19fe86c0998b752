//! Error mapping and request shape of the Step Functions callbacks, with the mock client.

use aws_sdk_sfn::Client;
use aws_sdk_sfn::operation::send_task_failure::{SendTaskFailureError, SendTaskFailureOutput};
use aws_sdk_sfn::operation::send_task_heartbeat::SendTaskHeartbeatError;
use aws_sdk_sfn::operation::send_task_success::{SendTaskSuccessError, SendTaskSuccessOutput};
use aws_sdk_sfn::types::error::{InvalidOutput, InvalidToken, TaskDoesNotExist, TaskTimedOut};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use orderly_aws::sfn::{MAX_ERROR_CHARS, SfnTaskCallbacks};
use orderly_core::ports::{CallbackError, PortError, TaskCallbacks};
use serde_json::json;
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn ended_or_unknown_tasks_are_invalid_tokens() {
    let timed_out = mock!(Client::send_task_success).then_error(|| {
        SendTaskSuccessError::TaskTimedOut(TaskTimedOut::builder().message("timed out").build())
    });
    let unknown = mock!(Client::send_task_failure).then_error(|| {
        SendTaskFailureError::InvalidToken(InvalidToken::builder().message("bad token").build())
    });
    let gone = mock!(Client::send_task_heartbeat).then_error(|| {
        SendTaskHeartbeatError::TaskDoesNotExist(
            TaskDoesNotExist::builder().message("gone").build(),
        )
    });
    let callbacks = SfnTaskCallbacks::new(mock_client!(
        aws_sdk_sfn,
        RuleMode::MatchAny,
        [&timed_out, &unknown, &gone]
    ));

    let results = [
        callbacks.send_success("secret-token", &json!({})).await,
        callbacks.send_failure("secret-token", "E", "c").await,
        callbacks.send_heartbeat("secret-token").await,
    ];

    for (result, code) in results
        .iter()
        .zip(["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])
    {
        match result {
            Err(CallbackError::InvalidToken(m)) => {
                assert!(m.contains(code), "{m}");
                assert!(!m.contains("secret-token"), "the token must not leak: {m}");
            }
            other => panic!("{code}: expected InvalidToken, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_rejected_output_is_a_permanent_port_error() {
    let rule = mock!(Client::send_task_success).then_error(|| {
        SendTaskSuccessError::InvalidOutput(InvalidOutput::builder().message("too big").build())
    });
    let callbacks = SfnTaskCallbacks::new(mock_client!(aws_sdk_sfn, RuleMode::MatchAny, [&rule]));

    let result = callbacks
        .send_success("t", &json!({"approved": true}))
        .await;

    assert!(
        matches!(result, Err(CallbackError::Port(PortError::Permanent(_)))),
        "{result:?}"
    );
}

#[tokio::test]
async fn success_carries_the_output_as_json_and_failure_fits_the_limits() {
    let outputs = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let (o, e) = (outputs.clone(), errors.clone());
    let success = mock!(Client::send_task_success)
        .match_requests(move |input| {
            o.lock()
                .expect("log")
                .push(input.output().unwrap_or_default().to_owned());
            true
        })
        .then_output(|| SendTaskSuccessOutput::builder().build());
    let failure = mock!(Client::send_task_failure)
        .match_requests(move |input| {
            e.lock()
                .expect("log")
                .push(input.error().unwrap_or_default().to_owned());
            true
        })
        .then_output(|| SendTaskFailureOutput::builder().build());
    let callbacks = SfnTaskCallbacks::new(mock_client!(
        aws_sdk_sfn,
        RuleMode::MatchAny,
        [&success, &failure]
    ));

    callbacks
        .send_success("t", &json!({"approved": true}))
        .await
        .expect("success");
    callbacks
        .send_failure("t", &"É".repeat(300), "cause")
        .await
        .expect("failure");

    assert_eq!(outputs.lock().expect("log")[0], r#"{"approved":true}"#);
    assert_eq!(
        errors.lock().expect("log")[0].chars().count(),
        MAX_ERROR_CHARS
    );
}
