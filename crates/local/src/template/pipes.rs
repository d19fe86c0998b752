//! `AWS::Pipes::Pipe`: a source (a table's stream, a Kinesis stream or a queue), filters,
//! an optional enrichment and a target, with their parameters checked against the ranges
//! the Pipes API accepts.

use super::context::Context;
use super::error::TemplateError;
use super::model::{TargetKind, TargetRef};
use super::props::Obj;
use super::pseudo;
use crate::runtime::streams::{StartingPosition, StreamSourceConfig};

/// Most filters a pipe takes.
pub const MAX_FILTERS: usize = 5;
/// Longest filter pattern.
pub const MAX_PATTERN_LENGTH: usize = 4096;

/// Where a pipe reads.
#[derive(Debug, Clone, PartialEq)]
pub enum PipeSource {
    /// A table's stream or a Kinesis stream, read as an event source mapping reads it.
    Stream {
        /// The stream.
        stream: TargetRef,
        /// Batching, retries, record age, bisecting, parallelization.
        config: StreamSourceConfig,
        /// `DeadLetterConfig.Arn`: where a batch given up on is described.
        dead_letter: Option<TargetRef>,
    },
    /// A queue: failed messages return to it, and its redrive policy applies.
    Queue {
        /// The queue.
        queue: TargetRef,
        /// `BatchSize` (1 to 10,000; 10 by default).
        batch_size: usize,
        /// `MaximumBatchingWindowInSeconds`, in milliseconds.
        batching_window_ms: i64,
    },
}

impl PipeSource {
    /// The source's ARN.
    pub fn arn(&self) -> &str {
        match self {
            PipeSource::Stream { stream, .. } => &stream.arn,
            PipeSource::Queue { queue, .. } => &queue.arn,
        }
    }
}

/// How a function or state machine target is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Synchronously: the pipe waits for the answer (the default).
    RequestResponse,
    /// Asynchronously.
    FireAndForget,
}

/// What a pipe's target parameters say besides the input template. A string that is a
/// JSON path (`$.…`) is read from each event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetParameters {
    /// `InputTemplate`.
    pub input_template: Option<String>,
    /// `EventBridgeEventBusParameters.Source`.
    pub source: Option<String>,
    /// `EventBridgeEventBusParameters.DetailType`.
    pub detail_type: Option<String>,
    /// `EventBridgeEventBusParameters.Resources`.
    pub resources: Vec<String>,
    /// `EventBridgeEventBusParameters.Time`.
    pub time: Option<String>,
    /// `SqsQueueParameters.MessageGroupId`.
    pub message_group_id: Option<String>,
    /// `SqsQueueParameters.MessageDeduplicationId`.
    pub message_deduplication_id: Option<String>,
    /// `LambdaFunctionParameters` or `StepFunctionStateMachineParameters` `InvocationType`.
    pub invocation_type: Option<InvocationType>,
}

/// `AWS::Pipes::Pipe`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipe {
    /// Its logical id.
    pub logical_id: String,
    /// `Name`, else the name the local stack gives it.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `Source` and its parameters.
    pub source: PipeSource,
    /// `FilterCriteria.Filters[].Pattern`: a record passes if any matches (all pass when
    /// there are none).
    pub filters: Vec<String>,
    /// `Enrichment`: a function, or an Express state machine, given each batch.
    pub enrichment: Option<TargetRef>,
    /// `EnrichmentParameters.InputTemplate`.
    pub enrichment_template: Option<String>,
    /// `Target`.
    pub target: TargetRef,
    /// `TargetParameters`.
    pub target_parameters: TargetParameters,
    /// `DesiredState` is RUNNING (the default).
    pub running: bool,
    /// `LogConfiguration.CloudwatchLogsLogDestination.LogGroupArn`'s group name.
    pub log_group: Option<String>,
}

/// The ARN of a pipe of this account and region.
pub fn pipe_arn(name: &str) -> String {
    format!(
        "arn:{}:pipes:{}:{}:pipe/{name}",
        pseudo::PARTITION,
        pseudo::REGION,
        pseudo::ACCOUNT_ID
    )
}

