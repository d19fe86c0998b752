//! SQS messages and batches for the batch processor's tests.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};

/// A first delivery of message `id` with `body`, in message group `group` when given.
pub fn message(id: &str, body: &str, group: Option<&str>) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.to_owned());
    m.body = Some(body.to_owned());
    if let Some(g) = group {
        m.attributes.insert("MessageGroupId".into(), g.into());
    }
    m.attributes
        .insert("ApproximateReceiveCount".into(), "1".into());
    m
}

/// The batch of `messages`, in order.
pub fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages;
    event
}
