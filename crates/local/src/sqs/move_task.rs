//! Dead-letter queue redrive: StartMessageMoveTask, ListMessageMoveTasks and
//! CancelMessageMoveTask, on the engine's clock.
//!
//! A task moves the messages a dead-letter queue holds when it starts (AWS's
//! `ApproximateNumberOfMessagesToMove`) back to the queue each came from (its
//! `DeadLetterQueueSourceArn`) or to one destination, at most
//! `MaxNumberOfMessagesPerSecond` a second when a rate is given, all at once otherwise.
//! The engine moves in steps ([`Sqs::advance_move_tasks`]): the local cloud calls it once a
//! second of its clock while a task runs, and tests call it after moving a manual clock.
//!
//! AWS's rules hold: the source must be the dead-letter queue of an SQS queue (so the DLQ
//! of a rule target or a Lambda destination is refused, as AWS refuses it), the
//! destination must exist, differ from the source and be of the same type, and a source
//! has one running task at a time. A message whose source queue is unknown or gone is not
//! moved: the task fails with the reason and the message stays in the dead-letter queue.

use std::sync::Mutex;

use base64::Engine;

use super::queue::Queue;
use super::{Sqs, state::Stored};
use std::sync::Arc;

/// The most messages a second a task may be given.
pub const MAX_MESSAGES_PER_SECOND: u32 = 500;
/// How many tasks a source keeps for ListMessageMoveTasks (AWS lists the 10 most recent).
const TASKS_KEPT: usize = 10;

/// Why a move task request is refused, in AWS's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveTaskError {
    /// An ARN parameter that is not an ARN.
    #[error(
        "You must use this format to specify the {0}: arn:<partition>:<service>:<region>:<account-id>:<resource-id>"
    )]
    InvalidArn(&'static str),
    /// No queue has the ARN given for the parameter.
    #[error("The resource that you specified for the {0} parameter doesn't exist.")]
    NoSuchQueue(&'static str),
    /// The source is not the dead-letter queue of any SQS queue.
    #[error("Source queue must be configured as a Dead Letter Queue.")]
    NotADeadLetterQueue,
    /// The destination is the source.
    #[error("Source queue arn and destination queue arn cannot be the same.")]
    SameQueue,
    /// One FIFO and one standard queue.
    #[error("The source queue and destination queue must be of the same queue type.")]
    QueueTypesDiffer,
    /// The source has a running task.
    #[error(
        "There is already a task running. Only one active task is allowed for a source queue arn at a given time."
    )]
    TaskRunning,
    /// No task has this handle.
    #[error("Task does not exist.")]
    NoSuchTask,
    /// The task has ended.
    #[error("Only a running task can be cancelled; this task is {0}.")]
    TaskNotRunning(&'static str),
}

impl MoveTaskError {
    /// The AWS error code.
    pub fn code(&self) -> &'static str {
        match self {
            MoveTaskError::NoSuchQueue(_) | MoveTaskError::NoSuchTask => {
                "ResourceNotFoundException"
            }
            MoveTaskError::TaskNotRunning(_) => "FailedPrecondition",
            _ => "InvalidParameterValue",
        }
    }
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveTaskStatus {
    /// Moving.
    Running,
    /// Every message it was to move is moved (or none is left to move).
    Completed,
    /// Cancelled; what it moved stays moved.
    Cancelled,
    /// Stopped at a message with nowhere to go (`FailureReason`).
    Failed,
}

impl MoveTaskStatus {
    /// The status as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            MoveTaskStatus::Running => "RUNNING",
            MoveTaskStatus::Completed => "COMPLETED",
            MoveTaskStatus::Cancelled => "CANCELLED",
            MoveTaskStatus::Failed => "FAILED",
        }
    }
}

/// One task, as ListMessageMoveTasks reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveTask {
    /// `TaskHandle`.
    pub handle: String,
    /// `SourceArn`: the dead-letter queue.
    pub source_arn: String,
    /// `DestinationArn`, when given; else each message goes back to its source.
    pub destination_arn: Option<String>,
    /// `MaxNumberOfMessagesPerSecond`, when given.
    pub max_per_second: Option<u32>,
    /// `Status`.
    pub status: MoveTaskStatus,
    /// `ApproximateNumberOfMessagesMoved`.
    pub moved: u64,
    /// `ApproximateNumberOfMessagesToMove`: the visible messages at the start.
    pub to_move: u64,
    /// `FailureReason`, when it failed.
    pub failure_reason: Option<String>,
    /// `StartedTimestamp`, epoch milliseconds.
    pub started_ms: i64,
}

