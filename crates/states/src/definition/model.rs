//! The parsed form of a state machine: every path and template compiled, every
//! transition resolved to an index.

use crate::choice::Rule;
use crate::intrinsics::Intrinsic;
use crate::jsonata_template::JsonataTemplate;
use crate::paths::result_path::ResultPath;
use crate::paths::{JsonPath, Template};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// `QueryLanguage`: how a state's fields are evaluated. Set for the whole machine at the
/// top level (JSONPath when absent) and overridable per state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryLanguage {
    /// `JSONPath`: paths, `.$` templates and intrinsic functions; the AWS default.
    JsonPath,
    /// `JSONata`: `{% %}` expressions, `Arguments`, `Output` and `$states`.
    Jsonata,
}

/// A set of states with a start: the machine itself, a Parallel branch or a Map's
/// ItemProcessor.
#[derive(Debug)]
pub struct Branch {
    /// Index into `states` of the `StartAt` state.
    pub start_at: usize,
    /// The branch's states in definition order; every transition in them is an index into
    /// this vector.
    pub states: Vec<State>,
    /// Each state's name to its index in `states` (state names are unique within a branch).
    pub names: HashMap<String, usize>,
}

/// One state of a branch, with its transition, error handling and data-processing fields
/// compiled.
#[derive(Debug)]
pub struct State {
    /// The state's name: its key in `States`, as it appears in history events and the
    /// context object (`$$.State.Name`).
    pub name: Arc<str>,
    /// The query language in force for this state: its own `QueryLanguage`, else the
    /// machine's.
    pub query_language: QueryLanguage,
    /// The state type and its type-specific fields.
    pub kind: Kind,
    /// InputPath, Parameters, ResultSelector, ResultPath, OutputPath, or their JSONata
    /// counterparts.
    pub io: Io,
    /// Index of the next state, or `None` for End (and for Choice, Succeed, Fail).
    pub next: Option<usize>,
    /// `Retry`: the retriers in order; the first whose `ErrorEquals` names an error decides
    /// whether it is retried.
    pub retry: Vec<Retrier>,
    /// `Catch`: the catchers in order; when retries are spent, the first whose
    /// `ErrorEquals` names the error picks the fallback state.
    pub catch: Vec<Catcher>,
    /// `Assign`: variables set when the state completes successfully.
    pub assign: Option<Assign>,
    /// Whether any field of the state reads the context object, so it is built only
    /// when needed.
    pub uses_context: bool,
    /// Whether that reading may reach the execution input (see `reads_execution_input`):
    /// otherwise the context object is built without a copy of it.
    pub uses_execution_input: bool,
    /// Whether the state's output is always its input unchanged (no paths, templates
    /// or Output), so the interpreter can hand the same payload on without copying.
    pub passes_input_through: bool,
}

/// InputPath / OutputPath.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// `$` (the default).
    Whole,
    /// `null`: the empty object.
    Empty,
    /// A reference path (`$.order.items`) selecting part of the input.
    Path(JsonPath),
}

/// The data-processing fields of a state.
#[derive(Debug)]
pub struct Io {
    /// `InputPath`: the part of the raw input the state works on (its effective input).
    pub input_path: Selection,
    /// `OutputPath`: the part of the state's output (after ResultPath) passed to the next
    /// state.
    pub output_path: Selection,
    /// `Parameters` (JSONPath): the template that builds what the state works on (a Task's
    /// request, the branches' input of a Parallel, a Pass state's result) from the
    /// effective input.
    pub parameters: Option<Template>,
    /// `ResultSelector` (JSONPath): the template that reshapes the raw result before
    /// ResultPath places it.
    pub result_selector: Option<Template>,
    /// `ResultPath`: where the state's result is placed in its raw input.
    pub result_path: ResultPath,
    /// `Arguments` (JSONata): what a Task hands its resource, or a Parallel its branches,
    /// in place of the state's input.
    pub arguments: Option<JsonataTemplate>,
    /// `Output` (JSONata): the state's output, in place of its input or result.
    pub output: Option<JsonataTemplate>,
}

impl Default for Io {
    fn default() -> Self {
        Self {
            input_path: Selection::Whole,
            output_path: Selection::Whole,
            parameters: None,
            result_selector: None,
            result_path: ResultPath::Replace,
            arguments: None,
            output: None,
        }
    }
}

/// An object field whose values are computed in the state's query language: `Assign`,
/// a Task's `Credentials`.
#[derive(Debug)]
pub enum QueryTemplate {
    /// In a JSONPath state: a template whose `.$` fields are paths and intrinsic
    /// functions.
    JsonPath(Template),
    /// In a JSONata state: values and `{% %}` expressions.
    Jsonata(JsonataTemplate),
}

/// `Assign` in either query language.
pub type Assign = QueryTemplate;

/// A number given literally, by a path, or by a JSONata expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic {
    /// A literal number, already checked against the field's minimum at parse time.
    Fixed(Value),
    /// The `...Path` form (`TimeoutSecondsPath`): a reference path read from the effective
    /// input when the state runs.
    Path(JsonPath),
    /// A `{% %}` expression (JSONata states), evaluated when the state runs.
    Jsonata(JsonataTemplate),
}

