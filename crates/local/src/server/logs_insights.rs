//! CloudWatch Logs Insights (`Logs_20140328.StartQuery`, `GetQueryResults`) over the
//! cloud's log groups, in the subset of the query language
//! [`crate::runtime::log_insights`] serves. A query runs when it is started, so its
//! results are `Complete` at the first GetQueryResults; the last [`KEPT`] are kept.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::{Value, json};

use super::wire::{ApiError, Input};
use crate::runtime::CloudInner;
use crate::runtime::log_insights::{Query, Record};

/// Results kept for GetQueryResults, the oldest dropped first.
const KEPT: usize = 100;
/// The most results a query answers, and its default (AWS's).
const MAX_RESULTS: i64 = 10_000;
/// The longest `queryString` (the API reference's length constraint).
const MAX_QUERY_CHARS: usize = 10_000;
/// The most groups one query reads (AWS's limit for `logGroupNames`).
const MAX_GROUPS: usize = 50;

/// The results of the queries run, by id.
#[derive(Default)]
pub struct Queries(Mutex<VecDeque<(String, Value)>>);

impl Queries {
    fn keep(&self, id: String, answer: Value) {
        let mut kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back((id, answer));
    }

    fn get(&self, id: &str) -> Option<Value> {
        let kept = self.0.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().find(|(i, _)| i == id).map(|(_, a)| a.clone())
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterException", message)
}

/// The groups a StartQuery names: exactly one of `logGroupName`, `logGroupNames` and
/// `logGroupIdentifiers` (names or ARNs), each of which must exist.
fn groups(cloud: &CloudInner, input: &Input) -> Result<Vec<String>, ApiError> {
    let given = [
        input.get("logGroupName").is_some(),
        input.get("logGroupNames").is_some(),
        input.get("logGroupIdentifiers").is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(invalid(
            "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be given.",
        ));
    }
    let mut names: Vec<String> = match input.str("logGroupName")? {
        Some(name) => vec![name.to_owned()],
        None => {
            let mut names = input.strings("logGroupNames")?;
            names.extend(input.strings("logGroupIdentifiers")?.into_iter().map(|id| {
                id.split_once(":log-group:")
                    .map_or(id.as_str(), |(_, rest)| rest.trim_end_matches(":*"))
                    .to_owned()
            }));
            names
        }
    };
    if names.is_empty() || names.len() > MAX_GROUPS {
        return Err(invalid(format!(
            "A query reads 1 to {MAX_GROUPS} log groups."
        )));
    }
    names.sort();
    names.dedup();
    let known = super::logs::group_names(cloud);
    if let Some(missing) = names.iter().find(|n| !known.contains(*n)) {
        return Err(ApiError::new(
            "ResourceNotFoundException",
            format!("Log group '{missing}' does not exist."),
        ));
    }
    Ok(names)
}

/// StartQuery: runs the query over the groups' events from `startTime` to `endTime`
/// (epoch seconds, both included) and answers its id.
pub fn start_query(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let groups = groups(cloud, input)?;
    let start = input
        .int("startTime", 0, i64::MAX / 1000)?
        .ok_or_else(|| invalid("startTime is required."))?;
    let end = input
        .int("endTime", 0, i64::MAX / 1000)?
        .ok_or_else(|| invalid("endTime is required."))?;
    if end < start {
        return Err(invalid("endTime must not be before startTime."));
    }
    let text = input.required_str("queryString")?;
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(invalid(format!(
            "queryString is longer than {MAX_QUERY_CHARS} characters."
        )));
    }
    let limit = input.int("limit", 1, MAX_RESULTS)?.unwrap_or(MAX_RESULTS) as usize;
    let query = Query::parse(text).map_err(|why| {
        ApiError::new(
            "MalformedQueryException",
            format!("Query is malformed: {why}"),
        )
    })?;
    let (start_ms, end_ms) = (start * 1000, end * 1000 + 999);
    let mut records = Vec::new();
    let mut bytes = 0usize;
    for group in &groups {
        for event in cloud.logs.events(group) {
            if (start_ms..=end_ms).contains(&event.timestamp_ms) {
                bytes += event.text.len();
                records.push((
                    event.timestamp_ms,
                    Record::new(
                        group,
                        &cloud.model.account_id,
                        event.seq,
                        event.timestamp_ms,
                        &event.text,
                    ),
                ));
            }
        }
    }
    records.sort_by_key(|(at, _)| *at);
    let scanned = records.len();
    let rows = query.run(records.into_iter().map(|(_, r)| r).collect(), limit);
    let results: Vec<Value> = rows
        .iter()
        .map(|row| {
            Value::Array(
                row.iter()
                    .map(|(field, value)| json!({"field": field, "value": value}))
                    .collect(),
            )
        })
        .collect();
    let id = uuid::Uuid::new_v4().to_string();
    cloud.queries.keep(
        id.clone(),
        json!({
            "results": results,
            "statistics": {
                "recordsMatched": rows.len() as f64,
                "recordsScanned": scanned as f64,
                "bytesScanned": bytes as f64,
            },
            "status": "Complete",
        }),
    );
    Ok(json!({"queryId": id}))
}

/// GetQueryResults of a query started here.
pub fn get_query_results(cloud: &CloudInner, input: &Input) -> Result<Value, ApiError> {
    let id = input.required_str("queryId")?;
    cloud.queries.get(id).ok_or_else(|| {
        ApiError::new(
            "ResourceNotFoundException",
            format!("Query {id} does not exist."),
        )
    })
}
