//! Dead-letter queue redrive (message move tasks) in the embedded SQS engine, on a manual
//! clock so each second of a rate is exact.

use std::sync::Arc;

use orderly_local::clock::ManualClock;
use orderly_local::sqs::{MoveTaskError, MoveTaskStatus, Queue, QueueConfig, SendMessage, Sqs};

const T0: i64 = 1_700_000_000_000;
const ARN: &str = "arn:aws:sqs:us-east-1:000000000000:";

/// Queues `work` and `other`, both redriving to `work-dlq` after two receives.
fn setup() -> (ManualClock, Sqs) {
    let clock = ManualClock::new(T0);
    let sqs = Sqs::new(Arc::new(clock.clone()));
    sqs.create_queue(QueueConfig::new("work-dlq")).unwrap();
    for name in ["work", "other"] {
        sqs.create_queue(QueueConfig::new(name).with_redrive("work-dlq", 2))
            .unwrap();
    }
    sqs.create_queue(QueueConfig::new("elsewhere")).unwrap();
    (clock, sqs)
}

fn arn(name: &str) -> String {
    format!("{ARN}{name}")
}

/// Sends `bodies` to `queue` and dead-letters each at once, as a consumer does with a
/// poison message: each then records `queue` as its source.
fn dead_letter(queue: &Arc<Queue>, bodies: &[&str]) {
    for body in bodies {
        queue.send(SendMessage::new(*body)).unwrap();
    }
    for m in queue.receive(10).unwrap() {
        queue.dead_letter(&m.receipt_handle, "poison").unwrap();
    }
}

fn bodies(queue: &Arc<Queue>) -> Vec<String> {
    let mut bodies: Vec<String> = queue.peek_all().into_iter().map(|m| m.body).collect();
    bodies.sort();
    bodies
}

#[test]
fn without_a_destination_each_message_goes_back_to_its_own_source() {
    let (_clock, sqs) = setup();
    let work = sqs.queue("work").unwrap();
    let other = sqs.queue("other").unwrap();
    let dlq = sqs.queue("work-dlq").unwrap();
    dead_letter(&work, &["w1", "w2"]);
    dead_letter(&other, &["o1"]);
    assert_eq!(dlq.len(), 3);

    let handle = sqs
        .start_message_move_task(&arn("work-dlq"), None, None)
        .unwrap();
    let listed = &sqs.list_message_move_tasks(&arn("work-dlq"), 1).unwrap()[0];
    assert_eq!(listed.handle, handle);
    assert_eq!(
        (listed.status, listed.moved, listed.to_move),
        (MoveTaskStatus::Running, 0, 3)
    );

    assert!(
        !sqs.advance_move_tasks(),
        "one step moves everything without a rate"
    );
    assert!(dlq.is_empty());
    assert_eq!(bodies(&work), ["w1", "w2"]);
    assert_eq!(bodies(&other), ["o1"]);
    let done = &sqs.list_message_move_tasks(&arn("work-dlq"), 1).unwrap()[0];
    assert_eq!(
        (done.status, done.moved, done.to_move),
        (MoveTaskStatus::Completed, 3, 3)
    );

    // Back as new arrivals: received once, no trace of the dead-letter queue, the
    // message attributes kept.
    let again = work.receive(10).unwrap();
    assert_eq!(again.len(), 2);
    for m in &again {
        assert_eq!(m.attributes["ApproximateReceiveCount"], "1");
        assert!(
            !m.attributes.contains_key("DeadLetterQueueSourceArn"),
            "{m:?}"
        );
        assert_eq!(m.dead_letter_reason(), Some("poison"));
    }
}

#[test]
fn a_rate_moves_that_many_messages_a_second_of_the_clock() {
    let (clock, sqs) = setup();
    let work = sqs.queue("work").unwrap();
    let dlq = sqs.queue("work-dlq").unwrap();
    dead_letter(&work, &["1", "2", "3", "4", "5"]);
    sqs.start_message_move_task(&arn("work-dlq"), Some(&arn("elsewhere")), Some(2))
        .unwrap();
    let elsewhere = sqs.queue("elsewhere").unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let running = sqs.advance_move_tasks();
        // A second step within the same second moves nothing more.
        sqs.advance_move_tasks();
        seen.push((elsewhere.len(), dlq.len(), running));
        clock.advance(1000);
    }
    assert_eq!(seen, [(2, 3, true), (4, 1, true), (5, 0, false)]);
    assert!(work.is_empty(), "a destination given takes every message");
}

#[test]
fn a_cancelled_task_keeps_what_it_moved_and_moves_no_more() {
    let (clock, sqs) = setup();
    let work = sqs.queue("work").unwrap();
    dead_letter(&work, &["1", "2", "3"]);
    let handle = sqs
        .start_message_move_task(&arn("work-dlq"), None, Some(1))
        .unwrap();
    sqs.advance_move_tasks();
    assert_eq!(sqs.cancel_message_move_task(&handle), Ok(1));
    clock.advance(5000);
    assert!(!sqs.advance_move_tasks());
    assert_eq!(work.len(), 1);
    assert_eq!(sqs.queue("work-dlq").unwrap().len(), 2);
    let task = &sqs.list_message_move_tasks(&arn("work-dlq"), 1).unwrap()[0];
    assert_eq!((task.status, task.moved), (MoveTaskStatus::Cancelled, 1));
    assert_eq!(
        sqs.cancel_message_move_task(&handle),
        Err(MoveTaskError::TaskNotRunning("CANCELLED"))
    );
    assert_eq!(
        sqs.cancel_message_move_task("no-such-handle"),
        Err(MoveTaskError::NoSuchTask)
    );
    // The source is free for a new task once none runs.
    sqs.start_message_move_task(&arn("work-dlq"), None, None)
        .unwrap();
    sqs.advance_move_tasks();
    assert_eq!(work.len(), 3);
}

