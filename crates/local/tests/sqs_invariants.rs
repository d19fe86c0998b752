//! Property: across any sequence of sends, receives, deletes (with fresh or stale handles),
//! visibility changes, explicit dead-lettering, redrives and clock moves, no message is lost or
//! duplicated — every sent message ends deleted, in the DLQ or still in the queue, exactly once
//! — no message is delivered while it is in flight, and a FIFO group is delivered in order.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use orderly_local::clock::{Clock, ManualClock};
use orderly_local::sqs::{QueueConfig, SendMessage, Sqs, SqsError};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Send { group: u8 },
    Receive { max: usize },
    Delete { pick: usize },
    ChangeVisibility { pick: usize, secs: u32 },
    DeadLetter { pick: usize },
    Advance { ms: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..3).prop_map(|group| Op::Send { group }),
        3 => (1usize..4).prop_map(|max| Op::Receive { max }),
        2 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        1 => (any::<usize>(), 0u32..3).prop_map(|(pick, secs)| Op::ChangeVisibility { pick, secs }),
        1 => any::<usize>().prop_map(|pick| Op::DeadLetter { pick }),
        2 => (0i64..2_500).prop_map(|ms| Op::Advance { ms }),
    ]
}

fn run(fifo: bool, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let clock = ManualClock::new(0);
    let sqs = Sqs::new(Arc::new(clock.clone()));
    let (name, dlq_name) = if fifo {
        ("q.fifo", "dlq.fifo")
    } else {
        ("q", "dlq")
    };
    let dlq = sqs.create_queue(QueueConfig::new(dlq_name)).unwrap();
    let queue = sqs
        .create_queue(
            QueueConfig::new(name)
                .with_visibility_timeout(1)
                .with_redrive(dlq_name, 3),
        )
        .unwrap();

    let mut sent: Vec<(String, u8)> = Vec::new();
    let mut group_of: HashMap<String, u8> = HashMap::new();
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    // Every handle ever received, stale ones included, and the latest handle per message.
    let mut handles: Vec<(String, String)> = Vec::new();
    let mut latest: HashMap<String, String> = HashMap::new();
    let mut in_flight_until: HashMap<String, i64> = HashMap::new();

    for (n, op) in ops.into_iter().enumerate() {
        match op {
            Op::Send { group } => {
                let mut request = SendMessage::new(format!("m{n}"));
                if fifo {
                    request = request
                        .with_group(group.to_string())
                        .with_deduplication_id(n.to_string());
                }
                let outcome = queue.send(request).unwrap();
                prop_assert!(!outcome.duplicate);
                group_of.insert(outcome.message_id.clone(), group);
                sent.push((outcome.message_id, group));
            }
            Op::Receive { max } => {
                let now = clock.now_ms();
                let batch = queue.receive(max).unwrap();
                prop_assert!(batch.len() <= max);
                let in_dlq: BTreeSet<String> =
                    dlq.peek_all().into_iter().map(|m| m.message_id).collect();
                for (position, m) in batch.iter().enumerate() {
                    if let Some(until) = in_flight_until.get(&m.message_id) {
                        prop_assert!(now >= *until, "{} delivered while in flight", m.message_id);
                    }
                    prop_assert!(!deleted.contains(&m.message_id));
                    in_flight_until.insert(m.message_id.clone(), now + 1_000);
                    latest.insert(m.message_id.clone(), m.receipt_handle.clone());
                    handles.push((m.message_id.clone(), m.receipt_handle.clone()));
                    if fifo {
                        // Every earlier live message of the group is earlier in this batch.
                        let group = group_of[&m.message_id];
                        let earlier_in_batch: BTreeSet<&str> = batch[..position]
                            .iter()
                            .map(|b| b.message_id.as_str())
                            .collect();
                        for (id, g) in &sent {
                            if id == &m.message_id {
                                break;
                            }
                            let live = !deleted.contains(id) && !in_dlq.contains(id);
                            if *g == group && live {
                                prop_assert!(
                                    earlier_in_batch.contains(id.as_str()),
                                    "{} delivered before earlier {id} of group {group}",
                                    m.message_id
                                );
                            }
                        }
                    }
                }
            }
            Op::Delete { pick } if !handles.is_empty() => {
                let (id, handle) = &handles[pick % handles.len()];
                let is_latest = latest.get(id) == Some(handle);
                match queue.delete(handle) {
                    Ok(true) => {
                        prop_assert!(is_latest);
                        prop_assert!(deleted.insert(id.clone()), "{id} deleted twice");
                    }
                    Ok(false) => {}
                    Err(SqsError::ReceiptHandleIsInvalid { .. }) => prop_assert!(!is_latest),
                    Err(e) => prop_assert!(false, "unexpected {e}"),
                }
            }
            Op::ChangeVisibility { pick, secs } if !handles.is_empty() => {
                let (id, handle) = &handles[pick % handles.len()];
                if queue.change_visibility(handle, secs).is_ok() {
                    in_flight_until.insert(id.clone(), clock.now_ms() + i64::from(secs) * 1000);
                }
            }
            Op::DeadLetter { pick } if !handles.is_empty() => {
                let (_, handle) = &handles[pick % handles.len()];
                let _ = queue.dead_letter(handle, "consumer reported a failure");
            }
            Op::Advance { ms } => clock.advance(ms),
            Op::Delete { .. } | Op::ChangeVisibility { .. } | Op::DeadLetter { .. } => {}
        }
    }

    let remaining: Vec<String> = queue.peek_all().into_iter().map(|m| m.message_id).collect();
    let dead: Vec<String> = dlq.peek_all().into_iter().map(|m| m.message_id).collect();
    let mut seen: BTreeSet<String> = deleted.clone();
    for id in remaining.iter().chain(dead.iter()) {
        prop_assert!(seen.insert(id.clone()), "{id} is in two places");
    }
    let all_sent: BTreeSet<String> = sent.into_iter().map(|(id, _)| id).collect();
    prop_assert_eq!(seen, all_sent);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn standard_queue_loses_and_duplicates_nothing(ops in prop::collection::vec(op(), 0..120)) {
        run(false, ops)?;
    }

    #[test]
    fn fifo_queue_loses_and_duplicates_nothing_and_keeps_group_order(
        ops in prop::collection::vec(op(), 0..120)
    ) {
        run(true, ops)?;
    }
}
