//! The order intake of the local cloud: the template's Express machine, run through this
//! cloud's Step Functions exactly as a StartSyncExecution call to `orderly serve` runs it,
//! its answer read as the AWS adapter reads AWS's.

use super::CloudInner;
use async_trait::async_trait;
use orderly_core::domain::Order;
use orderly_core::intake::{IntakeError, Priced, decision_of};
use orderly_core::ports::{OrderIntake, PortError, is_retryable_aws_code};
use serde_json::{Map, Value, json};
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
        let input = orderly_core::intake::intake_input(order, correlation_id)?;
        let mut request = Map::new();
        request.insert("stateMachineArn".into(), json!(self.state_machine_arn));
        request.insert("input".into(), json!(input));
        let answer = crate::server::sfn::dispatch(
            &cloud,
            "StartSyncExecution",
            &crate::server::wire::Input::from_map(request),
            0,
        )
        .await
        .map_err(|e| {
            let text = format!("StartSyncExecution: {}: {}", e.code, e.message);
            if is_retryable_aws_code(&e.code) || e.status.as_u16() >= 500 {
                PortError::Transient(text)
            } else {
                PortError::Permanent(text)
            }
        })?;
        let text = |key: &str| answer.get(key).and_then(Value::as_str);
        decision_of(
            text("status").unwrap_or_default(),
            text("output"),
            text("error"),
            text("cause"),
        )
    }
}
