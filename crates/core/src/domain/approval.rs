//! An approver's decision and how it answers the task that waits for it. A decision is
//! kept with the order, not only handed to the token that waits when it arrives: the
//! attempt that token belongs to may already have failed (its function died after
//! saving it), and the task's retry waits on a new token. Whichever of the two comes
//! second — the decision, or the token of the attempt that waits — delivers it.

use crate::ports::{CallbackError, TaskCallbacks};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The error a rejected approval fails its task with; the state machine catches it.
pub const REJECTED: &str = "ApprovalRejected";

/// What a person decided about an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalDecision {
    /// Whether the order may proceed.
    pub approved: bool,
    /// Who decided.
    pub decided_by: String,
    /// Why, when they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Answers the task waiting on `task_token` with `decision`: SendTaskSuccess with
/// `{"approved": true, "decidedBy": …}`, or SendTaskFailure [`REJECTED`] with the comment
/// (or who rejected it) as the cause.
///
/// # Errors
///
/// [`CallbackError::InvalidToken`] when no task waits on the token any more; a port error
/// when Step Functions could not be reached.
pub async fn answer<C>(
    callbacks: &C,
    task_token: &str,
    decision: &ApprovalDecision,
) -> Result<(), CallbackError>
where
    C: TaskCallbacks + ?Sized,
{
    if decision.approved {
        let output = json!({"approved": true, "decidedBy": decision.decided_by});
        callbacks.send_success(task_token, &output).await
    } else {
        let cause = decision
            .comment
            .clone()
            .unwrap_or_else(|| format!("rejected by {}", decision.decided_by));
        callbacks.send_failure(task_token, REJECTED, &cause).await
    }
}
