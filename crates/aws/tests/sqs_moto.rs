//! The SQS queue client against an AWS-compatible server (moto's).

mod common;

use orderly_aws::sqs::{OutgoingMessage, SqsQueue};
use std::time::Duration;

/// A fresh queue whose undeleted messages become visible again at once, so a test can tell
/// a deleted message from one merely in flight.
async fn queue() -> SqsQueue {
    let client = common::sqs().await;
    let (url, _) = common::queue(&client).await;
    client
        .set_queue_attributes()
        .queue_url(&url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "0",
        )
        .send()
        .await
        .expect("set visibility timeout");
    SqsQueue::new(client, url)
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn a_sent_message_is_received_and_gone_once_deleted() {
    let queue = queue().await;

    let id = queue
        .send(&OutgoingMessage::new(r#"{"orderId":"o-1"}"#))
        .await
        .expect("send");
    let received = queue
        .receive(10, Duration::from_secs(1))
        .await
        .expect("receive");

    assert_eq!(received.len(), 1);
    assert_eq!(received[0].message_id, id);
    assert_eq!(received[0].body, r#"{"orderId":"o-1"}"#);
    assert_eq!(received[0].receive_count, Some(1));

    queue
        .delete(&received[0].receipt_handle)
        .await
        .expect("delete");
    let after = queue
        .receive(10, Duration::from_secs(1))
        .await
        .expect("receive again");
    assert!(after.is_empty(), "deleted message came back: {after:?}");
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn an_undeleted_message_is_delivered_again() {
    let queue = queue().await;
    queue
        .send(&OutgoingMessage::new("again"))
        .await
        .expect("send");

    let first = queue
        .receive(1, Duration::from_secs(1))
        .await
        .expect("receive");
    let second = queue
        .receive(1, Duration::from_secs(1))
        .await
        .expect("receive again");

    assert_eq!(first.len(), 1);
    assert_eq!(
        second.first().map(|m| m.message_id.clone()),
        Some(first[0].message_id.clone())
    );
    assert_eq!(second[0].receive_count, Some(2));
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn a_batch_of_more_than_ten_is_sent_whole() {
    let queue = queue().await;
    let messages: Vec<_> = (0..15)
        .map(|i| OutgoingMessage::new(format!("m-{i}")))
        .collect();

    let ids = queue.send_batch(&messages).await.expect("send batch");

    assert_eq!(ids.len(), 15);
    assert!(ids.iter().all(|id| !id.is_empty()), "{ids:?}");
    let mut bodies = Vec::new();
    loop {
        let batch = queue
            .receive(10, Duration::from_secs(1))
            .await
            .expect("receive");
        if batch.is_empty() {
            break;
        }
        for m in batch {
            queue.delete(&m.receipt_handle).await.expect("delete");
            bodies.push(m.body);
        }
    }
    bodies.sort();
    let mut expected: Vec<String> = (0..15).map(|i| format!("m-{i}")).collect();
    expected.sort();
    assert_eq!(bodies, expected);
}

#[tokio::test]
#[ignore = "needs ORDERLY_TEST_AWS_ENDPOINT (scripts/test.sh starts moto)"]
async fn a_fifo_batch_keeps_its_order_within_a_group() {
    let client = common::sqs().await;
    let queue = SqsQueue::new(client.clone(), common::fifo_queue(&client).await);
    let messages: Vec<_> = (0..4)
        .map(|i| OutgoingMessage::fifo(format!("step-{i}"), "order-1", format!("dedup-{i}")))
        .collect();

    queue.send_batch(&messages).await.expect("send batch");

    let received = queue
        .receive(10, Duration::from_secs(1))
        .await
        .expect("receive");
    let bodies: Vec<&str> = received.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["step-0", "step-1", "step-2", "step-3"]);
}
