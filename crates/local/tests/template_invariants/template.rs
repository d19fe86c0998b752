//! Loading `template.yaml` and walking what it declares: the resource types the checks look
//! at, the resources of each, the resource a reference names, and the assertion each check's
//! test makes on the gaps it finds.

use serde_json::Value;

#[path = "../repo_template/mod.rs"]
mod repo_template;

pub(crate) const QUEUE: &str = "AWS::SQS::Queue";
pub(crate) const FUNCTION: &str = "AWS::Serverless::Function";
pub(crate) const STATE_MACHINE: &str = "AWS::Serverless::StateMachine";
pub(crate) const ALARM: &str = "AWS::CloudWatch::Alarm";
pub(crate) const DASHBOARD: &str = "AWS::CloudWatch::Dashboard";
pub(crate) const LOG_GROUP: &str = "AWS::Logs::LogGroup";
pub(crate) const TABLE: &str = "AWS::DynamoDB::Table";
pub(crate) const SIMPLE_TABLE: &str = "AWS::Serverless::SimpleTable";
pub(crate) const GLOBAL_TABLE: &str = "AWS::DynamoDB::GlobalTable";
pub(crate) const ROLE: &str = "AWS::IAM::Role";
pub(crate) const MANAGED_POLICY: &str = "AWS::IAM::ManagedPolicy";
pub(crate) const POLICY: &str = "AWS::IAM::Policy";

/// `template.yaml`, long form, its nested applications inlined.
pub(crate) fn template() -> Value {
    repo_template::raw_template()
}

/// Every resource: logical id, type, properties (`Null` when it has none).
pub(crate) fn resources(t: &Value) -> impl Iterator<Item = (&str, &str, &Value)> {
    t["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(id, r)| {
            (
                id.as_str(),
                r["Type"].as_str().unwrap_or(""),
                &r["Properties"],
            )
        })
}

/// The resources of one type: logical id and properties.
pub(crate) fn of_type<'a>(
    t: &'a Value,
    kind: &'a str,
) -> impl Iterator<Item = (&'a str, &'a Value)> {
    resources(t)
        .filter(move |(_, k, _)| *k == kind)
        .map(|(id, _, p)| (id, p))
}

pub(crate) fn type_of<'a>(t: &'a Value, id: &str) -> Option<&'a str> {
    t["Resources"][id]["Type"].as_str()
}

/// The resource a value names and the attribute it takes: `!Ref X` is `(X, None)`,
/// `!GetAtt X.Y` is `(X, Some(Y))`, and so is `!Sub` of nothing but `${X}` or `${X.Y}`.
pub(crate) fn reference(value: &Value) -> Option<(&str, Option<&str>)> {
    let object = value.as_object().filter(|o| o.len() == 1)?;
    if let Some(id) = object.get("Ref").and_then(Value::as_str) {
        return Some((id, None));
    }
    match object.get("Fn::GetAtt") {
        Some(Value::Array(parts)) => {
            if let [Value::String(id), Value::String(attribute)] = parts.as_slice() {
                return Some((id.as_str(), Some(attribute.as_str())));
            }
        }
        Some(Value::String(dotted)) => {
            return dotted.split_once('.').map(|(id, a)| (id, Some(a)));
        }
        _ => {}
    }
    object
        .get("Fn::Sub")
        .and_then(Value::as_str)
        .and_then(placeholder)
}

/// `${X}` or `${X.Y}` as a whole string: `(X, None)` or `(X, Some(Y))`.
pub(crate) fn placeholder(text: &str) -> Option<(&str, Option<&str>)> {
    let inner = text.strip_prefix("${")?.strip_suffix('}')?;
    if inner.is_empty() || inner.starts_with('!') || inner.contains(['$', '{', '}']) {
        return None;
    }
    Some(match inner.split_once('.') {
        Some((id, attribute)) => (id, Some(attribute)),
        None => (inner, None),
    })
}

/// A value that makes a name, as the text `!Sub` would read: a string; `!Sub` text, with
/// the variables of its map written in (a string as itself, a reference as `${X}` or
/// `${X.Y}`); `!Ref X` as `${X}`. So `!Sub ${AWS::StackName}-audit` and a unit's
/// `!Sub ["${Parent}-audit", {Parent: !Ref AWS::StackName}]` read alike.
pub(crate) fn name_text(value: &Value) -> Option<String> {
    if let Some(text) = value.as_str() {
        return Some(text.to_owned());
    }
    if let Some((id, attribute)) = value.get("Ref").and(reference(value)) {
        return Some(written_placeholder(id, attribute));
    }
    match &value["Fn::Sub"] {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => match parts.as_slice() {
            [Value::String(text), variables] => Some(substituted(text, variables)),
            _ => None,
        },
        _ => None,
    }
}

/// A reference as `!Sub` writes it: `${X}` or `${X.Y}`.
pub(crate) fn written_placeholder(id: &str, attribute: Option<&str>) -> String {
    match attribute {
        Some(attribute) => format!("${{{id}.{attribute}}}"),
        None => format!("${{{id}}}"),
    }
}

/// `text` with each `${Name}` of the `!Sub` map `variables` written in, as [`name_text`]
/// writes values; other placeholders stay.
pub(crate) fn substituted(text: &str, variables: &Value) -> String {
    let mut out = text.to_owned();
    for (name, value) in variables.as_object().into_iter().flatten() {
        let written = match value {
            Value::String(s) => s.clone(),
            other => match reference(other) {
                Some((id, attribute)) => written_placeholder(id, attribute),
                None => continue,
            },
        };
        out = out.replace(&format!("${{{name}}}"), &written);
    }
    out
}

/// A string or a list of strings (an IAM `Action` or `Resource`), other items left out.
pub(crate) fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn is_true(value: &Value) -> bool {
    value.as_bool() == Some(true)
        || value
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

/// Panics with every gap, one per line, when there is any.
pub(crate) fn assert_no_gaps(what: &str, gaps: &[String]) {
    assert!(
        gaps.is_empty(),
        "{} gap(s) in template.yaml ({what}):\n  {}",
        gaps.len(),
        gaps.join("\n  ")
    );
}
