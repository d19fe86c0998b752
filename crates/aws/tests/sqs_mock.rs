//! SendMessageBatch partial failures, with the SDK's mock client.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::operation::send_message_batch::{SendMessageBatchInput, SendMessageBatchOutput};
use aws_sdk_sqs::types::{BatchResultErrorEntry, SendMessageBatchResultEntry};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use orderly_aws::retry::RetryPolicy;
use orderly_aws::sqs::{OutgoingMessage, SqsQueue};
use orderly_core::ports::PortError;
use std::sync::{Arc, Mutex};

type Calls = Arc<Mutex<Vec<SendMessageBatchInput>>>;

/// Answers each batch with `fail(call, entry id)`: `None` for success, or (code, sender fault).
fn queue(
    fail: impl Fn(usize, &str) -> Option<(&'static str, bool)> + Send + Sync + 'static,
) -> (SqsQueue, Calls) {
    let calls: Calls = Arc::default();
    let log = calls.clone();
    let rule = mock!(Client::send_message_batch).then_compute_output(move |input| {
        let mut log = log.lock().expect("log");
        log.push(input.clone());
        let call = log.len() - 1;
        let mut output = SendMessageBatchOutput::builder()
            .set_successful(Some(Vec::new()))
            .set_failed(Some(Vec::new()));
        for entry in input.entries() {
            output = match fail(call, entry.id()) {
                None => output.successful(
                    SendMessageBatchResultEntry::builder()
                        .id(entry.id())
                        .message_id(format!("msg-{}", entry.id()))
                        .md5_of_message_body("-")
                        .build()
                        .expect("result entry"),
                ),
                Some((code, sender_fault)) => output.failed(
                    BatchResultErrorEntry::builder()
                        .id(entry.id())
                        .code(code)
                        .sender_fault(sender_fault)
                        .message("refused")
                        .build()
                        .expect("error entry"),
                ),
            };
        }
        output.build().expect("output")
    });
    let client = mock_client!(aws_sdk_sqs, RuleMode::MatchAny, [&rule]);
    (
        SqsQueue::new(client, "https://queue.example/orders").with_retry(RetryPolicy::immediate(3)),
        calls,
    )
}

fn messages(n: usize) -> Vec<OutgoingMessage> {
    (0..n)
        .map(|i| OutgoingMessage::new(format!("m-{i}")))
        .collect()
}

#[tokio::test]
async fn entries_failed_by_the_service_are_retried_alone() {
    let (queue, calls) =
        queue(|call, id| (call == 0 && id == "1").then_some(("InternalError", false)));

    let ids = queue.send_batch(&messages(3)).await.expect("send batch");

    assert_eq!(ids, ["msg-0", "msg-1", "msg-2"]);
    let calls = calls.lock().expect("calls");
    assert_eq!(calls.len(), 2);
    let retried: Vec<&str> = calls[1].entries().iter().map(|e| e.id()).collect();
    assert_eq!(retried, ["1"]);
}

#[tokio::test]
async fn entries_refused_as_the_senders_fault_are_surfaced() {
    let (queue, calls) = queue(|_, id| (id == "2").then_some(("InvalidMessageContents", true)));

    let result = queue.send_batch(&messages(12)).await;

    let Err(PortError::Permanent(message)) = result else {
        panic!("expected a permanent error, got {result:?}")
    };
    assert!(message.contains("1 of 12 messages failed"), "{message}");
    assert!(
        message.contains("entry 2: InvalidMessageContents"),
        "{message}"
    );
    let sizes: Vec<usize> = calls
        .lock()
        .expect("calls")
        .iter()
        .map(|c| c.entries().len())
        .collect();
    assert_eq!(sizes, [10, 2], "no retry of a sender fault");
}
