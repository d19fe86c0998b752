//! Queues, tables, buses and HTTP APIs: the resources that hold or route data.

use serde_json::Value;

use super::context::Context;
use super::error::TemplateError;
use super::model::{
    Archive, AttributeType, EventBus, HttpApi, KeyAttribute, KinesisStream, LogGroup, Queue,
    Redrive, SecondaryIndex, Table, TargetKind,
};
use super::props::Obj;
use super::pseudo;
use crate::dynamodb::streams::ViewType;

/// `AWS::SQS::Queue`.
pub fn queue(ctx: &Context, id: &str, props: &Obj) -> Result<Queue, TemplateError> {
    let r = &ctx.resolver;
    props.check(
        &[
            "QueueName",
            "FifoQueue",
            "ContentBasedDeduplication",
            "VisibilityTimeout",
            "DelaySeconds",
            "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds",
            "RedrivePolicy",
        ],
        &[
            "SqsManagedSseEnabled",
            "KmsMasterKeyId",
            "KmsDataKeyReusePeriodSeconds",
            "Tags",
            "DeduplicationScope",
            "FifoThroughputLimit",
            "RedriveAllowPolicy",
            "MaximumMessageSize",
        ],
    )?;
    let name = r.physical_name(id, &props.at("QueueName"))?;
    let fifo = props.bool(r, "FifoQueue")?.unwrap_or(false);
    let redrive = match props.value(r, "RedrivePolicy")? {
        None => None,
        Some(policy) => Some(redrive(ctx, props, policy)?),
    };
    Ok(Queue {
        logical_id: id.to_owned(),
        arn: pseudo::sqs_queue_arn(&name),
        url: pseudo::sqs_queue_url(&r.endpoint, &name),
        name,
        fifo,
        content_based_deduplication: props.bool(r, "ContentBasedDeduplication")?.unwrap_or(false),
        visibility_timeout_secs: props.u32(r, "VisibilityTimeout")?.unwrap_or(30),
        delay_secs: props.u32(r, "DelaySeconds")?.unwrap_or(0),
        message_retention_secs: props.u32(r, "MessageRetentionPeriod")?.unwrap_or(345_600),
        receive_wait_secs: props.u32(r, "ReceiveMessageWaitTimeSeconds")?.unwrap_or(0),
        redrive,
    })
}

/// `AWS::Kinesis::Stream`.
pub fn kinesis_stream(
    ctx: &Context,
    id: &str,
    props: &Obj,
) -> Result<KinesisStream, TemplateError> {
    let r = &ctx.resolver;
    props.check(
        &[
            "Name",
            "ShardCount",
            "StreamModeDetails",
            "RetentionPeriodHours",
            "StreamEncryption",
        ],
        &[
            "Tags",
            "DesiredShardLevelMetrics",
            "MaxRecordSizeInKiB",
            "WarmThroughputMiBps",
        ],
    )?;
    let name = r.physical_name(id, &props.at("Name"))?;
    let mode = match props.obj(r, "StreamModeDetails")? {
        None => None,
        Some(details) => {
            details.check(&["StreamMode"], &[])?;
            Some(details.required_string(r, "StreamMode")?)
        }
    };
    let shard_count = props.u32(r, "ShardCount")?;
    let on_demand = match (mode.as_deref(), shard_count) {
        (Some("ON_DEMAND"), Some(_)) => {
            return Err(TemplateError::invalid(
                props.at("ShardCount"),
                "an ON_DEMAND stream takes no ShardCount",
            ));
        }
        (Some("ON_DEMAND"), None) => true,
        (Some("PROVISIONED"), None) => {
            return Err(TemplateError::invalid(
                props.at("ShardCount"),
                "a PROVISIONED stream needs a ShardCount",
            ));
        }
        (Some("PROVISIONED"), Some(_)) => false,
        (Some(other), _) => {
            return Err(TemplateError::invalid(
                props.at("StreamModeDetails"),
                format!("StreamMode {other}: expected ON_DEMAND or PROVISIONED"),
            ));
        }
        (None, count) => count.is_none(),
    };
    let shard_count = shard_count.unwrap_or(crate::kinesis::ON_DEMAND_SHARDS);
    if !(1..=100_000).contains(&shard_count) {
        return Err(TemplateError::invalid(
            props.at("ShardCount"),
            format!("{shard_count}: expected 1 to 100000"),
        ));
    }
    let retention_hours = props
        .u32(r, "RetentionPeriodHours")?
        .unwrap_or(crate::kinesis::DEFAULT_RETENTION_HOURS);
    if !(24..=8760).contains(&retention_hours) {
        return Err(TemplateError::invalid(
            props.at("RetentionPeriodHours"),
            format!("{retention_hours}: expected 24 to 8760 hours"),
        ));
    }
    let kms_key_id = match props.obj(r, "StreamEncryption")? {
        None => None,
        Some(encryption) => {
            encryption.check(&["EncryptionType", "KeyId"], &[])?;
            let kind = encryption.required_string(r, "EncryptionType")?;
            if kind != "KMS" {
                return Err(TemplateError::invalid(
                    encryption.at("EncryptionType"),
                    format!("{kind}: expected KMS"),
                ));
            }
            Some(encryption.required_string(r, "KeyId")?)
        }
    };
    Ok(KinesisStream {
        logical_id: id.to_owned(),
        arn: crate::kinesis::stream_arn(&name),
        name,
        on_demand,
        shard_count,
        retention_hours,
        kms_key_id,
    })
}

