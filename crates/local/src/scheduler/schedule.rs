//! A schedule as CreateSchedule takes it: read from the request body (or the template's
//! `AWS::Scheduler::Schedule`) with the API reference's constraints, and written back as
//! GetSchedule answers it.

use super::expression::{Dialect, Expression};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value, json};

/// Why a schedule request is refused, with the HTTP status and code the API answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchedulerError {
    /// 400 `ValidationException`.
    #[error("{0}")]
    Validation(String),
    /// 404 `ResourceNotFoundException`.
    #[error("{0}")]
    NotFound(String),
    /// 409 `ConflictException`.
    #[error("{0}")]
    Conflict(String),
}

impl SchedulerError {
    /// The error's code.
    pub fn code(&self) -> &'static str {
        match self {
            SchedulerError::Validation(_) => "ValidationException",
            SchedulerError::NotFound(_) => "ResourceNotFoundException",
            SchedulerError::Conflict(_) => "ConflictException",
        }
    }

    /// The error's HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            SchedulerError::Validation(_) => 400,
            SchedulerError::NotFound(_) => 404,
            SchedulerError::Conflict(_) => 409,
        }
    }
}

fn constraint(value: &str, member: &str, rule: &str) -> SchedulerError {
    SchedulerError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy \
         constraint: {rule}"
    ))
}

fn missing(member: &str) -> SchedulerError {
    SchedulerError::Validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// A name as schedules and groups take it: 1-64 of `[0-9a-zA-Z-_.]`.
pub fn check_name(name: &str, member: &str) -> Result<(), SchedulerError> {
    if name.is_empty() || name.chars().count() > 64 {
        return Err(constraint(
            name,
            member,
            "Member must have length between 1 and 64",
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(constraint(
            name,
            member,
            "Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+",
        ));
    }
    Ok(())
}

/// Where a schedule delivers, and how it retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `Arn`: a function, queue, state machine or event bus.
    pub arn: String,
    /// `RoleArn`.
    pub role_arn: String,
    /// `Input`, with its context placeholders.
    pub input: Option<String>,
    /// `RetryPolicy.MaximumEventAgeInSeconds` (60-86400, default 86400).
    pub maximum_event_age_s: u32,
    /// `RetryPolicy.MaximumRetryAttempts` (0-185, default 185).
    pub maximum_retry_attempts: u32,
    /// `DeadLetterConfig.Arn`: a standard queue.
    pub dead_letter_arn: Option<String>,
    /// `EventBridgeParameters`: (DetailType, Source).
    pub eventbridge: Option<(String, String)>,
    /// `SqsParameters.MessageGroupId`.
    pub message_group_id: Option<String>,
}

/// A schedule's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// `Name`.
    pub name: String,
    /// `GroupName` (`default` when absent).
    pub group: String,
    /// `ScheduleExpression`, as given.
    pub expression_text: String,
    /// The expression, parsed.
    pub expression: Expression,
    /// `ScheduleExpressionTimezone` (UTC when absent).
    pub timezone: String,
    /// `Description`.
    pub description: Option<String>,
    /// `StartDate`.
    pub start: Option<Timestamp>,
    /// `EndDate`.
    pub end: Option<Timestamp>,
    /// `State` is `ENABLED`.
    pub enabled: bool,
    /// `FlexibleTimeWindow.MaximumWindowInMinutes` when the mode is `FLEXIBLE`.
    pub window_minutes: Option<u32>,
    /// `ActionAfterCompletion` is `DELETE`.
    pub delete_after_completion: bool,
    /// `KmsKeyArn`.
    pub kms_key_arn: Option<String>,
    /// `Target`.
    pub target: Target,
}

impl Spec {
    /// The zone the expression is read in.
    pub fn zone(&self) -> TimeZone {
        TimeZone::get(&self.timezone).unwrap_or(TimeZone::UTC)
    }
}

/// The members of a body, read with the model's types.
struct Members<'a>(&'a Map<String, Value>, String);

