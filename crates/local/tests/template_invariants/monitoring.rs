//! Alarms and the dashboard: every queue, function and state machine has an alarm on it, and
//! every queue and function is a metric of a dashboard.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::template::{
    ALARM, DASHBOARD, FUNCTION, QUEUE, STATE_MACHINE, name_text, of_type, placeholder, reference,
    substituted, written_placeholder,
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

/// The function whose `FunctionName` reads as `text` (see [`name_text`]): a function named
/// in the template is watched by its name where a reference would make a cycle (a unit that
/// feeds the function and watches it).
fn function_named<'a>(t: &'a Value, text: &str) -> Option<&'a str> {
    of_type(t, FUNCTION)
        .find(|(_, p)| name_text(&p["FunctionName"]).is_some_and(|name| name == text))
        .map(|(id, _)| id)
}

/// Every queue, function and state machine has at least one alarm on it.
pub(crate) fn alarm_problems(t: &Value) -> Vec<String> {
    let mut watched: BTreeSet<(&str, &str, Option<&str>)> = BTreeSet::new();
    for (_, alarm) in of_type(t, ALARM) {
        for (name, value) in alarm_dimensions(alarm) {
            if let Some((id, attribute)) = reference(value) {
                watched.insert((name, id, attribute));
            } else if let Some(id) = name_text(value).and_then(|text| function_named(t, &text)) {
                watched.insert((name, id, None));
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

/// The texts of a dashboard's body and the variables of their `Fn::Sub`: one, or one per
/// branch of an `Fn::If`; `None` for a body of another form.
fn dashboard_bodies(p: &Value) -> Option<Vec<(&str, Option<&Value>)>> {
    fn one(body: &Value) -> Option<(&str, Option<&Value>)> {
        match body {
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
    let body = &p["DashboardBody"];
    match body["Fn::If"].as_array().map(Vec::as_slice) {
        Some([_, then, otherwise]) => Some(vec![one(then)?, one(otherwise)?]),
        _ => Some(vec![one(body)?]),
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
    let bodies = of_type(t, DASHBOARD).flat_map(|(id, p)| match dashboard_bodies(p) {
        Some(bodies) => bodies.into_iter().map(|b| (id, Some(b))).collect(),
        None => vec![(id, None)],
    });
    for (id, body) in bodies {
        let Some((text, variables)) = body else {
            problems.push(format!(
                "dashboard {id}'s DashboardBody is neither a string, an Fn::Sub of one, nor an \
                 Fn::If of those, so its metrics cannot be read"
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
                    // A function by its name: `${Parent}-audit` with `Parent` a variable.
                    let text = variables.map_or(pair[1].to_owned(), |v| substituted(pair[1], v));
                    if let Some(function) = function_named(t, &text) {
                        named.insert((pair[0].to_owned(), function.to_owned(), None));
                        continue;
                    }
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
                let value = written_placeholder(id, attributes[0]);
                problems.push(format!(
                    "{noun} {id} is on no dashboard (a metric with \"{dimension}\", \"{value}\" \
                     in {place})"
                ));
            }
        }
    }
    problems
}
