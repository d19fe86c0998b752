//! An embedded SQS engine driven by the runtime's clock: standard and FIFO queues with
//! delays, visibility timeouts, receive counts, redrive to dead-letter queues, FIFO message
//! groups and the 5-minute deduplication window.

mod attributes;
mod config;
mod error;
mod message;
mod move_task;
mod queue;
mod receive;
mod state;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

pub use attributes::QueueAttributes;
pub use config::{QueueConfig, RedrivePolicy};
pub use error::SqsError;
pub use message::{
    DEAD_LETTER_REASON, MessageAttributeValue, ReceivedMessage, SendMessage, SendOutcome,
    md5_of_body, md5_of_message_attributes,
};
pub use move_task::{MAX_MESSAGES_PER_SECOND, MoveTask, MoveTaskError, MoveTaskStatus};
pub use queue::{Queue, allowed_char};
pub use state::MAX_MESSAGE_BYTES;

use crate::clock::SharedClock;

/// Every queue of the local cloud, by name.
pub struct Sqs {
    clock: SharedClock,
    queues: RwLock<BTreeMap<String, Arc<Queue>>>,
    move_tasks: move_task::MoveTasks,
}

impl std::fmt::Debug for Sqs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqs")
            .field("queues", &self.names())
            .finish_non_exhaustive()
    }
}

impl Sqs {
    /// An engine with no queues, timing visibility, delays and retention by `clock`.
    pub fn new(clock: SharedClock) -> Self {
        Self {
            clock,
            queues: RwLock::new(BTreeMap::new()),
            move_tasks: move_task::MoveTasks::default(),
        }
    }

    /// The clock the queues run on.
    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// CreateQueue. The dead-letter queue of a redrive policy must exist already and be of the
    /// same kind (FIFO or standard).
    pub fn create_queue(&self, config: QueueConfig) -> Result<Arc<Queue>, SqsError> {
        validate(&config)?;
        let mut queues = self.queues.write().unwrap_or_else(|e| e.into_inner());
        if queues.contains_key(&config.name) {
            return Err(SqsError::QueueAlreadyExists(config.name));
        }
        let dead_letter = match &config.redrive {
            None => None,
            Some(redrive) => {
                let dlq = queues
                    .get(&redrive.dead_letter_queue)
                    .cloned()
                    .ok_or_else(|| {
                        SqsError::QueueDoesNotExist(redrive.dead_letter_queue.clone())
                    })?;
                if dlq.is_fifo() != config.fifo {
                    return Err(SqsError::invalid(
                        &config.name,
                        "RedrivePolicy",
                        format!(
                            "dead-letter queue {} must be {} like the queue",
                            dlq.name(),
                            if config.fifo { "FIFO" } else { "standard" }
                        ),
                    ));
                }
                Some((dlq, redrive.max_receive_count))
            }
        };
        let queue = Arc::new(Queue::new(config, Arc::clone(&self.clock), dead_letter));
        queues.insert(queue.name().to_owned(), Arc::clone(&queue));
        Ok(queue)
    }

    /// Creates queues given in any order: each dead-letter queue before the queues that
    /// redrive to it.
    pub fn create_queues(
        &self,
        configs: impl IntoIterator<Item = QueueConfig>,
    ) -> Result<Vec<Arc<Queue>>, SqsError> {
        let mut pending: Vec<QueueConfig> = configs.into_iter().collect();
        let mut created = Vec::new();
        while !pending.is_empty() {
            let ready = pending.iter().position(|c| {
                c.redrive.as_ref().is_none_or(|r| {
                    self.queue(&r.dead_letter_queue).is_ok()
                        && !pending.iter().any(|p| p.name == r.dead_letter_queue)
                })
            });
            let config = match ready {
                Some(i) => pending.remove(i),
                // Nothing ready: a missing dead-letter queue or a cycle; creating the first
                // reports which queue is missing.
                None => pending.remove(0),
            };
            created.push(self.create_queue(config)?);
        }
        Ok(created)
    }

    /// The queue of a name.
    pub fn queue(&self, name: &str) -> Result<Arc<Queue>, SqsError> {
        self.queues
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
            .ok_or_else(|| SqsError::QueueDoesNotExist(name.to_owned()))
    }

    /// The queue of an ARN.
    pub fn queue_by_arn(&self, arn: &str) -> Result<Arc<Queue>, SqsError> {
        self.find(|q| q.arn() == arn)
            .ok_or_else(|| SqsError::QueueDoesNotExist(arn.to_owned()))
    }

    /// The queue of a URL; only the last path segment (the name) counts, so a URL with any
    /// host or port the client used finds its queue.
    pub fn queue_by_url(&self, url: &str) -> Result<Arc<Queue>, SqsError> {
        let name = url.trim_end_matches('/').rsplit('/').next().unwrap_or(url);
        self.queue(name)
            .map_err(|_| SqsError::QueueDoesNotExist(url.to_owned()))
    }

    fn find(&self, f: impl Fn(&Queue) -> bool) -> Option<Arc<Queue>> {
        self.queues
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .find(|q| f(q))
            .cloned()
    }

    /// ListQueues: every queue whose name starts with `prefix`, by name.
    pub fn list(&self, prefix: &str) -> Vec<Arc<Queue>> {
        self.queues
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .filter(|q| q.name().starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Every queue name.
    pub fn names(&self) -> Vec<String> {
        self.queues
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect()
    }
}

fn validate(config: &QueueConfig) -> Result<(), SqsError> {
    let name = &config.name;
    let valid_chars = name
        .trim_end_matches(".fifo")
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if name.is_empty() || name.len() > 80 || !valid_chars {
        return Err(SqsError::invalid(
            name,
            "QueueName",
            "1 to 80 characters: letters, digits, - and _ (and .fifo for FIFO)",
        ));
    }
    if config.fifo != name.ends_with(".fifo") {
        return Err(SqsError::invalid(
            name,
            "QueueName",
            "a FIFO queue's name ends in .fifo, and only a FIFO queue's",
        ));
    }
    if config.content_based_deduplication && !config.fifo {
        return Err(SqsError::invalid(
            name,
            "ContentBasedDeduplication",
            "only FIFO queues deduplicate",
        ));
    }
    if let Some(redrive) = &config.redrive
        && !(1..=1000).contains(&redrive.max_receive_count)
    {
        return Err(SqsError::invalid(
            name,
            "RedrivePolicy.maxReceiveCount",
            "must be 1 to 1000",
        ));
    }
    Ok(())
}
