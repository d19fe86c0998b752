//! Schedules run on the cloud's clock: a service sleeps until the next schedule is due (or
//! one changes), then delivers each due invocation to its target with the schedule's retry
//! policy, and dead-letters what it could not deliver with the attributes Scheduler sets.

use super::CloudInner;
use super::bus::PutEventsEntry;
use crate::scheduler::Firing;
use crate::sqs::{MessageAttributeValue, SendMessage};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::sync::Arc;

/// The longest the runner sleeps before looking again, milliseconds.
const MAX_SLEEP_MS: i64 = 60_000;

/// How long a failed delivery waits before its next attempt: doubling from one second,
/// at most a minute.
fn backoff_ms(attempt: u32) -> i64 {
    (1000 * (1i64 << attempt.min(6))).min(60_000)
}

impl CloudInner {
    /// Creates the template's schedules and schedule rules, and starts the service that
    /// runs them.
    ///
    /// # Errors
    ///
    /// A template schedule the API would refuse now (its group does not exist).
    pub fn start_schedules(self: &Arc<Self>) -> Result<(), String> {
        let start = now(self);
        for schedule in self.model.schedules.values() {
            let spec = crate::scheduler::schedule::read(&schedule.name, &schedule.body)
                .and_then(|spec| self.scheduler.create(spec, start).map(|_| ()));
            spec.map_err(|e| format!("{}: {e}", schedule.logical_id))?;
        }
        for rule in self.model.rules.values().filter(|r| r.enabled) {
            if let Some(text) = &rule.schedule_expression {
                let expression = crate::scheduler::expression::Expression::parse(
                    text,
                    crate::scheduler::expression::Dialect::Rule,
                )
                .map_err(|e| format!("{}.Properties.ScheduleExpression: {e}", rule.logical_id))?;
                self.scheduler.add_rule(&rule.logical_id, expression, start);
            }
        }
        // A service: the cloud aborts it when it stops, which drops this reference.
        let cloud = self.clone();
        self.spawn_service(async move {
            loop {
                // Asked for before the schedules are read, so a change made meanwhile
                // wakes the next wait.
                let changed = cloud.scheduler.changed.notified();
                let now = now(&cloud);
                for firing in cloud.scheduler.take_due(now) {
                    cloud.fire(firing);
                }
                for (rule, scheduled) in cloud.scheduler.take_due_rules(now) {
                    cloud.fire_rule(&rule, &scheduled.to_string());
                }
                match cloud.scheduler.next_fire() {
                    Some(at) => {
                        let wait =
                            (at.as_millisecond() - now.as_millisecond()).clamp(1, MAX_SLEEP_MS);
                        tokio::select! {
                            () = cloud.clock.sleep_ms(wait) => {}
                            () = changed => {}
                        }
                    }
                    // No schedule to run: nothing wakes the clock until one is made.
                    None => changed.await,
                }
            }
        });
        Ok(())
    }

    /// Delivers one invocation, off the runner, retrying as the schedule says.
    fn fire(self: &Arc<Self>, firing: Firing) {
        let cloud = self.clone();
        self.spawn(move || async move {
            let target = &firing.spec.target;
            let execution_id = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
            let mut attempt: u32 = 0;
            loop {
                attempt += 1;
                let payload = payload(&firing, &execution_id, attempt);
                let error = match cloud.deliver_scheduled(&firing, &payload) {
                    Ok(()) => return,
                    Err(e) => e,
                };
                let age_s = now(&cloud).as_second() - firing.scheduled.as_second();
                let retries_left = attempt <= target.maximum_retry_attempts;
                let time_left =
                    age_s + backoff_ms(attempt) / 1000 <= i64::from(target.maximum_event_age_s);
                if !(retries_left && time_left) {
                    let exhausted = if retries_left {
                        "MaximumEventAgeInSeconds"
                    } else {
                        "MaximumRetryAttempts"
                    };
                    cloud.dead_letter_scheduled(
                        &firing,
                        &payload,
                        &execution_id,
                        attempt - 1,
                        exhausted,
                        &error,
                    );
                    return;
                }
                cloud.clock.sleep_ms(backoff_ms(attempt)).await;
            }
        });
    }

