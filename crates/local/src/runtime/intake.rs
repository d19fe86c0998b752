//! The order intake of the local cloud: the template's Express machine, run through this
//! cloud's Step Functions exactly as a StartSyncExecution call to `orderly serve` runs it,
//! its answer read as the AWS adapter reads AWS's (from the execution, not its JSON text).

use super::CloudInner;
use async_trait::async_trait;
use orderly_core::domain::Order;
use orderly_core::intake::{IntakeError, Priced, decision_of_value};
use orderly_core::ports::{OrderIntake, PortError, is_retryable_aws_code};
use std::sync::{Arc, Weak};

/// StartSyncExecution of `state_machine_arn` on this cloud.
pub struct LocalOrderIntake {
    cloud: Weak<CloudInner>,
    state_machine_arn: String,
}

impl LocalOrderIntake {
    /// The intake machine `state_machine_arn` of `cloud`.
    pub fn new(cloud: Weak<CloudInner>, state_machine_arn: &str) -> Self {
        Self {
            cloud,
            state_machine_arn: state_machine_arn.to_owned(),
        }
    }
}

#[async_trait]
impl OrderIntake for LocalOrderIntake {
    async fn validate(&self, order: &Order, correlation_id: &str) -> Result<Priced, IntakeError> {
        let cloud: Arc<CloudInner> = self
            .cloud
            .upgrade()
            .ok_or_else(|| PortError::Transient("the local cloud has stopped".into()))?;
        let input = orderly_core::intake::intake_input_value(order, correlation_id)?;
        // StartSyncExecution's run and its errors, without the wire: the answer's members
        // are read from the execution itself rather than written as JSON text and parsed
        // back (the server's StartSyncExecution runs the same `run_sync_execution`).
        let ended = cloud
            .run_sync_execution(&self.state_machine_arn, input, None)
            .await
            .map_err(|e| {
                let text = format!("StartSyncExecution: {}: {e}", e.code());
                if is_retryable_aws_code(e.code()) {
                    PortError::Transient(text)
                } else {
                    PortError::Permanent(text)
                }
            })?;
        let execution = ended.ok_or_else(|| {
            PortError::Transient(
                "StartSyncExecution: InternalError: the execution did not end".into(),
            )
        })?;
        decision_of_value(
            execution.status.as_str(),
            execution.output.as_ref(),
            execution.error.as_deref(),
            execution.cause.as_deref(),
        )
    }
}
