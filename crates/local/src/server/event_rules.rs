//! EventBridge's rule operations over the wire: ListRules, DescribeRule, PutRule,
//! PutTargets, RemoveTargets, DeleteRule, EnableRule, DisableRule and ListTargetsByRule.
//! What they change, and who may, is `runtime/rule_admin.rs`; this module reads requests
//! and writes answers.

use super::wire::{ApiError, Input, listed, page};
use crate::iam::Caller;
use crate::runtime::CloudInner;
use crate::runtime::bus::bus_name;
use crate::runtime::rule_admin::{FailedTarget, RuleError, RuleSpec};
use crate::template::TARGET_SUPPORTED;
use crate::template::{InputTransformer, RetryPolicy, Rule, RuleTarget, TargetKind, TargetRef};
use serde_json::{Map, Value, json};

/// Serves `operation` if it is a rule operation.
pub fn dispatch(
    cloud: &CloudInner,
    operation: &str,
    input: &Input,
    caller: &Caller,
) -> Option<Result<Value, ApiError>> {
    let answer = match operation {
        "ListRules" => list_rules(cloud, input),
        "DescribeRule" => describe_rule(cloud, input, caller),
        "PutRule" => put_rule(cloud, input, caller),
        "PutTargets" => put_targets(cloud, input, caller),
        "RemoveTargets" => remove_targets(cloud, input, caller),
        "DeleteRule" => delete_rule(cloud, input, caller),
        "EnableRule" | "DisableRule" => set_state(cloud, input, operation == "EnableRule", caller),
        "ListTargetsByRule" => list_targets(cloud, input, caller),
        _ => return None,
    };
    Some(answer)
}

fn api(e: RuleError) -> ApiError {
    ApiError::new(e.code(), e.to_string())
}

/// The bus a request names (`EventBusName`, a name or an ARN; `default` when absent).
fn bus_of(input: &Input) -> Result<String, ApiError> {
    Ok(bus_name(input.str("EventBusName")?))
}

/// The bus a request names, which must exist.
fn existing_bus(cloud: &CloudInner, input: &Input) -> Result<String, ApiError> {
    let bus = bus_of(input)?;
    cloud.existing_bus(&bus).map_err(api)?;
    Ok(bus)
}

fn rule_json(rule: &Rule) -> Value {
    let mut out = Map::new();
    out.insert("Name".into(), json!(rule.name));
    out.insert("Arn".into(), json!(rule.arn));
    if !rule.event_pattern.is_empty() {
        out.insert("EventPattern".into(), json!(rule.event_pattern));
    }
    if let Some(schedule) = &rule.schedule_expression {
        out.insert("ScheduleExpression".into(), json!(schedule));
    }
    out.insert(
        "State".into(),
        json!(if rule.enabled { "ENABLED" } else { "DISABLED" }),
    );
    if let Some(d) = &rule.description {
        out.insert("Description".into(), json!(d));
    }
    out.insert("EventBusName".into(), json!(rule.event_bus_name));
    Value::Object(out)
}

fn list_rules(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let bus = existing_bus(cloud, input)?;
    let prefix = input.str("NamePrefix")?.unwrap_or_default();
    let limit = input.int("Limit", 1, 100)?.unwrap_or(100) as usize;
    let mut rules: Vec<Rule> = cloud
        .buses
        .rules()
        .into_iter()
        .filter(|r| r.event_bus_name == bus && r.name.starts_with(prefix))
        .collect();
    rules.sort_by(|a, b| a.name.cmp(&b.name));
    let (rules, next) = page(&rules, input.str("NextToken")?, limit)?;
    Ok(listed("Rules", rules.iter().map(rule_json).collect(), next))
}

fn describe_rule(cloud: &CloudInner, input: &Input, caller: &Caller) -> Result<Value, ApiError> {
    let bus = bus_of(input)?;
    let name = input.required_str("Name")?;
    let rule = cloud
        .read_rule("events:DescribeRule", &bus, name, caller)
        .map_err(api)?;
    let mut out = rule_json(&rule);
    out["CreatedBy"] = json!(
        rule.created_by
            .as_deref()
            .unwrap_or(&cloud.model.account_id)
    );
    Ok(out)
}

