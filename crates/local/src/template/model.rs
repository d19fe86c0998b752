//! The typed model of the stack: every resource the local cloud runs, with intrinsics resolved
//! and references turned into logical ids. It is built from `template.yaml` alone; the runtime
//! keeps no second list of wiring.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::sqs::QueueConfig;

/// The whole stack as the local cloud runs it. Maps are keyed by logical id.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The directory of the template; `CodeUri` and `DefinitionUri` are relative to it.
    pub template_dir: PathBuf,
    /// `AWS::StackName`.
    pub stack_name: String,
    /// `AWS::Region`: the local cloud's one region.
    pub region: String,
    /// `AWS::AccountId`: the local cloud's one account.
    pub account_id: String,
    /// Parameter values (strings, or lists of strings for list parameters).
    pub parameters: BTreeMap<String, serde_json::Value>,
    /// Lambda functions.
    pub functions: BTreeMap<String, Function>,
    /// SQS queues.
    pub queues: BTreeMap<String, Queue>,
    /// Kinesis data streams.
    pub streams: BTreeMap<String, KinesisStream>,
    /// EventBridge buses declared in the stack (the default bus is not among them).
    pub buses: BTreeMap<String, EventBus>,
    /// The name of the bus the template declares first: where a caller that names no bus
    /// of its own puts (the chaos traffic, a publisher without `EVENT_BUS_NAME`).
    pub home_bus: Option<String>,
    /// Each bus's resource policy, by bus name: its `AWS::Events::EventBusPolicy`
    /// statements and its `Policy` property's. PutEvents is authorized against it.
    pub bus_policies: BTreeMap<String, Vec<crate::iam::Statement>>,
    /// EventBridge rules, SAM's generated ones included.
    pub rules: BTreeMap<String, Rule>,
    /// EventBridge archives.
    pub archives: BTreeMap<String, Archive>,
    /// Step Functions state machines.
    pub state_machines: BTreeMap<String, StateMachine>,
    /// DynamoDB tables.
    pub tables: BTreeMap<String, Table>,
    /// EventBridge Scheduler's schedules, by logical id.
    pub schedules: BTreeMap<String, TemplateSchedule>,
    /// HTTP APIs.
    pub http_apis: BTreeMap<String, HttpApi>,
    /// CloudWatch Logs log groups (also listed as not emulated: only their retention is).
    pub log_groups: BTreeMap<String, LogGroup>,
    /// `AWS::Pipes::Pipe` by logical id.
    pub pipes: BTreeMap<String, super::pipes::Pipe>,
    /// Resources that only matter on AWS (alarms, log groups, IAM, policies …), accepted and
    /// not run.
    pub not_emulated: Vec<NotEmulated>,
    /// Resources whose Condition is false: not part of this stack.
    pub excluded_by_condition: Vec<String>,
    /// Outputs, resolved.
    pub outputs: BTreeMap<String, String>,
}

/// An `AWS::Logs::LogGroup`: the local cloud keeps its lines for its retention period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroup {
    /// The resource's logical id.
    pub logical_id: String,
    /// `LogGroupName` (else the name CloudFormation would generate).
    pub name: String,
    /// `RetentionInDays`; `None` keeps lines forever, as CloudWatch Logs does.
    pub retention_days: Option<u32>,
}

/// An `AWS::Kinesis::Stream`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinesisStream {
    /// The resource's logical id.
    pub logical_id: String,
    /// `Name` (else the name CloudFormation would generate).
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `StreamModeDetails.StreamMode`: on demand unless `PROVISIONED`, or unless only
    /// `ShardCount` is given.
    pub on_demand: bool,
    /// `ShardCount` of a provisioned stream.
    pub shard_count: u32,
    /// `RetentionPeriodHours` (24 when not given).
    pub retention_hours: u32,
    /// `StreamEncryption.KeyId`, when the stream is encrypted.
    pub kms_key_id: Option<String>,
}