/// Every task of one engine, most recent last.
#[derive(Debug, Default)]
pub(super) struct MoveTasks {
    tasks: Mutex<Vec<MoveTask>>,
    /// Held through each [`Sqs::advance_move_tasks`], so two callers never move for the
    /// same task at once (each would count from the same `moved` and pass the rate).
    advancing: Mutex<()>,
}

impl MoveTasks {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<MoveTask>> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Sqs {
    /// StartMessageMoveTask: checks the request as AWS does and starts the task; returns
    /// its handle. Nothing moves until [`Sqs::advance_move_tasks`].
    pub fn start_message_move_task(
        &self,
        source_arn: &str,
        destination_arn: Option<&str>,
        max_per_second: Option<u32>,
    ) -> Result<String, MoveTaskError> {
        let source = self.queue_for("SourceArn", source_arn)?;
        let is_dead_letter_queue = self.list("").iter().any(|q| {
            q.dead_letter_queue()
                .is_some_and(|d| d.arn() == source.arn())
        });
        if !is_dead_letter_queue {
            return Err(MoveTaskError::NotADeadLetterQueue);
        }
        if let Some(destination_arn) = destination_arn {
            if destination_arn == source_arn {
                return Err(MoveTaskError::SameQueue);
            }
            let destination = self.queue_for("DestinationArn", destination_arn)?;
            if destination.is_fifo() != source.is_fifo() {
                return Err(MoveTaskError::QueueTypesDiffer);
            }
        }
        let mut tasks = self.move_tasks.lock();
        if tasks
            .iter()
            .any(|t| t.source_arn == source_arn && t.status == MoveTaskStatus::Running)
        {
            return Err(MoveTaskError::TaskRunning);
        }
        let handle = base64::engine::general_purpose::STANDARD.encode(
            serde_json::json!({"taskId": uuid::Uuid::new_v4().to_string(), "sourceArn": source_arn})
                .to_string(),
        );
        let to_move = source.attributes().approximate_number_of_messages as u64;
        tasks.push(MoveTask {
            handle: handle.clone(),
            source_arn: source_arn.to_owned(),
            destination_arn: destination_arn.map(str::to_owned),
            max_per_second,
            status: MoveTaskStatus::Running,
            moved: 0,
            to_move,
            failure_reason: None,
            started_ms: self.clock.now_ms(),
        });
        // Each source keeps its most recent tasks only.
        let of_source = tasks.iter().filter(|t| t.source_arn == source_arn).count();
        if of_source > TASKS_KEPT
            && let Some(oldest) = tasks.iter().position(|t| t.source_arn == source_arn)
        {
            tasks.remove(oldest);
        }
        Ok(handle)
    }

    /// ListMessageMoveTasks: the source's most recent tasks, newest first, at most `max`.
    pub fn list_message_move_tasks(
        &self,
        source_arn: &str,
        max: usize,
    ) -> Result<Vec<MoveTask>, MoveTaskError> {
        self.queue_for("SourceArn", source_arn)?;
        Ok(self
            .move_tasks
            .lock()
            .iter()
            .rev()
            .filter(|t| t.source_arn == source_arn)
            .take(max)
            .cloned()
            .collect())
    }

    /// CancelMessageMoveTask: stops a running task; returns how many it had moved. The
    /// messages moved stay moved.
    pub fn cancel_message_move_task(&self, handle: &str) -> Result<u64, MoveTaskError> {
        let mut tasks = self.move_tasks.lock();
        let task = tasks
            .iter_mut()
            .find(|t| t.handle == handle)
            .ok_or(MoveTaskError::NoSuchTask)?;
        if task.status != MoveTaskStatus::Running {
            return Err(MoveTaskError::TaskNotRunning(task.status.as_str()));
        }
        task.status = MoveTaskStatus::Cancelled;
        Ok(task.moved)
    }

