//! Reminders through EventBridge Scheduler: a one-time schedule (`at()`, UTC) per key whose
//! target is the bus, putting the event with its source and detail-type, and deleting
//! itself after it ran. A name already taken means the reminder is scheduled; a schedule
//! already gone means it is cancelled (or has run).

use crate::error::port_error;
use async_trait::async_trait;
use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::operation::create_schedule::CreateScheduleError;
use aws_sdk_scheduler::operation::delete_schedule::DeleteScheduleError;
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, EventBridgeParameters, FlexibleTimeWindow, FlexibleTimeWindowMode,
    Target,
};
use orderly_core::contracts::OutboundEvent;
use orderly_core::ports::{PortError, Reminders, reminder_expression, reminder_name};

/// Reminders on one bus, scheduled with one role.
#[derive(Debug, Clone)]
pub struct SchedulerReminders {
    client: Client,
    role_arn: String,
    bus_arn: String,
}

impl SchedulerReminders {
    /// Reminders put on `bus` (a name or an ARN; a name is in the role's account and
    /// `region`) by Scheduler assuming `role_arn`.
    pub fn new(client: Client, role_arn: &str, bus: &str, region: &str) -> Self {
        let bus_arn = if bus.starts_with("arn:") {
            bus.to_owned()
        } else {
            let account = role_arn.split(':').nth(4).unwrap_or_default();
            format!("arn:aws:events:{region}:{account}:event-bus/{bus}")
        };
        Self {
            client,
            role_arn: role_arn.to_owned(),
            bus_arn,
        }
    }
}

fn build_error(e: aws_sdk_scheduler::error::BuildError) -> PortError {
    PortError::Permanent(format!("CreateSchedule: {e}"))
}

#[async_trait]
impl Reminders for SchedulerReminders {
    async fn remind(
        &self,
        key: &str,
        at_epoch_s: i64,
        event: &OutboundEvent,
    ) -> Result<(), PortError> {
        let target = Target::builder()
            .arn(&self.bus_arn)
            .role_arn(&self.role_arn)
            .input(event.detail.to_string())
            .event_bridge_parameters(
                EventBridgeParameters::builder()
                    .source(&event.source)
                    .detail_type(&event.detail_type)
                    .build()
                    .map_err(build_error)?,
            )
            .build()
            .map_err(build_error)?;
        let result = self
            .client
            .create_schedule()
            .name(reminder_name(key))
            .schedule_expression(reminder_expression(at_epoch_s))
            .flexible_time_window(
                FlexibleTimeWindow::builder()
                    .mode(FlexibleTimeWindowMode::Off)
                    .build()
                    .map_err(build_error)?,
            )
            .action_after_completion(ActionAfterCompletion::Delete)
            .target(target)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(CreateScheduleError::ConflictException(_))
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(port_error("CreateSchedule", &e)),
        }
    }

    async fn cancel(&self, key: &str) -> Result<(), PortError> {
        let result = self
            .client
            .delete_schedule()
            .name(reminder_name(key))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(DeleteScheduleError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(port_error("DeleteSchedule", &e)),
        }
    }
}