/// A resource accepted but not run locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotEmulated {
    /// The resource's logical id.
    pub logical_id: String,
    /// Its CloudFormation type, e.g. `AWS::CloudWatch::Alarm`.
    pub resource_type: String,
}

/// What kind of resource an ARN names (a rule target, a destination, a dead-letter queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// An SQS queue.
    Queue,
    /// A Lambda function.
    Function,
    /// A Step Functions state machine.
    StateMachine,
    /// An EventBridge bus.
    EventBus,
    /// A Kinesis data stream.
    Stream,
    /// A DynamoDB table's stream.
    TableStream,
}

/// A resource of the stack named by ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRef {
    /// What kind of resource it is.
    pub kind: TargetKind,
    /// Its logical id in the template.
    pub logical_id: String,
    /// The ARN that named it.
    pub arn: String,
}

/// `AWS::Serverless::Function`, Globals merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// The function's logical id.
    pub logical_id: String,
    /// `FunctionName`, else the name the local stack gives it
    /// (`orderly-<LogicalId>`).
    pub name: String,
    /// The function's ARN.
    pub arn: String,
    /// The role it runs as: `Role`, else the execution role SAM makes for it. What it puts
    /// on a bus is authorized as this role.
    pub role_arn: String,
    /// `CodeUri` as written (relative to the template directory).
    pub code_uri: PathBuf,
    /// The binary cargo-lambda builds (`Metadata.BuildProperties.Binary`, else the last
    /// component of `CodeUri`).
    pub binary: String,
    /// `Handler`, as written (`bootstrap` for a custom runtime).
    pub handler: Option<String>,
    /// `Runtime`, e.g. `provided.al2023`.
    pub runtime: Option<String>,
    /// Seconds (AWS default 3).
    pub timeout_secs: u32,
    /// MB (AWS default 128).
    pub memory_mb: u32,
    /// `Environment.Variables`, resolved.
    pub environment: BTreeMap<String, String>,
    /// `LoggingConfig.ApplicationLogLevel`.
    pub log_level: Option<String>,
    /// `LoggingConfig.LogFormat` (`Text` or `JSON`).
    pub log_format: Option<String>,
    /// `LoggingConfig.LogGroup`, else `/aws/lambda/<name>`.
    pub log_group: String,
    /// The SQS queues that invoke the function.
    pub sqs_event_sources: Vec<SqsEventSource>,
    /// The Kinesis streams that invoke the function.
    pub stream_event_sources: Vec<StreamEventSource>,
    /// The HTTP API routes that invoke the function.
    pub http_routes: Vec<HttpRoute>,
    /// How asynchronous invocations (rule targets) are retried and where failures go.
    pub async_invoke: AsyncInvokeConfig,
}

/// An SQS event source mapping (SAM `Events: Type: SQS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsEventSource {
    /// The event's name under `Events`.
    pub name: String,
    /// Logical id of the queue.
    pub queue: String,
    /// ARN of the queue.
    pub queue_arn: String,
    /// Default 10.
    pub batch_size: u32,
    /// Default 0.
    pub maximum_batching_window_secs: u32,
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`.
    pub report_batch_item_failures: bool,
    /// `ScalingConfig.MaximumConcurrency` (2 to 1000); `None` is unbounded.
    pub maximum_concurrency: Option<u32>,
    /// `Enabled` (default `true`).
    pub enabled: bool,
}

/// A Kinesis stream that invokes a function (SAM `Events: Type: Kinesis`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEventSource {
    /// The event's name under `Events`.
    pub name: String,
    /// Logical id of the stream.
    pub stream: String,
    /// ARN of the stream.
    pub stream_arn: String,
    /// The mapping's settings.
    pub config: crate::runtime::streams::StreamSourceConfig,
    /// `DestinationConfig.OnFailure`: the queue discarded batches are described to.
    pub on_failure: Option<TargetRef>,
    /// `Enabled` (default `true`).
    pub enabled: bool,
}

/// An HTTP API route (SAM `Events: Type: HttpApi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRoute {
    /// The event's name under `Events`.
    pub name: String,
    /// Logical id of the `AWS::Serverless::HttpApi` (`ApiId`); without one, SAM's implicit
    /// API, [`IMPLICIT_HTTP_API`].
    pub api: String,
    /// `Path`; `None` for the catch-all route (`$default`).
    pub path: Option<String>,
    /// `Method`, upper case; `ANY` for any method (and when absent).
    pub method: String,
    /// `Auth.Authorizer` of the event as written: `AWS_IAM`, `NONE`, or `None` for the API's
    /// `DefaultAuthorizer`. [`Model::route_auth`] gives the one that applies.
    pub authorizer: Option<String>,
    /// `TimeoutInMillis`: how long API Gateway waits for the function (default and most
    /// 30000, least 50); over it the caller gets 503.
    pub timeout_ms: u32,
}