    /// One attempt at the target.
    fn deliver_scheduled(self: &Arc<Self>, firing: &Firing, payload: &str) -> Result<(), String> {
        let target = &firing.spec.target;
        let arn = target.arn.as_str();
        let service = arn.split(':').nth(2).unwrap_or_default();
        match service {
            "lambda" => {
                let function = self
                    .function(arn)
                    .ok_or_else(|| format!("Function not found: {arn}"))?;
                let input = crate::document::parse(payload, crate::document::MAX_EVENT_DEPTH)
                    .unwrap_or_else(|_| Value::String(payload.to_owned()));
                self.invoke_async(&function.function.logical_id, input);
                Ok(())
            }
            "sqs" => {
                let queue = self.sqs.queue_by_arn(arn).map_err(|e| e.to_string())?;
                let mut message = SendMessage::new(payload);
                if queue.is_fifo() {
                    let group = target
                        .message_group_id
                        .clone()
                        .ok_or("a FIFO queue target needs SqsParameters.MessageGroupId")?;
                    message = message.with_group(group);
                    if !queue.config().content_based_deduplication {
                        message = message.with_deduplication_id(format!(
                            "{}-{}",
                            firing.arn.rsplit('/').next().unwrap_or_default(),
                            firing.scheduled.as_second()
                        ));
                    }
                }
                queue.send(message).map(|_| ()).map_err(|e| e.to_string())
            }
            "states" => {
                let input = crate::document::parse(payload, crate::document::MAX_EVENT_DEPTH)
                    .map_err(|e| format!("input is not JSON: {e}"))?;
                self.start_execution(arn, input, None)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            "events" => {
                let (detail_type, source) = target
                    .eventbridge
                    .clone()
                    .ok_or("an event bus target needs EventBridgeParameters")?;
                let entry = PutEventsEntry {
                    source: Some(source),
                    detail_type: Some(detail_type),
                    detail: Some(payload.to_owned()),
                    event_bus_name: Some(arn.to_owned()),
                    resources: Some(vec![firing.arn.clone()]),
                    ..Default::default()
                };
                match self
                    .put_events(&[entry])
                    .pop()
                    .and_then(|r| r.error_message)
                {
                    None => Ok(()),
                    Some(e) => Err(e),
                }
            }
            _ => Err(format!("no target {arn}")),
        }
    }

    /// Sends an invocation that could not be delivered to the schedule's dead-letter queue,
    /// with the attributes EventBridge Scheduler sets.
    fn dead_letter_scheduled(
        &self,
        firing: &Firing,
        payload: &str,
        execution_id: &str,
        retries: u32,
        exhausted: &str,
        error: &str,
    ) {
        tracing::warn!(schedule = %firing.arn, error, "scheduled invocation not delivered");
        let Some(dlq) = &firing.spec.target.dead_letter_arn else {
            return;
        };
        let Ok(queue) = self.sqs.queue_by_arn(dlq) else {
            tracing::warn!(schedule = %firing.arn, dlq, "the dead-letter queue does not exist");
            return;
        };
        let attribute = |text: &str| MessageAttributeValue::string(text);
        let send = SendMessage::new(payload)
            .with_attribute("ERROR_CODE", attribute("AWS.Scheduler.TargetUnavailable"))
            .with_attribute("ERROR_MESSAGE", attribute(error))
            .with_attribute("EXECUTION_ID", attribute(execution_id))
            .with_attribute("EXHAUSTED_RETRY_CONDITION", attribute(exhausted))
            .with_attribute("IS_PAYLOAD_TRUNCATED", attribute("false"))
            .with_attribute("RETRY_ATTEMPTS", attribute(&retries.to_string()))
            .with_attribute("SCHEDULED_TIME", attribute(&firing.scheduled.to_string()))
            .with_attribute("SCHEDULE_ARN", attribute(&firing.arn))
            .with_attribute("TARGET_ARN", attribute(&firing.spec.target.arn));
        let _ = queue.send(send);
    }
}

fn now(cloud: &CloudInner) -> Timestamp {
    crate::scheduler::timestamp(cloud.clock.now_ms())
}

/// What the target receives: the schedule's `Input` with its context attributes filled
/// in, else Scheduler's default notification.
fn payload(firing: &Firing, execution_id: &str, attempt: u32) -> String {
    match &firing.spec.target.input {
        Some(input) => input
            .replace("<aws.scheduler.schedule-arn>", &firing.arn)
            .replace(
                "<aws.scheduler.scheduled-time>",
                &firing.scheduled.to_string(),
            )
            .replace("<aws.scheduler.execution-id>", execution_id)
            .replace("<aws.scheduler.attempt-number>", &attempt.to_string()),
        None => {
            let region_account: Vec<&str> = firing.arn.split(':').skip(3).take(2).collect();
            json!({
                "version": "0",
                "id": uuid::Uuid::new_v4().to_string(),
                "detail-type": "Scheduled Event",
                "source": "aws.scheduler",
                "account": region_account.get(1).copied().unwrap_or_default(),
                "time": firing.scheduled.to_string(),
                "region": region_account.first().copied().unwrap_or_default(),
                "resources": [firing.arn],
                "detail": "{}",
            })
            .to_string()
        }
    }
}
