//! The approvals table: per order, the task token that waits for a decision and the
//! decision once made.

use super::tables::{APPROVALS_KEY, APPROVALS_TTL_ATTRIBUTE};
use crate::attributes::{int_attr, string_attr};
use crate::error::port_error;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use orderly_core::clock::{SharedClock, SystemClock};
use orderly_core::domain::approval::ApprovalDecision;
use orderly_core::ports::{ApprovalTokens, PortError};

/// The task token (S) of the order's approval step, while one waits.
pub const TOKEN_ATTRIBUTE: &str = "taskToken";
/// The decision (BOOL), once made.
pub const APPROVED_ATTRIBUTE: &str = "approved";
/// Who decided (S).
pub const DECIDED_BY_ATTRIBUTE: &str = "decidedBy";
/// Why (S), when the approver said.
pub const COMMENT_ATTRIBUTE: &str = "comment";

/// [`ApprovalTokens`] on the approvals table: one item per order waiting for a decision,
/// kept until it is taken or its TTL passes.
#[derive(Debug, Clone)]
pub struct DynamoApprovalTokens {
    client: Client,
    table: String,
    /// Decides whether a stored token has expired (its TTL may not have been swept yet).
    clock: SharedClock,
}

impl DynamoApprovalTokens {
    /// The tokens of `table`, expired by the system clock.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            clock: SystemClock::shared(),
        }
    }

    /// Expires tokens by `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

impl DynamoApprovalTokens {
    /// Whether an item's TTL has passed: DynamoDB deletes expired items only eventually,
    /// so what is still there after its TTL counts as absent.
    fn expired(&self, item: &std::collections::HashMap<String, AttributeValue>) -> bool {
        int_attr(item, APPROVALS_TTL_ATTRIBUTE)
            .is_some_and(|at| at <= self.clock.now_ms().div_euclid(1000))
    }
}

#[async_trait]
impl ApprovalTokens for DynamoApprovalTokens {
    /// One UpdateItem: sets the newest token (a retried approval step waits on it) and
    /// hands back the item as it was (`ALL_OLD`), whose decision, if one was recorded
    /// before this token, the caller delivers.
    async fn save(
        &self,
        order_id: &str,
        task_token: &str,
        expires_at_epoch_s: i64,
    ) -> Result<Option<ApprovalDecision>, PortError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(APPROVALS_KEY, AttributeValue::S(order_id.to_owned()))
            .update_expression("SET #token = :token, #ttl = :ttl")
            .expression_attribute_names("#token", TOKEN_ATTRIBUTE)
            .expression_attribute_names("#ttl", APPROVALS_TTL_ATTRIBUTE)
            .expression_attribute_values(":token", AttributeValue::S(task_token.to_owned()))
            .expression_attribute_values(":ttl", AttributeValue::N(expires_at_epoch_s.to_string()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| port_error(&format!("UpdateItem {}", self.table), &e))?;
        let Some(old) = output.attributes().filter(|old| !self.expired(old)) else {
            return Ok(None);
        };
        let Some(approved) = old.get(APPROVED_ATTRIBUTE).and_then(|v| v.as_bool().ok()) else {
            return Ok(None);
        };
        Ok(Some(ApprovalDecision {
            approved: *approved,
            decided_by: string_attr(old, DECIDED_BY_ATTRIBUTE)
                .unwrap_or_default()
                .to_owned(),
            comment: string_attr(old, COMMENT_ATTRIBUTE).map(str::to_owned),
        }))
    }

    /// One UpdateItem: records the decision, removes the token and hands back the item as
    /// it was (`ALL_OLD`), so two deciders cannot both get the token.
    async fn decide(
        &self,
        order_id: &str,
        decision: &ApprovalDecision,
        expires_at_epoch_s: i64,
    ) -> Result<Option<String>, PortError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(APPROVALS_KEY, AttributeValue::S(order_id.to_owned()))
            .expression_attribute_names("#token", TOKEN_ATTRIBUTE)
            .expression_attribute_names("#ttl", APPROVALS_TTL_ATTRIBUTE)
            .expression_attribute_names("#approved", APPROVED_ATTRIBUTE)
            .expression_attribute_names("#by", DECIDED_BY_ATTRIBUTE)
            .expression_attribute_values(":approved", AttributeValue::Bool(decision.approved))
            .expression_attribute_values(":by", AttributeValue::S(decision.decided_by.clone()))
            .expression_attribute_values(":ttl", AttributeValue::N(expires_at_epoch_s.to_string()))
            .return_values(ReturnValue::AllOld);
        request = match &decision.comment {
            Some(comment) => request
                .update_expression(
                    "SET #approved = :approved, #by = :by, #comment = :comment, #ttl = :ttl REMOVE #token",
                )
                .expression_attribute_names("#comment", COMMENT_ATTRIBUTE)
                .expression_attribute_values(":comment", AttributeValue::S(comment.clone())),
            None => request.update_expression(
                "SET #approved = :approved, #by = :by, #ttl = :ttl REMOVE #token",
            ),
        };
        let output = request
            .send()
            .await
            .map_err(|e| port_error(&format!("UpdateItem {}", self.table), &e))?;
        let Some(old) = output.attributes().filter(|old| !self.expired(old)) else {
            return Ok(None);
        };
        Ok(string_attr(old, TOKEN_ATTRIBUTE).map(str::to_owned))
    }
}