/// The logical id SAM gives the HTTP API it creates for `HttpApi` events without `ApiId`.
pub const IMPLICIT_HTTP_API: &str = "ServerlessHttpApi";

/// How API Gateway authorizes the requests of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteAuth {
    /// Anyone may call it.
    None,
    /// SigV4-signed requests only; the function sees the signer in
    /// `requestContext.authorizer.iam`.
    AwsIam,
}

/// `EventInvokeConfig` and `DeadLetterQueue`, with AWS's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncInvokeConfig {
    /// Default 2.
    pub maximum_retry_attempts: u32,
    /// Default 21600 (6 hours).
    pub maximum_event_age_secs: u32,
    /// `DestinationConfig.OnSuccess`: where a successful invocation's result goes.
    pub on_success: Option<TargetRef>,
    /// `DestinationConfig.OnFailure`: where an invocation goes once its retries are spent.
    pub on_failure: Option<TargetRef>,
    /// The function's `DeadLetterQueue` (older than destinations; both may be set).
    pub dead_letter_queue: Option<TargetRef>,
}

impl Default for AsyncInvokeConfig {
    fn default() -> Self {
        Self {
            maximum_retry_attempts: 2,
            maximum_event_age_secs: 21_600,
            on_success: None,
            on_failure: None,
            dead_letter_queue: None,
        }
    }
}

/// `AWS::SQS::Queue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// The queue's logical id.
    pub logical_id: String,
    /// `QueueName`, else the name the local stack gives it
    /// (`orderly-<LogicalId>`, ending `.fifo` for a FIFO queue).
    pub name: String,
    /// The queue's ARN.
    pub arn: String,
    /// The queue's URL on the local endpoint (its `Ref`).
    pub url: String,
    /// `FifoQueue`.
    pub fifo: bool,
    /// `ContentBasedDeduplication` (FIFO queues only).
    pub content_based_deduplication: bool,
    /// Default 30.
    pub visibility_timeout_secs: u32,
    /// `DelaySeconds`: how long a new message stays invisible (default 0).
    pub delay_secs: u32,
    /// Default 345600 (4 days).
    pub message_retention_secs: u32,
    /// `ReceiveMessageWaitTimeSeconds`: the default long-poll wait (default 0).
    pub receive_wait_secs: u32,
    /// `RedrivePolicy`: where messages go after too many receives.
    pub redrive: Option<Redrive>,
}

/// A queue's `RedrivePolicy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redrive {
    /// Logical id of the dead-letter queue.
    pub dead_letter_queue: String,
    /// Receives after which a message moves to the dead-letter queue.
    pub max_receive_count: u32,
}

/// `AWS::Events::EventBus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBus {
    /// The bus's logical id.
    pub logical_id: String,
    /// `Name`.
    pub name: String,
    /// The bus's ARN.
    pub arn: String,
}

