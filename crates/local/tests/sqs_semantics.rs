//! SQS semantics of the embedded engine, on a manual clock so every timeout is exact.

use std::sync::Arc;

use orderly_local::clock::{Clock, ManualClock};
use orderly_local::sqs::{
    MessageAttributeValue, QueueConfig, ReceivedMessage, SendMessage, Sqs, SqsError,
};

const T0: i64 = 1_700_000_000_000;

fn setup() -> (ManualClock, Sqs) {
    let clock = ManualClock::new(T0);
    let sqs = Sqs::new(Arc::new(clock.clone()));
    (clock, sqs)
}

fn one(batch: Vec<ReceivedMessage>) -> ReceivedMessage {
    assert_eq!(
        batch.len(),
        1,
        "expected exactly one message, got {batch:?}"
    );
    batch.into_iter().next().unwrap_or_else(|| unreachable!())
}

#[test]
fn received_message_carries_the_attributes_of_an_sqs_record() {
    let (clock, sqs) = setup();
    let q = sqs.create_queue(QueueConfig::new("work")).unwrap();
    let sent = q
        .send(SendMessage::new("hello").with_attribute("kind", MessageAttributeValue::string("x")))
        .unwrap();
    assert!(uuid::Uuid::parse_str(&sent.message_id).is_ok());
    assert_eq!(sent.md5_of_body, "5d41402abc4b2a76b9719d911017c592");
    clock.advance(250);
    let m = one(q.receive(10).unwrap());
    assert_eq!(m.message_id, sent.message_id);
    assert_eq!(m.body, "hello");
    assert_eq!(m.attributes["ApproximateReceiveCount"], "1");
    assert_eq!(m.attributes["SentTimestamp"], T0.to_string());
    assert_eq!(
        m.attributes["ApproximateFirstReceiveTimestamp"],
        (T0 + 250).to_string()
    );
    assert_eq!(
        m.message_attributes["kind"].string_value.as_deref(),
        Some("x")
    );

    let record = m.to_lambda_record(q.arn(), "us-east-1");
    assert_eq!(
        record.event_source_arn.as_deref(),
        Some("arn:aws:sqs:us-east-1:000000000000:work")
    );
    assert_eq!(record.event_source.as_deref(), Some("aws:sqs"));
    assert_eq!(record.aws_region.as_deref(), Some("us-east-1"));
    assert_eq!(
        record.receipt_handle.as_deref(),
        Some(m.receipt_handle.as_str())
    );
    assert_eq!(record.attributes["ApproximateReceiveCount"], "1");
    assert_eq!(
        record.message_attributes["kind"].data_type.as_deref(),
        Some("String")
    );
    assert!(record.md5_of_message_attributes.is_some());
    let event = q.to_lambda_event(std::slice::from_ref(&m));
    assert_eq!(event.records, [record]);
}

#[test]
fn a_received_message_is_invisible_until_its_visibility_timeout_passes() {
    let (clock, sqs) = setup();
    let q = sqs
        .create_queue(QueueConfig::new("work").with_visibility_timeout(30))
        .unwrap();
    q.send(SendMessage::new("a")).unwrap();
    let first = one(q.receive(10).unwrap());
    clock.advance(29_999);
    assert!(q.receive(10).unwrap().is_empty());
    clock.advance(1);
    let second = one(q.receive(10).unwrap());
    assert_eq!(second.message_id, first.message_id);
    assert_eq!(second.receive_count(), 2);
    assert_ne!(second.receipt_handle, first.receipt_handle);
    // The first receive time stays the first.
    assert_eq!(
        second.attributes["ApproximateFirstReceiveTimestamp"],
        T0.to_string()
    );
}

