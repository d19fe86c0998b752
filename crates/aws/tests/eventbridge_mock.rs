//! Request shape of the EventBridge publisher, with the SDK's mock client.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::operation::put_events::{PutEventsInput, PutEventsOutput};
use aws_sdk_eventbridge::types::PutEventsResultEntry;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use orderly_aws::eventbridge::{EventBridgePublisher, MAX_REQUEST_BYTES, TraceHeader};
use orderly_aws::retry::RetryPolicy;
use orderly_core::contracts::OutboundEvent;
use orderly_core::ports::{EventPublisher, PortError};
use serde_json::json;
use std::sync::{Arc, Mutex};

type Calls = Arc<Mutex<Vec<PutEventsInput>>>;

/// A client whose PutEvents answers with `respond(call index, request)` and records every
/// request.
fn client(
    respond: impl Fn(usize, &PutEventsInput) -> PutEventsOutput + Send + Sync + 'static,
) -> (Client, Calls) {
    let calls: Calls = Arc::default();
    let log = calls.clone();
    let rule = mock!(Client::put_events).then_compute_output(move |input| {
        let mut log = log.lock().expect("call log");
        log.push(input.clone());
        respond(log.len() - 1, input)
    });
    (
        mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&rule]),
        calls,
    )
}

/// Accepts every entry.
fn accept_all(_: usize, input: &PutEventsInput) -> PutEventsOutput {
    let entries = input
        .entries()
        .iter()
        .enumerate()
        .map(|(i, _)| {
            PutEventsResultEntry::builder()
                .event_id(format!("id-{i}"))
                .build()
        })
        .collect();
    PutEventsOutput::builder()
        .failed_entry_count(0)
        .set_entries(Some(entries))
        .build()
}

/// Fails the entries whose idempotency key is in `failures` with the paired code.
fn answer(input: &PutEventsInput, failures: &[(&str, &str)]) -> PutEventsOutput {
    let mut failed = 0;
    let entries = input
        .entries()
        .iter()
        .map(|entry| {
            let detail: serde_json::Value =
                serde_json::from_str(entry.detail().unwrap_or("{}")).unwrap_or_default();
            let key = detail["metadata"]["idempotency-key"]
                .as_str()
                .unwrap_or_default();
            match failures.iter().find(|(k, _)| *k == key) {
                Some((_, code)) => {
                    failed += 1;
                    PutEventsResultEntry::builder()
                        .error_code(*code)
                        .error_message(format!("{code} for {key}"))
                        .build()
                }
                None => PutEventsResultEntry::builder()
                    .event_id(format!("id-{key}"))
                    .build(),
            }
        })
        .collect();
    PutEventsOutput::builder()
        .failed_entry_count(failed)
        .set_entries(Some(entries))
        .build()
}

fn event(key: &str, padding: usize) -> OutboundEvent {
    OutboundEvent {
        source: "com.orders".into(),
        detail_type: "OrderCreated".into(),
        detail: json!({"metadata": {"idempotency-key": key}, "data": {"pad": "x".repeat(padding)}}),
    }
}

fn events(n: usize, padding: usize) -> Vec<OutboundEvent> {
    (0..n).map(|i| event(&format!("k-{i}"), padding)).collect()
}

fn publisher(client: Client) -> EventBridgePublisher {
    EventBridgePublisher::new(client, "orders-bus")
        .with_retry(RetryPolicy::immediate(3))
        .with_trace_header(TraceHeader::Fixed(None))
}