/// `AWS::Events::Archive`: it receives its bus's events from the moment the cloud starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// The archive's logical id.
    pub logical_id: String,
    /// The source bus's name.
    pub event_bus_name: String,
    /// `ArchiveName` (else the name CloudFormation would generate), `SourceArn`,
    /// `Description`, `EventPattern` and `RetentionDays`, as CreateArchive takes them.
    pub config: crate::archive::ArchiveConfig,
}

/// `AWS::Events::Rule`, or a rule SAM makes from a function's `EventBridgeRule` event
/// (logical id `<Function><Event>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule's logical id.
    pub logical_id: String,
    /// `Name`, else the name the local stack gives it
    /// (`orderly-<LogicalId>`).
    pub name: String,
    /// The rule's ARN.
    pub arn: String,
    /// The bus's name (`default` for the default bus).
    pub event_bus_name: String,
    /// Logical id of the bus when it is in the stack.
    pub event_bus: Option<String>,
    /// The pattern as JSON text, for `crates/event-pattern`.
    pub event_pattern: String,
    /// `State` is `ENABLED` (the default); a disabled rule delivers nothing.
    pub enabled: bool,
    /// `Description`.
    pub description: Option<String>,
    /// Where matching events go.
    pub targets: Vec<RuleTarget>,
    /// `ScheduleExpression`: the rule sends a `Scheduled Event` to its targets on this
    /// schedule (its pattern is then empty unless it has one too).
    pub schedule_expression: Option<String>,
    /// The account that made the rule with PutRule (`CreatedBy`, the `events:creatorAccount`
    /// of calls on it); `None` for the stack's own rules.
    pub created_by: Option<String>,
}

/// `AWS::Scheduler::Schedule`, or the schedule of a SAM `ScheduleV2` event: the body
/// CreateSchedule takes, checked when the template loads.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSchedule {
    /// The schedule's logical id.
    pub logical_id: String,
    /// `Name`.
    pub name: String,
    /// Every other property, as CreateSchedule's members.
    pub body: serde_json::Map<String, serde_json::Value>,
}

/// One target of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTarget {
    /// `Id`, unique within the rule.
    pub id: String,
    /// The resource the events go to.
    pub target: TargetRef,
    /// Constant JSON text sent instead of the event.
    pub input: Option<String>,
    /// JSONPath of the part of the event to send.
    pub input_path: Option<String>,
    /// `InputTransformer`: reshapes the event before it is sent.
    pub input_transformer: Option<InputTransformer>,
    /// `RetryPolicy`, with EventBridge's defaults.
    pub retry_policy: RetryPolicy,
    /// Where events go that could not be delivered after the retries.
    pub dead_letter_queue: Option<TargetRef>,
    /// `SqsParameters.MessageGroupId` (FIFO queue targets).
    pub sqs_message_group_id: Option<String>,
    /// `KinesisParameters.PartitionKeyPath` (stream targets): the JSONPath of the event's
    /// value that becomes the record's partition key; without it, the event's id.
    pub kinesis_partition_key_path: Option<String>,
    /// `RoleArn`: the role EventBridge assumes to reach the target.
    pub role_arn: Option<String>,
}

/// `InputTransformer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputTransformer {
    /// Variable name → JSONPath, in template order.
    pub input_paths_map: Vec<(String, String)>,
    /// Text with `<variable>` placeholders, filled from `input_paths_map`.
    pub input_template: String,
}

/// A target's `RetryPolicy`, with EventBridge's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Default 185.
    pub maximum_retry_attempts: u32,
    /// Default 86400 (24 hours).
    pub maximum_event_age_secs: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            maximum_retry_attempts: 185,
            maximum_event_age_secs: 86_400,
        }
    }
}

/// Standard or Express workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateMachineType {
    /// Long-running, exactly-once executions.
    Standard,
    /// Short, at-least-once executions.
    Express,
}