#[test]
fn delete_needs_the_latest_receipt_handle() {
    let (clock, sqs) = setup();
    let q = sqs
        .create_queue(QueueConfig::new("work").with_visibility_timeout(1))
        .unwrap();
    q.send(SendMessage::new("a")).unwrap();
    let first = one(q.receive(1).unwrap());
    clock.advance(1_000);
    let second = one(q.receive(1).unwrap());

    let stale = q.delete(&first.receipt_handle);
    assert!(matches!(
        stale,
        Err(SqsError::ReceiptHandleIsInvalid { .. })
    ));
    assert_eq!(stale.unwrap_err().code(), "ReceiptHandleIsInvalid");
    assert!(matches!(
        q.delete("not-a-handle"),
        Err(SqsError::ReceiptHandleIsInvalid { .. })
    ));
    assert_eq!(q.delete(&second.receipt_handle), Ok(true));
    assert_eq!(q.delete(&second.receipt_handle), Ok(false), "already gone");
    assert!(q.is_empty());
}

#[test]
fn latest_handle_still_deletes_after_visibility_expired() {
    let (clock, sqs) = setup();
    let q = sqs
        .create_queue(QueueConfig::new("work").with_visibility_timeout(1))
        .unwrap();
    q.send(SendMessage::new("a")).unwrap();
    let m = one(q.receive(1).unwrap());
    clock.advance(5_000);
    assert_eq!(q.delete(&m.receipt_handle), Ok(true));
    assert!(q.receive(1).unwrap().is_empty());
}

#[test]
fn delayed_messages_wait_for_their_delay() {
    let (clock, sqs) = setup();
    let q = sqs.create_queue(QueueConfig::new("work")).unwrap();
    q.send(SendMessage::new("later").with_delay(10)).unwrap();
    q.send(SendMessage::new("now")).unwrap();
    let attrs = q.attributes();
    assert_eq!(attrs.approximate_number_of_messages, 1);
    assert_eq!(attrs.approximate_number_of_messages_delayed, 1);
    assert_eq!(one(q.receive(10).unwrap()).body, "now");
    clock.advance(9_999);
    assert!(q.receive(10).unwrap().is_empty());
    clock.advance(1);
    assert_eq!(one(q.receive(10).unwrap()).body, "later");

    let delayed_queue = sqs
        .create_queue(QueueConfig::new("slow").with_delay(5))
        .unwrap();
    delayed_queue.send(SendMessage::new("x")).unwrap();
    assert!(delayed_queue.receive(1).unwrap().is_empty());
    clock.advance(5_000);
    assert_eq!(one(delayed_queue.receive(1).unwrap()).body, "x");

    assert!(matches!(
        q.send(SendMessage::new("x").with_delay(901)),
        Err(SqsError::InvalidParameterValue { .. })
    ));
}

#[test]
fn change_visibility_releases_or_extends_an_in_flight_message() {
    let (clock, sqs) = setup();
    let q = sqs
        .create_queue(QueueConfig::new("work").with_visibility_timeout(30))
        .unwrap();
    q.send(SendMessage::new("a")).unwrap();
    let m = one(q.receive(1).unwrap());
    q.change_visibility(&m.receipt_handle, 0).unwrap();
    let again = one(q.receive(1).unwrap());
    q.change_visibility(&again.receipt_handle, 100).unwrap();
    clock.advance(99_999);
    assert!(q.receive(1).unwrap().is_empty());
    clock.advance(1);
    // Visible again: no longer in flight, so its visibility cannot be changed.
    assert!(matches!(
        q.change_visibility(&again.receipt_handle, 10),
        Err(SqsError::MessageNotInflight { .. })
    ));
    assert!(matches!(
        q.change_visibility(&m.receipt_handle, 10),
        Err(SqsError::ReceiptHandleIsInvalid { .. })
    ));
}