impl<'a> Members<'a> {
    fn path(&self, key: &str) -> String {
        if self.1.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.1)
        }
    }

    fn str(&self, key: &str) -> Result<Option<&'a str>, SchedulerError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(SchedulerError::Validation(format!(
                "{} must be a string",
                self.path(key)
            ))),
        }
    }

    fn bounded(
        &self,
        key: &str,
        low: usize,
        high: usize,
    ) -> Result<Option<&'a str>, SchedulerError> {
        let Some(text) = self.str(key)? else {
            return Ok(None);
        };
        let len = text.chars().count();
        if len < low || len > high {
            return Err(constraint(
                text,
                &self.path(key),
                &format!("Member must have length between {low} and {high}"),
            ));
        }
        Ok(Some(text))
    }

    fn int(&self, key: &str, low: i64, high: i64) -> Result<Option<i64>, SchedulerError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => {
                let n = v.as_i64().ok_or_else(|| {
                    SchedulerError::Validation(format!("{} must be an integer", self.path(key)))
                })?;
                if n < low || n > high {
                    return Err(constraint(
                        &n.to_string(),
                        &self.path(key),
                        &format!(
                            "Member must have value {}",
                            if n < low {
                                format!("greater than or equal to {low}")
                            } else {
                                format!("less than or equal to {high}")
                            }
                        ),
                    ));
                }
                Ok(Some(n))
            }
        }
    }

    fn map(&self, key: &str) -> Result<Option<Members<'a>>, SchedulerError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Members(m, String::new()))),
            Some(_) => Err(SchedulerError::Validation(format!(
                "{} must be a structure",
                self.path(key)
            ))),
        }
    }

    fn nested(&self, key: &str) -> Result<Option<Members<'a>>, SchedulerError> {
        let path = self.path(key);
        Ok(self.map(key)?.map(|m| Members(m.0, path)))
    }

    /// A timestamp: epoch seconds on the wire; ISO 8601 text in a template.
    fn time(&self, key: &str) -> Result<Option<Timestamp>, SchedulerError> {
        let bad = || SchedulerError::Validation(format!("{} is not a timestamp", self.path(key)));
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                let seconds = n.as_f64().ok_or_else(bad)?;
                Timestamp::from_second(seconds.floor() as i64)
                    .map(Some)
                    .map_err(|_| bad())
            }
            Some(Value::String(text)) => text.parse::<Timestamp>().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }

    fn one_of(&self, key: &str, values: &[&str]) -> Result<Option<&'a str>, SchedulerError> {
        match self.str(key)? {
            Some(v) if !values.contains(&v) => Err(constraint(
                v,
                &self.path(key),
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    values.join(", ")
                ),
            )),
            other => Ok(other),
        }
    }
}