/// `AWS::Serverless::StateMachine` or `AWS::StepFunctions::StateMachine`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMachine {
    /// The state machine's logical id.
    pub logical_id: String,
    /// `Name`, else the name the local stack gives it
    /// (`orderly-<LogicalId>`).
    pub name: String,
    /// The state machine's ARN.
    pub arn: String,
    /// `Type` (default `STANDARD`).
    pub kind: StateMachineType,
    /// `DefinitionUri` as written (relative to the template directory); `None` when inline.
    pub definition_uri: Option<PathBuf>,
    /// The definition JSON text with every `${Key}` of `substitutions` replaced.
    pub definition: String,
    /// `DefinitionSubstitutions`, resolved.
    pub substitutions: BTreeMap<String, String>,
    /// `Logging.Level` (`ALL`, `ERROR`, `FATAL`, `OFF`).
    pub logging_level: Option<String>,
    /// `Logging.IncludeExecutionData`: whether logs carry states' input and output.
    pub include_execution_data: bool,
    /// The log group of `Logging.Destinations` (else `/aws/vendedlogs/states/<name>`).
    pub log_group: Option<String>,
    /// `Tracing.Enabled`.
    pub tracing: bool,
}

/// A key attribute's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

/// A key attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAttribute {
    /// The attribute name.
    pub name: String,
    /// Its type.
    pub attribute_type: AttributeType,
}

/// A global or local secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondaryIndex {
    /// `IndexName`.
    pub name: String,
    /// The index's partition key.
    pub partition_key: KeyAttribute,
    /// The index's sort key, if any.
    pub sort_key: Option<KeyAttribute>,
}

/// `AWS::DynamoDB::Table` or `AWS::Serverless::SimpleTable`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The table's logical id.
    pub logical_id: String,
    /// `TableName`, else the name the local stack gives it
    /// (`orderly-<LogicalId>`).
    pub name: String,
    /// The table's ARN.
    pub arn: String,
    /// The table's partition key.
    pub partition_key: KeyAttribute,
    /// The table's sort key, if any.
    pub sort_key: Option<KeyAttribute>,
    /// `TimeToLiveSpecification.AttributeName` when enabled.
    pub ttl_attribute: Option<String>,
    /// `GlobalSecondaryIndexes`.
    pub global_secondary_indexes: Vec<SecondaryIndex>,
    /// `LocalSecondaryIndexes`.
    pub local_secondary_indexes: Vec<SecondaryIndex>,
    /// `StreamSpecification.StreamViewType`: the table has a stream of this view.
    pub stream_view_type: Option<crate::dynamodb::streams::ViewType>,
}

/// `AWS::Serverless::HttpApi` (or the implicit API SAM creates, [`IMPLICIT_HTTP_API`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpApi {
    /// The API's logical id.
    pub logical_id: String,
    /// The generated API id (`Ref`).
    pub id: String,
    /// `Auth.EnableIamAuthorizer`: routes may name `AWS_IAM` as their authorizer.
    pub iam_enabled: bool,
    /// `Auth.DefaultAuthorizer: AWS_IAM`: on AWS every route needs a SigV4-signed request
    /// unless it says `Authorizer: NONE`, and the function sees the caller in
    /// `requestContext.authorizer.iam`.
    pub iam_authorizer: bool,
    /// `StageName`; `None` is the `$default` stage, served at the root. A named stage
    /// prefixes every path with `/<StageName>`.
    pub stage_name: Option<String>,
}

impl Model {
    /// The authorizer that applies to `route`: its own `Auth.Authorizer`, else its API's
    /// `DefaultAuthorizer`. The load checked that every name is `AWS_IAM` or `NONE`.
    pub fn route_auth(&self, route: &HttpRoute) -> RouteAuth {
        match route.authorizer.as_deref() {
            Some("AWS_IAM") => RouteAuth::AwsIam,
            Some(_) => RouteAuth::None,
            None if self
                .http_apis
                .get(&route.api)
                .is_some_and(|api| api.iam_authorizer) =>
            {
                RouteAuth::AwsIam
            }
            None => RouteAuth::None,
        }
    }