#[test]
fn message_moves_to_the_dlq_on_the_receive_that_would_exceed_max_receive_count() {
    let (clock, sqs) = setup();
    sqs.create_queue(QueueConfig::new("work-dlq")).unwrap();
    let q = sqs
        .create_queue(
            QueueConfig::new("work")
                .with_visibility_timeout(10)
                .with_redrive("work-dlq", 2),
        )
        .unwrap();
    let sent = q.send(SendMessage::new("poison")).unwrap();
    for expected_count in 1..=2 {
        let m = one(q.receive(1).unwrap());
        assert_eq!(m.receive_count(), expected_count);
        clock.advance(10_000);
    }
    // The third receive would exceed maxReceiveCount 2: the message moves instead.
    assert!(q.receive(1).unwrap().is_empty());
    assert!(q.is_empty());
    let dlq = sqs.queue("work-dlq").unwrap();
    let dead = one(dlq.receive(1).unwrap());
    assert_eq!(dead.message_id, sent.message_id);
    assert_eq!(dead.body, "poison");
    assert_eq!(
        dead.attributes["DeadLetterQueueSourceArn"],
        "arn:aws:sqs:us-east-1:000000000000:work"
    );
    assert_eq!(dead.attributes["SentTimestamp"], T0.to_string());
    assert_eq!(dead.dead_letter_reason(), None);
}

#[test]
fn dead_letter_moves_a_message_at_once_with_its_reason() {
    let (_clock, sqs) = setup();
    sqs.create_queue(QueueConfig::new("work-dlq")).unwrap();
    let q = sqs
        .create_queue(QueueConfig::new("work").with_redrive("work-dlq", 5))
        .unwrap();
    q.send(SendMessage::new("{not json")).unwrap();
    let m = one(q.receive(1).unwrap());
    q.dead_letter(
        &m.receipt_handle,
        "body is not an OrderConfirmed event: EOF",
    )
    .unwrap();
    assert!(q.is_empty());
    let dead = sqs.queue("work-dlq").unwrap().peek_all();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        dead[0].dead_letter_reason(),
        Some("body is not an OrderConfirmed event: EOF")
    );

    let plain = sqs.create_queue(QueueConfig::new("plain")).unwrap();
    plain.send(SendMessage::new("x")).unwrap();
    let m = one(plain.receive(1).unwrap());
    assert_eq!(
        plain.dead_letter(&m.receipt_handle, "r"),
        Err(SqsError::NoDeadLetterQueue("plain".to_owned()))
    );
}

fn fifo(sqs: &Sqs, name: &str) -> Arc<orderly_local::sqs::Queue> {
    sqs.create_queue(
        QueueConfig::new(name)
            .with_content_based_deduplication()
            .with_visibility_timeout(30),
    )
    .unwrap()
}

fn bodies(batch: Vec<ReceivedMessage>) -> Vec<String> {
    batch.into_iter().map(|m| m.body).collect()
}

#[test]
fn fifo_serves_a_group_in_order_and_never_while_a_batch_of_it_is_in_flight() {
    let (clock, sqs) = setup();
    let q = fifo(&sqs, "orders.fifo");
    for (group, body) in [
        ("a", "a1"),
        ("b", "b1"),
        ("a", "a2"),
        ("a", "a3"),
        ("b", "b2"),
    ] {
        q.send(SendMessage::new(body).with_group(group)).unwrap();
    }
    // As many messages of one group as possible, in order.
    let batch = q.receive(2).unwrap();
    assert_eq!(batch[0].attributes["MessageGroupId"], "a");
    assert!(batch[0].attributes.contains_key("SequenceNumber"));
    assert!(batch[0].attributes.contains_key("MessageDeduplicationId"));
    let handles: Vec<String> = batch.iter().map(|m| m.receipt_handle.clone()).collect();
    assert_eq!(bodies(batch), ["a1", "a2"]);
    // Group a has a batch in flight: only b is served.
    assert_eq!(bodies(q.receive(10).unwrap()), ["b1", "b2"]);
    assert!(q.receive(10).unwrap().is_empty());
    q.delete(&handles[0]).unwrap();
    assert!(q.receive(10).unwrap().is_empty(), "a2 still in flight");
    q.delete(&handles[1]).unwrap();
    assert_eq!(bodies(q.receive(10).unwrap()), ["a3"]);
    // Visibility expires: every group comes back, each in its own order.
    clock.advance(30_000);
    assert_eq!(bodies(q.receive(10).unwrap()), ["b1", "b2", "a3"]);
}