fn put_rule(cloud: &CloudInner, input: &Input, caller: &Caller) -> Result<Value, ApiError> {
    let spec = RuleSpec {
        name: input.required_str("Name")?.to_owned(),
        bus: bus_of(input)?,
        event_pattern: input.str("EventPattern")?.map(str::to_owned),
        schedule_expression: input.str("ScheduleExpression")?.map(str::to_owned),
        enabled: input.str("State")? != Some("DISABLED"),
        description: input.str("Description")?.map(str::to_owned),
    };
    let arn = cloud.put_rule(spec, caller).map_err(api)?;
    Ok(json!({"RuleArn": arn}))
}

fn failed_json(failed: &[FailedTarget]) -> Value {
    json!({
        "FailedEntryCount": failed.len(),
        "FailedEntries": failed.iter().map(|f| json!({
            "TargetId": f.id, "ErrorCode": f.code, "ErrorMessage": f.message,
        })).collect::<Vec<_>>(),
    })
}

fn put_targets(cloud: &CloudInner, input: &Input, caller: &Caller) -> Result<Value, ApiError> {
    let bus = bus_of(input)?;
    let rule = input.required_str("Rule")?;
    let mut targets = Vec::new();
    let mut refused = Vec::new();
    for value in input.list("Targets")?.map(Vec::as_slice).unwrap_or(&[]) {
        match target_of(cloud, value)? {
            Ok(target) => targets.push(target),
            Err(failed) => refused.push(failed),
        }
    }
    let failed = cloud
        .put_targets(&bus, rule, targets, refused, caller)
        .map_err(api)?;
    Ok(failed_json(&failed))
}

fn remove_targets(cloud: &CloudInner, input: &Input, caller: &Caller) -> Result<Value, ApiError> {
    let bus = bus_of(input)?;
    let rule = input.required_str("Rule")?;
    let ids = input.strings("Ids")?;
    let failed = cloud
        .remove_targets(&bus, rule, &ids, caller)
        .map_err(api)?;
    Ok(failed_json(&failed))
}

fn delete_rule(cloud: &CloudInner, input: &Input, caller: &Caller) -> Result<Value, ApiError> {
    let bus = bus_of(input)?;
    let name = input.required_str("Name")?;
    cloud.delete_rule(&bus, name, caller).map_err(api)?;
    Ok(json!({}))
}

fn set_state(
    cloud: &CloudInner,
    input: &Input,
    enabled: bool,
    caller: &Caller,
) -> Result<Value, ApiError> {
    let bus = bus_of(input)?;
    let name = input.required_str("Name")?;
    cloud
        .set_rule_state(&bus, name, enabled, caller)
        .map_err(api)?;
    Ok(json!({}))
}

fn list_targets(cloud: &CloudInner, input: &Input, caller: &Caller) -> Result<Value, ApiError> {
    let bus = bus_of(input)?;
    let name = input.required_str("Rule")?;
    let rule = cloud
        .read_rule("events:ListTargetsByRule", &bus, name, caller)
        .map_err(api)?;
    let limit = input.int("Limit", 1, 100)?.unwrap_or(100) as usize;
    let (targets, next) = page(&rule.targets, input.str("NextToken")?, limit)?;
    Ok(listed(
        "Targets",
        targets.iter().map(target_json).collect(),
        next,
    ))
}

fn target_json(target: &RuleTarget) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), json!(target.id));
    out.insert("Arn".into(), json!(target.target.arn));
    if let Some(role) = &target.role_arn {
        out.insert("RoleArn".into(), json!(role));
    }
    if let Some(input) = &target.input {
        out.insert("Input".into(), json!(input));
    }
    if let Some(path) = &target.input_path {
        out.insert("InputPath".into(), json!(path));
    }
    if let Some(t) = &target.input_transformer {
        let paths: Map<String, Value> = t
            .input_paths_map
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        out.insert(
            "InputTransformer".into(),
            json!({"InputPathsMap": paths, "InputTemplate": t.input_template}),
        );
    }
    out.insert(
        "RetryPolicy".into(),
        json!({
            "MaximumRetryAttempts": target.retry_policy.maximum_retry_attempts,
            "MaximumEventAgeInSeconds": target.retry_policy.maximum_event_age_secs,
        }),
    );
    if let Some(dlq) = &target.dead_letter_queue {
        out.insert("DeadLetterConfig".into(), json!({"Arn": dlq.arn}));
    }
    if let Some(group) = &target.sqs_message_group_id {
        out.insert("SqsParameters".into(), json!({"MessageGroupId": group}));
    }
    if let Some(path) = &target.kinesis_partition_key_path {
        out.insert(
            "KinesisParameters".into(),
            json!({"PartitionKeyPath": path}),
        );
    }
    Value::Object(out)
}