fn redrive(ctx: &Context, props: &Obj, policy: Value) -> Result<Redrive, TemplateError> {
    let r = &ctx.resolver;
    let at = props.at("RedrivePolicy");
    // The policy may be given as a mapping or as its JSON text.
    let policy = match policy {
        Value::String(text) => serde_json::from_str(&text)
            .map_err(|e| TemplateError::invalid(&at, format!("not JSON: {e}")))?,
        other => other,
    };
    let Value::Object(map) = policy else {
        return Err(TemplateError::invalid(at, "expected a mapping"));
    };
    let policy = Obj::new(at, map);
    policy.check(&["deadLetterTargetArn", "maxReceiveCount"], &[])?;
    let arn = policy.required_string(r, "deadLetterTargetArn")?;
    let dlq = ctx.target_of(
        &arn,
        &[TargetKind::Queue],
        &policy.at("deadLetterTargetArn"),
    )?;
    Ok(Redrive {
        dead_letter_queue: dlq.logical_id,
        max_receive_count: policy
            .u32(r, "maxReceiveCount")?
            .ok_or_else(|| TemplateError::invalid(policy.at("maxReceiveCount"), "is required"))?,
    })
}

/// `AWS::Events::EventBus`.
pub fn event_bus(ctx: &Context, id: &str, props: &Obj) -> Result<EventBus, TemplateError> {
    props.check(
        &["Name", "Policy"],
        &[
            "Tags",
            "Description",
            "KmsKeyIdentifier",
            "DeadLetterConfig",
        ],
    )?;
    let name = ctx.resolver.physical_name(id, &props.at("Name"))?;
    Ok(EventBus {
        logical_id: id.to_owned(),
        arn: pseudo::event_bus_arn(&name),
        name,
    })
}