/// A string given literally, by a path, by an intrinsic function or by JSONata
/// (Fail's Error and Cause).
#[derive(Debug, Clone, PartialEq)]
pub enum DynamicText {
    /// A literal string.
    Fixed(String),
    /// `ErrorPath` / `CausePath` as a reference path into the state's input.
    Path(JsonPath),
    /// `ErrorPath` / `CausePath` as an intrinsic function call (`States.Format(...)`).
    Intrinsic(Intrinsic),
    /// A `{% %}` expression (JSONata states).
    Jsonata(JsonataTemplate),
}

/// What a Wait state waits for: a number of seconds or an absolute time.
#[derive(Debug)]
pub enum WaitFor {
    /// `Seconds` or `SecondsPath`: how many seconds to wait (zero or more).
    Seconds(Dynamic),
    /// `Timestamp`: a fixed RFC 3339 time to wait until; a time in the past ends the wait
    /// at once.
    Timestamp(OffsetDateTime),
    /// `TimestampPath`: a reference path to an RFC 3339 timestamp in the input.
    TimestampPath(JsonPath),
    /// `Timestamp` as a `{% %}` expression (JSONata states) that yields the timestamp.
    TimestampJsonata(JsonataTemplate),
}

/// One rule of a Choice state's `Choices` and where it leads.
#[derive(Debug)]
pub struct ChoiceBranch {
    /// The condition: a JSONPath comparison tree or a JSONata `Condition`.
    pub rule: Rule,
    /// `Next`: index of the state to run when the rule matches.
    pub next: usize,
    /// `Assign`: variables set when this rule is the one taken.
    pub assign: Option<Assign>,
    /// `Output` (JSONata): the Choice state's output when this rule is taken.
    pub output: Option<JsonataTemplate>,
}

/// One entry of a state's `Retry`: which errors it retries, how often and how long it
/// waits.
#[derive(Debug)]
pub struct Retrier {
    /// `ErrorEquals`: the error names it retries (see [`crate::errors::error_equals_matches`]
    /// for how `States.ALL` and `States.TaskFailed` match).
    pub error_equals: Vec<String>,
    /// `IntervalSeconds`: the wait before the first retry, in seconds (default 1).
    pub interval_seconds: f64,
    /// `MaxAttempts`: how many retries at most; 0 means never retry (default 3).
    pub max_attempts: u32,
    /// `BackoffRate`: the multiplier of the wait after each attempt, at least 1.0 (default
    /// 2.0).
    pub backoff_rate: f64,
    /// `MaxDelaySeconds`: the cap on any one wait, in seconds; `None` for no cap.
    pub max_delay_seconds: Option<f64>,
    /// `JitterStrategy` `FULL`: each wait is drawn uniformly between zero and its computed
    /// length (`NONE`, the default, waits exactly).
    pub jitter_full: bool,
}

/// One entry of a state's `Catch`: which errors it catches and where the execution goes
/// next.
#[derive(Debug)]
pub struct Catcher {
    /// `ErrorEquals`: the error names it catches, matched as Retry's are.
    pub error_equals: Vec<String>,
    /// `Next`: index of the fallback state.
    pub next: usize,
    /// `ResultPath` (JSONPath): where the error output (`Error` and `Cause`) is placed in
    /// the state's raw input to form the fallback state's input.
    pub result_path: ResultPath,
    /// `Output` (JSONata): the fallback state's input, evaluated with
    /// `$states.errorOutput`; without it the error output itself.
    pub output: Option<JsonataTemplate>,
    /// `Assign`: variables set when this catcher is taken (it can read the error output).
    pub assign: Option<Assign>,
}

/// Map's ItemSelector (or the older Parameters); also the form of a Distributed Map's
/// `ItemBatcher.BatchInput`.
#[derive(Debug)]
pub enum ItemSelector {
    /// A JSONPath template built for each item (`$$.Map.Item.Value`, `$$.Map.Item.Index`).
    JsonPath(Template),
    /// A JSONata template built for each item (`$states.context.Map.Item`).
    Jsonata(JsonataTemplate),
}

