//! Logs: every function writes to a log group of the template, and every log group keeps its
//! lines for a bounded time.

use serde_json::Value;

use crate::template::{self, FUNCTION, LOG_GROUP, of_type, reference};

/// A log group name as text: as [`template::name_text`] reads it, or a `!Join ["", …]` of
/// strings and references (each written `${X}` / `${X.Y}`, as `!Sub` would).
fn name_text(value: &Value) -> Option<String> {
    if value.get("Fn::Join").is_none() {
        return template::name_text(value);
    }
    let [separator, Value::Array(parts)] = value["Fn::Join"].as_array()?.as_slice() else {
        return None;
    };
    let separator = separator.as_str()?;
    let parts: Option<Vec<String>> = parts
        .iter()
        .map(|part| match part {
            Value::String(s) => Some(s.clone()),
            other => {
                reference(other).map(|(id, attribute)| template::written_placeholder(id, attribute))
            }
        })
        .collect();
    Some(parts?.join(separator))
}

/// The log group of the template a function writes to: `LoggingConfig.LogGroup` (its own, else
/// the Globals'), else the group Lambda writes to by default, `/aws/lambda/<function name>`.
fn function_log_group<'a>(t: &'a Value, id: &str, p: &Value) -> Result<&'a str, String> {
    let configured = match &p["LoggingConfig"]["LogGroup"] {
        Value::Null => &t["Globals"]["Function"]["LoggingConfig"]["LogGroup"],
        own => own,
    };
    let groups = || of_type(t, LOG_GROUP);
    if configured.is_null() {
        let mut defaults = vec![format!("/aws/lambda/${{{id}}}")];
        if let Some(name) = name_text(&p["FunctionName"]) {
            defaults.push(format!("/aws/lambda/{name}"));
        }
        return groups()
            .find(|(_, g)| name_text(&g["LogGroupName"]).is_some_and(|n| defaults.contains(&n)))
            .map(|(group, _)| group)
            .ok_or_else(|| {
                format!(
                    "function {id} has no log group of the template (LoggingConfig.LogGroup: \
                     !Ref <an {LOG_GROUP}>, or an {LOG_GROUP} with LogGroupName: !Sub \
                     /aws/lambda/${{{id}}}): Lambda would create one that keeps its lines forever"
                )
            });
    }
    if let Some((group, None)) = reference(configured)
        && let Some((found, _)) = groups().find(|(g, _)| *g == group)
    {
        return Ok(found);
    }
    // A name written out: the group of the template with that name.
    groups()
        .find(|(_, g)| {
            name_text(&g["LogGroupName"]).is_some_and(|n| Some(n) == name_text(configured))
        })
        .map(|(group, _)| group)
        .ok_or_else(|| {
            format!(
                "function {id}'s LoggingConfig.LogGroup {configured} is no {LOG_GROUP} of the \
                 template (write !Ref <an {LOG_GROUP}>)"
            )
        })
}

/// Every function logs to a log group of the template that has a retention.
pub(crate) fn function_log_problems(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (id, p) in of_type(t, FUNCTION) {
        match function_log_group(t, id, p) {
            Err(problem) => problems.push(problem),
            Ok(group) if t["Resources"][group]["Properties"]["RetentionInDays"].is_null() => {
                problems.push(format!(
                    "function {id}'s log group {group} has no RetentionInDays: it would keep the \
                     function's lines forever"
                ));
            }
            Ok(_) => {}
        }
    }
    problems
}

/// Every log group (functions', state machines', the API's access log) has a retention.
pub(crate) fn log_group_problems(t: &Value) -> Vec<String> {
    of_type(t, LOG_GROUP)
        .filter(|(_, p)| p["RetentionInDays"].is_null())
        .map(|(id, _)| {
            format!(
                "log group {id} has no RetentionInDays: CloudWatch Logs would keep its lines \
                 forever"
            )
        })
        .collect()
}
