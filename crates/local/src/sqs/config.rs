//! A queue's settings: the properties of `AWS::SQS::Queue` the engine honours.

use crate::pseudo;

/// Where a queue's failed messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedrivePolicy {
    /// Name of the dead-letter queue (it must exist before this queue is created).
    pub dead_letter_queue: String,
    /// A message received this many times is moved on its next receive.
    pub max_receive_count: u32,
}

/// One queue's settings. Defaults are AWS's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    /// `QueueName`; one ending in `.fifo` is a FIFO queue.
    pub name: String,
    /// The queue's ARN.
    pub arn: String,
    /// The queue's URL, as clients address it.
    pub url: String,
    /// `FifoQueue`: ordered per message group, deduplicated for five minutes.
    pub fifo: bool,
    /// `ContentBasedDeduplication`: a FIFO message without a deduplication id is deduplicated
    /// by the SHA-256 of its body.
    pub content_based_deduplication: bool,
    /// `VisibilityTimeout`, seconds a received message stays hidden (default 30).
    pub visibility_timeout_secs: u32,
    /// `DelaySeconds`, seconds a new message stays hidden (default 0).
    pub delay_secs: u32,
    /// `MessageRetentionPeriod`, seconds before an unreceived message is dropped (default
    /// 345600, 4 days).
    pub message_retention_secs: u32,
    /// `ReceiveMessageWaitTimeSeconds`, the default long-poll wait (default 0).
    pub receive_wait_secs: u32,
    /// `RedrivePolicy`, if failed messages go to a dead-letter queue.
    pub redrive: Option<RedrivePolicy>,
}

impl QueueConfig {
    /// A queue with AWS's defaults, its ARN and URL those of the local cloud. A name ending in
    /// `.fifo` makes a FIFO queue.
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        Self {
            arn: pseudo::sqs_queue_arn(&name),
            url: pseudo::sqs_queue_url(pseudo::DEFAULT_ENDPOINT, &name),
            fifo: name.ends_with(".fifo"),
            name,
            content_based_deduplication: false,
            visibility_timeout_secs: 30,
            delay_secs: 0,
            message_retention_secs: 345_600,
            receive_wait_secs: 0,
            redrive: None,
        }
    }

    /// Sets the redrive policy.
    pub fn with_redrive(
        mut self,
        dead_letter_queue: impl Into<String>,
        max_receive_count: u32,
    ) -> Self {
        self.redrive = Some(RedrivePolicy {
            dead_letter_queue: dead_letter_queue.into(),
            max_receive_count,
        });
        self
    }

    /// Sets the visibility timeout.
    pub fn with_visibility_timeout(mut self, secs: u32) -> Self {
        self.visibility_timeout_secs = secs;
        self
    }

    /// Sets content-based deduplication (FIFO only).
    pub fn with_content_based_deduplication(mut self) -> Self {
        self.content_based_deduplication = true;
        self
    }

    /// Sets the queue's default delay.
    pub fn with_delay(mut self, secs: u32) -> Self {
        self.delay_secs = secs;
        self
    }
}