/// The kinds of resource a rule of the local cloud delivers to.
const TARGET_KINDS: &[TargetKind] = &[
    TargetKind::Queue,
    TargetKind::Function,
    TargetKind::StateMachine,
    TargetKind::EventBus,
    TargetKind::Stream,
];

/// One PutTargets entry: the target, or the failed entry it makes. A malformed request
/// (an entry that is not a structure, a member of the wrong type) is the whole call's
/// error.
fn target_of(
    cloud: &CloudInner,
    value: &Value,
) -> Result<Result<RuleTarget, FailedTarget>, ApiError> {
    let Value::Object(map) = value else {
        return Err(ApiError::serialization("Each target must be a structure."));
    };
    let t = Input::from_map(map.clone());
    let id = t.required_str("Id")?.to_owned();
    let arn = t.required_str("Arn")?.to_owned();
    let fail = |message: String| {
        Ok(Err(FailedTarget {
            id: id.clone(),
            code: "ValidationException".to_owned(),
            message,
        }))
    };
    if let Some(other) = map.keys().find(|k| !TARGET_SUPPORTED.contains(&k.as_str())) {
        return fail(format!(
            "{other}: the local cloud delivers to queues, functions, state machines, event buses and streams only"
        ));
    }
    let resource = |arn: &str| -> Option<TargetRef> { cloud.model.resource_by_arn(arn) };
    let Some(target) = resource(&arn).filter(|r| TARGET_KINDS.contains(&r.kind)) else {
        return fail(format!(
            "{arn} is not a queue, function, state machine, event bus or stream of the local cloud"
        ));
    };
    let dead_letter_queue = match t.map("DeadLetterConfig")? {
        None => None,
        Some(dlq) => {
            let dlq_arn = Input::from_map(dlq.clone()).required_str("Arn")?.to_owned();
            match resource(&dlq_arn).filter(|r| r.kind == TargetKind::Queue) {
                Some(queue) => Some(queue),
                None => {
                    return fail(format!(
                        "DeadLetterConfig: {dlq_arn} is not a queue of the local cloud"
                    ));
                }
            }
        }
    };
    let retry_policy = match t.map("RetryPolicy")? {
        None => RetryPolicy::default(),
        Some(policy) => {
            let policy = Input::from_map(policy.clone());
            let defaults = RetryPolicy::default();
            RetryPolicy {
                maximum_retry_attempts: policy
                    .int("MaximumRetryAttempts", 0, 185)?
                    .map_or(defaults.maximum_retry_attempts, |n| n as u32),
                maximum_event_age_secs: policy
                    .int("MaximumEventAgeInSeconds", 60, 86_400)?
                    .map_or(defaults.maximum_event_age_secs, |n| n as u32),
            }
        }
    };
    let input_transformer = match t.map("InputTransformer")? {
        None => None,
        Some(transformer) => {
            let transformer = Input::from_map(transformer.clone());
            let input_paths_map = transformer
                .map("InputPathsMap")?
                .map(|paths| {
                    paths
                        .iter()
                        .map(|(k, v)| {
                            v.as_str()
                                .map(|p| (k.clone(), p.to_owned()))
                                .ok_or_else(|| {
                                    ApiError::serialization(format!(
                                        "InputPathsMap.{k} must be a string."
                                    ))
                                })
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?
                .unwrap_or_default();
            Some(InputTransformer {
                input_paths_map,
                input_template: transformer.required_str("InputTemplate")?.to_owned(),
            })
        }
    };
    let member = |outer: &str, inner: &str| -> Result<Option<String>, ApiError> {
        Ok(match t.map(outer)? {
            None => None,
            Some(m) => Input::from_map(m.clone()).str(inner)?.map(str::to_owned),
        })
    };
    let kinesis_partition_key_path = member("KinesisParameters", "PartitionKeyPath")?;
    if kinesis_partition_key_path.is_some() && target.kind != TargetKind::Stream {
        return fail("KinesisParameters apply to a Kinesis stream target only".to_owned());
    }
    Ok(Ok(RuleTarget {
        id,
        input: t.str("Input")?.map(str::to_owned),
        input_path: t.str("InputPath")?.map(str::to_owned),
        input_transformer,
        retry_policy,
        dead_letter_queue,
        sqs_message_group_id: member("SqsParameters", "MessageGroupId")?,
        kinesis_partition_key_path,
        role_arn: t.str("RoleArn")?.map(str::to_owned),
        target,
    }))
}