#[test]
fn a_message_with_no_known_source_fails_the_task_and_stays() {
    let (_clock, sqs) = setup();
    let dlq = sqs.queue("work-dlq").unwrap();
    dlq.send(SendMessage::new("put here by hand")).unwrap();
    sqs.start_message_move_task(&arn("work-dlq"), None, None)
        .unwrap();
    assert!(!sqs.advance_move_tasks());
    let task = &sqs.list_message_move_tasks(&arn("work-dlq"), 1).unwrap()[0];
    assert_eq!(task.status, MoveTaskStatus::Failed);
    let reason = task.failure_reason.as_deref().unwrap_or_default();
    assert!(reason.contains("DeadLetterQueueSourceArn"), "{reason}");
    assert_eq!(bodies(&dlq), ["put here by hand"]);
}

#[test]
fn a_request_aws_refuses_is_refused_with_its_words() {
    let (_clock, sqs) = setup();
    sqs.create_queue(QueueConfig::new("f-dlq.fifo")).unwrap();
    let start = |source: &str, destination: Option<&str>| {
        sqs.start_message_move_task(source, destination, None).err()
    };
    assert_eq!(
        start("work-dlq", None),
        Some(MoveTaskError::InvalidArn("SourceArn"))
    );
    assert_eq!(
        start(&arn("nope"), None),
        Some(MoveTaskError::NoSuchQueue("SourceArn"))
    );
    // `work` has a dead-letter queue but is not one; `f-dlq.fifo` is no queue's.
    assert_eq!(
        start(&arn("work"), None),
        Some(MoveTaskError::NotADeadLetterQueue)
    );
    assert_eq!(
        start(&arn("f-dlq.fifo"), None),
        Some(MoveTaskError::NotADeadLetterQueue)
    );
    let source = arn("work-dlq");
    assert_eq!(
        start(&source, Some(&source)),
        Some(MoveTaskError::SameQueue)
    );
    assert_eq!(
        start(&source, Some(&arn("gone"))),
        Some(MoveTaskError::NoSuchQueue("DestinationArn"))
    );
    assert_eq!(
        start(&source, Some(&arn("f-dlq.fifo"))),
        Some(MoveTaskError::QueueTypesDiffer)
    );
    assert_eq!(start(&source, None), None);
    assert_eq!(start(&source, None), Some(MoveTaskError::TaskRunning));
    assert_eq!(
        MoveTaskError::TaskRunning.to_string(),
        "There is already a task running. Only one active task is allowed for a source queue arn at a given time."
    );
}

#[test]
fn a_source_lists_its_ten_most_recent_tasks_newest_first() {
    let (_clock, sqs) = setup();
    let mut handles = Vec::new();
    for _ in 0..12 {
        handles.push(
            sqs.start_message_move_task(&arn("work-dlq"), None, None)
                .unwrap(),
        );
        sqs.advance_move_tasks();
    }
    let listed = sqs.list_message_move_tasks(&arn("work-dlq"), 100).unwrap();
    assert_eq!(listed.len(), 10);
    let newest: Vec<&String> = handles.iter().rev().take(10).collect();
    assert_eq!(listed.iter().map(|t| &t.handle).collect::<Vec<_>>(), newest);
    assert_eq!(
        sqs.list_message_move_tasks(&arn("nope"), 1),
        Err(MoveTaskError::NoSuchQueue("SourceArn"))
    );
}

/// At volume, with receives racing the task: every message ends in exactly one place.
#[test]
fn no_message_is_lost_or_doubled_while_consumers_race_the_task() {
    let (clock, sqs) = setup();
    let work = sqs.queue("work").unwrap();
    let dlq = sqs.queue("work-dlq").unwrap();
    let bodies_sent: Vec<String> = (0..300).map(|i| format!("m{i:03}")).collect();
    for chunk in bodies_sent.chunks(10) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        dead_letter(&work, &refs);
    }
    sqs.start_message_move_task(&arn("work-dlq"), None, Some(37))
        .unwrap();
    let mut taken_from_dlq = Vec::new();
    while sqs.advance_move_tasks() {
        // Someone reads the DLQ meanwhile and deletes what they read.
        for m in dlq.receive(3).unwrap() {
            dlq.delete(&m.receipt_handle).unwrap();
            taken_from_dlq.push(m.body);
        }
        clock.advance(1000);
    }
    let mut everywhere: Vec<String> = bodies(&work);
    everywhere.extend(bodies(&dlq));
    everywhere.extend(taken_from_dlq);
    everywhere.sort();
    assert_eq!(everywhere, bodies_sent);
}
