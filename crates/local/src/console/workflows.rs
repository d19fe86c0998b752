//! The state machines of the template, their graphs, and their executions.

use super::execution::{self, Path};
use super::graph::{self, Graph};
use super::redact;
use crate::runtime::CloudInner;
use crate::runtime::sfn::ExecutionEntry;
use orderly_core::clock::rfc3339_ms;
use serde::Serialize;
use std::collections::BTreeMap;

/// A state machine, as the workflows page lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    /// Its logical id in the template.
    pub logical_id: String,
    /// Its name.
    pub name: String,
    /// `STANDARD` or `EXPRESS`.
    pub kind: String,
    /// Its executions kept, by status.
    pub executions: BTreeMap<&'static str, usize>,
}

/// One execution, as the executions page lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionSummary {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// Its state machine's logical id.
    pub machine: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`.
    pub status: &'static str,
    /// The correlation id its input carries.
    pub correlation_id: String,
    /// When it started, RFC 3339.
    pub start: String,
    /// Epoch milliseconds of the same, to sort by.
    pub start_ms: i64,
}

/// One execution with what its history says, and its workflow's graph.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionDetail {
    /// What the list says of it.
    #[serde(flatten)]
    pub summary: ExecutionSummary,
    /// When it stopped, RFC 3339.
    pub stop: Option<String>,
    /// Its input, secrets masked.
    pub input: String,
    /// Its output, once it succeeded.
    pub output: Option<String>,
    /// The error it failed with.
    pub error: Option<String>,
    /// That error's cause.
    pub cause: Option<String>,
    /// How often it was redriven.
    pub redrive_count: u32,
    /// The states and edges its history shows.
    pub path: Path,
    /// Its workflow's graph.
    pub graph: Option<Graph>,
    /// Why the graph cannot be drawn, when it cannot.
    pub graph_error: Option<String>,
}

/// The logical id of the state machine `arn` names, else the ARN's last part.
pub fn machine_of(cloud: &CloudInner, arn: &str) -> String {
    cloud
        .model
        .state_machines
        .values()
        .find(|m| m.arn == arn)
        .map_or_else(
            || arn.rsplit(':').next().unwrap_or(arn).to_owned(),
            |m| m.logical_id.clone(),
        )
}

/// Every state machine of the template, with its executions by status.
pub fn list(cloud: &CloudInner) -> Vec<Workflow> {
    let mut counts: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    cloud.sfn.executions.for_each(|e| {
        *counts
            .entry(e.machine_arn.clone())
            .or_default()
            .entry(e.status())
            .or_default() += 1;
    });
    let mut workflows: Vec<Workflow> = cloud
        .model
        .state_machines
        .values()
        .map(|m| Workflow {
            logical_id: m.logical_id.clone(),
            name: m.name.clone(),
            kind: format!("{:?}", m.kind).to_uppercase(),
            executions: counts.remove(&m.arn).unwrap_or_default(),
        })
        .collect();
    workflows.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    workflows
}

/// The graph of the state machine `logical_id`.
pub fn graph_of(cloud: &CloudInner, logical_id: &str) -> Option<Result<Graph, String>> {
    let machine = cloud.model.state_machines.get(logical_id).or_else(|| {
        cloud
            .model
            .state_machines
            .values()
            .find(|m| m.logical_id == logical_id)
    })?;
    Some(graph_of_text(&machine.definition))
}

fn graph_of_text(definition: &str) -> Result<Graph, String> {
    let value: serde_json::Value =
        serde_json::from_str(definition).map_err(|e| format!("the definition is not JSON: {e}"))?;
    graph::of_definition(&value).map_err(|e| e.to_string())
}

/// What an execution list is filtered by; empty fields take everything.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filter {
    /// A state machine's logical id.
    #[serde(default)]
    pub machine: String,
    /// A correlation id.
    #[serde(default)]
    pub correlation: String,
    /// A status.
    #[serde(default)]
    pub status: String,
}

/// The most executions one list answers.
pub const MAX_LISTED: usize = 500;

/// The executions `filter` passes, newest first, at most [`MAX_LISTED`].
pub fn executions(cloud: &CloudInner, filter: &Filter) -> Vec<ExecutionSummary> {
    let mut found = Vec::new();
    cloud.sfn.executions.for_each(|e| {
        if (filter.correlation.is_empty() || e.correlation_id == filter.correlation)
            && (filter.status.is_empty() || e.status() == filter.status)
        {
            let summary = summary(cloud, e);
            if filter.machine.is_empty() || summary.machine == filter.machine {
                found.push(summary);
            }
        }
    });
    found.sort_by(|a, b| b.start_ms.cmp(&a.start_ms).then(b.arn.cmp(&a.arn)));
    found.truncate(MAX_LISTED);
    found
}

fn summary(cloud: &CloudInner, e: &ExecutionEntry) -> ExecutionSummary {
    ExecutionSummary {
        arn: e.arn.clone(),
        name: e.name.clone(),
        machine: machine_of(cloud, &e.machine_arn),
        status: e.status(),
        correlation_id: e.correlation_id.clone(),
        start: rfc3339_ms(e.start_ms),
        start_ms: e.start_ms,
    }
}

/// The execution `arn`, with its path over its workflow's graph.
pub fn detail(cloud: &CloudInner, arn: &str) -> Option<ExecutionDetail> {
    let entry = cloud.sfn.executions.get(arn)?;
    let history = entry.history();
    let summary = summary(cloud, &entry);
    let graph = graph_of(cloud, &summary.machine).unwrap_or_else(|| {
        Err(format!(
            "{} is not a state machine of the template",
            summary.machine
        ))
    });
    let path = execution::path(&entry, &history, graph.as_ref().ok());
    let (mut output, mut error, mut cause, mut stop) = (None, None, None, None);
    if let Some(result) = &entry.result {
        let described = result.describe();
        let text = |k: &str| described.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        output = text("output").map(|o| redact::json_text(&o));
        error = text("error");
        cause = text("cause").map(|c| redact::text(&c));
        stop = text("stopDate");
    }
    Some(ExecutionDetail {
        summary,
        stop,
        input: redact::json_text(&entry.input.to_string()),
        output,
        error,
        cause,
        redrive_count: entry.redrive_count,
        path,
        graph_error: graph.as_ref().err().cloned(),
        graph: graph.ok(),
    })
}
