//! `AWS::Serverless::Function` (Globals already merged): code, settings, environment, event
//! sources, and the rules SAM makes from `EventBridgeRule` events.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::context::Context;
use super::error::TemplateError;
use super::model::{
    AsyncInvokeConfig, Function, HttpRoute, IMPLICIT_HTTP_API, Rule, RuleTarget, SqsEventSource,
    StreamEventSource, TargetKind, TargetRef, TemplateSchedule,
};
use super::props::Obj;
use super::pseudo;
use super::resolver::{RawResource, scalar};
use super::rules;

const SUPPORTED: &[&str] = &[
    "CodeUri",
    "Handler",
    "Runtime",
    "Timeout",
    "MemorySize",
    "Environment",
    "Events",
    "LoggingConfig",
    "EventInvokeConfig",
    "DeadLetterQueue",
    "FunctionName",
];
const AWS_ONLY: &[&str] = &[
    "Architectures",
    "Policies",
    "Role",
    "RolePath",
    "PermissionsBoundary",
    "Tracing",
    "Description",
    "Tags",
    "PropagateTags",
    "ReservedConcurrentExecutions",
    "ProvisionedConcurrencyConfig",
    "KmsKeyArn",
    "VpcConfig",
    "EphemeralStorage",
    "RuntimeManagementConfig",
    "RecursiveLoop",
    "AutoPublishAlias",
    "AutoPublishCodeSha256",
    "VersionDescription",
    "DeploymentPreference",
    "SnapStart",
    "CodeSigningConfigArn",
];

