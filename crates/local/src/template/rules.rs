//! `AWS::Events::Rule` and the rules SAM makes from `EventBridgeRule` events, with their
//! targets.

use serde_json::Value;

use super::context::Context;
use super::error::TemplateError;
use super::model::{InputTransformer, RetryPolicy, Rule, RuleTarget, TargetKind, TargetRef};
use super::props::Obj;
use super::pseudo;
use super::resolver::scalar;

const RULE_SUPPORTED: &[&str] = &[
    "EventPattern",
    "ScheduleExpression",
    "EventBusName",
    "Name",
    "State",
    "Targets",
    "Description",
];
const RULE_AWS_ONLY: &[&str] = &["RoleArn"];
/// The members of a rule target the local cloud reads, in the template and over the wire;
/// any other (`EcsParameters`, …) names a kind of target it does not run.
pub const TARGET_SUPPORTED: &[&str] = &[
    "Id",
    "Arn",
    "Input",
    "InputPath",
    "InputTransformer",
    "RetryPolicy",
    "DeadLetterConfig",
    "SqsParameters",
    "KinesisParameters",
    "RoleArn",
];

/// An `AWS::Events::Rule`.
pub fn build(ctx: &Context, id: &str, props: &Obj) -> Result<Rule, TemplateError> {
    let r = &ctx.resolver;
    props.check(RULE_SUPPORTED, RULE_AWS_ONLY)?;
    let event_bus_name = bus_name(props.string(r, "EventBusName")?);
    let name = r.physical_name(id, &props.at("Name"))?;
    let schedule_expression = props.string(r, "ScheduleExpression")?;
    if let Some(expression) = &schedule_expression {
        if expression.len() > 256
            || crate::scheduler::expression::Expression::parse(
                expression,
                crate::scheduler::expression::Dialect::Rule,
            )
            .is_err()
        {
            return Err(TemplateError::invalid(
                props.at("ScheduleExpression"),
                "Parameter ScheduleExpression is not valid.",
            ));
        }
        if event_bus_name != "default" {
            return Err(TemplateError::invalid(
                props.at("ScheduleExpression"),
                "a schedule rule runs on the default event bus only",
            ));
        }
    }
    let pattern = match props.value(r, "EventPattern")? {
        Some(pattern) => pattern_text(pattern, &props.at("EventPattern"))?,
        None if schedule_expression.is_some() => String::new(),
        None => {
            return Err(TemplateError::invalid(
                props.at("EventPattern"),
                "a rule needs an EventPattern or a ScheduleExpression",
            ));
        }
    };
    let targets = props
        .objs(r, "Targets")?
        .iter()
        .map(|t| target(ctx, t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        logical_id: id.to_owned(),
        arn: pseudo::event_rule_arn(&event_bus_name, &name),
        name,
        event_bus: ctx.bus_id(&event_bus_name),
        event_bus_name,
        event_pattern: pattern,
        enabled: enabled(props.string(r, "State")?, &props.at("State"))?,
        description: props.string(r, "Description")?,
        targets,
        schedule_expression,
        created_by: None,
    })
}

/// The bus name of an `EventBusName` value (a name or an ARN), `default` when absent.
pub fn bus_name(value: Option<String>) -> String {
    match value {
        None => "default".to_owned(),
        Some(v) => v
            .rsplit_once("event-bus/")
            .map_or(v.clone(), |(_, name)| name.to_owned()),
    }
}

pub fn enabled(state: Option<String>, at: &str) -> Result<bool, TemplateError> {
    match state.as_deref() {
        None | Some("ENABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") => Ok(true),
        Some("DISABLED") => Ok(false),
        Some(other) => Err(TemplateError::invalid(at, format!("unknown State {other}"))),
    }
}

/// The pattern as JSON text: a mapping is serialized, a string must already be JSON.
pub fn pattern_text(pattern: Value, at: &str) -> Result<String, TemplateError> {
    match pattern {
        Value::String(text) => {
            serde_json::from_str::<Value>(&text)
                .map_err(|e| TemplateError::invalid(at, format!("not JSON: {e}")))?;
            Ok(text)
        }
        Value::Object(_) => Ok(pattern.to_string()),
        other => Err(TemplateError::invalid(
            at,
            format!("expected a pattern mapping, got {other}"),
        )),
    }
}

