//! The approval path through the callback API rather than a mocked result: the
//! request-approval call answers at once (as the function does, having stored the token),
//! and a person's decision arrives later through SendTaskSuccess / SendTaskFailure, as
//! record-approval delivers it. Every other task answers from the mock configuration.

use async_trait::async_trait;
use orderly_states::{MockTaskHandler, TaskFailure, TaskHandler, TaskRequest, TaskTokens};
use serde_json::{Value, json};
use std::time::Duration;

/// What the approver does with the token.
#[derive(Debug, Clone)]
pub enum Decision {
    /// SendTaskSuccess with record-approval's output.
    Approve { decided_by: String },
    /// SendTaskFailure with record-approval's error name and the decision's comment.
    Reject { cause: String },
    /// Nobody answers: the task's HeartbeatSeconds / TimeoutSeconds end it.
    Never,
}

pub struct Approver {
    pub mock: MockTaskHandler,
    pub tokens: TaskTokens,
    pub decision: Decision,
    /// How long after the request the decision arrives.
    pub after: Duration,
}

#[async_trait]
impl TaskHandler for Approver {
    async fn invoke(&self, request: TaskRequest) -> Result<Value, TaskFailure> {
        let Some(token) = request.task_token.clone() else {
            return self.mock.invoke(request).await;
        };
        let (tokens, decision, after) = (self.tokens.clone(), self.decision.clone(), self.after);
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let sent = match decision {
                Decision::Approve { decided_by } => tokens
                    .send_task_success(&token, json!({"approved": true, "decidedBy": decided_by})),
                Decision::Reject { cause } => {
                    tokens.send_task_failure(&token, "ApprovalRejected", &cause)
                }
                Decision::Never => Ok(()),
            };
            // A refused callback leaves the task waiting: the row then fails on its
            // outcome, and this says why.
            if let Err(e) = sent {
                eprintln!("the approval callback was refused: {e}");
            }
        });
        // request-approval's response: the token is stored and ApprovalRequested is out.
        Ok(json!({"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": {"requested": true}}))
    }
}