/// `AWS::Events::EventBusPolicy`: the name of the bus it is on (`default` when absent)
/// and its statement: `Statement`, or the older `Action`, `Principal` and `Condition`,
/// which allow `Principal` (an account id or `*`) the action on the bus.
pub fn event_bus_policy(
    ctx: &Context,
    props: &Obj,
) -> Result<(String, Vec<crate::iam::Statement>), TemplateError> {
    props.check(
        &[
            "EventBusName",
            "StatementId",
            "Statement",
            "Action",
            "Principal",
            "Condition",
        ],
        &[],
    )?;
    let r = &ctx.resolver;
    let bus = super::rules::bus_name(props.string(r, "EventBusName")?);
    let sid = props.string(r, "StatementId")?;
    let statement = match (props.value(r, "Statement")?, props.string(r, "Action")?) {
        (Some(Value::Object(mut statement)), None) => {
            if let Some(sid) = sid {
                statement.entry("Sid").or_insert(Value::String(sid));
            }
            Value::Object(statement)
        }
        (None, Some(action)) => {
            let principal = props.string(r, "Principal")?.ok_or_else(|| {
                TemplateError::invalid(props.at("Principal"), "Action needs a Principal")
            })?;
            let mut statement = serde_json::json!({
                "Sid": sid,
                "Effect": "Allow",
                "Principal": if principal == "*" { Value::from("*") } else { serde_json::json!({"AWS": principal}) },
                "Action": action,
                "Resource": pseudo::event_bus_arn(&bus),
            });
            if let Some(condition) = props.value(r, "Condition")? {
                // The older form's Condition is one key and its value, which AWS tests with
                // StringEquals.
                let (Some(key), Some(value)) = (
                    condition.get("Key").and_then(Value::as_str),
                    condition.get("Value").and_then(Value::as_str),
                ) else {
                    return Err(TemplateError::invalid(
                        props.at("Condition"),
                        "needs Key, Type and Value",
                    ));
                };
                statement["Condition"] = serde_json::json!({"StringEquals": {key: value}});
            }
            statement
        }
        _ => {
            return Err(TemplateError::invalid(
                props.at("Statement"),
                "give Statement (a mapping), or Action and Principal, not both",
            ));
        }
    };
    let statements = crate::iam::statements_of(&statement, &props.at("Statement"))
        .map_err(|e| TemplateError::invalid(e.at, e.reason))?;
    Ok((bus, statements))
}

/// `AWS::Events::Archive`. Its source must be a bus of the stack or the default bus.
pub fn archive(ctx: &Context, id: &str, props: &Obj) -> Result<Archive, TemplateError> {
    let r = &ctx.resolver;
    props.check(
        &[
            "SourceArn",
            "ArchiveName",
            "Description",
            "EventPattern",
            "RetentionDays",
        ],
        &["KmsKeyIdentifier"],
    )?;
    let source_arn = props.required_string(r, "SourceArn")?;
    let event_bus_name = super::rules::bus_name(Some(source_arn.clone()));
    if pseudo::event_bus_arn(&event_bus_name) != source_arn {
        return Err(TemplateError::invalid(
            props.at("SourceArn"),
            format!("{source_arn} is not the ARN of an event bus of this stack"),
        ));
    }
    let event_pattern = props
        .value(r, "EventPattern")?
        .map(|p| super::rules::pattern_text(p, &props.at("EventPattern")))
        .transpose()?;
    Ok(Archive {
        logical_id: id.to_owned(),
        event_bus_name,
        config: crate::archive::ArchiveConfig {
            name: r.physical_name(id, &props.at("ArchiveName"))?,
            source_arn,
            description: props.string(r, "Description")?,
            event_pattern,
            retention_days: props.u32(r, "RetentionDays")?.unwrap_or(0),
        },
    })
}

/// `AWS::Serverless::HttpApi`.
pub fn http_api(ctx: &Context, id: &str, props: &Obj) -> Result<HttpApi, TemplateError> {
    props.check(
        &["Name", "Auth", "StageName"],
        &[
            "Description",
            "AccessLogSettings",
            "DefaultRouteSettings",
            "RouteSettings",
            "Tags",
            "PropagateTags",
            "StageVariables",
            "FailOnWarnings",
            "DisableExecuteApiEndpoint",
            "CorsConfiguration",
        ],
    )?;
    let (iam_enabled, iam_authorizer) = http_api_auth(ctx, props)?;
    let api_id = ctx
        .resolver
        .get_att(id, "ApiId", &props.at("ApiId"))?
        .as_str()
        .map(str::to_owned)
        .unwrap_or_default();
    // `$default` is the stage SAM creates when none is named: served at the root.
    let stage_name = props
        .string(&ctx.resolver, "StageName")?
        .filter(|name| name != "$default");
    if let Some(name) = &stage_name
        && !valid_stage_name(name)
    {
        return Err(TemplateError::invalid(
            props.at("StageName"),
            format!("{name:?} is not a stage name (1 to 128 of A-Z a-z 0-9 - _)"),
        ));
    }
    Ok(HttpApi {
        logical_id: id.to_owned(),
        id: api_id,
        iam_enabled,
        iam_authorizer,
        stage_name,
    })
}