/// Reads a schedule named `name` from a CreateSchedule or UpdateSchedule body (or a
/// template's properties).
pub fn read(name: &str, body: &Map<String, Value>) -> Result<Spec, SchedulerError> {
    check_name(name, "name")?;
    let m = Members(body, String::new());
    let group = m.str("GroupName")?.unwrap_or("default").to_owned();
    check_name(&group, "groupName")?;
    let expression_text = m
        .bounded("ScheduleExpression", 1, 256)?
        .ok_or_else(|| missing("scheduleExpression"))?
        .to_owned();
    let expression = Expression::parse(&expression_text, Dialect::Scheduler).map_err(|_| {
        SchedulerError::Validation(format!("Invalid Schedule Expression {expression_text}."))
    })?;
    let timezone = m
        .bounded("ScheduleExpressionTimezone", 1, 50)?
        .unwrap_or("UTC")
        .to_owned();
    if TimeZone::get(&timezone).is_err() {
        return Err(SchedulerError::Validation(format!(
            "Invalid time zone: {timezone}"
        )));
    }
    let window = m
        .map("FlexibleTimeWindow")?
        .ok_or_else(|| missing("flexibleTimeWindow"))?;
    let window = Members(window.0, "FlexibleTimeWindow".into());
    let window_minutes = match window
        .one_of("Mode", &["OFF", "FLEXIBLE"])?
        .ok_or_else(|| missing("flexibleTimeWindow.mode"))?
    {
        "FLEXIBLE" => Some(
            window
                .int("MaximumWindowInMinutes", 1, 1440)?
                .ok_or_else(|| {
                    SchedulerError::Validation(
                        "MaximumWindowInMinutes is required when the FlexibleTimeWindow mode is \
                         FLEXIBLE"
                            .into(),
                    )
                })? as u32,
        ),
        _ => {
            if window.int("MaximumWindowInMinutes", 1, 1440)?.is_some() {
                return Err(SchedulerError::Validation(
                    "MaximumWindowInMinutes can only be set when the FlexibleTimeWindow mode is \
                     FLEXIBLE"
                        .into(),
                ));
            }
            None
        }
    };
    let start = m.time("StartDate")?;
    let end = m.time("EndDate")?;
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        return Err(SchedulerError::Validation(
            "The EndDate must be after the StartDate.".into(),
        ));
    }
    let target = read_target(&m.nested("Target")?.ok_or_else(|| missing("target"))?)?;
    Ok(Spec {
        name: name.to_owned(),
        group,
        expression_text,
        expression,
        timezone,
        description: m.bounded("Description", 0, 512)?.map(str::to_owned),
        start,
        end,
        enabled: m.one_of("State", &["ENABLED", "DISABLED"])? != Some("DISABLED"),
        window_minutes,
        delete_after_completion: m.one_of("ActionAfterCompletion", &["NONE", "DELETE"])?
            == Some("DELETE"),
        kms_key_arn: m.bounded("KmsKeyArn", 1, 2048)?.map(str::to_owned),
        target,
    })
}

fn read_target(t: &Members<'_>) -> Result<Target, SchedulerError> {
    let arn = t
        .bounded("Arn", 1, 1600)?
        .ok_or_else(|| missing("target.arn"))?
        .to_owned();
    let served = [
        "arn:aws:lambda:",
        "arn:aws:sqs:",
        "arn:aws:states:",
        "arn:aws:events:",
    ];
    if !served.iter().any(|p| arn.starts_with(p)) {
        return Err(SchedulerError::Validation(format!(
            "The local cloud delivers schedules to functions, queues, state machines and event \
             buses; {arn} is none of them"
        )));
    }
    let role_arn = t
        .bounded("RoleArn", 1, 1600)?
        .ok_or_else(|| missing("target.roleArn"))?
        .to_owned();
    if !role_arn.starts_with("arn:aws")
        || !role_arn.contains(":iam::")
        || !role_arn.contains(":role/")
    {
        return Err(constraint(
            &role_arn,
            "target.roleArn",
            "Member must satisfy regular expression pattern: arn:aws[a-z-]*:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+",
        ));
    }
    let input = t.str("Input")?.map(str::to_owned);
    if input.as_deref() == Some("") {
        return Err(constraint(
            "",
            "target.input",
            "Member must have length greater than or equal to 1",
        ));
    }
    // Templated targets (functions, state machines, buses) take a JSON document.
    if let Some(text) = &input
        && !arn.starts_with("arn:aws:sqs:")
        && crate::document::parse(text, crate::document::MAX_EVENT_DEPTH).is_err()
    {
        return Err(SchedulerError::Validation(
            "Target Input must be well-formed JSON for this target".into(),
        ));
    }
    let retry = t.nested("RetryPolicy")?;
    let (maximum_event_age_s, maximum_retry_attempts) = match &retry {
        Some(r) => (
            r.int("MaximumEventAgeInSeconds", 60, 86_400)?
                .unwrap_or(86_400) as u32,
            r.int("MaximumRetryAttempts", 0, 185)?.unwrap_or(185) as u32,
        ),
        None => (86_400, 185),
    };
    let dead_letter_arn = match t.nested("DeadLetterConfig")? {
        Some(d) => {
            let arn = d.bounded("Arn", 1, 1600)?.map(str::to_owned);
            if let Some(arn) = &arn
                && (!arn.starts_with("arn:aws") || !arn.contains(":sqs:"))
            {
                return Err(constraint(
                    arn,
                    "target.deadLetterConfig.arn",
                    "Member must satisfy regular expression pattern: \
                     arn:aws[a-z-]*:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+",
                ));
            }
            arn
        }
        None => None,
    };
    let eventbridge = match t.nested("EventBridgeParameters")? {
        Some(p) => {
            let detail_type = p
                .bounded("DetailType", 1, 128)?
                .ok_or_else(|| missing("target.eventBridgeParameters.detailType"))?;
            let source = p
                .bounded("Source", 1, 256)?
                .ok_or_else(|| missing("target.eventBridgeParameters.source"))?;
            if source.starts_with("aws.") {
                return Err(constraint(
                    source,
                    "target.eventBridgeParameters.source",
                    "Member must satisfy regular expression pattern: \
                     (?=[/\\.\\-_A-Za-z0-9]+)((?!aws\\.).*)|(\\$(\\.[\\w_-]+(\\[(\\d+|\\*)\\])*)*)",
                ));
            }
            Some((detail_type.to_owned(), source.to_owned()))
        }
        None => None,
    };
    if arn.starts_with("arn:aws:events:") && eventbridge.is_none() {
        return Err(SchedulerError::Validation(
            "EventBridgeParameters are required for an event bus target".into(),
        ));
    }
    let message_group_id = match t.nested("SqsParameters")? {
        Some(p) => p.bounded("MessageGroupId", 1, 128)?.map(str::to_owned),
        None => None,
    };
    Ok(Target {
        arn,
        role_arn,
        input,
        maximum_event_age_s,
        maximum_retry_attempts,
        dead_letter_arn,
        eventbridge,
        message_group_id,
    })
}