/// `AWS::Pipes::Pipe`.
pub fn pipe(ctx: &Context, id: &str, props: &Obj) -> Result<Pipe, TemplateError> {
    let r = &ctx.resolver;
    props.check(
        &[
            "Name",
            "RoleArn",
            "Source",
            "SourceParameters",
            "Enrichment",
            "EnrichmentParameters",
            "Target",
            "TargetParameters",
            "DesiredState",
            "LogConfiguration",
        ],
        &["Description", "KmsKeyIdentifier", "Tags"],
    )?;
    props.required_string(r, "RoleArn")?;
    let name = r.physical_name(id, &props.at("Name"))?;
    let source_arn = props.required_string(r, "Source")?;
    let source = ctx.target_of(
        &source_arn,
        &[
            TargetKind::TableStream,
            TargetKind::Stream,
            TargetKind::Queue,
        ],
        &props.at("Source"),
    )?;
    let parameters = props.obj(r, "SourceParameters")?;
    let empty = || Obj::new(props.at("SourceParameters"), Default::default());
    let parameters = parameters.unwrap_or_else(empty);
    parameters.check(
        &[
            "FilterCriteria",
            "DynamoDBStreamParameters",
            "KinesisStreamParameters",
            "SqsQueueParameters",
        ],
        &[],
    )?;
    let filters = filters(ctx, &parameters)?;
    let source = match source.kind {
        TargetKind::Queue => queue_source(ctx, &parameters, source)?,
        kind => stream_source(ctx, &parameters, source, kind)?,
    };
    let enrichment = match props.string(r, "Enrichment")? {
        None => None,
        Some(arn) => Some(ctx.target_of(
            &arn,
            &[TargetKind::Function, TargetKind::StateMachine],
            &props.at("Enrichment"),
        )?),
    };
    let enrichment_template = match props.obj(r, "EnrichmentParameters")? {
        None => None,
        Some(p) => {
            p.check(&["InputTemplate"], &["HttpParameters"])?;
            p.string(r, "InputTemplate")?
        }
    };
    let target_arn = props.required_string(r, "Target")?;
    let target = ctx.target_of(
        &target_arn,
        &[
            TargetKind::EventBus,
            TargetKind::Queue,
            TargetKind::Function,
            TargetKind::StateMachine,
        ],
        &props.at("Target"),
    )?;
    let target_parameters = match props.obj(r, "TargetParameters")? {
        None => TargetParameters::default(),
        Some(p) => target_parameters(ctx, &p, &target)?,
    };
    let running = match props.string(r, "DesiredState")?.as_deref() {
        None | Some("RUNNING") => true,
        Some("STOPPED") => false,
        Some(other) => {
            return Err(TemplateError::invalid(
                props.at("DesiredState"),
                format!("{other}: expected RUNNING or STOPPED"),
            ));
        }
    };
    let log_group = match props.obj(r, "LogConfiguration")? {
        None => None,
        Some(log) => {
            log.check(
                &[
                    "CloudwatchLogsLogDestination",
                    "Level",
                    "IncludeExecutionData",
                ],
                &["FirehoseLogDestination", "S3LogDestination"],
            )?;
            match log.string(r, "Level")?.as_deref() {
                None | Some("OFF" | "ERROR" | "INFO" | "TRACE") => {}
                Some(other) => {
                    return Err(TemplateError::invalid(
                        log.at("Level"),
                        format!("{other}: expected OFF, ERROR, INFO or TRACE"),
                    ));
                }
            }
            match log.obj(r, "CloudwatchLogsLogDestination")? {
                None => None,
                Some(d) => {
                    d.check(&["LogGroupArn"], &[])?;
                    d.string(r, "LogGroupArn")?.map(|arn| log_group_name(&arn))
                }
            }
        }
    };
    Ok(Pipe {
        logical_id: id.to_owned(),
        arn: pipe_arn(&name),
        name,
        source,
        filters,
        enrichment,
        enrichment_template,
        target,
        target_parameters,
        running,
        log_group,
    })
}

/// The group name of a log group ARN (`…:log-group:NAME` or `…:log-group:NAME:*`).
fn log_group_name(arn: &str) -> String {
    let rest = arn.split_once(":log-group:").map_or(arn, |(_, rest)| rest);
    rest.strip_suffix(":*").unwrap_or(rest).to_owned()
}

