//! Alarms and the dashboard: every queue, function and state machine has an alarm on it, and
//! every queue and function is a metric of a dashboard.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::template::{
    ALARM, DASHBOARD, FUNCTION, QUEUE, STATE_MACHINE, of_type, placeholder, reference,
};

/// The kinds of resource every one of which has an alarm and a dashboard metric, and how
/// an alarm's dimension or a dashboard metric names one: the resource type, the noun the
/// failures use, the dimension, and the attributes (`None`: `!Ref`) whose value it takes.
/// An alarm on a queue's URL (`!Ref Queue`) watches nothing: the dimension is its name.
const WATCHED: &[(&str, &str, &str, &[Option<&str>])] = &[
    (QUEUE, "queue", "QueueName", &[Some("QueueName")]),
    (FUNCTION, "function", "FunctionName", &[None]),
    (
        STATE_MACHINE,
        "state machine",
        "StateMachineArn",
        &[None, Some("Arn")],
    ),
];

// ---------------------------------------------------------------- alarms

/// Every `(name, value)` dimension of an alarm: its own `Dimensions` and those of each metric
/// of a metric-math alarm (`Metrics[].MetricStat.Metric.Dimensions`).
pub(crate) fn alarm_dimensions(alarm: &Value) -> Vec<(&str, &Value)> {
    let mut lists = vec![&alarm["Dimensions"]];
    for metric in alarm["Metrics"].as_array().into_iter().flatten() {
        lists.push(&metric["MetricStat"]["Metric"]["Dimensions"]);
    }
    lists
        .into_iter()
        .flat_map(|list| list.as_array().into_iter().flatten())
        .filter_map(|d| Some((d["Name"].as_str()?, &d["Value"])))
        .collect()
}

/// How the template writes a reference to `id` through `attribute`.
fn written(id: &str, attribute: Option<&str>) -> String {
    match attribute {
        Some(attribute) => format!("!GetAtt {id}.{attribute}"),
        None => format!("!Ref {id}"),
    }
}

/// Every queue, function and state machine has at least one alarm on it.
pub(crate) fn alarm_problems(t: &Value) -> Vec<String> {
    let mut watched: BTreeSet<(&str, &str, Option<&str>)> = BTreeSet::new();
    for (_, alarm) in of_type(t, ALARM) {
        for (name, value) in alarm_dimensions(alarm) {
            if let Some((id, attribute)) = reference(value) {
                watched.insert((name, id, attribute));
            }
        }
    }
    let mut problems = Vec::new();
    for &(kind, noun, dimension, attributes) in WATCHED {
        for (id, _) in of_type(t, kind) {
            let alarmed = attributes
                .iter()
                .any(|attribute| watched.contains(&(dimension, id, *attribute)));
            if !alarmed {
                problems.push(format!(
                    "{noun} {id} has no alarm (an {ALARM} with Dimensions {dimension}: {})",
                    written(id, attributes[0])
                ));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------- dashboard

/// The text of a dashboard's body and the variables of its `Fn::Sub`, if it has that form.
fn dashboard_body(p: &Value) -> Option<(&str, Option<&Value>)> {
    match &p["DashboardBody"] {
        Value::String(text) => Some((text, None)),
        body => match &body["Fn::Sub"] {
            Value::String(text) => Some((text, None)),
            Value::Array(parts) => match parts.as_slice() {
                [Value::String(text), variables] => Some((text, Some(variables))),
                _ => None,
            },
            _ => None,
        },
    }
}

/// `(dimension, resource, attribute)`: a resource a dashboard metric names, as in
/// `"QueueName", "${ShippingQueue.QueueName}"`.
type Shown = BTreeSet<(String, String, Option<String>)>;

/// Every resource a metric of a dashboard names, with the problems of the dashboards whose
/// body this check cannot read.
fn dashboard_dimensions(t: &Value) -> (Shown, Vec<String>) {
    let mut named = BTreeSet::new();
    let mut problems = Vec::new();
    for (id, p) in of_type(t, DASHBOARD) {
        let Some((text, variables)) = dashboard_body(p) else {
            problems.push(format!(
                "dashboard {id}'s DashboardBody is neither a string nor an Fn::Sub of one, so \
                 its metrics cannot be read"
            ));
            continue;
        };
        // Substitutions sit inside JSON strings, so the body parses before they are made.
        let body: Value = match serde_json::from_str(text) {
            Ok(body) => body,
            Err(e) => {
                problems.push(format!("dashboard {id}'s DashboardBody is not JSON: {e}"));
                continue;
            }
        };
        for widget in body["widgets"].as_array().into_iter().flatten() {
            for metric in widget["properties"]["metrics"]
                .as_array()
                .into_iter()
                .flatten()
            {
                // [namespace, metric name, dimension, value, dimension, value, …, {options}]
                let items: Vec<&str> = metric
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map_while(Value::as_str)
                    .collect();
                for pair in items.get(2..).unwrap_or_default().chunks_exact(2) {
                    let Some((name, attribute)) = placeholder(pair[1]) else {
                        continue;
                    };
                    // `${Variable}` of the Fn::Sub's map: the reference it holds.
                    let target = match variables.map(|v| &v[name]) {
                        Some(value) if attribute.is_none() && !value.is_null() => reference(value),
                        _ => Some((name, attribute)),
                    };
                    if let Some((resource, attribute)) = target {
                        named.insert((
                            pair[0].to_owned(),
                            resource.to_owned(),
                            attribute.map(str::to_owned),
                        ));
                    }
                }
            }
        }
    }
    (named, problems)
}

/// Every queue and function is a metric of a dashboard.
pub(crate) fn dashboard_problems(t: &Value) -> Vec<String> {
    let (named, mut problems) = dashboard_dimensions(t);
    let dashboards: Vec<&str> = of_type(t, DASHBOARD).map(|(id, _)| id).collect();
    let place = if dashboards.is_empty() {
        format!("an {DASHBOARD}, of which the template has none")
    } else {
        format!("the DashboardBody of {}", dashboards.join(" or "))
    };
    for &(kind, noun, dimension, attributes) in WATCHED {
        for (id, _) in of_type(t, kind) {
            let shown = attributes.iter().any(|attribute| {
                named.contains(&(
                    dimension.to_owned(),
                    id.to_owned(),
                    attribute.map(str::to_owned),
                ))
            });
            if !shown {
                let value = match attributes[0] {
                    Some(attribute) => format!("${{{id}.{attribute}}}"),
                    None => format!("${{{id}}}"),
                };
                problems.push(format!(
                    "{noun} {id} is on no dashboard (a metric with \"{dimension}\", \"{value}\" \
                     in {place})"
                ));
            }
        }
    }
    problems
}
