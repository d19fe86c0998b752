//! `template.yaml` (SAM + CloudFormation) loaded into the typed [`Model`] the runtime runs.
//!
//! The template is the single source of truth: functions, queues, buses, rules and their
//! targets, state machines and tables all come from it, with every intrinsic resolved for the
//! local stack (`AWS::StackName` = `orderly`, `us-east-1`, account `000000000000`). Anything
//! the local cloud cannot emulate fails the load with an error naming the resource and the
//! property; resources that only matter on AWS (alarms, log groups, IAM …) are accepted and
//! listed in [`Model::not_emulated`].

mod build;
mod conditions;
mod context;
mod error;
mod functions;
mod globals;
mod model;
mod nested;
mod parameters;
mod pipes;
mod props;
pub use crate::pseudo;
mod references;
mod resolver;
mod rules;
mod schedules;
mod state_machines;
mod stores;
mod text_functions;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use error::TemplateError;
pub use model::{
    AsyncInvokeConfig, AttributeType, EventBus, Function, HttpApi, HttpRoute, IMPLICIT_HTTP_API,
    InputTransformer, KeyAttribute, KinesisStream, LogGroup, Model, NotEmulated, Queue, Redrive,
    RetryPolicy, RouteAuth, Rule, RuleTarget, SecondaryIndex, SqsEventSource, StateMachine,
    StateMachineType, StreamEventSource, Table, TargetKind, TargetRef, TemplateSchedule,
};
pub use nested::{APPLICATION, inline as inline_nested};
pub use pipes::{InvocationType, Pipe, PipeSource, TargetParameters, pipe_arn};
pub use rules::TARGET_SUPPORTED;
pub use state_machines::{SubstitutionMismatch, placeholders, substitute, substitution_mismatch};

/// How to load: parameter overrides (as `sam deploy --parameter-overrides`) and the endpoint
/// queue URLs point at.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Parameter values by name; they win over the template's `Default`s.
    pub parameter_overrides: BTreeMap<String, String>,
    /// Base URL of the local cloud, e.g. `http://localhost:4566`; queue URLs start with it.
    pub endpoint: String,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            parameter_overrides: BTreeMap::new(),
            endpoint: pseudo::DEFAULT_ENDPOINT.to_owned(),
        }
    }
}

/// Loads a template file; relative paths in it are taken from its directory.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Model, TemplateError> {
    let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Io {
        path: path.to_owned(),
        source,
    })?;
    let dir = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let document = yaml::parse_at(&text, path)?;
    build::from_document(&document, dir, options)
}

/// Loads template text whose relative paths are taken from `template_dir`.
pub fn load_str(
    text: &str,
    template_dir: &Path,
    options: &LoadOptions,
) -> Result<Model, TemplateError> {
    let document = yaml::parse_at(text, Path::new("<template>"))?;
    build::from_document(&document, template_dir.to_path_buf(), options)
}