fn filters(ctx: &Context, parameters: &Obj) -> Result<Vec<String>, TemplateError> {
    let r = &ctx.resolver;
    let Some(criteria) = parameters.obj(r, "FilterCriteria")? else {
        return Ok(Vec::new());
    };
    criteria.check(&["Filters"], &[])?;
    let filters = criteria.objs(r, "Filters")?;
    if filters.len() > MAX_FILTERS {
        return Err(TemplateError::invalid(
            criteria.at("Filters"),
            format!(
                "{} filters; a pipe takes at most {MAX_FILTERS}",
                filters.len()
            ),
        ));
    }
    filters
        .iter()
        .map(|filter| {
            filter.check(&["Pattern"], &[])?;
            let pattern = filter.required_string(r, "Pattern")?;
            if pattern.len() > MAX_PATTERN_LENGTH {
                return Err(TemplateError::invalid(
                    filter.at("Pattern"),
                    format!("longer than {MAX_PATTERN_LENGTH} characters"),
                ));
            }
            event_pattern::Pattern::parse(&pattern)
                .map_err(|e| TemplateError::invalid(filter.at("Pattern"), e.to_string()))?;
            Ok(pattern)
        })
        .collect()
}

fn queue_source(
    ctx: &Context,
    parameters: &Obj,
    queue: TargetRef,
) -> Result<PipeSource, TemplateError> {
    let r = &ctx.resolver;
    let (batch_size, batching_window_ms) = match parameters.obj(r, "SqsQueueParameters")? {
        None => (10, 0),
        Some(p) => {
            p.check(&["BatchSize", "MaximumBatchingWindowInSeconds"], &[])?;
            (
                p.int_in(&ctx.resolver, "BatchSize", 1, 10_000)?
                    .unwrap_or(10) as usize,
                p.int_in(&ctx.resolver, "MaximumBatchingWindowInSeconds", 0, 300)?
                    .unwrap_or(0)
                    * 1000,
            )
        }
    };
    Ok(PipeSource::Queue {
        queue,
        batch_size,
        batching_window_ms,
    })
}

fn stream_source(
    ctx: &Context,
    parameters: &Obj,
    stream: TargetRef,
    kind: TargetKind,
) -> Result<PipeSource, TemplateError> {
    let r = &ctx.resolver;
    let key = if kind == TargetKind::TableStream {
        "DynamoDBStreamParameters"
    } else {
        "KinesisStreamParameters"
    };
    let p = parameters.obj(r, key)?.ok_or_else(|| {
        TemplateError::invalid(
            parameters.at(key),
            "a stream source needs its StartingPosition",
        )
    })?;
    p.check(
        &[
            "StartingPosition",
            "StartingPositionTimestamp",
            "BatchSize",
            "MaximumBatchingWindowInSeconds",
            "MaximumRecordAgeInSeconds",
            "MaximumRetryAttempts",
            "OnPartialBatchItemFailure",
            "ParallelizationFactor",
            "DeadLetterConfig",
        ],
        &[],
    )?;
    let starting_position = match p.required_string(r, "StartingPosition")?.as_str() {
        "TRIM_HORIZON" => StartingPosition::TrimHorizon,
        "LATEST" => StartingPosition::Latest,
        "AT_TIMESTAMP" if kind == TargetKind::Stream => {
            let seconds = p
                .int_in(
                    &ctx.resolver,
                    "StartingPositionTimestamp",
                    0,
                    i64::MAX / 1000,
                )?
                .ok_or_else(|| {
                    TemplateError::invalid(
                        p.at("StartingPositionTimestamp"),
                        "AT_TIMESTAMP needs a StartingPositionTimestamp",
                    )
                })?;
            StartingPosition::AtTimestamp(seconds * 1000)
        }
        other => {
            return Err(TemplateError::invalid(
                p.at("StartingPosition"),
                format!("{other}: not a starting position of this source"),
            ));
        }
    };
    let bisect = match p.string(r, "OnPartialBatchItemFailure")?.as_deref() {
        None => false,
        Some("AUTOMATIC_BISECT") => true,
        Some(other) => {
            return Err(TemplateError::invalid(
                p.at("OnPartialBatchItemFailure"),
                format!("{other}: expected AUTOMATIC_BISECT"),
            ));
        }
    };
    let dead_letter = match p.obj(r, "DeadLetterConfig")? {
        None => None,
        Some(d) => {
            d.check(&["Arn"], &[])?;
            match d.string(r, "Arn")? {
                None => None,
                Some(arn) => Some(ctx.target_of(&arn, &[TargetKind::Queue], &d.at("Arn"))?),
            }
        }
    };
    let config = StreamSourceConfig {
        starting_position,
        batch_size: p
            .int_in(&ctx.resolver, "BatchSize", 1, 10_000)?
            .unwrap_or(100) as usize,
        batching_window_ms: p
            .int_in(&ctx.resolver, "MaximumBatchingWindowInSeconds", 0, 300)?
            .unwrap_or(0)
            * 1000,
        // Pipes report a failed record and split on it only when asked.
        bisect_on_error: bisect,
        maximum_retry_attempts: p
            .int_in(&ctx.resolver, "MaximumRetryAttempts", -1, 10_000)?
            .filter(|n| *n >= 0)
            .map(|n| n as u32),
        maximum_record_age_ms: p
            .int_in(&ctx.resolver, "MaximumRecordAgeInSeconds", -1, 604_800)?
            .filter(|n| *n >= 0)
            .map(|n| n * 1000),
        parallelization_factor: p
            .int_in(&ctx.resolver, "ParallelizationFactor", 1, 10)?
            .unwrap_or(1) as u32,
        tumbling_window_ms: None,
        report_batch_item_failures: true,
    };
    Ok(PipeSource::Stream {
        stream,
        config,
        dead_letter,
    })
}