/// A function and the rules its `EventBridgeRule` events make.
pub fn build(
    ctx: &Context,
    id: &str,
    raw: &RawResource,
    props: &Obj,
) -> Result<(Function, Vec<Rule>, Vec<TemplateSchedule>), TemplateError> {
    let r = &ctx.resolver;
    props.check(SUPPORTED, AWS_ONLY)?;
    let name = r.physical_name(id, &props.at("FunctionName"))?;
    let arn = pseudo::lambda_function_arn(&name);
    let code_uri = match props.value(r, "CodeUri")? {
        Some(Value::String(uri)) => PathBuf::from(uri),
        Some(_) => {
            return Err(TemplateError::unsupported(
                props.at("CodeUri"),
                "code in S3; give a local directory",
            ));
        }
        None => {
            return Err(TemplateError::unsupported(
                props.at("CodeUri"),
                "a function without CodeUri (inline or image code)",
            ));
        }
    };
    let binary = raw
        .metadata
        .pointer("/BuildProperties/Binary")
        .and_then(scalar)
        .or_else(|| {
            code_uri
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| id.to_owned());

    let mut environment = BTreeMap::new();
    if let Some(env) = props.obj(r, "Environment")? {
        env.check(&["Variables"], &[])?;
        if let Some(vars) = env.obj(r, "Variables")? {
            for (key, value) in &vars.map {
                let value = scalar(value).ok_or_else(|| {
                    TemplateError::invalid(vars.at(key), format!("expected a string, got {value}"))
                })?;
                environment.insert(key.clone(), value);
            }
        }
    }

    let (mut log_level, mut log_format, mut log_group) = (None, None, None);
    if let Some(logging) = props.obj(r, "LoggingConfig")? {
        logging.check(
            &["LogFormat", "ApplicationLogLevel", "LogGroup"],
            &["SystemLogLevel"],
        )?;
        log_level = logging.string(r, "ApplicationLogLevel")?;
        log_format = logging.string(r, "LogFormat")?;
        log_group = logging.string(r, "LogGroup")?;
    }

    // The role it runs as: `Role`, else the execution role SAM makes (`<LogicalId>Role`).
    let role_arn = match props.string(r, "Role")? {
        Some(arn) => arn,
        None => r
            .get_att(&format!("{id}Role"), "Arn", &props.at("Role"))?
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };

    let mut function = Function {
        logical_id: id.to_owned(),
        role_arn,
        log_group: log_group.unwrap_or_else(|| format!("/aws/lambda/{name}")),
        name,
        arn: arn.clone(),
        code_uri,
        binary,
        handler: props.string(r, "Handler")?,
        runtime: props.string(r, "Runtime")?,
        timeout_secs: props.u32(r, "Timeout")?.unwrap_or(3),
        memory_mb: props.u32(r, "MemorySize")?.unwrap_or(128),
        environment,
        log_level,
        log_format,
        sqs_event_sources: Vec::new(),
        stream_event_sources: Vec::new(),
        http_routes: Vec::new(),
        async_invoke: async_invoke(ctx, props)?,
    };

    let mut rules = Vec::new();
    let mut schedules = Vec::new();
    if let Some(events) = props.obj(r, "Events")? {
        for (event_name, event) in &events.map {
            let at = events.at(event_name);
            let event = match event {
                Value::Object(map) => Obj::new(at.clone(), map.clone()),
                _ => return Err(TemplateError::invalid(at, "expected a mapping")),
            };
            event.check(&["Type", "Properties"], &[])?;
            let kind = event.required_string(r, "Type")?;
            let properties = event
                .obj(r, "Properties")?
                .unwrap_or_else(|| Obj::new(event.at("Properties"), Default::default()));
            match kind.as_str() {
                "SQS" => function
                    .sqs_event_sources
                    .push(sqs_event(ctx, event_name, &properties)?),
                "Kinesis" => function.stream_event_sources.push(stream_event(
                    ctx,
                    event_name,
                    &properties,
                    TargetKind::Stream,
                )?),
                "DynamoDB" => function.stream_event_sources.push(stream_event(
                    ctx,
                    event_name,
                    &properties,
                    TargetKind::TableStream,
                )?),
                "HttpApi" => function
                    .http_routes
                    .push(http_event(ctx, event_name, &properties)?),
                "ScheduleV2" => schedules.push(super::schedules::schedule_v2(
                    ctx,
                    id,
                    event_name,
                    &properties,
                    &arn,
                )?),
                "EventBridgeRule" => rules.push(eventbridge_rule(
                    ctx,
                    id,
                    event_name,
                    &properties,
                    TargetRef {
                        kind: TargetKind::Function,
                        logical_id: id.to_owned(),
                        arn: arn.clone(),
                    },
                )?),
                other => {
                    return Err(TemplateError::unsupported(
                        event.at("Type"),
                        format!("event source {other}"),
                    ));
                }
            }
        }
    }
    Ok((function, rules, schedules))
}

fn sqs_event(ctx: &Context, name: &str, p: &Obj) -> Result<SqsEventSource, TemplateError> {
    let r = &ctx.resolver;
    p.check(
        &[
            "Queue",
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "FunctionResponseTypes",
            "ScalingConfig",
            "Enabled",
        ],
        &["KmsKeyArn", "MetricsConfig"],
    )?;
    let queue_arn = p.required_string(r, "Queue")?;
    let queue = ctx.target_of(&queue_arn, &[TargetKind::Queue], &p.at("Queue"))?;
    let response_types = response_types(ctx, p)?;
    let maximum_concurrency = match p.obj(r, "ScalingConfig")? {
        None => None,
        Some(scaling) => {
            scaling.check(&["MaximumConcurrency"], &[])?;
            scaling.u32(r, "MaximumConcurrency")?
        }
    };
    Ok(SqsEventSource {
        name: name.to_owned(),
        queue: queue.logical_id,
        queue_arn,
        batch_size: p.u32(r, "BatchSize")?.unwrap_or(10),
        maximum_batching_window_secs: p.u32(r, "MaximumBatchingWindowInSeconds")?.unwrap_or(0),
        report_batch_item_failures: !response_types.is_empty(),
        maximum_concurrency,
        enabled: p.bool(r, "Enabled")?.unwrap_or(true),
    })
}

/// A SAM `Kinesis` or `DynamoDB` event: an event source mapping of a stream of the
/// template (a Kinesis stream, or a table's stream: `kind`), checked against the ranges
/// CreateEventSourceMapping accepts.
fn stream_event(
    ctx: &Context,
    name: &str,
    p: &Obj,
    kind: TargetKind,
) -> Result<StreamEventSource, TemplateError> {
    use crate::runtime::streams::{StartingPosition, StreamSourceConfig};
    let r = &ctx.resolver;
    p.check(
        &[
            "Stream",
            "StartingPosition",
            "StartingPositionTimestamp",
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "BisectBatchOnFunctionError",
            "MaximumRetryAttempts",
            "MaximumRecordAgeInSeconds",
            "ParallelizationFactor",
            "TumblingWindowInSeconds",
            "FunctionResponseTypes",
            "DestinationConfig",
            "Enabled",
        ],
        &["KmsKeyArn", "MetricsConfig"],
    )?;
    let stream_arn = p.required_string(r, "Stream")?;
    let stream = ctx.target_of(&stream_arn, &[kind], &p.at("Stream"))?;
    let int = |key: &str, min: i64, max: i64| p.int_in(r, key, min, max);
    let starting_position = match p.required_string(r, "StartingPosition")?.as_str() {
        "TRIM_HORIZON" => StartingPosition::TrimHorizon,
        "LATEST" => StartingPosition::Latest,
        "AT_TIMESTAMP" if kind == TargetKind::Stream => {
            let seconds =
                int("StartingPositionTimestamp", i64::MIN, i64::MAX)?.ok_or_else(|| {
                    TemplateError::invalid(
                        p.at("StartingPositionTimestamp"),
                        "AT_TIMESTAMP needs a StartingPositionTimestamp",
                    )
                })?;
            StartingPosition::AtTimestamp(seconds.saturating_mul(1000))
        }
        other => {
            return Err(TemplateError::invalid(
                p.at("StartingPosition"),
                format!("{other}: expected TRIM_HORIZON, LATEST or AT_TIMESTAMP"),
            ));
        }
    };
    let record_age = int("MaximumRecordAgeInSeconds", -1, 604_800)?;
    if record_age.is_some_and(|age| (0..60).contains(&age)) {
        return Err(TemplateError::invalid(
            p.at("MaximumRecordAgeInSeconds"),
            "expected -1, or 60 to 604800",
        ));
    }
    let retries = int("MaximumRetryAttempts", -1, 10_000)?;
    let response_types = response_types(ctx, p)?;
    let on_failure = match p.obj(r, "DestinationConfig")? {
        None => None,
        Some(config) => {
            config.check(&["OnFailure"], &[])?;
            match config.obj(r, "OnFailure")? {
                None => None,
                Some(on_failure) => {
                    on_failure.check(&["Destination", "Type"], &[])?;
                    let arn = on_failure.required_string(r, "Destination")?;
                    Some(ctx.target_of(
                        &arn,
                        &[TargetKind::Queue],
                        &on_failure.at("Destination"),
                    )?)
                }
            }
        }
    };
    let config = StreamSourceConfig {
        starting_position,
        batch_size: int("BatchSize", 1, 10_000)?.unwrap_or(100) as usize,
        batching_window_ms: int("MaximumBatchingWindowInSeconds", 0, 300)?.unwrap_or(0) * 1000,
        bisect_on_error: p.bool(r, "BisectBatchOnFunctionError")?.unwrap_or(false),
        maximum_retry_attempts: retries.filter(|n| *n >= 0).map(|n| n as u32),
        maximum_record_age_ms: record_age.filter(|n| *n >= 0).map(|n| n * 1000),
        parallelization_factor: int("ParallelizationFactor", 1, 10)?.unwrap_or(1) as u32,
        tumbling_window_ms: int("TumblingWindowInSeconds", 0, 900)?
            .filter(|n| *n > 0)
            .map(|n| n * 1000),
        report_batch_item_failures: !response_types.is_empty(),
    };
    Ok(StreamEventSource {
        name: name.to_owned(),
        stream: stream.logical_id,
        stream_arn,
        config,
        on_failure,
        enabled: p.bool(r, "Enabled")?.unwrap_or(true),
    })
}

/// `FunctionResponseTypes` of an event source mapping: `ReportBatchItemFailures` is the
/// only one Lambda has.
fn response_types(ctx: &Context, p: &Obj) -> Result<Vec<String>, TemplateError> {
    let response_types = p.strings(&ctx.resolver, "FunctionResponseTypes")?;
    if let Some(other) = response_types
        .iter()
        .find(|t| t.as_str() != "ReportBatchItemFailures")
    {
        return Err(TemplateError::invalid(
            p.at("FunctionResponseTypes"),
            format!("unknown response type {other}"),
        ));
    }
    Ok(response_types)
}

fn http_event(ctx: &Context, name: &str, p: &Obj) -> Result<HttpRoute, TemplateError> {
    let r = &ctx.resolver;
    p.check(
        &[
            "ApiId",
            "Path",
            "Method",
            "PayloadFormatVersion",
            "Auth",
            "TimeoutInMillis",
        ],
        &["RouteSettings"],
    )?;
    if let Some(version) = p.string(r, "PayloadFormatVersion")?
        && version != "2.0"
    {
        return Err(TemplateError::unsupported(
            p.at("PayloadFormatVersion"),
            format!("payload format {version}; the local HTTP API speaks 2.0"),
        ));
    }
    // ApiId resolves to the API's generated id; the model keeps the API's logical id.
    let api = match p.string(r, "ApiId")? {
        None => IMPLICIT_HTTP_API.to_owned(),
        Some(api_id) => http_api_with_id(ctx, &api_id).ok_or_else(|| {
            TemplateError::unsupported(
                p.at("ApiId"),
                format!("{api_id} is not an AWS::Serverless::HttpApi of this template"),
            )
        })?,
    };
    let authorizer = match p.obj(r, "Auth")? {
        None => None,
        Some(auth) => {
            auth.check(&["Authorizer"], &[])?;
            match auth.string(r, "Authorizer")? {
                Some(name) if name == "AWS_IAM" || name == "NONE" => Some(name),
                Some(other) => {
                    return Err(TemplateError::unsupported(
                        auth.at("Authorizer"),
                        format!("authorizer {other}; the local cloud knows only AWS_IAM and NONE"),
                    ));
                }
                None => None,
            }
        }
    };
    // API Gateway's integration timeout: 50 ms to 30 s, 30 s when not set.
    let timeout_ms = match p.u32(r, "TimeoutInMillis")? {
        None => 30_000,
        Some(ms) if (50..=30_000).contains(&ms) => ms,
        Some(ms) => {
            return Err(TemplateError::invalid(
                p.at("TimeoutInMillis"),
                format!("{ms} is not between 50 and 30000"),
            ));
        }
    };
    let path = p.string(r, "Path")?;
    if let Some(path) = &path
        && !path.starts_with('/')
    {
        return Err(TemplateError::invalid(
            p.at("Path"),
            format!("{path:?} does not start with /"),
        ));
    }
    Ok(HttpRoute {
        name: name.to_owned(),
        api,
        path,
        method: p
            .string(r, "Method")?
            .map_or_else(|| "ANY".to_owned(), |m| m.to_uppercase()),
        authorizer,
        timeout_ms,
    })
}

fn eventbridge_rule(
    ctx: &Context,
    function_id: &str,
    event_name: &str,
    p: &Obj,
    target: TargetRef,
) -> Result<Rule, TemplateError> {
    let r = &ctx.resolver;
    p.check(
        &[
            "Pattern",
            "EventBusName",
            "Input",
            "InputPath",
            "InputTransformer",
            "RetryPolicy",
            "DeadLetterConfig",
            "Target",
            "RuleName",
            "State",
        ],
        &[],
    )?;
    let logical_id = format!("{function_id}{event_name}");
    let event_bus_name = rules::bus_name(p.string(r, "EventBusName")?);
    let name = p
        .string(r, "RuleName")?
        .unwrap_or_else(|| format!("{}-{logical_id}", pseudo::STACK_NAME));
    let pattern = p
        .value(r, "Pattern")?
        .ok_or_else(|| TemplateError::invalid(p.at("Pattern"), "is required"))?;
    let target_id = match p.obj(r, "Target")? {
        None => None,
        Some(t) => {
            t.check(&["Id"], &[])?;
            t.string(r, "Id")?
        }
    }
    .unwrap_or_else(|| format!("{logical_id}LambdaTarget"));
    Ok(Rule {
        arn: pseudo::event_rule_arn(&event_bus_name, &name),
        name,
        event_bus: ctx.bus_id(&event_bus_name),
        event_bus_name,
        event_pattern: rules::pattern_text(pattern, &p.at("Pattern"))?,
        enabled: rules::enabled(p.string(r, "State")?, &p.at("State"))?,
        description: None,
        schedule_expression: None,
        targets: vec![RuleTarget {
            id: target_id,
            input: p.string(r, "Input")?,
            input_path: p.string(r, "InputPath")?,
            input_transformer: rules::input_transformer(ctx, p)?,
            retry_policy: rules::retry_policy(ctx, p)?,
            dead_letter_queue: rules::dead_letter(ctx, p)?,
            sqs_message_group_id: None,
            kinesis_partition_key_path: None,
            role_arn: None,
            target,
        }],
        logical_id,
        created_by: None,
    })
}

fn async_invoke(ctx: &Context, props: &Obj) -> Result<AsyncInvokeConfig, TemplateError> {
    let r = &ctx.resolver;
    let mut config = AsyncInvokeConfig::default();
    if let Some(invoke) = props.obj(r, "EventInvokeConfig")? {
        invoke.check(
            &[
                "MaximumRetryAttempts",
                "MaximumEventAgeInSeconds",
                "DestinationConfig",
            ],
            &[],
        )?;
        if let Some(n) = invoke.u32(r, "MaximumRetryAttempts")? {
            config.maximum_retry_attempts = n;
        }
        if let Some(n) = invoke.u32(r, "MaximumEventAgeInSeconds")? {
            config.maximum_event_age_secs = n;
        }
        if let Some(destinations) = invoke.obj(r, "DestinationConfig")? {
            destinations.check(&["OnSuccess", "OnFailure"], &[])?;
            config.on_success = destination(ctx, &destinations, "OnSuccess")?;
            config.on_failure = destination(ctx, &destinations, "OnFailure")?;
        }
    }
    if let Some(dlq) = props.obj(r, "DeadLetterQueue")? {
        dlq.check(&["Type", "TargetArn"], &[])?;
        let kind = dlq.required_string(r, "Type")?;
        if kind != "SQS" {
            return Err(TemplateError::unsupported(
                dlq.at("Type"),
                format!("dead-letter queue of type {kind}"),
            ));
        }
        let arn = dlq.required_string(r, "TargetArn")?;
        config.dead_letter_queue =
            Some(ctx.target_of(&arn, &[TargetKind::Queue], &dlq.at("TargetArn"))?);
    }
    Ok(config)
}

fn destination(ctx: &Context, config: &Obj, key: &str) -> Result<Option<TargetRef>, TemplateError> {
    let r = &ctx.resolver;
    let Some(d) = config.obj(r, key)? else {
        return Ok(None);
    };
    d.check(&["Type", "Destination"], &[])?;
    let kind = d.required_string(r, "Type")?;
    let expected = match kind.as_str() {
        "SQS" => TargetKind::Queue,
        "Lambda" => TargetKind::Function,
        "EventBridge" => TargetKind::EventBus,
        other => {
            return Err(TemplateError::unsupported(
                d.at("Type"),
                format!("destination of type {other}"),
            ));
        }
    };
    let arn = d.string(r, "Destination")?.ok_or_else(|| {
        TemplateError::unsupported(
            d.at("Destination"),
            "a destination SAM would create; name a resource of the template",
        )
    })?;
    ctx.target_of(&arn, &[expected], &d.at("Destination"))
        .map(Some)
}

fn http_api_with_id(ctx: &Context, api_id: &str) -> Option<String> {
    let r = &ctx.resolver;
    r.resources
        .iter()
        .filter(|(_, raw)| raw.resource_type == "AWS::Serverless::HttpApi")
        .map(|(id, _)| id)
        .find(|id| {
            r.get_att(id, "ApiId", id)
                .ok()
                .is_some_and(|v| v.as_str() == Some(api_id))
        })
        .cloned()
}
