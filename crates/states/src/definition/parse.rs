//! The top level of a definition and its branches: StartAt, States, transitions and
//! reachability.

use super::StateMachine;
use super::model::{Branch, Kind, QueryLanguage, State};
use super::parse_state::parse_state;
use crate::problems::{self, Problems, ValidationError};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

const TOP_FIELDS: &[&str] = &[
    "Comment",
    "StartAt",
    "States",
    "TimeoutSeconds",
    "Version",
    "QueryLanguage",
];

pub(super) fn parse(definition: &str) -> Result<StateMachine, ValidationError> {
    let mut problems = Problems::default();
    let value: Value = match serde_json::from_str(definition) {
        Ok(v) => v,
        Err(e) => {
            problems.add(
                problems::BAD_JSON,
                "/",
                format!("The definition is not valid JSON: {e}"),
            );
            return Err(ValidationError {
                problems: problems.list,
            });
        }
    };
    let Some(obj) = value.as_object() else {
        problems.schema("/", "The definition must be a JSON object");
        return Err(ValidationError {
            problems: problems.list,
        });
    };
    for key in obj.keys() {
        if !TOP_FIELDS.contains(&key.as_str()) {
            problems.schema(
                format!("/{key}"),
                format!("Field \"{key}\" is not supported"),
            );
        }
    }
    let query_language = match query_language(obj, "", None, &mut problems) {
        Some(ql) => ql,
        None => QueryLanguage::JsonPath,
    };
    let timeout_seconds = match obj.get("TimeoutSeconds") {
        None => None,
        Some(v) => match v.as_u64().filter(|n| *n > 0) {
            Some(n) => Some(n),
            None => {
                problems.schema(
                    "/TimeoutSeconds",
                    "The value for the field 'TimeoutSeconds' must be a positive integer",
                );
                None
            }
        },
    };
    if let Some(version) = obj.get("Version")
        && !version.is_string()
    {
        problems.schema(
            "/Version",
            "The value for the field 'Version' must be a STRING",
        );
    }
    let comment = obj
        .get("Comment")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let root = parse_branch(obj, "", query_language, &mut problems);
    match root {
        Some(root) if problems.list.is_empty() => Ok(StateMachine {
            root: Arc::new(root),
            timeout_seconds,
            query_language,
            comment,
        }),
        _ => Err(ValidationError {
            problems: problems.list,
        }),
    }
}

/// Reads a `QueryLanguage` field. A JSONPath state inside a JSONata machine is refused,
/// as AWS refuses it.
pub(super) fn query_language(
    obj: &Map<String, Value>,
    location: &str,
    machine: Option<QueryLanguage>,
    problems: &mut Problems,
) -> Option<QueryLanguage> {
    let value = obj.get("QueryLanguage")?;
    let ql = match value.as_str() {
        Some("JSONPath") => QueryLanguage::JsonPath,
        Some("JSONata") => QueryLanguage::Jsonata,
        _ => {
            problems.schema(
                format!("{location}/QueryLanguage"),
                "The value for the field 'QueryLanguage' must be one of JSONPath, JSONata",
            );
            return None;
        }
    };
    if machine == Some(QueryLanguage::Jsonata) && ql == QueryLanguage::JsonPath {
        // CreateStateMachine's words and location (recorded on AWS).
        problems.schema(
            location,
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        );
    }
    Some(ql)
}

/// Parses `StartAt` and `States` of the machine or of a branch at `location`.
pub(super) fn parse_branch(
    obj: &Map<String, Value>,
    location: &str,
    machine_ql: QueryLanguage,
    problems: &mut Problems,
) -> Option<Branch> {
    // Both missing fields in one problem, States first, as CreateStateMachine names them
    // (recorded on AWS: "These fields are required: [States, StartAt]").
    let missing: Vec<&str> = ["States", "StartAt"]
        .into_iter()
        .filter(|f| !obj.contains_key(*f))
        .collect();
    if !missing.is_empty() {
        problems.schema(
            location_or_root(location),
            format!("These fields are required: [{}]", missing.join(", ")),
        );
    }
    let start_at = match obj.get("StartAt") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            problems.schema(
                format!("{location}/StartAt"),
                "The value for the field 'StartAt' must be a STRING",
            );
            None
        }
        None => None,
    };
    let states_obj = match obj.get("States") {
        Some(Value::Object(m)) if !m.is_empty() => Some(m),
        Some(Value::Object(_)) => {
            problems.schema(
                format!("{location}/States"),
                "The field 'States' must have at least one state",
            );
            None
        }
        Some(_) => {
            problems.schema(
                format!("{location}/States"),
                "The value for the field 'States' must be an OBJECT",
            );
            None
        }
        None => None,
    };
    let (start_at, states_obj) = (start_at?, states_obj?);
    let names: HashMap<String, usize> = states_obj
        .keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();
    let Some(&start) = names.get(start_at) else {
        problems.add(
            problems::MISSING_TARGET,
            format!("{location}/StartAt"),
            format!("Missing 'Next' target: {start_at}"),
        );
        return None;
    };
    let before = problems.list.len();
    let mut states: Vec<State> = Vec::with_capacity(states_obj.len());
    for (name, value) in states_obj {
        let here = format!("{location}/States/{name}");
        if name.is_empty() || name.chars().count() > 80 {
            problems.schema(&here, "A state name must be 1 to 80 characters long");
        }
        if let Some(state) = parse_state(name, value, &here, &names, machine_ql, problems) {
            states.push(state);
        }
    }
    if problems.list.len() > before || states.len() != states_obj.len() {
        return None;
    }
    check_reachability(&states, start, location, problems);
    Some(Branch {
        start_at: start,
        states,
        names,
    })
}

fn location_or_root(location: &str) -> String {
    if location.is_empty() {
        "/".to_owned()
    } else {
        location.to_owned()
    }
}

fn successors(state: &State) -> Vec<usize> {
    let mut out: Vec<usize> = state.next.into_iter().collect();
    if let Kind::Choice { choices, default } = &state.kind {
        out.extend(choices.iter().map(|c| c.next));
        out.extend(default.iter().copied());
    }
    out.extend(state.catch.iter().map(|c| c.next));
    out
}

fn check_reachability(states: &[State], start: usize, location: &str, problems: &mut Problems) {
    let mut seen = vec![false; states.len()];
    let mut stack = vec![start];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        stack.extend(successors(&states[i]));
    }
    for (state, reached) in states.iter().zip(&seen) {
        if !reached {
            problems.add(
                problems::UNREACHABLE,
                format!("{location}/States/{}", state.name),
                format!("State \"{}\" is not reachable.", state.name),
            );
        }
    }
    let terminal = states
        .iter()
        .any(|s| s.next.is_none() && !matches!(s.kind, Kind::Choice { .. }));
    if !terminal {
        problems.add(
            problems::NO_TERMINAL,
            format!("{location}/States"),
            "Workflow has no terminal state",
        );
    }
}
