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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryLanguage {
    JsonPath,
    Jsonata,
}

/// A set of states with a start: the machine itself, a Parallel branch or a Map's
/// ItemProcessor.
#[derive(Debug)]
pub struct Branch {
    pub start_at: usize,
    pub states: Vec<State>,
    pub names: HashMap<String, usize>,
}

#[derive(Debug)]
pub struct State {
    pub name: Arc<str>,
    pub query_language: QueryLanguage,
    pub kind: Kind,
    pub io: Io,
    /// Index of the next state, or `None` for End (and for Choice, Succeed, Fail).
    pub next: Option<usize>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
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
    Path(JsonPath),
}

/// The data-processing fields of a state.
#[derive(Debug)]
pub struct Io {
    pub input_path: Selection,
    pub output_path: Selection,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    pub arguments: Option<JsonataTemplate>,
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

/// `Assign` in either query language.
#[derive(Debug)]
pub enum Assign {
    JsonPath(Template),
    Jsonata(JsonataTemplate),
}

/// A number given literally, by a path, or by a JSONata expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic {
    Fixed(Value),
    Path(JsonPath),
    Jsonata(JsonataTemplate),
}

/// A string given literally, by a path, by an intrinsic function or by JSONata
/// (Fail's Error and Cause).
#[derive(Debug, Clone, PartialEq)]
pub enum DynamicText {
    Fixed(String),
    Path(JsonPath),
    Intrinsic(Intrinsic),
    Jsonata(JsonataTemplate),
}

#[derive(Debug)]
pub enum WaitFor {
    Seconds(Dynamic),
    Timestamp(OffsetDateTime),
    TimestampPath(JsonPath),
    TimestampJsonata(JsonataTemplate),
}

#[derive(Debug)]
pub struct ChoiceBranch {
    pub rule: Rule,
    pub next: usize,
    pub assign: Option<Assign>,
    pub output: Option<JsonataTemplate>,
}

#[derive(Debug)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: f64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
    pub jitter_full: bool,
}

#[derive(Debug)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: usize,
    pub result_path: ResultPath,
    pub output: Option<JsonataTemplate>,
    pub assign: Option<Assign>,
}

/// Map's ItemSelector (or the older Parameters).
#[derive(Debug)]
pub enum ItemSelector {
    JsonPath(Template),
    Jsonata(JsonataTemplate),
}

#[derive(Debug)]
pub enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task {
        resource: String,
        timeout: Option<Dynamic>,
        heartbeat: Option<Dynamic>,
        credentials: Option<Value>,
    },
    Choice {
        choices: Vec<ChoiceBranch>,
        default: Option<usize>,
    },
    Wait {
        until: WaitFor,
    },
    Succeed,
    Fail {
        error: Option<DynamicText>,
        cause: Option<DynamicText>,
    },
    Parallel {
        branches: Vec<Arc<Branch>>,
    },
    Map(Box<MapSpec>),
}

#[derive(Debug)]
pub struct MapSpec {
    pub processor: Arc<Branch>,
    pub items_path: Selection,
    pub items: Option<JsonataTemplate>,
    pub item_selector: Option<ItemSelector>,
    pub max_concurrency: Dynamic,
    pub tolerated_failure_count: Option<Dynamic>,
    pub tolerated_failure_percentage: Option<Dynamic>,
    /// A feature of distributed Map this interpreter does not run.
    pub unsupported: Option<String>,
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