    /// Moves what each running task may have moved by now: everything, or `rate` messages
    /// for each second begun since it started. Returns whether a task is still running.
    pub fn advance_move_tasks(&self) -> bool {
        let _one_at_a_time = self
            .move_tasks
            .advancing
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let now = self.clock.now_ms();
        let running: Vec<MoveTask> = self
            .move_tasks
            .lock()
            .iter()
            .filter(|t| t.status == MoveTaskStatus::Running)
            .cloned()
            .collect();
        for task in running {
            let allowed = match task.max_per_second {
                None => task.to_move,
                Some(rate) => {
                    let seconds = u64::try_from((now - task.started_ms) / 1000).unwrap_or(0) + 1;
                    (u64::from(rate) * seconds).min(task.to_move)
                }
            };
            let mut moved = task.moved;
            let mut outcome = None;
            while moved < allowed {
                if !self.task_is_running(&task.handle) {
                    break;
                }
                match self.move_one(&task) {
                    Ok(true) => moved += 1,
                    // The DLQ holds no more visible messages (received or expired since).
                    Ok(false) => {
                        outcome = Some((MoveTaskStatus::Completed, None));
                        break;
                    }
                    Err(reason) => {
                        outcome = Some((MoveTaskStatus::Failed, Some(reason)));
                        break;
                    }
                }
                self.update_task(&task.handle, |t| t.moved = moved);
            }
            if outcome.is_none() && moved >= task.to_move {
                outcome = Some((MoveTaskStatus::Completed, None));
            }
            if let Some((status, reason)) = outcome {
                self.update_task(&task.handle, |t| {
                    if t.status == MoveTaskStatus::Running {
                        t.status = status;
                        t.failure_reason = reason;
                    }
                });
            }
        }
        self.move_tasks
            .lock()
            .iter()
            .any(|t| t.status == MoveTaskStatus::Running)
    }

    fn task_is_running(&self, handle: &str) -> bool {
        self.move_tasks
            .lock()
            .iter()
            .any(|t| t.handle == handle && t.status == MoveTaskStatus::Running)
    }

    fn update_task(&self, handle: &str, change: impl FnOnce(&mut MoveTask)) {
        if let Some(task) = self
            .move_tasks
            .lock()
            .iter_mut()
            .find(|t| t.handle == handle)
        {
            change(task);
        }
    }

    /// Moves the source's first visible message; `Ok(false)` when it has none, `Err` with
    /// the failure reason when the message has nowhere to go (it stays where it is).
    fn move_one(&self, task: &MoveTask) -> Result<bool, String> {
        let source = self
            .queue_by_arn(&task.source_arn)
            .map_err(|_| format!("The source queue {} no longer exists.", task.source_arn))?;
        loop {
            let Some(came_from) = source.first_visible_source() else {
                return Ok(false);
            };
            let destination_arn = match (&task.destination_arn, came_from) {
                (Some(arn), _) => arn.clone(),
                (None, Some(arn)) => arn,
                (None, None) => {
                    return Err(
                        "A message in the dead-letter queue does not record the queue it \
                                came from (DeadLetterQueueSourceArn); give a DestinationArn."
                            .to_owned(),
                    );
                }
            };
            let destination: Arc<Queue> = self
                .queue_by_arn(&destination_arn)
                .map_err(|_| format!("The destination queue {destination_arn} does not exist."))?;
            // Taken only if it is still the first visible message and came from where it did:
            // a receive between the two looks would otherwise move another message.
            let taken: Option<Stored> =
                source.take_first_visible(|came| match &task.destination_arn {
                    Some(_) => true,
                    None => came == Some(destination_arn.as_str()),
                });
            if let Some(message) = taken {
                destination.accept_redriven(message);
                return Ok(true);
            }
        }
    }

    fn queue_for(&self, parameter: &'static str, arn: &str) -> Result<Arc<Queue>, MoveTaskError> {
        if !is_arn(arn) {
            return Err(MoveTaskError::InvalidArn(parameter));
        }
        self.queue_by_arn(arn)
            .map_err(|_| MoveTaskError::NoSuchQueue(parameter))
    }
}

/// `arn:<partition>:<service>:<region>:<account-id>:<resource-id>`, each part present.
fn is_arn(text: &str) -> bool {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    parts.len() == 6 && parts[0] == "arn" && parts[1..].iter().all(|p| !p.is_empty())
}