    /// The settings of a queue for the SQS engine (its dead-letter queue by name).
    pub fn queue_config(&self, logical_id: &str) -> Option<QueueConfig> {
        let queue = self.queues.get(logical_id)?;
        let mut config = QueueConfig::new(queue.name.clone());
        config.arn = queue.arn.clone();
        config.url = queue.url.clone();
        config.fifo = queue.fifo;
        config.content_based_deduplication = queue.content_based_deduplication;
        config.visibility_timeout_secs = queue.visibility_timeout_secs;
        config.delay_secs = queue.delay_secs;
        config.message_retention_secs = queue.message_retention_secs;
        config.receive_wait_secs = queue.receive_wait_secs;
        if let Some(redrive) = &queue.redrive {
            let dlq = self.queues.get(&redrive.dead_letter_queue)?;
            config = config.with_redrive(dlq.name.clone(), redrive.max_receive_count);
        }
        Some(config)
    }

    /// Every queue's settings, for `Sqs::create_queues`.
    pub fn queue_configs(&self) -> Vec<QueueConfig> {
        self.queues
            .keys()
            .filter_map(|id| self.queue_config(id))
            .collect()
    }

    /// The stack resource an ARN names, if any.
    pub fn resource_by_arn(&self, arn: &str) -> Option<TargetRef> {
        let found = |kind, logical_id: &String| TargetRef {
            kind,
            logical_id: logical_id.clone(),
            arn: arn.to_owned(),
        };
        if let Some(q) = self.queues.values().find(|q| q.arn == arn) {
            return Some(found(TargetKind::Queue, &q.logical_id));
        }
        if let Some(f) = self.functions.values().find(|f| f.arn == arn) {
            return Some(found(TargetKind::Function, &f.logical_id));
        }
        if let Some(s) = self.state_machines.values().find(|s| s.arn == arn) {
            return Some(found(TargetKind::StateMachine, &s.logical_id));
        }
        if let Some(s) = self.streams.values().find(|s| s.arn == arn) {
            return Some(found(TargetKind::Stream, &s.logical_id));
        }
        if let Some(t) = self.tables.values().find(|t| {
            t.stream_view_type.is_some() && crate::dynamodb::streams::stream_arn(&t.arn) == arn
        }) {
            return Some(found(TargetKind::TableStream, &t.logical_id));
        }
        self.buses
            .values()
            .find(|b| b.arn == arn)
            .map(|b| found(TargetKind::EventBus, &b.logical_id))
    }

    /// The function a Lambda `FunctionName` names: its name, its ARN, or its ARN with a
    /// version or alias qualifier (`…:function:name:$LATEST`), as Invoke accepts.
    pub fn function_named(&self, name_or_arn: &str) -> Option<&Function> {
        let name = match name_or_arn.split_once(":function:") {
            Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
            None => name_or_arn,
        };
        self.functions.values().find(|f| f.name == name)
    }

    /// The state machine of an ARN.
    pub fn state_machine_by_arn(&self, arn: &str) -> Option<&StateMachine> {
        self.state_machines.values().find(|s| s.arn == arn)
    }

    /// The queue of a name, ARN or URL.
    pub fn queue_named(&self, name_arn_or_url: &str) -> Option<&Queue> {
        let name = name_arn_or_url
            .rsplit(['/', ':'])
            .next()
            .unwrap_or(name_arn_or_url);
        self.queues.values().find(|q| q.name == name)
    }

    /// The rules on a bus (by bus name), in logical-id order.
    pub fn rules_on_bus<'a>(&'a self, bus_name: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules
            .values()
            .filter(move |r| r.event_bus_name == bus_name)
    }
}