/// The state's `Type` and the fields only that type has.
#[derive(Debug)]
pub enum Kind {
    /// `Pass`: hands its input (or `Result`) on without doing work.
    Pass {
        /// `Result`: the fixed value used as the state's result, in place of its input.
        result: Option<Value>,
    },
    /// `Task`: runs one unit of work through the task handler.
    Task {
        /// `Resource`: the ARN of the work (a Lambda function, an activity, an SDK or
        /// `.sync` integration).
        resource: String,
        /// `TimeoutSeconds` / `TimeoutSecondsPath`: how long the task may run before
        /// failing with `States.Timeout`.
        timeout: Option<Dynamic>,
        /// `HeartbeatSeconds` / `HeartbeatSecondsPath`: the longest gap allowed between
        /// heartbeats of a callback task before it fails with `States.HeartbeatTimeout`.
        heartbeat: Option<Dynamic>,
        /// `Credentials`: the role to assume for the task (`RoleArn`, by value, path,
        /// intrinsic or JSONata), resolved when the task runs.
        credentials: Option<QueryTemplate>,
    },
    /// `Choice`: picks the next state by the first matching rule.
    Choice {
        /// `Choices`: the rules, tried in order.
        choices: Vec<ChoiceBranch>,
        /// `Default`: index of the state when no rule matches; without it the state fails
        /// with `States.NoChoiceMatched`.
        default: Option<usize>,
    },
    /// `Wait`: pauses the execution for a time or until a moment.
    Wait {
        /// The duration or timestamp to wait for.
        until: WaitFor,
    },
    /// `Succeed`: ends the execution (or its Parallel branch or Map iteration)
    /// successfully.
    Succeed,
    /// `Fail`: ends the execution (or its Parallel branch or Map iteration) with an error
    /// and cause.
    Fail {
        /// `Error` / `ErrorPath`: the error name; `None` leaves the failure without one.
        error: Option<DynamicText>,
        /// `Cause` / `CausePath`: the human-readable cause; `None` leaves it out.
        cause: Option<DynamicText>,
    },
    /// `Parallel`: runs every branch on the same input; the output is the array of their
    /// outputs, in branch order.
    Parallel {
        /// `Branches`: the nested state machines, each run once.
        branches: Vec<Arc<Branch>>,
    },
    /// `Map`: runs its item processor once per item of an array.
    Map(Box<MapSpec>),
}

/// A Map state's fields: where its items come from, how each is shaped and run, and how
/// many failures it tolerates.
#[derive(Debug)]
pub struct MapSpec {
    /// `ItemProcessor` (or the older `Iterator`): the state machine run for each item.
    pub processor: Arc<Branch>,
    /// `ItemsPath` (JSONPath): where the items array is in the effective input (the whole
    /// input by default).
    pub items_path: Selection,
    /// `Items` (JSONata): the expression that yields the items array; without it the
    /// state's input.
    pub items: Option<JsonataTemplate>,
    /// `ItemSelector` (or `Parameters`): builds each item's input; without it the item
    /// itself.
    pub item_selector: Option<ItemSelector>,
    /// `MaxConcurrency` / `MaxConcurrencyPath`: how many items run at once; 0 means no
    /// limit.
    pub max_concurrency: Dynamic,
    /// `ToleratedFailureCount`: how many items may fail before the Map state fails.
    pub tolerated_failure_count: Option<Dynamic>,
    /// `ToleratedFailurePercentage`: the share of items (0 to 100) that may fail before the
    /// Map state fails.
    pub tolerated_failure_percentage: Option<Dynamic>,
    /// A feature of distributed Map this interpreter does not run.
    pub unsupported: Option<String>,
    /// `ProcessorConfig.Mode: DISTRIBUTED`: each item (or batch) runs as a child workflow
    /// execution, with the fields only a Distributed Map has.
    pub distributed: Option<Box<Distributed>>,
}

/// The fields of a Distributed Map (`ProcessorConfig.Mode: DISTRIBUTED`).
#[derive(Debug)]
pub struct Distributed {
    /// `ProcessorConfig.ExecutionType`: the kind of the child workflow executions.
    pub execution_type: ExecutionType,
    /// `Label`: the Map Run's name in its ARN (and its child executions'); generated when
    /// absent.
    pub label: Option<String>,
    /// `ItemBatcher`: how items are grouped into one child execution's input.
    pub batcher: Option<ItemBatcher>,
    /// The `Resource` of the state's `ItemReader`, if it has one (Amazon S3, which this
    /// interpreter does not serve).
    pub item_reader: Option<String>,
    /// The `Resource` of the state's `ResultWriter`, if it has one (Amazon S3, which this
    /// interpreter does not serve).
    pub result_writer: Option<String>,
}

/// `ProcessorConfig.ExecutionType` of a Distributed Map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutionType {
    /// Child executions are Standard workflows.
    Standard,
    /// Child executions are Express workflows.
    Express,
}

/// A Distributed Map's `ItemBatcher`.
#[derive(Debug)]
pub struct ItemBatcher {
    /// `MaxItemsPerBatch` / `MaxItemsPerBatchPath`: a positive integer.
    pub max_items: Option<Dynamic>,
    /// `MaxInputBytesPerBatch` / `MaxInputBytesPerBatchPath`: a positive integer, at most
    /// 256 KiB.
    pub max_bytes: Option<Dynamic>,
    /// `BatchInput`: the fixed input added to every batch (a payload template in JSONPath,
    /// JSONata in a JSONata state).
    pub batch_input: Option<ItemSelector>,
}

impl Kind {
    /// The name AWS uses for the state type in history event names.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Pass { .. } => "Pass",
            Kind::Task { .. } => "Task",
            Kind::Choice { .. } => "Choice",
            Kind::Wait { .. } => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail { .. } => "Fail",
            Kind::Parallel { .. } => "Parallel",
            Kind::Map(_) => "Map",
        }
    }
}