/// API Gateway's stage names: 1 to 128 letters, digits, hyphens and underscores.
fn valid_stage_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An HTTP API's `Auth`: whether the IAM authorizer is enabled, and whether `AWS_IAM` is
/// the default authorizer. Only the IAM authorizer is accepted, as SAM accepts it
/// (`DefaultAuthorizer: AWS_IAM` needs `EnableIamAuthorizer: true`); JWT and Lambda
/// authorizers are not run locally.
fn http_api_auth(ctx: &Context, props: &Obj) -> Result<(bool, bool), TemplateError> {
    let r = &ctx.resolver;
    let Some(auth) = props.obj(r, "Auth")? else {
        return Ok((false, false));
    };
    auth.check(&["EnableIamAuthorizer", "DefaultAuthorizer"], &[])?;
    let enabled = auth.bool(r, "EnableIamAuthorizer")?.unwrap_or(false);
    match auth.string(r, "DefaultAuthorizer")?.as_deref() {
        None => Ok((enabled, false)),
        Some("AWS_IAM") if enabled => Ok((true, true)),
        Some("AWS_IAM") => Err(TemplateError::invalid(
            auth.at("DefaultAuthorizer"),
            "AWS_IAM needs EnableIamAuthorizer: true",
        )),
        Some(other) => Err(TemplateError::unsupported(
            props.at("Auth"),
            format!("authorizer {other}; the local cloud knows only AWS_IAM"),
        )),
    }
}

/// `AWS::DynamoDB::Table`.
pub fn table(ctx: &Context, id: &str, props: &Obj) -> Result<Table, TemplateError> {
    let r = &ctx.resolver;
    props.check(
        &[
            "TableName",
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
            "TimeToLiveSpecification",
            "StreamSpecification",
        ],
        &[
            "BillingMode",
            "ProvisionedThroughput",
            "PointInTimeRecoverySpecification",
            "SSESpecification",
            "Tags",
            "DeletionProtectionEnabled",
            "TableClass",
            "ContributorInsightsSpecification",
            "OnDemandThroughput",
            "WarmThroughput",
            "ResourcePolicy",
        ],
    )?;
    let name = r.physical_name(id, &props.at("TableName"))?;
    let mut types = Vec::new();
    for definition in props.objs(r, "AttributeDefinitions")? {
        definition.check(&["AttributeName", "AttributeType"], &[])?;
        let attribute_type = attribute_type(
            &definition.required_string(r, "AttributeType")?,
            &definition.at("AttributeType"),
        )?;
        types.push((
            definition.required_string(r, "AttributeName")?,
            attribute_type,
        ));
    }
    let (partition_key, sort_key) = key_schema(ctx, props, &types)?;
    let indexes = |key: &str| -> Result<Vec<SecondaryIndex>, TemplateError> {
        props
            .objs(r, key)?
            .iter()
            .map(|index| {
                index.check(
                    &["IndexName", "KeySchema", "Projection"],
                    &[
                        "ProvisionedThroughput",
                        "ContributorInsightsSpecification",
                        "OnDemandThroughput",
                        "WarmThroughput",
                    ],
                )?;
                let (partition_key, sort_key) = key_schema(ctx, index, &types)?;
                Ok(SecondaryIndex {
                    name: index.required_string(r, "IndexName")?,
                    partition_key,
                    sort_key,
                })
            })
            .collect()
    };
    let global_secondary_indexes = indexes("GlobalSecondaryIndexes")?;
    let local_secondary_indexes = indexes("LocalSecondaryIndexes")?;
    let ttl_attribute = match props.obj(r, "TimeToLiveSpecification")? {
        None => None,
        Some(ttl) => {
            ttl.check(&["AttributeName", "Enabled"], &[])?;
            if ttl.bool(r, "Enabled")?.unwrap_or(false) {
                ttl.string(r, "AttributeName")?
            } else {
                None
            }
        }
    };
    let stream_view_type = match props.obj(r, "StreamSpecification")? {
        None => None,
        Some(spec) => {
            spec.check(&["StreamViewType"], &["ResourcePolicy"])?;
            let text = spec.required_string(r, "StreamViewType")?;
            Some(ViewType::parse(&text).ok_or_else(|| {
                TemplateError::invalid(
                    spec.at("StreamViewType"),
                    format!(
                        "{text} is not one of KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES"
                    ),
                )
            })?)
        }
    };
    Ok(Table {
        stream_view_type,
        logical_id: id.to_owned(),
        arn: pseudo::dynamodb_table_arn(&name),
        name,
        partition_key,
        sort_key,
        ttl_attribute,
        global_secondary_indexes,
        local_secondary_indexes,
    })
}