fn target_parameters(
    ctx: &Context,
    p: &Obj,
    target: &TargetRef,
) -> Result<TargetParameters, TemplateError> {
    let r = &ctx.resolver;
    p.check(
        &[
            "InputTemplate",
            "EventBridgeEventBusParameters",
            "SqsQueueParameters",
            "LambdaFunctionParameters",
            "StepFunctionStateMachineParameters",
        ],
        &[],
    )?;
    let mut out = TargetParameters {
        input_template: p.string(r, "InputTemplate")?,
        ..TargetParameters::default()
    };
    let for_kind = |key: &str, kind: TargetKind| -> Result<Option<Obj>, TemplateError> {
        let found = p.obj(r, key)?;
        if found.is_some() && target.kind != kind {
            return Err(TemplateError::invalid(
                p.at(key),
                format!("the target is a {:?}, not a {kind:?}", target.kind),
            ));
        }
        Ok(found)
    };
    if let Some(bus) = for_kind("EventBridgeEventBusParameters", TargetKind::EventBus)? {
        bus.check(
            &["Source", "DetailType", "Resources", "Time"],
            &["EndpointId"],
        )?;
        out.source = bus.string(r, "Source")?;
        if out.source.as_deref().is_some_and(|s| s.starts_with("aws.")) {
            return Err(TemplateError::invalid(
                bus.at("Source"),
                "a pipe may not put an event whose source starts with aws.",
            ));
        }
        out.detail_type = bus.string(r, "DetailType")?;
        out.resources = bus.strings(r, "Resources")?;
        out.time = bus.string(r, "Time")?;
    }
    if let Some(sqs) = for_kind("SqsQueueParameters", TargetKind::Queue)? {
        sqs.check(&["MessageGroupId", "MessageDeduplicationId"], &[])?;
        out.message_group_id = sqs.string(r, "MessageGroupId")?;
        out.message_deduplication_id = sqs.string(r, "MessageDeduplicationId")?;
    }
    let invocation = |o: &Obj| -> Result<Option<InvocationType>, TemplateError> {
        o.check(&["InvocationType"], &[])?;
        match o.string(r, "InvocationType")?.as_deref() {
            None | Some("REQUEST_RESPONSE") => Ok(Some(InvocationType::RequestResponse)),
            Some("FIRE_AND_FORGET") => Ok(Some(InvocationType::FireAndForget)),
            Some(other) => Err(TemplateError::invalid(
                o.at("InvocationType"),
                format!("{other}: expected REQUEST_RESPONSE or FIRE_AND_FORGET"),
            )),
        }
    };
    if let Some(lambda) = for_kind("LambdaFunctionParameters", TargetKind::Function)? {
        out.invocation_type = invocation(&lambda)?;
    }
    if let Some(sfn) = for_kind(
        "StepFunctionStateMachineParameters",
        TargetKind::StateMachine,
    )? {
        out.invocation_type = invocation(&sfn)?;
    }
    Ok(out)
}