/// The schedule as GetSchedule answers it.
pub fn describe(spec: &Spec, arn: &str, created_s: i64, modified_s: i64) -> Value {
    let mut target = json!({
        "Arn": spec.target.arn,
        "RoleArn": spec.target.role_arn,
        "RetryPolicy": {
            "MaximumEventAgeInSeconds": spec.target.maximum_event_age_s,
            "MaximumRetryAttempts": spec.target.maximum_retry_attempts,
        },
    });
    if let Some(input) = &spec.target.input {
        target["Input"] = input.clone().into();
    }
    if let Some(dlq) = &spec.target.dead_letter_arn {
        target["DeadLetterConfig"] = json!({"Arn": dlq});
    }
    if let Some((detail_type, source)) = &spec.target.eventbridge {
        target["EventBridgeParameters"] = json!({"DetailType": detail_type, "Source": source});
    }
    if let Some(group) = &spec.target.message_group_id {
        target["SqsParameters"] = json!({"MessageGroupId": group});
    }
    let mut schedule = json!({
        "Arn": arn,
        "Name": spec.name,
        "GroupName": spec.group,
        "ScheduleExpression": spec.expression_text,
        "ScheduleExpressionTimezone": spec.timezone,
        "State": if spec.enabled { "ENABLED" } else { "DISABLED" },
        "CreationDate": created_s,
        "LastModificationDate": modified_s,
        "FlexibleTimeWindow": match spec.window_minutes {
            Some(minutes) => json!({"Mode": "FLEXIBLE", "MaximumWindowInMinutes": minutes}),
            None => json!({"Mode": "OFF"}),
        },
        "ActionAfterCompletion": if spec.delete_after_completion { "DELETE" } else { "NONE" },
        "Target": target,
    });
    if let Some(d) = &spec.description {
        schedule["Description"] = d.clone().into();
    }
    if let Some(start) = spec.start {
        schedule["StartDate"] = start.as_second().into();
    }
    if let Some(end) = spec.end {
        schedule["EndDate"] = end.as_second().into();
    }
    if let Some(kms) = &spec.kms_key_arn {
        schedule["KmsKeyArn"] = kms.clone().into();
    }
    schedule
}