fn attribute_type(text: &str, at: &str) -> Result<AttributeType, TemplateError> {
    match text {
        "S" | "String" => Ok(AttributeType::S),
        "N" | "Number" => Ok(AttributeType::N),
        "B" | "Binary" => Ok(AttributeType::B),
        other => Err(TemplateError::invalid(
            at,
            format!("unknown attribute type {other}"),
        )),
    }
}

fn key_schema(
    ctx: &Context,
    obj: &Obj,
    types: &[(String, AttributeType)],
) -> Result<(KeyAttribute, Option<KeyAttribute>), TemplateError> {
    let r = &ctx.resolver;
    let (mut hash, mut range) = (None, None);
    for key in obj.objs(r, "KeySchema")? {
        key.check(&["AttributeName", "KeyType"], &[])?;
        let name = key.required_string(r, "AttributeName")?;
        let attribute_type = types
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                TemplateError::invalid(
                    key.at("AttributeName"),
                    format!("{name} is not in AttributeDefinitions"),
                )
            })?;
        let attribute = KeyAttribute {
            name,
            attribute_type,
        };
        match key.required_string(r, "KeyType")?.as_str() {
            "HASH" => hash = Some(attribute),
            "RANGE" => range = Some(attribute),
            other => {
                return Err(TemplateError::invalid(
                    key.at("KeyType"),
                    format!("unknown key type {other}"),
                ));
            }
        }
    }
    let hash =
        hash.ok_or_else(|| TemplateError::invalid(obj.at("KeySchema"), "has no HASH key"))?;
    Ok((hash, range))
}

/// `AWS::Serverless::SimpleTable`: a table with one partition key.
pub fn simple_table(ctx: &Context, id: &str, props: &Obj) -> Result<Table, TemplateError> {
    let r = &ctx.resolver;
    props.check(
        &["TableName", "PrimaryKey"],
        &[
            "ProvisionedThroughput",
            "SSESpecification",
            "Tags",
            "PointInTimeRecoverySpecification",
        ],
    )?;
    let name = r.physical_name(id, &props.at("TableName"))?;
    let partition_key = match props.obj(r, "PrimaryKey")? {
        None => KeyAttribute {
            name: "id".to_owned(),
            attribute_type: AttributeType::S,
        },
        Some(key) => {
            key.check(&["Name", "Type"], &[])?;
            KeyAttribute {
                name: key.required_string(r, "Name")?,
                attribute_type: attribute_type(&key.required_string(r, "Type")?, &key.at("Type"))?,
            }
        }
    };
    Ok(Table {
        logical_id: id.to_owned(),
        arn: pseudo::dynamodb_table_arn(&name),
        name,
        partition_key,
        sort_key: None,
        ttl_attribute: None,
        global_secondary_indexes: Vec::new(),
        local_secondary_indexes: Vec::new(),
        stream_view_type: None,
    })
}

/// An `AWS::Logs::LogGroup`: its name and `RetentionInDays` (the other properties only
/// matter on AWS).
pub fn log_group(ctx: &Context, id: &str, props: &Obj) -> Result<LogGroup, TemplateError> {
    let r = &ctx.resolver;
    Ok(LogGroup {
        logical_id: id.to_owned(),
        name: r.physical_name(id, &props.at("LogGroupName"))?,
        retention_days: props.u32(r, "RetentionInDays")?,
    })
}
