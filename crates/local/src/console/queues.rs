//! The queues: depth, messages in flight, the oldest message's age, receive counts, and
//! the dead letters with the reason each was dead-lettered.

use super::redact;
use crate::runtime::CloudInner;
use crate::scenarios::{dead_letter_reason, is_dead_letter_queue};
use orderly_core::clock::rfc3339_ms;
use serde::Serialize;

/// One queue.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    /// Its name.
    pub name: String,
    /// Its logical id in the template, when the template declares it.
    pub logical_id: Option<String>,
    /// Its ARN.
    pub arn: String,
    /// Whether it is a dead-letter queue.
    pub dlq: bool,
    /// Where its messages go after `maxReceiveCount` receives.
    pub dead_letter_queue: Option<String>,
    /// Its `maxReceiveCount`.
    pub max_receive_count: Option<u32>,
    /// `ApproximateNumberOfMessages`.
    pub depth: usize,
    /// `ApproximateNumberOfMessagesNotVisible`.
    pub in_flight: usize,
    /// `ApproximateNumberOfMessagesDelayed`.
    pub delayed: usize,
    /// `ApproximateAgeOfOldestMessage`, seconds.
    pub oldest_age_seconds: i64,
    /// The most receives of one of its messages.
    pub max_receives: u32,
    /// Whether StartMessageMoveTask takes it as a source: some queue's redrive policy
    /// names it.
    pub redrivable: bool,
}

/// One message of a dead-letter queue.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterView {
    /// The dead-letter queue's name.
    pub queue: String,
    /// The message id.
    pub message_id: String,
    /// When it was first sent, RFC 3339.
    pub sent: Option<String>,
    /// Its body, secrets masked.
    pub body: String,
    /// Why it was dead-lettered.
    pub reason: String,
    /// How often it was received.
    pub receive_count: u32,
    /// The queue it came from (`DeadLetterQueueSourceArn`), when known.
    pub source: Option<String>,
}

/// The queues and the dead letters.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Queues {
    /// Every queue, by name.
    pub queues: Vec<QueueView>,
    /// Every message of every dead-letter queue.
    pub dead_letters: Vec<DeadLetterView>,
}

/// The most dead letters listed.
const MAX_DEAD_LETTERS: usize = 500;

/// Every queue and every dead letter.
pub fn list(cloud: &CloudInner) -> Queues {
    read(cloud, true)
}

/// Every queue, without the dead letters' bodies and reasons.
pub fn rows(cloud: &CloudInner) -> Vec<QueueView> {
    read(cloud, false).queues
}

/// The queues, and the dead letters when `with_dead_letters` says so.
fn read(cloud: &CloudInner, with_dead_letters: bool) -> Queues {
    let mut queues = Vec::new();
    let mut dead_letters = Vec::new();
    let mut all = cloud.sqs.list("");
    all.sort_by(|a, b| a.name().cmp(b.name()));
    // The queues some redrive policy names: those StartMessageMoveTask takes.
    let targets: std::collections::HashSet<String> = all
        .iter()
        .filter_map(|q| q.dead_letter_queue().map(|d| d.arn().to_owned()))
        .collect();
    for queue in all {
        let declared = cloud.model.queues.values().find(|q| q.name == queue.name());
        let redrivable = targets.contains(queue.arn());
        let dlq = redrivable || declared.is_some_and(|q| is_dead_letter_queue(&cloud.model, q));
        let attributes = queue.attributes();
        let messages = queue.peek_all();
        if dlq && with_dead_letters {
            for message in &messages {
                if dead_letters.len() < MAX_DEAD_LETTERS {
                    dead_letters.push(dead_letter(queue.name(), message));
                }
            }
        }
        let redrive = queue.config().redrive.as_ref();
        queues.push(QueueView {
            name: queue.name().to_owned(),
            logical_id: declared.map(|q| q.logical_id.clone()),
            arn: queue.arn().to_owned(),
            dlq,
            dead_letter_queue: queue.dead_letter_queue().map(|d| d.name().to_owned()),
            max_receive_count: redrive.map(|r| r.max_receive_count),
            depth: attributes.approximate_number_of_messages,
            in_flight: attributes.approximate_number_of_messages_not_visible,
            delayed: attributes.approximate_number_of_messages_delayed,
            oldest_age_seconds: attributes.approximate_age_of_oldest_message_secs,
            max_receives: messages
                .iter()
                .map(|m| m.receive_count())
                .max()
                .unwrap_or(0),
            redrivable,
        });
    }
    Queues {
        queues,
        dead_letters,
    }
}

fn dead_letter(queue: &str, message: &crate::sqs::ReceivedMessage) -> DeadLetterView {
    let attribute = |k: &str| message.attributes.get(k).cloned();
    DeadLetterView {
        queue: queue.to_owned(),
        message_id: message.message_id.clone(),
        sent: attribute("SentTimestamp")
            .and_then(|t| t.parse::<i64>().ok())
            .map(rfc3339_ms),
        body: redact::text(&message.body),
        reason: redact::text(&dead_letter_reason(message)),
        receive_count: message.receive_count(),
        source: attribute("DeadLetterQueueSourceArn"),
    }
}