fn target(ctx: &Context, t: &Obj) -> Result<RuleTarget, TemplateError> {
    let r = &ctx.resolver;
    t.check(TARGET_SUPPORTED, &[])?;
    let arn = t.required_string(r, "Arn")?;
    let target = ctx.target_of(
        &arn,
        &[
            TargetKind::Queue,
            TargetKind::Function,
            TargetKind::StateMachine,
            TargetKind::EventBus,
            TargetKind::Stream,
        ],
        &t.at("Arn"),
    )?;
    let sqs_message_group_id = match t.obj(r, "SqsParameters")? {
        None => None,
        Some(sqs) => {
            sqs.check(&["MessageGroupId"], &[])?;
            sqs.string(r, "MessageGroupId")?
        }
    };
    let kinesis_partition_key_path = match t.obj(r, "KinesisParameters")? {
        None => None,
        Some(kinesis) => {
            kinesis.check(&["PartitionKeyPath"], &[])?;
            let path = kinesis.required_string(r, "PartitionKeyPath")?;
            event_pattern::TargetInput::InputPath(path.clone())
                .compile()
                .map_err(|e| {
                    TemplateError::invalid(kinesis.at("PartitionKeyPath"), e.to_string())
                })?;
            Some(path)
        }
    };
    if kinesis_partition_key_path.is_some() && target.kind != TargetKind::Stream {
        return Err(TemplateError::invalid(
            t.at("KinesisParameters"),
            "KinesisParameters apply to a Kinesis stream target only",
        ));
    }
    Ok(RuleTarget {
        id: t.required_string(r, "Id")?,
        input: t.string(r, "Input")?,
        input_path: t.string(r, "InputPath")?,
        input_transformer: input_transformer(ctx, t)?,
        retry_policy: retry_policy(ctx, t)?,
        dead_letter_queue: dead_letter(ctx, t)?,
        sqs_message_group_id,
        kinesis_partition_key_path,
        role_arn: t.string(r, "RoleArn")?,
        target,
    })
}

pub fn input_transformer(
    ctx: &Context,
    t: &Obj,
) -> Result<Option<InputTransformer>, TemplateError> {
    let r = &ctx.resolver;
    let Some(transformer) = t.obj(r, "InputTransformer")? else {
        return Ok(None);
    };
    transformer.check(&["InputPathsMap", "InputTemplate"], &[])?;
    let input_paths_map = match transformer.obj(r, "InputPathsMap")? {
        None => Vec::new(),
        Some(map) => map
            .map
            .iter()
            .map(|(k, v)| {
                scalar(v)
                    .map(|path| (k.clone(), path))
                    .ok_or_else(|| TemplateError::invalid(map.at(k), "expected a JSONPath string"))
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Some(InputTransformer {
        input_paths_map,
        input_template: transformer.required_string(r, "InputTemplate")?,
    }))
}

pub fn retry_policy(ctx: &Context, t: &Obj) -> Result<RetryPolicy, TemplateError> {
    let r = &ctx.resolver;
    let mut policy = RetryPolicy::default();
    if let Some(retry) = t.obj(r, "RetryPolicy")? {
        retry.check(&["MaximumRetryAttempts", "MaximumEventAgeInSeconds"], &[])?;
        if let Some(n) = retry.u32(r, "MaximumRetryAttempts")? {
            policy.maximum_retry_attempts = n;
        }
        if let Some(n) = retry.u32(r, "MaximumEventAgeInSeconds")? {
            policy.maximum_event_age_secs = n;
        }
    }
    Ok(policy)
}

pub fn dead_letter(ctx: &Context, t: &Obj) -> Result<Option<TargetRef>, TemplateError> {
    let r = &ctx.resolver;
    let Some(dlq) = t.obj(r, "DeadLetterConfig")? else {
        return Ok(None);
    };
    dlq.check(&["Arn"], &[])?;
    let arn = dlq.string(r, "Arn")?.ok_or_else(|| {
        TemplateError::unsupported(
            dlq.at("Type"),
            "a dead-letter queue SAM would create; name a queue of the template with Arn",
        )
    })?;
    ctx.target_of(&arn, &[TargetKind::Queue], &dlq.at("Arn"))
        .map(Some)
}