fn keys(input: &PutEventsInput) -> Vec<String> {
    input
        .entries()
        .iter()
        .map(|e| {
            let detail: serde_json::Value =
                serde_json::from_str(e.detail().unwrap_or("{}")).unwrap_or_default();
            detail["metadata"]["idempotency-key"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn twenty_five_events_go_out_in_three_requests_of_at_most_ten() {
    let (client, calls) = client(accept_all);

    publisher(client)
        .publish(&events(25, 10))
        .await
        .expect("publish");

    let calls = calls.lock().expect("calls");
    let sizes: Vec<usize> = calls.iter().map(|c| c.entries().len()).collect();
    assert_eq!(sizes, [10, 10, 5]);
    let sent: Vec<String> = calls.iter().flat_map(keys).collect();
    let expected: Vec<String> = (0..25).map(|i| format!("k-{i}")).collect();
    assert_eq!(sent, expected, "every event once, in order");
    assert!(
        calls
            .iter()
            .flat_map(|c| c.entries())
            .all(|e| e.event_bus_name() == Some("orders-bus") && e.source() == Some("com.orders"))
    );
}

#[tokio::test]
async fn three_hundred_kilobytes_are_split_by_request_size() {
    let (client, calls) = client(accept_all);

    publisher(client)
        .publish(&events(3, 100 * 1024))
        .await
        .expect("publish");

    let calls = calls.lock().expect("calls");
    let sizes: Vec<usize> = calls.iter().map(|c| c.entries().len()).collect();
    assert_eq!(sizes, [2, 1]);
    for call in calls.iter() {
        let bytes: usize = call
            .entries()
            .iter()
            .map(orderly_aws::eventbridge::entry_size)
            .sum();
        assert!(bytes <= MAX_REQUEST_BYTES, "{bytes}");
    }
}

#[tokio::test]
async fn an_entry_that_can_never_fit_is_refused_before_anything_is_sent() {
    let (client, calls) = client(accept_all);
    let mut batch = events(2, 10);
    batch.push(event("huge", MAX_REQUEST_BYTES));

    let result = publisher(client).publish(&batch).await;

    assert!(
        matches!(&result, Err(PortError::Permanent(m)) if m.contains("entry 2")),
        "{result:?}"
    );
    assert!(calls.lock().expect("calls").is_empty());
}

#[tokio::test]
async fn throttled_entries_are_retried_alone_and_rejected_ones_surfaced() {
    let (client, calls) = client(|call, input| match call {
        0 => answer(
            input,
            &[("k-1", "ThrottlingException"), ("k-2", "InvalidArgument")],
        ),
        _ => answer(input, &[]),
    });

    let result = publisher(client).publish(&events(4, 10)).await;

    let calls = calls.lock().expect("calls");
    assert_eq!(calls.len(), 2);
    assert_eq!(
        keys(&calls[1]),
        ["k-1"],
        "only the throttled entry is sent again"
    );
    let Err(PortError::Permanent(message)) = result else {
        panic!("expected a permanent failure, got {result:?}")
    };
    assert!(message.contains("1 of 4 entries failed"), "{message}");
    assert!(
        message.contains("entry 2 (OrderCreated, idempotency-key k-2): InvalidArgument"),
        "{message}"
    );
}

#[tokio::test]
async fn entries_throttled_on_every_attempt_end_as_a_transient_error() {
    let (client, calls) = client(|_, input| answer(input, &[("k-0", "InternalException")]));

    let result = publisher(client).publish(&events(2, 10)).await;

    assert_eq!(
        calls.lock().expect("calls").len(),
        3,
        "bounded by the retry policy"
    );
    let Err(PortError::Transient(message)) = result else {
        panic!("expected a transient failure, got {result:?}")
    };
    assert!(
        message.contains("entry 0 (OrderCreated, idempotency-key k-0): InternalException"),
        "{message}"
    );
}

#[tokio::test]
async fn a_failure_count_without_matching_results_is_not_taken_as_success() {
    let (client, _) = client(|_, _| PutEventsOutput::builder().failed_entry_count(1).build());

    let result = publisher(client).publish(&events(2, 10)).await;

    assert!(matches!(result, Err(PortError::Transient(_))), "{result:?}");
}

#[tokio::test]
async fn the_trace_header_goes_on_every_entry() {
    let (client, calls) = client(accept_all);
    let publisher = publisher(client).with_trace_header(TraceHeader::Fixed(Some(
        "Root=1-5759e988-bd862e3fe1be46a994272793".into(),
    )));

    publisher.publish(&events(2, 10)).await.expect("publish");

    let calls = calls.lock().expect("calls");
    assert!(
        calls[0]
            .entries()
            .iter()
            .all(|e| e.trace_header() == Some("Root=1-5759e988-bd862e3fe1be46a994272793"))
    );
}

#[tokio::test]
async fn nothing_to_publish_makes_no_call() {
    let (client, calls) = client(accept_all);
    publisher(client).publish(&[]).await.expect("publish");
    assert!(calls.lock().expect("calls").is_empty());
}
