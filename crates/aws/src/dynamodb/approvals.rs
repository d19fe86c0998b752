//! The approvals table: the task token of each order waiting for a decision.

use super::tables::{APPROVALS_KEY, APPROVALS_TTL_ATTRIBUTE};
use crate::attributes::{int_attr, string_attr};
use crate::error::port_error;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use orderly_core::clock::{SharedClock, SystemClock};
use orderly_core::ports::{ApprovalTokens, PortError};

/// The task token (S) of the order's approval step.
pub const TOKEN_ATTRIBUTE: &str = "taskToken";

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

#[async_trait]
impl ApprovalTokens for DynamoApprovalTokens {
    /// A later token for the same order replaces the earlier one: a retried approval
    /// step waits on the newer token.
    async fn save(
        &self,
        order_id: &str,
        task_token: &str,
        expires_at_epoch_s: i64,
    ) -> Result<(), PortError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(APPROVALS_KEY, AttributeValue::S(order_id.to_owned()))
            .item(TOKEN_ATTRIBUTE, AttributeValue::S(task_token.to_owned()))
            .item(
                APPROVALS_TTL_ATTRIBUTE,
                AttributeValue::N(expires_at_epoch_s.to_string()),
            )
            .send()
            .await
            .map_err(|e| port_error(&format!("PutItem {}", self.table), &e))?;
        Ok(())
    }

    /// Deletes and returns in one call, so two deciders cannot both get the token.
    /// DynamoDB's TTL deletes expired items only eventually, so an expired token that is
    /// still there counts as absent.
    async fn take(&self, order_id: &str) -> Result<Option<String>, PortError> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(APPROVALS_KEY, AttributeValue::S(order_id.to_owned()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| port_error(&format!("DeleteItem {}", self.table), &e))?;
        let Some(old) = output.attributes() else {
            return Ok(None);
        };
        let expired = int_attr(old, APPROVALS_TTL_ATTRIBUTE)
            .is_some_and(|at| at <= self.clock.now_ms().div_euclid(1000));
        if expired {
            return Ok(None);
        }
        Ok(string_attr(old, TOKEN_ATTRIBUTE).map(str::to_owned))
    }
}
