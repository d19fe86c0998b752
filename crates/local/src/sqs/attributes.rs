//! GetQueueAttributes.

use std::collections::BTreeMap;

use super::config::QueueConfig;

/// A queue's counts and settings at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueAttributes {
    /// Receivable now.
    pub approximate_number_of_messages: usize,
    /// Received and not yet deleted or visible again.
    pub approximate_number_of_messages_not_visible: usize,
    /// Sent with a delay that has not yet passed.
    pub approximate_number_of_messages_delayed: usize,
    /// Age of the oldest message (the CloudWatch metric the age alarms watch).
    pub approximate_age_of_oldest_message_secs: i64,
    /// When the queue was created, epoch milliseconds on the engine's clock.
    pub created_timestamp_ms: i64,
    /// The queue's settings.
    pub config: QueueConfig,
}

impl QueueAttributes {
    /// The attributes under their AWS names, values as strings (GetQueueAttributes `All`).
    pub fn to_map(&self) -> BTreeMap<String, String> {
        let c = &self.config;
        let mut map = BTreeMap::new();
        let mut put = |k: &str, v: String| {
            map.insert(k.to_owned(), v);
        };
        put("QueueArn", c.arn.clone());
        put(
            "ApproximateNumberOfMessages",
            self.approximate_number_of_messages.to_string(),
        );
        put(
            "ApproximateNumberOfMessagesNotVisible",
            self.approximate_number_of_messages_not_visible.to_string(),
        );
        put(
            "ApproximateNumberOfMessagesDelayed",
            self.approximate_number_of_messages_delayed.to_string(),
        );
        put(
            "CreatedTimestamp",
            (self.created_timestamp_ms / 1000).to_string(),
        );
        put(
            "LastModifiedTimestamp",
            (self.created_timestamp_ms / 1000).to_string(),
        );
        put("VisibilityTimeout", c.visibility_timeout_secs.to_string());
        put("DelaySeconds", c.delay_secs.to_string());
        put(
            "MessageRetentionPeriod",
            c.message_retention_secs.to_string(),
        );
        put(
            "MaximumMessageSize",
            super::state::MAX_MESSAGE_BYTES.to_string(),
        );
        put(
            "ReceiveMessageWaitTimeSeconds",
            c.receive_wait_secs.to_string(),
        );
        if c.fifo {
            put("FifoQueue", "true".to_owned());
            put(
                "ContentBasedDeduplication",
                c.content_based_deduplication.to_string(),
            );
        }
        if let Some(redrive) = &c.redrive {
            let dlq_arn = crate::pseudo::sqs_queue_arn(&redrive.dead_letter_queue);
            put(
                "RedrivePolicy",
                serde_json::json!({
                    "deadLetterTargetArn": dlq_arn,
                    "maxReceiveCount": redrive.max_receive_count,
                })
                .to_string(),
            );
        }
        map
    }
}