#[test]
fn fifo_group_stays_blocked_while_any_of_its_batch_is_in_flight() {
    let (_clock, sqs) = setup();
    let q = fifo(&sqs, "g.fifo");
    for body in ["1", "2", "3"] {
        q.send(SendMessage::new(body).with_group("g")).unwrap();
    }
    let batch = q.receive(2).unwrap();
    // Releasing the first of the batch does not let the group be served past the second.
    q.change_visibility(&batch[0].receipt_handle, 0).unwrap();
    assert!(q.receive(10).unwrap().is_empty());
    q.delete(&batch[1].receipt_handle).unwrap();
    assert_eq!(bodies(q.receive(10).unwrap()), ["1", "3"]);
}

#[test]
fn fifo_deduplicates_within_five_minutes() {
    let (clock, sqs) = setup();
    let content = fifo(&sqs, "content.fifo");
    let first = content
        .send(SendMessage::new("same").with_group("g"))
        .unwrap();
    clock.advance(299_999);
    let dup = content
        .send(SendMessage::new("same").with_group("h"))
        .unwrap();
    assert!(dup.duplicate);
    assert_eq!(dup.message_id, first.message_id);
    assert_eq!(dup.sequence_number, first.sequence_number);
    assert_eq!(content.len(), 1);
    clock.advance(1);
    let after = content
        .send(SendMessage::new("same").with_group("g"))
        .unwrap();
    assert!(!after.duplicate);
    assert_ne!(after.message_id, first.message_id);

    let explicit = sqs.create_queue(QueueConfig::new("explicit.fifo")).unwrap();
    let a = explicit
        .send(
            SendMessage::new("one")
                .with_group("g")
                .with_deduplication_id("k"),
        )
        .unwrap();
    let b = explicit
        .send(
            SendMessage::new("two")
                .with_group("g")
                .with_deduplication_id("k"),
        )
        .unwrap();
    assert!(b.duplicate);
    assert_eq!(a.message_id, b.message_id);
    assert_eq!(one(explicit.receive(10).unwrap()).body, "one");
}

#[test]
fn fifo_rejects_what_aws_rejects() {
    let (_clock, sqs) = setup();
    let q = sqs.create_queue(QueueConfig::new("strict.fifo")).unwrap();
    let cases = [
        (
            SendMessage::new("x").with_deduplication_id("d"),
            "MissingParameter",
        ),
        (SendMessage::new("x").with_group("g"), "MissingParameter"),
        (
            SendMessage::new("x")
                .with_group("g")
                .with_deduplication_id("d")
                .with_delay(1),
            "InvalidParameterValue",
        ),
        (SendMessage::new("").with_group("g"), "MissingParameter"),
    ];
    for (request, code) in cases {
        let err = q.send(request.clone()).unwrap_err();
        assert_eq!(err.code(), code, "{request:?} -> {err}");
    }
    let standard = sqs.create_queue(QueueConfig::new("std")).unwrap();
    assert_eq!(
        standard
            .send(SendMessage::new("x").with_deduplication_id("d"))
            .unwrap_err()
            .code(),
        "InvalidParameterValue"
    );
    assert_eq!(
        standard.send(SendMessage::new("\u{0}")).unwrap_err().code(),
        "InvalidParameterValue"
    );
    assert_eq!(
        standard
            .send(SendMessage::new("x".repeat(1_048_577)))
            .unwrap_err()
            .code(),
        "InvalidParameterValue"
    );
}

