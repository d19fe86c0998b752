//! The logs page: every log group's lines, filtered by correlation id, request id, group
//! or text; an EMF line is shown as the metrics it defines.

use super::redact;
use crate::runtime::CloudInner;
use crate::runtime::logs::LogLine;
use orderly_core::clock::rfc3339_ms;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// What the lines are filtered by; empty fields take everything.
#[derive(Debug, Default, Deserialize)]
pub struct Query {
    /// Part of a log group's name.
    #[serde(default)]
    pub group: String,
    /// A correlation id: lines whose `correlation_id` is it.
    #[serde(default)]
    pub correlation: String,
    /// A request id: lines whose `request_id` is it.
    #[serde(default)]
    pub request: String,
    /// Text anywhere in the line.
    #[serde(default)]
    pub text: String,
    /// The most lines answered, the newest; at most [`MAX_LINES`].
    pub limit: Option<usize>,
}

/// The most lines one answer holds.
pub const MAX_LINES: usize = 2_000;

/// The log groups and the lines a query found.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Logs {
    /// Every log group, with its count of lines.
    pub groups: BTreeMap<String, usize>,
    /// How many lines matched.
    pub matched: usize,
    /// The newest of them, oldest first.
    pub lines: Vec<LineView>,
}

/// One line.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineView {
    /// Its log group.
    pub group: String,
    /// When it was written, RFC 3339.
    pub at: String,
    /// Its level, when it has one.
    pub level: Option<String>,
    /// Its message, when it has one.
    pub message: Option<String>,
    /// Its correlation id.
    pub correlation_id: Option<String>,
    /// Its request id.
    pub request_id: Option<String>,
    /// The whole line, secrets masked.
    pub text: String,
    /// For an EMF line: each metric it defines, with its value.
    pub metrics: Option<BTreeMap<String, Value>>,
}

/// The lines `query` finds.
pub fn search(cloud: &CloudInner, query: &Query) -> Logs {
    // A needle narrows the lines to parse first; the fields are checked after.
    let needle = [&query.correlation, &query.request, &query.text]
        .into_iter()
        .find(|n| !n.is_empty());
    let lines = match needle {
        Some(needle) => cloud.logs.lines_mentioning(needle),
        None => cloud.logs.lines(),
    };
    let field = |line: &LogLine, key: &str| {
        line.line
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let matching: Vec<LogLine> = lines
        .into_iter()
        .filter(|l| query.group.is_empty() || l.group.contains(&query.group))
        .filter(|l| {
            query.correlation.is_empty()
                || field(l, "correlation_id").as_deref() == Some(query.correlation.as_str())
        })
        .filter(|l| {
            query.request.is_empty()
                || field(l, "request_id").as_deref() == Some(query.request.as_str())
        })
        .collect();
    let limit = query.limit.unwrap_or(500).min(MAX_LINES);
    let matched = matching.len();
    let lines = matching[matched.saturating_sub(limit)..]
        .iter()
        .map(|l| LineView {
            group: l.group.clone(),
            at: rfc3339_ms(l.timestamp_ms),
            level: field(l, "level"),
            message: field(l, "message"),
            correlation_id: field(l, "correlation_id"),
            request_id: field(l, "request_id"),
            text: redact::json_text(&l.line.to_string()),
            metrics: emf_metrics(&l.line),
        })
        .collect();
    Logs {
        groups: cloud.logs.groups(),
        matched,
        lines,
    }
}

/// The metrics an EMF line defines, by name, with the values it gives them.
fn emf_metrics(line: &Value) -> Option<BTreeMap<String, Value>> {
    let directives = line.pointer("/_aws/CloudWatchMetrics")?.as_array()?;
    let names = directives
        .iter()
        .filter_map(|d| d.get("Metrics")?.as_array())
        .flatten()
        .filter_map(|m| m.get("Name")?.as_str());
    Some(
        names
            .map(|name| {
                (
                    name.to_owned(),
                    line.get(name).cloned().unwrap_or(Value::Null),
                )
            })
            .collect(),
    )
}
