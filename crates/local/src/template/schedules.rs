//! `AWS::Scheduler::Schedule` and the schedules SAM makes from `ScheduleV2` events: each
//! kept as the body CreateSchedule would take, checked now with the API's rules, and
//! created when the cloud starts.

use serde_json::{Map, Value, json};

use super::context::Context;
use super::error::TemplateError;
use super::model::TemplateSchedule;
use super::props::Obj;
use super::pseudo;

const SCHEDULE_SUPPORTED: &[&str] = &[
    "Name",
    "GroupName",
    "Description",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "StartDate",
    "EndDate",
    "State",
    "Target",
];
const SCHEDULE_AWS_ONLY: &[&str] = &["KmsKeyArn"];

/// Checks `body` as CreateSchedule would, naming the template's property at fault.
fn checked(
    logical_id: String,
    name: String,
    body: Map<String, Value>,
    at: &str,
) -> Result<TemplateSchedule, TemplateError> {
    crate::scheduler::schedule::read(&name, &body)
        .map_err(|e| TemplateError::invalid(at, e.to_string()))?;
    Ok(TemplateSchedule {
        logical_id,
        name,
        body,
    })
}

/// An `AWS::Scheduler::Schedule`.
pub fn schedule(ctx: &Context, id: &str, props: &Obj) -> Result<TemplateSchedule, TemplateError> {
    let r = &ctx.resolver;
    props.check(SCHEDULE_SUPPORTED, SCHEDULE_AWS_ONLY)?;
    let name = r.physical_name(id, &props.at("Name"))?;
    let mut body = Map::new();
    for key in SCHEDULE_SUPPORTED.iter().chain(SCHEDULE_AWS_ONLY) {
        if *key != "Name"
            && let Some(value) = props.value(r, key)?
        {
            body.insert((*key).to_owned(), value);
        }
    }
    checked(id.to_owned(), name, body, &props.at("Properties"))
}

/// The schedule of a `ScheduleV2` event named `event_name` of the function or state
/// machine `owner_id`, whose ARN is `target_arn`.
pub fn schedule_v2(
    ctx: &Context,
    owner_id: &str,
    event_name: &str,
    p: &Obj,
    target_arn: &str,
) -> Result<TemplateSchedule, TemplateError> {
    let r = &ctx.resolver;
    p.check(
        &[
            "ScheduleExpression",
            "ScheduleExpressionTimezone",
            "FlexibleTimeWindow",
            "Name",
            "OmitName",
            "GroupName",
            "Description",
            "State",
            "StartDate",
            "EndDate",
            "Input",
            "RoleArn",
            "RetryPolicy",
            "DeadLetterConfig",
        ],
        &["KmsKeyArn", "PermissionsBoundary"],
    )?;
    let logical_id = format!("{owner_id}{event_name}");
    if p.bool(r, "OmitName")? == Some(true) && p.string(r, "Name")?.is_some() {
        return Err(TemplateError::invalid(
            p.at("Name"),
            "Name cannot be set when OmitName is True",
        ));
    }
    let name = p.string(r, "Name")?.unwrap_or_else(|| logical_id.clone());
    let mut body = Map::new();
    for key in [
        "ScheduleExpression",
        "ScheduleExpressionTimezone",
        "GroupName",
        "Description",
        "State",
        "StartDate",
        "EndDate",
    ] {
        if let Some(value) = p.value(r, key)? {
            body.insert(key.to_owned(), value);
        }
    }
    body.insert(
        "FlexibleTimeWindow".into(),
        p.value(r, "FlexibleTimeWindow")?
            .unwrap_or_else(|| json!({"Mode": "OFF"})),
    );
    // SAM makes a role Scheduler assumes, `<id>Role`, unless one is given.
    let role = p.string(r, "RoleArn")?.unwrap_or_else(|| {
        format!(
            "arn:aws:iam::{}:role/{}-{logical_id}Role",
            pseudo::ACCOUNT_ID,
            pseudo::STACK_NAME
        )
    });
    let mut target = json!({"Arn": target_arn, "RoleArn": role});
    if let Some(input) = p.string(r, "Input")? {
        target["Input"] = input.into();
    }
    if let Some(retry) = p.value(r, "RetryPolicy")? {
        target["RetryPolicy"] = retry;
    }
    if let Some(dlq) = p.obj(r, "DeadLetterConfig")? {
        dlq.check(&["Arn"], &[])?;
        target["DeadLetterConfig"] = json!({"Arn": dlq.required_string(r, "Arn")?});
    }
    body.insert("Target".into(), target);
    checked(logical_id, name, body, &p.at("ScheduleExpression"))
}

/// The schedules of an `AWS::Serverless::StateMachine`'s `Events`, whose ARN is `arn`:
/// `ScheduleV2` events, each starting an execution with its `Input`.
pub fn state_machine_events(
    ctx: &Context,
    id: &str,
    props: &Obj,
    arn: &str,
) -> Result<Vec<TemplateSchedule>, TemplateError> {
    let r = &ctx.resolver;
    let Some(events) = props.obj(r, "Events")? else {
        return Ok(Vec::new());
    };
    let mut schedules = Vec::new();
    for (event_name, event) in &events.map {
        let at = events.at(event_name);
        let event = match event {
            Value::Object(map) => Obj::new(at.clone(), map.clone()),
            _ => return Err(TemplateError::invalid(at, "expected a mapping")),
        };
        event.check(&["Type", "Properties"], &[])?;
        match event.required_string(r, "Type")?.as_str() {
            "ScheduleV2" => {
                let properties = event
                    .obj(r, "Properties")?
                    .unwrap_or_else(|| Obj::new(event.at("Properties"), Map::new()));
                schedules.push(schedule_v2(ctx, id, event_name, &properties, arn)?);
            }
            other => {
                return Err(TemplateError::unsupported(
                    event.at("Type"),
                    format!("state machine event source {other}"),
                ));
            }
        }
    }
    Ok(schedules)
}