#[test]
fn queue_attributes_count_visible_in_flight_and_delayed_messages() {
    let (clock, sqs) = setup();
    let q = sqs.create_queue(QueueConfig::new("work")).unwrap();
    q.send(SendMessage::new("1")).unwrap();
    clock.advance(2_000);
    q.send(SendMessage::new("2")).unwrap();
    q.send(SendMessage::new("3")).unwrap();
    q.send(SendMessage::new("4").with_delay(60)).unwrap();
    one(q.receive(1).unwrap());
    clock.advance(3_000);
    let attrs = q.attributes();
    assert_eq!(attrs.approximate_number_of_messages, 2);
    assert_eq!(attrs.approximate_number_of_messages_not_visible, 1);
    assert_eq!(attrs.approximate_number_of_messages_delayed, 1);
    assert_eq!(attrs.approximate_age_of_oldest_message_secs, 5);
    let map = attrs.to_map();
    assert_eq!(map["ApproximateNumberOfMessages"], "2");
    assert_eq!(map["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:work");
    assert_eq!(q.purge(), 4);
    assert_eq!(q.attributes().approximate_number_of_messages, 0);
}

#[test]
fn messages_past_the_retention_period_are_dropped() {
    let (clock, sqs) = setup();
    let mut config = QueueConfig::new("short");
    config.message_retention_secs = 60;
    let q = sqs.create_queue(config).unwrap();
    q.send(SendMessage::new("old")).unwrap();
    clock.advance(60_000);
    assert!(q.receive(1).unwrap().is_empty());
    assert!(q.is_empty());
}

#[test]
fn queues_are_created_dead_letter_queues_first_and_must_match_in_kind() {
    let (_clock, sqs) = setup();
    let created = sqs
        .create_queues([
            QueueConfig::new("a").with_redrive("a-dlq", 3),
            QueueConfig::new("a-dlq"),
        ])
        .unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(
        sqs.queue("a")
            .unwrap()
            .dead_letter_queue()
            .map(|q| q.name().to_owned()),
        Some("a-dlq".to_owned())
    );
    assert!(matches!(
        sqs.create_queue(QueueConfig::new("b.fifo").with_redrive("a-dlq", 3)),
        Err(SqsError::InvalidParameterValue { .. })
    ));
    assert_eq!(
        sqs.create_queue(QueueConfig::new("c").with_redrive("missing", 3))
            .unwrap_err(),
        SqsError::QueueDoesNotExist("missing".to_owned())
    );
    assert!(matches!(
        sqs.create_queue(QueueConfig::new("a")),
        Err(SqsError::QueueAlreadyExists(_))
    ));
    let q = sqs.queue("a").unwrap();
    assert_eq!(sqs.queue_by_arn(q.arn()).unwrap().name(), "a");
    assert_eq!(
        sqs.queue_by_url("http://127.0.0.1:9999/000000000000/a-dlq")
            .unwrap()
            .name(),
        "a-dlq"
    );
    let names: Vec<_> = sqs.list("a").iter().map(|q| q.name().to_owned()).collect();
    assert_eq!(names, ["a", "a-dlq"]);
}

#[tokio::test]
async fn receive_wait_wakes_on_send_and_returns_empty_when_the_wait_ends() {
    let (clock, sqs) = setup();
    let q = sqs.create_queue(QueueConfig::new("work")).unwrap();
    let waiter = {
        let q = Arc::clone(&q);
        tokio::spawn(async move { q.receive_wait(10, 20_000).await })
    };
    while clock.pending_sleeps() == 0 {
        tokio::task::yield_now().await;
    }
    q.send(SendMessage::new("wake")).unwrap();
    let got = waiter.await.unwrap().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, "wake");

    let waiter = {
        let q = Arc::clone(&q);
        tokio::spawn(async move { q.receive_wait(10, 20_000).await })
    };
    while clock.pending_sleeps() == 0 {
        tokio::task::yield_now().await;
    }
    assert_eq!(clock.next_deadline(), Some(T0 + 20_000));
    clock.advance_to_next();
    assert!(waiter.await.unwrap().unwrap().is_empty());
    assert_eq!(clock.now_ms(), T0 + 20_000);
}

#[tokio::test]
async fn receive_wait_wakes_when_a_delayed_message_becomes_visible() {
    let (clock, sqs) = setup();
    let q = sqs.create_queue(QueueConfig::new("work")).unwrap();
    q.send(SendMessage::new("soon").with_delay(3)).unwrap();
    let waiter = {
        let q = Arc::clone(&q);
        tokio::spawn(async move { q.receive_wait(10, 20_000).await })
    };
    while clock.pending_sleeps() == 0 {
        tokio::task::yield_now().await;
    }
    assert_eq!(clock.next_deadline(), Some(T0 + 3_000));
    clock.advance_to_next();
    assert_eq!(waiter.await.unwrap().unwrap()[0].body, "soon");
}

/// The SQS records of `events/lambda/*.json` (the shape Lambda hands the consumers): our MD5 of
/// each body matches theirs, and a record we build has exactly their fields.
#[test]
fn lambda_records_match_the_sample_sqs_events() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/lambda");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("{} not present; nothing to compare", dir.display());
        return;
    };
    let (_clock, sqs) = setup();
    let q = sqs.create_queue(QueueConfig::new("sample")).unwrap();
    let mut compared = 0;
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let event: serde_json::Value = serde_json::from_str(&text).unwrap();
        let Some(records) = event["Records"].as_array() else {
            continue;
        };
        for sample in records.iter().filter(|r| r["eventSource"] == "aws:sqs") {
            let body = sample["body"].as_str().unwrap();
            assert_eq!(
                orderly_local::sqs::md5_of_body(body),
                sample["md5OfBody"].as_str().unwrap(),
                "{}",
                entry.path().display()
            );
            q.send(SendMessage::new(body)).unwrap();
            let m = one(q.receive(1).unwrap());
            q.delete(&m.receipt_handle).unwrap();
            let ours = serde_json::to_value(m.to_lambda_record(q.arn(), "us-east-1")).unwrap();
            let keys = |v: &serde_json::Value| {
                let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
                k.retain(|k| k != "md5OfMessageAttributes");
                k.sort();
                k
            };
            assert_eq!(keys(&ours), keys(sample));
            assert_eq!(ours["md5OfBody"], sample["md5OfBody"]);
            compared += 1;
        }
    }
    assert!(compared > 0, "no SQS sample records in {}", dir.display());
}

/// On paused tokio time the whole redrive cycle — five visibility timeouts of 90 s — runs at
/// once, and the clock lands exactly where SQS's timers put it.
#[tokio::test(start_paused = true)]
async fn redrive_cycle_runs_instantly_on_a_paused_tokio_clock() {
    let clock = orderly_local::clock::TokioClock::starting_at(T0);
    let sqs = Sqs::new(Arc::new(clock.clone()));
    sqs.create_queue(QueueConfig::new("work-dlq")).unwrap();
    let q = sqs
        .create_queue(
            QueueConfig::new("work")
                .with_visibility_timeout(90)
                .with_redrive("work-dlq", 5),
        )
        .unwrap();
    let started = orderly_core::clock::Stopwatch::start();
    q.send(SendMessage::new("poison")).unwrap();
    for count in 1..=5 {
        let m = one(q.receive_wait(10, 100_000).await.unwrap());
        assert_eq!(m.receive_count(), count);
        assert_eq!(clock.now_ms(), T0 + i64::from(count - 1) * 90_000);
    }
    // The sixth receive moves the message when it becomes visible, then waits out its time.
    assert!(q.receive_wait(10, 100_000).await.unwrap().is_empty());
    assert_eq!(clock.now_ms(), T0 + 360_000 + 100_000);
    let dlq = sqs.queue("work-dlq").unwrap();
    assert_eq!(one(dlq.receive(1).unwrap()).body, "poison");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// Pollers on several threads share a queue: every message is delivered to exactly one of
/// them while its visibility timeout holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pollers_each_get_distinct_messages() {
    let (_clock, sqs) = setup();
    let q = sqs
        .create_queue(QueueConfig::new("shared").with_visibility_timeout(300))
        .unwrap();
    const N: usize = 2_000;
    for i in 0..N {
        q.send(SendMessage::new(format!("m{i}"))).unwrap();
    }
    let pollers: Vec<_> = (0..4)
        .map(|_| {
            let q = Arc::clone(&q);
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = q.receive_wait(10, 0).await.unwrap();
                    if batch.is_empty() {
                        return got;
                    }
                    for m in batch {
                        assert_eq!(q.delete(&m.receipt_handle), Ok(true));
                        got.push(m.body);
                    }
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for poller in pollers {
        all.extend(poller.await.unwrap());
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), N);
    assert!(q.is_empty());
}
